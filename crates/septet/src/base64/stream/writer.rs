//! [`EncoderWriter`]: base64-encodes everything written to it.

use std::fmt;
use std::io::{self, Write};

use crate::base64::engine;
use crate::base64::scalar::{LINE_INPUT, LINE_OUTPUT};
use crate::base64::{Alphabet, Codec};

/// Size of the encoded-output buffer. Large enough that big writes reach the
/// kernels in long runs and the inner writer sees few, large writes.
const OUT_CAPACITY: usize = 64 * 1024;

/// A [`Write`] adapter that base64-encodes into an inner writer.
///
/// The output is byte-identical to [`encode`](crate::base64::encode) (plain)
/// or [`encode_mime`](crate::base64::encode_mime) (MIME: 76-character lines,
/// CRLF after each, nothing at all for empty input) of everything written,
/// however the writes split it. Between writes it holds back at most 2 input
/// bytes (plain) or 56 (a partial MIME line), plus a fixed 64 KiB buffer of
/// encoded output.
///
/// Call [`finish`](Self::finish) at the end: it writes the last group with
/// its padding (and the last line break) and hands back the inner writer.
/// [`flush`](Write::flush) cannot do that, since more input could still
/// complete the group: it only pushes out what is already encoded.
///
/// If the writer is dropped without `finish`, the drop finishes it on a best
/// effort basis: errors are ignored, because `Drop` cannot report them. Call
/// `finish` to know that the tail was written.
///
/// ```
/// use std::io::Write;
/// use septet::base64::{Alphabet, Codec, EncoderWriter};
///
/// let mut enc = EncoderWriter::new(Vec::new());
/// enc.write_all(b"hel")?;
/// enc.write_all(b"lo")?;
/// assert_eq!(enc.finish()?, b"aGVsbG8=");
///
/// let url = Codec::new(Alphabet::UrlSafe);
/// let mut enc = EncoderWriter::with_codec(Vec::new(), url, false);
/// enc.write_all(&[0xfb, 0xff])?;
/// assert_eq!(enc.finish()?, b"-_8=");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct EncoderWriter<W: Write> {
    /// `None` once finished (by `finish` or a failed `finish`).
    inner: Option<W>,
    codec: Codec,
    mime: bool,
    /// Input held back until it completes a group (plain) or a line (MIME).
    pending: [u8; LINE_INPUT],
    pending_len: usize,
    /// Encoded output not yet accepted by `inner`: `out[out_pos..out_len]`.
    out: Box<[u8]>,
    out_pos: usize,
    out_len: usize,
}

impl<W: Write> EncoderWriter<W> {
    /// Plain standard-alphabet base64, as [`encode`](crate::base64::encode).
    ///
    /// # Panics
    /// Like [`Codec::new`], if `SEPTET_FORCE_ISA` is invalid.
    pub fn new(inner: W) -> Self {
        Self::with_codec(inner, Codec::new(Alphabet::Standard), false)
    }

    /// Standard-alphabet MIME base64, as [`encode_mime`](crate::base64::encode_mime).
    ///
    /// # Panics
    /// Like [`Codec::new`], if `SEPTET_FORCE_ISA` is invalid.
    pub fn mime(inner: W) -> Self {
        Self::with_codec(inner, Codec::new(Alphabet::Standard), true)
    }

    /// The alphabet and kernels of `codec`; MIME lines if `mime`, else plain.
    pub fn with_codec(inner: W, codec: Codec, mime: bool) -> Self {
        EncoderWriter {
            inner: Some(inner),
            codec,
            mime,
            pending: [0; LINE_INPUT],
            pending_len: 0,
            out: vec![0; OUT_CAPACITY].into_boxed_slice(),
            out_pos: 0,
            out_len: 0,
        }
    }

    /// The inner writer.
    pub fn get_ref(&self) -> &W {
        self.inner
            .as_ref()
            .expect("EncoderWriter used after finish")
    }

    /// The inner writer, mutably. Writing to it directly interleaves with the
    /// encoded output that this writer still holds.
    pub fn get_mut(&mut self) -> &mut W {
        self.inner
            .as_mut()
            .expect("EncoderWriter used after finish")
    }

    /// Writes the held-back tail (padding, and in MIME mode the final CRLF),
    /// flushes, and returns the inner writer.
    ///
    /// On error the inner writer is dropped with the encoder; the output it
    /// received is incomplete.
    pub fn finish(mut self) -> io::Result<W> {
        let result = self.finish_output();
        // Taken even on error, so that `Drop` does not try a second time.
        let inner = self.inner.take().expect("EncoderWriter finished twice");
        result.map(|()| inner)
    }

