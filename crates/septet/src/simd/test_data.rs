//! Test data shared by the kernel tests at this layer and the codec tests
//! above it: noise, scalar reference encodings, and the decode-input shapes
//! (line widths, sprinkled white space) the decode kernels must handle.

use super::scalar::base64::{encode_tail, B64Alphabet};

/// `n` bytes of xorshift noise: reproducible without a dependency.
pub(crate) fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect()
}

/// The padded base64 encoding of `input`, by the scalar reference.
pub(crate) fn b64_reference(input: &[u8], alphabet: B64Alphabet) -> Vec<u8> {
    let mut out = vec![0; input.len().div_ceil(3) * 4];
    let n = encode_tail(input, &mut out, alphabet);
    out.truncate(n);
    out
}

/// Decodes whole quads of alphabet characters (no padding, no other byte).
pub(crate) fn b64_decode_quads(chars: &[u8], alphabet: B64Alphabet) -> Vec<u8> {
    let table = alphabet.decode_table();
    assert_eq!(chars.len() % 4, 0, "whole quads only");
    chars
        .chunks_exact(4)
        .flat_map(|q| {
            let n = q
                .iter()
                .fold(0u32, |n, &c| n << 6 | u32::from(table[c as usize]));
            [(n >> 16) as u8, (n >> 8) as u8, n as u8]
        })
        .collect()
}

/// Encodings of noise: plain; in lines of 76 + CRLF, 64 + LF, 72 + CRLF
/// (with one short line in the middle); with whitespace sprinkled in.
pub(crate) fn b64_samples(len: usize, alphabet: B64Alphabet) -> Vec<Vec<u8>> {
    let plain = b64_reference(&noise(len, len as u64 + 7), alphabet);
    let wrap = |width: usize, eol: &[u8]| -> Vec<u8> {
        let mut out = Vec::new();
        for (k, line) in plain.chunks(width).enumerate() {
            let cut = if k == 3 { line.len() / 2 } else { line.len() };
            out.extend_from_slice(&line[..cut]);
            out.extend_from_slice(eol);
            out.extend_from_slice(&line[cut..]);
        }
        out
    };
    let spaced = plain.iter().enumerate().flat_map(|(k, &b)| match k % 23 {
        5 => vec![b' ', b],
        11 => vec![b'\n', b'\t', b],
        _ => vec![b],
    });
    let mut lines76: Vec<u8> = plain
        .chunks(76)
        .flat_map(|l| [l, b"\r\n"])
        .flatten()
        .copied()
        .collect();
    lines76.truncate(lines76.len().saturating_sub(2));
    vec![
        plain.clone(),
        lines76,
        plain
            .chunks(64)
            .flat_map(|l| [l, b"\n"])
            .flatten()
            .copied()
            .collect(),
        wrap(72, b"\r\n"),
        spaced.collect(),
    ]
}

/// xorshift64: reproducible data without a dependency.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Data of one of several shapes, each stressing other paths: long
    /// lines, CRLF lines of every length near 76, UTF-8, binary, blank runs
    /// and blanks at line ends, guards after breaks, bare CR/LF.
    pub(crate) fn data(&mut self, len: usize) -> Vec<u8> {
        let shape = self.below(7);
        let mut v = Vec::with_capacity(len + 100);
        while v.len() < len {
            match shape {
                0 => v.push(self.next() as u8),
                1 => {
                    let n = 60 + self.below(30);
                    v.extend((0..n).map(|_| b'a' + self.below(26) as u8));
                    v.extend_from_slice(b"\r\n");
                }
                _ => match self.below(24) {
                    0..=9 => {
                        let n = 1 + self.below(12);
                        v.extend((0..n).map(|_| b'a' + self.below(26) as u8));
                    }
                    10..=12 => v.push(b' '),
                    13 if shape >= 4 => v.extend_from_slice(b"  \t "),
                    13 | 14 => v.extend_from_slice("é".as_bytes()),
                    15 if shape >= 3 => v.extend_from_slice(b"\r\n"),
                    16 if shape >= 5 => v.extend_from_slice(
                        [&b"\r\n."[..], b"\r\nFrom ", b" \r\n", b"."][self.below(4)],
                    ),
                    17 if shape == 6 => v.push([b'\r', b'\n', b'='][self.below(3)]),
                    18 if shape >= 4 => v.push(0x80 + self.below(128) as u8),
                    19 => v.extend(std::iter::repeat_n(b'x', self.below(100))),
                    _ => v.push(b"=.,;F!~"[self.below(7)]),
                },
            }
        }
        v.truncate(len);
        v
    }
}
