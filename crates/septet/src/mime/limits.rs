//! Resource limits and the one fatal error.

use std::fmt;

/// Resource limits for parsing.
///
/// Every limit but [`max_input`](Self::max_input) degrades gracefully: what
/// lies beyond it becomes part of a flagged leaf, and parsing continues. The
/// defaults suit hostile input (a few MiB of bookkeeping at most).
///
/// ```
/// use septet::mime::{Limits, Message};
/// let limits = Limits { max_depth: 2, ..Limits::default() };
/// let msg = Message::parse_with(b"Subject: hi\r\n\r\nbody", limits).unwrap();
/// assert_eq!(msg.root().body_raw(), b"body");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Containers (multipart, message/rfc822) may sit at depths
    /// `0..max_depth`; a deeper container is kept as a leaf flagged
    /// [`DEPTH_LIMIT`](super::Flags::DEPTH_LIMIT). Default 100.
    pub max_depth: usize,
    /// The most parts (containers included, the root too). When another
    /// part would start, delimiters stop being recognised: the rest of the
    /// input belongs to the region being read, flagged
    /// [`PART_LIMIT`](super::Flags::PART_LIMIT). Default 10,000.
    pub max_parts: usize,
    /// The most bytes in one header block. A field that would end past it
    /// ends the headers; from that field on is body, flagged
    /// [`HEADER_LIMIT`](super::Flags::HEADER_LIMIT). This is also the most a
    /// streaming driver must buffer. Default 64 KiB.
    pub max_header_block: usize,
    /// The most fields in one header block (same degradation). Default 1,000.
    pub max_header_fields: usize,
    /// Inputs longer than this are refused with [`ParseError::InputTooLarge`]
    /// (the only fatal error). Default: no limit.
    pub max_input: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 100,
            max_parts: 10_000,
            max_header_block: 64 * 1024,
            max_header_fields: 1_000,
            max_input: usize::MAX,
        }
    }
}

/// Why a whole message could not be parsed.
///
/// Local defects never fail a parse (see [`Flags`](super::Flags)); only an
/// input over [`Limits::max_input`] does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// The input is longer than [`Limits::max_input`].
    InputTooLarge {
        /// Length of the input.
        len: usize,
        /// The limit.
        max: usize,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::InputTooLarge { len, max } => {
                write!(f, "message of {len} bytes exceeds the limit of {max} bytes")
            }
        }
    }
}

impl std::error::Error for ParseError {}
