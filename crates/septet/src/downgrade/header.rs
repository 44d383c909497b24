//! Header fields with 8-bit bytes, rewritten in 7-bit form: RFC 2047
//! encoded words for text (only the 8-bit runs, `words.rs`) and for
//! display names, group names and comments in address lists
//! (`address.rs`), RFC 2231 for Content-Type and Content-Disposition
//! parameters, an error for an 8-bit local part or domain.

use super::{address, fold, words, Error};
use crate::base64;

/// Fields whose value is (mostly) addresses (RFC 5322 3.6.2, 3.6.3, 3.6.6).
const ADDRESS_FIELDS: &[&str] = &[
    "from",
    "sender",
    "reply-to",
    "to",
    "cc",
    "bcc",
    "resent-from",
    "resent-sender",
    "resent-to",
    "resent-cc",
    "resent-bcc",
    "return-path",
    "disposition-notification-to",
];

/// Structured fields where an encoded word would be invalid syntax: 8-bit
/// bytes there become `?`, and a line over 998 octets without white space
/// is refused.
const STRUCTURED_FIELDS: &[&str] = &[
    "message-id",
    "in-reply-to",
    "references",
    "content-id",
    "date",
    "resent-date",
    "resent-message-id",
    "mime-version",
    "content-transfer-encoding",
    "received",
    // Signatures and lists of URLs: an encoded word would break them (and
    // a line without white space to fold at is refused, not encoded).
    "dkim-signature",
    "arc-seal",
    "arc-message-signature",
    "arc-authentication-results",
    "authentication-results",
    "list-unsubscribe",
    "list-post",
    "list-help",
    "list-subscribe",
    "list-archive",
    "list-owner",
];

/// Fold header lines before this column.
const FOLD: usize = fold::SOFT;
/// Encoded-word overhead: `=?` charset `?B?` ... `?=`.
const WORD_OVERHEAD: usize = 7;
/// A parameter longer than this is written in RFC 2231 sections even if it
/// is 7-bit, so that its line stays under 998 octets.
const LONG_PARAMETER: usize = 900;

/// Why a field could not be made 7-bit.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FieldError {
    /// 8-bit bytes in an address, which has no 7-bit form.
    Address,
    /// A line over 998 octets that neither folding nor encoding can
    /// shorten without changing the field's meaning.
    TooLong,
    /// 8-bit bytes in the media type of a Content-Type field.
    MediaType,
}

impl FieldError {
    /// The downgrade error for the field `name` starting at `offset`.
    pub(crate) fn at(self, offset: u64, name: &[u8]) -> Error {
        // A name can be almost 1000 bytes long; the message names it briefly.
        let mut field = String::from_utf8_lossy(&name[..name.len().min(64)]).into_owned();
        if name.len() > 64 {
            field.push_str("...");
        }
        match self {
            FieldError::Address => Error::EightBitAddress { offset, field },
            FieldError::TooLong => Error::HeaderLineTooLong { offset, field },
            FieldError::MediaType => Error::EightBitMediaType { offset },
        }
    }
}

/// The syntax a field is rewritten by.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Address,
    Parameters,
    Structured,
    Unstructured,
}

fn class(name: &[u8]) -> Class {
    let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
    if ADDRESS_FIELDS.contains(&lower.as_str()) {
        Class::Address
    } else if lower == "content-type" || lower == "content-disposition" {
        Class::Parameters
    } else if STRUCTURED_FIELDS.contains(&lower.as_str()) {
        Class::Structured
    } else {
        Class::Unstructured
    }
}

/// True if no line of `field` (CRLF form) is over 998 octets.
pub(crate) fn fits(field: &[u8]) -> bool {
    fold::fits(field, fold::HARD)
}

/// How a field was rewritten.
pub(crate) struct Rewritten {
    /// The new field, CRLF-terminated.
    pub bytes: Vec<u8>,
    /// Bytes replaced by `?` (lossy).
    pub replaced: u64,
    /// Malformed encoded words (raw 8-bit bytes inside) written again.
    pub malformed: u64,
}

