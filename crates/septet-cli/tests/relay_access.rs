//! The mail access servers as processes: one `septet relay` serving SMTP,
//! POP3 and IMAP from one config file; the POP3 maildrop lock across
//! processes; two `septet imap` processes appending to one folder at once
//! never give a UID twice nor lose one. Needs python3 (smtplib, poplib,
//! imaplib from the standard library).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::server::{free_addr, spawn_listening, Killed};

const SEPTET: &str = env!("CARGO_BIN_EXE_septet");

/// A directory removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("septet-access-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn have_python() -> bool {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && std::env::var("SEPTET_SKIP_SERVER_PEERS").as_deref() != Ok("1") {
        panic!("python3 is not installed: install it or set SEPTET_SKIP_SERVER_PEERS=1");
    }
    ok
}

fn passwd(users: &Path, user: &str, password: &str) {
    let mut child = Command::new(SEPTET)
        .args(["passwd", "--users"])
        .arg(users)
        .arg(user)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(password.as_bytes()).unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

/// Runs a Python script with `env` set, in `dir`; returns its stdout.
fn python(script: &str, env: &[(&str, String)], dir: &Path) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .envs(env.iter().map(|(k, v)| (k, v)))
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

/// `data` with bare LFs as CRLF (what POP3 and IMAP send).
fn crlf(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, &b) in data.iter().enumerate() {
        if b == b'\n' && (i == 0 || data[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

fn maildir_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        if let Ok(rd) = std::fs::read_dir(dir.join(sub)) {
            out.extend(rd.flatten().map(|e| e.path()));
        }
    }
    out
}

fn kill(child: &Child, signal: &str) {
    let ok = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {signal}");
}

fn wait_exit(child: &mut Child, secs: u64) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if let Some(st) = child.try_wait().unwrap() {
            return Some(st);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

#[test]
fn one_relay_process_serves_smtp_pop3_and_imap() {
    if !have_python() {
        return;
    }
    let dir = TempDir::new("relay3");
    let d = &dir.0;
    let users = d.join("users");
    passwd(&users, "alice", "pw\n");
    let config = d.join("relay.toml");
    std::fs::write(
        &config,
        format!(
            "listen = [\"127.0.0.1:0\"]\nhostname = \"mx.local.test\"\nspool = \"{0}/spool\"\n\
             local_domain = [\"example.test\"]\nmaildir_root = \"{0}/mail\"\nusers = \"{0}/users\"\n\
             [pop3]\nlisten = [\"127.0.0.1:0\"]\n[imap]\nlisten = [\"127.0.0.1:0\"]\n",
            d.display()
        ),
    )
    .unwrap();
    let mut child = Command::new(SEPTET)
        .args(["relay", "--config"])
        .arg(&config)
        .env("SEPTET_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut relay = Killed(child);
    let mut port = |prefix: &str| -> String {
        let line = lines.next().unwrap().unwrap();
        let addr = line
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("{line}"));
        addr.rsplit(':').next().unwrap().to_owned()
    };
    let smtp = port("listening on ");
    let pop3 = port("pop3 listening on ");
    let imap = port("imap listening on ");
    let out = python(
        r#"
import os, smtplib, poplib, imaplib, time
msg = (b"From: bob@remote.test\r\nTo: alice@example.test\r\nSubject: three in one\r\n"
       b"Message-ID: <x1@remote.test>\r\n\r\nhello from smtp\r\n.dot line\r\n")
with smtplib.SMTP("127.0.0.1", int(os.environ["SMTP"])) as s:
    s.sendmail("bob@remote.test", ["alice@example.test"], msg)
deadline = time.time() + 20
while True:
    p = poplib.POP3("127.0.0.1", int(os.environ["POP3"]))
    p.user("alice"); p.pass_("pw")
    if p.stat()[0] or time.time() > deadline:
        break
    p.quit(); time.sleep(0.1)
resp, lines, octets = p.retr(1)
p.quit()
open("pop.eml", "wb").write(b"\r\n".join(lines) + b"\r\n")
m = imaplib.IMAP4("127.0.0.1", int(os.environ["IMAP"]))
m.login("alice", "pw")
typ, data = m.select("INBOX")
print("exists", data[0].decode())
typ, data = m.fetch("1", "(BODY.PEEK[])")
open("imap.eml", "wb").write(data[0][1])
m.logout()
"#,
        &[
            ("SMTP", smtp),
            ("POP3", pop3.clone()),
            ("IMAP", imap.clone()),
        ],
        d,
    );
    assert_eq!(out.trim(), "exists 1");
    let stored = maildir_files(&d.join("mail/alice"));
    assert_eq!(stored.len(), 1, "{stored:?}");
    let stored = crlf(&std::fs::read(&stored[0]).unwrap());
    let text = String::from_utf8_lossy(&stored).into_owned();
    assert!(
        text.contains("Subject: three in one") && text.contains("hello from smtp\r\n.dot line"),
        "{text}"
    );
    assert_eq!(std::fs::read(d.join("pop.eml")).unwrap(), stored);
    assert_eq!(std::fs::read(d.join("imap.eml")).unwrap(), stored);

    // SIGTERM stops all three: the process exits 0 and no port answers.
    kill(&relay.0, "-TERM");
    let status = wait_exit(&mut relay.0, 40).expect("the relay stops on SIGTERM");
    assert!(status.success(), "{status}");
    for p in [pop3, imap] {
        assert!(TcpStream::connect(format!("127.0.0.1:{p}")).is_err());
    }
}

/// Starts `septet <protocol>` on a free port; returns it once it answers.
fn start(protocol: &str, root: &Path, users: &Path) -> (Killed, u16) {
    let addr = free_addr();
    let mut cmd = Command::new(SEPTET);
    cmd.args([protocol, "--listen", &addr, "--maildir-root"])
        .arg(root)
        .arg("--users")
        .arg(users)
        .env("SEPTET_LOG", "warn")
        .stderr(Stdio::null());
    let (proc, _) = spawn_listening(&mut cmd, &addr);
    let port = addr.rsplit(':').next().unwrap().parse().unwrap();
    (proc, port)
}

/// Logs in over POP3; returns the PASS reply and the open connection.
fn pop3_login(port: u16) -> (String, TcpStream) {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut w = s.try_clone().unwrap();
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    w.write_all(b"USER alice\r\nPASS pw\r\n").unwrap();
    let mut replies = Vec::new();
    for _ in 0..2 {
        let mut l = String::new();
        r.read_line(&mut l).unwrap();
        replies.push(l);
    }
    (replies[1].trim_end().to_owned(), s)
}

#[test]
fn pop3_maildrop_lock_holds_across_processes_and_dies_with_its_holder() {
    let dir = TempDir::new("pop3lock");
    let users = dir.0.join("users");
    passwd(&users, "alice", "pw\n");
    let root = dir.0.join("mail");
    std::fs::create_dir_all(root.join("alice/new")).unwrap();
    std::fs::write(root.join("alice/new/1.x"), "Subject: hi\n\nbody\n").unwrap();
    let (mut first, p1) = start("pop3", &root, &users);
    let (_second, p2) = start("pop3", &root, &users);
    let (reply, _held) = pop3_login(p1);
    assert!(reply.starts_with("+OK"), "{reply}");
    let (reply, _) = pop3_login(p2);
    assert!(reply.starts_with("-ERR [IN-USE]"), "{reply}");
    // A killed holder leaves no stale lock: flock dies with the process.
    kill(&first.0, "-KILL");
    wait_exit(&mut first.0, 10).expect("killed");
    let (reply, mut s) = pop3_login(p2);
    assert!(reply.starts_with("+OK"), "{reply}");
    s.write_all(b"QUIT\r\n").unwrap();
}

const CONCURRENT: &str = r#"
import os, imaplib, re, threading, time
ports = [int(p) for p in os.environ["PORTS"].split(",")]
root = os.environ["INBOX"]
W, N, D = 4, 25, 30
appended, errors, lock = {}, [], threading.Lock()

def writer(w):
    try:
        m = imaplib.IMAP4("127.0.0.1", ports[w % len(ports)])
        m.login("alice", "pw")
        for i in range(N):
            mid = f"<w{w}-{i}@test>"
            body = f"From: w{w}@test\r\nMessage-ID: {mid}\r\nSubject: {i}\r\n\r\nbody\r\n".encode()
            typ, data = m.append("INBOX", None, None, body)
            assert typ == "OK", (typ, data)
            code = re.search(rb"APPENDUID (\d+) (\d+)", data[0])
            with lock:
                appended[mid] = (int(code[1]), int(code[2]))
            if i % 3 == w % 3:
                typ, data = m.select("INBOX")
                assert typ == "OK", (typ, data)
                # Flag changes rename files while the other server lists them.
                typ, data = m.store("1:*", "+FLAGS", "\\Seen" if i % 2 else "\\Flagged")
                assert typ == "OK", (typ, data)
            else:
                m.noop()
        m.logout()
    except Exception as e:
        errors.append(repr(e))

def deliverer():
    # What the relay's local delivery does: tmp/, then a rename into new/.
    for i in range(D):
        name = f"{int(time.time())}.d{i}.host"
        with open(os.path.join(root, "tmp", name), "wb") as f:
            f.write(f"Message-ID: <d-{i}@test>\r\nSubject: d\r\n\r\nx\r\n".encode())
        os.rename(os.path.join(root, "tmp", name), os.path.join(root, "new", name))
        time.sleep(0.01)

threads = [threading.Thread(target=writer, args=(w,)) for w in range(W)]
threads.append(threading.Thread(target=deliverer))
for t in threads: t.start()
for t in threads: t.join()
assert not errors, errors

maps = []
for port in ports:
    m = imaplib.IMAP4("127.0.0.1", port)
    m.login("alice", "pw")
    typ, data = m.select("INBOX")
    validity = int(re.search(rb"\d+", m.response("UIDVALIDITY")[1][0])[0])
    typ, data = m.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    uids = {}
    for item in data:
        if isinstance(item, tuple):
            uid = int(re.search(rb"UID (\d+)", item[0])[1])
            mid = re.search(rb"<[^>]+>", item[1])[0].decode()
            assert mid not in uids.values(), mid
            uids[uid] = mid
    m.logout()
    maps.append((validity, uids))

total = W * N + D
for validity, uids in maps:
    assert len(uids) == total, (len(uids), total)
    # Every UID given once, none lost: exactly 1..total.
    assert sorted(uids) == list(range(1, total + 1)), sorted(uids)
    by_mid = {mid: uid for uid, mid in uids.items()}
    for mid, (v, uid) in appended.items():
        assert v == validity and by_mid[mid] == uid, (mid, v, uid, by_mid.get(mid))
assert maps[0] == maps[1]
print("ok", total)
"#;

#[test]
fn two_imap_processes_append_and_select_without_uid_clashes() {
    if !have_python() {
        return;
    }
    let dir = TempDir::new("imap2");
    let users = dir.0.join("users");
    passwd(&users, "alice", "pw\n");
    let root = dir.0.join("mail");
    let inbox = root.join("alice");
    for s in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(inbox.join(s)).unwrap();
    }
    let (_a, pa) = start("imap", &root, &users);
    let (_b, pb) = start("imap", &root, &users);
    let out = python(
        CONCURRENT,
        &[
            ("PORTS", format!("{pa},{pb}")),
            ("INBOX", inbox.display().to_string()),
        ],
        &dir.0,
    );
    assert_eq!(out.trim(), "ok 130");
}
