//! The base64 push decoder: every split gives the one-shot result and
//! the same absolute error offsets; errors stick.

use super::StreamDecoder;
use crate::base64::stream::test_util::{codecs, data, Chunking, CHUNKINGS};
use crate::base64::{Codec, DecodeError, DecodeErrorKind, MimeDecodeOptions};

fn decoder(codec: Codec, mime: bool) -> StreamDecoder {
    if mime {
        codec
            .with_mime_options(MimeDecodeOptions::default())
            .decoder()
    } else {
        codec.decoder()
    }
}

fn one_shot(codec: Codec, mime: bool, text: &[u8]) -> Result<Vec<u8>, DecodeError> {
    if mime {
        codec.decode_mime_with(text, MimeDecodeOptions::default())
    } else {
        codec.decode(text)
    }
}

fn streamed<'a>(
    codec: Codec,
    mime: bool,
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Vec<u8>, DecodeError> {
    let mut dec = decoder(codec, mime);
    let mut out = Vec::new();
    for chunk in chunks {
        dec.feed(chunk, &mut out)?;
    }
    dec.finish(&mut out)?;
    Ok(out)
}

fn encoded(codec: Codec, mime: bool, input: &[u8]) -> Vec<u8> {
    if mime {
        codec.encode_mime(input).into_bytes()
    } else {
        codec.encode(input).into_bytes()
    }
}

#[test]
fn every_split_point_matches_one_shot() {
    for len in (0..=10).chain([56, 57, 58, 100]) {
        let input = data(len, len as u64 + 1);
        for codec in codecs() {
            for mime in [false, true] {
                let text = encoded(codec, mime, &input);
                for at in 0..=text.len() {
                    let (a, b) = text.split_at(at);
                    let got = streamed(codec, mime, [a, b]);
                    assert_eq!(
                        got.as_deref(),
                        Ok(&input[..]),
                        "{codec:?} mime={mime} at={at}"
                    );
                }
            }
        }
    }
}

#[test]
fn chunkings_match_one_shot() {
    for len in [0, 1, 2, 3, 5_000, 100_001] {
        let input = data(len, 5);
        for codec in codecs() {
            for mime in [false, true] {
                let text = encoded(codec, mime, &input);
                for chunking in CHUNKINGS {
                    let got = streamed(codec, mime, chunking.split(&text)).unwrap();
                    assert!(got == input, "{codec:?} mime={mime} len={len} {chunking:?}");
                }
            }
        }
    }
}

/// Corrupts valid text in ways that fail at known places.
fn corruptions(text: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut cases = Vec::new();
    for at in [
        0,
        1,
        2,
        3,
        4,
        63,
        64,
        65,
        4095,
        4096,
        4097,
        text.len() / 2,
        text.len() - 3,
    ] {
        for byte in [b'*', b'='] {
            let mut bad = text.to_vec();
            bad[at] = byte;
            // Skip the one that puts `=` where it already was.
            if bad != text {
                cases.push((format!("{:?} at {at}", byte as char), bad));
            }
        }
    }
    let body = text.strip_suffix(b"\r\n").unwrap_or(text);
    for cut in [1, 2, 3] {
        let short = body[..body.len() - cut].to_vec();
        cases.push((format!("last {cut} characters cut"), short));
    }
    let mut extra = text.to_vec();
    extra.extend_from_slice(b"QQ==");
    cases.push(("data after padding".into(), extra));
    cases
}

#[test]
fn errors_match_one_shot_across_chunk_boundaries() {
    // 10_001 bytes end in a padded quantum, so padding errors show too.
    let input = data(10_001, 8);
    for codec in codecs() {
        for mime in [false, true] {
            for (what, bad) in corruptions(&encoded(codec, mime, &input)) {
                let expected = one_shot(codec, mime, &bad).expect_err(&what);
                for chunking in CHUNKINGS {
                    let got = streamed(codec, mime, chunking.split(&bad));
                    assert_eq!(
                        got,
                        Err(expected),
                        "{codec:?} mime={mime} {what} {chunking:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn error_offsets_are_absolute() {
    let codec = Codec::new(crate::base64::Alphabet::Standard);
    let mut dec = codec.decoder();
    let mut out = Vec::new();
    for _ in 0..1000 {
        dec.feed(b"QUJD", &mut out).unwrap();
    }
    assert_eq!(dec.offset(), 4000);
    let err = dec.feed(b"QU\nD", &mut out).unwrap_err();
    assert_eq!(
        (err.offset, err.kind),
        (4002, DecodeErrorKind::InvalidByte(b'\n'))
    );
    assert_eq!(out.len(), 3000, "a failed feed leaves the output as it was");
}

#[test]
fn errors_are_sticky() {
    let codec = Codec::new(crate::base64::Alphabet::Standard);
    let mut dec = codec.decoder();
    let mut out = Vec::new();
    let err = dec.feed(b"QU*D", &mut out).unwrap_err();
    assert_eq!(dec.feed(b"QUJD", &mut out), Err(err));
    assert_eq!(dec.feed(b"", &mut out), Err(err));
    assert_eq!(dec.feed_to_slice(b"QUJD", &mut [0; 8]), Err(err.into()));
    assert_eq!(dec.finish(&mut out), Err(err));
    assert!(out.is_empty());
}

#[test]
fn feed_to_slice_fits_max_output_in_every_state() {
    let codec = Codec::new(crate::base64::Alphabet::Standard);
    let text = encoded(codec, true, &data(1000, 4));
    for chunking in [Chunking::Fixed(5), Chunking::Random { max: 13, seed: 1 }] {
        let mut dec = codec
            .with_mime_options(MimeDecodeOptions::default())
            .decoder();
        let mut out = Vec::new();
        for chunk in chunking.split(&text) {
            let mut buf = vec![0; StreamDecoder::max_output(chunk.len())];
            let n = dec.feed_to_slice(chunk, &mut buf).unwrap();
            out.extend_from_slice(&buf[..n]);
        }
        dec.finish(&mut out).unwrap();
        assert_eq!(out, data(1000, 4));
    }
}

#[test]
fn lenient_mime_skips_invalid_bytes() {
    let codec = Codec::new(crate::base64::Alphabet::Standard);
    let lenient = MimeDecodeOptions {
        ignore_invalid: true,
    };
    let mut dec = codec.with_mime_options(lenient).decoder();
    let mut out = Vec::new();
    dec.feed(b"QU*", &mut out).unwrap();
    dec.feed(b"JD\r\n", &mut out).unwrap();
    dec.finish(&mut out).unwrap();
    assert_eq!(out, b"ABC");
}
