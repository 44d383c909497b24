//! Issue 11 on the command line: `septet downgrade` says on standard
//! error what it could not carry losslessly (bytes outside any part) and
//! that it kept an mbox envelope line; `septet inspect` skips such a line.

mod common;

use common::cli::piped;

#[test]
fn downgrade_warns_about_replaced_preamble_bytes() {
    let msg = b"Content-Type: multipart/mixed; boundary=b\r\n\r\npr\xe9amble \xff\r\n\
        --b\r\n\r\nx\r\n--b--\r\n";
    let (ok, out, err) = piped(&["downgrade"], msg);
    assert!(ok, "{err}");
    assert!(out.is_ascii());
    assert!(err.contains("warning: 2 bytes"), "{err}");
    let (ok, _, err) = piped(&["downgrade"], b"Subject: x\r\n\r\nplain\r\n");
    assert!(ok && err.is_empty(), "{err}");
}

#[test]
fn downgrade_keeps_an_envelope_line_and_says_so() {
    let msg = "From a@b.example Mon Dec  7 12:00:00 2026\nSubject: Grüße\n\nGrüße\n";
    let (ok, out, err) = piped(&["downgrade"], msg.as_bytes());
    assert!(ok, "{err}");
    assert!(out.starts_with(b"From a@b.example Mon Dec  7 12:00:00 2026\r\nSubject: =?"));
    assert!(err.contains("envelope line"), "{err}");
}

#[test]
fn inspect_skips_an_envelope_line() {
    let msg = b"From a@b.example Mon Dec  7 12:00:00 2026\nSubject: x\n\
        Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n";
    let (ok, out, err) = piped(&["inspect"], msg);
    assert!(ok, "{err}");
    assert!(
        err.contains("skipped its `From ` envelope line (42 bytes)"),
        "{err}"
    );
    let out = String::from_utf8(out).unwrap();
    assert!(out.starts_with("[root] multipart/mixed"), "{out}");
    // Two messages: an mbox, not skipped.
    let mbox = [
        &msg[..],
        b"\nFrom c@d Mon Dec  7 12:00:01 2026\nSubject: y\n\ny\n",
    ]
    .concat();
    let (_, _, err) = piped(&["inspect"], &mbox);
    assert!(err.contains("looks like an mbox"), "{err}");
    assert!(!err.contains("skipped"), "{err}");
}

#[test]
fn convert_downgrade_warns_about_replaced_preamble_bytes() {
    let mbox = b"From a@b Mon Dec  7 12:00:00 2026\n\
        Content-Type: multipart/mixed; boundary=b\n\npr\xe9amble\n--b\n\nx\xe9\n--b--\n";
    let (ok, out, err) = piped(&["convert", "-", "-o", "-", "--downgrade"], mbox);
    assert!(ok, "{err}");
    assert!(out.is_ascii());
    assert!(err.contains("warning: 1 byte(s)"), "{err}");
}

#[test]
fn downgrade_of_a_file_encodes_late_eight_bit_and_smtp_refuses_it() {
    let mut msg = b"Subject: x\r\n\r\n".to_vec();
    // Past the streaming lookahead, so that SMTP mode has passed it on.
    let mut i = 0;
    while msg.len() < septet::downgrade::DEFAULT_WINDOW + 100 {
        msg.extend_from_slice(format!("line {i}\r\n").as_bytes());
        i += 1;
    }
    msg.extend_from_slice("café\r\n".as_bytes());
    let (ok, out, err) = piped(&["downgrade"], &msg);
    assert!(ok, "{err}");
    assert!(out.is_ascii());
    let parsed = septet::mime::Message::parse(&out).unwrap();
    assert!(parsed.root().text().0.ends_with("café\r\n"));
    // As SMTP DATA it streams, so the part has gone out: refused.
    let wire = [&msg[..], b".\r\n"].concat();
    let (ok, _, err) = piped(&["downgrade", "--smtp"], &wire);
    assert!(!ok && err.contains("8-bit data"), "{err}");
}
