#!/usr/bin/env bash
# bench-query.sh - how the analyzer's queries grow with the number of
# stored reports: 10,000, 100,000 and 1,000,000 (SIZES to change), on two
# datasets (DATASETS to change):
#   real  the generator's realistic senders: few sending MTAs, so the
#         default failures grouping has a few thousand groups;
#   wide  the same with --distinct-mtas: nearly every failure detail names
#         a sending address of its own (a large provider's IPv6 pools), so
#         the grouping has about as many groups as failure details.
#
# Usage: tests/bench/bench-query.sh [BUILD_DIR]      (default ./build)
#
# For each dataset and size, tlsrpt-gen makes the reports (2,000 policy
# domains besides the four fixed ones, two years from 2024-11-01, about
# 4.1 failure details a report: --size-target 2700), and `tlsrpt import`
# stores them in start time order, as they would arrive, into
# $BENCH_DIR/SET-N.db (kept and reused while its stamp matches). Then each
# query runs RUNS times (default 3); the best wall time and the peak RSS
# are printed as a Markdown table per dataset: summary, failures (default
# grouping, all rows as JSON and as a table, and --limit 100) and
# readiness over the whole range, each over the last 7 days of data, and
# the digest of the last day, week and month. Below each table: the rows
# of the unlimited failures output and the rate they were written at.
#
# STORE=pg runs the same on PostgreSQL (tests/bench/store.sh): a private
# server of tests/pg/pg.sh (fsync on, 64 MB of shared buffers), thrown
# away at the end, so each run imports again, into a new database per
# dataset and size, the same generated reports in the same order
# (tlsrpt-gen is deterministic; the files are kept in $BENCH_DIR/pg-SET-N,
# with a stamp, for the next run), then VACUUM (ANALYZE) as autovacuum
# would after a bulk load. PG_IMPORT_JOBS (default 1) imports that many
# shares of the files at once (writers on one database; at 2 they stopped
# on "partition: deadlock detected" on 2026-12-06).
#
# A benchmark, not a test: it asserts no timings.
set -euo pipefail

BUILD_DIR=${1:-./build}
SIZES=${SIZES:-"10000 100000 1000000"}
DATASETS=${DATASETS:-"real wide"}
RUNS=${RUNS:-3}
BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/tlsrpt-bench-query}

die() { echo "bench-query: $*" >&2; exit 1; }
. "$(dirname "$0")/store.sh"
[ -x "$BUILD_DIR/tlsrpt" ] && [ -x "$BUILD_DIR/tlsrpt-gen" ] ||
	die "$BUILD_DIR/tlsrpt and tlsrpt-gen not found (build first)"
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
[ -x /usr/bin/time ] || die "/usr/bin/time missing: apt-get install time"
mkdir -p "$BENCH_DIR"
bench_store_start

# The last 7 days of the generated data (it spans 2024-11-01 + 730 days).
WEEK="--since 2026-10-25 --until 2026-10-31"
QUERIES=(
	"summary"
	"failures"
	"failures --format table"
	"failures --limit 100"
	"readiness --since 2024-11-01"
	"summary $WEEK"
	"failures $WEEK --limit 100"
	"readiness $WEEK"
	"digest --period day --at 2026-10-31"
	"digest --period week --at 2026-11-01"
	"digest --period month --at 2026-11-01"
)

