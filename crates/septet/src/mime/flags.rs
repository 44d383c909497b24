//! Defects the parser recovered from, as a small bit set.

use std::fmt;

/// A set of recovered defects.
///
/// The parser never fails a message for a local defect: it picks a documented
/// interpretation and records what it did here, per part. Structural and
/// header flags are known after parsing ([`Part::flags`](super::Part::flags));
/// decoding flags (bad base64, bad quoted-printable, unknown charset) appear
/// when a body or header is decoded.
///
/// ```
/// use septet::mime::Flags;
/// let f = Flags::MISSING_CLOSE_DELIMITER | Flags::BAD_BASE64;
/// assert!(f.contains(Flags::BAD_BASE64));
/// assert_eq!(f.names().collect::<Vec<_>>(), ["missing_close_delimiter", "bad_base64"]);
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Flags(u32);

macro_rules! flags {
    ($($(#[$doc:meta])* $name:ident = $bit:expr, $text:literal;)*) => {
        impl Flags {
            $($(#[$doc])* pub const $name: Flags = Flags(1 << $bit);)*
            const NAMES: &'static [(Flags, &'static str)] = &[$((Flags::$name, $text)),*];
        }
    };
}

flags! {
    /// The header block was not followed by a blank line: a line that is not
    /// a field (or a delimiter) ended it. That line starts the body.
    NO_BLANK_LINE = 0, "no_blank_line";
    /// More than one Content-Type field; the first one is used.
    DUPLICATE_CONTENT_TYPE = 1, "duplicate_content_type";
    /// More than one Content-Transfer-Encoding field; the first one is used.
    DUPLICATE_TRANSFER_ENCODING = 2, "duplicate_transfer_encoding";
    /// The Content-Type could not be parsed; the default type applies.
    INVALID_CONTENT_TYPE = 3, "invalid_content_type";
    /// Header bytes outside ASCII (RFC 6532 UTF-8 or a legacy charset).
    EIGHT_BIT_HEADER = 4, "eight_bit_header";
    /// The header block exceeded [`Limits::max_header_block`](super::Limits)
    /// or [`Limits::max_header_fields`](super::Limits); the rest is body.
    HEADER_LIMIT = 5, "header_limit";
    /// A multipart without a usable boundary parameter: kept as a leaf.
    MISSING_BOUNDARY = 6, "missing_boundary";
    /// A multipart whose close delimiter never came (end of input, or an
    /// enclosing delimiter closed it).
    MISSING_CLOSE_DELIMITER = 7, "missing_close_delimiter";
    /// A multipart with no delimiter at all: its body is all preamble.
    NO_PARTS = 8, "no_parts";
    /// The nesting depth limit was reached: this container is kept as a leaf.
    DEPTH_LIMIT = 9, "depth_limit";
    /// The part-count limit was reached: the rest of the input belongs to
    /// this part, unparsed.
    PART_LIMIT = 10, "part_limit";
    /// A multipart or message with a transfer encoding other than
    /// 7bit/8bit/binary: kept as a leaf (decode and parse it yourself).
    ENCODED_COMPOSITE = 11, "encoded_composite";
    /// An unknown Content-Transfer-Encoding: the body is kept as is.
    UNKNOWN_TRANSFER_ENCODING = 12, "unknown_transfer_encoding";
    /// Base64 with bytes outside the alphabet, padding in the middle
    /// (concatenated blocks, all decoded), a lone trailing character
    /// (dropped), missing padding or non-zero trailing bits.
    BAD_BASE64 = 13, "bad_base64";
    /// Quoted-printable with an invalid `=` sequence (kept literally).
    BAD_QUOTED_PRINTABLE = 14, "bad_quoted_printable";
    /// A charset label that encoding_rs does not know: raw bytes kept.
    UNKNOWN_CHARSET = 15, "unknown_charset";
    /// Bytes that are not valid in the declared charset (replaced by U+FFFD).
    MALFORMED_TEXT = 16, "malformed_text";
    /// An RFC 2047 encoded word that could not be decoded (kept as written).
    BAD_ENCODED_WORD = 17, "bad_encoded_word";
    /// The body of a part inside an unterminated multipart ran to the end of
    /// the input.
    TRUNCATED = 18, "truncated";
}

impl Flags {
    /// No flags.
    pub const fn empty() -> Self {
        Flags(0)
    }

    /// The raw bits (stable within a release).
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// True if no flag is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True if every flag of `other` is set.
    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Sets the flags of `other`.
    pub fn insert(&mut self, other: Flags) {
        self.0 |= other.0;
    }

    /// The snake_case names of the set flags, in bit order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES
            .iter()
            .filter(move |(f, _)| self.contains(*f))
            .map(|(_, n)| *n)
    }
}

impl std::ops::BitOr for Flags {
    type Output = Flags;
    fn bitor(self, rhs: Flags) -> Flags {
        Flags(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for Flags {
    fn bitor_assign(&mut self, rhs: Flags) {
        self.0 |= rhs.0;
    }
}

impl fmt::Debug for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Flags(")?;
        for (i, name) in self.names().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            f.write_str(name)?;
        }
        f.write_str(")")
    }
}

impl fmt::Display for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, name) in self.names().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(name)?;
        }
        Ok(())
    }
}
