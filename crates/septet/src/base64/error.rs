//! Decode errors with the byte offset of the problem.

use std::fmt;

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
}

/// A base64 decode failure: what went wrong and where.
///
/// `offset` counts bytes from the start of the input (for the streaming
/// decoders, from the first byte ever fed). For missing padding it is the
/// length of the input, where the `=` was expected.
///
/// ```
/// use septet::base64::{decode, DecodeErrorKind};
/// let err = decode(b"QUJD*A==").unwrap_err();
/// assert_eq!(err.offset, 4);
/// assert_eq!(err.kind, DecodeErrorKind::InvalidByte(b'*'));
/// assert_eq!(err.to_string(), "invalid byte 0x2a ('*') at offset 4");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DecodeError {
    /// Byte offset in the input.
    pub offset: u64,
    /// What was wrong.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    pub(crate) fn new(offset: u64, kind: DecodeErrorKind) -> Self {
        DecodeError { offset, kind }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.offset;
        match self.kind {
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
        }
    }
}

impl std::error::Error for DecodeError {}

impl From<DecodeError> for std::io::Error {
    fn from(e: DecodeError) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidData, e)
    }
}
