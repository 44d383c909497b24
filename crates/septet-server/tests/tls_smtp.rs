//! TLS and AUTH on the relay with real clients on loopback: Python's
//! smtplib (`starttls()` + `login()` on the submission port, the message
//! relayed to smtp-sink), `swaks --tls --auth PLAIN`, AUTH refused before
//! TLS, the CVE-2011-0411 injection, and one septet relay handing mail to
//! another over STARTTLS.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use septet_server::Server;

/// A relay with TLS, a submission listener and `alice` / `secret` in its
/// users file; mail for other domains goes to `relayhost`. Only
/// 127.0.0.2/32 may relay without AUTH, so loopback clients need it.
fn tls_relay(dir: &Path, relayhost: Option<String>) -> Server {
    let (cert, key) = tls::certificate(dir);
    let users = dir.join("users");
    septet_server::users::set_password(&users, "alice", b"secret").unwrap();
    relay(dir, |c| {
        c.submission = vec!["127.0.0.1:0".into()];
        c.tls_cert = Some(cert);
        c.tls_key = Some(key);
        c.users = Some(users);
        c.relay_network = vec!["127.0.0.2/32".into()];
        c.relayhost = relayhost;
    })
}

fn submission_port(server: &Server) -> u16 {
    server.local_addrs()[1].port()
}

#[test]
fn smtplib_starttls_login_relays_to_the_sink() {
    let Some(postfix) = postfix() else { return };
    let dir = temp_dir("tls-submit");
    let sink = Sink::start(&postfix, free_port(), &dir.join("sink"), &[]);
    let server = tls_relay(&dir, Some(format!("127.0.0.1:{}", sink.port)));
    let port = submission_port(&server).to_string();
    let out = python(
        "tls_client.py",
        &["submit", &port, "alice", "secret", "bob@far.test"],
    );
    assert!(out.contains("submitted"), "{out}");
    let got = std::fs::read_to_string(&sink.messages(1)[0]).unwrap();
    assert!(got.contains("sent over TLS with AUTH"), "{got}");
    assert!(got.contains("with ESMTPSA"), "the Received field: {got}");
}

#[test]
fn the_mta_port_keeps_the_open_relay_rule_and_has_no_auth() {
    let dir = temp_dir("tls-mta");
    let server = tls_relay(&dir, None);
    let s = Command::new("python3")
        .arg("-c")
        .arg(
            "import smtplib,ssl,sys\n\
             c=ssl.create_default_context();c.check_hostname=False;c.verify_mode=ssl.CERT_NONE\n\
             s=smtplib.SMTP('127.0.0.1',int(sys.argv[1]));s.starttls(context=c);s.ehlo('x')\n\
             assert not s.has_extn('auth'),s.esmtp_features\n\
             s.mail('a@far.test');code,_=s.rcpt('b@elsewhere.test');assert code==554,code\n\
             code,_=s.rcpt('u@local.test');assert code==250,code\n\
             print('ok')",
        )
        .arg(port(&server).to_string())
        .output()
        .unwrap();
    assert!(
        s.status.success(),
        "{}{}",
        String::from_utf8_lossy(&s.stdout),
        String::from_utf8_lossy(&s.stderr)
    );
}

#[test]
fn plaintext_injected_after_starttls_is_not_run() {
    let dir = temp_dir("tls-inject");
    let server = tls_relay(&dir, None);
    let out = python("tls_client.py", &["inject", &port(&server).to_string()]);
    assert!(out.contains("injection refused"), "{out}");
}

#[test]
fn swaks_tls_auth_plain() {
    let Some(swaks) = swaks() else { return };
    let dir = temp_dir("tls-swaks");
    let server = tls_relay(&dir, None);
    let swaks_run = |password: &str| {
        Command::new("perl")
            .arg(&swaks)
            .args(["--server", "127.0.0.1", "--port"])
            .arg(submission_port(&server).to_string())
            .args(["--from", "alice@local.test", "--to", "carol@local.test"])
            .args(["--tls", "--auth", "PLAIN", "--auth-user", "alice"])
            .args(["--auth-password", password])
            .args(["--header", "Subject: swaks tls", "--body", "over tls"])
            .output()
            .expect("perl runs swaks")
    };
    let out = swaks_run("secret");
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{log}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(log.contains("235 2.7.0"), "{log}");
    let text = std::fs::read_to_string(&maildir(&dir, "carol", 1)[0]).unwrap();
    assert!(text.contains("Subject: swaks tls"), "{text}");
    let out = swaks_run("wrong");
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(log.contains("535 5.7.8"), "{log}");
}

#[test]
fn relay_to_relay_over_starttls() {
    let dir_b = temp_dir("tls-hop-b");
    let (cert, key) = tls::certificate(&dir_b);
    let b = relay(&dir_b, |c| {
        c.local_domain = vec!["b.test".into()];
        c.tls_cert = Some(cert);
        c.tls_key = Some(key);
    });
    let dir_a = temp_dir("tls-hop-a");
    let a = relay(&dir_a, |c| {
        c.relayhost = Some(format!("127.0.0.1:{}", port(&b)));
    });
    let out = python(
        "tls_client.py",
        &["send", &port(&a).to_string(), "zed@b.test"],
    );
    assert!(out.contains("sent"), "{out}");
    let text = std::fs::read_to_string(&maildir(&dir_b, "zed", 1)[0]).unwrap();
    assert!(text.contains("relay to relay"), "{text}");
    // B's Received field: A came in over STARTTLS (RFC 3848 ESMTPS).
    let b_received = text.split("Received:").nth(1).expect("B's Received field");
    assert!(
        b_received.contains("by mx.local.test (septet) with ESMTPS"),
        "{text}"
    );
}
