#!/usr/bin/env bash
# Archive conversion benchmark: `septet convert --downgrade` on a generated
# 1 GiB mbox (~100,000 realistic messages, examples/gen_mbox.rs) with 1 and
# 2 worker threads, the same on a 256 MiB archive (peak RSS must not grow
# with the archive), and scripts/py_convert.py (Python's mailbox + email
# doing the same work) on a prefix of the 1 GiB archive, compared by rate.
#
#   scripts/bench_archive.sh
#
# Environment:
#   CARGO_TARGET_DIR      where the release build goes (default: target/)
#   SEPTET_BENCH_CACHE    where the generated archives are kept (default /tmp;
#                         generated once, reused by later runs)
#   SEPTET_BENCH_OUT      where outputs are written (default /dev/shm when it
#                         has room, else /tmp): a tmpfs keeps the disk out of
#                         the figures (fsync is then free); outputs are deleted
#                         after each run
#   SEPTET_BENCH_PY_MESSAGES  messages in the Python prefix (default 5000,
#                         about 50 MB, about a minute)
#   SEPTET_BENCH_REPEAT   runs of each septet measurement (default 3): the
#                         table shows the median run and the fastest one,
#                         since other load on the machine makes single runs
#                         noisy
#   SEPTET_WINDOW_BYTES   input bytes per window of the conversion (default
#                         2M; K and M suffixes): small windows keep data in
#                         cache between split, transform and write, large
#                         ones have fewer of the joins that end each window
#                         of a parallel run (a thread idles while the other
#                         finishes the window's last messages)
#   SEPTET_TRACE_TIMES=1  septet prints per-stage wall-clock times of each run
#                         on standard error (open+detect, writing, splitting,
#                         transform): where the time goes, without a profiler
#
# Every run reads a page-cache-warm input. Times are wall-clock seconds from
# GNU time (installed with apt-get if missing), including the final fsync
# and rename; peak RSS is GNU time's maximum resident set size, which
# counts the mapped input pages the process holds.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
cache=${SEPTET_BENCH_CACHE:-/tmp}
py_messages=${SEPTET_BENCH_PY_MESSAGES:-5000}
repeat=${SEPTET_BENCH_REPEAT:-3}
if [[ -z ${SEPTET_BENCH_OUT:-} ]]; then
    if [[ -d /dev/shm && -w /dev/shm ]] &&
        (($(df -Pk /dev/shm | awk 'NR == 2 { print $4 }') > 4 * 1024 * 1024)); then
        SEPTET_BENCH_OUT=/dev/shm
    else
        SEPTET_BENCH_OUT=/tmp
    fi
fi
outdir=$SEPTET_BENCH_OUT

if ! /usr/bin/time -f '' true 2>/dev/null; then
    echo "bench_archive: GNU time is missing; installing it (apt-get install time)" >&2
    apt-get install -y -qq time >&2 || {
        apt-get update -qq >&2 && apt-get install -y -qq time >&2
    }
fi

echo "bench_archive: building (release)" >&2
(cd "$root" && cargo build --release --quiet -p septet-cli -p septet-mailbox --bin septet --example gen_mbox)
septet=$target/release/septet
gen=$target/release/examples/gen_mbox

# archive NAME MESSAGES SIZE: the path of a cached generated archive.
archive() {
    local path=$cache/septet-bench-$1.mbox
    # Regenerated when the generator was rebuilt since (its output changed).
    if [[ ! -s $path || $gen -nt $path ]]; then
        echo "bench_archive: generating $path ($2 messages, $3)" >&2
        "$gen" "$path.part" --messages "$2" --size "$3" >&2
        mv "$path.part" "$path"
    fi
    echo "$path"
}

big=$(archive 1g 100000 1G)
small=$(archive 256m 25000 256M)

# The Python input: the first $py_messages messages of the big archive (its
# separators are the only lines starting `From `: the writer quotes others).
prefix=$cache/septet-bench-1g-first$py_messages.mbox
if [[ ! -s $prefix || $big -nt $prefix ]]; then
    cut=$(LC_ALL=C grep -a -b -m $((py_messages + 1)) '^From ' "$big" | tail -n 1 | cut -d: -f1)
    head -c "$cut" "$big" >"$prefix"
fi

