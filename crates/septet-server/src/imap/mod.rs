//! The IMAP4rev1 server session (RFC 3501), sans-IO in the style of
//! quinn-proto: bytes and time in ([`Session::handle_input`],
//! [`Session::handle_timeout`], [`Session::handle_close`]), bytes out
//! ([`Session::poll_output`]), a wake-up time ([`Session::poll_timeout`]).
//! It reads and renames Maildir files itself; no sockets.
//!
//! Commands are parsed by hand ([`parse`]): IMAP framing needs to know
//! where literals are before a command is complete (to send `+` for a
//! synchronizing literal, to refuse a huge one before reading it), so the
//! framer and the cursor live together; imap-codec would have added a
//! large dependency for the part that is easy.
//!
//! Module map: [`parse`] (syntax, framing), [`mailbox`] (Maildir folder,
//! UID map, flags), [`structure`] and [`address`] (ENVELOPE,
//! BODYSTRUCTURE), [`fetch`] (items, sections), [`search`] (keys),
//! `folders` and `commands` (the commands on folders, on messages).
//!
//! STARTTLS (RFC 3501 6.2.1) is offered when the context has TLS: after
//! its OK the driver takes [`Session::take_starttls`], runs the handshake
//! and reports with [`Session::handle_tls`]; CAPABILITY then no longer
//! lists STARTTLS. With TLS available, a plaintext client off loopback
//! sees LOGINDISABLED and cannot log in.

pub mod address;
pub mod cache;
mod commands;
pub mod fetch;
mod fetch_reply;
mod folders;
pub mod mailbox;
pub mod params;
pub mod parse;
pub mod search;
pub mod structure;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::access::AccessContext;
use crate::mailstore::user_dir;
use crate::users::AuthResult;
use mailbox::Mailbox;
use parse::{literal_at_end, Bad, Cursor};

/// The longest command line outside literals.
pub const MAX_LINE: usize = 64 * 1024;

/// How often a session in IDLE looks for changes.
const IDLE_POLL: Duration = Duration::from_secs(2);

/// Bad commands tolerated before the session is closed.
const MAX_ERRORS: u32 = 50;

/// The capabilities (STARTTLS is added when the driver has TLS).
const CAPABILITIES: &str =
    "IMAP4rev1 LITERAL+ SASL-IR AUTH=PLAIN UIDPLUS MOVE IDLE NAMESPACE UNSELECT ID";

#[derive(Debug)]
enum State {
    NotAuthenticated,
    Authenticated { dir: PathBuf },
    Selected { dir: PathBuf, mailbox: Mailbox },
    Logout,
}

/// What the session waits for besides a command.
#[derive(Debug)]
enum Waiting {
    Command,
    /// IDLE: `DONE` ends it.
    Idle(String),
    /// AUTHENTICATE PLAIN without an initial response: the next line.
    AuthPlain(String),
}

/// One IMAP session.
#[derive(Debug)]
pub struct Session {
    ctx: AccessContext,
    peer: String,
    state: State,
    waiting: Waiting,
    input: Vec<u8>,
    /// Where framing resumes in `input` (after complete literals).
    scan: usize,
    /// The line end of the literal a `+` was sent for.
    continued: Option<usize>,
    output: Vec<u8>,
    deadline: Instant,
    idle_poll: Option<Instant>,
    errors: u32,
    /// The connection is in TLS.
    tls: bool,
    /// STARTTLS accepted: the plaintext bytes dropped after it, until the
    /// driver takes it.
    starttls: Option<usize>,
    /// A FETCH whose responses are still being written, a chunk per
    /// [`Session::poll_output`]; later commands wait for it.
    fetch: Option<fetch_reply::FetchJob>,
    /// The time of the latest input, for the commands a FETCH held up.
    last_input: Instant,
}

impl Session {
    /// A session for a connection from `peer` at `now`; the greeting is
    /// the first output.
    pub fn new(ctx: AccessContext, peer: String, now: Instant) -> Session {
        let deadline = now + ctx.idle_timeout;
        let mut s = Session {
            ctx,
            peer,
            state: State::NotAuthenticated,
            waiting: Waiting::Command,
            input: Vec::new(),
            scan: 0,
            continued: None,
            output: Vec::new(),
            deadline,
            idle_poll: None,
            errors: 0,
            tls: false,
            starttls: None,
            fetch: None,
            last_input: now,
        };
        let caps = s.capabilities();
        s.untagged(&format!(
            "OK [CAPABILITY {caps}] {} IMAP4rev1 septet ready",
            s.ctx.hostname
        ));
        s
    }

