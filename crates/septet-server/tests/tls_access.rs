//! STLS (POP3, RFC 2595) and STARTTLS (IMAP, RFC 3501) with real clients
//! on loopback: Python's poplib `stls()`, imaplib `starttls()` + login +
//! fetch, `curl --ssl-reqd`, and the plaintext-injection check for IMAP.

mod access_util;
#[path = "common/tls.rs"]
mod tls;

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use access_util::{have, python, run};
use septet_server::access::AccessContext;
use septet_server::access_driver::{spawn, Protocol};
use septet_server::users::{hash_password, Authenticator, LimiterConfig, Users};

const MESSAGE: &str =
    "From: a@b.test\r\nTo: alice@local.test\r\nSubject: over tls\r\n\r\nsecret body\r\n";

/// A server with TLS for `alice` / `secret`, one message in her INBOX.
fn tls_server(protocol: Protocol) -> (u16, tempfile::TempDir) {
    let root = tempfile::tempdir().unwrap();
    let (cert, key) = tls::certificate(root.path());
    let inbox = root.path().join("alice");
    for d in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(inbox.join(d)).unwrap();
    }
    std::fs::write(inbox.join("new/1.tls.test"), MESSAGE).unwrap();
    let h = hash_password(b"secret").unwrap();
    let users = Users::parse(&format!("alice:{h}\n")).unwrap();
    let auth = Authenticator::new(users, LimiterConfig::default());
    let tls = septet_server::tls::server_config(&cert, &key).unwrap();
    let ctx = AccessContext::new(root.path().to_owned(), Arc::new(auth)).with_tls(tls);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    spawn(protocol, listener, ctx).unwrap();
    (port, root)
}

const CONTEXT: &str = "import ssl\n\
    ctx = ssl.create_default_context()\n\
    ctx.check_hostname = False\n\
    ctx.verify_mode = ssl.CERT_NONE\n";

fn py(dir: &Path, port: u16, body: &str) -> String {
    python(&format!("{CONTEXT}{body}"), port, dir)
}

#[test]
fn poplib_stls_then_login_and_retr() {
    let (port, root) = tls_server(Protocol::Pop3);
    let out = py(
        root.path(),
        port,
        "import os, poplib\n\
         p = poplib.POP3('127.0.0.1', int(os.environ['PORT']))\n\
         assert 'STLS' in p.capa(), p.capa()\n\
         p.stls(context=ctx)\n\
         assert 'STLS' not in p.capa(), p.capa()\n\
         p.user('alice'); p.pass_('secret')\n\
         assert p.stat()[0] == 1, p.stat()\n\
         lines = p.retr(1)[1]\n\
         assert b'secret body' in lines, lines\n\
         p.quit()\n\
         print('pop3 tls ok')\n",
    );
    assert!(out.contains("pop3 tls ok"), "{out}");
}

#[test]
fn imaplib_starttls_login_fetch() {
    let (port, root) = tls_server(Protocol::Imap);
    let out = py(
        root.path(),
        port,
        "import os, imaplib\n\
         m = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']))\n\
         assert 'STARTTLS' in m.capabilities, m.capabilities\n\
         m.starttls(ssl_context=ctx)\n\
         assert 'STARTTLS' not in m.capabilities, m.capabilities\n\
         assert 'AUTH=PLAIN' in m.capabilities, m.capabilities\n\
         m.login('alice', 'secret')\n\
         typ, data = m.select('INBOX')\n\
         assert typ == 'OK' and data[0] == b'1', data\n\
         typ, data = m.fetch('1', '(BODY[])')\n\
         assert typ == 'OK' and b'secret body' in data[0][1], data\n\
         m.logout()\n\
         print('imap tls ok')\n",
    );
    assert!(out.contains("imap tls ok"), "{out}");
}

#[test]
fn imap_plaintext_pipelined_after_starttls_is_dropped() {
    let (port, root) = tls_server(Protocol::Imap);
    let out = py(
        root.path(),
        port,
        "import os, socket\n\
         raw = socket.create_connection(('127.0.0.1', int(os.environ['PORT'])))\n\
         f = raw.makefile('rb')\n\
         assert f.readline().startswith(b'* OK')\n\
         raw.sendall(b'a STARTTLS\\r\\nb LOGIN alice secret\\r\\n')\n\
         line = f.readline()\n\
         assert line.startswith(b'a OK'), line\n\
         t = ctx.wrap_socket(raw, server_hostname='localhost')\n\
         tf = t.makefile('rb')\n\
         t.sendall(b'c SELECT INBOX\\r\\n')\n\
         line = tf.readline()\n\
         assert line.startswith(b'c NO'), line\n\
         t.sendall(b'd LOGOUT\\r\\n')\n\
         print('dropped')\n",
    );
    assert!(out.contains("dropped"), "{out}");
}

#[test]
fn curl_imap_ssl_reqd() {
    if !have("curl") {
        return;
    }
    let (port, _root) = tls_server(Protocol::Imap);
    let body = run(Command::new("curl").args([
        "-s",
        "--ssl-reqd",
        "-k",
        "-u",
        "alice:secret",
        &format!("imap://127.0.0.1:{port}/INBOX;UID=1"),
    ]));
    assert!(body.contains("secret body"), "{body}");
    let pop = {
        let (port, _root) = tls_server(Protocol::Pop3);
        run(Command::new("curl").args([
            "-s",
            "--ssl-reqd",
            "-k",
            "-u",
            "alice:secret",
            &format!("pop3://127.0.0.1:{port}/1"),
        ]))
    };
    assert!(pop.contains("secret body"), "{pop}");
}
