//! The public base64 API: RFC 4648 test vectors, round trips (proptest),
//! lengths, MIME line structure, error values and messages, buffer-size
//! panics, and the documented strictness of each decoder.

mod common;

use common::model::{self, Mode};
use common::{codecs, hex, ALPHABETS};
use proptest::prelude::*;
use septet::base64::{
    self as b64, decoded_len_estimate, encoded_len, mime_encoded_len, url, Alphabet, Codec,
    DecodeError, DecodeErrorKind, DecodeSliceError, EncodeSliceError, MimeDecodeOptions,
};
use septet::simd::{self, Isa, IsaError};

const LENIENT: MimeDecodeOptions = MimeDecodeOptions {
    ignore_invalid: true,
};

/// RFC 4648 section 10, plus the section 9 examples that use `+` and `/`.
const VECTORS: [(&[u8], &str, &str); 10] = [
    (b"", "", ""),
    (b"f", "Zg==", "Zg=="),
    (b"fo", "Zm8=", "Zm8="),
    (b"foo", "Zm9v", "Zm9v"),
    (b"foob", "Zm9vYg==", "Zm9vYg=="),
    (b"fooba", "Zm9vYmE=", "Zm9vYmE="),
    (b"foobar", "Zm9vYmFy", "Zm9vYmFy"),
    (b"\x14\xfb\x9c\x03\xd9\x7e", "FPucA9l+", "FPucA9l-"),
    (b"\x14\xfb\x9c\x03\xd9", "FPucA9k=", "FPucA9k="),
    (b"\x14\xfb\x9c\x03", "FPucAw==", "FPucAw=="),
];

fn err(offset: u64, kind: DecodeErrorKind) -> Result<Vec<u8>, DecodeError> {
    Err(DecodeError { offset, kind })
}

#[test]
fn rfc4648_vectors_every_kernel() {
    for (data, std, url_safe) in VECTORS {
        let mime = |t: &str| {
            if t.is_empty() {
                String::new()
            } else {
                format!("{t}\r\n")
            }
        };
        for alphabet in ALPHABETS {
            let text = if alphabet == Alphabet::Standard {
                std
            } else {
                url_safe
            };
            for c in codecs(alphabet) {
                let ctx = format!("{} {alphabet:?}: {data:x?}", c.isa());
                assert_eq!(c.encode(data), text, "{ctx}");
                assert_eq!(c.decode(text.as_bytes()).unwrap(), data, "{ctx}");
                assert_eq!(c.encode_mime(data), mime(text), "{ctx}");
                let m = mime(text);
                assert_eq!(
                    c.decode_mime_with(m.as_bytes(), Default::default())
                        .unwrap(),
                    data
                );
                assert_eq!(c.decode_mime_with(m.as_bytes(), LENIENT).unwrap(), data);
                let mut out = [0u8; 16];
                assert_eq!(c.encode_to_slice(data, &mut out), Ok(text.len()), "{ctx}");
                assert_eq!(&out[..text.len()], text.as_bytes(), "{ctx}");
                let n = c.decode_to_slice(text.as_bytes(), &mut out).unwrap();
                assert_eq!(&out[..n], data, "{ctx}");
            }
        }
        assert_eq!(b64::encode(data), std);
        assert_eq!(b64::decode(std.as_bytes()).unwrap(), data);
        assert_eq!(b64::encode_mime(data), mime(std));
        assert_eq!(b64::decode_mime(mime(std).as_bytes()).unwrap(), data);
        assert_eq!(url::encode(data), url_safe);
        assert_eq!(url::decode(url_safe.as_bytes()).unwrap(), data);
        assert_eq!(url::encode_mime(data), mime(url_safe));
        assert_eq!(url::decode_mime(mime(url_safe).as_bytes()).unwrap(), data);
    }
    // Each alphabet rejects the other's two characters.
    let plus = err(7, DecodeErrorKind::InvalidByte(b'+'));
    assert_eq!(url::decode(b"FPucA9l+"), plus);
    let dash = err(7, DecodeErrorKind::InvalidByte(b'-'));
    assert_eq!(b64::decode(b"FPucA9l-"), dash);
}

#[test]
fn to_slice_free_functions() {
    let data = b"The quick brown fox jumps over the lazy dog, twice over. 0123456789";
    let mut out = vec![0u8; 200];
    let n = b64::encode_to_slice(data, &mut out).unwrap();
    let text = out[..n].to_vec();
    assert_eq!(text, model::encode(data, Alphabet::Standard));
    let n = b64::decode_to_slice(&text, &mut out).unwrap();
    assert_eq!(&out[..n], data);
    let n = b64::encode_mime_to_slice(data, &mut out).unwrap();
    let mime = out[..n].to_vec();
    assert_eq!(mime, model::encode_mime(data, Alphabet::Standard));
    let n = b64::decode_mime_to_slice(&mime, &mut out).unwrap();
    assert_eq!(&out[..n], data);
    let n = url::encode_to_slice(data, &mut out).unwrap();
    let text = out[..n].to_vec();
    assert_eq!(text, model::encode(data, Alphabet::UrlSafe));
    let n = url::decode_to_slice(&text, &mut out).unwrap();
    assert_eq!(&out[..n], data);
}

