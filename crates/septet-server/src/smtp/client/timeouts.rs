//! The client's timeouts (RFC 5321 §4.5.3.2), sans-IO: the driver asks
//! [`Client::poll_timeout`] for the deadline of what the client waits for,
//! and calls [`Client::handle_timeout`] with the current time before it
//! waits (which starts the clock of a new wait) and when the deadline
//! passes (which abandons the connection: undecided recipients fail
//! temporarily, so the message is retried and never counted delivered).

use std::time::{Duration, Instant};

use super::{Client, Expect};

/// How long the client waits at each step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// For the 220 greeting (RFC: 5 minutes).
    pub greeting: Duration,
    /// For the reply to MAIL, and to EHLO, HELO, RSET, QUIT (5 minutes).
    pub mail: Duration,
    /// For each RCPT reply (5 minutes).
    pub rcpt: Duration,
    /// For the 354 after DATA (2 minutes).
    pub data_init: Duration,
    /// For each body block to be taken by the hop, and each BDAT chunk's
    /// reply (3 minutes).
    pub data_block: Duration,
    /// For the reply after the end of data (10 minutes).
    pub data_term: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        let min = |m: u64| Duration::from_secs(60 * m);
        Timeouts {
            greeting: min(5),
            mail: min(5),
            rcpt: min(5),
            data_init: min(2),
            data_block: min(3),
            data_term: min(10),
        }
    }
}

impl Timeouts {
    /// Every timeout at most `cap` (for tests and impatient operators).
    pub fn capped(self, cap: Duration) -> Timeouts {
        Timeouts {
            greeting: self.greeting.min(cap),
            mail: self.mail.min(cap),
            rcpt: self.rcpt.min(cap),
            data_init: self.data_init.min(cap),
            data_block: self.data_block.min(cap),
            data_term: self.data_term.min(cap),
        }
    }
}

/// A started wait: `deadline`, valid while the client's progress counter
/// is still `progress`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Timer {
    progress: u64,
    deadline: Instant,
}

impl Client {
    /// The client with these timeouts instead of RFC 5321's.
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Client {
        self.timeouts = timeouts;
        self
    }

    /// What the client waits for, and for how long; `None` when idle.
    fn waiting(&self) -> Option<(&'static str, Duration)> {
        if self.closed {
            return None;
        }
        let t = &self.timeouts;
        match self.expect.front() {
            Some(Expect::Greeting) => Some(("the greeting", t.greeting)),
            Some(Expect::Ehlo | Expect::Helo) => Some(("the EHLO reply", t.mail)),
            Some(Expect::Mail) => Some(("the MAIL reply", t.mail)),
            Some(Expect::Rcpt(_)) => Some(("a RCPT reply", t.rcpt)),
            Some(Expect::Data) => Some(("the DATA reply", t.data_init)),
            Some(Expect::BdatChunk) => Some(("a BDAT reply", t.data_block)),
            Some(Expect::DataEnd) => Some(("the end-of-data reply", t.data_term)),
            Some(Expect::StartTls) => Some(("the STARTTLS reply", t.mail)),
            Some(Expect::Rset | Expect::Quit | Expect::Ignore) => Some(("a reply", t.mail)),
            None if self.job.as_ref().is_some_and(|j| j.in_body) => {
                Some(("the hop to take the body", t.data_block))
            }
            None => None,
        }
    }

    /// Starts the clock of a new wait at `now`, or, past its deadline,
    /// abandons the connection ([`super::Event::Finished`] with temporary
    /// results for the undecided recipients, then [`super::Event::Closed`]).
    pub fn handle_timeout(&mut self, now: Instant) {
        let Some((what, limit)) = self.waiting() else {
            self.timer = None;
            return;
        };
        match self.timer {
            Some(t) if t.progress == self.progress => {
                if now >= t.deadline {
                    self.fail(format!(
                        "421 4.4.2 timeout after {}s waiting for {what}",
                        limit.as_secs()
                    ));
                }
            }
            _ => {
                self.timer = Some(Timer {
                    progress: self.progress,
                    deadline: now + limit,
                })
            }
        }
    }

