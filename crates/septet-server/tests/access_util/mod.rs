//! Shared by the POP3 and IMAP client tests: a server on a loopback port
//! over a temp Maildir root, and the check for the real client tools.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use septet_server::access::AccessContext;
use septet_server::access_driver::{spawn, Protocol};
use septet_server::users::{hash_password, Authenticator, LimiterConfig, Users};

/// A running server and its Maildir root.
pub struct Server {
    pub port: u16,
    pub root: tempfile::TempDir,
}

impl Server {
    /// Starts `protocol` for user `alice` (password `secret`).
    pub fn start(protocol: Protocol) -> Server {
        let root = tempfile::tempdir().unwrap();
        let h = hash_password(b"secret").unwrap();
        let users = Users::parse(&format!("alice:{h}\n")).unwrap();
        let auth = Authenticator::new(users, LimiterConfig::default());
        let ctx = AccessContext::new(root.path().to_owned(), Arc::new(auth));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        spawn(protocol, listener, ctx).unwrap();
        Server { port, root }
    }

    /// alice's INBOX Maildir.
    pub fn inbox(&self) -> PathBuf {
        let d = self.root.path().join("alice");
        for s in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(d.join(s)).unwrap();
        }
        d
    }

    /// Delivers `data` into alice's `new/` as `name`.
    pub fn deliver(&self, name: &str, data: &[u8]) {
        std::fs::write(self.inbox().join("new").join(name), data).unwrap();
    }
}

/// Whether `tool` can run: false (skip) when it is missing and
/// SEPTET_SKIP_SERVER_PEERS=1; a failure naming the tool otherwise.
pub fn have(tool: &str) -> bool {
    let found = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if found {
        return true;
    }
    if std::env::var("SEPTET_SKIP_SERVER_PEERS").as_deref() == Ok("1") {
        eprintln!("skipping: {tool} is not installed (SEPTET_SKIP_SERVER_PEERS=1)");
        return false;
    }
    panic!("{tool} is not installed: install it (.ci/run does) or set SEPTET_SKIP_SERVER_PEERS=1");
}

/// Runs a Python script with `PORT` set; returns its stdout, failing the
/// test with its stderr if it fails.
pub fn python(script: &str, port: u16, dir: &Path) -> String {
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .env("PORT", port.to_string())
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs a command, failing the test with its output if it fails.
pub fn run(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
