//! `septet passwd`, `septet pop3` and `septet imap` as processes.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use common::server::{free_addr, spawn_listening, Killed};

const SEPTET: &str = env!("CARGO_BIN_EXE_septet");

/// A directory removed when the test ends.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("septet-cli-access-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn passwd(users: &std::path::Path, user: &str, password: &str) -> std::process::Output {
    let mut child = Command::new(SEPTET)
        .args(["passwd", "--users", users.to_str().unwrap(), user])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(password.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn passwd_appends_and_replaces() {
    let dir = TempDir::new();
    let users = dir.path().join("users");
    assert!(passwd(&users, "alice", "one\n").status.success());
    assert!(passwd(&users, "bob", "two\n").status.success());
    assert!(passwd(&users, "alice", "three\n").status.success());
    let text = std::fs::read_to_string(&users).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("alice:$argon2id$") && lines[1].starts_with("bob:$argon2id$"));
    let bad = passwd(&users, "../x", "pw\n");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("bad user name"));
    let empty = passwd(&users, "carol", "");
    assert_eq!(empty.status.code(), Some(1));
}

fn start(protocol: &str, root: &std::path::Path, users: &std::path::Path) -> (Killed, TcpStream) {
    let addr = free_addr();
    let mut cmd = Command::new(SEPTET);
    cmd.args([protocol, "--listen", &addr, "--maildir-root"])
        .arg(root)
        .arg("--users")
        .arg(users);
    spawn_listening(&mut cmd, &addr)
}

#[test]
fn imap_and_pop3_serve_a_maildir() {
    let dir = TempDir::new();
    let users = dir.path().join("users");
    assert!(passwd(&users, "alice", "pw\n").status.success());
    let root = dir.path().join("mail");
    std::fs::create_dir_all(root.join("alice/new")).unwrap();
    std::fs::create_dir_all(root.join("alice/cur")).unwrap();
    std::fs::write(root.join("alice/new/1.x"), "Subject: hi\n\nbody\n").unwrap();

    let (_imap, mut s) = start("imap", &root, &users);
    s.write_all(b"a LOGIN alice pw\r\nb SELECT INBOX\r\nc FETCH 1 BODY[TEXT]\r\nd LOGOUT\r\n")
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.contains("a OK") && out.contains("* 1 EXISTS"), "{out}");
    assert!(out.contains("BODY[TEXT] {6}\r\nbody\r\n"), "{out}");

    let (_pop3, s) = start("pop3", &root, &users);
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut w = s;
    w.write_all(b"USER alice\r\nPASS pw\r\nSTAT\r\nQUIT\r\n")
        .unwrap();
    let mut lines = Vec::new();
    for _ in 0..5 {
        let mut l = String::new();
        r.read_line(&mut l).unwrap();
        lines.push(l);
    }
    assert_eq!(lines[3], "+OK 1 21\r\n", "{lines:?}");
}

#[test]
fn missing_users_file_is_an_error() {
    let dir = TempDir::new();
    let out = Command::new(SEPTET)
        .args(["imap", "--listen", "127.0.0.1:0", "--maildir-root"])
        .arg(dir.path())
        .args(["--users", "/nonexistent/users"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("users file"));
}