#[test]
fn lengths_match_outputs() {
    for n in 0..700 {
        let data = vec![0x5a; n];
        assert_eq!(b64::encode(&data).len(), encoded_len(n), "n = {n}");
        let mime = b64::encode_mime(&data);
        assert_eq!(mime.len(), mime_encoded_len(n), "n = {n}");
        let text = b64::encode(&data);
        assert!(decoded_len_estimate(text.len()) >= n);
        assert!(decoded_len_estimate(text.len()) <= n + 2);
        // The exact-size buffer is enough.
        let mut out = vec![0u8; decoded_len_estimate(mime.len())];
        assert_eq!(b64::decode_mime_to_slice(mime.as_bytes(), &mut out), Ok(n));
    }
    assert_eq!(decoded_len_estimate(1), 3);
    assert_eq!(decoded_len_estimate(0), 0);
    assert_eq!(mime_encoded_len(57 * 3), 78 * 3);
    assert_eq!(mime_encoded_len(57 * 3 + 1), 78 * 3 + 6);
}

#[test]
fn mime_lines_are_76_columns_with_crlf() {
    for n in 0..=400 {
        let data: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
        let mime = b64::encode_mime(&data);
        if n == 0 {
            assert_eq!(mime, "");
            continue;
        }
        assert!(mime.ends_with("\r\n"), "n = {n}");
        let lines: Vec<&str> = mime.split_terminator("\r\n").collect();
        for (i, line) in lines.iter().enumerate() {
            let last = i + 1 == lines.len();
            assert!(!line.contains(['\r', '\n']), "n = {n}: bare CR or LF");
            if last {
                assert!(
                    (1..=76).contains(&line.len()),
                    "n = {n}: last line {line:?}"
                );
            } else {
                assert_eq!(line.len(), 76, "n = {n}: line {i}");
            }
        }
        assert_eq!(lines.concat(), b64::encode(&data), "n = {n}");
    }
}

#[test]
fn error_kinds_offsets_and_messages() {
    use DecodeErrorKind::*;
    let cases: [(&[u8], u64, DecodeErrorKind, &str); 12] = [
        (
            b"QUJD*A==",
            4,
            InvalidByte(b'*'),
            "invalid byte 0x2a ('*') at offset 4",
        ),
        (
            b"QUJD\xffA==",
            4,
            InvalidByte(0xff),
            "invalid byte 0xff at offset 4",
        ),
        (
            b"QUJD QQ==",
            4,
            InvalidByte(b' '),
            "invalid byte 0x20 (' ') at offset 4",
        ),
        (
            b"QUJD\nQQ==",
            4,
            InvalidByte(b'\n'),
            "invalid byte 0x0a at offset 4",
        ),
        (
            b"QUJDQ",
            4,
            InvalidLength,
            "invalid length: a lone base64 character at offset 4",
        ),
        (b"QQ", 2, InvalidPadding, "invalid padding at offset 2"),
        (b"QQ=", 3, InvalidPadding, "invalid padding at offset 3"),
        (
            b"QQ==QQ==",
            4,
            InvalidPadding,
            "invalid padding at offset 4",
        ),
        (b"Q===", 1, InvalidPadding, "invalid padding at offset 1"),
        (b"QUJD=", 4, InvalidPadding, "invalid padding at offset 4"),
        (
            b"QR==",
            1,
            NonCanonicalTrailingBits,
            "non-canonical trailing bits",
        ),
        (
            b"QUJ=",
            2,
            NonCanonicalTrailingBits,
            "in the character at offset 2",
        ),
    ];
    for (input, offset, kind, message) in cases {
        for c in codecs(Alphabet::Standard) {
            let e = c.decode(input).unwrap_err();
            assert_eq!((e.offset, e.kind), (offset, kind), "{} {input:?}", c.isa());
            assert!(e.to_string().contains(message), "{e} vs {message:?}");
        }
        let io: std::io::Error = b64::decode(input).unwrap_err().into();
        assert_eq!(io.kind(), std::io::ErrorKind::InvalidData);
        assert!(io.to_string().contains(message));
        assert_eq!(
            b64::decode(input),
            model::decode(input, Alphabet::Standard, Mode::Strict)
        );
    }
    let e: &dyn std::error::Error = &b64::decode(b"*").unwrap_err();
    assert!(e.source().is_none());
}

