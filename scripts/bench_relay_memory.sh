#!/usr/bin/env bash
# The relay's memory targets (issue 13), measured as the relay's peak RSS
# (VmHWM in /proc/PID/status), each case on a fresh relay process:
#
#   (a) 100 concurrent sessions, each sending one 10 MiB message (Python,
#       100 threads, DATA), relayed to smtp-sink: peak RSS < 256 MiB;
#   (b) one message with a 1 GiB binary attachment (8-bit body,
#       Content-Transfer-Encoding: binary, sent with BDAT BODY=BINARYMIME),
#       relayed to an smtp-sink without 8BITMIME (-8), so septet downgrades
#       it in flight: peak RSS < 64 MiB; the sink's capture must be 7-bit
#       and its attachment must decode to the same SHA-256.
#
#   scripts/bench_relay_memory.sh [a|b|all]      (default all)
#
# Environment:
#   SEPTET                 the septet binary (default: a release build)
#   CARGO_TARGET_DIR       where that build goes (default: target/)
#   SEPTET_PEERS_DIR       unpacked postfix (smtp-sink) (default: target/peers)
#   SEPTET_MEM_BIG_MIB     size of (b)'s attachment in MiB (default 1024)
#   SEPTET_MEM_DIR         work folder (default: under /tmp; (b) needs about
#                          3.5 x SEPTET_MEM_BIG_MIB free)
# Exits non-zero when a bound is exceeded or a check fails.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
peers=${SEPTET_PEERS_DIR:-$root/target/peers}
big_mib=${SEPTET_MEM_BIG_MIB:-1024}
which=${1:-all}
work=${SEPTET_MEM_DIR:-$(mktemp -d /tmp/septet-mem.XXXXXX)}
mkdir -p "$work"
chmod 755 "$work"

sink_bin=$peers/pf/usr/sbin/smtp-sink
if [[ ! -x $sink_bin ]]; then
    echo "smtp-sink missing under $peers/pf (see .ci/run's install step)" >&2
    exit 1
fi
export LD_LIBRARY_PATH=$peers/pf/usr/lib/postfix
septet=${SEPTET:-}
if [[ -z $septet ]]; then
    cargo build --release -p septet-cli --quiet
    septet=$target/release/septet
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [[ -z ${SEPTET_MEM_DIR:-} ]] && rm -rf "$work"
}
trap cleanup EXIT

user_opt=()
[[ $(id -u) == 0 ]] && user_opt=(-u nobody)
status=0

# start_sink DIR OPTS... -> sets sink_port
start_sink() {
    local dir=$1
    shift
    mkdir -p "$dir"
    chmod 777 "$dir"
    sink_port=$(free_port)
    "$sink_bin" "${user_opt[@]}" "$@" -d "$dir/" 127.0.0.1:"$sink_port" 256 &
    pids+=($!)
    sleep 0.3
}

# start_relay NAME -> sets relay_port, relay_pid
start_relay() {
    local name=$1
    relay_port=$(free_port)
    rm -rf "$work/$name-spool"
    "$septet" relay --listen 127.0.0.1:"$relay_port" --spool "$work/$name-spool" \
        --hostname mem.local.test --relayhost 127.0.0.1:"$sink_port" \
        --relay-network 127.0.0.1/32 --max-message-size $(((big_mib + 64) << 20)) \
        >/dev/null 2>"$work/$name-relay.log" &
    relay_pid=$!
    pids+=($relay_pid)
    for _ in $(seq 100); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1', $relay_port))" 2>/dev/null && break
        sleep 0.1
    done
}

wait_spool_empty() {
    local spool=$1 limit=$2
    for _ in $(seq $((limit * 10))); do
        [[ -z $(ls -A "$spool" 2>/dev/null | grep -v -e '^flush$' -e '^free$' || true) ]] && return 0
        sleep 0.1
    done
    echo "the spool $spool did not empty in ${limit}s" >&2
    return 1
}

peak_mib() { awk '/VmHWM/ {printf "%.1f", $2 / 1024}' /proc/"$1"/status; }

check() {
    local what=$1 got=$2 bound=$3
    if awk -v g="$got" -v b="$bound" 'BEGIN { exit !(g < b) }'; then
        echo "  $what: peak RSS $got MiB < $bound MiB: ok"
    else
        echo "  $what: peak RSS $got MiB >= $bound MiB: OVER" >&2
        status=1
    fi
}

case_a() {
    echo "(a) 100 sessions x 10 MiB, DATA, relayed to smtp-sink"
    start_sink "$work/a-sink"
    start_relay a
    local start end
    start=$(date +%s.%N)
    python3 - "$relay_port" <<'PY'
import os, smtplib, sys, threading, base64
port = int(sys.argv[1])
line = base64.b64encode(os.urandom(57)) + b"\r\n"          # 78 bytes
body = line * ((10 << 20) // len(line))
errors = []
def one(i):
    msg = (b"From: a@local.test\r\nTo: far@remote.test\r\nSubject: mem %d\r\n\r\n" % i) + body
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=600) as s:
            s.sendmail("a@local.test", ["far@remote.test"], msg)
    except Exception as e:
        errors.append((i, repr(e)))
threads = [threading.Thread(target=one, args=(i,)) for i in range(100)]
for t in threads: t.start()
for t in threads: t.join()
if errors:
    sys.exit("failed sessions: %r" % errors[:5])
PY
    wait_spool_empty "$work/a-spool" 600
    end=$(date +%s.%N)
    local n
    n=$(ls "$work/a-sink" | wc -l)
    local peak
    peak=$(peak_mib "$relay_pid")
    printf '  %d messages at the sink, %.1f s end to end\n' "$n" "$(echo "$end - $start" | bc -l)"
    [[ $n -ge 100 ]] || { echo "  only $n of 100 messages reached the sink" >&2; status=1; }
    check "(a)" "$peak" 256
    kill "$relay_pid"
}

