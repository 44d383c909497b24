//! NEON encode: `ld3` splits 48 bytes into the first, second and third
//! bytes of 16 groups, four `tbl` lookups turn their sextets into
//! characters, and `st4` interleaves them back. The MIME variant writes
//! whole 76-character lines with their CRLF.

use core::arch::aarch64::*;

use super::{EncodeLut, BYTES, CHARS, HALF_BYTES, HALF_CHARS};
use crate::simd::scalar::base64::{LINE_CHARS, LINE_INPUT, LINE_OUTPUT};
use crate::simd::B64Alphabet;

/// Encodes the 48 bytes at `src` into 64 characters at `dst`.
///
/// # Safety
/// `src[..48]` must be readable and `dst[..64]` writable.
#[target_feature(enable = "neon")]
#[inline]
// SAFETY: sound when src[..48] is readable and dst[..64] writable (the caller's contract).
unsafe fn block(lut: EncodeLut, src: *const u8, dst: *mut u8) {
    // SAFETY: the caller guarantees both ranges; `ld3`/`st4` touch exactly them.
    unsafe { vst4q_u8(dst, lut.encode(vld3q_u8(src))) }
}

/// Encodes the 24 bytes at `src` into 32 characters at `dst`.
///
/// # Safety
/// `src[..24]` must be readable and `dst[..32]` writable.
#[target_feature(enable = "neon")]
#[inline]
// SAFETY: sound when src[..24] is readable and dst[..32] writable (the caller's contract).
unsafe fn half_block(lut: EncodeLut, src: *const u8, dst: *mut u8) {
    // SAFETY: the caller guarantees both ranges; `ld3`/`st4` touch exactly them.
    unsafe { vst4_u8(dst, lut.encode_half(vld3_u8(src))) }
}

/// Bulk encode of whole 3-byte groups. See `simd::B64EncodeFn`.
///
/// Works in 48-byte steps, then at most one 24-byte step; leaves fewer
/// than 24 bytes (or less room than 32 characters) to the scalar code.
///
/// # Safety
/// The CPU must support NEON.
#[target_feature(enable = "neon")]
pub(crate) unsafe fn encode(input: &[u8], out: &mut [u8], alphabet: B64Alphabet) -> (usize, usize) {
    let lut = EncodeLut::new(alphabet);
    let (src, dst) = (input.as_ptr(), out.as_mut_ptr());
    let (mut i, mut o) = (0, 0);
    // Two steps per iteration halve the loop overhead.
    for _ in 0..(input.len() / (2 * BYTES)).min(out.len() / (2 * CHARS)) {
        // SAFETY: input[i..i + 96] and out[o..o + 128] are in bounds (loop count).
        unsafe {
            block(lut, src.add(i), dst.add(o));
            block(lut, src.add(i + BYTES), dst.add(o + CHARS));
        }
        i += 2 * BYTES;
        o += 2 * CHARS;
    }
    if input.len() - i >= BYTES && out.len() - o >= CHARS {
        // SAFETY: input[i..i + 48] and out[o..o + 64] are in bounds (checked).
        unsafe { block(lut, src.add(i), dst.add(o)) };
        i += BYTES;
        o += CHARS;
    }
    if input.len() - i >= HALF_BYTES && out.len() - o >= HALF_CHARS {
        // SAFETY: input[i..i + 24] and out[o..o + 32] are in bounds (checked).
        unsafe { half_block(lut, src.add(i), dst.add(o)) };
        i += HALF_BYTES;
        o += HALF_CHARS;
    }
    (i, o)
}

/// Where the second, overlapping step of a line starts: its 24 bytes end
/// the line's 57, and its 32 characters end the line's 76.
const TAIL_IN: usize = LINE_INPUT - HALF_BYTES;
const TAIL_OUT: usize = LINE_CHARS - HALF_CHARS;

/// Bulk MIME encode: whole 57-byte lines as 76 characters plus CRLF. See
/// `simd::B64EncodeMimeFn`.
///
/// A line is 19 groups: one 16-group step for groups 0..16 and one 8-group
/// step for groups 11..19, which rewrites 5 groups with the same
/// characters instead of handling a 3-group tail.
///
/// # Safety
/// The CPU must support NEON.
#[target_feature(enable = "neon")]
pub(crate) unsafe fn encode_mime(
    input: &[u8],
    out: &mut [u8],
    alphabet: B64Alphabet,
) -> (usize, usize) {
    let lut = EncodeLut::new(alphabet);
    let (src, dst) = (input.as_ptr(), out.as_mut_ptr());
    let (mut i, mut o) = (0, 0);
    for _ in 0..(input.len() / LINE_INPUT).min(out.len() / LINE_OUTPUT) {
        // SAFETY: input[i..i + 57] and out[o..o + 78] are in bounds (loop
        // count); the steps read input[i..i + 48] and [i + 33..i + 57],
        // and write out[o..o + 64], [o + 44..o + 76] and the CRLF at o + 76.
        unsafe {
            block(lut, src.add(i), dst.add(o));
            half_block(lut, src.add(i + TAIL_IN), dst.add(o + TAIL_OUT));
            dst.add(o + LINE_CHARS)
                .cast::<[u8; 2]>()
                .write_unaligned(*b"\r\n");
        }
        i += LINE_INPUT;
        o += LINE_OUTPUT;
    }
    (i, o)
}
