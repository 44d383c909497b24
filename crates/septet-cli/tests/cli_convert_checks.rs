//! `septet convert` as a new user meets it: a documented exit status for
//! messages copied unchanged, inputs that are not mail refused, existing
//! outputs protected (`--force`, `--append`), `-` for standard input and
//! output, and a clear `--jobs 0` error.

mod common;

use std::fs;

use common::cli::{entries, mbox, scratch, septet, septet_in, stderr};

/// A message whose address holds 8-bit bytes: the downgrade refuses it
/// (RFC 6532 addresses have no 7-bit form), so convert copies it unchanged.
const EIGHT_BIT_ADDRESS: &[u8] =
    b"From a@b Mon Jan  1 00:00:00 2024\nFrom: <j\xc3\xb6rg@example.org>\nSubject: x\n\nbody\n\n";

#[test]
fn messages_copied_unchanged_exit_3_with_the_count() {
    let dir = scratch("exit-3");
    let mut input = EIGHT_BIT_ADDRESS.to_vec();
    input.extend_from_slice(&mbox(&["ok@example.org"]));
    fs::write(dir.join("in.mbox"), &input).unwrap();
    let out = septet(
        &dir,
        ["convert", "in.mbox", "--downgrade", "-o", "out.mbox"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 message(s) could not be transformed and were copied unchanged"),
        "{}",
        stderr(&out)
    );
    // The run finished: both messages are in the output, the refused one as it was.
    let written = fs::read(dir.join("out.mbox")).unwrap();
    assert!(written.starts_with(EIGHT_BIT_ADDRESS), "{written:?}");
    assert!(written.windows(9).any(|w| w == b"message 0"));

    // Without a refused message: 0.
    fs::write(dir.join("ok.mbox"), mbox(&["ok@example.org"])).unwrap();
    let ok = septet(&dir, ["convert", "ok.mbox", "--downgrade", "-o", "ok.out"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
}

#[test]
fn exit_statuses_are_documented_in_help() {
    let dir = scratch("help");
    for args in [&["--help"][..], &["convert", "--help"]] {
        let help = septet(&dir, args);
        assert!(help.status.success());
        let text = String::from_utf8_lossy(&help.stdout);
        assert!(text.contains("Exit status:"), "{text}");
        assert!(text.contains("  3  "), "{text}");
        assert!(text.contains("copied"), "{text}");
    }
}

#[test]
fn inputs_that_are_not_mail_are_refused_before_any_output() {
    let dir = scratch("not-mail");
    // gzip magic, then deflate bytes.
    fs::write(
        dir.join("in.mbox.gz"),
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb",
    )
    .unwrap();
    let random: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    fs::write(dir.join("random.bin"), &random).unwrap();
    fs::write(dir.join("notes.txt"), b"buy milk\nand bread\n").unwrap();
    fs::create_dir(dir.join("empty")).unwrap();
    let before = entries(&dir);
    let cases = [
        ("in.mbox.gz", "gzip-compressed: decompress it first"),
        ("random.bin", "not mail: binary data"),
        ("notes.txt", "not mail: no header block"),
        ("empty", "no messages found"),
    ];
    for (input, expected) in cases {
        for to in ["mboxrd", "maildir"] {
            let out = septet(&dir, ["convert", input, "--to", to, "-o", "out"]);
            assert_eq!(out.status.code(), Some(1), "{input}: {}", stderr(&out));
            let message = stderr(&out);
            assert!(message.contains(input), "{message}");
            assert!(message.contains(expected), "{message}");
            assert_eq!(entries(&dir), before, "{input} --to {to} wrote something");
        }
    }
    // The same from standard input, named as such.
    let out = septet_in(&dir, ["convert", "-", "-o", "out"], &random);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("standard input: not mail: binary data"),
        "{}",
        stderr(&out)
    );
    assert_eq!(entries(&dir), before);
}

#[test]
fn a_single_message_file_is_still_accepted() {
    let dir = scratch("single");
    fs::write(
        dir.join("one.eml"),
        b"Subject: hi\r\nFrom: <a@b>\r\n\r\nbody\r\n",
    )
    .unwrap();
    let out = septet(&dir, ["convert", "one.eml", "-o", "out.mbox"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let written = fs::read(dir.join("out.mbox")).unwrap();
    assert!(written.starts_with(b"From "));
    assert!(written.ends_with(b"Subject: hi\r\nFrom: <a@b>\r\n\r\nbody\r\n\r\n"));
}

#[test]
fn an_existing_mbox_needs_force() {
    let dir = scratch("force");
    fs::write(dir.join("in.mbox"), mbox(&["a@example.org"])).unwrap();
    fs::write(dir.join("out.mbox"), b"keep me").unwrap();
    let out = septet(&dir, ["convert", "in.mbox", "-o", "out.mbox"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("already exists; use --force"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read(dir.join("out.mbox")).unwrap(), b"keep me");

    let out = septet(&dir, ["convert", "in.mbox", "-o", "out.mbox", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        fs::read(dir.join("out.mbox")).unwrap(),
        mbox(&["a@example.org"])
    );
    // --append is for Maildirs; --force and --append exclude each other.
    let out = septet(&dir, ["convert", "in.mbox", "-o", "out.mbox", "--append"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    let out = septet(
        &dir,
        ["convert", "in.mbox", "-o", "x", "--force", "--append"],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_maildir_with_messages_needs_append() {
    let dir = scratch("append");
    fs::write(
        dir.join("a.mbox"),
        mbox(&["a@example.org", "b@example.org"]),
    )
    .unwrap();
    fs::write(dir.join("c.mbox"), mbox(&["c@example.org"])).unwrap();
    let md = dir.join("md");
    let count = || {
        ["new", "cur"]
            .iter()
            .map(|s| fs::read_dir(md.join(s)).unwrap().count())
            .sum::<usize>()
    };
    let first = septet(&dir, ["convert", "a.mbox", "--to", "maildir", "-o", "md"]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(count(), 2);

    let again = septet(&dir, ["convert", "c.mbox", "--to", "maildir", "-o", "md"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already holds 2 message(s); use --append"),
        "{}",
        stderr(&again)
    );
    assert_eq!(count(), 2);

    let append = septet(
        &dir,
        [
            "convert", "c.mbox", "--to", "maildir", "-o", "md", "--append",
        ],
    );
    assert!(append.status.success(), "{}", stderr(&append));
    assert_eq!(count(), 3);

    // An empty folder is fine; a folder of other files is never mixed into.
    fs::create_dir(dir.join("fresh")).unwrap();
    let fresh = septet(
        &dir,
        ["convert", "c.mbox", "--to", "maildir", "-o", "fresh"],
    );
    assert!(fresh.status.success(), "{}", stderr(&fresh));
    fs::create_dir(dir.join("docs")).unwrap();
    fs::write(dir.join("docs/thesis.tex"), b"x").unwrap();
    for extra in [&[][..], &["--append"]] {
        let args = [
            &["convert", "c.mbox", "--to", "maildir", "-o", "docs"][..],
            extra,
        ]
        .concat();
        let out = septet(&dir, args);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("not a Maildir"), "{}", stderr(&out));
    }
    assert_eq!(entries(&dir.join("docs")), ["thesis.tex"]);
}

#[test]
fn dash_is_standard_input_and_output() {
    let dir = scratch("dash");
    let input = mbox(&["a@example.org", "b@example.org"]);
    let out = septet_in(&dir, ["convert", "-", "-o", "-"], &input);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(out.stdout, input);

    // A single message from standard input, into a file.
    let message = b"Subject: piped\n\nbody\n";
    let out = septet_in(&dir, ["convert", "-", "-o", "one.mbox"], message);
    assert!(out.status.success(), "{}", stderr(&out));
    let written = fs::read(dir.join("one.mbox")).unwrap();
    assert!(written.starts_with(b"From "));
    assert!(written.ends_with(b"Subject: piped\n\nbody\n\n"));

    // A file into standard output, with the report naming `-`.
    fs::write(dir.join("in.mbox"), &input).unwrap();
    let out = septet(
        &dir,
        ["convert", "in.mbox", "-o", "-", "--report", "r.json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(out.stdout, input);
    let report = fs::read_to_string(dir.join("r.json")).unwrap();
    assert!(report.contains(r#""output":"-""#), "{report}");

    // A Maildir cannot go to standard output: a usage error.
    let out = septet(&dir, ["convert", "in.mbox", "--to", "maildir", "-o", "-"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("standard output"), "{}", stderr(&out));
    let out = septet_in(&dir, ["convert", "-", "-", "-o", "x"], &input);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(entries(&dir), ["in.mbox", "one.mbox", "r.json"]);
}

#[test]
fn jobs_zero_is_a_clear_usage_error() {
    let dir = scratch("jobs");
    fs::write(dir.join("in.mbox"), mbox(&["a@example.org"])).unwrap();
    let out = septet(
        &dir,
        ["convert", "in.mbox", "-o", "out.mbox", "--jobs", "0"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--jobs must be at least 1"),
        "{}",
        stderr(&out)
    );
    assert_eq!(entries(&dir), ["in.mbox"]);
}
