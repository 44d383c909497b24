//! SMTP 8bit-to-7bit downgrade (RFC 6152 in reverse), streaming.
//!
//! [`Downgrader`] is a second driver of the MIME
//! [`Tokenizer`](crate::mime::Tokenizer): it is fed
//! the message in chunks of any size and writes a 7-bit, CRLF form of it.
//! Memory is bounded by the header-block limit plus the lookahead
//! ([`Options::window`], 256 KiB by default), never by the body size
//! ([`Downgrader::buffered_bytes`]).
//!
//! - Leaf parts labelled 8bit/binary, or labelled 7bit (or unlabelled) but
//!   holding 8-bit bytes, NUL, bare CR or lines over 998 octets in their
//!   first [`Options::window`] bytes, are re-encoded: text with few 8-bit
//!   bytes as quoted-printable (`.` and `From ` escaped), the rest as base64.
//!   The Content-Transfer-Encoding field is replaced in place or added.
//! - base64 parts pass through (line breaks made CRLF; a byte with no
//!   7-bit form becomes `?`, which base64 decoders skip like the byte).
//! - quoted-printable parts pass through, except that raw 8-bit bytes, NUL
//!   and bare CR in them are written as `=XX` escapes and over-long lines
//!   get soft breaks (never inside an escape): a lenient decoder reads a
//!   raw byte as itself, so the decoded body is unchanged. One exception,
//!   for messages in LF form: a raw CR before a soft break whose next line
//!   is empty (`x\r=` LF LF) decodes to a CR right before a line break,
//!   and in LF form that CR LF is the line break, so the CR is dropped.
//! - Unknown Content-Transfer-Encoding labels (RFC 2045 6.4: opaque data).
//!   Over a 7-bit body the part passes through as labelled. A label that
//!   is plainly a spelling of 7bit or 8bit (`7bits`, `7-bit`, `8 bit`,
//!   `8bit+`, `8bith`: letters and digits start with `7bit` or `8bit`)
//!   means raw octets, as every reader takes an unknown label to mean, so
//!   a body that is not 7-bit is re-encoded like an 8bit one and
//!   relabelled. Any other label (`hexa`, `x-uuencode`) over a body that
//!   is not 7-bit is refused with [`Error::UnknownEncoding`]: relabelling
//!   would change what a reader that knows the label decodes.
//! - An mbox envelope line (`From sender date`) at the start of the input
//!   is kept as it is and the message after it converted
//!   ([`envelope_line`], [`Report::envelope_line`]); error offsets still
//!   count from the start of the input.
//! - Containers labelled 8bit/binary are relabelled 7bit. A container
//!   nested past [`Limits::max_depth`] is not parsed: its body passes
//!   through as it is when 7-bit, else [`Error::TooDeep`].
//! - Where readers disagree about what bytes are, a change is refused: a
//!   multipart with no delimiter line whose body needs a change
//!   ([`Error::UndelimitedMultipart`]), a part with a field written with
//!   blanks before its colon that needs a change ([`Error::AmbiguousHeader`]).
//! - 8-bit header fields: RFC 2047 words, RFC 2231 parameters; 8-bit
//!   addresses are [`Error::EightBitAddress`] (reply 5.6.7, RFC 6531 3.7.5).
//! - Header lines: every output line is at most 998 octets. A 7-bit field
//!   with a longer line is folded at its white space (aiming at 78
//!   columns) where it is too long, and kept as written elsewhere. Where a
//!   line has no white space to fold at, unstructured text is written as
//!   encoded words (of its decoded text: words already there are decoded
//!   first), and Content-Type/Content-Disposition parameters as RFC 2231
//!   sections. A field name over 996 octets, or a longer run without white
//!   space in a structured field (addresses, Message-ID, Received...), has
//!   no lossless 7-bit form: [`Error::HeaderLineTooLong`].
//! - A part labelled 7bit (or unlabelled) whose first [`Options::window`]
//!   bytes (the lookahead) are 7-bit is passed through as it streams; if later bytes are not
//!   7-bit (it lied about its encoding past the window), the downgrade is
//!   refused with [`Error::LateEightBit`], because the part's headers have
//!   already gone out. [`Options::repair_late_8bit`] opts in to a lossy
//!   repair instead (such bytes become `?`, counted in the [`Report`]).
//!   With the whole message in one buffer, [`downgrade_buffer`] writes
//!   such a part again, encoded, instead: nothing is refused that
//!   quoted-printable or base64 can carry.
//! - 8-bit bytes and NUL in preambles, epilogues, delimiter lines and the
//!   envelope line (which no reader decodes, and no encoding can carry)
//!   become `?`, counted in [`Report::preamble_epilogue_replaced`]: the one
//!   lossy change, which callers should make visible (the CLI warns).
//! - multipart/signed: if its signed content (the first child and
//!   anything below it) has to change in any of these ways, the signature
//!   no longer verifies. By default the content is converted and the
//!   container flagged ([`PartReport::signed_modified`]);
//!   [`Options::refuse_signed`] refuses with [`Error::SignedModified`]
//!   instead. Making line breaks CRLF does not count: RFC 1847 signs the
//!   canonical CRLF form.
//!
//! ```
//! use septet::downgrade::{Downgrader, Options};
//! let mut d = Downgrader::new(Options::default());
//! let mut out = Vec::new();
//! d.feed("Subject: Grüße\r\n\r\nGrüße\r\n".as_bytes(), &mut out).unwrap();
//! let report = d.finish(&mut out).unwrap();
//! assert!(out.is_ascii());
//! assert_eq!(report.parts.len(), 1);
//! ```

