#!/usr/bin/env python3
"""The helper of scripts/bench_imap.sh.

`gen MBOX DIR` writes the benchmark's Maildir (DIR/cur) from the mboxrd
archive of crates/septet-mailbox/examples/gen_mbox.rs, and nests every
fourth message: it becomes a forward, multipart/mixed of a text part, a
multipart/alternative (text and HTML) and the original as message/rfc822.

`fetch`: one connection, LOGIN (unless
the server is preauthenticated), SELECT INBOX, then FETCH 1:* (FLAGS UID
RFC822.SIZE BODYSTRUCTURE) timed from the command's first byte sent to the
tagged reply's last byte read, then LOGOUT. Raw sockets / pipes, read in
large chunks, and the response parsed only after the clock stopped, so the
client costs as little as possible inside the timed window.

    bench_imap.py gen archive.mbox maildir/
    bench_imap.py fetch --connect 127.0.0.1:1143 --user bench --password pw --pid PID
    bench_imap.py fetch --spawn '/usr/lib/dovecot/imap -c conf' --env USER=nobody --env HOME=/w

--pid names the server process (with --spawn it is the child): its CPU time
during the FETCH (the sum of its threads' /proc/PID/task/*/schedstat run
times, in ns) and its peak RSS (VmHWM) are reported.

Prints one JSON object: messages (FETCH responses), bodystructures (FETCH
responses holding a BODYSTRUCTURE), size_sum (the RFC822.SIZE total),
seconds, bytes (of the FETCH response), cpu_seconds (server, or null),
rss_kib (server peak, or null), rss_now_kib (its RSS right after the
FETCH), first_byte_seconds (until the response's
first byte arrived), client_cpu_seconds (this client's own CPU time in the
timed window).
"""

import argparse
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time

ITEMS = b"(FLAGS UID RFC822.SIZE BODYSTRUCTURE)"
CHUNK = 1 << 20


class Conn:
    """A byte stream to the server: a TCP socket or a child's pipes."""

    def __init__(self, args):
        self.child = None
        self.sock = None
        if args.connect:
            host, port = args.connect.rsplit(":", 1)
            self.sock = socket.create_connection((host, int(port)))
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.rfd = self.sock.fileno()
        else:
            env = dict(e.split("=", 1) for e in args.env)
            self.child = subprocess.Popen(
                shlex.split(args.spawn),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                # Dovecot logs the logout there even with log_path unset.
                stderr=subprocess.DEVNULL,
                env=env,
                bufsize=0,
            )
            self.rfd = self.child.stdout.fileno()
        self.buf = b""
        # When the first byte of a response arrived (see `fetch`).
        self.first = None

    def send(self, data):
        if self.sock is not None:
            self.sock.sendall(data)
        else:
            self.child.stdin.write(data)
            self.child.stdin.flush()

    def read_until_tag(self, tag):
        """Reads until the tagged reply of `tag`; returns everything before
        it and the tagged line, keeps what follows. Each search starts near
        the end of what was read, so the scan stays linear."""
        data = bytearray(self.buf)
        needle = b"\r\n" + tag + b" "
        scan = 0
        while True:
            if data.startswith(tag + b" "):
                pos = -2
            else:
                pos = data.find(needle, scan)
            if pos != -1:
                end = data.find(b"\r\n", pos + 2)
                if end >= 0:
                    self.buf = bytes(data[end + 2 :])
                    return bytes(data[: end + 2])
            else:
                scan = max(0, len(data) - len(needle))
            chunk = os.read(self.rfd, CHUNK)
            if not chunk:
                raise SystemExit("bench_imap.py: the server closed the connection")
            if self.first is None:
                self.first = time.perf_counter()
            data += chunk

    def close(self):
        if self.sock is not None:
            self.sock.close()
        else:
            self.child.stdin.close()
            self.child.wait()


def cpu_ns(pid):
    """The CPU time of all threads of `pid`, in ns (schedstat: precise)."""
    if pid is None:
        return None
    total = 0
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                total += int(f.read().split()[0])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return total


