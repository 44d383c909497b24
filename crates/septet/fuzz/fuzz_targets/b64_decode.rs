//! Strict decoding of arbitrary text with every kernel set: output or error
//! (kind and offset) must match the scalar codec, accepted text must be the
//! canonical encoding of what it decodes to, and the MIME decoder must give
//! the same answer on text without whitespace.
//!
//! Input: a flags byte (bit 0: URL-safe alphabet, bits 3..=7: input
//! misalignment; bit 1: instead of decoding the payload, decode the encoding
//! of `payload[3..]` with the byte `payload[2]` written over (bit 2:
//! inserted at) position `payload[0..2]`), then the payload. The second
//! form keeps long runs valid so the bulk kernels run before the error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use septet::base64::MimeDecodeOptions;
use septet_fuzz::{all_agree, scalar, split, Op};

fuzz_target!(|data: &[u8]| {
    let Some((flags, payload)) = split(data) else {
        return;
    };
    let (alphabet, offset) = (flags.alphabet(), flags.offset());
    let text: Vec<u8> = match payload {
        [lo, hi, byte, rest @ ..] if flags.bit(1) => {
            let mut text = scalar(alphabet).encode(rest).into_bytes();
            let at = usize::from(u16::from_le_bytes([*lo, *hi]));
            if flags.bit(2) {
                text.insert(at % (text.len() + 1), *byte);
            } else if !text.is_empty() {
                let n = text.len();
                text[at % n] = *byte;
            }
            text
        }
        _ => payload.to_vec(),
    };

    let strict = all_agree(alphabet, Op::Decode, &text, offset);
    if let Ok(bytes) = &strict {
        let again = scalar(alphabet).encode(bytes);
        assert_eq!(
            again.as_bytes(),
            &text[..],
            "accepted a non-canonical encoding"
        );
    }
    let mime = all_agree(
        alphabet,
        Op::DecodeMime(MimeDecodeOptions::default()),
        &text,
        offset,
    );
    if !text
        .iter()
        .any(|b| matches!(b, b'\r' | b'\n' | b' ' | b'\t'))
    {
        assert_eq!(
            mime, strict,
            "MIME and strict decoding differ on text without whitespace"
        );
    }
});
