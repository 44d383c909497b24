//! The conversion driver: inputs are read in order, cut into windows of
//! at most `window_messages` messages or `window_bytes` input bytes, each
//! window is transformed in parallel (rayon), and windows are written in
//! order while the next one is transformed (and the one after is split
//! off the input). Memory therefore holds a few windows of messages
//! whatever the archive size (the one written, the one transformed, the
//! previous one's buffers until the next are allocated); mbox input is
//! borrowed from the memory map, and the mapped pages of written messages
//! are released after each window, so the resident set does not grow with
//! the archive (about 35 MiB for `septet convert --downgrade` with the
//! default 2 MiB windows, 1 GiB archive or 256 MiB).
//!
//! A transform that fails (or panics) on a message never stops the run:
//! the message is written unchanged and listed in the [`Report`]. Errors
//! that stop the run are I/O errors (an unreadable message file, a full
//! disk): the output is then not committed, since a converted archive
//! missing a message would be worse than none.

mod trace;
mod write;

use std::borrow::Cow;
use std::fmt;
use std::num::NonZeroUsize;
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rayon::prelude::*;
use rayon::ThreadPool;
use serde::{Deserialize, Serialize};

use self::trace::Trace;
use self::write::{Sink, State};
use super::content_length::{
    content_length_value, fix_content_length, fix_content_length_in_place, Stored,
};
use super::quote::quote_positions;
use super::source::{OpenInput, Source};
use super::{
    read_file_message, Error, Format, MailFile, MboxRecord, Message, Progress, Report, Stage,
};

/// The archive format a conversion writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// One mboxrd file.
    #[default]
    Mboxrd,
    /// A Maildir folder.
    Maildir,
}

impl OutputFormat {
    /// The lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Mboxrd => "mboxrd",
            OutputFormat::Maildir => "maildir",
        }
    }
}

impl FromStr for OutputFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        [OutputFormat::Mboxrd, OutputFormat::Maildir]
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown output format {s:?}"))
    }
}

/// How [`convert`] runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvertOptions {
    /// The input format; `None` detects it per input.
    pub from: Option<Format>,
    /// The output format.
    pub to: OutputFormat,
    /// Worker threads; `None` uses rayon's global pool (one per core).
    pub jobs: Option<NonZeroUsize>,
    /// Most messages per window (default 1024).
    pub window_messages: usize,
    /// Most input bytes per window (default 2 MiB; a single larger
    /// message still makes a window of its own). Memory use is a few
    /// windows' worth; a window is also the unit of parallel work, so
    /// much smaller windows leave workers waiting on the writer. Small
    /// windows keep what the splitter read in cache for the transform,
    /// and the transform's output for the writer: on the 1 GiB benchmark
    /// archive, 2 MiB windows took about 8% less CPU time than 16 MiB
    /// ones (and 256 KiB windows 8% more), with a third of the memory.
    pub window_bytes: u64,
    /// Most failures listed in the report (all are counted).
    pub max_failures_listed: usize,
    /// Where messages whose transform failed are written (an mboxrd file,
    /// created only when one fails, atomically like the output) instead of
    /// being copied unchanged into the output. `None`: into the output.
    pub rejects: Option<PathBuf>,
}

impl Default for ConvertOptions {
    fn default() -> Self {
        ConvertOptions {
            from: None,
            to: OutputFormat::Mboxrd,
            jobs: None,
            window_messages: 1024,
            window_bytes: 2 << 20,
            max_failures_listed: 10_000,
            rejects: None,
        }
    }
}

