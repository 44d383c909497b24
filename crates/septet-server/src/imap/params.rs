//! Content-Type and Content-Disposition parameters as the header writes
//! them: BODYSTRUCTURE carries them raw (RFC 3501 7.4.2), so RFC 2231 and
//! RFC 2047 forms are left for the client to decode, as Dovecot does.

/// Parameters: lowercase names and raw (unquoted) values.
pub type Params = Vec<(String, Vec<u8>)>;

/// A field value split at its first `;` (outside quotes and comments):
/// the leading token with comments removed, and the parameters with
/// lowercase names and unquoted values.
pub fn split(value: &[u8]) -> (Vec<u8>, Params) {
    let mut pieces = Vec::new();
    let (mut quoted, mut depth, mut start, mut i) = (false, 0u32, 0, 0);
    while i < value.len() {
        match value[i] {
            b'\\' if quoted => i += 1,
            b'"' if depth == 0 => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted && depth > 0 => depth -= 1,
            b';' if !quoted && depth == 0 => {
                pieces.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    pieces.push(&value[start.min(value.len())..]);
    let head = strip(pieces[0]);
    let mut params = Vec::new();
    for p in &pieces[1..] {
        let Some(eq) = p.iter().position(|&b| b == b'=') else {
            continue;
        };
        let name = strip(&p[..eq]);
        if name.is_empty() {
            continue;
        }
        let raw = strip_ws(&p[eq + 1..]);
        let value = match raw.strip_prefix(b"\"") {
            Some(q) => unquote(q),
            None => strip(raw),
        };
        params.push((String::from_utf8_lossy(&name).to_ascii_lowercase(), value));
    }
    (head, join_continuations(params))
}

/// Joins RFC 2231 continuations (`name*0*`, `name*1`, ...) into one
/// parameter, `name*` if any piece is extended, in section order; the
/// values stay encoded, as Dovecot sends them.
fn join_continuations(params: Params) -> Params {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut pieces: Vec<(String, u32, bool, Vec<u8>)> = Vec::new();
    for (name, value) in params {
        let split = name.split_once('*').and_then(|(base, rest)| {
            let extended = rest.ends_with('*');
            let n = rest.trim_end_matches('*').parse::<u32>().ok()?;
            Some((base.to_owned(), n, extended))
        });
        match split {
            Some((base, n, ext)) => pieces.push((base, n, ext, value)),
            None => out.push((name, value)),
        }
    }
    pieces.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let mut i = 0;
    while i < pieces.len() {
        let base = pieces[i].0.clone();
        let mut value = Vec::new();
        let mut extended = false;
        while i < pieces.len() && pieces[i].0 == base {
            extended |= pieces[i].2;
            value.extend_from_slice(&pieces[i].3);
            i += 1;
        }
        let name = if extended { format!("{base}*") } else { base };
        out.push((name, value));
    }
    out
}

fn strip_ws(v: &[u8]) -> &[u8] {
    let s = v
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(v.len());
    let e = v
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(s, |e| e + 1);
    &v[s..e.max(s)]
}

/// Removes comments and surrounding white space.
fn strip(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut depth = 0u32;
    for &b in v {
        match b {
            b'(' => depth += 1,
            b')' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            b => out.push(b),
        }
    }
    strip_ws(&out).to_vec()
}

/// The content of a quoted string (after its opening quote).
fn unquote(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < v.len() {
        match v[i] {
            b'"' => break,
            b'\\' if i + 1 < v.len() => {
                i += 1;
                out.push(v[i]);
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_parameters() {
        let (head, p) =
            split(b"Text/Plain (c) ; Charset=\"utf-8\"; name*=utf-8''a%20b; x=\"a;b\\\"c\"");
        assert_eq!(head, b"Text/Plain");
        assert_eq!(
            p,
            [
                ("charset".to_owned(), b"utf-8".to_vec()),
                ("name*".to_owned(), b"utf-8''a%20b".to_vec()),
                ("x".to_owned(), b"a;b\"c".to_vec()),
            ]
        );
        assert_eq!(split(b"BASE64 (comment)").0, b"BASE64");
        let (_, p) = split(b"attachment; filename*0*=utf-8''a%20; filename*1=b.pdf");
        assert_eq!(p, [("filename*".to_owned(), b"utf-8''a%20b.pdf".to_vec())]);
    }
}
