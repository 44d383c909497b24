//! Real SMTP clients against the relay: `swaks --pipeline` and Postfix's
//! `smtp-source` (several sessions, several messages each) into a local
//! Maildir.

mod common;

use std::process::Command;

use common::*;

#[test]
fn swaks_pipelining() {
    let Some(swaks) = swaks() else { return };
    let dir = temp_dir("swaks");
    let server = relay(&dir, |_| {});
    let out = Command::new("perl")
        .arg(&swaks)
        .args([
            "--server",
            "127.0.0.1",
            "--port",
            &port(&server).to_string(),
        ])
        .args([
            "--from",
            "s@far.test",
            "--to",
            "bob@local.test,amy@local.test",
            "--pipeline",
        ])
        .args(["--header", "Subject: swaks test", "--body", "piped"])
        .output()
        .expect("perl runs swaks");
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{log}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(log.contains("PIPELINING"), "{log}");
    for user in ["bob", "amy"] {
        let text = std::fs::read_to_string(&maildir(&dir, user, 1)[0]).unwrap();
        assert!(
            text.contains("Subject: swaks test") && text.contains("piped"),
            "{text}"
        );
    }
}

#[test]
fn smtp_source_sessions() {
    let Some(pf) = postfix() else { return };
    let dir = temp_dir("source");
    let server = relay(&dir, |_| {});
    let status = Command::new(pf.join("usr/sbin/smtp-source"))
        .env("LD_LIBRARY_PATH", pf.join("usr/lib/postfix"))
        .args([
            "-s",
            "4",
            "-m",
            "40",
            "-l",
            "5120",
            "-f",
            "s@far.test",
            "-t",
            "bob@local.test",
        ])
        .arg(format!("127.0.0.1:{}", port(&server)))
        .status()
        .expect("smtp-source runs");
    assert!(status.success());
    let got = maildir(&dir, "bob", 40);
    assert_eq!(got.len(), 40);
}
