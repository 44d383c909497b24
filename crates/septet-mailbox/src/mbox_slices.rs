//! mboxrd output as slices for vectored writes: the conversion's worker
//! threads work out where each message needs a `>` (or that its stored
//! bytes are mboxrd already), so the thread that writes, which alone is
//! serial, only hands slices of the messages to the kernel: no quoting
//! scan and no copy into a buffer.

use std::io::{self, IoSlice, Write};

use super::LineEnding;

/// The one byte that quoting inserts.
const GT: &[u8] = b">";

/// Appends the slices of one mboxrd record to `slices`: `from_line`, a
/// line break, `body` with one `>` inserted before each offset of
/// `quotes` (increasing, inside `body`), a line break when `body` is not
/// empty and does not end with one, and the empty line, exactly as
/// [`MboxWriter::write_message`](super::MboxWriter::write_message)
/// writes it. Returns the bytes appended, or `InvalidInput` (nothing
/// appended) for a `from_line` that does not start with `From ` or holds
/// a line feed.
pub(crate) fn push_record<'b>(
    slices: &mut Vec<IoSlice<'b>>,
    from_line: &'b [u8],
    body: &'b [u8],
    quotes: &[usize],
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
    let mut put = |bytes: &'b [u8]| {
        if !bytes.is_empty() {
            n += bytes.len() as u64;
            slices.push(IoSlice::new(bytes));
        }
    };
    put(from_line);
    put(eol);
    let mut last = 0;
    for &q in quotes {
        // Offsets come from a scan of `body`; a bad one is skipped rather
        // than trusted.
        let Some(part) = body.get(last..q) else {
            continue;
        };
        put(part);
        put(GT);
        last = q;
    }
    put(body.get(last..).unwrap_or(&[]));
    if !body.is_empty() && !body.ends_with(b"\n") {
        put(eol);
    }
    put(eol);
    Ok(n)
}

/// Writes every byte of `slices` to `out` with vectored writes (the
/// kernel takes up to `IOV_MAX` slices a call), retrying interrupted
/// calls.
pub(crate) fn write_all_slices(out: &mut impl Write, slices: &mut [IoSlice<'_>]) -> io::Result<()> {
    let mut rest = slices;
    IoSlice::advance_slices(&mut rest, 0);
    while !rest.is_empty() {
        match out.write_vectored(rest) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "failed to write the whole output",
                ))
            }
            Ok(n) => IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quote::quote_positions;
    use crate::MboxWriter;

    /// Writes through `out`, which accepts at most `limit` bytes a call.
    struct Trickle {
        out: Vec<u8>,
        limit: usize,
    }

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(self.limit);
            self.out.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            let mut n = 0;
            for b in bufs {
                let take = b.len().min(self.limit - n);
                self.out.extend_from_slice(&b[..take]);
                n += take;
                if n == self.limit {
                    break;
                }
            }
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn same_bytes_as_the_mbox_writer() {
        let messages: &[&[u8]] = &[
            b"From first line\n",
            b"A: 1\n\nFrom x\n>From y\n>>From z\nlast",
            b"",
            b"A: 1\r\n\r\nFrom x\r\nend From y",
            b"\n",
        ];
        for limit in [1, 3, 7, 1 << 20] {
            for eol in [LineEnding::Lf, LineEnding::CrLf] {
                let from = b"From s Thu Jan  1 00:00:00 1970";
                let mut expected = MboxWriter::new(Vec::new());
                let mut slices = Vec::new();
                let mut n = 0;
                for m in messages {
                    expected.write_message(from, m, eol).unwrap();
                    let quotes: Vec<usize> = quote_positions(m).collect();
                    n += push_record(&mut slices, from, m, &quotes, eol).unwrap();
                }
                let mut out = Trickle {
                    out: Vec::new(),
                    limit,
                };
                write_all_slices(&mut out, &mut slices).unwrap();
                assert_eq!(out.out, expected.into_inner());
                assert_eq!(n, out.out.len() as u64);
            }
        }
    }

    #[test]
    fn rejects_bad_separators_and_offsets() {
        let mut slices = Vec::new();
        assert!(push_record(&mut slices, b"Frm a", b"x", &[], LineEnding::Lf).is_err());
        assert!(push_record(&mut slices, b"From a\nb", b"x", &[], LineEnding::Lf).is_err());
        assert!(slices.is_empty());
        // Out-of-range or decreasing offsets never panic.
        push_record(&mut slices, b"From a", b"xy", &[5, 1, 0], LineEnding::Lf).unwrap();
    }
}
