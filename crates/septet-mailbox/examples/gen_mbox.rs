//! Writes a seeded, deterministic mboxrd archive of realistic messages for
//! the conversion benchmark: 8-bit UTF-8 and Latin-1 text, HTML
//! alternatives, base64 and raw binary attachments, quoted-printable and
//! plain ASCII 7-bit mail, raw UTF-8 headers, and body lines starting with
//! `From ` (which mboxrd quotes). See [`message`] for the mix.
//!
//! ```text
//! cargo run --release --example gen_mbox -- OUT.mbox --messages 100000 --size 1G [--seed 1] [--crlf]
//! ```
//!
//! `--size` is the approximate total (suffixes K, M, G: powers of 1024);
//! message sizes vary from a quarter to four times `size / messages`
//! (skewed small), whatever the kind of message. The same arguments always
//! produce the same bytes. `--messages 100000 --size 1G` makes messages of
//! about 10.7 KiB on average, the benchmark's archive
//! (scripts/bench_archive.sh).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use septet_mailbox::{LineEnding, MboxWriter};

/// SplitMix64: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "the",
    "mail",
    "archive",
    "Grüße",
    "aus",
    "Köln",
    "naïve",
    "café",
    "crème",
    "brûlée",
    "Ελληνικά",
    "Привет",
    "мир",
    "日本語",
    "テキスト",
    "中文",
    "😀",
    "€",
    "–",
    "quarterly",
    "report",
    "meeting",
    "déjà",
    "vu",
    "smørrebrød",
    "Ærø",
    "façade",
    "jalapeño",
    "Zürich",
    "straße",
    "über",
];
const ASCII_WORDS: &[&str] = &[
    "the",
    "mail",
    "archive",
    "quarterly",
    "report",
    "meeting",
    "agenda",
    "budget",
    "please",
    "review",
    "attached",
    "thanks",
    "regards",
    "tomorrow",
    "schedule",
    "server",
    "release",
];
const LATIN1: &[&[u8]] = &[
    b"caf\xe9",
    b"na\xefve",
    b"Gr\xfc\xdfe",
    b"\xe0 bient\xf4t",
    b"se\xf1or",
    b"plain",
];
const NAMES: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
];
const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

fn parse_size(s: &str) -> Option<u64> {
    let (digits, shift) = match s.as_bytes().last()? {
        b'K' | b'k' => (&s[..s.len() - 1], 10),
        b'M' | b'm' => (&s[..s.len() - 1], 20),
        b'G' | b'g' => (&s[..s.len() - 1], 30),
        _ => (s, 0),
    };
    digits.parse::<u64>().ok()?.checked_mul(1 << shift)
}

/// Lines of prose totalling about `bytes`, some starting with `From `:
/// mostly English with some accented, Greek, Cyrillic or CJK words (a
/// message in ten is mostly non-ASCII), so the downgrade picks
/// quoted-printable for some and base64 for others.
fn prose(rng: &mut Rng, bytes: usize, out: &mut Vec<u8>, nl: &[u8]) {
    let start = out.len();
    let eight_bit_in_16 = if rng.below(10) == 0 { 12 } else { 2 };
    while out.len() - start < bytes {
        if rng.below(40) == 0 {
            out.extend_from_slice(b"From ");
        }
        if rng.below(60) == 0 {
            out.extend_from_slice(b">From ");
        }
        for i in 0..6 + rng.below(8) {
            if i > 0 {
                out.push(b' ');
            }
            let words = if rng.below(16) < eight_bit_in_16 {
                WORDS
            } else {
                ASCII_WORDS
            };
            out.extend_from_slice(rng.pick(words).as_bytes());
        }
        out.extend_from_slice(nl);
    }
}

fn header(rng: &mut Rng, i: usize, subject: &str, nl: &str) -> String {
    let from = rng.pick(NAMES);
    let to = rng.pick(NAMES);
    format!(
        "From: {from} <{from}@example.org>{nl}To: {to} <{to}@example.net>{nl}\
         Subject: {subject} #{i}{nl}Date: Mon, 1 Jan 2024 00:00:00 +0000{nl}\
         Message-ID: <{i}.{}@gen.example.org>{nl}MIME-Version: 1.0{nl}",
        rng.next() % 1_000_000
    )
}

