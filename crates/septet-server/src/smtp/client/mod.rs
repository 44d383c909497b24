//! The relay's SMTP client, sans-IO: replies in ([`Client::handle_input`],
//! [`Client::handle_close`]), commands and data out
//! ([`Client::poll_output`]), decisions out ([`Client::poll_event`]).
//! One connection carries several messages: after each one the client is
//! [`Event::Ready`] again (RSET first when a transaction failed).
//!
//! The body is streamed by the driver ([`Client::send_body`],
//! [`Client::finish_body`]) through the encoder the hop's EHLO chose
//! ([`plan`]): BDAT chunks, DATA with dot-stuffing, or DATA through
//! `septet::smtp::DowngradePipeline` when the hop lacks 8BITMIME. A
//! downgrade refusal (an 8-bit address, say) ends the connection before
//! the end of data, so the hop drops the partial message, and the
//! recipients fail with 5.6.3.
//!
//! With [`Client::enable_starttls`], a hop that advertises STARTTLS gets
//! it (opportunistic, RFC 7435): [`Event::StartTls`] asks the driver for
//! the handshake, [`Client::handle_tls`] resumes with a new EHLO (RFC 3207
//! 4.2: the capabilities before TLS are forgotten).

mod plan;
#[cfg(test)]
mod tests;
mod timeouts;

use std::collections::VecDeque;

use septet::downgrade;
use septet::smtp::{DotStuffer, DowngradePipeline, Framing, Output};

pub use plan::{plan, Capabilities, MessageSpec, Transfer};
pub use timeouts::Timeouts;

use super::reply::{Reply, ReplyParser};
use crate::queue::RcptResult;

/// What the driver must do next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Idle after the greeting and EHLO, or after a message: call
    /// [`Client::start_message`] or [`Client::quit`].
    Ready,
    /// Recipients were accepted: stream the body with
    /// [`Client::send_body`] and [`Client::finish_body`].
    SendBody(Transfer),
    /// The message is done: one result per recipient of its spec.
    Finished(Vec<RcptResult>),
    /// The connection is finished (after QUIT, or unusable: the reason).
    Closed(Option<String>),
    /// The hop said 220 to STARTTLS: run the TLS handshake, then call
    /// [`Client::handle_tls`] (or [`Client::handle_close`] if it failed).
    StartTls,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Greeting,
    Ehlo,
    Helo,
    Mail,
    Rcpt(usize),
    Data,
    DataEnd,
    BdatChunk,
    Rset,
    Quit,
    StartTls,
    /// A reply to ignore (the end of an empty DATA sent to get out of it).
    Ignore,
}

enum Encoder {
    Stuff(DotStuffer),
    Bdat,
    Downgrade(Box<DowngradePipeline>),
}

struct Job {
    results: Vec<Option<RcptResult>>,
    accepted: Vec<usize>,
    transfer: Transfer,
    failed: Option<Reply>,
    encoder: Option<Encoder>,
    /// DATA was sent along with the envelope (pipelining).
    data_sent: bool,
    in_body: bool,
    /// The end of the body was sent.
    ended: bool,
}

/// One client connection to a next hop.
pub struct Client {
    hostname: String,
    parser: ReplyParser,
    expect: VecDeque<Expect>,
    /// Commands waiting for earlier replies (no PIPELINING).
    queued: VecDeque<(String, Expect)>,
    out: Vec<u8>,
    events: VecDeque<Event>,
    caps: Capabilities,
    job: Option<Job>,
    closed: bool,
    /// STARTTLS is used when the hop offers it.
    want_tls: bool,
    /// The connection is in TLS.
    tls: bool,
    timeouts: Timeouts,
    /// Bumped on every reply, command and body block: a wait's clock
    /// restarts when it changes.
    progress: u64,
    timer: Option<timeouts::Timer>,
}

fn result_of(reply: &Reply) -> RcptResult {
    if reply.is_permanent() {
        RcptResult::Permanent(reply.summary())
    } else {
        RcptResult::Temporary(reply.summary())
    }
}

