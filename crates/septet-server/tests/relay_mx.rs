//! MX delivery without a relayhost, against a small authoritative DNS
//! responder on loopback (tests/dns_util) and Postfix's smtp-sink as the
//! mail exchanger (dialled on `smtp_port` instead of 25): MX routing, the
//! next MX when the first is down, a null MX bouncing with 5.1.10, and
//! NXDOMAIN bouncing with 5.1.2.
//!
//! Needs smtp-sink (`.ci/run` unpacks Postfix under target/peers); fails
//! when it is missing unless SEPTET_SKIP_SERVER_PEERS=1.

mod common;
mod dns_util;

use std::path::Path;

use common::*;
use dns_util::{Dns, Zone};

fn send(dir: &Path, port: u16, to: &str, subject: &str) {
    let file = dir.join("sent.eml");
    let msg = format!("From: a@local.test\r\nTo: <{to}>\r\nSubject: {subject}\r\n\r\nhello\r\n");
    std::fs::write(&file, msg).unwrap();
    python(
        "client.py",
        &[
            "smtplib",
            &port.to_string(),
            "a@local.test",
            to,
            file.to_str().unwrap(),
        ],
    );
}

fn zone() -> Zone {
    Zone::default()
        .mx("sink.test", 10, "mx.sink.test")
        .a("mx.sink.test", "127.0.0.1")
        // The preferred MX refuses connections (nothing listens on .2).
        .mx("backup.test", 20, "mx.sink.test")
        .mx("backup.test", 10, "down.backup.test")
        .a("down.backup.test", "127.0.0.2")
        .mx("null.test", 0, ".")
        .a("implicit.test", "127.0.0.1")
}

#[test]
fn mail_follows_the_mx_records_to_the_sink() {
    let Some(pf) = postfix() else { return };
    let dir = temp_dir("mx");
    let dns = Dns::start(zone());
    let sink = Sink::start(&pf, free_port(), &dir.join("sink"), &[]);
    let server = relay(&dir, |c| {
        c.dns_server = Some(dns.addr.to_string());
        c.smtp_port = Some(sink.port);
        c.retry_interval = Some("1s".into());
    });
    send(&dir, port(&server), "far@sink.test", "via mx");
    let got = sink.messages(1);
    let text = String::from_utf8_lossy(&std::fs::read(&got[0]).unwrap()).into_owned();
    assert!(text.contains("Subject: via mx"), "{text}");
    assert!(text.contains("<far@sink.test>"), "{text}");

    // The implicit MX: no MX records, the domain's own A record.
    send(&dir, port(&server), "far@implicit.test", "implicit");
    let got = sink.messages(2);
    let all: String = got
        .iter()
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
        .collect();
    assert!(all.contains("Subject: implicit"), "{all}");
    let spool = dir.join("spool");
    assert!(wait_for(10, || files(&spool).is_empty().then_some(())).is_some());
    assert!(files(&dir.join("mail/a/new")).is_empty(), "no DSN");
}

#[test]
fn the_next_mx_is_used_when_the_first_is_down() {
    let Some(pf) = postfix() else { return };
    let dir = temp_dir("mxbackup");
    let dns = Dns::start(zone());
    let sink = Sink::start(&pf, free_port(), &dir.join("sink"), &[]);
    let server = relay(&dir, |c| {
        c.dns_server = Some(dns.addr.to_string());
        c.smtp_port = Some(sink.port);
    });
    send(&dir, port(&server), "far@backup.test", "backup mx");
    let got = sink.messages(1);
    let text = String::from_utf8_lossy(&std::fs::read(&got[0]).unwrap()).into_owned();
    assert!(text.contains("Subject: backup mx"), "{text}");
    assert!(files(&dir.join("mail/a/new")).is_empty(), "no DSN");
}

#[test]
fn null_mx_and_nxdomain_bounce_with_a_dsn() {
    let dir = temp_dir("nullmx");
    let dns = Dns::start(zone());
    let server = relay(&dir, |c| {
        c.dns_server = Some(dns.addr.to_string());
        c.smtp_port = Some(free_port());
    });
    send(&dir, port(&server), "nobody@null.test", "to a null mx");
    let dsn = maildir(&dir, "a", 1);
    let out = python("dsn.py", &[dsn[0].to_str().unwrap()]);
    assert!(out.starts_with("5.1.10 rfc822; nobody@null.test"), "{out}");
    let text = String::from_utf8(std::fs::read(&dsn[0]).unwrap()).unwrap();
    assert!(
        text.contains("Subject: to a null mx"),
        "original header attached"
    );

    send(&dir, port(&server), "x@nowhere.test", "to nowhere");
    let dsn = maildir(&dir, "a", 2);
    let outs: Vec<String> = dsn
        .iter()
        .map(|p| python("dsn.py", &[p.to_str().unwrap()]))
        .collect();
    assert!(
        outs.iter()
            .any(|o| o.starts_with("5.1.2 rfc822; x@nowhere.test")),
        "{outs:?}"
    );
    drop(server);
}
