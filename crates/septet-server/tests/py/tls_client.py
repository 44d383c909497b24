"""TLS and AUTH clients for tls_smtp.rs (the relay's certificate is self-signed,
so nothing is verified). Usage: tls_client.py MODE PORT [args]."""
import smtplib
import socket
import ssl
import sys


def context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def submit(port, user, password, rcpt):
    """STARTTLS, AUTH (refused before TLS), then a message for rcpt."""
    s = smtplib.SMTP("127.0.0.1", port, timeout=30)
    s.ehlo("client.test")
    assert s.has_extn("starttls"), s.esmtp_features
    assert not s.has_extn("auth"), "AUTH offered before TLS"
    code, _ = s.docmd("AUTH", "PLAIN AGFsaWNlAHNlY3JldA==")
    assert code == 538, code
    code, _ = s.docmd("MAIL", "FROM:<alice@local.test>")
    assert code == 530, code
    s.starttls(context=context())
    s.ehlo("client.test")
    assert not s.has_extn("starttls")
    assert "PLAIN" in s.esmtp_features.get("auth", ""), s.esmtp_features
    try:
        s.login(user, "wrong")
        raise AssertionError("a wrong password was accepted")
    except smtplib.SMTPAuthenticationError as e:
        assert e.smtp_code == 535, e
        assert b"5.7.8" in e.smtp_error, e
    s.login(user, password)
    msg = (
        "From: alice@local.test\r\nTo: %s\r\nSubject: tls submission\r\n"
        "Message-ID: <tls1@local.test>\r\n\r\nsent over TLS with AUTH\r\n" % rcpt
    )
    refused = s.sendmail("alice@local.test", [rcpt], msg)
    assert not refused, refused
    s.quit()
    print("submitted")


def inject(port):
    """CVE-2011-0411: commands pipelined after STARTTLS in the same write
    must not run inside the TLS session."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=30)
    f = raw.makefile("rb")
    assert f.readline().startswith(b"220")
    raw.sendall(b"EHLO client.test\r\n")
    while True:
        line = f.readline()
        if line[3:4] == b" ":
            break
    raw.sendall(b"STARTTLS\r\nEHLO evil.test\r\nMAIL FROM:<evil@evil.test>\r\n")
    line = f.readline()
    assert line.startswith(b"220"), line
    tls = context().wrap_socket(raw, server_hostname="localhost")
    tf = tls.makefile("rb")
    tls.sendall(b"MAIL FROM:<a@local.test>\r\n")
    reply = tf.readline()
    # The injected EHLO was dropped: the session has no EHLO yet.
    assert reply.startswith(b"503"), reply
    tls.sendall(b"EHLO client.test\r\n")
    while True:
        line = tf.readline()
        assert not line.startswith(b"250 evil"), line
        if line[3:4] == b" ":
            break
    tls.sendall(b"MAIL FROM:<a@local.test>\r\n")
    reply = tf.readline()
    # The injected MAIL was dropped too: no "nested MAIL".
    assert reply.startswith(b"250"), reply
    tls.sendall(b"QUIT\r\n")
    print("injection refused")


def send_plain(port, rcpt):
    """A plain message to the MTA listener (relayed by network)."""
    s = smtplib.SMTP("127.0.0.1", port, timeout=30)
    msg = (
        "From: a@local.test\r\nTo: %s\r\nSubject: hop over tls\r\n"
        "Message-ID: <tls2@local.test>\r\n\r\nrelay to relay\r\n" % rcpt
    )
    refused = s.sendmail("a@local.test", [rcpt], msg)
    assert not refused, refused
    s.quit()
    print("sent")


if __name__ == "__main__":
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "submit":
        submit(port, sys.argv[3], sys.argv[4], sys.argv[5])
    elif mode == "inject":
        inject(port)
    elif mode == "send":
        send_plain(port, sys.argv[3])
    else:
        sys.exit("unknown mode " + mode)
