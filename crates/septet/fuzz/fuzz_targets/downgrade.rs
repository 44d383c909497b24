//! Feeds arbitrary bytes through the streaming downgrade, whole and split
//! at a point the input chooses, and checks: no panic; both feedings agree
//! (output or error); a successful output is pure 7-bit with CRLF line
//! ends and lines of at most 998 octets, and parses again with septet's
//! parser with every leaf decodable by septet's own decoders; the
//! whole-buffer entry (`downgrade_buffer`) gives the same output wherever
//! streaming succeeds, and refuses only what streaming refuses; and, when
//! nothing was reported repaired, every leaf decodes to the same bytes as
//! before (line breaks aside: 7-bit text is made CRLF), so a conversion
//! reported lossless is lossless (checked for input without bare CR, which
//! in a header field becomes a blank).
//!
//! Input: two bytes choosing the split point, then the message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use septet::downgrade::{downgrade_buffer, envelope_line, Downgrader, Error, Options, Report};

fn run(chunks: &[&[u8]]) -> Result<(Vec<u8>, Report), Error> {
    let mut d = Downgrader::new(Options::default());
    let mut out = Vec::new();
    for chunk in chunks {
        d.feed(chunk, &mut out)?;
    }
    let report = d.finish(&mut out)?;
    Ok((out, report))
}

fuzz_target!(|data: &[u8]| {
    let [a, b, message @ ..] = data else {
        return;
    };
    let split = usize::from(u16::from_le_bytes([*a, *b])) % (message.len() + 1);
    let whole = run(&[message]);
    if let Ok((_, report)) = &whole {
        // The report numbers and types parts as the parser does.
        let skip = envelope_line(message).unwrap_or(0);
        let msg = septet::mime::Message::parse_with(&message[skip..], Options::default().limits)
            .expect("no input limit is set");
        assert_eq!(report.parts.len(), msg.part_count(), "part count");
        for (r, p) in report.parts.iter().zip(msg.parts()) {
            assert_eq!(r.section, p.section(), "section");
            let ct = p.content_type();
            if !ct.is_default() {
                assert_eq!(r.content_type, ct.mime_type(), "content type");
            }
        }
    }
    let mut buffered = Vec::new();
    let buffered = downgrade_buffer(message, Options::default(), &mut buffered).map(|_| buffered);
    match (&whole, &buffered) {
        (Ok((out, _)), Ok(b)) => assert_eq!(out, b, "downgrade_buffer differs"),
        (Err(a), Err(b)) => assert_eq!(a, b, "downgrade_buffer refuses differently"),
        (Err(Error::LateEightBit { .. }), Ok(_)) => {}
        (a, b) => panic!("streaming {a:?}, downgrade_buffer {b:?}"),
    }
    if let (Ok(out), Ok((_, report))) = (&buffered, &whole) {
        // A bare CR in a header field becomes a blank (header folding
        // rules), not a body change: such inputs are left out.
        let bare_cr = message
            .iter()
            .enumerate()
            .any(|(i, &c)| c == b'\r' && message.get(i + 1) != Some(&b'\n'));
        if report.parts.iter().all(|p| p.repaired == 0) && !bare_cr {
            same_payloads(&message[envelope_line(message).unwrap_or(0)..], out);
        }
    }
    let whole = whole.map(|(out, _)| out);
    let parts = run(&[&message[..split], &message[split..]]).map(|(out, _)| out);
    assert_eq!(whole, parts, "split at {split} changed the result");
    let Ok(out) = whole else {
        return;
    };
    let mut col = 0usize;
    for (i, &byte) in out.iter().enumerate() {
        assert!(byte < 0x80 && byte != 0, "byte {byte:#x} at {i}");
        match byte {
            b'\n' => {
                assert!(i > 0 && out[i - 1] == b'\r', "bare LF at {i}");
                col = 0;
            }
            b'\r' => assert_eq!(out.get(i + 1), Some(&b'\n'), "bare CR at {i}"),
            _ => {
                col += 1;
                assert!(col <= 998, "line over 998 octets at {i}");
            }
        }
    }
    let parsed = septet::mime::Message::parse(&out).expect("no input limit is set");
    for part in parsed.parts() {
        if part.children().next().is_none() {
            let _ = part.decoded_body();
        }
    }
});

/// Every leaf of `output` decodes to the bytes its leaf in `input` does,
/// CR and LF aside.
fn same_payloads(input: &[u8], output: &[u8]) {
    let skip = envelope_line(output).unwrap_or(0);
    let limits = Options::default().limits;
    let (Ok(a), Ok(b)) = (
        septet::mime::Message::parse_with(input, limits),
        septet::mime::Message::parse_with(&output[skip..], limits),
    ) else {
        return;
    };
    let leaves = |m: &septet::mime::Message<'_>| -> Vec<Vec<u8>> {
        m.parts()
            .filter(|p| p.children().next().is_none())
            .map(|p| {
                let mut d = p.decode_body().0.into_owned();
                d.retain(|&c| c != b'\r' && c != b'\n');
                d
            })
            .collect()
    };
    assert_eq!(leaves(&a), leaves(&b), "a leaf decodes differently");
}
