//! Decoding arbitrary bytes never panics; lenient decoding accepts every
//! input; the streaming decoder fed in three chunks (split where the input
//! says) gives the one-shot result, error offsets included; strict success
//! implies lenient agreement.
//!
//! Input: two bytes choosing the split points, then the encoded text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use septet::qp::{decode_with, DecodeOptions, StreamDecoder};

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
        if strict {
            if let Ok(bytes) = &whole {
                assert_eq!(Ok(bytes), lenient.as_ref(), "strict and lenient differ");
            }
        }
    }
});
