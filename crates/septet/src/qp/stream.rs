//! Streaming quoted-printable in constant memory: the names of the generic
//! [`crate::io`] writer and the push decoder for quoted-printable.
//!
//! Both run the same drivers and kernels as the one-shot functions, and
//! their output is byte-identical to them however the input is split:
//! - [`EncoderWriter`] encodes with a codec's [`Encoder`], which holds back
//!   at most 4 input bytes between writes.
//! - [`StreamDecoder`] is the push [`Decoder`]: it carries what is pending
//!   (an `=` and its digits, white space that may end a line, a CR) across
//!   pieces; at most 1024 + 3 bytes.
//!
//! ```
//! use std::io::Write;
//! use septet::qp::{EncoderWriter, EncodeOptions, StreamDecoder, DecodeOptions};
//!
//! let mut enc = EncoderWriter::new(Vec::new(), EncodeOptions::default().into());
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

use super::{Decoder, Encoder};

/// A [`Write`](std::io::Write) adapter that quoted-printable-encodes into
/// an inner writer: [`crate::io::EncoderWriter`] with a QP [`Encoder`]
/// (an [`Encoder`] converts from [`super::EncodeOptions`]: `options.into()`).
///
/// ```
/// use std::io::Write;
/// use septet::qp::{EncoderWriter, EncodeOptions, Mode};
/// let mut enc = EncoderWriter::new(Vec::new(), EncodeOptions::new(Mode::Binary).into());
/// enc.write_all(b"x \r\n")?;
/// assert_eq!(enc.finish()?, b"x =0D=0A");
/// # Ok::<(), std::io::Error>(())
/// ```
pub type EncoderWriter<W> = crate::io::EncoderWriter<Encoder, W>;
/// The push decoder (the name it had before [`Decoder`]).
pub type StreamDecoder = Decoder;
