//! `septet relay`: runs the SMTP relay (septet-server) until SIGTERM, and
//! the POP3 and IMAP servers of its config file's `[pop3]`/`[imap]` tables.

use std::path::PathBuf;

use septet_server::{Config, Server};

use crate::Failure;

/// Flags override the `--config` file; keys there are these names with `_`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A TOML configuration file (see examples/relay.toml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Listen for SMTP on ADDR (IP:PORT; repeatable; default 127.0.0.1:2525).
    #[arg(long, value_name = "ADDR")]
    listen: Vec<String>,
    /// Listen for submission on ADDR (repeatable).
    #[arg(long, value_name = "ADDR")]
    submission: Vec<String>,
    /// The name in the greeting, EHLO and Received fields.
    #[arg(long, value_name = "NAME")]
    hostname: Option<String>,
    /// The queue folder.
    #[arg(long, value_name = "DIR")]
    spool: Option<PathBuf>,
    /// A domain delivered into --maildir-root (repeatable).
    #[arg(long, value_name = "DOMAIN")]
    local_domain: Vec<String>,
    /// Local mail goes to DIR/<local-part>/ (a Maildir).
    #[arg(long, value_name = "DIR")]
    maildir_root: Option<PathBuf>,
    /// Send all remote mail to this smarthost.
    #[arg(long, value_name = "HOST:PORT")]
    relayhost: Option<String>,
    /// Clients that may relay without AUTH (repeatable).
    #[arg(long, value_name = "CIDR")]
    relay_network: Vec<String>,
    /// Password file (`septet passwd`): the `[pop3]`/`[imap]` logins, and AUTH on --submission (PLAIN/LOGIN, only after STARTTLS; needs --tls-cert/--tls-key).
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,
    /// TLS certificate chain (PEM): clients are offered STARTTLS (next hops always get opportunistic STARTTLS).
    #[arg(long, value_name = "FILE")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM), with --tls-cert.
    #[arg(long, value_name = "FILE")]
    tls_key: Option<PathBuf>,
    /// Time between delivery attempts (e.g. 30m, 1s).
    #[arg(long, value_name = "DURATION")]
    retry_interval: Option<String>,
    /// Give up and bounce after this long in the queue (e.g. 5d).
    #[arg(long, value_name = "DURATION")]
    max_lifetime: Option<String>,
    /// The largest message accepted, in bytes.
    #[arg(long, value_name = "BYTES")]
    max_message_size: Option<u64>,
    /// The name server for MX lookups (default: the system's resolv.conf).
    #[arg(long, value_name = "ADDR:PORT")]
    dns_server: Option<String>,
}

/// Starts the relay and serves until SIGTERM/SIGINT.
pub fn run(args: Args) -> Result<(), Failure> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SEPTET_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let file = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::io(format!("reading {}", path.display()), e))?;
            Config::from_toml(&text)
                .map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?
        }
        None => Config::default(),
    };
    let flags = Config {
        listen: args.listen,
        submission: args.submission,
        hostname: args.hostname,
        spool: args.spool,
        local_domain: args.local_domain,
        maildir_root: args.maildir_root,
        relayhost: args.relayhost,
        relay_network: args.relay_network,
        users: args.users,
        tls_cert: args.tls_cert,
        tls_key: args.tls_key,
        retry_interval: args.retry_interval,
        max_lifetime: args.max_lifetime,
        max_message_size: args.max_message_size,
        dns_server: args.dns_server,
        ..Config::default()
    };
    let settings = file
        .overridden_by(flags)
        .resolve()
        .map_err(|e| Failure::Usage(format!("relay: {e}")))?;
    let server = Server::start(settings).map_err(|e| Failure::io("relay: starting", e))?;
    for addr in server.local_addrs() {
        // Scripts starting the relay on port 0 read the address from here.
        println!("listening on {addr}");
    }
    for addr in server.pop3_addrs() {
        println!("pop3 listening on {addr}");
    }
    for addr in server.imap_addrs() {
        println!("imap listening on {addr}");
    }
    server
        .run_until_signal()
        .map_err(|e| Failure::io("relay", e))
}
