//! `septet convert`: mail archives (mbox variants, Maildir, `.eml`) into
//! one mboxrd file or Maildir, through a per-message transform run in
//! parallel, in input order.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use septet_mailbox::{self, ConvertOptions, Format, OutputFormat, Progress, Report, Stage};

use crate::convert_checks::{check_output, check_rejects, parse_jobs, OutputPlan};
use crate::io::Output;
use crate::stdio::{copy_to_stdout, is_dash, Spool};
use crate::Failure;

/// What `septet convert --help` adds after the options.
const AFTER_HELP: &str = "\
Exit status:
  0  every message converted (or copied as it was, when nothing needed changing)
  1  error (an input that is not mail, an existing output, I/O); no output is
     written (an existing one is kept)
  2  usage error (bad arguments)
  3  finished, but some messages could not be converted and were copied
     unchanged into the output: their count is printed on stderr, --report
     FILE.json lists them. With --rejects FILE they go to FILE instead, the
     output holds only converted messages, and the status is 0 (the count is
     still printed)";

/// Arguments of `septet convert`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Input archives, converted in this order: mbox files, Maildir
    /// folders, `.eml` files or folders of them; `-` reads an mbox or a
    /// single message from standard input (spooled to a temporary file).
    /// A file that is neither an mbox nor a message with a header block
    /// (a compressed file, binary data) is refused before anything is
    /// written.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// The output: an mboxrd file, or a Maildir folder with --to maildir;
    /// `-` writes the mboxrd to standard output (once it is complete).
    /// Created atomically (a temporary name, renamed when complete). An
    /// existing mbox is replaced only with --force, an existing Maildir
    /// holding messages is added to only with --append.
    #[arg(short, long, value_name = "OUTPUT")]
    output: PathBuf,
    /// Input format; `auto` detects it per input (Content-Length on every
    /// message: mboxcl/mboxcl2; a `>>From ` line: mboxrd; else mboxo).
    #[arg(long, value_enum, default_value_t = FromArg::Auto)]
    from: FromArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ToArg::Mboxrd)]
    to: ToArg,
    /// Replace an existing mbox output file (atomically, only once the
    /// conversion has succeeded).
    #[arg(long)]
    force: bool,
    /// Add the messages to an existing Maildir output that already holds
    /// messages (a taken name gets a `.dupN` suffix; nothing is
    /// overwritten).
    #[arg(long, conflicts_with = "force")]
    append: bool,
    /// Worker threads, at least 1 (default: one per core).
    #[arg(short, long, value_name = "N", value_parser = parse_jobs)]
    jobs: Option<NonZeroUsize>,
    /// Write the JSON report (counts, bytes, failed messages) to this file.
    #[arg(long, value_name = "FILE.json")]
    report: Option<PathBuf>,
    /// Rewrite every message in 7-bit form (as `septet downgrade`); a
    /// message that cannot be (an 8-bit address) is copied unchanged and
    /// listed in the report (exit status 3). Line ends are kept: a message
    /// whose first line break is a bare LF is written with LF, one whose
    /// first line break is CRLF with CRLF, so a message with nothing to
    /// rewrite comes out byte-identical (and is counted unchanged). A
    /// changed message's top-level Content-Length field, if any, is
    /// rewritten to its new body length (as read back from the output:
    /// unquoted, counting a final line break the mbox writer adds);
    /// messages left unchanged keep theirs.
    #[arg(long)]
    downgrade: bool,
    /// Set the messages that cannot be converted aside in this mboxrd file
    /// (created only if there is one, atomically; replaced only with
    /// --force) instead of copying them unchanged into the output. The
    /// output then holds only converted messages, and the exit status is 0.
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum FromArg {
    Auto,
    Mboxo,
    Mboxrd,
    Mboxcl,
    Mboxcl2,
    Maildir,
    Eml,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum ToArg {
    Mboxrd,
    Maildir,
}

/// The per-message transform.
///
/// A new transform is a variant, its arm in [`Transform::apply`], and a
/// choice of it in [`run`]; nothing else in the conversion changes.
#[derive(Clone, Copy, Debug)]
enum Transform {
    /// Messages are written as read.
    Identity,
    /// Messages are rewritten in 7-bit form (septet::downgrade).
    Downgrade,
}

/// Why a transform failed on one message (the message is then copied
/// unchanged and listed in the report).
#[derive(Debug)]
enum TransformError {
    Downgrade(septet::downgrade::Error),
}

impl std::fmt::Display for TransformError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransformError::Downgrade(e) => write!(f, "downgrade: {e}"),
        }
    }
}

