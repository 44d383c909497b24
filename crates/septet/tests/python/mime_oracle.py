#!/usr/bin/env python3
"""Oracle for tests/mime_python.rs: parses messages with Python's email
package (policy=email.policy.default) and prints one JSON line per message.

Input on stdin, repeated: the length in ASCII decimal, a newline, then that
many bytes. Output per message: {"parts": [...]} with one entry per part of
Message.walk() (depth-first, containers included):
  type       get_content_type()
  multipart  is_multipart()
  filename   get_filename() or null
  body       hex of get_payload(decode=True) for non-multipart parts, else null
or {"error": "..."} if Python raised.
"""
import email
import email.policy
import json
import sys


def describe(data):
    msg = email.message_from_bytes(data, policy=email.policy.default)
    parts = []
    for part in msg.walk():
        multipart = part.is_multipart()
        try:
            filename = part.get_filename()
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
        })
    return {"parts": parts}


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