    /// The deadline of the current wait, once [`Client::handle_timeout`]
    /// started its clock; `None` when idle or not started yet.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.waiting()?;
        self.timer
            .filter(|t| t.progress == self.progress)
            .map(|t| t.deadline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::BodyType;
    use crate::queue::RcptResult;
    use crate::smtp::client::{Event, MessageSpec};

    fn events(c: &mut Client) -> Vec<Event> {
        std::iter::from_fn(|| c.poll_event()).collect()
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn greeting_times_out_after_five_minutes() {
        let t0 = Instant::now();
        let mut c = Client::new("relay.test");
        assert_eq!(
            c.poll_timeout(),
            None,
            "the clock starts with handle_timeout"
        );
        c.handle_timeout(t0);
        assert_eq!(c.poll_timeout(), Some(t0 + secs(300)));
        c.handle_timeout(t0 + secs(299));
        assert!(!c.is_closed());
        c.handle_timeout(t0 + secs(300));
        assert!(c.is_closed());
        let ev = events(&mut c);
        assert!(
            matches!(&ev[..], [Event::Closed(Some(why))] if why.contains("4.4.2") && why.contains("greeting")),
            "{ev:?}"
        );
        assert_eq!(c.poll_timeout(), None);
    }

    #[test]
    fn each_step_has_its_own_limit_and_a_stall_is_never_delivered() {
        let t = Timeouts::default();
        let mut now = Instant::now();
        let mut c = Client::new("relay.test").with_timeouts(t);
        c.handle_input(b"220 hop\r\n");
        c.handle_timeout(now);
        assert_eq!(c.poll_timeout(), Some(now + t.mail), "EHLO");
        c.handle_input(b"250 hop\r\n");
        assert_eq!(events(&mut c), [Event::Ready]);
        c.handle_timeout(now);
        assert_eq!(c.poll_timeout(), None, "idle: no timer");
        let spec = MessageSpec {
            sender: "s@a.test".into(),
            recipients: vec!["r@b.test".into()],
            body: BodyType::SevenBit,
            eight_bit: false,
            smtputf8: false,
            size: 3,
        };
        c.start_message(&spec).unwrap();
        c.poll_output();
        now += secs(1);
        c.handle_timeout(now);
        assert_eq!(c.poll_timeout(), Some(now + t.mail), "MAIL");
        c.handle_input(b"250 ok\r\n");
        c.handle_timeout(now);
        assert_eq!(c.poll_timeout(), Some(now + t.rcpt), "RCPT");
        c.handle_input(b"250 ok\r\n");
        c.poll_output();
        c.handle_timeout(now);
        assert_eq!(c.poll_timeout(), Some(now + t.data_init), "DATA");
        c.handle_input(b"354 go\r\n");
        assert_eq!(
            events(&mut c),
            [Event::SendBody(super::super::Transfer::Data)]
        );
        c.handle_timeout(now);
        assert_eq!(c.poll_timeout(), Some(now + t.data_block), "body block");
        // A new block restarts the clock.
        now += secs(100);
        c.send_body(b"hi\r\n");
        c.handle_timeout(now);
        assert_eq!(c.poll_timeout(), Some(now + t.data_block));
        c.finish_body();
        c.poll_output();
        c.handle_timeout(now);
        assert_eq!(c.poll_timeout(), Some(now + t.data_term), "end of data");
        // The hop never answers the end of data: retry, not delivered.
        c.handle_timeout(now + t.data_term - secs(1));
        assert!(!c.is_closed());
        c.handle_timeout(now + t.data_term);
        let ev = events(&mut c);
        match &ev[..] {
            [Event::Finished(r), Event::Closed(Some(_))] => {
                assert!(
                    matches!(&r[..], [RcptResult::Temporary(why)] if why.contains("end-of-data")),
                    "{r:?}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn capped() {
        let t = Timeouts::default().capped(secs(2));
        assert_eq!(t.data_term, secs(2));
        assert_eq!(t.greeting, secs(2));
        assert_eq!(Timeouts::default().capped(secs(3600)), Timeouts::default());
    }
}
