//! The SMTP server session (RFC 5321), sans-IO in the style of
//! quinn-proto: the driver feeds what it read ([`Session::handle_input`]),
//! the passing of time ([`Session::handle_timeout`]), the end of the
//! connection ([`Session::handle_close`]) and the spool's verdict
//! ([`Session::handle_spool_result`]); it takes back the bytes to write
//! ([`Session::poll_output`]), what to do with message data
//! ([`Session::poll_action`]) and when to wake it ([`Session::poll_timeout`]).
//! No sockets, no files, no clock: every rule is tested by feeding bytes.
//!
//! Message data goes out as [`Action::MessageChunk`]s as it arrives (after
//! dot-unstuffing by `septet::smtp::DataReader`), so nothing is buffered
//! whole; a message ends in [`Action::CommitMessage`] (the 250 waits for
//! [`Session::handle_spool_result`]) or [`Action::AbortMessage`].
//!
//! STARTTLS (RFC 3207) ends in [`Action::StartTls`] after the 220: the
//! driver upgrades the stream and reports with [`Session::handle_tls`].
//! AUTH PLAIN/LOGIN (RFC 4954, in `auth`) asks the driver to check a
//! password with [`Action::Authenticate`] and takes the verdict back
//! through [`Session::handle_auth_result`].

mod auth;
mod command;
mod data;
mod starttls;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tls_tests;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use auth::AuthStep;
use command::{Command, MailArgs, ParseError};
use data::Phase;

use crate::envelope::{domain_of, local_part_of, BodyType};

/// The longest command line, CRLF included (RFC 5321 4.5.3.1.4).
pub const MAX_COMMAND_LINE: usize = 512;

/// Settings shared by every session of a listener.
#[derive(Clone, Debug)]
pub struct SessionConfig {
    /// The name in the greeting and the EHLO reply.
    pub hostname: String,
    /// Domains delivered here (lower case).
    pub local_domains: Vec<String>,
    /// The largest message accepted (SIZE).
    pub max_message_size: u64,
    /// Recipients per message (RFC 5321 4.5.3.1.8: at least 100).
    pub max_recipients: usize,
    /// Waiting for a command (RFC 5321 4.5.3.2.7: 5 minutes).
    pub command_timeout: Duration,
    /// Waiting for the next data block (4.5.3.2.5: 3 minutes).
    pub data_timeout: Duration,
    /// Errors before the session is closed with 421.
    pub max_errors: u32,
    /// The driver can upgrade to TLS: STARTTLS is offered until it is used.
    pub starttls: bool,
    /// Passwords can be checked: AUTH is offered on submission after TLS,
    /// and MAIL on submission needs it.
    pub auth: bool,
    /// Failed AUTH attempts before the session is closed with 421.
    pub max_auth_failures: u32,
    /// How long a failed AUTH waits before its 535 (slows guessing).
    pub auth_failure_delay: Duration,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            hostname: "localhost".into(),
            local_domains: Vec::new(),
            max_message_size: 50 << 20,
            max_recipients: 100,
            command_timeout: Duration::from_secs(300),
            data_timeout: Duration::from_secs(180),
            max_errors: 20,
            starttls: false,
            auth: false,
            max_auth_failures: 3,
            auth_failure_delay: Duration::from_secs(1),
        }
    }
}

/// What the driver knows about the client.
#[derive(Clone, Debug, Default)]
pub struct Peer {
    /// The client's address, for the Received field.
    pub addr: String,
    /// The client is inside a `--relay-network`.
    pub relay_allowed: bool,
    /// The connection came to a submission listener (RFC 6409).
    pub submission: bool,
}

/// An accepted transaction, handed over when its data starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transaction {
    /// The reverse path (empty for `<>`).
    pub sender: String,
    /// The accepted forward paths.
    pub recipients: Vec<String>,
    /// `BODY=` of MAIL.
    pub body: BodyType,
    /// `SMTPUTF8` on MAIL.
    pub smtputf8: bool,
    /// The EHLO/HELO name.
    pub helo: String,
    /// `SMTP`, `ESMTP`, or with TLS and AUTH `ESMTPS`, `ESMTPA`,
    /// `ESMTPSA` (RFC 3848).
    pub protocol: &'static str,
    /// The AUTH identity, if the client authenticated.
    pub authenticated: Option<String>,
}

