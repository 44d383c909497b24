//! Streaming encoders and decoders behind one opaque handle.
//!
//! The shape follows the push codecs of the Rust library: `feed` takes any
//! amount of input and always consumes all of it; `finish` ends the input.
//! Output goes to the caller's buffer; whatever does not fit stays in the
//! handle and comes out first at the next `feed` or `finish` (status
//! OUTPUT_TOO_SMALL says some is still pending). A buffer of
//! [`septet_stream_feed_bound`]`(in_len)` bytes never leaves output
//! pending.

use septet::codec::ErrorKind;
use septet::{base64, qp};

use crate::ffi::{guard, guard_value, input, output, septet_result, septet_status};

enum Codec {
    B64Enc(base64::Encoder),
    B64Dec(base64::Decoder),
    QpEnc(qp::Encoder),
    QpDec(qp::Decoder),
}

/// A streaming encoder or decoder. Opaque: create it with one of the
/// `septet_*_encoder_new` / `septet_*_decoder_new` calls, free it with
/// [`septet_stream_free`]. A handle may move between threads, but two
/// threads must not use it at once.
pub struct septet_stream {
    codec: Codec,
    /// Encoded or decoded bytes not yet handed to the caller.
    pending: Vec<u8>,
    /// How much of `pending` has been handed out.
    taken: usize,
    /// `finish` ran (output may still be pending).
    finished: bool,
    /// A decode error or panic happened: only free is left.
    failed: bool,
    /// The extra output room a state can need beyond a piece's own.
    slack: usize,
}

fn boxed(codec: Codec, slack: usize) -> *mut septet_stream {
    Box::into_raw(Box::new(septet_stream {
        codec,
        pending: Vec::new(),
        taken: 0,
        finished: false,
        failed: false,
        slack,
    }))
}

/// A streaming base64 encoder for `variant` (`SEPTET_BASE64_*`); NULL for
/// an unknown variant.
#[no_mangle]
pub extern "C" fn septet_base64_encoder_new(variant: u32) -> *mut septet_stream {
    guard_value(std::ptr::null_mut(), || {
        match crate::base64::codec(variant) {
            // A partial 57-byte line is held, plus its line break.
            Some(c) => boxed(Codec::B64Enc(c.encoder()), 80),
            None => std::ptr::null_mut(),
        }
    })
}

/// A streaming base64 decoder for `variant`; errors carry absolute offsets
/// and are sticky. NULL for an unknown variant.
#[no_mangle]
pub extern "C" fn septet_base64_decoder_new(variant: u32) -> *mut septet_stream {
    guard_value(std::ptr::null_mut(), || {
        match crate::base64::codec(variant) {
            Some(c) => boxed(Codec::B64Dec(c.decoder()), 8),
            None => std::ptr::null_mut(),
        }
    })
}

/// A streaming quoted-printable encoder in `mode` (`SEPTET_QP_TEXT` or
/// `SEPTET_QP_BINARY`); NULL for an unknown mode.
#[no_mangle]
pub extern "C" fn septet_qp_encoder_new(mode: u32) -> *mut septet_stream {
    guard_value(std::ptr::null_mut(), || {
        match crate::qp::encode_codec(mode) {
            // Up to 4 held bytes, each up to 3 characters, and soft breaks.
            Some(c) => boxed(Codec::QpEnc(c.encoder()), 32),
            None => std::ptr::null_mut(),
        }
    })
}

/// A streaming quoted-printable decoder; `flags` 0 or `SEPTET_QP_STRICT`.
/// NULL for unknown flags.
#[no_mangle]
pub extern "C" fn septet_qp_decoder_new(flags: u32) -> *mut septet_stream {
    guard_value(std::ptr::null_mut(), || {
        match crate::qp::decode_codec(flags) {
            // The decoder holds up to 1027 bytes (trailing blanks, a partial escape).
            Some(c) => boxed(Codec::QpDec(c.decoder()), 1100),
            None => std::ptr::null_mut(),
        }
    })
}

/// Output room that guarantees a [`septet_stream_feed`] of `in_len` bytes
/// (or a [`septet_stream_finish`]) leaves nothing pending; `SIZE_MAX` for
/// NULL or on overflow.
///
/// # Safety
/// `stream` must be NULL or a live handle from this library.
#[no_mangle]
pub unsafe extern "C" fn septet_stream_feed_bound(
    stream: *const septet_stream,
    in_len: usize,
) -> usize {
    guard_value(usize::MAX, || {
        // SAFETY: the caller guarantees `stream` is NULL or a live handle.
        let Some(s) = (unsafe { stream.as_ref() }) else {
            return usize::MAX;
        };
        if in_len > usize::MAX / 8 {
            return usize::MAX;
        }
        let own = match &s.codec {
            Codec::B64Enc(_) => base64::mime_encoded_len(in_len),
            Codec::B64Dec(_) => base64::Decoder::max_output(in_len),
            Codec::QpEnc(_) => qp::max_encoded_len(in_len),
            Codec::QpDec(_) => in_len,
        };
        own + s.slack + (s.pending.len() - s.taken)
    })
}

