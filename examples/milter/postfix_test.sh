#!/usr/bin/env bash
# The milter in a real Postfix: a private instance (scripts/postfix_relay.sh)
# with smtpd_milters = septet-milter relays to an SMTP sink that accepts
# 8BITMIME, so any 7-bit conversion seen at the sink is the milter's.
#
#   examples/milter/postfix_test.sh SEPTET_MILTER_BINARY
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
milter="$(realpath "${1:?SEPTET_MILTER_BINARY}")"
dir="$(mktemp -d)"
chmod 755 "$dir" # Postfix daemons (user postfix) must reach the queue
base=$((20000 + RANDOM % 20000))
listen=$base sink=$((base + 1)) mport=$((base + 2))
pids=()
cleanup() {
    "$root/scripts/postfix_relay.sh" stop "$dir/pf" >/dev/null 2>&1 || true
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$dir"
}
trap cleanup EXIT

mkdir -p "$dir/received"
python3 "$here/smtp_sink.py" "$sink" "$dir/received" & pids+=($!)
"$milter" -p "inet:$mport@127.0.0.1" & pids+=($!)
"$root/scripts/postfix_relay.sh" start "$dir/pf" "$listen" "$sink"
postconf -c "$dir/pf/etc" -e "smtpd_milters = inet:127.0.0.1:$mport" \
    "milter_default_action = tempfail" "disable_mime_output_conversion = yes"
postfix -c "$dir/pf/etc" reload >/dev/null 2>&1
sleep 1

python3 - "$listen" <<'PY'
import smtplib, sys, time
msg = ("From: sender@example.org\r\nTo: rcpt@example.net\r\n"
       "Subject: Gr\u00fc\u00dfe\r\nMIME-Version: 1.0\r\n"
       "Content-Type: text/plain; charset=utf-8\r\n"
       "Content-Transfer-Encoding: 8bit\r\n\r\n"
       "Gr\u00fc\u00dfe aus K\u00f6ln, a long line of mostly ASCII text.\r\n").encode()
for attempt in range(30):
    try:
        with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30) as s:
            s.sendmail("sender@example.org", ["rcpt@example.net"], msg,
                       mail_options=["BODY=8BITMIME"])
        break
    except (ConnectionError, smtplib.SMTPException):
        time.sleep(1)
else:
    sys.exit("cannot submit to postfix")
PY

for _ in $(seq 60); do
    [ -e "$dir/received/0.eml" ] && break
    sleep 1
done
got="$dir/received/0.eml"
if [ ! -e "$got" ]; then
    echo "postfix_test: nothing relayed; maillog:" >&2
    tail -20 "$dir/pf/maillog" >&2 || true
    exit 1
fi
fail=0
LC_ALL=C grep -q -P '[\x80-\xff]' "$got" && { echo "postfix_test: 8-bit bytes relayed" >&2; fail=1; }
grep -qi '^Content-Transfer-Encoding: quoted-printable' "$got" || { echo "postfix_test: CTE not changed" >&2; fail=1; }
[ "$(grep -ci '^Content-Transfer-Encoding:' "$got")" = 1 ] || { echo "postfix_test: CTE fields duplicated" >&2; fail=1; }
grep -q '^Subject: =?utf-8?B?R3LDvMOfZQ==?=' "$got" || { echo "postfix_test: Subject not encoded" >&2; fail=1; }
grep -q '^Gr=C3=BC=C3=9Fe aus K=C3=B6ln' "$got" || { echo "postfix_test: body not encoded" >&2; fail=1; }
if [ "$fail" = 1 ]; then cat -A "$got" >&2; exit 1; fi
echo "milter: postfix relayed the 7-bit form"
