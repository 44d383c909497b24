//! The public views of Content-Type, Content-Transfer-Encoding and
//! Content-Disposition, and their parsing from raw field values.

use std::borrow::Cow;

use encoding_rs::Encoding;

use super::params;
use super::Cte;
use super::{rfc2231, Flags};

/// Lowercases a token, borrowing when it already is lowercase ASCII.
fn lower(token: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(token) {
        Ok(s) if !s.bytes().any(|b| b.is_ascii_uppercase()) => Cow::Borrowed(s),
        _ => Cow::Owned(String::from_utf8_lossy(token).to_ascii_lowercase()),
    }
}

/// Decodes every parameter of a parameter list (RFC 2231 joined).
fn decode_params(
    text: &[u8],
    legacy: &'static Encoding,
    flags: &mut Flags,
) -> Vec<(String, String)> {
    rfc2231::all(text)
        .into_iter()
        .map(|(name, joined)| {
            let value = joined.text(legacy, flags);
            (name, value)
        })
        .collect()
}

fn find<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A parsed Content-Type: lowercase type and subtype, and the parameters
/// with RFC 2231 continuations joined and charsets decoded.
///
/// ```
/// use septet::mime::Message;
/// let msg = Message::parse(b"Content-Type: Text/HTML; CHARSET=\"utf-8\"\r\n\r\n<p>").unwrap();
/// let ct = msg.root().content_type();
/// assert_eq!(ct.mime_type(), "text/html");
/// assert_eq!(ct.charset(), Some("utf-8"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentType<'a> {
    main: Cow<'a, str>,
    sub: Cow<'a, str>,
    params: Vec<(String, String)>,
    defaulted: bool,
}

impl<'a> ContentType<'a> {
    /// Parses a raw Content-Type value; `None` if it is not `type/subtype`.
    pub(crate) fn parse(
        value: &'a [u8],
        legacy: &'static Encoding,
        flags: &mut Flags,
    ) -> Option<Self> {
        let t = params::media_type(value)?;
        Some(ContentType {
            main: lower(t.main),
            sub: lower(t.sub),
            params: decode_params(t.params, legacy, flags),
            defaulted: false,
        })
    }

    /// The default type: `text/plain; charset=us-ascii` (RFC 2045 5.2), or
    /// `message/rfc822` inside multipart/digest (RFC 2046 5.1.5).
    pub(crate) fn default_for(in_digest: bool) -> Self {
        if in_digest {
            ContentType {
                main: Cow::Borrowed("message"),
                sub: Cow::Borrowed("rfc822"),
                params: Vec::new(),
                defaulted: true,
            }
        } else {
            ContentType {
                main: Cow::Borrowed("text"),
                sub: Cow::Borrowed("plain"),
                params: vec![("charset".into(), "us-ascii".into())],
                defaulted: true,
            }
        }
    }

    /// The top-level type, lowercase (`text`).
    pub fn main_type(&self) -> &str {
        &self.main
    }

    /// The subtype, lowercase (`plain`).
    pub fn subtype(&self) -> &str {
        &self.sub
    }

    /// `type/subtype`, lowercase.
    pub fn mime_type(&self) -> String {
        format!("{}/{}", self.main, self.sub)
    }

    /// True for `type/subtype` (case-insensitive).
    pub fn is(&self, main: &str, sub: &str) -> bool {
        self.main.eq_ignore_ascii_case(main) && self.sub.eq_ignore_ascii_case(sub)
    }

    /// True if no usable Content-Type was present and the default applies.
    pub fn is_default(&self) -> bool {
        self.defaulted
    }

    /// A parameter by name (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        find(&self.params, name)
    }

    /// All parameters in order of first appearance, names lowercase.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The `charset` parameter.
    pub fn charset(&self) -> Option<&str> {
        self.param("charset")
    }
}

/// The value of Content-Transfer-Encoding (RFC 2045 section 6).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TransferEncoding {
    /// `7bit`, also when the field is absent or empty.
    SevenBit,
    /// `8bit`.
    EightBit,
    /// `binary`.
    Binary,
    /// `quoted-printable`.
    QuotedPrintable,
    /// `base64`.
    Base64,
    /// Anything else, lowercase (`x-uuencode`, `8-bit`): the body is kept as is.
    Other(String),
}

impl TransferEncoding {
    /// Parses a raw field value: case-insensitive, comments and blanks
    /// around the token allowed (`BASE64 (comment)`).
    pub fn parse(value: &[u8]) -> Self {
        // One reading of the field: the tokenizer's.
        Cte::parse(value, 0).to_transfer_encoding(value, 0)
    }

    /// True for 7bit, 8bit and binary: the body is its own decoding, and a
    /// composite type may have it.
    pub fn is_identity(&self) -> bool {
        matches!(
            self,
            TransferEncoding::SevenBit | TransferEncoding::EightBit | TransferEncoding::Binary
        )
    }

    /// The canonical lowercase name.
    pub fn as_str(&self) -> &str {
        match self {
            TransferEncoding::SevenBit => "7bit",
            TransferEncoding::EightBit => "8bit",
            TransferEncoding::Binary => "binary",
            TransferEncoding::QuotedPrintable => "quoted-printable",
            TransferEncoding::Base64 => "base64",
            TransferEncoding::Other(s) => s,
        }
    }
}

/// A parsed Content-Disposition (RFC 2183).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disposition<'a> {
    kind: Cow<'a, str>,
    params: Vec<(String, String)>,
}

impl<'a> Disposition<'a> {
    pub(crate) fn parse(value: &'a [u8], legacy: &'static Encoding, flags: &mut Flags) -> Self {
        let (token, rest) = params::disposition(value);
        Disposition {
            kind: lower(token),
            params: decode_params(rest, legacy, flags),
        }
    }

    /// The disposition type, lowercase (`inline`, `attachment`, possibly empty).
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// True for `attachment`.
    pub fn is_attachment(&self) -> bool {
        self.kind == "attachment"
    }

    /// True for `inline`.
    pub fn is_inline(&self) -> bool {
        self.kind == "inline"
    }

    /// A parameter by name (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        find(&self.params, name)
    }

    /// All parameters in order of first appearance, names lowercase.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The `filename` parameter.
    pub fn filename(&self) -> Option<&str> {
        self.param("filename")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfer_encoding_forms() {
        assert_eq!(
            TransferEncoding::parse(b" BASE64 (comment)"),
            TransferEncoding::Base64
        );
        assert_eq!(
            TransferEncoding::parse(b"(c)Quoted-Printable"),
            TransferEncoding::QuotedPrintable
        );
        assert_eq!(TransferEncoding::parse(b""), TransferEncoding::SevenBit);
        assert_eq!(
            TransferEncoding::parse(b"8-bit"),
            TransferEncoding::Other("8-bit".into())
        );
    }

    #[test]
    fn content_type_parse() {
        let mut f = Flags::empty();
        let legacy = super::super::charset::DEFAULT_LEGACY;
        let ct = ContentType::parse(b"Multipart/Mixed; Boundary=\"a b\"", legacy, &mut f).unwrap();
        assert_eq!(ct.mime_type(), "multipart/mixed");
        assert_eq!(ct.param("boundary"), Some("a b"));
        assert!(ContentType::parse(b"text", legacy, &mut f).is_none());
        let d = Disposition::parse(
            b"ATTACHMENT; filename*=utf-8''%E2%82%AC.txt",
            legacy,
            &mut f,
        );
        assert!(d.is_attachment());
        assert_eq!(d.filename(), Some("\u{20ac}.txt"));
    }
}
