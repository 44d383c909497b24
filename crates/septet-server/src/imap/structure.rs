//! ENVELOPE and BODYSTRUCTURE (RFC 3501 7.4.2) from one septet parse of
//! the message in CRLF form, so sizes and line counts follow Dovecot's
//! rules (a bare LF counts as CRLF); defaults for a missing Content-Type
//! (`text/plain; charset=us-ascii`) and CTE (`7bit`).

use septet::mime::{Kind, Message, Part};

/// Appends an IMAP string: quoted when it can be, a literal otherwise
/// (CR, LF, NUL or 8-bit bytes).
pub fn string(out: &mut Vec<u8>, s: &[u8]) {
    if s.iter()
        .any(|&b| b == b'\r' || b == b'\n' || b == 0 || b >= 0x80)
    {
        out.extend_from_slice(format!("{{{}}}\r\n", s.len()).as_bytes());
        out.extend_from_slice(s);
        return;
    }
    out.push(b'"');
    for &b in s {
        if b == b'"' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// An IMAP string or NIL.
pub fn nstring(out: &mut Vec<u8>, s: Option<&[u8]>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"NIL"),
    }
}

/// A header value unfolded (CRLF before whitespace removed) and trimmed.
fn field<'a>(part: &Part<'_, 'a>, name: &str) -> Option<Vec<u8>> {
    let h = part.header(name)?;
    let v = h.unfolded();
    let v: &[u8] = &v;
    let start = v
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    Some(v[start..end.max(start)].to_vec())
}

/// The ENVELOPE of the message whose root is `part`.
pub fn envelope(out: &mut Vec<u8>, part: &Part<'_, '_>) {
    out.push(b'(');
    nstring(out, field(part, "date").as_deref());
    out.push(b' ');
    nstring(out, field(part, "subject").as_deref());
    let from = field(part, "from");
    for (name, fallback) in [
        ("from", None),
        ("sender", from.as_deref()),
        ("reply-to", from.as_deref()),
        ("to", None),
        ("cc", None),
        ("bcc", None),
    ] {
        out.push(b' ');
        let value = field(part, name);
        match value.as_deref().or(fallback) {
            Some(v) => super::address::address_list(out, v),
            None => out.extend_from_slice(b"NIL"),
        }
    }
    out.push(b' ');
    nstring(out, field(part, "in-reply-to").as_deref());
    out.push(b' ');
    nstring(out, field(part, "message-id").as_deref());
    out.push(b')');
}

fn params(out: &mut Vec<u8>, params: &mut dyn Iterator<Item = (&str, &str)>) {
    let mut any = false;
    for (k, v) in params {
        out.push(if any { b' ' } else { b'(' });
        any = true;
        string(out, k.as_bytes());
        out.push(b' ');
        string(out, v.as_bytes());
    }
    if any {
        out.push(b')');
    } else {
        out.extend_from_slice(b"NIL");
    }
}

fn lines(body: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', body).count()
}

/// The extension data after the basic fields: disposition, language,
/// location.
fn disposition_language_location(out: &mut Vec<u8>, part: &Part<'_, '_>) {
    out.push(b' ');
    match part.disposition() {
        Some(d) => {
            out.push(b'(');
            string(out, d.kind().as_bytes());
            out.push(b' ');
            params(out, &mut d.params());
            out.push(b')');
        }
        None => out.extend_from_slice(b"NIL"),
    }
    out.push(b' ');
    match field(part, "content-language") {
        Some(l) => string(out, &l),
        None => out.extend_from_slice(b"NIL"),
    }
    out.push(b' ');
    nstring(out, field(part, "content-location").as_deref());
}

