//! The base64 [`DecoderReader`]: any chunking of the text into any
//! buffer size; errors carry absolute offsets and stick.

use std::io::{self, Read};

use super::DecoderReader;
use crate::base64::stream::test_util::{codecs, data, Chunking, CHUNKINGS};
use crate::base64::{
    Alphabet, Codec, DecodeError, DecodeErrorKind, MimeDecodeOptions, MIME, STANDARD,
};

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

fn reader(text: &[u8], codec: Codec, mime: bool, chunking: Chunking) -> DecoderReader<Trickle<'_>> {
    let decoder = if mime {
        codec
            .with_mime_options(MimeDecodeOptions::default())
            .decoder()
    } else {
        codec.decoder()
    };
    DecoderReader::new(Trickle::new(text, chunking), decoder)
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
                    let got =
                        read_all(reader(text.as_bytes(), codec, mime, chunking), buf_len).unwrap();
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
    let err = read_all(DecoderReader::new(&b"QUJDQQ="[..], STANDARD.decoder()), 64).unwrap_err();
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
    let got = read_all(DecoderReader::new(&text[..], MIME.decoder()), 3).unwrap();
    assert_eq!(got, b"ABC");
}