/// What the driver must do for the session, in order.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    /// A message starts: open a spool file for it.
    BeginMessage(Transaction),
    /// Message bytes (unstuffed), to append to the spool file.
    MessageChunk(Vec<u8>),
    /// The message is complete: make it durable, then call
    /// [`Session::handle_spool_result`].
    CommitMessage,
    /// Drop the message begun (error, RSET, timeout, lost client).
    AbortMessage,
    /// Close the connection once the output is written.
    Close,
    /// Write the output (the 220 to STARTTLS), then run the TLS handshake
    /// and call [`Session::handle_tls`]. `discarded` plaintext bytes that
    /// followed the STARTTLS line were dropped, never run as commands
    /// (CVE-2011-0411); nothing read from the socket before the handshake
    /// may be fed in again.
    StartTls {
        /// Bytes pipelined after STARTTLS and dropped.
        discarded: usize,
    },
    /// Check `password` for `user` (the users file), then call
    /// [`Session::handle_auth_result`].
    Authenticate {
        /// The authentication identity.
        user: String,
        /// The password as sent.
        password: Vec<u8>,
    },
}

/// The spool's verdict on a committed message.
pub type SpoolResult = Result<String, String>;

/// One SMTP server session.
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    peer: Peer,
    helo: Option<(String, bool)>,
    mail: Option<MailArgs>,
    rcpts: Vec<String>,
    phase: Phase,
    /// Received bytes not processed yet (a partial command line, or
    /// pipelined input while the spool commits).
    input: Vec<u8>,
    /// Skipping the rest of an over-long command line.
    skip_line: bool,
    output: Vec<u8>,
    actions: VecDeque<Action>,
    deadline: Option<Instant>,
    errors: u32,
    closed: bool,
    /// A BeginMessage was emitted and neither committed nor aborted.
    in_message: bool,
    /// BDAT bytes announced so far in this transaction.
    bdat_total: u64,
    /// The connection is in TLS.
    tls: bool,
    /// STARTTLS was accepted; waiting for [`Session::handle_tls`].
    awaiting_tls: bool,
    /// Where an AUTH exchange is.
    auth: AuthStep,
    /// The authenticated identity.
    auth_user: Option<String>,
    /// Failed AUTH attempts in this session.
    auth_failures: u32,
}

impl Session {
    /// A session that has just accepted a connection at `now`: the 220
    /// greeting is the first output.
    pub fn new(config: SessionConfig, peer: Peer, now: Instant) -> Session {
        let mut s = Session {
            config,
            peer,
            helo: None,
            mail: None,
            rcpts: Vec::new(),
            phase: Phase::Command,
            input: Vec::new(),
            skip_line: false,
            output: Vec::new(),
            actions: VecDeque::new(),
            deadline: None,
            errors: 0,
            closed: false,
            in_message: false,
            bdat_total: 0,
            tls: false,
            awaiting_tls: false,
            auth: AuthStep::Idle,
            auth_user: None,
            auth_failures: 0,
        };
        let greeting = format!("{} ESMTP septet", s.config.hostname);
        s.reply(220, "", &greeting);
        s.touch(now);
        s
    }

    /// Feeds bytes read from the client.
    pub fn handle_input(&mut self, now: Instant, data: &[u8]) {
        if self.closed {
            return;
        }
        if self.input.is_empty() && self.phase.is_data() {
            // The common case in a message: no copy into `input`.
            let used = self.data_input(data);
            self.input.extend_from_slice(&data[used..]);
        } else {
            self.input.extend_from_slice(data);
        }
        self.process();
        // After processing: the phase reached decides the wait.
        self.touch(now);
    }

    /// The connection was closed by the client (or failed): a message in
    /// progress is dropped.
    pub fn handle_close(&mut self) {
        if !self.closed {
            self.abort_message();
            self.close();
        }
    }

