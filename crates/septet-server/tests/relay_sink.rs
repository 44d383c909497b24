//! The relay against Postfix's smtp-sink as the next hop: the downgrade
//! for a hop without 8BITMIME (checked with Python's email), unchanged
//! mail for a hop with it, retries while the hop is down, and a DSN in
//! the sender's Maildir when the hop refuses.
//!
//! Needs smtp-sink (`.ci/run` unpacks Postfix under target/peers); fails
//! when it is missing unless SEPTET_SKIP_SERVER_PEERS=1.

mod common;

use std::path::Path;

use common::*;

fn send_file(dir: &Path, port: u16, from: &str, to: &str, msg: &[u8]) {
    let file = dir.join("sent.eml");
    std::fs::write(&file, msg).unwrap();
    python(
        "client.py",
        &[
            "smtplib",
            &port.to_string(),
            from,
            to,
            file.to_str().unwrap(),
        ],
    );
}

/// The message part of a sink capture: smtp-sink puts X-Client-* fields
/// and its own Received first (they stay as extra header fields, which the
/// comparison ignores) and an empty line after.
fn capture(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn hop_without_8bitmime_gets_a_lossless_7bit_message() {
    let Some(pf) = postfix() else { return };
    let dir = temp_dir("sink7");
    let sink = Sink::start(&pf, free_port(), &dir.join("sink"), &["-8"]);
    let server = relay(&dir, |c| {
        c.relayhost = Some(format!("127.0.0.1:{}", sink.port))
    });
    let msg = eight_bit_message("a@local.test", "far@remote.test");
    send_file(&dir, port(&server), "a@local.test", "far@remote.test", &msg);
    let got = sink.messages(1);
    let got_path = got[0].to_str().unwrap();
    let sent = dir.join("sent.eml");
    let out = python(
        "compare.py",
        &[sent.to_str().unwrap(), got_path, "--seven-bit"],
    );
    assert_eq!(out.trim(), "same");
    let text = String::from_utf8(capture(&got[0])).unwrap();
    let mail_args = text
        .lines()
        .find(|l| l.starts_with("X-Mail-Args:"))
        .unwrap_or_default();
    assert!(
        mail_args.starts_with("X-Mail-Args: <a@local.test>"),
        "{text}"
    );
    assert!(!mail_args.contains("BODY="), "{mail_args}");
}

#[test]
fn binarymime_over_bdat_to_a_7bit_hop_is_downgraded() {
    let Some(pf) = postfix() else { return };
    let dir = temp_dir("sinkbin");
    let sink = Sink::start(&pf, free_port(), &dir.join("sink"), &["-8"]);
    let server = relay(&dir, |c| {
        c.relayhost = Some(format!("127.0.0.1:{}", sink.port))
    });
    let mut msg = b"From: a@local.test\r\nSubject: binary\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n--zz\r\n\
        Content-Type: application/octet-stream\r\n\
        Content-Disposition: attachment; filename=\"blob.bin\"\r\n\
        Content-Transfer-Encoding: binary\r\n\r\n"
        .to_vec();
    // NUL, bare CR and LF, every byte value, a 300 KiB part.
    msg.extend((0..300_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    msg.extend_from_slice(b"\r\n--zz--\r\n");
    let file = dir.join("sent.eml");
    std::fs::write(&file, &msg).unwrap();
    let p = port(&server).to_string();
    python(
        "client.py",
        &[
            "bdat",
            &p,
            "a@local.test",
            "far@remote.test",
            file.to_str().unwrap(),
        ],
    );
    let got = sink.messages(1);
    let out = python(
        "compare.py",
        &[
            file.to_str().unwrap(),
            got[0].to_str().unwrap(),
            "--seven-bit",
        ],
    );
    assert_eq!(out.trim(), "same");
}

#[test]
fn hop_with_8bitmime_gets_the_message_unchanged() {
    let Some(pf) = postfix() else { return };
    let dir = temp_dir("sink8");
    let sink = Sink::start(&pf, free_port(), &dir.join("sink"), &[]);
    let server = relay(&dir, |c| {
        c.relayhost = Some(format!("127.0.0.1:{}", sink.port))
    });
    let msg = eight_bit_message("a@local.test", "far@remote.test");
    send_file(&dir, port(&server), "a@local.test", "far@remote.test", &msg);
    let got = capture(&sink.messages(1)[0]);
    let text = String::from_utf8_lossy(&got);
    assert!(text.contains("BODY=8BITMIME"), "{text}");
    // smtp-sink may write LF line ends; the message is byte-identical otherwise.
    let lf = crlf_to_lf(&msg);
    let (got, want) = if got.windows(2).any(|w| w == b"\r\n") {
        (got, msg)
    } else {
        (got, lf)
    };
    let at = got
        .windows(want.len())
        .position(|w| w == &want[..])
        .expect("the message, unchanged, in the capture");
    assert!(at > 0);
}

fn crlf_to_lf(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    for (i, &b) in data.iter().enumerate() {
        if !(b == b'\r' && data.get(i + 1) == Some(&b'\n')) {
            out.push(b);
        }
    }
    out
}

#[test]
fn retries_until_the_hop_is_up() {
    let Some(pf) = postfix() else { return };
    let dir = temp_dir("retry");
    let sink_port = free_port();
    let server = relay(&dir, |c| {
        c.relayhost = Some(format!("127.0.0.1:{sink_port}"));
        c.retry_interval = Some("1s".into());
    });
    let msg = b"From: a@local.test\r\nSubject: retry\r\n\r\nhello\r\n";
    send_file(&dir, port(&server), "a@local.test", "far@remote.test", msg);
    // The hop is down: the message waits in the spool with an attempt made.
    let spool = dir.join("spool");
    let env = wait_for(10, || {
        files(&spool)
            .into_iter()
            .find(|p| p.extension().is_some_and(|e| e == "env"))
            .and_then(|p| std::fs::read_to_string(p).ok())
            .filter(|t| t.contains("\"attempts\":1"))
    })
    .expect("a failed attempt is recorded");
    assert!(env.contains("connect to 127.0.0.1"), "{env}");
    let sink = Sink::start(&pf, sink_port, &dir.join("sink"), &[]);
    let got = String::from_utf8(capture(&sink.messages(1)[0])).unwrap();
    assert!(got.contains("Subject: retry"));
    assert!(wait_for(10, || files(&spool).is_empty().then_some(())).is_some());
    drop(server);
}

#[test]
fn soft_refusal_is_retried_and_hard_refusal_bounces() {
    let Some(pf) = postfix() else { return };
    let dir = temp_dir("bounce");
    // RCPT answered 5xx: a DSN goes to the local sender.
    let sink = Sink::start(&pf, free_port(), &dir.join("sink"), &["-f", "RCPT"]);
    let server = relay(&dir, |c| {
        c.relayhost = Some(format!("127.0.0.1:{}", sink.port))
    });
    let msg = b"From: a@local.test\r\nSubject: doomed\r\n\r\nhello\r\n";
    send_file(&dir, port(&server), "a@local.test", "far@remote.test", msg);
    let dsn = maildir(&dir, "a", 1);
    let out = python("dsn.py", &[dsn[0].to_str().unwrap()]);
    assert!(out.starts_with("5.3.0 rfc822; far@remote.test"), "{out}");
    let text = String::from_utf8(std::fs::read(&dsn[0]).unwrap()).unwrap();
    assert!(
        text.contains("Return-Path: <>"),
        "the DSN has the null sender"
    );
    assert!(text.contains("Subject: doomed"), "original header attached");
    drop(server);
    drop(sink);

    // RCPT answered 4xx, then a sink that accepts: delivered on retry.
    let dir = temp_dir("soft");
    let sink_port = free_port();
    let soft = Sink::start(&pf, sink_port, &dir.join("soft"), &["-r", "RCPT"]);
    let server = relay(&dir, |c| {
        c.relayhost = Some(format!("127.0.0.1:{sink_port}"));
        c.retry_interval = Some("1s".into());
    });
    send_file(&dir, port(&server), "a@local.test", "far@remote.test", msg);
    let spool = dir.join("spool");
    wait_for(10, || {
        files(&spool)
            .into_iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .find(|t| t.contains("450 4.3.0"))
    })
    .expect("the 4xx is recorded");
    drop(soft);
    let sink = Sink::start(&pf, sink_port, &dir.join("sink"), &[]);
    sink.messages(1);
    assert!(
        files(&dir.join("mail/a/new")).is_empty(),
        "no DSN for a delivered message"
    );
}
