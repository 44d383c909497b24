#!/usr/bin/env python3
"""Compares what a reader gets from two messages (Python's email,
policy.default): the part tree, decoded payloads, file names and subject.

usage: compare.py SENT RECEIVED [--seven-bit] [--identical-body]
--seven-bit: RECEIVED must hold no 8-bit byte.
Prints "same" or the first difference (exit 1).
"""
import email
import email.policy
import sys


def text(value):
    if value is None:
        return None
    s = str(value)
    try:
        s = s.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeError:
        s = s.encode("utf-8", "surrogateescape").decode("latin-1")
    return " ".join(s.split())


def describe(data):
    msg = email.message_from_bytes(data, policy=email.policy.default)
    parts = []
    for part in msg.walk():
        leaf = not part.is_multipart()
        body = part.get_payload(decode=True) if leaf else None
        if body is not None and part.get_content_maintype() == "text":
            # Line ends are the transport's; the text is what counts.
            body = body.replace(b"\r\n", b"\n").rstrip(b"\n")
        parts.append((part.get_content_type(), text(part.get_filename()), body))
    return text(msg["subject"]), parts


def main():
    sent = open(sys.argv[1], "rb").read()
    got = open(sys.argv[2], "rb").read()
    if "--seven-bit" in sys.argv and any(b > 127 for b in got):
        raise SystemExit("8-bit byte in the received message")
    a, b = describe(sent), describe(got)
    if a[0] != b[0]:
        raise SystemExit("subject differs: %r vs %r" % (a[0], b[0]))
    if len(a[1]) != len(b[1]):
        raise SystemExit("part count differs: %r vs %r" % ([p[0] for p in a[1]], [p[0] for p in b[1]]))
    for i, (x, y) in enumerate(zip(a[1], b[1])):
        if x != y:
            raise SystemExit("part %d differs: %r vs %r" % (i, x[:2], y[:2]))
    print("same")


if __name__ == "__main__":
    main()
