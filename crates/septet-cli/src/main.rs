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
//!
//! # Exit status
//!
//! The same for every subcommand, and printed by `septet --help`
//! ([`EXIT_STATUS_HELP`]), so scripts can tell a run that did nothing from
//! one that finished with messages left as they were:
//!
//! | status | meaning |
//! |---|---|
//! | 0 | success (also when the reader of standard output went away) |
//! | 1 | error: bad input data, I/O error, input that is not mail; no output file is left behind (an existing one is kept) |
//! | 2 | usage error: bad arguments (clap's own status), a bad `SEPTET_FORCE_ISA` |
//! | 3 | `convert` finished, but some messages could not be converted and were copied unchanged (counted on standard error, listed with `--report`) |

mod access;
mod base64;
mod convert;
mod convert_checks;
mod downgrade;
mod inspect;
mod io;
mod isa;
mod qp;
mod relay;
mod relay_queue;
mod stdio;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The exit statuses, as `--help` shows them (see the [module docs](self)).
const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  success
  1  error (bad input data, I/O error, input that is not mail); no output file
     is left behind (an existing one is kept)
  2  usage error (bad arguments, a bad SEPTET_FORCE_ISA)
  3  convert finished, but some messages could not be converted and were
     copied unchanged (counted on stderr; listed with --report)";

/// Exit status for a usage error, as clap uses.
const EXIT_USAGE: u8 = 2;
/// Exit status for a `convert` run that copied some messages unchanged.
const EXIT_PARTIAL: u8 = 3;

/// septet: SIMD base64 (and more) for mail data, streaming in constant memory.
///
/// Set SEPTET_FORCE_ISA=scalar|avx2|avx512 to pin the kernel set.
#[derive(Debug, Parser)]
#[command(name = "septet", version, after_help = EXIT_STATUS_HELP)]
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
    /// Run the SMTP relay (septet-server) until SIGTERM.
    Relay(Box<relay::Args>),
    /// List, flush or delete the relay's queue.
    Queue(relay_queue::Args),
    /// Serve the Maildirs under --maildir-root over POP3 (RFC 1939).
    Pop3(access::ServeArgs),
    /// Serve the Maildirs under --maildir-root over IMAP4rev1 (RFC 3501).
    Imap(access::ServeArgs),
    /// Set a user's password (read from stdin) in the POP3/IMAP users file.
    Passwd(access::PasswdArgs),
}

/// Why a subcommand stopped.
#[derive(Debug)]
pub enum Failure {
    /// The reader of standard output went away: stop quietly.
    BrokenPipe,
    /// An error to report on standard error (without the `septet: ` prefix).
    Error(String),
    /// Arguments that cannot work together (beyond what clap checks):
    /// reported like an error, with the usage-error status.
    Usage(String),
    /// The work is done, but some of it could not be (messages copied
    /// unchanged); the subcommand already said how much.
    Partial,
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
            Failure::Usage(msg) => Failure::Usage(format!("{what}: {msg}")),
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
        return ExitCode::from(EXIT_USAGE);
    }
    let result = match cli.command {
        Command::Base64(args) => base64::run(args),
        Command::Isa(args) => isa::run(args),
        Command::Qp(args) => qp::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Convert(args) => convert::run(args),
        Command::Downgrade(args) => downgrade::run(args),
        Command::Relay(args) => relay::run(*args),
        Command::Queue(args) => relay_queue::run(args),
        Command::Pop3(args) => access::serve(septet_server::access_driver::Protocol::Pop3, args),
        Command::Imap(args) => access::serve(septet_server::access_driver::Protocol::Imap, args),
        Command::Passwd(args) => access::passwd(args),
    };
    match result {
        Ok(()) | Err(Failure::BrokenPipe) => ExitCode::SUCCESS,
        Err(Failure::Error(msg)) => {
            eprintln!("septet: {msg}");
            ExitCode::FAILURE
        }
        Err(Failure::Usage(msg)) => {
            eprintln!("septet: {msg}");
            ExitCode::from(EXIT_USAGE)
        }
        Err(Failure::Partial) => ExitCode::from(EXIT_PARTIAL),
    }
}
