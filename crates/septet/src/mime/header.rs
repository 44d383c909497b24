//! One header field as it appears in the input.

use std::borrow::Cow;
use std::ops::Range;

use encoding_rs::Encoding;

use super::{rfc2047, Flags};

/// A header field: raw name and value slices of the input, and decoding on
/// demand.
///
/// ```
/// use septet::mime::Message;
/// let msg = Message::parse(b"Subject: =?utf-8?q?caf=C3=A9?=\r\n  au lait\r\n\r\n").unwrap();
/// let h = msg.root().header("subject").unwrap();
/// assert_eq!(h.name(), b"Subject");
/// assert_eq!(h.raw_value(), b" =?utf-8?q?caf=C3=A9?=\r\n  au lait");
/// assert_eq!(&*h.unfolded(), b"=?utf-8?q?caf=C3=A9?=  au lait");
/// assert_eq!(h.decoded(), "café  au lait");
/// ```
#[derive(Clone, Debug)]
pub struct Header<'a> {
    pub(crate) name: &'a [u8],
    pub(crate) value: &'a [u8],
    pub(crate) range: Range<usize>,
    pub(crate) legacy: &'static Encoding,
}

impl<'a> Header<'a> {
    /// The field name as written (without trailing blanks before the colon).
    pub fn name(&self) -> &'a [u8] {
        self.name
    }

    /// The field name as text (field names are ASCII).
    pub fn name_str(&self) -> &'a str {
        std::str::from_utf8(self.name).unwrap_or("")
    }

    /// True if the name equals `name`, ignoring ASCII case.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name.as_bytes())
    }

    /// The value exactly as in the input: after the colon, up to the final
    /// line break, folding line breaks included.
    pub fn raw_value(&self) -> &'a [u8] {
        self.value
    }

    /// The value unfolded (RFC 5322 2.2.3: line breaks removed, the blanks
    /// after them kept) with leading and trailing blanks trimmed. Borrows
    /// unless the value was folded.
    pub fn unfolded(&self) -> Cow<'a, [u8]> {
        let v = self.value.trim_ascii();
        if memchr::memchr2(b'\r', b'\n', v).is_none() {
            return Cow::Borrowed(v);
        }
        Cow::Owned(
            v.iter()
                .copied()
                .filter(|&b| b != b'\r' && b != b'\n')
                .collect(),
        )
    }

    /// The value as text: unfolded, RFC 2047 encoded words decoded, 8-bit
    /// bytes read as UTF-8 or else the message's legacy charset.
    pub fn decoded(&self) -> String {
        self.decoded_with_flags().0
    }

    /// [`decoded`](Self::decoded), with what went wrong.
    pub fn decoded_with_flags(&self) -> (String, Flags) {
        let mut flags = Flags::empty();
        let text = rfc2047::decode(&self.unfolded(), self.legacy, &mut flags);
        (text, flags)
    }

    /// Byte range of the whole field (name to final line break) in the input.
    pub fn range(&self) -> Range<usize> {
        self.range.clone()
    }
}
