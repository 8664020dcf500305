#!/usr/bin/env bash
# bench-fetch.sh - tlsrpt fetch from a real Dovecot over loopback: N report
# messages (default 10,000, made by tlsrpt-gen --format maildir) in a
# mailbox of a private Dovecot (tests/fetch/dovecot.sh), fetched into a
# fresh database; prints messages/s and peak RSS, beside the floor: curl
# alone fetching the same messages on one connection (Dovecot's own
# rate). Plain IMAP (--no-tls), as both see the same bytes; run with
# TLS=1 for imaps (TLS costs both the same). A benchmark, not a test: it
# asserts no timings.
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
	url="imaps://reports@localhost:$DC_IMAPS_PORT/INBOX"
	curl_tls=(--cacert "$DC_CA_FILE")
	fetch_tls=(--ca-file "$DC_CA_FILE")
	base="imaps://localhost:$DC_IMAPS_PORT/INBOX"
else
	dc_start "$work/dc" plain || exit 1
	url="imap://reports@127.0.0.1:$DC_IMAP_PORT/INBOX"
	curl_tls=()
	fetch_tls=(--no-tls)
	base="imap://127.0.0.1:$DC_IMAP_PORT/INBOX"
fi
"$BUILD_DIR/tlsrpt-gen" --out "$work/msgs" --format maildir --count "$COUNT" \
	--domains 200 --quiet || exit 1
dc_deliver_dir "$work/msgs/new" INBOX
bytes=$(cat "$work/msgs/new"/* | wc -c)
echo "# $COUNT messages, $((bytes / COUNT)) bytes each on average, in Dovecot $(dovecot --version | cut -d' ' -f1)"
echo "# $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"

# The floor: curl fetches every message (UID FETCH n BODY[]) on one
# connection, discarding the bytes. A first pass warms Dovecot's index.
pw=$(cat "$DC_PASSWORD_FILE")
curl -s "${curl_tls[@]}" -u "reports:$pw" "$base;UID=[1-$COUNT]" >/dev/null
t0=$(date +%s.%N)
curl -s "${curl_tls[@]}" -u "reports:$pw" "$base;UID=[1-$COUNT]" >/dev/null
t1=$(date +%s.%N)
curl_rate=$(echo "$COUNT / ($t1 - $t0)" | bc -l)
printf 'curl alone:   %6.0f messages/s (%.2f s)\n' "$curl_rate" "$(echo "$t1 - $t0" | bc -l)"

for run in 1 2 3; do
	rm -f "$work/b.db"*
	t0=$(date +%s.%N)
	/usr/bin/time -f '%M' -o "$work/rss" "$BUILD_DIR/tlsrpt" --db "$work/b.db" fetch \
		"${fetch_tls[@]}" --password-file "$DC_PASSWORD_FILE" -q "$url" >"$work/out" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	rate=$(echo "$COUNT / ($t1 - $t0)" | bc -l)
	printf 'tlsrpt fetch: %6.0f messages/s (%.2f s), peak RSS %.1f MiB, %.2fx curl; %s (exit %d)\n' \
		"$rate" "$(echo "$t1 - $t0" | bc -l)" "$(echo "$(cat "$work/rss") / 1024" | bc -l)" \
		"$(echo "$rate / $curl_rate" | bc -l)" "$(tail -n 1 "$work/out")" "$rc"
done
