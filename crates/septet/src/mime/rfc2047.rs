//! RFC 2047 encoded words (`=?charset?B|Q?text?=`) in header values.
//!
//! Rules (see also ARCHITECTURE.md (MIME parser)):
//! - B and Q are case-insensitive; the charset may carry an RFC 2231
//!   language (`utf-8*en`).
//! - Whitespace (folding included) between two encoded words is dropped.
//! - The decoded bytes of consecutive words in the same charset are joined
//!   before conversion, so a character split across words decodes.
//! - Words are recognised anywhere, also inside quotes or glued to text
//!   (not standard, common in the wild), but never with blanks inside.
//! - An unknown charset keeps the word as written and sets
//!   [`Flags::UNKNOWN_CHARSET`]; bad base64 or `=` sequences inside a word
//!   are decoded leniently and set [`Flags::BAD_ENCODED_WORD`].
//! - Text outside words is UTF-8 (RFC 6532) or else the legacy charset.

use encoding_rs::Encoding;

use super::{charset, decode, Flags};

/// Longest charset label considered (encoding_rs labels are far shorter).
const MAX_CHARSET: usize = 64;

struct Word<'a> {
    charset: &'a [u8],
    b: bool,
    text: &'a [u8],
    /// Offset just past `?=`.
    end: usize,
}

/// Parses an encoded word starting at `s[0..2] == "=?"`.
fn word(s: &[u8]) -> Option<Word<'_>> {
    let body = &s[2..];
    let q1 = memchr::memchr(b'?', &body[..body.len().min(MAX_CHARSET + 1)])?;
    let charset = &body[..q1];
    if charset.is_empty() || charset.iter().any(|&b| b <= b' ' || b >= 0x7f) {
        return None;
    }
    let b = match body.get(q1 + 1..q1 + 3)? {
        [e, b'?'] if e.eq_ignore_ascii_case(&b'b') => true,
        [e, b'?'] if e.eq_ignore_ascii_case(&b'q') => false,
        _ => return None,
    };
    let text_start = q1 + 3;
    // The text ends at the first `?` (never part of B or Q text); blanks and
    // controls cannot occur in it. Stopping there keeps the scan linear.
    let len = body[text_start..]
        .iter()
        .position(|&c| c == b'?' || c <= b' ' || c >= 0x7f)?;
    if body.get(text_start + len..text_start + len + 2) != Some(b"?=") {
        return None;
    }
    let close = len;
    let text = &body[text_start..text_start + close];
    Some(Word {
        charset,
        b,
        text,
        end: 2 + text_start + close + 2,
    })
}

/// Q decoding (RFC 2047 section 4.2): `_` is a space, `=XX` a byte; a bad
/// `=` stays literal.
fn q_decode(text: &[u8], out: &mut Vec<u8>) -> bool {
    let mut ok = true;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'_' => out.push(b' '),
            b'=' => match text.get(i + 1..i + 3).and_then(decode::hex_pair) {
                Some(byte) => {
                    out.push(byte);
                    i += 2;
                }
                None => {
                    ok = false;
                    out.push(b'=');
                }
            },
            b => out.push(b),
        }
        i += 1;
    }
    ok
}

/// The run of decoded bytes waiting for conversion.
struct Pending {
    enc: Option<&'static Encoding>,
    bytes: Vec<u8>,
}

impl Pending {
    fn flush(&mut self, out: &mut String, flags: &mut Flags) {
        if let Some(enc) = self.enc.take() {
            out.push_str(&charset::decode_with(enc, &self.bytes, flags));
            self.bytes.clear();
        }
    }
}

/// Appends literal header text: folding line breaks removed, UTF-8 or the
/// legacy charset.
fn push_literal(text: &[u8], legacy: &'static Encoding, out: &mut String, flags: &mut Flags) {
    if text.is_empty() {
        return;
    }
    let unfolded: std::borrow::Cow<'_, [u8]> = if memchr::memchr2(b'\r', b'\n', text).is_some() {
        text.iter()
            .copied()
            .filter(|&b| b != b'\r' && b != b'\n')
            .collect::<Vec<u8>>()
            .into()
    } else {
        text.into()
    };
    out.push_str(&charset::decode_utf8_or_legacy(&unfolded, legacy, flags));
}