scratch=$(mktemp -d "$outdir/septet-bench.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# measure LABEL INPUT CMD...: runs CMD (its output goes to $scratch/out,
# deleted afterwards) on a warm INPUT; appends "label bytes wall rss_kib cpu"
# to $scratch/results.
measure() {
    local label=$1 input=$2
    shift 2
    cat "$input" >/dev/null
    echo "bench_archive: $label" >&2
    /usr/bin/time -f '%e %M %U %S' -o "$scratch/time" "$@" >"$scratch/stdout"
    rm -rf "$scratch/out"
    read -r wall rss user sys <"$scratch/time"
    local bytes
    bytes=$(stat -c %s "$input")
    echo "$label $bytes $wall $rss $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" \
        >>"$scratch/results"
}

for jobs in 1 2; do
    for input in "$big" "$small"; do
        label=septet-$jobs-$(basename "$input" .mbox | sed 's/septet-bench-//')
        for ((run = 0; run < repeat; run++)); do
            measure "$label" "$input" \
                "$septet" convert "$input" -o "$scratch/out" --downgrade --jobs "$jobs" \
                --report "$scratch/$label.json"
        done
    done
done
measure "python-prefix" "$prefix" python3 "$root/scripts/py_convert.py" "$prefix" "$scratch/out"
python_json=$(cat "$scratch/stdout")

python3 - "$scratch/results" "$scratch/septet-1-1g.json" "$python_json" "$outdir" <<'EOF'
import json, sys
runs = {}
for line in open(sys.argv[1]):
    label, size, wall, rss, cpu = line.split()
    runs.setdefault(label, []).append((float(wall), int(size), int(rss), float(cpu)))
rows = {}
for label, rs in runs.items():
    rs.sort()
    wall, size, rss, cpu = rs[(len(rs) - 1) // 2]
    rows[label] = dict(size=size, wall=wall, rss=max(r[2] for r in rs), cpu=cpu,
                       rate=size / 1e6 / max(wall, 1e-9), best=size / 1e6 / max(rs[0][0], 1e-9),
                       runs=len(rs))
report = json.load(open(sys.argv[2]))
py = json.loads(sys.argv[3])
base = rows["python-prefix"]["rate"]
names = {
    "septet-1-1g": "septet, 1 thread (1 GiB)",
    "septet-2-1g": "septet, 2 threads (1 GiB)",
    "septet-1-256m": "septet, 1 thread (256 MiB)",
    "septet-2-256m": "septet, 2 threads (256 MiB)",
    "python-prefix": f"Python mailbox+email ({py['messages']} messages)",
}
print(f"Output on {sys.argv[4]}; {report['messages']} messages in the 1 GiB archive, "
      f"{report['changed']} changed, {report['failed']} failed.\n")
print("| run | MB/s (median) | MB/s (best) | seconds | CPU seconds | peak RSS (MiB) | vs Python |")
print("|---|---:|---:|---:|---:|---:|---:|")
for key, name in names.items():
    r = rows[key]
    print(f"| {name} | {r['rate']:.1f} | {r['best']:.1f} | {r['wall']:.2f} | {r['cpu']:.2f} | "
          f"{r['rss'] / 1024:.0f} | {r['rate'] / base:.0f}x |")
print(f"\nMedian and best of {rows['septet-1-1g']['runs']} runs each (seconds and CPU of the median run).")
s1, s2 = rows["septet-1-1g"], rows["septet-2-1g"]
print(f"\n2 threads on the 1 GiB archive: {s2['rate'] / 1000:.2f} GB/s median, "
      f"{s2['best'] / 1000:.2f} GB/s best (issue 10's target: >= 1 GB/s, output on tmpfs).")
print(f"1 -> 2 threads speed-up (1 GiB): {s1['wall'] / s2['wall']:.2f}x; "
      f"peak RSS 256 MiB -> 1 GiB archive: {rows['septet-1-256m']['rss'] / 1024:.0f} -> "
      f"{s1['rss'] / 1024:.0f} MiB (1 thread), {rows['septet-2-256m']['rss'] / 1024:.0f} -> "
      f"{s2['rss'] / 1024:.0f} MiB (2 threads).")
print(f"MB = 10^6 bytes of input; Python CPU-time rate "
      f"{rows['python-prefix']['size'] / 1e6 / rows['python-prefix']['cpu']:.1f} MB/s, "
      f"septet 1 thread {s1['size'] / 1e6 / s1['cpu']:.0f} MB/s per CPU second.")
EOF
