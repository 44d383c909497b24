//! MIME decoding of arbitrary text, with and without `ignore_invalid`, with
//! every kernel set: output or error must match the scalar codec; accepted
//! text must decode like the strict decoder on the text stripped of the
//! bytes the MIME decoder skips; and the result must survive a MIME round
//! trip. Accepted text also decodes into a buffer of exactly its decoded
//! length, and one byte less is `OutputTooSmall` with that length (never a
//! panic, whatever the line breaks).
//!
//! Input: a flags byte (bit 0: URL-safe alphabet, bit 1: `ignore_invalid`
//! first, bits 3..=7: input misalignment; bit 2: instead of decoding the
//! payload, decode the MIME encoding of `payload[4..]` with the bytes
//! `payload[1]` and `payload[3]` inserted at the relative positions
//! `payload[0]` and `payload[2]`), then the payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use septet::base64::{DecodeSliceError, MimeDecodeOptions};
use septet_fuzz::{all_agree, codecs, scalar, split, Op};

fuzz_target!(|data: &[u8]| {
    let Some((flags, payload)) = split(data) else {
        return;
    };
    let (alphabet, offset) = (flags.alphabet(), flags.offset());
    let text: Vec<u8> = match payload {
        [p1, b1, p2, b2, rest @ ..] if flags.bit(2) => {
            let mut text = scalar(alphabet).encode_mime(rest).into_bytes();
            for (at, byte) in [(*p1, *b1), (*p2, *b2)] {
                let at = usize::from(at) * (text.len() + 1) / 256;
                text.insert(at, byte);
            }
            text
        }
        _ => payload.to_vec(),
    };

    let table = alphabet.encode_table();
    for ignore_invalid in [flags.bit(1), !flags.bit(1)] {
        let options = MimeDecodeOptions { ignore_invalid };
        let got = all_agree(alphabet, Op::DecodeMime(options), &text, offset);
        let kept: Vec<u8> = text
            .iter()
            .copied()
            .filter(|&b| {
                let space = matches!(b, b'\r' | b'\n' | b' ' | b'\t');
                let junk = ignore_invalid && !table.contains(&b) && b != b'=';
                !space && !junk
            })
            .collect();
        let strict = scalar(alphabet).decode(&kept);
        assert_eq!(
            got.as_ref().ok(),
            strict.as_ref().ok(),
            "{options:?}: MIME decoding differs from strict decoding of the kept bytes"
        );
        if let Ok(bytes) = got {
            let n = bytes.len();
            for codec in codecs(alphabet) {
                let mut exact = vec![0; n];
                let fit = codec.decode_mime_to_slice_with(&text, &mut exact, options);
                assert_eq!(fit, Ok(n), "{}: exact-size output", codec.isa());
                assert!(exact == bytes, "{}: exact-size output differs", codec.isa());
                if let Some(short) = n.checked_sub(1) {
                    let got = codec.decode_mime_to_slice_with(&text, &mut vec![0; short], options);
                    let needed = DecodeSliceError::OutputTooSmall { needed: n };
                    assert_eq!(got, Err(needed), "{}: one byte short", codec.isa());
                }
            }
            let mime = all_agree(alphabet, Op::EncodeMime, &bytes, offset).expect("encoding");
            let back = all_agree(alphabet, Op::DecodeMime(options), &mime, offset);
            assert_eq!(back, Ok(bytes), "MIME round trip");
        }
    }
});
