//! Configuration: a TOML file (`--config`), whose keys are the flag names
//! with `_` for `-`; flags override it ([`Config::overridden_by`]).
//! [`Config::resolve`] checks it and gives the [`Settings`] the server runs with.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::cidr::Cidr;
use crate::queue::Scheduler;
use crate::smtp::client::Timeouts;
use crate::smtp::server::SessionConfig;
use crate::time::parse_duration;

/// Everything optional, as read from a file or from flags.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Config {
    /// `--listen ADDR` (repeatable).
    #[serde(default)]
    pub listen: Vec<String>,
    /// `--submission ADDR` (repeatable).
    #[serde(default)]
    pub submission: Vec<String>,
    /// `--hostname NAME`.
    pub hostname: Option<String>,
    /// `--spool DIR`.
    pub spool: Option<PathBuf>,
    /// `--local-domain DOMAIN` (repeatable).
    #[serde(default)]
    pub local_domain: Vec<String>,
    /// `--maildir-root DIR`.
    pub maildir_root: Option<PathBuf>,
    /// `--relayhost HOST:PORT`.
    pub relayhost: Option<String>,
    /// `--relay-network CIDR` (repeatable).
    #[serde(default)]
    pub relay_network: Vec<String>,
    /// `--users FILE`.
    pub users: Option<PathBuf>,
    /// `--tls-cert FILE`.
    pub tls_cert: Option<PathBuf>,
    /// `--tls-key FILE`.
    pub tls_key: Option<PathBuf>,
    /// `--retry-interval DURATION` (default 30m).
    pub retry_interval: Option<String>,
    /// `--max-lifetime DURATION` (default 5d).
    pub max_lifetime: Option<String>,
    /// `--max-message-size BYTES` (default 50 MiB).
    pub max_message_size: Option<u64>,
    /// Recipients per message (default 100).
    pub max_recipients: Option<usize>,
    /// Sessions at once (default 1000).
    pub max_sessions: Option<usize>,
    /// Sessions at once per client address (default 100).
    pub max_sessions_per_client: Option<usize>,
    /// Waiting for a command (default 5m).
    pub command_timeout: Option<String>,
    /// Waiting for data (default 3m).
    pub data_timeout: Option<String>,
    /// Connections per destination (default 4).
    pub max_connections_per_destination: Option<usize>,
    /// `--dns-server ADDR:PORT`: the name server for MX lookups (default:
    /// the system's resolv.conf).
    pub dns_server: Option<String>,
    /// The port MX hosts are dialled on (default 25; tests redirect it).
    pub smtp_port: Option<u16>,
    /// Caps every SMTP client timeout (greeting, MAIL, RCPT, DATA...),
    /// whose defaults are RFC 5321 §4.5.3.2's (5m, 5m, 5m, 2m, 3m, 10m).
    pub client_timeout: Option<String>,
    /// `[pop3]`: serve POP3 from this process too (config file only).
    pub pop3: Option<AccessConfig>,
    /// `[imap]`: serve IMAP from this process too (config file only).
    pub imap: Option<AccessConfig>,
}

/// A `[pop3]` or `[imap]` table: an access server in the relay's process,
/// over the relay's `maildir_root`, with the relay's `users` file.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct AccessConfig {
    /// Addresses to listen on (IP:PORT; at least one).
    #[serde(default)]
    pub listen: Vec<String>,
    /// TLS certificate chain (PEM); the relay's `tls_cert` if not given.
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM); the relay's `tls_key` if not given.
    pub tls_key: Option<PathBuf>,
    /// `[imap]` only: MiB of the analysis cache (BODYSTRUCTURE, ENVELOPE,
    /// RFC822.SIZE) all IMAP sessions share; 0 disables it (default 64).
    pub cache_mib: Option<usize>,
}

fn pick<T>(flag: Option<T>, file: Option<T>) -> Option<T> {
    flag.or(file)
}

fn list(flag: Vec<String>, file: Vec<String>) -> Vec<String> {
    if flag.is_empty() {
        file
    } else {
        flag
    }
}

