//! Differential test against Python's `mailbox` module: septet converts
//! seeded messages (8-bit text, `From ` lines at every quoting depth,
//! first and last body lines included) from mboxcl2 to mboxrd, and Python
//! reads the output (tests/python/mbox_oracle.py, one process for all
//! files). Python must find the same number of messages, the same
//! separator lines and, after mboxrd unquoting, the same bytes.
//!
//! Python's `mailbox.mbox` only treats a `\n` line as the empty line that
//! precedes a separator, so for a CRLF archive it returns each message
//! with that `\r\n` line still attached; the test expects exactly that.
//!
//! Python 3 is required: if it cannot be run, the test fails.

#[path = "../../septet/tests/common/python.rs"]
mod python;

#[path = "common/mailbox.rs"]
mod util;

use std::borrow::Cow;
use std::convert::Infallible;

use septet_mailbox::{convert, split, ConvertOptions, Format, MboxVariant};
use serde::Deserialize;
use util::{write_mbox, Kind, TestDir};

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n as u64) as usize
    }
}

const BODY_LINES: &[&[u8]] = &[
    b"From x",
    b">From x",
    b">>From x",
    b">>>>From deep",
    b"From",
    b"From  two spaces",
    b"x From y",
    b"From: looks like a header",
    b"Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln",
    b"\xff\xfe latin-1 \xe9t\xe9",
    b"",
    b">",
    b"> quoted reply",
    b"a\rb bare CR inside",
    b"plain text line",
];

/// `count` messages with `eol` line breaks; every message ends with one.
fn messages(seed: u64, count: usize, eol: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut rng = Rng(seed | 1);
    (0..count)
        .map(|i| {
            let from = format!(
                "From sender{i}@example.org Mon Jan  1 00:00:{:02} 2024",
                i % 60
            );
            let mut m = format!("Subject: message {i}").into_bytes();
            m.extend_from_slice(eol);
            m.extend_from_slice(b"Content-Type: text/plain; charset=utf-8");
            m.extend_from_slice(eol);
            m.extend_from_slice(eol);
            let lines = rng.below(12);
            for l in 0..lines {
                // First and last body lines are `From ` lines often.
                let edge = (l == 0 || l + 1 == lines) && rng.below(2) == 0;
                let line = if edge {
                    BODY_LINES[rng.below(4)]
                } else {
                    BODY_LINES[rng.below(BODY_LINES.len())]
                };
                m.extend_from_slice(line);
                m.extend_from_slice(eol);
            }
            (from, m)
        })
        .collect()
}

#[derive(Deserialize)]
struct Row {
    file: usize,
    from: String,
    data: String,
}

fn b64(s: &str) -> Vec<u8> {
    septet::base64::decode(s.as_bytes()).expect("the oracle prints base64")
}

#[test]
fn python_reads_septet_mboxrd() {
    let dir = TestDir::new("python");
    let cases: [(&str, &[u8], u64); 2] = [("lf", b"\n", 7), ("crlf", b"\r\n", 11)];
    let mut outputs = Vec::new();
    let mut expected = Vec::new();
    for (name, eol, seed) in cases {
        let msgs = messages(seed, 300, eol);
        let refs: Vec<(&str, Vec<u8>)> =
            msgs.iter().map(|(f, m)| (f.as_str(), m.clone())).collect();
        let input_bytes = write_mbox(&refs, Kind::Cl2, std::str::from_utf8(eol).unwrap());
        // What septet reads from the input (the message plus the
        // Content-Length field the mboxcl2 writer inserted).
        let read: Vec<(Vec<u8>, Vec<u8>)> = split(&input_bytes, MboxVariant::Mboxcl2)
            .unwrap()
            .map(|r| (r.from_line.to_vec(), r.unquoted().into_owned()))
            .collect();
        assert_eq!(read.len(), msgs.len());
        let input = dir.join(&format!("{name}.mboxcl2"));
        let output = dir.join(&format!("{name}.mboxrd"));
        std::fs::write(&input, &input_bytes).unwrap();
        let options = ConvertOptions {
            from: Some(Format::Mboxcl2),
            window_messages: 16,
            ..ConvertOptions::default()
        };
        let report = convert(
            &[input],
            &output,
            &options,
            |m: &[u8]| Ok::<_, Infallible>(Cow::Borrowed(m)),
            |_| {},
        )
        .unwrap();
        assert_eq!(report.messages, msgs.len() as u64);
        outputs.push(output);
        expected.push((eol, read));
    }

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/mbox_oracle.py");
    let Some(mut python) = python::python3() else {
        return;
    };
    let run = python
        .arg(script)
        .args(&outputs)
        .output()
        .expect("start python3");
    assert!(
        run.status.success(),
        "the Python oracle failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut rows: Vec<Vec<Row>> = vec![Vec::new(), Vec::new()];
    for line in run.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let mut line = line.to_vec();
        let row: Row = simd_json::serde::from_slice(&mut line).unwrap();
        rows[row.file].push(row);
    }
    for ((eol, read), rows) in expected.iter().zip(&rows) {
        assert_eq!(rows.len(), read.len(), "message count ({eol:?})");
        for (i, ((from, data), row)) in read.iter().zip(rows).enumerate() {
            let mut want_from = from.clone();
            let mut want = data.clone();
            if *eol == b"\r\n" {
                // Python keeps the `\r` of the separator line and the CRLF
                // empty line after the message.
                want_from.push(b'\r');
                want.extend_from_slice(b"\r\n");
            }
            assert_eq!(
                b64(&row.from),
                want_from,
                "separator of message {i} ({eol:?})"
            );
            assert_eq!(
                String::from_utf8_lossy(&b64(&row.data)),
                String::from_utf8_lossy(&want),
                "message {i} ({eol:?})"
            );
        }
    }
}
