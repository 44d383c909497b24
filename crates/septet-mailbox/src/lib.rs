#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs, clippy::missing_safety_doc)]
//! Mail archives: reading mbox files (all four variants), Maildir folders
//! and folders of `.eml` files; writing mboxrd files and Maildir folders;
//! and a parallel, order-preserving [`convert`] driver that runs a
//! per-message transform over archives of any size in bounded memory.
//!
//! ```no_run
//! use std::borrow::Cow;
//! use std::path::PathBuf;
//! use septet_mailbox::{convert, ConvertOptions};
//!
//! let inputs = [PathBuf::from("inbox.mbox"), PathBuf::from("Maildir")];
//! let report = convert(
//!     &inputs,
//!     "all.mbox",
//!     &ConvertOptions::default(),
//!     |msg: &[u8]| Ok::<_, std::convert::Infallible>(Cow::Borrowed(msg)),
//!     |_progress| {},
//! )?;
//! println!("{} messages, {} failures", report.messages, report.failed);
//! # Ok::<(), septet_mailbox::Error>(())
//! ```
//!
//! # mbox separators
//!
//! A message starts with a `From ` line (the *separator*: envelope sender
//! and date) at the start of the file (after any blank lines) or at the
//! start of a line that follows an **empty line**. A `From ` line that
//! does not follow an empty line belongs to the message before it. This
//! is stricter than readers that split on any `From ` line (Python's
//! `mailbox`), and protects messages written by tools that forgot to quote
//! a body line; every writer that quotes (mboxo, mboxrd) puts an empty line
//! before each separator, and septet's writer always does. The empty line
//! before a separator (or at the end of the file) is not part of the
//! message before it. Lines may end in LF or CRLF; a line holding only
//! `\r` counts as empty.
//!
//! # Variants and quoting
//!
//! | variant | body length | `From ` quoting written | reading removes |
//! |---|---|---|---|
//! | [`MboxVariant::Mboxo`] | separators | `From ` → `>From ` | one `>` from lines `>From ` (exactly one `>`) |
//! | [`MboxVariant::Mboxrd`] | separators | `>*From ` → one more `>` | one `>` from every line `>+From ` |
//! | [`MboxVariant::Mboxcl`] | `Content-Length` | as mboxo | as mboxo |
//! | [`MboxVariant::Mboxcl2`] | `Content-Length` | none | nothing |
//!
//! mboxo is ambiguous: a stored `>From ` line may be a quoted `From ` or an
//! original `>From `. septet reads it as a quoted `From ` (a `From ` at the
//! start of a prose line is far more common than a literal `>From `), and
//! leaves `>>From ` lines (which mboxo quoting never produces) untouched.
//! A consequence worth knowing: converting mboxo to mboxrd leaves every
//! `>From ` line byte-identical, and an mboxo and an mboxrd reading of a
//! file differ only on `>>+From ` lines.
//!
//! For the `Content-Length` variants, the length must lead to the end of
//! the file (optionally after one line break) or to a `From ` line
//! (optionally after one line break); otherwise that message falls back to
//! the separator rule, as mutt does.
//!
//! # Detection
//!
//! [`detect_mbox`] looks at the whole file, at memchr speed:
//! 1. If every message has a `Content-Length` that is consistent in the
//!    sense above (walking from the first message by lengths alone reaches
//!    the end of the file), the file is mboxcl2 when some body holds an
//!    unquoted `From ` line at a line start (an mboxcl writer would have
//!    quoted it), mboxcl when bodies hold quoted `>From ` lines and no
//!    unquoted ones, and mboxcl2 when they hold neither (the two read the
//!    same then).
//! 2. Otherwise the file is mboxrd if some line starts with `>>From ` (more
//!    than one `>`: mboxo quoting never produces it), else mboxo (the two
//!    read the same then).
//!
//! The walk of step 2 finds every line that starts `>*From ` anyway, so
//! [`convert`] keeps where they are (unless there are more than one per
//! KiB of archive) and splits and unquotes the file by that record,
//! without searching it again. An unchanged message whose stored quoting
//! is already what the mboxrd writer would make of it is written as
//! stored.
//!
//! A file input that does not start with `From ` (after blank lines) is a
//! single message ([`Format::Eml`]) if it starts with a header field line
//! ([`sniff()`]); anything else (a compressed archive, binary data, plain
//! text) is refused with [`Error::NotMail`] before any output exists. A
//! folder with `cur/` and `new/` is a Maildir; any other folder is read as
//! a folder of `.eml` files, and refused with [`Error::NoMessages`] if it
//! has none.
//!
//! # Content-Length
//!
//! A message the transform changed that has a top-level `Content-Length`
//! field (from an mboxcl/mboxcl2 input, or added by a delivery agent) gets
//! that field rewritten to the length of its body as a reader of the
//! output gets it back (unquoted, as mboxcl2 counts it, plus a final line
//! break the mbox writer adds to a message that lacks one). The old value
//! would point into the middle of other bytes for readers that trust it
//! (mutt). The field keeps its name and place; messages the transform left
//! alone are written byte for byte, field included; [`Report`] counts the
//! rewrites. In an mboxrd output, `>From ` quoting makes a stored body
//! longer than its value; such readers check for a separator where the
//! length ends and fall back to the separators.
//!
//! # Line ends
//!
//! [`convert`] writes what the transform returns. A transform that
//! produces SMTP wire form (the downgrade always writes CRLF) should give
//! a message back its own line ends, so that an LF archive stays LF and a
//! message the transform did not otherwise touch stays byte-identical
//! (and is counted unchanged, since a transform result equal to the input
//! is): [`downgrade_message`], the transform of `septet convert
//! --downgrade`, does this (the downgrade writes LF itself,
//! [`septet::downgrade::Options::line_ending`]), and returns a message
//! that needs no change borrowed, without copying it.
//! The rule: a message whose **first line break is a bare LF** (or that
//! has none) gets LF output, every CRLF of the wire form becoming LF; a
//! message whose first line break is CRLF keeps the CRLF output. Wire
//! form holds no bare CR or LF (CR and LF in data are base64 or `=0D` /
//! `=0A`), so a reader that turns LF back into CRLF gets the wire form
//! exactly. A message mixing both line ends comes out all in the form of
//! its first line. `Content-Length` rewrites (above) measure the message
//! as returned, so they count the LF form.
//!
//! # Writing
//!
//! The mbox writer always writes mboxrd ([`MboxWriter`]); the Maildir
//! writer delivers through `tmp/` ([`MaildirWriter`]). Both are atomic at
//! the archive level: an mbox is written to a temporary file beside the
//! target and renamed over it; a Maildir that did not exist is built under
//! a temporary name and renamed into place. A run that fails or is
//! interrupted leaves no half-written archive under the target name.

