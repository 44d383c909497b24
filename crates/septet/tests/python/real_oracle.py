#!/usr/bin/env python3
"""What a reader sees in a message, for tests/downgrade_real.rs.

One process serves a whole run. Requests on stdin, one after another:
a line holding the message length in ASCII decimal, then that many bytes.
Replies on stdout, one JSON object per line, in request order:

  {"subject": text or null,
   "addr_8bit": true/false/null (null: some address field did not parse),
   "parts": [{"type", "multipart", "filename", "cte",
              "body", "body_lf"}, ...]}
  or {"error": "..."} if Python's email package could not read it at all.

Parts come in Message.walk() order. body is the SHA-256 of the decoded
payload (get_payload(decode=True)) of a leaf, body_lf the same after CRLF
became LF: the downgrade writes CRLF, an LF-only input decodes to LF. Hashes
keep replies small for multi-megabyte attachments. cte is the
Content-Transfer-Encoding as labelled (lowercase, "" if absent), so a
difference can be told by the label the input had.

Header text that Python holds as surrogate escapes (raw 8-bit bytes) is
turned back into UTF-8 (or Latin-1 when it is not UTF-8), and runs of white
space count as one space: folding and RFC 2047 encoding may move them.
"""
import email
import email.policy
import hashlib
import json
import sys

ADDRESS_FIELDS = ("from", "sender", "reply-to", "to", "cc", "bcc",
                  "resent-from", "resent-sender", "resent-to", "resent-cc",
                  "resent-bcc")


def as_text(value):
    if value is None:
        return None
    raw = str(value).encode("utf-8", "surrogateescape")
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError:
        s = raw.decode("latin-1")
    return " ".join(s.split())


def guarded(fn):
    """fn(), or a marker naming the exception (a reader would fail too)."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - one bad field must not end the run
        return "<error %s>" % type(e).__name__


def digest(data):
    return hashlib.sha256(data).hexdigest()


def leaf(part):
    try:
        payload = part.get_payload(decode=True)
    except Exception as e:  # noqa: BLE001
        marker = "<error %s>" % type(e).__name__
        return marker, marker
    if payload is None:
        return None, None
    return digest(payload), digest(payload.replace(b"\r\n", b"\n"))


def address_8bit(msg):
    """Whether an addr-spec (not a display name) holds non-ASCII text."""
    try:
        for name in ADDRESS_FIELDS:
            for field in msg.get_all(name) or ():
                for addr in getattr(field, "addresses", ()):
                    if not addr.addr_spec.isascii():
                        return True
    except Exception:  # noqa: BLE001
        return None
    return False


def describe(data):
    msg = email.message_from_bytes(data, policy=email.policy.default)
    parts = []
    for part in msg.walk():
        multipart = part.is_multipart()
        body, body_lf = (None, None) if multipart else leaf(part)
        cte = guarded(lambda: str(part.get("content-transfer-encoding", "")))
        parts.append({
            "type": part.get_content_type(),
            "multipart": multipart,
            "filename": guarded(lambda: as_text(part.get_filename())),
            "cte": cte.strip().lower(),
            "body": body,
            "body_lf": body_lf,
        })
    return {
        "subject": guarded(lambda: as_text(msg["subject"])),
        "addr_8bit": address_8bit(msg),
        "parts": parts,
    }


def main():
    requests, replies = sys.stdin.buffer, sys.stdout
    while True:
        line = requests.readline()
        if not line:
            return
        data = requests.read(int(line))
        try:
            reply = describe(data)
        except Exception as e:  # noqa: BLE001
            reply = {"error": "%s: %s" % (type(e).__name__, e)}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