/// Converts `inputs`, in order, into one archive at `output`, applying
/// `transform` to every message (its bytes as read, unquoted) and calling
/// `progress` after each window is written.
///
/// The output appears only when everything was written (see the [module
/// docs](super#writing)); on error nothing is left under its name.
///
/// Pass the transform inline (as a closure or a `fn`): a closure stored in
/// a variable first does not get the signature `for<'m> Fn(&'m [u8]) ->
/// Result<Cow<'m, [u8]>, E>` that lets it return a borrow of its input,
/// unless it goes through a function with that bound.
pub fn convert<I, T, E, P>(
    inputs: &[I],
    output: impl AsRef<Path>,
    options: &ConvertOptions,
    transform: T,
    mut progress: P,
) -> Result<Report, Error>
where
    I: AsRef<Path>,
    T: for<'m> Fn(&'m [u8]) -> Result<Cow<'m, [u8]>, E> + Sync,
    E: fmt::Display,
    P: FnMut(Progress),
{
    let output = output.as_ref();
    let mut trace = Trace::from_env();
    let pool = match options.jobs {
        Some(n) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n.get())
                .build()
                .map_err(|e| Error::ThreadPool(e.to_string()))?,
        ),
        None => None,
    };
    // Open (and detect) every input before creating the output, so a bad
    // input fails the run before anything is written.
    // Detection scans each mbox in parallel: in the run's pool.
    let paths: Vec<&Path> = inputs.iter().map(AsRef::as_ref).collect();
    let open_all = || {
        paths
            .iter()
            .map(|p| OpenInput::open(p, options.from))
            .collect::<Result<Vec<_>, _>>()
    };
    let opened = match &pool {
        Some(pool) => pool.install(open_all),
        None => open_all(),
    }?;
    trace.opened();
    let mut items = pending_items(&opened)?;
    let mut state = State::new(&opened, output, options);
    let mut sink = Sink::create(output, options.to)?;
    // Mapped pages of the messages written are released after each
    // window, so the resident set stays at a few windows.
    let mut releasers: Vec<_> = opened.iter().map(OpenInput::releaser).collect();
    progress(state.progress);
    let mut next_index = 0;
    let mut ready: Vec<Done<'_>> = Vec::new();
    let mut window = next_window(&mut items, &mut next_index, options);
    loop {
        if window.is_empty() && ready.is_empty() {
            break;
        }
        let to_write = std::mem::take(&mut ready);
        // While window k is transformed, window k - 1 is written and
        // window k + 1 is split off the input (a scan of its bytes), so
        // that no pass over the data runs alone on one thread.
        let trace_ref = &trace;
        let joining = trace.stamp();
        let ((written, next, writer_stamps), (processed, transform_stamps)) = join_in(
            pool.as_ref(),
            || {
                let a = trace_ref.stamp();
                let written = state.write(&mut sink, &to_write);
                let b = trace_ref.stamp();
                let next = next_window(&mut items, &mut next_index, options);
                (written, next, [a, b, trace_ref.stamp()])
            },
            || {
                let a = trace_ref.stamp();
                let processed = window
                    .into_par_iter()
                    .map(|p| process(p, &transform, options.to))
                    .collect::<Result<Vec<_>, Error>>();
                (processed, [a, trace_ref.stamp()])
            },
        );
        trace.window(writer_stamps, transform_stamps);
        trace.joined(joining);
        let joined = trace.stamp();
        written?;
        // Freed only now, after the next window's buffers were allocated:
        // freed first, they would leave the top of the heap free, which
        // the allocator hands back to the kernel, and every window would
        // fault its memory in afresh (a tenth of the run's time).
        drop(to_write);
        // Nothing borrows the written messages any more.
        for (releaser, &end) in releasers.iter_mut().zip(&state.read_up_to) {
            if let Some(r) = releaser {
                r.advance(end);
            }
        }
        ready = processed?;
        window = next;
        progress(state.progress);
        trace.between(joined);
    }
    for (releaser, &end) in releasers.iter_mut().zip(&state.read_up_to) {
        if let Some(r) = releaser {
            r.finish(end);
        }
    }
    state.progress.stage = Stage::Committing;
    progress(state.progress);
    state.commit_rejects()?;
    sink.commit(output)?;
    state.progress.bytes = state.progress.total_bytes;
    state.progress.stage = Stage::Done;
    progress(state.progress);
    trace.report();
    Ok(state.report)
}

