//! TLS for every listener and for outgoing relay connections (rustls with
//! the ring provider): [`server_config`] loads a PEM certificate chain and
//! key, [`client_config`] is the opportunistic STARTTLS client, and
//! [`MaybeTls`] is a connection before or after its STARTTLS upgrade.

mod stream;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

pub use stream::MaybeTls;
pub use tokio_rustls::{TlsAcceptor, TlsConnector};

/// Why the certificate or key could not be used.
#[derive(Debug)]
pub enum TlsError {
    /// The certificate file is unreadable or holds no PEM certificate.
    Certificate {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The key file is unreadable or holds no PEM private key.
    Key {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// rustls refused the pair (a key that does not match, say).
    Config(String),
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsError::Certificate { path, reason } => {
                write!(f, "TLS certificate {}: {reason}", path.display())
            }
            TlsError::Key { path, reason } => write!(f, "TLS key {}: {reason}", path.display()),
            TlsError::Config(reason) => write!(f, "TLS configuration: {reason}"),
        }
    }
}

impl std::error::Error for TlsError {}

/// The crypto provider every config uses: ring (aws-lc-rs would need
/// cmake and a long C build).
// rustls 0.23.48 deprecates ring's provider because it lacks post-quantum
// key exchange (X25519MLKEM768), which only aws-lc-rs offers; classical
// X25519/P-256 is what mail peers negotiate today.
#[allow(deprecated)]
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads a PEM certificate chain (leaf first) and its PEM private key
/// (PKCS#8, PKCS#1 or SEC1) into a server configuration (TLS 1.2 and 1.3).
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsError::Certificate {
            path: cert.to_owned(),
            reason: e.to_string(),
        })?;
    if chain.is_empty() {
        return Err(TlsError::Certificate {
            path: cert.to_owned(),
            reason: "no CERTIFICATE block found".into(),
        });
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Key {
        path: key.to_owned(),
        reason: e.to_string(),
    })?;
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    Ok(Arc::new(config))
}

/// [`server_config`] wrapped as an acceptor.
pub fn acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, TlsError> {
    server_config(cert, key).map(TlsAcceptor::from)
}

/// The client configuration for STARTTLS to a next hop.
///
/// Opportunistic security (RFC 7435): with no policy (DANE, MTA-STS) saying
/// otherwise, the relay encrypts without authenticating the peer, because
/// the alternative for an unverifiable certificate is plaintext, not a
/// refusal. Handshake signatures are still checked, so the session is
/// encrypted to whoever holds the presented certificate's key; only the
/// certificate's chain and name go unchecked.
pub fn client_config() -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let provider = provider();
    let verifier = Arc::new(Unauthenticated {
        provider: provider.clone(),
    });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// [`client_config`] wrapped as a connector.
pub fn connector() -> Result<TlsConnector, TlsError> {
    client_config().map(TlsConnector::from)
}

/// The name sent in SNI for `host` (a DNS name or an IP address); a
/// string rustls refuses falls back to 127.0.0.1 (no SNI), which is
/// harmless since the certificate is not checked.
pub fn server_name(host: &str) -> ServerName<'static> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(host.to_owned()).unwrap_or(ServerName::IpAddress(
        std::net::IpAddr::from(std::net::Ipv4Addr::LOCALHOST).into(),
    ))
}

/// Accepts any certificate but checks the handshake signatures (see
/// [`client_config`]).
#[derive(Debug)]
struct Unauthenticated {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Unauthenticated {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests;
