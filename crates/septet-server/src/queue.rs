//! Delivery decisions, sans-IO: which queued messages to attempt now, and
//! what an attempt's outcome means (retry when, or give up).

use std::time::Duration;

use crate::envelope::{Envelope, RcptState};

/// What happened to one recipient in an attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RcptResult {
    /// Delivered or accepted by the next hop.
    Delivered,
    /// A 4xx, a failed connection, a local I/O error: try again later.
    Temporary(String),
    /// A 5xx or a refused conversion: give up, tell the sender.
    Permanent(String),
}

/// What to do with a message after an attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every recipient is delivered or failed: remove it (after a DSN for
    /// the failed ones, if the sender is not `<>`).
    Finished,
    /// Some recipients are pending: try again at this time (Unix seconds).
    Retry(u64),
}

/// The retry schedule: `--retry-interval` between attempts,
/// `--max-lifetime` from acceptance to giving up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scheduler {
    /// Wait between attempts (default 30 minutes).
    pub retry_interval: Duration,
    /// Give up this long after acceptance (default 5 days).
    pub max_lifetime: Duration,
}

impl Default for Scheduler {
    fn default() -> Self {
        Scheduler {
            retry_interval: Duration::from_secs(30 * 60),
            max_lifetime: Duration::from_secs(5 * 86_400),
        }
    }
}

impl Scheduler {
    /// The ids of the entries due at `now`, oldest first.
    pub fn due<'a>(
        &self,
        now: u64,
        entries: impl IntoIterator<Item = &'a Envelope>,
    ) -> Vec<String> {
        let mut due: Vec<&Envelope> = entries
            .into_iter()
            .filter(|e| !e.is_finished() && e.next_attempt <= now)
            .collect();
        due.sort_by(|a, b| (a.next_attempt, &a.id).cmp(&(b.next_attempt, &b.id)));
        due.into_iter().map(|e| e.id.clone()).collect()
    }

    /// The earliest next attempt among `entries`.
    pub fn next_wakeup<'a>(&self, entries: impl IntoIterator<Item = &'a Envelope>) -> Option<u64> {
        entries
            .into_iter()
            .filter(|e| !e.is_finished())
            .map(|e| e.next_attempt)
            .min()
    }

    /// Applies an attempt's results (`(recipient index, result)`) to
    /// `envelope` at `now`: states, last replies, the attempt count, and
    /// the next attempt or the end. Past the lifetime, pending recipients
    /// fail.
    pub fn record(
        &self,
        now: u64,
        envelope: &mut Envelope,
        results: &[(usize, RcptResult)],
    ) -> Outcome {
        envelope.attempts += 1;
        for (i, result) in results {
            let Some(r) = envelope.recipients.get_mut(*i) else {
                continue;
            };
            match result {
                RcptResult::Delivered => r.state = RcptState::Delivered,
                RcptResult::Temporary(why) => r.last_reply = Some(why.clone()),
                RcptResult::Permanent(why) => {
                    r.state = RcptState::Failed;
                    r.last_reply = Some(why.clone());
                }
            }
        }
        if envelope.is_finished() {
            return Outcome::Finished;
        }
        let expires = envelope
            .received_at
            .saturating_add(self.max_lifetime.as_secs());
        let next = now.saturating_add(self.retry_interval.as_secs().max(1));
        if next > expires {
            for r in envelope
                .recipients
                .iter_mut()
                .filter(|r| r.state == RcptState::Pending)
            {
                r.state = RcptState::Failed;
                let last = r.last_reply.take().unwrap_or_default();
                r.last_reply = Some(format!(
                    "4.4.7 message expired in the queue; last error: {last}"
                ));
            }
            return Outcome::Finished;
        }
        envelope.next_attempt = next;
        Outcome::Retry(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{BodyType, Origin, Recipient};

    fn env(id: &str, next: u64, rcpts: usize) -> Envelope {
        Envelope {
            id: id.into(),
            sender: "s@x.test".into(),
            recipients: (0..rcpts)
                .map(|i| Recipient {
                    address: format!("r{i}@y.test"),
                    state: RcptState::Pending,
                    last_reply: None,
                })
                .collect(),
            body: BodyType::SevenBit,
            smtputf8: false,
            eight_bit: false,
            received_at: 1000,
            attempts: 0,
            next_attempt: next,
            origin: Origin::default(),
        }
    }

    #[test]
    fn due_and_wakeup() {
        let s = Scheduler::default();
        let entries = [env("b", 50, 1), env("a", 10, 1), env("c", 100, 1)];
        assert_eq!(s.due(50, &entries), ["a", "b"]);
        assert_eq!(s.next_wakeup(&entries), Some(10));
    }

    #[test]
    fn retry_then_expire() {
        let s = Scheduler {
            retry_interval: Duration::from_secs(60),
            max_lifetime: Duration::from_secs(100),
        };
        let mut e = env("a", 1000, 2);
        let temp = RcptResult::Temporary("451 4.3.0 busy".into());
        let out = s.record(
            1000,
            &mut e,
            &[(0, RcptResult::Delivered), (1, temp.clone())],
        );
        assert_eq!(out, Outcome::Retry(1060));
        assert_eq!(e.recipients[0].state, RcptState::Delivered);
        assert_eq!(s.record(1060, &mut e, &[(1, temp)]), Outcome::Finished);
        assert_eq!(e.recipients[1].state, RcptState::Failed);
        assert!(e.recipients[1]
            .last_reply
            .as_deref()
            .unwrap()
            .contains("451 4.3.0 busy"));
        assert_eq!(e.attempts, 2);
    }

    #[test]
    fn permanent_failure_finishes() {
        let s = Scheduler::default();
        let mut e = env("a", 0, 1);
        let out = s.record(
            5,
            &mut e,
            &[(0, RcptResult::Permanent("550 5.1.1 no".into()))],
        );
        assert_eq!(out, Outcome::Finished);
    }
}
