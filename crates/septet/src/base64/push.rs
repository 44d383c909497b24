//! The push codecs: [`Encoder`] and [`Decoder`], made by
//! [`Codec::encoder`](super::Codec::encoder) and
//! [`Codec::decoder`](super::Codec::decoder).

use super::engine::{self, DecodeRules, DecodeState};
use super::error::{DecodeError, DecodeErrorKind, DecodeSliceError};
use super::scalar::{LINE_INPUT, LINE_OUTPUT};
use super::{decoded_len_estimate, encoded_len, mime_encoded_len};
use crate::codec::{self, Sticky};
use crate::simd::{B64Alphabet, IsaError, Kernels};

/// Encodes base64 that arrives in pieces, in constant memory.
///
/// Holds back at most 2 input bytes (plain) or a partial 57-byte line
/// (MIME); the output equals the codec's one-shot `encode` of the
/// concatenated input. Made by [`Codec::encoder`](super::Codec::encoder).
///
/// ```
/// let mut enc = septet::base64::STANDARD.encoder();
/// let mut out = Vec::new();
/// enc.feed(b"hel", &mut out);
/// enc.feed(b"lo", &mut out);
/// enc.finish(&mut out);
/// assert_eq!(out, b"aGVsbG8=");
/// ```
#[derive(Clone, Debug)]
pub struct Encoder {
    kernels: &'static Kernels,
    alphabet: B64Alphabet,
    /// MIME lines (76 characters + CRLF) rather than one plain run.
    wrap: bool,
    /// Input held back until it completes a group (plain) or a line (MIME).
    pending: [u8; LINE_INPUT],
    pending_len: usize,
}

impl Encoder {
    pub(crate) fn new(kernels: &'static Kernels, alphabet: B64Alphabet, wrap: bool) -> Self {
        Encoder {
            kernels,
            alphabet,
            wrap,
            pending: [0; LINE_INPUT],
            pending_len: 0,
        }
    }

    /// Input bytes per unit the kernels take whole: a group or a line.
    fn unit(&self) -> usize {
        if self.wrap {
            LINE_INPUT
        } else {
            3
        }
    }

    /// Encodes `input` and appends what can already be written to `out`.
    pub fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        let unit = self.unit();
        if self.pending_len > 0 {
            let take = (unit - self.pending_len).min(input.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&input[..take]);
            self.pending_len += take;
            input = &input[take..];
            if self.pending_len < unit {
                return;
            }
            let held = self.pending;
            self.encode_units(&held[..unit], out);
            self.pending_len = 0;
        }
        let whole = input.len() / unit * unit;
        self.encode_units(&input[..whole], out);
        let rest = &input[whole..];
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
    }

    /// Encodes whole units (groups or lines), appending to `out`.
    fn encode_units(&self, units: &[u8], out: &mut Vec<u8>) {
        if units.is_empty() {
            return;
        }
        let start = out.len();
        let (k, alphabet) = (self.kernels, self.alphabet);
        if self.wrap {
            out.resize(start + units.len() / LINE_INPUT * LINE_OUTPUT, 0);
            engine::encode_mime_lines(k, alphabet, units, &mut out[start..]);
        } else {
            out.resize(start + encoded_len(units.len()), 0);
            engine::encode(k, alphabet, units, &mut out[start..]);
        }
    }

    /// Ends the input: appends the last group with its padding (and in MIME
    /// form the last line break; nothing at all for an empty stream). The
    /// encoder can then start a new stream.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        let tail = &self.pending[..self.pending_len];
        let start = out.len();
        if self.wrap {
            out.resize(start + mime_encoded_len(tail.len()), 0);
            engine::encode_mime(self.kernels, self.alphabet, tail, &mut out[start..]);
        } else {
            out.resize(start + encoded_len(tail.len()), 0);
            engine::encode(self.kernels, self.alphabet, tail, &mut out[start..]);
        }
        self.pending_len = 0;
    }
}

