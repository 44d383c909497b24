//! The base64 [`EncoderWriter`]: every split of the input gives the
//! one-shot encoding; failed inner writes can be retried.

use std::io::{self, Write};

use super::EncoderWriter;
use crate::base64::stream::test_util::{codecs, data, CHUNKINGS};
use crate::base64::{Alphabet, Codec, MIME, STANDARD};

fn one_shot(codec: Codec, mime: bool, input: &[u8]) -> Vec<u8> {
    if mime {
        codec.encode_mime(input).into_bytes()
    } else {
        codec.encode(input).into_bytes()
    }
}

fn streamed<'a>(codec: Codec, mime: bool, chunks: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut enc = EncoderWriter::new(Vec::new(), codec.with_mime(mime).encoder());
    for chunk in chunks {
        enc.write_all(chunk).unwrap();
    }
    enc.finish().unwrap()
}

#[test]
fn every_split_point_matches_one_shot() {
    let lens = (0..=10).chain([56, 57, 58, 113, 114, 115, 120]);
    for len in lens {
        let input = data(len, len as u64);
        for codec in codecs() {
            for mime in [false, true] {
                let expected = one_shot(codec, mime, &input);
                for at in 0..=len {
                    let (a, b) = input.split_at(at);
                    assert_eq!(
                        streamed(codec, mime, [a, b]),
                        expected,
                        "{codec:?} mime={mime} len={len} at={at}"
                    );
                }
            }
        }
    }
}

#[test]
fn every_three_way_split_of_short_inputs() {
    let input = data(12, 3);
    for codec in codecs() {
        for mime in [false, true] {
            let expected = one_shot(codec, mime, &input);
            for i in 0..=input.len() {
                for j in i..=input.len() {
                    let parts = [&input[..i], &input[i..j], &input[j..]];
                    assert_eq!(streamed(codec, mime, parts), expected);
                }
            }
        }
    }
}

#[test]
fn chunkings_match_one_shot() {
    // Longer than the output buffer, so writes are cut short and resumed.
    for len in [0, 1, 2, 5_000, 200_003] {
        let input = data(len, 42);
        for codec in codecs() {
            for mime in [false, true] {
                let expected = one_shot(codec, mime, &input);
                for chunking in CHUNKINGS {
                    let got = streamed(codec, mime, chunking.split(&input));
                    assert!(
                        got == expected,
                        "{codec:?} mime={mime} len={len} {chunking:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn empty_input_writes_nothing() {
    assert!(EncoderWriter::new(Vec::new(), STANDARD.encoder())
        .finish()
        .unwrap()
        .is_empty());
    assert!(EncoderWriter::new(Vec::new(), MIME.encoder())
        .finish()
        .unwrap()
        .is_empty());
}

#[test]
fn flush_keeps_the_partial_group() {
    let mut enc = EncoderWriter::new(Vec::new(), STANDARD.encoder());
    enc.write_all(b"hello").unwrap();
    enc.flush().unwrap();
    assert_eq!(enc.get_ref().unwrap(), b"aGVs");
    assert_eq!(enc.finish().unwrap(), b"aGVsbG8=");
}

#[test]
fn drop_finishes() {
    let mut sink = Vec::new();
    {
        let mut enc = EncoderWriter::new(&mut sink, MIME.encoder());
        enc.write_all(b"hello").unwrap();
    }
    assert_eq!(sink, b"aGVsbG8=\r\n");
}

/// Accepts at most `max` bytes per call and fails every `fail_every`-th
/// call, alternating between `Interrupted` and a hard error.
struct Flaky {
    out: Vec<u8>,
    max: usize,
    calls: usize,
    fail_every: usize,
}

impl Write for Flaky {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls.is_multiple_of(self.fail_every) {
            let kind = if self.calls.is_multiple_of(2 * self.fail_every) {
                io::ErrorKind::Interrupted
            } else {
                io::ErrorKind::Other
            };
            return Err(io::Error::new(kind, "flaky"));
        }
        let n = buf.len().min(self.max);
        self.out.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn failed_writes_can_be_retried_without_loss() {
    let input = data(300_000, 9);
    for mime in [false, true] {
        let codec = Codec::new(Alphabet::Standard);
        let flaky = Flaky {
            out: Vec::new(),
            max: 10_000,
            calls: 0,
            fail_every: 3,
        };
        let mut enc = EncoderWriter::new(flaky, codec.with_mime(mime).encoder());
        let mut rest = &input[..];
        while !rest.is_empty() {
            match enc.write(&rest[..rest.len().min(30_000)]) {
                Ok(n) => rest = &rest[n..],
                Err(e) => assert_eq!(e.to_string(), "flaky"),
            }
        }
        // Push out the rest through retried flushes, then stop failing so
        // that `finish` (which cannot be retried) gets through.
        while enc.flush().is_err() {}
        enc.get_mut().unwrap().fail_every = usize::MAX;
        let out = enc.finish().unwrap().out;
        assert!(out == one_shot(codec, mime, &input), "mime={mime}");
    }
}
