//! The DATA reader (dot-unstuffing, end detection) and the dot-stuffer.

use super::{Error, Limits};

/// What [`DataReader::feed`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataStatus {
    /// The end marker was not seen yet: feed more.
    NeedMore,
    /// The end marker `CRLF.CRLF` was consumed; the message is complete.
    Done,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// At the start of a line (the message start, or after CRLF).
    LineStart,
    /// Inside a line.
    InLine,
    /// A `.` started the line (not yet written: it may be stuffing).
    Dot,
    /// `.` and CR started the line: LF ends the data.
    DotCr,
    Done,
}

/// Reads the data of a DATA command: removes the leading `.` that the
/// sender added to lines starting with `.` and stops after the line holding
/// only `.` (the CRLF before it belongs to the message). Any split of the
/// input gives the same output. Errors are sticky: once one is returned,
/// every later call returns it.
#[derive(Clone, Debug)]
pub struct DataReader {
    limits: Limits,
    state: State,
    /// The last byte of the line so far was CR.
    prev_cr: bool,
    /// Wire bytes consumed so far.
    consumed: u64,
    /// Wire offset and length so far of the current line.
    line_start: u64,
    line_len: usize,
    /// Message bytes written.
    written: u64,
    error: Option<Error>,
}

impl DataReader {
    /// A reader at the start of the data (just after the 354 reply).
    pub fn new(limits: Limits) -> Self {
        DataReader {
            limits,
            state: State::LineStart,
            prev_cr: false,
            consumed: 0,
            line_start: 0,
            line_len: 0,
            written: 0,
            error: None,
        }
    }

    /// Wire bytes consumed so far (end marker included once done).
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Message bytes written so far.
    pub fn message_len(&self) -> u64 {
        self.written
    }

    /// True once the end marker was read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Reads from `input`, appending message bytes to `out`. Returns how
    /// many bytes of `input` belong to the data (all of them unless the end
    /// marker is inside: what follows it is the next command).
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(usize, DataStatus), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let before = out.len();
        let result = self.run(input, out, before);
        self.written += (out.len() - before) as u64;
        if let Err(e) = result {
            self.error = Some(e);
        }
        result
    }

    /// Fails if `n` more message bytes, the first at wire offset `at`,
    /// would exceed the size limit.
    fn check_size(&self, out_len: usize, before: usize, n: usize, at: u64) -> Result<(), Error> {
        let so_far = self.written + (out_len - before) as u64;
        let room = self.limits.max_size.saturating_sub(so_far);
        if n as u64 > room {
            Err(Error::TooLarge { offset: at + room })
        } else {
            Ok(())
        }
    }

    fn run(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        before: usize,
    ) -> Result<(usize, DataStatus), Error> {
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            match self.state {
                State::Done => break,
                State::LineStart => {
                    self.line_start = self.consumed + i as u64;
                    self.line_len = 0;
                    self.prev_cr = false;
                    if b == b'.' {
                        self.state = State::Dot;
                        self.line_len = 1;
                        i += 1;
                    } else {
                        self.state = State::InLine;
                    }
                }
                State::Dot => {
                    if b == b'\r' {
                        self.state = State::DotCr;
                        self.line_len += 1;
                        i += 1;
                    } else {
                        // A stuffed dot: dropped; the byte is line content.
                        self.state = State::InLine;
                    }
                }
                State::DotCr => {
                    if b == b'\n' {
                        self.state = State::Done;
                        i += 1;
                        break;
                    }
                    // `.` CR and something else: the dot was stuffing.
                    let at = (self.consumed + i as u64).saturating_sub(1);
                    self.check_size(out.len(), before, 1, at)?;
                    out.push(b'\r');
                    self.prev_cr = true;
                    self.state = State::InLine;
                }
                State::InLine => {
                    let rest = &input[i..];
                    match memchr::memchr(b'\n', rest) {
                        Some(k) => {
                            self.line_len += k + 1;
                            self.check_line()?;
                            let at = self.consumed + i as u64;
                            self.check_size(out.len(), before, k + 1, at)?;
                            out.extend_from_slice(&rest[..=k]);
                            let cr = if k == 0 {
                                self.prev_cr
                            } else {
                                rest[k - 1] == b'\r'
                            };
                            i += k + 1;
                            if cr {
                                self.state = State::LineStart;
                            } else {
                                self.prev_cr = false;
                            }
                        }
                        None => {
                            self.line_len += rest.len();
                            self.check_line()?;
                            let at = self.consumed + i as u64;
                            self.check_size(out.len(), before, rest.len(), at)?;
                            out.extend_from_slice(rest);
                            self.prev_cr = rest.last() == Some(&b'\r');
                            i = input.len();
                        }
                    }
                }
            }
        }
        self.consumed += i as u64;
        let status = if self.state == State::Done {
            DataStatus::Done
        } else {
            DataStatus::NeedMore
        };
        Ok((i, status))
    }

    fn check_line(&self) -> Result<(), Error> {
        if self.line_len > self.limits.max_line {
            Err(Error::LineTooLong {
                offset: self.line_start,
            })
        } else {
            Ok(())
        }
    }
}