#[test]
fn mime_decoding_rules() {
    use DecodeErrorKind::*;
    // Whitespace anywhere, padding split over lines.
    assert_eq!(
        b64::decode_mime(b" Q U\tJ\r\nD Q\nQ =\r\n=\r\n\t").unwrap(),
        b"ABCA"
    );
    // Other bytes are errors unless ignored; `=` and the padding rules stay.
    assert_eq!(
        b64::decode_mime(b"QUJD\r\n*QQ=="),
        err(6, InvalidByte(b'*'))
    );
    assert_eq!(
        b64::decode_mime_with(b"QUJD\r\n*QQ==", LENIENT).unwrap(),
        b"ABCA"
    );
    assert_eq!(b64::decode_mime_with(b"QQ==*\xff.", LENIENT).unwrap(), b"A");
    assert_eq!(
        b64::decode_mime_with(b"QQ==Q", LENIENT),
        err(4, InvalidPadding)
    );
    assert_eq!(
        b64::decode_mime_with(b"QR==", LENIENT),
        err(1, NonCanonicalTrailingBits)
    );
    assert_eq!(
        b64::decode_mime_with(b"Q\r\n", LENIENT),
        err(0, InvalidLength)
    );
    assert_eq!(
        b64::decode_mime_with(b"QQ\r\n", LENIENT),
        err(4, InvalidPadding)
    );
    assert_eq!(b64::decode_mime(b"\r\n \t"), Ok(vec![]));
    assert_eq!(
        MimeDecodeOptions::default(),
        MimeDecodeOptions {
            ignore_invalid: false
        }
    );
    // URL-safe MIME: `+` is not in that alphabet.
    assert_eq!(url::decode_mime(b"-_8=\r\n").unwrap(), [0xfb, 0xff]);
    assert_eq!(url::decode_mime(b"+/8=\r\n"), err(0, InvalidByte(b'+')));
}

// These three used to panic (the output had to hold the length bound);
// the slice functions now never panic and say how much room they need.
#[test]
fn encode_to_slice_too_small_is_an_error() {
    let too_small = EncodeSliceError::OutputTooSmall { needed: 8 };
    assert_eq!(b64::encode_to_slice(b"abcd", &mut [0u8; 7]), Err(too_small));
    assert_eq!(
        too_small.to_string(),
        "output too small: the encoding needs 8 bytes"
    );
}

#[test]
fn encode_mime_to_slice_too_small_is_an_error() {
    let too_small = Err(EncodeSliceError::OutputTooSmall { needed: 10 });
    assert_eq!(b64::encode_mime_to_slice(b"abcd", &mut [0u8; 8]), too_small);
}

#[test]
fn decode_to_slice_needs_only_the_true_output() {
    // The true output (4 bytes) fits, though decoded_len_estimate is 6.
    let mut out = [0u8; 5];
    assert_eq!(b64::decode_to_slice(b"QUJDQQ==", &mut out), Ok(4));
    assert_eq!(&out[..4], b"ABCA");
    assert_eq!(
        b64::decode_to_slice(b"QUJDQQ==", &mut [0u8; 3]),
        Err(DecodeSliceError::OutputTooSmall { needed: 4 })
    );
}

#[test]
fn codec_accessors_and_isa_errors() {
    for alphabet in ALPHABETS {
        let c = Codec::new(alphabet);
        assert_eq!(c.alphabet(), alphabet);
        assert_eq!(c.isa(), simd::active());
        for isa in Isa::ALL {
            match Codec::with_isa(alphabet, isa) {
                Ok(c) => {
                    assert!(simd::available().contains(&isa));
                    assert_eq!((c.isa(), c.alphabet()), (isa, alphabet));
                }
                Err(e) => {
                    assert_eq!(e, IsaError::Unsupported(isa));
                    assert!(e.to_string().contains(isa.name()), "{e}");
                    assert!(!simd::available().contains(&isa));
                }
            }
        }
    }
    for isa in Isa::ALL {
        assert_eq!(Isa::from_name(&isa.to_string()), Some(isa));
    }
    let e = IsaError::UnknownName("mmx");
    assert!(e.to_string().contains("\"mmx\""), "{e}");
    assert_eq!(Alphabet::default(), Alphabet::Standard);
    assert_eq!(Alphabet::UrlSafe.encode_table()[62..], *b"-_");
}

/// The characters that matter to a strict decoder of either alphabet.
const TRICKY: &[u8] = b"AQgw/+-_=9zZ";

