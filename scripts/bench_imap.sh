#!/usr/bin/env bash
# IMAP FETCH benchmark against Dovecot (issue 14): FETCH 1:* (FLAGS UID
# RFC822.SIZE BODYSTRUCTURE) over a 10,000-message Maildir, cold and warm,
# septet's `septet imap` and Dovecot's imap on the same machine in the same
# run, each on its own copy of the Maildir.
#
#   scripts/bench_imap.sh
#
# The Maildir: examples/gen_mbox.rs (crates/septet-mailbox) writes a seeded
# archive of realistic messages (8-bit and Latin-1 text, HTML alternatives,
# base64 and binary attachments, quoted-printable, plain ASCII); the helper
# scripts/bench_imap.py turns it into a Maildir and nests every fourth
# message (a forward: multipart/mixed with a multipart/alternative and the
# original as message/rfc822). Generated once into $SEPTET_BENCH_DIR.
#
# Each round copies the Maildir afresh for each server, then per server:
#   cold: a server process just started (septet: empty cache; Dovecot: no
#         dovecot.index* files), the page cache dropped (when
#         /proc/sys/vm/drop_caches is writable; the table says if not);
#   warm: $SEPTET_BENCH_WARM more connections to the same server (Dovecot:
#         a new imap process each, as its master would start, reading the
#         index and cache the cold run wrote).
# Every connection does LOGIN (septet) or starts preauthenticated
# (Dovecot's imap on stdin/stdout, as tests/imap_dovecot_oracle.rs runs it),
# SELECT INBOX, then the timed FETCH: from its first byte sent to the
# tagged OK's last byte read. The order of the servers alternates between
# rounds. Reported: messages/s (median over the runs), the server's CPU
# time per message (its threads' schedstat run time during the FETCH: less
# sensitive to other load than wall time), peak RSS (VmHWM) and the
# septet/Dovecot ratio. Both must return one BODYSTRUCTURE per message and
# the same RFC822.SIZE total.
#
# Environment:
#   CARGO_TARGET_DIR        where the release build goes (default: target/)
#   SEPTET_BENCH_DIR        work directory, on a disk rather than a tmpfs so
#                           that a cold run reads the disk (default
#                           /var/tmp/septet-imap-bench)
#   SEPTET_BENCH_MESSAGES   messages (default 10000)
#   SEPTET_BENCH_SIZE       archive size before nesting (default 100M: about
#                           10 KiB a message)
#   SEPTET_BENCH_ROUNDS     rounds (default 3)
#   SEPTET_BENCH_WARM       warm connections per round and server (default 3)
#   SEPTET_BENCH_PORT       septet's port on 127.0.0.1 (default 11143)
#   SEPTET_IMAP_CACHE_MIB   septet's message analysis cache, `septet imap
#                           --cache-mib` (default: the server's, 64 MiB)
#   DOVECOT_IMAP            Dovecot's imap binary (default /usr/lib/dovecot/imap)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
work=${SEPTET_BENCH_DIR:-/var/tmp/septet-imap-bench}
messages=${SEPTET_BENCH_MESSAGES:-10000}
size=${SEPTET_BENCH_SIZE:-100M}
rounds=${SEPTET_BENCH_ROUNDS:-3}
warm=${SEPTET_BENCH_WARM:-3}
port=${SEPTET_BENCH_PORT:-11143}
dovecot_imap=${DOVECOT_IMAP:-/usr/lib/dovecot/imap}
helper=$root/scripts/bench_imap.py

[[ -x $dovecot_imap ]] || {
    echo "bench_imap: $dovecot_imap missing (apt-get install dovecot-imapd)" >&2
    exit 1
}

echo "bench_imap: building (release)" >&2
(cd "$root" && cargo build --release --quiet -p septet-cli --bin septet \
    -p septet-mailbox --example gen_mbox)
septet=$target/release/septet
gen=$target/release/examples/gen_mbox

mkdir -p "$work"
src=$work/maildir-v1-$messages-$size
# Regenerated when gen_mbox was rebuilt since (its output may have changed);
# the nesting step in bench_imap.py is versioned by the directory name.
if [[ ! -d $src/cur || $gen -nt $src ]]; then
    echo "bench_imap: generating $src ($messages messages, $size)" >&2
    rm -rf "$src" "$src.part"
    "$gen" "$work/archive.mbox" --messages "$messages" --size "$size" >&2
    python3 "$helper" gen "$work/archive.mbox" "$src.part"
    rm -f "$work/archive.mbox"
    mv "$src.part" "$src"
fi

users=$work/users
rm -f "$users"
echo pw | "$septet" passwd --users "$users" bench

run=$work/run
results=$work/results.jsonl
: >"$results"
server_pid=

cleanup() {
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$run"
}
trap cleanup EXIT

dropped=yes
drop_caches() {
    sync
    if ! { echo 3 >/proc/sys/vm/drop_caches; } 2>/dev/null; then
        dropped=no
    fi
}

