//! avx512 base64 kernels (placeholder: bulk paths not written yet, so the
//! shared scalar code does all the work).

use crate::base64::Alphabet;

/// Bulk encode of whole 3-byte groups. See `simd::B64EncodeFn`.
///
/// # Safety
/// The CPU must support the enabled target features.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2")]
pub(crate) unsafe fn encode(_input: &[u8], _out: &mut [u8], _alphabet: Alphabet) -> (usize, usize) {
    (0, 0)
}

/// Bulk decode of alphabet-only blocks. See `simd::B64DecodeFn`.
///
/// # Safety
/// The CPU must support the enabled target features.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2")]
pub(crate) unsafe fn decode(_input: &[u8], _out: &mut [u8], _alphabet: Alphabet) -> (usize, usize) {
    (0, 0)
}

/// Bulk MIME encode of whole 57-byte lines. See `simd::B64EncodeMimeFn`.
///
/// # Safety
/// The CPU must support the enabled target features.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2")]
pub(crate) unsafe fn encode_mime(
    _input: &[u8],
    _out: &mut [u8],
    _alphabet: Alphabet,
) -> (usize, usize) {
    (0, 0)
}

/// Bulk MIME decode skipping CR, LF, space, tab. See `simd::B64DecodeMimeFn`.
///
/// # Safety
/// The CPU must support the enabled target features.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2")]
pub(crate) unsafe fn decode_mime(
    _input: &[u8],
    _out: &mut [u8],
    _alphabet: Alphabet,
) -> (usize, usize) {
    (0, 0)
}
