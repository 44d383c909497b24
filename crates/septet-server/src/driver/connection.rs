//! Listeners and the per-connection task: bytes between the socket and a
//! [`Session`], message chunks to the spool file, commits to the
//! committer.

use std::collections::HashMap;
use std::io::{self, BufWriter, Write};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};

use super::committer::CommitJob;
use super::Shared;
use crate::envelope::{Envelope, Origin, RcptState, Recipient};
use crate::smtp::server::{Action, Peer, Session, Transaction};
use crate::spool::{unix_now, Pending};
use crate::tls::MaybeTls;
use crate::users::AuthResult;

/// Sessions per client address.
#[derive(Default)]
pub(crate) struct Counts {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

impl Counts {
    /// Sessions open now.
    pub(crate) fn total(&self) -> usize {
        self.total
    }
}

/// Releases a session slot on drop.
struct Slot {
    shared: Arc<Shared>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut c = lock(&self.shared.counts);
        c.total = c.total.saturating_sub(1);
        if let Some(n) = c.per_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                c.per_ip.remove(&self.ip);
            }
        }
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Accepts connections until shutdown.
pub(crate) async fn listen(
    shared: Arc<Shared>,
    listener: TcpListener,
    submission: bool,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let shared = shared.clone();
                    let shutdown = shutdown.clone();
                    tokio::spawn(async move {
                        if let Err(e) = connection(shared, stream, peer, submission, shutdown).await {
                            tracing::debug!(%peer, error = %e, "connection ended");
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
            _ = shutdown.changed() => return,
        }
    }
}

/// The message being received.
struct Incoming {
    id: String,
    tx: Transaction,
    file: Option<BufWriter<std::fs::File>>,
    eight_bit: bool,
    error: Option<io::Error>,
}

async fn connection(
    shared: Arc<Shared>,
    mut stream: TcpStream,
    peer: SocketAddr,
    submission: bool,
    mut shutdown: watch::Receiver<bool>,
) -> io::Result<()> {
    let ip = peer.ip();
    let admitted = {
        let mut c = lock(&shared.counts);
        let per_ip = c.per_ip.get(&ip).copied().unwrap_or(0);
        let ok = c.total < shared.settings.max_sessions
            && per_ip < shared.settings.max_sessions_per_client;
        if ok {
            c.total += 1;
            *c.per_ip.entry(ip).or_default() += 1;
        }
        ok
    };
    if !admitted {
        let _ = stream
            .write_all(b"421 4.7.0 too many connections, try later\r\n")
            .await;
        return Ok(());
    }
    let _slot = Slot {
        shared: shared.clone(),
        ip,
    };
    let _ = stream.set_nodelay(true);
    let relay_allowed = shared
        .settings
        .relay_networks
        .iter()
        .any(|n| n.contains(ip));
    let peer_info = Peer {
        addr: ip.to_string(),
        relay_allowed,
        submission,
    };
    let mut stream = MaybeTls::Plain(stream);
    let mut session = Session::new(shared.settings.session.clone(), peer_info, Instant::now());
    let mut incoming: Option<Incoming> = None;
    let mut buf = vec![0u8; 64 << 10];
    let mut draining = *shutdown.borrow();
    loop {
        if let Some(out) = session.poll_output() {
            stream.write_all(&out).await?;
            // TLS buffers records; plaintext flush is a no-op.
            stream.flush().await?;
        }
        let mut commit = None;
        let mut check = None;
        while let Some(action) = session.poll_action() {
            match action {
                Action::BeginMessage(tx) => incoming = Some(begin(&shared, tx)),
                Action::MessageChunk(chunk) => {
                    if let Some(m) = incoming.as_mut() {
                        write_chunk(m, &chunk);
                    }
                }
                Action::CommitMessage => commit = incoming.take(),
                Action::AbortMessage => {
                    if let Some(m) = incoming.take() {
                        shared.spool.discard(&m.id);
                    }
                }
                Action::Close => {}
                Action::StartTls { discarded } => {
                    let ok = start_tls(&shared, &mut stream, discarded, peer).await;
                    session.handle_tls(Instant::now(), ok);
                }
                Action::Authenticate { user, password } => check = Some((user, password)),
            }
        }
        if let Some((user, password)) = check {
            let result = authenticate(&shared, ip, &user, password).await;
            tracing::info!(%peer, %user, ?result, "AUTH");
            session.handle_auth_result(Instant::now(), result);
            continue;
        }
        if let Some(m) = commit {
            let result = commit_message(&shared, m, ip).await;
            session.handle_spool_result(Instant::now(), result);
            continue;
        }
        if session.is_closed() {
            if let Some(out) = session.poll_output() {
                stream.write_all(&out).await?;
            }
            let _ = stream.shutdown().await;
            return Ok(());
        }
        if draining && incoming.is_none() {
            stream.write_all(b"421 4.3.2 shutting down\r\n").await?;
            session.handle_close();
            continue;
        }
        let deadline = session.poll_timeout();
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            read = stream.read(&mut buf), if session.wants_input() => match read {
                Ok(0) | Err(_) => session.handle_close(),
                Ok(n) => session.handle_input(Instant::now(), &buf[..n]),
            },
            _ = sleep => session.handle_timeout(Instant::now()),
            _ = shutdown.changed(), if !draining => draining = true,
        }
    }
}

