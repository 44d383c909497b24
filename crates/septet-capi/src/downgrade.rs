//! The SMTP 8bit-to-7bit downgrade as an opaque handle, output through a
//! caller's sink callback.

use std::ffi::c_void;

use septet::downgrade::{self as dg, Action, Downgrader, Error, LineEnding, Options, Report};

use crate::ffi::{guard, guard_value, input, septet_result, septet_status};

/// Option flag: bytes with no 7-bit form found after a 7bit part started
/// streaming become `?` instead of refusing (lossy; counted).
pub const SEPTET_DOWNGRADE_REPAIR_LATE_8BIT: u32 = 1;
/// Option flag: refuse when the signed content of a multipart/signed
/// would have to change (default: convert and flag it in the report).
pub const SEPTET_DOWNGRADE_REFUSE_SIGNED: u32 = 2;
/// Option flag: write LF line breaks instead of CRLF (wire form).
pub const SEPTET_DOWNGRADE_LF: u32 = 4;

/// Error kind: none.
pub const SEPTET_DOWNGRADE_ERR_NONE: u32 = 0;
/// Error kind: an address holds 8-bit bytes (SMTP 550 5.6.7).
pub const SEPTET_DOWNGRADE_ERR_EIGHT_BIT_ADDRESS: u32 = 1;
/// Error kind: MIME nesting too deep.
pub const SEPTET_DOWNGRADE_ERR_TOO_DEEP: u32 = 2;
/// Error kind: a header block too large.
pub const SEPTET_DOWNGRADE_ERR_HEADER_TOO_LARGE: u32 = 3;
/// Error kind: 8-bit data late in a part already passed through as 7bit.
pub const SEPTET_DOWNGRADE_ERR_LATE_EIGHT_BIT: u32 = 4;
/// Error kind: a header line over 998 octets with no lossless fold.
pub const SEPTET_DOWNGRADE_ERR_HEADER_LINE_TOO_LONG: u32 = 5;
/// Error kind: signed content would change (with REFUSE_SIGNED).
pub const SEPTET_DOWNGRADE_ERR_SIGNED_MODIFIED: u32 = 6;
/// Error kind: 8-bit data under an unknown Content-Transfer-Encoding.
pub const SEPTET_DOWNGRADE_ERR_UNKNOWN_ENCODING: u32 = 7;
/// Error kind: use after an earlier error.
pub const SEPTET_DOWNGRADE_ERR_FAILED: u32 = 8;
/// Error kind: a multipart with no parts whose body holds bytes with no
/// 7-bit form (readers take that body as the part's content).
pub const SEPTET_DOWNGRADE_ERR_UNDELIMITED_MULTIPART: u32 = 9;
/// Error kind: a field written with blanks before its colon, in a part
/// that would have to change (readers disagree on where its header ends).
pub const SEPTET_DOWNGRADE_ERR_AMBIGUOUS_HEADER: u32 = 10;
/// Error kind: 8-bit bytes in a Content-Type media type.
pub const SEPTET_DOWNGRADE_ERR_EIGHT_BIT_MEDIA_TYPE: u32 = 11;

/// Downgrade options; get the defaults from
/// [`septet_downgrade_options_default`].
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct septet_downgrade_options {
    /// `SEPTET_DOWNGRADE_*` option flags, or-ed.
    pub flags: u32,
    /// The streaming lookahead: body bytes of a part labelled 7bit (or
    /// unlabelled) examined before deciding how to encode it (262144).
    pub window: usize,
}

/// What a downgrade did, filled in by finish.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct septet_downgrade_report {
    /// Input bytes.
    pub input_bytes: u64,
    /// Output bytes.
    pub output_bytes: u64,
    /// Parts in the message (containers included).
    pub parts: u64,
    /// Leaf bodies re-encoded (quoted-printable or base64).
    pub parts_reencoded: u64,
    /// Containers relabelled 7bit.
    pub parts_relabelled: u64,
    /// 8-bit or NUL bytes replaced by `?` in preambles, epilogues,
    /// delimiter lines or the envelope line (the one lossy change).
    pub preamble_epilogue_replaced: u64,
    /// Bytes replaced by `?` under `SEPTET_DOWNGRADE_REPAIR_LATE_8BIT`.
    pub repaired: u64,
    /// 1 if the signed content of a multipart/signed changed.
    pub signed_modified: u32,
    /// 1 if the input started with an mbox envelope line (kept).
    pub envelope_line: u32,
    /// 1 if the output equals the input (nothing needed converting).
    pub unchanged: u32,
}

/// The sink that receives output: returns 0 to go on, anything else to
/// stop the call with `SEPTET_CALLBACK_FAILED`. `data` is valid only
/// during the call.
pub type septet_sink =
    Option<unsafe extern "C" fn(ctx: *mut c_void, data: *const u8, len: usize) -> i32>;

