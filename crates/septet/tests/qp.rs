//! Quoted-printable: round trips, the shape of the encoding, RFC 2045
//! examples, lenient and strict decoding, split-invariance of the streaming
//! forms, and every kernel set this CPU runs against the scalar one.

use std::io::Write;

use proptest::prelude::*;
use septet::qp::{
    self, Codec, DecodeErrorKind, DecodeOptions, EncodeOptions, EncoderWriter, Mode, StreamDecoder,
};
use septet::simd::{self, Isa};

/// A small deterministic generator (xorshift64*), for sweeps that must not
/// depend on proptest's shrinking.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Mail-like bytes: words, blanks, CRLF and bare CR/LF, `=`, `.`,
    /// `From `, 8-bit bytes, long runs without breaks.
    fn mail(&mut self, len: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(len + 8);
        while v.len() < len {
            match self.below(20) {
                0..=7 => {
                    let n = 1 + self.below(12);
                    v.extend((0..n).map(|_| b'a' + self.below(26) as u8));
                }
                8..=10 => v.push(b' '),
                11 => v.push(b'\t'),
                12 => v.extend_from_slice(b"\r\n"),
                13 => v.push([b'\r', b'\n'][self.below(2)]),
                14 => v.push(b'='),
                15 => v.extend_from_slice(
                    [&b"."[..], b"From ", b"\r\n.", b"\r\nFrom "][self.below(4)],
                ),
                16 => v.push(0x80 + self.below(128) as u8),
                17 => v.extend(std::iter::repeat_n(b'x', self.below(90))),
                18 => v.extend(std::iter::repeat_n(b' ', self.below(4))),
                _ => v.push(self.below(256) as u8),
            }
        }
        v.truncate(len);
        v
    }

    /// QP-like text to decode: encodings of mail-like data, damaged by
    /// lower-case hex, junk escapes, trailing blanks, LF breaks, soft breaks
    /// with blanks, lone `=`.
    fn wire(&mut self, len: usize) -> Vec<u8> {
        let mut v = qp::encode(&self.mail(len), Mode::Text);
        for _ in 0..self.below(6) {
            if v.is_empty() {
                break;
            }
            let at = self.below(v.len() + 1);
            let junk: &[u8] = [
                &b"=3d"[..],
                b"=ZZ",
                b"==",
                b"  \r\n",
                b"\t\n",
                b"= \r\n",
                b"=\n",
                b"=",
                b"=4",
                b"\r",
                b"\xe9",
                b" ",
            ][self.below(12)];
            v.splice(at..at, junk.iter().copied());
        }
        v.truncate(len);
        v
    }
}

const ALL_ENCODE_OPTIONS: [EncodeOptions; 5] = [
    EncodeOptions::new(Mode::Text),
    EncodeOptions::new(Mode::Binary),
    EncodeOptions {
        mode: Mode::Text,
        bare_lf_is_line_break: true,
        encode_leading_dot: true,
        encode_leading_from: true,
    },
    EncodeOptions {
        mode: Mode::Text,
        bare_lf_is_line_break: false,
        encode_leading_dot: false,
        encode_leading_from: false,
    },
    EncodeOptions {
        mode: Mode::Binary,
        bare_lf_is_line_break: true,
        encode_leading_dot: false,
        encode_leading_from: true,
    },
];

const LENIENT: DecodeOptions = DecodeOptions { strict: false };
const STRICT: DecodeOptions = DecodeOptions { strict: true };

