#!/usr/bin/env python3
"""Archive conversion on Spark: `septet convert --downgrade` beyond one machine.

    spark-submit convert_archives.py INPUT_DIR OUTPUT_DIR [--split-size 256M] [--partitions N]

INPUT_DIR holds mbox files (any variant), Maildir shards (folders with
`cur/` and `new/`) and single-message files (.eml), found recursively. Every message is rewritten in 7-bit
form by the `septet` Python package (`septet.archive_downgrade`: the same
transform as `septet convert --downgrade`) inside `mapPartitions`, and each
partition writes one mboxrd shard, `OUTPUT_DIR/shard-NNNNN.mbox`, plus its
report, `OUTPUT_DIR/shard-NNNNN.json`. The driver writes `OUTPUT_DIR/report.json`
(the totals and the shards in order).

What scales:
- Files are the unit of parallelism. An mbox larger than `--split-size` is
  cut into byte ranges; each task moves its start and end forward to the
  next separator (a `From ` line after an empty line, the rule septet's
  reader uses), so no message is split and none is read twice, and the
  driver never reads the data. Maildir message files are grouped into
  tasks of about `--split-size` bytes.
- Shards hold their units in input order (files sorted by path, Maildir
  messages in delivery order), so concatenating the shards in name order
  gives what `septet convert --downgrade` writes for the same inputs in
  the same order.
- A message with no lossless 7-bit form is copied unchanged and listed in
  its shard's report (as `septet convert` without `--rejects` does).

Inputs are read with ordinary file I/O, so INPUT_DIR and OUTPUT_DIR must be
visible to every executor under the same path (local mode, NFS, a FUSE
mount of an object store). A range of an mbox that uses Content-Length
(mboxcl/mboxcl2) is split by separators alone.
"""

import argparse
import json
import os
import re
import sys

import septet

SEPARATOR = re.compile(rb"\nFrom ")


def parse_size(text):
    units = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    m = re.fullmatch(r"(\d+)([KMG]?)i?B?", text.strip(), re.I)
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {text!r}")
    return int(m.group(1)) * units[m.group(2).upper()]


# ---------------------------------------------------------------- planning


def is_maildir(path):
    return os.path.isdir(os.path.join(path, "cur")) and os.path.isdir(os.path.join(path, "new"))


def maildir_files(root):
    """The message files of a Maildir in septet's order: by the delivery
    time leading the name (names without one first), then the unique part,
    then new/ before cur/."""
    files = []
    for order, sub in enumerate(("new", "cur")):
        folder = os.path.join(root, sub)
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            if name.startswith(".") or not os.path.isfile(path):
                continue
            unique = name.split(":", 1)[0]
            digits = re.match(r"\d*", unique).group(0)
            stamp = int(digits) if digits else None
            key = (stamp is not None, stamp or 0, os.fsencode(unique), order)
            files.append((key, path, stamp))
    files.sort()
    return [(path, stamp) for _, path, stamp in files]


def plan(input_dir, split_size):
    """Work units, in output order: ("mbox", path, start, end) byte ranges
    and ("maildir", [(path, stamp), ...]) groups of message files."""
    units = []
    for dirpath, dirnames, filenames in os.walk(input_dir):
        dirnames.sort()
        if is_maildir(dirpath):
            dirnames[:] = []
            group, size = [], 0
            for path, stamp in maildir_files(dirpath):
                group.append((path, stamp))
                size += os.path.getsize(path)
                if size >= split_size:
                    units.append(("maildir", group))
                    group, size = [], 0
            if group:
                units.append(("maildir", group))
            continue
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if name.startswith("."):
                continue
            size = os.path.getsize(path)
            if not starts_like_mbox(path):
                # A single message (.eml): one unit, as a Maildir file is.
                units.append(("file", path))
                continue
            for start in range(0, max(size, 1), split_size):
                units.append(("mbox", path, start, min(start + split_size, size)))
    return units


def starts_like_mbox(path):
    """Whether the file starts (after blank lines) with a `From ` line."""
    with open(path, "rb") as f:
        head = f.read(64 << 10)
    return head.lstrip(b"\r\n").startswith(b"From ") or not head.strip()


# ---------------------------------------------------------------- executors


def separator_at_or_after(f, pos, size):
    """The offset of the first message start at or after `pos`: a `From `
    line at the file's start or after an empty line (LF or CRLF)."""
    if pos == 0:
        return 0
    window = 1 << 20
    base = pos
    while base < size:
        # Read from 3 bytes back, so that the empty line before a `From `
        # found at the window's start is seen.
        chunk_start = max(base - 3, 0)
        f.seek(chunk_start)
        chunk = f.read(base - chunk_start + window + 8)
        for m in SEPARATOR.finditer(chunk):
            start = chunk_start + m.start() + 1
            before = chunk[: m.start()]
            if start >= pos and (before.endswith(b"\n") or before.endswith(b"\n\r")):
                return start
        base += window
    return size


