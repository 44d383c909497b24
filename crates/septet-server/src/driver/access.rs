//! The `[pop3]` and `[imap]` servers of the relay's process: bound with
//! the SMTP listeners, served on the relay's runtime over its
//! `maildir_root` and `users` file, and stopped with it.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::access::AccessContext;
use crate::access_driver::{self, Protocol};
use crate::config::{AccessSettings, Settings};
use crate::users::{Authenticator, LimiterConfig, Users};

/// A bound access listener and the context its sessions get.
pub(super) struct Listener {
    pub protocol: Protocol,
    pub listener: TcpListener,
    pub ctx: AccessContext,
}

/// Binds every `[pop3]` and `[imap]` address of `settings` (on the
/// relay's runtime) after loading the users file once for both.
pub(super) fn bind(
    runtime: &tokio::runtime::Runtime,
    settings: &Settings,
) -> io::Result<Vec<Listener>> {
    let tables: Vec<(Protocol, &AccessSettings)> = [
        (Protocol::Pop3, settings.pop3.as_ref()),
        (Protocol::Imap, settings.imap.as_ref()),
    ]
    .into_iter()
    .filter_map(|(p, t)| t.map(|t| (p, t)))
    .collect();
    if tables.is_empty() {
        return Ok(Vec::new());
    }
    // Config::resolve refuses the tables without these two.
    let (Some(root), Some(users)) = (&settings.maildir_root, &settings.users) else {
        return Err(io::Error::other(
            "[pop3]/[imap] need maildir_root and users",
        ));
    };
    let users = Users::load(users).map_err(|e| io::Error::other(e.to_string()))?;
    std::fs::create_dir_all(root)?;
    let auth = Arc::new(Authenticator::new(users, LimiterConfig::default()));
    let mut out = Vec::new();
    for (protocol, table) in tables {
        let mut ctx = AccessContext::new(root.clone(), auth.clone());
        ctx.hostname = settings.session.hostname.clone();
        ctx.imap_cache = crate::imap::cache::MetaCache::new(table.cache_bytes);
        if let Some((cert, key)) = &table.tls {
            // STLS / STARTTLS offered; plaintext logins only from loopback.
            let config = crate::tls::server_config(cert, key)
                .map_err(|e| io::Error::other(e.to_string()))?;
            ctx = ctx.with_tls(config);
        }
        for addr in &table.listen {
            let listener = runtime.block_on(TcpListener::bind(addr))?;
            out.push(Listener {
                protocol,
                listener,
                ctx: ctx.clone(),
            });
        }
    }
    Ok(out)
}

/// The bound addresses of `protocol` among `listeners`.
pub(super) fn addrs(listeners: &[Listener], protocol: Protocol) -> io::Result<Vec<SocketAddr>> {
    listeners
        .iter()
        .filter(|l| l.protocol == protocol)
        .map(|l| l.listener.local_addr())
        .collect()
}

/// Serves `l` until the relay shuts down; then the listener closes, and
/// the sessions still open end with the runtime (a POP3 session cut off
/// before QUIT deletes nothing, RFC 1939 6).
pub(super) async fn serve(l: Listener, mut shutdown: watch::Receiver<bool>) {
    tracing::info!(addr = ?l.listener.local_addr().ok(), protocol = ?l.protocol, "listening");
    tokio::select! {
        r = access_driver::serve(l.protocol, l.listener, l.ctx) => {
            if let Err(e) = r {
                tracing::error!(error = %e, "access server stopped");
            }
        }
        _ = shutdown.changed() => {}
    }
}
