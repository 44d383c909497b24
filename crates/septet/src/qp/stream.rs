//! Streaming quoted-printable in constant memory: an encoding
//! [`Write`] adapter and a push decoder.
//!
//! Both run the same drivers and kernels as the one-shot functions, and
//! their output is byte-identical to them however the input is split:
//! - [`EncoderWriter`] holds back at most 4 input bytes between writes (a
//!   byte's encoding depends on up to 4 bytes after it: whether a space is
//!   followed by a line break, whether a CR is followed by LF, whether `F`
//!   starts `From `), plus a fixed buffer of encoded output.
//! - [`StreamDecoder`] carries what is pending (an `=` and its digits, white
//!   space that may end a line, a CR) across chunks; at most 1024 + 3 bytes.
//!
//! ```
//! use std::io::Write;
//! use septet::qp::{EncoderWriter, EncodeOptions, StreamDecoder, DecodeOptions};
//!
//! let mut enc = EncoderWriter::new(Vec::new(), EncodeOptions::default());
//! for piece in [&b"caf\xc3"[..], b"\xa9 \r", b"\n"] {
//!     enc.write_all(piece)?;
//! }
//! let wire = enc.finish()?;
//! assert_eq!(wire, b"caf=C3=A9=20\r\n");
//!
//! let mut dec = StreamDecoder::new(DecodeOptions::default());
//! let mut out = Vec::new();
//! for piece in wire.chunks(3) {
//!     dec.feed(piece, &mut out)?;
//! }
//! dec.finish(&mut out)?;
//! assert_eq!(out, b"caf\xc3\xa9 \r\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::io::{self, Write};

use super::decode::DecodeState;
use super::encode::{self, max_encoded_len};
use super::scalar::{EncodeFlags, LOOKAHEAD};
use super::{Codec, DecodeError, DecodeOptions, EncodeOptions};

/// Size of the encoded-output buffer.
const OUT_CAPACITY: usize = 64 * 1024;
/// Held-back input plus the first bytes of the next write, encoded together.
const CARRY_CAPACITY: usize = 16;

/// A [`Write`] adapter that quoted-printable-encodes into an inner writer.
///
/// The output equals [`Codec::encode`] of everything written, however the
/// writes split it. Call [`finish`](Self::finish) at the end: the last few
/// bytes can only be encoded once it is known that nothing follows them
/// (a final space is escaped, for instance). [`flush`](Write::flush) only
/// pushes out what is already encoded. Dropping the writer without `finish`
/// finishes it on a best effort basis, ignoring errors.
///
/// ```
/// use std::io::Write;
/// use septet::qp::{EncoderWriter, EncodeOptions, Mode};
/// let mut enc = EncoderWriter::new(Vec::new(), EncodeOptions::new(Mode::Binary));
/// enc.write_all(b"x \r\n")?;
/// assert_eq!(enc.finish()?, b"x =0D=0A");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct EncoderWriter<W: Write> {
    /// `None` once finished.
    inner: Option<W>,
    codec: Codec,
    flags: EncodeFlags,
    /// Column of the output line being written.
    col: usize,
    /// Input not yet encoded: `carry[..carry_len]`, at most `LOOKAHEAD` bytes between writes.
    carry: [u8; CARRY_CAPACITY],
    carry_len: usize,
    /// Encoded output not yet accepted by `inner`: `out[out_pos..out_len]`.
    out: Box<[u8]>,
    out_pos: usize,
    out_len: usize,
}

impl<W: Write> EncoderWriter<W> {
    /// Encodes with `options` on the process-wide kernels.
    ///
    /// # Panics
    /// Like [`Codec::new`], if `SEPTET_FORCE_ISA` is invalid.
    pub fn new(inner: W, options: EncodeOptions) -> Self {
        Self::with_codec(inner, options, Codec::new())
    }

