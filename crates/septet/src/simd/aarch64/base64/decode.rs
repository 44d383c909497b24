//! NEON decode: `ld4` splits 64 characters into the first, second, third
//! and fourth characters of 16 quads, two `tbx` lookups each give their
//! sextets (or a value above 63), and `st3` stores the packed bytes.

use core::arch::aarch64::*;

use super::{decode_block, decode_half_block, DecodeLut, BYTES, CHARS, HALF_BYTES, HALF_CHARS};
use crate::simd::B64Alphabet;

/// Bulk decode of alphabet-only blocks. See `simd::B64DecodeFn`.
///
/// Works in 64-character steps, then 32-character ones, and stops before
/// the first step holding any other byte; nothing is stored for a step
/// that fails, so `out[written..]` is untouched.
///
/// # Safety
/// The CPU must support NEON.
#[target_feature(enable = "neon")]
pub(crate) unsafe fn decode(input: &[u8], out: &mut [u8], alphabet: B64Alphabet) -> (usize, usize) {
    let lut = DecodeLut::new(alphabet);
    let (src, dst) = (input.as_ptr(), out.as_mut_ptr());
    let (mut i, mut o) = (0, 0);
    // Counted loops; pairs of steps share one validity test. A failed
    // pair is retried a step at a time, so the clean step before a bad one
    // is still taken.
    for _ in 0..(input.len() / (2 * CHARS)).min(out.len() / (2 * BYTES)) {
        // SAFETY: input[i..i + 128] and out[o..o + 96] are in bounds (loop count).
        let ok = unsafe { decode_pair(lut, src.add(i), dst.add(o)) };
        if !ok {
            break;
        }
        i += 2 * CHARS;
        o += 2 * BYTES;
    }
    for _ in 0..((input.len() - i) / CHARS).min((out.len() - o) / BYTES) {
        // SAFETY: input[i..i + 64] and out[o..o + 48] are in bounds (loop count).
        let ok = unsafe { decode_block(lut, src.add(i), dst.add(o)) };
        if !ok {
            break;
        }
        i += CHARS;
        o += BYTES;
    }
    // Also the first half of a failed full step, if it is clean.
    while input.len() - i >= HALF_CHARS && out.len() - o >= HALF_BYTES {
        // SAFETY: input[i..i + 32] and out[o..o + 24] are in bounds (loop condition).
        let ok = unsafe { decode_half_block(lut, src.add(i), dst.add(o)) };
        if !ok {
            break;
        }
        i += HALF_CHARS;
        o += HALF_BYTES;
    }
    (i, o)
}

/// [`decode_block`] on 128 characters to 96 bytes, with one test.
///
/// # Safety
/// `src[..128]` must be readable and `dst[..96]` writable.
#[target_feature(enable = "neon")]
#[inline]
// SAFETY: sound when src[..128] is readable and dst[..96] writable (the caller's contract).
unsafe fn decode_pair(lut: DecodeLut, src: *const u8, dst: *mut u8) -> bool {
    // SAFETY: the caller guarantees src[..128] readable.
    let ((x, x_any), (y, y_any)) = unsafe {
        (
            lut.decode_any(vld4q_u8(src)),
            lut.decode_any(vld4q_u8(src.add(CHARS))),
        )
    };
    let ok = vmaxvq_u8(vorrq_u8(x_any, y_any)) < 64;
    if ok {
        // SAFETY: the caller guarantees dst[..96] writable.
        unsafe {
            vst3q_u8(dst, x);
            vst3q_u8(dst.add(BYTES), y);
        }
    }
    ok
}

/// Decodes `n` characters at `src` (`n` a multiple of 4, at least 32) into
/// `dst`: full steps, then one half step placed to end exactly at `n`
/// (rewriting a few bytes with the same values). Returns how many
/// characters were decoded and stored: `n`, or the start of the first step
/// holding a byte outside the alphabet (a multiple of 4).
///
/// # Safety
/// `src[..n]` must be readable and `dst[..n / 4 * 3]` writable; `n >= 32`
/// and `n % 4 == 0`.
#[target_feature(enable = "neon")]
#[inline]
pub(super) unsafe fn decode_span(lut: DecodeLut, src: *const u8, n: usize, dst: *mut u8) -> usize {
    let mut k = 0;
    // Every step lies inside src[..n] and dst[..n / 4 * 3] (the last one
    // starts at n - 32 >= 0, on a quad boundary since n and 32 are
    // multiples of 4).
    while n - k >= 2 * CHARS {
        // SAFETY: k + 128 <= n (loop condition), in the ranges the caller guarantees.
        let ok = unsafe { decode_pair(lut, src.add(k), dst.add(k / 4 * 3)) };
        if !ok {
            break;
        }
        k += 2 * CHARS;
    }
    while n - k >= CHARS {
        // SAFETY: k + 64 <= n (loop condition), in the ranges the caller guarantees.
        let ok = unsafe { decode_block(lut, src.add(k), dst.add(k / 4 * 3)) };
        if !ok {
            return k;
        }
        k += CHARS;
    }
    if n - k >= HALF_CHARS {
        // SAFETY: k + 32 <= n (checked), in the ranges the caller guarantees.
        let ok = unsafe { decode_half_block(lut, src.add(k), dst.add(k / 4 * 3)) };
        if !ok {
            return k;
        }
        k += HALF_CHARS;
    }
    if k < n {
        let at = n - HALF_CHARS;
        // SAFETY: at = n - 32 >= 0, in the ranges the caller guarantees.
        let ok = unsafe { decode_half_block(lut, src.add(at), dst.add(at / 4 * 3)) };
        if !ok {
            return k;
        }
    }
    n
}
