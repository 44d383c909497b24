//! What `septet convert` checks before any work: that its arguments fit
//! together and that it will not overwrite or mix into an existing archive
//! the user did not ask it to (`--force` replaces an mbox, `--append` adds
//! to a Maildir).

use std::fs;
use std::io;
use std::num::NonZeroUsize;
use std::path::Path;

use crate::stdio::is_dash;
use crate::Failure;

/// Parses `--jobs`, with an error a user can act on (clap's own for a
/// `NonZeroUsize` says only "number would be zero for non-zero type").
pub fn parse_jobs(s: &str) -> Result<NonZeroUsize, String> {
    let n: usize = s
        .trim()
        .parse()
        .map_err(|_| format!("--jobs takes a number of worker threads, at least 1 (not {s:?})"))?;
    NonZeroUsize::new(n).ok_or_else(|| "--jobs must be at least 1".to_owned())
}

/// What the output is asked to be.
#[derive(Clone, Copy, Debug)]
pub struct OutputPlan<'a> {
    /// The output path (`-` for standard output).
    pub path: &'a Path,
    /// A Maildir rather than an mbox.
    pub maildir: bool,
    /// `--append`: add to an existing Maildir.
    pub append: bool,
    /// `--force`: replace an existing mbox.
    pub force: bool,
}

/// Refuses an output that would overwrite or mix into existing mail
/// without `--force` / `--append`, and flag combinations that cannot work.
pub fn check_output(plan: OutputPlan<'_>) -> Result<(), Failure> {
    let shown = plan.path.display();
    if is_dash(plan.path) {
        if plan.maildir {
            return Err(Failure::Usage(
                "a Maildir is a folder and cannot go to standard output (-o -); \
                 give a folder name, or write an mbox"
                    .into(),
            ));
        }
        if plan.append {
            return Err(Failure::Usage(
                "--append adds to a Maildir; it cannot be used with -o -".into(),
            ));
        }
        return Ok(());
    }
    let meta = match fs::metadata(plan.path) {
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(Failure::io(format!("checking the output {shown}"), e)),
    };
    if !plan.maildir {
        if plan.append {
            return Err(Failure::Usage(
                "--append adds to a Maildir (--to maildir); to replace an existing mbox, \
                 use --force"
                    .into(),
            ));
        }
        return match meta {
            Some(m) if m.is_dir() => Err(Failure::Error(format!(
                "{shown} is a folder; use --to maildir to write a Maildir"
            ))),
            Some(m) if m.is_file() && !plan.force => Err(Failure::Error(format!(
                "{shown} already exists; use --force to replace it (atomically, once the \
                 conversion has succeeded)"
            ))),
            _ => Ok(()),
        };
    }
    if plan.force {
        return Err(Failure::Usage(
            "--force replaces an mbox file; to add messages to an existing Maildir, \
             use --append"
                .into(),
        ));
    }
    match meta {
        None => Ok(()),
        Some(m) if !m.is_dir() => Err(Failure::Error(format!(
            "{shown} exists and is not a folder; a Maildir output must be a folder"
        ))),
        Some(_) => check_existing_folder(plan.path, plan.append),
    }
}

/// An existing folder may take a Maildir output when it is empty, an empty
/// Maildir, or (with `--append`) a Maildir with messages.
fn check_existing_folder(path: &Path, append: bool) -> Result<(), Failure> {
    let shown = path.display();
    if septet_mailbox::is_maildir(path) {
        let messages = septet_mailbox::list_maildir(path)
            .map_err(|e| Failure::Error(e.to_string()))?
            .len();
        if messages > 0 && !append {
            return Err(Failure::Error(format!(
                "{shown} is a Maildir that already holds {messages} message(s); use --append \
                 to add the converted messages to it"
            )));
        }
        return Ok(());
    }
    let mut entries =
        fs::read_dir(path).map_err(|e| Failure::io(format!("listing the output {shown}"), e))?;
    if entries.next().is_some() {
        return Err(Failure::Error(format!(
            "{shown} is a folder that is not empty and not a Maildir (no cur/ and new/); \
             give a new or empty folder"
        )));
    }
    Ok(())
}

/// Checks `--rejects`: an mbox file of its own, not standard output, not
/// the output, replaced only with `--force` like the output.
pub fn check_rejects(rejects: &Path, output: &Path, force: bool) -> Result<(), Failure> {
    if is_dash(rejects) {
        return Err(Failure::Usage(
            "--rejects takes a file name (an mbox), not standard output".into(),
        ));
    }
    if rejects == output {
        return Err(Failure::Usage(
            "--rejects must name a file other than the output".into(),
        ));
    }
    check_output(OutputPlan {
        path: rejects,
        maildir: false,
        append: false,
        force,
    })
}
