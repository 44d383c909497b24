//! The data phases of a session: DATA (dot-stuffed, through
//! `septet::smtp::DataReader`) and BDAT chunks (RFC 3030).

use septet::smtp::{DataReader, DataStatus, Error as DataError, Limits};

use super::{Action, Session};
use crate::envelope::BodyType;

/// A reply kept until the data it refuses has been read.
type Refusal = (u16, &'static str, &'static str);

/// Where the session is.
#[derive(Debug)]
pub(crate) enum Phase {
    /// Reading command lines.
    Command,
    /// Reading DATA; after an error, the rest of the data is read and
    /// dropped, then `failed` is the reply.
    Data {
        reader: Box<DataReader>,
        failed: Option<Refusal>,
    },
    /// Reading a BDAT chunk of `size` bytes (`remaining` left); with a
    /// refusal, its bytes are dropped.
    Bdat {
        size: u64,
        remaining: u64,
        last: bool,
        refused: Option<Refusal>,
    },
    /// The message was handed to the spool: the 250 waits for it.
    AwaitSpool,
}

impl Phase {
    /// Reading message bytes, not lines.
    pub(crate) fn is_data(&self) -> bool {
        matches!(self, Phase::Data { .. } | Phase::Bdat { .. })
    }
}

fn refusal(e: DataError) -> Refusal {
    match e {
        DataError::LineTooLong { .. } => (500, "5.5.6", "line too long (1000 octets at most)"),
        DataError::TooLarge { .. } => (552, "5.3.4", "message size exceeds the fixed limit"),
        DataError::AfterLast { .. } => (503, "5.5.1", "BDAT after LAST"),
    }
}

impl Session {
    /// The DATA command.
    pub(super) fn data(&mut self) {
        let Some(mail) = &self.mail else {
            return self.error(503, "5.5.1", "need MAIL before DATA");
        };
        if mail.body == BodyType::BinaryMime {
            return self.error(503, "5.5.1", "BODY=BINARYMIME needs BDAT");
        }
        if self.rcpts.is_empty() {
            return self.error(503, "5.5.1", "need RCPT before DATA");
        }
        if self.in_message {
            return self.error(503, "5.5.1", "DATA inside a BDAT transaction");
        }
        let Some(tx) = self.transaction() else {
            return self.error(503, "5.5.1", "send EHLO or HELO first");
        };
        self.actions.push_back(Action::BeginMessage(tx));
        self.in_message = true;
        self.reply(354, "", "end data with <CR><LF>.<CR><LF>");
        let limits = Limits {
            max_line: 1000,
            max_size: self.config.max_message_size,
        };
        self.phase = Phase::Data {
            reader: Box::new(DataReader::new(limits)),
            failed: None,
        };
    }

    /// The BDAT command: the chunk's bytes follow, whatever the reply.
    pub(super) fn bdat(&mut self, size: u64, last: bool) {
        let refused = if self.mail.is_none() {
            Some((503, "5.5.1", "need MAIL before BDAT"))
        } else if self.rcpts.is_empty() {
            Some((503, "5.5.1", "need RCPT before BDAT"))
        } else if self.bdat_total.saturating_add(size) > self.config.max_message_size {
            self.reset_transaction();
            Some((552, "5.3.4", "message size exceeds the fixed limit"))
        } else {
            None
        };
        if refused.is_none() {
            if !self.in_message {
                if let Some(tx) = self.transaction() {
                    self.actions.push_back(Action::BeginMessage(tx));
                    self.in_message = true;
                }
            }
            self.bdat_total += size;
        }
        self.phase = Phase::Bdat {
            size,
            remaining: size,
            last,
            refused,
        };
        if size == 0 {
            self.data_input(&[]);
        }
    }

    /// Feeds message bytes to the current data phase; returns how many
    /// belong to it (the rest are commands).
    pub(super) fn data_input(&mut self, data: &[u8]) -> usize {
        match &mut self.phase {
            Phase::Data { reader, failed } => {
                let mut out = Vec::new();
                match reader.feed(data, &mut out) {
                    Ok((used, status)) => {
                        let failed = *failed;
                        if failed.is_none() && !out.is_empty() {
                            self.actions.push_back(Action::MessageChunk(out));
                        }
                        if status == DataStatus::Done {
                            self.end_of_data(failed);
                        }
                        used
                    }
                    Err(e) => {
                        // Read on to the end marker with no limits, from
                        // inside a line (the error is always in one), and
                        // drop the message.
                        let mut fresh = DataReader::new(Limits {
                            max_line: usize::MAX,
                            max_size: u64::MAX,
                        });
                        let _ = fresh.feed(b"x", &mut Vec::new());
                        **reader = fresh;
                        *failed = Some(refusal(e));
                        self.abort_message();
                        self.data_input(data)
                    }
                }
            }
            Phase::Bdat {
                size,
                remaining,
                last,
                refused,
            } => {
                let n = usize::try_from(*remaining)
                    .unwrap_or(usize::MAX)
                    .min(data.len());
                *remaining -= n as u64;
                let (size, done, last, refused) = (*size, *remaining == 0, *last, *refused);
                if refused.is_none() && n > 0 {
                    self.actions
                        .push_back(Action::MessageChunk(data[..n].to_vec()));
                }
                if done {
                    self.phase = Phase::Command;
                    match refused {
                        Some((code, status, text)) => self.error(code, status, text),
                        None if last => self.commit(),
                        None => self.reply(250, "2.0.0", &format!("{size} octets received")),
                    }
                }
                n
            }
            Phase::Command | Phase::AwaitSpool => 0,
        }
    }

    fn end_of_data(&mut self, failed: Option<Refusal>) {
        self.phase = Phase::Command;
        match failed {
            Some((code, status, text)) => {
                self.reset_transaction();
                self.error(code, status, text);
            }
            None => self.commit(),
        }
    }

    fn commit(&mut self) {
        self.in_message = false;
        self.actions.push_back(Action::CommitMessage);
        self.phase = Phase::AwaitSpool;
    }
}