    /// Writes out the buffer, encodes and writes the tail, then flushes `inner`.
    fn finish_output(&mut self) -> io::Result<()> {
        self.write_out()?;
        let (k, alphabet) = (self.codec.kernels(), self.codec.alphabet().kernel());
        let tail = &self.pending[..self.pending_len];
        // The tail is shorter than a unit, so it fits the empty buffer; an
        // empty tail encodes to nothing in both modes.
        let n = if self.mime {
            engine::encode_mime(k, alphabet, tail, &mut self.out)
        } else {
            engine::encode(k, alphabet, tail, &mut self.out)
        };
        self.pending_len = 0;
        self.out_len = n;
        self.write_out()?;
        self.inner_mut().flush()
    }

    fn inner_mut(&mut self) -> &mut W {
        self.inner
            .as_mut()
            .expect("EncoderWriter used after finish")
    }

    /// Hands the buffered output to `inner`, keeping track of partial writes
    /// so that a failed call can be retried without losing or repeating bytes.
    fn write_out(&mut self) -> io::Result<()> {
        while self.out_pos < self.out_len {
            let inner = self
                .inner
                .as_mut()
                .expect("EncoderWriter used after finish");
            match inner.write(&self.out[self.out_pos..self.out_len]) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "base64 encoder: the inner writer accepted no bytes",
                    ))
                }
                Ok(n) => self.out_pos += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.out_pos = 0;
        self.out_len = 0;
        Ok(())
    }

    /// Input bytes per unit the kernels take whole: a group or a line.
    fn unit_in(&self) -> usize {
        if self.mime {
            LINE_INPUT
        } else {
            3
        }
    }

    /// Encodes as many whole units of `input` as fit after the buffered
    /// output; returns the input consumed (a multiple of the unit).
    fn encode_units(&mut self, input: &[u8]) -> usize {
        let (k, alphabet) = (self.codec.kernels(), self.codec.alphabet().kernel());
        let room = OUT_CAPACITY - self.out_len;
        let out = &mut self.out[self.out_len..];
        let (take, written) = if self.mime {
            let take = (input.len() / LINE_INPUT).min(room / LINE_OUTPUT) * LINE_INPUT;
            let (consumed, written) = engine::encode_mime_lines(k, alphabet, &input[..take], out);
            debug_assert_eq!(consumed, take);
            (take, written)
        } else {
            let take = (input.len() / 3).min(room / 4) * 3;
            (take, engine::encode(k, alphabet, &input[..take], out))
        };
        self.out_len += written;
        take
    }
}

impl<W: Write> Write for EncoderWriter<W> {
    /// Encodes a prefix of `buf` and returns its length.
    ///
    /// Output buffered by the previous call is written out first, so an error
    /// from the inner writer is reported before any of `buf` is consumed and
    /// the call can be retried.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.write_out()?;
        let unit = self.unit_in();
        let mut consumed = 0;
        if self.pending_len > 0 {
            // Complete the held-back unit first; it fits the empty buffer.
            let take = (unit - self.pending_len).min(buf.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&buf[..take]);
            self.pending_len += take;
            consumed = take;
            if self.pending_len < unit {
                return Ok(consumed);
            }
            let held = self.pending;
            let n = self.encode_units(&held[..unit]);
            debug_assert_eq!(n, unit);
            self.pending_len = 0;
        }
        consumed += self.encode_units(&buf[consumed..]);
        let rest = &buf[consumed..];
        if rest.len() < unit {
            // Less than a unit left: hold it back and report it consumed.
            self.pending[..rest.len()].copy_from_slice(rest);
            self.pending_len = rest.len();
            consumed = buf.len();
        }
        Ok(consumed)
    }

    /// Writes out what is already encoded and flushes the inner writer.
    /// Held-back input (less than a group or a MIME line) stays held back.
    fn flush(&mut self) -> io::Result<()> {
        self.write_out()?;
        self.inner_mut().flush()
    }
}

impl<W: Write> Drop for EncoderWriter<W> {
    /// Finishes the encoding if [`finish`](EncoderWriter::finish) was not
    /// called, ignoring errors (use `finish` to see them). Does nothing while
    /// panicking, so a panic in the inner writer is not repeated.
    fn drop(&mut self) {
        if self.inner.is_some() && !std::thread::panicking() {
            let _ = self.finish_output();
        }
    }
}

