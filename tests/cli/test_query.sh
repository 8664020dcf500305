#!/usr/bin/env bash
# test_query.sh - `tlsrpt summary` and `tlsrpt failures` on a small
# dataset whose every number is worked out by hand below: the JSON keys,
# CSV and table formats, the per-domain counting rule (a Microsoft-style
# tlsa + sts pair counted once), --since/--until, --domain, --org, --by,
# --limit, and usage errors.
#
# Usage: test_query.sh TLSRPT TLSRPT_GEN
set -u
TLSRPT=$1
. "$(dirname "$0")/lib.sh"
db=$(newdb t)
mkdir -p "$work/data"
q() { "$TLSRPT" --db "$db" "$@"; }

range() { printf '"date-range":{"start-datetime":"%sT00:00:00Z","end-datetime":"%sT23:59:59Z"}' "$1" "$1"; }
detail() { # TYPE MTA MX COUNT
	printf '{"result-type":"%s","sending-mta-ip":"%s","receiving-mx-hostname":"%s","failed-session-count":%s}' "$@"
}

# Report 1, Google, 2026-03-01, a.example sts testing: 100 ok, 5 failed
#   (3 certificate-expired from 192.0.2.1 at mx2.a.example,
#    2 starttls-not-supported from 192.0.2.2 at mx1.a.example).
cat >"$work/data/r1.json" <<EOF
{"organization-name":"Google","report-id":"g-1",$(range 2026-03-01),"policies":[
 {"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: *.a.example"],"policy-domain":"a.example","mx-host":["*.a.example"]},
  "summary":{"total-successful-session-count":100,"total-failure-session-count":5},
  "failure-details":[$(detail certificate-expired 192.0.2.1 mx2.a.example 3),$(detail starttls-not-supported 192.0.2.2 mx1.a.example 2)]}]}
EOF
# Report 2, Microsoft, 2026-03-02, a.example as tlsa (enforce) AND sts
#   (testing) for the same sessions: tlsa 40 ok + 4 failed = 44 sessions,
#   sts 41 ok + 2 failed = 43 sessions: tlsa stands for the domain.
#   tlsa: 4 certificate-expired from 192.0.2.1; sts: 2 certificate-expired
#   from 192.0.2.1.
cat >"$work/data/r2.json" <<EOF
{"organization-name":"Microsoft","report-id":"m-1",$(range 2026-03-02),"policies":[
 {"policy":{"policy-type":"tlsa","policy-string":["3 1 1 AA"],"policy-domain":"a.example"},
  "summary":{"total-successful-session-count":40,"total-failure-session-count":4},
  "failure-details":[$(detail certificate-expired 192.0.2.1 mx2.a.example 4)]},
 {"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing"],"policy-domain":"a.example"},
  "summary":{"total-successful-session-count":41,"total-failure-session-count":2},
  "failure-details":[$(detail certificate-expired 192.0.2.1 mx2.a.example 2)]}]}
EOF
# Report 3, Google, 2026-03-10, b.example sts enforce: 10 ok, 0 failed.
cat >"$work/data/r3.json" <<EOF
{"organization-name":"Google","report-id":"g-2",$(range 2026-03-10),"policies":[
 {"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: enforce"],"policy-domain":"b.example","mx-host":["mx.b.example"]},
  "summary":{"total-successful-session-count":10,"total-failure-session-count":0}}]}
EOF
"$TLSRPT" --db "$db" import --quiet "$work/data" >/dev/null 2>"$work/import.err"
check "import of the dataset" "0" "$?"

# summary, JSON. a.example: reports 2, organizations 2 (Google, Microsoft);
#   successful 100 + 40 = 140, failed 5 + 4 = 9 (the sts policy of
#   report 2 does not count); rate 9 / 149 = 0.0604027; types sts, tlsa;
#   modes enforce, testing; days 2026-03-01 .. 2026-03-02.
check "summary json" \
'[
  {"policy_domain":"a.example","reports":2,"organizations":2,"successful_sessions":140,"failed_sessions":9,"failure_rate":0.0604027,"policy_types":["sts","tlsa"],"policy_modes":["enforce","testing"],"first_day":"2026-03-01","last_day":"2026-03-02"},
  {"policy_domain":"b.example","reports":1,"organizations":1,"successful_sessions":10,"failed_sessions":0,"failure_rate":0.0,"policy_types":["sts"],"policy_modes":["enforce"],"first_day":"2026-03-10","last_day":"2026-03-10"}
]' "$(q summary --format json)"

