//! The push codecs: [`Encoder`] and [`Decoder`], made by
//! [`Codec::encoder`](super::Codec::encoder) and
//! [`Codec::decoder`](super::Codec::decoder).

use super::decode::DecodeState;
use super::encode::encode_to_vec;
use super::scalar::EncodeFlags;
use super::{Codec, DecodeError, DecodeErrorKind, DecodeOptions, EncodeOptions};
use crate::codec::{self, Sticky};
use crate::simd::{IsaError, Kernels};

/// Held-back input plus the first bytes of the next piece, encoded together.
const CARRY_CAPACITY: usize = 16;

/// Encodes quoted-printable that arrives in pieces, in constant memory.
///
/// Holds back at most 4 input bytes between calls (a byte's encoding depends
/// on up to 4 bytes after it: whether a space is followed by a line break,
/// whether a CR is followed by LF, whether `F` starts `From `) and the
/// output column. The output equals the codec's one-shot `encode` of the
/// concatenated input. Made by [`Codec::encoder`](super::Codec::encoder).
///
/// ```
/// let mut enc = septet::qp::TEXT.encoder();
/// let mut out = Vec::new();
/// for piece in [&b"caf\xc3"[..], b"\xa9 \r", b"\n"] {
///     enc.feed(piece, &mut out);
/// }
/// enc.finish(&mut out);
/// assert_eq!(out, b"caf=C3=A9=20\r\n");
/// ```
#[derive(Clone, Debug)]
pub struct Encoder {
    kernels: &'static Kernels,
    flags: EncodeFlags,
    /// Column of the output line being written.
    col: usize,
    /// Input not yet encoded: `carry[..carry_len]`, at most `scalar::LOOKAHEAD`
    /// bytes between calls.
    carry: [u8; CARRY_CAPACITY],
    carry_len: usize,
}

impl Encoder {
    pub(crate) fn new(kernels: &'static Kernels, options: EncodeOptions) -> Self {
        Encoder {
            kernels,
            flags: options.flags(),
            col: 0,
            carry: [0; CARRY_CAPACITY],
            carry_len: 0,
        }
    }

    /// Encodes `input` and appends what can already be written to `out`.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let (k, flags) = (self.kernels, self.flags);
        let mut taken = 0;
        if self.carry_len > 0 {
            // The held-back bytes with enough of `input` after them to
            // decide them.
            let held = self.carry_len;
            let take = input.len().min(CARRY_CAPACITY - held);
            self.carry[held..held + take].copy_from_slice(&input[..take]);
            let combined = self.carry;
            let c = encode_to_vec(
                k,
                flags,
                &mut self.col,
                &combined[..held + take],
                false,
                out,
            );
            if c < held {
                // `input` was short: all of it is held back (at most
                // LOOKAHEAD bytes are left unencoded).
                self.carry.copy_within(c..held + take, 0);
                self.carry_len = held + take - c;
                return;
            }
            self.carry_len = 0;
            taken = c - held;
        }
        let rest = &input[taken..];
        let c = encode_to_vec(k, flags, &mut self.col, rest, false, out);
        let left = &rest[c..];
        self.carry[..left.len()].copy_from_slice(left);
        self.carry_len = left.len();
    }

    /// Ends the input: encodes the held-back bytes, now known to be the
    /// last (a final space is escaped, for instance). The encoder can then
    /// start a new stream.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        let tail = self.carry;
        encode_to_vec(
            self.kernels,
            self.flags,
            &mut self.col,
            &tail[..self.carry_len],
            true,
            out,
        );
        self.carry_len = 0;
        self.col = 0;
    }
}

impl From<EncodeOptions> for Encoder {
    /// An encoder with `options` on the process-wide kernels.
    fn from(options: EncodeOptions) -> Self {
        Codec::new().with_encode_options(options).encoder()
    }
}

/// Decodes quoted-printable that arrives in pieces, in constant memory.
///
/// What is pending at the end of a piece (an `=` and its first digit, white
/// space that may end its line, a CR; at most 1024 + 3 bytes) is carried
/// into the next, so output and errors equal the codec's one-shot `decode`
/// of the concatenated input: error offsets count from the first byte ever
/// fed. Errors are sticky. Made by [`Codec::decoder`](super::Codec::decoder).
///
/// ```
/// use septet::qp::{DecodeErrorKind, DecodeOptions, TEXT};
/// let mut dec = TEXT.with_decode_options(DecodeOptions { strict: true }).decoder();
/// let mut out = Vec::new();
/// dec.feed(b"ok=3", &mut out)?;
/// dec.feed(b"D\r\n", &mut out)?;
/// assert_eq!(out, b"ok=\r\n");
/// let err = dec.feed(b"x \r\n", &mut out).unwrap_err();
/// assert_eq!((err.offset, err.kind), (8, DecodeErrorKind::TrailingWhitespace));
/// # Ok::<(), septet::qp::DecodeError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Decoder {
    /// The pending bytes and position, carried across pieces.
    state: DecodeState,
    /// Set by the first failed call (or an unusable table) and returned
    /// by every later one.
    error: Sticky<DecodeErrorKind>,
    kernels: &'static Kernels,
}

impl Decoder {
    /// A decoder with `options` on the process-wide kernels (the same as
    /// `Codec::new().with_decode_options(options).decoder()`).
    pub fn new(options: DecodeOptions) -> Self {
        Codec::new().with_decode_options(options).decoder()
    }

    pub(crate) fn with_kernels(kernels: Result<&'static Kernels, IsaError>, strict: bool) -> Self {
        let (kernels, error) = Sticky::start(kernels, DecodeErrorKind::Kernels);
        Decoder {
            state: DecodeState::new(strict),
            kernels,
            error,
        }
    }

    /// How many input bytes have been fed so far (the offset of the next one).
    pub fn offset(&self) -> u64 {
        self.state.offset()
    }

    /// Decodes `input` and appends the result to `out`. On error nothing is
    /// appended.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
        self.error.check()?;
        let keep = out.len();
        let result = self.state.feed_vec(self.kernels, input, out, keep);
        self.error.record(result)
    }

    /// Ends the input: appends what was still pending (an incomplete escape
    /// is kept as it is; trailing white space and a final `=` are dropped)
    /// and reports strict-mode errors found at the end.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), DecodeError> {
        self.error.check()?;
        let keep = out.len();
        let result = self.state.finish_vec(out, keep);
        self.error.record(result)
    }
}

impl From<DecodeOptions> for Decoder {
    /// A decoder with `options` on the process-wide kernels.
    fn from(options: DecodeOptions) -> Self {
        Decoder::new(options)
    }
}

codec::push_traits!(Encoder, Decoder, DecodeError);