/// Rewrites a field that holds 8-bit bytes or NUL, or has a line over 998
/// octets. `name` is the raw name, `value` the raw value (after the colon,
/// without the final line break), `field` the whole field in CRLF form.
///
/// A 7-bit field that is only too long is folded at its white space where
/// a line is too long, and kept as written elsewhere. Where a line has no
/// white space to fold at: unstructured text has its over-long runs
/// written as encoded words (the rest kept as written), parameters become RFC 2231 sections, anything else (a
/// name over 996 octets, a long token in a structured field) is
/// [`FieldError::TooLong`].
pub(crate) fn rewrite(name: &[u8], value: &[u8], field: &[u8]) -> Result<Rewritten, FieldError> {
    let class = class(name);
    let seven_bit = field.is_ascii() && !field.contains(&0);
    let mut r = if seven_bit {
        Rewritten {
            bytes: fold::refold(field, fold::HARD),
            replaced: 0,
            malformed: 0,
        }
    } else {
        let mut r = eight_bit(name, value, class)?;
        r.bytes = fold::refold(&r.bytes, fold::SOFT);
        r
    };
    if fold::fits(&r.bytes, fold::HARD) {
        return Ok(r);
    }
    // Some line has no white space to fold at.
    if class == Class::Unstructured {
        let unfolded = unfold(value);
        let text = trim(&unfolded);
        if seven_bit {
            // Only the runs too long for a line become encoded words;
            // encoded words already there are kept as written.
            let mut bytes = name.to_vec();
            bytes.extend_from_slice(b": ");
            r.malformed = words::rewrite(text, false, &mut bytes).malformed;
            bytes.extend_from_slice(b"\r\n");
            r.bytes = fold::refold(&bytes, fold::SOFT);
        }
        if !fold::fits(&r.bytes, fold::HARD) {
            // A long name leaves no room: the whole text as encoded words,
            // which can start on a line of their own. Encoded words
            // already there are decoded first, so that the new words carry
            // the text they meant (not their literal form).
            let text = if seven_bit && memchr::memmem::find(text, b"=?").is_some() {
                let (decoded, flags) = crate::mime::decode_header_text(text);
                if !flags.is_empty() {
                    return Err(FieldError::TooLong);
                }
                decoded.into_bytes()
            } else {
                text.to_vec()
            };
            let mut bytes = name.to_vec();
            bytes.extend_from_slice(b": ");
            encoded_words(&text, bytes.len(), &mut bytes);
            bytes.extend_from_slice(b"\r\n");
            r.bytes = bytes;
        }
    } else if seven_bit && class == Class::Parameters {
        // Long parameter values are written in sections.
        r = eight_bit(name, value, class)?;
        r.bytes = fold::refold(&r.bytes, fold::SOFT);
    }
    if fold::fits(&r.bytes, fold::HARD) {
        Ok(r)
    } else {
        Err(FieldError::TooLong)
    }
}

/// The value without its line breaks (a bare CR, which is not a line
/// break, becomes a space as in the pass-through form).
fn unfold(value: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(value.len());
    for (i, &b) in value.iter().enumerate() {
        match b {
            b'\n' => {}
            b'\r' if value.get(i + 1) == Some(&b'\n') => {}
            b'\r' => v.push(b' '),
            _ => v.push(b),
        }
    }
    v
}

/// The 7-bit form of a field with 8-bit bytes or NUL, by its class.
fn eight_bit(name: &[u8], value: &[u8], class: Class) -> Result<Rewritten, FieldError> {
    let unfolded = unfold(value);
    let mut bytes = name.to_vec();
    bytes.extend_from_slice(b": ");
    let col = name.len() + 2;
    let (mut replaced, mut malformed) = (0, 0);
    match class {
        Class::Address => malformed = address::rewrite(trim(&unfolded), &mut bytes)?,
        Class::Parameters => {
            let media_type = name.eq_ignore_ascii_case(b"content-type");
            replaced = parameters(&unfolded, col, media_type, &mut bytes)?;
        }
        Class::Structured => {
            for &b in trim(&unfolded) {
                bytes.push(if b >= 128 || b == 0 { b'?' } else { b });
                replaced += u64::from(b >= 128 || b == 0);
            }
        }
        Class::Unstructured if unfolded.is_ascii() => {
            // Only NUL: no encoded word is needed for the rest.
            for &b in trim(&unfolded) {
                bytes.push(if b == 0 { b'?' } else { b });
                replaced += u64::from(b == 0);
            }
        }
        Class::Unstructured => {
            malformed = words::rewrite(trim(&unfolded), false, &mut bytes).malformed;
        }
    }
    // NUL has no 7-bit form in any field (encoded words carry it, but
    // addresses and parameters may still hold one).
    for b in &mut bytes {
        if *b == 0 {
            *b = b'?';
            replaced += 1;
        }
    }
    bytes.extend_from_slice(b"\r\n");
    Ok(Rewritten {
        bytes,
        replaced,
        malformed,
    })
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !b" \t".contains(b))
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|b| !b" \t".contains(b))
        .map_or(start, |e| e + 1);
    &s[start..end.max(start)]
}

