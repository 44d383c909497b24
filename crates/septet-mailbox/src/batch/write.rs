//! The writing side of [`convert`](super::convert): the output sink and
//! the report's bookkeeping. It runs on one thread, in order, so it does
//! as little as it can: an mbox output gets each window as one series of
//! vectored writes of slices the workers prepared (see
//! [`mbox_slices`](crate::mbox_slices)).

use std::io::IoSlice;
use std::path::{Path, PathBuf};

use super::{ConvertOptions, Done, Out, OutputFormat};
use crate::atomic::AtomicFile;
use crate::mbox_slices::{push_record, write_all_slices};
use crate::source::OpenInput;
use crate::{
    maildir_flags_from_status, synthesize_from_line, Envelope, Error, FailureRecord, InputReport,
    MaildirName, MaildirWriter, Progress, Report,
};

/// Where messages are written.
pub(super) enum Sink {
    /// Written unbuffered: the slices of a window go in large vectored
    /// writes, which a buffer would only copy.
    Mbox(AtomicFile),
    Maildir(MaildirWriter),
}

impl Sink {
    pub(super) fn create(output: &Path, format: OutputFormat) -> Result<Sink, Error> {
        Ok(match format {
            OutputFormat::Mboxrd => Sink::Mbox(
                AtomicFile::create(output).map_err(|e| Error::io(output, "creating", e))?,
            ),
            OutputFormat::Maildir => Sink::Maildir(MaildirWriter::create(output)?),
        })
    }

    pub(super) fn commit(self, output: &Path) -> Result<(), Error> {
        match self {
            Sink::Mbox(file) => file.commit().map_err(|e| Error::io(output, "writing", e)),
            Sink::Maildir(writer) => writer.commit(),
        }
    }
}

/// The writing side's bookkeeping.
pub(super) struct State {
    pub(super) report: Report,
    pub(super) progress: Progress,
    output: PathBuf,
    max_failures: usize,
    /// `TIME.PPID` for the Maildir names of messages that have none.
    name_prefix: String,
    /// Per input: where the messages written so far end (mbox).
    pub(super) read_up_to: Vec<usize>,
    /// Where failed messages go instead of the output, if anywhere.
    rejects: Option<Rejects>,
}

impl State {
    pub(super) fn new(opened: &[OpenInput], output: &Path, options: &ConvertOptions) -> State {
        let inputs: Vec<InputReport> = opened
            .iter()
            .map(|o| InputReport {
                path: o.path.display().to_string(),
                format: o.format,
                messages: 0,
                bytes: o.bytes,
                detection: o.detection,
            })
            .collect();
        let total_bytes = inputs.iter().map(|i| i.bytes).sum();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        State {
            report: Report {
                output: output.display().to_string(),
                output_format: options.to,
                inputs,
                messages: 0,
                changed: 0,
                unchanged: 0,
                failed: 0,
                bytes_in: total_bytes,
                bytes_out: 0,
                final_newline_added: 0,
                content_length_fallbacks: 0,
                content_length_rewritten: 0,
                renamed: 0,
                rejects: None,
                failures: Vec::new(),
            },
            progress: Progress {
                total_bytes,
                ..Progress::default()
            },
            output: output.to_owned(),
            max_failures: options.max_failures_listed,
            name_prefix: format!("{now}.P{}", std::process::id()),
            read_up_to: vec![0; opened.len()],
            rejects: options
                .rejects
                .clone()
                .map(|path| Rejects { path, file: None }),
        }
    }

