//! The TLS flags of `septet relay`, `septet pop3` and `septet imap` as
//! processes: STARTTLS / STLS offered with a certificate, a bad file named.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::server::{free_addr, spawn_listening, Killed};
use common::tls::certificate;

const SEPTET: &str = env!("CARGO_BIN_EXE_septet");

fn temp_dir(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("septet-cli-tls-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

/// Starts `septet ARGS --listen ADDR` and connects to it.
fn start(args: &[&str], extra: &[&Path]) -> (Killed, BufReader<TcpStream>, TcpStream) {
    let addr = free_addr();
    let mut cmd = Command::new(SEPTET);
    cmd.args(args)
        .args(extra)
        .args(["--listen", &addr])
        .stderr(Stdio::null());
    let (child, s) = spawn_listening(&mut cmd, &addr);
    (child, BufReader::new(s.try_clone().unwrap()), s)
}

fn read_until(r: &mut BufReader<TcpStream>, end: impl Fn(&str) -> bool) -> String {
    let mut all = String::new();
    loop {
        let mut l = String::new();
        if r.read_line(&mut l).unwrap() == 0 {
            return all;
        }
        all.push_str(&l);
        if end(&l) {
            return all;
        }
    }
}

#[test]
fn relay_offers_starttls_with_a_certificate() {
    let dir = temp_dir("relay");
    let (cert, key) = certificate(&dir);
    let spool = dir.join("spool");
    let (_relay, mut r, mut w) = start(
        &["relay", "--spool"],
        &[
            &spool,
            Path::new("--tls-cert"),
            &cert,
            Path::new("--tls-key"),
            &key,
        ],
    );
    read_until(&mut r, |l| l.starts_with("220 "));
    w.write_all(b"EHLO c.test\r\n").unwrap();
    let ehlo = read_until(&mut r, |l| l.as_bytes().get(3) == Some(&b' '));
    assert!(ehlo.contains("STARTTLS"), "{ehlo}");
    w.write_all(b"STARTTLS\r\n").unwrap();
    let reply = read_until(&mut r, |_| true);
    assert!(reply.starts_with("220 2.0.0"), "{reply}");
}

#[test]
fn relay_users_without_tls_is_refused() {
    let dir = temp_dir("relay-users");
    let out = Command::new(SEPTET)
        .args(["relay", "--spool"])
        .arg(dir.join("spool"))
        .args(["--users"])
        .arg(dir.join("users"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--users") && err.contains("--tls-cert"),
        "{err}"
    );
}

#[test]
fn pop3_offers_stls_and_names_a_bad_key() {
    let dir = temp_dir("pop3");
    let (cert, key) = certificate(&dir);
    let users = dir.join("users");
    std::fs::write(&users, "").unwrap();
    let root = dir.join("mail");
    std::fs::create_dir_all(&root).unwrap();
    let (_pop3, mut r, mut w) = start(
        &["pop3", "--maildir-root"],
        &[
            &root,
            Path::new("--users"),
            &users,
            Path::new("--tls-cert"),
            &cert,
            Path::new("--tls-key"),
            &key,
        ],
    );
    read_until(&mut r, |_| true);
    w.write_all(b"CAPA\r\n").unwrap();
    let capa = read_until(&mut r, |l| l == ".\r\n");
    assert!(capa.contains("STLS\r\n"), "{capa}");
    let out = Command::new(SEPTET)
        .args(["imap", "--listen", "127.0.0.1:0", "--maildir-root"])
        .arg(&root)
        .arg("--users")
        .arg(&users)
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&users)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("TLS key") && err.contains("users"), "{err}");
}
