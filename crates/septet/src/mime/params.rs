//! The syntax of structured MIME field values: `type/subtype; name=value`
//! (RFC 2045 section 5.1, RFC 2183), with comments, quoted strings and
//! folding, read leniently and in linear time.
//!
//! This module only splits the syntax; RFC 2231 assembly and charsets are in
//! [`super::rfc2231`].

use std::borrow::Cow;

/// Whitespace inside a structured value: folding line breaks count too.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// RFC 2045 `token` characters; bytes above 0x7f are accepted (RFC 6532).
#[inline]
pub(crate) fn is_token(b: u8) -> bool {
    // A table: tokens are scanned byte by byte for every Content-Type and
    // Content-Transfer-Encoding of every part.
    TOKEN[b as usize]
}

static TOKEN: [bool; 256] = token_table();

const fn token_table() -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0x21;
    while b < 256 {
        t[b] = b != 0x7f
            && !matches!(
                b as u8,
                b'(' | b')'
                    | b'<'
                    | b'>'
                    | b'@'
                    | b','
                    | b';'
                    | b':'
                    | b'\\'
                    | b'"'
                    | b'/'
                    | b'['
                    | b']'
                    | b'?'
                    | b'='
            );
        b += 1;
    }
    t
}

/// A cursor over a structured value.
pub(crate) struct Lexer<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(s: &'a [u8]) -> Self {
        Lexer { s, i: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// Skips whitespace, line breaks and (nested) comments. An unterminated
    /// comment runs to the end.
    pub(crate) fn skip_cfws(&mut self) {
        while let Some(b) = self.peek() {
            if is_space(b) {
                self.i += 1;
            } else if b == b'(' {
                self.skip_comment();
            } else {
                break;
            }
        }
    }

    fn skip_comment(&mut self) {
        let mut depth = 0usize;
        while let Some(b) = self.peek() {
            self.i += 1;
            match b {
                b'\\' => self.i += 1,
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
        self.i = self.i.min(self.s.len());
    }

    /// A run of token characters (possibly empty).
    pub(crate) fn token(&mut self) -> &'a [u8] {
        let start = self.i;
        while self.peek().is_some_and(is_token) {
            self.i += 1;
        }
        &self.s[start..self.i]
    }

    /// Consumes `b` if it is next.
    pub(crate) fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// After the opening quote: the content up to the closing quote (or the
    /// end), with `\x` escapes resolved and folding line breaks removed.
    fn quoted(&mut self) -> Cow<'a, [u8]> {
        let start = self.i;
        let mut plain = true;
        while let Some(b) = self.peek() {
            match b {
                b'"' => break,
                b'\\' => {
                    plain = false;
                    self.i += 2;
                }
                b'\r' | b'\n' => {
                    plain = false;
                    self.i += 1;
                }
                _ => self.i += 1,
            }
        }
        let end = self.i.min(self.s.len());
        self.i = end;
        self.eat(b'"');
        let raw = &self.s[start..end];
        if plain {
            return Cow::Borrowed(raw);
        }
        let mut out = Vec::with_capacity(raw.len());
        let mut it = raw.iter();
        while let Some(&b) = it.next() {
            match b {
                b'\\' => out.extend(it.next()),
                b'\r' | b'\n' => {}
                _ => out.push(b),
            }
        }
        Cow::Owned(out)
    }

    /// An unquoted parameter value, read leniently: everything up to `;` or
    /// a comment, trailing blanks trimmed, so `boundary===_x==` and
    /// `name=my file.pdf` keep all their characters.
    fn bare_value(&mut self) -> Cow<'a, [u8]> {
        let start = self.i;
        while self.peek().is_some_and(|b| b != b';' && b != b'(') {
            self.i += 1;
        }
        let mut raw = &self.s[start..self.i];
        while let [rest @ .., last] = raw {
            if !is_space(*last) {
                break;
            }
            raw = rest;
        }
        if raw.iter().any(|&b| b == b'\r' || b == b'\n') {
            Cow::Owned(
                raw.iter()
                    .copied()
                    .filter(|&b| b != b'\r' && b != b'\n')
                    .collect(),
            )
        } else {
            Cow::Borrowed(raw)
        }
    }

    fn rest(&self) -> &'a [u8] {
        &self.s[self.i.min(self.s.len())..]
    }
}

/// `type/subtype` and the parameter text after it.
pub(crate) struct MediaType<'a> {
    pub main: &'a [u8],
    pub sub: &'a [u8],
    pub params: &'a [u8],
}

/// Parses the start of a Content-Type value. `None` when it is not
/// `token / token` (RFC 2045 section 5.2: the default type then applies).
pub(crate) fn media_type(value: &[u8]) -> Option<MediaType<'_>> {
    let mut lx = Lexer::new(value);
    lx.skip_cfws();
    let main = lx.token();
    lx.skip_cfws();
    if main.is_empty() || !lx.eat(b'/') {
        return None;
    }
    lx.skip_cfws();
    let sub = lx.token();
    if sub.is_empty() {
        return None;
    }
    Some(MediaType {
        main,
        sub,
        params: lx.rest(),
    })
}

