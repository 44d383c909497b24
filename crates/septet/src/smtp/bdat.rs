//! BDAT chunks (RFC 3030 CHUNKING): raw bytes, no dot-stuffing, the
//! message ends with the chunk marked `LAST`.

use super::{Error, Limits};

/// What [`BdatReader::feed`] reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BdatChunk {
    /// The current chunk needs this many more bytes.
    NeedMore(u64),
    /// The current chunk is complete; more chunks follow.
    ChunkDone,
    /// The `LAST` chunk is complete: the message is too.
    MessageDone,
}

/// Collects the data of `BDAT <size> [LAST]` commands. The caller parses
/// each command (see [`parse_command`](Self::parse_command)), calls
/// [`start`](Self::start), then feeds the bytes that follow it.
#[derive(Clone, Debug)]
pub struct BdatReader {
    limits: Limits,
    remaining: u64,
    last: bool,
    done: bool,
    total: u64,
    error: Option<Error>,
}

impl BdatReader {
    /// A reader before the first chunk.
    pub fn new(limits: Limits) -> Self {
        BdatReader {
            limits,
            remaining: 0,
            last: false,
            done: false,
            total: 0,
            error: None,
        }
    }

    /// Parses the arguments of a BDAT command line (`BDAT 1000 LAST\r\n`,
    /// verb case-insensitive): the chunk size and the LAST flag.
    pub fn parse_command(line: &[u8]) -> Option<(u64, bool)> {
        let line = line.strip_suffix(b"\r\n").unwrap_or(line);
        let text = std::str::from_utf8(line).ok()?;
        let mut words = text.split(' ').filter(|w| !w.is_empty());
        if !words.next()?.eq_ignore_ascii_case("bdat") {
            return None;
        }
        let size = words.next()?;
        if !size.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let size = size.parse().ok()?;
        let last = match words.next() {
            None => false,
            Some(w) if w.eq_ignore_ascii_case("last") => true,
            Some(_) => return None,
        };
        words.next().is_none().then_some((size, last))
    }

    /// Starts a chunk of `size` bytes. Refused after the LAST chunk, or if
    /// the message would exceed the size limit (the chunk's data must then
    /// still be read and discarded by the caller).
    pub fn start(&mut self, size: u64, last: bool) -> Result<(), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let e = if self.done {
            Error::AfterLast { offset: self.total }
        } else if self.total.saturating_add(size) > self.limits.max_size {
            Error::TooLarge {
                offset: self.limits.max_size,
            }
        } else {
            self.remaining = size;
            self.last = last;
            self.done = last && size == 0;
            return Ok(());
        };
        self.error = Some(e);
        Err(e)
    }

    /// Appends up to the rest of the current chunk from `input` to `out`;
    /// returns the bytes used (what follows is the next command).
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(usize, BdatChunk), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let n = usize::try_from(self.remaining)
            .unwrap_or(usize::MAX)
            .min(input.len());
        out.extend_from_slice(&input[..n]);
        self.remaining -= n as u64;
        self.total += n as u64;
        let status = if self.remaining > 0 {
            BdatChunk::NeedMore(self.remaining)
        } else if self.last {
            self.done = true;
            BdatChunk::MessageDone
        } else {
            BdatChunk::ChunkDone
        };
        Ok((n, status))
    }

    /// True once the LAST chunk is complete.
    pub fn is_done(&self) -> bool {
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        assert_eq!(BdatReader::parse_command(b"BDAT 10\r\n"), Some((10, false)));
        assert_eq!(BdatReader::parse_command(b"bdat 0 last"), Some((0, true)));
        assert_eq!(BdatReader::parse_command(b"BDAT -1"), None);
        assert_eq!(BdatReader::parse_command(b"BDAT 1 LAST x"), None);
    }

    #[test]
    fn chunks_at_every_split() {
        let wire = b".\r\n.\r\nabcRSET\r\n";
        for split in 0..=wire.len() {
            let mut r = BdatReader::new(Limits::default());
            let mut out = Vec::new();
            r.start(5, false).unwrap();
            let (a, s1) = r.feed(&wire[..split.min(5)], &mut out).unwrap();
            let (b, s2) = r.feed(&wire[a..6], &mut out).unwrap();
            assert_eq!((a + b, s2), (5, BdatChunk::ChunkDone), "{s1:?}");
            r.start(4, true).unwrap();
            let (c, s) = r.feed(&wire[5..split.max(5)], &mut out).unwrap();
            let (d, s3) = r.feed(&wire[5 + c..], &mut out).unwrap();
            assert_eq!(c + d, 4, "{s:?}");
            assert_eq!(s3, BdatChunk::MessageDone);
            assert_eq!(out, b".\r\n.\r\nabc");
            assert_eq!(r.start(1, true), Err(Error::AfterLast { offset: 9 }));
        }
    }

    #[test]
    fn size_limit_is_sticky() {
        let mut r = BdatReader::new(Limits {
            max_size: 4,
            ..Limits::default()
        });
        assert!(r.start(3, false).is_ok());
        assert!(r.feed(b"abc", &mut Vec::new()).is_ok());
        assert!(r.start(2, true).is_err());
        assert!(r.feed(b"de", &mut Vec::new()).is_err());
    }
}
