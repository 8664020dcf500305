#!/usr/bin/env bash
# test_counting.sh - DESIGN.md "Counting" on the shapes real senders send,
# each number worked out by hand below: several policies of one type for one
# domain add up (Google's policy that changed during the day, SocketLabs'
# two sts policies), Microsoft's tlsa+sts pair counts once (the larger
# group, tlsa on a tie), no-policy-found adds. Every view agrees with the
# others: summary, failures under each grouping without the mode, and the
# groupings with the mode, which show each policy as sent; over the rollups
# (whole buckets) and over the detail rows (a range that cuts a bucket).
# Then a database made by the previous schema (one policy stood for each
# domain) is opened and its totals and rollups are recomputed.
#
# Usage: test_counting.sh TLSRPT
set -u
TLSRPT=$1
. "$(dirname "$0")/lib.sh"
db=$(newdb t)
in="$work/in"
mkdir -p "$in"
q() { "$TLSRPT" --db "$db" "$@"; }
sums() { # COMMAND...: summary rows without their days
	"$@" --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1-8 | paste -sd';'
}
on_sqlite && ! command -v sqlite3 >/dev/null && { echo "1..0 # SKIP sqlite3 missing"; exit 0; }

# G Google g-1 2026-05-10, g.example: no-policy-found 1/0; sts testing
#   0/3 (certificate-expired 192.0.2.1 at mx1.g.example 3); sts enforce,
#   another policy string, 0/10 (starttls-not-supported 192.0.2.2 at
#   mx1.g.example 10): the policy changed during the day. Three types of
#   sessions, all distinct: 1 successful, 3 + 10 = 13 failed.
rep g.json Google g-1 2026-05-10 "$(pol no-policy-found - g.example 1 0 ""),$(pol sts testing g.example 0 3 \
	"$(det certificate-expired 192.0.2.1 mx1.g.example 3)"),$(pol sts enforce g.example 0 10 \
	"$(det starttls-not-supported 192.0.2.2 mx1.g.example 10)" 604800)"
# S SocketLabs s-1 2026-05-10, s.example: two sts enforce policies, 12/0
#   and 0/2 (certificate-host-mismatch 203.0.113.7 at mx.s.example 2):
#   12 successful, 2 failed.
rep s.json SocketLabs s-1 2026-05-10 "$(pol sts enforce s.example 12 0 ""),$(pol sts enforce s.example 0 2 \
	"$(det certificate-host-mismatch 203.0.113.7 mx.s.example 2)" 604800)"
# M1 Microsoft m-1 2026-05-11, m.example: tlsa 90/10 (tlsa-invalid
#   198.51.100.1 at mx.m.example 10) and sts testing 95/2
#   (certificate-expired 198.51.100.1 at mx.m.example 2): the same sessions
#   twice; tlsa 100 > sts 97, so tlsa stands: 90/10.
rep m1.json Microsoft m-1 2026-05-11 "$(pol tlsa - m.example 90 10 \
	"$(det tlsa-invalid 198.51.100.1 mx.m.example 10)"),$(pol sts testing m.example 95 2 \
	"$(det certificate-expired 198.51.100.1 mx.m.example 2)")"
# M2 Microsoft m-2 2026-05-12, m.example: sts testing 20/0 first, tlsa 19/1
#   (tlsa-invalid 198.51.100.1 at mx.m.example 1): 20 = 20, a tie: tlsa
#   stands (RFC 8461 §2), 19/1.
rep m2.json Microsoft m-2 2026-05-12 "$(pol sts testing m.example 20 0 ""),$(pol tlsa - m.example 19 1 \
	"$(det tlsa-invalid 198.51.100.1 mx.m.example 1)")"
q import -q "$in" >/dev/null 2>&1
check "import" 0 "$?"

