#!/usr/bin/env python3
"""Compare two criterion result trees row by row (GB/s of input, median), e.g. the same
benches built from two commits and run in one sitting:

    scripts/bench_compare.py BEFORE_DIR AFTER_DIR [--filter REGEX]

Prints a Markdown table: group, row, before, after, after / before. Standard library only.
"""
import argparse
import json
import os
import re


def load(root):
    rows = {}
    for dirpath, _, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "benchmark.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            bench = json.load(f)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            est = json.load(f)
        seconds = est["median"]["point_estimate"] / 1e9
        tp = bench.get("throughput") or {}
        nbytes = tp.get("Bytes") or tp.get("BytesDecimal")
        value = nbytes / seconds / 1e9 if nbytes else seconds
        rows[(bench["group_id"], bench["function_id"])] = (value, bool(nbytes))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--filter", default="")
    args = ap.parse_args()
    before, after = load(args.before), load(args.after)
    pat = re.compile(args.filter)
    print("| group | row | before | after | after ÷ before |")
    print("|---|---|---:|---:|---:|")
    for key in sorted(set(before) & set(after)):
        if not pat.search("/".join(key)):
            continue
        (b, is_rate), (a, _) = before[key], after[key]
        unit = "GB/s" if is_rate else "s"
        ratio = a / b if is_rate else b / a
        print(f"| {key[0]} | {key[1]} | {b:.3g} {unit} | {a:.3g} {unit} | {ratio:.2f}× |")


if __name__ == "__main__":
    main()