impl Transform {
    /// Transforms one message; bytes the downgrade had to replace (outside
    /// any part) are added to `replaced`, a changed signed message to `signed`.
    fn apply<'m>(
        &self,
        message: &'m [u8],
        replaced: &AtomicU64,
        signed: &AtomicU64,
    ) -> Result<Cow<'m, [u8]>, TransformError> {
        match self {
            Transform::Identity => Ok(Cow::Borrowed(message)),
            Transform::Downgrade => {
                // The policy (own line ends, a message needing no change
                // borrowed, Content-Length kept true) is septet-mailbox's.
                let (out, notes) = septet_mailbox::downgrade_message_counted(message)
                    .map_err(TransformError::Downgrade)?;
                replaced.fetch_add(notes.replaced, Ordering::Relaxed);
                signed.fetch_add(u64::from(notes.signed_modified), Ordering::Relaxed);
                Ok(out)
            }
        }
    }
}

/// The spool file names for `-` (shown as the user wrote them).
const STDIN_FILE: &str = "stdin";
const STDOUT_FILE: &str = "stdout.mbox";

/// Runs the conversion.
pub fn run(args: Args) -> Result<(), Failure> {
    run_checked(args).map_err(|f| f.context("convert"))
}

fn run_checked(args: Args) -> Result<(), Failure> {
    check_output(OutputPlan {
        path: &args.output,
        maildir: matches!(args.to, ToArg::Maildir),
        append: args.append,
        force: args.force,
    })?;
    if let Some(rejects) = &args.rejects {
        check_rejects(rejects, &args.output, args.force)?;
    }
    let stdin_inputs = args.inputs.iter().filter(|p| is_dash(p)).count();
    if stdin_inputs > 1 {
        return Err(Failure::Usage(
            "standard input (-) can be given only once".into(),
        ));
    }
    let to_stdout = is_dash(&args.output);
    // `-` in or out goes through files in a private temporary folder: the
    // library maps mbox inputs and renames its output into place.
    let spool = if stdin_inputs > 0 || to_stdout {
        Some(Spool::new()?)
    } else {
        None
    };
    let mut inputs = args.inputs.clone();
    if let Some(spool) = spool.as_ref().filter(|_| stdin_inputs > 0) {
        let spooled = spool.stdin_to(STDIN_FILE)?;
        for input in inputs.iter_mut().filter(|p| is_dash(p)) {
            input.clone_from(&spooled);
        }
    }
    let output = match &spool {
        Some(spool) if to_stdout => spool.path(STDOUT_FILE),
        _ => args.output.clone(),
    };
    let shown = |msg: String| match &spool {
        Some(spool) => spool.rename_in(
            &msg,
            &[
                (STDIN_FILE, "standard input"),
                (STDOUT_FILE, "standard output"),
            ],
        ),
        None => msg,
    };
    let mut report =
        convert_paths(&args, &inputs, &output).map_err(|e| Failure::Error(shown(e.to_string())))?;
    if to_stdout {
        copy_to_stdout(&output)?;
        report.output = "-".to_owned();
    }
    for (input, given) in report.inputs.iter_mut().zip(&args.inputs) {
        input.path = given.display().to_string();
    }
    if let Some(path) = &args.report {
        write_report(&report, path)?;
    }
    summarize(&report, args.report.is_some())
}

