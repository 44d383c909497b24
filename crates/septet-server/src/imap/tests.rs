//! IMAP session tests: bytes in, responses out, Maildirs in temp dirs.

use std::path::Path;
use std::time::{Duration, Instant};

use super::*;

fn ctx(root: &Path) -> AccessContext {
    crate::pop3::tests::context(root)
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
        let hello = String::from_utf8(s.poll_output().unwrap()).unwrap();
        assert!(hello.starts_with("* OK [CAPABILITY IMAP4rev1"), "{hello}");
        T { s, now }
    }
    fn send(&mut self, data: &str) -> String {
        self.send_bytes(data.as_bytes())
    }
    fn send_bytes(&mut self, data: &[u8]) -> String {
        self.s.handle_input(self.now, data);
        String::from_utf8_lossy(&self.s.poll_output().unwrap_or_default()).into_owned()
    }
    fn login(&mut self) {
        let r = self.send("a LOGIN alice pw\r\n");
        assert!(r.starts_with("a OK"), "{r}");
    }
}

const M1: &str = "From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: hello\nDate: Mon, 7 Dec 2026 10:00:00 +0000\n\nfirst body\n";
const M2: &str = "From: carol@example.org\r\nSubject: attach\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n\r\ntext part\r\n--XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--XX--\r\n";

fn setup() -> (tempfile::TempDir, AccessContext) {
    let dir = tempfile::tempdir().unwrap();
    deliver(dir.path(), "1000.a.host", M1);
    deliver(dir.path(), "1001.b.host", M2);
    let c = ctx(dir.path());
    (dir, c)
}

#[test]
fn login_select_fetch() {
    let (dir, ctx) = setup();
    let mut t = T::new(&ctx);
    assert!(t
        .send("a SELECT INBOX\r\n")
        .starts_with("a NO log in first"));
    assert!(t
        .send("x LOGIN alice wrong\r\n")
        .starts_with("x NO [AUTHENTICATIONFAILED]"));
    t.login();
    let sel = t.send("b SELECT INBOX\r\n");
    assert!(
        sel.contains("* 2 EXISTS\r\n") && sel.contains("* 2 RECENT\r\n"),
        "{sel}"
    );
    assert!(
        sel.contains("[UIDVALIDITY ") && sel.contains("[UIDNEXT 3]"),
        "{sel}"
    );
    assert!(
        sel.ends_with("b OK [READ-WRITE] SELECT completed\r\n"),
        "{sel}"
    );
    assert!(dir.path().join("alice/cur/1000.a.host:2,").exists());
    let f = t.send("c FETCH 1 (FLAGS UID RFC822.SIZE)\r\n");
    let size = M1.len() + M1.matches('\n').count();
    assert_eq!(
        f,
        format!(
            "* 1 FETCH (FLAGS (\\Recent) UID 1 RFC822.SIZE {size})\r\nc OK FETCH completed\r\n"
        )
    );
    let f = t.send("d UID FETCH 2 (BODY.PEEK[2] BODY[1]<0.4>)\r\n");
    assert_eq!(
        f,
        "* 2 FETCH (UID 2 BODY[2] {4}\r\nAAEC BODY[1]<0> {4}\r\ntext FLAGS (\\Seen \\Recent))\r\nd OK UID FETCH completed\r\n"
    );
    assert!(dir.path().join("alice/cur/1001.b.host:2,S").exists());
    let f = t.send("e FETCH 1 (ENVELOPE BODYSTRUCTURE)\r\n");
    assert!(f.contains("ENVELOPE (\"Mon, 7 Dec 2026 10:00:00 +0000\" \"hello\" ((\"Alice\" NIL \"alice\" \"example.org\"))"), "{f}");
    assert!(f.contains("BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 1 NIL NIL NIL NIL)"), "{f}");
    let f = t.send("f FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]\r\n");
    assert!(
        f.contains("BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: hello\r\n\r\n)"),
        "{f}"
    );
}