/// Runs `a` and `b` in parallel, in `pool` if given.
fn join_in<A, B, RA, RB>(pool: Option<&ThreadPool>, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    match pool {
        Some(pool) => pool.join(a, b),
        None => rayon::join(a, b),
    }
}

/// A message to read and transform.
struct Pending<'a> {
    input: usize,
    /// Position in its input.
    message: u64,
    /// Position in the run (set when windowed).
    index: u64,
    /// Input bytes it accounts for.
    bytes: u64,
    /// Where its bytes end in its input (mbox; 0 for a file).
    end: usize,
    item: Item<'a>,
}

enum Item<'a> {
    Mbox(MboxRecord<'a>),
    File(&'a MailFile),
}

/// Every message of every input, in order, not yet read.
fn pending_items(opened: &[OpenInput]) -> Result<impl Iterator<Item = Pending<'_>> + Send, Error> {
    let mut per_input: Vec<Box<dyn Iterator<Item = Pending<'_>> + Send + '_>> = Vec::new();
    for (input, open) in opened.iter().enumerate() {
        per_input.push(match (&open.source, open.split()?) {
            (_, Some(split)) => Box::new(split.map(move |record| Pending {
                input,
                message: record.index,
                index: 0,
                bytes: record.span.end - record.span.start,
                end: record.span.end as usize,
                item: Item::Mbox(record),
            })),
            (Source::Files(files), None) => {
                Box::new(files.iter().enumerate().map(move |(i, file)| Pending {
                    input,
                    message: i as u64,
                    index: 0,
                    bytes: file.len,
                    end: 0,
                    item: Item::File(file),
                }))
            }
            (Source::Mbox(..), None) => Box::new(std::iter::empty()),
        });
    }
    Ok(per_input.into_iter().flatten())
}

fn next_window<'a>(
    items: &mut impl Iterator<Item = Pending<'a>>,
    next_index: &mut u64,
    options: &ConvertOptions,
) -> Vec<Pending<'a>> {
    let mut window = Vec::new();
    let mut bytes = 0u64;
    while window.len() < options.window_messages.max(1) && bytes < options.window_bytes.max(1) {
        let Some(mut pending) = items.next() else {
            break;
        };
        pending.index = *next_index;
        *next_index += 1;
        bytes += pending.bytes;
        window.push(pending);
    }
    window
}

/// A transformed message, ready to write.
struct Done<'a> {
    input: usize,
    index: u64,
    bytes: u64,
    end: usize,
    message: Message<'a>,
    out: Out,
    failure: Option<String>,
    fallback: bool,
    /// Its top-level `Content-Length` was rewritten.
    length_fixed: bool,
    file: Option<&'a Path>,
    /// For an mbox output: the stored mboxrd bytes of an unchanged
    /// message, to copy through as they are.
    through: Option<&'a [u8]>,
    /// For an mbox output: where the output needs a `>` (see
    /// [`quote_positions`]); none when copied through.
    quotes: Vec<usize>,
}

/// What the transform returned.
enum Out {
    /// The message as read.
    Same,
    /// A part of it.
    Part(Range<usize>),
    /// New bytes.
    New(Vec<u8>),
}

impl Out {
    /// The bytes to write, given the message as read.
    fn bytes<'o>(&'o self, data: &'o [u8]) -> &'o [u8] {
        match self {
            Out::Same => data,
            Out::Part(r) => out_part(data, r),
            Out::New(v) => v,
        }
    }
}

impl Done<'_> {
    fn output(&self) -> &[u8] {
        self.out.bytes(&self.message.data)
    }

    /// What goes between the separator line and the end of an mbox
    /// output's record, before quoting by `quotes`.
    fn mbox_body(&self) -> &[u8] {
        self.through.unwrap_or_else(|| self.output())
    }
}

