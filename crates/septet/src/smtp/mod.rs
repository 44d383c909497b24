//! SMTP message transfer, sans-IO: the DATA reader (RFC 5321 4.1.1.4 and
//! 4.5.2: dot-unstuffing, the `CRLF.CRLF` end), the dot-stuffer for output,
//! BDAT chunks (RFC 3030), and [`DowngradePipeline`], which puts a
//! downgrade between a framing in and a framing out (what a relay to a
//! server without 8BITMIME needs, and `septet downgrade --smtp`).
//!
//! Nothing here reads or writes a socket: the caller feeds the bytes it
//! received and learns how many belong to the message, so commands
//! pipelined after the end of the data (RFC 2920) are not lost.
//!
//! ```
//! use septet::smtp::{DataReader, DataStatus, Limits};
//! let mut r = DataReader::new(Limits::default());
//! let mut msg = Vec::new();
//! let wire = b"Subject: x\r\n\r\n..hidden dot\r\n.\r\nQUIT\r\n";
//! let (used, status) = r.feed(wire, &mut msg).unwrap();
//! assert_eq!(status, DataStatus::Done);
//! assert_eq!(&wire[used..], b"QUIT\r\n");
//! assert_eq!(msg, b"Subject: x\r\n\r\n.hidden dot\r\n");
//! ```

mod bdat;
mod data;
mod pipeline;

pub use bdat::{BdatChunk, BdatReader};
pub use data::{dot_stuff, DataReader, DataStatus, DotStuffer};
pub use pipeline::{DowngradePipeline, Framing, Output, PipelineError, PipelineStatus};

use std::fmt;

/// Limits enforced while reading message data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest line, CRLF included (RFC 5321 4.5.3.1.6: 1000). DATA
    /// only; BDAT data is not line-oriented.
    pub max_line: usize,
    /// The most message bytes (after unstuffing). Default: no limit.
    pub max_size: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line: 1000,
            max_size: u64::MAX,
        }
    }
}

/// Why message data was refused. `offset` counts input bytes from the
/// first byte fed (wire offsets, before unstuffing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// A line longer than [`Limits::max_line`] starts at `offset`
    /// (reply 500 5.5.6 per RFC 5321 4.5.3.1.6 / RFC 3463).
    LineTooLong {
        /// Wire offset of the line's first byte.
        offset: u64,
    },
    /// The message grew past [`Limits::max_size`] at `offset` (552 5.3.4).
    TooLarge {
        /// Wire offset of the first byte over the limit.
        offset: u64,
    },
    /// A BDAT chunk came after the `LAST` one.
    AfterLast {
        /// Wire offset (in chunk data) where it arrived.
        offset: u64,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::LineTooLong { offset } => write!(f, "line too long at byte {offset}"),
            Error::TooLarge { offset } => write!(f, "message too large at byte {offset}"),
            Error::AfterLast { offset } => write!(f, "BDAT chunk after LAST at byte {offset}"),
        }
    }
}

impl std::error::Error for Error {}
