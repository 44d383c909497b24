//! Trace fields (RFC 5321 4.4): Received on every delivery, Return-Path
//! on final delivery.

use crate::envelope::Envelope;
use crate::time::rfc5322_date;

/// `Received: from HELO ([ADDR]) by HOST (septet) with PROTO id ID for <RCPT>; DATE`,
/// folded, with CRLF.
pub fn received(envelope: &Envelope, hostname: &str, rcpt: Option<&str>) -> String {
    let o = &envelope.origin;
    // RFC 6531 3.7.4: UTF8SMTP, UTF8SMTPS, UTF8SMTPA, UTF8SMTPSA.
    let proto = match (o.protocol.as_str(), envelope.smtputf8) {
        (p, true) if p.starts_with("ESMTP") => format!("UTF8SMTP{}", &p[5..]),
        ("", _) => "ESMTP".to_owned(),
        (p, _) => p.to_owned(),
    };
    let mut field = format!(
        "Received: from {} ([{}])\r\n\tby {hostname} (septet) with {proto} id {}",
        o.helo, o.addr, envelope.id
    );
    if let Some(r) = rcpt {
        field.push_str(&format!("\r\n\tfor <{r}>"));
    }
    field.push_str(&format!("; {}\r\n", rfc5322_date(envelope.received_at)));
    field
}

/// `Return-Path: <sender>` with CRLF.
pub fn return_path(envelope: &Envelope) -> String {
    format!("Return-Path: <{}>\r\n", envelope.sender)
}
