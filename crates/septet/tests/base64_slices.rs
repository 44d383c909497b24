//! The slice APIs never panic: every output size from 0 up gives either the
//! result or `OutputTooSmall` with the exact length needed; MIME decoding
//! fits an exact-size buffer however many line breaks the input has; a
//! codec forced onto an ISA this CPU lacks reports it from every fallible
//! entry point.

use septet::base64::{
    self as b64, url, Alphabet, Codec, DecodeErrorKind, DecodeSliceError, EncodeSliceError,
    MimeDecodeOptions, MIME, STANDARD, URL_SAFE,
};
use septet::codec::{PushDecoder, PushEncoder};
use septet::simd::{self, Isa, IsaError};

fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 5) as u8).collect()
}

type EncodeFn = fn(&[u8], &mut [u8]) -> Result<usize, EncodeSliceError>;
type DecodeFn = fn(&[u8], &mut [u8]) -> Result<usize, DecodeSliceError>;
type ReferenceFn = fn(&[u8]) -> String;

/// Every encode entry point, with the encoding it must produce.
fn encoders() -> Vec<(&'static str, EncodeFn, ReferenceFn)> {
    vec![
        ("encode_to_slice", b64::encode_to_slice, b64::encode),
        (
            "encode_mime_to_slice",
            b64::encode_mime_to_slice,
            b64::encode_mime,
        ),
        ("url::encode_to_slice", url::encode_to_slice, url::encode),
        (
            "STANDARD",
            |i, o| STANDARD.encode_to_slice(i, o),
            |i| STANDARD.encode(i),
        ),
        (
            "URL_SAFE",
            |i, o| URL_SAFE.encode_to_slice(i, o),
            |i| URL_SAFE.encode(i),
        ),
        (
            "MIME",
            |i, o| MIME.encode_to_slice(i, o),
            |i| MIME.encode(i),
        ),
    ]
}

/// Every decode entry point, with an encoder whose output it decodes.
fn decoders() -> Vec<(&'static str, DecodeFn, ReferenceFn)> {
    vec![
        ("decode_to_slice", b64::decode_to_slice, b64::encode),
        (
            "decode_mime_to_slice",
            b64::decode_mime_to_slice,
            b64::encode_mime,
        ),
        ("url::decode_to_slice", url::decode_to_slice, url::encode),
        (
            "STANDARD",
            |i, o| STANDARD.decode_to_slice(i, o),
            b64::encode,
        ),
        ("MIME", |i, o| MIME.decode_to_slice(i, o), b64::encode_mime),
        (
            "Codec::decode_mime_to_slice_with",
            |i, o| URL_SAFE.decode_mime_to_slice_with(i, o, MimeDecodeOptions::default()),
            url::encode_mime,
        ),
    ]
}

#[test]
fn encoders_report_the_length_needed_for_every_output_size() {
    for n in [0, 1, 2, 3, 4, 56, 57, 58, 100, 300] {
        let input = data(n);
        for (name, encode, reference) in encoders() {
            let want = reference(&input);
            for room in 0..=want.len() + 2 {
                let mut out = vec![0xa5; room];
                let got = encode(&input, &mut out);
                if room >= want.len() {
                    assert_eq!(got, Ok(want.len()), "{name} n={n} room={room}");
                    assert_eq!(&out[..want.len()], want.as_bytes());
                } else {
                    let needed = want.len();
                    assert_eq!(
                        got,
                        Err(EncodeSliceError::OutputTooSmall { needed }),
                        "{name} n={n} room={room}"
                    );
                }
            }
        }
    }
}

#[test]
fn decoders_report_the_exact_length_needed_for_every_output_size() {
    for n in [0, 1, 2, 3, 4, 56, 57, 58, 100, 300] {
        let input = data(n);
        for (name, decode, encode) in decoders() {
            let text = encode(&input);
            for room in 0..=b64::decoded_len_estimate(text.len()) + 2 {
                let mut out = vec![0xa5; room];
                let got = decode(text.as_bytes(), &mut out);
                if room >= n {
                    assert_eq!(got, Ok(n), "{name} n={n} room={room}");
                    assert_eq!(&out[..n], &input[..]);
                } else {
                    assert_eq!(
                        got,
                        Err(DecodeSliceError::OutputTooSmall { needed: n }),
                        "{name} n={n} room={room}"
                    );
                }
            }
        }
    }
}

#[test]
fn invalid_input_is_a_decode_error_whatever_the_room() {
    for room in [0, 1, 3, 100] {
        let mut out = vec![0; room];
        let got = b64::decode_to_slice(b"QUJD*A==", &mut out);
        match got {
            Err(DecodeSliceError::Decode(e)) => {
                assert_eq!((e.offset, e.kind), (4, DecodeErrorKind::InvalidByte(b'*')))
            }
            other => panic!("room {room}: {other:?}"),
        }
    }
}