/// A downgrade in progress. Opaque: see [`septet_downgrade_new`]. A handle
/// may move between threads, but two threads must not use it at once.
pub struct septet_downgrade {
    inner: Option<Downgrader>,
    out: Vec<u8>,
    error: Option<Error>,
}

/// The default options: flags 0, window 262144 (`DEFAULT_WINDOW`).
#[no_mangle]
pub extern "C" fn septet_downgrade_options_default() -> septet_downgrade_options {
    septet_downgrade_options {
        flags: 0,
        window: Options::default().window,
    }
}

fn options(o: Option<&septet_downgrade_options>) -> Option<Options> {
    let mut opts = Options::default();
    let Some(o) = o else { return Some(opts) };
    let known =
        SEPTET_DOWNGRADE_REPAIR_LATE_8BIT | SEPTET_DOWNGRADE_REFUSE_SIGNED | SEPTET_DOWNGRADE_LF;
    if o.flags & !known != 0 {
        return None;
    }
    opts.repair_late_8bit = o.flags & SEPTET_DOWNGRADE_REPAIR_LATE_8BIT != 0;
    opts.refuse_signed = o.flags & SEPTET_DOWNGRADE_REFUSE_SIGNED != 0;
    if o.flags & SEPTET_DOWNGRADE_LF != 0 {
        opts.line_ending = LineEnding::Lf;
    }
    opts.window = o.window;
    Some(opts)
}

/// A new streaming downgrade; `options` NULL means the defaults. NULL for
/// unknown option flags.
///
/// # Safety
/// `options` must be NULL or point to a valid `septet_downgrade_options`.
#[no_mangle]
pub unsafe extern "C" fn septet_downgrade_new(
    options: *const septet_downgrade_options,
) -> *mut septet_downgrade {
    guard_value(std::ptr::null_mut(), || {
        // SAFETY: the caller guarantees `options` is NULL or valid.
        let Some(opts) = self::options(unsafe { options.as_ref() }) else {
            return std::ptr::null_mut();
        };
        Box::into_raw(Box::new(septet_downgrade {
            inner: Some(Downgrader::new(opts)),
            out: Vec::new(),
            error: None,
        }))
    })
}

/// Feeds `in_len` bytes of the message (any chunking) and passes the
/// output produced so far to `sink`. CALLBACK_FAILED: the sink refused
/// output, and the handle has failed. DOWNGRADE_REFUSED: the message has no
/// lossless 7-bit form; `error_offset` is where, and
/// [`septet_downgrade_error_kind`] says why; the handle has failed.
///
/// # Safety
/// `h` must be NULL or a live handle; `in` must point to `in_len`
/// readable bytes (or be NULL when `in_len` is 0); `sink` must be safe to
/// call with `ctx`.
#[no_mangle]
pub unsafe extern "C" fn septet_downgrade_feed(
    h: *mut septet_downgrade,
    r#in: *const u8,
    in_len: usize,
    sink: septet_sink,
    ctx: *mut c_void,
) -> septet_result {
    guard(|| {
        // SAFETY: the caller guarantees `h` is NULL or a live handle.
        let Some(h) = (unsafe { h.as_mut() }) else {
            return septet_result::status(septet_status::SEPTET_NULL_POINTER);
        };
        // SAFETY: the caller guarantees `in` holds `in_len` readable bytes.
        let src = match unsafe { input(r#in, in_len) } {
            Ok(s) => s,
            Err(e) => return e.into(),
        };
        let Some(sink) = sink else {
            return septet_result::status(septet_status::SEPTET_NULL_POINTER);
        };
        let Some(d) = h.inner.as_mut() else {
            return septet_result::status(septet_status::SEPTET_INVALID_STATE);
        };
        h.out.clear();
        if let Err(e) = d.feed(src, &mut h.out) {
            h.inner = None;
            return refused(&mut h.error, e);
        }
        // SAFETY: the caller guarantees `sink` may be called with `ctx`.
        let r = unsafe { deliver(sink, ctx, &h.out, src.len()) };
        if r.status != septet_status::SEPTET_OK {
            // The sink lost output: the rest would not make a message.
            h.inner = None;
        }
        r
    })
}

/// Ends the message: passes the rest of the output to `sink` and fills
/// `report` (which may be NULL). After this only
/// [`septet_downgrade_free`] is left.
///
/// # Safety
/// As [`septet_downgrade_feed`]; `report` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn septet_downgrade_finish(
    h: *mut septet_downgrade,
    sink: septet_sink,
    ctx: *mut c_void,
    report: *mut septet_downgrade_report,
) -> septet_result {
    guard(|| {
        // SAFETY: the caller guarantees `h` is NULL or a live handle.
        let Some(h) = (unsafe { h.as_mut() }) else {
            return septet_result::status(septet_status::SEPTET_NULL_POINTER);
        };
        let Some(sink) = sink else {
            return septet_result::status(septet_status::SEPTET_NULL_POINTER);
        };
        let Some(d) = h.inner.take() else {
            return septet_result::status(septet_status::SEPTET_INVALID_STATE);
        };
        h.out.clear();
        match d.finish(&mut h.out) {
            Ok(r) => {
                // SAFETY: the caller guarantees `report` is NULL or writable.
                if let Some(dst) = unsafe { report.as_mut() } {
                    *dst = summary(&r);
                }
                // SAFETY: the caller guarantees `sink` may be called with `ctx`.
                unsafe { deliver(sink, ctx, &h.out, 0) }
            }
            Err(e) => refused(&mut h.error, e),
        }
    })
}