/// Decodes the encoded words in a header value (raw or unfolded) into text.
///
/// ```
/// use septet::mime::decode_header_text;
/// let (text, flags) = decode_header_text(b"=?UTF-8?q?caf=C3?= =?utf-8?B?qQ==?= au lait");
/// assert_eq!(text, "café au lait");
/// assert!(flags.is_empty());
/// ```
pub fn decode_header_text(value: &[u8]) -> (String, Flags) {
    let mut flags = Flags::empty();
    let text = decode(value, charset::DEFAULT_LEGACY, &mut flags);
    (text, flags)
}

/// [`decode_header_text`] with a chosen legacy charset, adding to `flags`.
pub(crate) fn decode(value: &[u8], legacy: &'static Encoding, flags: &mut Flags) -> String {
    let mut out = String::with_capacity(value.len());
    let mut pending = Pending {
        enc: None,
        bytes: Vec::new(),
    };
    let finder = memchr::memmem::Finder::new(b"=?");
    let mut i = 0;
    let mut after_word = false;
    while i < value.len() {
        let Some(rel) = finder.find(&value[i..]) else {
            break;
        };
        let j = i + rel;
        let Some(w) = word(&value[j..]) else {
            pending.flush(&mut out, flags);
            push_literal(&value[i..j + 2], legacy, &mut out, flags);
            i = j + 2;
            after_word = false;
            continue;
        };
        let gap = &value[i..j];
        let blank_gap = gap.iter().all(|b| b.is_ascii_whitespace());
        if !(after_word && blank_gap) {
            pending.flush(&mut out, flags);
            push_literal(gap, legacy, &mut out, flags);
        }
        let label = w.charset.split(|&b| b == b'*').next().unwrap_or(w.charset);
        match charset::charset_for_label(label) {
            Some(enc) => {
                if pending.enc != Some(enc) {
                    pending.flush(&mut out, flags);
                    pending.enc = Some(enc);
                }
                let ok = if w.b {
                    crate::base64::decode_lenient_into(w.text, &mut pending.bytes).is_regular()
                } else {
                    q_decode(w.text, &mut pending.bytes)
                };
                if !ok {
                    flags.insert(Flags::BAD_ENCODED_WORD);
                }
            }
            None => {
                flags.insert(Flags::UNKNOWN_CHARSET);
                pending.flush(&mut out, flags);
                push_literal(&value[j..j + w.end], legacy, &mut out, flags);
            }
        }
        i = j + w.end;
        after_word = true;
    }
    pending.flush(&mut out, flags);
    push_literal(&value[i.min(value.len())..], legacy, &mut out, flags);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &[u8]) -> (String, Flags) {
        decode_header_text(s)
    }

    #[test]
    fn basics() {
        assert_eq!(d(b"plain text").0, "plain text");
        assert_eq!(d(b"=?iso-8859-1?q?h=E9_there?=").0, "hé there");
        assert_eq!(d(b"a =?utf-8?b?w6k=?=\r\n =?utf-8?b?w6k=?= b").0, "a éé b");
        assert_eq!(d(b"=?utf-8*en?Q?x?=").0, "x");
        assert_eq!(d(b"x=?utf-8?q?y?=z").0, "xyz");
        assert_eq!(d(b"\"=?utf-8?q?quoted?=\" <a@b>").0, "\"quoted\" <a@b>");
    }

    #[test]
    fn split_multibyte_across_words() {
        // U+20AC (E2 82 AC) split over two B words.
        assert_eq!(d(b"=?utf-8?B?4oI=?= =?utf-8?B?rA==?=").0, "\u{20ac}");
    }

    #[test]
    fn defects() {
        let (s, f) = d(b"=?x-unknown?q?abc?= tail");
        assert_eq!(s, "=?x-unknown?q?abc?= tail");
        assert!(f.contains(Flags::UNKNOWN_CHARSET));
        let (s, f) = d(b"=?utf-8?b?QU*JD?=");
        assert_eq!(s, "ABC");
        assert!(f.contains(Flags::BAD_ENCODED_WORD));
        assert_eq!(d(b"=?utf-8?q?a b?=").0, "=?utf-8?q?a b?=");
        assert_eq!(d(b"=?utf-8?x?a?=").0, "=?utf-8?x?a?=");
        assert_eq!(d(b"=?").0, "=?");
        let (s, f) = d(b"caf\xe9");
        assert_eq!(s, "café");
        assert!(f.is_empty());
    }
}
