//! `septet convert --downgrade` keeps each message's line ends: a message
//! whose first line break is a bare LF comes out in LF form (no CR at all),
//! one whose first line break is CRLF comes out CRLF, and a message with
//! nothing to rewrite comes out byte-identical and is counted unchanged.
//! Python's `email` package (tests/python/downgrade_oracle.py) must decode
//! the same payloads and subjects from the LF output as from the input.
//!
//! Python 3.11 or later is required: if it cannot be run, the test fails,
//! unless SEPTET_SKIP_PYTHON=1 (see tests/common/python.rs).

mod common;

#[path = "../../septet-mailbox/tests/common/mailbox.rs"]
mod util;

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use common::python::python3;
use septet::downgrade::{Downgrader, Options};
use septet_mailbox::{list_maildir, LineEnding, Mbox, MboxVariant, Report};
use serde::Deserialize;
use util::{quote, Kind, TestDir};

const SEP: &str = "From a@example.org Mon Jan  1 00:00:00 2024";

/// The messages of the test archive, in order, with what the conversion
/// must do to them: (message, unchanged, CRLF).
fn messages() -> Vec<(Vec<u8>, bool, bool)> {
    let seven_bit = b"Subject: plain\nContent-Type: text/plain\n\nhello\n>From quoted\n\nbye\n";
    let eight_bit_text = "Subject: Gr\u{fc}\u{df}e aus K\u{f6}ln\n\
        Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\
        Content-Length: 3\n\nK\u{f6}ln caf\u{e9}\nline two\n\nFrom here\n.\nend\n";
    let mut multipart = b"Subject: files\nMIME-Version: 1.0\n\
        Content-Type: multipart/mixed; boundary=\"b\"\n\npreamble\n--b\n\
        Content-Type: text/plain; charset=iso-8859-1\n\ncaf\xe9\nna\xefve\n--b\n\
        Content-Type: application/octet-stream; name=\"x.bin\"\n\
        Content-Transfer-Encoding: binary\n\n"
        .to_vec();
    multipart.extend((0..=255u8).filter(|&b| b != b'\n' && b != b'\r'));
    multipart.extend_from_slice(b"\n--b--\n");
    let crlf_seven = b"Subject: crlf plain\r\n\r\nhello\r\n".to_vec();
    let crlf_eight = "Subject: crlf \u{e9}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
        body \u{e9}\r\nline\r\n"
        .as_bytes()
        .to_vec();
    vec![
        (seven_bit.to_vec(), true, false),
        (eight_bit_text.as_bytes().to_vec(), false, false),
        (multipart, false, false),
        (crlf_seven, true, true),
        (crlf_eight, false, true),
    ]
}