/// Feeds `in_len` bytes. On OK or OUTPUT_TOO_SMALL all input is consumed
/// (`read == in_len`) and `written` bytes were stored in `out`;
/// OUTPUT_TOO_SMALL means more output is pending (call again, with
/// `in_len` 0 to only collect it). INVALID_INPUT: `error_offset` counts
/// from the first byte ever fed; the handle has failed.
///
/// # Safety
/// `stream` must be NULL or a live handle; `in` must point to `in_len`
/// readable bytes and `out` to `out_cap` writable bytes (either may be NULL
/// when its length is 0).
#[no_mangle]
pub unsafe extern "C" fn septet_stream_feed(
    stream: *mut septet_stream,
    r#in: *const u8,
    in_len: usize,
    out: *mut u8,
    out_cap: usize,
) -> septet_result {
    // SAFETY: forwarded contract: live handle, valid buffers.
    unsafe { step(stream, r#in, in_len, out, out_cap, false) }
}

/// Ends the input and writes what the codec still held (the final
/// quantum, padding, a held QP byte). Call it again while it returns
/// OUTPUT_TOO_SMALL; after OK only [`septet_stream_free`] is left.
///
/// # Safety
/// `stream` must be NULL or a live handle; `out` must point to `out_cap`
/// writable bytes (or be NULL when `out_cap` is 0).
#[no_mangle]
pub unsafe extern "C" fn septet_stream_finish(
    stream: *mut septet_stream,
    out: *mut u8,
    out_cap: usize,
) -> septet_result {
    // SAFETY: forwarded contract: live handle, valid output buffer.
    unsafe { step(stream, std::ptr::null(), 0, out, out_cap, true) }
}

/// Frees a handle (NULL is ignored). Pending output is discarded.
///
/// # Safety
/// `stream` must be NULL or a live handle, not used again afterwards.
#[no_mangle]
pub unsafe extern "C" fn septet_stream_free(stream: *mut septet_stream) {
    if !stream.is_null() {
        // SAFETY: a live handle was made by Box::into_raw in `boxed`, and
        // the caller hands it back exactly once.
        let s = unsafe { Box::from_raw(stream) };
        // Dropping only frees vectors; a panic there would be a bug in std.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(s)));
    }
}

/// # Safety
/// As [`septet_stream_feed`].
unsafe fn step(
    stream: *mut septet_stream,
    r#in: *const u8,
    in_len: usize,
    out: *mut u8,
    out_cap: usize,
    finish: bool,
) -> septet_result {
    guard(|| {
        // SAFETY: the caller guarantees `stream` is NULL or a live handle
        // that nothing else uses during this call.
        let Some(s) = (unsafe { stream.as_mut() }) else {
            return septet_result::status(septet_status::SEPTET_NULL_POINTER);
        };
        // SAFETY: the caller guarantees `in` holds `in_len` readable bytes.
        let src = match unsafe { input(r#in, in_len) } {
            Ok(v) => v,
            Err(e) => return e.into(),
        };
        // SAFETY: the caller guarantees `out` holds `out_cap` writable bytes.
        let dst = match unsafe { output(out, out_cap) } {
            Ok(v) => v,
            Err(e) => return e.into(),
        };
        if s.failed || (s.finished && !src.is_empty()) {
            return septet_result::status(septet_status::SEPTET_INVALID_STATE);
        }
        // Mark failed while the codec runs: a panic leaves it so.
        s.failed = true;
        if s.taken == s.pending.len() {
            s.pending.clear();
            s.taken = 0;
        }
        let run = run_codec(s, src, finish && !s.finished);
        if let Err(r) = run {
            return r;
        }
        s.failed = false;
        s.finished |= finish;
        let rest = &s.pending[s.taken..];
        let n = rest.len().min(dst.len());
        dst[..n].copy_from_slice(&rest[..n]);
        s.taken += n;
        let status = if s.taken == s.pending.len() {
            septet_status::SEPTET_OK
        } else {
            septet_status::SEPTET_OUTPUT_TOO_SMALL
        };
        septet_result {
            status,
            read: src.len(),
            written: n,
            error_offset: 0,
        }
    })
}

/// Runs the codec over `src` (and its end, if `finish`), appending to the
/// handle's pending output.
fn run_codec(s: &mut septet_stream, src: &[u8], finish: bool) -> Result<(), septet_result> {
    let out = &mut s.pending;
    let decoded = match &mut s.codec {
        Codec::B64Enc(e) => {
            e.feed(src, out);
            if finish {
                e.finish(out);
            }
            Ok(())
        }
        Codec::QpEnc(e) => {
            e.feed(src, out);
            if finish {
                e.finish(out);
            }
            Ok(())
        }
        Codec::B64Dec(d) => d
            .feed(src, out)
            .and_then(|()| if finish { d.finish(out) } else { Ok(()) })
            .map_err(|e| (e.offset, e.kind.isa_error().is_some())),
        Codec::QpDec(d) => d
            .feed(src, out)
            .and_then(|()| if finish { d.finish(out) } else { Ok(()) })
            .map_err(|e| (e.offset, e.kind.isa_error().is_some())),
    };
    decoded.map_err(|(offset, isa)| crate::base64::decode_error(offset, isa))
}