/// Reads (files) or unquotes (mbox) one message and transforms it; runs on
/// the worker threads. A message the transform changed gets its
/// `Content-Length` field (if any) made true for `to` (see
/// [`fix_content_length`]); one it left alone is written byte for byte.
fn process<'a, T, E>(
    pending: Pending<'a>,
    transform: &T,
    to: OutputFormat,
) -> Result<Done<'a>, Error>
where
    T: for<'m> Fn(&'m [u8]) -> Result<Cow<'m, [u8]>, E> + Sync,
    E: fmt::Display,
{
    // An unchanged message whose stored quoting is the writer's already
    // is written as stored.
    let mut stored_mboxrd = None;
    let (message, fallback, file) = match pending.item {
        Item::Mbox(record) => {
            if record.stored_as_mboxrd() {
                stored_mboxrd = Some(record.raw);
            }
            (record.message(), record.content_length_fallback, None)
        }
        Item::File(f) => (
            read_file_message(f, pending.message)?,
            false,
            Some(f.path.as_path()),
        ),
    };
    let data: &[u8] = &message.data;
    // A panicking transform is a failed message, not a failed run.
    let (out, failure) = match catch_unwind(AssertUnwindSafe(|| transform(data))) {
        Ok(Ok(Cow::Borrowed(part))) => (part_of(data, part), None),
        Ok(Ok(Cow::Owned(new))) if new == data => (Out::Same, None),
        Ok(Ok(Cow::Owned(new))) => (Out::New(new), None),
        Ok(Err(e)) => (Out::Same, Some(e.to_string())),
        Err(panic) => {
            let text = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_owned());
            (Out::Same, Some(format!("the transform panicked: {text}")))
        }
    };
    let stored = match to {
        OutputFormat::Mboxrd => Stored::Mbox(message.line_ending),
        OutputFormat::Maildir => Stored::File,
    };
    let (out, length_fixed) = match out {
        Out::Same => (Out::Same, false),
        Out::Part(range) => match fix_content_length(out_part(data, &range), stored) {
            Some(fixed) => (Out::New(fixed), true),
            None => (Out::Part(range), false),
        },
        Out::New(mut new) => {
            // Substituted in place; the transform may have rewritten the
            // field already (the downgrade does), which counts too.
            let fixed = fix_content_length_in_place(&mut new, stored)
                || content_length_value(&new) != content_length_value(data);
            (Out::New(new), fixed)
        }
    };
    // Quoting is found here, on the worker threads, so the writer only
    // writes.
    let (through, quotes) = match (to, &out) {
        // A failed message may go to the rejects file, an mbox.
        (OutputFormat::Maildir, _) if failure.is_none() => (None, Vec::new()),
        (_, Out::Same) if stored_mboxrd.is_some() => (stored_mboxrd, Vec::new()),
        (_, out) => (None, quote_positions(out.bytes(data)).collect()),
    };
    Ok(Done {
        input: pending.input,
        index: pending.index,
        bytes: pending.bytes,
        end: pending.end,
        message,
        out,
        failure,
        fallback,
        length_fixed,
        file,
        through,
        quotes,
    })
}

fn out_part<'d>(data: &'d [u8], range: &Range<usize>) -> &'d [u8] {
    data.get(range.clone()).unwrap_or(&[])
}

/// A borrowed transform result as a range of the input when it lies
/// inside it (compared as addresses only), a copy otherwise.
fn part_of(data: &[u8], part: &[u8]) -> Out {
    let (d, p) = (data.as_ptr() as usize, part.as_ptr() as usize);
    if p >= d && p + part.len() <= d + data.len() {
        let start = p - d;
        if start == 0 && part.len() == data.len() {
            Out::Same
        } else {
            Out::Part(start..start + part.len())
        }
    } else {
        Out::New(part.to_vec())
    }
}