# summary (rates to 6 significant digits). g.example 1 report, 1/13,
# 13/14 = 0.928571. m.example 2 reports, 1 org, 90 + 19 = 109 / 10 + 1 =
# 11, 11/120 = 0.0916667. s.example 1 report, 12/2, 2/14 = 0.142857.
want_summary="g.example,1,1,1,13,0.928571,no-policy-found;sts,enforce;none;testing;m.example,2,1,109,11,0.0916667,sts;tlsa,enforce;testing;s.example,1,1,12,2,0.142857,sts,enforce"
# Whole buckets (the rollups) and a range that cuts the bucket of
# 2026-04-17 .. 2026-05-18 (2026-05-10 is day 23 of it): the detail rows.
for range in "" "--since 2026-05-01 --until 2026-05-13"; do
	# shellcheck disable=SC2086 # $range: its words
	check "summary ${range:-(rollups)}" "$want_summary" \
		"$(sums q summary $range)"
	# Without the mode, the standing policies: g 13, m 11, s 2 = 26, the
	# summary's 13 + 11 + 2; reports g 1, m 2, s 1.
	# shellcheck disable=SC2086
	check "failures --by domain ${range}" \
		"g.example,13,1;m.example,11,2;s.example,2,1" \
		"$(csv q failures --by domain $range)"
	# shellcheck disable=SC2086
	check "failures --by org ${range}" \
		"Google,13,1;Microsoft,11,2;SocketLabs,2,1" \
		"$(csv q failures --by org $range)"
	# By result type, standing policies: tlsa-invalid 10 + 1 = 11 (m's
	# sts certificate-expired 2 does not stand), starttls 10, g's
	# certificate-expired 3, host-mismatch 2: 26.
	# shellcheck disable=SC2086
	check "failures --by type ${range}" \
		"tlsa-invalid,11,2;starttls-not-supported,10,1;certificate-expired,3,1;certificate-host-mismatch,2,1" \
		"$(csv q failures --by type $range)"
	# With the mode, each policy as sent: m's sts certificate-expired 2
	# appears under testing beside g's 3.
	# shellcheck disable=SC2086
	check "failures --by domain,mode ${range}" \
		"m.example,enforce,11,2;g.example,enforce,10,1;g.example,testing,3,1;m.example,testing,2,1;s.example,enforce,2,1" \
		"$(csv q failures --by domain,mode $range)"
	# shellcheck disable=SC2086
	check "failures --by type,mx one domain ${range}" \
		"tlsa-invalid,mx.m.example,11,2" \
		"$(csv q failures --by type,mx --domain m.example $range)"
done
# X Google g-2 2026-05-10, x.example (a database of its own): the same
#   failure under two types that both count, no-policy-found 5/2 and sts
#   5/3, starttls-not-supported at mx.x.example: 5 failed in 1 report, not
#   2 reports, with or without the rollups (rollup_mx's pooled rows).
xdb=$(newdb x)
rep x.json Google g-2 2026-05-10 "$(pol no-policy-found - x.example 5 2 \
	"$(det starttls-not-supported 192.0.2.3 mx.x.example 2)"),$(pol sts enforce x.example 5 3 \
	"$(det starttls-not-supported 192.0.2.3 mx.x.example 3)")"
"$TLSRPT" --db "$xdb" import -q "$in/x.json" >/dev/null 2>&1
for range in "" "--since 2026-05-01 --until 2026-05-13"; do
	# shellcheck disable=SC2086 # $range: its words
	check "one report under two counting types ${range:-(rollups)}" \
		"x.example,starttls-not-supported,mx.x.example,5,1" \
		"$(csv "$TLSRPT" --db "$xdb" failures --by domain,type,mx $range)"
done
rm "$in/x.json"

# The report list counts the same way: M1 100 sessions of which 10 failed.
check "reports m-1" "90,10" \
	"$(q reports --format csv | tr -d '\r' | awk -F, '$4 == "m-1" { print $6 "," $7 }')"

# ---- An older database: schema 2, where one policy stood per domain ----
# SQLite only: schema 2 and `tlsrpt upgrade` from it are the SQLite
# store's history; the PostgreSQL store begins with its own 001.
if ! on_sqlite; then
	finish
	exit
