//! `septet convert --rejects FILE`: messages the downgrade refuses are set
//! aside in their own mbox instead of being copied into the output, and the
//! run exits 0 with the count on stderr.

mod common;

use std::fs;

use common::cli::{mbox, scratch, septet, stderr};

/// A message whose address holds 8-bit bytes: the downgrade refuses it.
const EIGHT_BIT_ADDRESS: &[u8] =
    b"From a@b Mon Jan  1 00:00:00 2024\nFrom: <j\xc3\xb6rg@example.org>\nSubject: x\n\nbody\n\n";

#[test]
fn refused_messages_go_to_the_rejects_file_and_the_status_is_0() {
    let dir = scratch("rejects");
    let mut input = EIGHT_BIT_ADDRESS.to_vec();
    input.extend_from_slice(&mbox(&["ok@example.org"]));
    fs::write(dir.join("in.mbox"), &input).unwrap();
    let args = [
        "convert",
        "in.mbox",
        "--downgrade",
        "-o",
        "out.mbox",
        "--rejects",
        "rejects.mbox",
        "--report",
        "r.json",
    ];
    let out = septet(&dir, args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 message(s) could not be transformed and were set aside"),
        "{}",
        stderr(&out)
    );
    // The refused message is in the rejects file as it was, and only the
    // converted one is in the output.
    let rejects = fs::read(dir.join("rejects.mbox")).unwrap();
    assert_eq!(rejects, EIGHT_BIT_ADDRESS);
    let written = fs::read(dir.join("out.mbox")).unwrap();
    assert!(
        !written.windows(3).any(|w| w == b"j\xc3\xb6"),
        "{written:?}"
    );
    assert!(written.windows(9).any(|w| w == b"message 0"));
    let report = fs::read_to_string(dir.join("r.json")).unwrap();
    assert!(report.contains("\"rejects\":\"rejects.mbox\""), "{report}");
    assert!(report.contains("\"failed\":1"), "{report}");

    // An existing rejects file is replaced only with --force.
    let again = septet(
        &dir,
        args.iter().map(|a| a.replace("out.mbox", "out2.mbox")),
    );
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
    assert!(stderr(&again).contains("rejects.mbox already exists"));
}

#[test]
fn no_rejects_file_when_nothing_is_refused() {
    let dir = scratch("rejects-none");
    fs::write(dir.join("ok.mbox"), mbox(&["ok@example.org"])).unwrap();
    let out = septet(
        &dir,
        [
            "convert",
            "ok.mbox",
            "--downgrade",
            "-o",
            "out.mbox",
            "--rejects",
            "rejects.mbox",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!dir.join("rejects.mbox").exists());
    assert!(dir.join("out.mbox").exists());
}

#[test]
fn rejects_must_be_a_file_of_its_own() {
    let dir = scratch("rejects-usage");
    fs::write(dir.join("ok.mbox"), mbox(&["ok@example.org"])).unwrap();
    for bad in ["-", "out.mbox"] {
        let out = septet(
            &dir,
            ["convert", "ok.mbox", "-o", "out.mbox", "--rejects", bad],
        );
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
    }
}

#[test]
fn a_maildir_output_sets_refused_messages_aside_in_an_mbox() {
    let dir = scratch("rejects-maildir");
    let mut input = EIGHT_BIT_ADDRESS.to_vec();
    input.extend_from_slice(&mbox(&["ok@example.org"]));
    fs::write(dir.join("in.mbox"), &input).unwrap();
    let out = septet(
        &dir,
        [
            "convert",
            "in.mbox",
            "--downgrade",
            "--to",
            "maildir",
            "-o",
            "md",
            "--rejects",
            "rejects.mbox",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        fs::read(dir.join("rejects.mbox")).unwrap(),
        EIGHT_BIT_ADDRESS
    );
    let delivered = fs::read_dir(dir.join("md/new")).unwrap().count()
        + fs::read_dir(dir.join("md/cur")).unwrap().count();
    assert_eq!(delivered, 1);
}
