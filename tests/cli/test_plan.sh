#!/usr/bin/env bash
# test_plan.sh - each query's SQLite plan (tlsrpt --explain): the intended
# index, and no full scan of a detail table (policy p, report r, failure f,
# policy q) for a ranged query. Over many buckets the rollups are read in
# key order ("SCAN x"), which groups as it reads: no temp b-tree there.
#
# Usage: test_plan.sh TLSRPT TLSRPT_GEN
set -u
TLSRPT=$1 GEN=$2
. "$(dirname "$0")/lib.sh"
db="$work/t.db"
"$GEN" --out "$work/in" --count 300 --domains 10 --days 120 --start 2026-01-01 --quiet
"$TLSRPT" --db "$db" import -q "$work/in" >/dev/null 2>&1
check "import" 0 "$?"
plan() { "$TLSRPT" --db "$db" --explain "$@" --format json 2>&1 >/dev/null | grep '^plan: '; }
has() { # NAME PATTERN PLAN
	grep -qE "$2" <<<"$3" && ok "$1" || { not_ok "$1"; echo "# no /$2/ in:"; sed 's/^/#   /' <<<"$3"; }
}
hasnt() {
	grep -qE "$2" <<<"$3" && { not_ok "$1"; echo "# /$2/ in:"; sed 's/^/#   /' <<<"$3"; } || ok "$1"
}
DETAIL_SCAN='SCAN (p|r|f|q)( |$)'
WEEK="--since 2026-02-02 --until 2026-02-08"
MONTHS="--since 2026-01-10 --until 2026-03-20" # whole buckets and two edges

p=$(plan summary)
has "summary, all: rollup read in key order" '^plan: SCAN x$' "$p"
hasnt "summary, all: no detail scan" "$DETAIL_SCAN" "$p"
hasnt "summary, all: groups as it reads" 'TEMP B-TREE FOR GROUP BY' "$p"
p=$(plan summary $WEEK)
has "summary, 7 days: policy_start" 'SEARCH p USING INDEX policy_start' "$p"
hasnt "summary, 7 days: no scan" "$DETAIL_SCAN|SCAN x" "$p"
p=$(plan summary $MONTHS)
has "summary, months: the bucket index" 'SEARCH x USING (COVERING )?INDEX rollup_policy_bucket' "$p"
has "summary, months: edges by policy_start" 'SEARCH p USING INDEX policy_start' "$p"
hasnt "summary, months: no detail scan" "$DETAIL_SCAN" "$p"

p=$(plan failures)
has "failures, all: rollup_failure in key order" '^plan: SCAN x$' "$p"
hasnt "failures, all: no detail scan" "$DETAIL_SCAN" "$p"
hasnt "failures, all: no sort (grouped in a hash table)" 'TEMP B-TREE' "$p"
p=$(plan failures $WEEK)
has "failures, 7 days: policy_start" 'SEARCH p USING INDEX policy_start' "$p"
has "failures, 7 days: details by their policy" 'SEARCH f USING PRIMARY KEY \(policy=\?\)' "$p"
hasnt "failures, 7 days: no scan" "$DETAIL_SCAN" "$p"
hasnt "failures, 7 days: each report's rows in index order, no sort" 'TEMP B-TREE' "$p"
p=$(plan failures --by day $WEEK)
hasnt "failures by day, 7 days: no scan" "$DETAIL_SCAN" "$p"

p=$(plan readiness --since 2026-01-01)
has "readiness: newest policy by policy_domain_start" 'SEARCH q USING INDEX policy_domain_start' "$p"
has "readiness: blockers from rollup_mx" 'SCAN x|SEARCH x' "$p"
hasnt "readiness: no detail scan" "$DETAIL_SCAN" "$p"
p=$(plan readiness $WEEK)
hasnt "readiness, 7 days: no scan" "$DETAIL_SCAN|SCAN x" "$p"

p=$(plan reports --limit 10)
has "reports: newest first by report_start" 'SEARCH r USING INDEX report_start' "$p"
has "reports: domains by policy_report" 'SEARCH policy USING INDEX policy_report' "$p"
hasnt "reports: no scan" 'SCAN (r|policy)( |$)' "$p"
finish
