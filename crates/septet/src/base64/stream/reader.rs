//! [`DecoderReader`]: reads decoded bytes out of a reader of base64 text.

use std::fmt;
use std::io::{self, Read};

use super::StreamDecoder;
use crate::base64::{Alphabet, Codec, MimeDecodeOptions};

/// Size of the buffer of base64 text read from the inner reader.
const IN_CAPACITY: usize = 64 * 1024;

/// A [`Read`] adapter that decodes the base64 text of an inner reader.
///
/// It reads the inner reader in blocks of 64 KiB and decodes each with a
/// [`StreamDecoder`], straight into the caller's buffer when that is large
/// enough, else through a fixed internal buffer. Memory does not depend on
/// the length of the input.
///
/// Invalid input makes `read` fail with [`io::ErrorKind::InvalidData`]; the
/// error wraps the [`DecodeError`](crate::base64::DecodeError), whose offset
/// counts from the start of the base64 text. The error is sticky: every
/// later call fails the same way. Decoded bytes before the bad quantum may or
/// may not have been returned by earlier calls.
///
/// ```
/// use std::io::Read;
/// use septet::base64::{DecodeError, DecoderReader};
///
/// let mut text = Vec::new();
/// DecoderReader::new(&b"aGVsbG8="[..]).read_to_end(&mut text)?;
/// assert_eq!(text, b"hello");
///
/// let err = DecoderReader::mime(&b"aGVs\r\nb*8=\r\n"[..]).read_to_end(&mut text).unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
/// let cause = err.get_ref().and_then(|e| e.downcast_ref::<DecodeError>()).unwrap();
/// assert_eq!(cause.offset, 7);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct DecoderReader<R: Read> {
    inner: R,
    decoder: StreamDecoder,
    input: Box<[u8]>,
    /// Decoded bytes not yet returned: `out[out_pos..out_len]`.
    out: Box<[u8]>,
    out_pos: usize,
    out_len: usize,
    /// The inner reader reported end of input.
    eof: bool,
}

impl<R: Read> DecoderReader<R> {
    /// Strict standard-alphabet base64, as [`decode`](crate::base64::decode).
    ///
    /// # Panics
    /// Like [`Codec::new`], if `SEPTET_FORCE_ISA` is invalid.
    pub fn new(inner: R) -> Self {
        Self::with_decoder(inner, StreamDecoder::new(Codec::new(Alphabet::Standard)))
    }

    /// Standard-alphabet MIME base64, as [`decode_mime`](crate::base64::decode_mime).
    ///
    /// # Panics
    /// Like [`Codec::new`], if `SEPTET_FORCE_ISA` is invalid.
    pub fn mime(inner: R) -> Self {
        let codec = Codec::new(Alphabet::Standard);
        Self::with_decoder(
            inner,
            StreamDecoder::mime(codec, MimeDecodeOptions::default()),
        )
    }

    /// Decodes with `decoder`, which sets the alphabet, kernels and rules.
    /// A decoder that was already fed continues from where it stopped.
    pub fn with_decoder(inner: R, decoder: StreamDecoder) -> Self {
        DecoderReader {
            inner,
            decoder,
            input: vec![0; IN_CAPACITY].into_boxed_slice(),
            out: vec![0; StreamDecoder::max_output(IN_CAPACITY)].into_boxed_slice(),
            out_pos: 0,
            out_len: 0,
            eof: false,
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

impl<R: Read> Read for DecoderReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.out_pos < self.out_len {
                let n = buf.len().min(self.out_len - self.out_pos);
                buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
                self.out_pos += n;
                return Ok(n);
            }
            self.decoder.check()?;
            if self.eof {
                self.decoder.check_end()?;
                return Ok(0);
            }
            let n = self.inner.read(&mut self.input)?;
            if n == 0 {
                self.eof = true;
                continue;
            }
            let chunk = &self.input[..n];
            // A chunk may decode to nothing (only line breaks, or fewer than
            // four characters): keep reading rather than report end of input.
            if buf.len() >= StreamDecoder::max_output(n) {
                let written = self.decoder.feed_to_slice(chunk, buf)?;
                if written > 0 {
                    return Ok(written);
                }
            } else {
                self.out_len = self.decoder.feed_to_slice(chunk, &mut self.out)?;
                self.out_pos = 0;
            }
        }
    }
}

