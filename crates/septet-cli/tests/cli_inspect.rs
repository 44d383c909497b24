//! `septet inspect` warns when its input is not one message: an mbox gets
//! a hint towards `septet convert`, other input the library's reason.

mod common;

use std::fs;

use common::cli::{scratch, septet, septet_in, stderr};

#[test]
fn a_message_gets_no_warning() {
    let dir = scratch("inspect-message");
    let out = septet_in(&dir, ["inspect"], b"Subject: hi\n\nbody\n");
    assert!(out.status.success());
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains(" text/plain"));
}

#[test]
fn an_mbox_gets_a_hint_towards_convert() {
    let dir = scratch("inspect-mbox");
    fs::write(
        dir.join("in.mbox"),
        b"From a@b Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\n\n\
          From c@d Mon Jan  1 00:00:01 2024\nSubject: y\n\nbody\n",
    )
    .unwrap();
    let out = septet(&dir, ["inspect", "in.mbox"]);
    assert!(out.status.success());
    let warning = stderr(&out);
    assert!(
        warning.starts_with("septet: inspect: warning: this looks like an mbox"),
        "{warning}"
    );
    assert!(warning.contains("septet convert"), "{warning}");
    // The tree is still printed.
    assert!(!out.stdout.is_empty());

    // One message saved from an mbox: its envelope line is skipped, and said.
    fs::write(
        dir.join("one.mbox"),
        b"From a@b Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\n",
    )
    .unwrap();
    let out = septet(&dir, ["inspect", "one.mbox"]);
    assert!(out.status.success());
    let note = stderr(&out);
    assert!(note.contains("skipped its `From ` envelope line"), "{note}");
    assert!(String::from_utf8_lossy(&out.stdout).contains(" text/plain"));
}

#[test]
fn non_messages_are_named() {
    let dir = scratch("inspect-not-mail");
    let cases: [(&[u8], &str); 4] = [
        (
            b"\x1f\x8b\x08\x00rest",
            "gzip-compressed: decompress it first",
        ),
        (b"\x01\x02\x00\x03", "binary data"),
        (b"just some text\n", "no header block"),
        (b"", "the input is empty"),
    ];
    for (input, expected) in cases {
        let out = septet_in(&dir, ["inspect"], input);
        assert!(out.status.success());
        let warning = stderr(&out);
        assert!(warning.contains("warning: "), "{warning}");
        assert!(warning.contains(expected), "{expected}: {warning}");
    }
}
