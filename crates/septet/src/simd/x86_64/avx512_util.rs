//! Helpers shared by the AVX-512 kernels (base64 and quoted-printable).

use std::arch::x86_64::*;

/// A 64-byte aligned table, loaded whole into a vector.
#[repr(C, align(64))]
pub(crate) struct Table<const N: usize>(pub(crate) [u8; N]);

/// Loads a constant table.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
pub(crate) fn table(t: &Table<64>) -> __m512i {
    // SAFETY: a `Table<64>` is 64 readable bytes aligned to 64.
    unsafe { _mm512_load_si512(t.0.as_ptr().cast()) }
}

/// The mask of the first `n` byte lanes (all 64 for `n >= 64`).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
pub(crate) fn first_lanes(n: usize) -> u64 {
    _bzhi_u64(u64::MAX, n.min(64) as u32)
}

/// Loads `src[..64]`, or all of a shorter `src` with zeros after it.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
pub(crate) fn load_prefix(src: &[u8]) -> __m512i {
    // SAFETY: the mask covers only lanes inside `src`; masked-off lanes are
    // neither read nor able to fault.
    unsafe { _mm512_maskz_loadu_epi8(first_lanes(src.len()), src.as_ptr().cast()) }
}
