//! The POP3 server session (RFC 1939, CAPA from RFC 2449), sans-IO in the
//! style of quinn-proto: the driver feeds bytes and time in
//! ([`Session::handle_input`], [`Session::handle_timeout`],
//! [`Session::handle_close`]) and takes bytes out
//! ([`Session::poll_output`]); it closes the connection once
//! [`Session::is_closed`] and the output is written.
//!
//! The session reads the Maildir itself (files, not sockets): the
//! snapshot is taken at login ([`Maildrop`]), deletions are marks until
//! QUIT, the update phase. A maildrop held by another session answers
//! `-ERR [IN-USE]` (RFC 2449 response codes).
//!
//! STLS (RFC 2595) is offered when the context has TLS: after its `+OK`
//! the driver takes [`Session::take_starttls`], runs the handshake and
//! reports with [`Session::handle_tls`]. With TLS available, USER/PASS in
//! plaintext are refused except from loopback.

mod maildrop;
#[cfg(test)]
pub(crate) mod tests;

use std::time::Instant;

pub use maildrop::Maildrop;

use crate::access::AccessContext;
use crate::mailstore::{to_crlf, user_dir, MailboxLock};
use crate::users::AuthResult;

/// The longest command line accepted, CRLF included (RFC 2449 says 255
/// octets; some clients send longer passwords).
pub const MAX_LINE: usize = 1024;

/// Errors tolerated before the session is closed.
const MAX_ERRORS: u32 = 20;

#[derive(Debug)]
enum State {
    /// Before login; the user name from USER, if given.
    Authorization(Option<String>),
    /// Logged in.
    Transaction(Maildrop, MailboxLock),
    /// QUIT or a fatal error.
    Closed,
}

/// One POP3 session.
#[derive(Debug)]
pub struct Session {
    ctx: AccessContext,
    peer: String,
    state: State,
    input: Vec<u8>,
    skip_line: bool,
    output: Vec<u8>,
    deadline: Instant,
    errors: u32,
    /// The connection is in TLS.
    tls: bool,
    /// STLS accepted: the plaintext bytes dropped after it, until the
    /// driver takes it.
    starttls: Option<usize>,
}

impl Session {
    /// A session for a connection accepted from `peer` at `now`; the
    /// greeting is the first output.
    pub fn new(ctx: AccessContext, peer: String, now: Instant) -> Session {
        let deadline = now + ctx.idle_timeout;
        let mut s = Session {
            ctx,
            peer,
            state: State::Authorization(None),
            input: Vec::new(),
            skip_line: false,
            output: Vec::new(),
            deadline,
            errors: 0,
            tls: false,
            starttls: None,
        };
        let greeting = format!("+OK {} POP3 septet ready", s.ctx.hostname);
        s.line(&greeting);
        s
    }

    /// Feeds bytes read from the client; every complete command is
    /// answered (pipelining, RFC 2449).
    pub fn handle_input(&mut self, now: Instant, data: &[u8]) {
        if self.is_closed() {
            return;
        }
        self.deadline = now + self.ctx.idle_timeout;
        self.input.extend_from_slice(data);
        while !self.is_closed() {
            let Some(end) = memchr::memchr(b'\n', &self.input) else {
                if self.input.len() > MAX_LINE {
                    self.input.clear();
                    self.skip_line = true;
                }
                break;
            };
            let line: Vec<u8> = self.input.drain(..=end).collect();
            if std::mem::take(&mut self.skip_line) || line.len() > MAX_LINE {
                self.error("line too long");
                continue;
            }
            self.command(&line, now);
            if self.starttls.is_some() {
                // Plaintext pipelined after STLS never runs (CVE-2011-0411).
                self.starttls = Some(self.input.len());
                self.input.clear();
                break;
            }
        }
    }

    /// After STLS's `+OK`: `Some(bytes dropped after it)` once, to tell
    /// the driver to write the output and run the TLS handshake.
    pub fn take_starttls(&mut self) -> Option<usize> {
        self.starttls.take()
    }

    /// The handshake succeeded (`ok`; the session starts over in the
    /// authorization state) or failed (the session ends).
    pub fn handle_tls(&mut self, ok: bool) {
        if ok {
            self.tls = true;
            self.state = State::Authorization(None);
        } else {
            self.state = State::Closed;
        }
    }

