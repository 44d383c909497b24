//! `std::io` adapters over any push codec: one [`Write`] encoder and one
//! [`Read`] decoder, for base64 and quoted-printable alike.
//!
//! Memory is constant: the writer feeds its encoder at most 16 KiB of input
//! per `write` and keeps only that call's output; the reader reads 64 KiB
//! of text at a time and keeps only its decoded bytes.
//!
//! ```
//! use std::io::{Read, Write};
//! use septet::io::{DecoderReader, EncoderWriter};
//!
//! let mut enc = EncoderWriter::new(Vec::new(), septet::qp::TEXT.encoder());
//! enc.write_all("Grüße\r\n".as_bytes())?;
//! let wire = enc.finish()?;
//! assert_eq!(wire, b"Gr=C3=BC=C3=9Fe\r\n");
//!
//! let mut back = Vec::new();
//! DecoderReader::new(&wire[..], septet::qp::TEXT.decoder()).read_to_end(&mut back)?;
//! assert_eq!(back, "Grüße\r\n".as_bytes());
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fmt;
use std::io::{self, Read, Write};

use crate::codec::{PushDecoder, PushEncoder};

/// The most input one `write` hands the encoder: its output (at most about
/// 3.2 times as long, for quoted-printable) is what the writer buffers.
const FEED_MAX: usize = 16 * 1024;
/// Text read from the inner reader per refill.
const READ_CHUNK: usize = 64 * 1024;

/// A [`Write`] adapter that encodes everything written to it into an inner
/// writer, with any [`PushEncoder`] (`base64::MIME.encoder()`,
/// `qp::TEXT.encoder()`, ...).
///
/// The output equals the one-shot encoding of everything written, however
/// the writes split it. Call [`finish`](Self::finish) at the end: it writes
/// the held-back tail (padding, the final line break, the last few
/// quoted-printable bytes). [`flush`](Write::flush) cannot do that, since
/// more input could change the tail: it only pushes out what is already
/// encoded.
///
/// A `write` first hands the inner writer what the previous call encoded,
/// so an inner error is reported before any new input is taken, and the
/// call can be retried without losing or repeating bytes.
///
/// Dropped without `finish`, the writer finishes on a best-effort basis,
/// ignoring errors (`Drop` cannot report them); not while panicking.
pub struct EncoderWriter<E: PushEncoder, W: Write> {
    /// `None` once finished.
    inner: Option<W>,
    encoder: E,
    /// Encoded output not yet accepted by `inner`: `buf[pos..]`.
    buf: Vec<u8>,
    pos: usize,
}

impl<E: PushEncoder, W: Write> EncoderWriter<E, W> {
    /// Encodes with `encoder` into `inner`.
    pub fn new(inner: W, encoder: E) -> Self {
        EncoderWriter {
            inner: Some(inner),
            encoder,
            buf: Vec::new(),
            pos: 0,
        }
    }

    /// The inner writer (`None` only inside a failed `finish`, which
    /// consumed the writer, so callers always get `Some`).
    pub fn get_ref(&self) -> Option<&W> {
        self.inner.as_ref()
    }

    /// The inner writer, mutably. Writing to it directly interleaves with
    /// the encoded output this writer still holds.
    pub fn get_mut(&mut self) -> Option<&mut W> {
        self.inner.as_mut()
    }

    /// Writes the held-back tail, flushes, and returns the inner writer.
    ///
    /// On error the inner writer is dropped with the encoder; the output it
    /// received is incomplete.
    pub fn finish(mut self) -> io::Result<W> {
        let result = self.finish_output();
        // Taken even on error, so that `Drop` does not try a second time.
        match self.inner.take() {
            Some(inner) => result.map(|()| inner),
            None => Err(io::Error::other("encoder writer already finished")),
        }
    }

    fn finish_output(&mut self) -> io::Result<()> {
        self.write_out()?;
        self.encoder.finish(&mut self.buf);
        self.write_out()?;
        self.inner_mut()?.flush()
    }

    fn inner_mut(&mut self) -> io::Result<&mut W> {
        self.inner
            .as_mut()
            .ok_or_else(|| io::Error::other("encoder writer already finished"))
    }

