//! What the tokenizer reports: events with absolute byte offsets.

use super::{FieldRole, Flags, HeadInfo};

/// A byte range `start..end` in the whole input (absolute offsets, counted
/// from the first byte ever fed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
}

impl Span {
    /// The span `start..end`.
    pub const fn new(start: u64, end: u64) -> Self {
        Span { start, end }
    }

    /// An empty span at `at`.
    pub const fn empty(at: u64) -> Self {
        Span { start: at, end: at }
    }

    /// Length in bytes.
    pub const fn len(&self) -> u64 {
        self.end - self.start
    }

    /// True if the span holds no byte.
    pub const fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The span as a `usize` range (for slicing a buffer that starts at offset 0).
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// How a part's body is structured, decided once its header block ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A body of bytes.
    Leaf,
    /// A multipart: preamble, delimited parts, epilogue.
    Multipart,
    /// message/rfc822 or message/global: the body is one nested message.
    Message,
}

/// One step of the tokenizer.
///
/// The spans of all events tile the input: every byte belongs to exactly
/// one spanned event, in order. Zero-width events ([`PartStart`](Event::PartStart))
/// mark positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A part begins here (its header block, possibly empty, follows).
    PartStart {
        /// Offset of the first byte of the part.
        at: u64,
    },
    /// A header field, with its continuation lines and final line break.
    Field {
        /// The field name, without the colon and without trailing blanks.
        name: Span,
        /// The raw value: after the colon up to (not including) the final
        /// line break; folding line breaks are inside.
        value: Span,
        /// The whole field.
        span: Span,
        /// What the field is to the structure: the part's Content-Type or
        /// Content-Transfer-Encoding as the tokenizer read it, or neither.
        /// A streaming consumer reads the spans now, while it still holds
        /// the field's bytes.
        role: FieldRole,
    },
    /// The header block of the current part ended.
    HeadersEnd {
        /// The blank line (empty if the headers ended some other way).
        span: Span,
        /// How the body is structured.
        kind: Kind,
        /// Header and structure defects of this part.
        flags: Flags,
        /// The Content-Type and Content-Transfer-Encoding the decision was
        /// made from (spans into this part's header fields).
        head: HeadInfo,
    },
    /// Body bytes of a leaf part (possibly reported in several pieces).
    Body(Span),
    /// Preamble bytes of the current multipart.
    Preamble(Span),
    /// Epilogue bytes of the current multipart (they start with the line
    /// break that ended the close delimiter, when one did).
    Epilogue(Span),
    /// A delimiter of the current multipart: the line break before it (when
    /// it was not consumed by something else), `--boundary`, `--` for the
    /// close delimiter, transport padding and, except for the close
    /// delimiter, the line break after it.
    Delimiter {
        /// The bytes of the delimiter.
        span: Span,
        /// True for the close delimiter `--boundary--`.
        close: bool,
    },
    /// The current part ends.
    PartEnd {
        /// Usually empty. At the end of an unterminated multipart, the final
        /// line break of the input, which belongs to the missing delimiter.
        span: Span,
        /// Defects found at the end of the part.
        flags: Flags,
    },
}

impl Event {
    /// The bytes this event covers (empty for position markers).
    pub fn span(&self) -> Span {
        match *self {
            Event::PartStart { at } => Span::empty(at),
            Event::Field { span, .. }
            | Event::HeadersEnd { span, .. }
            | Event::Body(span)
            | Event::Preamble(span)
            | Event::Epilogue(span)
            | Event::Delimiter { span, .. }
            | Event::PartEnd { span, .. } => span,
        }
    }
}
