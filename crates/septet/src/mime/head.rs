//! What the tokenizer decided from a header block, as it reports it in
//! [`Event::Field`](super::Event::Field) and
//! [`Event::HeadersEnd`](super::Event::HeadersEnd): small `Copy` values
//! with absolute spans, so that a consumer (the downgrade, an IMAP server)
//! reads Content-Type and Content-Transfer-Encoding the way the parser
//! did instead of parsing them a second time.

use super::params::{self, Lexer};
use super::{Span, TransferEncoding};

/// A Content-Transfer-Encoding as the tokenizer read it: allocation-free,
/// an unknown label is the span of its token.
///
/// The value is read case-insensitively with comments and blanks around
/// the token allowed (`BASE64 (comment)`); an empty value is 7bit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Cte {
    /// `7bit`, also when the field is absent or empty.
    #[default]
    SevenBit,
    /// `8bit`.
    EightBit,
    /// `binary`.
    Binary,
    /// `quoted-printable`.
    QuotedPrintable,
    /// `base64`.
    Base64,
    /// Any other label (`x-uuencode`, `8-bit`): where its token is.
    Other(Span),
}

impl Cte {
    /// Reads the field value `value`, whose first byte is at absolute
    /// offset `at`.
    pub(crate) fn parse(value: &[u8], at: u64) -> Self {
        let mut lx = Lexer::new(value);
        lx.skip_cfws();
        let token = lx.token();
        // By length first: one comparison instead of six for every part.
        let eq = |name: &[u8]| token.eq_ignore_ascii_case(name);
        match token.len() {
            0 => Cte::SevenBit,
            4 if eq(b"7bit") => Cte::SevenBit,
            4 if eq(b"8bit") => Cte::EightBit,
            6 if eq(b"base64") => Cte::Base64,
            6 if eq(b"binary") => Cte::Binary,
            16 if eq(b"quoted-printable") => Cte::QuotedPrintable,
            _ => Cte::Other(span_in(value, token, at)),
        }
    }

    /// True for 7bit, 8bit and binary: the body is its own decoding, and a
    /// composite type may have it.
    pub fn is_identity(self) -> bool {
        matches!(self, Cte::SevenBit | Cte::EightBit | Cte::Binary)
    }

    /// The owned form. `input` holds the bytes from absolute offset `base`
    /// on (those of an [`Other`](Cte::Other) label are read from it; a
    /// label outside it reads as empty).
    pub fn to_transfer_encoding(self, input: &[u8], base: u64) -> TransferEncoding {
        match self {
            Cte::SevenBit => TransferEncoding::SevenBit,
            Cte::EightBit => TransferEncoding::EightBit,
            Cte::Binary => TransferEncoding::Binary,
            Cte::QuotedPrintable => TransferEncoding::QuotedPrintable,
            Cte::Base64 => TransferEncoding::Base64,
            Cte::Other(span) => {
                let label = slice(input, base, span).unwrap_or_default();
                TransferEncoding::Other(String::from_utf8_lossy(label).to_ascii_lowercase())
            }
        }
    }
}

/// Where the pieces of a Content-Type value that parsed as `type/subtype`
/// are (absolute spans).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MediaTypeSpans {
    /// The type token (`text`), as written (compare case-insensitively).
    pub main: Span,
    /// The subtype token (`plain`), as written.
    pub sub: Span,
    /// The parameter text after the subtype, up to the end of the value
    /// (comments, folding and all; read it with the crate's parameter
    /// rules, as [`Part::content_type`](super::Part::content_type) does).
    pub params: Span,
    /// The boundary of a multipart the tokenizer will split on, when it is
    /// written in one piece (a token, or a quoted string without escapes
    /// or folding), without trailing blanks. `None` for other types, for an
    /// unusable boundary, and for one assembled from RFC 2231 sections or
    /// unescaped.
    pub boundary: Option<Span>,
}

impl MediaTypeSpans {
    /// True if the type is `main/sub` (ASCII case-insensitive). `input`
    /// holds the bytes from absolute offset `base` on.
    pub fn is(&self, input: &[u8], base: u64, main: &str, sub: &str) -> bool {
        let eq = |span, want: &str| {
            slice(input, base, span).is_some_and(|b| b.eq_ignore_ascii_case(want.as_bytes()))
        };
        eq(self.main, main) && eq(self.sub, sub)
    }

