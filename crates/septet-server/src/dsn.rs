//! Delivery status notifications (RFC 3464): a multipart/report with a
//! human-readable part, message/delivery-status, and the original header
//! as text/rfc822-headers (RFC 6522).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use septet::mime::Message;

use crate::envelope::{Envelope, RcptState};
use crate::time::rfc5322_date;

/// The most of the original message read to find its header.
const HEADER_READ: u64 = 64 << 10;

/// The original's header block (CRLF, ending with the blank line or
/// where the read stopped), through septet's MIME parser.
pub fn original_header(message: &Path) -> io::Result<Vec<u8>> {
    let mut prefix = Vec::new();
    File::open(message)?
        .take(HEADER_READ)
        .read_to_end(&mut prefix)?;
    let parsed = Message::parse(&prefix).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(parsed.root().header_raw().to_vec())
}

/// Builds the DSN for the failed recipients of `envelope`, from
/// `MAILER-DAEMON@hostname` to the sender; `None` for the null sender (no
/// bounce loops) or when nothing failed.
pub fn build(
    envelope: &Envelope,
    hostname: &str,
    original_header: &[u8],
    now: u64,
) -> Option<Vec<u8>> {
    let failed: Vec<_> = envelope
        .recipients
        .iter()
        .filter(|r| r.state == RcptState::Failed)
        .collect();
    if envelope.sender.is_empty() || failed.is_empty() {
        return None;
    }
    let boundary = format!("=_septet_dsn_{}", envelope.id);
    let date = rfc5322_date(now);
    let mut m = String::new();
    m += &format!("From: Mail Delivery System <MAILER-DAEMON@{hostname}>\r\n");
    m += &format!("To: <{}>\r\n", envelope.sender);
    m += "Subject: Undelivered Mail Returned to Sender\r\n";
    m += &format!("Date: {date}\r\n");
    m += &format!("Message-ID: <dsn.{}@{hostname}>\r\n", envelope.id);
    m += "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n";
    m += &format!(
        "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"{boundary}\"\r\n\r\n"
    );
    m += "This is a MIME-encapsulated message.\r\n\r\n";
    m += &format!("--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n");
    m += "Content-Transfer-Encoding: 8bit\r\n\r\n";
    m += &format!(
        "This is the mail system at host {hostname}.\r\n\r\nYour message (queue id {}) could not be delivered to:\r\n\r\n",
        envelope.id
    );
    for r in &failed {
        m += &format!(
            "<{}>: {}\r\n",
            r.address,
            r.last_reply.as_deref().unwrap_or("failed")
        );
    }
    m += &format!("\r\n--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n");
    m += &format!(
        "Reporting-MTA: dns; {hostname}\r\nX-Septet-Queue-ID: {}\r\n",
        envelope.id
    );
    m += &format!("Arrival-Date: {}\r\n", rfc5322_date(envelope.received_at));
    for r in &failed {
        let reply = r.last_reply.as_deref().unwrap_or("5.0.0 failed");
        let kind = if envelope.smtputf8 && !r.address.is_ascii() {
            "utf-8"
        } else {
            "rfc822"
        };
        m += &format!(
            "\r\nFinal-Recipient: {kind}; {}\r\nAction: failed\r\n",
            r.address
        );
        m += &format!("Status: {}\r\n", status_of(reply));
        let code_text = if reply.len() > 3 && reply.as_bytes()[..3].iter().all(u8::is_ascii_digit) {
            format!("Diagnostic-Code: smtp; {}\r\n", one_line(reply))
        } else {
            format!("Diagnostic-Code: X-Septet; {}\r\n", one_line(reply))
        };
        m += &code_text;
        m += &format!("Last-Attempt-Date: {date}\r\n");
    }
    m += &format!("\r\n--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n");
    let mut out = m.into_bytes();
    out.extend_from_slice(original_header);
    if !original_header.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Some(out)
}

/// The enhanced status code in a reply or reason (`5.1.1`), else `5.0.0`
/// or `4.0.0` by the first digit.
fn status_of(reply: &str) -> String {
    for word in reply.split_whitespace().take(3) {
        let parts: Vec<&str> = word.split('.').collect();
        if parts.len() == 3
            && matches!(parts[0], "2" | "4" | "5")
            && parts[1..]
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        {
            // A DSN for a failure reports a permanent status (RFC 3464 2.3.4).
            return format!("5.{}.{}", parts[1], parts[2]);
        }
    }
    "5.0.0".into()
}

fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{BodyType, Origin, Recipient};

    #[test]
    fn report_parses_as_multipart_report() {
        let env = Envelope {
            id: "Q1".into(),
            sender: "s@local.test".into(),
            recipients: vec![Recipient {
                address: "r@far.test".into(),
                state: RcptState::Failed,
                last_reply: Some("550 5.1.1 no such user".into()),
            }],
            body: BodyType::SevenBit,
            smtputf8: false,
            eight_bit: false,
            received_at: 0,
            attempts: 1,
            next_attempt: 0,
            origin: Origin::default(),
        };
        let dsn = build(
            &env,
            "mx.test",
            b"Subject: hi\r\nFrom: s@local.test\r\n\r\n",
            0,
        )
        .unwrap();
        let parsed = Message::parse(&dsn).unwrap();
        let kinds: Vec<String> = parsed
            .parts()
            .map(|p| p.content_type().mime_type())
            .collect();
        assert_eq!(
            kinds,
            [
                "multipart/report",
                "text/plain",
                "message/delivery-status",
                "text/rfc822-headers"
            ]
        );
        let text = String::from_utf8(dsn).unwrap();
        assert!(text.contains("Status: 5.1.1\r\n"));
        let mut null = env.clone();
        null.sender.clear();
        assert!(build(&null, "mx.test", b"", 0).is_none());
    }
}