impl Client {
    /// A client on a fresh connection, waiting for the greeting;
    /// `hostname` goes in EHLO.
    pub fn new(hostname: &str) -> Client {
        Client {
            hostname: hostname.to_owned(),
            parser: ReplyParser::default(),
            expect: VecDeque::from([Expect::Greeting]),
            queued: VecDeque::new(),
            out: Vec::new(),
            events: VecDeque::new(),
            caps: Capabilities::default(),
            job: None,
            closed: false,
            want_tls: false,
            tls: false,
            timeouts: Timeouts::default(),
            progress: 0,
            timer: None,
        }
    }

    /// Uses STARTTLS when the hop's EHLO offers it (call before the
    /// greeting is fed in).
    pub fn enable_starttls(&mut self) {
        self.want_tls = true;
    }

    /// True once the TLS handshake after STARTTLS succeeded.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The driver finished the TLS handshake after [`Event::StartTls`]:
    /// the session starts over with EHLO.
    pub fn handle_tls(&mut self) {
        if self.closed || self.tls {
            return;
        }
        self.tls = true;
        self.caps = Capabilities::default();
        let ehlo = format!("EHLO {}", self.hostname);
        self.send(ehlo, Expect::Ehlo);
    }

    /// The hop's EHLO capabilities (empty before EHLO, or after HELO).
    pub fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    /// Bytes to send.
    pub fn poll_output(&mut self) -> Option<Vec<u8>> {
        (!self.out.is_empty()).then(|| std::mem::take(&mut self.out))
    }

    /// The next decision.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// True once [`Event::Closed`] was emitted.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Feeds bytes read from the hop.
    pub fn handle_input(&mut self, data: &[u8]) {
        if self.closed {
            return;
        }
        let mut replies = Vec::new();
        if let Err(e) = self.parser.feed(data, &mut replies) {
            return self.fail(e);
        }
        for reply in replies {
            if self.closed {
                break;
            }
            self.reply(reply);
        }
    }

    /// The connection ended or timed out (`why`): recipients not decided
    /// yet fail temporarily.
    pub fn handle_close(&mut self, why: &str) {
        if !self.closed {
            self.fail(why.to_owned());
        }
    }

    /// Starts a message (only when [`Event::Ready`] was the last event).
    /// Errors: the hop cannot take it at all (SMTPUTF8, SIZE), or the client is busy.
    pub fn start_message(&mut self, spec: &MessageSpec) -> Result<Transfer, RcptResult> {
        if self.closed || self.job.is_some() || !self.expect.is_empty() {
            return Err(RcptResult::Temporary("client busy".into()));
        }
        let (transfer, body) = plan(&self.caps, spec)?;
        let mut mail = format!("MAIL FROM:<{}>", spec.sender);
        if let Some(b) = body {
            mail += &format!(" BODY={b}");
        }
        if self.caps.size.is_some() {
            mail += &format!(" SIZE={}", spec.size);
        }
        if spec.smtputf8 {
            mail += " SMTPUTF8";
        }
        self.send(mail, Expect::Mail);
        for (i, r) in spec.recipients.iter().enumerate() {
            self.send(format!("RCPT TO:<{r}>"), Expect::Rcpt(i));
        }
        let data_sent = transfer != Transfer::Bdat && self.caps.pipelining;
        if data_sent {
            self.send("DATA".into(), Expect::Data);
        }
        self.job = Some(Job {
            results: vec![None; spec.recipients.len()],
            accepted: Vec::new(),
            transfer,
            failed: None,
            encoder: None,
            data_sent,
            in_body: false,
            ended: false,
        });
        Ok(transfer)
    }

    /// Streams body bytes (after [`Event::SendBody`]). A downgrade refusal
    /// fails the accepted recipients with 5.6.3 and closes the connection.
    pub fn send_body(&mut self, chunk: &[u8]) {
        let Some(job) = self.job.as_mut().filter(|j| j.in_body) else {
            return;
        };
        self.progress += 1;
        let result = match job.encoder.as_mut() {
            Some(Encoder::Stuff(s)) => {
                s.feed(chunk, &mut self.out);
                Ok(())
            }
            Some(Encoder::Bdat) => {
                if !chunk.is_empty() {
                    self.out
                        .extend_from_slice(format!("BDAT {}\r\n", chunk.len()).as_bytes());
                    self.out.extend_from_slice(chunk);
                    self.expect.push_back(Expect::BdatChunk);
                }
                Ok(())
            }
            Some(Encoder::Downgrade(p)) => p.feed(chunk, &mut self.out).map(|_| ()),
            None => Ok(()),
        };
        if let Err(e) = result {
            self.refuse_conversion(e.to_string());
        }
    }