mod address;
mod body;
mod check;
mod driver;
mod envelope;
mod fold;
mod header;
mod line_ending;
mod pending;
mod words;

pub use check::needs_downgrade;
pub use driver::Downgrader;
pub use envelope::envelope_line;
pub use line_ending::LineEnding;

use std::fmt;

use crate::mime::Limits;

/// The default streaming lookahead ([`Options::window`]), 256 KiB: a
/// late 8-bit byte in a part labelled 7bit is refused only past it, and
/// an SMTP session holds about this much plus the header block.
pub const DEFAULT_WINDOW: usize = 256 * 1024;

/// Downgrade options.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Parser limits (the header-block limit bounds memory).
    pub limits: Limits,
    /// The streaming lookahead: how many body bytes of a leaf labelled
    /// 7bit, an unknown label or nothing are held and examined before
    /// deciding whether it can pass through as it is. Bytes with no 7-bit
    /// form (8-bit, NUL, a bare CR, a line over 998 octets) within it have
    /// the part encoded; after it, the part has been passed through and
    /// they are refused with [`Error::LateEightBit`]. A [`Downgrader`]
    /// holds at most this plus [`Limits::max_header_block`] and a few KiB
    /// ([`Downgrader::buffered_bytes`]). Default [`DEFAULT_WINDOW`].
    /// Parts labelled 8bit or binary are encoded whatever follows and are
    /// decided from at most their first 4 KiB (quoted-printable or
    /// base64). [`downgrade_buffer`] takes the same decisions from the
    /// same bytes, and encodes a part whose bytes past the lookahead are
    /// not 7-bit instead of refusing it.
    pub window: usize,
    /// What to do when a part labelled 7bit (or unlabelled) looked 7-bit in
    /// its first `window` bytes, and so is being passed through, but later
    /// holds 8-bit bytes, NUL, a bare CR or a line over 998 octets. By
    /// default (`false`) the downgrade refuses with [`Error::LateEightBit`]:
    /// RFC 6152 allows only a lossless conversion or a refusal. With `true`
    /// such bytes become `?` and long lines are broken, counted per part in
    /// [`PartReport::repaired`].
    pub repair_late_8bit: bool,
    /// What to do when the signed content of a multipart/signed (its first
    /// child, and anything below it) has to change: a body re-encoded or
    /// repaired, a header field encoded or folded. The signature then no
    /// longer verifies. By default (`false`) the part is converted and the
    /// container flagged ([`PartReport::signed_modified`],
    /// [`Report::signed_modified`]); with `true` the downgrade is refused
    /// with [`Error::SignedModified`].
    pub refuse_signed: bool,
    /// The line break written: [`LineEnding::Crlf`] (wire form, the
    /// default) or [`LineEnding::Lf`]. The downgrade works in wire form
    /// either way; LF output has each call's CR LF pairs made LF in place
    /// as they are written, and a CR that is data is always encoded, so
    /// the LF output holds no CR at all.
    pub line_ending: LineEnding,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            limits: Limits {
                max_depth: 50,
                ..Limits::default()
            },
            window: DEFAULT_WINDOW,
            repair_late_8bit: false,
            refuse_signed: false,
            line_ending: LineEnding::Crlf,
        }
    }
}

