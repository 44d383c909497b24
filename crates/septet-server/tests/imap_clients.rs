//! IMAP against real clients on loopback: Python's imaplib, curl,
//! mbsync (isync) both ways with flags, fetchmail.

mod access_util;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use access_util::{have, python, run, Server};
use septet_server::access_driver::Protocol;

const MSG1: &[u8] =
    b"From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: first\n\nhello\n";
const MSG2: &[u8] = b"From: carol@example.org\r\nSubject: with attachment\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n\
--b1\r\nContent-Type: application/octet-stream; name=\"x.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
AAECAwQF\r\n--b1--\r\n";

fn server() -> Server {
    let s = Server::start(Protocol::Imap);
    s.deliver("1700000000.1.host", MSG1);
    s.deliver("1700000001.2.host", MSG2);
    s
}

#[test]
fn python_imaplib() {
    if !have("python3") {
        return;
    }
    let s = server();
    let out = python(
        r#"
import os, imaplib, base64
M = imaplib.IMAP4("127.0.0.1", int(os.environ["PORT"]))
print(M.login("alice", "secret")[0])
typ, data = M.select("INBOX"); print(data[0].decode())
typ, data = M.search(None, "ALL"); print(data[0].decode())
typ, data = M.uid("FETCH", "2", "(BODY.PEEK[2])")
print(base64.b64decode(data[0][1]).hex())
typ, data = M.fetch("1", "(RFC822)"); print(len(data[0][1]))
typ, data = M.fetch("1", "(FLAGS)"); print(data[0].decode())
typ, data = M.search(None, "UNSEEN"); print(data[0].decode())
M.store("2", "+FLAGS", "\\Flagged")
typ, data = M.search(None, "FLAGGED"); print(data[0].decode())
print(M.create("Saved")[0])
print(M.append("Saved", "(\\Seen)", None, b"Subject: appended\r\n\r\nbody\r\n")[0])
print(M.copy("1", "Saved")[0])
typ, data = M.status("Saved", "(MESSAGES UNSEEN)"); print(data[0].decode())
M.store("1", "+FLAGS", "\\Deleted")
typ, data = M.expunge(); print(data)
typ, data = M.list(); print(sorted(d.decode() for d in data))
M.close(); M.logout()
"#,
        s.port,
        s.root.path(),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "OK", "{out}");
    assert_eq!(lines[1], "2");
    assert_eq!(lines[2], "1 2");
    assert_eq!(
        lines[3], "000102030405",
        "BODY[2] decodes to the bytes sent"
    );
    assert_eq!(
        lines[4],
        (MSG1.len() + 5).to_string(),
        "RFC822 in CRLF form"
    );
    assert!(lines[5].contains("\\Seen"), "{out}");
    assert_eq!(lines[6], "2");
    assert_eq!(lines[7], "2");
    assert_eq!(&lines[8..11], ["OK", "OK", "OK"]);
    assert_eq!(lines[11], "\"Saved\" (MESSAGES 2 UNSEEN 0)");
    assert_eq!(lines[12], "[b'1']");
    assert!(
        lines[13].contains("INBOX") && lines[13].contains("Saved"),
        "{out}"
    );
}

#[test]
fn curl_imap() {
    if !have("curl") {
        return;
    }
    let s = server();
    let base = format!("imap://127.0.0.1:{}", s.port);
    let msg = run(Command::new("curl").args([
        "-sS",
        "--user",
        "alice:secret",
        &format!("{base}/INBOX;UID=1"),
    ]));
    assert_eq!(
        msg.as_bytes(),
        String::from_utf8_lossy(MSG1)
            .replace('\n', "\r\n")
            .as_bytes()
    );
    let part = run(Command::new("curl").args([
        "-sS",
        "--user",
        "alice:secret",
        &format!("{base}/INBOX;UID=2;SECTION=1"),
    ]));
    assert_eq!(part, "see attached");
    let list =
        run(Command::new("curl").args(["-sS", "--user", "alice:secret", &format!("{base}/")]));
    assert!(list.contains("INBOX"), "{list}");
    let search = run(Command::new("curl").args([
        "-sS",
        "--user",
        "alice:secret",
        &format!("{base}/INBOX?SUBJECT%20attachment"),
    ]));
    assert_eq!(search.trim(), "* SEARCH 2");
}

