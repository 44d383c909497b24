//! # libseptet: the C ABI of septet
//!
//! Every function here is `extern "C"`, takes caller-owned buffers (or
//! opaque handles it allocated itself) and returns plain data. The header
//! `include/septet.h` is generated from this crate by cbindgen.
//!
//! Rules every entry point keeps:
//! - No panic crosses the boundary: each body runs under
//!   [`std::panic::catch_unwind`]; a caught panic is [`septet_status::SEPTET_PANIC`]
//!   (or a NULL handle, or `SIZE_MAX` for a length helper).
//! - A NULL pointer with a non-zero length is [`septet_status::SEPTET_NULL_POINTER`];
//!   a NULL pointer with length 0 is an empty buffer.
//! - Output that does not fit is [`septet_status::SEPTET_OUTPUT_TOO_SMALL`], with the
//!   length needed in `written` (one-shot calls). Encoders write nothing
//!   then; after a failed decode the contents of `out` are unspecified.
//! - `SEPTET_FORCE_ISA` behaves as in Rust: calls whose Rust counterpart is
//!   fallible (decoders, base64 encoders to a buffer) report an unusable
//!   forced ISA as [`septet_status::SEPTET_UNSUPPORTED_ISA`]; quoted-printable
//!   encoding and the streaming encoders run the scalar kernels, whose output
//!   is identical.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs, clippy::missing_safety_doc)]
// The exported names are the C names (`septet_result`, `SEPTET_OK`), so the
// header reads like C and cbindgen needs no renaming table.
#![allow(non_camel_case_types)]

pub mod base64;
pub mod downgrade;
mod ffi;
pub mod parse;
pub mod qp;
pub mod stream;

pub use ffi::{septet_result, septet_status};

use ffi::guard_value;

/// The version of this ABI: bumped on any incompatible change of a
/// signature, struct layout or constant. Compare it with
/// [`SEPTET_ABI_VERSION`] from the header you compiled against.
pub const SEPTET_ABI_VERSION: u32 = 1;

/// The ABI version of the library linked in ([`SEPTET_ABI_VERSION`]).
#[no_mangle]
pub extern "C" fn septet_abi_version() -> u32 {
    SEPTET_ABI_VERSION
}

/// A static, NUL-terminated English name of a status value (`"ok"`,
/// `"output too small"`, ...); `"unknown status"` for any other value.
#[no_mangle]
pub extern "C" fn septet_status_str(status: u32) -> *const std::ffi::c_char {
    ffi::status_str(status).as_ptr()
}

/// Whether the kernels can be used: [`septet_status::SEPTET_OK`], or
/// [`septet_status::SEPTET_UNSUPPORTED_ISA`] when `SEPTET_FORCE_ISA` names an
/// unknown ISA or one this CPU lacks (what a program should check once at
/// start-up, as the `septet` CLI does).
#[no_mangle]
pub extern "C" fn septet_check_isa() -> septet_status {
    guard_value(
        septet_status::SEPTET_PANIC,
        || match septet::simd::try_kernels() {
            Ok(_) => septet_status::SEPTET_OK,
            Err(_) => septet_status::SEPTET_UNSUPPORTED_ISA,
        },
    )
}

/// A static, NUL-terminated name of the kernels the infallible calls run
/// (`"scalar"`, `"avx2"`, `"avx512"`): the process-wide choice, or
/// `"scalar"` while `SEPTET_FORCE_ISA` is unusable.
#[no_mangle]
pub extern "C" fn septet_active_isa() -> *const std::ffi::c_char {
    guard_value(c"scalar".as_ptr(), || {
        ffi::isa_cstr(septet::simd::active()).as_ptr()
    })
}
