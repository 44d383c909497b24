//! What the codecs share: the push encoder/decoder traits, the located
//! decode error, and the "output too small" errors of the slice APIs.
//!
//! Both codecs have the same shape (rust-base64's engine style): `const`
//! codec values ([`crate::base64::STANDARD`], [`crate::base64::URL_SAFE`],
//! [`crate::base64::MIME`], [`crate::qp::TEXT`], [`crate::qp::BINARY`]) with
//! the same methods, `encode`, `encode_into`, `decode`, `decode_into`, and
//! `encoder()` / `decoder()` returning push codecs that implement
//! [`PushEncoder`] / [`PushDecoder`]. The generic adapters in [`crate::io`]
//! turn any of them into an [`std::io::Write`] or [`std::io::Read`].
//!
//! ```
//! use septet::codec::{PushDecoder, PushEncoder};
//! let mut enc = septet::base64::MIME.encoder();
//! let mut wire = Vec::new();
//! enc.feed(b"hello, ", &mut wire);
//! enc.feed(b"world", &mut wire);
//! enc.finish(&mut wire);
//! assert_eq!(wire, b"aGVsbG8sIHdvcmxk\r\n");
//!
//! let mut dec = septet::base64::MIME.decoder();
//! let mut back = Vec::new();
//! for piece in wire.chunks(5) {
//!     dec.feed(piece, &mut back)?;
//! }
//! dec.finish(&mut back)?;
//! assert_eq!(back, b"hello, world");
//! # Ok::<(), septet::base64::DecodeError>(())
//! ```

use std::fmt;
use std::io;

use crate::simd::{IsaError, Kernels};

/// An encoder that takes its input in pieces of any size.
///
/// The concatenated output of every [`feed`](Self::feed) and the final
/// [`finish`](Self::finish) equals the one-shot encoding of the
/// concatenated input, however it was split. State between calls is
/// constant-size (a partial group, line or lookahead).
pub trait PushEncoder {
    /// Encodes `input` and appends what can already be written to `out`;
    /// the rest is held back until more input (or `finish`) decides it.
    fn feed(&mut self, input: &[u8], out: &mut Vec<u8>);
    /// Ends the input: appends the held-back tail. The encoder is then back
    /// at its initial state and may start a new stream.
    fn finish(&mut self, out: &mut Vec<u8>);
}

/// A decoder that takes its input in pieces of any size.
///
/// Output and errors are those of the one-shot decoder on the concatenated
/// input: error offsets count from the first byte ever fed. Errors are
/// sticky: after one, every call returns it again. On error nothing is
/// appended to `out` by that call.
pub trait PushDecoder {
    /// The error, with the absolute byte offset of the problem.
    type Error;
    /// Decodes `input` and appends the result to `out`.
    fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), Self::Error>;
    /// Ends the input: appends or reports what was still pending.
    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), Self::Error>;
}

/// What was wrong, for a [`DecodeError`]: each codec has its own kinds.
///
/// Implemented by [`crate::base64::DecodeErrorKind`] and
/// [`crate::qp::DecodeErrorKind`]; sealed.
pub trait ErrorKind: Copy + fmt::Debug + sealed::Sealed {
    /// Writes the message for this kind at `offset`.
    fn describe(&self, offset: u64, f: &mut fmt::Formatter<'_>) -> fmt::Result;
    /// The kernels this error says are unusable, if that is what it is
    /// (rather than a problem in the data).
    fn isa_error(&self) -> Option<IsaError>;
}

/// Implements [`ErrorKind`] for a codec's kind enum, which has a
/// `Kernels(IsaError)` variant and an inherent
/// `fn message(&self, offset: u64, f: &mut fmt::Formatter) -> fmt::Result`.
macro_rules! error_kind {
    ($kind:ident) => {
        impl $crate::codec::sealed::Sealed for $kind {}

        impl $crate::codec::ErrorKind for $kind {
            fn describe(
                &self,
                offset: u64,
                f: &mut ::std::fmt::Formatter<'_>,
            ) -> ::std::fmt::Result {
                self.message(offset, f)
            }

            fn isa_error(&self) -> Option<$crate::simd::IsaError> {
                match *self {
                    $kind::Kernels(e) => Some(e),
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use error_kind;

pub(crate) mod sealed {
    /// Keeps [`super::ErrorKind`] to this crate's kinds.
    pub trait Sealed {}
}

/// A decode failure: what went wrong and where.
///
/// `offset` counts bytes from the start of the input (for the push
/// decoders and readers, from the first byte ever fed). The codecs name it
/// [`crate::base64::DecodeError`] and [`crate::qp::DecodeError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DecodeError<K> {
    /// Byte offset in the input.
    pub offset: u64,
    /// What was wrong.
    pub kind: K,
}

impl<K: ErrorKind> DecodeError<K> {
    pub(crate) fn new(offset: u64, kind: K) -> Self {
        DecodeError { offset, kind }
    }
}

impl<K: ErrorKind> fmt::Display for DecodeError<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.describe(self.offset, f)
    }
}

impl<K: ErrorKind> std::error::Error for DecodeError<K> {}

impl<K: ErrorKind + Send + Sync + 'static> From<DecodeError<K>> for io::Error {
    /// Bad data is [`io::ErrorKind::InvalidData`]; unusable kernels
    /// (`SEPTET_FORCE_ISA`) are [`io::ErrorKind::Unsupported`]. The error
    /// wraps the `DecodeError`, so `get_ref()` + `downcast_ref` recover it.
    fn from(e: DecodeError<K>) -> Self {
        let kind = match e.kind.isa_error() {
            Some(_) => io::ErrorKind::Unsupported,
            None => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, e)
    }
}

/// Why an `encode*_to_slice` call wrote nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EncodeSliceError {
    /// The output slice is shorter than the encoding: `needed` bytes.
    OutputTooSmall {
        /// The length of the encoding.
        needed: usize,
    },
    /// The kernels cannot be used (an unusable `SEPTET_FORCE_ISA`, or a
    /// codec forced onto an ISA this CPU lacks).
    Isa(IsaError),
}

impl fmt::Display for EncodeSliceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeSliceError::OutputTooSmall { needed } => {
                write!(f, "output too small: the encoding needs {needed} bytes")
            }
            EncodeSliceError::Isa(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for EncodeSliceError {}

impl From<IsaError> for EncodeSliceError {
    fn from(e: IsaError) -> Self {
        EncodeSliceError::Isa(e)
    }
}

/// Why a `decode*_to_slice` call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecodeSliceError<K> {
    /// The input is invalid (or the kernels unusable: see the kind).
    Decode(DecodeError<K>),
    /// The input is valid but decodes to `needed` bytes, more than the
    /// output slice holds.
    OutputTooSmall {
        /// The exact decoded length.
        needed: usize,
    },
}

impl<K: ErrorKind> fmt::Display for DecodeSliceError<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeSliceError::Decode(e) => write!(f, "{e}"),
            DecodeSliceError::OutputTooSmall { needed } => {
                write!(f, "output too small: the input decodes to {needed} bytes")
            }
        }
    }
}