/// Why a message cannot be downgraded. Offsets count input bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// An address (not a display name) holds 8-bit bytes: no 7-bit form
    /// exists. SMTP reply 550 5.6.7 (RFC 6531).
    EightBitAddress {
        /// Offset of the field.
        offset: u64,
        /// The field name.
        field: String,
    },
    /// A container nested deeper than [`Limits::max_depth`] holds bytes
    /// with no 7-bit form (8-bit, NUL, a bare CR, a line over 998 octets).
    /// Such a container is not parsed: its body, nested parts and all, is
    /// passed through as it is when it is 7-bit, and refused otherwise,
    /// since its parts cannot be encoded without parsing them.
    TooDeep {
        /// Offset of the first such byte (or of the body chunk holding an
        /// over-long line).
        offset: u64,
    },
    /// A header block is larger than [`Limits::max_header_block`] or has
    /// too many fields.
    HeaderTooLarge {
        /// Offset where the limit was reached.
        offset: u64,
    },
    /// A part passed through as 7-bit (its first bytes were 7-bit) turned
    /// out to hold bytes with no 7-bit form after the part had started
    /// streaming out, so it cannot be converted without loss (see
    /// [`Options::repair_late_8bit`]). SMTP reply 554 5.6.9 or similar.
    LateEightBit {
        /// Offset of the first such byte (or of the body chunk holding a
        /// bare CR or an over-long line).
        offset: u64,
    },
    /// A header line is over 998 octets and cannot be folded or encoded
    /// without changing the field: its name is over 996 octets (no room for
    /// `: ` on its line), or a structured field (addresses, Message-ID,
    /// Received, DKIM-Signature...) holds a run of that length without
    /// white space. SMTP reply 554 5.6.0 or similar.
    HeaderLineTooLong {
        /// Offset of the field.
        offset: u64,
        /// The field name (its first 64 bytes, then `...`, if longer).
        field: String,
    },
    /// The signed content of a multipart/signed would have to change, and
    /// [`Options::refuse_signed`] is set. SMTP reply 554 5.6.0 or similar.
    SignedModified {
        /// Offset of the part that would change.
        offset: u64,
    },
    /// A leaf part's Content-Transfer-Encoding is a label this library
    /// does not know (not a spelling of 7bit or 8bit), and its body is not
    /// 7-bit: it cannot be sent as it is, and re-encoding it would need a
    /// new label, which would change what a reader that knows the old one
    /// (`x-uuencode`, say) decodes. SMTP reply 554 5.6.1 or similar.
    UnknownEncoding {
        /// Offset of the first byte with no 7-bit form (or of the body, for
        /// a bare CR or an over-long line).
        offset: u64,
        /// The label as written (its first 64 bytes).
        label: String,
    },
    /// A multipart whose body has no part at all (no delimiter line, or
    /// only a close delimiter: it is all preamble and epilogue) holds
    /// bytes with no 7-bit form. Readers take such a body
    /// as the part's content (Python's `email` does), a multipart may not
    /// be encoded (RFC 2045 6.4), and replacing the bytes would change that
    /// content. SMTP reply 554 5.6.3 or similar.
    UndelimitedMultipart {
        /// Offset of the first such byte.
        offset: u64,
    },
    /// A header field is written with blanks before its colon (`Fro : x`,
    /// RFC 5322 obsolete syntax) and the part holding it would have to
    /// change. This parser reads the line as a field; other readers
    /// (Python's `email`) read the header block as ending before it, and
    /// that line and the rest of the part as body text. A message that
    /// needs no change there passes through; a change would be read as
    /// one thing by one reader and another by the other, so there is no
    /// 7-bit form both read as the input. SMTP reply 554 5.6.0 or similar.
    AmbiguousHeader {
        /// Offset of the field.
        offset: u64,
        /// The field name (its first 64 bytes).
        field: String,
    },
    /// The media type of a Content-Type field (`type/subtype`) holds
    /// 8-bit bytes: a token with no 7-bit form (RFC 2045 5.1), and any
    /// replacement would name another type, so the part would be read
    /// differently. SMTP reply 554 5.6.0 or similar.
    EightBitMediaType {
        /// Offset of the field.
        offset: u64,
    },
    /// `feed` or `finish` after an error, or input after `finish`.
    Failed,
}

