//! Header blocks: fields with their continuation lines, the blank line, and
//! the ways a block can end early.

use super::delimiter::{self, Match};
use super::{Event, Flags, Span, Tokenizer};

/// Where a field's name ends and where its colon is: the name is one or
/// more RFC 5322 field-name characters (printable ASCII except `:`), then
/// optional blanks (obsolete syntax), then the colon. Never looks past the
/// first line, as line breaks are not name characters.
fn name_and_colon(field: &[u8]) -> Option<(usize, usize)> {
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
