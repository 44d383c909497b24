use super::*;

// The certificate helper the integration tests use (no rcgen dev-dependency
// to build).
#[path = "../../tests/common/tls.rs"]
mod cert;
pub(crate) use cert::certificate as self_signed;

#[test]
fn loads_a_pem_pair() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    server_config(&cert, &key).unwrap();
    client_config().unwrap();
}

#[test]
fn names_the_bad_file() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "nothing here\n").unwrap();
    let e = server_config(&empty, &key).unwrap_err();
    assert!(matches!(e, TlsError::Certificate { .. }), "{e}");
    assert!(e.to_string().contains("empty.pem"), "{e}");
    let e = server_config(&cert, &empty).unwrap_err();
    assert!(matches!(e, TlsError::Key { .. }), "{e}");
    let e = server_config(&dir.path().join("missing"), &key).unwrap_err();
    assert!(matches!(e, TlsError::Certificate { .. }), "{e}");
    // A key that does not belong to the certificate.
    let other = tempfile::tempdir().unwrap();
    let (_, key2) = self_signed(other.path());
    let e = server_config(&cert, &key2).unwrap_err();
    assert!(matches!(e, TlsError::Config(_)), "{e}");
}

#[test]
fn sni_names() {
    assert!(matches!(
        server_name("mx.example.test"),
        ServerName::DnsName(_)
    ));
    assert!(matches!(server_name("127.0.0.1"), ServerName::IpAddress(_)));
    assert!(matches!(server_name("[::1]"), ServerName::IpAddress(_)));
    assert!(matches!(server_name("bad name!"), ServerName::IpAddress(_)));
}

#[test]
fn handshake_over_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    let acceptor = acceptor(&cert, &key).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (s, _) = l.accept().await.unwrap();
            let mut s = MaybeTls::Plain(s);
            s.accept(&acceptor).await.unwrap();
            assert!(s.is_tls());
            assert!(s.tls_summary().is_some());
            let mut b = [0u8; 5];
            s.read_exact(&mut b).await.unwrap();
            s.write_all(&b).await.unwrap();
            s.flush().await.unwrap();
        });
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut c = MaybeTls::Plain(tcp);
        c.connect(&connector().unwrap(), "localhost").await.unwrap();
        c.write_all(b"hello").await.unwrap();
        let mut b = [0u8; 5];
        c.read_exact(&mut b).await.unwrap();
        assert_eq!(&b, b"hello");
        server.await.unwrap();
    });
}
