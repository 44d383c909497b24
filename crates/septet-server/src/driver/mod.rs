//! The async driver (tokio): listeners and a task per connection driving
//! a [`Session`](crate::smtp::server::Session), the committer thread, the
//! delivery loop and the remote connection workers. Protocol and queue
//! decisions are all in the sans-IO machines; this only moves bytes.

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
    shutdown: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Recovers the spool, binds every listener (port 0 picks a free one)
    /// and starts serving.
    pub fn start(settings: Settings) -> io::Result<Server> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("septet-relay")
            .build()?;
        let spool = Arc::new(Spool::open(&settings.spool)?);
        let (recovered, broken) = spool.recover()?;
        for id in broken {
            tracing::warn!(queue_id = %id, "envelope without a message or unreadable: left in the spool");
        }
        tracing::info!(messages = recovered.len(), "queue recovered");
        let (queued_tx, queued_rx) = mpsc::unbounded_channel();
        let (commit_tx, _commit_thread) = committer::start(spool.clone(), queued_tx.clone())?;
        let mut listeners = Vec::new();
        for addr in settings.listen.iter().chain(&settings.submission) {
            let l = runtime.block_on(TcpListener::bind(addr))?;
            listeners.push(l);
        }
        let addrs = listeners
            .iter()
            .map(|l| l.local_addr())
            .collect::<io::Result<Vec<_>>>()?;
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
            resolver,
        });
        let (shutdown, shutdown_rx) = watch::channel(false);
        let thread = std::thread::Builder::new()
            .name("septet-relay-main".into())
            .spawn(move || {
                runtime.block_on(async move {
                    for l in listeners {
                        tokio::spawn(connection::listen(shared.clone(), l, shutdown_rx.clone()));
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
            })?;
        Ok(Server {
            addrs,
            shutdown,
            thread: Some(thread),
        })
    }

    /// The bound addresses, `listen` first, then `submission`.
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
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
