//! Downgrade throughput, fed the way a relay reads: in 64 KiB chunks (and
//! 1 MiB for the attachment), the output of each chunk consumed (cleared)
//! before the next, as a streaming writer would.
//!
//! Groups are `downgrade/<shape>`; throughput counts input bytes:
//! - `attachment-100MiB`: a short 8-bit text part and a 100 MiB binary
//!   attachment (CTE binary, re-encoded as base64).
//!   `encode_mime-64KiB-chunks-bound` is septet's MIME base64 encode of the
//!   attachment alone, chunked the same way: the downgrade cannot beat it.
//! - `text-8bit-8MiB`: one UTF-8 prose part, mostly ASCII with accents,
//!   CTE 8bit (re-encoded as quoted-printable).
//! - `many-parts`: 8,000 small parts, 8-bit text, 7-bit text and binary
//!   mixed (the default part limit is 10,000).
//! - `passthrough-base64-8MiB`: an already 7-bit message (a base64
//!   attachment), only checked and copied.
//!
//! Each group has a `memcpy` row: the same input copied chunk by chunk.
//! Every message's output is checked once (7-bit, expected actions).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use septet::downgrade::{needs_downgrade, Action, Downgrader, LineEnding, Options};

const KIB64: usize = 64 << 10;
const MIB: usize = 1 << 20;

/// A deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// UTF-8 prose: words of 1..10 letters, CRLF every 60..90 bytes, an
/// accented letter in about 4% of words (about 1% of bytes are 8-bit).
fn prose(rng: &mut Rng, len: usize, out: &mut Vec<u8>) {
    const ACCENTS: [&str; 6] = ["é", "ü", "ß", "à", "ö", "ç"];
    let end = out.len() + len;
    let mut line = 0;
    while out.len() < end {
        let word = 1 + rng.below(10);
        for _ in 0..word {
            out.push(b'a' + rng.below(26) as u8);
        }
        match rng.below(100) {
            0..=3 => out.extend_from_slice(ACCENTS[rng.below(6)].as_bytes()),
            4..=8 => out.push(b','),
            9 => out.push(b'.'),
            _ => {}
        }
        line += word + 1;
        if line > 60 + rng.below(30) {
            out.extend_from_slice(b"\r\n");
            line = 0;
        } else {
            out.push(b' ');
        }
    }
    out.extend_from_slice(b"\r\n");
}

fn binary(rng: &mut Rng, len: usize, out: &mut Vec<u8>) {
    let start = out.len();
    while out.len() < start + len {
        out.extend_from_slice(&rng.next().to_le_bytes());
    }
    out.truncate(start + len);
}

const HEAD: &[u8] = b"From: a@example.org\r\nTo: b@example.net\r\nSubject: bench\r\n\
    MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"=_septet_bench\"\r\n\r\n";
const DELIM: &[u8] = b"\r\n--=_septet_bench\r\n";
const CLOSE: &[u8] = b"\r\n--=_septet_bench--\r\n";
const TEXT_8BIT: &[u8] =
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
const TEXT_7BIT: &[u8] =
    b"Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n";

/// A short 8-bit text part and a `size`-byte binary attachment.
fn attachment(size: usize) -> (Vec<u8>, std::ops::Range<usize>) {
    let mut rng = Rng(0xa77);
    let mut m = HEAD.to_vec();
    m.extend_from_slice(&DELIM[2..]);
    m.extend_from_slice(TEXT_8BIT);
    prose(&mut rng, 2000, &mut m);
    m.extend_from_slice(DELIM);
    m.extend_from_slice(
        b"Content-Type: application/octet-stream\r\n\
        Content-Disposition: attachment; filename=\"data.bin\"\r\n\
        Content-Transfer-Encoding: binary\r\n\r\n",
    );
    let start = m.len();
    binary(&mut rng, size, &mut m);
    let range = start..m.len();
    m.extend_from_slice(CLOSE);
    (m, range)
}

/// One UTF-8 prose part of about `size` bytes, CTE 8bit.
fn text_message(size: usize) -> Vec<u8> {
    let mut rng = Rng(0x7e47);
    let mut m = b"From: a@example.org\r\nSubject: bench\r\nMIME-Version: 1.0\r\n".to_vec();
    m.extend_from_slice(TEXT_8BIT);
    prose(&mut rng, size, &mut m);
    m
}

/// `parts` small parts: 8-bit text, 7-bit text, binary, in turn.
fn many_parts(parts: usize) -> Vec<u8> {
    let mut rng = Rng(0x3a7);
    let mut m = HEAD.to_vec();
    for i in 0..parts {
        m.extend_from_slice(if i == 0 { &DELIM[2..] } else { DELIM });
        let len = 200 + rng.below(800);
        match i % 3 {
            0 => {
                m.extend_from_slice(TEXT_8BIT);
                prose(&mut rng, len, &mut m);
            }
            1 => {
                m.extend_from_slice(TEXT_7BIT);
                let start = m.len();
                prose(&mut rng, len, &mut m);
                for b in &mut m[start..] {
                    if *b >= 0x80 {
                        *b = b'e';
                    }
                }
            }
            _ => {
                m.extend_from_slice(
                    b"Content-Type: application/octet-stream\r\n\
                    Content-Transfer-Encoding: binary\r\n\r\n",
                );
                binary(&mut rng, len, &mut m);
            }
        }
    }
    m.extend_from_slice(CLOSE);
    m
}