    /// Ends the body (the end marker or `BDAT 0 LAST`).
    pub fn finish_body(&mut self) {
        let Some(job) = self.job.as_mut().filter(|j| j.in_body) else {
            return;
        };
        job.in_body = false;
        job.ended = true;
        self.progress += 1;
        let result = match job.encoder.take() {
            Some(Encoder::Stuff(s)) => {
                s.finish(&mut self.out);
                Ok(())
            }
            Some(Encoder::Bdat) => {
                self.out.extend_from_slice(b"BDAT 0 LAST\r\n");
                Ok(())
            }
            Some(Encoder::Downgrade(p)) => p.finish(&mut self.out).map(|_| ()),
            None => Ok(()),
        };
        match result {
            Ok(()) => self.expect.push_back(Expect::DataEnd),
            Err(e) => self.refuse_conversion(e.to_string()),
        }
    }

    /// Ends the session politely.
    pub fn quit(&mut self) {
        if !self.closed && self.job.is_none() {
            self.send("QUIT".into(), Expect::Quit);
        }
    }

    fn send(&mut self, command: String, expect: Expect) {
        self.progress += 1;
        if self.caps.pipelining || (self.expect.is_empty() && self.queued.is_empty()) {
            self.out.extend_from_slice(command.as_bytes());
            self.out.extend_from_slice(b"\r\n");
            self.expect.push_back(expect);
        } else {
            self.queued.push_back((command, expect));
        }
    }

    fn fail(&mut self, why: String) {
        if let Some(job) = self.job.take() {
            let results = job
                .results
                .into_iter()
                .map(|r| r.unwrap_or_else(|| RcptResult::Temporary(why.clone())))
                .collect();
            self.events.push_back(Event::Finished(results));
        }
        self.closed = true;
        self.expect.clear();
        self.queued.clear();
        self.events.push_back(Event::Closed(Some(why)));
    }

    fn refuse_conversion(&mut self, why: String) {
        if let Some(job) = self.job.as_mut() {
            for &i in &job.accepted {
                job.results[i] = Some(RcptResult::Permanent(format!(
                    "554 5.6.3 conversion to 7-bit refused: {why}"
                )));
            }
        }
        // Unsent data: the hop must not see an end of data.
        self.out.clear();
        self.fail(format!("conversion refused: {why}"));
    }

    fn reply(&mut self, reply: Reply) {
        self.progress += 1;
        let Some(expect) = self.expect.pop_front() else {
            return self.fail(format!("unexpected reply: {}", reply.summary()));
        };
        if reply.code == 421 && expect != Expect::Quit {
            return self.fail(reply.summary());
        }
        match expect {
            Expect::Greeting if reply.code == 220 => {
                let ehlo = format!("EHLO {}", self.hostname);
                self.send(ehlo, Expect::Ehlo);
            }
            Expect::Greeting => self.fail(reply.summary()),
            Expect::Ehlo if reply.is_positive() => {
                self.caps = Capabilities::parse(&reply.lines);
                if self.want_tls && !self.tls && self.caps.starttls {
                    self.send("STARTTLS".into(), Expect::StartTls);
                } else {
                    self.events.push_back(Event::Ready);
                }
            }
            Expect::StartTls if reply.code == 220 => {
                // Nothing may be sent or read in plaintext from here on.
                self.events.push_back(Event::StartTls);
                return;
            }
            // Refused: opportunistic TLS goes on in plaintext.
            Expect::StartTls => self.events.push_back(Event::Ready),
            Expect::Ehlo => {
                let helo = format!("HELO {}", self.hostname);
                self.send(helo, Expect::Helo);
            }
            Expect::Helo if reply.is_positive() => self.events.push_back(Event::Ready),
            Expect::Helo => self.fail(reply.summary()),
            Expect::Rset => self.events.push_back(Event::Ready),
            Expect::Quit => {
                self.closed = true;
                self.events.push_back(Event::Closed(None));
            }
            Expect::Ignore => {}
            Expect::Mail | Expect::Rcpt(_) | Expect::Data | Expect::DataEnd | Expect::BdatChunk => {
                self.job_reply(expect, reply)
            }
        }
        if self.expect.is_empty() {
            if let Some((cmd, exp)) = self.queued.pop_front() {
                self.out.extend_from_slice(cmd.as_bytes());
                self.out.extend_from_slice(b"\r\n");
                self.expect.push_back(exp);
            } else {
                self.envelope_done();
            }
        }
    }