# record SERVER MODE ROUND JSON: appends one labelled result.
record() {
    printf '{"server": "%s", "mode": "%s", "round": %s, "result": %s}\n' \
        "$1" "$2" "$3" "$4" >>"$results"
    echo "bench_imap: round $3 $1 $2: $4" >&2
}

run_septet() {
    local round=$1 mroot=$run/septet
    rm -rf "$mroot"
    mkdir -p "$mroot"
    cp -a "$src" "$mroot/bench"
    "$septet" imap --listen "127.0.0.1:$port" --maildir-root "$mroot" --users "$users" \
        ${SEPTET_IMAP_CACHE_MIB:+--cache-mib "$SEPTET_IMAP_CACHE_MIB"} 2>"$work/septet.log" &
    server_pid=$!
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
    drop_caches
    local mode=cold
    for ((i = 0; i <= warm; i++)); do
        record septet "$mode" "$round" "$(python3 "$helper" fetch \
            --connect "127.0.0.1:$port" --user bench --password pw --pid "$server_pid")"
        mode=warm
    done
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=
}

run_dovecot() {
    local round=$1 d=$run/dovecot
    rm -rf "$d"
    mkdir -p "$d/run" "$d/state"
    cp -a "$src" "$d/Maildir"
    rm -f "$d"/Maildir/dovecot.index*
    cat >"$d/dovecot.conf" <<EOF
protocols = imap
ssl = no
log_path = /dev/null
mail_location = maildir:$d/Maildir
base_dir = $d/run
state_dir = $d/state
mail_uid = nobody
mail_gid = nogroup
EOF
    chmod -R a+rwX "$d"
    drop_caches
    local mode=cold
    for ((i = 0; i <= warm; i++)); do
        record dovecot "$mode" "$round" "$(python3 "$helper" fetch \
            --spawn "$dovecot_imap -c $d/dovecot.conf" --env USER=nobody --env "HOME=$d")"
        mode=warm
    done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((round = 1; round <= rounds; round++)); do
    if ((round % 2)); then
        run_septet "$round"
        run_dovecot "$round"
    else
        run_dovecot "$round"
        run_septet "$round"
    fi
    rm -rf "$run"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
python3 - "$results" "$messages" "$dropped" "$cpu" "$load_before" "$load_after" \
    "$(nproc)" "$(du -sm "$src" | cut -f1)" "${SEPTET_IMAP_CACHE_MIB:-default}" <<'EOF'
import json, statistics, sys

path, messages, dropped, cpu, load0, load1, cores, mib, cache = sys.argv[1:]
runs = [json.loads(l) for l in open(path)]
by = {}
for r in runs:
    by.setdefault((r["server"], r["mode"]), []).append(r["result"])

problems = []
sums = {}
for (server, mode), rs in by.items():
    for r in rs:
        if r["messages"] != int(messages) or r["bodystructures"] != r["messages"]:
            problems.append(f"{server} {mode}: {r['messages']} FETCH responses, "
                            f"{r['bodystructures']} BODYSTRUCTUREs (expected {messages})")
        sums.setdefault(r["size_sum"], set()).add(server)
if len(sums) != 1:
    problems.append(f"RFC822.SIZE totals differ: {sums}")

def med(xs):
    return statistics.median(xs) if xs else float("nan")

print(f"\nIMAP FETCH 1:* (FLAGS UID RFC822.SIZE BODYSTRUCTURE), {messages} messages "
      f"({mib} MiB Maildir), {len(runs)} timed FETCHes")
print(f"CPU: {cpu}, {cores} cores; load average before {load0}, after {load1}; "
      f"page cache dropped before cold runs: {dropped}; septet cache: {cache} MiB\n")
print("| server | cache | runs | messages/s (median) | best | server CPU µs/message | RSS after FETCH MiB | peak RSS MiB | septet ÷ Dovecot msg/s (Dovecot ÷ septet CPU/message) |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for mode in ("cold", "warm"):
    rates, cpus = {}, {}
    for server in ("septet", "dovecot"):
        rs = by.get((server, mode), [])
        rate = [r["messages"] / r["seconds"] for r in rs]
        cpu_us = [r["cpu_seconds"] * 1e6 / r["messages"] for r in rs if r["cpu_seconds"] is not None]
        rss = max((r["rss_kib"] or 0) for r in rs) / 1024 if rs else float("nan")
        now = max((r.get("rss_now_kib") or 0) for r in rs) / 1024 if rs else float("nan")
        rates[server], cpus[server] = med(rate), med(cpu_us)
        ratio = (f"{rates['septet'] / rates['dovecot']:.2f}× ({cpus['dovecot'] / cpus['septet']:.2f}×)"
                 if server == "dovecot" else "")
        print(f"| {server} | {mode} | {len(rs)} | {med(rate):,.0f} | {max(rate, default=float('nan')):,.0f} "
              f"| {med(cpu_us):.1f} | {now:.1f} | {rss:.1f} | {ratio} |")
if problems:
    print("\nPROBLEMS:\n" + "\n".join(problems))
    sys.exit(1)
print("\nBoth servers: one BODYSTRUCTURE per message, the same RFC822.SIZE total.")
EOF
