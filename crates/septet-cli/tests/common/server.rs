//! `septet` servers (relay, pop3, imap) as processes on loopback.
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A server process, killed when the test ends, passed or not.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A loopback address (`127.0.0.1:PORT`) that was free a moment ago.
pub fn free_addr() -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}")
}

/// Spawns `cmd`, a server told to listen on `addr`, and waits (10 s at
/// most) until `addr` accepts; returns the process and the connection that
/// proved it, with a 10 s read timeout.
pub fn spawn_listening(cmd: &mut Command, addr: &str) -> (Killed, TcpStream) {
    let child = Killed(cmd.spawn().expect("septet starts"));
    let t0 = Instant::now();
    loop {
        if let Ok(s) = TcpStream::connect(addr) {
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            return (child, s);
        }
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "server did not start on {addr}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
