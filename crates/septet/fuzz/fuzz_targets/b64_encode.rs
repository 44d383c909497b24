//! Encodes arbitrary bytes with every kernel set (plain and MIME) and checks
//! they match the scalar codec byte for byte, then that every decoder
//! (strict, MIME, MIME with `ignore_invalid`) gives the bytes back.
//!
//! Input: a flags byte (bit 0: URL-safe alphabet, bits 3..=7: input
//! misalignment), then the data.
#![no_main]

use libfuzzer_sys::fuzz_target;
use septet::base64::MimeDecodeOptions;
use septet_fuzz::{all_agree, split, Op};

fuzz_target!(|data: &[u8]| {
    let Some((flags, payload)) = split(data) else {
        return;
    };
    let (alphabet, offset) = (flags.alphabet(), flags.offset());
    let strict = MimeDecodeOptions::default();
    let lenient = MimeDecodeOptions {
        ignore_invalid: true,
    };

    let text = all_agree(alphabet, Op::Encode, payload, offset).expect("encoding cannot fail");
    let mime = all_agree(alphabet, Op::EncodeMime, payload, offset).expect("encoding cannot fail");
    let unwrapped: Vec<u8> = mime
        .iter()
        .copied()
        .filter(|&b| b != b'\r' && b != b'\n')
        .collect();
    assert_eq!(unwrapped, text, "MIME text is the plain text in lines");

    let back = all_agree(alphabet, Op::Decode, &text, offset);
    assert_eq!(back.as_deref(), Ok(payload), "decode(encode(x)) != x");
    for options in [strict, lenient] {
        let back = all_agree(alphabet, Op::DecodeMime(options), &mime, offset);
        assert_eq!(
            back.as_deref(),
            Ok(payload),
            "decode_mime(encode_mime(x)) != x"
        );
    }
    let back = all_agree(alphabet, Op::DecodeMime(strict), &text, offset);
    assert_eq!(back.as_deref(), Ok(payload), "decode_mime(encode(x)) != x");
});