/// An mboxrd file holding `messages`, each separator in its message's
/// line ends.
fn mbox(messages: &[(Vec<u8>, bool, bool)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (m, _, crlf) in messages {
        let eol: &[u8] = if *crlf { b"\r\n" } else { b"\n" };
        out.extend_from_slice(SEP.as_bytes());
        out.extend_from_slice(eol);
        out.extend_from_slice(&quote(m, Kind::Rd));
        out.extend_from_slice(eol);
    }
    out
}

fn convert(input: &Path, output: &Path, report: &Path, extra: &[&str]) -> Report {
    let run = Command::new(env!("CARGO_BIN_EXE_septet"))
        .arg("convert")
        .arg(input)
        .arg("-o")
        .arg(output)
        .arg("--downgrade")
        .arg("--report")
        .arg(report)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut json = fs::read(report).unwrap();
    simd_json::serde::from_slice(&mut json).unwrap()
}

/// Checks each converted message against its input: byte-identical when
/// nothing needed rewriting, else 7-bit in the input's line ends.
fn check(inputs: &[(Vec<u8>, bool, bool)], outputs: &[Vec<u8>]) {
    assert_eq!(outputs.len(), inputs.len());
    for (i, ((input, unchanged, crlf), out)) in inputs.iter().zip(outputs).enumerate() {
        if *unchanged {
            assert_eq!(out, input, "message {i} must be byte-identical");
            continue;
        }
        assert_ne!(out, input, "message {i}");
        assert!(out.is_ascii(), "message {i} is not 7-bit");
        if *crlf {
            for (at, _) in out.iter().enumerate().filter(|(_, &b)| b == b'\n') {
                assert!(
                    at > 0 && out[at - 1] == b'\r',
                    "message {i}: bare LF at {at}"
                );
            }
        } else {
            assert!(!out.contains(&b'\r'), "message {i}: CR in LF output");
            // Back to CRLF, it is exactly the downgrade's wire form.
            let mut wire = Vec::new();
            let mut d = Downgrader::new(Options::default());
            d.feed(input, &mut wire).unwrap();
            d.finish(&mut wire).unwrap();
            let mut back = Vec::new();
            for &b in out {
                if b == b'\n' {
                    back.push(b'\r');
                }
                back.push(b);
            }
            assert_eq!(
                String::from_utf8_lossy(&back),
                String::from_utf8_lossy(&without_content_length(&wire, out)),
                "message {i}"
            );
        }
    }
}

/// `wire` with its `Content-Length` value taken from `converted` (the
/// conversion rewrites it; the downgrade alone does not).
fn without_content_length(wire: &[u8], converted: &[u8]) -> Vec<u8> {
    let value = |m: &[u8]| {
        let text = String::from_utf8_lossy(m).into_owned();
        text.lines()
            .find_map(|l| l.strip_prefix("Content-Length: ").map(str::to_owned))
    };
    match (value(wire), value(converted)) {
        (Some(old), Some(new)) => String::from_utf8_lossy(wire)
            .replacen(
                &format!("Content-Length: {old}"),
                &format!("Content-Length: {}", new.trim_end()),
                1,
            )
            .into_bytes(),
        _ => wire.to_vec(),
    }
}

#[test]
fn lf_mbox_stays_lf() {
    let dir = TestDir::new("line-ends");
    let msgs = messages();
    let input = dir.join("in.mbox");
    let original = mbox(&msgs);
    fs::write(&input, &original).unwrap();
    let out = dir.join("out.mbox");
    let report = convert(&input, &out, &dir.join("report.json"), &[]);
    assert_eq!(
        (
            report.messages,
            report.unchanged,
            report.changed,
            report.failed
        ),
        (5, 2, 3, 0)
    );
    assert_eq!(report.content_length_rewritten, 1);
    let back = Mbox::open(&out).unwrap();
    let read: Vec<_> = back.messages(MboxVariant::Mboxrd).unwrap().collect();
    let expect_eol = msgs.iter().map(|m| {
        if m.2 {
            LineEnding::CrLf
        } else {
            LineEnding::Lf
        }
    });
    for (m, eol) in read.iter().zip(expect_eol) {
        assert_eq!(m.line_ending, eol);
    }
    let outputs: Vec<Vec<u8>> = read.iter().map(|m| m.data.to_vec()).collect();
    check(&msgs, &outputs);
    // The untouched first message is written byte for byte, separator,
    // quoted line and the empty line after it included.
    let first = SEP.len() + 1 + quote(&msgs[0].0, Kind::Rd).len() + 1;
    assert_eq!(fs::read(&out).unwrap()[..first], original[..first]);

    // The rewritten Content-Length counts the LF form.
    let m = &outputs[1];
    let body = m.windows(2).position(|w| w == b"\n\n").unwrap() + 2;
    let text = String::from_utf8_lossy(&m[..body]).into_owned();
    let value: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(value, m.len() - body, "{text}");

    // Python decodes the same payloads and subjects from the LF output.
    let lf: Vec<usize> = (0..msgs.len()).filter(|&i| !msgs[i].2).collect();
    let mut all: Vec<Vec<u8>> = lf.iter().map(|&i| msgs[i].0.clone()).collect();
    all.extend(lf.iter().map(|&i| outputs[i].clone()));
    let Some(seen) = oracle(&all) else {
        return;
    };
    let (before, after) = seen.split_at(lf.len());
    for ((b, a), i) in before.iter().zip(after).zip(&lf) {
        assert!(b.error.is_none() && a.error.is_none(), "message {i}");
        assert_eq!(b.subject, a.subject, "message {i}: subject");
        assert_eq!(b.parts, a.parts, "message {i}: parts and payloads");
        let parts = b.parts.as_deref().unwrap_or_default();
        assert!(parts
            .iter()
            .any(|p| p.body.as_ref().is_some_and(|x| !x.is_empty())));
    }
}

#[test]
fn maildir_output_keeps_line_ends() {
    let dir = TestDir::new("line-ends-maildir");
    let msgs = messages();
    let input = dir.join("in.mbox");
    fs::write(&input, mbox(&msgs)).unwrap();
    let out = dir.join("Maildir");
    let report = convert(&input, &out, &dir.join("report.json"), &["--to", "maildir"]);
    assert_eq!((report.unchanged, report.changed), (2, 3));
    let mut files = list_maildir(&out).unwrap();
    files.sort_by(|a, b| a.path.file_name().cmp(&b.path.file_name()));
    let outputs: Vec<Vec<u8>> = files.iter().map(|f| fs::read(&f.path).unwrap()).collect();
    check(&msgs, &outputs);
}

#[derive(Debug, Deserialize)]
struct Oracle {
    subject: Option<String>,
    parts: Option<Vec<OraclePart>>,
    error: Option<String>,
}

#[derive(Debug, PartialEq, Deserialize)]
struct OraclePart {
    #[serde(rename = "type")]
    ty: String,
    multipart: bool,
    filename: Option<String>,
    body: Option<String>,
}

/// What Python's `email` package sees in each message; `None` when the
/// Python tests are skipped.
fn oracle(messages: &[Vec<u8>]) -> Option<Vec<Oracle>> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../septet/tests/python/downgrade_oracle.py"
    );
    let mut child = python3()?
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = Vec::new();
    for m in messages {
        input.extend_from_slice(format!("{}\n", m.len()).as_bytes());
        input.extend_from_slice(m);
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input).unwrap());
    let mut out = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let mut line = line.unwrap().into_bytes();
        out.push(simd_json::from_slice::<Oracle>(&mut line).expect("oracle JSON"));
    }
    writer.join().unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(out.len(), messages.len());
    Some(out)
}
