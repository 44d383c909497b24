//! RFC 5322 address lists as ENVELOPE address structures:
//! `(name adl mailbox host)`, groups as `(NIL NIL group NIL) ...
//! (NIL NIL NIL NIL)`. Lenient: what is not an address becomes a
//! mailbox with the text and no host, as Dovecot does.

use super::structure::{nstring, string};

/// Splits at `sep` outside quotes, comments and angle brackets.
fn split_top(v: &[u8], seps: &[u8]) -> Vec<(usize, usize, u8)> {
    let (mut quoted, mut depth, mut angle, mut start) = (false, 0u32, false, 0);
    let mut out = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let b = v[i];
        match b {
            b'\\' if quoted || depth > 0 => i += 1,
            b'"' if depth == 0 => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted && depth > 0 => depth -= 1,
            b'<' if !quoted && depth == 0 => angle = true,
            b'>' if !quoted && depth == 0 => angle = false,
            _ if !quoted && depth == 0 && !angle && seps.contains(&b) => {
                out.push((start, i, b));
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push((start, v.len(), 0));
    out
}

fn trim(v: &[u8]) -> &[u8] {
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

/// Removes comments and the quotes of a display name; white space runs
/// left by a comment become one space.
fn display_name(v: &[u8]) -> Option<Vec<u8>> {
    let v = trim(v);
    if v.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    let (mut quoted, mut depth, mut i) = (false, 0u32, 0);
    while i < v.len() {
        match v[i] {
            b'"' if depth == 0 => quoted = !quoted,
            b'\\' if quoted && i + 1 < v.len() => {
                i += 1;
                out.push(v[i]);
            }
            b'(' if !quoted => depth += 1,
            b')' if !quoted && depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            b' ' if !quoted && out.last() == Some(&b' ') => {}
            b => out.push(b),
        }
        i += 1;
    }
    Some(trim(&out).to_vec())
}

/// Removes `(comments)` and whitespace from an addr-spec.
fn strip_comments(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut depth, mut quoted) = (0u32, false);
    for &b in v {
        match b {
            b'"' if depth == 0 => {
                quoted = !quoted;
                out.push(b)
            }
            b'(' if !quoted => depth += 1,
            b')' if !quoted && depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            b if b.is_ascii_whitespace() && !quoted => {}
            b => out.push(b),
        }
    }
    out
}

fn mailbox(out: &mut Vec<u8>, v: &[u8]) {
    let v = trim(v);
    let (name, spec) = match (
        v.iter().position(|&b| b == b'<'),
        v.iter().rposition(|&b| b == b'>'),
    ) {
        (Some(l), Some(r)) if l < r => (display_name(&v[..l]), &v[l + 1..r]),
        _ => (None, v),
    };
    let spec = strip_comments(spec);
    // A source route (`@a,@b:user@host`) is dropped to the adl slot.
    let (adl, spec) = match spec.iter().position(|&b| b == b':') {
        Some(c) if spec.first() == Some(&b'@') => {
            (Some(spec[..c].to_vec()), spec[c + 1..].to_vec())
        }
        _ => (None, spec),
    };
    let (local, host) = match spec.iter().rposition(|&b| b == b'@') {
        Some(at) => (spec[..at].to_vec(), Some(spec[at + 1..].to_vec())),
        None => (spec, None),
    };
    let local = display_name(&local).unwrap_or_default();
    out.push(b'(');
    nstring(out, name.as_deref().filter(|n| !n.is_empty()));
    out.push(b' ');
    nstring(out, adl.as_deref());
    out.push(b' ');
    string(out, &local);
    out.push(b' ');
    // A NIL host marks a group (RFC 3501 7.4.2): an address without a
    // domain gets Dovecot's placeholder instead.
    string(out, host.as_deref().unwrap_or(b"MISSING_DOMAIN"));
    out.push(b')');
}

/// Appends the ENVELOPE address list for the header value `v`, or NIL
/// when it holds no address.
pub fn address_list(out: &mut Vec<u8>, v: &[u8]) {
    let start = out.len();
    out.push(b'(');
    let mut any = false;
    let mut rest = v;
    loop {
        let items = split_top(rest, b",:");
        let Some(&(s, e, sep)) = items.first() else {
            break;
        };
        let item = trim(&rest[s..e]);
        if sep == b':' {
            // A group: `name: a, b;`.
            let after = &rest[e + 1..];
            let end = after.iter().position(|&b| b == b';').unwrap_or(after.len());
            out.extend_from_slice(b"(NIL NIL ");
            string(out, item);
            out.extend_from_slice(b" NIL)");
            for (gs, ge, _) in split_top(&after[..end], b",") {
                if !trim(&after[gs..ge]).is_empty() {
                    mailbox(out, &after[gs..ge]);
                }
            }
            out.extend_from_slice(b"(NIL NIL NIL NIL)");
            any = true;
            rest = after.get(end + 1..).unwrap_or(&[]);
            rest = rest.strip_prefix(b",").unwrap_or(rest);
            continue;
        }
        // Only a comment or `<>`: no address (Dovecot sends none either).
        let bare = strip_comments(item);
        if !bare.is_empty() && bare != b"<>" {
            mailbox(out, item);
            any = true;
        }
        if sep == 0 {
            break;
        }
        rest = &rest[e + 1..];
    }
    if any {
        out.push(b')');
    } else {
        out.truncate(start);
        out.extend_from_slice(b"NIL");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(v: &str) -> String {
        let mut out = Vec::new();
        address_list(&mut out, v.as_bytes());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn forms() {
        assert_eq!(list("a@b.c"), "((NIL NIL \"a\" \"b.c\"))");
        assert_eq!(
            list("\"Doe, J\" <j@x.org>, k@y (K)"),
            "((\"Doe, J\" NIL \"j\" \"x.org\")(NIL NIL \"k\" \"y\"))"
        );
        assert_eq!(
            list("team: a@x, b@y;"),
            "((NIL NIL \"team\" NIL)(NIL NIL \"a\" \"x\")(NIL NIL \"b\" \"y\")(NIL NIL NIL NIL))"
        );
        assert_eq!(
            list("undisclosed-recipients:;"),
            "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL))"
        );
        assert_eq!(list("  "), "NIL");
    }
}
