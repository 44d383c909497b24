#!/usr/bin/env bash
# The Spark job against `septet convert` (issue 15's target): generated mbox
# shards (default 16 x 64 MiB = 1 GiB, examples/gen_mbox.rs, one seed per
# shard) converted by examples/spark/convert_archives.py in Spark local mode
# with local[1] and local[2], and by `septet convert --downgrade --jobs 2` on
# the same shards in the same order. Prints wall times, GB/s, the 1 -> 2 core
# scaling of the Spark job and its overhead against septet convert, and
# checks that every output is identical to septet convert's, message for
# message (the comparison of examples/spark/test_convert_archives.py).
#
#   scripts/bench_spark.sh
#   SEPTET_SPARK_BENCH_SHARDS=8 SEPTET_SPARK_BENCH_SHARD_SIZE=16M scripts/bench_spark.sh   # 128 MiB
#
# Environment:
#   CARGO_TARGET_DIR    where the release build and the Python venv go
#                       (default: target/); the venv is made as
#                       scripts/ci_python.sh makes it
#   SEPTET_SPARK_BENCH_SHARDS      number of mbox shards (default 16)
#   SEPTET_SPARK_BENCH_SHARD_SIZE  bytes per shard (default 64M; K, M, G)
#   SEPTET_BENCH_CACHE  where the generated shards are kept (default /tmp;
#                       generated once, reused by later runs)
#   SEPTET_BENCH_OUT    where outputs are written (default /dev/shm when it
#                       has room, else /tmp); deleted at the end
#   SEPTET_SPARK_BENCH_INSTALL=0   use the venv's septet package as it is
#                       (default 1: reinstall it from this tree, as
#                       ci_python.sh does, so it matches the septet binary)
#
# Times are wall-clock seconds of the whole command (GNU time), each run on
# page-cache-warm input: the Spark rows include starting the JVM and the
# Python workers, which a long job amortises; the job alone (from a started
# session to the collected reports) is printed beside them.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
cache=${SEPTET_BENCH_CACHE:-/tmp}
shards=${SEPTET_SPARK_BENCH_SHARDS:-16}
shard_size=${SEPTET_SPARK_BENCH_SHARD_SIZE:-64M}
install=${SEPTET_SPARK_BENCH_INSTALL:-1}
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
    echo "bench_spark: GNU time is missing; installing it (apt-get install time)" >&2
    apt-get install -y -qq time >&2 || {
        apt-get update -qq >&2 && apt-get install -y -qq time >&2
    }
fi
if ! command -v java >/dev/null; then
    echo "bench_spark: installing Java (openjdk-17-jre-headless)" >&2
    apt-get update -qq >&2 && apt-get install -y -qq openjdk-17-jre-headless >&2
fi

echo "bench_spark: building (release)" >&2
(cd "$root" && cargo build --release --quiet -p septet-cli -p septet-mailbox --bin septet --example gen_mbox)
septet=$target/release/septet
gen=$target/release/examples/gen_mbox

