//! The one-shot decoder's path for well-formed input: the bulk kernel over
//! the whole input (as the reference driver starts), then the last quanta
//! and the padding decoded inline instead of byte by byte through the state
//! machine. Anything it does not recognise is left, at a quantum boundary,
//! to the reference path, so results and error offsets do not change.

use super::engine::DecodeRules;
use super::scalar::{is_mime_space, INVALID};
use crate::simd::{B64Alphabet as Alphabet, Kernels};

/// How far the fast path got.
pub(crate) enum Progress {
    /// The whole input decoded into this many bytes; it ended well.
    Done(usize),
    /// `input[..consumed]` (whole quanta) decoded into `out[..written]`;
    /// the reference path continues from there.
    Partial { consumed: usize, written: usize },
}

/// Decodes what it can of `input` into `out`, which must hold
/// `input.len() / 4 * 3 + 2` bytes (the reference driver's worst case).
#[inline]
pub(crate) fn decode(
    k: &Kernels,
    alphabet: Alphabet,
    rules: DecodeRules,
    input: &[u8],
    out: &mut [u8],
) -> Progress {
    let kernel = if rules.skip_space {
        k.b64_decode_mime
    } else {
        k.b64_decode
    };
    // A padded last quantum would stop the kernel's last block one quad
    // early; hand the kernel the input without it (when it is plainly the
    // last 4 bytes, before any trailing whitespace) and finish it below.
    let mut body = input.len();
    if rules.skip_space {
        while body > 0 && is_mime_space(input[body - 1]) {
            body -= 1;
        }
    }
    if body >= 4 && input[body - 1] == b'=' {
        body -= 4;
    }
    let (c, w) = kernel(&input[..body], out, alphabet);
    finish(
        &input[c..],
        &mut out[w..],
        alphabet.decode_table(),
        rules.skip_space,
    )
    .shift(c, w)
}

impl Progress {
    /// This progress counted from `input[consumed..]`, `out[written..]`.
    fn shift(self, consumed: usize, written: usize) -> Progress {
        match self {
            Progress::Done(w) => Progress::Done(written + w),
            Progress::Partial {
                consumed: c,
                written: w,
            } => Progress::Partial {
                consumed: consumed + c,
                written: written + w,
            },
        }
    }
}

/// The last few quanta: whole quads of alphabet characters, then at most one
/// padded quantum (`xx==` or `xxx=` with zero spare bits), with whitespace
/// between quanta skipped in MIME. Stops at the first quantum that is
/// anything else (or has whitespace inside), or is padded and followed by
/// anything but whitespace.
#[inline]
fn finish(rest: &[u8], out: &mut [u8], table: &[u8; 256], skip_space: bool) -> Progress {
    // The usual ending first: one padded quantum, then nothing (or line
    // breaks in MIME); the loop below takes every other ending.
    if let Some((&q, after)) = rest.split_first_chunk::<4>() {
        if q[3] == b'=' && after.iter().all(|&t| skip_space && is_mime_space(t)) {
            if let Some((bits, n @ 1..=2)) = quad(q, table) {
                if let Some(dst) = out.get_mut(..n) {
                    dst[0] = bits[1];
                    if n == 2 {
                        dst[1] = bits[2];
                    }
                    return Progress::Done(n);
                }
            }
        }
    }
    let (mut i, mut written) = (0, 0);
    loop {
        if skip_space {
            while i < rest.len() && is_mime_space(rest[i]) {
                i += 1;
            }
        }
        let Some(&[a, b, c, d]) = rest.get(i..).and_then(|r| r.first_chunk::<4>()) else {
            break;
        };
        match quad([a, b, c, d], table) {
            Some((bits, 3)) => {
                let Some(dst) = out.get_mut(written..written + 3) else {
                    break;
                };
                dst.copy_from_slice(&bits[1..]);
                written += 3;
                i += 4;
            }
            Some((bits, n)) => {
                let after = &rest[i + 4..];
                if !after.iter().all(|&t| skip_space && is_mime_space(t)) {
                    break;
                }
                // n is 1 or 2: fixed-size writes, not a copy of n bytes.
                match out.get_mut(written..written + 2) {
                    Some(dst) if n == 2 => dst.copy_from_slice(&bits[1..3]),
                    _ => match out.get_mut(written) {
                        Some(dst) if n == 1 => *dst = bits[1],
                        _ => break,
                    },
                }
                return Progress::Done(written + n);
            }
            None => break,
        }
    }
    if i == rest.len() {
        return Progress::Done(written);
    }
    Progress::Partial {
        consumed: i,
        written,
    }
}

/// One quantum: its 24 bits (big-endian, in bytes 1..4) and how many bytes
/// it decodes to: 3 from 4 characters, 1 or 2 from a padded one with zero
/// spare bits. `None` for anything else.
#[inline]
fn quad(quad: [u8; 4], table: &[u8; 256]) -> Option<([u8; 4], usize)> {
    let v = quad.map(|c| table[usize::from(c)]);
    // Sextets are below 64, so an OR is INVALID iff one of them is.
    if v[0] | v[1] == INVALID {
        return None;
    }
    let bytes = match (quad[2], quad[3]) {
        _ if v[2] | v[3] != INVALID => 3,
        (b'=', b'=') if v[1] & 0x0f == 0 => 1,
        (_, b'=') if v[2] != INVALID && v[2] & 0x03 == 0 => 2,
        _ => return None,
    };
    // Padding's INVALID values only reach the bytes not used.
    let bits = u32::from(v[0]) << 18
        | u32::from(v[1]) << 12
        | u32::from(v[2] & 0x3f) << 6
        | u32::from(v[3] & 0x3f);
    Some((bits.to_be_bytes(), bytes))
}
