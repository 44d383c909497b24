//! `septet pop3`, `septet imap` (the mail access servers over the relay's
//! Maildirs) and `septet passwd` (their users file).

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use septet_server::access::{AccessContext, CacheLimits};
use septet_server::access_driver::{self, Protocol};
use septet_server::users::{self, Authenticator, LimiterConfig, Users};

use crate::Failure;

/// Arguments of `septet pop3` and `septet imap`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The address to listen on (`127.0.0.1:1110`).
    #[arg(long)]
    listen: String,
    /// `DIR/<user>/` is each user's INBOX Maildir.
    #[arg(long)]
    maildir_root: PathBuf,
    /// The users file (`septet passwd` writes it).
    #[arg(long)]
    users: PathBuf,
    /// The host name in greetings.
    #[arg(long, default_value = "localhost")]
    hostname: String,
    /// TLS certificate chain (PEM); with --tls-key.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM); with --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// IMAP: messages in each session's ENVELOPE/BODYSTRUCTURE cache
    /// [default: 20000].
    #[arg(long, value_name = "N")]
    cache_entries: Option<usize>,
    /// IMAP: bytes in each session's cache [default: 16777216 (16 MiB)].
    #[arg(long, value_name = "BYTES")]
    cache_bytes: Option<usize>,
}

/// Arguments of `septet passwd`.
#[derive(Debug, clap::Args)]
pub struct PasswdArgs {
    /// The users file to update (created if missing).
    #[arg(long)]
    users: PathBuf,
    /// The user whose password is set; the password is read from standard
    /// input (its first line).
    user: String,
}

/// Runs a POP3 or IMAP server until killed.
pub fn serve(protocol: Protocol, args: ServeArgs) -> Result<(), Failure> {
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(
            septet_server::tls::server_config(cert, key)
                .map_err(|e| Failure::Error(e.to_string()))?,
        ),
        _ => None,
    };
    let users = Users::load(&args.users).map_err(|e| Failure::Error(e.to_string()))?;
    if !args.maildir_root.is_dir() {
        return Err(Failure::Error(format!(
            "--maildir-root {}: not a directory",
            args.maildir_root.display()
        )));
    }
    let auth = Authenticator::new(users, LimiterConfig::default());
    let mut ctx = AccessContext::new(args.maildir_root, Arc::new(auth));
    ctx.hostname = args.hostname;
    let default = CacheLimits::default();
    ctx.imap_cache = CacheLimits {
        entries: args.cache_entries.unwrap_or(default.entries),
        bytes: args.cache_bytes.unwrap_or(default.bytes),
    };
    if let Some(config) = tls {
        // STLS / STARTTLS offered; plaintext logins only from loopback.
        ctx = ctx.with_tls(config);
    }
    access_driver::run(protocol, &args.listen, ctx)
        .map_err(|e| Failure::Error(format!("listening on {}: {e}", args.listen)))
}

/// Sets a user's password from standard input.
pub fn passwd(args: PasswdArgs) -> Result<(), Failure> {
    let mut input = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut input)
        .map_err(|e| Failure::io("reading the password from standard input", e))?;
    let end = input
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(input.len());
    let password = input[..end].strip_suffix(b"\r").unwrap_or(&input[..end]);
    if password.is_empty() {
        return Err(Failure::Error(
            "passwd: empty password on standard input".into(),
        ));
    }
    users::set_password(&args.users, &args.user, password)
        .map_err(|e| Failure::Error(format!("passwd: {e}")))
}
