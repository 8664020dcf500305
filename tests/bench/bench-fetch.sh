#!/usr/bin/env bash
# bench-fetch.sh - tlsrpt fetch from a real Dovecot over loopback: N report
# messages (default 10,000, made by tlsrpt-gen --format maildir) in a
# mailbox of a private Dovecot (tests/fetch/dovecot.sh), fetched into a
# fresh database; prints messages/s and peak RSS, beside the floor: the
# curl command fetching the same messages one by one on one connection
# (Dovecot's own rate), and the rate of one command fetching them all.
# Plain IMAP (--no-tls),
# as both see the same bytes; TLS=1 for imaps. A benchmark, not a test:
# it asserts no timings.
#
# Usage: tests/bench/bench-fetch.sh [BUILD_DIR]    (default ./build)
set -u
BUILD_DIR=$(cd "${1:-./build}" && pwd)
COUNT=${COUNT:-10000}
here=$(cd "$(dirname "$0")/../fetch" && pwd)
. "$here/../cli/lib.sh"
. "$here/dovecot.sh"
trap 'dc_stop; rm -rf "$work"' EXIT

if [ "${TLS:-0}" = 1 ]; then
	dc_start "$work/dc" tls || exit 1
	curl_tls=(--cacert "$DC_CA_FILE")
	url="imaps://reports@localhost:$DC_IMAPS_PORT/INBOX"
	fetch_tls=(--ca-file "$DC_CA_FILE")
	base="imaps://localhost:$DC_IMAPS_PORT/INBOX"
else
	dc_start "$work/dc" plain || exit 1
	curl_tls=()
	url="imap://reports@127.0.0.1:$DC_IMAP_PORT/INBOX"
	fetch_tls=(--no-tls)
	base="imap://127.0.0.1:$DC_IMAP_PORT/INBOX"
fi
# tlsrpt-gen gives Google one report per domain and day: 2,000 domains
# over 400 days leave room for COUNT distinct messages (half of them
# written to cur/ as seen: all delivered unseen here).
"$BUILD_DIR/tlsrpt-gen" --out "$work/msgs" --format maildir --count "$COUNT" \
	--domains 2000 --days 400 --quiet || exit 1
COUNT=$(find "$work/msgs/new" "$work/msgs/cur" -type f | wc -l)
dc_deliver_dir "$work/msgs/new" INBOX
dc_deliver_dir "$work/msgs/cur" INBOX
bytes=$(find "$work/msgs/new" "$work/msgs/cur" -type f -exec cat {} + | wc -c)
echo "# $COUNT messages, $((bytes / COUNT)) bytes each on average, in Dovecot $(dovecot --version | cut -d' ' -f1)"
echo "# $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"

# Two references. "one command": UID FETCH 1:* BODY.PEEK[] on one
# connection, the answer written to a file unparsed (bash's /dev/tcp, or
# openssl s_client for imaps): the most Dovecot gives, in one batch.
# "curl alone", after tlsrpt's runs (it leaves every message \Seen):
# the curl command fetching the messages one by one on one connection
# (";UID=[1-N]"), as tlsrpt does; that is the floor. A first pass of the
# first warms Dovecot's index and the page cache.
pw=$(cat "$DC_PASSWORD_FILE")
one_command() {
	local cmds
	cmds=$(printf 'a LOGIN reports %s\r\nb SELECT INBOX\r\nc UID FETCH 1:* BODY.PEEK[]\r\nd LOGOUT\r\n' "$pw")
	if [ "${TLS:-0}" = 1 ]; then
		printf '%s' "$cmds" | openssl s_client -quiet -CAfile "$DC_CA_FILE" \
			-connect "127.0.0.1:$DC_IMAPS_PORT" >"$work/floor.out" 2>/dev/null
	else
		exec 3<>"/dev/tcp/127.0.0.1/$DC_IMAP_PORT"
		printf '%s' "$cmds" >&3
		cat <&3 >"$work/floor.out"
		exec 3<&-
	fi
}
one_command
t0=$(date +%s.%N)
one_command
t1=$(date +%s.%N)
got=$(grep -ac '^\* [0-9]* FETCH' "$work/floor.out")
[ "$got" = "$COUNT" ] || echo "# one command: $got messages in the answer, not $COUNT"
printf 'one command:  %6.0f messages/s (%.2f s, %d MiB)\n' "$(echo "$COUNT / ($t1 - $t0)" | bc -l)" \
	"$(echo "$t1 - $t0" | bc -l)" "$(($(wc -c <"$work/floor.out") >> 20))"

rates=""
for run in 1 2 3; do
	rm -f "$work/b.db"*
	t0=$(date +%s.%N)
	/usr/bin/time -f '%M' -o "$work/rss" "$BUILD_DIR/tlsrpt" --db "$work/b.db" fetch \
		"${fetch_tls[@]}" --password-file "$DC_PASSWORD_FILE" -q "$url" >"$work/out" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	rate=$(echo "$COUNT / ($t1 - $t0)" | bc -l)
	rates="$rates $rate"
	printf 'tlsrpt fetch: %6.0f messages/s (%.2f s), peak RSS %.1f MiB; %s (exit %d)\n' \
		"$rate" "$(echo "$t1 - $t0" | bc -l)" "$(echo "$(cat "$work/rss") / 1024" | bc -l)" \
		"$(tail -n 1 "$work/out")" "$rc"
done

t0=$(date +%s.%N)
curl -s "${curl_tls[@]}" -u "reports:$pw" "$base;UID=[1-$COUNT]" -o "$work/curl.out"
t1=$(date +%s.%N)
curl_rate=$(echo "$COUNT / ($t1 - $t0)" | bc -l)
median=$(printf '%s\n' $rates | sort -n | sed -n 2p)
printf 'curl alone:   %6.0f messages/s (%.2f s, %d MiB); tlsrpt fetch (median) %.2fx curl\n' \
	"$curl_rate" "$(echo "$t1 - $t0" | bc -l)" "$(($(wc -c <"$work/curl.out") >> 20))" \
	"$(echo "$median / $curl_rate" | bc -l)"