def mbox_messages(path, start, end):
    """The (from_line, message, crlf) of the messages starting in [start, end)."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        lo = separator_at_or_after(f, start, size)
        hi = separator_at_or_after(f, end, size) if end < size else size
        if lo >= hi:
            return []
        f.seek(lo)
        data = f.read(hi - lo)
    return septet.split_mbox(data)


def maildir_messages(group):
    for path, stamp in group:
        with open(path, "rb") as f:
            data = f.read()
        when = stamp if stamp is not None else int(os.stat(path).st_mtime)
        yield None, data, when


def convert_partition(index, units, output_dir):
    shard = os.path.join(output_dir, f"shard-{index:05d}.mbox")
    report = {"shard": os.path.basename(shard), "messages": 0, "changed": 0,
              "failed": [], "input_bytes": 0, "output_bytes": 0, "units": []}
    tmp = shard + ".tmp"
    with open(tmp, "wb") as out:
        for unit in units:
            if unit[0] == "mbox":
                _, path, start, end = unit
                report["units"].append({"mbox": path, "range": [start, end]})
                messages = ((fl, m, crlf) for fl, m, crlf in mbox_messages(path, start, end))
            elif unit[0] == "file":
                report["units"].append({"file": unit[1]})
                messages = maildir_messages([(unit[1], None)])
            else:
                report["units"].append({"maildir": [p for p, _ in unit[1]]})
                messages = maildir_messages(unit[1])
            for from_line, message, extra in messages:
                report["messages"] += 1
                report["input_bytes"] += len(message)
                try:
                    converted = septet.archive_downgrade(message)
                except septet.DowngradeError as e:
                    converted = message
                    report["failed"].append({"message": report["messages"] - 1,
                                             "offset": e.offset, "kind": e.kind, "reason": str(e)})
                if converted is not message and converted != message:
                    report["changed"] += 1
                if from_line is None:
                    # A Maildir message: a separator as septet convert makes it.
                    from_line = septet.from_line_for(converted, extra)
                    crlf = None
                else:
                    crlf = extra
                record = septet.mboxrd_record(from_line, converted, crlf)
                report["output_bytes"] += len(record)
                out.write(record)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, shard)
    with open(os.path.join(output_dir, f"shard-{index:05d}.json"), "w") as f:
        json.dump(report, f, indent=1)
    yield report


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input_dir")
    ap.add_argument("output_dir")
    ap.add_argument("--split-size", type=parse_size, default=parse_size("256M"),
                    help="bytes of input per task (default 256M)")
    ap.add_argument("--partitions", type=int, default=None,
                    help="number of shards (default: one per unit, at most 4 per core)")
    ap.add_argument("--master", default=None, help="Spark master (spark-submit sets it)")
    args = ap.parse_args(argv)

    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("septet-convert-archives")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    sc = spark.sparkContext
    # Workers unpickle the partition function by reference to this module
    # (when it is imported rather than run by spark-submit).
    sc.addPyFile(os.path.abspath(__file__))
    try:
        units = plan(args.input_dir, args.split_size)
        if not units:
            print("convert_archives: no input", file=sys.stderr)
            return 1
        os.makedirs(args.output_dir, exist_ok=True)
        n = args.partitions or min(len(units), 4 * sc.defaultParallelism)
        # Contiguous runs of units per partition keep the output order.
        bounds = [len(units) * i // n for i in range(n + 1)]
        slices = [units[bounds[i]:bounds[i + 1]] for i in range(n)]
        output_dir = os.path.abspath(args.output_dir)
        rdd = sc.parallelize(slices, n).mapPartitionsWithIndex(
            lambda i, it: convert_partition(i, [u for s in it for u in s], output_dir))
        reports = sorted(rdd.collect(), key=lambda r: r["shard"])
        total = {k: sum(r[k] for r in reports)
                 for k in ("messages", "changed", "input_bytes", "output_bytes")}
        total["failed"] = sum(len(r["failed"]) for r in reports)
        total["shards"] = [r["shard"] for r in reports]
        with open(os.path.join(output_dir, "report.json"), "w") as f:
            json.dump(total, f, indent=1)
        print(json.dumps({k: v for k, v in total.items() if k != "shards"}))
        return 0
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main())
