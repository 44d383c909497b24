//! End to end over loopback with Python clients: smtplib / pipelined DATA
//! / BDAT → septet relay → local Maildir; the open-relay refusal; one
//! relay handing mail to another over BDAT (CHUNKING + BINARYMIME).

mod common;

use common::*;

fn send(mode: &str, port: u16, from: &str, to: &str, msg: &[u8], dir: &std::path::Path) {
    let file = dir.join(format!("sent-{mode}.eml"));
    std::fs::write(&file, msg).unwrap();
    python(
        "client.py",
        &[mode, &port.to_string(), from, to, file.to_str().unwrap()],
    );
}

#[test]
fn smtplib_pipelining_and_bdat_into_maildir_unchanged() {
    let dir = temp_dir("local");
    let server = relay(&dir, |_| {});
    let msg = eight_bit_message("sender@far.test", "bob@local.test");
    send(
        "smtplib",
        port(&server),
        "sender@far.test",
        "bob@local.test",
        &msg,
        &dir,
    );
    send(
        "pipeline",
        port(&server),
        "sender@far.test",
        "bob@local.test",
        &msg,
        &dir,
    );
    send(
        "bdat",
        port(&server),
        "sender@far.test",
        "bob@local.test",
        &msg,
        &dir,
    );
    let delivered = maildir(&dir, "bob", 3);
    for path in delivered {
        let stored = std::fs::read(&path).unwrap();
        assert!(stored.starts_with(b"Return-Path: <sender@far.test>\r\nReceived: from "));
        assert_eq!(without_trace(&stored), &msg[..], "{}", path.display());
    }
    server.shutdown();
    // Delivered messages leave the spool.
    assert!(files(&dir.join("spool")).is_empty());
}

#[test]
fn smtputf8_mail_to_a_local_user() {
    let dir = temp_dir("utf8");
    let server = relay(&dir, |_| {});
    let msg = "From: <j\u{f6}rg@far.test>\r\nSubject: \u{2713}\r\n\r\nok\r\n".as_bytes();
    send(
        "smtplib-utf8",
        port(&server),
        "j\u{f6}rg@far.test",
        "amy@local.test",
        msg,
        &dir,
    );
    let stored = std::fs::read(&maildir(&dir, "amy", 1)[0]).unwrap();
    assert_eq!(without_trace(&stored), msg);
}

#[test]
fn not_an_open_relay() {
    let dir = temp_dir("openrelay");
    let server = relay(&dir, |_| {});
    let p = port(&server).to_string();
    // 127.0.0.2 is outside --relay-network 127.0.0.1/32.
    assert_eq!(
        python("client.py", &["probe", &p, "127.0.0.2", "x@far.test"]).trim(),
        "554"
    );
    assert_eq!(
        python("client.py", &["probe", &p, "127.0.0.2", "bob@local.test"]).trim(),
        "250"
    );
    assert_eq!(
        python("client.py", &["probe", &p, "127.0.0.1", "x@far.test"]).trim(),
        "250"
    );
}

#[test]
fn relay_to_a_chunking_hop_sends_bdat_unchanged() {
    let dir = temp_dir("hop");
    let hop = relay(&dir.join("hop"), |c| {
        c.local_domain = vec!["far.test".into()]
    });
    let hop_port = port(&hop);
    let front = relay(&dir, |c| {
        c.relayhost = Some(format!("127.0.0.1:{hop_port}"))
    });
    let msg = eight_bit_message("a@local.test", "carl@far.test");
    send(
        "bdat",
        port(&front),
        "a@local.test",
        "carl@far.test",
        &msg,
        &dir,
    );
    send(
        "smtplib",
        port(&front),
        "a@local.test",
        "carl@far.test",
        &msg,
        &dir,
    );
    let got = maildir(&dir.join("hop"), "carl", 2);
    for path in got {
        let stored = std::fs::read(&path).unwrap();
        // The hop's Return-Path and Received, then the front relay's Received.
        assert_eq!(without_trace(&stored), &msg[..]);
    }
}