impl Config {
    /// Reads a TOML file.
    pub fn from_toml(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// `self` (the file) with every value given in `flags` replaced; a
    /// repeatable flag given at least once replaces the file's whole list.
    pub fn overridden_by(self, flags: Config) -> Config {
        Config {
            listen: list(flags.listen, self.listen),
            submission: list(flags.submission, self.submission),
            hostname: pick(flags.hostname, self.hostname),
            spool: pick(flags.spool, self.spool),
            local_domain: list(flags.local_domain, self.local_domain),
            maildir_root: pick(flags.maildir_root, self.maildir_root),
            relayhost: pick(flags.relayhost, self.relayhost),
            relay_network: list(flags.relay_network, self.relay_network),
            users: pick(flags.users, self.users),
            tls_cert: pick(flags.tls_cert, self.tls_cert),
            tls_key: pick(flags.tls_key, self.tls_key),
            retry_interval: pick(flags.retry_interval, self.retry_interval),
            max_lifetime: pick(flags.max_lifetime, self.max_lifetime),
            max_message_size: pick(flags.max_message_size, self.max_message_size),
            max_recipients: pick(flags.max_recipients, self.max_recipients),
            max_sessions: pick(flags.max_sessions, self.max_sessions),
            max_sessions_per_client: pick(
                flags.max_sessions_per_client,
                self.max_sessions_per_client,
            ),
            command_timeout: pick(flags.command_timeout, self.command_timeout),
            data_timeout: pick(flags.data_timeout, self.data_timeout),
            max_connections_per_destination: pick(
                flags.max_connections_per_destination,
                self.max_connections_per_destination,
            ),
            pop3: pick(flags.pop3, self.pop3),
            imap: pick(flags.imap, self.imap),
            dns_server: pick(flags.dns_server, self.dns_server),
            smtp_port: pick(flags.smtp_port, self.smtp_port),
            client_timeout: pick(flags.client_timeout, self.client_timeout),
        }
    }

    /// Checks the configuration and fills in defaults.
    pub fn resolve(self) -> Result<Settings, String> {
        let addrs = |list: &[String]| -> Result<Vec<SocketAddr>, String> {
            list.iter()
                .map(|a| {
                    a.parse()
                        .map_err(|_| format!("bad address {a:?}: expected IP:PORT"))
                })
                .collect()
        };
        let mut listen = addrs(&self.listen)?;
        let submission = addrs(&self.submission)?;
        if listen.is_empty() && submission.is_empty() {
            listen.push("127.0.0.1:2525".parse().map_err(|_| "default address")?);
        }
        let access = self.pop3.is_some() || self.imap.is_some();
        let tls = match (self.tls_cert.clone(), self.tls_key.clone()) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            _ => return Err("--tls-cert and --tls-key go together".into()),
        };
        if self.users.is_some() && tls.is_none() && (!access || !submission.is_empty()) {
            // AUTH is offered only after STARTTLS: without TLS, --users
            // would only lock every submission client out. (The users file
            // alone serves the [pop3]/[imap] logins.)
            return Err("--users (AUTH on submission) needs --tls-cert and --tls-key".into());
        }
        let pair = (self.tls_cert.clone(), self.tls_key.clone());
        let pop3 = match self.pop3 {
            Some(c) => Some(c.resolve("pop3", &pair, &self.maildir_root, &self.users)?),
            None => None,
        };
        let imap = match self.imap {
            Some(c) => Some(c.resolve("imap", &pair, &self.maildir_root, &self.users)?),
            None => None,
        };
        let spool = self.spool.ok_or("--spool DIR is required")?;
        let local_domains: Vec<String> = self
            .local_domain
            .iter()
            .map(|d| d.to_ascii_lowercase())
            .collect();
        if !local_domains.is_empty() && self.maildir_root.is_none() {
            return Err("--local-domain needs --maildir-root DIR".into());
        }
        let relay_networks = self
            .relay_network
            .iter()
            .map(|n| n.parse())
            .collect::<Result<Vec<Cidr>, String>>()?;
        let duration = |v: Option<String>, default: u64| -> Result<Duration, String> {
            v.map_or(Ok(Duration::from_secs(default)), |s| parse_duration(&s))
        };
        let session = SessionConfig {
            hostname: self.hostname.unwrap_or_else(|| "localhost".into()),
            local_domains,
            max_message_size: self.max_message_size.unwrap_or(50 << 20),
            max_recipients: self.max_recipients.unwrap_or(100).max(1),
            command_timeout: duration(self.command_timeout, 300)?,
            data_timeout: duration(self.data_timeout, 180)?,
            starttls: tls.is_some(),
            auth: self.users.is_some() && tls.is_some(),
            ..SessionConfig::default()
        };
        let dns_server = match &self.dns_server {
            Some(a) => Some(
                a.parse::<SocketAddr>()
                    .map_err(|_| format!("bad --dns-server {a:?}: expected IP:PORT"))?,
            ),
            None => None,
        };
        let mut client_timeouts = Timeouts::default();
        if let Some(cap) = &self.client_timeout {
            client_timeouts = client_timeouts.capped(parse_duration(cap)?);
        }
        Ok(Settings {
            listen,
            submission,
            spool,
            maildir_root: self.maildir_root,
            relayhost: self.relayhost,
            relay_networks,
            tls,
            users: self.users,
            scheduler: Scheduler {
                retry_interval: duration(self.retry_interval, 1800)?,
                max_lifetime: duration(self.max_lifetime, 5 * 86_400)?,
            },
            max_sessions: self.max_sessions.unwrap_or(1000),
            max_sessions_per_client: self.max_sessions_per_client.unwrap_or(100),
            max_connections_per_destination: self
                .max_connections_per_destination
                .unwrap_or(4)
                .max(1),
            session,
            pop3,
            imap,
            dns_server,
            smtp_port: self.smtp_port.unwrap_or(25),
            client_timeouts,
        })
    }
}

