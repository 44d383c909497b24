//! NEON quoted-printable decode. See `simd::QpDecodeFn` for the contract
//! and the module docs for the shape.

use core::arch::aarch64::*;

use super::{blanks, leading_set, printable, LANES};
use crate::simd::scalar::qp::{escape_at, HEX_VALUE, HEX_VALUE_UPPER, LINE_MAX};

/// Bulk quoted-printable decode. See `simd::QpDecodeFn`.
///
/// Lenient: every byte is copied but `=` (an escape or a soft break, else
/// a stop) and blanks (copied when their run is followed by a byte other
/// than CR or LF). Strict: the same on the first 76 bytes only (columns
/// count from the start of `input`, and this kernel stops at line breaks),
/// with escapes in upper case, no soft breaks, and a stop at any byte
/// outside 33..=126 that is not a blank.
///
/// # Safety
/// The CPU must support NEON.
#[target_feature(enable = "neon")]
pub(crate) unsafe fn decode(input: &[u8], out: &mut [u8], strict: bool) -> (usize, usize) {
    let input = if strict {
        &input[..input.len().min(LINE_MAX)]
    } else {
        input
    };
    let limit = input.len().min(out.len());
    let (mut i, mut o) = (0, 0);
    loop {
        // A step needs the byte after its last lane: i + 17 <= limit.
        while i + LANES < limit {
            // SAFETY: input[i..i + 17] is in bounds (loop condition).
            let (v, next) = unsafe {
                (
                    vld1q_u8(input.as_ptr().add(i)),
                    vld1q_u8(input.as_ptr().add(i + 1)),
                )
            };
            let go = plain(v, next, strict);
            if vminvq_u8(go) == 0xff {
                // SAFETY: out[o..o + 16] is in bounds: o <= i and i + 16 < limit <= out.len().
                unsafe { vst1q_u8(out.as_mut_ptr().add(o), v) };
                i += LANES;
                o += LANES;
                continue;
            }
            let k = leading_set(go);
            out[o..o + k].copy_from_slice(&input[i..i + k]);
            i += k;
            o += k;
            break;
        }
        match item(input, i, out, o, strict) {
            Some((ni, no)) => (i, o) = (ni, no),
            None => return (i, o),
        }
    }
}

/// Lanes the vector step copies as they are: not `=`, not a blank followed
/// by CR, LF or another blank (those runs need a look further), and in
/// strict mode printable or a blank.
#[target_feature(enable = "neon")]
#[inline]
fn plain(v: uint8x16_t, next: uint8x16_t, strict: bool) -> uint8x16_t {
    let eq = vceqq_u8(v, vdupq_n_u8(b'='));
    let next_break = vorrq_u8(
        blanks(next),
        vorrq_u8(
            vceqq_u8(next, vdupq_n_u8(b'\r')),
            vceqq_u8(next, vdupq_n_u8(b'\n')),
        ),
    );
    let blank = blanks(v);
    let stop = vorrq_u8(eq, vandq_u8(blank, next_break));
    let go = vmvnq_u8(stop);
    if strict {
        vandq_u8(go, vorrq_u8(printable(v), blank))
    } else {
        go
    }
}

/// Decodes the one item at `input[i..]` (as the reference would, from a
/// state with nothing pending), writing its output at `out[o..]`. Returns
/// the new `(i, o)`, or `None` to stop before it.
#[inline]
fn item(input: &[u8], i: usize, out: &mut [u8], o: usize, strict: bool) -> Option<(usize, usize)> {
    let &b = input.get(i)?;
    match b {
        b'=' => {
            let table = if strict { &HEX_VALUE_UPPER } else { &HEX_VALUE };
            if let Some(v) = escape_at(input, i, table) {
                *out.get_mut(o)? = v;
                Some((i + 3, o + 1))
            } else if strict {
                None
            } else if input.get(i + 1) == Some(&b'\n') {
                Some((i + 2, o))
            } else if input.get(i + 1..i + 3) == Some(b"\r\n") {
                Some((i + 3, o))
            } else {
                None
            }
        }
        b' ' | b'\t' => {
            let run = input[i..].iter().position(|&c| c != b' ' && c != b'\t')?;
            match input[i + run] {
                b'\r' | b'\n' => None,
                _ => {
                    out.get_mut(o..o + run)?.copy_from_slice(&input[i..i + run]);
                    Some((i + run, o + run))
                }
            }
        }
        _ if strict && !(33..=126).contains(&b) => None,
        _ => {
            *out.get_mut(o)? = b;
            Some((i + 1, o + 1))
        }
    }
}