/// Lines of plain ASCII prose totalling about `bytes` (7-bit mail), some
/// starting with `From `.
fn ascii_prose(rng: &mut Rng, bytes: usize, out: &mut Vec<u8>, nl: &[u8]) {
    let start = out.len();
    while out.len() - start < bytes {
        if rng.below(40) == 0 {
            out.extend_from_slice(b"From ");
        }
        for i in 0..6 + rng.below(8) {
            if i > 0 {
                out.push(b' ');
            }
            out.extend_from_slice(rng.pick(ASCII_WORDS).as_bytes());
        }
        out.extend_from_slice(nl);
    }
}

/// `len` bytes of an uncompressed binary file: random bytes, so every
/// byte value, NUL and bare CR occur.
fn binary(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut raw = Vec::with_capacity(len + 8);
    while raw.len() < len {
        raw.extend_from_slice(&rng.next().to_le_bytes());
    }
    raw.truncate(len);
    raw
}

/// One message of about `size` bytes. The mix (in twentieths): 8-bit
/// UTF-8 text 6, Latin-1 text 1, 8-bit text/HTML alternatives 2, text with
/// a base64 attachment 2, text with a raw binary attachment 2, quoted-
/// printable 2, plain 7-bit ASCII 2, raw UTF-8 header and body 3.
fn message(rng: &mut Rng, i: usize, size: usize, nl: &str) -> Vec<u8> {
    let nlb = nl.as_bytes();
    let mut m = Vec::with_capacity(size + 1024);
    match rng.below(20) {
        // 8-bit UTF-8 text.
        0..=5 => {
            m.extend(header(rng, i, "Grüße", nl).bytes());
            m.extend(format!("Content-Type: text/plain; charset=utf-8{nl}Content-Transfer-Encoding: 8bit{nl}{nl}").bytes());
            prose(rng, size, &mut m, nlb);
        }
        // Latin-1 text.
        6 => {
            m.extend(header(rng, i, "Latin-1", nl).bytes());
            m.extend(format!("Content-Type: text/plain; charset=iso-8859-1{nl}Content-Transfer-Encoding: 8bit{nl}{nl}").bytes());
            while m.len() < size {
                for _ in 0..10 {
                    m.extend_from_slice(LATIN1[rng.below(LATIN1.len())]);
                    m.push(b' ');
                }
                m.extend_from_slice(nlb);
            }
        }
        // Text and HTML alternatives, both 8-bit.
        7..=8 => {
            m.extend(header(rng, i, "Alternatives", nl).bytes());
            m.extend(format!("Content-Type: multipart/alternative; boundary=\"alt{i}\"{nl}{nl}--alt{i}{nl}Content-Type: text/plain; charset=utf-8{nl}Content-Transfer-Encoding: 8bit{nl}{nl}").bytes());
            prose(rng, size / 2, &mut m, nlb);
            m.extend(format!("--alt{i}{nl}Content-Type: text/html; charset=utf-8{nl}Content-Transfer-Encoding: 8bit{nl}{nl}<p>").bytes());
            prose(rng, size / 2, &mut m, nlb);
            m.extend(format!("</p>{nl}--alt{i}--{nl}").bytes());
        }
        // Text with an attachment carrying most of the size: already
        // base64 (7-bit), or raw binary (must become base64).
        9..=12 => {
            let raw_attachment = rng.below(2) == 0;
            m.extend(header(rng, i, "Attachment", nl).bytes());
            m.extend(format!("Content-Type: multipart/mixed; boundary=\"mix{i}\"{nl}{nl}--mix{i}{nl}Content-Type: text/plain; charset=utf-8{nl}Content-Transfer-Encoding: 8bit{nl}{nl}").bytes());
            prose(rng, 300.min(size), &mut m, nlb);
            let cte = if raw_attachment { "binary" } else { "base64" };
            m.extend(format!("--mix{i}{nl}Content-Type: application/octet-stream; name=\"f{i}.bin\"{nl}Content-Disposition: attachment; filename=\"f{i}.bin\"{nl}Content-Transfer-Encoding: {cte}{nl}{nl}").bytes());
            if raw_attachment {
                m.extend(binary(rng, size.saturating_sub(600)));
                m.extend_from_slice(nlb);
            } else {
                let raw = binary(rng, size.saturating_sub(600) * 3 / 4);
                let encoded = septet::base64::encode_mime(&raw);
                let encoded = if nl == "\n" {
                    encoded.replace("\r\n", "\n")
                } else {
                    encoded
                };
                m.extend(encoded.bytes());
            }
            m.extend(format!("--mix{i}--{nl}").bytes());
        }
        // Already 7-bit: quoted-printable.
        13..=14 => {
            m.extend(header(rng, i, "QP", nl).bytes());
            m.extend(format!("Content-Type: text/plain; charset=utf-8{nl}Content-Transfer-Encoding: quoted-printable{nl}{nl}").bytes());
            while m.len() < size {
                m.extend(
                    format!(
                        "Gr=C3=BC=C3=9Fe aus K=C3=B6ln, line {}{nl}",
                        rng.next() % 1000
                    )
                    .bytes(),
                );
            }
        }
        // Already 7-bit: plain ASCII, no MIME labels.
        15..=16 => {
            m.extend(header(rng, i, "Plain", nl).bytes());
            m.extend_from_slice(nlb);
            ascii_prose(rng, size, &mut m, nlb);
        }
        // Raw UTF-8 in the header (SMTPUTF8 style).
        _ => {
            m.extend(header(rng, i, "Zürich – 日本語", nl).bytes());
            m.extend(format!("Content-Type: text/plain; charset=utf-8{nl}{nl}").bytes());
            prose(rng, size, &mut m, nlb);
        }
    }
    m
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out = None;
    let (mut messages, mut size, mut seed, mut crlf) = (1000usize, 8u64 << 20, 1u64, false);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--messages" => messages = value()?.parse().map_err(|e| format!("--messages: {e}"))?,
            "--size" => size = parse_size(value()?).ok_or("--size: expected N, NK, NM or NG")?,
            "--seed" => seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--crlf" => crlf = true,
            other if out.is_none() && !other.starts_with("--") => out = Some(other.to_owned()),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    let out =
        out.ok_or("usage: gen_mbox OUT.mbox [--messages N] [--size BYTES] [--seed S] [--crlf]")?;
    let (nl, eol) = if crlf {
        ("\r\n", LineEnding::CrLf)
    } else {
        ("\n", LineEnding::Lf)
    };
    let file = File::create(&out).map_err(|e| format!("{out}: {e}"))?;
    let mut w = MboxWriter::new(BufWriter::with_capacity(1 << 20, file));
    let mut rng = Rng(seed);
    let mut remaining = size;
    for i in 0..messages {
        let mean = remaining / (messages - i) as u64;
        // Sizes from a quarter to four times the mean, skewed small.
        let factor = [1, 1, 2, 2, 3, 4, 4, 6, 8, 16][rng.below(10)] as u64;
        let target = (mean * factor / 4).max(200) as usize;
        let msg = message(&mut rng, i, target, nl);
        let secs = 1_704_067_200 + i as u64 * 37;
        let (day, hms) = (secs / 86_400, secs % 86_400);
        let from = format!(
            "From {}@example.org {} Jan {:>2} {:02}:{:02}:{:02} 2024",
            NAMES[i % NAMES.len()],
            DAYS[(day % 7) as usize],
            (day - 19_723) % 31 + 1,
            hms / 3600,
            hms / 60 % 60,
            hms % 60
        );
        let n = w
            .write_message(from.as_bytes(), &msg, eol)
            .map_err(|e| format!("{out}: {e}"))?;
        remaining = remaining.saturating_sub(n);
    }
    w.into_inner().flush().map_err(|e| format!("{out}: {e}"))
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_mbox: {e}");
            ExitCode::FAILURE
        }
    }
}
