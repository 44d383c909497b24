//! STARTTLS and AUTH in the session: bytes in, replies and actions out.

use std::time::{Duration, Instant};

use super::*;
use crate::users::AuthResult;

fn config() -> SessionConfig {
    SessionConfig {
        hostname: "mx.test".into(),
        local_domains: vec!["local.test".into()],
        starttls: true,
        auth: true,
        max_auth_failures: 3,
        auth_failure_delay: Duration::from_secs(1),
        ..SessionConfig::default()
    }
}

struct T {
    s: Session,
    now: Instant,
}

impl T {
    fn new(submission: bool) -> T {
        let now = Instant::now();
        let peer = Peer {
            addr: "192.0.2.1".into(),
            relay_allowed: false,
            submission,
        };
        let mut s = Session::new(config(), peer, now);
        s.poll_output();
        T { s, now }
    }
    fn send(&mut self, data: &str) -> String {
        self.s.handle_input(self.now, data.as_bytes());
        String::from_utf8(self.s.poll_output().unwrap_or_default()).unwrap()
    }
    fn actions(&mut self) -> Vec<Action> {
        std::iter::from_fn(|| self.s.poll_action()).collect()
    }
    /// STARTTLS, the handshake reported done.
    fn tls(&mut self) {
        assert!(self.send("STARTTLS\r\n").starts_with("220 2.0.0"));
        assert_eq!(self.actions(), [Action::StartTls { discarded: 0 }]);
        self.s.handle_tls(self.now, true);
        assert!(self.s.is_tls());
    }
}

fn b64(s: &[u8]) -> String {
    septet::base64::encode(s)
}

#[test]
fn starttls_is_advertised_until_used_and_resets_the_session() {
    let mut t = T::new(false);
    let ehlo = t.send("EHLO c.test\r\n");
    assert!(
        ehlo.contains("250-STARTTLS") || ehlo.contains("250 STARTTLS"),
        "{ehlo}"
    );
    assert!(!ehlo.contains("AUTH"), "no AUTH on the MTA port: {ehlo}");
    assert!(t.send("MAIL FROM:<a@b.test>\r\n").starts_with("250"));
    t.tls();
    // EHLO and the envelope are forgotten (RFC 3207 4.2).
    assert!(t.send("MAIL FROM:<a@b.test>\r\n").starts_with("503"));
    let ehlo = t.send("EHLO c.test\r\n");
    assert!(!ehlo.contains("STARTTLS"), "{ehlo}");
    assert!(t.send("STARTTLS\r\n").starts_with("503"));
    assert!(t.send("MAIL FROM:<a@b.test>\r\n").starts_with("250"));
    assert!(t.send("RCPT TO:<u@local.test>\r\n").starts_with("250"));
    t.send("DATA\r\n");
    let tx = t.actions();
    assert!(
        matches!(&tx[0], Action::BeginMessage(tx) if tx.protocol == "ESMTPS"),
        "{tx:?}"
    );
}

#[test]
fn plaintext_pipelined_after_starttls_is_discarded() {
    // CVE-2011-0411: the injected commands arrive in the same packet as
    // STARTTLS and must not run once TLS is up.
    let mut t = T::new(false);
    t.send("EHLO c.test\r\n");
    let injected = "STARTTLS\r\nEHLO evil\r\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<u@local.test>\r\n";
    let out = t.send(injected);
    assert_eq!(out, "220 2.0.0 Ready to start TLS\r\n");
    let discarded = injected.len() - "STARTTLS\r\n".len();
    assert_eq!(t.actions(), [Action::StartTls { discarded }]);
    assert!(!t.s.wants_input(), "no reading before the handshake");
    t.s.handle_tls(t.now, true);
    assert_eq!(t.s.poll_output(), None, "no reply to the injected commands");
    // The injected EHLO and MAIL had no effect.
    assert!(t
        .send("MAIL FROM:<a@b.test>\r\n")
        .starts_with("503 5.5.1 send EHLO"));
    t.send("EHLO c.test\r\n");
    assert!(t.send("MAIL FROM:<a@b.test>\r\n").starts_with("250"));
}

#[test]
fn failed_handshake_closes() {
    let mut t = T::new(false);
    t.send("STARTTLS\r\n");
    t.actions();
    t.s.handle_tls(t.now, false);
    assert!(t.s.is_closed());
}

#[test]
fn auth_only_on_submission_after_tls() {
    let mut t = T::new(true);
    let ehlo = t.send("EHLO c.test\r\n");
    assert!(!ehlo.contains("AUTH"), "{ehlo}");
    let r = t.send(&format!("AUTH PLAIN {}\r\n", b64(b"\0alice\0pw")));
    assert!(r.starts_with("538 5.7.11"), "{r}");
    assert!(t.actions().is_empty(), "no password check in plaintext");
    assert!(t
        .send("MAIL FROM:<alice@b.test>\r\n")
        .starts_with("530 5.7.0"));
    t.tls();
    let ehlo = t.send("EHLO c.test\r\n");
    assert!(ehlo.contains("AUTH PLAIN LOGIN"), "{ehlo}");
    assert!(t
        .send("MAIL FROM:<alice@b.test>\r\n")
        .starts_with("530 5.7.0"));
    // On the MTA listener AUTH does not exist.
    let mut mta = T::new(false);
    mta.tls();
    mta.send("EHLO c.test\r\n");
    assert!(mta.send("AUTH PLAIN AGFsaWNlAHB3\r\n").starts_with("502"));
}

