//! Strict-mode decode errors with the byte offset of the problem.

use std::fmt;

use crate::codec;
use crate::simd::IsaError;

/// What was wrong with quoted-printable input (reported in strict mode only;
/// lenient decoding accepts every input).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecodeErrorKind {
    /// An `=` that is followed neither by two hexadecimal digits nor by a
    /// soft line break (optional spaces/tabs, then CRLF, LF or the end of
    /// the input). The offset is that of the `=`.
    InvalidEscape,
    /// An escape written with lower-case hexadecimal digits, such as `=3d`.
    /// RFC 2045 6.7 (1) requires upper case; lenient decoding accepts both.
    /// The offset is that of the `=`.
    LowercaseHex,
    /// A byte that may only appear encoded: a control character other than
    /// tab (including a CR that does not start a CRLF), or a byte above 126.
    /// Its value is given.
    ByteMustBeEncoded(u8),
    /// An encoded line longer than 76 characters, not counting its CRLF or
    /// LF (a soft break's `=` counts). The offset is that of the 77th character.
    LineTooLong,
    /// A space or tab at the end of an encoded line (before CRLF, LF, a soft
    /// break's line break or the end of the input). The offset is that of the
    /// first byte of the trailing run.
    TrailingWhitespace,
    /// The kernels cannot be used (an unusable `SEPTET_FORCE_ISA`, or a
    /// codec forced onto an ISA this CPU lacks); the offset is 0. Not a
    /// problem in the data, so lenient decoding reports it too.
    Kernels(IsaError),
}

/// A strict quoted-printable decode failure: what went wrong and where.
///
/// `offset` counts bytes from the start of the input (for
/// the push [`Decoder`](super::Decoder), from the first byte ever fed).
///
/// ```
/// use septet::qp::{decode_with, DecodeErrorKind, DecodeOptions};
/// let err = decode_with(b"caf=E9 =ZZ", DecodeOptions { strict: true }).unwrap_err();
/// assert_eq!((err.offset, err.kind), (7, DecodeErrorKind::InvalidEscape));
/// assert_eq!(err.to_string(), "invalid escape: '=' not followed by two hex digits or a line break at offset 7");
/// ```
pub type DecodeError = codec::DecodeError<DecodeErrorKind>;

/// Why a quoted-printable `decode_to_slice` call failed: an input error
/// (strict mode), unusable kernels, or an output slice too small, with the
/// exact decoded length.
pub type DecodeSliceError = codec::DecodeSliceError<DecodeErrorKind>;

codec::error_kind!(DecodeErrorKind);

impl DecodeErrorKind {
    /// The message for this kind at offset `at` (see [`codec::ErrorKind::describe`]).
    fn message(&self, at: u64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DecodeErrorKind::InvalidEscape => write!(
                f,
                "invalid escape: '=' not followed by two hex digits or a line break at offset {at}"
            ),
            DecodeErrorKind::LowercaseHex => {
                write!(f, "lower-case hex digits in the escape at offset {at}")
            }
            DecodeErrorKind::ByteMustBeEncoded(b) => {
                write!(f, "byte 0x{b:02x} must be encoded, at offset {at}")
            }
            DecodeErrorKind::LineTooLong => write!(
                f,
                "encoded line longer than 76 characters: character 77 at offset {at}"
            ),
            DecodeErrorKind::TrailingWhitespace => {
                write!(f, "white space at the end of a line, at offset {at}")
            }
            DecodeErrorKind::Kernels(e) => write!(f, "{e}"),
        }
    }
}
