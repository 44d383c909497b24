//! Header fields with 8-bit bytes, rewritten in 7-bit form: RFC 2047
//! encoded words for text, RFC 2231 for Content-Type and
//! Content-Disposition parameters, an error for 8-bit addresses.

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
/// bytes there become `?`.
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
];

/// Fold header lines before this column.
const FOLD: usize = 78;
/// Encoded-word overhead: `=?` charset `?B?` ... `?=`.
const WORD_OVERHEAD: usize = 7;

/// Why a field could not be made 7-bit.
#[derive(Debug)]
pub(crate) struct AddressError;

/// How a field was rewritten.
pub(crate) struct Rewritten {
    /// The new field, CRLF-terminated.
    pub bytes: Vec<u8>,
    /// Bytes replaced by `?` (lossy).
    pub replaced: u64,
}

/// Rewrites a field with 8-bit bytes. `name` is the raw name, `value` the
/// raw value (after the colon, without the final line break).
pub(crate) fn rewrite(name: &[u8], value: &[u8]) -> Result<Rewritten, AddressError> {
    let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
    let unfolded: Vec<u8> = value
        .iter()
        .copied()
        .filter(|&b| b != b'\r' && b != b'\n')
        .collect();
    let mut bytes = name.to_vec();
    bytes.extend_from_slice(b": ");
    let col = name.len() + 2;
    let mut replaced = 0;
    if ADDRESS_FIELDS.contains(&lower.as_str()) {
        addresses(&unfolded, col, &mut bytes)?;
    } else if lower == "content-type" || lower == "content-disposition" {
        replaced = parameters(&unfolded, col, &mut bytes);
    } else if STRUCTURED_FIELDS.contains(&lower.as_str()) {
        for &b in trim(&unfolded) {
            bytes.push(if b >= 128 || b == 0 { b'?' } else { b });
            replaced += u64::from(b >= 128 || b == 0);
        }
    } else if unfolded.is_ascii() {
        // Only NUL: no encoded word is needed for the rest.
        for &b in trim(&unfolded) {
            bytes.push(if b == 0 { b'?' } else { b });
            replaced += u64::from(b == 0);
        }
    } else {
        encoded_words(trim(&unfolded), col, &mut bytes);
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
    Ok(Rewritten { bytes, replaced })
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

/// An address list: 8-bit display names become encoded words; 8-bit bytes
/// anywhere else (the address itself, comments, groups) are an error.
fn addresses(value: &[u8], col: usize, out: &mut Vec<u8>) -> Result<(), AddressError> {
    let start = out.len();
    for (i, piece) in split_outside(value, b',').into_iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b",\r\n ");
        }
        let piece = trim(piece);
        if piece.is_ascii() {
            out.extend_from_slice(piece);
            continue;
        }
        let lt = piece.iter().rposition(|&b| b == b'<').ok_or(AddressError)?;
        let (phrase, addr) = (trim(&piece[..lt]), &piece[lt..]);
        if !addr.is_ascii() || phrase.contains(&b'(') || phrase.contains(&b':') {
            return Err(AddressError);
        }
        let text = unquote(phrase);
        let at = if i == 0 { col } else { 1 };
        encoded_words(&text, at, out);
        let line = out.len()
            - out[start..]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1)
            - start;
        if line + addr.len() + 1 > FOLD {
            out.extend_from_slice(b"\r\n");
        }
        out.push(b' ');
        out.extend_from_slice(addr);
    }
    Ok(())
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
/// is kept. Returns the count of bytes replaced by `?` (8-bit bytes in the
/// type itself, which has no 7-bit form).
fn parameters(value: &[u8], col: usize, out: &mut Vec<u8>) -> u64 {
    let mut replaced = 0;
    let mut line = col;
    for (i, piece) in split_outside(value, b';').into_iter().enumerate() {
        let piece = trim(piece);
        let mut rendered = Vec::new();
        match piece.iter().position(|&b| b == b'=') {
            Some(eq) if i > 0 && !piece.is_ascii() => {
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
    replaced
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
        String::from_utf8(rewrite(n.as_bytes(), v.as_bytes()).unwrap().bytes).unwrap()
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
        let out = rewrite(b"Subject", b" caf\xe9").unwrap().bytes;
        assert_eq!(out, b"Subject: =?unknown-8bit?B?Y2Fm6Q==?=\r\n");
    }

    #[test]
    fn addresses() {
        let out = rw("From: \"Jörg Müller\" <j@example.org>, plain@example.org");
        assert!(out.is_ascii());
        assert!(out.contains("<j@example.org>"));
        assert!(rewrite(b"To", "jörg@example.org".as_bytes()).is_err());
        assert!(rewrite(b"To", "X <jörg@example.org>".as_bytes()).is_err());
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
