//! POP3 against real clients on loopback: Python's poplib, curl and
//! fetchmail (`--keep`, then `--fetchall`).

mod access_util;

use std::process::Command;

use access_util::{have, python, run, Server};
use septet_server::access_driver::Protocol;

const MSG1: &[u8] = b"From: a@example.org\nSubject: first\n\nhello\n.leading dot\n";
const MSG2: &[u8] = b"From: b@example.org\r\nSubject: second\r\n\r\nworld\r\n";

fn server() -> Server {
    let s = Server::start(Protocol::Pop3);
    s.deliver("1700000000.1.host", MSG1);
    s.deliver("1700000001.2.host", MSG2);
    s
}

#[test]
fn python_poplib() {
    if !have("python3") {
        return;
    }
    let s = server();
    let out = python(
        r#"
import os, poplib
p = poplib.POP3("127.0.0.1", int(os.environ["PORT"]))
print(p.capa().get("UIDL") is not None)
p.user("alice"); p.pass_("secret")
print(p.stat())
resp, lines, octets = p.retr(1)
print(lines, octets)
print(p.uidl()[1])
p.dele(2)
p.quit()
"#,
        s.port,
        s.root.path(),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "True");
    assert_eq!(lines[1], "(2, 107)");
    assert_eq!(
        lines[2],
        "[b'From: a@example.org', b'Subject: first', b'', b'hello', b'.leading dot'] 60"
    );
    assert_eq!(lines[3], "[b'1 1700000000.1.host', b'2 1700000001.2.host']");
    assert!(s.inbox().join("new/1700000000.1.host").exists());
    assert!(!s.inbox().join("new/1700000001.2.host").exists());
}

#[test]
fn python_poplib_wrong_password_and_in_use() {
    if !have("python3") {
        return;
    }
    let s = server();
    let out = python(
        r#"
import os, poplib
port = int(os.environ["PORT"])
p = poplib.POP3("127.0.0.1", port)
p.user("alice")
try:
    p.pass_("wrong"); print("accepted")
except poplib.error_proto as e:
    print(e)
a = poplib.POP3("127.0.0.1", port); a.user("alice"); a.pass_("secret")
b = poplib.POP3("127.0.0.1", port); b.user("alice")
try:
    b.pass_("secret"); print("accepted")
except poplib.error_proto as e:
    print(e)
a.quit()
"#,
        s.port,
        s.root.path(),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].contains("-ERR [AUTH]"), "{out}");
    assert!(lines[1].contains("-ERR [IN-USE]"), "{out}");
}

#[test]
fn curl_pop3() {
    if !have("curl") {
        return;
    }
    let s = server();
    let url = format!("pop3://127.0.0.1:{}/", s.port);
    let list = run(Command::new("curl").args(["-sS", "--user", "alice:secret", &url]));
    assert_eq!(list, "1 60\r\n2 47\r\n");
    let msg = run(Command::new("curl").args(["-sS", "--user", "alice:secret", &format!("{url}1")]));
    assert_eq!(
        msg.as_bytes(),
        b"From: a@example.org\r\nSubject: first\r\n\r\nhello\r\n.leading dot\r\n"
    );
}

#[test]
fn fetchmail_keep_then_fetchall() {
    if !have("fetchmail") {
        return;
    }
    let s = server();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out.mbox");
    let rc = work.path().join("fetchmailrc");
    std::fs::write(
        &rc,
        format!(
            "set no bouncemail\npoll 127.0.0.1 protocol pop3 port {} user alice password secret \
             is root here no sslcertck sslproto '' mda \"cat >> {}\"\n",
            s.port,
            out.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&rc, std::fs::Permissions::from_mode(0o600)).unwrap();
    let fetch = |extra: &[&str]| {
        let status = Command::new("fetchmail")
            .args(["-f", rc.to_str().unwrap(), "--nodetach", "--nosyslog", "-v"])
            .args(extra)
            .env("HOME", work.path())
            .env("FETCHMAILHOME", work.path())
            .output()
            .unwrap();
        // 0: mail fetched; 1: no mail.
        assert!(
            matches!(status.status.code(), Some(0 | 1)),
            "fetchmail failed: {}\n{}",
            String::from_utf8_lossy(&status.stdout),
            String::from_utf8_lossy(&status.stderr)
        );
    };
    fetch(&["--keep"]);
    let got = std::fs::read_to_string(&out).unwrap();
    assert!(
        got.contains("Subject: first") && got.contains("Subject: second"),
        "{got}"
    );
    assert!(got.contains("\n.leading dot"), "dot-unstuffed: {got}");
    // Kept: both files still on the server.
    assert_eq!(std::fs::read_dir(s.inbox().join("new")).unwrap().count(), 2);
    fetch(&["--fetchall"]);
    let got = std::fs::read_to_string(&out).unwrap();
    assert_eq!(got.matches("Subject: first").count(), 2, "{got}");
    assert_eq!(std::fs::read_dir(s.inbox().join("new")).unwrap().count(), 0);
}
