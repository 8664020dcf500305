#!/usr/bin/env bash
# bench-import.sh - how fast `tlsrpt import` stores a large batch of reports.
#
# Usage: tests/bench/bench-import.sh [BUILD_DIR]      (default ./build)
#
# Generates COUNT (default 100,000) reports with tlsrpt-gen as files, half of
# them gzipped, about 3 KB of JSON each, spread over 2,000 policy domains and
# 400 days, into $BENCH_DIR (default ${TMPDIR:-/tmp}/tlsrpt-bench-import); a
# stamp file with the generation parameters lets later runs reuse the set.
# Then imports the whole directory RUNS times (default 3) into a fresh
# database each time, and prints the best and median rate, the peak RSS
# (/usr/bin/time), the size of the database, and the single-thread
# inflate-only and parse-only rates of tlsrpt-bench-parse on the same files.
# After each import, tests/bench/pyfloor.py (a plain Python script: gzip,
# json, sqlite3, one transaction) stores the same files, and the ratio of
# the two medians is printed (PYFLOOR=0 skips it).
#
# STORE=pg imports into PostgreSQL instead (tests/bench/store.sh): a
# private server of tests/pg/pg.sh (fsync on), a new database per run,
# a CHECKPOINT before each, the size by pg_database_size. The peak RSS is
# tlsrpt's alone, not the server's. pyfloor.py (SQLite) is skipped
# unless PYFLOOR=1.
#
# A benchmark, not a test: it asserts no timings. It fails only when a tool
# is missing or the import itself fails.
#
# Environment: COUNT, RUNS, BENCH_DIR, SEED, STORE (sqlite or pg); CC for
# building the helpers when BUILD_DIR lacks them.
set -euo pipefail

BUILD_DIR=${1:-./build}
COUNT=${COUNT:-100000}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/tlsrpt-bench-import}
CC=${CC:-cc}
SRC_DIR=$(cd "$(dirname "$0")/../.." && pwd)

die() { echo "bench-import: $*" >&2; exit 1; }
. "$SRC_DIR/tests/bench/store.sh"
[ "$STORE" = sqlite ] || PYFLOOR=${PYFLOOR:-0}

[ -x "$BUILD_DIR/tlsrpt" ] || die "$BUILD_DIR/tlsrpt not found (build first, or pass BUILD_DIR)"
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
mkdir -p "$BENCH_DIR"
DATA="$BENCH_DIR/reports"
STAMP="$BENCH_DIR/reports.stamp"

# /usr/bin/time (Debian package "time") measures the peak RSS.
if [ ! -x /usr/bin/time ]; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
		echo "installing the Debian package 'time' for /usr/bin/time" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null ||
			die "apt-get install time failed"
	else
		die "/usr/bin/time missing: apt-get install time (as root)"
	fi
fi

