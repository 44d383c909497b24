//! Decode errors with the byte offset of the problem.

use std::fmt;

use crate::codec;
use crate::simd::IsaError;

/// What was wrong with base64 input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecodeErrorKind {
    /// A byte that is neither in the alphabet nor allowed here (its value is given).
    InvalidByte(u8),
    /// The input ends with a single character: six bits cannot form a byte.
    InvalidLength,
    /// `=` where padding cannot stand, data after the padding, or padding
    /// that is missing or incomplete at the end of the input.
    InvalidPadding,
    /// The last character before the padding carries non-zero bits that no
    /// encoder would produce (RFC 4648 3.5), such as `QR==` instead of `QQ==`.
    NonCanonicalTrailingBits,
    /// The kernels cannot be used (an unusable `SEPTET_FORCE_ISA`, or a
    /// codec forced onto an ISA this CPU lacks); the offset is 0. Not a
    /// problem in the data.
    Kernels(IsaError),
}

/// A base64 decode failure: what went wrong and where.
///
/// `offset` counts bytes from the start of the input (for the push decoder
/// and the reader, from the first byte ever fed). For missing padding it is
/// the length of the input, where the `=` was expected.
///
/// ```
/// use septet::base64::{decode, DecodeErrorKind};
/// let err = decode(b"QUJD*A==").unwrap_err();
/// assert_eq!(err.offset, 4);
/// assert_eq!(err.kind, DecodeErrorKind::InvalidByte(b'*'));
/// assert_eq!(err.to_string(), "invalid byte 0x2a ('*') at offset 4");
/// ```
pub type DecodeError = codec::DecodeError<DecodeErrorKind>;

/// Why a base64 `decode*_to_slice` call failed.
pub type DecodeSliceError = codec::DecodeSliceError<DecodeErrorKind>;

codec::error_kind!(DecodeErrorKind);

impl DecodeErrorKind {
    /// The message for this kind at offset `at` (see [`codec::ErrorKind::describe`]).
    fn message(&self, at: u64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DecodeErrorKind::InvalidByte(b) if b.is_ascii_graphic() || b == b' ' => {
                write!(f, "invalid byte 0x{b:02x} ('{}') at offset {at}", b as char)
            }
            DecodeErrorKind::InvalidByte(b) => write!(f, "invalid byte 0x{b:02x} at offset {at}"),
            DecodeErrorKind::InvalidLength => write!(
                f,
                "invalid length: a lone base64 character at offset {at} cannot form a byte"
            ),
            DecodeErrorKind::InvalidPadding => write!(f, "invalid padding at offset {at}"),
            DecodeErrorKind::NonCanonicalTrailingBits => write!(
                f,
                "non-canonical trailing bits in the character at offset {at}"
            ),
            DecodeErrorKind::Kernels(e) => write!(f, "{e}"),
        }
    }
}
