#!/usr/bin/env bash
# test_readiness.sh - `tlsrpt readiness` on a dataset made here, every
# number worked out by hand below. Period: March 2026.
#
#   ready.example  testing, mx: *.ready.example. Org A on March 1-8
#       (1000 successful each; on the 1st one certificate-expired at
#       mx1.ready.example), org B on the 8th (1000, and one failure at
#       MX2.Ready.Example. - matched: no case, trailing dot).
#       8 days, 2 orgs, 9000 successful, 2 failed: 2/9002 = 0.000222
#       <= 0.001, every MX covered: ready.
#   rate.example   testing, mx: mx1.rate.example. Org A March 1-7 (100
#       and 1 starttls-not-supported at mx1.rate.example each), org B on
#       the 7th (100). 7 days, 2 orgs, 800 and 7: 7/807 = 0.00867 > 0.001:
#       not-ready, one blocker (starttls-not-supported, mx1, 7).
#   mx.example     testing, mx: *.mx.example. Org A March 1-7 (10000
#       each), org B on the 7th (10000 and 1 certificate-host-mismatch at
#       deep.mx1.mx.example: the wildcard covers one label only).
#       7 days, 2 orgs, 80000 and 1: rate 0.0000125, but the MX is outside
#       the policy: not-ready, one blocker, "add deep.mx1.mx.example".
#   wait.example   testing, org A March 1-3 (50 each): 3 of 7 days:
#       insufficient-data.
#   enf.example    org A: March 1 testing (20), March 2 enforce (20 and 5
#       certificate-expired at mx1.enf.example): newest is enforce:
#       enforced, 2 days, 40 and 5.
#   tlsa.example   a TLSA policy only: no row.
#
# Blockers come before the thresholds (failures are evidence however few
# reported them; the thresholds only hold back a domain otherwise ready):
#   thin.example   testing, mx: *.thin.example. Org A on March 1 only:
#       300 successful, 100 certificate-expired at mx2.thin.example.
#       1 day, 1 org: 100/400 = 0.25 > 0.001: not-ready (not
#       insufficient-data), one blocker (certificate-expired,
#       mx2.thin.example, 100, in the policy), "renew the certificate
#       on mx2.thin.example".
#   edge.example   testing, mx: mx1.edge.example. Org A on March 1 only:
#       1000 successful, 1 starttls-not-supported at mx9.other.example.
#       1/1001 = 0.000999 <= 0.001, but the MX is outside the policy:
#       not-ready, one blocker (starttls-not-supported, mx9.other.example,
#       1, outside), "add mx9.other.example to the policy's mx: lines".
#   few.example    testing, mx: *.few.example. Org A March 1-7 (1000
#       each; on the 7th one certificate-expired at mx1.few.example):
#       7 days, 1 org, 7000 and 1: 1/7001 = 0.000143 <= 0.001 and the MX
#       covered: no blocker, so insufficient-data, "wait: 1 of 2
#       reporting organizations", and the failure under the limit is not
#       listed.
#
# Usage: test_readiness.sh TLSRPT
set -u
TLSRPT=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
db=$(newdb t)