/// Parses the start of a Content-Disposition value: the disposition token
/// (possibly empty) and the parameter text after it.
pub(crate) fn disposition(value: &[u8]) -> (&[u8], &[u8]) {
    let mut lx = Lexer::new(value);
    lx.skip_cfws();
    let token = lx.token();
    (token, lx.rest())
}

/// One `name=value` as written, with the RFC 2231 decorations split off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawParam<'a> {
    /// The base name (case-insensitive), without `*N` or `*`.
    pub name: &'a [u8],
    /// The RFC 2231 section number of `name*N`.
    pub section: Option<u32>,
    /// True for `name*` / `name*N*`: the value is percent-encoded and
    /// section 0 starts with `charset'language'`.
    pub extended: bool,
    /// The value, unquoted.
    pub value: Cow<'a, [u8]>,
}

/// Iterates over the parameters in `text` (what follows the type or
/// disposition). Junk between parameters is skipped up to the next `;`.
pub(crate) fn params(text: &[u8]) -> Params<'_> {
    Params {
        lx: Lexer::new(text),
    }
}

/// Iterator returned by [`params`].
pub(crate) struct Params<'a> {
    lx: Lexer<'a>,
}

impl<'a> Iterator for Params<'a> {
    type Item = RawParam<'a>;

    fn next(&mut self) -> Option<RawParam<'a>> {
        loop {
            // Skip to the next `;` (junk or the end of the previous value).
            let rest = self.lx.rest();
            let semi = memchr::memchr(b';', rest)?;
            self.lx.i += semi + 1;
            self.lx.skip_cfws();
            let name = self.lx.token();
            if name.is_empty() {
                continue;
            }
            self.lx.skip_cfws();
            if !self.lx.eat(b'=') {
                continue;
            }
            self.lx.skip_cfws();
            let value = if self.lx.eat(b'"') {
                self.lx.quoted()
            } else {
                self.lx.bare_value()
            };
            return Some(split_name(name, value));
        }
    }
}

fn split_name<'a>(name: &'a [u8], value: Cow<'a, [u8]>) -> RawParam<'a> {
    let (name, extended) = match name.strip_suffix(b"*") {
        Some(base) => (base, true),
        None => (name, false),
    };
    if let Some(star) = memchr::memrchr(b'*', name) {
        let digits = &name[star + 1..];
        if !digits.is_empty() && digits.len() <= 9 && digits.iter().all(u8::is_ascii_digit) {
            let section = digits
                .iter()
                .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
            return RawParam {
                name: &name[..star],
                section: Some(section),
                extended,
                value,
            };
        }
    }
    RawParam {
        name,
        section: None,
        extended,
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<(String, Option<u32>, bool, String)> {
        params(text.as_bytes())
            .map(|p| {
                (
                    String::from_utf8_lossy(p.name).into_owned(),
                    p.section,
                    p.extended,
                    String::from_utf8_lossy(&p.value).into_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn media_type_with_comments_and_spaces() {
        let t = media_type(b" (c) message (x) / rfc822 (y) ; a=b").unwrap();
        assert_eq!((t.main, t.sub), (&b"message"[..], &b"rfc822"[..]));
        let t = media_type(b"image/ jpeg").unwrap();
        assert_eq!(t.sub, b"jpeg");
        assert!(media_type(b"text").is_none());
        assert!(media_type(b"/plain").is_none());
        assert!(media_type(b"").is_none());
    }

    #[test]
    fn params_lenient() {
        assert_eq!(
            all(
                r#"; boundary===--27089--== ; id=<<001-3e1d>>;;;; q="a\"b;c" (cmt); name=my file.pdf"#
            ),
            [
                ("boundary".into(), None, false, "==--27089--==".into()),
                ("id".into(), None, false, "<<001-3e1d>>".into()),
                ("q".into(), None, false, "a\"b;c".into()),
                ("name".into(), None, false, "my file.pdf".into()),
            ]
        );
        assert_eq!(
            all("; charset=us-ascii (Plain text); junk; x"),
            [("charset".into(), None, false, "us-ascii".into())]
        );
    }

    #[test]
    fn folded_values() {
        assert_eq!(
            all("; boundary=\r\n \"x\r\n y\""),
            [("boundary".into(), None, false, "x y".into())]
        );
    }

    #[test]
    fn rfc2231_names() {
        assert_eq!(
            all("; title*0*=us-ascii'en'a%20; title*1=b; t*=x; n*12345678901=z"),
            [
                ("title".into(), Some(0), true, "us-ascii'en'a%20".into()),
                ("title".into(), Some(1), false, "b".into()),
                ("t".into(), None, true, "x".into()),
                ("n*12345678901".into(), None, false, "z".into()),
            ]
        );
    }

    #[test]
    fn many_semicolons_are_linear() {
        let text = ";".repeat(200_000) + "a=b";
        assert_eq!(all(&text).len(), 1);
        let nested = "(".repeat(100_000);
        assert!(media_type(nested.as_bytes()).is_none());
    }
}
