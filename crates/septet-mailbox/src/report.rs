//! What a conversion reports: progress while it runs, and a serializable
//! [`Report`] at the end.

use serde::{Deserialize, Serialize};

use super::{Detection, Format, OutputFormat};

/// What a conversion is doing when it reports [`Progress`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Stage {
    /// Reading, transforming and writing messages.
    #[default]
    Converting,
    /// Every message is written; the output is being synced to disk and
    /// renamed into place (seconds for a large mbox).
    Committing,
    /// The output is in place.
    Done,
}

/// How far a conversion is, passed to the progress callback once the
/// inputs are open, after each window of messages is written, and at each
/// change of [`Stage`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// What the conversion is doing.
    pub stage: Stage,
    /// Messages written so far.
    pub messages: u64,
    /// Input bytes consumed so far (comparable with `total_bytes`).
    pub bytes: u64,
    /// Input bytes of all inputs.
    pub total_bytes: u64,
    /// Messages whose transform failed so far.
    pub failed: u64,
}

/// One input of a conversion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputReport {
    /// The path given.
    pub path: String,
    /// The format read (detected or given).
    pub format: Format,
    /// Messages read from it.
    pub messages: u64,
    /// Its size in bytes (file size, or the sum of its message files).
    pub bytes: u64,
    /// What detection found, for an mbox whose format was detected.
    pub detection: Option<Detection>,
}

/// A message whose transform failed; it was copied unchanged (into the
/// output, or into the rejects file when one was given).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureRecord {
    /// Position in the whole run (all inputs), from 0.
    pub index: u64,
    /// The input it came from.
    pub input: String,
    /// Position in that input, from 0.
    pub message: u64,
    /// Byte offset of its separator line in an mbox input (0 for files).
    pub offset: u64,
    /// Its file, for a Maildir or `.eml` message.
    pub file: Option<String>,
    /// The transform's error (or panic message).
    pub reason: String,
}

/// The outcome of a conversion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The output path.
    pub output: String,
    /// The output format.
    pub output_format: OutputFormat,
    /// Each input, in order.
    pub inputs: Vec<InputReport>,
    /// Messages written (every message read).
    pub messages: u64,
    /// Messages the transform changed.
    pub changed: u64,
    /// Messages the transform returned as they were.
    pub unchanged: u64,
    /// Messages whose transform failed: copied unchanged into the output,
    /// or into the rejects file when one was given.
    pub failed: u64,
    /// Input bytes of all inputs.
    pub bytes_in: u64,
    /// Bytes written (for a Maildir, the message files).
    pub bytes_out: u64,
    /// Messages written to an mbox that lacked a final line break, which
    /// the writer added.
    pub final_newline_added: u64,
    /// mboxcl/mboxcl2 messages whose `Content-Length` was missing or
    /// inconsistent, split by separators instead.
    pub content_length_fallbacks: u64,
    /// Messages the transform changed whose top-level `Content-Length`
    /// field was rewritten to the body length as written (see the
    /// [module docs](super#content-length)).
    #[serde(default)]
    pub content_length_rewritten: u64,
    /// Maildir messages delivered under a `.dupN` name because their name
    /// was taken.
    pub renamed: u64,
    /// The file the failed messages were set aside in
    /// (`ConvertOptions::rejects`), when any was; they are then not in
    /// the output.
    #[serde(default)]
    pub rejects: Option<String>,
    /// The failed messages, at most `ConvertOptions::max_failures_listed`.
    pub failures: Vec<FailureRecord>,
}
