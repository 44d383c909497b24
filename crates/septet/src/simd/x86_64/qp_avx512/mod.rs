//! AVX-512 quoted-printable kernels (F, BW, VL, VBMI, VBMI2, BMI2, POPCNT).
//!
//! Both kernels classify 64 input bytes with a handful of compares into
//! 64-bit masks and do the bookkeeping on those masks in general-purpose
//! registers; bytes only move in whole vectors.
//!
//! - Encode ([`encode`], bulk in `stream`): windows of 63 bytes at a fixed
//!   stride. A window without escapes is stored as it is; otherwise each
//!   group of 21 bytes is spread to three slots per byte (`vpermi2b`), the
//!   hex digits looked up with `vpermb`, and `vpcompressb` keeps one slot
//!   per copied byte, three per escape. A group writes at most 63 bytes and
//!   a window without escapes 63, less than a 76-character line, so each
//!   holds at most one soft break, on the line it starts on: the column is
//!   all that goes from one to the next, and the soft break is a split of
//!   the store. `pdep`/`pext` on the slot layout give the output offset of
//!   every token. What the masks cannot decide cheaply (white space near a
//!   line end or before a hard break, `.`/`From ` starting a soft line)
//!   ends the stream, and general steps and the reference token encoder
//!   take over for a while.
//! - Decode ([`decode`]): `=XY` escapes, lenient soft breaks, line breaks
//!   and blanks followed by data are found with one set of compares per 64
//!   bytes, the digits converted with `vpermi2b`, and `vpcompressb` squeezes
//!   out the bytes that produce no output, at a fixed stride with the next
//!   window's masks for what follows each byte. Strict mode runs the same
//!   loop with the violations as extra masks and the column carried across
//!   lines, and stops at the start of the item holding the first one.
//!
//! All loads and stores that could cross the end of a slice are masked, and
//! a masked store only writes lanes that belong to the output, so nothing
//! outside `out[..written]` is ever touched.

use std::arch::x86_64::*;

use super::avx512_util::{first_lanes as below, load_prefix, table, Table};

mod decode;
mod encode;
mod stream;
#[cfg(test)]
mod tests;

pub(crate) use decode::decode;
pub(crate) use encode::encode;

/// Stores the lanes of `v` selected by `mask` to the same offsets of `dst`,
/// leaving every other byte untouched. Lanes at or past `dst.len()` are
/// dropped.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn store_lanes(dst: &mut [u8], mask: u64, v: __m512i) {
    let mask = mask & below(dst.len());
    // SAFETY: every selected lane is inside `dst`; unselected lanes are not
    // touched.
    unsafe { _mm512_mask_storeu_epi8(dst.as_mut_ptr().cast(), mask, v) }
}

/// The mask of the bytes of `v` equal to `c`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn eq(v: __m512i, c: u8) -> u64 {
    _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(c as i8))
}

/// The mask of the printable bytes of `v` (33..=126).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn printable(v: __m512i) -> u64 {
    let shifted = _mm512_sub_epi8(v, _mm512_set1_epi8(33));
    _mm512_cmplt_epu8_mask(shifted, _mm512_set1_epi8(94))
}

/// The mask of the spaces and tabs of `v`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn blanks(v: __m512i) -> u64 {
    eq(v, b' ') | eq(v, b'\t')
}
