//! `septet downgrade`: rewrites a message in 7-bit form (8bit and binary
//! parts re-encoded, 8-bit headers encoded). A message file is read whole
//! ([`septet::downgrade::downgrade_buffer`]), so a part that turns out not
//! to be 7-bit late is encoded rather than refused. With --smtp, input and
//! output are SMTP DATA wire form (dot-stuffed, ending in CRLF.CRLF),
//! streamed in constant memory as a relay receives it.

use std::io::Write;
use std::path::{Path, PathBuf};

use septet::downgrade::{downgrade_buffer, Options, Report};
use septet::smtp::{self, DowngradePipeline, Framing, Limits, PipelineStatus};

use crate::io::{Input, Output, CHUNK};
use crate::Failure;

/// Arguments of `septet downgrade`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input message; standard input if absent or `-`.
    input: Option<PathBuf>,
    /// Output file, replaced only once the whole output is written;
    /// standard output if absent or `-`.
    #[arg(short, long, value_name = "OUTPUT")]
    output: Option<PathBuf>,
    /// Write a JSON report (per part: action, byte counts) to this file.
    #[arg(long, value_name = "FILE.json")]
    report: Option<PathBuf>,
    /// Input and output in SMTP DATA form: dot-stuffed, ending in CRLF.CRLF.
    #[arg(long)]
    smtp: bool,
    /// Refuse (exit 1) instead of converting when content under a
    /// multipart/signed would change; by default it is converted and flagged
    /// in the report (`signed_modified`).
    #[arg(long)]
    refuse_signed: bool,
}

/// Runs `septet downgrade`.
pub fn run(args: Args) -> Result<(), Failure> {
    convert(&args).map_err(|f| f.context("downgrade"))
}

fn convert(args: &Args) -> Result<(), Failure> {
    let mut input = Input::open(args.input.as_deref())?;
    let mut output = Output::create(args.output.as_deref())?;
    let options = Options {
        refuse_signed: args.refuse_signed,
        ..Options::default()
    };
    let failed = |e: &dyn std::fmt::Display| Failure::Error(e.to_string());
    let report = if args.smtp {
        smtp_data(&mut input, &mut output, options)?
    } else {
        let message = match args.input.as_deref().filter(|p| *p != Path::new("-")) {
            // One allocation of the file's size, no zero-filling.
            Some(path) => std::fs::read(path)
                .map_err(|e| Failure::io(format!("reading {}", path.display()), e))?,
            None => read_all(&mut input)?,
        };
        let mut out = Vec::with_capacity(message.len() + message.len() / 2 + 1024);
        let report = downgrade_buffer(&message, options, &mut out).map_err(|e| failed(&e))?;
        output
            .write_all(&out)
            .map_err(|e| output.write_failure(e))?;
        report
    };
    output.commit()?;
    warn(&report);
    if let Some(path) = &args.report {
        let json = simd_json::to_string_pretty(&report).map_err(|e| failed(&e))?;
        let mut file = Output::create(Some(path))?;
        file.write_all(json.as_bytes())
            .and_then(|()| file.write_all(b"\n"))
            .map_err(|e| file.write_failure(e))?;
        file.commit()?;
    }
    Ok(())
}

/// The whole input.
fn read_all(input: &mut Input) -> Result<Vec<u8>, Failure> {
    let mut data = Vec::new();
    loop {
        let start = data.len();
        data.resize(start + CHUNK, 0);
        let n = input.read_chunk(&mut data[start..])?;
        data.truncate(start + n);
        if n == 0 {
            return Ok(data);
        }
    }
}

/// SMTP DATA in, SMTP DATA out, streamed.
fn smtp_data(input: &mut Input, output: &mut Output, options: Options) -> Result<Report, Failure> {
    let framing = Framing::Data(Limits::default());
    let mut pipeline = DowngradePipeline::new(framing, smtp::Output::Data, options);
    let mut buf = vec![0; CHUNK];
    let mut out = Vec::new();
    let failed = |e: &dyn std::fmt::Display| Failure::Error(e.to_string());
    loop {
        let n = input.read_chunk(&mut buf)?;
        if n == 0 {
            break;
        }
        out.clear();
        // Bytes after the end of the data (the next command) are ignored.
        let (_, status) = pipeline.feed(&buf[..n], &mut out).map_err(|e| failed(&e))?;
        output
            .write_all(&out)
            .map_err(|e| output.write_failure(e))?;
        if status == PipelineStatus::Done {
            break;
        }
    }
    out.clear();
    let report = pipeline.finish(&mut out).map_err(|e| failed(&e))?;
    output
        .write_all(&out)
        .map_err(|e| output.write_failure(e))?;
    Ok(report)
}

/// Says on standard error what the output keeps that a reader may not
/// expect: bytes with no 7-bit form where no encoding can carry them
/// (preamble, epilogue, delimiter and envelope lines, which no reader
/// decodes) were replaced by `?`; an mbox envelope line was kept.
fn warn(report: &septet::downgrade::Report) {
    let n = report.preamble_epilogue_replaced;
    if n > 0 {
        eprintln!(
            "septet: downgrade: warning: {n} byte{} with no 7-bit form outside any part \
             (preamble, epilogue, delimiter or envelope line) replaced by `?`",
            if n == 1 { "" } else { "s" }
        );
    }
    if report.signed_modified {
        eprintln!(
            "septet: downgrade: warning: content under a multipart/signed was changed; \
             its signature will no longer verify (--refuse-signed refuses instead)"
        );
    }
    if report.envelope_line {
        eprintln!(
            "septet: downgrade: note: the input starts with an mbox `From ` envelope line; \
             it was kept as it is and the message after it converted \
             (for a whole mbox, use `septet convert --downgrade`)"
        );
    }
}