#[test]
fn auth_plain_then_relay_anywhere() {
    let mut t = T::new(true);
    t.tls();
    t.send("EHLO c.test\r\n");
    // Pipelined MAIL waits for the verdict.
    let r = t.send(&format!(
        "AUTH PLAIN {}\r\nMAIL FROM:<alice@b.test>\r\n",
        b64(b"\0alice\0pw")
    ));
    assert_eq!(r, "");
    assert_eq!(
        t.actions(),
        [Action::Authenticate {
            user: "alice".into(),
            password: b"pw".to_vec()
        }]
    );
    assert!(!t.s.wants_input());
    t.s.handle_auth_result(t.now, AuthResult::Ok);
    let r = String::from_utf8(t.s.poll_output().unwrap()).unwrap();
    assert_eq!(r, "235 2.7.0 authentication successful\r\n250 2.1.0 Ok\r\n");
    assert_eq!(t.s.authenticated(), Some("alice"));
    assert!(t.send("RCPT TO:<x@remote.test>\r\n").starts_with("250"));
    t.send("DATA\r\n");
    let a = t.actions();
    assert!(
        matches!(&a[0], Action::BeginMessage(tx)
            if tx.protocol == "ESMTPSA" && tx.authenticated.as_deref() == Some("alice")),
        "{a:?}"
    );
}

#[test]
fn auth_login_and_cancel() {
    let mut t = T::new(true);
    t.tls();
    t.send("EHLO c.test\r\n");
    assert_eq!(t.send("AUTH LOGIN\r\n"), "334 VXNlcm5hbWU6\r\n");
    assert_eq!(
        t.send(&format!("{}\r\n", b64(b"bob"))),
        "334 UGFzc3dvcmQ6\r\n"
    );
    assert_eq!(t.send(&format!("{}\r\n", b64(b"secret"))), "");
    assert_eq!(
        t.actions(),
        [Action::Authenticate {
            user: "bob".into(),
            password: b"secret".to_vec()
        }]
    );
    t.s.handle_auth_result(t.now, AuthResult::Ok);
    assert!(t.s.authenticated() == Some("bob"));
    let mut t = T::new(true);
    t.tls();
    t.send("EHLO c.test\r\n");
    assert_eq!(t.send("AUTH PLAIN\r\n"), "334 \r\n");
    assert!(t.send("*\r\n").starts_with("501"));
    assert!(t.send("AUTH CRAM-MD5\r\n").starts_with("504"));
    assert!(t.send("AUTH PLAIN !!!\r\n").starts_with("501"));
    let r = t.send(&format!("AUTH PLAIN {}\r\n", b64(b"mallory\0alice\0pw")));
    assert!(r.starts_with("535 5.7.8"), "{r}");
}

#[test]
fn failures_are_delayed_then_disconnect() {
    let mut t = T::new(true);
    t.tls();
    t.send("EHLO c.test\r\n");
    for round in 1..=3 {
        t.send(&format!("AUTH PLAIN {}\r\n", b64(b"\0alice\0bad")));
        assert_eq!(t.actions().len(), 1);
        t.s.handle_auth_result(t.now, AuthResult::Failed);
        if round == 3 {
            let r = String::from_utf8(t.s.poll_output().unwrap()).unwrap();
            assert!(r.starts_with("535 5.7.8") && r.contains("421 4.7.0"), "{r}");
            assert!(t.s.is_closed());
            return;
        }
        assert_eq!(t.s.poll_output(), None, "the 535 waits");
        let due = t.s.poll_timeout().unwrap();
        assert_eq!(due, t.now + Duration::from_secs(1));
        t.s.handle_timeout(t.now + Duration::from_millis(500));
        assert_eq!(t.s.poll_output(), None);
        t.now = due;
        t.s.handle_timeout(due);
        let r = String::from_utf8(t.s.poll_output().unwrap()).unwrap();
        assert_eq!(r, "535 5.7.8 authentication credentials invalid\r\n");
        assert!(!t.s.is_closed());
    }
}

#[test]
fn rate_limited_is_a_temporary_failure() {
    let mut t = T::new(true);
    t.tls();
    t.send("EHLO c.test\r\n");
    t.send(&format!("AUTH PLAIN {}\r\n", b64(b"\0alice\0pw")));
    t.actions();
    t.s.handle_auth_result(t.now, AuthResult::RateLimited);
    t.s.handle_timeout(t.now + Duration::from_secs(1));
    let r = String::from_utf8(t.s.poll_output().unwrap()).unwrap();
    assert!(r.starts_with("454 4.7.0"), "{r}");
}
