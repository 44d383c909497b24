//! The errors of reading and converting archives. Problems inside a
//! message never appear here: an mbox reader assigns every byte after the
//! first separator to some message, and a failed transform is reported per
//! message in the [`Report`](super::Report) instead.

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::{Format, NotMailReason};

/// Why an archive could not be read, written or converted.
#[derive(Debug)]
pub enum Error {
    /// An mbox must start with a `From ` line (after blank lines); the
    /// bytes at `offset` do not.
    NotMbox {
        /// The file, when known.
        path: Option<PathBuf>,
        /// Byte offset of the first line that is not blank.
        offset: u64,
    },
    /// The format asked for does not fit the input: a Maildir or `.eml`
    /// folder format for a file, an mbox format for a folder.
    FormatMismatch {
        /// The input.
        path: PathBuf,
        /// The format asked for.
        format: Format,
    },
    /// The input is not mail: neither an mbox nor a message with a header
    /// block (see [`sniff()`](crate::sniff())). Nothing was written.
    NotMail {
        /// The input.
        path: PathBuf,
        /// What it looks like instead.
        reason: NotMailReason,
    },
    /// A folder input holds no messages: it is not a Maildir and has no
    /// `.eml` files.
    NoMessages {
        /// The folder.
        path: PathBuf,
    },
    /// An I/O error, with the path and what was being done.
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What was being done (`"reading"`, `"renaming into place"`).
        doing: &'static str,
        /// The error.
        source: io::Error,
    },
    /// The thread pool for `jobs` could not be built.
    ThreadPool(String),
}

impl Error {
    /// An I/O error on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, doing: &'static str, source: io::Error) -> Self {
        Error::Io {
            path: path.into(),
            doing,
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotMbox { path, offset } => {
                if let Some(p) = path {
                    write!(f, "{}: ", p.display())?;
                }
                write!(f, "not an mbox: no `From ` line at byte {offset}")
            }
            Error::FormatMismatch { path, format } => write!(
                f,
                "{}: cannot be read as {} (a {} is expected)",
                path.display(),
                format.name(),
                if format.is_folder() { "folder" } else { "file" }
            ),
            Error::NotMail { path, reason } => {
                write!(f, "{}: not mail: {reason}", path.display())
            }
            Error::NoMessages { path } => write!(
                f,
                "{}: no messages found (not a Maildir with cur/ and new/, and no .eml files)",
                path.display()
            ),
            Error::Io {
                path,
                doing,
                source,
            } => write!(f, "{doing} {}: {source}", path.display()),
            Error::ThreadPool(msg) => write!(f, "starting the worker threads: {msg}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
