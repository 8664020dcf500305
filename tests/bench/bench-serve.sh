#!/usr/bin/env bash
# bench-serve.sh - how fast `tlsrpt serve` draws its pages on the query
# benchmark's database of 1,000,000 reports (bench-query.sh makes it:
# $BENCH_DIR/real-1000000.db, 2,004 policy domains over two years to
# 2026-10-31), and whether its memory stays flat.
#
# Usage: tests/bench/bench-serve.sh [BUILD_DIR]     (default ./build)
#
# Starts the server on a loopback port, then for each page: the first
# request (nothing kept: drawn from the database) and the second (the
# answer kept while the database does not change), wall time by curl;
# then 200 requests of 100 distinct domain pages and failures groupings
# and the server's RSS after each 50. A benchmark, not a test: it asserts
# no timings.
set -euo pipefail
BUILD_DIR=$(cd "${1:-./build}" && pwd)
BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/tlsrpt-bench-query}
db=${DB:-$BENCH_DIR/real-1000000.db}
port=${PORT:-18089}
[ -f "$db" ] || { echo "bench-serve: no $db; run SIZES=1000000 DATASETS=real tests/bench/bench-query.sh first" >&2; exit 1; }
"$BUILD_DIR/tlsrpt" --db "$db" serve --listen "127.0.0.1:$port" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/style.css" && break; sleep 0.1; done

M="since=2026-10-02&until=2026-10-31" # the data's last 30 days
ALL="since=2024-11-01&until=2026-10-31"
PAGES=(
	"/?$M"
	"/?$ALL"
	"/domain/example-1.test?$M"
	"/domain/example-1.test?$ALL"
	"/domain/alerts.dane.example?$M"
	"/failures?$M"
	"/failures?$M&by=type,mx&sort=result_type"
	"/failures?$ALL"
	"/reports?$M"
	"/quarantine"
	"/api/v1/summary?$M"
	"/api/v1/failures?$M&limit=100"
	"/api/v1/readiness?$M"
)
t() { curl -s -o /dev/null -w "%{time_total} %{size_download}" "http://127.0.0.1:$port$1"; }
echo "| page | first (drawn) | again (kept) | bytes |"
echo "|---|---|---|---|"
for p in "${PAGES[@]}"; do
	read -r a n <<<"$(t "$p")"
	read -r b _ <<<"$(t "$p")"
	printf '| `%s` | %.0f ms | %.1f ms | %s |\n' "$p" "$(echo "$a * 1000" | bc)" "$(echo "$b * 1000" | bc)" "$n"
done
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
echo
printf 'RSS after the pages above: %d MiB' $(($(rss) / 1024))
doms=$("$BUILD_DIR/tlsrpt" --db "$db" summary --since 2026-10-02 --until 2026-10-31 --format csv | awk -F, 'NR > 1 && NR <= 101 {print $1}')
i=0
for d in $doms; do
	t "/domain/$d?$M" >/dev/null
	t "/failures?$M&domain=$d&by=type,mx" >/dev/null
	i=$((i + 2))
	if [ $((i % 50)) -eq 0 ]; then printf ', %d: %d MiB' "$i" $(($(rss) / 1024)); fi
done
echo
