#!/usr/bin/env bash
# A private Postfix instance configured as a relay to a smarthost, for the
# relay benchmark (scripts/bench_relay.sh): the same job septet relay does,
# with Postfix's own durability (its cleanup fsyncs the queue file before 250).
#
#   scripts/postfix_relay.sh start DIR LISTEN_PORT SINK_PORT
#   scripts/postfix_relay.sh stop DIR
#
# Needs the postfix package (Debian's 3.7) and root (Postfix's master runs as
# root and drops to the postfix user). Nothing outside DIR is changed, except
# that an absent /etc/postfix/main.cf is created empty: the postfix command
# reads the default instance's configuration before it looks at -c DIR.
set -euo pipefail
cmd=${1:?start|stop}
dir=$(realpath -m "${2:?DIR}")
case "$cmd" in
start)
    listen=${3:?LISTEN_PORT}
    sink=${4:?SINK_PORT}
    mkdir -p "$dir/etc" "$dir/queue" "$dir/data"
    # The daemons run as the postfix user: every folder above DIR must let it through.
    up=$dir
    while [ "$up" != / ]; do
        [ $(( 8#$(stat -c %a "$up") & 1 )) = 1 ] ||
            { echo "postfix_relay.sh: $up is not searchable by other users (chmod o+x it)" >&2; exit 1; }
        up=$(dirname "$up")
    done
    [ -e /etc/postfix/main.cf ] || { mkdir -p /etc/postfix && : > /etc/postfix/main.cf; }
    grep -q "^alternate_config_directories" /etc/postfix/main.cf ||
        echo "alternate_config_directories = $dir/etc" >> /etc/postfix/main.cf
    grep -q "$dir/etc" /etc/postfix/main.cf ||
        sed -i "s|^alternate_config_directories = .*|&, $dir/etc|" /etc/postfix/main.cf
    cat > "$dir/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix-bench.localhost
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$sink
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtp_tls_security_level = none
smtpd_tls_security_level = none
message_size_limit = 104857600
default_process_limit = 200
smtpd_client_connection_count_limit = 0
smtpd_client_message_rate_limit = 0
smtp_destination_concurrency_limit = 20
default_destination_concurrency_limit = 20
maillog_file_prefixes = $dir
maillog_file = $dir/maillog
biff = no
CF
    # The default services, with smtpd on LISTEN_PORT instead of 25.
    sed -e "s|^smtp      inet  n       -       y       -       -       smtpd|127.0.0.1:$listen inet n - n - - smtpd|" \
        /usr/share/postfix/master.cf.dist > "$dir/etc/master.cf"
    grep -q "^127.0.0.1:$listen" "$dir/etc/master.cf" || { echo "master.cf: smtpd line not found" >&2; exit 1; }
    # chroot is off for every service above ("n" or the dist default "y" is
    # only on smtpd lines); make the rest of the dist file agree.
    sed -i -E 's/^([a-z]+ +[a-z]+ +[-yn] +[-yn] +)y /\1n /' "$dir/etc/master.cf"
    postfix -c "$dir/etc" set-permissions >/dev/null 2>&1 || true
    postfix -c "$dir/etc" check
    postfix -c "$dir/etc" start
    ;;
stop)
    postfix -c "$dir/etc" stop || true
    ;;
*)
    echo "usage: $0 start DIR LISTEN_PORT SINK_PORT | stop DIR" >&2
    exit 2
    ;;
esac
