//! Differential test against Python's `email` package
//! (`email.message_from_bytes(data, policy=email.policy.default)`, see
//! tests/python/mime_oracle.py): same parts in the same order (content
//! types, containers vs leaves), same decoded bytes for every leaf, same
//! file names. One Python process serves all messages.
//!
//! Where septet deliberately differs from Python, the case is listed in
//! [`DEVIATIONS`] with the reason, and `documented_deviations` asserts that
//! the difference is still there (so the list stays true). Corpus files
//! listed in [`CORPUS_DEVIATIONS`] are skipped for the same reasons.
//!
//! Python 3 must be installed; set `SEPTET_SKIP_PYTHON=1` to skip loudly.

#[path = "common/python.rs"]
mod python;

#[path = "common/mime_gen.rs"]
#[allow(dead_code)]
mod mime_gen;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use mime_gen::{GenOptions, Rng};
use septet::mime::Message;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct OracleMessage {
    parts: Option<Vec<OraclePart>>,
    error: Option<String>,
}

#[derive(Debug, Deserialize, PartialEq, Eq, Clone)]
struct OraclePart {
    #[serde(rename = "type")]
    ty: String,
    multipart: bool,
    filename: Option<String>,
    body: Option<String>,
}

/// Runs the oracle once over all messages.
fn oracle(mut python: Command, messages: &[Vec<u8>]) -> Vec<OracleMessage> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/mime_oracle.py");
    let mut child = python
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start python3");
    let mut stdin = child.stdin.take().unwrap();
    let input: Vec<u8> = messages
        .iter()
        .flat_map(|m| {
            let mut framed = format!("{}\n", m.len()).into_bytes();
            framed.extend_from_slice(m);
            framed
        })
        .collect();
    let writer = std::thread::spawn(move || {
        stdin.write_all(&input).unwrap();
    });
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut out = Vec::new();
    for line in stdout.lines() {
        let mut line = line.unwrap().into_bytes();
        out.push(simd_json::from_slice::<OracleMessage>(&mut line).expect("oracle JSON"));
    }
    writer.join().unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(out.len(), messages.len());
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// septet's view in the oracle's terms.
fn ours(data: &[u8]) -> Vec<OraclePart> {
    let msg = Message::parse(data).unwrap();
    msg.parts()
        .map(|p| OraclePart {
            ty: p.content_type().mime_type(),
            multipart: !p.is_leaf(),
            filename: p.filename(),
            body: p.is_leaf().then(|| hex(&p.decoded_body().unwrap())),
        })
        .collect()
}

fn compare(name: &str, data: &[u8], py: &OracleMessage) -> Result<(), String> {
    let py_parts = match (&py.parts, &py.error) {
        (Some(p), _) => p,
        (None, e) => return Err(format!("{name}: Python failed: {e:?}")),
    };
    let mine = ours(data);
    let types = |v: &[OraclePart]| v.iter().map(|p| p.ty.clone()).collect::<Vec<_>>();
    if types(&mine) != types(py_parts) {
        return Err(format!(
            "{name}: part types differ\n septet: {:?}\n python: {:?}",
            types(&mine),
            types(py_parts)
        ));
    }
    for (i, (a, b)) in mine.iter().zip(py_parts).enumerate() {
        if a != b {
            return Err(format!(
                "{name}: part {i} differs\n septet: {a:?}\n python: {b:?}"
            ));
        }
    }
    Ok(())
}

/// Corpus files where septet differs from Python on purpose (`form/name`
/// or `name` for both forms), with the deviation from [`DEVIATIONS`].
const CORPUS_DEVIATIONS: &[(&str, &str)] = &[
    ("list-footer", "D1"),
    ("e14-tspecials-boundary", "D7"),
    ("e29-cte-comment", "D3"),
    ("e34-quoted-printable", "D4"),
    ("e36-base64-rfc822", "D5"),
    ("e43-report", "D8"),
    ("e11-comments-in-ct", "D9"),
];

fn is_deviation(path: &str) -> bool {
    let name = path.split('/').nth(1).unwrap_or(path);
    CORPUS_DEVIATIONS
        .iter()
        .any(|(n, _)| *n == name || *n == path)
}

fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for form in ["lf", "crlf"] {
        let dir = format!("{}/../../corpus/{form}", env!("CARGO_MANIFEST_DIR"));
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            out.push((format!("{form}/{stem}"), std::fs::read(&path).unwrap()));
        }
    }
    out
}

