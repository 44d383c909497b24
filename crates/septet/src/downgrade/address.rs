//! Address lists (RFC 5322 3.4, obsolete forms of 4.4 included) made
//! 7-bit: which bytes are a phrase (display name, group name), a comment,
//! or an address (local part, domain, route).
//!
//! Phrases and comments with 8-bit bytes become RFC 2047 encoded words
//! (5(3) and 5(2)): a quoted-string phrase becomes words of its unquoted
//! text. 8-bit bytes in an address have no 7-bit form:
//! [`FieldError::Address`] (reply 5.6.7). Everything else is kept byte for
//! byte.

use super::header::FieldError;
use super::words;

/// A lexical token of an address list.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tok {
    Blank,
    /// `( ... )`, nested, with quoted pairs.
    Comment,
    /// `" ... "`, with quoted pairs.
    Quoted,
    /// `[ ... ]` (a domain literal).
    Literal,
    /// One of `< > : ; , @`.
    Special(u8),
    /// Any other run (atoms, dots, stray bytes).
    Atom,
}

/// What a token is part of.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    /// Syntax or white space.
    Other,
    /// A display name or group name; tokens of one phrase share the id.
    Phrase(usize),
    /// A local part, domain or route.
    Address,
}

/// The end of a comment, quoted string or domain literal starting at
/// `start` (its opening byte): after its close, or the end of `v`.
fn delimited(v: &[u8], start: usize, close: u8) -> usize {
    let nest = v[start] == b'(';
    let (mut depth, mut i) = (1usize, start + 1);
    while i < v.len() {
        match v[i] {
            b'\\' => i += 1,
            b'(' if nest => depth += 1,
            b if b == close => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    v.len()
}

fn lex(v: &[u8]) -> Vec<(Tok, usize, usize)> {
    let mut toks = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let (tok, end) = match v[i] {
            b' ' | b'\t' | b'\r' | b'\n' => {
                let end = v[i..]
                    .iter()
                    .position(|b| !b" \t\r\n".contains(b))
                    .map_or(v.len(), |e| i + e);
                (Tok::Blank, end)
            }
            b'(' => (Tok::Comment, delimited(v, i, b')')),
            b'"' => (Tok::Quoted, delimited(v, i, b'"')),
            b'[' => (Tok::Literal, delimited(v, i, b']')),
            b @ (b'<' | b'>' | b':' | b';' | b',' | b'@') => (Tok::Special(b), i + 1),
            _ => {
                let end = v[i..]
                    .iter()
                    .position(|b| b" \t\r\n(\"[<>:;,@".contains(b))
                    .map_or(v.len(), |e| i + e);
                (Tok::Atom, end)
            }
        };
        toks.push((tok, i, end.max(i + 1).min(v.len())));
        i = end.max(i + 1);
    }
    toks
}

/// The role of every token: words before `<` or before a group's `:` are
/// a phrase; words inside `<>`, and the words of an address without `<>`,
/// are an address.
fn roles(toks: &[(Tok, usize, usize)]) -> Vec<Role> {
    let mut roles = vec![Role::Other; toks.len()];
    let (mut start, mut angle, mut phrases) = (0, false, 0);
    let word = |t: Tok| {
        matches!(
            t,
            Tok::Quoted | Tok::Atom | Tok::Literal | Tok::Special(b'@')
        )
    };
    for (i, &(t, _, _)) in toks.iter().enumerate() {
        if angle {
            if t == Tok::Special(b'>') {
                angle = false;
                start = i + 1;
            } else if word(t) {
                roles[i] = Role::Address;
            }
            continue;
        }
        match t {
            Tok::Special(b'<' | b':') => {
                for r in start..i {
                    if word(toks[r].0) {
                        roles[r] = Role::Phrase(phrases);
                    }
                }
                phrases += 1;
                start = i + 1;
                angle = t == Tok::Special(b'<');
            }
            Tok::Special(b',' | b';') => {
                // An addr-spec, or whatever follows `>` (not a phrase).
                address(toks, start, i, &mut roles);
                start = i + 1;
            }
            _ => {}
        }
    }
    address(toks, start, toks.len(), &mut roles);
    roles
}

/// Marks the words of `toks[from..to]` (an addr-spec, or what follows an
/// angle address) as address.
fn address(toks: &[(Tok, usize, usize)], from: usize, to: usize, roles: &mut [Role]) {
    for r in from..to {
        if !matches!(toks[r].0, Tok::Blank | Tok::Comment | Tok::Special(_)) {
            roles[r] = Role::Address;
        }
    }
}

fn needs(b: &[u8]) -> bool {
    !b.is_ascii() || b.contains(&0)
}

/// The text of a quoted string or comment: its delimiters removed (when
/// present), quoted pairs resolved.
fn unquote(s: &[u8]) -> Vec<u8> {
    let nest = s.first() == Some(&b'(');
    let close = if nest { b')' } else { b'"' };
    let (mut depth, mut escaped) = (0usize, false);
    let mut text = Vec::with_capacity(s.len());
    for &b in s.get(1..).unwrap_or_default() {
        if escaped {
            text.push(b);
            escaped = false;
            continue;
        }
        match b {
            b'\\' => escaped = true,
            b'(' if nest => {
                depth += 1;
                text.push(b);
            }
            c if c == close && depth == 0 => break,
            b')' if nest => {
                depth -= 1;
                text.push(b);
            }
            _ => text.push(b),
        }
    }
    text
}

/// Writes the address list `v` (unfolded) in 7-bit form; returns the count
/// of malformed encoded words written again.
pub(crate) fn rewrite(v: &[u8], out: &mut Vec<u8>) -> Result<u64, FieldError> {
    let toks = lex(v);
    let roles = roles(&toks);
    let mut malformed = 0;
    let mut i = 0;
    while i < toks.len() {
        let (tok, s, e) = toks[i];
        let bytes = &v[s..e];
        match roles[i] {
            // NUL in an address is left to the caller (it becomes `?`).
            Role::Address if !bytes.is_ascii() => return Err(FieldError::Address),
            Role::Phrase(id) => {
                // A phrase runs to its last token of the same id; comments
                // and blanks inside it stay themselves.
                let mut end = i + 1;
                let mut k = i + 1;
                while k < toks.len()
                    && (roles[k] == Role::Phrase(id)
                        || matches!(toks[k].0, Tok::Blank | Tok::Comment))
                {
                    if roles[k] == Role::Phrase(id) {
                        end = k + 1;
                    }
                    k += 1;
                }
                let (m, encoded) = phrase(v, &toks[i..end], out);
                malformed += m;
                // RFC 2047 5(3): a word in a phrase is separated from an
                // adjacent special by white space.
                if encoded
                    && matches!(toks.get(end), Some((Tok::Special(b'<' | b':'), ..)))
                    && !out.ends_with(b" ")
                {
                    out.push(b' ');
                }
                i = end;
                continue;
            }
            _ if tok == Tok::Comment && needs(bytes) => comment(bytes, out),
            // Not reached (every word is a phrase or an address); never
            // let 8-bit bytes through.
            _ if !bytes.is_ascii() => return Err(FieldError::Address),
            _ => out.extend_from_slice(bytes),
        }
        i += 1;
    }
    Ok(malformed)
}

/// A phrase (its words and the blanks between them): kept if 7-bit,
/// otherwise its text (quotes removed) as encoded words. Returns the
/// count of malformed words written again, and whether it was encoded.
fn phrase(v: &[u8], toks: &[(Tok, usize, usize)], out: &mut Vec<u8>) -> (u64, bool) {
    if !toks
        .iter()
        .any(|&(t, s, e)| t != Tok::Comment && needs(&v[s..e]))
    {
        for &(t, s, e) in toks {
            match t {
                Tok::Comment if needs(&v[s..e]) => comment(&v[s..e], out),
                _ => out.extend_from_slice(&v[s..e]),
            }
        }
        return (0, false);
    }
    if !matches!(out.last(), None | Some(b' ' | b'\t')) {
        out.push(b' ');
    }
    let mut malformed = 0;
    let mut text = Vec::new();
    let mut flush = |text: &mut Vec<u8>, out: &mut Vec<u8>| {
        if !text.is_empty() {
            malformed += words::rewrite(text, true, out).malformed;
            text.clear();
        }
    };
    for &(t, s, e) in toks {
        match t {
            Tok::Quoted => text.extend_from_slice(&words::inline_utf8_words(&unquote(&v[s..e]))),
            Tok::Comment => {
                // Blanks around a comment stay outside the words.
                let trailing = text
                    .iter()
                    .rev()
                    .take_while(|&&b| b == b' ' || b == b'\t')
                    .count();
                let blanks = text.split_off(text.len() - trailing);
                flush(&mut text, out);
                out.extend_from_slice(&blanks);
                if needs(&v[s..e]) {
                    comment(&v[s..e], out);
                } else {
                    out.extend_from_slice(&v[s..e]);
                }
            }
            Tok::Blank if text.is_empty() => out.extend_from_slice(&v[s..e]),
            _ => text.extend_from_slice(&v[s..e]),
        }
    }
    flush(&mut text, out);
    (malformed, true)
}

/// A comment with 8-bit text: `(` encoded words of its text `)`.
fn comment(c: &[u8], out: &mut Vec<u8>) {
    out.push(b'(');
    words::rewrite(&unquote(c), true, out);
    out.push(b')');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(v: &str) -> Result<String, FieldError> {
        let mut out = Vec::new();
        rewrite(v.as_bytes(), &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    fn decoded(s: &str) -> String {
        crate::mime::decode_header_text(s.as_bytes()).0
    }

    #[test]
    fn quoted_display_name_with_colon() {
        let out = rw("\"Laatste Kans: Welkomstpakket 🎉\" <a@b.example>").unwrap();
        assert!(out.is_ascii() && out.ends_with(" <a@b.example>"), "{out}");
        assert_eq!(
            decoded(&out),
            "Laatste Kans: Welkomstpakket 🎉 <a@b.example>"
        );
    }

    #[test]
    fn groups_comments_and_parens_in_quotes() {
        let out = rw("Grüppe: \"a (b) ö\" <x@y>, z@w (Jörg);, q@r").unwrap();
        assert!(out.is_ascii(), "{out}");
        assert!(out.contains("<x@y>, z@w (=?utf-8?B?"), "{out}");
        assert!(out.ends_with(");, q@r"), "{out}");
        assert_eq!(decoded(&out), "Grüppe : a (b) ö <x@y>, z@w (Jörg);, q@r");
    }

    #[test]
    fn eight_bit_addresses_are_refused() {
        for v in [
            "jörg@example.org",
            "X <jörg@example.org>",
            "X <j@exämple.org>",
            "G: a@b, jörg@c;",
            "\"jö\"@example.org",
            "<@röute:a@b>",
        ] {
            assert_eq!(rw(v), Err(FieldError::Address), "{v}");
        }
    }

    #[test]
    fn text_after_an_angle_address_is_an_address() {
        assert_eq!(rw("<a@b> Jörg, c@d"), Err(FieldError::Address));
        let out = rw("Jörg<a@b>, , (Ünd) c@d").unwrap();
        assert!(
            out.is_ascii() && out.contains("?= <a@b>, , (=?utf-8?B?"),
            "{out}"
        );
    }

    #[test]
    fn obsolete_route_is_not_a_group() {
        let out = rw("Jörg <@a.example,@b.example:j@c.example>").unwrap();
        assert!(
            out.ends_with(" <@a.example,@b.example:j@c.example>"),
            "{out}"
        );
    }
}
