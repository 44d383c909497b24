//! x86_64 kernel tables (AVX2, AVX-512).
//!
//! Each `#[target_feature]` kernel is wrapped in a safe function that is only
//! reachable through the [`AVX2`] / [`AVX512`] tables, and those tables are
//! only handed out by [`Kernels::for_isa`] after run-time detection.

use super::{Isa, Kernels};
use crate::simd::B64Alphabet;

mod avx512_util;
mod base64_avx2;
mod base64_avx512;
mod qp_avx2;
mod qp_avx512;

/// The CPU features the AVX-512 kernels are compiled with.
pub(crate) fn avx512_detected() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vl")
        && std::arch::is_x86_feature_detected!("avx512vbmi")
        && std::arch::is_x86_feature_detected!("avx512vbmi2")
        && std::arch::is_x86_feature_detected!("bmi2")
        && std::arch::is_x86_feature_detected!("popcnt")
}

/// Declares a safe wrapper around a `#[target_feature]` kernel.
///
/// Every wrapper is private to this module and only stored in the table of
/// its own ISA, which [`Kernels::for_isa`] returns only after detection.
macro_rules! wrap {
    ($name:ident, $kernel:path) => {
        fn $name(input: &[u8], out: &mut [u8], alphabet: B64Alphabet) -> (usize, usize) {
            // SAFETY: this wrapper is only reachable through the kernel table
            // for its ISA, which `Kernels::for_isa` hands out only after
            // detecting the features the kernel is compiled with.
            unsafe { $kernel(input, out, alphabet) }
        }
    };
}

wrap!(avx2_encode, base64_avx2::encode);
wrap!(avx2_decode, base64_avx2::decode);
wrap!(avx2_encode_mime, base64_avx2::encode_mime);
wrap!(avx2_decode_mime, base64_avx2::decode_mime);
wrap!(avx512_encode, base64_avx512::encode);
wrap!(avx512_decode, base64_avx512::decode);
wrap!(avx512_encode_mime, base64_avx512::encode_mime);
wrap!(avx512_decode_mime, base64_avx512::decode_mime);

/// Safe wrappers around quoted-printable kernels, under the same rule as
/// [`wrap!`] (one macro per kernel signature).
macro_rules! wrap_qp {
    (encode $name:ident, $kernel:path) => {
        fn $name(
            input: &[u8],
            out: &mut [u8],
            col: usize,
            flags: crate::simd::scalar::qp::EncodeFlags,
        ) -> (usize, usize, usize) {
            // SAFETY: as for `wrap!`: reachable only through the table of
            // its ISA, handed out after detection.
            unsafe { $kernel(input, out, col, flags) }
        }
    };
    (decode $name:ident, $kernel:path) => {
        fn $name(input: &[u8], out: &mut [u8], strict: bool) -> (usize, usize) {
            // SAFETY: as for `wrap!`: reachable only through the table of
            // its ISA, handed out after detection.
            unsafe { $kernel(input, out, strict) }
        }
    };
}

wrap_qp!(encode avx2_qp_encode, qp_avx2::encode);
wrap_qp!(decode avx2_qp_decode, qp_avx2::decode);
wrap_qp!(encode avx512_qp_encode, qp_avx512::encode);
wrap_qp!(decode avx512_qp_decode, qp_avx512::decode);

pub(crate) static AVX2: Kernels = Kernels {
    isa: Isa::Avx2,
    b64_encode: avx2_encode,
    b64_decode: avx2_decode,
    b64_encode_mime: avx2_encode_mime,
    b64_decode_mime: avx2_decode_mime,
    qp_encode: avx2_qp_encode,
    qp_decode: avx2_qp_decode,
};

pub(crate) static AVX512: Kernels = Kernels {
    isa: Isa::Avx512,
    b64_encode: avx512_encode,
    b64_decode: avx512_decode,
    b64_encode_mime: avx512_encode_mime,
    b64_decode_mime: avx512_decode_mime,
    qp_encode: avx512_qp_encode,
    qp_decode: avx512_qp_decode,
};
