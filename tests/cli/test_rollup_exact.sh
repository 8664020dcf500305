#!/usr/bin/env bash
# test_rollup_exact.sh - the rollups stay exact under a large parallel
# import (issue 18): 4,000 generated reports (400 days, 300 domains, a
# tenth sent twice, half gzipped) imported by 4 parser threads, in three
# imports so that later batches add to rows earlier ones made; then every
# rollup table is compared row by row with the same table computed in
# plain SQL from the detail rows (the schema's definition: times are
# positive, so a bucket is a division). Both directions of EXCEPT must be
# empty, and the tables must not be. One SQL text for both stores: the
# subqueries named, the day bit shifted as a 64-bit integer by an integer
# (PostgreSQL's 1 is 32 bits, its << takes an int shift).
#
# Usage: test_rollup_exact.sh TLSRPT TLSRPT_GEN
set -u
TLSRPT=$1
GEN=$2
. "$(dirname "$0")/lib.sh"
on_sqlite && ! command -v sqlite3 >/dev/null && { echo "1..0 # SKIP sqlite3 missing"; exit 0; }
db=$(newdb t)
"$GEN" --out "$work/in" --count 4000 --domains 300 --days 400 --duplicates 0.1 \
	--seed 18 --quiet || { echo "not ok - tlsrpt-gen"; exit 1; }
files=("$work"/in/*)
n=${#files[@]}
third=$((n / 3))
mkdir -p "$work/a" "$work/b" "$work/c"
mv "${files[@]:0:$third}" "$work/a/"
mv "${files[@]:$third:$third}" "$work/b/"
mv "$work"/in/* "$work/c/"
for part in a b c; do
	"$TLSRPT" --db "$db" import -q --jobs 4 "$work/$part" >/dev/null 2>&1
	rc=$?
	[ "$rc" -le 1 ] || { echo "not ok - import $part: exit $rc"; exit 1; }
done
stored=$(dbq "$db" 'SELECT count(*) FROM report')
check "reports stored, the resent ones once" yes "$([ "$stored" -gt 3000 ] && echo yes)"

dbq "$db" >"$work/counts" <<SQL
CREATE TEMP TABLE want_policy AS SELECT p.policy_domain, p.start_time / 2764800 AS bucket,
  r.organization, p.policy_type, p.policy_mode, p.counts_for_domain,
  count(DISTINCT p.report) AS reports, sum(p.successful_sessions) AS s,
  sum(p.failed_sessions) AS f, min(p.start_time) AS a, max(p.start_time) AS b,
  sum(DISTINCT CAST(1 AS BIGINT) << CAST((p.start_time % 2764800) / 86400 AS INTEGER)) AS days
  FROM policy p JOIN report r ON r.id = p.report GROUP BY 1, 2, 3, 4, 5, 6;
CREATE TEMP TABLE want_failure AS SELECT coalesce(f.sending_mta_ip, '') AS ip,
  f.result_type, p.policy_mode, p.start_time / 2764800 AS bucket, r.organization,
  sum(f.failed_sessions) AS f, count(DISTINCT p.report) AS reports
  FROM policy p JOIN failure f ON f.policy = p.id
  JOIN report r ON r.id = p.report GROUP BY 1, 2, 3, 4, 5;
CREATE TEMP TABLE want_mx AS SELECT p.policy_domain, p.policy_type,
  p.counts_for_domain, p.start_time / 2764800 AS bucket, f.result_type,
  coalesce(f.receiving_mx_hostname, '') AS mx, sum(f.failed_sessions) AS f,
  count(DISTINCT p.report) AS reports
  FROM policy p JOIN failure f ON f.policy = p.id GROUP BY 1, 2, 3, 4, 5, 6
  UNION ALL
  SELECT p.policy_domain, '', 1, p.start_time / 2764800, f.result_type,
  coalesce(f.receiving_mx_hostname, ''), sum(f.failed_sessions),
  count(DISTINCT p.report)
  FROM policy p JOIN failure f ON f.policy = p.id
  WHERE p.counts_for_domain > 0 GROUP BY 1, 2, 3, 4, 5, 6;
SELECT 'policy', (SELECT count(*) FROM want_policy),
  (SELECT count(*) FROM (SELECT * FROM rollup_policy EXCEPT SELECT * FROM want_policy) AS extra),
  (SELECT count(*) FROM (SELECT * FROM want_policy EXCEPT SELECT * FROM rollup_policy) AS missing);
SELECT 'failure', (SELECT count(*) FROM want_failure),
  (SELECT count(*) FROM (SELECT * FROM rollup_failure EXCEPT SELECT * FROM want_failure) AS extra),
  (SELECT count(*) FROM (SELECT * FROM want_failure EXCEPT SELECT * FROM rollup_failure) AS missing);
SELECT 'mx', (SELECT count(*) FROM want_mx),
  (SELECT count(*) FROM (SELECT * FROM rollup_mx EXCEPT SELECT * FROM want_mx) AS extra),
  (SELECT count(*) FROM (SELECT * FROM want_mx EXCEPT SELECT * FROM rollup_mx) AS missing);
SQL
while IFS='|' read -r table rows extra missing; do
	check "rollup_$table: rows there to compare" yes "$([ "$rows" -gt 100 ] && echo yes)"
	check "rollup_$table: no row the details do not make" 0 "$extra"
	check "rollup_$table: no row of the details missing" 0 "$missing"
done <"$work/counts"
check "three rollup tables compared" 3 "$(wc -l <"$work/counts")"
finish
