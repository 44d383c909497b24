//! POP3 session tests: bytes in, replies out, a Maildir in a temp dir.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::*;
use crate::users::{hash_password, Authenticator, LimiterConfig, Users};

pub(crate) fn context(root: &Path) -> AccessContext {
    let h = hash_password(b"pw").unwrap();
    let users = Users::parse(&format!("alice:{h}\n")).unwrap();
    let auth = Authenticator::new(
        users,
        LimiterConfig {
            max_failures: 3,
            window: Duration::from_secs(60),
        },
    );
    AccessContext::new(root.to_owned(), Arc::new(auth))
}

fn deliver(root: &Path, name: &str, data: &str) {
    let dir = root.join("alice");
    crate::mailstore::ensure_maildir(&dir).unwrap();
    std::fs::write(dir.join("new").join(name), data).unwrap();
}

struct T {
    s: Session,
    now: Instant,
}

impl T {
    fn new(ctx: &AccessContext) -> T {
        let now = Instant::now();
        let mut s = Session::new(ctx.clone(), "127.0.0.1".into(), now);
        let greeting = String::from_utf8(s.poll_output().unwrap()).unwrap();
        assert!(greeting.starts_with("+OK "), "{greeting}");
        T { s, now }
    }
    fn send(&mut self, data: &str) -> String {
        self.s.handle_input(self.now, data.as_bytes());
        String::from_utf8(self.s.poll_output().unwrap_or_default()).unwrap()
    }
    fn login(&mut self) -> String {
        assert!(self.send("USER alice\r\n").starts_with("+OK"));
        self.send("PASS pw\r\n")
    }
}

#[test]
fn full_transaction_with_update_phase() {
    let dir = tempfile::tempdir().unwrap();
    deliver(dir.path(), "1000.a.host", "Subject: one\n\nline1\n.dot\n");
    deliver(dir.path(), "1001.b.host", "Subject: two\r\n\r\nbody\r\n");
    let ctx = context(dir.path());
    let mut t = T::new(&ctx);
    assert!(t.send("STAT\r\n").starts_with("-ERR"));
    // LF files are sized as CRLF: 25 bytes and 4 LFs make 29.
    assert_eq!(t.login(), "+OK maildrop has 2 messages (51 octets)\r\n");
    assert_eq!(t.send("STAT\r\n"), "+OK 2 51\r\n");
    assert_eq!(
        t.send("LIST\r\n"),
        "+OK scan listing follows\r\n1 29\r\n2 22\r\n.\r\n"
    );
    assert_eq!(t.send("LIST 2\r\n"), "+OK 2 22\r\n");
    assert_eq!(
        t.send("UIDL\r\n"),
        "+OK unique-id listing follows\r\n1 1000.a.host\r\n2 1001.b.host\r\n.\r\n"
    );
    assert_eq!(
        t.send("RETR 1\r\n"),
        "+OK 29 octets\r\nSubject: one\r\n\r\nline1\r\n..dot\r\n.\r\n"
    );
    assert_eq!(
        t.send("TOP 1 0\r\n"),
        "+OK 29 octets\r\nSubject: one\r\n\r\n.\r\n"
    );
    assert_eq!(
        t.send("TOP 1 1\r\n"),
        "+OK 29 octets\r\nSubject: one\r\n\r\nline1\r\n.\r\n"
    );
    assert_eq!(t.send("DELE 1\r\n"), "+OK message 1 deleted\r\n");
    assert!(t.send("DELE 1\r\n").starts_with("-ERR"));
    assert!(t.send("RETR 1\r\n").starts_with("-ERR"));
    assert_eq!(t.send("STAT\r\n"), "+OK 1 22\r\n");
    assert_eq!(
        t.send("RSET\r\n"),
        "+OK maildrop has 2 messages (51 octets)\r\n"
    );
    assert_eq!(t.send("DELE 2\r\n"), "+OK message 2 deleted\r\n");
    // Nothing is removed before QUIT.
    assert!(dir.path().join("alice/new/1001.b.host").exists());
    assert!(t.send("QUIT\r\n").starts_with("+OK"));
    assert!(t.s.is_closed());
    assert!(!dir.path().join("alice/new/1001.b.host").exists());
    assert!(dir.path().join("alice/new/1000.a.host").exists());
}

#[test]
fn disconnect_without_quit_deletes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    deliver(dir.path(), "1.x", "a\n");
    let ctx = context(dir.path());
    let mut t = T::new(&ctx);
    t.login();
    t.send("DELE 1\r\n");
    t.s.handle_close();
    assert!(dir.path().join("alice/new/1.x").exists());
    // The lock was released with the session.
    let mut t2 = T::new(&ctx);
    assert!(t2.login().starts_with("+OK"));
}

#[test]
fn second_session_gets_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let mut a = T::new(&ctx);
    assert!(a.login().starts_with("+OK maildrop has 0 messages"));
    let mut b = T::new(&ctx);
    assert!(b.login().starts_with("-ERR [IN-USE]"));
    a.send("QUIT\r\n");
    assert!(b.login().starts_with("+OK"));
}