    /// Time passed: past the deadline, the session ends with 421.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.auth_delay_over(now) {
            return;
        }
        if self.closed || self.deadline.is_none_or(|d| now < d) {
            return;
        }
        self.reply(421, "4.4.2", "timeout, closing the connection");
        self.abort_message();
        self.close();
    }

    /// The spool made the message durable (`Ok(queue id)`) or could not.
    pub fn handle_spool_result(&mut self, now: Instant, result: SpoolResult) {
        if !matches!(self.phase, Phase::AwaitSpool) {
            return;
        }
        match result {
            Ok(id) => self.reply(250, "2.0.0", &format!("Ok: queued as {id}")),
            Err(e) => self.reply(451, "4.3.0", &format!("queue failure: {e}")),
        }
        self.reset_transaction();
        self.phase = Phase::Command;
        self.touch(now);
        self.process();
    }

    /// Bytes to write to the client.
    pub fn poll_output(&mut self) -> Option<Vec<u8>> {
        (!self.output.is_empty()).then(|| std::mem::take(&mut self.output))
    }

    /// The next thing the driver must do.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if let AuthStep::Delay { until, .. } = self.auth {
            return (!self.closed).then_some(until);
        }
        if self.closed || self.blocked() {
            None
        } else {
            self.deadline
        }
    }

    /// False while the spool commits (pipelined input would only pile up),
    /// during a TLS handshake or a password check, and after the session
    /// ended: the driver stops reading.
    pub fn wants_input(&self) -> bool {
        !self.closed && !self.blocked()
    }

    /// The identity the client authenticated as.
    pub fn authenticated(&self) -> Option<&str> {
        self.auth_user.as_deref()
    }

    /// Waiting for the driver (spool, TLS handshake, password check).
    fn blocked(&self) -> bool {
        matches!(self.phase, Phase::AwaitSpool) || self.awaiting_tls || self.auth.is_blocking()
    }

    /// True once the session ended.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    fn touch(&mut self, now: Instant) {
        let wait = if self.phase.is_data() {
            self.config.data_timeout
        } else {
            self.config.command_timeout
        };
        self.deadline = now.checked_add(wait);
    }

    fn close(&mut self) {
        self.closed = true;
        self.input = Vec::new();
        self.actions.push_back(Action::Close);
    }

    /// Writes a reply; `status` is the enhanced code (RFC 2034), if any.
    fn reply(&mut self, code: u16, status: &str, text: &str) {
        let line = if status.is_empty() {
            format!("{code} {text}\r\n")
        } else {
            format!("{code} {status} {text}\r\n")
        };
        self.output.extend_from_slice(line.as_bytes());
    }

    /// A 4xx/5xx reply that counts towards `max_errors`.
    fn error(&mut self, code: u16, status: &str, text: &str) {
        self.reply(code, status, text);
        self.errors += 1;
        if self.errors >= self.config.max_errors {
            self.reply(421, "4.7.0", "too many errors, closing the connection");
            self.abort_message();
            self.close();
        }
    }

    fn reset_transaction(&mut self) {
        self.abort_message();
        self.mail = None;
        self.rcpts.clear();
        self.bdat_total = 0;
    }

    fn abort_message(&mut self) {
        if std::mem::take(&mut self.in_message) {
            self.actions.push_back(Action::AbortMessage);
        }
    }

    /// Runs commands and data from `input` until it needs more bytes or
    /// waits for the spool.
    fn process(&mut self) {
        let mut pos = 0;
        while !self.closed && pos < self.input.len() {
            if self.phase.is_data() {
                let rest = std::mem::take(&mut self.input);
                let used = self.data_input(&rest[pos..]);
                self.input = rest;
                pos += used;
                continue;
            }
            if self.blocked() {
                break;
            }
            let Some(nl) = memchr_lf(&self.input[pos..]) else {
                if self.input.len() - pos > MAX_COMMAND_LINE {
                    self.skip_line = true;
                    pos = self.input.len();
                }
                break;
            };
            let line = self.input[pos..pos + nl + 1].to_vec();
            pos += nl + 1;
            if std::mem::take(&mut self.skip_line) || line.len() > MAX_COMMAND_LINE {
                self.error(500, "5.5.2", "line too long");
                continue;
            }
            if self.auth.wants_line() {
                self.auth_line(&line);
                continue;
            }
            self.command_line(&line);
            if self.awaiting_tls {
                // CVE-2011-0411: what followed STARTTLS in plaintext must
                // not run as if it had come over TLS.
                let discarded = self.input.len() - pos;
                pos = self.input.len();
                self.actions.push_back(Action::StartTls { discarded });
                break;
            }
        }
        self.input.drain(..pos.min(self.input.len()));
    }

    fn command_line(&mut self, line: &[u8]) {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let text = match std::str::from_utf8(line) {
            Ok(t) if t.is_ascii() || self.utf8_allowed(t) => t,
            _ => return self.error(500, "5.5.2", "8-bit characters in a command"),
        };
        match command::parse(text) {
            Ok(cmd) => self.command(cmd),
            Err(ParseError::Unknown) => self.error(500, "5.5.1", "command unrecognized"),
            Err(ParseError::Syntax(why)) => self.error(501, "5.5.4", why),
            Err(ParseError::Parameter) => self.error(555, "5.5.4", "unsupported parameter"),
        }
    }

    /// UTF-8 is allowed in MAIL with SMTPUTF8 and in RCPT after such a MAIL
    /// (RFC 6531 3.3).
    fn utf8_allowed(&self, text: &str) -> bool {
        let verb = text.get(..4).unwrap_or("").to_ascii_uppercase();
        match verb.as_str() {
            "MAIL" => text.to_ascii_uppercase().contains(" SMTPUTF8"),
            "RCPT" => self.mail.as_ref().is_some_and(|m| m.smtputf8),
            _ => false,
        }
    }

    fn command(&mut self, cmd: Command) {
        match cmd {
            Command::Ehlo(name) => {
                self.reset_transaction();
                self.helo = Some((name, true));
                let size = self.config.max_message_size;
                let host = self.config.hostname.clone();
                let mut lines = [
                    host.as_str(),
                    "PIPELINING",
                    &format!("SIZE {size}"),
                    "8BITMIME",
                    "BINARYMIME",
                    "CHUNKING",
                    "ENHANCEDSTATUSCODES",
                    "SMTPUTF8",
                ]
                .map(str::to_owned)
                .to_vec();
                if self.config.starttls && !self.tls {
                    lines.push("STARTTLS".into());
                }
                if self.auth_offered() {
                    lines.push("AUTH PLAIN LOGIN".into());
                }
                let last = lines.len() - 1;
                for (i, l) in lines.iter().enumerate() {
                    let sep = if i == last { ' ' } else { '-' };
                    self.output
                        .extend_from_slice(format!("250{sep}{l}\r\n").as_bytes());
                }
            }
            Command::Helo(name) => {
                self.reset_transaction();
                self.helo = Some((name, false));
                let host = self.config.hostname.clone();
                self.reply(250, "", &host);
            }
            Command::Mail(args) => self.mail(args),
            Command::Rcpt(addr) => self.rcpt(addr),
            Command::Data => self.data(),
            Command::Bdat { size, last } => self.bdat(size, last),
            Command::Rset => {
                self.reset_transaction();
                self.reply(250, "2.0.0", "Ok");
            }
            Command::Noop => self.reply(250, "2.0.0", "Ok"),
            Command::Vrfy => self.reply(
                252,
                "2.5.0",
                "cannot VRFY the user, but will accept the message",
            ),
            Command::Help => self.reply(
                214,
                "2.0.0",
                "EHLO HELO MAIL RCPT DATA BDAT RSET NOOP VRFY HELP QUIT",
            ),
            Command::Quit => {
                self.reply(221, "2.0.0", "Bye");
                self.close();
            }
            Command::StartTls => self.starttls(),
            Command::Auth(args) => self.auth(&args),
        }
    }

    fn mail(&mut self, args: MailArgs) {
        if self.helo.is_none() {
            return self.error(503, "5.5.1", "send EHLO or HELO first");
        }
        if self.mail.is_some() {
            return self.error(503, "5.5.1", "nested MAIL command");
        }
        if self.peer.submission && self.config.auth && self.auth_user.is_none() {
            return self.error(530, "5.7.0", "authentication required");
        }
        let esmtp = self.helo.as_ref().is_some_and(|h| h.1);
        if !esmtp && (args.size.is_some() || args.body != BodyType::SevenBit || args.smtputf8) {
            return self.error(555, "5.5.4", "parameters need EHLO");
        }
        if args.size.is_some_and(|s| s > self.config.max_message_size) {
            return self.error(552, "5.3.4", "message size exceeds the fixed limit");
        }
        if !args.smtputf8 && !args.sender.is_ascii() {
            return self.error(553, "5.6.7", "non-ASCII address needs SMTPUTF8");
        }
        self.mail = Some(args);
        self.reply(250, "2.1.0", "Ok");
    }

    fn rcpt(&mut self, addr: String) {
        let Some(mail) = &self.mail else {
            return self.error(503, "5.5.1", "need MAIL before RCPT");
        };
        if !mail.smtputf8 && !addr.is_ascii() {
            return self.error(553, "5.6.7", "non-ASCII address needs SMTPUTF8");
        }
        if self.rcpts.len() >= self.config.max_recipients {
            return self.reply(452, "4.5.3", "too many recipients");
        }
        let domain = domain_of(&addr).unwrap_or_default();
        if self.config.local_domains.contains(&domain) {
            if !safe_local_part(local_part_of(&addr)) {
                return self.error(550, "5.1.1", "no such mailbox");
            }
        } else if !self.peer.relay_allowed && self.auth_user.is_none() {
            return self.error(554, "5.7.1", "relay access denied");
        }
        self.rcpts.push(addr);
        self.reply(250, "2.1.5", "Ok");
    }

    fn transaction(&self) -> Option<Transaction> {
        let mail = self.mail.as_ref()?;
        let (helo, esmtp) = self.helo.clone()?;
        Some(Transaction {
            sender: mail.sender.clone(),
            recipients: self.rcpts.clone(),
            body: mail.body,
            smtputf8: mail.smtputf8,
            helo,
            protocol: match (esmtp, self.tls, self.auth_user.is_some()) {
                (false, _, _) => "SMTP",
                (true, false, false) => "ESMTP",
                (true, true, false) => "ESMTPS",
                (true, false, true) => "ESMTPA",
                (true, true, true) => "ESMTPSA",
            },
            authenticated: self.auth_user.clone(),
        })
    }
}

/// A local part usable as a Maildir folder name under `--maildir-root`.
pub(crate) fn safe_local_part(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.contains(['/', '\\', '\0'])
}

fn memchr_lf(data: &[u8]) -> Option<usize> {
    data.iter().position(|&b| b == b'\n')
}