/// Downgrades a whole message held in one buffer (what a milter or relay
/// that has the message should call): unlike the streaming handle, a part
/// whose 8-bit bytes come late is re-encoded rather than refused. The
/// output goes to `sink` in one call; `report` (may be NULL) is filled.
/// On DOWNGRADE_REFUSED, `error_kind` (may be NULL) gets the
/// `SEPTET_DOWNGRADE_ERR_*` kind.
///
/// # Safety
/// `in` must point to `in_len` readable bytes (or be NULL when 0);
/// `options`, `report` and `error_kind` must be NULL or valid; `sink` must
/// be safe to call with `ctx`.
#[no_mangle]
pub unsafe extern "C" fn septet_downgrade_buffer(
    r#in: *const u8,
    in_len: usize,
    options: *const septet_downgrade_options,
    sink: septet_sink,
    ctx: *mut c_void,
    report: *mut septet_downgrade_report,
    error_kind: *mut u32,
) -> septet_result {
    guard(|| {
        // SAFETY: the caller guarantees `in` holds `in_len` readable bytes.
        let src = match unsafe { input(r#in, in_len) } {
            Ok(s) => s,
            Err(e) => return e.into(),
        };
        let Some(sink) = sink else {
            return septet_result::status(septet_status::SEPTET_NULL_POINTER);
        };
        // SAFETY: the caller guarantees `options` is NULL or valid.
        let Some(opts) = self::options(unsafe { options.as_ref() }) else {
            return septet_result::status(septet_status::SEPTET_INVALID_ARGUMENT);
        };
        let mut out = Vec::with_capacity(src.len() + src.len() / 2 + 1024);
        match dg::downgrade_buffer(src, opts, &mut out) {
            Ok(r) => {
                // SAFETY: the caller guarantees `report` is NULL or writable.
                if let Some(dst) = unsafe { report.as_mut() } {
                    *dst = summary(&r);
                }
                // SAFETY: the caller guarantees `sink` may be called with `ctx`.
                unsafe { deliver(sink, ctx, &out, src.len()) }
            }
            Err(e) => {
                // SAFETY: the caller guarantees `error_kind` is NULL or writable.
                if let Some(k) = unsafe { error_kind.as_mut() } {
                    *k = kind(&e);
                }
                let mut slot = None;
                refused(&mut slot, e)
            }
        }
    })
}

/// 1 if the message needs a downgrade (holds anything with no 7-bit form,
/// or an 8bit/binary label), 0 if not, -1 for a NULL `in` with a length
/// (or a caught panic).
///
/// # Safety
/// `in` must point to `in_len` readable bytes (or be NULL when 0).
#[no_mangle]
pub unsafe extern "C" fn septet_needs_downgrade(r#in: *const u8, in_len: usize) -> i32 {
    guard_value(-1, || {
        // SAFETY: the caller guarantees `in` holds `in_len` readable bytes.
        match unsafe { input(r#in, in_len) } {
            Ok(s) => i32::from(dg::needs_downgrade(s)),
            Err(_) => -1,
        }
    })
}

/// The `SEPTET_DOWNGRADE_ERR_*` kind of the handle's error (0 if none).
///
/// # Safety
/// `h` must be NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn septet_downgrade_error_kind(h: *const septet_downgrade) -> u32 {
    guard_value(SEPTET_DOWNGRADE_ERR_NONE, || {
        // SAFETY: the caller guarantees `h` is NULL or a live handle.
        unsafe { h.as_ref() }
            .and_then(|h| h.error.as_ref())
            .map_or(SEPTET_DOWNGRADE_ERR_NONE, kind)
    })
}

/// Writes the handle's error message (English, with the offset) to `buf`
/// as at most `cap - 1` bytes plus a NUL, like `snprintf`; returns the
/// message's full length (0 if no error).
///
/// # Safety
/// `h` must be NULL or a live handle; `buf` must point to `cap` writable
/// bytes (or be NULL when `cap` is 0).
#[no_mangle]
pub unsafe extern "C" fn septet_downgrade_error_message(
    h: *const septet_downgrade,
    buf: *mut u8,
    cap: usize,
) -> usize {
    guard_value(0, || {
        // SAFETY: the caller guarantees `h` is NULL or a live handle.
        let Some(e) = unsafe { h.as_ref() }.and_then(|h| h.error.as_ref()) else {
            return 0;
        };
        let msg = e.to_string();
        // SAFETY: the caller guarantees `buf` holds `cap` writable bytes.
        if let Ok(dst) = unsafe { crate::ffi::output(buf, cap) } {
            if let Some(room) = dst.len().checked_sub(1) {
                let n = room.min(msg.len());
                dst[..n].copy_from_slice(&msg.as_bytes()[..n]);
                dst[n] = 0;
            }
        }
        msg.len()
    })
}

/// Frees a handle (NULL is ignored).
///
/// # Safety
/// `h` must be NULL or a live handle, not used again afterwards.
#[no_mangle]
pub unsafe extern "C" fn septet_downgrade_free(h: *mut septet_downgrade) {
    if !h.is_null() {
        // SAFETY: live handles come from Box::into_raw in
        // `septet_downgrade_new`, and the caller frees each once.
        let h = unsafe { Box::from_raw(h) };
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(h)));
    }
}

