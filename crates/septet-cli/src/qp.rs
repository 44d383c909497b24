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
    /// Text mode (the default) takes CRLF and LF as line breaks and keeps
    /// the input's style, as Python's quopri and binascii.b2a_qp do: CRLF
    /// line breaks (hard and soft) if the first line ends in CRLF, else LF
    /// (decided within the first MiB). A CR not before an LF is escaped
    /// (=0D). --crlf writes CRLF whatever the input uses; --crlf-only takes
    /// only CRLF as a line break and escapes a bare LF (=0A), so any input
    /// decodes back byte for byte. --binary escapes every CR and LF.
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
    #[arg(long, conflicts_with_all = ["crlf", "crlf_only"])]
    binary: bool,
    /// Text mode: write CRLF line breaks, also for LF input (`--lf-breaks`
    /// is an older name for this).
    #[arg(long, alias = "lf-breaks")]
    crlf: bool,
    /// Text mode: only CRLF is a line break; a bare LF is data (=0A).
    #[arg(long)]
    crlf_only: bool,
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
    let text = !args.binary;
    let options = EncodeOptions {
        bare_lf_is_line_break: text && !args.crlf_only,
        ..EncodeOptions::new(mode)
    };
    let mut buf = vec![0; CHUNK];
    let mut n = input.read_chunk(&mut buf)?;
    // The style comes from the first line break of the first chunk, which
    // must be read before the first output is written.
    let lf_style = options.bare_lf_is_line_break
        && !args.crlf
        && LineStyle::of_first_line(&buf[..n]) == LineStyle::Lf;
    let sink = LineEnds {
        inner: output,
        crlf_to_lf: lf_style,
    };
    let mut encoder = EncoderWriter::new(sink, options.into());
    while n > 0 {
        encoder
            .write_all(&buf[..n])
            .map_err(|e| write_failure(&out_name, e))?;
        n = input.read_chunk(&mut buf)?;
    }
    let sink = encoder.finish().map_err(|e| write_failure(&out_name, e))?;
    sink.inner.commit()
}

/// The line-break style of text input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LineStyle {
    Lf,
    CrLf,
}

impl LineStyle {
    /// CRLF if the first line ends in CRLF, else LF (also without any line
    /// break): binascii.b2a_qp's rule.
    fn of_first_line(data: &[u8]) -> LineStyle {
        match data.iter().position(|&b| b == b'\n') {
            Some(nl) if nl > 0 && data[nl - 1] == b'\r' => LineStyle::CrLf,
            _ => LineStyle::Lf,
        }
    }
}

/// The encoder's output, turned from CRLF to LF line breaks when the input
/// uses LF. Dropping every CR does that losslessly: with LF taken as a line
/// break, the encoder writes CR only as part of a CRLF line break (a CR in
/// the data is written `=0D`).
struct LineEnds {
    inner: Output,
    crlf_to_lf: bool,
}

impl Write for LineEnds {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.crlf_to_lf {
            return self.inner.write(buf);
        }
        for piece in buf.split(|&b| b == b'\r') {
            self.inner.write_all(piece)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
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