#[test]
fn store_search_expunge() {
    let (dir, ctx) = setup();
    let mut t = T::new(&ctx);
    t.login();
    t.send("s SELECT INBOX\r\n");
    let r = t.send("a STORE 1 +FLAGS (\\Seen \\Flagged)\r\n");
    assert_eq!(
        r,
        "* 1 FETCH (FLAGS (\\Flagged \\Seen \\Recent))\r\na OK STORE completed\r\n"
    );
    assert!(dir.path().join("alice/cur/1000.a.host:2,FS").exists());
    assert_eq!(
        t.send("b SEARCH UNSEEN\r\n"),
        "* SEARCH 2\r\nb OK SEARCH completed\r\n"
    );
    assert_eq!(
        t.send("c UID SEARCH FROM alice\r\n"),
        "* SEARCH 1\r\nc OK UID SEARCH completed\r\n"
    );
    assert_eq!(
        t.send("d SEARCH SUBJECT attach FLAGGED\r\n"),
        "* SEARCH\r\nd OK SEARCH completed\r\n"
    );
    assert_eq!(
        t.send("e UID STORE 2 +FLAGS.SILENT \\Deleted\r\n"),
        "e OK UID STORE completed\r\n"
    );
    assert_eq!(
        t.send("f EXPUNGE\r\n"),
        "* 2 EXPUNGE\r\nf OK EXPUNGE completed\r\n"
    );
    assert!(!dir.path().join("alice/cur/1001.b.host:2,T").exists());
    assert!(t.send("g SEARCH BOGUS\r\n").starts_with("g BAD"));
}

#[test]
fn append_literals_copy_move_and_folders() {
    let (dir, ctx) = setup();
    let mut t = T::new(&ctx);
    t.login();
    assert_eq!(t.send("a CREATE Archive\r\n"), "a OK CREATE completed\r\n");
    assert!(t.send("a2 CREATE ../evil\r\n").starts_with("a2 NO"));
    let l = t.send("b LIST \"\" *\r\n");
    assert!(
        l.contains("* LIST (\\HasNoChildren) \".\" \"INBOX\"") && l.contains("\"Archive\""),
        "{l}"
    );
    // A synchronizing literal gets a continuation; LITERAL+ does not.
    assert_eq!(
        t.send("c APPEND Archive (\\Seen) {7}\r\n"),
        "+ Ready for literal data\r\n"
    );
    let r = t.send("Hi\r\n\r\nx\r\n");
    assert!(
        r.starts_with("c OK [APPENDUID ") && r.contains(" 1] APPEND"),
        "{r}"
    );
    let r = t.send("d APPEND Archive {3+}\r\nabc\r\n");
    assert!(
        r.starts_with("d OK [APPENDUID ") && r.contains(" 2] APPEND"),
        "{r}"
    );
    let st = t.send("e STATUS Archive (MESSAGES UIDNEXT UNSEEN)\r\n");
    assert!(
        st.starts_with("* STATUS \"Archive\" (MESSAGES 2 UIDNEXT 3 UNSEEN 1)"),
        "{st}"
    );
    t.send("f SELECT INBOX\r\n");
    let r = t.send("g COPY 1 Archive\r\n");
    assert!(
        r.starts_with("g OK [COPYUID ") && r.contains(" 1 3] COPY completed"),
        "{r}"
    );
    let r = t.send("h UID MOVE 2 Archive\r\n");
    assert!(
        r.contains("* 2 EXPUNGE\r\n") && r.ends_with("h OK UID MOVE completed\r\n"),
        "{r}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("alice/.Archive/cur"))
            .unwrap()
            .count(),
        4
    );
    assert!(t.send("i SELECT ../../etc\r\n").starts_with("i NO"));
    assert!(t.send("j DELETE INBOX\r\n").starts_with("j NO"));
    assert_eq!(t.send("k DELETE Archive\r\n"), "k OK DELETE completed\r\n");
}

