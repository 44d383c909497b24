//! Session tests: bytes in, replies and actions out, no sockets.

use std::time::{Duration, Instant};

use super::*;

fn config() -> SessionConfig {
    SessionConfig {
        hostname: "mx.test".into(),
        local_domains: vec!["local.test".into()],
        max_message_size: 10_000,
        max_recipients: 3,
        ..SessionConfig::default()
    }
}

struct T {
    s: Session,
    now: Instant,
}

impl T {
    fn new(relay_allowed: bool) -> T {
        let now = Instant::now();
        let peer = Peer {
            addr: "127.0.0.1".into(),
            relay_allowed,
            ..Peer::default()
        };
        let mut s = Session::new(config(), peer, now);
        assert!(out(&mut s).starts_with("220 mx.test"));
        T { s, now }
    }
    fn send(&mut self, data: &str) -> String {
        self.s.handle_input(self.now, data.as_bytes());
        out(&mut self.s)
    }
    fn actions(&mut self) -> Vec<Action> {
        std::iter::from_fn(|| self.s.poll_action()).collect()
    }
    /// The status codes of the replies, in order.
    fn codes(&mut self, data: &str) -> Vec<u16> {
        let text = self.send(data);
        text.lines()
            .filter(|l| l.as_bytes().get(3) == Some(&b' '))
            .map(|l| l[..3].parse().unwrap())
            .collect()
    }
}

fn out(s: &mut Session) -> String {
    String::from_utf8(s.poll_output().unwrap_or_default()).unwrap()
}

fn message_bytes(actions: &[Action]) -> Vec<u8> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::MessageChunk(c) => Some(c.as_slice()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .concat()
}

#[test]
fn ehlo_advertises_extensions() {
    let mut t = T::new(false);
    let r = t.send("EHLO client.test\r\n");
    for ext in [
        "PIPELINING",
        "SIZE 10000",
        "8BITMIME",
        "BINARYMIME",
        "CHUNKING",
        "ENHANCEDSTATUSCODES",
        "SMTPUTF8",
    ] {
        assert!(
            r.contains(&format!("250-{ext}\r\n")) || r.contains(&format!("250 {ext}\r\n")),
            "{r}"
        );
    }
    assert_eq!(
        t.codes("HELO x\r\nNOOP\r\nVRFY bob\r\nHELP\r\nFOO\r\n"),
        [250, 250, 252, 214, 500]
    );
    assert_eq!(t.codes("QUIT\r\n"), [221]);
    assert!(t.s.is_closed());
    assert_eq!(t.actions(), [Action::Close]);
}

#[test]
fn pipelined_transaction_with_data() {
    let mut t = T::new(false);
    let codes = t.codes(concat!(
        "EHLO c\r\nMAIL FROM:<a@remote.test> BODY=8BITMIME SIZE=100\r\n",
        "RCPT TO:<bob@local.test>\r\nRCPT TO:<amy@LOCAL.test>\r\nDATA\r\n"
    ));
    assert_eq!(codes, [250, 250, 250, 250, 354]);
    assert_eq!(
        t.codes("Subject: h\u{e9}\r\n\r\n..dot\r\n.\r\nNOOP\r\n"),
        Vec::<u16>::new()
    );
    let actions = t.actions();
    let Action::BeginMessage(tx) = &actions[0] else {
        panic!("{actions:?}")
    };
    assert_eq!(tx.recipients, ["bob@local.test", "amy@LOCAL.test"]);
    assert_eq!(tx.body, BodyType::EightBitMime);
    assert_eq!(
        message_bytes(&actions),
        "Subject: h\u{e9}\r\n\r\n.dot\r\n".as_bytes()
    );
    assert_eq!(actions.last(), Some(&Action::CommitMessage));
    assert!(!t.s.wants_input());
    t.s.handle_spool_result(t.now, Ok("ABC".into()));
    let r = out(&mut t.s);
    assert_eq!(r, "250 2.0.0 Ok: queued as ABC\r\n250 2.0.0 Ok\r\n");
}