    /// Writes `type/subtype`, lowercase, over `into` (reusing its
    /// allocation). `input` holds the bytes from absolute offset `base` on.
    pub fn mime_type_into(&self, input: &[u8], base: u64, into: &mut String) {
        into.clear();
        let main = slice(input, base, self.main).unwrap_or_default();
        let sub = slice(input, base, self.sub).unwrap_or_default();
        into.reserve(main.len() + sub.len() + 1);
        into.push_str(&String::from_utf8_lossy(main));
        into.push('/');
        into.push_str(&String::from_utf8_lossy(sub));
        into.make_ascii_lowercase();
    }
}

/// What the tokenizer decided from a part's header block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct HeadInfo {
    /// The media type of the part's Content-Type field (the first one), if
    /// there was one and it parsed as `type/subtype`. `None` means the
    /// default type applies (text/plain, or message/rfc822 in a digest).
    pub content_type: Option<MediaTypeSpans>,
    /// The part's Content-Transfer-Encoding (the first field; 7bit if absent).
    pub transfer_encoding: Cte,
}

/// What a header field is to the tokenizer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FieldRole {
    /// A field the structure does not depend on, or a repeated
    /// Content-Type / Content-Transfer-Encoding (ignored and flagged: the
    /// first one counts).
    #[default]
    Other,
    /// The part's Content-Type: its media type, or `None` if the value
    /// does not parse as `type/subtype` (the default type then applies).
    ContentType(Option<MediaTypeSpans>),
    /// The part's Content-Transfer-Encoding.
    TransferEncoding(Cte),
}

/// The bytes of `span` in `input`, which starts at absolute offset `base`.
fn slice(input: &[u8], base: u64, span: Span) -> Option<&[u8]> {
    let start = usize::try_from(span.start.checked_sub(base)?).ok()?;
    let end = usize::try_from(span.end.checked_sub(base)?).ok()?;
    input.get(start..end)
}

/// The absolute span of `part`, a subslice of `whole` (which starts at
/// absolute offset `at`); an empty span at `at` if it is not one.
pub(crate) fn span_in(whole: &[u8], part: &[u8], at: u64) -> Span {
    match offset_in(whole, part) {
        Some(i) => Span::new(at + i as u64, at + (i + part.len()) as u64),
        None => Span::empty(at),
    }
}

/// Where `part` starts in `whole`, if it is a subslice of it. The parsers
/// return borrowed subslices; comparing addresses recovers their offsets
/// without threading positions through every lexer call.
pub(crate) fn offset_in(whole: &[u8], part: &[u8]) -> Option<usize> {
    let i = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    (i.checked_add(part.len())? <= whole.len()).then_some(i)
}

/// Reads a Content-Type value whose first byte is at absolute offset `at`:
/// its media type spans (boundary not yet set) and the parsed pieces.
pub(crate) fn media_type(value: &[u8], at: u64) -> Option<(MediaTypeSpans, params::MediaType<'_>)> {
    let t = params::media_type(value)?;
    let spans = MediaTypeSpans {
        main: span_in(value, t.main, at),
        sub: span_in(value, t.sub, at),
        params: span_in(value, t.params, at),
        boundary: None,
    };
    Some((spans, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cte_spans_and_owned_form() {
        let v = b" X-UUencode (c)";
        let cte = Cte::parse(v, 100);
        assert_eq!(cte, Cte::Other(Span::new(101, 111)));
        assert_eq!(
            cte.to_transfer_encoding(v, 100),
            TransferEncoding::Other("x-uuencode".into())
        );
        assert_eq!(Cte::parse(b"(c)BASE64", 0), Cte::Base64);
        assert_eq!(Cte::parse(b"  ", 0), Cte::SevenBit);
    }

    #[test]
    fn media_type_spans() {
        let v = b" (c) Text / HTML ; charset=x";
        let (m, _) = media_type(v, 10).unwrap();
        assert_eq!(m.main, Span::new(15, 19));
        assert_eq!(m.sub, Span::new(22, 26));
        assert_eq!(m.params.end, 10 + v.len() as u64);
        assert!(m.is(v, 10, "text", "html"));
        let mut s = String::from("old");
        m.mime_type_into(v, 10, &mut s);
        assert_eq!(s, "text/html");
    }
}