    /// Plaintext passwords are refused: TLS is available, not in use, and
    /// the client is not on loopback.
    fn needs_tls(&self) -> bool {
        self.ctx.tls_available
            && !self.tls
            && !self
                .peer
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// Time passed: past the idle deadline the session ends without the
    /// update phase (RFC 1939 3: an autologout timer).
    pub fn handle_timeout(&mut self, now: Instant) {
        if !self.is_closed() && now >= self.deadline {
            self.line("-ERR autologout timer expired");
            self.state = State::Closed;
        }
    }

    /// The client went away: no update phase, the lock is released.
    pub fn handle_close(&mut self) {
        self.state = State::Closed;
    }

    /// Bytes to write to the client, if any.
    pub fn poll_output(&mut self) -> Option<Vec<u8>> {
        (!self.output.is_empty()).then(|| std::mem::take(&mut self.output))
    }

    /// When to call [`Session::handle_timeout`].
    pub fn poll_timeout(&self) -> Option<Instant> {
        (!self.is_closed()).then_some(self.deadline)
    }

    /// Whether the session is over (close after writing the output).
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }

    fn line(&mut self, text: &str) {
        self.output.extend_from_slice(text.as_bytes());
        self.output.extend_from_slice(b"\r\n");
    }

    fn error(&mut self, text: &str) {
        self.line(&format!("-ERR {text}"));
        self.errors += 1;
        if self.errors >= MAX_ERRORS {
            self.line("-ERR too many errors, closing");
            self.state = State::Closed;
        }
    }

    fn command(&mut self, line: &[u8], now: Instant) {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Ok(line) = std::str::from_utf8(line) else {
            return self.error("command is not UTF-8");
        };
        let (verb, arg) = match line.split_once(' ') {
            Some((v, a)) => (v, a),
            None => (line, ""),
        };
        let verb = verb.to_ascii_uppercase();
        let args: Vec<&str> = arg.split(' ').filter(|a| !a.is_empty()).collect();
        match verb.as_str() {
            "CAPA" => self.capa(),
            "QUIT" => self.quit(),
            "NOOP" if self.logged_in() => self.line("+OK"),
            "USER" | "PASS" => self.authorization(&verb, arg, now),
            "STAT" | "LIST" | "UIDL" | "RETR" | "TOP" | "DELE" | "RSET" => {
                if self.logged_in() {
                    self.transaction(&verb, &args);
                } else {
                    self.error("log in first");
                }
            }
            "STLS" => self.stls(),
            _ => self.error("unknown command"),
        }
    }

    fn logged_in(&self) -> bool {
        matches!(self.state, State::Transaction(..))
    }

    fn capa(&mut self) {
        let mut text = String::from("+OK capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\n");
        text.push_str("AUTH-RESP-CODE\r\nPIPELINING\r\nEXPIRE NEVER\r\n");
        if !self.logged_in() && !self.needs_tls() {
            text.push_str("USER\r\n");
        }
        if self.ctx.tls_available && !self.tls && !self.logged_in() {
            text.push_str("STLS\r\n");
        }
        text.push_str("IMPLEMENTATION septet\r\n.");
        self.line(&text);
    }

    fn quit(&mut self) {
        match std::mem::replace(&mut self.state, State::Closed) {
            State::Transaction(drop, lock) => {
                let result = drop.commit();
                drop_lock(lock);
                match result {
                    Ok(n) => self.line(&format!(
                        "+OK {} POP3 server signing off ({n} deleted)",
                        self.ctx.hostname
                    )),
                    Err(e) => self.line(&format!("-ERR some deleted messages not removed: {e}")),
                }
            }
            _ => self.line("+OK bye"),
        }
    }

    fn stls(&mut self) {
        if !self.ctx.tls_available {
            return self.error("STLS is not available");
        }
        if self.tls || !matches!(self.state, State::Authorization(_)) {
            return self.error("STLS only once, before login");
        }
        self.line("+OK begin TLS negotiation");
        self.starttls = Some(0);
    }

    fn authorization(&mut self, verb: &str, arg: &str, now: Instant) {
        if self.needs_tls() && matches!(self.state, State::Authorization(_)) {
            return self.error("[AUTH] use STLS first: no plaintext passwords");
        }
        let State::Authorization(user) = &mut self.state else {
            return self.error("already logged in");
        };
        if verb == "USER" {
            let name = arg.trim();
            if name.is_empty() {
                return self.error("USER needs a name");
            }
            *user = Some(name.to_owned());
            return self.line("+OK send PASS");
        }
        let Some(name) = user.take() else {
            return self.error("USER first");
        };
        match self
            .ctx
            .auth
            .authenticate(&self.peer, &name, arg.as_bytes(), now)
        {
            AuthResult::Ok => {}
            AuthResult::Failed => return self.error("[AUTH] invalid user name or password"),
            AuthResult::RateLimited => {
                return self.error("[AUTH] too many failed logins, try again later")
            }
        }
        let Some(dir) = user_dir(&self.ctx.maildir_root, &name) else {
            return self.error("[AUTH] invalid user name");
        };
        let lock = match self.ctx.locks.try_lock_maildrop(&dir) {
            Ok(Some(lock)) => lock,
            Ok(None) => return self.error("[IN-USE] maildrop already locked by another session"),
            Err(e) => return self.line(&format!("-ERR [SYS/TEMP] cannot lock maildrop: {e}")),
        };
        match Maildrop::open(dir) {
            Ok(drop) => {
                let (n, size) = drop.stat();
                self.state = State::Transaction(drop, lock);
                self.line(&format!("+OK maildrop has {n} messages ({size} octets)"));
            }
            Err(e) => {
                drop_lock(lock);
                self.line(&format!("-ERR [SYS/TEMP] cannot open maildrop: {e}"));
            }
        }
    }

