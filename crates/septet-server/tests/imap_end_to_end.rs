//! End to end: Python's smtplib → the relay → a local Maildir → IMAP
//! FETCH: BODY[] ends with the message as sent, and BODY[2] of the
//! attachment decodes to the bytes that were sent.

mod access_util;

use std::sync::Arc;
use std::time::{Duration, Instant};

use access_util::{have, python};
use septet_server::access::AccessContext;
use septet_server::access_driver::{spawn, Protocol};
use septet_server::users::{hash_password, Authenticator, LimiterConfig, Users};
use septet_server::{Config, Server};

#[test]
fn smtp_relay_then_imap_fetch() {
    if !have("python3") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("mail");
    std::fs::create_dir_all(&root).unwrap();
    let config = Config::from_toml(&format!(
        "listen = [\"127.0.0.1:0\"]\nspool = \"{}\"\nlocal_domain = [\"example.test\"]\nmaildir_root = \"{}\"\n",
        work.path().join("spool").display(),
        root.display()
    ))
    .unwrap();
    let relay = Server::start(config.resolve().unwrap()).unwrap();
    let smtp_port = relay.local_addrs()[0].port();

    let h = hash_password(b"secret").unwrap();
    let users = Users::parse(&format!("alice:{h}\n")).unwrap();
    let ctx = AccessContext::new(
        root.clone(),
        Arc::new(Authenticator::new(users, LimiterConfig::default())),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let imap_port = listener.local_addr().unwrap().port();
    spawn(Protocol::Imap, listener, ctx).unwrap();

    python(
        &format!(
            r#"
import smtplib
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "bob@example.org"; m["To"] = "alice@example.test"; m["Subject"] = "end to end"
m.set_content("see the attachment\n")
m.add_attachment(bytes(range(256)) * 4, maintype="application", subtype="octet-stream", filename="blob.bin")
open("sent.eml", "wb").write(m.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
with smtplib.SMTP("127.0.0.1", {smtp_port}) as s:
    s.send_message(m)
"#
        ),
        0,
        work.path(),
    );
    let new = root.join("alice/new");
    let start = Instant::now();
    while std::fs::read_dir(&new).map_or(0, |d| d.count()) == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the relay did not deliver"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = python(
        r#"
import os, imaplib, base64
M = imaplib.IMAP4("127.0.0.1", int(os.environ["PORT"]))
M.login("alice", "secret"); M.select("INBOX")
typ, data = M.fetch("1", "(BODY.PEEK[])")
body = data[0][1]
sent = open("sent.eml", "rb").read()
print(body.endswith(sent), len(body) > len(sent))
typ, data = M.fetch("1", "(BODY.PEEK[2])")
print(base64.b64decode(data[0][1]) == bytes(range(256)) * 4)
M.logout()
"#,
        imap_port,
        work.path(),
    );
    assert_eq!(out, "True True\nTrue\n");
    relay.shutdown();
}
