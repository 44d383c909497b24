//! `septet qp encode|decode`: streams through the library's quoted-printable
//! [`EncoderWriter`] and [`StreamDecoder`] in constant memory.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;
use septet::qp::{DecodeOptions, EncodeOptions, EncoderWriter, Mode, StreamDecoder};

use crate::io::{write_failure, Input, Output, CHUNK};
use crate::Failure;

/// Arguments of `septet qp`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Encode input as quoted-printable (RFC 2045 6.7): 76-column lines,
    /// `.` and `From ` at line starts escaped.
    ///
    /// Text mode (the default) keeps CRLF line breaks and escapes any other
    /// CR or LF; --lf-breaks also takes bare LF as a line break (written as
    /// CRLF). --binary escapes every CR and LF.
    Encode(EncodeArgs),
    /// Decode quoted-printable input (lenient unless --strict).
    ///
    /// Line breaks are passed through as they are (CRLF or LF); trailing
    /// white space and soft line breaks are removed.
    Decode(DecodeArgs),
}

#[derive(Debug, clap::Args)]
struct EncodeArgs {
    /// Binary mode: encode every CR and LF.
    #[arg(long, conflicts_with = "lf_breaks")]
    binary: bool,
    /// Text mode: a bare LF is a line break too (for Unix line endings).
    #[arg(long)]
    lf_breaks: bool,
    #[command(flatten)]
    files: Files,
}

#[derive(Debug, clap::Args)]
struct DecodeArgs {
    /// Fail at the first violation of RFC 2045 6.7 (invalid or lower-case
    /// escape, unencoded control or 8-bit byte, line over 76 characters,
    /// trailing white space), reporting its byte offset.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    files: Files,
}

#[derive(Debug, clap::Args)]
struct Files {
    /// Input file; standard input if absent or `-`.
    input: Option<PathBuf>,
    /// Output file, replaced only once the whole output is written;
    /// standard output if absent or `-`.
    #[arg(short, long, value_name = "OUTPUT")]
    output: Option<PathBuf>,
}

/// Runs `septet qp`.
pub fn run(args: Args) -> Result<(), Failure> {
    match args.action {
        Action::Encode(a) => encode(&a).map_err(|f| f.context("qp encode")),
        Action::Decode(a) => decode(&a).map_err(|f| f.context("qp decode")),
    }
}

fn encode(args: &EncodeArgs) -> Result<(), Failure> {
    let mut input = Input::open(args.files.input.as_deref())?;
    let output = Output::create(args.files.output.as_deref())?;
    let out_name = output.name().to_owned();
    let mode = if args.binary {
        Mode::Binary
    } else {
        Mode::Text
    };
    let options = EncodeOptions {
        bare_lf_is_line_break: args.lf_breaks,
        ..EncodeOptions::new(mode)
    };
    let mut encoder = EncoderWriter::new(output, options.into());
    let mut buf = vec![0; CHUNK];
    loop {
        let n = input.read_chunk(&mut buf)?;
        if n == 0 {
            break;
        }
        encoder
            .write_all(&buf[..n])
            .map_err(|e| write_failure(&out_name, e))?;
    }
    let output = encoder.finish().map_err(|e| write_failure(&out_name, e))?;
    output.commit()
}

fn decode(args: &DecodeArgs) -> Result<(), Failure> {
    let mut input = Input::open(args.files.input.as_deref())?;
    let mut output = Output::create(args.files.output.as_deref())?;
    let mut decoder = StreamDecoder::new(DecodeOptions {
        strict: args.strict,
    });
    let mut text = vec![0; CHUNK];
    let mut bytes = Vec::with_capacity(CHUNK + 2048);
    let invalid = |e: septet::qp::DecodeError| Failure::Error(e.to_string());
    loop {
        let n = input.read_chunk(&mut text)?;
        if n == 0 {
            break;
        }
        bytes.clear();
        decoder.feed(&text[..n], &mut bytes).map_err(invalid)?;
        output
            .write_all(&bytes)
            .map_err(|e| output.write_failure(e))?;
    }
    bytes.clear();
    decoder.finish(&mut bytes).map_err(invalid)?;
    output
        .write_all(&bytes)
        .map_err(|e| output.write_failure(e))?;
    output.commit()
}
