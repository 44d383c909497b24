//! Unit tests of the one-shot API and the decode state machine.

use super::*;

fn enc(input: &[u8]) -> Vec<u8> {
    encode(input, Mode::Text)
}

fn dec(input: &[u8]) -> Vec<u8> {
    decode(input).unwrap()
}

fn strict(input: &[u8]) -> Result<Vec<u8>, (u64, DecodeErrorKind)> {
    decode_with(input, DecodeOptions { strict: true }).map_err(|e| (e.offset, e.kind))
}

fn lines(encoded: &[u8]) -> Vec<&[u8]> {
    encoded.split(|&b| b == b'\n').collect()
}

#[test]
fn literal_and_escaped_bytes() {
    assert_eq!(enc(b"hello"), b"hello");
    assert_eq!(enc(b"a=b"), b"a=3Db");
    assert_eq!(enc(b"\x00\x7f\xff~!"), b"=00=7F=FF~!");
    assert_eq!(enc(b"a\rb\nc\r\nd"), b"a=0Db=0Ac\r\nd");
    assert_eq!(encode(b"a\r\nb", Mode::Binary), b"a=0D=0Ab");
}

#[test]
fn blanks() {
    assert_eq!(enc(b"a b\tc"), b"a b\tc");
    assert_eq!(enc(b"a \r\nb\t\r\n"), b"a=20\r\nb=09\r\n");
    assert_eq!(enc(b"end "), b"end=20");
    assert_eq!(enc(b"  "), b" =20");
    assert_eq!(enc(b" "), b"=20");
    // A bare CR is data: the space before it is not at a line end.
    assert_eq!(enc(b"a \rb"), b"a =0Db");
    let unix = EncodeOptions {
        bare_lf_is_line_break: true,
        ..EncodeOptions::default()
    };
    assert_eq!(encode_with(b"a \nb", unix), b"a=20\r\nb");
}

#[test]
fn guards() {
    assert_eq!(enc(b".\r\n.."), b"=2E\r\n=2E.");
    assert_eq!(
        enc(b"From me\r\nFrom\r\nFromage"),
        b"=46rom me\r\nFrom\r\nFromage"
    );
    assert_eq!(enc(b"a.From "), b"a.From=20");
    let off = EncodeOptions {
        encode_leading_dot: false,
        encode_leading_from: false,
        ..EncodeOptions::default()
    };
    assert_eq!(encode_with(b".\r\nFrom x", off), b".\r\nFrom x");
}

#[test]
fn greedy_line_filling() {
    // 76 characters fit when the line ends there, 75 before a soft break.
    let exact = [b'a'; 76];
    assert_eq!(enc(&exact), exact);
    let mut crlf = exact.to_vec();
    crlf.extend_from_slice(b"\r\nb");
    assert_eq!(enc(&crlf), crlf);
    let long = [b'a'; 77];
    let out = enc(&long);
    assert_eq!(&out[..78], &[&[b'a'; 75][..], b"=\r\n"].concat()[..]);
    assert_eq!(&out[78..], b"aa");
    // An escape is never split: 74 'a' + "=3D" needs 77 columns.
    let mut esc = vec![b'a'; 74];
    esc.push(b'=');
    esc.push(b'b');
    assert_eq!(enc(&esc), [&[b'a'; 74][..], b"=\r\n=3Db"].concat());
    // ...but ends a line exactly at column 76 before a hard break.
    let mut fin = vec![b'a'; 73];
    fin.extend_from_slice(b"=\r\n");
    assert_eq!(enc(&fin), [&[b'a'; 73][..], b"=3D\r\n"].concat());
}

#[test]
fn no_literal_blank_before_a_soft_break() {
    for n in 60..80 {
        for tail in [&b" x"[..], b"  x", b" =", b"\t\tyy", b" \x00z"] {
            let mut input = vec![b'a'; n];
            input.extend_from_slice(tail);
            input.extend_from_slice(&[b'q'; 100]);
            let out = enc(&input);
            for line in lines(&out) {
                assert!(line.len() <= 77, "{line:?}");
                let body = line.strip_suffix(b"\r").unwrap_or(line);
                assert!(body.len() <= 76);
                let before = body.strip_suffix(b"=").unwrap_or(body);
                assert!(!before.ends_with(b" ") && !before.ends_with(b"\t"));
            }
            assert_eq!(dec(&out), input);
        }
    }
}

#[test]
fn lenient_decoding() {
    assert_eq!(dec(b"=3D=3d"), b"==");
    assert_eq!(dec(b"a=ZZb"), b"a=ZZb");
    assert_eq!(dec(b"==41"), b"=A");
    assert_eq!(dec(b"end="), b"end");
    assert_eq!(dec(b"end=  \t"), b"end");
    assert_eq!(dec(b"x=4"), b"x=4");
    assert_eq!(dec(b"x=4\r\ny"), b"x=4\r\ny");
    assert_eq!(dec(b"soft=  \r\nbreak=\nhere"), b"softbreakhere");
    assert_eq!(dec(b"trail \t\r\nlf  \nend  "), b"trail\r\nlf\nend");
    assert_eq!(dec(b"a \rb"), b"a \rb");
    assert_eq!(dec(b"a=\rb"), b"a=\rb");
    assert_eq!(dec(b"= x"), b"= x");
    assert_eq!(dec(b"8bit \xe9\x00"), b"8bit \xe9\x00");
    assert_eq!(dec(b"a =\r\nb"), b"a b");
    assert_eq!(dec(b"\r\r\n"), b"\r\r\n");
}