/// Checks the shape of an encoding: 7-bit printable, lines of at most 76
/// characters, escapes whole and upper-case, no literal blank before a line
/// break or at the end, and (with the guards) no `.`/`From ` line starts.
fn check_shape(encoded: &[u8], options: EncodeOptions) {
    let mut lines = encoded.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let last = lines.peek().is_none();
        let body = if last {
            line
        } else {
            line.strip_suffix(b"\r")
                .expect("every LF is part of a CRLF")
        };
        assert!(
            body.len() <= 76,
            "line of {} characters: {body:?}",
            body.len()
        );
        assert!(
            body.iter()
                .all(|&b| (33..=126).contains(&b) || b == b' ' || b == b'\t'),
            "{body:?}"
        );
        let before_break = body.strip_suffix(b"=").unwrap_or(body);
        assert!(
            !before_break.ends_with(b" ") && !before_break.ends_with(b"\t"),
            "literal blank at a line end: {body:?}"
        );
        let mut i = 0;
        while i < body.len() {
            if body[i] == b'=' && i + 1 < body.len() {
                let hex = &body[i + 1..i + 3.min(body.len() - i)];
                assert!(hex.len() == 2, "split escape in {body:?}");
                assert!(
                    hex.iter().all(|c| b"0123456789ABCDEF".contains(c)),
                    "{body:?}"
                );
                i += 3;
            } else {
                i += 1;
            }
        }
        if options.encode_leading_dot {
            assert!(!body.starts_with(b"."), "{body:?}");
        }
        if options.encode_leading_from {
            assert!(!body.starts_with(b"From "), "{body:?}");
        }
        if options.mode == Mode::Binary {
            assert!(last || body.ends_with(b"="), "hard break in binary mode");
        }
    }
}

fn bare_lf_to_crlf(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    for (i, &b) in input.iter().enumerate() {
        if b == b'\n' && (i == 0 || input[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

fn round_trip(input: &[u8], options: EncodeOptions) {
    let encoded = qp::encode_with(input, options);
    check_shape(&encoded, options);
    let expected = if options.mode == Mode::Text && options.bare_lf_is_line_break {
        bare_lf_to_crlf(input)
    } else {
        input.to_vec()
    };
    assert_eq!(qp::decode(&encoded).unwrap(), expected);
    // A conforming encoding passes strict decoding too.
    assert_eq!(qp::decode_with(&encoded, STRICT).unwrap(), expected);
}

fn crlf_lines() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 0..120), 0..6)
        .prop_map(|lines| lines.join(&b"\r\n"[..]))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn round_trips_arbitrary_bytes(input in prop::collection::vec(any::<u8>(), 0..600)) {
        for options in ALL_ENCODE_OPTIONS {
            round_trip(&input, options);
        }
    }

    #[test]
    fn round_trips_crlf_text(input in crlf_lines()) {
        round_trip(&input, EncodeOptions::new(Mode::Text));
        // Text mode keeps the CRLFs as hard breaks.
        let encoded = qp::encode(&input, Mode::Text);
        let breaks = |v: &[u8]| v.windows(2).filter(|w| w == b"\r\n").count();
        let soft = encoded.windows(3).filter(|w| w == b"=\r\n").count();
        prop_assert_eq!(breaks(&encoded) - soft, breaks(&input));
    }

    #[test]
    fn round_trips_mail_like_text(seed in any::<u64>(), len in 0usize..2000) {
        let input = Rng(seed | 1).mail(len);
        for options in ALL_ENCODE_OPTIONS {
            round_trip(&input, options);
        }
    }

    #[test]
    fn streaming_is_split_invariant(
        seed in any::<u64>(),
        len in 0usize..3000,
        cuts in prop::collection::vec(0usize..3000, 0..12),
    ) {
        let mut rng = Rng(seed | 1);
        let input = rng.mail(len);
        let wire = rng.wire(len);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(len)).collect();
        cuts.sort_unstable();
        for options in ALL_ENCODE_OPTIONS {
            prop_assert_eq!(stream_encode(&input, &cuts, options), qp::encode_with(&input, options));
        }
        let wire_cuts: Vec<usize> = cuts.iter().map(|&c| c.min(wire.len())).collect();
        for options in [LENIENT, STRICT] {
            prop_assert_eq!(stream_decode(&wire, &wire_cuts, options), qp::decode_with(&wire, options));
        }
    }
}