impl<R: Read + fmt::Debug> fmt::Debug for DecoderReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecoderReader")
            .field("inner", &self.inner)
            .field("decoder", &self.decoder)
            .field("buffered", &(self.out_len - self.out_pos))
            .field("eof", &self.eof)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base64::stream::test_util::{codecs, data, Chunking, CHUNKINGS};
    use crate::base64::{DecodeError, DecodeErrorKind};

    /// Hands out its text in the chunks of a chunking, one per `read`.
    struct Trickle<'a> {
        chunks: std::vec::IntoIter<&'a [u8]>,
        current: &'a [u8],
    }

    impl<'a> Trickle<'a> {
        fn new(text: &'a [u8], chunking: Chunking) -> Self {
            Trickle {
                chunks: chunking.split(text).into_iter(),
                current: &[],
            }
        }
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.current.is_empty() {
                self.current = self.chunks.next().unwrap_or_default();
            }
            let n = buf.len().min(self.current.len());
            buf[..n].copy_from_slice(&self.current[..n]);
            self.current = &self.current[n..];
            Ok(n)
        }
    }

    /// Reads everything with caller buffers of `buf_len` bytes.
    fn read_all(mut reader: impl Read, buf_len: usize) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut buf = vec![0; buf_len];
        loop {
            match reader.read(&mut buf)? {
                0 => return Ok(out),
                n => out.extend_from_slice(&buf[..n]),
            }
        }
    }

    fn reader(
        text: &[u8],
        codec: Codec,
        mime: bool,
        chunking: Chunking,
    ) -> DecoderReader<Trickle<'_>> {
        let decoder = if mime {
            StreamDecoder::mime(codec, MimeDecodeOptions::default())
        } else {
            StreamDecoder::new(codec)
        };
        DecoderReader::with_decoder(Trickle::new(text, chunking), decoder)
    }

    #[test]
    fn decodes_any_chunking_into_any_buffer() {
        let input = data(150_001, 2);
        for codec in codecs() {
            for mime in [false, true] {
                let text = if mime {
                    codec.encode_mime(&input)
                } else {
                    codec.encode(&input)
                };
                for chunking in CHUNKINGS {
                    for buf_len in [1, 7, 4096, 1 << 20] {
                        let got = read_all(reader(text.as_bytes(), codec, mime, chunking), buf_len)
                            .unwrap();
                        assert!(
                            got == input,
                            "{codec:?} mime={mime} {chunking:?} buf={buf_len}"
                        );
                    }
                }
            }
        }
    }

    fn decode_error(e: &io::Error) -> DecodeError {
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        *e.get_ref()
            .and_then(|e| e.downcast_ref::<DecodeError>())
            .expect("wraps a DecodeError")
    }

    #[test]
    fn errors_carry_absolute_offsets_and_stick() {
        let codec = Codec::new(Alphabet::Standard);
        let mut text = codec.encode_mime(&data(100_000, 3)).into_bytes();
        text[70_000] = b'*';
        let expected = codec
            .decode_mime_with(&text, MimeDecodeOptions::default())
            .unwrap_err();
        assert_eq!(expected.offset, 70_000);
        for chunking in CHUNKINGS {
            for buf_len in [1, 4096, 1 << 20] {
                let mut r = reader(&text, codec, true, chunking);
                let err = read_all(&mut r, buf_len).unwrap_err();
                assert_eq!(decode_error(&err), expected, "{chunking:?} buf={buf_len}");
                let again = r.read(&mut [0; 16]).unwrap_err();
                assert_eq!(decode_error(&again), expected);
            }
        }
    }

    #[test]
    fn truncated_input_fails_at_the_end() {
        let err = read_all(DecoderReader::new(&b"QUJDQQ="[..]), 64).unwrap_err();
        let cause = decode_error(&err);
        assert_eq!(
            (cause.offset, cause.kind),
            (7, DecodeErrorKind::InvalidPadding)
        );
    }

    #[test]
    fn line_breaks_alone_are_not_end_of_input() {
        let mut text = vec![b'\n'; 200_000];
        text.extend_from_slice(b"QUJD\r\n");
        let got = read_all(DecoderReader::mime(&text[..]), 3).unwrap();
        assert_eq!(got, b"ABC");
    }
}
