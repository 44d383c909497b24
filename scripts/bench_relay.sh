#!/usr/bin/env bash
# Relay throughput benchmark (issue 13): Postfix's smtp-source → septet relay
# → smtp-sink on loopback, 20,000 messages of 5 KiB and 2,000 of 100 KiB, with
# the spool fsynced before every 250 (septet always does). Prints messages/s,
# MiB/s (end to end: from the first connection until the spool is empty again)
# and the relay's peak RSS.
#
#   scripts/bench_relay.sh              # septet only
#   scripts/bench_relay.sh --postfix    # and Postfix as a relay to the same
#                                       # sink in the same run (needs a Postfix
#                                       # installed: apt-get install postfix)
#
# Environment:
#   CARGO_TARGET_DIR       where the release build goes (default: target/)
#   SEPTET_PEERS_DIR       unpacked postfix (smtp-source/smtp-sink) (default:
#                          target/peers, as .ci/run installs it)
#   SEPTET_BENCH_SMALL     5 KiB messages (default 20000)
#   SEPTET_BENCH_LARGE     100 KiB messages (default 2000)
#   SEPTET_BENCH_SESSIONS  parallel smtp-source sessions (default 20)
#   SEPTET_BENCH_DIR       spool location (default: a folder under /tmp: a
#                          real disk, so the fsyncs cost what they cost)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
peers=${SEPTET_PEERS_DIR:-$root/target/peers}
small=${SEPTET_BENCH_SMALL:-20000}
large=${SEPTET_BENCH_LARGE:-2000}
sessions=${SEPTET_BENCH_SESSIONS:-20}
work=${SEPTET_BENCH_DIR:-$(mktemp -d /tmp/septet-bench-relay.XXXXXX)}
with_postfix=0
[[ ${1:-} == --postfix ]] && with_postfix=1

if [[ ! -x $peers/pf/usr/sbin/smtp-source ]]; then
    echo "smtp-source missing under $peers/pf (see .ci/run's install step)" >&2
    exit 1
fi
export LD_LIBRARY_PATH=$peers/pf/usr/lib/postfix
source_bin=$peers/pf/usr/sbin/smtp-source
sink_bin=$peers/pf/usr/sbin/smtp-sink

cargo build --release -p septet-cli --quiet
septet=$target/release/septet

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

sink_port=$(free_port)
user_opt=()
[[ $(id -u) == 0 ]] && user_opt=(-u nobody)
"$sink_bin" "${user_opt[@]}" 127.0.0.1:"$sink_port" 1024 &
pids+=($!)

# run NAME PORT PIDFILE-OR-PID COUNT SIZE SPOOL-EMPTY-CHECK
measure() {
    local name=$1 port=$2 count=$3 size=$4 empty_check=$5 rss_pid=$6
    local start end secs
    start=$(date +%s.%N)
    "$source_bin" -s "$sessions" -m "$count" -l "$size" -f bench@local.test -t sink@remote.test \
        127.0.0.1:"$port"
    until eval "$empty_check"; do sleep 0.05; done
    end=$(date +%s.%N)
    secs=$(echo "$end - $start" | bc -l)
    local rss="-"
    [[ -n $rss_pid ]] && rss=$(awk '/VmHWM/ {print $2/1024 " MiB"}' /proc/"$rss_pid"/status)
    printf '%-8s %6d x %6d B  %7.2f s  %9.1f msg/s  %7.1f MiB/s  peak RSS %s\n' \
        "$name" "$count" "$size" "$secs" "$(echo "$count / $secs" | bc -l)" \
        "$(echo "$count * $size / 1048576 / $secs" | bc -l)" "$rss"
}

relay_port=$(free_port)
spool=$work/spool
rm -rf "$spool"
"$septet" relay --listen 127.0.0.1:"$relay_port" --spool "$spool" --hostname bench.local.test \
    --relayhost 127.0.0.1:"$sink_port" --relay-network 127.0.0.1/32 >/dev/null 2>"$work/relay.log" &
relay_pid=$!
pids+=($relay_pid)
sleep 0.5
spool_empty="[[ -z \$(ls -A '$spool') ]]"
measure septet "$relay_port" "$small" 5120 "$spool_empty" "$relay_pid"
measure septet "$relay_port" "$large" 102400 "$spool_empty" "$relay_pid"

if [[ $with_postfix == 1 ]]; then
    command -v postfix >/dev/null || { echo "no postfix installed (apt-get install postfix)" >&2; exit 1; }
    pf_port=$(free_port)
    conf=$work/postfix-conf
    mkdir -p "$conf"
    cp /etc/postfix/master.cf "$conf/master.cf"
    # Port pf_port instead of 25; the same relay rules as septet's run.
    sed -i "s/^smtp      inet/$pf_port      inet/" "$conf/master.cf"
    cat >"$conf/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $work/postfix-queue
data_directory = $work/postfix-data
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = postfix.local.test
mydestination =
relayhost = [127.0.0.1]:$sink_port
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
default_process_limit = 100
smtp_destination_concurrency_limit = 20
maillog_file = $work/postfix.log
CF
    mkdir -p "$work/postfix-queue" "$work/postfix-data"
    postfix -c "$conf" check
    postfix -c "$conf" start
    sleep 1
    queue_empty="[[ -z \$(find '$work/postfix-queue'/{incoming,active,deferred,maildrop} -type f 2>/dev/null | head -1) ]]"
    measure postfix "$pf_port" "$small" 5120 "$queue_empty" ""
    measure postfix "$pf_port" "$large" 102400 "$queue_empty" ""
    postfix -c "$conf" stop
fi