/// Encodes `input` through [`EncoderWriter`], writing at the `cuts`.
fn stream_encode(input: &[u8], cuts: &[usize], options: EncodeOptions) -> Vec<u8> {
    let mut enc = EncoderWriter::new(Vec::new(), options.into());
    let mut start = 0;
    for &cut in cuts.iter().chain([&input.len()]) {
        enc.write_all(&input[start..cut.max(start)]).unwrap();
        start = cut.max(start);
    }
    enc.finish().unwrap()
}

/// Decodes `input` through [`StreamDecoder`], fed in pieces cut at `cuts`.
fn stream_decode(
    input: &[u8],
    cuts: &[usize],
    options: DecodeOptions,
) -> Result<Vec<u8>, qp::DecodeError> {
    let mut dec = StreamDecoder::new(options);
    let mut out = Vec::new();
    let mut start = 0;
    for &cut in cuts.iter().chain([&input.len()]) {
        dec.feed(&input[start..cut.max(start)], &mut out)?;
        start = cut.max(start);
    }
    dec.finish(&mut out)?;
    Ok(out)
}

#[test]
fn streaming_every_split_point_and_byte_by_byte() {
    let mut rng = Rng(0x5eed);
    let mut cases: Vec<Vec<u8>> = vec![
        b"a \r\nb".to_vec(),
        b"From me\r\nFrom\r\n.\r\n".to_vec(),
        b"x=ZZ==41=3d  \r\n= \r\nz=".to_vec(),
        b"end \t".to_vec(),
        [&[b'q'; 74][..], b" \r\n", &[b'w'; 80][..]].concat(),
    ];
    cases.extend((0..40).map(|i| rng.mail(i * 5)));
    cases.extend((0..40).map(|i| rng.wire(i * 5)));
    for input in &cases {
        let every: Vec<usize> = (0..=input.len()).collect();
        for options in ALL_ENCODE_OPTIONS {
            let want = qp::encode_with(input, options);
            assert_eq!(stream_encode(input, &every, options), want, "{input:?}");
            for cut in 0..=input.len() {
                assert_eq!(
                    stream_encode(input, &[cut], options),
                    want,
                    "{input:?} at {cut}"
                );
            }
        }
        for options in [LENIENT, STRICT] {
            let want = qp::decode_with(input, options);
            assert_eq!(stream_decode(input, &every, options), want, "{input:?}");
            for cut in 0..=input.len() {
                assert_eq!(
                    stream_decode(input, &[cut], options),
                    want,
                    "{input:?} at {cut}"
                );
            }
        }
    }
}

#[test]
fn stream_decoder_errors_are_sticky_with_absolute_offsets() {
    let mut dec = StreamDecoder::new(STRICT);
    let mut out = Vec::new();
    dec.feed(b"abc\r\n", &mut out).unwrap();
    let err = dec.feed(b"d=G0", &mut out).unwrap_err();
    assert_eq!((err.offset, err.kind), (6, DecodeErrorKind::InvalidEscape));
    assert_eq!(dec.feed(b"ok", &mut out), Err(err));
    assert_eq!(dec.finish(&mut out), Err(err));
    assert_eq!(out, b"abc\r\n");
}

#[test]
fn rfc_2045_examples() {
    // 6.7 rule (5): soft line breaks.
    let wire = b"Now's the time =\r\nfor all folk to come=\r\n to the aid of their country.";
    assert_eq!(
        qp::decode_with(wire, STRICT).unwrap(),
        b"Now's the time for all folk to come to the aid of their country."
    );
    // 6.7 rule (1): an escape, and the note that lower case should be accepted.
    assert_eq!(qp::decode(b"=3D=3d").unwrap(), b"==");
    // 6.7 rule (3): white space before a hard break is encoded.
    assert_eq!(qp::encode(b"t \r\n", Mode::Text), b"t=20\r\n");
    // Long lines are broken with soft breaks.
    let long = [b'x'; 200];
    let wire = qp::encode(&long, Mode::Text);
    assert_eq!(wire.len(), 200 + 2 * 3);
    assert_eq!(qp::decode(&wire).unwrap(), long);
}