check "summary csv" \
"policy_domain,reports,organizations,successful_sessions,failed_sessions,failure_rate,policy_types,policy_modes,first_day,last_day
a.example,2,2,140,9,0.0604027,sts;tlsa,enforce;testing,2026-03-01,2026-03-02
b.example,1,1,10,0,0,sts,enforce,2026-03-10,2026-03-10" "$(q summary --format csv | tr -d '\r')"

check "summary table shows the rate as a percentage" "6.04%" \
	"$(q summary --format table | awk '$1 == "a.example" { print $6 }')"

# --since / --until / --domain / --org.
check "since 2026-03-02" "a.example,1,1,40,4;b.example,1,1,10,0" \
	"$(q summary --since 2026-03-02 --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1-5 | paste -sd';')"
check "until 2026-03-01 (the whole day)" "a.example,1,1,100,5" \
	"$(q summary --until 2026-03-01 --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1-5)"
check "domain filter" "b.example" \
	"$(q summary --domain b.example --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1)"
check "org filter" "a.example,1,1,40,4" \
	"$(q summary --org Microsoft --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1-5)"
check "relative since, nothing that recent" "[]" "$(q summary --since 1d --format json)"

# failures, default keys mta,type,mode; each policy as sent:
#   192.0.2.1 certificate-expired testing: 3 (r1) + 2 (r2 sts) = 5, 2 reports
#   192.0.2.1 certificate-expired enforce: 4 (r2 tlsa), 1 report
#   192.0.2.2 starttls-not-supported testing: 2, 1 report
check "failures default" \
'[
  {"sending_mta_ip":"192.0.2.1","result_type":"certificate-expired","policy_mode":"testing","failed_sessions":5,"reports":2},
  {"sending_mta_ip":"192.0.2.1","result_type":"certificate-expired","policy_mode":"enforce","failed_sessions":4,"reports":1},
  {"sending_mta_ip":"192.0.2.2","result_type":"starttls-not-supported","policy_mode":"testing","failed_sessions":2,"reports":1}
]' "$(q failures --format json)"

# Without mode, a domain's sessions count once: 3 + 4 = 7 expired, 2 starttls.
check "failures by domain,type (counted once)" \
"policy_domain,result_type,failed_sessions,reports
a.example,certificate-expired,7,2
a.example,starttls-not-supported,2,1" "$(q failures --by domain,type --format csv | tr -d '\r')"

# With day among the keys, by day (oldest first), then largest first; the
# policies that count (no mode): 03-01 r1 mx2 3 and mx1 2, 03-02 r2's tlsa
# mx2 4 (by count alone, the 4 would come first).
check "failures by mx,day: by day, then largest" \
"receiving_mx_hostname,day,failed_sessions,reports
mx2.a.example,2026-03-01,3,1
mx1.a.example,2026-03-01,2,1
mx2.a.example,2026-03-02,4,1" "$(q failures --by mx,day --format csv | tr -d '\r')"
check "failures by day,mx with limit 2: the two oldest groups" \
"day,receiving_mx_hostname,failed_sessions,reports
2026-03-01,mx2.a.example,3,1
2026-03-01,mx1.a.example,2,1" "$(q failures --by day,mx --limit 2 --format csv | tr -d '\r')"

check "failures by org" "Google,5;Microsoft,4" \
	"$(q failures --by org --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1-2 | paste -sd';')"

# Usage errors and a missing database.
q failures --by color >/dev/null 2>"$work/err"; rc=$?
check "unknown --by key: exit 64" 64 "$rc"
grep -q "unknown key 'color'" "$work/err" && ok "unknown key named" || not_ok "unknown key named"
q summary --since yesterday >/dev/null 2>&1; check "bad --since: exit 64" 64 "$?"
q summary --format xml >/dev/null 2>&1; check "bad --format: exit 64" 64 "$?"
# A missing file (SQLite only: a PostgreSQL database is made by its
# administrator, not by tlsrpt).
if on_sqlite; then
	"$TLSRPT" --db "$work/none.db" summary >/dev/null 2>"$work/err"; rc=$?
	check "missing database: exit 1" 1 "$rc"
	grep -q "no database at $work/none.db" "$work/err" && ok "missing database named" || not_ok "missing database named"
	[ ! -e "$work/none.db" ] && ok "a query creates no database" || not_ok "a query creates no database"
fi
TLSRPT_DB="$db" "$TLSRPT" summary --format csv | grep -q '^b.example,' && ok "TLSRPT_DB" || not_ok "TLSRPT_DB"
"$TLSRPT" summary --db "$db" --format csv | grep -q '^b.example,' && ok "--db after the command" || not_ok "--db after the command"
"$TLSRPT" --help | grep -q "Usage: tlsrpt" && ok "tlsrpt --help" || not_ok "tlsrpt --help"

finish