    /// Encodes with `options` on the kernels of `codec`.
    pub fn with_codec(inner: W, options: EncodeOptions, codec: Codec) -> Self {
        EncoderWriter {
            inner: Some(inner),
            codec,
            flags: options.flags(),
            col: 0,
            carry: [0; CARRY_CAPACITY],
            carry_len: 0,
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

    /// Encodes the held-back bytes, flushes, and returns the inner writer.
    ///
    /// On error the inner writer is dropped with the encoder; the output it
    /// received is incomplete.
    pub fn finish(mut self) -> io::Result<W> {
        let result = self.finish_output();
        // Taken even on error, so that `Drop` does not try a second time.
        let inner = self.inner.take().expect("EncoderWriter finished twice");
        result.map(|()| inner)
    }

    fn finish_output(&mut self) -> io::Result<()> {
        self.write_out()?;
        let (k, tail) = (self.codec.kernels(), &self.carry[..self.carry_len]);
        debug_assert!(max_encoded_len(tail.len()) <= self.out.len());
        let (_, n) = encode::encode(k, self.flags, &mut self.col, tail, true, &mut self.out);
        self.carry_len = 0;
        self.out_pos = 0;
        self.out_len = n;
        self.write_out()?;
        self.inner_mut().flush()
    }

    fn inner_mut(&mut self) -> &mut W {
        self.inner
            .as_mut()
            .expect("EncoderWriter used after finish")
    }

    /// Hands the buffered output to `inner`, tracking partial writes so a
    /// failed call can be retried without losing or repeating bytes.
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
                        "quoted-printable encoder: inner writer accepted no bytes",
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

    /// Encodes `input` (not the end of the data) into the free part of the
    /// buffer; returns the bytes consumed.
    fn encode_some(&mut self, input: &[u8]) -> usize {
        let k = self.codec.kernels();
        let out = &mut self.out[self.out_len..];
        let (c, n) = encode::encode(k, self.flags, &mut self.col, input, false, out);
        self.out_len += n;
        c
    }
}

impl<W: Write> Write for EncoderWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        self.write_out()?;
        let mut taken = 0;
        if self.carry_len > 0 {
            // Encode the held-back bytes with enough of `data` after them to
            // decide them; the buffer is empty, so all of it fits.
            let held = self.carry_len;
            let take = data.len().min(CARRY_CAPACITY - held);
            self.carry[held..held + take].copy_from_slice(&data[..take]);
            let combined = self.carry;
            let c = self.encode_some(&combined[..held + take]);
            if c < held {
                // `data` was short: everything is held back (at most LOOKAHEAD bytes).
                self.carry.copy_within(c..held + take, 0);
                self.carry_len = held + take - c;
                return Ok(take);
            }
            self.carry_len = 0;
            taken = c - held;
        }
        let rest = &data[taken..];
        let c = self.encode_some(rest);
        taken += c;
        if rest.len() - c <= LOOKAHEAD {
            // Only the lookahead is left (or the buffer filled up right
            // there): hold it back.
            let left = &rest[c..];
            self.carry[..left.len()].copy_from_slice(left);
            self.carry_len = left.len();
            taken = data.len();
        }
        // Errors here resurface on the next call; the data is consumed.
        let _ = self.write_out();
        Ok(taken)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_out()?;
        self.inner_mut().flush()
    }
}

impl<W: Write> Drop for EncoderWriter<W> {
    fn drop(&mut self) {
        if self.inner.is_some() {
            let _ = self.finish_output();
        }
    }
}

impl<W: Write> fmt::Debug for EncoderWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncoderWriter")
            .field("isa", &self.codec.isa())
            .field("flags", &self.flags)
            .field("col", &self.col)
            .field("held_back", &self.carry_len)
            .field("buffered", &(self.out_len - self.out_pos))
            .finish_non_exhaustive()
    }
}

/// Decodes quoted-printable that arrives in chunks of any size.
///
/// What is pending at the end of a chunk (an `=` and its first digit, white
/// space that may end its line, a CR) is carried into the next, so the
/// output is the same as decoding the concatenated chunks in one call, and
/// so are the errors: [`DecodeError::offset`] counts from the first byte
/// ever fed. Errors are sticky: once a call has failed, every later call
/// returns the same error. Call [`finish`](Self::finish) after the last
/// chunk: it writes or drops what is still pending.
///
/// ```
/// use septet::qp::{DecodeErrorKind, DecodeOptions, StreamDecoder};
/// let mut dec = StreamDecoder::new(DecodeOptions { strict: true });
/// let mut out = Vec::new();
/// dec.feed(b"ok=3", &mut out)?;
/// dec.feed(b"D\r\n", &mut out)?;
/// assert_eq!(out, b"ok=\r\n");
/// let err = dec.feed(b"x \r\n", &mut out).unwrap_err();
/// assert_eq!((err.offset, err.kind), (8, DecodeErrorKind::TrailingWhitespace));
/// # Ok::<(), septet::qp::DecodeError>(())
/// ```
#[derive(Clone, Debug)]
pub struct StreamDecoder {
    codec: Codec,
    state: DecodeState,
    error: Option<DecodeError>,
}

impl StreamDecoder {
    /// A decoder with `options` on the process-wide kernels.
    ///
    /// # Panics
    /// Like [`Codec::new`], if `SEPTET_FORCE_ISA` is invalid.
    pub fn new(options: DecodeOptions) -> Self {
        Self::with_codec(options, Codec::new())
    }

    /// A decoder with `options` on the kernels of `codec`.
    pub fn with_codec(options: DecodeOptions, codec: Codec) -> Self {
        StreamDecoder {
            codec,
            state: DecodeState::new(options.strict),
            error: None,
        }
    }

    /// How many input bytes have been fed so far (the offset of the next one).
    pub fn offset(&self) -> u64 {
        self.state.offset()
    }

    /// Decodes `chunk` and appends the result to `out`. On error nothing is
    /// appended.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let start = out.len();
        out.resize(start + self.state.max_output(chunk.len()), 0);
        let result = self
            .state
            .feed(self.codec.kernels(), chunk, &mut out[start..]);
        self.settle(result, out, start)
    }

    /// Ends the input: appends what was still pending (an incomplete escape
    /// is kept as it is; trailing white space and a final `=` are dropped)
    /// and reports strict-mode errors found at the end.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), DecodeError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let start = out.len();
        out.resize(start + self.state.max_output(0), 0);
        let result = self.state.finish(&mut out[start..]);
        self.settle(result, out, start)
    }

    fn settle(
        &mut self,
        result: Result<usize, DecodeError>,
        out: &mut Vec<u8>,
        start: usize,
    ) -> Result<(), DecodeError> {
        match result {
            Ok(n) => {
                out.truncate(start + n);
                Ok(())
            }
            Err(e) => {
                out.truncate(start);
                self.error = Some(e);
                Err(e)
            }
        }
    }
}
