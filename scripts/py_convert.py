#!/usr/bin/env python3
"""The work of `septet convert INPUT -o OUTPUT --downgrade`, done with the
Python standard library, as the baseline of scripts/bench_archive.sh.

    py_convert.py INPUT.mbox OUTPUT.mbox

For every message of the mbox INPUT (read with `mailbox.mbox`), parsed with
`email` (policy=default):

- every leaf part labelled 8bit/binary, or unlabelled/7bit but holding
  8-bit bytes, NUL, a bare CR or a line over 998 octets, is re-encoded with
  email's own encoders: quoted-printable for text/* parts with few 8-bit
  bytes (under 1 in 8) and no NUL or bare CR, base64 otherwise (septet's
  rule, applied to the whole part rather than its first 4 KiB);
- containers labelled 8bit/binary are relabelled 7bit;
- header fields holding 8-bit bytes become RFC 2047 encoded words (the
  generator does this itself under a policy with cte_type='7bit');

and the message is appended to the mbox OUTPUT with `mailbox.mbox.add`
(its separator line kept, `From ` body lines quoted as `>From `), which is
flushed and fsynced at the end, as septet's output is.

Prints one JSON line: messages, changed, input and output bytes, seconds.
"""

import email
import email.encoders
import email.policy
import json
import mailbox
import os
import sys
import time

# Parsing and generating policy: the modern API, and 7-bit output (8-bit
# header fields are refolded as encoded words when written).
POLICY = email.policy.default.clone(cte_type="7bit")
HIGH = bytes(range(128, 256))
NO_REENCODE = ("base64", "quoted-printable")


def needs_encoding(payload):
    """Whether a part labelled 7bit (or unlabelled) is not 7-bit after all."""
    if not payload.isascii() or b"\0" in payload:
        return True
    if b"\r" in payload.replace(b"\r\n", b""):
        return True
    return any(len(line) > 998 for line in payload.split(b"\n"))


def downgrade_part(part):
    """Re-encodes one leaf part if it is not 7-bit; True if it changed."""
    cte = str(part.get("content-transfer-encoding", "7bit")).strip().lower()
    if cte in NO_REENCODE:
        return False
    payload = part.get_payload(decode=True)
    if payload is None:
        return False
    if cte not in ("8bit", "binary") and not needs_encoding(payload):
        return False
    eight_bit = len(payload) - len(payload.translate(None, HIGH))
    bare_cr = b"\r" in payload.replace(b"\r\n", b"")
    text = part.get_content_maintype() == "text"
    del part["content-transfer-encoding"]
    if text and b"\0" not in payload and not bare_cr and eight_bit * 8 < max(len(payload), 1):
        email.encoders.encode_quopri(part)
    else:
        email.encoders.encode_base64(part)
    return True


def downgrade(msg):
    """Re-encodes every part of `msg` that is not 7-bit; True if any was."""
    changed = False
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() == "message":
            cte = str(part.get("content-transfer-encoding", "")).strip().lower()
            if cte in ("8bit", "binary"):
                part.replace_header("content-transfer-encoding", "7bit")
                changed = True
            continue
        changed |= downgrade_part(part)
    return changed


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: py_convert.py INPUT.mbox OUTPUT.mbox")
    src, dst = sys.argv[1], sys.argv[2]
    start = time.perf_counter()
    if os.path.exists(dst):
        os.remove(dst)
    inbox = mailbox.mbox(src, create=False)
    outbox = mailbox.mbox(dst, create=True)
    messages = changed = 0
    for key in inbox.iterkeys():
        raw = inbox.get_bytes(key, from_=True)
        newline = raw.find(b"\n")
        separator = raw[:newline].rstrip(b"\r").decode("ascii", "surrogateescape")
        msg = email.message_from_bytes(raw[newline + 1 :], policy=POLICY)
        msg.set_unixfrom(separator)
        changed += downgrade(msg)
        outbox.add(msg)
        messages += 1
    outbox.flush()
    outbox.close()
    inbox.close()
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "messages": messages,
                "changed": changed,
                "bytes_in": os.path.getsize(src),
                "bytes_out": os.path.getsize(dst),
                "seconds": round(seconds, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