/// Dot-stuffs a message for DATA: a `.` is doubled at the start of every
/// line, and [`finish`](Self::finish) writes the end marker. Streaming: any
/// split of the input gives the same output.
#[derive(Clone, Debug)]
pub struct DotStuffer {
    at_line_start: bool,
}

impl Default for DotStuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl DotStuffer {
    /// A stuffer at the start of a message.
    pub fn new() -> Self {
        DotStuffer {
            at_line_start: true,
        }
    }

    /// Appends `input`, stuffed, to `out`.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let mut rest = input;
        while !rest.is_empty() {
            if self.at_line_start && rest[0] == b'.' {
                out.push(b'.');
            }
            match memchr::memchr(b'\n', rest) {
                Some(k) => {
                    out.extend_from_slice(&rest[..=k]);
                    rest = &rest[k + 1..];
                    self.at_line_start = true;
                }
                None => {
                    out.extend_from_slice(rest);
                    self.at_line_start = false;
                    rest = &[];
                }
            }
        }
    }

    /// Ends the data: a CRLF if the last line is open, then `.` CRLF.
    pub fn finish(self, out: &mut Vec<u8>) {
        if !self.at_line_start {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b".\r\n");
    }
}

/// Dot-stuffs a whole message and appends the end marker.
pub fn dot_stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 64 + 5);
    let mut s = DotStuffer::new();
    s.feed(message, &mut out);
    s.finish(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_split(wire: &[u8], split: usize, limits: Limits) -> Result<(Vec<u8>, usize), Error> {
        let mut r = DataReader::new(limits);
        let mut out = Vec::new();
        let (a, s) = r.feed(&wire[..split], &mut out)?;
        if s == DataStatus::Done {
            return Ok((out, a));
        }
        assert_eq!(a, split);
        let (b, s) = r.feed(&wire[split..], &mut out)?;
        assert_eq!(s, DataStatus::Done);
        Ok((out, split + b))
    }

    #[test]
    fn every_split_point() {
        let cases: [(&[u8], &[u8], usize); 5] = [
            (b"a\r\n.\r\nQUIT\r\n", b"a\r\n", 6),
            (b".\r\nNOOP", b"", 3),
            (b"..x\r\n...\r\n.\r\n", b".x\r\n..\r\n", 13),
            (b".\rx\r\n.\r\n", b"\rx\r\n", 8),
            (b"a\n.\r\nb\r\n.\r\nX", b"a\n.\r\nb\r\n", 11),
        ];
        for (wire, msg, used) in cases {
            for split in 0..=wire.len() {
                let (out, n) = read_split(wire, split, Limits::default()).unwrap();
                assert_eq!(out, msg, "split {split} of {wire:?}");
                assert_eq!(n, used, "split {split} of {wire:?}");
            }
        }
    }

    #[test]
    fn round_trip_through_stuffer() {
        let msg = b".a\r\n\r\n.\r\n..\r\nFrom x\r\nend";
        let wire = dot_stuff(msg);
        for split in 0..=wire.len() {
            let (out, n) = read_split(&wire, split, Limits::default()).unwrap();
            assert_eq!(n, wire.len());
            assert_eq!(out, b".a\r\n\r\n.\r\n..\r\nFrom x\r\nend\r\n");
        }
        let mut chunked = Vec::new();
        let mut s = DotStuffer::new();
        for b in msg {
            s.feed(&[*b], &mut chunked);
        }
        s.finish(&mut chunked);
        assert_eq!(chunked, wire);
    }

    #[test]
    fn line_limit_names_the_line_and_is_sticky() {
        let limits = Limits {
            max_line: 10,
            ..Limits::default()
        };
        let mut wire = b"ok\r\n".to_vec();
        wire.extend_from_slice(&[b'x'; 9]);
        wire.extend_from_slice(b"\r\n.\r\n");
        for split in 0..=wire.len() {
            let err = read_split(&wire, split, limits).unwrap_err();
            assert_eq!(err, Error::LineTooLong { offset: 4 });
        }
        let mut r = DataReader::new(limits);
        let mut out = Vec::new();
        assert!(r.feed(&wire, &mut out).is_err());
        assert!(r.feed(b".\r\n", &mut out).is_err());
        // Exactly the limit is fine.
        let ok = b"12345678\r\n.\r\n";
        assert!(read_split(ok, 3, limits).is_ok());
    }

    #[test]
    fn size_limit() {
        let limits = Limits {
            max_size: 5,
            ..Limits::default()
        };
        assert!(read_split(b"abc\r\n.\r\n", 2, limits).is_ok());
        for split in 0..=9 {
            let err = read_split(b"abcd\r\n.\r\n", split, limits).unwrap_err();
            assert_eq!(err, Error::TooLarge { offset: 5 });
        }
    }
}
