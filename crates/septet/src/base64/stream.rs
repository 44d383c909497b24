//! Streaming base64 in constant memory: an encoding [`Write`](std::io::Write)
//! adapter, a push-based decoder and a decoding [`Read`](std::io::Read) adapter.
//!
//! All three run the same drivers and kernels as the one-shot functions, and
//! their output is byte-identical to them however the input is split:
//!
//! - [`EncoderWriter`] encodes what is written to it, plain or in MIME lines.
//!   It holds back at most a partial group (plain) or a partial 57-byte line
//!   (MIME), so the result equals [`encode`](super::encode) /
//!   [`encode_mime`](super::encode_mime) of the concatenated input.
//! - [`StreamDecoder`] decodes chunks as they arrive and carries the partial
//!   quantum across them; error offsets count from the first byte ever fed.
//! - [`DecoderReader`] wraps a reader of base64 text and reads decoded bytes;
//!   a [`DecodeError`](super::DecodeError) surfaces as an
//!   [`io::ErrorKind::InvalidData`](std::io::ErrorKind::InvalidData) error
//!   that wraps it.
//!
//! Buffers are allocated once, with a fixed size: memory does not grow with
//! the length of the stream.
//!
//! ```
//! use std::io::{Read, Write};
//! use septet::base64::{DecoderReader, EncoderWriter};
//!
//! let mut enc = EncoderWriter::mime(Vec::new());
//! for piece in [&b"streamed "[..], b"in ", b"pieces"] {
//!     enc.write_all(piece)?;
//! }
//! let wire = enc.finish()?;
//! assert_eq!(wire, septet::base64::encode_mime(b"streamed in pieces").as_bytes());
//!
//! let mut back = Vec::new();
//! DecoderReader::mime(&wire[..]).read_to_end(&mut back)?;
//! assert_eq!(back, b"streamed in pieces");
//! # Ok::<(), std::io::Error>(())
//! ```

mod decoder;
mod reader;
mod writer;

pub use decoder::StreamDecoder;
pub use reader::DecoderReader;
pub use writer::EncoderWriter;

#[cfg(test)]
mod test_util;
