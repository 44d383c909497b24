#!/usr/bin/env python3
"""Turn criterion results of `cargo bench --bench base64` (or `--bench qp`) into Markdown tables.

Reads every `<criterion dir>/**/new/benchmark.json` (group, function,
throughput) and the `estimates.json` beside it, and prints one table per
operation: rows are implementations, columns are payload sizes, cells are
GB/s (decimal: 1 GB/s = 1e9 bytes of the operation's INPUT per second,
computed from the median time per iteration unless --stat mean). Below the
implementations come ratio rows: the best septet kernel set divided by each
peer and by memcpy (higher is better for septet).

Group ids are expected to look like `base64/<operation>/<size>` or
`qp/<operation>/<payload>/<size>` with sizes such as `64B`, `4KiB`, `1MiB`,
`64MiB`. Standard library only.

Usage: scripts/bench_table.py [CRITERION_DIR] [--stat median|mean] [--spread]
CRITERION_DIR defaults to target/criterion (use $CARGO_TARGET_DIR/criterion
when the bench ran with another target directory).
"""

import argparse
import json
import os
import re
import signal
import sys
import time
from collections import defaultdict

OPERATION_ORDER = ["encode", "decode", "mime-encode", "mime-decode"]
OPERATION_INPUT = {
    "encode text": "raw bytes",
    "encode utf8": "raw bytes",
    "encode binary": "raw bytes",
    "encode": "raw bytes",
    "decode": "base64 characters",
    "mime-encode": "raw bytes",
    "mime-decode": "base64 characters including CRLF",
}
# Row order: septet kernel sets best-first, then the peers, then memcpy.
ROW_ORDER = [
    "septet-avx512",
    "septet-avx2",
    "septet-neon",
    "septet-scalar",
    "base64-turbo",
    "base64-simd",
    "base64",
    "data-encoding",
    "quoted_printable",
    "mail-parser",
    "memcpy",
]
UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}


def size_bytes(label):
    """`64MiB` -> 67108864; unknown labels sort last."""
    m = re.fullmatch(r"(\d+)\s*(B|KiB|MiB|GiB)", label)
    return int(m.group(1)) * UNITS[m.group(2)] if m else float("inf")


def pretty_size(label):
    m = re.fullmatch(r"(\d+)\s*(B|KiB|MiB|GiB)", label)
    return f"{m.group(1)} {m.group(2)}" if m else label


def row_key(name):
    return (ROW_ORDER.index(name), "") if name in ROW_ORDER else (len(ROW_ORDER), name)


def load(criterion_dir, stat):
    """Returns {(family, op): {size: {impl: (gbps, rel_spread, input_bytes)}}} and mtimes."""
    results = defaultdict(lambda: defaultdict(dict))
    mtimes = []
    for root, _dirs, files in os.walk(criterion_dir):
        if os.path.basename(root) != "new" or "benchmark.json" not in files:
            continue
        try:
            with open(os.path.join(root, "benchmark.json")) as f:
                bench = json.load(f)
            with open(os.path.join(root, "estimates.json")) as f:
                est = json.load(f)
        except (OSError, ValueError) as e:
            print(f"warning: skipping {root}: {e}", file=sys.stderr)
            continue
        parts = bench.get("group_id", "").split("/")
        throughput = bench.get("throughput") or {}
        nbytes = throughput.get("Bytes") or throughput.get("BytesDecimal")
        name = bench.get("function_id")
        if len(parts) == 4:
            # qp/<operation>/<payload>/<size>: one table per operation and payload.
            parts = [parts[0], f"{parts[1]} {parts[2]}", parts[3]]
        if len(parts) != 3 or not nbytes or not name:
            print(f"warning: skipping {bench.get('full_id', root)}: not <family>/<op>/<size> "
                  "with a byte throughput", file=sys.stderr)
            continue
        family, op, size = parts
        ns = est[stat]["point_estimate"]
        spread = est["median_abs_dev"]["point_estimate"] / est["median"]["point_estimate"]
        # bytes per nanosecond is exactly decimal GB/s.
        results[(family, op)][size][name] = (nbytes / ns, spread, nbytes)
        mtimes.append(os.path.getmtime(os.path.join(root, "estimates.json")))
    return results, mtimes


