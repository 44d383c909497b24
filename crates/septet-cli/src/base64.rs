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
    Encode(EncodeArgs),
    /// Decode base64 input.
    ///
    /// By default CR, LF, space and tab are skipped anywhere, so what GNU
    /// `base64` writes (76-column lines, a final newline) and MIME bodies
    /// decode as they are; any other byte outside the alphabet is an error.
    /// With --strict the input must be strict RFC 4648: padding required
    /// and no line breaks or spaces, not even a final newline.
    Decode(DecodeArgs),
}

#[derive(Debug, clap::Args)]
struct EncodeArgs {
    /// MIME form (RFC 2045): 76-character lines ending in CRLF.
    #[arg(long)]
    mime: bool,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, clap::Args)]
struct DecodeArgs {
    /// Strict RFC 4648: no line breaks or spaces anywhere.
    #[arg(long)]
    strict: bool,
    /// Skip line breaks and spaces (the default; kept so `--mime` works
    /// for both directions).
    #[arg(long, conflicts_with = "strict")]
    mime: bool,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, clap::Args)]
struct Common {
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

impl Common {
    /// The codec: `mime` selects 76-column CRLF lines when encoding, and
    /// skipping line breaks and spaces when decoding.
    fn codec(&self, mime: bool) -> Codec {
        let alphabet = if self.url {
            Alphabet::UrlSafe
        } else {
            Alphabet::Standard
        };
        Codec::new(alphabet).with_mime(mime)
    }
}

/// Runs `septet base64`.
pub fn run(args: Args) -> Result<(), Failure> {
    match args.action {
        Action::Encode(opts) => encode(&opts).map_err(|f| f.context("base64 encode")),
        Action::Decode(opts) => decode(&opts).map_err(|f| f.context("base64 decode")),
    }
}

fn encode(args: &EncodeArgs) -> Result<(), Failure> {
    let opts = &args.common;
    let mut input = Input::open(opts.input.as_deref())?;
    let output = Output::create(opts.output.as_deref())?;
    let out_name = output.name().to_owned();
    let mut encoder = EncoderWriter::new(output, opts.codec(args.mime).encoder());
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
    let opts = &args.common;
    let mut input = Input::open(opts.input.as_deref())?;
    let mut output = Output::create(opts.output.as_deref())?;
    let mut decoder = opts.codec(!args.strict).decoder();
    let mut text = vec![0; CHUNK];
    let mut bytes = vec![0; septet::base64::Decoder::max_output(CHUNK)];
    let strict = args.strict;
    let invalid = |e: DecodeError| Failure::Error(decode_message(e, strict));
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
fn decode_message(err: DecodeError, strict: bool) -> String {
    match err.kind {
        DecodeErrorKind::InvalidByte(b'\r' | b'\n' | b' ' | b'\t') if strict => {
            format!("{err} (without --strict, line breaks and spaces are skipped, as with --mime)")
        }
        _ => err.to_string(),
    }
}
