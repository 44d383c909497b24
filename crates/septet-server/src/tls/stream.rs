//! A TCP connection that may have been upgraded to TLS by STARTTLS, so the
//! drivers read and write one type before and after the upgrade.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// A plaintext or TLS connection.
#[derive(Debug, Default)]
pub enum MaybeTls {
    /// Before STARTTLS.
    Plain(TcpStream),
    /// Upgraded by a server-side STARTTLS.
    Server(Box<tokio_rustls::server::TlsStream<TcpStream>>),
    /// Upgraded by a client-side STARTTLS.
    Client(Box<tokio_rustls::client::TlsStream<TcpStream>>),
    /// Taken apart by a failed upgrade; every operation fails.
    #[default]
    Gone,
}

fn gone() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotConnected,
        "connection lost in a TLS upgrade",
    )
}

impl MaybeTls {
    /// True after a successful upgrade.
    pub fn is_tls(&self) -> bool {
        matches!(self, MaybeTls::Server(_) | MaybeTls::Client(_))
    }

    /// The server side of STARTTLS: the handshake on the plain stream.
    /// Bytes the driver read before are not carried over, so plaintext
    /// pipelined after STARTTLS can never reach the TLS session.
    pub async fn accept(&mut self, acceptor: &TlsAcceptor) -> io::Result<()> {
        let MaybeTls::Plain(tcp) = std::mem::take(self) else {
            return Err(io::Error::other("STARTTLS on a connection already in TLS"));
        };
        let tls = acceptor.accept(tcp).await?;
        *self = MaybeTls::Server(Box::new(tls));
        Ok(())
    }

    /// The client side of STARTTLS to `host`.
    pub async fn connect(&mut self, connector: &TlsConnector, host: &str) -> io::Result<()> {
        let MaybeTls::Plain(tcp) = std::mem::take(self) else {
            return Err(io::Error::other("STARTTLS on a connection already in TLS"));
        };
        let tls = connector.connect(super::server_name(host), tcp).await?;
        *self = MaybeTls::Client(Box::new(tls));
        Ok(())
    }

    /// A description of the TLS session for logs (`TLSv1_3
    /// TLS13_AES_256_GCM_SHA384`), `None` in plaintext.
    pub fn tls_summary(&self) -> Option<String> {
        let (version, suite) = match self {
            MaybeTls::Server(s) => {
                let c = s.get_ref().1;
                (c.protocol_version(), c.negotiated_cipher_suite())
            }
            MaybeTls::Client(s) => {
                let c = s.get_ref().1;
                (c.protocol_version(), c.negotiated_cipher_suite())
            }
            _ => return None,
        };
        Some(format!("{:?} {:?}", version?, suite.map(|s| s.suite())?))
    }
}

impl AsyncRead for MaybeTls {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_read(cx, buf),
            MaybeTls::Server(s) => Pin::new(s).poll_read(cx, buf),
            MaybeTls::Client(s) => Pin::new(s).poll_read(cx, buf),
            MaybeTls::Gone => Poll::Ready(Err(gone())),
        }
    }
}

impl AsyncWrite for MaybeTls {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_write(cx, buf),
            MaybeTls::Server(s) => Pin::new(s).poll_write(cx, buf),
            MaybeTls::Client(s) => Pin::new(s).poll_write(cx, buf),
            MaybeTls::Gone => Poll::Ready(Err(gone())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_flush(cx),
            MaybeTls::Server(s) => Pin::new(s).poll_flush(cx),
            MaybeTls::Client(s) => Pin::new(s).poll_flush(cx),
            MaybeTls::Gone => Poll::Ready(Err(gone())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_shutdown(cx),
            MaybeTls::Server(s) => Pin::new(s).poll_shutdown(cx),
            MaybeTls::Client(s) => Pin::new(s).poll_shutdown(cx),
            MaybeTls::Gone => Poll::Ready(Err(gone())),
        }
    }
}