/// Runs the library's conversion with the transform and a progress bar.
fn convert_paths(
    args: &Args,
    inputs: &[PathBuf],
    output: &Path,
) -> Result<Report, septet_mailbox::Error> {
    let options = ConvertOptions {
        from: match args.from {
            FromArg::Auto => None,
            FromArg::Mboxo => Some(Format::Mboxo),
            FromArg::Mboxrd => Some(Format::Mboxrd),
            FromArg::Mboxcl => Some(Format::Mboxcl),
            FromArg::Mboxcl2 => Some(Format::Mboxcl2),
            FromArg::Maildir => Some(Format::Maildir),
            FromArg::Eml => Some(Format::Eml),
        },
        to: match args.to {
            ToArg::Mboxrd => OutputFormat::Mboxrd,
            ToArg::Maildir => OutputFormat::Maildir,
        },
        jobs: args.jobs,
        rejects: args.rejects.clone(),
        window_bytes: window_bytes_from_env().unwrap_or(ConvertOptions::default().window_bytes),
        ..ConvertOptions::default()
    };
    let transform = if args.downgrade {
        Transform::Downgrade
    } else {
        Transform::Identity
    };
    let bar = progress_bar();
    let replaced = AtomicU64::new(0);
    let signed = AtomicU64::new(0);
    let report = septet_mailbox::convert(
        inputs,
        output,
        &options,
        |m: &[u8]| transform.apply(m, &replaced, &signed),
        |p: Progress| {
            bar.set_length(p.total_bytes);
            bar.set_position(p.bytes);
            bar.set_message(match p.stage {
                Stage::Converting => format!("{} messages", p.messages),
                Stage::Committing | Stage::Done => format!("{} messages, syncing", p.messages),
            });
        },
    );
    bar.finish_and_clear();
    let n = replaced.into_inner();
    if n > 0 {
        // The one change the downgrade makes that is not lossless.
        eprintln!(
            "septet: convert: warning: {n} byte(s) with no 7-bit form outside any MIME part \
             (preamble, epilogue, delimiter or envelope line) replaced by `?`"
        );
    }
    let n = signed.into_inner();
    if n > 0 {
        eprintln!(
            "septet: convert: warning: {n} message(s) had content under a multipart/signed \
             changed; their signatures will no longer verify"
        );
    }
    report
}

/// `SEPTET_WINDOW_BYTES` (bytes, or with a `K` or `M` suffix): a
/// benchmarking knob, not an option. The window size trades cache locality
/// (small windows) against the join that ends every window of a parallel
/// run (fewer with large ones); scripts/bench_archive.sh documents it. An
/// unusable value is ignored.
fn window_bytes_from_env() -> Option<u64> {
    let value = std::env::var("SEPTET_WINDOW_BYTES").ok()?;
    let value = value.trim();
    let (digits, unit) = match value.as_bytes().last()? {
        b'k' | b'K' => (&value[..value.len() - 1], 1 << 10),
        b'm' | b'M' => (&value[..value.len() - 1], 1 << 20),
        _ => (value, 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .filter(|&n| n > 0)
}

/// Prints the summary (on a terminal) and the count of messages copied
/// unchanged (always); unless they were set aside (`--rejects`), the
/// latter makes the exit status 3.
fn summarize(report: &Report, listed: bool) -> Result<(), Failure> {
    if std::io::stderr().is_terminal() {
        eprintln!(
            "septet: convert: {} messages, {} changed, {} failed; {} bytes in, {} bytes out",
            report.messages, report.changed, report.failed, report.bytes_in, report.bytes_out
        );
    }
    if report.failed == 0 {
        return Ok(());
    }
    let listed = if listed {
        " (listed in the report)"
    } else {
        "; use --report FILE.json to list them"
    };
    // Shown even when quiet: these messages were not converted.
    if let Some(rejects) = &report.rejects {
        eprintln!(
            "septet: convert: {} message(s) could not be transformed and were set aside \
             unchanged in {rejects}{listed}",
            report.failed,
        );
        return Ok(());
    }
    eprintln!(
        "septet: convert: {} message(s) could not be transformed and were copied unchanged{listed}",
        report.failed,
    );
    Err(Failure::Partial)
}

/// A bar with bytes/s, message count and ETA on a terminal; hidden
/// otherwise.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    let template = "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} \
                    {binary_bytes_per_sec} {msg} ETA {eta}";
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    // Detection reads every mbox once before the first message is written.
    bar.set_message("opening and detecting inputs");
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn write_report(report: &Report, path: &Path) -> Result<(), Failure> {
    let mut json =
        simd_json::to_string(report).map_err(|e| Failure::Error(format!("report: {e}")))?;
    json.push('\n');
    let mut out = Output::create(Some(path))?;
    out.write_all(json.as_bytes())
        .map_err(|e| out.write_failure(e))?;
    out.commit()
}