#[test]
fn spool_failure_is_451() {
    let mut t = T::new(true);
    t.send("HELO c\r\nMAIL FROM:<>\r\nRCPT TO:<x@far.test>\r\nDATA\r\n.\r\n");
    t.s.handle_spool_result(t.now, Err("disk full".into()));
    assert!(out(&mut t.s).starts_with("451 4.3.0"));
}

#[test]
fn bdat_chunks() {
    let mut t = T::new(false);
    let codes = t.codes(concat!(
        "EHLO c\r\nMAIL FROM:<a@b.c> BODY=BINARYMIME\r\nRCPT TO:<u@local.test>\r\n",
        "BDAT 5\r\n.\r\n\0\nBDAT 3 LAST\r\nxyz"
    ));
    assert_eq!(codes, [250, 250, 250, 250]);
    let actions = t.actions();
    assert_eq!(message_bytes(&actions), b".\r\n\0\nxyz");
    assert_eq!(actions.last(), Some(&Action::CommitMessage));
    t.s.handle_spool_result(t.now, Ok("Q1".into()));
    assert!(out(&mut t.s).starts_with("250 2.0.0 Ok: queued as Q1"));
    // DATA is refused for BINARYMIME.
    let codes = t.codes("MAIL FROM:<a@b.c> BODY=BINARYMIME\r\nRCPT TO:<u@local.test>\r\nDATA\r\n");
    assert_eq!(codes, [250, 250, 503]);
}

#[test]
fn bdat_without_transaction_is_read_and_refused() {
    let mut t = T::new(false);
    assert_eq!(
        t.codes("EHLO c\r\nBDAT 6\r\nQUIT\r\nNOOP\r\n"),
        [250, 503, 250]
    );
    assert!(t.actions().is_empty());
}

#[test]
fn bdat_size_lie_then_vanish_queues_nothing() {
    let mut t = T::new(false);
    t.send("EHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<u@local.test>\r\nBDAT 100 LAST\r\nshort");
    t.s.handle_close();
    let actions = t.actions();
    assert!(!actions.contains(&Action::CommitMessage));
    assert!(actions.ends_with(&[Action::AbortMessage, Action::Close]));
}

#[test]
fn bdat_too_large() {
    let mut t = T::new(false);
    let codes = t.codes(concat!(
        "EHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<u@local.test>\r\n",
        "BDAT 3\r\nabcBDAT 10000 LAST\r\n"
    ));
    assert_eq!(codes, [250, 250, 250, 250]);
    t.send(&"x".repeat(10_000));
    assert!(out(&mut t.s).is_empty());
    assert!(t.actions().ends_with(&[Action::AbortMessage]));
    // The refusal comes once the chunk was read... (already sent above)
}

#[test]
fn data_before_rcpt_and_sequence_errors() {
    let mut t = T::new(false);
    assert_eq!(t.codes("MAIL FROM:<a@b.c>\r\n"), [503]);
    assert_eq!(
        t.codes("EHLO c\r\nDATA\r\nRCPT TO:<u@local.test>\r\n"),
        [250, 503, 503]
    );
    assert_eq!(
        t.codes("MAIL FROM:<a@b.c>\r\nMAIL FROM:<a@b.c>\r\nDATA\r\n"),
        [250, 503, 503]
    );
    assert_eq!(t.codes("RSET\r\nRCPT TO:<u@local.test>\r\n"), [250, 503]);
}

#[test]
fn command_line_limit() {
    let mut t = T::new(false);
    let long = format!("NOOP {}\r\n", "x".repeat(600));
    assert_eq!(t.codes(&long), [500]);
    // Split across reads, longer than the buffer holds.
    t.send(&format!("NOOP {}", "y".repeat(700)));
    assert_eq!(
        t.codes(&format!("{}\r\nNOOP\r\n", "y".repeat(700))),
        [500, 250]
    );
    let r = t.send(&format!("NOOP {}\r\n", "z".repeat(505)));
    assert!(r.starts_with("250"), "512 with CRLF is allowed: {r}");
}