/// # Safety
/// `sink` must be safe to call with `ctx`.
unsafe fn deliver(
    sink: unsafe extern "C" fn(*mut c_void, *const u8, usize) -> i32,
    ctx: *mut c_void,
    data: &[u8],
    read: usize,
) -> septet_result {
    if !data.is_empty() {
        // SAFETY: `data` is valid for the call; the caller vouches for
        // `sink` and `ctx`.
        if unsafe { sink(ctx, data.as_ptr(), data.len()) } != 0 {
            return septet_result::status(septet_status::SEPTET_CALLBACK_FAILED);
        }
    }
    septet_result::ok(read, data.len())
}

fn refused(slot: &mut Option<Error>, e: Error) -> septet_result {
    let offset = offset(&e);
    *slot = Some(e);
    septet_result {
        error_offset: offset,
        ..septet_result::status(septet_status::SEPTET_DOWNGRADE_REFUSED)
    }
}

fn offset(e: &Error) -> u64 {
    e.offset().unwrap_or(0)
}

fn kind(e: &Error) -> u32 {
    match e {
        Error::EightBitAddress { .. } => SEPTET_DOWNGRADE_ERR_EIGHT_BIT_ADDRESS,
        Error::TooDeep { .. } => SEPTET_DOWNGRADE_ERR_TOO_DEEP,
        Error::HeaderTooLarge { .. } => SEPTET_DOWNGRADE_ERR_HEADER_TOO_LARGE,
        Error::LateEightBit { .. } => SEPTET_DOWNGRADE_ERR_LATE_EIGHT_BIT,
        Error::HeaderLineTooLong { .. } => SEPTET_DOWNGRADE_ERR_HEADER_LINE_TOO_LONG,
        Error::SignedModified { .. } => SEPTET_DOWNGRADE_ERR_SIGNED_MODIFIED,
        Error::UnknownEncoding { .. } => SEPTET_DOWNGRADE_ERR_UNKNOWN_ENCODING,
        Error::UndelimitedMultipart { .. } => SEPTET_DOWNGRADE_ERR_UNDELIMITED_MULTIPART,
        Error::AmbiguousHeader { .. } => SEPTET_DOWNGRADE_ERR_AMBIGUOUS_HEADER,
        Error::EightBitMediaType { .. } => SEPTET_DOWNGRADE_ERR_EIGHT_BIT_MEDIA_TYPE,
        Error::Failed => SEPTET_DOWNGRADE_ERR_FAILED,
    }
}

fn summary(r: &Report) -> septet_downgrade_report {
    let count = |a: Action| r.parts.iter().filter(|p| p.action == a).count() as u64;
    septet_downgrade_report {
        input_bytes: r.input_bytes,
        output_bytes: r.output_bytes,
        parts: r.parts.len() as u64,
        parts_reencoded: count(Action::QuotedPrintable) + count(Action::Base64),
        parts_relabelled: count(Action::Relabelled),
        preamble_epilogue_replaced: r.preamble_epilogue_replaced,
        repaired: r.parts.iter().map(|p| p.repaired).sum(),
        signed_modified: u32::from(r.signed_modified),
        envelope_line: u32::from(r.envelope_line),
        unchanged: u32::from(r.unchanged()),
    }
}
