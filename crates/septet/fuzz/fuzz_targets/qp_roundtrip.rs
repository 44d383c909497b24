//! Encoding then decoding is the identity (text mode without the bare-LF
//! option, and binary mode, for any bytes); every encoded line is at most
//! 76 characters, 7-bit, ends in CRLF, and passes strict decoding; the
//! streaming encoder fed in three chunks writes the one-shot encoding.
//!
//! Input: a flags byte (bits 0..=3: encoder options, see `encode_options`),
//! two bytes choosing the split points, then the data.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use septet::qp::{decode_with, encode_with, DecodeOptions, EncoderWriter, Mode};
use septet_fuzz::qp::{encode_options, hex};

fuzz_target!(|data: &[u8]| {
    let [flags, a, b, raw @ ..] = data else {
        return;
    };
    let options = encode_options(*flags);
    let wire = encode_with(raw, options);

    let mut col = 0usize;
    for (i, &byte) in wire.iter().enumerate() {
        assert!(
            byte == b'\t' || byte == b'\r' || byte == b'\n' || (32..127).contains(&byte),
            "byte {byte:#x} at {i}"
        );
        match byte {
            b'\r' => assert_eq!(wire.get(i + 1), Some(&b'\n'), "bare CR at {i}"),
            b'\n' => {
                assert!(i > 0 && wire[i - 1] == b'\r', "bare LF at {i}");
                col = 0;
            }
            _ => {
                col += 1;
                assert!(col <= 76, "line over 76 characters at {i}");
            }
        }
    }
    let strict = decode_with(&wire, DecodeOptions { strict: true });
    let lenient = decode_with(&wire, DecodeOptions::default()).expect("lenient accepts all");
    assert_eq!(
        strict.as_ref(),
        Ok(&lenient),
        "own output fails strict decoding"
    );
    if options.mode == Mode::Binary || !options.bare_lf_is_line_break {
        assert!(
            lenient == raw,
            "round trip failed {options:?}\n  input {}\n  wire  {}",
            hex(raw),
            hex(&wire)
        );
    }

    let n = raw.len();
    let mut cuts = [usize::from(*a) * n / 255, usize::from(*b) * n / 255];
    cuts.sort_unstable();
    let mut writer = EncoderWriter::new(Vec::new(), options.into());
    for chunk in [&raw[..cuts[0]], &raw[cuts[0]..cuts[1]], &raw[cuts[1]..]] {
        writer.write_all(chunk).expect("Vec never fails");
    }
    let streamed = writer.finish().expect("Vec never fails");
    assert!(
        streamed == wire,
        "streaming encoder differs, split at {cuts:?}"
    );
});