/// Writes `text` as RFC 2047 B-encoded words (UTF-8, or `unknown-8bit` if
/// it is not UTF-8), folded so no line passes [`FOLD`] columns. `col` is
/// the column where the first word starts.
pub(crate) fn encoded_words(text: &[u8], mut col: usize, out: &mut Vec<u8>) {
    let utf8 = std::str::from_utf8(text).is_ok();
    let charset: &[u8] = if utf8 { b"utf-8" } else { b"unknown-8bit" };
    let mut rest = text;
    let mut first = true;
    while !rest.is_empty() {
        let mut room = FOLD.saturating_sub(col + WORD_OVERHEAD + charset.len());
        if room < 8 && !first {
            room = FOLD - 1 - WORD_OVERHEAD - charset.len();
        } else if room < 8 {
            out.extend_from_slice(b"\r\n ");
            col = 1;
            continue;
        }
        let mut take = (room / 4 * 3).min(rest.len());
        if utf8 {
            // Never split a character between words (RFC 2047 5, rule 3).
            while take < rest.len() && take > 0 && (rest[take] & 0xC0) == 0x80 {
                take -= 1;
            }
            if take == 0 {
                take = rest.len().min(4);
            }
        }
        let word = base64::encode(&rest[..take]);
        if !first {
            out.extend_from_slice(b"\r\n ");
            col = 1;
        }
        out.extend_from_slice(b"=?");
        out.extend_from_slice(charset);
        out.extend_from_slice(b"?B?");
        out.extend_from_slice(word.as_bytes());
        out.extend_from_slice(b"?=");
        col += WORD_OVERHEAD + charset.len() + word.len();
        rest = &rest[take..];
        first = false;
    }
}

/// Splits at `sep` outside quoted strings, comments and angle brackets.
fn split_outside(s: &[u8], sep: u8) -> Vec<&[u8]> {
    let (mut quoted, mut escaped, mut depth, mut angle) = (false, false, 0usize, false);
    let mut pieces = Vec::new();
    let mut start = 0;
    for (i, &b) in s.iter().enumerate() {
        if escaped {
            escaped = false;
            continue;
        }
        match b {
            b'\\' if quoted || depth > 0 => escaped = true,
            b'"' if depth == 0 => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => depth = depth.saturating_sub(1),
            b'<' if !quoted && depth == 0 => angle = true,
            b'>' if !quoted && depth == 0 => angle = false,
            _ if b == sep && !quoted && depth == 0 && !angle => {
                pieces.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&s[start..]);
    pieces
}

/// The text of a phrase: quotes removed, quoted pairs resolved.
fn unquote(s: &[u8]) -> Vec<u8> {
    let mut text = Vec::with_capacity(s.len());
    let mut escaped = false;
    for &b in s {
        if escaped {
            text.push(b);
            escaped = false;
        } else if b == b'\\' {
            escaped = true;
        } else if b != b'"' {
            text.push(b);
        }
    }
    text
}

/// RFC 2231 attribute-char: what may stay unescaped in an extended value.
fn attr_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b)
}

/// Content-Type / Content-Disposition: parameters with 8-bit values are
/// written as `name*=utf-8''%..` (split into sections when long); the rest
/// is kept (7-bit values longer than [`LONG_PARAMETER`] are written in
/// sections too). Returns the count of bytes replaced by `?` (8-bit bytes in the
/// type itself, which has no 7-bit form).
fn parameters(
    value: &[u8],
    col: usize,
    media_type: bool,
    out: &mut Vec<u8>,
) -> Result<u64, FieldError> {
    let mut replaced = 0;
    let mut line = col;
    for (i, piece) in split_outside(value, b';').into_iter().enumerate() {
        let piece = trim(piece);
        if i == 0 && media_type && !piece.is_ascii() {
            // A token with no 7-bit form, and a `?` in its place would
            // make another type: the part would be read differently.
            return Err(FieldError::MediaType);
        }
        let mut rendered = Vec::new();
        match piece.iter().position(|&b| b == b'=') {
            Some(eq) if i > 0 && (!piece.is_ascii() || piece.len() > LONG_PARAMETER) => {
                let name = trim(&piece[..eq]);
                let raw = trim(&piece[eq + 1..]);
                if name.contains(&b'*') || !name.is_ascii() {
                    // Already extended (or broken): escape the 8-bit bytes in place.
                    for &b in name {
                        rendered.push(if b >= 128 { b'?' } else { b });
                        replaced += u64::from(b >= 128);
                    }
                    rendered.push(b'=');
                    for &b in raw {
                        push_escaped(b, b >= 128, &mut rendered);
                    }
                } else {
                    extended(name, &unquote(raw), &mut rendered);
                }
            }
            _ => {
                for &b in piece {
                    rendered.push(if b >= 128 { b'?' } else { b });
                    replaced += u64::from(b >= 128);
                }
            }
        }
        if i > 0 {
            out.push(b';');
            line += 1;
            if line + 1 + rendered.len() > FOLD {
                out.extend_from_slice(b"\r\n");
                line = 0;
            }
            out.push(b' ');
            line += 1;
        }
        out.extend_from_slice(&rendered);
        line += rendered.len()
            - rendered
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
    }
    Ok(replaced)
}

