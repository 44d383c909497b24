//! Client tests: scripted hop replies in, commands out.

use super::*;
use crate::envelope::BodyType;

fn spec(rcpts: &[&str], body: BodyType) -> MessageSpec {
    MessageSpec {
        sender: "s@a.test".into(),
        recipients: rcpts.iter().map(|r| r.to_string()).collect(),
        body,
        eight_bit: body != BodyType::SevenBit,
        smtputf8: false,
        size: 20,
    }
}

fn out(c: &mut Client) -> String {
    String::from_utf8(c.poll_output().unwrap_or_default()).unwrap()
}

fn events(c: &mut Client) -> Vec<Event> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

fn ready(ehlo: &str) -> Client {
    let mut c = Client::new("relay.test");
    c.handle_input(b"220 hop ESMTP\r\n");
    assert_eq!(out(&mut c), "EHLO relay.test\r\n");
    c.handle_input(ehlo.as_bytes());
    assert_eq!(events(&mut c), [Event::Ready]);
    c
}

#[test]
fn pipelined_data_two_messages_on_one_connection() {
    let mut c = ready("250-hop\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
    let t = c
        .start_message(&spec(&["a@x", "b@x"], BodyType::EightBitMime))
        .unwrap();
    assert_eq!(t, Transfer::Data);
    assert_eq!(
        out(&mut c),
        "MAIL FROM:<s@a.test> BODY=8BITMIME\r\nRCPT TO:<a@x>\r\nRCPT TO:<b@x>\r\nDATA\r\n"
    );
    c.handle_input(b"250 ok\r\n550 5.1.1 no\r\n250 ok\r\n354 go\r\n");
    assert_eq!(events(&mut c), [Event::SendBody(Transfer::Data)]);
    c.send_body(b".a\r\nb");
    c.finish_body();
    assert_eq!(out(&mut c), "..a\r\nb\r\n.\r\n");
    c.handle_input(b"250 2.0.0 queued\r\n");
    assert_eq!(
        events(&mut c),
        [
            Event::Finished(vec![
                RcptResult::Permanent("550 5.1.1 no".into()),
                RcptResult::Delivered
            ]),
            Event::Ready
        ]
    );
    // Second message, temporary failure at the end of data, then RSET.
    c.start_message(&spec(&["c@x"], BodyType::SevenBit))
        .unwrap();
    out(&mut c);
    c.handle_input(b"250 ok\r\n250 ok\r\n354 go\r\n");
    events(&mut c);
    c.send_body(b"x\r\n");
    c.finish_body();
    out(&mut c);
    c.handle_input(b"451 4.3.0 try later\r\n");
    assert_eq!(
        events(&mut c),
        [Event::Finished(vec![RcptResult::Temporary(
            "451 4.3.0 try later".into()
        )])]
    );
    assert_eq!(out(&mut c), "RSET\r\n");
    c.handle_input(b"250 ok\r\n");
    assert_eq!(events(&mut c), [Event::Ready]);
    c.quit();
    assert_eq!(out(&mut c), "QUIT\r\n");
    c.handle_input(b"221 bye\r\n");
    assert_eq!(events(&mut c), [Event::Closed(None)]);
}

#[test]
fn lockstep_without_pipelining_and_downgrade() {
    let mut c = ready("250 hop\r\n");
    assert_eq!(
        c.start_message(&spec(&["a@x"], BodyType::EightBitMime)),
        Ok(Transfer::Downgrade)
    );
    assert_eq!(out(&mut c), "MAIL FROM:<s@a.test>\r\n");
    c.handle_input(b"250 ok\r\n");
    assert_eq!(out(&mut c), "RCPT TO:<a@x>\r\n");
    c.handle_input(b"250 ok\r\n");
    assert_eq!(out(&mut c), "DATA\r\n");
    c.handle_input(b"354 go\r\n");
    assert_eq!(events(&mut c), [Event::SendBody(Transfer::Downgrade)]);
    c.send_body(
        "Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGr\u{fc}\u{df}e\r\n"
            .as_bytes(),
    );
    c.finish_body();
    let sent = out(&mut c);
    assert!(sent.is_ascii() && sent.ends_with("\r\n.\r\n"), "{sent}");
    assert!(sent.contains("Content-Transfer-Encoding: "), "{sent}");
}

#[test]
fn bdat_and_refusals() {
    let mut c =
        ready("250-hop\r\n250-PIPELINING\r\n250-CHUNKING\r\n250-BINARYMIME\r\n250 8BITMIME\r\n");
    assert_eq!(
        c.start_message(&spec(&["a@x"], BodyType::BinaryMime)),
        Ok(Transfer::Bdat)
    );
    assert_eq!(
        out(&mut c),
        "MAIL FROM:<s@a.test> BODY=BINARYMIME\r\nRCPT TO:<a@x>\r\n"
    );
    c.handle_input(b"250 ok\r\n250 ok\r\n");
    assert_eq!(events(&mut c), [Event::SendBody(Transfer::Bdat)]);
    c.send_body(b"\0\x01");
    c.finish_body();
    assert_eq!(out(&mut c), "BDAT 2\r\n\0\x01BDAT 0 LAST\r\n");
    c.handle_input(b"250 ok\r\n250 ok\r\n");
    assert_eq!(
        events(&mut c),
        [Event::Finished(vec![RcptResult::Delivered]), Event::Ready]
    );
    // MAIL refused: every recipient gets its reply, then RSET.
    c.start_message(&spec(&["a@x"], BodyType::SevenBit))
        .unwrap();
    out(&mut c);
    c.handle_input(b"550 5.7.1 go away\r\n503 5.5.1 no mail\r\n");
    assert_eq!(
        events(&mut c),
        [Event::Finished(vec![RcptResult::Permanent(
            "550 5.7.1 go away".into()
        )])]
    );
    assert_eq!(out(&mut c), "RSET\r\n");
}

#[test]
fn downgrade_refusal_and_lost_connection() {
    let mut c = ready("250 hop\r\n");
    c.start_message(&spec(&["a@x"], BodyType::EightBitMime))
        .unwrap();
    c.handle_input(b"250 ok\r\n");
    c.handle_input(b"250 ok\r\n");
    c.handle_input(b"354 go\r\n");
    out(&mut c);
    events(&mut c);
    c.send_body("From: J\u{f6}rg <j\u{f6}rg@b\u{fc}ro.test>\r\n\r\nx\r\n".as_bytes());
    let ev = events(&mut c);
    assert!(
        matches!(&ev[0], Event::Finished(r) if matches!(&r[0], RcptResult::Permanent(m) if m.contains("5.6.3"))),
        "{ev:?}"
    );
    assert!(c.is_closed());
    assert!(!out(&mut c).ends_with(".\r\n"));

    let mut c = ready("250 hop\r\n");
    c.start_message(&spec(&["a@x"], BodyType::SevenBit))
        .unwrap();
    c.handle_close("connection reset");
    assert_eq!(
        events(&mut c),
        [
            Event::Finished(vec![RcptResult::Temporary("connection reset".into())]),
            Event::Closed(Some("connection reset".into()))
        ]
    );
}

#[test]
fn opportunistic_starttls_then_ehlo_again() {
    let mut c = Client::new("relay.test");
    c.enable_starttls();
    c.handle_input(b"220 hop ESMTP\r\n");
    assert_eq!(out(&mut c), "EHLO relay.test\r\n");
    c.handle_input(b"250-hop\r\n250-8BITMIME\r\n250 STARTTLS\r\n");
    assert_eq!(out(&mut c), "STARTTLS\r\n");
    assert!(events(&mut c).is_empty());
    c.handle_input(b"220 2.0.0 go ahead\r\n");
    assert_eq!(events(&mut c), [Event::StartTls]);
    assert_eq!(out(&mut c), "");
    c.handle_tls();
    assert!(c.is_tls());
    assert!(!c.capabilities().eightbitmime, "capabilities forgotten");
    assert_eq!(out(&mut c), "EHLO relay.test\r\n");
    // The hop no longer offers STARTTLS; it would not be used twice anyway.
    c.handle_input(b"250-hop\r\n250-8BITMIME\r\n250 STARTTLS\r\n");
    assert_eq!(events(&mut c), [Event::Ready]);
    assert!(c.capabilities().eightbitmime);
}

#[test]
fn refused_starttls_goes_on_in_plaintext() {
    let mut c = Client::new("relay.test");
    c.enable_starttls();
    c.handle_input(b"220 hop ESMTP\r\n250-hop\r\n250 STARTTLS\r\n");
    assert_eq!(out(&mut c), "EHLO relay.test\r\nSTARTTLS\r\n");
    c.handle_input(b"454 4.7.0 TLS not available\r\n");
    assert_eq!(events(&mut c), [Event::Ready]);
    assert!(!c.is_tls());
    // Without enable_starttls the offer is ignored.
    let c = ready("250-hop\r\n250 STARTTLS\r\n");
    assert!(c.capabilities().starttls);
}
