//! Remote delivery: per destination, a few connection workers share a job
//! queue; a worker keeps its connection for the next job if one is
//! waiting (several messages per connection), and drives a sans-IO
//! [`Client`] over it, streaming each body from the spool file.

use std::collections::HashMap;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, Mutex};

use super::Shared;
use crate::envelope::Envelope;
use crate::queue::RcptResult;
use crate::smtp::client::{Client, Event, MessageSpec};
use crate::tls::{MaybeTls, TlsConnector};
use crate::trace;

/// The longest wait when the client has no timer running (it always has
/// one while it expects something; this only guards against a stuck state).
const REPLY_TIMEOUT: Duration = Duration::from_secs(600);
/// How long a TCP connect may take before the next address is tried.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an idle connection waits for another job before QUIT.
const IDLE_KEEP: Duration = Duration::from_millis(500);
/// Body bytes per read (and per BDAT chunk).
const CHUNK: usize = 256 << 10;

/// One message for one destination.
pub(crate) struct RemoteJob {
    pub envelope: Envelope,
    /// Indices into `envelope.recipients`.
    pub rcpts: Vec<usize>,
    pub done: oneshot::Sender<Vec<(usize, RcptResult)>>,
}

/// The job queues, one per destination, each with its workers.
#[derive(Default)]
pub(crate) struct Destinations {
    queues: std::sync::Mutex<HashMap<String, mpsc::UnboundedSender<RemoteJob>>>,
    /// Destinations whose TLS handshake failed: later connections stay in
    /// plaintext (RFC 7435 3: fall back rather than not deliver).
    tls_failed: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl Destinations {
    /// Queues `job` for `dest` (HOST:PORT), starting its workers first.
    pub(crate) fn submit(&self, shared: &Arc<Shared>, dest: &str, job: RemoteJob) {
        let mut queues = super::connection::lock(&self.queues);
        let tx = queues.entry(dest.to_owned()).or_insert_with(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            let rx = Arc::new(Mutex::new(rx));
            for _ in 0..shared.settings.max_connections_per_destination {
                tokio::spawn(worker(shared.clone(), dest.to_owned(), rx.clone()));
            }
            tx
        });
        if let Err(e) = tx.send(job) {
            let job = e.0;
            let results = fail_all(&job, "delivery worker gone");
            let _ = job.done.send(results);
        }
    }
}

fn fail_all(job: &RemoteJob, why: &str) -> Vec<(usize, RcptResult)> {
    job.rcpts
        .iter()
        .map(|&i| (i, RcptResult::Temporary(why.to_owned())))
        .collect()
}

type Jobs = Arc<Mutex<mpsc::UnboundedReceiver<RemoteJob>>>;

async fn next_job(jobs: &Jobs, wait: Option<Duration>) -> Option<RemoteJob> {
    let mut rx = jobs.lock().await;
    match wait {
        None => rx.recv().await,
        Some(d) => tokio::time::timeout(d, rx.recv()).await.ok().flatten(),
    }
}

/// The addresses to dial for `dest`: the relayhost (HOST:PORT) as given,
/// or the MX hosts of the domain `dest` on `smtp_port`.
async fn targets(shared: &Shared, dest: &str) -> Result<Vec<SocketAddr>, RcptResult> {
    let settings = &shared.settings;
    if settings.relayhost.is_some() {
        return match tokio::net::lookup_host(dest).await {
            Ok(addrs) => Ok(addrs.collect()),
            Err(e) => Err(RcptResult::Temporary(format!(
                "451 4.4.3 cannot resolve the relayhost {dest}: {e}"
            ))),
        };
    }
    let Some(resolver) = &shared.resolver else {
        return Err(RcptResult::Temporary(
            "451 4.3.5 no DNS resolver (see the log at startup)".into(),
        ));
    };
    let me = [settings.session.hostname.clone()];
    let ips = resolver.targets(dest, &me).await?;
    Ok(ips
        .into_iter()
        .map(|ip| SocketAddr::new(ip, settings.smtp_port))
        .collect())
}

