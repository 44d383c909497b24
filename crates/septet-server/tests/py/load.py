#!/usr/bin/env python3
"""Load for the crash test: THREADS threads send COUNT messages in all,
each with a unique Subject `load-N`, and append `N` to ACCEPTED as soon as
the message got its 250. Errors (the relay killed) are counted, not fatal.

usage: load.py PORT COUNT THREADS ACCEPTED
"""
import smtplib
import sys
import threading

port, count, threads, accepted_path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
lock = threading.Lock()
out = open(accepted_path, "a")
next_n = [0]


def worker():
    conn = None
    while True:
        with lock:
            n = next_n[0]
            next_n[0] += 1
        if n >= count:
            break
        msg = ("From: s@far.test\r\nTo: r@remote.test\r\nSubject: load-%d\r\n\r\n" % n) + ("x" * 70 + "\r\n") * 30
        try:
            if conn is None:
                conn = smtplib.SMTP("127.0.0.1", port, timeout=10)
            conn.sendmail("s@far.test", ["r@remote.test"], msg.encode())
            with lock:
                out.write("%d\n" % n)
                out.flush()
        except Exception:
            conn = None


ts = [threading.Thread(target=worker) for _ in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
