//! getmail6 (`getmail`, Debian package getmail6) as a real client: it
//! retrieves over POP3 and over IMAP into a Maildir destination, and each
//! message it wrote is the stored one.

mod access_util;

use std::path::Path;
use std::process::Command;

use access_util::{have, run, Server};
use septet_server::access_driver::Protocol;

/// As the relay stores them, with a Return-Path first: getmail writes
/// that field (`<unknown>` without one) at the top of what it delivers.
const MSGS: [(&str, &[u8]); 3] = [
    (
        "1700000000.1.host",
        b"Return-Path: <a@example.org>\nFrom: a@example.org\nTo: alice@example.test\nSubject: first\nMessage-ID: <1@example.org>\n\nhello\n.leading dot\n",
    ),
    (
        "1700000001.2.host",
        b"Return-Path: <b@example.org>\r\nFrom: b@example.org\r\nSubject: second\r\nMessage-ID: <2@example.org>\r\n\r\nworld\r\n",
    ),
    (
        "1700000002.3.host",
        b"Return-Path: <c@example.org>\r\nFrom: c@example.org\r\nSubject: multipart\r\nMessage-ID: <3@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\ntext\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQ=\r\n--b--\r\n",
    ),
];

/// LF line ends, whatever the source had (getmail writes LF).
fn lf(data: &[u8]) -> String {
    String::from_utf8_lossy(data).replace("\r\n", "\n")
}

fn maildir_messages(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        for e in std::fs::read_dir(dir.join(sub)).unwrap().flatten() {
            out.push(lf(&std::fs::read(e.path()).unwrap()));
        }
    }
    out.sort();
    out
}

/// Runs getmail with `retriever` (the `[retriever]` lines after `type`);
/// returns the messages of the destination Maildir.
fn getmail(s: &Server, retriever: &str, extra: &str) -> Vec<String> {
    let work = s.root.path().join(format!("getmail-{retriever}"));
    let dest = work.join("dest");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(dest.join(sub)).unwrap();
    }
    // getmail refuses to deliver as root: then it delivers as `nobody`,
    // who needs to reach and write the destination.
    let root = run(Command::new("id").arg("-u")).trim() == "0";
    let user = if root {
        use std::os::unix::fs::PermissionsExt;
        let open = |p: &Path, mode| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
        };
        open(s.root.path(), 0o755);
        open(&work, 0o755);
        for d in [
            dest.clone(),
            dest.join("cur"),
            dest.join("new"),
            dest.join("tmp"),
        ] {
            open(&d, 0o777);
        }
        "user = nobody\n"
    } else {
        ""
    };
    let rc = work.join("getmailrc");
    std::fs::write(
        &rc,
        format!(
            "[retriever]\ntype = {retriever}\nserver = 127.0.0.1\nport = {}\n\
             username = alice\npassword = secret\n{extra}\n\
             [destination]\ntype = Maildir\npath = {}/\n{user}\n\
             [options]\nread_all = true\ndelete = false\ndelivered_to = false\n\
             received = false\nverbose = 0\nmessage_log_syslog = false\n",
            s.port,
            dest.display()
        ),
    )
    .unwrap();
    run(Command::new("getmail")
        .arg("--getmaildir")
        .arg(&work)
        .arg("--rcfile")
        .arg(&rc));
    maildir_messages(&dest)
}

fn expected() -> Vec<String> {
    let mut v: Vec<String> = MSGS.iter().map(|(_, m)| lf(m)).collect();
    v.sort();
    v
}

fn server(protocol: Protocol) -> Server {
    let s = Server::start(protocol);
    for (name, data) in MSGS {
        s.deliver(name, data);
    }
    s
}

#[test]
fn getmail_pop3_into_a_maildir() {
    if !have("getmail") {
        return;
    }
    let s = server(Protocol::Pop3);
    assert_eq!(getmail(&s, "SimplePOP3Retriever", ""), expected());
    // delete = false: the maildrop keeps everything.
    assert_eq!(maildir_messages(&s.inbox()).len(), MSGS.len());
}

#[test]
fn getmail_imap_into_a_maildir() {
    if !have("getmail") {
        return;
    }
    let s = server(Protocol::Imap);
    // record_mailbox = false: no X-getmail-retrieved-from-mailbox field.
    let got = getmail(
        &s,
        "SimpleIMAPRetriever",
        "mailboxes = (\"INBOX\",)\nrecord_mailbox = false\n",
    );
    assert_eq!(got, expected());
    assert_eq!(maildir_messages(&s.inbox()).len(), MSGS.len());
}
