//! AVX2 quoted-printable kernels (contracts: `simd::QpEncodeFn`,
//! `simd::QpDecodeFn`).
//!
//! - [`encode`] (in `encode`, writing in `emit`): the input is taken in
//!   64-byte blocks, each classified once (token widths 1 or 3, prefix
//!   sums of them); a walk through the block finds where each line fills
//!   up and writes the block at once: straight copies when no byte in it
//!   is escaped, else 4-byte groups expanded by byte shuffles, with the
//!   soft breaks inserted. What the walk cannot settle (guards, blanks
//!   before a break, bare LF, a token that may end at column 76) goes to
//!   the reference encoder, one token at a time.
//! - [`decode`] (in `decode`): one step takes 32 bytes; runs without `=`
//!   or white space are copied whole, other windows are decoded in
//!   registers (escapes by vector hex conversion, then compacted with
//!   byte shuffles).
//!
//! Both are compiled with BMI1, BMI2 and POPCNT next to AVX2 (the AVX2
//! table's detection checks all four): mask arithmetic (`bzhi`, `tzcnt`,
//! `popcnt`) sits on every step's critical path.

mod decode;
mod emit;
mod encode;
mod plan;
#[cfg(test)]
mod tests;

pub(crate) use decode::decode;
pub(crate) use encode::encode;
