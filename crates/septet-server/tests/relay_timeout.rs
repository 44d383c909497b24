//! The relay's SMTP client timeouts against loopback hops that stall: one
//! that accepts and never speaks, one that takes the whole message and
//! never answers the end of data. Either way the hop is abandoned, the
//! message stays queued with a 4.4.2 reason and is retried, and nothing is
//! counted delivered.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;

fn send(dir: &Path, port: u16) {
    let file = dir.join("sent.eml");
    std::fs::write(
        &file,
        "From: a@local.test\r\nSubject: stall\r\n\r\nhello\r\n",
    )
    .unwrap();
    python(
        "client.py",
        &[
            "smtplib",
            &port.to_string(),
            "a@local.test",
            "far@remote.test",
            file.to_str().unwrap(),
        ],
    );
}

/// A hop on loopback; `serve` runs per connection (connections counted).
fn hop(serve: fn(TcpStream)) -> (u16, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            c.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || serve(s));
        }
    });
    (port, count)
}

fn silent(s: TcpStream) {
    // Holds the connection open, says nothing.
    std::thread::sleep(Duration::from_secs(30));
    drop(s);
}

fn stalls_after_data(s: TcpStream) {
    let mut w = s.try_clone().unwrap();
    let mut r = BufReader::new(s);
    let _ = w.write_all(b"220 stall.test ESMTP\r\n");
    let mut line = String::new();
    let mut in_data = false;
    loop {
        line.clear();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if in_data {
            if line == ".\r\n" {
                // The whole message is here: never answer.
                std::thread::sleep(Duration::from_secs(30));
                return;
            }
            continue;
        }
        let reply: &[u8] = match line.get(..4).map(|v| v.to_ascii_uppercase()).as_deref() {
            Some("EHLO") => b"250 stall.test\r\n",
            Some("DATA") => {
                in_data = true;
                b"354 go\r\n"
            }
            _ => b"250 ok\r\n",
        };
        let _ = w.write_all(reply);
    }
}

/// Sends one message through a relay whose smarthost `serve`s its
/// connections, with 1 s client timeouts and retries: the timeout must be
/// recorded as a temporary failure and the message retried, never lost or
/// bounced.
fn assert_deferred_by(name: &str, serve: fn(TcpStream)) {
    let dir = temp_dir(name);
    let (hop_port, count) = hop(serve);
    let server = relay(&dir, |c| {
        c.relayhost = Some(format!("127.0.0.1:{hop_port}"));
        c.client_timeout = Some("1s".into());
        c.retry_interval = Some("1s".into());
    });
    send(&dir, port(&server));
    let spool = dir.join("spool");
    let why = wait_for(20, || {
        files(&spool)
            .into_iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .find(|t| t.contains("4.4.2"))
    })
    .expect("the timeout is recorded as a temporary failure");
    assert!(why.contains("timeout"), "{why}");
    // Retried on the schedule (1s), still not delivered.
    wait_for(20, || (count.load(Ordering::SeqCst) >= 2).then_some(())).expect("a second attempt");
    assert!(!files(&spool).is_empty(), "the message is still queued");
    assert!(files(&dir.join("mail/a/new")).is_empty(), "no DSN");
    drop(server);
}

#[test]
fn a_silent_hop_times_out_and_the_message_is_retried() {
    assert_deferred_by("silent", silent);
}

#[test]
fn no_reply_after_the_end_of_data_is_not_a_delivery() {
    assert_deferred_by("stalldata", stalls_after_data);
}
