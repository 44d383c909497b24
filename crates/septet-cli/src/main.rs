//! The `septet` command-line tool: streaming codecs for mail-sized and
//! archive-sized data.
//!
//! Each subcommand lives in its own module with an `Args` struct (clap) and
//! a `run(args) -> Result<(), Failure>`; adding one is a module, a
//! [`Command`] variant and a match arm in [`main`]. The modules do argument
//! handling and I/O only: the codecs are the library's.
//!
//! The kernel set is chosen by the library (best available, or the
//! `SEPTET_FORCE_ISA` environment variable); an invalid choice is reported
//! before any work, with exit status 2.

mod base64;
mod convert;
mod downgrade;
mod inspect;
mod io;
mod isa;
mod qp;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// septet: SIMD base64 (and more) for mail data, streaming in constant memory.
///
/// Set SEPTET_FORCE_ISA=scalar|avx2|avx512 to pin the kernel set.
#[derive(Debug, Parser)]
#[command(name = "septet", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Base64 encode or decode (RFC 4648; MIME lines with --mime).
    Base64(base64::Args),
    /// Quoted-printable encode or decode (RFC 2045 6.7).
    Qp(qp::Args),
    /// List the kernel sets this CPU runs and the one in use.
    Isa(isa::Args),
    /// Show the MIME structure of a message (a tree, or JSON with --json).
    Inspect(inspect::Args),
    /// Convert mail archives (mbox, Maildir, .eml) into one mboxrd or Maildir.
    Convert(convert::Args),
    /// Rewrite a message in 7-bit form (SMTP 8bit-to-7bit downgrade).
    Downgrade(downgrade::Args),
}

/// Why a subcommand stopped.
#[derive(Debug)]
pub enum Failure {
    /// The reader of standard output went away: stop quietly.
    BrokenPipe,
    /// An error to report on standard error (without the `septet: ` prefix).
    Error(String),
}

impl Failure {
    /// An I/O error, with what was being done (`"reading in.b64"`); a broken
    /// pipe becomes [`Failure::BrokenPipe`].
    pub fn io(doing: impl std::fmt::Display, err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            Failure::BrokenPipe
        } else {
            Failure::Error(format!("{doing}: {err}"))
        }
    }

    /// Prefixes the message with the subcommand (`"base64 decode"`).
    pub fn context(self, what: &str) -> Self {
        match self {
            Failure::Error(msg) => Failure::Error(format!("{what}: {msg}")),
            quiet => quiet,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Decide the kernels up front, so that a bad SEPTET_FORCE_ISA is a clear
    // error here rather than a panic inside a codec call.
    if let Err(err) = septet::simd::try_kernels() {
        eprintln!("septet: {err}");
        return ExitCode::from(2);
    }
    let result = match cli.command {
        Command::Base64(args) => base64::run(args),
        Command::Isa(args) => isa::run(args),
        Command::Qp(args) => qp::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Convert(args) => convert::run(args),
        Command::Downgrade(args) => downgrade::run(args),
    };
    match result {
        Ok(()) | Err(Failure::BrokenPipe) => ExitCode::SUCCESS,
        Err(Failure::Error(msg)) => {
            eprintln!("septet: {msg}");
            ExitCode::FAILURE
        }
    }
}
