#!/usr/bin/env python3
"""septet (Python) against the standard library. Best of N wall-clock runs;
the machine may be noisy, so read the ratios, not the third digit.

    python bench.py [--mbox ARCHIVE.mbox] [--messages 500] [--repeat 5]

- base64: `septet.b64encode(data, mime=True)` / `septet.b64decode(data,
  mime=True)` against `base64.encodebytes` / `base64.decodebytes` (the
  stdlib's MIME-style line-wrapped base64), and the plain RFC 4648 forms,
  on 1 MiB and 16 MiB of random bytes.
- downgrade: `septet.downgrade(message)` against a pure-Python downgrade
  with the email package (scripts/py_convert.py: parse, re-encode 8-bit
  leaves, generate with cte_type='7bit'), on messages of an mbox
  (the archive generator's, crates/septet-mailbox/examples/gen_mbox.rs,
  when given with --mbox) or on this package's test generator's.
"""

import argparse
import base64
import email
import importlib.util
import os
import pathlib
import random
import sys
import time

import septet

ROOT = pathlib.Path(__file__).resolve().parents[2]


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def row(name, size, ours, theirs):
    mib = size / (1 << 20)
    print(f"{name:<34} {mib / ours:9.1f} MiB/s {mib / theirs:9.1f} MiB/s {theirs / ours:7.1f}x")


def bench_base64(repeat):
    rng = random.Random(1)
    for size in (1 << 20, 16 << 20):
        data = rng.randbytes(size)
        wrapped = base64.encodebytes(data)
        plain = base64.b64encode(data)
        tag = f"{size >> 20} MiB"
        row(f"b64encode mime ({tag})", size,
            best(lambda: septet.b64encode(data, mime=True), repeat),
            best(lambda: base64.encodebytes(data), repeat))
        row(f"b64decode mime ({tag})", size,
            best(lambda: septet.b64decode(wrapped, mime=True), repeat),
            best(lambda: base64.decodebytes(wrapped), repeat))
        row(f"b64encode ({tag})", size,
            best(lambda: septet.b64encode(data), repeat),
            best(lambda: base64.b64encode(data), repeat))
        row(f"b64decode ({tag})", size,
            best(lambda: septet.b64decode(plain), repeat),
            best(lambda: base64.b64decode(plain), repeat))


def load_py_convert():
    spec = importlib.util.spec_from_file_location("py_convert", ROOT / "scripts" / "py_convert.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def messages(args):
    if args.mbox:
        records = septet.split_mbox(pathlib.Path(args.mbox).read_bytes())
        return [m for _, m, _ in records[: args.messages]]
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "tests"))
    from conftest import generated_message

    rng = random.Random(2)
    return [generated_message(rng)[0] for _ in range(args.messages)]


def bench_downgrade(args):
    py = load_py_convert()
    msgs = messages(args)
    size = sum(map(len, msgs))

    def ours():
        for m in msgs:
            try:
                septet.downgrade(m)
            except septet.DowngradeError:
                pass

    def theirs():
        for m in msgs:
            msg = email.message_from_bytes(m, policy=py.POLICY)
            py.downgrade(msg)
            msg.as_bytes(policy=py.POLICY)

    source = os.path.basename(args.mbox) if args.mbox else "generated"
    row(f"downgrade ({len(msgs)} msgs, {source})", size,
        best(ours, args.repeat), best(theirs, max(1, args.repeat // 2)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mbox")
    ap.add_argument("--messages", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"{'':<34} {'septet':>15} {'stdlib':>15} {'ratio':>8}")
    bench_base64(args.repeat)
    bench_downgrade(args)


if __name__ == "__main__":
    main()
