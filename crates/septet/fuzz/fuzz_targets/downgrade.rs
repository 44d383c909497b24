//! Feeds arbitrary bytes through the streaming downgrade, whole and split
//! at a point the input chooses, and checks: no panic; both feedings agree
//! (output or error); a successful output is pure 7-bit with CRLF line
//! ends and lines of at most 998 octets, and parses again with septet's
//! parser with every leaf decodable by septet's own decoders.
//!
//! Input: two bytes choosing the split point, then the message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use septet::downgrade::{Downgrader, Error, Options, Report};

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
        let msg = septet::mime::Message::parse_with(message, Options::default().limits)
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