    fn transaction(&mut self, verb: &str, args: &[&str]) {
        let State::Transaction(drop, _) = &mut self.state else {
            return;
        };
        let num = |i: usize| args.get(i).and_then(|a| a.parse::<usize>().ok());
        let reply: Result<String, String> = match (verb, args.len()) {
            ("STAT", 0) => {
                let (n, size) = drop.stat();
                Ok(format!("+OK {n} {size}"))
            }
            ("LIST", 0) => {
                let mut t = String::from("+OK scan listing follows\r\n");
                for (n, size) in drop.list() {
                    t.push_str(&format!("{n} {size}\r\n"));
                }
                t.push('.');
                Ok(t)
            }
            ("UIDL", 0) => {
                let mut t = String::from("+OK unique-id listing follows\r\n");
                for (n, uid) in drop.uidl() {
                    t.push_str(&format!("{n} {uid}\r\n"));
                }
                t.push('.');
                Ok(t)
            }
            ("LIST", 1) => num(0)
                .and_then(|n| drop.size(n).map(|s| format!("+OK {n} {s}")))
                .ok_or_else(|| "no such message".into()),
            ("UIDL", 1) => num(0)
                .and_then(|n| drop.uid(n).map(|u| format!("+OK {n} {u}")))
                .ok_or_else(|| "no such message".into()),
            ("DELE", 1) => match num(0) {
                Some(n) if drop.delete(n) => Ok(format!("+OK message {n} deleted")),
                _ => Err("no such message".into()),
            },
            ("RSET", 0) => {
                drop.reset();
                let (n, size) = drop.stat();
                Ok(format!("+OK maildrop has {n} messages ({size} octets)"))
            }
            ("RETR", 1) => match num(0) {
                Some(n) => return self.send_message(n, None),
                None => Err("no such message".into()),
            },
            ("TOP", 2) => match (num(0), num(1)) {
                (Some(n), Some(lines)) => return self.send_message(n, Some(lines)),
                _ => Err("TOP needs a message number and a line count".into()),
            },
            _ => Err("wrong arguments".into()),
        };
        match reply {
            Ok(text) => self.line(&text),
            Err(text) => self.error(&text),
        }
    }

    /// RETR (`top` = None) or TOP: the message with CRLF line ends,
    /// dot-stuffed, then the terminating `.`.
    fn send_message(&mut self, n: usize, top: Option<usize>) {
        let State::Transaction(drop, _) = &self.state else {
            return;
        };
        let data = match drop.read(n) {
            Ok(Some(d)) => d,
            Ok(None) => return self.error("no such message"),
            Err(e) => return self.line(&format!("-ERR [SYS/TEMP] cannot read message: {e}")),
        };
        let size = drop.size(n).unwrap_or(0);
        let wire = to_crlf(&data);
        let body = match top {
            Some(lines) => head_and_lines(&wire, lines),
            None => &wire[..],
        };
        self.line(&format!("+OK {size} octets"));
        let mut stuffer = septet::smtp::DotStuffer::new();
        stuffer.feed(body, &mut self.output);
        stuffer.finish(&mut self.output);
    }
}

/// Releases a lock explicitly (a named drop reads better at call sites).
fn drop_lock(lock: MailboxLock) {
    drop(lock);
}

/// The header, the blank line and the first `lines` body lines of a
/// CRLF message.
fn head_and_lines(wire: &[u8], lines: usize) -> &[u8] {
    let body_start = if wire.starts_with(b"\r\n") {
        2
    } else {
        memchr::memmem::find(wire, b"\r\n\r\n").map_or(wire.len(), |i| i + 4)
    };
    let mut end = body_start;
    for _ in 0..lines {
        match memchr::memchr(b'\n', &wire[end..]) {
            Some(k) => end += k + 1,
            None => {
                end = wire.len();
                break;
            }
        }
    }
    &wire[..end]
}