impl<K: ErrorKind> std::error::Error for DecodeSliceError<K> {}

impl<K> From<DecodeError<K>> for DecodeSliceError<K> {
    fn from(e: DecodeError<K>) -> Self {
        DecodeSliceError::Decode(e)
    }
}

/// A decoder as the shared driver [`drive`] sees it: a bulk path (the
/// kernel table) usable whenever nothing is pending, and the byte-at-a-time
/// reference for everything else.
pub(crate) trait ByteDecoder {
    /// The decode error.
    type Error;
    /// Nothing is pending: the bulk path may take over.
    fn settled(&self) -> bool;
    /// The bulk path on `input` (called only when settled): returns
    /// `(consumed, written)`, having advanced the state's offset.
    fn bulk(&mut self, input: &[u8], out: &mut [u8]) -> (usize, usize);
    /// One byte through the reference; returns the bytes written to `out`.
    fn step(&mut self, byte: u8, out: &mut [u8]) -> Result<usize, Self::Error>;
}

/// The decode loop both codecs share: hands `input` to the bulk path
/// whenever the state is settled, steps over whatever stopped it with the
/// reference, and hands back at the next settled point. After a bulk call
/// that made no progress, at least `stall_run` bytes go through the
/// reference first, so a kernel that needs lookahead is not retried for
/// every byte. `out` must hold the decoder's worst case for `input`.
/// Returns the bytes written.
#[inline]
pub(crate) fn drive<D: ByteDecoder>(
    d: &mut D,
    input: &[u8],
    out: &mut [u8],
    stall_run: usize,
) -> Result<usize, D::Error> {
    let (mut pos, mut written, mut stalled) = (0, 0, false);
    while pos < input.len() {
        if d.settled() {
            let (c, w) = d.bulk(&input[pos..], &mut out[written..]);
            debug_assert!(c <= input.len() - pos && written + w <= out.len());
            pos += c;
            written += w;
            stalled = c == 0;
            if pos == input.len() {
                break;
            }
        }
        let min_run = if stalled { stall_run } else { 1 };
        let start = pos;
        while pos < input.len() {
            written += d.step(input[pos], &mut out[written..])?;
            pos += 1;
            if pos - start >= min_run && d.settled() {
                break;
            }
        }
    }
    Ok(written)
}

/// The sticky error of a push decoder: once a call has failed, every later
/// call returns the same error. Also where an unusable kernel table is
/// turned into the decoder's first error.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sticky<K>(Option<DecodeError<K>>);

impl<K: ErrorKind> Sticky<K> {
    /// The table to run and the initial slot: empty, or holding `unusable(e)`
    /// at offset 0 if the table cannot be used (then the returned table is
    /// never run).
    pub(crate) fn start(
        kernels: Result<&'static Kernels, IsaError>,
        unusable: fn(IsaError) -> K,
    ) -> (&'static Kernels, Self) {
        match kernels {
            Ok(k) => (k, Sticky(None)),
            Err(e) => (
                crate::simd::kernels(),
                Sticky(Some(DecodeError::new(0, unusable(e)))),
            ),
        }
    }

    /// The stored error, if any.
    pub(crate) fn check(&self) -> Result<(), DecodeError<K>> {
        self.0.map_or(Ok(()), Err)
    }

    /// Stores the error of `result`, if any, and passes `result` on.
    pub(crate) fn record<T>(
        &mut self,
        result: Result<T, DecodeError<K>>,
    ) -> Result<T, DecodeError<K>> {
        result.inspect_err(|e| self.0 = Some(*e))
    }
}

/// Implements [`PushEncoder`] and [`PushDecoder`] for a codec's push types
/// by calling their inherent `feed` / `finish` (which exist so callers need
/// not import the traits).
macro_rules! push_traits {
    ($encoder:ty, $decoder:ty, $error:ty) => {
        impl $crate::codec::PushEncoder for $encoder {
            fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
                <$encoder>::feed(self, input, out)
            }

            fn finish(&mut self, out: &mut Vec<u8>) {
                <$encoder>::finish(self, out)
            }
        }

        impl $crate::codec::PushDecoder for $decoder {
            type Error = $error;

            fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), $error> {
                <$decoder>::feed(self, input, out)
            }

            fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), $error> {
                <$decoder>::finish(self, out)
            }
        }
    };
}
pub(crate) use push_traits;