fi
# Made from schema/001 and 002 as they are, filled with t.db's rows under
# the old rule: per report and domain the policy with the most sessions,
# the first on a tie. Rollups from it in plain SQL (times are positive:
# the bucket is a division).
old="$work/old.db"
schema="$(cd "$(dirname "$0")/../../schema" && pwd)"
cat "$schema/001-init.sql" "$schema/002-rollups.sql" | sqlite3 "$old"
sqlite3 "$old" "
ATTACH '$db' AS n;
INSERT INTO report SELECT id, organization, report_id, contact_info,
  start_time, end_time, received_time, channel, source, submitter, dkim,
  warnings FROM n.report;
INSERT INTO report_raw SELECT report, bytes FROM n.report_raw;
INSERT INTO policy SELECT id, report, start_time, policy_type, policy_domain,
  policy_mode, mx_host, successful_sessions, failed_sessions,
  id = (SELECT q.id FROM n.policy q WHERE q.report = p.report
        AND q.policy_domain = p.policy_domain
        ORDER BY q.successful_sessions + q.failed_sessions DESC, q.id LIMIT 1)
  FROM n.policy p;
INSERT INTO failure SELECT policy, seq, result_type, sending_mta_ip,
  receiving_mx_hostname, receiving_mx_helo, receiving_ip,
  additional_information, failure_reason_code, failed_sessions
  FROM n.failure;
INSERT INTO rollup_policy SELECT p.policy_domain, p.start_time / 2764800,
  r.organization, p.policy_type, p.policy_mode, p.counts_for_domain,
  count(DISTINCT p.report), sum(p.successful_sessions), sum(p.failed_sessions),
  min(p.start_time), max(p.start_time),
  sum(DISTINCT 1 << ((p.start_time % 2764800) / 86400))
  FROM policy p JOIN report r ON r.id = p.report GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO rollup_failure SELECT coalesce(f.sending_mta_ip, ''),
  f.result_type, p.policy_mode, p.start_time / 2764800, r.organization,
  sum(f.failed_sessions), count(DISTINCT p.report)
  FROM policy p JOIN failure f ON f.policy = p.id
  JOIN report r ON r.id = p.report GROUP BY 1, 2, 3, 4, 5;
INSERT INTO rollup_mx SELECT p.policy_domain, p.policy_type,
  p.counts_for_domain, p.start_time / 2764800, f.result_type,
  coalesce(f.receiving_mx_hostname, ''), sum(f.failed_sessions),
  count(DISTINCT p.report)
  FROM policy p JOIN failure f ON f.policy = p.id GROUP BY 1, 2, 3, 4, 5, 6;
PRAGMA user_version = 2;"
# What the old rule made of it: g.example's 0/10 policy alone, s.example's
# 12/0 alone, m-2's sts first on the tie: g 0/10, s 12/0, m 90/10 + 20/0.
check "the old database's rollups (old rule)" \
	"g.example|0|10;m.example|110|10;s.example|12|0" \
	"$(sqlite3 "$old" "SELECT policy_domain, sum(successful_sessions * counts_for_domain), sum(failed_sessions * counts_for_domain) FROM rollup_policy GROUP BY 1" | paste -sd';')"
# Only tlsrpt upgrade migrates (issue 16 §5); a query refuses first.
"$TLSRPT" --db "$old" summary >/dev/null 2>&1
check "a query refuses the old database" 78 "$?"
"$TLSRPT" --db "$old" upgrade --no-backup >/dev/null
check "tlsrpt upgrade" 0 "$?"
check "summary after the upgrade" "$want_summary" \
	"$(sums "$TLSRPT" --db "$old" summary)"
check "schema upgraded past 2" 1 \
	"$(sqlite3 "$old" 'PRAGMA user_version' | awk '{ print ($1 >= 3) }')"
check "failures --by domain after the upgrade" \
	"g.example,13,1;m.example,11,2;s.example,2,1" \
	"$(csv "$TLSRPT" --db "$old" failures --by domain)"
# Every policy and rollup row as a fresh import makes them.
for t in policy rollup_policy rollup_failure rollup_mx; do
	check "$t as a fresh import's" \
		"$(sqlite3 "$db" "SELECT * FROM $t ORDER BY 1, 2, 3, 4, 5, 6" | md5sum)" \
		"$(sqlite3 "$old" "SELECT * FROM $t ORDER BY 1, 2, 3, 4, 5, 6" | md5sum)"
done

finish