# rep ORG ID DOMAIN DAY MODE PATTERN OK [TYPE MX FAILED]...: one STS report
# (policy type tlsa when MODE is "tlsa") for 2026-03-DAY.
rep() {
	local org=$1 id=$2 dom=$3 day=$4 mode=$5 pat=$6 ok=$7 fails="" failed=0 ptype=sts pstr
	shift 7
	while [ $# -ge 3 ]; do
		fails="$fails${fails:+,}{\"result-type\":\"$1\",\"sending-mta-ip\":\"192.0.2.7\",\"receiving-mx-hostname\":\"$2\",\"failed-session-count\":$3}"
		failed=$((failed + $3))
		shift 3
	done
	pstr="[\"version: STSv1\",\"mode: $mode\",\"mx: $pat\",\"max_age: 86400\"]"
	[ "$mode" = tlsa ] && ptype=tlsa pstr='["3 1 1 0123456789abcdef"]'
	printf '{"organization-name":"%s","date-range":{"start-datetime":"2026-03-%02dT00:00:00Z","end-datetime":"2026-03-%02dT23:59:59Z"},"contact-info":"x@%s","report-id":"%s","policies":[{"policy":{"policy-type":"%s","policy-string":%s,"policy-domain":"%s"},"summary":{"total-successful-session-count":%d,"total-failure-session-count":%d},"failure-details":[%s]}]}\n' \
		"$org" "$day" "$day" "$org" "$id" "$ptype" "$pstr" "$dom" "$ok" "$failed" "$fails" \
		>"$work/in/$id.json"
}
mkdir "$work/in"
for d in 1 2 3 4 5 6 7 8; do
	if [ $d = 1 ]; then
		rep A r$d ready.example $d testing '*.ready.example' 1000 certificate-expired mx1.ready.example 1
	else
		rep A r$d ready.example $d testing '*.ready.example' 1000
	fi
done
rep B rb ready.example 8 testing '*.ready.example' 1000 certificate-expired MX2.Ready.Example. 1
for d in 1 2 3 4 5 6 7; do
	rep A t$d rate.example $d testing mx1.rate.example 100 starttls-not-supported mx1.rate.example 1
	rep A m$d mx.example $d testing '*.mx.example' 10000
done
rep B tb rate.example 7 testing mx1.rate.example 100
rep B mb mx.example 7 testing '*.mx.example' 10000 certificate-host-mismatch deep.mx1.mx.example 1
for d in 1 2 3; do rep A w$d wait.example $d testing mx.wait.example 50; done
rep A e1 enf.example 1 testing mx1.enf.example 20
rep A e2 enf.example 2 enforce mx1.enf.example 20 certificate-expired mx1.enf.example 5
rep A x1 tlsa.example 1 tlsa - 10
rep A h1 thin.example 1 testing '*.thin.example' 300 certificate-expired mx2.thin.example 100
rep A g1 edge.example 1 testing mx1.edge.example 1000 starttls-not-supported mx9.other.example 1
for d in 1 2 3 4 5 6; do rep A f$d few.example $d testing '*.few.example' 1000; done
rep A f7 few.example 7 testing '*.few.example' 1000 certificate-expired mx1.few.example 1
"$TLSRPT" --db "$db" import --quiet "$work/in" >/dev/null 2>"$work/import.err"
check "dataset imported" 0 "$?"

q() { "$TLSRPT" --db "$db" readiness --since 2026-03-01 --until 2026-03-31 "$@"; }
q --format csv | tr -d '\r' >"$work/out.csv"
# domain,mode,verdict,days,orgs,successful,failed (failure_rate aside)
field() { grep "^$1," "$work/out.csv" | cut -d, -f1-7; }
check "ready" "ready.example,testing,ready,8,2,9000,2" "$(field ready.example)"
check "not-ready by rate" "rate.example,testing,not-ready,7,2,800,7" "$(field rate.example)"
check "not-ready by MX" "mx.example,testing,not-ready,7,2,80000,1" "$(field mx.example)"
check "insufficient-data" "wait.example,testing,insufficient-data,3,1,150,0" "$(field wait.example)"
check "enforced" "enf.example,enforce,enforced,2,1,40,5" "$(field enf.example)"
check "no STS policy: no row" 0 "$(grep -c '^tlsa.example,' "$work/out.csv")"
check "eight rows and the header" 9 "$(wc -l <"$work/out.csv")"

q --format json >"$work/out.json"
py() { python3 -c "import json,sys; rows={r['policy_domain']: r for r in json.load(open('$work/out.json'))}; $1"; }
if command -v python3 >/dev/null; then
	check "rate: 7/807" "0.008674" "$(py "print('%.6f' % rows['rate.example']['failure_rate'])")"
	check "rate: its blocker" "starttls-not-supported mx1.rate.example 7 True" \
		"$(py "b=rows['rate.example']['blockers']; print(len(b)==1 and '%s %s %d %s' % (b[0]['result_type'], b[0]['receiving_mx_hostname'], b[0]['failed_sessions'], b[0]['mx_in_policy']))")"
	check "mx: the MX outside the policy" "deep.mx1.mx.example False" \
		"$(py "b=rows['mx.example']['blockers']; print(len(b)==1 and '%s %s' % (b[0]['receiving_mx_hostname'], b[0]['mx_in_policy']))")"
	check "ready: no blockers" 0 "$(py "print(len(rows['ready.example']['blockers']))")"
	check "ready: 2/9002" "0.000222" "$(py "print('%.6f' % rows['ready.example']['failure_rate'])")"
	# The precedence, one case a line: domain, then verdict, days, orgs,
	# successful, failed | blockers (type MX failed in-policy; ...) |
	# next step, each worked out at the top of the file.
	py "
for d, r in sorted(rows.items()):
    b = '; '.join('%s %s %d %s' % (x['result_type'], x['receiving_mx_hostname'], x['failed_sessions'], x['mx_in_policy']) for x in r['blockers'])
    print('%s %s %d %d %d %d | %s | %s' % (d, r['verdict'], r['days'], r['organizations'], r['successful_sessions'], r['failed_sessions'], b, r['next_step']))
" >"$work/verdicts"
	while IFS='|' read -r name want; do
		name=${name% } want=${want# }
		check "precedence: $name" "$want" \
			"$(grep "^${want%% *} " "$work/verdicts")"
	done <<'EOF'
blocker, 1 day, 1 org    |thin.example not-ready 1 1 300 100 | certificate-expired mx2.thin.example 100 True | renew the certificate on mx2.thin.example
MX outside, 1 day, 1 org |edge.example not-ready 1 1 1000 1 | starttls-not-supported mx9.other.example 1 False | add mx9.other.example to the policy's mx: lines
no blocker, 1 org        |few.example insufficient-data 7 1 7000 1 |  | wait: 1 of 2 reporting organizations
no blocker, 3 days       |wait.example insufficient-data 3 1 150 0 |  | wait: 3 of 7 days
thresholds met, no block |ready.example ready 8 2 9000 2 |  | set mode: enforce in the policy
enforced stays first     |enf.example enforced 2 1 40 5 | certificate-expired mx1.enf.example 5 True | 5 sessions stopped: renew the certificate on mx1.enf.example
EOF
else
	echo "# python3 absent: JSON read-back skipped"
fi

q --format table >"$work/out.txt"
contains "next step: renew" "$work/out.txt" "5 sessions stopped: renew the certificate on mx1.enf.example"
contains "next step: STARTTLS" "$work/out.txt" "enable STARTTLS on mx1.rate.example"
contains "next step: add the MX" "$work/out.txt" "add deep.mx1.mx.example to the policy's mx: lines"
contains "next step: wait" "$work/out.txt" "wait: 3 of 7 days"
contains "next step: ready" "$work/out.txt" "set mode: enforce in the policy"
# The next step says what to do, not the verdict again (the VERDICT column
# beside it, the digest's "verdict, next step" say that).
check "next steps never repeat the verdict" 0 \
	"$(grep -c ' \(enforced\|ready\|not-ready\|insufficient-data\)[,:] ' "$work/out.txt")"

# The options move the verdicts.
check "--max-failure-rate 0.01: rate.example ready" "rate.example,testing,ready" \
	"$(q --format csv --max-failure-rate 0.01 | tr -d '\r' | grep '^rate.example,' | cut -d, -f1-3)"
# A blocker stands whatever the thresholds: with --min-days 30 no domain
# has days enough, yet rate.example stays not-ready; ready.example waits.
check "--min-days 30: rate.example still not-ready" "rate.example,testing,not-ready" \
	"$(q --format csv --min-days 30 | tr -d '\r' | grep '^rate.example,' | cut -d, -f1-3)"
check "--min-days 30: ready.example waits" "wait: 8 of 30 days" \
	"$(q --format csv --min-days 30 | tr -d '\r' | grep '^ready.example,' | awk -F, '{ print $NF }')"
check "--min-days 3: wait.example short of organizations" "wait: 1 of 2 reporting organizations" \
	"$(q --format csv --min-days 3 | tr -d '\r' | grep '^wait.example,' | awk -F, '{ print $NF }')"
check "--min-days 3 --min-organizations 1: wait.example ready" "wait.example,testing,ready" \
	"$(q --format csv --min-days 3 --min-organizations 1 | tr -d '\r' | grep '^wait.example,' | cut -d, -f1-3)"
check "--until 2026-03-01: enf.example still testing" "enf.example,testing,insufficient-data,1,1,20,0" \
	"$(q --format csv --until 2026-03-01 | tr -d '\r' | grep '^enf.example,' | cut -d, -f1-7)"
"$TLSRPT" --db "$db" readiness --max-failure-rate 2 >/dev/null 2>&1
check "--max-failure-rate 2: usage error" 64 "$?"
"$TLSRPT" --db "$db" readiness --help | grep -q 'insufficient-data' && ok "--help" || not_ok "--help"
# Default period: the last 30 days; these reports are older, and the
# table says where it looked and how to look further back.
check "default period: nothing from March 2026" \
	"(no domain with an MTA-STS policy in the last 30 days, the default period; --since 90d, or --since YYYY-MM-DD, looks further back)" \
	"$("$TLSRPT" --db "$db" readiness --format table | tail -1)"
finish
