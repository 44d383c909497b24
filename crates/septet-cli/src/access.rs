//! `septet pop3`, `septet imap` (the mail access servers over the relay's
//! Maildirs) and `septet passwd` (their users file).

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use septet_server::access::AccessContext;
use septet_server::access_driver::{self, Protocol};
use septet_server::imap::cache::MetaCache;
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
    /// IMAP: the memory bound of the message analysis cache (BODYSTRUCTURE,
    /// ENVELOPE, RFC822.SIZE) shared by all sessions, in MiB; 0 disables it.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    cache_mib: usize,
    /// TLS certificate chain (PEM); with --tls-key.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM); with --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
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
    fixed_mmap_threshold();
    let mut ctx = AccessContext::new(args.maildir_root, Arc::new(auth));
    ctx.hostname = args.hostname;
    ctx.imap_cache = MetaCache::new(args.cache_mib.saturating_mul(1 << 20));
    if let Some(config) = tls {
        // STLS / STARTTLS offered; plaintext logins only from loopback.
        ctx = ctx.with_tls(config);
    }
    access_driver::run(protocol, &args.listen, ctx)
        .map_err(|e| Failure::Error(format!("listening on {}: {e}", args.listen)))
}

/// Keeps glibc's malloc from holding freed memory: after the first large
/// block is freed (argon2's 19 MiB at the first LOGIN), glibc raises its
/// mmap threshold to that size and its trim threshold to twice it, so
/// every later large buffer (a FETCH's output, another LOGIN's argon2)
/// comes from an arena and stays in the process, per arena, after it is
/// freed. A fixed threshold keeps large blocks in mmap, returned on free,
/// so the server's RSS follows its caches rather than its history.
fn fixed_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        /// glibc's `M_MMAP_THRESHOLD` (malloc.h).
        const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
        // SAFETY: mallopt is glibc's, takes two ints and only changes the
        // allocator's tuning; it is called before the server's threads
        // start, as glibc recommends.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, 256 * 1024);
        }
    }
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