    /// Feeds bytes read from the client.
    pub fn handle_input(&mut self, now: Instant, data: &[u8]) {
        if self.is_closed() {
            return;
        }
        self.deadline = now + self.ctx.idle_timeout;
        self.last_input = now;
        self.input.extend_from_slice(data);
        while !self.is_closed() && self.fetch.is_none() {
            if !matches!(self.waiting, Waiting::Command) {
                let Some(nl) = memchr::memchr(b'\n', &self.input) else {
                    if self.input.len() > MAX_LINE {
                        self.bye("line too long");
                    }
                    break;
                };
                let line: Vec<u8> = self.input.drain(..=nl).collect();
                self.waiting_line(&line, now);
                continue;
            }
            match self.frame() {
                Some(cmd) => self.command(&cmd, now),
                None => break,
            }
            if self.starttls.is_some() {
                // Plaintext pipelined after STARTTLS never runs (CVE-2011-0411).
                self.starttls = Some(self.input.len());
                self.input.clear();
                self.scan = 0;
                self.continued = None;
                break;
            }
        }
    }

    /// After STARTTLS's OK: `Some(bytes dropped after it)` once, to tell
    /// the driver to write the output and run the TLS handshake.
    pub fn take_starttls(&mut self) -> Option<usize> {
        self.starttls.take()
    }

    /// The handshake succeeded (`ok`) or failed (the session ends).
    pub fn handle_tls(&mut self, ok: bool) {
        if ok {
            self.tls = true;
        } else {
            self.state = State::Logout;
        }
    }

