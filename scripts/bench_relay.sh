#!/usr/bin/env bash
# Relay throughput benchmark (issue 13): Postfix's smtp-source → relay →
# smtp-sink on loopback, 20,000 messages of 5 KiB and 2,000 of 100 KiB, with
# every message fsynced before its 250 (septet always does; so does Postfix's
# cleanup). Prints one table: messages/s and MiB/s end to end (from the first
# connection until the sink has everything and the queue is empty again),
# peak RSS, and with --postfix the septet/Postfix ratio.
#
#   scripts/bench_relay.sh              # septet only
#   scripts/bench_relay.sh --postfix    # and a private Postfix relay to the
#                                       # same sink, runs alternating with
#                                       # septet's (needs postfix installed
#                                       # and root: scripts/postfix_relay.sh)
#
# Environment:
#   CARGO_TARGET_DIR         where the release build goes (default: target/)
#   SEPTET_PEERS_DIR         unpacked postfix (smtp-source/smtp-sink) (default:
#                            target/peers, as .ci/run installs it)
#   SEPTET_BENCH_SMALL       5 KiB messages (default 20000)
#   SEPTET_BENCH_LARGE       100 KiB messages (default 2000)
#   SEPTET_BENCH_SESSIONS    parallel smtp-source sessions (default 20)
#   SEPTET_BENCH_CONCURRENCY connections from the relay to the sink, both
#                            relays (default 20, Postfix's default)
#   SEPTET_BENCH_ROUNDS      runs of each size per relay (default 1); the
#                            ratio uses each side's best run
#   SEPTET_BENCH_TIMEOUT     seconds a run may take before it counts as failed
#                            (default 900)
#   SEPTET_BENCH_DIR         work folder (default: a new folder under /tmp: a
#                            real disk, so the fsyncs cost what they cost)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
peers=${SEPTET_PEERS_DIR:-$root/target/peers}
small=${SEPTET_BENCH_SMALL:-20000}
large=${SEPTET_BENCH_LARGE:-2000}
sessions=${SEPTET_BENCH_SESSIONS:-20}
concurrency=${SEPTET_BENCH_CONCURRENCY:-20}
rounds=${SEPTET_BENCH_ROUNDS:-1}
timeout=${SEPTET_BENCH_TIMEOUT:-900}
work=${SEPTET_BENCH_DIR:-$(mktemp -d /tmp/septet-bench-relay.XXXXXX)}
# Postfix's daemons run as the postfix user and must reach its queue inside.
chmod 755 "$work"
with_postfix=0
case ${1:-} in
--postfix) with_postfix=1 ;;
"") ;;
*) echo "usage: $0 [--postfix]" >&2; exit 2 ;;
esac

if [[ ! -x $peers/pf/usr/sbin/smtp-source ]]; then
    echo "smtp-source missing under $peers/pf (see .ci/run's install step)" >&2
    exit 1
fi
if [[ $with_postfix == 1 ]]; then
    command -v postfix >/dev/null || { echo "no postfix installed (apt-get install postfix)" >&2; exit 1; }
    [[ $(id -u) == 0 ]] || { echo "--postfix needs root (Postfix's master runs as root)" >&2; exit 1; }
fi
# Only the unpacked tools get the unpacked libraries: the installed
# Postfix must keep its own.
# `exec`, so the pid of `peer_bg ... &` is the tool's own (cleanup kills
# it): call it only in the background.
peer_bg() { LD_LIBRARY_PATH=$peers/pf/usr/lib/postfix exec "$@"; }
source_bin=$peers/pf/usr/sbin/smtp-source
sink_bin=$peers/pf/usr/sbin/smtp-sink

cargo build --release -p septet-cli --quiet
septet=$target/release/septet

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