def fmt_gbps(gbps):
    if gbps >= 100:
        return f"{gbps:.0f}"
    if gbps >= 10:
        return f"{gbps:.1f}"
    return f"{gbps:.2f}"


def table(family, op, by_size, show_spread, stat):
    sizes = sorted(by_size, key=size_bytes)
    names = sorted({n for cells in by_size.values() for n in cells}, key=row_key)
    septets = [n for n in names if n.startswith("septet-")]
    others = [n for n in names if not n.startswith("septet-")]

    lines = []
    what = OPERATION_INPUT.get(op, "input bytes")
    lines.append(f"### {family} {op}")
    lines.append("")
    lines.append(f"GB/s (10^9 bytes/s) of input = {what}; {stat} time per call; "
                 "columns are the raw payload size.")
    lines.append("")
    lines.append("| implementation | " + " | ".join(pretty_size(s) for s in sizes) + " |")
    lines.append("|---|" + "---:|" * len(sizes))
    for name in names:
        cells = []
        for s in sizes:
            cell = by_size[s].get(name)
            if cell is None:
                cells.append("—")
            elif show_spread:
                cells.append(f"{fmt_gbps(cell[0])} ±{cell[1] * 100:.0f}%")
            else:
                cells.append(fmt_gbps(cell[0]))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")

    if septets:
        best = {}
        for s in sizes:
            candidates = [(by_size[s][n][0], n) for n in septets if n in by_size[s]]
            if candidates:
                best[s] = max(candidates)
        lines.append("| *septet-best kernel* | "
                     + " | ".join(best[s][1].removeprefix("septet-") if s in best else "—"
                                  for s in sizes) + " |")
        for other in others:
            cells = []
            for s in sizes:
                if s in best and other in by_size[s]:
                    cells.append(f"{best[s][0] / by_size[s][other][0]:.2f}×")
                else:
                    cells.append("—")
            lines.append(f"| *septet-best ÷ {other}* | " + " | ".join(cells) + " |")

    input_sizes = []
    for s in sizes:
        counts = {cell[2] for cell in by_size[s].values()}
        input_sizes.append(f"{pretty_size(s)} → {'/'.join(str(c) for c in sorted(counts))} B")
    lines.append("")
    lines.append("Input bytes per call: " + ", ".join(input_sizes) + ".")
    return "\n".join(lines)


def main():
    # Die quietly when piped into `head`.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("criterion_dir", nargs="?", default="target/criterion",
                        help="criterion output directory (default: target/criterion)")
    parser.add_argument("--stat", choices=["median", "mean"], default="median",
                        help="point estimate of the time per call (default: median)")
    parser.add_argument("--spread", action="store_true",
                        help="append the median absolute deviation, in percent, to each cell")
    args = parser.parse_args()

    if not os.path.isdir(args.criterion_dir):
        sys.exit(f"error: {args.criterion_dir} is not a directory (run the bench first, "
                 "or pass $CARGO_TARGET_DIR/criterion)")
    results, mtimes = load(args.criterion_dir, args.stat)
    if not results:
        sys.exit(f"error: no criterion results under {args.criterion_dir}")

    def op_key(key):
        family, op = key
        return (family, OPERATION_ORDER.index(op) if op in OPERATION_ORDER else 99, op)

    tables = [table(f, op, results[(f, op)], args.spread, args.stat)
              for f, op in sorted(results, key=op_key)]
    print("\n\n".join(tables))
    fmt = "%Y-%m-%d %H:%M"
    print(f"\nResults written between {time.strftime(fmt, time.localtime(min(mtimes)))} "
          f"and {time.strftime(fmt, time.localtime(max(mtimes)))} "
          "(a wide range means rows from different runs are mixed).")


if __name__ == "__main__":
    main()
