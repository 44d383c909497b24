//! Remote delivery: per destination, a few connection workers share a job
//! queue; a worker keeps its connection for the next job if one is
//! waiting (several messages per connection), and drives a sans-IO
//! [`Client`] over it, streaming each body from the spool file.

use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, Mutex};

use super::Shared;
use crate::envelope::Envelope;
use crate::queue::RcptResult;
use crate::smtp::client::{Client, Event, MessageSpec};
use crate::tls::{MaybeTls, TlsConnector};
use crate::trace;

/// How long to wait for a reply (RFC 5321 4.5.3.2 allows up to 10 minutes
/// after the end of data; 5 is what most clients use).
const REPLY_TIMEOUT: Duration = Duration::from_secs(300);
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

async fn worker(shared: Arc<Shared>, dest: String, jobs: Jobs) {
    while let Some(job) = next_job(&jobs, None).await {
        let stream = match tokio::time::timeout(REPLY_TIMEOUT, TcpStream::connect(&dest)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                let why = format!("connect to {dest} failed: {e}");
                tracing::info!(queue_id = %job.envelope.id, %why, "deferred");
                let results = fail_all(&job, &why);
                let _ = job.done.send(results);
                continue;
            }
            Err(_) => {
                let results = fail_all(&job, &format!("connect to {dest} timed out"));
                let _ = job.done.send(results);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let mut client = Client::new(&shared.settings.session.hostname);
        let tls_broken = super::connection::lock(&shared.destinations.tls_failed).contains(&dest);
        if shared.tls_client.is_some() && !tls_broken {
            client.enable_starttls();
        }
        let mut conn = Conn {
            stream: MaybeTls::Plain(stream),
            client,
            buf: vec![0; 16 << 10],
            tls: shared.tls_client.clone(),
            dest: dest.clone(),
            tls_failed: false,
            chunk: Vec::new(),
        };
        let mut job = Some(job);
        while let Some(j) = job.take() {
            let ready = conn.until_ready().await;
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
        if conn.tls_failed {
            super::connection::lock(&shared.destinations.tls_failed).insert(dest.clone());
        }
    }
}

struct Conn {
    stream: MaybeTls,
    client: Client,
    buf: Vec<u8>,
    tls: Option<TlsConnector>,
    /// HOST:PORT, for logs and SNI.
    dest: String,
    /// The STARTTLS handshake failed on this connection.
    tls_failed: bool,
    /// The body read buffer, kept for the connection's next message
    /// (zeroing 256 KiB per message showed in profiles).
    chunk: Vec<u8>,
}

impl Conn {
    /// Writes pending output, then returns the next event, reading replies
    /// as needed.
    async fn pump(&mut self) -> Option<Event> {
        loop {
            if let Some(out) = self.client.poll_output() {
                let written = match self.stream.write_all(&out).await {
                    Ok(()) => self.stream.flush().await,
                    Err(e) => Err(e),
                };
                if let Err(e) = written {
                    self.client.handle_close(&format!("write failed: {e}"));
                }
            }
            match self.client.poll_event() {
                Some(Event::StartTls) => {
                    self.start_tls().await;
                    continue;
                }
                Some(ev) => return Some(ev),
                None => {}
            }
            if self.client.is_closed() {
                return None;
            }
            match tokio::time::timeout(REPLY_TIMEOUT, self.stream.read(&mut self.buf)).await {
                Ok(Ok(0)) => self
                    .client
                    .handle_close("connection closed by the next hop"),
                Ok(Ok(n)) => self.client.handle_input(&self.buf[..n]),
                Ok(Err(e)) => self.client.handle_close(&format!("read failed: {e}")),
                Err(_) => self.client.handle_close("timeout waiting for a reply"),
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
        match tokio::time::timeout(REPLY_TIMEOUT, self.stream.connect(&connector, &host)).await {
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

    fn closed_reason(&self) -> String {
        "the next hop closed the connection".into()
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
                if let Some(out) = self.client.poll_output() {
                    self.stream.write_all(&out).await?;
                }
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