/// The server side of STARTTLS, after the 220 was written. False if the
/// handshake failed (the session then ends).
async fn start_tls(
    shared: &Shared,
    stream: &mut MaybeTls,
    discarded: usize,
    peer: SocketAddr,
) -> bool {
    if discarded > 0 {
        tracing::warn!(%peer, bytes = discarded, "plaintext pipelined after STARTTLS dropped");
    }
    let Some(acceptor) = shared.tls.as_ref() else {
        return false;
    };
    let limit = shared.settings.session.command_timeout;
    match tokio::time::timeout(limit, stream.accept(acceptor)).await {
        Ok(Ok(())) => {
            let summary = stream.tls_summary().unwrap_or_default();
            tracing::info!(%peer, tls = %summary, "STARTTLS: TLS established");
            true
        }
        Ok(Err(e)) => {
            tracing::info!(%peer, error = %e, "STARTTLS: handshake failed");
            false
        }
        Err(_) => {
            tracing::info!(%peer, "STARTTLS: handshake timed out");
            false
        }
    }
}

/// Checks a password off the async workers (argon2 takes tens of ms).
async fn authenticate(
    shared: &Arc<Shared>,
    ip: IpAddr,
    user: &str,
    password: Vec<u8>,
) -> AuthResult {
    let Some(auth) = shared.auth.clone() else {
        return AuthResult::Failed;
    };
    let user = user.to_owned();
    tokio::task::spawn_blocking(move || {
        auth.authenticate(&ip.to_string(), &user, &password, Instant::now())
    })
    .await
    .unwrap_or(AuthResult::Failed)
}

fn begin(shared: &Shared, tx: Transaction) -> Incoming {
    let id = shared.spool.new_id();
    let (file, error) = match shared.spool.create(&id) {
        Ok(f) => (Some(BufWriter::with_capacity(64 << 10, f)), None),
        Err(e) => (None, Some(e)),
    };
    Incoming {
        id,
        tx,
        file,
        eight_bit: false,
        error,
    }
}

fn write_chunk(m: &mut Incoming, chunk: &[u8]) {
    m.eight_bit = m.eight_bit || !chunk.is_ascii();
    if let Some(f) = m.file.as_mut() {
        if let Err(e) = f.write_all(chunk) {
            m.error = Some(e);
            m.file = None;
        }
    }
}

async fn commit_message(shared: &Shared, m: Incoming, ip: IpAddr) -> Result<String, String> {
    let Incoming {
        id,
        tx,
        file,
        eight_bit,
        error,
    } = m;
    let file = match (file, error) {
        (Some(f), None) => f.into_inner().map_err(|e| e.into_error()),
        (_, Some(e)) => Err(e),
        (None, None) => Err(io::Error::other("no spool file")),
    };
    let file = match file {
        Ok(f) => f,
        Err(e) => {
            shared.spool.discard(&id);
            tracing::error!(queue_id = %id, error = %e, "spool write failed");
            return Err("spool write failed".into());
        }
    };
    let now = unix_now();
    let envelope = Envelope {
        id: id.clone(),
        sender: tx.sender.clone(),
        recipients: tx
            .recipients
            .iter()
            .map(|r| Recipient {
                address: r.clone(),
                state: RcptState::Pending,
                last_reply: None,
            })
            .collect(),
        body: tx.body,
        smtputf8: tx.smtputf8,
        eight_bit,
        received_at: now,
        attempts: 0,
        next_attempt: now,
        origin: Origin {
            helo: tx.helo.clone(),
            addr: ip.to_string(),
            protocol: tx.protocol.to_owned(),
        },
    };
    let (done, wait) = oneshot::channel();
    let job = CommitJob {
        pending: Pending { envelope, file },
        done,
    };
    if shared.committer.send(job).is_err() {
        shared.spool.discard(&id);
        return Err("the spool is shutting down".into());
    }
    match wait.await {
        Ok(Ok(())) => {
            tracing::info!(queue_id = %id, from = %tx.sender, rcpts = tx.recipients.len(), client = %ip, "queued");
            Ok(id)
        }
        Ok(Err(e)) => {
            tracing::error!(queue_id = %id, error = %e, "commit failed");
            Err("commit failed".into())
        }
        Err(_) => Err("the spool is shutting down".into()),
    }
}
