#!/usr/bin/env bash
# bench-httpd.sh - tlsrpt-httpd under load: wrk POSTs distinct gzipped
# reports (made by tlsrpt-gen) over TLS with keep-alive from 64
# connections on loopback for DURATION seconds; prints durably stored
# reports per second, latency percentiles and the daemon's peak RSS, and
# checks that every 201 is a report in the database. Then a junk flood
# (wrong media type, then invalid bodies) from 64 connections while curl
# POSTs 200 valid reports one by one: prints the flood's answer rate and
# how many of the valid reports were stored. A benchmark, not a test: it
# asserts no timings.
#
# Usage: tests/bench/bench-httpd.sh [BUILD_DIR]    (default ./build)
# Environment: DURATION (20 s), CONNS (64), COUNT (reports made, 200,000, of which
# those of 1 to 3 KB are sent),
# BATCH (--commit-batch, 64; 1 for one commit per report), MAX_REJECTS
# (--max-rejects, 1,000,000: the flood and the valid reports share the
# loopback address, and the default 60 a minute would answer both 429),
# STORE (sqlite, the default, or pg: a private PostgreSQL 15 server of
# tests/pg/pg.sh with fsync on and a new database, counted with psql;
# see tests/bench/store.sh).
set -u
BUILD_DIR=$(cd "${1:-./build}" && pwd)
DURATION=${DURATION:-20}
CONNS=${CONNS:-64}
COUNT=${COUNT:-200000}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../cli/lib.sh"
. "$here/store.sh"
bench_store_start
db=$(bench_newdb t "$work/t.db") || exit 1

command -v wrk >/dev/null || apt-get install -y wrk >/dev/null 2>&1 ||
	{ echo "wrk is needed (apt-get install wrk)"; exit 1; }

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" \
	-out "$work/cert.pem" -days 2 -subj "/CN=localhost" 2>/dev/null
echo "generating $COUNT reports..."
"$BUILD_DIR/tlsrpt-gen" --out "$work/r" --count "$COUNT" --gzip-fraction 1 \
	--size-target 12000 --domains 2000 --days 365 --quiet || exit 1
# Those of 1 to 3 KB, as the issue asks.
find "$work/r" -name '*.json.gz' -size +999c -size -3073c | sort >"$work/list"
# 200 more for the flood, another seed and other days: none of them is
# sent by the load. Days in the past (2020, before the load's 2024-03-01
# and its 365 days): a report of the future is rejected (LIMIT_FUTURE_
# SECONDS), which answered every one of them 400.
"$BUILD_DIR/tlsrpt-gen" --out "$work/late" --count 200 --gzip-fraction 1 \
	--size-target 12000 --start 2020-01-01 --seed 7 --quiet || exit 1
find "$work/late" -name '*.json.gz' | sort >"$work/late.list"
avg=$(xargs stat -c %s <"$work/list" | awk '{ s += $1 } END { printf "%.0f", s / NR }')

port=$((20000 + RANDOM % 20000))
"$BUILD_DIR/tlsrpt-httpd" -f --listen "127.0.0.1:$port" --cert "$work/cert.pem" \
	--key "$work/key.pem" --db "$db" --connections 512 --per-ip 512 \
	--max-rejects "${MAX_REJECTS:-1000000}" \
	--commit-batch "${BATCH:-64}" 2>"$work/httpd.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; '"${pg_dir:+pg_stop; }"'rm -rf "$work"' EXIT
for _ in $(seq 1 50); do
	curl -sk -o /dev/null "https://127.0.0.1:$port/healthz" && break
	sleep 0.1
done

echo "load: $CONNS connections, ${DURATION}s"
wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$here/post.lua" \
	"https://127.0.0.1:$port/" -- "$work/list" 2 >"$work/wrk.out" 2>&1
sleep 1 # the replies wrk no longer waited for
created=$(awk '$1 == "status" && $2 == 201 { print $3 }' "$work/wrk.out")
stored=$(bench_q "$db" 'SELECT count(*) FROM report')
rss=$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")

# The flood: 415s, then 400s, with valid reports sent meanwhile.
printf 'not a report %.0s' $(seq 1 50) >"$work/junk"
echo "$work/junk" >"$work/junklist"
flood() { # MEDIA-TYPE OUT
	wrk -t2 -c"$CONNS" -d10s -s "$here/post.lua" "https://127.0.0.1:$port/" \
		-- "$work/junklist" 1 "$1" >"$2" 2>&1
}
# during NAME MEDIA-TYPE LIST: a flood of MEDIA-TYPE junk (wrk's output in
# flood-NAME), and meanwhile each valid report in LIST POSTed by curl;
# counts the 201s in ok201.
ok201=0
during() {
	flood "$2" "$work/flood-$1" &
	local fpid=$! c f
	sleep 1
	while read -r f; do
		c=$(curl -sk -o /dev/null -w '%{http_code}' -H 'Content-Type: application/tlsrpt+gzip' \
			--data-binary "@$f" "https://127.0.0.1:$port/")
		[ "$c" = 201 ] && ok201=$((ok201 + 1)) || echo "$c $f" >>"$work/flood.fail"
	done <"$3"
	wait $fpid
}
before=$stored
head -n 100 "$work/late.list" >"$work/late1"
tail -n 100 "$work/late.list" >"$work/late2"
during 415 text/plain "$work/late1"
during 400 application/tlsrpt+json "$work/late2"
sleep 1
after=$(bench_q "$db" 'SELECT count(*) FROM report')
quarantined=$(bench_q "$db" 'SELECT count(*) FROM quarantine')

rate() { awk '/Requests\/sec/ { printf "%.0f", $2 }' "$1"; }
awk -v cpus="$(nproc)" -v cpu="$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)" \
	-v avg="$avg" -v d="$DURATION" -v c="$CONNS" -v created="$created" -v stored="$stored" \
	-v rss="$rss" -v p50="$(awk '$1 == "p50_ms" { print $2 }' "$work/wrk.out")" \
	-v p99="$(awk '$1 == "p99_ms" { print $2 }' "$work/wrk.out")" \
	-v f415="$(rate "$work/flood-415")" -v f400="$(rate "$work/flood-400")" \
	-v store="${pg_dir:+PostgreSQL $("$pg_bin/postgres" -V | awk '{ print $3 }') on loopback, fsync on}" \
	-v ok201="$ok201" -v added=$((after - before)) -v q="$quarantined" 'BEGIN {
	printf "machine               %d CPUs, %s\n", cpus, cpu
	if (store != "") printf "store                 %s\n", store
	printf "reports               %d distinct, gzipped, %d B on average\n", '"$(wc -l <"$work/list")"', avg
	printf "load                  %d connections, TLS keep-alive\n", c
	printf "commit batch          at most %d reports\n", '"${BATCH:-64}"'
	printf "stored                %.0f reports/s (%d in %d s; %d in the database)\n", created / d, created, d, stored
	printf "latency               p50 %.1f ms, p99 %.1f ms\n", p50, p99
	printf "peak RSS              %s MiB\n", rss
	printf "junk flood, 415       %s replies/s\n", f415
	printf "junk flood, 400       %s replies/s (%d bodies quarantined)\n", f400, q
	printf "valid during flood    %d of 200 answered 201, %d stored\n", ok201, added
}'
[ -s "$work/flood.fail" ] && { echo "valid reports not answered 201:"; head "$work/flood.fail"; }
grep -h -v '^status\|_ms' "$work/wrk.out" | grep -i 'error\|timeout' || true
