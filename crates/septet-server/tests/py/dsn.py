#!/usr/bin/env python3
"""Checks a DSN (RFC 3464): prints the Status of each recipient.

usage: dsn.py FILE
"""
import email
import email.policy
import sys

msg = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
if msg.get_content_type() != "multipart/report":
    raise SystemExit("not multipart/report: %s" % msg.get_content_type())
if msg.get_param("report-type") != "delivery-status":
    raise SystemExit("report-type is %r" % msg.get_param("report-type"))
types = [p.get_content_type() for p in msg.iter_parts()]
if types[:2] != ["text/plain", "message/delivery-status"] or "text/rfc822-headers" not in types:
    raise SystemExit("parts: %r" % types)
status = msg.get_payload()[1]
for block in status.get_payload()[1:]:
    print(block["Status"], block["Final-Recipient"])
