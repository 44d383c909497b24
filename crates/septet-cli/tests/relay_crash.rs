//! `septet relay` as a process: `kill -9` under load loses no message that
//! got its 250 (duplicates are counted, and allowed), and SIGTERM stops it
//! cleanly with the queue kept for the next start.
//!
//! Needs Postfix's smtp-sink (see crates/septet-server/tests/common).

#[path = "../../septet-server/tests/common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::*;

/// Starts `septet relay` on a free port; returns the child and the port.
fn start_relay(dir: &Path, relayhost: u16) -> (Child, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_septet"))
        .args([
            "relay",
            "--listen",
            "127.0.0.1:0",
            "--hostname",
            "mx.local.test",
        ])
        .arg("--spool")
        .arg(dir.join("spool"))
        .args(["--relayhost", &format!("127.0.0.1:{relayhost}")])
        .args(["--relay-network", "127.0.0.1/32", "--retry-interval", "1s"])
        .env("SEPTET_LOG", "warn")
        .stdout(Stdio::piped())
        // Not the test's stderr: a relay left behind by a failed test
        // would hold the test runner's output open.
        .stderr(Stdio::null())
        .spawn()
        .expect("septet relay starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("listening on ...");
    (child, port)
}

fn subjects(sink: &Sink) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for f in files(&sink.dir) {
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        if let Some(s) = text.lines().find_map(|l| l.strip_prefix("Subject: ")) {
            *seen.entry(s.trim().to_owned()).or_insert(0) += 1;
        }
    }
    seen
}

#[test]
fn kill_9_under_load_loses_nothing_acknowledged() {
    let Some(pf) = postfix() else { return };
    let dir = temp_dir("crash");
    let sink = Sink::start(&pf, free_port(), &dir.join("sink"), &[]);
    let (mut relay, port) = start_relay(&dir, sink.port);
    let accepted = dir.join("accepted.txt");
    let mut load = Command::new("python3")
        .arg(py("load.py"))
        .args([&port.to_string(), "400", "8", accepted.to_str().unwrap()])
        .spawn()
        .unwrap();
    // Kill once some messages were acknowledged, while more are in flight.
    wait_for(30, || {
        let n = std::fs::read_to_string(&accepted).map_or(0, |t| t.lines().count());
        (n >= 60).then_some(())
    })
    .expect("the load started");
    relay.kill().unwrap();
    relay.wait().unwrap();
    load.wait().unwrap();
    let acked: Vec<String> = std::fs::read_to_string(&accepted)
        .unwrap()
        .lines()
        .map(|n| format!("load-{n}"))
        .collect();
    let (mut relay, _) = start_relay(&dir, sink.port);
    let seen = wait_for(60, || {
        let seen = subjects(&sink);
        acked.iter().all(|s| seen.contains_key(s)).then_some(seen)
    });
    relay.kill().unwrap();
    let _ = relay.wait();
    let seen = seen.unwrap_or_else(|| {
        let seen = subjects(&sink);
        let lost: Vec<_> = acked.iter().filter(|s| !seen.contains_key(*s)).collect();
        panic!("{} acknowledged messages lost: {lost:?}", lost.len())
    });
    let duplicates: usize = seen.values().map(|&n| n - 1).sum();
    eprintln!(
        "crash test: {} acknowledged, {} distinct delivered, {duplicates} duplicates",
        acked.len(),
        seen.len()
    );
}

#[test]
fn sigterm_keeps_the_queue() {
    let Some(pf) = postfix() else { return };
    let dir = temp_dir("sigterm");
    let sink_port = free_port();
    let (mut relay, port) = start_relay(&dir, sink_port);
    let msg = dir.join("m.eml");
    std::fs::write(&msg, b"Subject: after-restart\r\n\r\nhi\r\n").unwrap();
    python(
        "client.py",
        &[
            "smtplib",
            &port.to_string(),
            "s@far.test",
            "r@remote.test",
            msg.to_str().unwrap(),
        ],
    );
    let status = Command::new("kill")
        .arg(relay.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let exited = wait_for(10, || relay.try_wait().unwrap());
    assert!(exited.expect("exits after SIGTERM").success());
    let list = Command::new(env!("CARGO_BIN_EXE_septet"))
        .args(["queue", "list", "--json", "--spool"])
        .arg(dir.join("spool"))
        .output()
        .unwrap();
    let text = String::from_utf8(list.stdout).unwrap();
    assert!(text.contains("r@remote.test"), "{text}");
    let sink = Sink::start(&pf, sink_port, &dir.join("sink"), &[]);
    let (mut relay, _) = start_relay(&dir, sink_port);
    sink.messages(1);
    relay.kill().unwrap();
    let _ = relay.wait();
    std::thread::sleep(Duration::from_millis(10));
}
