//! ENVELOPE and BODYSTRUCTURE (RFC 3501 7.4.2) from one septet parse of
//! the message in CRLF form, so sizes and line counts follow Dovecot's
//! rules (a bare LF counts as CRLF); defaults for a missing Content-Type
//! (`text/plain; charset=us-ascii`) and CTE (`7bit`).

use septet::mime::{Kind, Message, Part};

use super::params::Params;

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

/// Runs of spaces and tabs as one space (Dovecot shows the subject so).
pub fn collapse_space(v: Vec<u8>) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    for b in v {
        let b = if b == b'\t' { b' ' } else { b };
        if !(b == b' ' && out.last() == Some(&b' ')) {
            out.push(b);
        }
    }
    out
}

/// The ENVELOPE of the message whose root is `part`.
pub fn envelope(out: &mut Vec<u8>, part: &Part<'_, '_>) {
    out.push(b'(');
    nstring(out, field(part, "date").as_deref());
    out.push(b' ');
    nstring(out, field(part, "subject").map(collapse_space).as_deref());
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

fn params(out: &mut Vec<u8>, params: &Params) {
    let mut any = false;
    for (k, v) in params {
        out.push(if any { b' ' } else { b'(' });
        any = true;
        string(out, k.as_bytes());
        out.push(b' ');
        string(out, v);
    }
    if any {
        out.push(b')');
    } else {
        out.extend_from_slice(b"NIL");
    }
}

/// The raw value of `name` split into its token and parameters.
fn raw_field(part: &Part<'_, '_>, name: &str) -> Option<(Vec<u8>, Params)> {
    part.header(name)
        .map(|h| super::params::split(&h.unfolded()))
}

/// The Content-Type parameters as written; for a defaulted type, the
/// default's (`charset=us-ascii` for text/plain).
fn type_params(part: &Part<'_, '_>, is_text: bool) -> Params {
    let ct = part.content_type();
    let mut list = match raw_field(part, "content-type") {
        Some((_, p)) if !ct.is_default() => p,
        _ => ct
            .params()
            .map(|(k, v)| (k.to_owned(), v.as_bytes().to_vec()))
            .collect(),
    };
    if is_text && !list.iter().any(|(k, _)| k == "charset") {
        // RFC 2045 5.2's default charset, stated (last) as Dovecot does.
        list.push(("charset".to_owned(), b"us-ascii".to_vec()));
    }
    list
}

fn lines(body: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', body).count()
}

/// The extension data after the basic fields: disposition, language,
/// location.
fn disposition_language_location(out: &mut Vec<u8>, part: &Part<'_, '_>) {
    out.push(b' ');
    match raw_field(part, "content-disposition") {
        Some((kind, p)) => {
            out.push(b'(');
            string(out, &kind);
            out.push(b' ');
            params(out, &p);
            out.push(b')');
        }
        None => out.extend_from_slice(b"NIL"),
    }
    out.push(b' ');
    // A list of tags (RFC 3501 body-fld-lang), as Dovecot sends it.
    let tags: Vec<Vec<u8>> = field(part, "content-language")
        .map(|l| {
            l.split(|&b| b == b',')
                .map(|t| {
                    t.iter()
                        .copied()
                        .filter(|b| !b.is_ascii_whitespace())
                        .collect::<Vec<u8>>()
                })
                .filter(|t| !t.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if tags.is_empty() {
        out.extend_from_slice(b"NIL");
    } else {
        out.push(b'(');
        for (i, t) in tags.iter().enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            string(out, t);
        }
        out.push(b')');
    }
    out.push(b' ');
    nstring(out, field(part, "content-location").as_deref());
}

/// The type and subtype as the Content-Type field writes them (Dovecot
/// keeps their case), when the field parses to the same type as septet's.
fn raw_type(part: &Part<'_, '_>, main: &str, sub: &str) -> (String, String) {
    let found = raw_field(part, "content-type").and_then(|(head, _)| {
        let head = String::from_utf8_lossy(&head).into_owned();
        let (m, s) = head.split_once('/')?;
        let (m, s) = (m.trim(), s.trim());
        (m.eq_ignore_ascii_case(main) && s.eq_ignore_ascii_case(sub))
            .then(|| (m.to_owned(), s.to_owned()))
    });
    found.unwrap_or_else(|| (main.to_owned(), sub.to_owned()))
}

/// The extension data of a multipart: parameters, disposition, language,
/// location.
fn multipart_tail(out: &mut Vec<u8>, part: &Part<'_, '_>, sub: &str, extended: bool) {
    out.push(b' ');
    string(out, sub.as_bytes());
    if extended {
        out.push(b' ');
        params(out, &type_params(part, false));
        disposition_language_location(out, part);
    }
    out.push(b')');
}

/// BODYSTRUCTURE (`extended`) or BODY of `part`.
pub fn body_structure(out: &mut Vec<u8>, part: &Part<'_, '_>, extended: bool) {
    let ct = part.content_type();
    let (mut main, mut sub) = raw_type(part, ct.main_type(), ct.subtype());
    out.push(b'(');
    if ct.main_type() == "multipart" {
        if part.is_leaf() {
            // No part found (no boundary, or it never occurs): one empty
            // text part, as Dovecot describes it, keeps the list valid.
            out.extend_from_slice(
                b"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0",
            );
            out.extend_from_slice(if extended { b" NIL NIL NIL NIL)" } else { b")" });
        }
        for child in part.children() {
            body_structure(out, &child, extended);
        }
        return multipart_tail(out, part, &sub, extended);
    }
    let is_text = ct.main_type() == "text";
    let mut list = type_params(part, is_text);
    if ct.is("text", "plain")
        && list.len() == 1
        && list[0].0 == "charset"
        && list[0].1.eq_ignore_ascii_case(b"us-ascii")
    {
        // The default type, however written, in its canonical form (as
        // Dovecot stores it).
        (main, sub) = ("text".to_owned(), "plain".to_owned());
        list[0].1 = b"us-ascii".to_vec();
    }
    string(out, main.as_bytes());
    out.push(b' ');
    string(out, sub.as_bytes());
    out.push(b' ');
    params(out, &list);
    out.push(b' ');
    nstring(out, field(part, "content-id").as_deref());
    out.push(b' ');
    nstring(out, field(part, "content-description").as_deref());
    out.push(b' ');
    // The encoding as written (Dovecot keeps its case), 7bit if absent.
    let cte = raw_field(part, "content-transfer-encoding")
        .map(|(token, _)| token)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| b"7bit".to_vec());
    string(out, &cte);
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
    } else if is_text {
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
/// one parse, kept in the process-wide [`super::cache::MetaCache`].
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
        // An mbox `From ` line left at the top (mail copied out of an mbox)
        // is not a field; septet would end the header there, Dovecot skips
        // it. Only lengths leave this function, so parsing after it is safe.
        let parsed = match crlf.strip_prefix(b"From ") {
            Some(rest) => memchr::memchr(b'\n', rest).map_or(crlf, |i| &rest[i + 1..]),
            None => crlf,
        };
        match Message::parse(parsed) {
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
        // Kept for the cache's lifetime: no growth slack.
        envelope_t.shrink_to_fit();
        bs.shrink_to_fit();
        body.shrink_to_fit();
        Meta {
            size: crlf.len() as u64,
            envelope: envelope_t,
            bodystructure: bs,
            body,
        }
    }

    /// The bytes its texts take on the heap (what the cache counts).
    pub fn heap_bytes(&self) -> usize {
        self.envelope.capacity() + self.bodystructure.capacity() + self.body.capacity()
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
