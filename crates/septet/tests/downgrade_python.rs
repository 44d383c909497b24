//! Differential test of the downgrade against Python's `email` package
//! (policy=email.policy.default, tests/python/downgrade_oracle.py, one
//! process for all messages): before and after the downgrade, the same
//! tree (types, containers), byte-identical decoded payloads (line breaks
//! aside for LF input, which the downgrade turns into CRLF), the same file
//! names and subject text, and no new defects on the output.
//!
//! Python 3 must be installed; set `SEPTET_SKIP_PYTHON=1` to skip loudly.

#[path = "common/python.rs"]
mod python;

#[path = "common/downgrade_gen.rs"]
mod gen;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use septet::downgrade::{downgrade_buffer, Downgrader, Error, Options};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Oracle {
    subject: Option<String>,
    parts: Option<Vec<OraclePart>>,
    /// `[name, text]` for every field of the root.
    headers: Option<Vec<(String, String)>>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct OraclePart {
    #[serde(rename = "type")]
    ty: String,
    multipart: bool,
    filename: Option<String>,
    body: Option<String>,
    defects: usize,
    header_defects: usize,
}

fn oracle(mut python: Command, messages: &[Vec<u8>]) -> Vec<Oracle> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/downgrade_oracle.py"
    );
    let mut child = python
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start python3");
    let mut stdin = child.stdin.take().unwrap();
    let mut input = Vec::new();
    for m in messages {
        input.extend_from_slice(format!("{}\n", m.len()).as_bytes());
        input.extend_from_slice(m);
    }
    let writer = std::thread::spawn(move || stdin.write_all(&input).unwrap());
    let mut out = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let mut line = line.unwrap().into_bytes();
        out.push(simd_json::from_slice::<Oracle>(&mut line).expect("oracle JSON"));
    }
    writer.join().unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(out.len(), messages.len());
    out
}