    fn job_reply(&mut self, expect: Expect, reply: Reply) {
        let Some(job) = self.job.as_mut() else { return };
        match expect {
            Expect::Mail if !reply.is_positive() => job.failed = Some(reply),
            Expect::Rcpt(i) => match &job.failed {
                Some(mail) => job.results[i] = Some(result_of(mail)),
                None if reply.is_positive() => job.accepted.push(i),
                None => job.results[i] = Some(result_of(&reply)),
            },
            Expect::Data if reply.code == 354 => {
                if job.accepted.is_empty() {
                    // A hop that takes DATA without recipients: end it empty.
                    self.out.extend_from_slice(b".\r\n");
                    self.expect.push_back(Expect::Ignore);
                } else {
                    self.begin_body();
                }
            }
            Expect::Data => {
                job.failed.get_or_insert(reply);
            }
            Expect::BdatChunk if !reply.is_positive() => {
                job.failed.get_or_insert(reply);
            }
            Expect::DataEnd => {
                let outcome = match &job.failed {
                    Some(f) => result_of(f),
                    None if reply.is_positive() => RcptResult::Delivered,
                    None => result_of(&reply),
                };
                if !reply.is_positive() {
                    job.failed.get_or_insert(reply);
                }
                for &i in &job.accepted {
                    job.results[i] = Some(outcome.clone());
                }
                self.finish_job();
            }
            _ => {}
        }
    }

    /// Called when no reply is outstanding: moves an envelope whose
    /// replies are all in to its body, or ends it.
    fn envelope_done(&mut self) {
        let Some(job) = self.job.as_mut() else { return };
        if job.in_body || job.ended || job.encoder.is_some() {
            return;
        }
        if job.accepted.is_empty() || job.failed.is_some() {
            let fallback = job
                .failed
                .clone()
                .map(|r| result_of(&r))
                .unwrap_or_else(|| RcptResult::Temporary("no recipient accepted".into()));
            for r in job.results.iter_mut().filter(|r| r.is_none()) {
                *r = Some(fallback.clone());
            }
            return self.finish_job();
        }
        if job.transfer == Transfer::Bdat {
            self.begin_body();
        } else if !job.data_sent {
            job.data_sent = true;
            self.send("DATA".into(), Expect::Data);
        }
    }

    fn begin_body(&mut self) {
        let Some(job) = self.job.as_mut() else { return };
        job.in_body = true;
        job.encoder = Some(match job.transfer {
            Transfer::Data => Encoder::Stuff(DotStuffer::new()),
            Transfer::Bdat => Encoder::Bdat,
            Transfer::Downgrade => {
                // Bounded memory, with the library's lookahead
                // (`downgrade::DEFAULT_WINDOW`) to see late 8-bit bytes.
                let options = downgrade::Options::default();
                Encoder::Downgrade(Box::new(DowngradePipeline::new(
                    Framing::Raw,
                    Output::Data,
                    options,
                )))
            }
        });
        self.events.push_back(Event::SendBody(job.transfer));
    }

    fn finish_job(&mut self) {
        let Some(job) = self.job.take() else { return };
        let clean = job.failed.is_none() && !job.accepted.is_empty();
        let results = job
            .results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| RcptResult::Temporary("no reply".into())))
            .collect();
        self.events.push_back(Event::Finished(results));
        if clean {
            self.events.push_back(Event::Ready);
        } else {
            self.send("RSET".into(), Expect::Rset);
        }
    }
}
