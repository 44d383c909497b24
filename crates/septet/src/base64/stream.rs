//! Streaming base64 in constant memory: the names of the generic
//! [`crate::io`] adapters and push decoder for base64.
//!
//! All of them run the same drivers and kernels as the one-shot functions,
//! and their output is byte-identical to them however the input is split:
//!
//! - [`EncoderWriter`] encodes what is written to it with a codec's
//!   [`Encoder`], plain or in MIME lines. It holds back at most a partial
//!   group (plain) or a partial 57-byte line (MIME).
//! - [`StreamDecoder`] is the push [`Decoder`]: it carries the partial
//!   quantum across pieces; error offsets count from the first byte ever fed.
//! - [`DecoderReader`] wraps a reader of base64 text and reads decoded bytes;
//!   a [`DecodeError`](super::DecodeError) surfaces as an
//!   [`io::ErrorKind::InvalidData`](std::io::ErrorKind::InvalidData) error
//!   that wraps it.
//!
//! ```
//! use std::io::{Read, Write};
//! use septet::base64::{DecoderReader, EncoderWriter, MIME};
//!
//! let mut enc = EncoderWriter::new(Vec::new(), MIME.encoder());
//! for piece in [&b"streamed "[..], b"in ", b"pieces"] {
//!     enc.write_all(piece)?;
//! }
//! let wire = enc.finish()?;
//! assert_eq!(wire, septet::base64::encode_mime(b"streamed in pieces").as_bytes());
//!
//! let mut back = Vec::new();
//! DecoderReader::new(&wire[..], MIME.decoder()).read_to_end(&mut back)?;
//! assert_eq!(back, b"streamed in pieces");
//! # Ok::<(), std::io::Error>(())
//! ```

use super::{Decoder, Encoder};

/// A [`Write`](std::io::Write) adapter that base64-encodes into an inner
/// writer: [`crate::io::EncoderWriter`] with a base64 [`Encoder`].
pub type EncoderWriter<W> = crate::io::EncoderWriter<Encoder, W>;
/// A [`Read`](std::io::Read) adapter that decodes the base64 text of an
/// inner reader: [`crate::io::DecoderReader`] with a base64 [`Decoder`].
pub type DecoderReader<R> = crate::io::DecoderReader<Decoder, R>;
/// The push decoder (the name it had before [`Decoder`]).
pub type StreamDecoder = Decoder;

#[cfg(test)]
mod decoder;
#[cfg(test)]
mod reader;
#[cfg(test)]
mod test_util;
#[cfg(test)]
mod writer;
