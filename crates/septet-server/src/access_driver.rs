//! The thin tokio driver of the access servers: accepts connections and
//! moves bytes and time between each socket and its sans-IO session
//! ([`crate::pop3::Session`], [`crate::imap::Session`]).
//!
//! Sessions read Maildir files and run argon2 synchronously; on the
//! multi-threaded runtime those calls run under `block_in_place`, so a
//! slow disk or a login does not stall the other connections.

use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::access::AccessContext;
use crate::tls::{MaybeTls, TlsAcceptor};

/// A sans-IO session the driver can run.
pub trait AccessSession: Send + 'static {
    /// A session for a new connection from `peer`.
    fn start(ctx: AccessContext, peer: String, now: Instant) -> Self;
    /// Bytes read from the client.
    fn handle_input(&mut self, now: Instant, data: &[u8]);
    /// Time passed.
    fn handle_timeout(&mut self, now: Instant);
    /// The client went away.
    fn handle_close(&mut self);
    /// Bytes to write.
    fn poll_output(&mut self) -> Option<Vec<u8>>;
    /// When to call `handle_timeout`.
    fn poll_timeout(&self) -> Option<Instant>;
    /// Whether to close once the output is written.
    fn is_closed(&self) -> bool;
    /// `Some(plaintext bytes dropped)` once STLS/STARTTLS was accepted:
    /// write the output, then run the TLS handshake.
    fn take_starttls(&mut self) -> Option<usize>;
    /// The handshake's outcome.
    fn handle_tls(&mut self, ok: bool);
}

macro_rules! impl_access_session {
    ($t:ty) => {
        impl AccessSession for $t {
            fn start(ctx: AccessContext, peer: String, now: Instant) -> Self {
                <$t>::new(ctx, peer, now)
            }
            fn handle_input(&mut self, now: Instant, data: &[u8]) {
                <$t>::handle_input(self, now, data)
            }
            fn handle_timeout(&mut self, now: Instant) {
                <$t>::handle_timeout(self, now)
            }
            fn handle_close(&mut self) {
                <$t>::handle_close(self)
            }
            fn poll_output(&mut self) -> Option<Vec<u8>> {
                <$t>::poll_output(self)
            }
            fn poll_timeout(&self) -> Option<Instant> {
                <$t>::poll_timeout(self)
            }
            fn is_closed(&self) -> bool {
                <$t>::is_closed(self)
            }
            fn take_starttls(&mut self) -> Option<usize> {
                <$t>::take_starttls(self)
            }
            fn handle_tls(&mut self, ok: bool) {
                <$t>::handle_tls(self, ok)
            }
        }
    };
}

impl_access_session!(crate::pop3::Session);
impl_access_session!(crate::imap::Session);

/// Which protocol a listener speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// POP3 (RFC 1939).
    Pop3,
    /// IMAP4rev1 (RFC 3501).
    Imap,
}

/// Accepts connections on `listener` forever, one task per connection.
pub async fn serve(
    protocol: Protocol,
    listener: TcpListener,
    ctx: AccessContext,
) -> io::Result<()> {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let result = match protocol {
                Protocol::Pop3 => connection::<crate::pop3::Session>(stream, peer, ctx).await,
                Protocol::Imap => connection::<crate::imap::Session>(stream, peer, ctx).await,
            };
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
        });
    }
}

/// Runs a blocking session call off the async worker where the runtime
/// allows it.
fn blocking<R>(f: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

async fn connection<S: AccessSession>(
    stream: TcpStream,
    peer: SocketAddr,
    ctx: AccessContext,
) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let acceptor = ctx.tls.clone().map(TlsAcceptor::from);
    let mut stream = MaybeTls::Plain(stream);
    let mut session = S::start(ctx, peer.ip().to_string(), Instant::now());
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        // Output may be produced on demand (an IMAP FETCH reads messages
        // a chunk at a time): a blocking call too.
        while let Some(out) = blocking(|| session.poll_output()) {
            stream.write_all(&out).await?;
        }
        stream.flush().await?;
        if let Some(discarded) = session.take_starttls() {
            if discarded > 0 {
                tracing::warn!(%peer, bytes = discarded, "plaintext pipelined after STARTTLS dropped");
            }
            let ok = match &acceptor {
                Some(a) => {
                    let limit = std::time::Duration::from_secs(60);
                    match tokio::time::timeout(limit, stream.accept(a)).await {
                        Ok(Ok(())) => true,
                        Ok(Err(e)) => {
                            tracing::info!(%peer, error = %e, "TLS handshake failed");
                            false
                        }
                        Err(_) => false,
                    }
                }
                None => false,
            };
            if ok {
                tracing::info!(%peer, tls = %stream.tls_summary().unwrap_or_default(), "TLS established");
            }
            session.handle_tls(ok);
            if !ok {
                return Ok(());
            }
            continue;
        }
        if session.is_closed() {
            let _ = stream.shutdown().await;
            return Ok(());
        }
        let deadline = session.poll_timeout();
        let wake = async move {
            match deadline {
                Some(d) => tokio::time::sleep_until(d.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            read = stream.read(&mut buf) => match read {
                Ok(0) | Err(_) => {
                    blocking(|| session.handle_close());
                    return Ok(());
                }
                Ok(n) => blocking(|| session.handle_input(Instant::now(), &buf[..n])),
            },
            () = wake => blocking(|| session.handle_timeout(Instant::now())),
        }
    }
}

/// Binds `listen` and serves `protocol` on a new multi-threaded runtime
/// until the process ends (the `septet pop3` / `septet imap` commands).
pub fn run(protocol: Protocol, listen: &str, ctx: AccessContext) -> io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(listen).await?;
        tracing::info!(addr = %listener.local_addr()?, ?protocol, "listening");
        serve(protocol, listener, ctx).await
    })
}

/// Serves `protocol` on an already bound listener from a background
/// thread (tests, embedding); the thread runs until the process ends.
pub fn spawn(
    protocol: Protocol,
    listener: std::net::TcpListener,
    ctx: AccessContext,
) -> io::Result<std::thread::JoinHandle<io::Result<()>>> {
    listener.set_nonblocking(true)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    Ok(std::thread::spawn(move || {
        rt.block_on(async move {
            let listener = TcpListener::from_std(listener)?;
            serve(protocol, listener, ctx).await
        })
    }))
}