/// A 7-bit message: a short text part and a base64 attachment of `size`
/// encoded bytes.
fn passthrough(size: usize) -> Vec<u8> {
    let mut rng = Rng(0xb64);
    let mut m = HEAD.to_vec();
    m.extend_from_slice(&DELIM[2..]);
    m.extend_from_slice(TEXT_7BIT);
    m.extend_from_slice(b"Hello,\r\n\r\nthe data is attached.\r\n");
    m.extend_from_slice(DELIM);
    m.extend_from_slice(
        b"Content-Type: application/octet-stream\r\n\
        Content-Transfer-Encoding: base64\r\n\r\n",
    );
    let mut raw = Vec::new();
    binary(&mut rng, size / 78 * 57, &mut raw);
    m.extend_from_slice(septet::base64::encode_mime(&raw).as_bytes());
    m.extend_from_slice(CLOSE);
    m
}

/// Downgrades `msg` fed in `chunk`-byte pieces; each piece's output is
/// dropped after it is produced. Returns the output length.
fn downgrade(msg: &[u8], chunk: usize, out: &mut Vec<u8>) -> u64 {
    downgrade_with(Options::default(), msg, chunk, out)
}

/// [`downgrade`] with `options`.
fn downgrade_with(options: Options, msg: &[u8], chunk: usize, out: &mut Vec<u8>) -> u64 {
    let mut d = Downgrader::new(options);
    let mut total = 0;
    for piece in msg.chunks(chunk) {
        out.clear();
        d.feed(black_box(piece), out).unwrap();
        total += black_box(&out).len() as u64;
    }
    out.clear();
    d.finish(out).unwrap();
    total + out.len() as u64
}

/// Checks once that `msg` downgrades to 7-bit output with these actions
/// (in part order, containers included), whatever the chunking.
fn check(msg: &[u8], actions: &[Action]) {
    let mut whole = Vec::new();
    let mut d = Downgrader::new(Options::default());
    d.feed(msg, &mut whole).unwrap();
    let report = d.finish(&mut whole).unwrap();
    assert!(whole.is_ascii());
    let got: Vec<Action> = report.parts.iter().map(|p| p.action).collect();
    assert_eq!(&got[..actions.len().min(got.len())], actions);
    let mut streamed = Vec::new();
    let mut d = Downgrader::new(Options::default());
    for piece in msg.chunks(KIB64 - 1) {
        d.feed(piece, &mut streamed).unwrap();
    }
    d.finish(&mut streamed).unwrap();
    assert!(streamed == whole, "chunking changed the output");
}

fn rows(
    g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    msg: &[u8],
    chunks: &[usize],
) {
    g.throughput(Throughput::Bytes(msg.len() as u64));
    let mut out = Vec::with_capacity(4 * MIB);
    for &chunk in chunks {
        let name = if chunk >= MIB {
            format!("septet-{}MiB-chunks", chunk / MIB)
        } else {
            format!("septet-{}KiB-chunks", chunk >> 10)
        };
        g.bench_function(name, |b| b.iter(|| downgrade(msg, chunk, &mut out)));
    }
    g.bench_function("memcpy-64KiB-chunks", |b| {
        b.iter(|| {
            for piece in msg.chunks(KIB64) {
                out.clear();
                out.extend_from_slice(black_box(piece));
                black_box(&out);
            }
        })
    });
}

fn bench(c: &mut Criterion) {
    use Action::*;

    let (msg, range) = attachment(100 * MIB);
    check(&msg, &[Kept, QuotedPrintable, Base64]);
    let mut g = c.benchmark_group("downgrade/attachment-100MiB");
    rows(&mut g, &msg, &[KIB64, MIB]);
    // The bound: MIME base64 of the attachment alone, in whole lines of
    // about 64 KiB into a buffer reused like the downgrade's output.
    let raw = &msg[range];
    let piece = KIB64 / 57 * 57;
    let mut encoded = vec![0; piece / 57 * 78];
    g.throughput(Throughput::Bytes(raw.len() as u64));
    g.bench_function("encode_mime-64KiB-chunks-bound", |b| {
        b.iter(|| {
            for chunk in raw.chunks(piece) {
                black_box(
                    septet::base64::encode_mime_to_slice(black_box(chunk), &mut encoded)
                        .expect("room for whole lines"),
                );
            }
        })
    });
    g.finish();
    drop(msg);

    let msg = text_message(8 * MIB);
    check(&msg, &[QuotedPrintable]);
    let mut g = c.benchmark_group("downgrade/text-8bit-8MiB");
    rows(&mut g, &msg, &[KIB64]);
    // The cost of LF output (CR LF made LF where each call wrote it),
    // against the CRLF row above.
    let lf = Options {
        line_ending: LineEnding::Lf,
        ..Options::default()
    };
    let mut out = Vec::with_capacity(4 * MIB);
    g.bench_function("septet-64KiB-chunks-lf", |b| {
        b.iter(|| downgrade_with(lf, &msg, KIB64, &mut out))
    });
    g.finish();

    let msg = many_parts(8000);
    check(&msg, &[Kept, QuotedPrintable, Kept, Base64]);
    let mut g = c.benchmark_group("downgrade/many-parts-8000");
    rows(&mut g, &msg, &[KIB64]);
    g.finish();

    let msg = passthrough(8 * MIB);
    check(&msg, &[Kept, Kept, Kept]);
    let mut g = c.benchmark_group("downgrade/passthrough-base64-8MiB");
    rows(&mut g, &msg, &[KIB64]);
    // What `convert --downgrade` pays for a message that needs no change.
    assert!(!needs_downgrade(&msg));
    g.bench_function("needs_downgrade", |b| {
        b.iter(|| needs_downgrade(black_box(&msg)))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