#[test]
fn eight_bit_commands() {
    let mut t = T::new(false);
    assert_eq!(t.codes("EHLO c\r\nNOOP h\u{e9}\r\n"), [250, 500]);
    assert_eq!(t.codes("MAIL FROM:<j\u{f6}@b.c>\r\n"), [500]);
    assert_eq!(
        t.codes("MAIL FROM:<j\u{f6}@b.c> SMTPUTF8\r\nRCPT TO:<\u{fc}@local.test>\r\n"),
        [250, 250]
    );
    t.s.handle_input(t.now, b"NOOP \xff\r\n");
    assert!(out(&mut t.s).starts_with("500 5.5.2"));
}

#[test]
fn text_line_limit_in_data() {
    let mut t = T::new(false);
    t.send("EHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<u@local.test>\r\nDATA\r\n");
    t.actions();
    let line = "a".repeat(1200);
    let r = t.send(&format!("ok\r\n{line}\r\n.x\r\n.\r\nNOOP\r\n"));
    assert_eq!(
        r,
        "500 5.5.6 line too long (1000 octets at most)\r\n250 2.0.0 Ok\r\n"
    );
    let actions = t.actions();
    assert!(!actions.contains(&Action::CommitMessage));
    assert!(actions.contains(&Action::AbortMessage));
}

#[test]
fn size_limits() {
    let mut t = T::new(false);
    assert_eq!(
        t.codes("EHLO c\r\nMAIL FROM:<a@b.c> SIZE=20000\r\n"),
        [250, 552]
    );
    t.send("MAIL FROM:<a@b.c>\r\nRCPT TO:<u@local.test>\r\nDATA\r\n");
    let body = "x".repeat(998) + "\r\n";
    let r = t.send(&format!("{}.\r\n", body.repeat(11)));
    assert!(r.starts_with("552 5.3.4"), "{r}");
    assert!(!t.actions().contains(&Action::CommitMessage));
}

#[test]
fn recipient_limit() {
    let mut t = T::new(false);
    let mut cmds = "EHLO c\r\nMAIL FROM:<a@b.c>\r\n".to_owned();
    for i in 0..4 {
        cmds += &format!("RCPT TO:<u{i}@local.test>\r\n");
    }
    let r = t.send(&cmds);
    assert!(r.ends_with("452 4.5.3 too many recipients\r\n"), "{r}");
}

#[test]
fn not_an_open_relay() {
    let mut t = T::new(false);
    let r = t.send(
        "EHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<x@elsewhere.test>\r\nRCPT TO:<y@local.test>\r\n",
    );
    assert!(r.contains("554 5.7.1 relay access denied"), "{r}");
    assert!(r.ends_with("250 2.1.5 Ok\r\n"));
    assert_eq!(t.codes("RCPT TO:<../etc@local.test>\r\n"), [550]);
    let mut t = T::new(true);
    assert_eq!(
        t.codes("EHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<x@elsewhere.test>\r\n"),
        [250, 250, 250]
    );
}

#[test]
fn timeouts() {
    let mut t = T::new(false);
    t.send("EHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<u@local.test>\r\nDATA\r\npart");
    let deadline = t.s.poll_timeout().unwrap();
    assert_eq!(deadline, t.now + Duration::from_secs(180));
    t.s.handle_timeout(deadline - Duration::from_secs(1));
    assert!(!t.s.is_closed());
    t.s.handle_timeout(deadline);
    assert!(out(&mut t.s).starts_with("421 4.4.2"));
    assert!(t
        .actions()
        .ends_with(&[Action::AbortMessage, Action::Close]));
}

#[test]
fn rset_aborts_bdat_message() {
    let mut t = T::new(false);
    t.send("EHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<u@local.test>\r\nBDAT 2\r\nabRSET\r\n");
    let actions = t.actions();
    assert!(actions.ends_with(&[Action::AbortMessage]), "{actions:?}");
}

#[test]
fn every_split_gives_the_same_result() {
    let wire = concat!(
        "EHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<u@local.test>\r\nDATA\r\n",
        "a\r\n..b\r\n.\r\n"
    );
    for split in 0..wire.len() {
        let mut t = T::new(false);
        t.send(&wire[..split]);
        t.send(&wire[split..]);
        let actions = t.actions();
        assert_eq!(message_bytes(&actions), b"a\r\n.b\r\n", "split {split}");
        assert_eq!(actions.last(), Some(&Action::CommitMessage));
    }
}