#[test]
fn two_sessions_see_each_other() {
    let (dir, ctx) = setup();
    let mut a = T::new(&ctx);
    let mut b = T::new(&ctx);
    a.login();
    b.login();
    a.send("1 SELECT INBOX\r\n");
    b.send("1 SELECT INBOX\r\n");
    a.send("2 STORE 1 +FLAGS (\\Deleted)\r\n");
    let r = b.send("2 NOOP\r\n");
    assert!(r.contains("* 1 FETCH (FLAGS (\\Deleted))"), "{r}");
    a.send("3 EXPUNGE\r\n");
    deliver(dir.path(), "1002.c.host", "Subject: new\n\nx\n");
    let r = b.send("3 NOOP\r\n");
    assert!(
        r.contains("* 1 EXPUNGE\r\n") && r.contains("* 2 EXISTS\r\n") && r.contains("* 1 RECENT"),
        "{r}"
    );
    // The new message's UID is the same in both sessions.
    let ra = a.send("4 NOOP\r\n");
    assert!(ra.contains("* 2 EXISTS"), "{ra}");
    assert!(b.send("5 FETCH 2 UID\r\n").contains("UID 3"));
    assert!(a.send("5 FETCH 2 UID\r\n").contains("UID 3"));
}

#[test]
fn idle_and_auth_plain() {
    let (dir, ctx) = setup();
    let mut t = T::new(&ctx);
    assert_eq!(t.send("a AUTHENTICATE PLAIN\r\n"), "+ \r\n");
    // "\0alice\0pw"
    assert!(t.send("AGFsaWNlAHB3\r\n").starts_with("a OK"));
    t.send("b SELECT INBOX\r\n");
    assert_eq!(t.send("c IDLE\r\n"), "+ idling\r\n");
    deliver(dir.path(), "2000.d.host", "Subject: x\n\ny\n");
    let wake = t.s.poll_timeout().unwrap();
    assert!(wake <= t.now + Duration::from_secs(3));
    t.s.handle_timeout(wake);
    let r = String::from_utf8(t.s.poll_output().unwrap()).unwrap();
    assert!(r.contains("* 3 EXISTS"), "{r}");
    assert_eq!(t.send("DONE\r\n"), "c OK IDLE terminated\r\n");
}

#[test]
fn bad_input() {
    let (_dir, ctx) = setup();
    let mut t = T::new(&ctx);
    assert!(t.send("\r\n").starts_with("* BAD"));
    assert!(t.send("a\r\n").starts_with("a BAD"));
    assert!(t.send("a FOO\r\n").starts_with("a BAD"));
    assert!(t.send("a LOGIN \"unterminated\r\n").starts_with("a BAD"));
    assert!(t
        .send("a LOGIN {99999999999}\r\n")
        .starts_with("a NO [TOOBIG]"));
    t.login();
    t.send("s SELECT INBOX\r\n");
    assert!(t.send("b FETCH 0 FLAGS\r\n").starts_with("b BAD"));
    assert!(t.send("b FETCH 1 (FLAGS\r\n").starts_with("b BAD"));
    // A literal+ too large cannot be skipped: the session ends.
    assert!(t
        .send("c APPEND INBOX {99999999999+}\r\n")
        .starts_with("* BYE"));
    assert!(t.s.is_closed());
    // Disconnect mid-literal: a clean close.
    let mut u = T::new(&ctx);
    u.login();
    u.send("d APPEND INBOX {100+}\r\npartial");
    u.s.handle_close();
    assert!(u.s.is_closed());
}

#[test]
fn logout() {
    let (_dir, ctx) = setup();
    let mut t = T::new(&ctx);
    let r = t.send("a CAPABILITY\r\nb LOGOUT\r\n");
    assert!(
        r.contains("* CAPABILITY IMAP4rev1")
            && r.contains("* BYE")
            && r.ends_with("b OK LOGOUT completed\r\n")
    );
    assert!(t.s.is_closed());
}

