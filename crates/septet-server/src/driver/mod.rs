//! The async driver (tokio): listeners and a task per connection driving
//! a [`Session`](crate::smtp::server::Session), the committer thread, the
//! delivery loop and the remote connection workers. Protocol and queue
//! decisions are all in the sans-IO machines; this only moves bytes.

mod access;
mod committer;
mod connection;
pub mod delivery;
mod remote;
mod resolve;

use std::io;
use std::net::SocketAddr;
use std::sync::{mpsc as std_mpsc, Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

use crate::access_driver::Protocol;
use crate::config::Settings;
use crate::envelope::Envelope;
use crate::queue::Scheduler;
use crate::spool::Spool;
use committer::CommitJob;

/// State every task shares.
pub(crate) struct Shared {
    pub settings: Settings,
    pub spool: Arc<Spool>,
    pub committer: std_mpsc::Sender<CommitJob>,
    pub queued: mpsc::UnboundedSender<Envelope>,
    pub counts: Mutex<connection::Counts>,
    pub destinations: remote::Destinations,
    /// STARTTLS for clients (with `--tls-cert/--tls-key`).
    pub tls: Option<crate::tls::TlsAcceptor>,
    /// Opportunistic STARTTLS to next hops.
    pub tls_client: Option<crate::tls::TlsConnector>,
    /// AUTH on submission (with `--users`).
    pub auth: Option<Arc<crate::users::Authenticator>>,
    /// For MX lookups (none with a relayhost, or when it could not start).
    pub resolver: Option<resolve::Resolver>,
}

impl Shared {
    fn scheduler(&self) -> Scheduler {
        self.settings.scheduler
    }
}

/// A running relay (in this process, on its own runtime thread).
pub struct Server {
    addrs: Vec<SocketAddr>,
    pop3_addrs: Vec<SocketAddr>,
    imap_addrs: Vec<SocketAddr>,
    shutdown: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Recovers the spool, binds every listener (port 0 picks a free one;
    /// SMTP, then the `[pop3]` and `[imap]` tables' over the same
    /// Maildirs) and starts serving.
    pub fn start(settings: Settings) -> io::Result<Server> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("septet-relay")
            .build()?;
        let tls = match &settings.tls {
            Some((cert, key)) => Some(crate::tls::acceptor(cert, key).map_err(io::Error::other)?),
            None => None,
        };
        let tls_client = crate::tls::connector().ok();
        let auth = match &settings.users {
            Some(path) => {
                let users = crate::users::Users::load(path).map_err(io::Error::other)?;
                Some(Arc::new(crate::users::Authenticator::new(
                    users,
                    crate::users::LimiterConfig::default(),
                )))
            }
            None => None,
        };
        let spool = Arc::new(Spool::open(&settings.spool)?);
        let (recovered, broken) = spool.recover()?;
        for id in broken {
            tracing::warn!(queue_id = %id, "envelope without a message or unreadable: left in the spool");
        }
        tracing::info!(messages = recovered.len(), "queue recovered");
        let (queued_tx, queued_rx) = mpsc::unbounded_channel();
        let (commit_tx, _commit_thread) = committer::start(spool.clone(), queued_tx.clone())?;
        let mut listeners = Vec::new();
        for addr in settings.listen.iter() {
            listeners.push((runtime.block_on(TcpListener::bind(addr))?, false));
        }
        for addr in settings.submission.iter() {
            listeners.push((runtime.block_on(TcpListener::bind(addr))?, true));
        }
        let addrs = listeners
            .iter()
            .map(|(l, _)| l.local_addr())
            .collect::<io::Result<Vec<_>>>()?;
        let access = access::bind(&runtime, &settings)?;
        let pop3_addrs = access::addrs(&access, Protocol::Pop3)?;
        let imap_addrs = access::addrs(&access, Protocol::Imap)?;
        let spool_at_exit = spool.clone();
        let resolver = match &settings.relayhost {
            Some(_) => None,
            None => {
                let _rt = runtime.enter();
                resolve::Resolver::new(settings.dns_server)
                    .map_err(|e| tracing::error!(error = %e, "no DNS resolver: remote mail will be deferred"))
                    .ok()
            }
        };
        let shared = Arc::new(Shared {
            settings,
            spool,
            committer: commit_tx,
            queued: queued_tx,
            counts: Mutex::default(),
            destinations: remote::Destinations::default(),
            tls,
            tls_client,
            auth,
            resolver,
        });
        let (shutdown, shutdown_rx) = watch::channel(false);
        let thread = std::thread::Builder::new()
            .name("septet-relay-main".into())
            .spawn(move || {
                runtime.block_on(async move {
                    for (l, submission) in listeners {
                        tokio::spawn(connection::listen(
                            shared.clone(),
                            l,
                            submission,
                            shutdown_rx.clone(),
                        ));
                    }
                    for l in access {
                        tokio::spawn(access::serve(l, shutdown_rx.clone()));
                    }
                    tokio::spawn(delivery::run(
                        shared.clone(),
                        recovered,
                        queued_rx,
                        shutdown_rx.clone(),
                    ));
                    let mut rx = shutdown_rx;
                    let _ = rx.changed().await;
                    // Sessions in flight get a grace period to finish their message.
                    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
                    while tokio::time::Instant::now() < deadline
                        && connection::lock(&shared.counts).total() > 0
                    {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                });
                runtime.shutdown_timeout(Duration::from_secs(1));
                spool_at_exit.clear_free();
            })?;
        Ok(Server {
            addrs,
            pop3_addrs,
            imap_addrs,
            shutdown,
            thread: Some(thread),
        })
    }

    /// The bound addresses, `listen` first, then `submission`.
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The bound `[pop3]` addresses (empty without the table).
    pub fn pop3_addrs(&self) -> &[SocketAddr] {
        &self.pop3_addrs
    }

    /// The bound `[imap]` addresses (empty without the table).
    pub fn imap_addrs(&self) -> &[SocketAddr] {
        &self.imap_addrs
    }

    /// Stops accepting, lets sessions finish (up to 30 s), and returns
    /// when the server has stopped. Queued messages stay in the spool.
    pub fn shutdown(mut self) {
        self.stop();
    }

    /// Blocks until SIGTERM or SIGINT, then shuts down.
    pub fn run_until_signal(mut self) -> io::Result<()> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        rt.block_on(async {
            #[cfg(unix)]
            {
                use tokio::signal::unix::{signal, SignalKind};
                let mut term = signal(SignalKind::terminate())?;
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            #[cfg(not(unix))]
            tokio::signal::ctrl_c().await?;
            io::Result::Ok(())
        })?;
        tracing::info!("shutting down");
        self.stop();
        Ok(())
    }

    fn stop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