    pub(super) fn write(&mut self, sink: &mut Sink, done: &[Done<'_>]) -> Result<(), Error> {
        let set_aside = self.rejects.is_some();
        // With a rejects file, a failed message goes there and not to the output.
        let kept = || {
            done.iter()
                .filter(move |d| !(set_aside && d.failure.is_some()))
        };
        match sink {
            Sink::Mbox(file) => {
                let (bytes, finals) = write_mbox(file, kept(), &self.output)?;
                self.report.bytes_out += bytes;
                self.report.final_newline_added += finals;
            }
            Sink::Maildir(writer) => {
                for d in kept() {
                    self.deliver(writer, d)?;
                }
            }
        }
        if let Some(rejects) = &mut self.rejects {
            let mut failed = done.iter().filter(|d| d.failure.is_some()).peekable();
            if failed.peek().is_some() {
                let path = rejects.path.clone();
                let (_, finals) = write_mbox(rejects.file()?, failed, &path)?;
                self.report.final_newline_added += finals;
                self.report.rejects = Some(path.display().to_string());
            }
        }
        for d in done {
            self.count(d);
        }
        Ok(())
    }

    /// Makes the rejects file durable under its name, if a message went
    /// there (before the output is committed, so that no message is ever
    /// only in a temporary file once the output appears).
    pub(super) fn commit_rejects(&mut self) -> Result<(), Error> {
        match self.rejects.take() {
            Some(Rejects {
                path,
                file: Some(file),
            }) => file.commit().map_err(|e| Error::io(&path, "writing", e)),
            _ => Ok(()),
        }
    }

    fn deliver(&mut self, writer: &mut MaildirWriter, d: &Done<'_>) -> Result<(), Error> {
        let bytes = d.output();
        let name = match &d.message.envelope {
            Envelope::Maildir { name, .. } => name.clone(),
            _ => {
                let (subdir, info) = maildir_flags_from_status(bytes);
                // Zero-padded so that sorting names keeps input order.
                let unique = format!("{}Q{:012}.septet", self.name_prefix, d.index);
                MaildirName {
                    subdir,
                    unique: unique.into(),
                    info,
                }
            }
        };
        if writer.deliver(&name, bytes)? != name {
            self.report.renamed += 1;
        }
        self.report.bytes_out += bytes.len() as u64;
        Ok(())
    }

    fn count(&mut self, d: &Done<'_>) {
        let report = &mut self.report;
        report.messages += 1;
        if let Some(input) = report.inputs.get_mut(d.input) {
            input.messages += 1;
        }
        if let Some(end) = self.read_up_to.get_mut(d.input) {
            *end = (*end).max(d.end);
        }
        report.content_length_fallbacks += u64::from(d.fallback);
        report.content_length_rewritten += u64::from(d.length_fixed);
        match (&d.failure, &d.out) {
            (Some(_), _) => report.failed += 1,
            (None, Out::Same) => report.unchanged += 1,
            (None, _) => report.changed += 1,
        }
        if let Some(reason) = &d.failure {
            if report.failures.len() < self.max_failures {
                report.failures.push(FailureRecord {
                    index: d.index,
                    input: report
                        .inputs
                        .get(d.input)
                        .map_or_else(String::new, |i| i.path.clone()),
                    message: d.message.index,
                    offset: d.message.offset,
                    file: d.file.map(|f| f.display().to_string()),
                    reason: reason.clone(),
                });
            }
        }
        self.progress.messages = report.messages;
        self.progress.failed = report.failed;
        self.progress.bytes += d.bytes;
    }
}

/// Writes a window of messages as mboxrd, in vectored writes of slices of
/// the messages (quoted where the workers found it needed). Returns the
/// bytes written and how many messages got a final line break added.
fn write_mbox<'d, 'a: 'd>(
    file: &mut AtomicFile,
    done: impl Iterator<Item = &'d Done<'a>> + Clone,
    path: &Path,
) -> Result<(u64, u64), Error> {
    // Separator lines made up for messages that came without one
    // (Maildir, `.eml`), kept alive for the slices.
    let made_up: Vec<Option<Vec<u8>>> = done
        .clone()
        .map(|d| match &d.message.envelope {
            Envelope::Mbox { .. } => None,
            other => Some(synthesize_from_line(d.output(), other.delivery_time())),
        })
        .collect();
    let mut slices: Vec<IoSlice<'_>> = Vec::with_capacity(made_up.len() * 6);
    let (mut bytes, mut finals) = (0u64, 0u64);
    for (d, made) in done.zip(&made_up) {
        let from_line: &[u8] = match (&d.message.envelope, made) {
            (Envelope::Mbox { from_line }, _) => from_line,
            (_, made) => made.as_deref().unwrap_or_default(),
        };
        let body = d.mbox_body();
        bytes += push_record(
            &mut slices,
            from_line,
            body,
            &d.quotes,
            d.message.line_ending,
        )
        .map_err(|e| Error::io(path, "writing", e))?;
        if !body.is_empty() && !body.ends_with(b"\n") {
            finals += 1;
        }
    }
    write_all_slices(file, &mut slices).map_err(|e| Error::io(path, "writing", e))?;
    Ok((bytes, finals))
}

/// The mboxrd file that messages whose transform failed are set aside in,
/// created with the first of them.
pub(super) struct Rejects {
    path: PathBuf,
    file: Option<AtomicFile>,
}

impl Rejects {
    fn file(&mut self) -> Result<&mut AtomicFile, Error> {
        if self.file.is_none() {
            let file =
                AtomicFile::create(&self.path).map_err(|e| Error::io(&self.path, "creating", e))?;
            self.file = Some(file);
        }
        self.file
            .as_mut()
            .ok_or_else(|| Error::io(&self.path, "creating", std::io::ErrorKind::Other.into()))
    }
}