#[test]
fn wrong_passwords_are_rate_limited() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let mut t = T::new(&ctx);
    for _ in 0..3 {
        t.send("USER alice\r\n");
        assert!(t.send("PASS nope\r\n").starts_with("-ERR [AUTH] invalid"));
    }
    t.send("USER alice\r\n");
    assert!(t.send("PASS pw\r\n").starts_with("-ERR [AUTH] too many"));
    assert!(t.send("PASS pw\r\n").starts_with("-ERR USER first"));
}

#[test]
fn capa_pipelining_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let mut t = T::new(&ctx);
    let capa = t.send("CAPA\r\n");
    assert!(
        capa.starts_with("+OK") && capa.contains("\r\nUIDL\r\n") && capa.ends_with("\r\n.\r\n")
    );
    assert!(!capa.contains("STLS"));
    let out = t.send("USER alice\r\nPASS pw\r\nSTAT\r\n");
    assert_eq!(out.matches("+OK").count(), 3, "{out}");
    assert!(t.send("LIST x\r\n").starts_with("-ERR"));
    assert!(t.send("RETR 99\r\n").starts_with("-ERR"));
    assert!(t.send("BOGUS\r\n").starts_with("-ERR"));
    assert!(t
        .send(&format!("{}\r\n", "A".repeat(5000)))
        .starts_with("-ERR line too long"));
    assert_eq!(t.send("NOOP\r\n"), "+OK\r\n");
    assert!(t.send("\u{ff}\r\n").starts_with("-ERR"));
}

#[test]
fn user_names_cannot_escape_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let mut t = T::new(&ctx);
    t.send("USER ../alice\r\n");
    assert!(t.send("PASS pw\r\n").starts_with("-ERR"));
}

#[test]
fn idle_timeout_closes() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let mut t = T::new(&ctx);
    let deadline = t.s.poll_timeout().unwrap();
    t.s.handle_timeout(deadline - Duration::from_secs(1));
    assert!(!t.s.is_closed());
    t.s.handle_timeout(deadline);
    assert!(t.s.is_closed());
}

/// Random command soup: no panic, and the maildrop is only changed by QUIT.
#[test]
fn random_input_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    deliver(dir.path(), "1.x", "Subject: a\n\nb\n");
    let ctx = context(dir.path());
    let words = [
        "USER alice",
        "PASS pw",
        "STAT",
        "LIST",
        "LIST 0",
        "LIST 99999999999999999999",
        "UIDL 1",
        "TOP 1 -1",
        "TOP 1 99999999999",
        "RETR",
        "RETR 1",
        "DELE 1",
        "RSET",
        "NOOP",
        "CAPA",
        "STLS",
        "\u{0}",
        "",
        " ",
        "APOP x",
    ];
    let mut seed = 42u64;
    let mut next = |n: usize| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        ((seed >> 33) as usize) % n
    };
    for _ in 0..100 {
        let mut t = T::new(&ctx);
        for _ in 0..40 {
            let mut line = words[next(words.len())].to_owned();
            line.push_str(if next(4) == 0 { "\n" } else { "\r\n" });
            t.send(&line);
        }
        t.s.handle_close();
    }
    assert!(dir.path().join("alice/new/1.x").exists());
}

#[test]
fn stls_drops_pipelined_plaintext_and_restarts_authorization() {
    let dir = tempfile::tempdir().unwrap();
    let mut ctx = context(dir.path());
    ctx.tls_available = true;
    let mut t = T::new(&ctx);
    assert!(t.send("CAPA\r\n").contains("STLS\r\n"));
    assert!(t.send("USER alice\r\n").starts_with("+OK"));
    let r = t.send("STLS\r\nPASS pw\r\n");
    assert_eq!(r, "+OK begin TLS negotiation\r\n");
    assert_eq!(t.s.take_starttls(), Some("PASS pw\r\n".len()));
    assert_eq!(t.s.take_starttls(), None);
    t.s.handle_tls(true);
    // USER from before TLS is forgotten; STLS is not offered again.
    assert!(t.send("PASS pw\r\n").starts_with("-ERR USER first"));
    assert!(!t.send("CAPA\r\n").contains("STLS"));
    assert!(t.send("STLS\r\n").starts_with("-ERR"));
    assert!(t.login().starts_with("+OK"));
}

#[test]
fn plaintext_login_off_loopback_needs_stls() {
    let dir = tempfile::tempdir().unwrap();
    let mut ctx = context(dir.path());
    ctx.tls_available = true;
    let now = Instant::now();
    let mut s = Session::new(ctx.clone(), "192.0.2.7".into(), now);
    s.poll_output();
    let mut t = T { s, now };
    let capa = t.send("CAPA\r\n");
    assert!(
        !capa.contains("USER\r\n") && capa.contains("STLS"),
        "{capa}"
    );
    assert!(t.send("USER alice\r\n").starts_with("-ERR [AUTH] use STLS"));
    t.send("STLS\r\n");
    t.s.take_starttls();
    t.s.handle_tls(true);
    assert!(t.login().starts_with("+OK"));
    // Without TLS configured, plaintext stays allowed everywhere.
    let ctx = context(dir.path());
    let mut s = Session::new(ctx, "192.0.2.7".into(), now);
    s.poll_output();
    let mut t = T { s, now };
    assert!(t.send("USER alice\r\n").starts_with("+OK"));
}