impl AccessConfig {
    /// Checks the `[name]` table; `tls` is the relay's (cert, key).
    fn resolve(
        self,
        name: &str,
        tls: &(Option<PathBuf>, Option<PathBuf>),
        maildir_root: &Option<PathBuf>,
        users: &Option<PathBuf>,
    ) -> Result<AccessSettings, String> {
        if maildir_root.is_none() || users.is_none() {
            return Err(format!("[{name}] needs maildir_root and users"));
        }
        let listen = self
            .listen
            .iter()
            .map(|a| {
                a.parse()
                    .map_err(|_| format!("[{name}] bad address {a:?}: expected IP:PORT"))
            })
            .collect::<Result<Vec<SocketAddr>, String>>()?;
        if listen.is_empty() {
            return Err(format!("[{name}] needs listen = [\"IP:PORT\"]"));
        }
        let cert = self.tls_cert.or_else(|| tls.0.clone());
        let key = self.tls_key.or_else(|| tls.1.clone());
        let tls = match (cert, key) {
            (None, None) => None,
            (Some(c), Some(k)) => Some((c, k)),
            _ => return Err(format!("[{name}] tls_cert and tls_key go together")),
        };
        if name != "imap" && self.cache_mib.is_some() {
            return Err(format!("[{name}] cache_mib is an [imap] key"));
        }
        Ok(AccessSettings {
            listen,
            tls,
            cache_bytes: self
                .cache_mib
                .map_or(crate::imap::cache::DEFAULT_CACHE_BYTES, |m| {
                    m.saturating_mul(1 << 20)
                }),
        })
    }
}

/// A checked `[pop3]` or `[imap]` table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessSettings {
    /// Where to listen.
    pub listen: Vec<SocketAddr>,
    /// (certificate chain, private key), PEM files: STLS / STARTTLS offered
    /// (the table's own, else the relay's).
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Bytes of the IMAP analysis cache (the default for POP3, unused).
    pub cache_bytes: usize,
}

