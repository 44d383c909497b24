//! septet relay: an SMTP server with a durable queue that downgrades
//! 8-bit mail per hop (RFC 6152).
//!
//! The protocol and queue logic is sans-IO, in the style of quinn-proto:
//! [`smtp::server::Session`] and [`smtp::client::Client`] take bytes and
//! time in (`handle_*`) and give bytes and decisions out (`poll_*`);
//! [`queue::Scheduler`] decides what to attempt when. The tokio driver
//! ([`run`]) only moves bytes between sockets, files and those machines.
#![warn(missing_docs)]

pub mod access;
pub mod access_driver;
pub mod cidr;
pub mod config;
pub mod driver;
pub mod dsn;
pub mod envelope;
pub mod filelock;
pub mod imap;
pub mod local;
pub mod mailstore;
pub mod mx;
pub mod pop3;
pub mod queue;
pub mod smtp;
pub mod spool;
pub mod time;
pub mod tls;
pub mod trace;
pub mod users;

pub use config::{Config, Settings};
pub use driver::Server;