mod atomic;
mod batch;
mod content_length;
mod detect;
mod downgrade;
mod eml;
mod envelope;
mod error;
mod lines;
mod maildir;
mod mbox;
mod mbox_slices;
mod mbox_writer;
mod pages;
mod quote;
mod report;
mod sniff;
mod source;

use std::borrow::Cow;

pub use atomic::AtomicFile;
pub use batch::{convert, ConvertOptions, OutputFormat};
pub use detect::{detect_mbox, Detection, FromLineCounts};
pub use downgrade::{downgrade_message, downgrade_message_counted, DowngradeNotes};
pub use eml::list_eml;
pub use envelope::{maildir_flags_from_status, synthesize_from_line};
pub use error::Error;
pub use maildir::{is_maildir, list_maildir, MailFile, MaildirName, MaildirWriter, Subdir};
pub use mbox::{split, Mbox, MboxRecord, MboxVariant, Split};
pub use mbox_writer::MboxWriter;
pub use quote::{quote_positions, unquote};
pub use report::{FailureRecord, InputReport, Progress, Report, Stage};
pub use sniff::{sniff, Compression, NotMailReason, Sniffed};
pub use source::{read_file_message, Format};

/// The line terminator a message or archive uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum LineEnding {
    /// `\n`.
    Lf,
    /// `\r\n`.
    CrLf,
}

impl LineEnding {
    /// The terminator's bytes.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            LineEnding::Lf => b"\n",
            LineEnding::CrLf => b"\r\n",
        }
    }

    /// The terminator of the first line of `data`; LF when `data` holds no
    /// line break at all.
    pub fn of_first_line(data: &[u8]) -> LineEnding {
        match septet::downgrade::LineEnding::of_first_line(data) {
            septet::downgrade::LineEnding::Crlf => LineEnding::CrLf,
            septet::downgrade::LineEnding::Lf => LineEnding::Lf,
        }
    }

    /// Rewrites `wire`, a message in SMTP wire form (every line break
    /// CRLF, no bare CR or LF: what [`septet::downgrade`] writes), into
    /// this line ending, in place: for `Lf` every CRLF becomes LF, for
    /// `CrLf` nothing changes. Lossless for wire form: a reader that turns
    /// each LF back into CRLF gets `wire` exactly. See [line
    /// ends](self#line-ends).
    pub fn apply_to_wire_form(self, wire: &mut Vec<u8>) {
        if self == LineEnding::Lf {
            septet::downgrade::LineEnding::Lf.apply_to_wire_form(wire, 0);
        }
    }
}

/// Where a message came from: what a writer needs to put it back in an
/// archive (a separator line, a Maildir name) beside its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Envelope<'a> {
    /// From an mbox: the separator line, `From ` included, without its
    /// line terminator.
    Mbox {
        /// `From sender date`, as stored.
        from_line: &'a [u8],
    },
    /// From a Maildir: the name (subdirectory, unique part, flags).
    Maildir {
        /// The message's Maildir name.
        name: MaildirName,
        /// Modification time of the file (Unix seconds), if known.
        mtime: Option<i64>,
    },
    /// From a single file (`.eml`).
    File {
        /// Modification time of the file (Unix seconds), if known.
        mtime: Option<i64>,
    },
}

impl Envelope<'_> {
    /// The best guess at when the message was delivered (Unix seconds):
    /// the leading timestamp of a Maildir name, else the file's mtime.
    /// `None` for mbox messages, whose separator already carries a date.
    pub fn delivery_time(&self) -> Option<i64> {
        match self {
            Envelope::Mbox { .. } => None,
            Envelope::Maildir { name, mtime } => name.timestamp().or(*mtime),
            Envelope::File { mtime } => *mtime,
        }
    }
}

/// One message of an archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    /// Position of the message in its input, from 0.
    pub index: u64,
    /// Byte offset of the message in its input file: the first byte of the
    /// separator line for an mbox, 0 for a message file.
    pub offset: u64,
    /// What the writers need besides the bytes.
    pub envelope: Envelope<'a>,
    /// The message (header and body), unquoted: borrowed from the archive
    /// when no line had to be unquoted.
    pub data: Cow<'a, [u8]>,
    /// The archive's line terminator for this message (the separator
    /// line's for an mbox, the first line's for a file), used for what a
    /// writer adds around the message.
    pub line_ending: LineEnding,
}