#[test]
fn long_white_space_runs_keep_their_head() {
    let mut input = b"a=".to_vec();
    input.extend(std::iter::repeat_n(b' ', 1030));
    input.extend_from_slice(b"\r\nz");
    let mut want = b"a=".to_vec();
    want.extend(std::iter::repeat_n(b' ', 6));
    want.extend_from_slice(b"\r\nz");
    assert_eq!(dec(&input), want);
}

#[test]
fn strict_errors() {
    use DecodeErrorKind::*;
    assert_eq!(strict(b"ok=41=\r\nok\r\n").unwrap(), b"okAok\r\n");
    assert_eq!(strict(b"lf\nok=").unwrap(), b"lf\nok");
    assert_eq!(strict(b"ab=ZZ"), Err((2, InvalidEscape)));
    assert_eq!(strict(b"ab=4"), Err((2, InvalidEscape)));
    assert_eq!(strict(b"ab=3d"), Err((2, LowercaseHex)));
    assert_eq!(strict(b"ab=d3"), Err((2, LowercaseHex)));
    assert_eq!(strict(b"ab==3D"), Err((2, InvalidEscape)));
    assert_eq!(strict(b"ab= x"), Err((2, InvalidEscape)));
    assert_eq!(strict(b"ab\xe9"), Err((2, ByteMustBeEncoded(0xe9))));
    assert_eq!(strict(b"a\rb"), Err((1, ByteMustBeEncoded(b'\r'))));
    assert_eq!(strict(b"a\r"), Err((1, ByteMustBeEncoded(b'\r'))));
    assert_eq!(strict(b"x\x01"), Err((1, ByteMustBeEncoded(1))));
    assert_eq!(strict(b"ab  \r\n"), Err((2, TrailingWhitespace)));
    assert_eq!(strict(b"ab \n"), Err((2, TrailingWhitespace)));
    assert_eq!(strict(b"ab\t"), Err((2, TrailingWhitespace)));
    assert_eq!(strict(b"ab= \r\n"), Err((3, TrailingWhitespace)));
    let mut long = vec![b'a'; 76];
    assert!(strict(&long).is_ok());
    long.extend_from_slice(b"\r\n");
    long.extend_from_slice(&[b'b'; 77]);
    assert_eq!(strict(&long), Err((78 + 76, LineTooLong)));
    let mut soft = vec![b'a'; 76];
    soft.extend_from_slice(b"=\r\n");
    assert_eq!(strict(&soft), Err((76, LineTooLong)));
}

#[test]
fn errors_do_not_touch_the_output() {
    let mut out = b"keep".to_vec();
    let e = Codec::new().decode_into_with(b"=zz", DecodeOptions { strict: true }, &mut out);
    assert!(e.is_err());
    assert_eq!(out, b"keep");
}

/// `decode_to_slice` agrees with `decode` for every output size around the
/// decoded length, in both modes, and reports the exact length when short.
#[test]
fn decode_to_slice_matches_decode() {
    let mut inputs: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"caf=C3=A9 =ZZ  \r\nsoft=\r\nbreak=".to_vec(),
        b"plain text\r\n".to_vec(),
    ];
    // Long enough for several slice steps, with blanks pending across them.
    let mut long = Vec::new();
    for i in 0..3000u32 {
        long.extend_from_slice(
            format!("line {i} caf=C3=A9{}=\r\n", " ".repeat((i % 7) as usize)).as_bytes(),
        );
    }
    inputs.push(long);
    for strict in [false, true] {
        let codec = TEXT.with_decode_options(DecodeOptions { strict });
        for input in &inputs {
            let want = codec.decode(input);
            let len = want.as_ref().map_or(0, Vec::len);
            for cap in [0, len.saturating_sub(1), len, len + 1, input.len()] {
                let mut out = vec![0xAA; cap];
                let got = codec.decode_to_slice(input, &mut out);
                match (&want, got) {
                    (Ok(w), Ok(n)) => assert_eq!(&out[..n], &w[..], "cap {cap}"),
                    (Ok(w), Err(DecodeSliceError::OutputTooSmall { needed })) => {
                        assert!(cap < w.len(), "cap {cap}");
                        assert_eq!(needed, w.len());
                    }
                    (Err(e), Err(DecodeSliceError::Decode(g))) => assert_eq!(*e, g),
                    (w, g) => panic!("cap {cap}: {w:?} vs {g:?}"),
                }
            }
        }
    }
}
