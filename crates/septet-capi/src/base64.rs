//! One-shot base64 over caller-owned buffers, and the length helpers.

use septet::base64::{self as b64, Codec, DecodeSliceError, EncodeSliceError};
use septet::codec::ErrorKind;

use crate::ffi::{guard, guard_value, input, output, septet_result, septet_status};

/// RFC 4648 base64 with `+/` and padding, no line breaks.
pub const SEPTET_BASE64_STANDARD: u32 = 0;
/// RFC 4648 base64url (`-_`), padded, no line breaks.
pub const SEPTET_BASE64_URL: u32 = 1;
/// MIME base64 (RFC 2045 6.8): 76-character lines ending CRLF; decoding
/// skips CR, LF, space and tab.
pub const SEPTET_BASE64_MIME: u32 = 2;

/// The codec for a variant value, if it names one.
pub(crate) fn codec(variant: u32) -> Option<Codec> {
    match variant {
        SEPTET_BASE64_STANDARD => Some(b64::STANDARD),
        SEPTET_BASE64_URL => Some(b64::URL_SAFE),
        SEPTET_BASE64_MIME => Some(b64::MIME),
        _ => None,
    }
}

/// The exact encoded length of `n` bytes in `variant`; `SIZE_MAX` for an
/// unknown variant or a length that overflows `size_t`.
#[no_mangle]
pub extern "C" fn septet_base64_encoded_len(variant: u32, n: usize) -> usize {
    guard_value(usize::MAX, || {
        // Both forms grow by at most 4/3 plus a line break per 57 bytes,
        // so n below a quarter of the address space cannot overflow.
        if n > usize::MAX / 4 {
            return usize::MAX;
        }
        codec(variant).map_or(usize::MAX, |c| c.encoded_len(n))
    })
}

/// An upper bound on the decoded length of `n` input bytes (any variant):
/// an output of this size always suffices for [`septet_base64_decode`].
#[no_mangle]
pub extern "C" fn septet_base64_decoded_len_bound(n: usize) -> usize {
    guard_value(usize::MAX, || b64::decoded_len_estimate(n))
}

/// Encodes `in_len` bytes at `in` into `out` (capacity `out_cap`).
///
/// OK: `read == in_len`, `written` the encoded length. OUTPUT_TOO_SMALL:
/// nothing written, `written` the length needed (so `out = NULL,
/// out_cap = 0` asks for it). UNSUPPORTED_ISA: see `SEPTET_FORCE_ISA`.
///
/// # Safety
/// `in` must point to `in_len` readable bytes and `out` to `out_cap`
/// writable bytes (either may be NULL when its length is 0); the buffers
/// must not overlap.
#[no_mangle]
pub unsafe extern "C" fn septet_base64_encode(
    variant: u32,
    r#in: *const u8,
    in_len: usize,
    out: *mut u8,
    out_cap: usize,
) -> septet_result {
    guard(|| {
        let Some(codec) = codec(variant) else {
            return septet_result::status(septet_status::SEPTET_INVALID_ARGUMENT);
        };
        // SAFETY: the caller guarantees `in` holds `in_len` readable bytes.
        let src = match unsafe { input(r#in, in_len) } {
            Ok(s) => s,
            Err(e) => return e.into(),
        };
        // SAFETY: the caller guarantees `out` holds `out_cap` writable bytes
        // not overlapping `in`.
        let dst = match unsafe { output(out, out_cap) } {
            Ok(d) => d,
            Err(e) => return e.into(),
        };
        let done = if codec.is_mime() {
            codec.encode_mime_to_slice(src, dst)
        } else {
            codec.encode_to_slice(src, dst)
        };
        match done {
            Ok(n) => septet_result::ok(src.len(), n),
            Err(EncodeSliceError::OutputTooSmall { needed }) => septet_result::too_small(needed),
            Err(EncodeSliceError::Isa(_)) => {
                septet_result::status(septet_status::SEPTET_UNSUPPORTED_ISA)
            }
        }
    })
}

/// Decodes `in_len` bytes at `in` into `out` (capacity `out_cap`).
///
/// STANDARD and URL are strict RFC 4648 (padding required, no white
/// space); MIME skips CR, LF, space and tab. OK: `written` the decoded
/// length. INVALID_INPUT: `error_offset` is the offset of the first bad
/// byte (the rules of the Rust `septet::base64` decoders). OUTPUT_TOO_SMALL:
/// the input is valid, `written` is the exact decoded length needed. After
/// any error the contents of `out` are unspecified.
///
/// # Safety
/// As [`septet_base64_encode`].
#[no_mangle]
pub unsafe extern "C" fn septet_base64_decode(
    variant: u32,
    r#in: *const u8,
    in_len: usize,
    out: *mut u8,
    out_cap: usize,
) -> septet_result {
    guard(|| {
        let Some(codec) = codec(variant) else {
            return septet_result::status(septet_status::SEPTET_INVALID_ARGUMENT);
        };
        // SAFETY: the caller guarantees `in` holds `in_len` readable bytes.
        let src = match unsafe { input(r#in, in_len) } {
            Ok(s) => s,
            Err(e) => return e.into(),
        };
        // SAFETY: the caller guarantees `out` holds `out_cap` writable bytes
        // not overlapping `in`.
        let dst = match unsafe { output(out, out_cap) } {
            Ok(d) => d,
            Err(e) => return e.into(),
        };
        match codec.decode_to_slice(src, dst) {
            Ok(n) => septet_result::ok(src.len(), n),
            Err(DecodeSliceError::OutputTooSmall { needed }) => septet_result::too_small(needed),
            Err(DecodeSliceError::Decode(e)) => {
                decode_error(e.offset, e.kind.isa_error().is_some())
            }
        }
    })
}

/// The result for a decode error at `offset` (or unusable kernels).
pub(crate) fn decode_error(offset: u64, isa: bool) -> septet_result {
    if isa {
        septet_result::status(septet_status::SEPTET_UNSUPPORTED_ISA)
    } else {
        septet_result::invalid(offset)
    }
}
