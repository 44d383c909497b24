//! Helpers shared by the base64 integration tests: a seeded generator,
//! alignment-controlled input copies, canary-guarded output buffers, MIME
//! line layouts, and mismatch reports that say which kernel, length and
//! offset went wrong.
//!
//! Each test binary uses a different subset, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod harness;
pub mod model;

use std::fmt::Write as _;

use septet::base64::{Alphabet, Codec, DecodeError};
use septet::simd::Isa;

/// What a codec call gave: the output, or the decode error.
pub type Outcome = Result<Vec<u8>, DecodeError>;

/// Both alphabets, so every check runs on `+/` and on `-_`.
pub const ALPHABETS: [Alphabet; 2] = [Alphabet::Standard, Alphabet::UrlSafe];

/// The bytes MIME decoding skips.
pub const MIME_SPACE: [u8; 4] = [b'\r', b'\n', b' ', b'\t'];

/// Byte written around every output; chosen outside the base64 alphabet so
/// an encoder writing past its end cannot restore it by accident.
pub const CANARY: u8 = 0xa5;

/// Input buffers are placed at `offset` bytes past a 64-byte boundary.
pub const ALIGN: usize = 64;

/// Deterministic generator (SplitMix64): the tests need reproducible data,
/// not cryptographic randomness, and no extra dependency.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5eb7_e7ba_5e64_0000)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`); the modulo bias is irrelevant here.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `1 / n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(n + 8);
        while v.len() < n {
            v.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        v.truncate(n);
        v
    }
}

/// Short inputs in full, long ones as length plus head and tail.
pub fn hex(bytes: &[u8]) -> String {
    fn put(s: &mut String, bytes: &[u8]) {
        for b in bytes {
            let _ = write!(s, "{b:02x}");
        }
    }
    let mut s = String::new();
    if bytes.len() <= 160 {
        put(&mut s, bytes);
    } else {
        let _ = write!(s, "[{} bytes] ", bytes.len());
        put(&mut s, &bytes[..64]);
        s.push_str("..");
        put(&mut s, &bytes[bytes.len() - 64..]);
    }
    s
}

/// Hex of `bytes[at - 16 .. at + 16]`, to show where two outputs diverge.
pub fn hex_around(bytes: &[u8], at: usize) -> String {
    let start = at.saturating_sub(16).min(bytes.len());
    let end = (at + 16).min(bytes.len());
    format!("@{start}: {}", hex(&bytes[start..end]))
}

/// The codec of `isa`; panics with a clear message if the CPU lacks it.
pub fn codec(alphabet: Alphabet, isa: Isa) -> Codec {
    Codec::with_isa(alphabet, isa)
        .unwrap_or_else(|e| panic!("Codec::with_isa({alphabet:?}, {isa}) failed: {e}"))
}

/// The reference codec every kernel is compared with.
pub fn scalar(alphabet: Alphabet) -> Codec {
    codec(alphabet, Isa::Scalar)
}

/// Every kernel set this CPU runs, each bound to `alphabet`.
pub fn codecs(alphabet: Alphabet) -> Vec<Codec> {
    septet::simd::available()
        .into_iter()
        .map(|isa| codec(alphabet, isa))
        .collect()
}

/// Bytes outside the alphabet, `=` excluded; whitespace excluded when
/// `mime` (MIME decoding skips it). Ordered so that cycling through the
/// list soon reaches the bytes adjacent to the alphabet ranges and the
/// other alphabet's two characters, where vector range checks go wrong.
pub fn invalid_bytes(alphabet: Alphabet, mime: bool) -> Vec<u8> {
    let table = alphabet.encode_table();
    let tricky = [
        b'-', b'_', b'+', b'/', b'@', b'[', b'`', b'{', b'.', b':', b'*', 0x00, 0x7f, 0x80, 0xff,
        0xc0, 0xab, 0xaf, 0xad, 0xdf,
    ];
    let rest = 0..=255u8;
    tricky
        .into_iter()
        .chain(rest)
        .filter(|b| !table.contains(b) && *b != b'=')
        .filter(|b| !(mime && MIME_SPACE.contains(b)))
        .fold(Vec::new(), |mut v, b| {
            if !v.contains(&b) {
                v.push(b);
            }
            v
        })
}

/// A 64-byte-aligned scratch area that holds a copy of the input at a
/// chosen misalignment, so kernels see every pointer alignment.
#[derive(Default)]
pub struct Placed {
    buf: Vec<u8>,
}

impl Placed {
    pub fn put(&mut self, data: &[u8], offset: usize) -> &[u8] {
        self.buf.clear();
        self.buf.resize(data.len() + 2 * ALIGN + offset, 0);
        let start = (ALIGN - self.buf.as_ptr() as usize % ALIGN) % ALIGN + offset;
        self.buf[start..start + data.len()].copy_from_slice(data);
        &self.buf[start..start + data.len()]
    }
}

