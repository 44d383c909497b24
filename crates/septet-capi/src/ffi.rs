//! What every entry point shares: the status codes, the result struct, the
//! panic guard and the checked conversion of C buffers to slices.

use std::ffi::CStr;
use std::panic::{catch_unwind, AssertUnwindSafe};

use septet::simd::Isa;

/// What a call did. The values are part of the ABI.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum septet_status {
    /// Done.
    SEPTET_OK = 0,
    /// The output buffer is too small: `written` holds the length needed
    /// (one-shot calls; nothing was written), or output is still pending
    /// in a handle (streaming calls: call again to collect it).
    SEPTET_OUTPUT_TOO_SMALL = 1,
    /// The input is not valid for the call: `error_offset` is the byte
    /// offset of the first problem.
    SEPTET_INVALID_INPUT = 2,
    /// A required pointer was NULL (or a buffer pointer NULL with a
    /// non-zero length).
    SEPTET_NULL_POINTER = 3,
    /// `SEPTET_FORCE_ISA` names an unknown ISA or one this CPU lacks.
    SEPTET_UNSUPPORTED_ISA = 4,
    /// A panic inside the library was caught (a bug: please report it).
    /// A handle that saw one is unusable and can only be freed.
    SEPTET_PANIC = 5,
    /// An argument is out of range (an unknown variant, mode or flag).
    SEPTET_INVALID_ARGUMENT = 6,
    /// The downgrade is refused: the message has no lossless 7-bit form
    /// (see `septet_downgrade_error_kind`); `error_offset` says where.
    SEPTET_DOWNGRADE_REFUSED = 7,
    /// The caller's callback returned non-zero; the call stopped there.
    SEPTET_CALLBACK_FAILED = 8,
    /// The handle already failed or finished: only free is left.
    SEPTET_INVALID_STATE = 9,
}

/// The outcome of a call over buffers.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct septet_result {
    /// What happened.
    pub status: septet_status,
    /// Input bytes consumed.
    pub read: usize,
    /// Output bytes written; for `SEPTET_OUTPUT_TOO_SMALL` from a one-shot
    /// call, the output length needed.
    pub written: usize,
    /// For `SEPTET_INVALID_INPUT` and `SEPTET_DOWNGRADE_REFUSED`, the byte
    /// offset of the problem (streaming: from the first byte ever fed);
    /// otherwise 0.
    pub error_offset: u64,
}

impl septet_result {
    pub(crate) fn ok(read: usize, written: usize) -> Self {
        septet_result {
            status: septet_status::SEPTET_OK,
            read,
            written,
            error_offset: 0,
        }
    }

    pub(crate) fn status(status: septet_status) -> Self {
        septet_result {
            status,
            read: 0,
            written: 0,
            error_offset: 0,
        }
    }

    pub(crate) fn too_small(needed: usize) -> Self {
        septet_result {
            written: needed,
            ..Self::status(septet_status::SEPTET_OUTPUT_TOO_SMALL)
        }
    }

    pub(crate) fn invalid(offset: u64) -> Self {
        septet_result {
            error_offset: offset,
            ..Self::status(septet_status::SEPTET_INVALID_INPUT)
        }
    }
}

/// Runs `f`, turning a panic into the PANIC status.
pub(crate) fn guard(f: impl FnOnce() -> septet_result) -> septet_result {
    guard_value(septet_result::status(septet_status::SEPTET_PANIC), f)
}

/// Runs `f`, turning a panic into `on_panic`.
pub(crate) fn guard_value<T>(on_panic: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(on_panic)
}

/// Why a C buffer could not be viewed as a slice.
pub(crate) struct NullPointer;

impl From<NullPointer> for septet_result {
    fn from(_: NullPointer) -> Self {
        septet_result::status(septet_status::SEPTET_NULL_POINTER)
    }
}

/// Views a C input buffer as a slice.
///
/// # Safety
/// Unless `len` is 0, `ptr` must be NULL or point to `len` readable bytes
/// that stay valid and unmodified for `'a`.
pub(crate) unsafe fn input<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], NullPointer> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(NullPointer);
    }
    // SAFETY: `ptr` is non-null and, by this function's contract, points to
    // `len` readable bytes valid for `'a`.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Views a C output buffer as a mutable slice.
///
/// # Safety
/// Unless `cap` is 0, `ptr` must be NULL or point to `cap` writable bytes
/// that nothing else accesses for `'a`.
pub(crate) unsafe fn output<'a>(ptr: *mut u8, cap: usize) -> Result<&'a mut [u8], NullPointer> {
    if cap == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(NullPointer);
    }
    // SAFETY: `ptr` is non-null and, by this function's contract, points to
    // `cap` writable bytes used by nothing else for `'a`.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, cap) })
}

/// Copies `data` into `out` if it fits, for the one-shot calls that build
/// their output in a vector first.
pub(crate) fn copy_out(data: &[u8], read: usize, out: &mut [u8]) -> septet_result {
    match out.get_mut(..data.len()) {
        Some(dst) => {
            dst.copy_from_slice(data);
            septet_result::ok(read, data.len())
        }
        None => septet_result::too_small(data.len()),
    }
}

pub(crate) fn status_str(status: u32) -> &'static CStr {
    use septet_status::*;
    let known = [
        (SEPTET_OK, c"ok"),
        (SEPTET_OUTPUT_TOO_SMALL, c"output too small"),
        (SEPTET_INVALID_INPUT, c"invalid input"),
        (SEPTET_NULL_POINTER, c"null pointer"),
        (
            SEPTET_UNSUPPORTED_ISA,
            c"unsupported ISA (SEPTET_FORCE_ISA)",
        ),
        (SEPTET_PANIC, c"internal panic"),
        (SEPTET_INVALID_ARGUMENT, c"invalid argument"),
        (SEPTET_DOWNGRADE_REFUSED, c"downgrade refused"),
        (SEPTET_CALLBACK_FAILED, c"callback failed"),
        (SEPTET_INVALID_STATE, c"handle already failed or finished"),
    ];
    known
        .iter()
        .find(|(s, _)| *s as u32 == status)
        .map_or(c"unknown status", |(_, name)| name)
}

pub(crate) fn isa_cstr(isa: Isa) -> &'static CStr {
    match isa {
        Isa::Scalar => c"scalar",
        Isa::Avx2 => c"avx2",
        Isa::Avx512 => c"avx512",
        Isa::Neon => c"neon",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_the_panic_status() {
        let r = guard(|| panic!("boom"));
        assert_eq!(r.status, septet_status::SEPTET_PANIC);
        assert_eq!(guard_value(7, || -> i32 { panic!("boom") }), 7);
    }

    #[test]
    fn every_status_has_a_name() {
        for s in 0..=9 {
            assert_ne!(status_str(s), c"unknown status");
        }
        assert_eq!(status_str(10), c"unknown status");
    }
}