/// BODYSTRUCTURE (`extended`) or BODY of `part`.
pub fn body_structure(out: &mut Vec<u8>, part: &Part<'_, '_>, extended: bool) {
    let ct = part.content_type();
    out.push(b'(');
    if part.kind() == Kind::Multipart && !part.is_leaf() {
        for child in part.children() {
            body_structure(out, &child, extended);
        }
        out.push(b' ');
        string(out, ct.subtype().as_bytes());
        if extended {
            out.push(b' ');
            params(out, &mut ct.params());
            disposition_language_location(out, part);
        }
        out.push(b')');
        return;
    }
    string(out, ct.main_type().as_bytes());
    out.push(b' ');
    string(out, ct.subtype().as_bytes());
    out.push(b' ');
    params(out, &mut ct.params());
    out.push(b' ');
    nstring(out, field(part, "content-id").as_deref());
    out.push(b' ');
    nstring(out, field(part, "content-description").as_deref());
    out.push(b' ');
    let cte = part.transfer_encoding();
    string(out, cte.as_str().to_ascii_lowercase().as_bytes());
    let body = part.body_raw();
    out.extend_from_slice(format!(" {}", body.len()).as_bytes());
    let nested = (part.kind() == Kind::Message)
        .then(|| part.children().next())
        .flatten();
    if let Some(inner) = nested {
        out.push(b' ');
        envelope(out, &inner);
        out.push(b' ');
        body_structure(out, &inner, extended);
        out.extend_from_slice(format!(" {}", lines(body)).as_bytes());
    } else if ct.main_type() == "text" {
        out.extend_from_slice(format!(" {}", lines(body)).as_bytes());
    }
    if extended {
        out.push(b' ');
        nstring(out, field(part, "content-md5").as_deref());
        disposition_language_location(out, part);
    }
    out.push(b')');
}

/// What FETCH needs of a message without reading it again: computed from
/// one parse, cached by the session.
#[derive(Debug, Clone)]
pub struct Meta {
    /// RFC822.SIZE: octets with CRLF line ends.
    pub size: u64,
    /// The ENVELOPE text.
    pub envelope: Vec<u8>,
    /// The BODYSTRUCTURE text.
    pub bodystructure: Vec<u8>,
    /// The BODY text (no extension data).
    pub body: Vec<u8>,
}

impl Meta {
    /// Analyzes a message in CRLF form. A message the parser refuses is
    /// described as one text/plain part.
    pub fn of(crlf: &[u8]) -> Meta {
        let (mut envelope_t, mut bs, mut body) = (Vec::new(), Vec::new(), Vec::new());
        match Message::parse(crlf) {
            Ok(msg) => {
                let root = msg.root();
                envelope(&mut envelope_t, &root);
                body_structure(&mut bs, &root, true);
                body_structure(&mut body, &root, false);
            }
            Err(_) => {
                let n = crlf.len();
                let l = lines(crlf);
                envelope_t.extend_from_slice(b"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
                bs = format!("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" {n} {l} NIL NIL NIL NIL)").into_bytes();
                body = format!(
                    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" {n} {l})"
                )
                .into_bytes();
            }
        }
        Meta {
            size: crlf.len() as u64,
            envelope: envelope_t,
            bodystructure: bs,
            body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: &[u8]) -> String {
        String::from_utf8_lossy(v).into_owned()
    }

    #[test]
    fn simple_text_message() {
        let m = Meta::of(b"From: A <a@x.org>\r\nSubject: hi\r\n\r\nline1\r\nline2\r\n");
        assert_eq!(
            text(&m.bodystructure),
            "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 14 2 NIL NIL NIL NIL)"
        );
        assert_eq!(
            text(&m.envelope),
            "(NIL \"hi\" ((\"A\" NIL \"a\" \"x.org\")) ((\"A\" NIL \"a\" \"x.org\")) \
             ((\"A\" NIL \"a\" \"x.org\")) NIL NIL NIL NIL NIL)"
        );
    }

    #[test]
    fn multipart_with_attachment() {
        let msg = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nhello\r\n--b\r\n\
Content-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\
Content-Disposition: attachment; filename=a.pdf\r\n\r\nQUJD\r\n--b--\r\n";
        let m = Meta::of(msg);
        assert_eq!(
            text(&m.bodystructure),
            "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 0 NIL NIL NIL NIL)\
(\"application\" \"pdf\" (\"name\" \"a.pdf\") NIL NIL \"base64\" 4 NIL (\"attachment\" (\"filename\" \"a.pdf\")) NIL NIL) \
\"mixed\" (\"boundary\" \"b\") NIL NIL NIL)"
        );
    }
}