#[test]
fn lenient_decoding_cases() {
    let cases: [(&[u8], &[u8]); 12] = [
        (b"a=ZZb", b"a=ZZb"),
        (b"a==b", b"a==b"),
        (b"a==41", b"a=A"),
        (b"end=", b"end"),
        (b"x=4", b"x=4"),
        (b"caf=e9", b"caf\xe9"),
        (b"soft= \t\r\nbreak=\nend", b"softbreakend"),
        (b"trail  \r\nlf \nend\t ", b"trail\r\nlf\nend"),
        (b"line\nbreaks\r\nkept", b"line\nbreaks\r\nkept"),
        (b"8bit \xe9\x01", b"8bit \xe9\x01"),
        (b"bare\rcr", b"bare\rcr"),
        (b"= =", b"= "),
    ];
    for (wire, want) in cases {
        assert_eq!(
            qp::decode(wire).unwrap(),
            want,
            "{:?}",
            String::from_utf8_lossy(wire)
        );
    }
}

#[test]
fn strict_errors_with_offsets() {
    use DecodeErrorKind::*;
    let long = [&[b'a'; 76][..], b"b"].concat();
    let cases: [(&[u8], u64, DecodeErrorKind); 9] = [
        (b"ok\r\nx=ZZ", 5, InvalidEscape),
        (b"ok\r\nx==41", 5, InvalidEscape),
        (b"x=4", 1, InvalidEscape),
        (b"caf=e9", 3, LowercaseHex),
        (b"caf\xe9", 3, ByteMustBeEncoded(0xe9)),
        (b"a\rb", 1, ByteMustBeEncoded(b'\r')),
        (b"ab \t\r\n", 2, TrailingWhitespace),
        (b"ab=  \r\ncd", 3, TrailingWhitespace),
        (&long, 76, LineTooLong),
    ];
    for (wire, offset, kind) in cases {
        let err = qp::decode_with(wire, STRICT).unwrap_err();
        assert_eq!((err.offset, err.kind), (offset, kind), "{wire:?}");
        assert!(err.to_string().contains(&format!("offset {offset}")));
        assert!(qp::decode(wire).is_ok());
    }
}

fn codecs() -> Vec<(Isa, Codec)> {
    simd::available()
        .into_iter()
        .map(|isa| (isa, Codec::with_isa(isa).unwrap()))
        .collect()
}