/// Decodes base64 that arrives in pieces, in constant memory.
///
/// The partial quantum at the end of a piece is carried into the next, so
/// output and errors equal the codec's one-shot `decode` of the
/// concatenated input: [`DecodeError::offset`](crate::codec::DecodeError::offset)
/// counts from the first byte ever fed. Errors are sticky. Made by
/// [`Codec::decoder`](super::Codec::decoder).
///
/// ```
/// use septet::base64::DecodeErrorKind;
/// let mut dec = septet::base64::MIME.decoder();
/// let mut out = Vec::new();
/// dec.feed(b"aGVs", &mut out)?;
/// dec.feed(b"bG8\r\n=", &mut out)?;
/// dec.finish(&mut out)?;
/// assert_eq!(out, b"hello");
///
/// let mut dec = septet::base64::STANDARD.decoder();
/// dec.feed(b"aGVs", &mut out)?;
/// let err = dec.feed(b"bG8*", &mut out).unwrap_err();
/// assert_eq!((err.offset, err.kind), (7, DecodeErrorKind::InvalidByte(b'*')));
/// # Ok::<(), septet::base64::DecodeError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Decoder {
    kernels: &'static Kernels,
    state: DecodeState,
    error: Sticky<DecodeErrorKind>,
}

impl Decoder {
    pub(crate) fn new(
        kernels: Result<&'static Kernels, IsaError>,
        alphabet: B64Alphabet,
        rules: DecodeRules,
    ) -> Self {
        let (kernels, error) = Sticky::start(kernels, DecodeErrorKind::Kernels);
        let state = DecodeState::new(alphabet, rules);
        Decoder {
            kernels,
            state,
            error,
        }
    }

    /// How many input bytes have been fed so far (the offset of the next one).
    pub fn offset(&self) -> u64 {
        self.state.offset()
    }

    /// The output room [`feed_to_slice`](Self::feed_to_slice) needs for a
    /// piece of up to `len` bytes, in any state: a buffer of this size,
    /// allocated once, serves every call with pieces no longer than that.
    pub const fn max_output(len: usize) -> usize {
        // Up to 3 characters carried in, plus the bytes a padded final
        // quantum can add beyond whole quanta.
        decoded_len_estimate(len) + 2
    }

    /// Decodes `input` and appends the result to `out`. On error `out` is
    /// left as it was.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
        self.error.check()?;
        let start = out.len();
        // Zero-filled because the drivers write through `&mut [u8]`; callers
        // that want to avoid the fill use `feed_to_slice` with a buffer
        // they reuse.
        out.resize(start + self.state.max_output(input.len()), 0);
        let result = self.state.feed(self.kernels, input, &mut out[start..]);
        out.truncate(start + *result.as_ref().unwrap_or(&0));
        self.error.record(result).map(drop)
    }

    /// Decodes `input` into the start of `out`; returns the bytes written.
    ///
    /// `out` must hold [`max_output`](Self::max_output)`(input.len())`
    /// bytes; else the call fails with
    /// [`OutputTooSmall`](crate::codec::DecodeSliceError::OutputTooSmall)
    /// (that bound as `needed`) and consumes nothing. On a decode error the
    /// contents of `out` are unspecified.
    pub fn feed_to_slice(
        &mut self,
        input: &[u8],
        out: &mut [u8],
    ) -> Result<usize, DecodeSliceError> {
        self.error.check()?;
        let needed = self.state.max_output(input.len());
        if out.len() < needed {
            return Err(DecodeSliceError::OutputTooSmall { needed });
        }
        let result = self.state.feed(self.kernels, input, out);
        Ok(self.error.record(result)?)
    }

    /// Checks that the stream ended on a complete quantum (with its
    /// padding). Base64 holds no output back, so nothing is appended; `out`
    /// is there for [`PushDecoder`](crate::codec::PushDecoder).
    pub fn finish(&mut self, _out: &mut Vec<u8>) -> Result<(), DecodeError> {
        self.error.check()?;
        let result = self.state.finish();
        self.error.record(result)
    }
}

codec::push_traits!(Encoder, Decoder, DecodeError);
