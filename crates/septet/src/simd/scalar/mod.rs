//! The portable reference kernels and the byte tables every kernel shares.
//!
//! This is the bottom layer: the SIMD kernels in `x86_64/` and the codec
//! drivers above `simd` both build on it, and it depends on neither (the way
//! memchr keeps its portable fallback at the bottom). The scalar bulk kernels
//! here form the `Scalar` table.

pub(crate) mod base64;
pub(crate) mod qp;
