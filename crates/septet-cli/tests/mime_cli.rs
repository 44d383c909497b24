//! `septet inspect`: the tree and the JSON output.

use std::process::Command;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct PartJson {
    section: String,
    content_type: String,
    charset: Option<String>,
    transfer_encoding: String,
    disposition: Option<String>,
    filename: Option<String>,
    header_offset: usize,
    body_offset: usize,
    body_length: usize,
    decoded_length: usize,
    flags: Vec<String>,
    children: Vec<PartJson>,
}

fn inspect(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_septet"))
        .arg("inspect")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn corpus(name: &str) -> String {
    format!(
        "{}/../../corpus/crlf/{name}.eml",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn json_nests_parts_with_offsets() {
    let path = corpus("forwarded");
    let mut json = inspect(&["--json", &path]).into_bytes();
    let root: PartJson = simd_json::from_slice(&mut json).unwrap();
    let data = std::fs::read(&path).unwrap();
    assert_eq!(root.section, "");
    assert_eq!(root.content_type, "multipart/mixed");
    assert_eq!(root.header_offset, 0);
    let sections: Vec<&str> = root.children.iter().map(|c| c.section.as_str()).collect();
    assert_eq!(sections, ["1", "2", "3"]);
    let fwd = &root.children[1];
    assert_eq!(fwd.content_type, "message/rfc822");
    assert_eq!(fwd.disposition.as_deref(), Some("inline"));
    let inner = &fwd.children[0];
    assert_eq!((inner.section.as_str(), inner.children.len()), ("2", 2));
    let pdf = &root.children[2];
    assert_eq!(pdf.filename.as_deref(), Some("q3.pdf"));
    assert_eq!(pdf.transfer_encoding, "base64");
    assert_eq!(pdf.decoded_length, 408);
    assert!(data[pdf.body_offset..pdf.body_offset + pdf.body_length].starts_with(b"JVBERi0xLj"));
    let text = &root.children[0];
    assert_eq!(text.charset.as_deref(), Some("us-ascii"));
    assert!(text.flags.is_empty() && text.children.is_empty());
    assert!(data[text.header_offset..].starts_with(b"Content-Type: text/plain"));
}

#[test]
fn json_reports_flags_and_reads_stdin() {
    let path = corpus("list-footer");
    let file = std::fs::File::open(&path).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_septet"))
        .args(["inspect", "--json", "-"])
        .stdin(file)
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut json = out.stdout;
    let root: PartJson = simd_json::from_slice(&mut json).unwrap();
    assert_eq!(root.section, "1");
    assert_eq!(root.flags, ["bad_base64"]);
}

#[test]
fn tree_is_indented() {
    let text = inspect(&[&corpus("alternative-related")]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5);
    assert!(lines[0].starts_with("[root] multipart/alternative"));
    assert!(lines[3].starts_with("    [2.1] text/html; charset=utf-8  quoted-printable"));
    assert!(lines[4].contains("\"chart.png\""));
}

#[test]
fn missing_file_is_an_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_septet"))
        .args(["inspect", "/nonexistent/message.eml"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nonexistent"));
}
