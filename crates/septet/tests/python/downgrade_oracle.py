#!/usr/bin/env python3
"""Oracle for tests/downgrade_python.rs: parses messages with Python's email
package (policy=email.policy.default), one JSON line per message.

Input on stdin, repeated: the length in ASCII decimal, a newline, then that
many bytes. Output: {"subject": ..., "parts": [...]} with, per part of
Message.walk(): type, multipart, filename, body (hex of the decoded payload
for leaves), defects (count), header_defects (count over its header
fields); and "headers": [name, text] for every field of the root; or
{"error": "..."}.
Raw 8-bit header text (held by Python as surrogate escapes) is turned back
into UTF-8 text so that it compares with its RFC 2047/2231 form.
"""
import email
import email.policy
import json
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
        multipart = part.is_multipart()
        try:
            filename = text(part.get_filename())
        except Exception as e:  # noqa: BLE001 - report, do not crash the run
            filename = "<error %s>" % type(e).__name__
        body = None
        if not multipart:
            payload = part.get_payload(decode=True)
            body = payload.hex() if payload is not None else None
        parts.append({
            "type": part.get_content_type(),
            "multipart": multipart,
            "filename": filename,
            "body": body,
            "defects": len(part.defects),
            "header_defects": header_defects(part),
        })
    try:
        subject = text(msg["subject"])
    except Exception as e:  # noqa: BLE001
        subject = "<error %s>" % type(e).__name__
    headers = []
    for name, value in msg.items():
        try:
            headers.append([name.lower(), text(value)])
        except Exception as e:  # noqa: BLE001
            headers.append([name.lower(), "<error %s>" % type(e).__name__])
    return {"subject": subject, "parts": parts, "headers": headers}


def header_defects(part):
    n = 0
    for _, value in part.items():
        n += len(getattr(value, "defects", ()))
    return n


def main():
    stdin = sys.stdin.buffer
    out = sys.stdout
    while True:
        header = stdin.readline()
        if not header:
            break
        n = int(header)
        data = stdin.read(n)
        try:
            result = describe(data)
        except Exception as e:  # noqa: BLE001
            result = {"error": "%s: %s" % (type(e).__name__, e)}
        out.write(json.dumps(result) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
