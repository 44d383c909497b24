#!/usr/bin/env python3
"""SMTP clients for the relay tests (loopback only).

usage: client.py MODE PORT FROM TO MSGFILE   (MODE: smtplib, smtplib-utf8,
       pipeline, bdat; TO may be several addresses separated by commas)
       client.py probe PORT SOURCE_IP RCPT   (prints the RCPT reply code)
Exits non-zero unless the message got its 250.
"""
import smtplib
import socket
import sys


def replies(sock, n):
    """Reads n complete replies; returns their codes."""
    buf = b""
    codes = []
    while len(codes) < n:
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("connection closed after %r" % buf)
        buf += chunk
        while b"\r\n" in buf and len(codes) < n:
            line, buf = buf.split(b"\r\n", 1)
            if line[3:4] != b"-":
                codes.append(int(line[:3]))
    return codes


def expect(sock, n, want):
    got = replies(sock, n)
    if got != want:
        raise SystemExit("replies %r, expected %r" % (got, want))


def raw(port, sender, rcpts, data, bdat):
    sock = socket.create_connection(("127.0.0.1", port))
    expect(sock, 1, [220])
    sock.sendall(b"EHLO client.test\r\n")
    expect(sock, 1, [250])
    body = b" BODY=BINARYMIME" if bdat else b" BODY=8BITMIME"
    cmds = b"MAIL FROM:<%s>%s\r\n" % (sender.encode(), body)
    for r in rcpts:
        cmds += b"RCPT TO:<%s>\r\n" % r.encode()
    if bdat:
        # Two chunks, everything pipelined (RFC 3030 allows it).
        half = len(data) // 2
        cmds += b"BDAT %d\r\n" % half + data[:half]
        cmds += b"BDAT %d LAST\r\n" % (len(data) - half) + data[half:]
        sock.sendall(cmds)
        expect(sock, 3 + len(rcpts), [250] * (3 + len(rcpts)))
    else:
        cmds += b"DATA\r\n"
        sock.sendall(cmds)
        expect(sock, 2 + len(rcpts), [250] * (1 + len(rcpts)) + [354])
        stuffed = b"\r\n".join(
            (b"." + l if l.startswith(b".") else l) for l in data.split(b"\r\n")
        )
        if not stuffed.endswith(b"\r\n"):
            stuffed += b"\r\n"
        sock.sendall(stuffed + b".\r\n")
        expect(sock, 1, [250])
    sock.sendall(b"QUIT\r\n")
    expect(sock, 1, [221])


def probe(port, source, rcpt):
    sock = socket.create_connection(("127.0.0.1", port), source_address=(source, 0))
    expect(sock, 1, [220])
    sock.sendall(b"EHLO probe.test\r\nMAIL FROM:<p@probe.test>\r\nRCPT TO:<%s>\r\n" % rcpt.encode())
    codes = replies(sock, 3)
    sock.sendall(b"QUIT\r\n")
    print(codes[2])


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "probe":
        return probe(port, sys.argv[3], sys.argv[4])
    sender, rcpts = sys.argv[3], sys.argv[4].split(",")
    data = open(sys.argv[5], "rb").read()
    if mode.startswith("smtplib"):
        opts = ["BODY=8BITMIME"] + (["SMTPUTF8"] if mode == "smtplib-utf8" else [])
        with smtplib.SMTP("127.0.0.1", port) as s:
            refused = s.sendmail(sender, rcpts, data, mail_options=opts)
            if refused:
                raise SystemExit("refused: %r" % refused)
    else:
        raw(port, sender, rcpts, data, mode == "bdat")


if __name__ == "__main__":
    main()