def rss_kib(pid, field="VmHWM:"):
    """A memory figure of `pid`: VmHWM (peak RSS) or VmRSS (now)."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except FileNotFoundError:
        return None
    return None


LITERAL = re.compile(rb"\{(\d+)\+?\}$")
SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


def count(resp):
    """FETCH responses, those with a BODYSTRUCTURE, and the RFC822.SIZE
    total, parsing literals so their contents are never taken for syntax."""
    messages = bodystructures = size_sum = 0
    pos = 0
    n = len(resp)
    while pos < n:
        # One logical response: lines joined across literals; only the
        # text outside literals is kept for matching.
        text = []
        while True:
            eol = resp.find(b"\r\n", pos)
            if eol < 0:
                eol = n
            line = resp[pos:eol]
            text.append(line)
            pos = eol + 2
            m = LITERAL.search(line)
            if not m:
                break
            pos += int(m.group(1))
        logical = b"".join(text)
        if logical.startswith(b"* ") and b" FETCH (" in logical[:24]:
            messages += 1
            if b"BODYSTRUCTURE (" in logical:
                bodystructures += 1
            m = SIZE.search(logical)
            if m:
                size_sum += int(m.group(1))
    return messages, bodystructures, size_sum


def forward(i, original):
    """Message `i` nested: a forward holding an alternative and the original."""
    nl = b"\r\n" if b"\r\n" in original[:200] else b"\n"
    alt = b"alt-fwd-%d" % i
    mix = b"mix-fwd-%d" % i
    head = (
        b"From: Forwarder %d <fwd%d@example.org>\nTo: archive@example.net\n"
        b"Subject: Fwd: message %d\nDate: Mon, 7 Dec 2026 10:%02d:00 +0000\n"
        b"Message-ID: <fwd%d@example.org>\nMIME-Version: 1.0\n"
        b"Content-Type: multipart/mixed; boundary=\"%s\"\n\n"
        b"--%s\nContent-Type: text/plain; charset=us-ascii\n\nSee the message below.\n"
        b"--%s\nContent-Type: multipart/alternative; boundary=\"%s\"\n\n"
        b"--%s\nContent-Type: text/plain; charset=utf-8\n\nForwarded, with notes.\n"
        b"--%s\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
        b"<p>Forwarded, with notes.</p>\n--%s--\n"
        b"--%s\nContent-Type: message/rfc822\nContent-Disposition: inline\n\n"
    ) % (i, i, i, i % 60, i, mix, mix, mix, alt, alt, alt, alt, mix)
    head = head.replace(b"\n", nl)
    return head + original + nl + b"--" + mix + b"--" + nl


def gen(args):
    cur = os.path.join(args.dir, "cur")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(args.dir, sub), exist_ok=True)
    quoted = re.compile(rb"^>(>*From )", re.M)
    with open(args.mbox, "rb") as f:
        data = f.read()
    starts = [m.start() for m in re.finditer(rb"^From ", data, re.M)]
    starts.append(len(data))
    mtime = 1_700_000_000
    for i in range(len(starts) - 1):
        chunk = data[starts[i] : starts[i + 1]]
        body = chunk[chunk.index(b"\n") + 1 :]
        # mboxrd: one `>` less on quoted From lines; the writer's blank
        # separator line goes.
        body = quoted.sub(rb"\1", body)
        if body.endswith(b"\r\n\r\n"):
            body = body[:-2]
        elif body.endswith(b"\n\n"):
            body = body[:-1]
        if i % 4 == 3:
            body = forward(i, body)
        path = os.path.join(cur, "%d.M%05dP1.bench:2,S" % (mtime, i))
        with open(path, "wb") as out:
            out.write(body)
        os.utime(path, (mtime, mtime))
    print(f"bench_imap.py: {len(starts) - 1} messages in {args.dir}", file=sys.stderr)


def main():
    top = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    subs = top.add_subparsers(dest="cmd", required=True)
    g = subs.add_parser("gen", help="write the Maildir")
    g.add_argument("mbox")
    g.add_argument("dir")
    p = subs.add_parser("fetch", help="time one FETCH")
    p.add_argument("--connect", help="HOST:PORT of an IMAP server")
    p.add_argument("--spawn", help="a preauthenticated IMAP command on stdin/stdout")
    p.add_argument("--env", action="append", default=[], help="NAME=VALUE for --spawn")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--pid", type=int, help="the server process (CPU time, peak RSS)")
    args = top.parse_args()
    if args.cmd == "gen":
        return gen(args)
    if bool(args.connect) == bool(args.spawn):
        p.error("one of --connect and --spawn")

    c = Conn(args)
    pid = c.child.pid if c.child is not None else args.pid
    # The greeting is one untagged line.
    while b"\r\n" not in c.buf:
        c.buf += os.read(c.rfd, CHUNK)
    hello, c.buf = c.buf.split(b"\r\n", 1)
    if not hello.startswith(b"* PREAUTH"):
        c.send(b"L LOGIN %s %s\r\n" % (args.user.encode(), args.password.encode()))
        r = c.read_until_tag(b"L")
        if b"\r\nL OK" not in b"\r\n" + r:
            raise SystemExit(f"bench_imap.py: LOGIN failed: {r[-200:]!r}")
    c.send(b"S SELECT INBOX\r\n")
    r = c.read_until_tag(b"S")
    if b"\r\nS OK" not in b"\r\n" + r:
        raise SystemExit(f"bench_imap.py: SELECT failed: {r[-200:]!r}")

    cpu0 = cpu_ns(pid)
    own0 = time.process_time()
    c.first = None
    t0 = time.perf_counter()
    c.send(b"F FETCH 1:* " + ITEMS + b"\r\n")
    resp = c.read_until_tag(b"F")
    seconds = time.perf_counter() - t0
    own = time.process_time() - own0
    first = (c.first or t0) - t0
    cpu1 = cpu_ns(pid)
    rss = rss_kib(pid)
    rss_now = rss_kib(pid, "VmRSS:")

    last = resp[resp.rfind(b"\r\n", 0, len(resp) - 2) + 2 :]
    if not last.startswith(b"F OK"):
        raise SystemExit(f"bench_imap.py: FETCH failed: {last!r}")
    c.send(b"Z LOGOUT\r\n")
    try:
        c.read_until_tag(b"Z")
    except SystemExit:
        pass
    c.close()

    messages, bodystructures, size_sum = count(resp)
    print(
        json.dumps(
            {
                "messages": messages,
                "bodystructures": bodystructures,
                "size_sum": size_sum,
                "seconds": seconds,
                "bytes": len(resp),
                "first_byte_seconds": first,
                "client_cpu_seconds": own,
                "cpu_seconds": None if cpu0 is None or cpu1 is None else (cpu1 - cpu0) / 1e9,
                "rss_kib": rss,
                "rss_now_kib": rss_now,
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
