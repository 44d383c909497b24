//! `septet downgrade` end to end: plain files, SMTP wire form, the report.

mod common;

use common::cli::piped;

#[test]
fn smtp_wire_form_in_and_out() {
    let wire = "Subject: Grüße\r\n\r\n..dot line ö\r\nx\r\n.\r\nQUIT\r\n".as_bytes();
    let (ok, out, err) = piped(&["downgrade", "--smtp"], wire);
    assert!(ok, "{err}");
    assert!(out.is_ascii());
    assert!(out.ends_with(b"\r\n.\r\n"));
    // Decoded back through the DATA reader, the message is 7-bit MIME.
    let mut r = septet::smtp::DataReader::new(septet::smtp::Limits::default());
    let mut msg = Vec::new();
    let (used, status) = r.feed(&out, &mut msg).unwrap();
    assert_eq!((used, status), (out.len(), septet::smtp::DataStatus::Done));
    let parsed = septet::mime::Message::parse(&msg).unwrap();
    assert_eq!(parsed.root().header_text("subject").unwrap(), "Grüße");
    assert_eq!(parsed.root().text().0, ".dot line ö\r\nx\r\n");
}

#[test]
fn report_and_refusal() {
    let dir = std::env::temp_dir().join(format!("septet-dg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("r.json");
    let (ok, out, err) = piped(
        &["downgrade", "--report", report.to_str().unwrap()],
        "Subject: x\r\n\r\nbinär\r\n".as_bytes(),
    );
    assert!(ok, "{err}");
    assert!(out.is_ascii());
    let json = std::fs::read_to_string(&report).unwrap();
    assert!(json.contains("\"action\""), "{json}");
    let (ok, _, err) = piped(&["downgrade"], "To: jörg@example.org\r\n\r\nx".as_bytes());
    assert!(!ok);
    assert!(err.contains("8-bit address"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn signed_content_is_flagged_or_refused() {
    let msg =
        "Content-Type: multipart/signed; boundary=s; protocol=\"application/pgp-signature\"\r\n\
        MIME-Version: 1.0\r\n\r\n--s\r\nContent-Type: text/plain; charset=utf-8\r\n\
        Content-Transfer-Encoding: 8bit\r\n\r\nGrüße\r\n--s\r\n\
        Content-Type: application/pgp-signature\r\n\r\nsig\r\n--s--\r\n";
    let dir = std::env::temp_dir().join(format!("septet-dg-signed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("r.json");
    let (ok, out, err) = piped(
        &["downgrade", "--report", report.to_str().unwrap()],
        msg.as_bytes(),
    );
    assert!(ok, "{err}");
    assert!(out.is_ascii());
    let json = std::fs::read_to_string(&report).unwrap();
    assert!(json.contains("\"signed_modified\": true"), "{json}");
    let (ok, out, err) = piped(&["downgrade", "--refuse-signed"], msg.as_bytes());
    assert!(!ok && out.is_empty(), "{err}");
    assert!(err.contains("signed"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
