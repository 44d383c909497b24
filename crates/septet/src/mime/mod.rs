//! Zero-copy MIME parsing (RFC 5322, RFC 2045-2047, RFC 2231).
//!
//! One incremental state machine, the [`Tokenizer`], decides everything
//! structural: where header fields, blank lines, bodies and delimiters are,
//! and what is a multipart or a nested message. It is sans-IO: it takes byte
//! slices of any size and reports [`Event`]s with absolute offsets, holding
//! back only a bounded lookahead. [`Message::parse`] is a driver that feeds
//! it the whole buffer and records a flat tree of [`Part`]s that borrow the
//! input; a streaming driver (the SMTP downgrade) feeds it network chunks.
//!
//! Nothing here recurses on input depth: the tokenizer keeps an explicit
//! stack, the tree is an arena in depth-first order. Local defects never fail
//! a parse: they are recovered from as documented in `ARCHITECTURE.md (MIME parser)`
//! and recorded as [`Flags`] on the part.
//!
//! ```
//! use septet::mime::Message;
//! let raw = b"From: a@example.org\r\n\
//!             Subject: =?utf-8?B?SGFsbMO2?=\r\n\
//!             Content-Type: text/plain; charset=utf-8\r\n\
//!             Content-Transfer-Encoding: quoted-printable\r\n\
//!             \r\n\
//!             Gr=C3=BC=C3=9Fe\r\n";
//! let msg = Message::parse(raw).unwrap();
//! let root = msg.root();
//! assert_eq!(root.header_text("subject").unwrap(), "Hallö");
//! assert_eq!(root.text().0, "Grüße\r\n");
//! assert_eq!(&raw[root.body_range()], b"Gr=C3=BC=C3=9Fe\r\n");
//! ```

mod charset;
mod decode;
mod event;
mod flags;
mod head;
mod header;
mod limits;
mod message;
mod params;
mod part;
mod rfc2047;
mod rfc2231;
mod section;
pub mod tokenizer;
mod types;

pub use charset::charset_for_label;
pub use decode::DecodeError;
pub use event::{Event, Kind, Span};
pub use flags::Flags;
pub use head::{Cte, FieldRole, HeadInfo, MediaTypeSpans};
pub use header::Header;
pub use limits::{Limits, ParseError};
pub use message::Message;
pub use part::Part;
pub use rfc2047::decode_header_text;
pub use section::SectionPath;
pub use tokenizer::{Step, Tokenizer, MAX_DELIMITER_LOOKAHEAD};
pub use types::{ContentType, Disposition, TransferEncoding};