/// Random token soup (a deterministic LCG): the session never panics and
/// answers or closes.
#[test]
fn random_input_never_panics() {
    let (_dir, ctx) = setup();
    let tokens: &[&[u8]] = &[
        b"a",
        b"UID",
        b"FETCH",
        b"STORE",
        b"SEARCH",
        b"SELECT",
        b"INBOX",
        b"1:*",
        b"*",
        b"0",
        b"4294967295",
        b"(",
        b")",
        b"[",
        b"]",
        b"BODY[",
        b"BODY.PEEK[1.2.MIME]<0.5>",
        b"HEADER.FIELDS",
        b"\"",
        b"\\",
        b"{3}\r\n",
        b"{2+}\r\n",
        b"+FLAGS",
        b"(\\Seen)",
        b"COPY",
        b"MOVE",
        b"x",
        b"EXPUNGE",
        b"APPEND",
        b"IDLE",
        b"DONE",
        b"LOGIN alice pw",
        b"LIST",
        b"\"\"",
        b"%",
        b"NOT",
        b"OR",
        b"SINCE",
        b"1-Jan-2020",
        b"\xff",
        b" ",
        b"\r\n",
        b"\n",
        b"AUTHENTICATE PLAIN",
        b"CREATE",
        b"..",
        b"STATUS",
        b"(MESSAGES)",
        b"<1.2>",
        b"BODYSTRUCTURE",
    ];
    let mut seed = 0x1234_5678_u64;
    let mut next = |n: usize| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        ((seed >> 33) as usize) % n
    };
    for _ in 0..40 {
        let mut t = T::new(&ctx);
        t.login();
        t.send("s SELECT INBOX\r\n");
        for _ in 0..150 {
            let mut cmd = Vec::new();
            for _ in 0..=next(8) {
                cmd.extend_from_slice(tokens[next(tokens.len())]);
                if next(2) == 0 {
                    cmd.push(b' ');
                }
            }
            if next(3) > 0 {
                cmd.extend_from_slice(b"\r\n");
            }
            t.send_bytes(&cmd);
            if t.s.is_closed() {
                break;
            }
        }
        t.s.handle_close();
    }
}

#[test]
fn starttls_drops_pipelined_plaintext_and_reannounces() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = ctx(dir.path());
    c.tls_available = true;
    let mut t = T::new(&c);
    assert!(t.send("a CAPABILITY\r\n").contains(" STARTTLS"));
    let r = t.send("b STARTTLS\r\nc LOGIN alice pw\r\n");
    assert_eq!(r, "b OK begin TLS negotiation now\r\n");
    assert_eq!(t.s.take_starttls(), Some("c LOGIN alice pw\r\n".len()));
    t.s.handle_tls(true);
    assert_eq!(t.s.poll_output(), None, "the injected LOGIN never ran");
    let caps = t.send("d CAPABILITY\r\n");
    assert!(
        !caps.contains("STARTTLS") && caps.contains("AUTH=PLAIN"),
        "{caps}"
    );
    assert!(t.send("e STARTTLS\r\n").starts_with("e BAD"));
    t.login();
}

#[test]
fn logindisabled_off_loopback_without_tls() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = ctx(dir.path());
    c.tls_available = true;
    let now = Instant::now();
    let mut s = Session::new(c, "192.0.2.7".into(), now);
    let hello = String::from_utf8(s.poll_output().unwrap()).unwrap();
    assert!(
        hello.contains("LOGINDISABLED") && !hello.contains("AUTH=PLAIN"),
        "{hello}"
    );
    let mut t = T { s, now };
    assert!(t
        .send("a LOGIN alice pw\r\n")
        .starts_with("a NO [PRIVACYREQUIRED]"));
    t.send("b STARTTLS\r\n");
    t.s.take_starttls();
    t.s.handle_tls(true);
    assert!(!t.send("c CAPABILITY\r\n").contains("LOGINDISABLED"));
    t.login();
}
