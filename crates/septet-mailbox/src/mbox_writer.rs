//! The mboxrd writer.

use std::io::{self, Write};

use super::quote::quote_positions;
use super::LineEnding;

/// Writes messages as mboxrd: for each message the separator line, the
/// message with one `>` added before every line matching `>*From `, a line
/// break if the message does not end with one, and an empty line. Every
/// separator is thus preceded by an empty line, as every mbox reader
/// expects, and the file ends with a line break.
///
/// Line breaks the writer adds use the message's [`LineEnding`], so a CRLF
/// archive stays CRLF. A message that does not end with a line break gets
/// one (an mbox cannot represent such a message otherwise); reading the
/// output therefore returns it with that line break.
///
/// ```
/// use septet_mailbox::{LineEnding, MboxWriter};
/// let mut w = MboxWriter::new(Vec::new());
/// w.write_message(b"From a Thu Jan  1 00:00:00 1970", b"S: 1\n\nFrom x\n>From y", LineEnding::Lf)
///     .unwrap();
/// assert_eq!(
///     w.into_inner(),
///     b"From a Thu Jan  1 00:00:00 1970\nS: 1\n\n>From x\n>>From y\n\n"
/// );
/// ```
#[derive(Debug)]
pub struct MboxWriter<W: Write> {
    out: W,
    written: u64,
}

impl<W: Write> MboxWriter<W> {
    /// A writer into `out` (wrap files in a `BufWriter`: the writer issues
    /// one write per quoted line and separator).
    pub fn new(out: W) -> Self {
        MboxWriter { out, written: 0 }
    }

    /// Appends one message. `from_line` must start with `From ` and hold
    /// no `\n` (an `InvalidInput` error otherwise, before anything is
    /// written). Returns the bytes written.
    pub fn write_message(
        &mut self,
        from_line: &[u8],
        message: &[u8],
        line_ending: LineEnding,
    ) -> io::Result<u64> {
        if !from_line.starts_with(b"From ") || memchr::memchr(b'\n', from_line).is_some() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "an mbox separator line must start with `From ` and hold no line feed",
            ));
        }
        let eol = line_ending.as_bytes();
        let mut n = 0u64;
        let mut put = |out: &mut W, bytes: &[u8]| -> io::Result<()> {
            out.write_all(bytes)?;
            n += bytes.len() as u64;
            Ok(())
        };
        put(&mut self.out, from_line)?;
        put(&mut self.out, eol)?;
        let mut last = 0;
        for p in quote_positions(message) {
            put(&mut self.out, &message[last..p])?;
            put(&mut self.out, b">")?;
            last = p;
        }
        put(&mut self.out, &message[last..])?;
        if !message.is_empty() && !message.ends_with(b"\n") {
            put(&mut self.out, eol)?;
        }
        put(&mut self.out, eol)?;
        self.written += n;
        Ok(n)
    }

    /// Bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    /// Mutable access to the underlying writer (to flush it).
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// The underlying writer.
    pub fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{split, MboxVariant};

    #[test]
    fn round_trips_through_the_reader() {
        let messages: &[&[u8]] = &[
            b"From first line\n",
            b"A: 1\n\nFrom x\n>From y\n>>From z\nlast",
            b"",
            b"A: 1\n\n\n\n",
            b"\n",
            b"A: 1\n\nbody\nFrom end",
        ];
        for eol in [LineEnding::Lf, LineEnding::CrLf] {
            let mut w = MboxWriter::new(Vec::new());
            for m in messages {
                w.write_message(b"From s Thu Jan  1 00:00:00 1970", m, eol)
                    .unwrap();
            }
            let out = w.into_inner();
            let back: Vec<_> = split(&out, MboxVariant::Mboxrd)
                .unwrap()
                .map(|r| r.unquoted().into_owned())
                .collect();
            assert_eq!(back.len(), messages.len());
            for (m, b) in messages.iter().zip(&back) {
                let mut expected = m.to_vec();
                if !m.is_empty() && !m.ends_with(b"\n") {
                    expected.extend_from_slice(eol.as_bytes());
                }
                assert_eq!(b, &expected);
            }
        }
    }

    #[test]
    fn rejects_bad_separators() {
        let mut w = MboxWriter::new(Vec::new());
        assert!(w.write_message(b"Frm a", b"", LineEnding::Lf).is_err());
        assert!(w
            .write_message(b"From a\nFrom b", b"", LineEnding::Lf)
            .is_err());
        assert!(w.into_inner().is_empty());
    }
}
