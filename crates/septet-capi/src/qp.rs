//! One-shot quoted-printable over caller-owned buffers, and length helpers.

use std::cell::RefCell;

use septet::codec::ErrorKind;
use septet::qp::{self, Codec, DecodeOptions, DecodeSliceError};

use crate::base64::decode_error;
use crate::ffi::{copy_out, guard, guard_value, input, output, septet_result, septet_status};

/// Text: CRLF (and LF) in the input are line breaks, written as CRLF;
/// `.` and `From ` at a line start are escaped.
pub const SEPTET_QP_TEXT: u32 = 0;
/// Binary: every CR and LF is data (`=0D`, `=0A`).
pub const SEPTET_QP_BINARY: u32 = 1;
/// Decode flag: report the first violation of RFC 2045 6.7 as
/// INVALID_INPUT instead of decoding robustly (the default).
pub const SEPTET_QP_STRICT: u32 = 1;

pub(crate) fn encode_codec(mode: u32) -> Option<Codec> {
    match mode {
        SEPTET_QP_TEXT => Some(qp::TEXT),
        SEPTET_QP_BINARY => Some(qp::BINARY),
        _ => None,
    }
}

pub(crate) fn decode_codec(flags: u32) -> Option<Codec> {
    if flags & !SEPTET_QP_STRICT != 0 {
        return None;
    }
    let strict = flags & SEPTET_QP_STRICT != 0;
    Some(qp::TEXT.with_decode_options(DecodeOptions { strict }))
}

thread_local! {
    // The Rust encoder and decoder append to a vector; reusing one per
    // thread keeps the one-shot calls from allocating every time.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Scratch vectors above this are dropped after use, so one huge message
/// does not pin its size in every thread that saw it.
const KEEP_SCRATCH: usize = 4 << 20;

fn with_scratch(f: impl FnOnce(&mut Vec<u8>) -> septet_result) -> septet_result {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut v) => {
            v.clear();
            let r = f(&mut v);
            if v.capacity() > KEEP_SCRATCH {
                *v = Vec::new();
            }
            r
        }
        // Re-entered from a callback on this thread: use a fresh vector.
        Err(_) => f(&mut Vec::new()),
    })
}

/// An upper bound on the quoted-printable encoding of `n` bytes (either
/// mode); `SIZE_MAX` when it overflows `size_t`.
#[no_mangle]
pub extern "C" fn septet_qp_encoded_len_bound(n: usize) -> usize {
    guard_value(usize::MAX, || {
        // The bound is a small multiple of n (3 bytes per byte plus soft
        // breaks): below a sixth of the address space it cannot overflow.
        if n > usize::MAX / 6 {
            usize::MAX
        } else {
            qp::max_encoded_len(n)
        }
    })
}

/// An upper bound on the decoded length of `n` bytes of quoted-printable:
/// decoding never grows the data.
#[no_mangle]
pub extern "C" fn septet_qp_decoded_len_bound(n: usize) -> usize {
    n
}

/// Quoted-printable encodes `in_len` bytes at `in` into `out` in `mode`
/// ([`SEPTET_QP_TEXT`] or [`SEPTET_QP_BINARY`]). OUTPUT_TOO_SMALL: nothing
/// written, `written` the exact length needed.
///
/// # Safety
/// `in` must point to `in_len` readable bytes and `out` to `out_cap`
/// writable bytes (either may be NULL when its length is 0).
#[no_mangle]
pub unsafe extern "C" fn septet_qp_encode(
    mode: u32,
    r#in: *const u8,
    in_len: usize,
    out: *mut u8,
    out_cap: usize,
) -> septet_result {
    guard(|| {
        let Some(codec) = encode_codec(mode) else {
            return septet_result::status(septet_status::SEPTET_INVALID_ARGUMENT);
        };
        // SAFETY: the caller guarantees `in` holds `in_len` readable bytes.
        let src = match unsafe { input(r#in, in_len) } {
            Ok(s) => s,
            Err(e) => return e.into(),
        };
        // SAFETY: the caller guarantees `out` holds `out_cap` writable bytes.
        let dst = match unsafe { output(out, out_cap) } {
            Ok(d) => d,
            Err(e) => return e.into(),
        };
        with_scratch(|v| {
            codec.encode_into(src, v);
            copy_out(v, src.len(), dst)
        })
    })
}

/// Decodes quoted-printable `in` into `out`. `flags` is 0 (lenient, the
/// rules of `septet::qp`) or [`SEPTET_QP_STRICT`]. INVALID_INPUT (strict
/// only): `error_offset` is where the first violation is.
/// OUTPUT_TOO_SMALL: `written` the exact length needed; `in_len` bytes of
/// room always suffice. After any error the contents of `out` are
/// unspecified.
///
/// # Safety
/// As [`septet_qp_encode`].
#[no_mangle]
pub unsafe extern "C" fn septet_qp_decode(
    flags: u32,
    r#in: *const u8,
    in_len: usize,
    out: *mut u8,
    out_cap: usize,
) -> septet_result {
    guard(|| {
        let Some(codec) = decode_codec(flags) else {
            return septet_result::status(septet_status::SEPTET_INVALID_ARGUMENT);
        };
        // SAFETY: the caller guarantees `in` holds `in_len` readable bytes.
        let src = match unsafe { input(r#in, in_len) } {
            Ok(s) => s,
            Err(e) => return e.into(),
        };
        // SAFETY: the caller guarantees `out` holds `out_cap` writable bytes.
        let dst = match unsafe { output(out, out_cap) } {
            Ok(d) => d,
            Err(e) => return e.into(),
        };
        // Straight into the caller's buffer: no scratch copy.
        match codec.decode_to_slice(src, dst) {
            Ok(n) => septet_result::ok(src.len(), n),
            Err(DecodeSliceError::OutputTooSmall { needed }) => septet_result::too_small(needed),
            Err(DecodeSliceError::Decode(e)) => {
                decode_error(e.offset, e.kind.isa_error().is_some())
            }
        }
    })
}
