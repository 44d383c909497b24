//! AVX2 base64 kernels after Muła and Lemire, "Faster Base64 Encoding and
//! Decoding Using AVX2 Instructions" (2018): one 256-bit vector turns 24 bytes
//! into 32 characters or back, with byte shuffles as lookup tables.
//!
//! - [`encode`], [`encode_mime`]: in `encode`.
//! - [`decode`]: in `decode`, together with the classify/pack steps that
//!   [`decode_mime`] shares.
//! - [`decode_mime`]: in `mime`, with a fast path for regular lines in
//!   `lines` and the whitespace-squeezing buffer for everything else in
//!   `squeeze`.

use std::arch::x86_64::*;

mod decode;
mod encode;
mod lines;
mod mime;
mod squeeze;
#[cfg(test)]
mod tests;

pub(crate) use decode::decode;
pub(crate) use encode::{encode, encode_mime};
pub(crate) use mime::decode_mime;

/// A 16-byte table repeated in both 128-bit lanes, as the in-lane byte
/// shuffle (`vpshufb`) wants its lookup tables.
#[target_feature(enable = "avx2")]
#[inline]
fn splat16(table: [u8; 16]) -> __m256i {
    let t = u128::from_le_bytes(table);
    _mm256_broadcastsi128_si256(_mm_set_epi64x((t >> 64) as i64, t as i64))
}

/// [`splat16`] of a table in memory: one broadcast load, where a table
/// chosen at run time (per alphabet) would otherwise be assembled from
/// immediates.
#[target_feature(enable = "avx2")]
#[inline]
fn splat16_static(table: &'static [u8; 16]) -> __m256i {
    // SAFETY: `table` is 16 readable bytes; the load is unaligned.
    _mm256_broadcastsi128_si256(unsafe { _mm_loadu_si128(table.as_ptr().cast()) })
}
