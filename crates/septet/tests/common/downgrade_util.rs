//! Helpers shared by the downgrade tests: run a message through the
//! streaming downgrade in given chunks, and check the output invariants.
#![allow(dead_code)]

use septet::downgrade::{Downgrader, Error, Options, Report};

/// The output and report of the downgrade fed `chunks` one by one.
pub fn run_chunks<'a>(
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> Result<(Vec<u8>, Report), Error> {
    let mut d = Downgrader::new(Options::default());
    let mut out = Vec::new();
    for c in chunks {
        d.feed(c, &mut out)?;
    }
    let r = d.finish(&mut out)?;
    Ok((out, r))
}

/// The output and report of `msg` fed whole; panics on an error.
pub fn run(msg: &[u8]) -> (Vec<u8>, Report) {
    run_chunks([msg]).unwrap()
}

/// Pure 7-bit, no NUL, every line break CRLF, lines of at most 998 octets.
pub fn assert_seven_bit(out: &[u8]) {
    let mut col = 0;
    for (i, &b) in out.iter().enumerate() {
        assert!(
            b < 128 && b != 0,
            "byte {b:#x} at {i}: {:?}",
            String::from_utf8_lossy(&out[i.saturating_sub(300)..(i + 40).min(out.len())])
        );
        match b {
            b'\r' => assert_eq!(out.get(i + 1), Some(&b'\n'), "bare CR at {i}"),
            b'\n' => {
                assert!(i > 0 && out[i - 1] == b'\r', "bare LF at {i}");
                col = 0;
            }
            _ => {
                col += 1;
                assert!(col <= 998, "line too long at {i}");
            }
        }
    }
}