#[test]
fn corpus_matches_python() {
    let Some(python) = python::python3() else {
        return;
    };
    let files: Vec<_> = corpus()
        .into_iter()
        .filter(|(name, _)| !is_deviation(name))
        .collect();
    let data: Vec<Vec<u8>> = files.iter().map(|(_, d)| d.clone()).collect();
    let py = oracle(python, &data);
    let failures: Vec<String> = files
        .iter()
        .zip(&py)
        .filter_map(|((name, d), p)| compare(name, d, p).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn generated_messages_match_python() {
    let Some(python) = python::python3() else {
        return;
    };
    let mut rng = Rng::new(0x5eed);
    let mut messages = Vec::new();
    for i in 0..600 {
        messages.push(mime_gen::message(
            &mut rng,
            GenOptions {
                crlf: i % 2 == 1,
                hostile: i % 4 >= 2,
                max_depth: 4,
            },
        ));
    }
    let py = oracle(python, &messages);
    let failures: Vec<String> = messages
        .iter()
        .zip(&py)
        .enumerate()
        .filter_map(|(i, (m, p))| compare(&format!("generated #{i}"), m, p).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} differ; first:\n{}",
        failures.len(),
        messages.len(),
        failures[..failures.len().min(3)].join("\n\n")
    );
}

/// A compact view for the deviation table: `type:body` per part (`-` for
/// containers), with `[filename]` when there is one.
fn summary(parts: &[OraclePart]) -> Vec<String> {
    parts
        .iter()
        .map(|p| {
            let body = match &p.body {
                None => "-".to_string(),
                Some(h) => {
                    let bytes: Vec<u8> = (0..h.len() / 2)
                        .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap())
                        .collect();
                    format!("{:?}", String::from_utf8_lossy(&bytes))
                }
            };
            match &p.filename {
                Some(f) => format!("{}:{body}[{f}]", p.ty),
                None => format!("{}:{body}", p.ty),
            }
        })
        .collect()
}

struct Deviation {
    id: &'static str,
    why: &'static str,
    input: &'static [u8],
    septet: &'static [&'static str],
    python: &'static [&'static str],
}