prepare() { # SET N: the database of N reports of dataset SET
	[ "$STORE" = sqlite ] || { prepare_pg "$@"; return; }
	local set=$1 n=$2 db="$BENCH_DIR/$1-$2.db" stamp="$BENCH_DIR/$1-$2.stamp"
	local want="n=$n domains=2000 days=730 size=2700 set=$set schema=$(ls "$BUILD_DIR"/../schema/*.sql 2>/dev/null | tail -1 | xargs -r basename)"
	local extra=()
	[ "$set" = wide ] && extra=(--distinct-mtas)
	if [ -f "$db" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
		return
	fi
	rm -rf "$BENCH_DIR/gen" "$db" "$db-wal" "$db-shm"
	echo "generating and importing $n reports ($set)" >&2
	"$BUILD_DIR/tlsrpt-gen" --out "$BENCH_DIR/gen" --count "$n" --domains 2000 \
		--days 730 --start 2024-11-01 --size-target 2700 --quiet "${extra[@]}"
	# File names are ORG!DOMAIN!START!END!N: import in start order.
	(cd "$BENCH_DIR/gen" && ls | sort -t'!' -k3,3n -k1,2 |
		xargs -d '\n' -n 50000 "$BUILD_DIR/tlsrpt" --db "$db" import -q >/dev/null)
	rm -rf "$BENCH_DIR/gen"
	echo "$want" >"$stamp"
}

# prepare_pg SET N: the same reports as prepare's, imported into a new
# PostgreSQL database SET_N, whose URI is left in pgdb.
pgdb=""
prepare_pg() {
	local set=$1 n=$2 gen="$BENCH_DIR/pg-$1-$2" db t0 t1 l pids=() rc=0
	local want="n=$n domains=2000 days=730 size=2700 set=$set"
	local extra=()
	[ "$set" = wide ] && extra=(--distinct-mtas)
	if [ ! -d "$gen" ] || [ "$(cat "$gen.stamp" 2>/dev/null)" != "$want" ]; then
		rm -rf "$gen" "$gen.stamp"
		echo "generating $n reports ($set) into $gen" >&2
		"$BUILD_DIR/tlsrpt-gen" --out "$gen" --count "$n" --domains 2000 \
			--days 730 --start 2024-11-01 --size-target 2700 --quiet "${extra[@]}"
		echo "$want" >"$gen.stamp"
	fi
	db=$(pg_newdb "${set}_$n")
	pgdb=$db
	echo "importing $n reports ($set) into $db" >&2
	# File names are ORG!DOMAIN!START!END!N: import in start order (each
	# job a contiguous share of it).
	(cd "$gen" && ls | sort -t'!' -k3,3n -k1,2) >"$BENCH_DIR/pg-list"
	rm -f "$BENCH_DIR"/pg-list.*
	split -n "l/${PG_IMPORT_JOBS:-1}" "$BENCH_DIR/pg-list" "$BENCH_DIR/pg-list."
	t0=$(date +%s.%N)
	for l in "$BENCH_DIR"/pg-list.*; do
		(cd "$gen" && xargs -d '\n' -n 50000 "$BUILD_DIR/tlsrpt" --db "$db" \
			import -q <"$l" >/dev/null) &
		pids+=($!)
	done
	for l in "${pids[@]}"; do wait "$l" || rc=$?; done
	t1=$(date +%s.%N)
	rm -f "$BENCH_DIR"/pg-list*
	[ "$rc" -eq 0 ] || die "import into $db failed ($rc)"
	bench_q "$db" 'VACUUM (ANALYZE)'
	awk -v a="$t0" -v b="$t1" -v n="$(bench_q "$db" 'SELECT count(*) FROM report')" \
		-v size="$(bench_db_bytes "$db")" 'BEGIN {
		printf "imported %d reports in %.1f s (%.0f/s), %.1f MiB\n",
		    n, b - a, n / (b - a), size / 1048576 }' >&2
}

measure() { # DB QUERY...: best wall seconds and peak RSS (KiB) of RUNS
	local db=$1 best="" rss=0 i out t m fmt
	shift
	for ((i = 0; i < RUNS; i++)); do
		# The digest is a mail, not a table: no --format.
		fmt=(--format json)
		case " $* " in *" --format "*) fmt=() ;; esac
		[ "$1" = digest ] && fmt=()
		out=$( { /usr/bin/time -f "%e %M" "$BUILD_DIR/tlsrpt" --db "$db" "$@" \
			"${fmt[@]}" >/dev/null; } 2>&1 | tail -1)
		t=${out% *} m=${out#* }
		if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
		[ "$m" -gt "$rss" ] && rss=$m
	done
	echo "$best $rss"
}

declare -A RES ROWS
for set in $DATASETS; do
	for n in $SIZES; do
		prepare "$set" "$n"
		db="$BENCH_DIR/$set-$n.db"
		[ "$STORE" = sqlite ] || db=$pgdb
		for q in "${QUERIES[@]}"; do
			# shellcheck disable=SC2086
			RES["$set|$n|$q"]=$(measure "$db" $q)
		done
		ROWS["$set|$n"]=$("$BUILD_DIR/tlsrpt" --db "$db" failures \
			--format csv | tail -n +2 | wc -l)
	done
done

for set in $DATASETS; do
	if [ "$STORE" = pg ]; then
		printf '\n%s dataset, PostgreSQL %s\n\n| query |' "$set" \
			"$("$pg_bin/postgres" -V | awk '{ print $3 }')"
	else
		printf '\n%s dataset\n\n| query |' "$set"
	fi
	for n in $SIZES; do printf ' %s reports |' "$n"; done
	printf '\n|---|'
	for n in $SIZES; do printf -- '---|'; done
	printf '\n'
	for q in "${QUERIES[@]}"; do
		printf '| `%s` |' "$q"
		for n in $SIZES; do
			read -r t m <<<"${RES["$set|$n|$q"]}"
			printf ' %s s, %d MiB |' "$t" $((m / 1024))
		done
		printf '\n'
	done
	printf '\nunlimited failures (JSON):'
	for n in $SIZES; do
		read -r t m <<<"${RES["$set|$n|failures"]}"
		awk -v r="${ROWS["$set|$n"]}" -v t="$t" -v n="$n" 'BEGIN {
			printf " %s reports: %d groups, %.0f rows/s;", n, r,
			    (t > 0 ? r / t : 0) }'
	done
	printf '\n'
done