/// Every kernel set against the scalar one, at every length 0..=300 and
/// every start misalignment 0..=63 of the input.
#[test]
fn every_kernel_matches_scalar_at_every_length_and_offset() {
    let scalar = Codec::with_isa(Isa::Scalar).unwrap();
    let mut rng = Rng(0xfeed_beef);
    let plain = rng.mail(300 + 64);
    let wire = rng.wire(300 + 64);
    for (isa, codec) in codecs().into_iter().filter(|(isa, _)| *isa != Isa::Scalar) {
        for offset in 0..64 {
            for len in 0..=300 {
                let input = &plain[offset..offset + len];
                for options in ALL_ENCODE_OPTIONS {
                    assert_eq!(
                        codec.encode_with(input, options),
                        scalar.encode_with(input, options),
                        "{isa} encode {options:?} of {input:?}"
                    );
                }
                let input = &wire[offset..offset + len];
                for options in [LENIENT, STRICT] {
                    assert_eq!(
                        codec.decode_with(input, options),
                        scalar.decode_with(input, options),
                        "{isa} decode {options:?} of {input:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn every_kernel_matches_scalar_on_large_inputs() {
    let scalar = Codec::with_isa(Isa::Scalar).unwrap();
    let mut rng = Rng(0x1a2b_3c4d);
    let inputs = [
        rng.mail(1 << 20),
        (0..1 << 20).map(|_| rng.next() as u8).collect(),
        vec![b'x'; 300_000],
    ];
    let wires = [rng.wire(1 << 20), qp::encode(&inputs[1], Mode::Binary)];
    for (isa, codec) in codecs().into_iter().filter(|(isa, _)| *isa != Isa::Scalar) {
        for input in &inputs {
            for options in ALL_ENCODE_OPTIONS {
                assert!(
                    codec.encode_with(input, options) == scalar.encode_with(input, options),
                    "{isa}"
                );
            }
        }
        for wire in &wires {
            for options in [LENIENT, STRICT] {
                assert!(
                    codec.decode_with(wire, options) == scalar.decode_with(wire, options),
                    "{isa}"
                );
            }
        }
    }
}

#[test]
fn appending_apis() {
    let mut out = b"head:".to_vec();
    qp::encode_into(b"a=b", Mode::Text, &mut out);
    assert_eq!(out, b"head:a=3Db");
    qp::decode_into(b"=41", &mut out).unwrap();
    assert_eq!(out, b"head:a=3DbA");
}

/// A codec forced onto an ISA this CPU cannot run: decoding (even lenient)
/// reports it, encoding runs the scalar table, nothing panics.
#[test]
fn forced_unusable_isa_is_reported_by_the_decoders() {
    let isa = Isa::ALL
        .into_iter()
        .find(|isa| !isa.is_supported())
        .expect("some ISA this CPU lacks");
    let err = septet::simd::IsaError::Unsupported(isa);
    for codec in [qp::TEXT, qp::BINARY] {
        let forced = codec.forcing_isa(isa);
        assert_eq!(
            forced.decode(b"a=41").unwrap_err().kind,
            DecodeErrorKind::Kernels(err)
        );
        let mut out = b"kept".to_vec();
        assert!(forced.decode_into(b"a", &mut out).is_err());
        assert_eq!(out, b"kept");
        let mut dec = forced.decoder();
        assert_eq!(
            dec.feed(b"a", &mut out).unwrap_err().kind,
            DecodeErrorKind::Kernels(err)
        );
        assert!(dec.finish(&mut out).is_err());
        assert_eq!(forced.encode(b"a=b \r\n"), codec.encode(b"a=b \r\n"));
        assert_eq!(forced.isa(), Isa::Scalar);
    }
}

/// The const codecs, their push codecs and the generic io adapters agree
/// with the free functions.
#[test]
fn const_codecs_and_push_codecs_match_the_free_functions() {
    use std::io::{Read, Write};
    let input = b"Gr\xc3\xbc\xc3\x9fe, From here.\r\n.dot \r\nx".repeat(50);
    for (codec, mode) in [(qp::TEXT, Mode::Text), (qp::BINARY, Mode::Binary)] {
        let want = qp::encode(&input, mode);
        assert_eq!(codec.encode(&input), want);
        for piece in [1, 3, 5, 64, 1000] {
            let mut enc = codec.encoder();
            let mut wire = Vec::new();
            for chunk in input.chunks(piece) {
                enc.feed(chunk, &mut wire);
            }
            enc.finish(&mut wire);
            assert!(wire == want, "{mode:?} pieces of {piece}");
            let mut dec = codec.decoder();
            let mut back = Vec::new();
            for chunk in wire.chunks(piece) {
                dec.feed(chunk, &mut back).unwrap();
            }
            dec.finish(&mut back).unwrap();
            assert!(back == input, "{mode:?} pieces of {piece}");
        }
        let mut w = septet::io::EncoderWriter::new(Vec::new(), codec.encoder());
        w.write_all(&input).unwrap();
        let wire = w.finish().unwrap();
        assert!(wire == want);
        let mut back = Vec::new();
        septet::io::DecoderReader::new(&wire[..], codec.decoder())
            .read_to_end(&mut back)
            .unwrap();
        assert!(back == input);
    }
}
