//! What the access sessions (POP3, IMAP) of one process share: where the
//! Maildirs are, who may log in, which mailboxes are in use.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::imap::cache::MetaCache;
use crate::mailstore::LockTable;
use crate::users::Authenticator;

/// The shared state of the access servers.
#[derive(Clone, Debug)]
pub struct AccessContext {
    /// `ROOT/<user>/` is each user's INBOX Maildir.
    pub maildir_root: PathBuf,
    /// Passwords and the wrong-password limiter.
    pub auth: Arc<Authenticator>,
    /// Mailboxes held exclusively (POP3).
    pub locks: LockTable,
    /// The name in greetings.
    pub hostname: String,
    /// Whether the driver can start TLS (STLS / STARTTLS are offered).
    pub tls_available: bool,
    /// The server TLS configuration the driver upgrades with.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Idle time before a session is closed.
    pub idle_timeout: Duration,
    /// The IMAP sessions' shared, byte-bounded cache of message analyses
    /// (BODYSTRUCTURE, ENVELOPE, RFC822.SIZE).
    pub imap_cache: MetaCache,
}

impl AccessContext {
    /// A context with the default host name (`localhost`), no TLS, a
    /// 30-minute idle timeout (RFC 3501 5.4; above RFC 1939's 10 minutes)
    /// and a 64 MiB IMAP analysis cache.
    pub fn new(maildir_root: PathBuf, auth: Arc<Authenticator>) -> AccessContext {
        AccessContext {
            maildir_root,
            auth,
            locks: LockTable::default(),
            hostname: "localhost".into(),
            tls_available: false,
            tls: None,
            idle_timeout: Duration::from_secs(30 * 60),
            imap_cache: MetaCache::default(),
        }
    }

    /// Offers STLS / STARTTLS with `config` (see [`crate::tls::server_config`]).
    pub fn with_tls(mut self, config: Arc<rustls::ServerConfig>) -> AccessContext {
        self.tls_available = true;
        self.tls = Some(config);
        self
    }
}
