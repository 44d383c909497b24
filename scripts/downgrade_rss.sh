#!/usr/bin/env bash
# Peak memory and throughput of `septet downgrade` on a large message: a
# short 8-bit text part and a binary attachment (CTE binary, re-encoded as
# base64), about 1 GiB in all by default.
#
# Usage: scripts/downgrade_rss.sh [SIZE_MIB]        (default 1024)
#   SEPTET=path/to/septet   use this binary instead of building one
#   TMPDIR=dir              where the input and output go (2.5x SIZE_MIB free)
#
# Needs python3 and GNU time as /usr/bin/time (Debian/Ubuntu:
# `apt-get install -y time`). The input is written in 1 MiB pieces and the
# files are removed at the end.
set -euo pipefail

size_mib=${1:-1024}
if [ ! -x /usr/bin/time ]; then
    echo "GNU time is missing: apt-get install -y time" >&2
    exit 2
fi
bin=${SEPTET:-}
if [ -z "$bin" ]; then
    cargo build --release --quiet --bin septet
    bin=${CARGO_TARGET_DIR:-target}/release/septet
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/septet-rss.XXXXXX")
trap 'rm -rf "$dir"' EXIT

python3 - "$dir/in.eml" "$size_mib" <<'PY'
import os, sys
path, mib = sys.argv[1], int(sys.argv[2])
text = ("Grüße aus Köln: a line of mostly ASCII text.\r\n" * 40).encode()
with open(path, "wb") as f:
    f.write(b"From: a@example.org\r\nTo: b@example.net\r\nSubject: rss\r\n"
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"=_septet_rss_boundary\"\r\n\r\n"
            b"--=_septet_rss_boundary\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n\r\n" + text +
            b"--=_septet_rss_boundary\r\n"
            b"Content-Type: application/octet-stream\r\n"
            b"Content-Disposition: attachment; filename=\"data.bin\"\r\n"
            b"Content-Transfer-Encoding: binary\r\n\r\n")
    for _ in range(mib):
        f.write(os.urandom(1 << 20))
    f.write(b"\r\n--=_septet_rss_boundary--\r\n")
PY

/usr/bin/time -v "$bin" downgrade "$dir/in.eml" -o "$dir/out.eml" \
    --report "$dir/report.json" 2> "$dir/time.txt"

python3 - "$dir" <<'PY'
import json, os, sys
d = sys.argv[1]
size_in = os.path.getsize(os.path.join(d, "in.eml"))
size_out = os.path.getsize(os.path.join(d, "out.eml"))
fields = {}
for line in open(os.path.join(d, "time.txt")):
    key, _, value = line.strip().rpartition(": ")
    fields[key] = value
wall = 0.0
for part in fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":"):
    wall = wall * 60 + float(part)
rss_kib = int(fields["Maximum resident set size (kbytes)"])
report = json.load(open(os.path.join(d, "report.json")))
actions = ", ".join(p["action"] for p in report["parts"])
print(f"input      {size_in / 2**20:10.1f} MiB")
print(f"output     {size_out / 2**20:10.1f} MiB   (parts: {actions})")
print(f"elapsed    {wall:10.2f} s     (user {fields['User time (seconds)']} s, "
      f"system {fields['System time (seconds)']} s)")
user = float(fields["User time (seconds)"])
cpu = user + float(fields["System time (seconds)"])
print(f"throughput {size_in / 2**20 / wall:10.1f} MiB/s of input, wall clock (file I/O included)")
if user > 0:
    print(f"           {size_in / 2**20 / user:10.1f} MiB/s per user CPU second "
          f"({size_in / 2**20 / cpu:.1f} with system time)")
print(f"max RSS    {rss_kib / 1024:10.1f} MiB")
PY