case_b() {
    echo "(b) ${big_mib} MiB binary attachment, BDAT BINARYMIME in, downgraded to a 7-bit hop"
    start_sink "$work/b-sink" -8
    start_relay b
    local start end
    start=$(date +%s.%N)
    python3 - "$relay_port" "$big_mib" "$work/b-sent.sha256" <<'PY'
import hashlib, os, socket, sys
port, mib, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
s = socket.create_connection(("127.0.0.1", port))
f = s.makefile("rb")
def reply():
    lines = []
    while True:
        l = f.readline()
        if not l:
            sys.exit("connection closed")
        lines.append(l)
        if l[3:4] != b"-":
            return int(l[:3]), lines
def cmd(c, want):
    s.sendall(c + b"\r\n")
    code, lines = reply()
    if code != want:
        sys.exit("%r -> %r" % (c, lines))
    return lines
reply()
ehlo = b"".join(cmd(b"EHLO mem.client.test", 250))
assert b"CHUNKING" in ehlo and b"BINARYMIME" in ehlo, ehlo
cmd(b"MAIL FROM:<a@local.test> BODY=BINARYMIME", 250)
cmd(b"RCPT TO:<far@remote.test>", 250)
head = (b"From: a@local.test\r\nTo: far@remote.test\r\nSubject: big\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=\"=_mem_b\"\r\n\r\n"
        b"--=_mem_b\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        + "Grüße: one gigabyte follows.\r\n".encode() +
        b"--=_mem_b\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment; filename=\"big.bin\"\r\n"
        b"Content-Transfer-Encoding: binary\r\n\r\n")
tail = b"\r\n--=_mem_b--\r\n"
h = hashlib.sha256()
def chunk(data, last=False):
    s.sendall(b"BDAT %d%s\r\n" % (len(data), b" LAST" if last else b"") + data)
    code, lines = reply()
    if code != 250:
        sys.exit("BDAT -> %r" % lines)
chunk(head)
# 1 MiB pieces; the PRNG-ish bytes include NUL, CR and LF (binary).
seed = os.urandom(1 << 20)
for i in range(mib):
    piece = hashlib.sha256(b"%d" % i).digest() * 32 + seed[32 * 32:]
    h.update(piece)
    chunk(piece)
chunk(tail, last=True)
cmd(b"QUIT", 221)
open(out, "w").write(h.hexdigest())
PY
    wait_spool_empty "$work/b-spool" 1800
    end=$(date +%s.%N)
    local peak
    peak=$(peak_mib "$relay_pid")
    printf '  relayed in %.1f s\n' "$(echo "$end - $start" | bc -l)"
    check "(b)" "$peak" 64
    kill "$relay_pid"
    local got
    got=$(ls "$work/b-sink"/* | head -1)
    python3 - "$got" "$(cat "$work/b-sent.sha256")" <<'PY' || status=1
import binascii, hashlib, sys
path, want = sys.argv[1], sys.argv[2]
h = hashlib.sha256()
eight = 0
state = "head"          # head -> part headers -> base64 body -> done
boundary = b"--=_mem_b"
part_headers = []
batch = []
n = 0
with open(path, "rb") as f:
    for line in f:
        n += len(line)
        if not line.isascii():
            eight += 1
        if state == "head" and line.startswith(boundary):
            state, part_headers = "part", []
        elif state == "part":
            if line in (b"\r\n", b"\n"):
                hdr = b"".join(part_headers).lower()
                state = "b64" if b"big.bin" in hdr else "skip"
                if state == "b64" and b"base64" not in hdr:
                    sys.exit("the attachment is not base64: %r" % hdr)
            else:
                part_headers.append(line)
        elif state == "skip" and line.startswith(boundary):
            state, part_headers = "part", []
        elif state == "b64":
            if line.startswith(boundary):
                h.update(binascii.a2b_base64(b"".join(batch)))
                state = "done"
            else:
                # Decoded in batches (a2b_base64 skips the line breaks);
                # whole 4-character groups per line keep batches aligned.
                batch.append(line)
                if len(batch) == 8192:
                    h.update(binascii.a2b_base64(b"".join(batch)))
                    batch = []
print("  sink capture: %.1f MiB, %d line(s) with 8-bit bytes, attachment sha256 %s"
      % (n / 1048576, eight, "matches" if h.hexdigest() == want else "DIFFERS"))
if eight or h.hexdigest() != want or state != "done":
    sys.exit(1)
PY
}

case $which in
    a) case_a ;;
    b) case_b ;;
    all) case_a; case_b ;;
    *) echo "usage: $0 [a|b|all]" >&2; exit 2 ;;
esac
exit $status