mkdir -p "$work"
pids=()
pf_dir=$work/postfix
pf_started=0
cleanup() {
    [[ $pf_started == 1 ]] && "$root/scripts/postfix_relay.sh" stop "$pf_dir" >/dev/null 2>&1
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

sink_port=$(free_port)
user_opt=()
[[ $(id -u) == 0 ]] && user_opt=(-u nobody)
peer_bg "$sink_bin" "${user_opt[@]}" 127.0.0.1:"$sink_port" 1024 &
pids+=($!)

# septet: a TOML config, so the connection count matches Postfix's.
relay_port=$(free_port)
spool=$work/spool
rm -rf "$spool"
cat >"$work/septet.toml" <<TOML
listen = ["127.0.0.1:$relay_port"]
spool = "$spool"
hostname = "bench.local.test"
relayhost = "127.0.0.1:$sink_port"
relay_network = ["127.0.0.1/32"]
max_connections_per_destination = $concurrency
TOML
"$septet" relay --config "$work/septet.toml" >/dev/null 2>"$work/septet.log" &
septet_pid=$!
pids+=($septet_pid)

if [[ $with_postfix == 1 ]]; then
    pf_port=$(free_port)
    rm -rf "$pf_dir"
    pf_started=1
    "$root/scripts/postfix_relay.sh" start "$pf_dir" "$pf_port" "$sink_port" >"$work/postfix-start.log" 2>&1 ||
        { cat "$work/postfix-start.log" >&2; exit 1; }
    # Same connection count to the sink as septet's.
    postconf -c "$pf_dir/etc" -e "smtp_destination_concurrency_limit = $concurrency" \
        "default_destination_concurrency_limit = $concurrency"
    postfix -c "$pf_dir/etc" reload >/dev/null 2>&1
fi

# Waits until PORT accepts connections.
wait_port() {
    local i
    for ((i = 0; i < 200; i++)); do
        (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "nothing listens on port $1" >&2
    exit 1
}
wait_port "$sink_port"
wait_port "$relay_port"
[[ $with_postfix == 1 ]] && wait_port "$pf_port"

# How many messages each relay has handed to the sink so far (its log).
sent_septet() { grep -c ' delivered ' "$work/septet.log" || true; }
sent_postfix() { grep -c 'status=sent' "$pf_dir/maillog" 2>/dev/null || true; }
queue_empty_septet() { [[ -z $(find "$spool" -maxdepth 1 \( -name '*.env' -o -name '*.msg' \) -print -quit) ]]; }
queue_empty_postfix() {
    [[ -z $(find "$pf_dir/queue"/{maildrop,incoming,active,deferred,hold} -type f -print -quit 2>/dev/null) ]]
}
# The relay's processes: septet's one, or Postfix's master and its children.
procs_septet() { echo "$septet_pid"; }
procs_postfix() {
    local master
    master=$(tr -d ' ' <"$pf_dir/queue/pid/master.pid")
    echo "$master"
    pgrep -P "$master" || true
}
# One awk for all of them: the sampling must cost little next to the relay.
# Prints summed RSS and summed PSS (shared pages split between the
# processes that map them: the fair figure for Postfix's many processes).
mem_kib() {
    local files=() p
    for p in "$@"; do files+=("/proc/$p/smaps_rollup"); done
    awk '/^Rss:/ { r += $2 } /^Pss:/ { p += $2 } END { print r + 0, p + 0 }' "${files[@]}" 2>/dev/null || echo 0 0
}

results=()
# measure RELAY PORT COUNT SIZE ROUND: one smtp-source run through RELAY,
# timed until everything is at the sink and the queue is empty.
measure() {
    local name=$1 port=$2 count=$3 size=$4 round=$5
    local before start end secs peak=0 peak_pss=0 rss pss sent status=ok
    before=$("sent_$name")
    start=$(date +%s.%N)
    peer_bg "$source_bin" -s "$sessions" -m "$count" -l "$size" \
        -f bench@local.test -t sink@remote.test 127.0.0.1:"$port" &
    local source_pid=$!
    while :; do
        read -r rss pss < <(mem_kib $("procs_$name"))
        ((rss > peak)) && peak=$rss
        ((pss > peak_pss)) && peak_pss=$pss
        if ! kill -0 "$source_pid" 2>/dev/null; then
            sent=$(($("sent_$name") - before))
            ((sent >= count)) && "queue_empty_$name" && break
        fi
        if (($(date +%s) - ${start%.*} > timeout)); then
            status=TIMEOUT
            break
        fi
        sleep 0.1
    done
    end=$(date +%s.%N)
    wait "$source_pid" || status=SOURCE-FAILED
    sent=$(($("sent_$name") - before))
    ((sent != count)) && [[ $status == ok ]] && status="sent $sent"
    if [[ $name == septet ]]; then
        # The kernel's own high-water mark (no sampling), whole run so far.
        local hwm
        hwm=$(awk '/^VmHWM/ {print $2}' /proc/"$septet_pid"/status)
        ((hwm > peak)) && peak=$hwm
    fi
    secs=$(echo "$end - $start" | bc -l)
    results+=("$name $round $count $size $secs $peak $status")
    printf '%-8s %5s %7d %7d %8.2f %9.1f %8.1f %8.1f %8.1f  %s\n' "$name" "$round" "$count" "$size" "$secs" \
        "$(echo "$count / $secs" | bc -l)" "$(echo "$count * $size / 1048576 / $secs" | bc -l)" \
        "$(echo "$peak / 1024" | bc -l)" "$(echo "$peak_pss / 1024" | bc -l)" "$status"
}

echo "smtp-source -s $sessions (one message per connection) -> relay -> smtp-sink, $concurrency connections to the sink"
echo "$(nproc) CPUs: $(lscpu | sed -n 's/^Model name: *//p'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %5s %7s %7s %8s %9s %8s %8s %8s  %s\n' relay round msgs bytes seconds msg/s MiB/s "RSS MiB" "PSS MiB" status
for ((r = 1; r <= rounds; r++)); do
    for size_count in "5120 $small" "102400 $large"; do
        read -r size count <<<"$size_count"
        ((count > 0)) || continue
        measure septet "$relay_port" "$count" "$size" "$r"
        [[ $with_postfix == 1 ]] && measure postfix "$pf_port" "$count" "$size" "$r"
    done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Peak memory, sampled every 0.1 s: summed over the relay's processes (septet: one; Postfix: master and"
echo "its children). RSS counts shared pages once per process; PSS splits them. septet's RSS is its VmHWM."

if [[ $with_postfix == 1 ]]; then
    for size in 5120 102400; do
        printf '%s\n' "${results[@]}" | awk -v size="$size" '
            $4 == size && $7 == "ok" { r = $3 / $5; if (r > best[$1]) best[$1] = r }
            END {
                if (best["septet"] > 0 && best["postfix"] > 0)
                    printf "ratio %6d B: septet %.1f msg/s / postfix %.1f msg/s = %.2fx (best runs)\n",
                        size, best["septet"], best["postfix"], best["septet"] / best["postfix"]
            }'
    done
fi
echo "logs and spools: $work"