#[test]
fn mime_decodes_into_an_exact_buffer_despite_many_line_breaks() {
    for n in [1, 2, 3, 57, 1000, 10_000, 100_003] {
        let input = data(n);
        let plain = b64::encode(&input);
        // A line break after every character: 3 times the text, so the
        // decoded length is a ninth of the input or so.
        for shape in 0..3 {
            let mut text = Vec::new();
            for (i, &c) in plain.as_bytes().iter().enumerate() {
                text.push(c);
                match shape {
                    0 => text.extend_from_slice(b"\r\n"),
                    1 if i % 4 == 3 => text.extend_from_slice(b" \t\n"),
                    _ if i % 76 == 75 => text.extend_from_slice(b"\r\n"),
                    _ => {}
                }
            }
            let mut exact = vec![0; n];
            assert_eq!(
                b64::decode_mime_to_slice(&text, &mut exact),
                Ok(n),
                "n={n} shape={shape}"
            );
            assert!(exact == input, "n={n} shape={shape}");
            for isa in simd::available() {
                let codec = MIME.pinned(isa).unwrap();
                let mut exact = vec![0; n];
                assert_eq!(codec.decode_to_slice(&text, &mut exact), Ok(n), "{isa}");
                assert!(exact == input, "{isa} n={n} shape={shape}");
                let mut short = vec![0; n - 1];
                assert_eq!(
                    codec.decode_to_slice(&text, &mut short),
                    Err(DecodeSliceError::OutputTooSmall { needed: n }),
                    "{isa} n={n} shape={shape}"
                );
            }
        }
    }
}

/// An ISA this CPU cannot run (NEON never runs on x86_64, AVX-512 never on
/// aarch64 here), so the forced codec's kernels are unusable.
fn unusable() -> Isa {
    Isa::ALL
        .into_iter()
        .find(|isa| !isa.is_supported())
        .expect("some ISA this CPU lacks")
}

#[test]
fn a_forced_unusable_isa_is_an_error_of_every_fallible_entry_point() {
    let isa = unusable();
    let kernels = DecodeErrorKind::Kernels(IsaError::Unsupported(isa));
    for codec in [STANDARD, URL_SAFE, MIME, Codec::new(Alphabet::UrlSafe)] {
        let forced = codec.forcing_isa(isa);
        let text = codec.encode(b"hello");
        let mut out = [0u8; 64];
        assert_eq!(forced.decode(text.as_bytes()).unwrap_err().kind, kernels);
        assert_eq!(
            forced.decode_to_slice(text.as_bytes(), &mut out),
            Err(DecodeSliceError::Decode(b64::DecodeError {
                offset: 0,
                kind: kernels
            }))
        );
        assert_eq!(
            forced.encode_to_slice(b"hello", &mut out),
            Err(EncodeSliceError::Isa(IsaError::Unsupported(isa)))
        );
        let lenient = MimeDecodeOptions {
            ignore_invalid: true,
        };
        let err = forced
            .decode_mime_with(text.as_bytes(), lenient)
            .unwrap_err();
        assert_eq!(err.kind, kernels);
        // The push decoder reports it on its first call, and keeps it.
        let mut dec = forced.decoder();
        let mut sink = Vec::new();
        assert_eq!(
            dec.feed(text.as_bytes(), &mut sink).unwrap_err().kind,
            kernels
        );
        assert_eq!(
            PushDecoder::finish(&mut dec, &mut sink).unwrap_err().kind,
            kernels
        );
        assert!(sink.is_empty());
        // The infallible functions run the scalar table: same output.
        assert_eq!(forced.encode(b"hello"), text);
        assert_eq!(forced.isa(), Isa::Scalar);
        let mut enc = forced.encoder();
        let mut wire = Vec::new();
        PushEncoder::feed(&mut enc, b"hello", &mut wire);
        PushEncoder::finish(&mut enc, &mut wire);
        assert_eq!(wire, text.as_bytes());
        // As an io::Error it is "unsupported", not "invalid data".
        let io: std::io::Error = err.into();
        assert_eq!(io.kind(), std::io::ErrorKind::Unsupported);
    }
    // Checking eagerly is an error too.
    assert_eq!(
        Codec::with_isa(Alphabet::Standard, isa).unwrap_err(),
        IsaError::Unsupported(isa)
    );
}

#[test]
fn const_codecs_match_the_free_functions() {
    let input = data(1000);
    assert_eq!(STANDARD.encode(&input), b64::encode(&input));
    assert_eq!(URL_SAFE.encode(&input), url::encode(&input));
    assert_eq!(MIME.encode(&input), b64::encode_mime(&input));
    assert_eq!(MIME.encoded_len(1000), b64::mime_encoded_len(1000));
    assert_eq!(STANDARD.encoded_len(1000), b64::encoded_len(1000));
    let mut out = b"head".to_vec();
    MIME.encode_into(&input, &mut out);
    assert_eq!(&out[4..], b64::encode_mime(&input).as_bytes());
    let mut back = b"head".to_vec();
    MIME.decode_into(&out[4..], &mut back).unwrap();
    assert!(back[4..] == input[..]);
    let before = back.clone();
    assert!(STANDARD.decode_into(b"QU*D", &mut back).is_err());
    assert_eq!(
        back, before,
        "a failed decode_into leaves the output as it was"
    );
    assert!(MIME.is_mime() && !STANDARD.is_mime());
}