impl Error {
    /// The byte offset the error points at (`None` for [`Error::Failed`]).
    pub fn offset(&self) -> Option<u64> {
        match self {
            Error::EightBitAddress { offset, .. }
            | Error::TooDeep { offset }
            | Error::HeaderTooLarge { offset }
            | Error::LateEightBit { offset }
            | Error::HeaderLineTooLong { offset, .. }
            | Error::SignedModified { offset }
            | Error::UnknownEncoding { offset, .. }
            | Error::UndelimitedMultipart { offset }
            | Error::AmbiguousHeader { offset, .. }
            | Error::EightBitMediaType { offset } => Some(*offset),
            Error::Failed => None,
        }
    }

    /// The same error with its offset moved on by `by` bytes (offsets of a
    /// message that followed an envelope line count from the input's start).
    fn shifted(mut self, by: u64) -> Self {
        match &mut self {
            Error::EightBitAddress { offset, .. }
            | Error::TooDeep { offset }
            | Error::HeaderTooLarge { offset }
            | Error::LateEightBit { offset }
            | Error::HeaderLineTooLong { offset, .. }
            | Error::SignedModified { offset }
            | Error::UnknownEncoding { offset, .. }
            | Error::UndelimitedMultipart { offset }
            | Error::AmbiguousHeader { offset, .. }
            | Error::EightBitMediaType { offset } => *offset += by,
            Error::Failed => {}
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::EightBitAddress { offset, field } => {
                write!(f, "8-bit address in {field} field at byte {offset}")
            }
            Error::TooDeep { offset } => write!(
                f,
                "8-bit data at byte {offset} in a part nested too deep to be converted"
            ),
            Error::HeaderTooLarge { offset } => {
                write!(f, "header block too large at byte {offset}")
            }
            Error::LateEightBit { offset } => write!(
                f,
                "8-bit data at byte {offset} in a part already passed through as 7bit: \
                 cannot convert without loss"
            ),
            Error::HeaderLineTooLong { offset, field } => write!(
                f,
                "header line over 998 octets with no fold point in {field} field at byte {offset}"
            ),
            Error::SignedModified { offset } => write!(
                f,
                "the part at byte {offset} is signed content (multipart/signed) \
                 that would have to change"
            ),
            Error::UnknownEncoding { offset, label } => write!(
                f,
                "8-bit data at byte {offset} in a part with the unknown \
                 Content-Transfer-Encoding {label:?}: no 7-bit form without relabelling it"
            ),
            Error::UndelimitedMultipart { offset } => write!(
                f,
                "8-bit data at byte {offset} in a multipart with no delimiter line, \
                 which readers take as its content: a multipart cannot be encoded"
            ),
            Error::AmbiguousHeader { offset, field } => write!(
                f,
                "the header field {field:?} at byte {offset} has blanks before its colon, \
                 which some readers take as the start of the body, and its part would \
                 have to change: no 7-bit form reads the same to both"
            ),
            Error::EightBitMediaType { offset } => write!(
                f,
                "8-bit data in the media type of the Content-Type field at byte {offset}: \
                 no 7-bit form"
            ),
            Error::Failed => f.write_str("downgrade already failed"),
        }
    }
}

impl std::error::Error for Error {}

