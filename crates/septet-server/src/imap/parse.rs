//! IMAP command syntax (RFC 3501 9): a cursor over one complete command
//! (literals inline), and the framing that finds where a command ends.

use std::fmt;

/// The largest literal accepted (APPEND of a big message included).
pub const MAX_LITERAL: usize = 64 << 20;

/// A syntax error: the command gets `BAD`, with the byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad {
    /// Offset in the command where parsing stopped.
    pub at: usize,
    /// What was expected.
    pub what: &'static str,
}

impl fmt::Display for Bad {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "syntax error at byte {}: expected {}",
            self.at, self.what
        )
    }
}

/// The literal announced at the end of `line` (`{n}` or `{n+}` before the
/// CRLF): `(n, non_synchronizing)`; `Err` for a number too large.
pub fn literal_at_end(line: &[u8]) -> Option<Result<(usize, bool), ()>> {
    let line = line.strip_suffix(b"\n")?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let mut digits = &inner[open + 1..];
    let plus = digits.last() == Some(&b'+');
    if plus {
        digits = &digits[..digits.len() - 1];
    }
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = std::str::from_utf8(digits)
        .ok()
        .and_then(|d| d.parse::<usize>().ok())
        .filter(|&n| n <= MAX_LITERAL);
    Some(n.map(|n| (n, plus)).ok_or(()))
}

/// A cursor over one command (without its final CRLF).
pub struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

fn is_atom_char(b: u8) -> bool {
    b > b' ' && b < 0x7f && !b"(){%*\"\\]".contains(&b)
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `s`.
    pub fn new(s: &'a [u8]) -> Cursor<'a> {
        Cursor { s, pos: 0 }
    }

    /// A syntax error here.
    pub fn bad(&self, what: &'static str) -> Bad {
        Bad { at: self.pos, what }
    }

    /// The next byte.
    pub fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    /// Whether everything was consumed.
    pub fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    /// Fails unless everything was consumed.
    pub fn end(&self) -> Result<(), Bad> {
        if self.at_end() {
            Ok(())
        } else {
            Err(self.bad("end of command"))
        }
    }

    /// Consumes `b` if it is next.
    pub fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes `word` (ASCII case-insensitive) if it is next.
    pub fn eat_word(&mut self, word: &str) -> bool {
        let end = self.pos + word.len();
        if self.s.len() >= end && self.s[self.pos..end].eq_ignore_ascii_case(word.as_bytes()) {
            self.pos = end;
            true
        } else {
            false
        }
    }

    /// One space.
    pub fn sp(&mut self) -> Result<(), Bad> {
        if self.eat(b' ') {
            Ok(())
        } else {
            Err(self.bad("space"))
        }
    }

    /// Bytes while `f` holds.
    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }

    /// An atom (also accepting `]`, as tags and flag names never need it
    /// excluded here but section specs parse it themselves).
    pub fn atom(&mut self) -> Result<&'a str, Bad> {
        let a = self.take_while(is_atom_char);
        if a.is_empty() {
            return Err(self.bad("atom"));
        }
        std::str::from_utf8(a).map_err(|_| self.bad("atom"))
    }

    /// A flag or atom with an optional leading `\`.
    pub fn flag(&mut self) -> Result<String, Bad> {
        let slash = self.eat(b'\\');
        let a = self.atom()?;
        Ok(if slash {
            format!("\\{a}")
        } else {
            a.to_owned()
        })
    }

    /// A number.
    pub fn number(&mut self) -> Result<u32, Bad> {
        let d = self.take_while(|b| b.is_ascii_digit());
        std::str::from_utf8(d)
            .ok()
            .and_then(|d| d.parse().ok())
            .ok_or(self.bad("number"))
    }

    /// A quoted string or a literal.
    pub fn string(&mut self) -> Result<Vec<u8>, Bad> {
        if self.eat(b'"') {
            let mut out = Vec::new();
            loop {
                match self.peek() {
                    Some(b'"') => {
                        self.pos += 1;
                        return Ok(out);
                    }
                    Some(b'\\') => {
                        self.pos += 1;
                        match self.peek() {
                            Some(c @ (b'"' | b'\\')) => out.push(c),
                            _ => return Err(self.bad("quoted special")),
                        }
                        self.pos += 1;
                    }
                    Some(b'\r' | b'\n') | None => return Err(self.bad("closing quote")),
                    Some(c) => {
                        out.push(c);
                        self.pos += 1;
                    }
                }
            }
        }
        if self.eat(b'{') {
            let n = self.number()? as usize;
            self.eat(b'+');
            if !(self.eat(b'}') && self.eat(b'\r') && self.eat(b'\n')) {
                return Err(self.bad("literal header"));
            }
            let end = self.pos.checked_add(n).filter(|&e| e <= self.s.len());
            let end = end.ok_or(self.bad("literal data"))?;
            let data = self.s[self.pos..end].to_vec();
            self.pos = end;
            return Ok(data);
        }
        Err(self.bad("string"))
    }

    /// An atom or a string.
    pub fn astring(&mut self) -> Result<Vec<u8>, Bad> {
        match self.peek() {
            Some(b'"' | b'{') => self.string(),
            _ => {
                let a = self.take_while(|b| is_atom_char(b) || b == b']');
                if a.is_empty() {
                    Err(self.bad("astring"))
                } else {
                    Ok(a.to_vec())
                }
            }
        }
    }

    /// An astring that must be UTF-8 text.
    pub fn astring_text(&mut self) -> Result<String, Bad> {
        let at = self.pos;
        String::from_utf8(self.astring()?).map_err(|_| Bad {
            at,
            what: "UTF-8 text",
        })
    }

    /// A mailbox name or pattern: an astring also allowing `%` and `*`.
    pub fn list_mailbox(&mut self) -> Result<String, Bad> {
        match self.peek() {
            Some(b'"' | b'{') => self.astring_text(),
            _ => {
                let a = self.take_while(|b| is_atom_char(b) || b"%*]".contains(&b));
                if a.is_empty() {
                    return Err(self.bad("mailbox pattern"));
                }
                Ok(String::from_utf8_lossy(a).into_owned())
            }
        }
    }

    /// A sequence set (`1:3,5,7:*`): ranges with `u32::MAX` for `*`.
    pub fn sequence_set(&mut self) -> Result<SeqSet, Bad> {
        let mut ranges = Vec::new();
        loop {
            let a = self.seq_number()?;
            let b = if self.eat(b':') {
                self.seq_number()?
            } else {
                a
            };
            ranges.push((a.min(b), a.max(b)));
            if !self.eat(b',') {
                break;
            }
        }
        Ok(SeqSet(ranges))
    }

    fn seq_number(&mut self) -> Result<u32, Bad> {
        if self.eat(b'*') {
            return Ok(u32::MAX);
        }
        match self.number()? {
            0 => Err(self.bad("non-zero number")),
            n => Ok(n),
        }
    }

    /// A parenthesized list of flags.
    pub fn flag_list(&mut self) -> Result<Vec<String>, Bad> {
        let mut flags = Vec::new();
        if !self.eat(b'(') {
            // STORE also takes flags without parentheses.
            loop {
                flags.push(self.flag()?);
                if !self.eat(b' ') {
                    return Ok(flags);
                }
            }
        }
        while !self.eat(b')') {
            if !flags.is_empty() {
                self.sp()?;
            }
            flags.push(self.flag()?);
        }
        Ok(flags)
    }
}

