//! Charset labels and text conversion through encoding_rs (WHATWG labels,
//! which include the common MIME aliases).

use encoding_rs::Encoding;

use super::Flags;

/// The fallback for header bytes that are not UTF-8 (RFC 6532 is tried
/// first): windows-1252, a superset of latin-1 for printable text.
pub const DEFAULT_LEGACY: &Encoding = encoding_rs::WINDOWS_1252;

/// The encoding for a MIME charset label (case-insensitive, blanks and
/// quotes trimmed), or `None` if encoding_rs does not know it (UTF-7,
/// `unknown-8bit`, typos).
///
/// ```
/// use septet::mime::charset_for_label;
/// assert_eq!(charset_for_label(b" \"UTF8\"").unwrap().name(), "UTF-8");
/// assert_eq!(charset_for_label(b"latin1").unwrap().name(), "windows-1252");
/// assert!(charset_for_label(b"utf-7").is_none());
/// ```
pub fn charset_for_label(label: &[u8]) -> Option<&'static Encoding> {
    let mut label = label.trim_ascii();
    while let [b'"', rest @ ..] = label {
        label = rest;
    }
    while let [rest @ .., b'"'] = label {
        label = rest;
    }
    Encoding::for_label_no_replacement(label)
}

/// Decodes `bytes` from the charset `label`; unknown labels are read as
/// UTF-8-or-legacy and flagged [`Flags::UNKNOWN_CHARSET`].
pub(crate) fn decode(
    label: &[u8],
    bytes: &[u8],
    legacy: &'static Encoding,
    flags: &mut Flags,
) -> String {
    match charset_for_label(label) {
        Some(enc) => decode_with(enc, bytes, flags),
        None => {
            flags.insert(Flags::UNKNOWN_CHARSET);
            decode_utf8_or_legacy(bytes, legacy, flags)
        }
    }
}

/// Decodes with a known encoding (no BOM sniffing); malformed sequences
/// become U+FFFD and set [`Flags::MALFORMED_TEXT`].
pub(crate) fn decode_with(enc: &'static Encoding, bytes: &[u8], flags: &mut Flags) -> String {
    if bytes.is_ascii() && enc.is_ascii_compatible() {
        return ascii(bytes);
    }
    let (text, malformed) = enc.decode_without_bom_handling(bytes);
    if malformed {
        flags.insert(Flags::MALFORMED_TEXT);
    }
    text.into_owned()
}

/// UTF-8 if valid (RFC 6532), else the legacy charset (which, being a
/// single-byte encoding in practice, never fails).
pub(crate) fn decode_utf8_or_legacy(
    bytes: &[u8],
    legacy: &'static Encoding,
    flags: &mut Flags,
) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => decode_with(legacy, bytes, flags),
    }
}

fn ascii(bytes: &[u8]) -> String {
    // ASCII is UTF-8; the lossy path is never taken.
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_and_flags() {
        let mut f = Flags::empty();
        assert_eq!(
            decode_utf8_or_legacy(b"caf\xe9", DEFAULT_LEGACY, &mut f),
            "café"
        );
        assert_eq!(
            decode_utf8_or_legacy("café".as_bytes(), DEFAULT_LEGACY, &mut f),
            "café"
        );
        assert!(f.is_empty());
        assert_eq!(
            decode(b"utf-8", b"a\xff", DEFAULT_LEGACY, &mut f),
            "a\u{fffd}"
        );
        assert!(f.contains(Flags::MALFORMED_TEXT));
        let mut f = Flags::empty();
        assert_eq!(decode(b"x-unknown", b"abc", DEFAULT_LEGACY, &mut f), "abc");
        assert!(f.contains(Flags::UNKNOWN_CHARSET));
    }
}