venv=$target/python-venv
python=$venv/bin/python
if [[ ! -x $python ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip
    install=1
fi
if [[ $install == 1 ]]; then
    echo "bench_spark: installing the septet Python package (maturin, release)" >&2
    "$venv/bin/pip" install -q maturin pytest
    (cd "$root" && "$venv/bin/pip" install -q --force-reinstall --no-deps ./crates/septet-python)
fi
"$python" -c 'import pyspark' 2>/dev/null || "$venv/bin/pip" install -q pyspark
"$python" -c 'import septet, pyspark' || {
    echo "bench_spark: the venv $venv lacks septet or pyspark" >&2
    exit 1
}

# The shards: about 10.7 KB per message, as the 1 GiB benchmark archive.
bytes=$("$python" -c '
import sys
sys.path.insert(0, sys.argv[2])
from convert_archives import parse_size
print(parse_size(sys.argv[1]))' "$shard_size" "$root/examples/spark")
messages=$((bytes / 10737))
data=$cache/septet-spark-bench-${shards}x$shard_size
mkdir -p "$data"
inputs=()
for ((i = 0; i < shards; i++)); do
    path=$(printf '%s/shard-%03d.mbox' "$data" "$i")
    # Regenerated when the generator was rebuilt since (its output changed).
    if [[ ! -s $path || $gen -nt $path ]]; then
        echo "bench_spark: generating $path ($messages messages, $shard_size)" >&2
        "$gen" "$path.part" --messages "$messages" --size "$shard_size" --seed $((i + 1)) >&2
        mv "$path.part" "$path"
    fi
    inputs+=("$path")
done
total=$(cat "${inputs[@]}" | wc -c)

scratch=$(mktemp -d "$outdir/septet-spark-bench.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# measure LABEL CMD...: wall seconds of CMD on warm input, appended to
# $scratch/results as "label wall user sys".
measure() {
    local label=$1
    shift
    cat "${inputs[@]}" >/dev/null
    echo "bench_spark: $label" >&2
    /usr/bin/time -f '%e %U %S' -o "$scratch/time" "$@" >"$scratch/$label.stdout"
    echo "$label $(cat "$scratch/time")" >>"$scratch/results"
}

# `septet convert` exits 3 when some message was copied unchanged; the
# generator makes none, but the comparison below is what counts.
measure septet-2 sh -c '"$@"; s=$?; [ $s -eq 0 ] || [ $s -eq 3 ]' sh \
    "$septet" convert --downgrade --jobs 2 -o "$scratch/reference.mbox" "${inputs[@]}"

# The Spark job, with the session's start timed apart from the job.
cat >"$scratch/run_spark.py" <<'EOF'
import json, os, sys, time
sys.path.insert(0, os.environ["SPARK_EXAMPLE"])
start = time.monotonic()
from pyspark.sql import SparkSession
master, input_dir, output_dir = sys.argv[1:4]
SparkSession.builder.appName("septet-convert-archives").master(master).getOrCreate()
started = time.monotonic()
import convert_archives
status = convert_archives.main([input_dir, output_dir, "--master", master])
done = time.monotonic()
print(json.dumps({"startup": started - start, "job": done - started}), file=sys.stderr)
with open(os.path.join(output_dir, "timing.json"), "w") as f:
    json.dump({"startup": started - start, "job": done - started}, f)
sys.exit(status)
EOF
for cores in 1 2; do
    # Workers run the venv's interpreter, which has septet installed.
    measure "spark-$cores" env PYSPARK_PYTHON="$python" PYSPARK_DRIVER_PYTHON="$python" \
        SPARK_EXAMPLE="$root/examples/spark" \
        "$python" "$scratch/run_spark.py" "local[$cores]" "$data" "$scratch/spark-$cores"
done

"$python" - "$scratch" "$total" "$shards" "$shard_size" "$outdir" "$root/examples/spark" <<'EOF'
import json, os, sys
scratch, total, shards, shard_size, outdir, example = sys.argv[1:7]
total = int(total)
sys.path.insert(0, example)
from test_convert_archives import records  # the Spark test's comparison

walls, cpu = {}, {}
for line in open(os.path.join(scratch, "results")):
    label, wall, user, system = line.split()
    walls[label], cpu[label] = float(wall), float(user) + float(system)
expected = open(os.path.join(scratch, "reference.mbox"), "rb").read()
expected_records = records(expected)
ok = True
for cores in (1, 2):
    out = os.path.join(scratch, f"spark-{cores}")
    report = json.load(open(os.path.join(out, "report.json")))
    combined = b"".join(open(os.path.join(out, name), "rb").read() for name in report["shards"])
    same = combined == expected
    # The same bytes split into the same messages; only a difference needs
    # the split (which holds a copy of every message).
    got = expected_records if same else records(combined)
    same_records = got == expected_records
    del combined
    if not same_records:
        first = next((i for i, (a, b) in enumerate(zip(got, expected_records)) if a != b),
                     min(len(got), len(expected_records)))
        print(f"local[{cores}]: MISMATCH: {len(got)} messages vs {len(expected_records)}, "
              f"first difference at message {first}")
    elif not same:
        print(f"local[{cores}]: the same messages, but the bytes differ")
    ok = ok and same and same_records
    walls[f"spark-{cores}-job"] = json.load(open(os.path.join(out, "timing.json")))["job"]
    walls[f"spark-{cores}-startup"] = json.load(open(os.path.join(out, "timing.json")))["startup"]
    walls[f"spark-{cores}-messages"] = report["messages"]

gb = total / 1e9
print(f"{shards} mbox shards of {shard_size} ({total / 2**20:.0f} MiB, "
      f"{len(expected_records)} messages), output on {outdir}.\n")
print("| run | wall s | GB/s | CPU s | Spark job alone s | job GB/s |")
print("|---|---:|---:|---:|---:|---:|")
s = walls["septet-2"]
print(f"| septet convert --downgrade --jobs 2 | {s:.2f} | {gb / s:.3f} | {cpu['septet-2']:.2f} | | |")
for cores in (1, 2):
    w, j = walls[f"spark-{cores}"], walls[f"spark-{cores}-job"]
    print(f"| Spark local[{cores}] | {w:.2f} | {gb / w:.3f} | - | "
          f"{j:.2f} | {gb / j:.3f} |")
w1, w2 = walls["spark-1"], walls["spark-2"]
j1, j2 = walls["spark-1-job"], walls["spark-2-job"]
print(f"\nSpark 1 -> 2 cores: {w1 / w2:.2f}x (wall), {j1 / j2:.2f}x (job alone).")
print(f"Spark local[2] against septet convert --jobs 2: {w2 / s:.2f}x the time (wall), "
      f"{j2 / s:.2f}x (job alone); session start {walls['spark-2-startup']:.1f} s.")
print("CPU s: user + system of septet convert, the steadier figure on a loaded machine "
      "(not shown for Spark: its JVM and Python workers are not children that GNU time sees).")
print("Outputs identical to septet convert's, message for message and byte for byte: "
      + ("yes" if ok else "NO"))
sys.exit(0 if ok else 1)
EOF
