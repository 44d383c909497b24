//! Decoding arbitrary bytes never panics; lenient decoding accepts every
//! input; the streaming decoder fed in three chunks (split where the input
//! says) gives the one-shot result, error offsets included; strict success
//! implies lenient agreement; `decode_to_slice` agrees with both, with
//! room for the input and with one byte too few for the output.
//!
//! Input: two bytes choosing the split points, then the encoded text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use septet::qp::{decode_with, DecodeOptions, DecodeSliceError, StreamDecoder, TEXT};

fuzz_target!(|data: &[u8]| {
    let [a, b, wire @ ..] = data else {
        return;
    };
    let n = wire.len();
    let mut cuts = [usize::from(*a) * n / 255, usize::from(*b) * n / 255];
    cuts.sort_unstable();
    let chunks = [&wire[..cuts[0]], &wire[cuts[0]..cuts[1]], &wire[cuts[1]..]];

    let lenient = decode_with(wire, DecodeOptions { strict: false });
    assert!(lenient.is_ok(), "lenient decoding failed: {lenient:?}");
    for strict in [false, true] {
        let options = DecodeOptions { strict };
        let whole = decode_with(wire, options);
        let mut decoder = StreamDecoder::new(options);
        let mut out = Vec::new();
        let streamed = chunks
            .iter()
            .try_for_each(|chunk| decoder.feed(chunk, &mut out))
            .and_then(|()| decoder.finish(&mut out))
            .map(|()| out);
        assert_eq!(streamed, whole, "strict {strict}, split at {cuts:?}");
        let codec = TEXT.with_decode_options(options);
        let mut room = vec![0u8; n];
        let sliced = codec
            .decode_to_slice(wire, &mut room)
            .map(|k| room[..k].to_vec());
        assert_eq!(
            sliced.map_err(|e| format!("{e:?}")),
            whole
                .clone()
                .map_err(|e| format!("{:?}", DecodeSliceError::Decode(e)))
        );
        if let Ok(bytes) = &whole {
            if let Some(short) = bytes.len().checked_sub(1) {
                let mut out = vec![0u8; short];
                let got = codec.decode_to_slice(wire, &mut out);
                assert_eq!(
                    got,
                    Err(DecodeSliceError::OutputTooSmall {
                        needed: bytes.len()
                    })
                );
            }
        }
        if strict {
            if let Ok(bytes) = &whole {
                assert_eq!(Ok(bytes), lenient.as_ref(), "strict and lenient differ");
            }
        }
    }
});
