//! NEON quoted-printable decode. See `simd::QpDecodeFn` for the contract
//! and the module docs for the shape.

use core::arch::aarch64::*;

use super::{blanks, lane_bits, leading_set, printable, LANES};
use crate::simd::scalar::qp::{escape_at, HEX_VALUE, HEX_VALUE_UPPER, LINE_MAX};

/// Bulk quoted-printable decode. See `simd::QpDecodeFn`.
///
/// 16 bytes at a time up to the next `=` (lenient mode: or line break;
/// strict mode: or byte outside 33..=126 that is not a blank), blanks
/// included; then that one item; then on. Blanks are trailing (not to be
/// taken) only before a line break or the end, so a step copies a run of
/// blanks only with the byte after it, and leaves runs that end it to the
/// item code, which looks ahead.
/// Strict mode works on the first 76 bytes only (columns count from the
/// start of `input`) and stops at line breaks; lenient mode copies line
/// breaks and removes soft breaks.
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
        while i + LANES <= limit {
            // SAFETY: input[i..i + 16] is in bounds (loop condition).
            let v = unsafe { vld1q_u8(input.as_ptr().add(i)) };
            let go = lane_bits(copied(v, strict));
            if go == u64::MAX && !matches!(input[i + LANES - 1], b' ' | b'\t') {
                // SAFETY: out[o..o + 16] is in bounds: o <= i and i + 16 <= limit <= out.len().
                unsafe { vst1q_u8(out.as_mut_ptr().add(o), v) };
                i += LANES;
                o += LANES;
                continue;
            }
            let mut k = if go == u64::MAX {
                LANES
            } else {
                leading_set(go)
            };
            // Never take a run of blanks that ends the step: what follows
            // it decides, and the reference would hold it pending.
            while k > 0 && matches!(input[i + k - 1], b' ' | b'\t') {
                k -= 1;
            }
            out[o..o + k].copy_from_slice(&input[i..i + k]);
            i += k;
            o += k;
            break;
        }
        // The item at `i`: an escape or soft break, a run of blanks, a
        // line break, a byte the vector step stopped at, or one of the
        // last few bytes. Nothing taken so far ends in a blank (a run of
        // blanks is taken only with the byte after it in sight).
        let step = match input.get(i) {
            Some(&b @ (b'\r' | b'\n')) if !strict => out.get_mut(o).map(|slot| {
                // Lenient mode passes line breaks through.
                *slot = b;
                (i + 1, o + 1)
            }),
            Some(b'\r' | b'\n') | None => None,
            Some(_) => item(input, i, out, o, strict),
        };
        match step {
            Some((ni, no)) => (i, o) = (ni, no),
            None => return (i, o),
        }
    }
}

/// Lanes the vector step copies as they are: lenient mode, all but `=`, CR
/// and LF; strict mode, printable bytes but `=`, and blanks.
#[target_feature(enable = "neon")]
#[inline]
fn copied(v: uint8x16_t, strict: bool) -> uint8x16_t {
    let eq = vceqq_u8(v, vdupq_n_u8(b'='));
    if strict {
        vbicq_u8(vorrq_u8(printable(v), blanks(v)), eq)
    } else {
        let breaks = vorrq_u8(
            vceqq_u8(v, vdupq_n_u8(b'\r')),
            vceqq_u8(v, vdupq_n_u8(b'\n')),
        );
        vmvnq_u8(vorrq_u8(eq, breaks))
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