impl<W: Write + fmt::Debug> fmt::Debug for EncoderWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncoderWriter")
            .field("inner", &self.inner)
            .field("codec", &self.codec)
            .field("mime", &self.mime)
            .field("pending", &self.pending_len)
            .field("buffered", &(self.out_len - self.out_pos))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base64::stream::test_util::{codecs, data, CHUNKINGS};

    fn one_shot(codec: Codec, mime: bool, input: &[u8]) -> Vec<u8> {
        if mime {
            codec.encode_mime(input).into_bytes()
        } else {
            codec.encode(input).into_bytes()
        }
    }

    fn streamed<'a>(
        codec: Codec,
        mime: bool,
        chunks: impl IntoIterator<Item = &'a [u8]>,
    ) -> Vec<u8> {
        let mut enc = EncoderWriter::with_codec(Vec::new(), codec, mime);
        for chunk in chunks {
            enc.write_all(chunk).unwrap();
        }
        enc.finish().unwrap()
    }

    #[test]
    fn every_split_point_matches_one_shot() {
        let lens = (0..=10).chain([56, 57, 58, 113, 114, 115, 120]);
        for len in lens {
            let input = data(len, len as u64);
            for codec in codecs() {
                for mime in [false, true] {
                    let expected = one_shot(codec, mime, &input);
                    for at in 0..=len {
                        let (a, b) = input.split_at(at);
                        assert_eq!(
                            streamed(codec, mime, [a, b]),
                            expected,
                            "{codec:?} mime={mime} len={len} at={at}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_three_way_split_of_short_inputs() {
        let input = data(12, 3);
        for codec in codecs() {
            for mime in [false, true] {
                let expected = one_shot(codec, mime, &input);
                for i in 0..=input.len() {
                    for j in i..=input.len() {
                        let parts = [&input[..i], &input[i..j], &input[j..]];
                        assert_eq!(streamed(codec, mime, parts), expected);
                    }
                }
            }
        }
    }

    #[test]
    fn chunkings_match_one_shot() {
        // Longer than the output buffer, so writes are cut short and resumed.
        for len in [0, 1, 2, 5_000, 200_003] {
            let input = data(len, 42);
            for codec in codecs() {
                for mime in [false, true] {
                    let expected = one_shot(codec, mime, &input);
                    for chunking in CHUNKINGS {
                        let got = streamed(codec, mime, chunking.split(&input));
                        assert!(
                            got == expected,
                            "{codec:?} mime={mime} len={len} {chunking:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn empty_input_writes_nothing() {
        assert!(EncoderWriter::new(Vec::new()).finish().unwrap().is_empty());
        assert!(EncoderWriter::mime(Vec::new()).finish().unwrap().is_empty());
    }

    #[test]
    fn flush_keeps_the_partial_group() {
        let mut enc = EncoderWriter::new(Vec::new());
        enc.write_all(b"hello").unwrap();
        enc.flush().unwrap();
        assert_eq!(enc.get_ref(), b"aGVs");
        assert_eq!(enc.finish().unwrap(), b"aGVsbG8=");
    }

    #[test]
    fn drop_finishes() {
        let mut sink = Vec::new();
        {
            let mut enc = EncoderWriter::mime(&mut sink);
            enc.write_all(b"hello").unwrap();
        }
        assert_eq!(sink, b"aGVsbG8=\r\n");
    }

    /// Accepts at most `max` bytes per call and fails every `fail_every`-th
    /// call, alternating between `Interrupted` and a hard error.
    struct Flaky {
        out: Vec<u8>,
        max: usize,
        calls: usize,
        fail_every: usize,
    }

    impl Write for Flaky {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.calls += 1;
            if self.calls.is_multiple_of(self.fail_every) {
                let kind = if self.calls.is_multiple_of(2 * self.fail_every) {
                    io::ErrorKind::Interrupted
                } else {
                    io::ErrorKind::Other
                };
                return Err(io::Error::new(kind, "flaky"));
            }
            let n = buf.len().min(self.max);
            self.out.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn failed_writes_can_be_retried_without_loss() {
        let input = data(300_000, 9);
        for mime in [false, true] {
            let codec = Codec::new(Alphabet::Standard);
            let flaky = Flaky {
                out: Vec::new(),
                max: 10_000,
                calls: 0,
                fail_every: 3,
            };
            let mut enc = EncoderWriter::with_codec(flaky, codec, mime);
            let mut rest = &input[..];
            while !rest.is_empty() {
                match enc.write(&rest[..rest.len().min(30_000)]) {
                    Ok(n) => rest = &rest[n..],
                    Err(e) => assert_eq!(e.to_string(), "flaky"),
                }
            }
            // Push out the rest through retried flushes, then stop failing so
            // that `finish` (which cannot be retried) gets through.
            while enc.flush().is_err() {}
            enc.get_mut().fail_every = usize::MAX;
            let out = enc.finish().unwrap().out;
            assert!(out == one_shot(codec, mime, &input), "mime={mime}");
        }
    }
}