fn push_escaped(b: u8, escape: bool, out: &mut Vec<u8>) {
    if escape {
        out.extend_from_slice(format!("%{b:02X}").as_bytes());
    } else {
        out.push(b);
    }
}

/// `name*=charset''value` or, when long, `name*0*=charset''...;` sections.
fn extended(name: &[u8], text: &[u8], out: &mut Vec<u8>) {
    let charset: &[u8] = if std::str::from_utf8(text).is_ok() {
        b"utf-8"
    } else {
        b"unknown-8bit"
    };
    let mut escaped = Vec::new();
    let mut cuts = vec![0];
    for &b in text {
        push_escaped(b, !attr_char(b), &mut escaped);
        // Sections end between escapes, never inside one.
        if escaped.len() - cuts[cuts.len() - 1] >= 50 {
            cuts.push(escaped.len());
        }
    }
    if cuts.last() != Some(&escaped.len()) {
        cuts.push(escaped.len());
    }
    if cuts.len() <= 2 {
        out.extend_from_slice(name);
        out.extend_from_slice(b"*=");
        out.extend_from_slice(charset);
        out.extend_from_slice(b"''");
        out.extend_from_slice(&escaped);
        return;
    }
    for (n, w) in cuts.windows(2).enumerate() {
        if n > 0 {
            out.extend_from_slice(b";\r\n ");
        }
        out.extend_from_slice(name);
        out.extend_from_slice(format!("*{n}*=").as_bytes());
        if n == 0 {
            out.extend_from_slice(charset);
            out.extend_from_slice(b"''");
        }
        out.extend_from_slice(&escaped[w[0]..w[1]]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(field: &str) -> String {
        let (n, v) = field.split_once(':').unwrap();
        String::from_utf8(rw_bytes(n.as_bytes(), v.as_bytes()).unwrap().bytes).unwrap()
    }

    fn rw_bytes(name: &[u8], value: &[u8]) -> Result<Rewritten, FieldError> {
        let mut field = name.to_vec();
        field.push(b':');
        field.extend_from_slice(value);
        field.extend_from_slice(b"\r\n");
        rewrite(name, value, &field)
    }

    #[test]
    fn subject_becomes_encoded_words() {
        let out = rw("Subject: Grüße aus Köln, eine recht lange Betreffzeile mit Umlauten äöü");
        assert!(out.is_ascii());
        assert!(out.lines().all(|l| l.len() <= 78), "{out}");
        let (text, _) = crate::mime::decode_header_text(&out.as_bytes()[9..]);
        assert_eq!(
            text.trim(),
            "Grüße aus Köln, eine recht lange Betreffzeile mit Umlauten äöü"
        );
    }

    #[test]
    fn invalid_utf8_is_unknown_8bit() {
        let out = rw_bytes(b"Subject", b" caf\xe9").unwrap().bytes;
        assert_eq!(out, b"Subject: =?unknown-8bit?B?Y2Fm6Q==?=\r\n");
    }

    #[test]
    fn addresses() {
        let out = rw("From: \"Jörg Müller\" <j@example.org>, plain@example.org");
        assert!(out.is_ascii());
        assert!(out.contains("<j@example.org>"));
        assert!(rw_bytes(b"To", "jörg@example.org".as_bytes()).is_err());
        assert!(rw_bytes(b"To", "X <jörg@example.org>".as_bytes()).is_err());
    }

    #[test]
    fn filename_parameter() {
        let out = rw("Content-Disposition: attachment; filename=\"résumé.pdf\"");
        assert_eq!(
            out,
            "Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf\r\n"
        );
    }
}
