//! Bodies, preambles and epilogues: scanning for delimiter lines, and what
//! a delimiter or the end of the input closes.

use super::delimiter::{self, Match};
use super::{Event, Flags, Region, Span, State, Tokenizer};

/// Where the bytes that cannot yet be reported start: a trailing line break
/// (with its CR) or `\n-` might begin a delimiter.
fn holdback(input: &[u8]) -> usize {
    let n = input.len();
    let mut hold = match input {
        [.., b'\n', b'-'] => n - 2,
        [.., b'\n'] | [.., b'\r'] => n - 1,
        _ => n,
    };
    if hold > 0 && hold < n && input[hold] == b'\n' && input[hold - 1] == b'\r' {
        hold -= 1;
    }
    hold
}

impl Tokenizer {
    fn push_region(&mut self, region: Region, from: usize, to: usize) {
        if to > from {
            let span = Span::new(self.at(from), self.at(to));
            self.push(match region {
                Region::Body => Event::Body(span),
                Region::Preamble => Event::Preamble(span),
                Region::Epilogue => Event::Epilogue(span),
            });
        }
    }

    /// Reads region bytes. Returns false if more input is needed.
    pub(super) fn region(
        &mut self,
        input: &[u8],
        eof: bool,
        region: Region,
        line_start: bool,
    ) -> bool {
        if !self.delimiters_possible() {
            if eof {
                self.finish(input, region);
                return true;
            }
            if input.is_empty() {
                return false;
            }
            self.push_region(region, 0, input.len());
            self.enter(region, false);
            return true;
        }
        if line_start {
            match delimiter::match_line(input, self.open(), eof) {
                Match::NeedMore => return false,
                Match::Yes { index, close, len } => {
                    self.on_delimiter(0, index, close, len);
                    return true;
                }
                Match::No => self.enter(region, false),
            }
        }
        let mut from = 0;
        while let Some(k) = delimiter::next_candidate(&input[from..]) {
            let q = from + k;
            // The line break before the delimiter belongs to it.
            let start = if q > 0 && input[q - 1] == b'\r' {
                q - 1
            } else {
                q
            };
            match delimiter::match_line(&input[q + 1..], self.open(), eof) {
                Match::No => from = q + 1,
                Match::NeedMore => {
                    if start == 0 {
                        return false;
                    }
                    self.push_region(region, 0, start);
                    return true;
                }
                Match::Yes { index, close, len } => {
                    self.push_region(region, 0, start);
                    self.on_delimiter(start, index, close, q + 1 + len);
                    return true;
                }
            }
        }
        if eof {
            self.finish(input, region);
            return true;
        }
        let hold = holdback(input);
        if hold == 0 {
            return false;
        }
        self.push_region(region, 0, hold);
        true
    }

    /// A delimiter of the open boundary `index` spans `start..end`; the
    /// region bytes before it are already queued.
    pub(super) fn on_delimiter(&mut self, start: usize, index: usize, close: bool, end: usize) {
        if !close && self.parts >= self.limits.max_parts {
            // No room for another part: stop recognising delimiters; the
            // region being read runs to the end of the input.
            self.flat = true;
            if self.leaf_open {
                self.leaf_flags.insert(Flags::PART_LIMIT);
            } else if let Some(f) = self.frames.last_mut() {
                f.flags.insert(Flags::PART_LIMIT);
            }
            return;
        }
        if self.leaf_open {
            self.leaf_open = false;
            self.push(Event::PartEnd {
                span: Span::empty(self.at(start)),
                flags: self.leaf_flags,
            });
        }
        while self.frames.len() > index + 1 {
            self.pop_frame(start, start);
        }
        self.push(Event::Delimiter {
            span: Span::new(self.at(start), self.at(end)),
            close,
        });
        let Some(frame) = self.frames.get_mut(index) else {
            return;
        };
        frame.delimiters += 1;
        if close {
            frame.closed = true;
            self.open_boundaries -= 1;
            self.enter(Region::Epilogue, false);
        } else {
            let digest = frame.digest;
            self.start_part(end, digest);
        }
    }

    /// The end of the input: report the rest of the region and close every
    /// open part.
    ///
    /// In a multipart that has parts but no close delimiter, the final line
    /// break of the input belongs to the missing delimiter (as the line break
    /// before every delimiter does) and is reported in the first `PartEnd`.
    fn finish(&mut self, input: &[u8], region: Region) {
        let n = input.len();
        let truncated = !self.flat
            && self
                .frames
                .iter()
                .any(|f| f.boundary.is_some() && !f.closed && f.delimiters > 0);
        let mut end = n;
        if truncated && input.ends_with(b"\n") {
            end -= 1;
            if input[..end].ends_with(b"\r") {
                end -= 1;
            }
        }
        self.push_region(region, 0, end);
        if self.leaf_open {
            self.leaf_open = false;
            let mut flags = self.leaf_flags;
            if truncated {
                flags.insert(Flags::TRUNCATED);
            }
            self.push(Event::PartEnd {
                span: Span::new(self.at(end), self.at(n)),
                flags,
            });
            end = n;
        }
        while !self.frames.is_empty() {
            self.pop_frame(end, n);
            end = n;
        }
        self.state = State::Done;
    }
}

#[cfg(test)]
mod tests {
    use super::holdback;

    #[test]
    fn holdback_keeps_possible_delimiter_starts() {
        assert_eq!(holdback(b"abc"), 3);
        assert_eq!(holdback(b"abc\n"), 3);
        assert_eq!(holdback(b"abc\r\n"), 3);
        assert_eq!(holdback(b"abc\r"), 3);
        assert_eq!(holdback(b"abc\r\n-"), 3);
        assert_eq!(holdback(b"abc-"), 4);
        assert_eq!(holdback(b"\n"), 0);
        assert_eq!(holdback(b""), 0);
    }
}
