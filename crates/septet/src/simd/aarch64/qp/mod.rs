//! NEON quoted-printable kernels.
//!
//! Both have the shape of the scalar bulk kernels (`simd::scalar::qp`):
//! vector loops for the common cases, the scalar reference for one token or
//! item at a time in between, and a stop (the driver goes on) for anything
//! the reference needs more input to decide.
//!
//! - [`encode`]: runs of printable bytes (and blanks followed by one) 16
//!   bytes at a time within the line budget; runs of always-escaped bytes
//!   16 at a time (`st3` interleaves `=`, high and low hex digit); every
//!   other token through `encode_token`.
//! - [`decode`]: 16 bytes at a time up to the first `=`, line break, or
//!   (strict) byte outside 33..=126 that is not a blank; then that one
//!   item (escape, soft break, line break); blanks are copied with the
//!   rest, and given back when a line break or the end follows them.

use core::arch::aarch64::*;

mod decode;
mod encode;
#[cfg(test)]
mod tests;

pub(crate) use decode::decode;
pub(crate) use encode::encode;

/// Bytes classified at once.
const LANES: usize = 16;

/// Lanes that hold a space or a tab.
#[target_feature(enable = "neon")]
#[inline]
fn blanks(v: uint8x16_t) -> uint8x16_t {
    vorrq_u8(
        vceqq_u8(v, vdupq_n_u8(b' ')),
        vceqq_u8(v, vdupq_n_u8(b'\t')),
    )
}

/// Lanes that hold printable ASCII, 33..=126.
#[target_feature(enable = "neon")]
#[inline]
fn printable(v: uint8x16_t) -> uint8x16_t {
    // One unsigned compare: b - 33 <= 93.
    vcleq_u8(vsubq_u8(v, vdupq_n_u8(33)), vdupq_n_u8(126 - 33))
}

/// The mask `m` (lanes 0 or 0xff) as 4 bits per lane of a 64-bit scalar:
/// one narrowing shift, cheaper than a reduction across lanes.
#[target_feature(enable = "neon")]
#[inline]
fn lane_bits(m: uint8x16_t) -> u64 {
    let nibbles = vshrn_n_u16::<4>(vreinterpretq_u16_u8(m));
    vget_lane_u64::<0>(vreinterpret_u64_u8(nibbles))
}

/// How many leading lanes are set in [`lane_bits`] output.
#[inline]
fn leading_set(bits: u64) -> usize {
    ((!bits).trailing_zeros() / 4) as usize
}
