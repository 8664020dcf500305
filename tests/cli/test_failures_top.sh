#!/usr/bin/env bash
# test_failures_top.sh - `failures --limit N` keeps the first N groups in a
# bounded heap, reading the rollup of the default grouping in its key
# order and adding the detail rows at the range's edges (issue 18). Its
# rows must be exactly the first N of the unlimited output, computed the
# other way (every group tallied, then sorted): for limits of 1, 37 and
# 500, over the whole range, a range with partial buckets at both ends
# (rollup rows and detail rows for the same groups), 7 days (detail
# only), and four groupings (the default one streamed; the others
# tallied, then selected by the heap). 1,500 reports whose failures
# nearly all name a sending address of their own (--distinct-mtas), so
# the groups are thousands and ties of equal failed sessions are many.
# The unlimited output of the default grouping, sorted on disk, is
# compared with the same groups computed in plain SQL.
#
# Usage: test_failures_top.sh TLSRPT TLSRPT_GEN
set -u
TLSRPT=$1
GEN=$2
. "$(dirname "$0")/lib.sh"
db=$(newdb t)
"$GEN" --out "$work/in" --count 1500 --domains 50 --days 200 \
	--start 2025-01-01 --distinct-mtas --seed 7 --quiet ||
	{ echo "not ok - tlsrpt-gen"; exit 1; }
"$TLSRPT" --db "$db" import -q "$work/in" >/dev/null 2>&1
check "import" 0 $?
groups=$("$TLSRPT" --db "$db" failures --format csv | tail -n +2 | wc -l)
check "thousands of groups in the default grouping" yes \
	"$([ "$groups" -gt 2000 ] && echo yes)"

ranges=("" "--since 2025-02-10T06:00:00Z --until 2025-06-20T18:00:00Z"
	"--since 2025-03-01 --until 2025-03-07")
for r in "${ranges[@]}"; do
	for by in "" "--by type,mode,mta" "--by domain,type,mx" \
		"--by mta,type,mode,org"; do
		for l in 1 37 500; do
			# shellcheck disable=SC2086
			want=$("$TLSRPT" --db "$db" failures $r $by --format csv |
				head -n $((l + 1)))
			# shellcheck disable=SC2086
			got=$("$TLSRPT" --db "$db" failures $r $by --limit "$l" \
				--format csv)
			check "--limit $l ${by:-(default)} ${r:-(all)}: the first $l rows" \
				"$want" "$got"
		done
	done
done
# The unlimited default grouping over many buckets goes through a table
# on disk sorted by SQLite; the same groups computed in plain SQL from the
# detail rows (every policy, since the mode is a key; a report counted
# once per group), in the promised order: failed sessions down, then the
# keys (mode, type, MTA) up. Over all, and from mid-February to mid-June
# (partial buckets at both ends). The same SQL on both stores, as CSV
# (an empty address is "" in both).
on_sqlite && ! command -v sqlite3 >/dev/null && { echo "not ok - sqlite3 missing"; exit 1; }
plain() { # SINCE UNTIL (Unix seconds)
	local sql="SELECT coalesce(f.sending_mta_ip, ''),
	  f.result_type, p.policy_mode, sum(f.failed_sessions),
	  count(DISTINCT p.report) FROM policy p JOIN failure f ON f.policy = p.id
	  WHERE p.start_time >= $1 AND p.start_time < $2
	  GROUP BY p.policy_mode, f.result_type, 1
	  ORDER BY 4 DESC, p.policy_mode, f.result_type, 1"
	if on_sqlite; then
		sqlite3 -csv "$db" "$sql"
	else
		"$pg_bin/psql" -X -q --csv -t -d "$db" -c "$sql"
	fi | tr -d '\r' | sed 's/^""//'
}
ours() { "$TLSRPT" --db "$db" failures "$@" --format csv | tail -n +2 | tr -d '\r'; }
check "unlimited, all: the groups of plain SQL, in order" \
	"$(plain 0 9999999999)" "$(ours)"
check "unlimited, partial buckets: the groups of plain SQL, in order" \
	"$(plain 1739167200 1750442400)" \
	"$(ours --since 2025-02-10T06:00:00Z --until 2025-06-20T18:00:00Z)"

# The same in JSON: the objects of the first 5, and the array closed.
want=$("$TLSRPT" --db "$db" failures --format json |
	python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[:5]))')
got=$("$TLSRPT" --db "$db" failures --limit 5 --format json |
	python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))')
check "--limit 5 as JSON: the first 5 objects" "$want" "$got"
finish