/// An output buffer filled with [`CANARY`], of which the codec is given
/// `len` bytes starting `offset` bytes past a 64-byte boundary. The bytes
/// before the window and after the reported length must stay canaries.
#[derive(Default)]
pub struct Guarded {
    buf: Vec<u8>,
    start: usize,
    len: usize,
}

/// Canary bytes kept after the window the codec may use.
const TAIL_GUARD: usize = 96;

impl Guarded {
    /// Refills the buffer and returns the `len`-byte window for the codec.
    pub fn window(&mut self, offset: usize, len: usize) -> &mut [u8] {
        self.buf.clear();
        self.buf
            .resize(len + 2 * ALIGN + offset + TAIL_GUARD, CANARY);
        self.start = (ALIGN - self.buf.as_ptr() as usize % ALIGN) % ALIGN + offset;
        self.len = len;
        &mut self.buf[self.start..self.start + len]
    }

    /// Checks the canaries around the first `written` bytes of the window
    /// (or, after an error, only those outside the window), and returns the
    /// output. `ctx` describes the call for the panic message.
    pub fn output(&self, written: Option<usize>, ctx: &dyn Fn() -> String) -> &[u8] {
        let keep = written.unwrap_or(self.len);
        assert!(
            keep <= self.len,
            "{}: reported {keep} bytes written into a {}-byte buffer",
            ctx(),
            self.len
        );
        if let Some(i) = self.buf[..self.start].iter().position(|&b| b != CANARY) {
            panic!(
                "{}: byte {} BEFORE the output buffer was overwritten",
                ctx(),
                self.start - i
            );
        }
        let tail = &self.buf[self.start + keep..];
        if let Some(i) = tail.iter().position(|&b| b != CANARY) {
            panic!(
                "{}: canary {} bytes past the {} bytes {} overwritten with 0x{:02x} \
                 (window is {} bytes)",
                ctx(),
                i,
                keep,
                if written.is_some() {
                    "reported written"
                } else {
                    "of the buffer (after an error)"
                },
                tail[i],
                self.len
            );
        }
        &self.buf[self.start..self.start + keep]
    }
}

/// Panics with the first difference if `got != want`.
pub fn assert_same(got: &Outcome, want: &Outcome, ctx: &dyn Fn() -> String) {
    if got == want {
        return;
    }
    match (got, want) {
        (Ok(g), Ok(w)) => {
            let at = g.iter().zip(w).position(|(a, b)| a != b);
            let at = at.unwrap_or(g.len().min(w.len()));
            panic!(
                "{}\n  outputs differ: got {} bytes, want {} bytes, first difference at {at}\n  \
                 got  {}\n  want {}",
                ctx(),
                g.len(),
                w.len(),
                hex_around(g, at),
                hex_around(w, at)
            );
        }
        _ => panic!(
            "{}\n  got  {}\n  want {}",
            ctx(),
            summary(got),
            summary(want)
        ),
    }
}

/// `Ok(<n bytes> hex)` or the error, for messages.
pub fn summary(r: &Outcome) -> String {
    match r {
        Ok(v) => format!("Ok({} bytes: {})", v.len(), hex(v)),
        Err(e) => format!("Err({:?} at offset {}: {e})", e.kind, e.offset),
    }
}

/// Removes CR and LF, then breaks `text` into lines of `line` characters
/// (`0` = one line) each followed by `eol`, the last one included.
pub fn rewrap(text: &[u8], line: usize, eol: &[u8]) -> Vec<u8> {
    let flat: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'\r' | b'\n'))
        .collect();
    if line == 0 || flat.is_empty() {
        return flat;
    }
    let mut out = Vec::with_capacity(flat.len() + flat.len() / line * eol.len() + eol.len());
    for chunk in flat.chunks(line) {
        out.extend_from_slice(chunk);
        out.extend_from_slice(eol);
    }
    out
}

/// Inserts skippable whitespace (single bytes, CRLF, and now and then a
/// run longer than a vector block) before about one byte in `every`.
pub fn sprinkle_space(text: &[u8], rng: &mut Rng, every: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 2);
    for &b in text.iter().chain(std::iter::once(&b'\0')) {
        if rng.one_in(every) {
            match rng.below(8) {
                0 => out.extend_from_slice(b"\r\n"),
                1 => {
                    let run = 60 + rng.below(140);
                    out.extend((0..run).map(|_| rng.pick(&MIME_SPACE)));
                }
                _ => out.push(rng.pick(&MIME_SPACE)),
            }
        }
        out.push(b);
    }
    out.pop();
    out
}

/// Inserts bytes from `junk` before about one byte in `every`, with an
/// occasional long run.
pub fn sprinkle_junk(text: &[u8], rng: &mut Rng, every: usize, junk: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 2);
    for &b in text.iter().chain(std::iter::once(&b'\0')) {
        if rng.one_in(every) {
            let run = if rng.one_in(16) {
                40 + rng.below(100)
            } else {
                1
            };
            out.extend((0..run).map(|_| rng.pick(junk)));
        }
        out.push(b);
    }
    out.pop();
    out
}
