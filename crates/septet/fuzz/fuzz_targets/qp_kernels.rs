//! Every quoted-printable kernel set against the scalar reference: encode
//! (all options), lenient decode and strict decode (output, or error kind
//! and offset) must be identical, whatever the input's alignment.
//!
//! Input: a flags byte (bits 0..=3: encoder options, see `encode_options`;
//! bits 4..=7: misalignment), a mutation byte (bit 0: decode the payload
//! as it is; otherwise decode the scalar encoding of `payload[3..]` with
//! `payload[2]` written over, bit 1: inserted at, position `payload[0..2]`,
//! so long valid runs reach the bulk kernels before the damage), then the
//! payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use septet::qp::DecodeOptions;
use septet_fuzz::qp::{codecs, encode_options, hex, misaligned, offset, scalar};

fuzz_target!(|data: &[u8]| {
    let [flags, mutation, payload @ ..] = data else {
        return;
    };
    let options = encode_options(*flags);
    let offset = offset(*flags);
    let reference = scalar();

    let want = reference.encode_with(payload, options);
    for codec in codecs() {
        let got = misaligned(payload, offset, |input| codec.encode_with(input, options));
        assert!(
            got == want,
            "{} encode {options:?} differs at offset {offset}\n  got  {}\n  want {}\n  input {}",
            codec.isa(),
            hex(&got),
            hex(&want),
            hex(payload)
        );
    }

    let wire: Vec<u8> = match payload {
        [lo, hi, byte, rest @ ..] if mutation & 1 == 0 => {
            let mut wire = reference.encode_with(rest, options);
            let at = usize::from(u16::from_le_bytes([*lo, *hi]));
            if mutation & 2 != 0 {
                wire.insert(at % (wire.len() + 1), *byte);
            } else if !wire.is_empty() {
                let n = wire.len();
                wire[at % n] = *byte;
            }
            wire
        }
        _ => payload.to_vec(),
    };
    for strict in [false, true] {
        let decode = DecodeOptions { strict };
        let want = reference.decode_with(&wire, decode);
        assert!(strict || want.is_ok(), "lenient decoding failed: {want:?}");
        for codec in codecs() {
            let got = misaligned(&wire, offset, |input| codec.decode_with(input, decode));
            assert!(
                got == want,
                "{} decode (strict: {strict}) differs at offset {offset}\n  got  {:?}\n  want {:?}\n  input {}",
                codec.isa(),
                got.as_ref().map(|v| hex(v)),
                want.as_ref().map(|v| hex(v)),
                hex(&wire)
            );
        }
    }
});
