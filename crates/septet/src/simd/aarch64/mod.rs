//! aarch64 kernel table (NEON, 128-bit Advanced SIMD).
//!
//! NEON is part of the aarch64 baseline, but the table is still handed out
//! only after run-time detection, like the x86_64 ones: the kernels are
//! `#[target_feature(enable = "neon")]` functions, each wrapped in a private
//! safe function that is only reachable through [`NEON`], which
//! [`Kernels::for_isa`] returns only after [`neon_detected`].

use super::{Isa, Kernels};
use crate::simd::B64Alphabet;

mod base64;
mod qp;

/// Whether this CPU runs the NEON kernels.
pub(crate) fn neon_detected() -> bool {
    std::arch::is_aarch64_feature_detected!("neon")
}

/// Declares a safe wrapper around a `#[target_feature]` base64 kernel.
macro_rules! wrap {
    ($name:ident, $kernel:path) => {
        fn $name(input: &[u8], out: &mut [u8], alphabet: B64Alphabet) -> (usize, usize) {
            // SAFETY: this wrapper is only reachable through `NEON`, which
            // `Kernels::for_isa` hands out only after detecting NEON.
            unsafe { $kernel(input, out, alphabet) }
        }
    };
}

wrap!(neon_encode, base64::encode);
wrap!(neon_decode, base64::decode);
wrap!(neon_encode_mime, base64::encode_mime);
wrap!(neon_decode_mime, base64::decode_mime);

fn neon_qp_encode(
    input: &[u8],
    out: &mut [u8],
    col: usize,
    flags: crate::simd::scalar::qp::EncodeFlags,
) -> (usize, usize, usize) {
    // SAFETY: as for `wrap!`: reachable only through `NEON`, handed out
    // after detection.
    unsafe { qp::encode(input, out, col, flags) }
}

fn neon_qp_decode(input: &[u8], out: &mut [u8], strict: bool) -> (usize, usize) {
    // SAFETY: as for `wrap!`: reachable only through `NEON`, handed out
    // after detection.
    unsafe { qp::decode(input, out, strict) }
}

pub(crate) static NEON: Kernels = Kernels {
    isa: Isa::Neon,
    b64_encode: neon_encode,
    b64_decode: neon_decode,
    b64_encode_mime: neon_encode_mime,
    b64_decode_mime: neon_decode_mime,
    qp_encode: neon_qp_encode,
    qp_decode: neon_qp_decode,
};
