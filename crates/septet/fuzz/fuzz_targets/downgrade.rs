//! Feeds arbitrary bytes through the streaming downgrade, whole and split
//! at a point the input chooses, and checks the downgrade's contract
//! (RFC 6152: convert losslessly or refuse):
//! - no panic; both feedings agree (output or error); the whole-buffer
//!   entry (`downgrade_buffer`) gives the same output wherever streaming
//!   succeeds, and refuses only what streaming refuses (or encodes what
//!   streaming refused as `LateEightBit`);
//! - a successful output is pure 7-bit with CRLF line ends and lines of at
//!   most 998 octets;
//! - septet's parser sees the same tree in input and output (each part's
//!   depth, kind and MIME type, in order) and every leaf decodes to the
//!   same bytes: exactly, for input whose line breaks are all CRLF; for
//!   input with bare LF or CR, after CR LF is made LF on both sides (the
//!   downgrade writes LF form as CRLF, and a CR of data just before a line
//!   break cannot be told from the CR of that break, as with Python's
//!   `body_lf`, tests/downgrade_real.rs).
//!
//! Not checked, as the parser cannot check them honestly: header text
//! (a rewritten field is encoded words or RFC 2231 parameters, which the
//! tree and payloads do not show; tests/downgrade_python.rs compares
//! decoded header text with Python), the report's counts, and preamble or
//! epilogue bytes (no reader decodes them; the downgrade replaces bytes
//! with no 7-bit form there and reports it, the one lossy change allowed).
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
    if let Ok(out) = &buffered {
        same_message(&message[envelope_line(message).unwrap_or(0)..], out);
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

/// `output` has the tree of `input` and every leaf decodes to the same
/// bytes (see the module docs for the line-break rule).
fn same_message(input: &[u8], output: &[u8]) {
    let skip = envelope_line(output).unwrap_or(0);
    let limits = Options::default().limits;
    let a = septet::mime::Message::parse_with(input, limits).expect("no input limit is set");
    let b =
        septet::mime::Message::parse_with(&output[skip..], limits).expect("no input limit is set");
    let tree = |m: &septet::mime::Message<'_>| -> Vec<(usize, bool, String)> {
        m.parts()
            .map(|p| (p.depth(), p.is_leaf(), p.content_type().mime_type()))
            .collect()
    };
    assert_eq!(tree(&a), tree(&b), "the tree changed");
    let wire = !input.iter().enumerate().any(|(i, &c)| match c {
        b'\r' => input.get(i + 1) != Some(&b'\n'),
        b'\n' => i == 0 || input[i - 1] != b'\r',
        _ => false,
    });
    for (i, (pa, pb)) in a.parts().zip(b.parts()).enumerate() {
        if !pa.is_leaf() {
            continue;
        }
        let (da, db) = (pa.decode_body().0, pb.decode_body().0);
        if wire {
            assert_eq!(da, db, "part {i} decodes differently");
        } else {
            assert_eq!(
                lf(&da),
                lf(&db),
                "part {i} decodes differently (CR LF as LF)"
            );
        }
    }
}

/// `data` with each CR LF made LF.
fn lf(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    for (i, &c) in data.iter().enumerate() {
        if !(c == b'\r' && data.get(i + 1) == Some(&b'\n')) {
            out.push(c);
        }
    }
    out
}