/// File names of a Maildir's messages: (subdir, unique, flags).
fn listing(dir: &Path) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for sub in ["new", "cur"] {
        if let Ok(rd) = std::fs::read_dir(dir.join(sub)) {
            for e in rd.flatten() {
                out.insert((sub.to_owned(), e.file_name().to_string_lossy().into_owned()));
            }
        }
    }
    out
}

fn flags_of(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = listing(dir)
        .into_iter()
        .map(|(_, n)| {
            n.split_once(":2,")
                .map(|(_, f)| f.to_owned())
                .unwrap_or_default()
        })
        .collect();
    v.sort();
    v
}

#[test]
fn mbsync_both_ways_with_flags() {
    if !have("mbsync") {
        return;
    }
    let s = server();
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("local");
    std::fs::create_dir_all(&local).unwrap();
    let rc = work.path().join("mbsyncrc");
    std::fs::write(
        &rc,
        format!(
            "IMAPAccount septet\nHost 127.0.0.1\nPort {}\nUser alice\nPass secret\nSSLType None\nAuthMechs LOGIN\n\n\
             IMAPStore remote\nAccount septet\n\n\
             MaildirStore local\nPath {}/\nInbox {}/INBOX\nSubFolders Verbatim\n\n\
             Channel sync\nFar :remote:\nNear :local:\nPatterns *\nCreate Both\nExpunge Both\nSyncState *\nSync All\n",
            s.port,
            local.display(),
            local.display()
        ),
    )
    .unwrap();
    let mbsync = || {
        run(Command::new("mbsync")
            .args(["-c", rc.to_str().unwrap(), "-a"])
            .env("HOME", work.path()))
    };
    mbsync();
    let near = local.join("INBOX");
    assert_eq!(listing(&near).len(), 2, "both messages pulled");
    // Near side: flag one message, add one.
    let (sub, name) = listing(&near).into_iter().next().unwrap();
    let (unique, _) = name.split_once(":2,").unwrap_or((&name, ""));
    let flagged = format!("{unique}:2,FS");
    std::fs::rename(near.join(sub).join(&name), near.join("cur").join(&flagged)).unwrap();
    std::fs::write(
        near.join("new/1800000000.9.near"),
        "Subject: from near\n\nx\n",
    )
    .unwrap();
    mbsync();
    let far = s.inbox();
    assert_eq!(
        listing(&far).len(),
        3,
        "the new message pushed: {:?}",
        listing(&far)
    );
    assert!(
        flags_of(&far).contains(&"FS".to_owned()),
        "flags pushed: {:?}",
        listing(&far)
    );
    // A second sync changes nothing on either side.
    let (before_far, before_near) = (listing(&far), listing(&near));
    mbsync();
    assert_eq!(listing(&far), before_far);
    assert_eq!(listing(&near), before_near);
}

#[test]
fn fetchmail_imap_keep_then_fetchall() {
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
            "set no bouncemail\npoll 127.0.0.1 protocol imap port {} user alice password secret \
             is root here no sslcertck sslproto '' mda \"cat >> {}\"\n",
            s.port,
            out.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&rc, std::fs::Permissions::from_mode(0o600)).unwrap();
    let fetch = |extra: &[&str]| {
        let o = Command::new("fetchmail")
            .args(["-f", rc.to_str().unwrap(), "--nodetach", "--nosyslog", "-v"])
            .args(extra)
            .env("HOME", work.path())
            .env("FETCHMAILHOME", work.path())
            .output()
            .unwrap();
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "fetchmail failed: {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    };
    fetch(&["--keep"]);
    let got = std::fs::read_to_string(&out).unwrap();
    assert!(
        got.contains("Subject: first") && got.contains("Subject: with attachment"),
        "{got}"
    );
    assert_eq!(listing(&s.inbox()).len(), 2, "kept on the server");
    fetch(&["--fetchall"]);
    let got = std::fs::read_to_string(&out).unwrap();
    assert_eq!(got.matches("Subject: first").count(), 2, "{got}");
    assert_eq!(
        listing(&s.inbox()).len(),
        0,
        "deleted and expunged after --fetchall"
    );
}