/// The checked configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    /// MTA listeners (port 25 style).
    pub listen: Vec<SocketAddr>,
    /// Submission listeners (port 587 style). With `users`, MAIL needs AUTH
    /// there (530), and AUTH needs TLS; without, the same rules as `listen`.
    pub submission: Vec<SocketAddr>,
    /// The spool folder.
    pub spool: PathBuf,
    /// Where local Maildirs are.
    pub maildir_root: Option<PathBuf>,
    /// The smarthost for every remote domain.
    pub relayhost: Option<String>,
    /// Clients that may relay.
    pub relay_networks: Vec<Cidr>,
    /// The PEM certificate chain and key (STARTTLS offered, used to relay).
    pub tls: Option<(PathBuf, PathBuf)>,
    /// The users file: AUTH on submission (with TLS), and the `[pop3]` /
    /// `[imap]` logins.
    pub users: Option<PathBuf>,
    /// Retry schedule.
    pub scheduler: Scheduler,
    /// Sessions at once.
    pub max_sessions: usize,
    /// Sessions at once per client address.
    pub max_sessions_per_client: usize,
    /// Connections per destination.
    pub max_connections_per_destination: usize,
    /// Session rules (hostname, local domains, limits, timeouts).
    pub session: SessionConfig,
    /// POP3 in this process (over `maildir_root`).
    pub pop3: Option<AccessSettings>,
    /// IMAP in this process (over `maildir_root`).
    pub imap: Option<AccessSettings>,
    /// The name server for MX lookups (`None`: the system's).
    pub dns_server: Option<SocketAddr>,
    /// The port MX hosts are dialled on.
    pub smtp_port: u16,
    /// The SMTP client's reply and data timeouts.
    pub client_timeouts: Timeouts,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_flags() {
        let file = Config::from_toml(
            "listen = [\"127.0.0.1:2525\"]\nspool = \"/tmp/s\"\nretry_interval = \"10m\"\nlocal_domain = [\"A.test\"]\nmaildir_root = \"/tmp/m\"\n",
        )
        .unwrap();
        let flags = Config {
            retry_interval: Some("1s".into()),
            ..Config::default()
        };
        let s = file.overridden_by(flags).resolve().unwrap();
        assert_eq!(s.scheduler.retry_interval, Duration::from_secs(1));
        assert_eq!(s.session.local_domains, ["a.test"]);
        assert!(Config::from_toml("nonsense = 1").is_err());
        assert!(Config::default().resolve().is_err(), "spool is required");
        assert_eq!(s.smtp_port, 25);
        assert_eq!(s.dns_server, None);
        assert_eq!(s.client_timeouts, Timeouts::default());
    }

    #[test]
    fn dns_server_port_and_client_timeout() {
        let file = Config::from_toml(
            "spool = \"/tmp/s\"\ndns_server = \"127.0.0.1:5353\"\nsmtp_port = 2526\nclient_timeout = \"2s\"\n",
        )
        .unwrap();
        let s = file.clone().resolve().unwrap();
        assert_eq!(s.dns_server, Some("127.0.0.1:5353".parse().unwrap()));
        assert_eq!(s.smtp_port, 2526);
        assert_eq!(s.client_timeouts.greeting, Duration::from_secs(2));
        assert_eq!(s.client_timeouts.data_term, Duration::from_secs(2));
        let bad = Config {
            dns_server: Some("localhost".into()),
            ..file
        };
        assert!(bad.resolve().is_err());
    }

    #[test]
    fn the_example_config_is_valid() {
        let text = include_str!("../../../examples/relay.toml");
        let s = Config::from_toml(text).unwrap().resolve().unwrap();
        assert_eq!(s.session.hostname, "mx.example.test");
        assert_eq!(s.scheduler.retry_interval, Duration::from_secs(1800));
        let pop3 = s.pop3.expect("[pop3] in the example");
        let imap = s.imap.expect("[imap] in the example");
        assert_eq!(pop3.listen, ["127.0.0.1:1110".parse().unwrap()]);
        assert_eq!(imap.listen, ["127.0.0.1:1143".parse().unwrap()]);
        assert_eq!(imap.cache_bytes, 64 << 20);
        assert!(s.users.is_some());
    }

    #[test]
    fn access_tables() {
        let base = "spool = \"/s\"\nmaildir_root = \"/m\"\nusers = \"/u\"\n";
        let ok = Config::from_toml(&format!(
            "{base}[imap]\nlisten = [\"127.0.0.1:0\"]\ncache_mib = 5\n"
        ))
        .unwrap()
        .resolve()
        .unwrap();
        let imap = ok.imap.unwrap();
        assert_eq!(imap.cache_bytes, 5 << 20);
        assert!(ok.pop3.is_none());
        for bad in [
            "[pop3]\nlisten = []\n",
            "[pop3]\nlisten = [\"x\"]\n",
            "[pop3]\nlisten = [\"127.0.0.1:0\"]\ncache_mib = 1\n",
            "[imap]\nlisten = [\"127.0.0.1:0\"]\ntls_cert = \"/c\"\n",
            "[imap]\nlisten = [\"127.0.0.1:0\"]\nnonsense = 1\n",
        ] {
            let r = Config::from_toml(&format!("{base}{bad}")).and_then(Config::resolve);
            assert!(r.is_err(), "{bad}");
        }
        let no_users = Config::from_toml(
            "spool = \"/s\"\nmaildir_root = \"/m\"\n[imap]\nlisten = [\"127.0.0.1:0\"]\n",
        )
        .unwrap();
        assert!(no_users.resolve().unwrap_err().contains("users"));
        let users_alone = Config::from_toml("spool = \"/s\"\nusers = \"/u\"\n").unwrap();
        assert!(users_alone.resolve().is_err(), "SMTP AUTH is not there yet");
    }
}

#[cfg(test)]
mod tls_tests {
    use super::*;

    #[test]
    fn tls_and_users_checks() {
        let base = || Config {
            spool: Some("/tmp/s".into()),
            ..Config::default()
        };
        let only_cert = Config {
            tls_cert: Some("c.pem".into()),
            ..base()
        };
        assert!(only_cert.resolve().unwrap_err().contains("together"));
        let users_without_tls = Config {
            users: Some("users".into()),
            ..base()
        };
        assert!(users_without_tls.resolve().unwrap_err().contains("--users"));
        let s = Config {
            tls_cert: Some("c.pem".into()),
            tls_key: Some("k.pem".into()),
            users: Some("users".into()),
            ..base()
        }
        .resolve()
        .unwrap();
        assert!(s.session.starttls && s.session.auth);
        assert!(s.tls.is_some() && s.users.is_some());
        assert!(!base().resolve().unwrap().session.starttls);
    }
}