/// Text made of those characters, or a valid encoding with a few of them
/// inserted or substituted, so that a good share of the cases decode.
fn b64ish(max: usize) -> impl Strategy<Value = Vec<u8>> {
    let chars = prop::sample::select(TRICKY.to_vec());
    let random = prop::collection::vec(chars, 0..max);
    let edit = (any::<prop::sample::Index>(), any::<bool>(), any::<u8>());
    let edited = (
        prop::collection::vec(any::<u8>(), 0..max),
        any::<bool>(),
        prop::collection::vec(edit, 0..3),
    )
        .prop_map(|(data, url, edits)| {
            let alphabet = if url {
                Alphabet::UrlSafe
            } else {
                Alphabet::Standard
            };
            let mut text = model::encode(&data, alphabet);
            for (at, insert, b) in edits {
                let b = TRICKY[usize::from(b) % TRICKY.len()];
                if insert || text.is_empty() {
                    text.insert(at.index(text.len() + 1), b);
                } else {
                    let i = at.index(text.len());
                    text[i] = b;
                }
            }
            text
        });
    prop_oneof![random, edited]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn round_trips_every_kernel(data in prop::collection::vec(any::<u8>(), 0..3000)) {
        for alphabet in ALPHABETS {
            for c in codecs(alphabet) {
                let text = c.encode(&data);
                prop_assert_eq!(c.decode(text.as_bytes()), Ok(data.clone()), "{}", c.isa());
                let mime = c.encode_mime(&data);
                let opts = MimeDecodeOptions::default();
                prop_assert_eq!(c.decode_mime_with(mime.as_bytes(), opts), Ok(data.clone()));
                prop_assert_eq!(c.decode_mime_with(mime.as_bytes(), LENIENT), Ok(data.clone()));
                prop_assert_eq!(c.decode_mime_with(text.as_bytes(), opts), Ok(data.clone()));
            }
        }
    }

    #[test]
    fn round_trips_free_functions(data in prop::collection::vec(any::<u8>(), 0..3000)) {
        let text = b64::encode(&data);
        prop_assert_eq!(text.as_bytes(), &model::encode(&data, Alphabet::Standard)[..]);
        prop_assert_eq!(b64::decode(text.as_bytes()), Ok(data.clone()));
        let mime = b64::encode_mime(&data);
        prop_assert_eq!(b64::decode_mime(mime.as_bytes()), Ok(data.clone()));
        prop_assert_eq!(b64::decode_mime_with(mime.as_bytes(), LENIENT), Ok(data.clone()));
        let text = url::encode(&data);
        prop_assert_eq!(text.as_bytes(), &model::encode(&data, Alphabet::UrlSafe)[..]);
        prop_assert_eq!(url::decode(text.as_bytes()), Ok(data.clone()));
        prop_assert_eq!(url::decode_mime(url::encode_mime(&data).as_bytes()), Ok(data));
    }

    /// Strict decoding accepts exactly the canonical encodings, and agrees
    /// with the model on everything else (errors included).
    #[test]
    fn strict_decode_accepts_only_canonical(text in b64ish(40)) {
        for alphabet in ALPHABETS {
            let want = model::decode(&text, alphabet, Mode::Strict);
            for c in codecs(alphabet) {
                let got = c.decode(&text);
                prop_assert_eq!(&got, &want, "{} {:?} {}", c.isa(), alphabet, hex(&text));
                if let Ok(data) = got {
                    prop_assert_eq!(c.encode(&data).into_bytes(), text.clone());
                }
            }
        }
    }

    /// MIME decoding is strict decoding of the text with whitespace removed
    /// (lenient: with everything but the alphabet and `=` removed).
    #[test]
    fn mime_decode_is_strict_decode_without_skipped_bytes(
        text in b64ish(40),
        noise in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..20),
    ) {
        let mut noisy = text.clone();
        for (at, b) in noise {
            let b = if b % 2 == 0 { b"\r\n \t"[usize::from(b / 2 % 4)] } else { b };
            noisy.insert(at.index(noisy.len() + 1), b);
        }
        for alphabet in ALPHABETS {
            let table = alphabet.encode_table();
            let keep = |skip: &dyn Fn(u8) -> bool| -> Vec<u8> {
                noisy.iter().copied().filter(|&b| !skip(b)).collect()
            };
            let spaces = keep(&|b| b"\r\n \t".contains(&b));
            let junk = keep(&|b| !table.contains(&b) && b != b'=');
            for c in codecs(alphabet) {
                let mime = c.decode_mime_with(&noisy, Default::default());
                prop_assert_eq!(mime.clone().ok(), c.decode(&spaces).ok());
                prop_assert_eq!(&mime, &model::decode(&noisy, alphabet, Mode::Mime));
                let lenient = c.decode_mime_with(&noisy, LENIENT);
                prop_assert_eq!(lenient.clone().ok(), c.decode(&junk).ok());
                prop_assert_eq!(&lenient, &model::decode(&noisy, alphabet, Mode::MimeLenient));
            }
        }
    }
}
