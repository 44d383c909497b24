//! Helpers for the relay's integration tests: an in-process relay on
//! 127.0.0.1:0, temp folders, the Python clients, Postfix's smtp-sink.
#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use septet_server::{Config, Server};

pub mod tls;

/// A fresh folder under the system temp dir (not the target dir: smtp-sink
/// runs as `nobody` when the tests run as root, and must reach its dump
/// folder, which a checkout under /root would not allow).
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("relay-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A relay with `local.test` local, its spool and Maildirs under `dir`.
pub fn relay(dir: &Path, tweak: impl FnOnce(&mut Config)) -> Server {
    let mut config = Config {
        listen: vec!["127.0.0.1:0".into()],
        hostname: Some("mx.local.test".into()),
        spool: Some(dir.join("spool")),
        local_domain: vec!["local.test".into()],
        maildir_root: Some(dir.join("mail")),
        relay_network: vec!["127.0.0.1/32".into()],
        ..Config::default()
    };
    tweak(&mut config);
    Server::start(config.resolve().unwrap()).unwrap()
}

pub fn port(server: &Server) -> u16 {
    server.local_addrs()[0].port()
}

/// The Python scripts beside this file (found from the workspace root, so
/// septet-cli's tests can include this module too).
pub fn py(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let here = root.join(file!());
    here.parent()
        .and_then(Path::parent)
        .unwrap_or(&root)
        .join("py")
        .join(name)
}

/// Runs a test script; returns stdout, panics with stderr on failure.
pub fn python(script: &str, args: &[&str]) -> String {
    let out = Command::new("python3")
        .arg(py(script))
        .args(args)
        .output()
        .expect("python3 must be installed");
    assert!(
        out.status.success(),
        "{script} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Polls `cond` for up to `secs` seconds.
pub fn wait_for<T>(secs: u64, mut cond: impl FnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = cond() {
            return Some(v);
        }
        if Instant::now() > end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The files in a folder (sorted), or nothing.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Waits for `n` messages in `mail/<user>/new`.
pub fn maildir(dir: &Path, user: &str, n: usize) -> Vec<PathBuf> {
    let new = dir.join("mail").join(user).join("new");
    wait_for(20, || {
        let f = files(&new);
        (f.len() >= n).then_some(f)
    })
    .unwrap_or_else(|| {
        panic!(
            "{n} message(s) for {user} never arrived in {}",
            new.display()
        )
    })
}

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Where Postfix's smtp-sink is unpacked (`.ci/run` puts it there):
/// `$SEPTET_PEERS_DIR` or `<workspace>/target/peers`. `None` (skip) only
/// when it is missing and SEPTET_SKIP_SERVER_PEERS=1; otherwise a missing
/// tool fails the test.
pub fn postfix() -> Option<PathBuf> {
    peer("pf", "usr/sbin/smtp-sink")
}

/// swaks (a Perl script) unpacked beside Postfix: the path of the script.
pub fn swaks() -> Option<PathBuf> {
    peer("sw", "usr/bin/swaks").map(|root| root.join("usr/bin/swaks"))
}

fn peer(sub: &str, tool: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("SEPTET_PEERS_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/peers"),
        PathBuf::from,
    );
    let root = dir.join(sub);
    if root.join(tool).exists() {
        return Some(root);
    }
    if std::env::var("SEPTET_SKIP_SERVER_PEERS").as_deref() == Ok("1") {
        eprintln!(
            "skipped: smtp-sink not found under {} (SEPTET_SKIP_SERVER_PEERS=1)",
            dir.display()
        );
        return None;
    }
    panic!(
        "{tool} is missing under {}: run .ci/run's install step \
         (apt-get download postfix swaks, dpkg -x into {0}/pf and {0}/sw), set \
         SEPTET_PEERS_DIR, or set SEPTET_SKIP_SERVER_PEERS=1 to skip",
        dir.display()
    );
}

/// A running `smtp-sink -d DIR/` (killed on drop).
pub struct Sink {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl Sink {
    /// Starts smtp-sink on `port` with extra options (`-8`, `-f RCPT`...),
    /// dumping each message into `dir`.
    pub fn start(postfix: &Path, port: u16, dir: &Path, opts: &[&str]) -> Sink {
        std::fs::create_dir_all(dir).unwrap();
        // smtp-sink drops to `nobody` when run as root.
        let _ = Command::new("chmod").arg("777").arg(dir).status();
        let mut cmd = Command::new(postfix.join("usr/sbin/smtp-sink"));
        cmd.env("LD_LIBRARY_PATH", postfix.join("usr/lib/postfix"));
        if is_root() {
            cmd.args(["-u", "nobody"]);
        }
        let template = format!("{}/", dir.display());
        cmd.args(["-d", &template])
            .args(opts)
            .arg(format!("127.0.0.1:{port}"))
            .arg("64")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let child = cmd.spawn().expect("smtp-sink starts");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        wait_for(10, || TcpStream::connect(addr).ok()).expect("smtp-sink listens");
        Sink {
            child,
            port,
            dir: dir.to_owned(),
        }
    }

    /// Waits for `n` captured messages.
    pub fn messages(&self, n: usize) -> Vec<PathBuf> {
        wait_for(20, || {
            let f = files(&self.dir);
            (f.len() >= n).then_some(f)
        })
        .unwrap_or_else(|| panic!("{n} message(s) never reached the sink"))
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

/// A multipart message with 8-bit text, an 8-bit "binary" attachment, a
/// UTF-8 file name and a raw UTF-8 subject, CRLF.
pub fn eight_bit_message(from: &str, to: &str) -> Vec<u8> {
    let mut m = format!(
        "From: J\u{f6}rg <{from}>\r\nTo: <{to}>\r\nSubject: Gr\u{fc}\u{df}e aus K\u{f6}ln\r\n\
         Message-ID: <t1@local.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
         H\u{e4}llo w\u{f6}rld, \u{fc}n\u{ef}c\u{f6}d\u{e9} text.\r\n.a line starting with a dot\r\n\
         --b1\r\nContent-Type: application/octet-stream; name=\"daten.bin\"\r\n\
         Content-Disposition: attachment; filename=\"daten.bin\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    )
    .into_bytes();
    let mut x: u32 = 7;
    for _ in 0..40 {
        for _ in 0..76 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let b = (x >> 16) as u8;
            m.push(if b == b'\r' || b == b'\n' || b == 0 {
                b'x'
            } else {
                b
            });
        }
        m.extend_from_slice(b"\r\n");
    }
    m.extend_from_slice(
        "--b1\r\nContent-Type: text/plain; charset=utf-8; name=\"Gr\u{fc}\u{df}e.txt\"\r\n\
         Content-Disposition: attachment; filename=\"Gr\u{fc}\u{df}e.txt\"\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n\u{c4}pfel und Birnen\r\n--b1--\r\n"
            .as_bytes(),
    );
    m
}

/// The delivered file without the Return-Path and Received fields the
/// relay put in front.
pub fn without_trace(stored: &[u8]) -> &[u8] {
    let mut rest = stored;
    let mut first = true;
    loop {
        let starts_trace = rest.starts_with(b"Return-Path:") || rest.starts_with(b"Received:");
        let continues = !first && (rest.starts_with(b"\t") || rest.starts_with(b" "));
        if !(starts_trace || continues) {
            return rest;
        }
        first = false;
        let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
            return rest;
        };
        rest = &rest[nl + 1..];
    }
}
