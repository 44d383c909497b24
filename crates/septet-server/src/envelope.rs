//! What the spool keeps beside each message: the envelope (RFC 5321
//! 2.3.1), with a state per recipient so a partly delivered message is
//! retried only for the recipients still pending.

use serde::{Deserialize, Serialize};

/// The body type the client declared with `MAIL FROM ... BODY=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum BodyType {
    /// `BODY=7BIT` or nothing.
    #[default]
    #[serde(rename = "7bit")]
    SevenBit,
    /// `BODY=8BITMIME` (RFC 6152).
    #[serde(rename = "8bitmime")]
    EightBitMime,
    /// `BODY=BINARYMIME` (RFC 3030): only with BDAT.
    #[serde(rename = "binarymime")]
    BinaryMime,
}

impl BodyType {
    /// The `BODY=` keyword, or `None` for 7BIT.
    pub fn keyword(self) -> Option<&'static str> {
        match self {
            BodyType::SevenBit => None,
            BodyType::EightBitMime => Some("8BITMIME"),
            BodyType::BinaryMime => Some("BINARYMIME"),
        }
    }
}

/// Where one recipient stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RcptState {
    /// Not delivered yet: attempted at the next scheduled time.
    Pending,
    /// Delivered (to a Maildir or accepted by the next hop).
    Delivered,
    /// Failed for good; the sender got (or gets) a DSN.
    Failed,
}

/// One recipient and its delivery state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    /// The address, as given in `RCPT TO:<...>`.
    pub address: String,
    /// Delivered, failed or still pending.
    pub state: RcptState,
    /// The last reply or error for this recipient (for DSNs and `queue list`).
    #[serde(default)]
    pub last_reply: Option<String>,
}

/// The client a message came from, for its Received field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Origin {
    /// The name given in EHLO/HELO.
    pub helo: String,
    /// The client's IP address.
    pub addr: String,
    /// `SMTP`, `ESMTP` or `ESMTPA`... (RFC 3848 `with` keyword).
    pub protocol: String,
}

/// A queued message's envelope: stored as `<id>.env` (JSON) beside `<id>.msg`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The queue id (also the file names' stem).
    pub id: String,
    /// The reverse path; empty for the null sender `<>`.
    pub sender: String,
    /// The forward paths with their states.
    pub recipients: Vec<Recipient>,
    /// The declared body type.
    pub body: BodyType,
    /// `SMTPUTF8` was given on MAIL (RFC 6531).
    pub smtputf8: bool,
    /// The data held 8-bit bytes (whatever `BODY=` said): a hop without
    /// 8BITMIME then gets the downgrade.
    #[serde(default)]
    pub eight_bit: bool,
    /// When the message was accepted (Unix seconds).
    pub received_at: u64,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// The earliest next attempt (Unix seconds).
    pub next_attempt: u64,
    /// Who sent it.
    #[serde(default)]
    pub origin: Origin,
}

impl Envelope {
    /// Recipients not yet delivered or failed.
    pub fn pending(&self) -> impl Iterator<Item = &Recipient> {
        self.recipients
            .iter()
            .filter(|r| r.state == RcptState::Pending)
    }

    /// True once no recipient is pending.
    pub fn is_finished(&self) -> bool {
        self.pending().next().is_none()
    }
}

/// The domain of an address (after the last `@`), lower-cased; `None`
/// without an `@`.
pub fn domain_of(address: &str) -> Option<String> {
    address
        .rsplit_once('@')
        .map(|(_, d)| d.to_ascii_lowercase())
}

/// The local part of an address (before the last `@`).
pub fn local_part_of(address: &str) -> &str {
    address.rsplit_once('@').map_or(address, |(l, _)| l)
}