/// Where septet deliberately differs from Python 3.11's `email`
/// (policy=default). ARCHITECTURE.md (MIME parser) refers to these ids.
const DEVIATIONS: &[Deviation] = &[
    Deviation {
        id: "D1",
        why: "base64 after padding (concatenated blocks, list footers): septet decodes every \
              block and flags bad_base64; binascii stops at the first pad (CPython #137687)",
        input: b"Content-Transfer-Encoding: base64\n\nQQ==QUI=\n",
        septet: &["text/plain:\"AAB\""],
        python: &["text/plain:\"A\""],
    },
    Deviation {
        id: "D1b",
        why: "a lone trailing sextet: septet drops it and keeps the rest; Python returns the \
              raw base64 text",
        input: b"Content-Transfer-Encoding: base64\n\nQUJDQ\n",
        septet: &["text/plain:\"ABC\""],
        python: &["text/plain:\"QUJDQ\""],
    },
    Deviation {
        id: "D2",
        why: "a delimiter right after a delimiter: septet keeps an empty text/plain part \
              (IMAP numbering stays aligned with the delimiters); Python drops it",
        input: b"Content-Type: multipart/mixed; boundary=b\n\n--b\n--b\n\nx\n--b--\n",
        septet: &["multipart/mixed:-", "text/plain:\"\"", "text/plain:\"x\""],
        python: &["multipart/mixed:-", "text/plain:\"x\""],
    },
    Deviation {
        id: "D3",
        why: "Content-Transfer-Encoding with a comment is still base64 (RFC 2045 allows CFWS); \
              Python compares the raw string (CPython #98188)",
        input: b"Content-Transfer-Encoding: BASE64 (c)\n\nQUJD\n",
        septet: &["text/plain:\"ABC\""],
        python: &["text/plain:\"QUJD\\n\""],
    },
    Deviation {
        id: "D4",
        why: "quoted-printable: septet strips trailing blanks (RFC 2045 6.7 rule 3) and keeps \
              an invalid `=` literally, decoding what follows (`==41` is `=A`); Python keeps \
              the blanks and turns `==` into `=`",
        input: b"Content-Transfer-Encoding: quoted-printable\n\nab  \t\nc==41=ZZ\n",
        septet: &["text/plain:\"ab\\nc=A=ZZ\\n\""],
        python: &["text/plain:\"ab  \\t\\nc=41=ZZ\\n\""],
    },
    Deviation {
        id: "D5",
        why: "a base64 message/rfc822 is a flagged leaf in septet (decode and parse it \
              yourself); Python parses the encoded text as a message without headers",
        input: b"Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nU3ViamVjdDogeA0KDQpoaQ==\n",
        septet: &["message/rfc822:\"Subject: x\\r\\n\\r\\nhi\""],
        python: &["message/rfc822:-", "text/plain:\"U3ViamVjdDogeA0KDQpoaQ==\\n\""],
    },
    Deviation {
        id: "D6",
        why: "a child boundary `p--` makes its delimiter equal to the parent's close delimiter; \
              septet checks innermost first everywhere, Python checks the parent first while \
              reading the child's preamble",
        input: b"Content-Type: multipart/mixed; boundary=p\n\n--p\nContent-Type: multipart/mixed; boundary=p--\n\npre\n--p--\n\ninner\n--p----\n--p--\n",
        septet: &["multipart/mixed:-", "multipart/mixed:-", "text/plain:\"inner\""],
        python: &["multipart/mixed:-", "multipart/mixed:\"pre\\n\""],
    },
    Deviation {
        id: "D7",
        why: "an unquoted boundary with tspecials (`boundary===--x==`): septet reads \
              `==--x==` like compat32 does; policy=default loses it (CPython #135854)",
        input: b"Content-Type: multipart/mixed; boundary===--x==\n\n--==--x==\n\nx\n--==--x==--\n",
        septet: &["multipart/mixed:-", "text/plain:\"x\""],
        python: &["multipart/mixed:\"--==--x==\\n\\nx\\n--==--x==--\\n\""],
    },
    Deviation {
        id: "D8",
        why: "message/delivery-status has a header-like body that is not a message: a leaf \
              in septet; Python makes one sub-message per block",
        input: b"Content-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\nAction: failed\n",
        septet: &["message/delivery-status:\"Reporting-MTA: dns; x\\n\\nAction: failed\\n\""],
        python: &["message/delivery-status:-", "text/plain:\"\"", "text/plain:\"\""],
    },
    Deviation {
        id: "D9",
        why: "comments around the type: policy=default sometimes returns the whole string \
              as the type (seen with CRLF, and with LF after other messages in the process)",
        input: b"Content-Type: (a) text (b) / html (c)\r\n\r\nx",
        septet: &["text/html:\"x\""],
        python: &["(a) text (b) / html (c):\"x\""],
    },
    Deviation {
        id: "D10",
        why: "blanks before the colon (RFC 5322 obsolete syntax) are accepted by septet; \
              Python ends the header block there",
        input: b"Subject : x\nContent-Type: text/html\n\nx",
        septet: &["text/html:\"x\""],
        python: &["text/plain:\"Subject : x\\nContent-Type: text/html\\n\\nx\""],
    },
    Deviation {
        id: "D11",
        why: "an unquoted file name with spaces keeps all its words (like compat32); \
              policy=default keeps the first word",
        input: b"Content-Disposition: attachment; filename=my file.pdf\n\nx",
        septet: &["text/plain:\"x\"[my file.pdf]"],
        python: &["text/plain:\"x\"[my]"],
    },
    Deviation {
        id: "D12",
        why: "a bare CR is not a line break in septet (RFC 5322 lines end in CRLF; bare LF is \
              accepted for Unix storage); Python splits lines at CR too",
        input: b"Content-Type: multipart/mixed; boundary=b\r\r--b\r\rx\r--b--\r",
        septet: &["multipart/mixed:\"\""],
        python: &["multipart/mixed:-", "text/plain:\"x\""],
    },
    Deviation {
        id: "D13",
        why: "x-uuencode is an unknown encoding to septet: raw bytes, flagged; Python decodes it",
        input: b"Content-Transfer-Encoding: x-uuencode\n\nbegin 644 a\n#86)C\n`\nend\n",
        septet: &["text/plain:\"begin 644 a\\n#86)C\\n`\\nend\\n\""],
        python: &["text/plain:\"abc\""],
    },
];

#[test]
fn documented_deviations() {
    let Some(python) = python::python3() else {
        return;
    };
    let inputs: Vec<Vec<u8>> = DEVIATIONS.iter().map(|d| d.input.to_vec()).collect();
    let py = oracle(python, &inputs);
    for (d, p) in DEVIATIONS.iter().zip(&py) {
        let python = summary(p.parts.as_deref().unwrap_or(&[]));
        let septet = summary(&ours(d.input));
        assert_eq!(septet, d.septet, "{}: septet changed ({})", d.id, d.why);
        assert_eq!(python, d.python, "{}: Python changed ({})", d.id, d.why);
        assert_ne!(septet, python);
    }
}