    /// Hands the buffered output to `inner`, tracking partial writes so a
    /// failed call can be retried without losing or repeating bytes.
    fn write_out(&mut self) -> io::Result<()> {
        while self.pos < self.buf.len() {
            let pending = &self.buf[self.pos..];
            let Some(inner) = self.inner.as_mut() else {
                return Err(io::Error::other("encoder writer already finished"));
            };
            match inner.write(pending) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "encoder: the inner writer accepted no bytes",
                    ))
                }
                Ok(n) => self.pos += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.buf.clear();
        self.pos = 0;
        Ok(())
    }
}

impl<E: PushEncoder, W: Write> Write for EncoderWriter<E, W> {
    /// Encodes a prefix of `data` (at most 16 KiB) and returns its length.
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        self.write_out()?;
        let take = data.len().min(FEED_MAX);
        self.encoder.feed(&data[..take], &mut self.buf);
        Ok(take)
    }

    /// Writes out what is already encoded and flushes the inner writer;
    /// held-back input stays held back.
    fn flush(&mut self) -> io::Result<()> {
        self.write_out()?;
        self.inner_mut()?.flush()
    }
}

impl<E: PushEncoder, W: Write> Drop for EncoderWriter<E, W> {
    fn drop(&mut self) {
        if self.inner.is_some() && !std::thread::panicking() {
            let _ = self.finish_output();
        }
    }
}

impl<E: PushEncoder + fmt::Debug, W: Write + fmt::Debug> fmt::Debug for EncoderWriter<E, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncoderWriter")
            .field("inner", &self.inner)
            .field("encoder", &self.encoder)
            .field("buffered", &(self.buf.len() - self.pos))
            .finish()
    }
}

/// A [`Read`] adapter that decodes the text of an inner reader with any
/// [`PushDecoder`] (`base64::MIME.decoder()`, `qp::TEXT.decoder()`, ...).
///
/// Invalid input makes `read` fail with the decoder's error converted to
/// [`io::Error`] ([`io::ErrorKind::InvalidData`], wrapping the
/// `DecodeError`, whose offset counts from the start of the text). The error
/// is sticky. Decoded bytes before the problem may or may not have been
/// returned by earlier calls.
pub struct DecoderReader<D: PushDecoder, R: Read> {
    inner: R,
    decoder: D,
    input: Box<[u8]>,
    /// Decoded bytes not yet returned: `out[pos..]`.
    out: Vec<u8>,
    pos: usize,
    /// The inner reader reported end of input.
    eof: bool,
    /// The decoder has been finished successfully.
    done: bool,
}

impl<D: PushDecoder, R: Read> DecoderReader<D, R>
where
    io::Error: From<D::Error>,
{
    /// Decodes the text of `inner` with `decoder`. A decoder that was
    /// already fed continues from where it stopped.
    pub fn new(inner: R, decoder: D) -> Self {
        DecoderReader {
            inner,
            decoder,
            input: vec![0; READ_CHUNK].into_boxed_slice(),
            out: Vec::new(),
            pos: 0,
            eof: false,
            done: false,
        }
    }

    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably. Reading from it directly skips that text.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The inner reader. Text already read from it but not yet returned
    /// decoded is lost.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<D: PushDecoder, R: Read> Read for DecoderReader<D, R>
where
    io::Error: From<D::Error>,
{
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.pos < self.out.len() {
                let n = buf.len().min(self.out.len() - self.pos);
                buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            self.out.clear();
            self.pos = 0;
            if self.done {
                return Ok(0);
            }
            if self.eof {
                self.decoder.finish(&mut self.out)?;
                self.done = true;
                continue;
            }
            // A chunk may decode to nothing (only line breaks, or a partial
            // quantum): the loop keeps reading rather than report the end.
            let n = self.inner.read(&mut self.input)?;
            if n == 0 {
                self.eof = true;
                continue;
            }
            self.decoder.feed(&self.input[..n], &mut self.out)?;
        }
    }
}

impl<D: PushDecoder + fmt::Debug, R: Read + fmt::Debug> fmt::Debug for DecoderReader<D, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecoderReader")
            .field("inner", &self.inner)
            .field("decoder", &self.decoder)
            .field("buffered", &(self.out.len() - self.pos))
            .field("eof", &self.eof)
            .finish()
    }
}