/// A sequence set: inclusive ranges, `u32::MAX` standing for `*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeqSet(pub Vec<(u32, u32)>);

impl SeqSet {
    /// Whether `n` is in the set, with `*` meaning `largest`.
    pub fn contains(&self, n: u32, largest: u32) -> bool {
        self.0.iter().any(|&(a, b)| {
            let fix = |x: u32| if x == u32::MAX { largest } else { x };
            let (a, b) = (fix(a).min(fix(b)), fix(a).max(fix(b)));
            (a..=b).contains(&n)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_markers() {
        assert_eq!(literal_at_end(b"a APPEND x {5}\r\n"), Some(Ok((5, false))));
        assert_eq!(literal_at_end(b"a APPEND x {5+}\r\n"), Some(Ok((5, true))));
        assert_eq!(literal_at_end(b"a NOOP\r\n"), None);
        assert_eq!(
            literal_at_end(b"a x {99999999999999999999}\r\n"),
            Some(Err(()))
        );
    }

    #[test]
    fn strings_and_sets() {
        let mut c = Cursor::new(b"\"a\\\"b\" {3}\r\nxyz atom 1:3,5,7:*");
        assert_eq!(c.string().unwrap(), b"a\"b");
        c.sp().unwrap();
        assert_eq!(c.astring().unwrap(), b"xyz");
        c.sp().unwrap();
        assert_eq!(c.atom().unwrap(), "atom");
        c.sp().unwrap();
        let s = c.sequence_set().unwrap();
        assert!(c.at_end());
        assert!(s.contains(2, 10) && s.contains(5, 10) && s.contains(10, 10) && !s.contains(4, 10));
        let mut c = Cursor::new(b"{10}\r\nab");
        assert!(c.string().is_err());
    }
}
