//! `septet base64 encode|decode`: streams through the library's
//! [`EncoderWriter`] and push decoder in constant memory.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;
use septet::base64::{Alphabet, Codec, DecodeError, DecodeErrorKind, EncoderWriter};

use crate::io::{write_failure, Input, Output, CHUNK};
use crate::Failure;

/// Arguments of `septet base64`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Encode binary input as base64 (no line breaks unless --mime).
    Encode(Options),
    /// Decode base64 input.
    ///
    /// Without --mime the input must be strict RFC 4648: padding required and
    /// no line breaks or spaces, not even a final newline. With --mime, CR,
    /// LF, space and tab are skipped anywhere.
    Decode(Options),
}

#[derive(Debug, clap::Args)]
struct Options {
    /// MIME form (RFC 2045): 76-character lines ending in CRLF when encoding;
    /// line breaks and spaces skipped when decoding.
    #[arg(long)]
    mime: bool,
    /// The URL- and filename-safe alphabet (`-` and `_` for `+` and `/`).
    #[arg(long)]
    url: bool,
    /// Input file; standard input if absent or `-`.
    input: Option<PathBuf>,
    /// Output file, replaced only once the whole output is written;
    /// standard output if absent or `-`.
    #[arg(short, long, value_name = "OUTPUT")]
    output: Option<PathBuf>,
}

impl Options {
    fn codec(&self) -> Codec {
        let alphabet = if self.url {
            Alphabet::UrlSafe
        } else {
            Alphabet::Standard
        };
        Codec::new(alphabet).with_mime(self.mime)
    }
}

/// Runs `septet base64`.
pub fn run(args: Args) -> Result<(), Failure> {
    match args.action {
        Action::Encode(opts) => encode(&opts).map_err(|f| f.context("base64 encode")),
        Action::Decode(opts) => decode(&opts).map_err(|f| f.context("base64 decode")),
    }
}

fn encode(opts: &Options) -> Result<(), Failure> {
    let mut input = Input::open(opts.input.as_deref())?;
    let output = Output::create(opts.output.as_deref())?;
    let out_name = output.name().to_owned();
    let mut encoder = EncoderWriter::new(output, opts.codec().encoder());
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

fn decode(opts: &Options) -> Result<(), Failure> {
    let mut input = Input::open(opts.input.as_deref())?;
    let mut output = Output::create(opts.output.as_deref())?;
    let mut decoder = opts.codec().decoder();
    let mut text = vec![0; CHUNK];
    let mut bytes = vec![0; septet::base64::Decoder::max_output(CHUNK)];
    let mime = opts.mime;
    let invalid = |e: DecodeError| Failure::Error(decode_message(e, mime));
    loop {
        let n = input.read_chunk(&mut text)?;
        if n == 0 {
            break;
        }
        let written = decoder
            .feed_to_slice(&text[..n], &mut bytes)
            .map_err(|e| match e {
                septet::base64::DecodeSliceError::Decode(e) => invalid(e),
                // Not reached: `bytes` holds max_output(CHUNK).
                e => Failure::Error(e.to_string()),
            })?;
        output
            .write_all(&bytes[..written])
            .map_err(|e| output.write_failure(e))?;
    }
    decoder.finish(&mut Vec::new()).map_err(invalid)?;
    output.commit()
}

/// The error message, with a hint when strict mode trips over whitespace.
fn decode_message(err: DecodeError, mime: bool) -> String {
    match err.kind {
        DecodeErrorKind::InvalidByte(b'\r' | b'\n' | b' ' | b'\t') if !mime => {
            format!("{err} (use --mime to skip line breaks and spaces)")
        }
        _ => err.to_string(),
    }
}