# The generator: from the build, else compiled from its sources.
GEN="$BUILD_DIR/tlsrpt-gen"
if [ ! -x "$GEN" ]; then
	GEN="$BENCH_DIR/tlsrpt-gen"
	"$CC" -O2 -o "$GEN" "$SRC_DIR"/contrib/gen/*.c -lz ||
		die "cannot build tlsrpt-gen"
fi

# The parse benchmark: from the build, else built against the core library.
BENCH_PARSE="$BUILD_DIR/tlsrpt-bench-parse"
if [ ! -x "$BENCH_PARSE" ]; then
	BENCH_PARSE=""
	if [ -f "$BUILD_DIR/libtlsrpt_core.a" ]; then
		b="$BENCH_DIR/tlsrpt-bench-parse"
		# shellcheck disable=SC2046
		if "$CC" -O2 -D_GNU_SOURCE -I"$SRC_DIR/collector/core" -o "$b" \
			"$SRC_DIR/tests/bench/bench_parse.c" \
			"$BUILD_DIR/libtlsrpt_core.a" \
			$(pkg-config --libs jansson zlib sqlite3 gmime-3.0) \
			-lpthread 2>"$BENCH_DIR/bench-parse-build.log"; then
			BENCH_PARSE=$b
		else
			echo "bench-import: could not build tlsrpt-bench-parse" \
				"(see $BENCH_DIR/bench-parse-build.log)" >&2
		fi
	fi
fi

# Generate the report set unless the stamp says it is there already.
GEN_ARGS="--count $COUNT --format files --gzip-fraction 0.5 --size-target 3000 --domains 2000 --days 400 --start 2024-03-01 --seed $SEED"
gen_secs=""
if [ -f "$STAMP" ] && [ "$(head -n 1 "$STAMP")" = "$GEN_ARGS" ] && [ -d "$DATA" ]; then
	echo "reusing $DATA ($(head -n 1 "$STAMP"))" >&2
else
	rm -rf "$DATA" "$STAMP"
	echo "generating $COUNT reports into $DATA ..." >&2
	t0=$(date +%s.%N)
	# shellcheck disable=SC2086
	"$GEN" --out "$DATA" $GEN_ARGS >"$BENCH_DIR/gen.out"
	t1=$(date +%s.%N)
	gen_secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	{ echo "$GEN_ARGS"; cat "$BENCH_DIR/gen.out"; } >"$STAMP"
fi
bench_store_start
stat_of() { sed -n "s/^$1: //p" "$STAMP" | head -n 1; }
avg_json=$(stat_of json_bytes_avg)
gzipped=$(stat_of gzipped)
nfiles=$(stat_of reports)

# Import RUNS times into a fresh database each time; the writer's time
# split (import --stats) when the build has it.
STATS=""
"$BUILD_DIR/tlsrpt" import --help | grep -q -- --stats && STATS=--stats
declare -a secs rss pysecs
for i in $(seq 1 "$RUNS"); do
	db=$(bench_newdb "run$i" "$BENCH_DIR/run.db")
	# Let the last run's writes reach the disk before this one is timed.
	sync
	sync
	[ "$STORE" = sqlite ] || bench_q "$db" CHECKPOINT
	echo "import run $i/$RUNS ..." >&2
	set +e
	/usr/bin/time -f '%e %M' -o "$BENCH_DIR/time.out" \
		"$BUILD_DIR/tlsrpt" --db "$db" import $STATS "$DATA" \
		>"$BENCH_DIR/import.out" 2>"$BENCH_DIR/import.err"
	rc=$?
	set -e
	[ "$rc" -le 1 ] || die "import failed with status $rc: $(tail -n 3 "$BENCH_DIR/import.err")"
	read -r s m <"$BENCH_DIR/time.out"
	secs+=("$s")
	rss+=("$m")
	summary=$(tail -n 1 "$BENCH_DIR/import.out")
	echo "  $s s, peak RSS $((m / 1024)) MiB: $summary" >&2
	grep '^stats: writer' "$BENCH_DIR/import.err" | sed 's/^stats: /  /' >&2 || true
	if [ "${PYFLOOR:-1}" = 1 ]; then
		sync
		/usr/bin/time -f '%e' -o "$BENCH_DIR/time.out" \
			python3 "$SRC_DIR/tests/bench/pyfloor.py" "$DATA" "$BENCH_DIR/py.db" \
			>"$BENCH_DIR/py.out" || die "pyfloor.py failed"
		pysecs+=("$(cat "$BENCH_DIR/time.out")")
		echo "  $(cat "$BENCH_DIR/py.out")" >&2
		rm -f "$BENCH_DIR/py.db"
	fi
done
db_bytes=$(bench_db_bytes "$db")

sorted=$(printf '%s\n' "${secs[@]}" | sort -g)
best=$(echo "$sorted" | head -n 1)
median=$(echo "$sorted" | sed -n "$(((RUNS + 1) / 2))p")
max_rss=$(printf '%s\n' "${rss[@]}" | sort -n | tail -n 1)
rate() { awk -v n="$nfiles" -v s="$1" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }

inflate="n/a"
parse="n/a"
if [ -n "$BENCH_PARSE" ]; then
	echo "parse benchmark ..." >&2
	"$BENCH_PARSE" "$DATA" >"$BENCH_DIR/bench-parse.out" 2>&1 || true
	inflate=$(sed -n 's/^inflate-only: \([0-9]*\) reports\/s.*/\1/p' "$BENCH_DIR/bench-parse.out")
	parse=$(sed -n 's/^parse-only: \([0-9]*\) reports\/s.*/\1/p' "$BENCH_DIR/bench-parse.out")
	: "${inflate:=n/a}" "${parse:=n/a}"
fi

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
store_line=()
[ "$STORE" = sqlite ] ||
	store_line=("store" "PostgreSQL $("$pg_bin/postgres" -V | awk '{ print $3 }') on loopback, fsync on")
echo
printf '%-26s %s\n' \
	"machine" "$(nproc) CPUs, ${cpu:-unknown CPU}, Linux $(uname -r)" \
	"${store_line[@]}" \
	"report set" "$nfiles files, JSON avg $avg_json B, gzipped $gzipped" \
	"import (best of $RUNS)" "$(rate "$best") reports/s ($best s)" \
	"import (median)" "$(rate "$median") reports/s ($median s)" \
	"peak RSS" "$((max_rss / 1024)) MiB" \
	"inflate-only (1 thread)" "$inflate reports/s" \
	"parse-only (1 thread)" "$parse reports/s" \
	"database size" "$(awk -v b="$db_bytes" 'BEGIN { printf "%.1f MiB", b / 1048576 }')"
if [ "${PYFLOOR:-1}" = 1 ]; then
	pymedian=$(printf '%s\n' "${pysecs[@]}" | sort -g | sed -n "$(((RUNS + 1) / 2))p")
	printf '%-26s %s\n' \
		"pyfloor.py (median)" "$(rate "$pymedian") reports/s ($pymedian s)" \
		"import / pyfloor.py" "$(awk -v a="$pymedian" -v b="$median" 'BEGIN { printf "%.2fx", a / b }') (medians, same run)"
fi
if [ -n "$gen_secs" ]; then
	printf '%-26s %s\n' "generation" "$gen_secs s"
fi
echo "last import: $summary"
grep '^stats: ' "$BENCH_DIR/import.err" | sed 's/^stats: /last import: /' || true
