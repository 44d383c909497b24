//! Header blocks: fields with their continuation lines, the blank line, and
//! the ways a block can end early.

use super::delimiter::{self, Match};
use super::{Event, Flags, Span, Tokenizer};

/// Where a field's name ends and where its colon is: the name is one or
/// more RFC 5322 field-name characters (printable ASCII except `:`), then
/// optional blanks (obsolete syntax), then the colon.
///
/// Found from the first colon (memchr) back, not byte by byte from the
/// start: everything before that colon, less trailing blanks, must be name
/// characters, checked with a reduction the compiler vectorizes. A colon
/// on a later line is refused like the byte-wise scan refuses it, as the
/// line break before it is not a name character.
fn name_and_colon(field: &[u8]) -> Option<(usize, usize)> {
    let colon = memchr::memchr(b':', field)?;
    let mut name_end = colon;
    while name_end > 0 && matches!(field[name_end - 1], b' ' | b'\t') {
        name_end -= 1;
    }
    let name = &field[..name_end];
    // `b - 33 > 93` (wrapping) is true exactly outside 33..=126; the colon
    // cannot be in `name`, it is the first one.
    let outside = name
        .iter()
        .fold(0u8, |acc, &b| acc | u8::from(b.wrapping_sub(33) > 93));
    (name_end > 0 && outside == 0).then_some((name_end, colon))
}

impl Tokenizer {
    /// At the start of a header line. Returns false if more input is needed.
    pub(super) fn headers(&mut self, input: &[u8], eof: bool) -> bool {
        let Some(&first) = input.first() else {
            if !eof {
                return false;
            }
            self.end_headers(0, 0, Flags::empty(), false);
            return true;
        };
        let blank = match (first, input.get(1)) {
            (b'\n', _) => Some(1),
            (b'\r', Some(b'\n')) => Some(2),
            (b'\r', None) if !eof => return false,
            (b'\r', None) => Some(1),
            _ => None,
        };
        if let Some(len) = blank {
            self.end_headers(0, len, Flags::empty(), false);
            return true;
        }
        if first == b'-' && self.delimiters_possible() {
            match delimiter::match_line(input, self.open(), eof) {
                Match::NeedMore => return false,
                Match::Yes { index, close, len } => {
                    // A delimiter ends the header block: the part is empty.
                    let flags = if self.acc.fields > 0 {
                        Flags::NO_BLANK_LINE
                    } else {
                        Flags::empty()
                    };
                    self.end_headers(0, 0, flags, true);
                    self.on_delimiter(0, index, close, len);
                    return true;
                }
                Match::No => {}
            }
        }
        self.field(input, eof)
    }

    /// Reads one field (first line plus continuation lines).
    fn field(&mut self, input: &[u8], eof: bool) -> bool {
        if self.acc.fields >= self.limits.max_header_fields {
            return self.header_limit();
        }
        let used = usize::try_from(self.acc.header_bytes).unwrap_or(usize::MAX);
        let budget = self.limits.max_header_block.saturating_sub(used);
        // (Clamped: a caller breaking the input contract must not cause a panic.)
        let mut cursor = self.scanned.min(input.len());
        // The field ends at the end of a line not followed by a blank; the
        // limit applies to that end, so a partial field already longer than
        // the budget is decided the same way as the whole one.
        let end = loop {
            match memchr::memchr(b'\n', &input[cursor..]) {
                Some(k) => {
                    let line_end = cursor + k + 1;
                    if line_end > budget {
                        return self.header_limit();
                    }
                    match input.get(line_end) {
                        Some(b' ' | b'\t') => cursor = line_end,
                        Some(_) => break line_end,
                        None if eof => break line_end,
                        None => {
                            self.scanned = cursor;
                            return false;
                        }
                    }
                }
                None => {
                    if input.len() > budget {
                        return self.header_limit();
                    }
                    if !eof {
                        self.scanned = cursor;
                        return false;
                    }
                    break input.len();
                }
            }
        };
        self.scanned = 0;
        let field = &input[..end];
        let Some((name_end, colon)) = name_and_colon(field) else {
            // Not a field (`Sub ject: x` is not `Subject`): the header block
            // ends without a blank line and this line starts the body.
            self.end_headers(0, 0, Flags::NO_BLANK_LINE, false);
            return true;
        };
        let value_end = if field.ends_with(b"\r\n") {
            end - 2
        } else if field.ends_with(b"\n") {
            end - 1
        } else {
            end
        };
        if !field.is_ascii() {
            self.acc.flags.insert(Flags::EIGHT_BIT_HEADER);
        }
        let role = self.acc.field(
            &field[..name_end],
            &field[colon + 1..value_end],
            self.at(colon + 1),
            end as u64,
        );
        self.push(Event::Field {
            name: Span::new(self.at(0), self.at(name_end)),
            value: Span::new(self.at(colon + 1), self.at(value_end)),
            span: Span::new(self.at(0), self.at(end)),
            role,
        });
        true
    }

    /// The header block is too large: it ends here, the rest is a leaf body.
    fn header_limit(&mut self) -> bool {
        self.scanned = 0;
        self.end_headers(0, 0, Flags::HEADER_LIMIT, true);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::name_and_colon;

    /// The byte-wise definition the memchr form replaces.
    fn reference(field: &[u8]) -> Option<(usize, usize)> {
        let name_end = field
            .iter()
            .position(|&b| !(33..=126).contains(&b) || b == b':')?;
        let blanks = field[name_end..]
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        let colon = name_end + blanks;
        (name_end > 0 && field.get(colon) == Some(&b':')).then_some((name_end, colon))
    }

    #[test]
    fn name_and_colon_matches_bytewise_scan() {
        let alphabet = b"aZ:- \t\r\n\x7f\x80!~";
        let mut x = 0x1234_5679_u32;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let len = (x % 40) as usize;
            let field: Vec<u8> = (0..len)
                .map(|i| alphabet[((x >> (i % 27)) as usize + i * 5) % alphabet.len()])
                .collect();
            assert_eq!(name_and_colon(&field), reference(&field), "{field:?}");
        }
        for f in [
            &b"Subject: x"[..],
            b"Subject \t: x",
            b"Sub ject: x",
            b": x",
            b" a: x",
            b"a\r\n b: x",
            b"Content-Type:text/plain",
            b"X-\x80: y",
        ] {
            assert_eq!(name_and_colon(f), reference(f), "{f:?}");
        }
    }
}