fn downgrade(msg: &[u8]) -> Result<Vec<u8>, Error> {
    let mut d = Downgrader::new(Options::default());
    let mut out = Vec::new();
    for c in msg.chunks(777) {
        d.feed(c, &mut out)?;
    }
    d.finish(&mut out)?;
    Ok(out)
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn lf(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    for (i, &b) in v.iter().enumerate() {
        if !(b == b'\r' && v.get(i + 1) == Some(&b'\n')) {
            out.push(b);
        }
    }
    out
}

fn compare(name: &str, before: &Oracle, after: &Oracle) {
    assert!(after.error.is_none(), "{name}: {:?}", after.error);
    if before.error.is_some() {
        return;
    }
    let (b, a) = (
        before.parts.as_ref().unwrap(),
        after.parts.as_ref().unwrap(),
    );
    let types = |p: &[OraclePart]| {
        p.iter()
            .map(|x| (x.ty.clone(), x.multipart))
            .collect::<Vec<_>>()
    };
    assert_eq!(types(b), types(a), "{name}: tree");
    for (i, (pb, pa)) in b.iter().zip(a).enumerate() {
        assert_eq!(pb.filename, pa.filename, "{name} part {i}: filename");
        assert!(
            pa.defects <= pb.defects,
            "{name} part {i}: new defects {} > {}",
            pa.defects,
            pb.defects
        );
        assert!(
            pa.header_defects <= pb.header_defects,
            "{name} part {i}: new header defects {} > {}",
            pa.header_defects,
            pb.header_defects
        );
        if let (Some(xb), Some(xa)) = (&pb.body, &pa.body) {
            let (xb, xa) = (unhex(xb), unhex(xa));
            assert!(
                xb == xa || lf(&xb) == lf(&xa),
                "{name} part {i} ({}): payload differs",
                pb.ty
            );
        }
    }
    assert_eq!(before.subject, after.subject, "{name}: subject");
}

/// Messages with header lines over 998 octets: folded at white space, or
/// encoded where there is none.
fn long_header_messages() -> Vec<Vec<u8>> {
    let words: Vec<String> = (0..300).map(|i| format!("word{i}")).collect();
    let spaced = words.join(" ");
    let long = "x".repeat(1500);
    let fields = [
        format!("Subject: {long}"),
        format!("Subject: {spaced}"),
        format!("Subject: caf\u{e9} {spaced}"),
        format!("Subject: =?utf-8?q?caf=C3=A9?= {long}"),
        format!("Subject: short\r\nX-Note: a\r\n {long}\r\n b"),
        format!("Subject: s\r\nX-Folded: first\r\n\t{spaced}"),
        format!("Subject: s\r\nReceived: from a.example (a [192.0.2.1]) {spaced}"),
        format!("Subject: s\r\n{}: {long}", "N".repeat(900)),
        format!("Subject: s\r\nX-Tail: {long} tail words here"),
    ];
    fields
        .iter()
        .map(|f| format!("{f}\r\nFrom: a@example.org\r\n\r\nbody\r\n").into_bytes())
        .collect()
}

#[test]
fn python_sees_the_same_message() {
    let Some(python) = python::python3() else {
        return;
    };
    let mut names = Vec::new();
    let mut inputs = Vec::new();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpus");
    for form in ["crlf", "lf"] {
        let mut files: Vec<_> = std::fs::read_dir(format!("{root}/{form}"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        for f in files {
            names.push(f.display().to_string());
            inputs.push(std::fs::read(&f).unwrap());
        }
    }
    for (i, msg) in long_header_messages().into_iter().enumerate() {
        names.push(format!("long header #{i}"));
        inputs.push(msg);
    }
    let mut g = gen::Gen::new(42);
    for i in 0..120 {
        names.push(format!("generated #{i}"));
        inputs.push(gen::message(&mut g, i, i % 4 >= 2));
    }
    let mut messages = Vec::new();
    let mut pairs = Vec::new();
    let mut refused = 0;
    for (name, input) in names.iter().zip(&inputs) {
        match downgrade(input) {
            Ok(out) => {
                pairs.push(name.clone());
                messages.push(input.clone());
                messages.push(out);
            }
            Err(Error::EightBitAddress { .. }) => refused += 1,
            Err(e) => panic!("{name}: {e}"),
        }
    }
    let results = oracle(python, &messages);
    for (k, name) in pairs.iter().enumerate() {
        let (before, after) = (&results[2 * k], &results[2 * k + 1]);
        compare(name, before, after);
        if name.starts_with("long header") {
            // Folded or encoded, every field reads the same, with no defect.
            assert_eq!(before.headers, after.headers, "{name}: header text");
            for p in after.parts.as_ref().unwrap() {
                assert_eq!((p.defects, p.header_defects), (0, 0), "{name}: defects");
            }
        }
    }
    assert!(pairs.len() > 100, "only {} messages compared", pairs.len());
    eprintln!(
        "compared {} messages, {refused} refused for 8-bit addresses",
        pairs.len()
    );
}

/// Issue 11 body classes (raw bytes in quoted-printable, unknown labels,
/// an mbox envelope line, late 8-bit, a list footer after base64), through
/// the whole-buffer entry.
fn body_class_messages() -> Vec<Vec<u8>> {
    let lines: String = (0..400).map(|i| format!("line {i} of text\r\n")).collect();
    let qp = "Content-Type: text/plain; charset=iso-8859-1\r\n\
              Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    let mut v: Vec<Vec<u8>> = vec![
        [qp.as_bytes(), b"caf\xe9 cr=E8me br=FBl\xe9e\r\n"].concat(),
        [qp.as_bytes(), b"nul\0 and ", &[b'a'; 1500], b"\xe9\r\n"].concat(),
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit+\r\n\r\nGr\u{fc}\u{df}e\r\n"
            .as_bytes()
            .to_vec(),
        "From a@b.example Mon Dec  7 12:00:00 2026\r\nSubject: Gr\u{fc}\u{df}e\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nGr\u{fc}\u{df}e\r\n"
            .as_bytes()
            .to_vec(),
        format!("Subject: late\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{lines}caf\u{e9}\r\n")
            .into_bytes(),
        [format!("Subject: cr\r\n\r\n{lines}").as_bytes(), b"\r"].concat(),
        b"Subject: footer\r\nContent-Transfer-Encoding: base64\r\n\r\nQUJD\r\nQQ==\r\n\
          --\r\nList mailing list\r\n"
            .to_vec(),
    ];
    v.push(
        format!(
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\n{lines}\u{e9}\r\n--b\r\n\r\nx\r\n--b--\r\n"
        )
        .into_bytes(),
    );
    // A raw CR before a soft break, in LF form: before an empty line (the
    // CR is the line break's) and before more text (data).
    v.push(
        b"Subject: q\nContent-Type: text/plain; charset=us-ascii\n\
          Content-Transfer-Encoding: quoted-printable\n\n\
          price.\r=\n\nnext line\nab\r=\ncd caf\xe9\n"
            .to_vec(),
    );
    // Nesting past the depth limit (7-bit, passed through) beside an 8-bit
    // part that is converted.
    let mut deep = String::from(
        "Subject: deep\r\nContent-Type: multipart/mixed; boundary=top\r\n\r\n--top\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nGr\u{fc}\u{df}e aus der Tiefe\r\n--top\r\n",
    );
    for i in 0..110 {
        deep.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"d{i}\"\r\n\r\n--d{i}\r\n"
        ));
    }
    deep.push_str("Content-Type: text/plain\r\n\r\ndeepest\r\n");
    for i in (0..110).rev() {
        deep.push_str(&format!("--d{i}--\r\n"));
    }
    deep.push_str("--top--\r\n");
    v.push(deep.into_bytes());
    v
}

#[test]
fn python_sees_the_same_body_classes() {
    let Some(python) = python::python3() else {
        return;
    };
    let inputs = body_class_messages();
    let mut messages = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let mut out = Vec::new();
        downgrade_buffer(input, Options::default(), &mut out)
            .unwrap_or_else(|e| panic!("body class #{i}: {e}"));
        assert!(out.is_ascii(), "body class #{i}");
        messages.push(input.clone());
        messages.push(out);
    }
    let results = oracle(python, &messages);
    for i in 0..inputs.len() {
        compare(
            &format!("body class #{i}"),
            &results[2 * i],
            &results[2 * i + 1],
        );
    }
}