/// Connects to the first next hop that greets and answers EHLO, trying
/// the MX hosts (and their addresses) in order (RFC 5321 §5.1).
async fn open(shared: &Shared, dest: &str) -> Result<Conn, RcptResult> {
    let settings = &shared.settings;
    let timeouts = settings.client_timeouts;
    let connect_timeout = CONNECT_TIMEOUT.min(timeouts.greeting);
    let mut last = format!("no address for {dest}");
    for addr in targets(shared, dest).await? {
        match tokio::time::timeout(connect_timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                let mut client = Client::new(&settings.session.hostname).with_timeouts(timeouts);
                let tls_broken =
                    super::connection::lock(&shared.destinations.tls_failed).contains(dest);
                if shared.tls_client.is_some() && !tls_broken {
                    client.enable_starttls();
                }
                let mut conn = Conn {
                    stream: MaybeTls::Plain(stream),
                    client,
                    buf: vec![0; 16 << 10],
                    closed: None,
                    tls: shared.tls_client.clone(),
                    dest: dest.to_owned(),
                    tls_failed: false,
                    chunk: Vec::new(),
                };
                if conn.until_ready().await {
                    return Ok(conn);
                }
                conn.note_tls_failure(shared);
                last = format!("{addr}: {}", conn.closed_reason());
            }
            Ok(Err(e)) => last = format!("connect to {addr} failed: {e}"),
            Err(_) => last = format!("connect to {addr} timed out"),
        }
        tracing::info!(%dest, why = %last, "next hop unusable");
    }
    Err(RcptResult::Temporary(format!("451 4.4.1 {last}")))
}

async fn worker(shared: Arc<Shared>, dest: String, jobs: Jobs) {
    while let Some(job) = next_job(&jobs, None).await {
        let mut conn = match open(&shared, &dest).await {
            Ok(c) => c,
            Err(r) => {
                tracing::info!(queue_id = %job.envelope.id, %dest, why = ?r, "no next hop");
                let results = job.rcpts.iter().map(|&i| (i, r.clone())).collect();
                let _ = job.done.send(results);
                continue;
            }
        };
        let mut job = Some(job);
        // `open` already waited for the first Ready.
        let mut first = true;
        while let Some(j) = job.take() {
            let ready = std::mem::take(&mut first) || conn.until_ready().await;
            if !ready {
                let results = fail_all(&j, &conn.closed_reason());
                let _ = j.done.send(results);
                break;
            }
            let results = conn.send_message(&shared, &j).await;
            let _ = j.done.send(results);
            if conn.client.is_closed() {
                break;
            }
            job = next_job(&jobs, Some(IDLE_KEEP)).await;
        }
        if !conn.client.is_closed() && conn.until_ready().await {
            conn.client.quit();
            let _ = conn.pump().await;
        }
        conn.note_tls_failure(&shared);
    }
}

struct Conn {
    stream: MaybeTls,
    client: Client,
    buf: Vec<u8>,
    /// Why the client closed, once it did.
    closed: Option<String>,
    tls: Option<TlsConnector>,
    /// The destination (relayhost HOST:PORT or domain), for logs and SNI.
    dest: String,
    /// The STARTTLS handshake failed on this connection.
    tls_failed: bool,
    /// The body read buffer, kept for the connection's next message
    /// (zeroing 256 KiB per message showed in profiles).
    chunk: Vec<u8>,
}

/// A tokio deadline for the client's current wait (or the fallback).
fn deadline(client: &mut Client) -> tokio::time::Instant {
    client.handle_timeout(Instant::now());
    client
        .poll_timeout()
        .map_or_else(|| tokio::time::Instant::now() + REPLY_TIMEOUT, Into::into)
}

impl Conn {
    /// Writes pending output, then returns the next event, reading replies
    /// as needed.
    async fn pump(&mut self) -> Option<Event> {
        loop {
            self.write_out().await;
            match self.client.poll_event() {
                Some(Event::StartTls) => {
                    self.start_tls().await;
                    continue;
                }
                Some(ev) => {
                    if let Event::Closed(why) = &ev {
                        self.closed = why.clone();
                    }
                    return Some(ev);
                }
                None => {}
            }
            if self.client.is_closed() {
                return None;
            }
            let until = deadline(&mut self.client);
            if self.client.is_closed() {
                continue;
            }
            match tokio::time::timeout_at(until, self.stream.read(&mut self.buf)).await {
                Ok(Ok(0)) => self
                    .client
                    .handle_close("connection closed by the next hop"),
                Ok(Ok(n)) => self.client.handle_input(&self.buf[..n]),
                Ok(Err(e)) => self.client.handle_close(&format!("read failed: {e}")),
                Err(_) => {
                    self.client.handle_timeout(Instant::now());
                    self.client.handle_close("timeout waiting for a reply");
                }
            }
        }
    }

    /// The client side of STARTTLS. The certificate is not checked
    /// (opportunistic TLS, see [`crate::tls::client_config`]); a failed
    /// handshake fails the connection, its messages are retried, and the
    /// destination is then tried without STARTTLS.
    async fn start_tls(&mut self) {
        let Some(connector) = self.tls.clone() else {
            return self.client.handle_close("STARTTLS without a TLS client");
        };
        let host = self
            .dest
            .rsplit_once(':')
            .map_or(self.dest.as_str(), |(h, _)| h)
            .to_owned();
        let until = deadline(&mut self.client);
        match tokio::time::timeout_at(until, self.stream.connect(&connector, &host)).await {
            Ok(Ok(())) => {
                let summary = self.stream.tls_summary().unwrap_or_default();
                tracing::info!(dest = %self.dest, tls = %summary, "STARTTLS to the next hop: TLS established");
                self.client.handle_tls();
            }
            Ok(Err(e)) => {
                self.tls_failed = true;
                tracing::info!(dest = %self.dest, error = %e, "STARTTLS to the next hop failed");
                self.client
                    .handle_close(&format!("TLS handshake with {} failed: {e}", self.dest));
            }
            Err(_) => self.client.handle_close("TLS handshake timed out"),
        }
    }