/// Converts a whole message held in one buffer, appending the output to
/// `out`: what a relay that has received the message, or an archive
/// conversion, should call.
///
/// The same conversion as [`Downgrader`] fed `input` at once, except for
/// parts labelled 7bit (or unlabelled) whose first [`Options::window`]
/// bytes are 7-bit but later bytes are not: the streaming converter has
/// already sent such a part out and must refuse ([`Error::LateEightBit`]);
/// with the whole message at hand its header block and body are written
/// again, encoded, so nothing is refused that quoted-printable or base64
/// can carry. The decision is taken from the body up to the first such
/// byte (what a census pass would see), so the part is re-encoded once
/// at most; parts that are 7-bit throughout cost nothing extra.
///
/// ```
/// use septet::downgrade::{downgrade_buffer, Action, Options};
/// let mut msg = b"Subject: x\r\n\r\n".to_vec();
/// msg.extend(std::iter::repeat(b"plain text line\r\n").take(1000).flatten());
/// msg.extend_from_slice("late 8-bit: café\r\n".as_bytes());
/// let mut out = Vec::new();
/// let report = downgrade_buffer(&msg, Options::default(), &mut out).unwrap();
/// assert!(out.is_ascii());
/// assert_eq!(report.parts[0].action, Action::QuotedPrintable);
/// ```
pub fn downgrade_buffer(input: &[u8], opts: Options, out: &mut Vec<u8>) -> Result<Report, Error> {
    Downgrader::new(opts).whole(input, out)
}

/// What happened to a part's body.
///
/// A body labelled quoted-printable that holds raw 8-bit bytes, NUL, a
/// bare CR or over-long lines keeps its label and has those bytes written
/// as `=XX` escapes and soft breaks added: lossless, reported as
/// [`Action::QuotedPrintable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum Action {
    /// Passed through.
    Kept,
    /// Re-encoded as quoted-printable.
    QuotedPrintable,
    /// Re-encoded as base64.
    Base64,
    /// A container relabelled 7bit.
    Relabelled,
}

/// One part in the [`Report`].
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PartReport {
    /// IMAP section number, as [`Part::section`](crate::mime::Part::section)
    /// gives it ([`SectionPath`](crate::mime::SectionPath)): `""` for a
    /// multipart root, `"1"` for a single-part one, `"1.2"` for the second
    /// part of the first part.
    pub section: String,
    /// `type/subtype` as the parser read it (lowercase), or `text/plain` if
    /// absent or invalid.
    pub content_type: String,
    /// What was done to the body.
    pub action: Action,
    /// Some header field was rewritten: encoded to 7-bit form, or folded
    /// because a line was over 998 octets.
    pub header_encoded: bool,
    /// Input bytes of the body (leaf parts).
    pub body_in: u64,
    /// Output bytes of the body (leaf parts), counted in wire form (CRLF
    /// line breaks) whatever [`Options::line_ending`] is.
    pub body_out: u64,
    /// Bytes replaced by `?` or lines broken (lossy repairs).
    pub repaired: u64,
    /// Malformed RFC 2047 encoded words (raw 8-bit bytes inside) in the
    /// part's header fields. Each was written again as base64 in its own
    /// charset, holding the bytes a reader decodes from it, so the text
    /// read does not change; counted because the input was broken.
    pub malformed_encoded_words: u64,
    /// Set on a multipart/signed whose signed content had to change: its
    /// signature no longer verifies ([`Options::refuse_signed`]).
    pub signed_modified: bool,
}

/// What a downgrade did.
#[derive(Clone, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Report {
    /// Every part, in input order.
    pub parts: Vec<PartReport>,
    /// 8-bit bytes and NUL outside parts (preambles, epilogues, delimiter
    /// lines) replaced by `?`.
    pub preamble_epilogue_replaced: u64,
    /// Total input bytes.
    pub input_bytes: u64,
    /// Total output bytes (in the chosen [`Options::line_ending`]).
    pub output_bytes: u64,
    /// Some multipart/signed had its signed content changed (see
    /// [`PartReport::signed_modified`]).
    pub signed_modified: bool,
    /// The input started with an mbox envelope line (`From sender date`,
    /// see [`envelope_line`]), written out as it is before the message.
    pub envelope_line: bool,
}

impl Report {
    /// True if nothing had to change (the message was 7-bit already).
    pub fn unchanged(&self) -> bool {
        self.preamble_epilogue_replaced == 0
            && self
                .parts
                .iter()
                .all(|p| p.action == Action::Kept && !p.header_encoded && p.repaired == 0)
    }
}