    /// Plaintext passwords are refused: TLS is available, not in use, and
    /// the client is not on loopback.
    fn login_disabled(&self) -> bool {
        self.ctx.tls_available
            && !self.tls
            && !self
                .peer
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// Time passed: the idle deadline closes the session; in IDLE, the
    /// mailbox is rescanned.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.is_closed() {
            return;
        }
        if now >= self.deadline {
            self.bye("autologout; idle for too long");
            return;
        }
        if self.idle_poll.is_some_and(|t| now >= t) {
            self.refresh();
            self.idle_poll = Some(now + IDLE_POLL);
        }
    }

    /// The client went away (also in the middle of a literal).
    pub fn handle_close(&mut self) {
        self.state = State::Logout;
    }

    /// Bytes to write, if any. A large FETCH is written a chunk per call
    /// (its next messages are read and rendered here), so the output stays
    /// bounded whatever the mailbox size.
    pub fn poll_output(&mut self) -> Option<Vec<u8>> {
        if self.output.is_empty() && fetch_reply::resume(self) {
            // The commands pipelined behind the FETCH.
            self.handle_input(self.last_input, &[]);
        }
        (!self.output.is_empty()).then(|| std::mem::take(&mut self.output))
    }

    /// When to call [`Session::handle_timeout`].
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.is_closed() {
            return None;
        }
        Some(
            self.idle_poll
                .map_or(self.deadline, |t| t.min(self.deadline)),
        )
    }

    /// Whether the session is over.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Logout)
    }

    fn capabilities(&self) -> String {
        let mut caps = CAPABILITIES.to_owned();
        if self.login_disabled() {
            caps = caps.replace(" AUTH=PLAIN", "") + " LOGINDISABLED";
        }
        if self.ctx.tls_available && !self.tls {
            caps += " STARTTLS";
        }
        caps
    }

    fn untagged(&mut self, text: &str) {
        self.output.extend_from_slice(b"* ");
        self.output.extend_from_slice(text.as_bytes());
        self.output.extend_from_slice(b"\r\n");
    }

    fn tagged(&mut self, tag: &str, text: &str) {
        self.output
            .extend_from_slice(format!("{tag} {text}\r\n").as_bytes());
    }

    fn bad(&mut self, tag: &str, text: &str) {
        self.tagged(tag, &format!("BAD {text}"));
        self.errors += 1;
        if self.errors >= MAX_ERRORS {
            self.bye("too many bad commands");
        }
    }

    fn bye(&mut self, text: &str) {
        self.untagged(&format!("BYE {text}"));
        self.state = State::Logout;
    }

    /// The next complete command (literals included), or `None` when more
    /// input is needed. Sends `+` for a synchronizing literal and refuses
    /// literals over [`parse::MAX_LITERAL`] before they are sent.
    fn frame(&mut self) -> Option<Vec<u8>> {
        let mut pos = self.scan;
        loop {
            let Some(nl) = memchr::memchr(b'\n', &self.input[pos..]) else {
                if self.input.len() - pos > MAX_LINE {
                    self.bye("command line too long");
                }
                self.scan = pos;
                return None;
            };
            let line_end = pos + nl + 1;
            match literal_at_end(&self.input[pos..line_end]) {
                None => {
                    let cmd: Vec<u8> = self.input.drain(..line_end).collect();
                    self.scan = 0;
                    self.continued = None;
                    return Some(cmd);
                }
                Some(Err(())) => {
                    let head: Vec<u8> = self.input.drain(..line_end).collect();
                    self.scan = 0;
                    let tag = tag_of(&head).unwrap_or("*").to_owned();
                    if head.ends_with(b"+}\r\n") || head.ends_with(b"+}\n") {
                        // The data follows unasked: the stream cannot be resynchronized.
                        self.bye("literal too large");
                    } else {
                        self.tagged(&tag, "NO [TOOBIG] literal too large");
                    }
                    return None;
                }
                Some(Ok((n, plus))) => {
                    let need = line_end.saturating_add(n);
                    if self.input.len() >= need {
                        pos = need;
                        continue;
                    }
                    if !plus && self.continued != Some(line_end) {
                        self.output
                            .extend_from_slice(b"+ Ready for literal data\r\n");
                        self.continued = Some(line_end);
                    }
                    self.scan = pos;
                    return None;
                }
            }
        }
    }

    fn waiting_line(&mut self, line: &[u8], now: Instant) {
        let text = line.strip_suffix(b"\n").unwrap_or(line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        match std::mem::replace(&mut self.waiting, Waiting::Command) {
            Waiting::Idle(tag) => {
                self.idle_poll = None;
                if text.eq_ignore_ascii_case(b"DONE") {
                    self.tagged(&tag, "OK IDLE terminated");
                } else {
                    self.bad(&tag, "expected DONE");
                }
            }
            Waiting::AuthPlain(tag) => {
                if text == b"*" {
                    self.bad(&tag, "AUTHENTICATE cancelled");
                } else {
                    self.auth_plain(&tag, text, now);
                }
            }
            Waiting::Command => {}
        }
    }

    fn command(&mut self, cmd: &[u8], now: Instant) {
        let cmd = cmd.strip_suffix(b"\n").unwrap_or(cmd);
        let cmd = cmd.strip_suffix(b"\r").unwrap_or(cmd);
        let Some(tag) = tag_of(cmd).map(str::to_owned) else {
            self.untagged("BAD invalid tag");
            self.errors += 1;
            return;
        };
        let mut c = Cursor::new(&cmd[tag.len()..]);
        let result = (|| -> Result<(), Bad> {
            c.sp()?;
            let mut name = c.atom()?.to_ascii_uppercase();
            if name == "UID" {
                c.sp()?;
                name = format!("UID {}", c.atom()?.to_ascii_uppercase());
            }
            self.dispatch(&tag, &name, &mut c, now)
        })();
        if let Err(e) = result {
            self.bad(&tag, &e.to_string());
        }
    }

    fn dispatch(
        &mut self,
        tag: &str,
        name: &str,
        c: &mut Cursor<'_>,
        now: Instant,
    ) -> Result<(), Bad> {
        match name {
            "CAPABILITY" => {
                c.end()?;
                let caps = self.capabilities();
                self.untagged(&format!("CAPABILITY {caps}"));
                self.tagged(tag, "OK CAPABILITY completed");
            }
            "NOOP" | "CHECK" => {
                c.end()?;
                self.refresh();
                self.tagged(tag, &format!("OK {name} completed"));
            }
            "LOGOUT" => {
                c.end()?;
                self.untagged("BYE logging out");
                self.tagged(tag, "OK LOGOUT completed");
                self.state = State::Logout;
            }
            "ID" => {
                self.untagged("ID (\"name\" \"septet\")");
                self.tagged(tag, "OK ID completed");
            }
            "STARTTLS" => {
                c.end()?;
                if !self.ctx.tls_available {
                    self.bad(tag, "STARTTLS is not available");
                } else if self.tls || !matches!(self.state, State::NotAuthenticated) {
                    self.bad(tag, "STARTTLS only once, before login");
                } else {
                    self.tagged(tag, "OK begin TLS negotiation now");
                    self.starttls = Some(0);
                }
            }
            "LOGIN" | "AUTHENTICATE" => {
                if !matches!(self.state, State::NotAuthenticated) {
                    self.bad(tag, "already authenticated");
                    return Ok(());
                }
                if self.login_disabled() {
                    self.tagged(tag, "NO [PRIVACYREQUIRED] use STARTTLS first");
                    return Ok(());
                }
                if name == "LOGIN" {
                    c.sp()?;
                    let user = c.astring_text()?;
                    c.sp()?;
                    let pass = c.astring()?;
                    c.end()?;
                    self.login(tag, &user, &pass, now);
                } else {
                    c.sp()?;
                    let mech = c.atom()?;
                    if !mech.eq_ignore_ascii_case("PLAIN") {
                        self.tagged(tag, "NO unsupported mechanism");
                        return Ok(());
                    }
                    if c.eat(b' ') {
                        let ir = c.atom()?.as_bytes().to_vec();
                        c.end()?;
                        self.auth_plain(tag, &ir, now);
                    } else {
                        c.end()?;
                        self.output.extend_from_slice(b"+ \r\n");
                        self.waiting = Waiting::AuthPlain(tag.to_owned());
                    }
                }
            }
            _ => {
                if matches!(self.state, State::NotAuthenticated) {
                    if commands::is_known(name) {
                        self.tagged(tag, "NO log in first");
                    } else {
                        self.bad(tag, "unknown command");
                    }
                    return Ok(());
                }
                commands::run(self, tag, name, c)?;
            }
        }
        Ok(())
    }

    fn auth_plain(&mut self, tag: &str, b64: &[u8], now: Instant) {
        let mut raw = Vec::new();
        if septet::base64::STANDARD.decode_into(b64, &mut raw).is_err() {
            self.bad(tag, "invalid base64");
            return;
        }
        // authzid NUL authcid NUL password; the authzid must be empty or the user.
        let parts: Vec<&[u8]> = raw.split(|&b| b == 0).collect();
        let [authz, user, pass] = parts[..] else {
            self.bad(tag, "malformed PLAIN response");
            return;
        };
        let user = String::from_utf8_lossy(user).into_owned();
        if !authz.is_empty() && authz != user.as_bytes() {
            self.tagged(tag, "NO [AUTHORIZATIONFAILED] cannot act as another user");
            return;
        }
        self.login(tag, &user, pass, now);
    }

    fn login(&mut self, tag: &str, user: &str, pass: &[u8], now: Instant) {
        match self.ctx.auth.authenticate(&self.peer, user, pass, now) {
            AuthResult::Ok => {}
            AuthResult::Failed => {
                return self.tagged(tag, "NO [AUTHENTICATIONFAILED] invalid credentials")
            }
            AuthResult::RateLimited => {
                return self.tagged(
                    tag,
                    "NO [UNAVAILABLE] too many failed logins, try again later",
                )
            }
        }
        let Some(dir) = user_dir(&self.ctx.maildir_root, user) else {
            return self.tagged(tag, "NO [AUTHENTICATIONFAILED] invalid user name");
        };
        if let Err(e) = crate::mailstore::ensure_maildir(&dir) {
            return self.tagged(tag, &format!("NO [SERVERBUG] cannot open the mailbox: {e}"));
        }
        self.state = State::Authenticated { dir };
        let caps = self.capabilities();
        self.tagged(tag, &format!("OK [CAPABILITY {caps}] logged in"));
    }

    /// Rescans the selected mailbox and reports others' changes.
    fn refresh(&mut self) {
        let State::Selected { mailbox, .. } = &mut self.state else {
            return;
        };
        let Ok(changes) = mailbox.refresh() else {
            return;
        };
        let mut lines = Vec::new();
        for n in &changes.expunged {
            lines.push(format!("{n} EXPUNGE"));
        }
        for &n in &changes.flags {
            if let Some(m) = mailbox.msgs.get(n as usize - 1) {
                lines.push(format!("{n} FETCH (FLAGS ({}))", commands::flag_names(m)));
            }
        }
        if changes.added {
            let recent = mailbox.msgs.iter().filter(|m| m.recent).count();
            lines.push(format!("{} EXISTS", mailbox.msgs.len()));
            lines.push(format!("{recent} RECENT"));
        }
        for l in lines {
            self.untagged(&l);
        }
    }
}

/// The tag at the start of a command: atom characters other than `+`.
fn tag_of(cmd: &[u8]) -> Option<&str> {
    let end = cmd.iter().position(|&b| b == b' ').unwrap_or(cmd.len());
    let tag = &cmd[..end];
    let ok = !tag.is_empty()
        && tag
            .iter()
            .all(|&b| b > b' ' && b < 0x7f && !b"(){%*\"\\+".contains(&b));
    if ok {
        std::str::from_utf8(tag).ok()
    } else {
        None
    }
}