    /// Remembers a failed handshake so the destination's next connections
    /// stay in plaintext.
    fn note_tls_failure(&self, shared: &Shared) {
        if self.tls_failed {
            super::connection::lock(&shared.destinations.tls_failed).insert(self.dest.clone());
        }
    }

    /// Waits for [`Event::Ready`]; false if the connection closed.
    async fn until_ready(&mut self) -> bool {
        loop {
            match self.pump().await {
                Some(Event::Ready) => return true,
                Some(Event::Closed(_)) | None => return false,
                Some(_) => {}
            }
        }
    }

    /// Writes what the client has to send, within its timeout (a hop that
    /// stops reading stalls the write: that is the data block timeout).
    async fn write_out(&mut self) {
        let Some(out) = self.client.poll_output() else {
            return;
        };
        let until = deadline(&mut self.client);
        let stream = &mut self.stream;
        let written = async move {
            stream.write_all(&out).await?;
            stream.flush().await
        };
        match tokio::time::timeout_at(until, written).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => self.client.handle_close(&format!("write failed: {e}")),
            Err(_) => {
                self.client.handle_timeout(Instant::now());
                self.client.handle_close("timeout sending to the next hop");
            }
        }
    }

    fn closed_reason(&self) -> String {
        self.closed
            .clone()
            .unwrap_or_else(|| "the next hop closed the connection".into())
    }

    async fn send_message(&mut self, shared: &Shared, job: &RemoteJob) -> Vec<(usize, RcptResult)> {
        let env = &job.envelope;
        let path = shared.spool.message_path(&env.id);
        let received = trace::received(env, &shared.settings.session.hostname, None);
        let size = std::fs::metadata(&path).map_or(0, |m| m.len()) + received.len() as u64;
        let spec = MessageSpec {
            sender: env.sender.clone(),
            recipients: job
                .rcpts
                .iter()
                .map(|&i| env.recipients[i].address.clone())
                .collect(),
            body: env.body,
            eight_bit: env.eight_bit,
            smtputf8: env.smtputf8,
            size,
        };
        let indexed = |results: Vec<RcptResult>| job.rcpts.iter().copied().zip(results).collect();
        if let Err(r) = self.client.start_message(&spec) {
            return job.rcpts.iter().map(|&i| (i, r.clone())).collect();
        }
        loop {
            match self.pump().await {
                Some(Event::SendBody(transfer)) => {
                    tracing::debug!(queue_id = %env.id, ?transfer, "sending body");
                    if let Err(e) = self.stream_body(&path, received.as_bytes()).await {
                        self.client.handle_close(&format!("spool read failed: {e}"));
                    }
                }
                Some(Event::Finished(results)) => return indexed(results),
                Some(Event::Ready) | Some(Event::Closed(_)) | Some(Event::StartTls) | None => {
                    return fail_all_idx(job, "connection lost");
                }
            }
        }
    }

    async fn stream_body(&mut self, path: &std::path::Path, prefix: &[u8]) -> std::io::Result<()> {
        let mut file = std::fs::File::open(path)?;
        let mut chunk = std::mem::take(&mut self.chunk);
        chunk.resize(CHUNK, 0);
        let result = self.stream_chunks(&mut file, &mut chunk, prefix).await;
        self.chunk = chunk;
        result
    }

    async fn stream_chunks(
        &mut self,
        file: &mut std::fs::File,
        chunk: &mut [u8],
        prefix: &[u8],
    ) -> std::io::Result<()> {
        chunk[..prefix.len()].copy_from_slice(prefix);
        let mut filled = prefix.len();
        loop {
            let n = file.read(&mut chunk[filled..])?;
            filled += n;
            if n == 0 || filled == chunk.len() {
                self.client.send_body(&chunk[..filled]);
                filled = 0;
                self.write_out().await;
                if self.client.is_closed() || n == 0 {
                    break;
                }
            }
        }
        if !self.client.is_closed() {
            self.client.finish_body();
        }
        Ok(())
    }
}

fn fail_all_idx(job: &RemoteJob, why: &str) -> Vec<(usize, RcptResult)> {
    fail_all(job, why)
}
