#!/usr/bin/env bash
# test_golden.sh - every query on one dataset, each number worked out by
# hand below: summary and failures by every --by key, both IP families,
# STS testing/enforce/none, TLSA, no-policy-found, a Microsoft tlsa+sts
# pair, failure details that do not add up to their total, an MX outside
# the policy, a report starting exactly on a --since boundary (which is also
# the start of a rollup bucket, 2026-02-28), --domain in any case, CSV and
# JSON read back by Python, the table on a narrow terminal; then reports,
# show, quarantine list/retry and prune, and the numbers after them.
#
# Usage: test_golden.sh TLSRPT
set -u
TLSRPT=$1
. "$(dirname "$0")/lib.sh"
db=$(newdb t)
in="$work/in"
mkdir -p "$in"
q() { "$TLSRPT" --db "$db" "$@"; }
csvf() { # FIELDS COMMAND...: those fields of each row
	local f=$1
	shift
	"$@" --format csv | tr -d '\r' | tail -n +2 | cut -d, -f"$f" | paste -sd';'
}
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 missing"; exit 0; }

# The dataset (golden_data.sh), R1 to R5:
# R1 Google g-1 2026-01-10, a.example sts testing 1000 ok, 10 failed
#    (details 6 + 3); R2 Microsoft m-1 2026-02-28, a.example tlsa 500 + 5
#    and sts 498 + 6; R3 Mail.ru g-2 2026-03-05, b.example no-policy-found
#    300 + 2; R4 Google g-2 2026-03-05, c.example sts none 50 ok; R5 Google
#    g-3 2026-03-06, a.example sts enforce 200 + 1.
. "$(dirname "$0")/golden_data.sh"
golden_dataset
q import -q "$in" >/dev/null 2>&1
check "import" 0 "$?"

# summary. a.example: R1, R2, R5: 3 reports, 2 orgs; successful 1000 +
#   500 (tlsa) + 200 = 1700, failed 10 + 5 + 1 = 16; 16/1716 = 0.00932401.
# b.example: 300, 2: 2/302 = 0.00662252. c.example: 50, 0.
check "summary" \
"a.example,3,2,1700,16,0.00932401,sts;tlsa,enforce;testing,2026-01-10,2026-03-06;b.example,1,1,300,2,0.00662252,no-policy-found,none,2026-03-05,2026-03-05;c.example,1,1,50,0,0,sts,none,2026-03-05,2026-03-05" \
	"$(csv q summary)"
check "--domain in any case, trailing dot" "a.example,3,2,1700,16" \
	"$(csv q summary --domain A.Example. | cut -d, -f1-5)"
# The boundary: R2 starts at 2026-02-28T00:00:00Z.
check "--since on R2's start includes it" "a.example,2,2,700,6" \
	"$(csv q summary --since 2026-02-28 --domain a.example | cut -d, -f1-5)"
check "--since a second later excludes it" "a.example,1,1,200,1" \
	"$(csv q summary --since 2026-02-28T00:00:01Z --domain a.example | cut -d, -f1-5)"
check "--until the day before excludes it" "a.example,1,1,1000,10" \
	"$(csv q summary --until 2026-02-27 --domain a.example | cut -d, -f1-5)"

# failures, default mta,type,mode, each policy as sent, largest first,
# ties by key:
check "failures (mta,type,mode)" \
"192.0.2.1,certificate-expired,testing,6,1;198.51.100.9,certificate-expired,testing,6,1;198.51.100.9,tlsa-invalid,enforce,5,1;2001:db8::1,starttls-not-supported,testing,3,1;203.0.113.5,starttls-not-supported,none,2,1;2001:db8::1,certificate-host-mismatch,enforce,1,1" \
	"$(csv q failures)"
# Without mode a domain counts once (R2's tlsa policy, not its sts):
check "--by domain (details, 9 of R1's 10)" "a.example,15,3;b.example,2,1" "$(csv q failures --by domain)"
check "--by mode (as sent)" "testing,15,2;enforce,6,2;none,2,1" "$(csv q failures --by mode)"
check "--by type" \
	"certificate-expired,6,1;starttls-not-supported,5,2;tlsa-invalid,5,1;certificate-host-mismatch,1,1" \
	"$(csv q failures --by type)"
check "--by mta (IPv4 and IPv6)" "192.0.2.1,6,1;198.51.100.9,5,1;2001:db8::1,4,2;203.0.113.5,2,1" \
	"$(csv q failures --by mta)"
check "--by mx" "mx1.a.example,11,2;mx3.other.example,3,1;mx.b.example,2,1;mx2.a.example,1,1" \
	"$(csv q failures --by mx)"
check "--by ip (none given: empty)" ",14,2;192.0.2.200,2,1;2001:db8:a::25,1,1" "$(csv q failures --by ip)"
check "--by ip, JSON null" "null" \
	"$(q failures --by ip --format json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[0]["receiving_ip"]))')"
check "--by org" "Google,10,2;Microsoft,5,1;Mail.ru,2,1" "$(csv q failures --by org)"
check "--by day" "2026-01-10,9,1;2026-02-28,5,1;2026-03-05,2,1;2026-03-06,1,1" "$(csv q failures --by day)"

# The rollups against the detail rows: the default grouping comes from the
# rollup over whole buckets; grouped by day too it cannot, so it is read
# from the details. Summed over days, both must agree.
q failures --by mta,type,mode,day --format csv >"$work/byday.csv"
q failures --format json >"$work/default.json"
check "rollup = detail" "same" "$(python3 - "$work/byday.csv" "$work/default.json" <<'EOF'
import csv, json, sys
acc = {}
for r in csv.DictReader(open(sys.argv[1], newline='')):
    k = (r['sending_mta_ip'], r['result_type'], r['policy_mode'])
    f, n = acc.get(k, (0, 0))
    acc[k] = (f + int(r['failed_sessions']), n + int(r['reports']))
got = {(r['sending_mta_ip'], r['result_type'], r['policy_mode']): (r['failed_sessions'], r['reports'])
       for r in json.load(open(sys.argv[2]))}
print('same' if acc == got and len(acc) == 6 else 'differ: %r %r' % (acc, got))
EOF
)"

# readiness: a.example's newest STS policy (R5) says enforce: enforced;
# counted over its STS policies: 1000 + 498 + 200 ok, 10 + 6 + 1 failed.
check "readiness" "a.example,enforce,enforced,3,2,1698,17;c.example,none,insufficient-data,1,1,50,0" \
	"$(csvf 1-7 q readiness --since 2026-01-01)"
# Up to 2026-02-28 a.example's newest STS policy is R2's, testing: 2 days
# and 2 organizations, short of 7 days, but R1 and R2's STS policies failed
# 10 + 6 = 16 of 1514 sessions (1000 + 498 ok), 0.0105680 > 0.001, and R1
# names mx3.other.example, outside mx: *.a.example. A blocker outweighs the
# thresholds: not-ready, not insufficient-data, blockers largest first
# (certificate-expired at mx1.a.example 6 + 6 = 12, then the 3), and the
# next step acts on the MX outside the policy first.
check "readiness: a blocker before the thresholds" \
	"a.example,testing,not-ready,2,2,1498,16,0.010568" \
	"$(csvf 1-8 q readiness --since 2026-01-01 --until 2026-02-28 --domain a.example)"
check "readiness: the blockers and next step" \
	"certificate-expired mx1.a.example 12 True; starttls-not-supported mx3.other.example 3 False | add mx3.other.example to the policy's mx: lines" \
	"$(q readiness --since 2026-01-01 --until 2026-02-28 --domain a.example --format json | python3 -c '
import json, sys
r = json.load(sys.stdin)[0]
print("; ".join("%s %s %d %s" % (b["result_type"], b["receiving_mx_hostname"], b["failed_sessions"], b["mx_in_policy"]) for b in r["blockers"]), "|", r["next_step"])')"

# The narrow table: every line fits 60 columns (the 10 columns at their
# narrowest take 59), numbers are whole.
COLUMNS=60 q summary --format table >"$work/narrow"
check "narrow table: widest line" "ok" \
	"$(awk 'length > 60 { bad = 1 } END { print bad ? "too wide" : "ok" }' "$work/narrow")"
grep -q ' 1700 ' "$work/narrow" && ok "narrow table keeps numbers" || not_ok "narrow table keeps numbers"

# reports: newest first.
check "reports: count, newest, oldest" "5 g-3 g-1" \
	"$(q reports --format json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(len(r), r[0]["report_id"], r[-1]["report_id"])')"
check "reports --domain --limit" "g-3" "$(q reports --domain A.EXAMPLE --limit 1 --format csv | tr -d '\r' | tail -1 | cut -d, -f4)"
check "reports: R2's sessions counted once" "500,5" \
	"$(q reports --org Microsoft --format csv | tr -d '\r' | tail -1 | cut -d, -f6,7)"

# show: by report-id, by key, raw bytes, and an ambiguous report-id.
check "show g-3: the JSON as sent" "same" "$(q show g-3 | python3 -c 'import json,sys; print("same" if json.load(sys.stdin) == json.load(open(sys.argv[1])) else "differ")' "$in/r5.json")"
key=$(q reports --org Microsoft --format csv | tr -d '\r' | tail -1 | cut -d, -f1)
check "show KEY of a gzipped report: decompressed" "m-1" \
	"$(q show "$key" | python3 -c 'import json,sys; print(json.load(sys.stdin)["report-id"])')"
q show m-1 --raw >"$work/raw.gz"
cmp -s "$work/raw.gz" "$in/r2.json.gz" && ok "show --raw: the bytes as received" || not_ok "show --raw: the bytes as received"
q show g-2 >/dev/null 2>"$work/err"
check "show of an ambiguous report-id: exit 1" 1 "$?"
grep -q "names 2 reports" "$work/err" && ok "ambiguity explained" || not_ok "ambiguity explained"
check "show --org picks one" "b.example" \
	"$(q show g-2 --org Mail.ru | python3 -c 'import json,sys; print(json.load(sys.stdin)["policies"][0]["policy"]["policy-domain"])')"
q show nope >/dev/null 2>&1
check "show of an unknown key: exit 1" 1 "$?"

# quarantine: junk, and a report of 1.5 MB rejected under --max-report
# 1 MiB; a retry with the default limit stores it (d.example: 10 ok,
# 6000 failed) and leaves the junk.
printf 'this is not a report\n' >"$in/junk.json"
python3 - "$work/big.json" <<'EOF'
import json, sys
d = [{"result-type": "certificate-expired", "sending-mta-ip": "192.0.2.50",
      "receiving-mx-hostname": "mx.d.example", "failed-session-count": 1,
      "additional-information": "x" * 200} for _ in range(6000)]
json.dump({"organization-name": "Big", "report-id": "big-1",
           "date-range": {"start-datetime": "2026-03-06T00:00:00Z", "end-datetime": "2026-03-06T23:59:59Z"},
           "contact-info": "x@y", "policies": [{"policy": {"policy-type": "sts",
           "policy-string": ["version: STSv1", "mode: testing", "mx: mx.d.example"], "policy-domain": "d.example"},
           "summary": {"total-successful-session-count": 10, "total-failure-session-count": 6000},
           "failure-details": d}]}, open(sys.argv[1], "w"))
EOF
gzip -n "$work/big.json"
q import -q --max-report 1048576 "$in/junk.json" "$work/big.json.gz" >/dev/null 2>&1
check "import of two rejects: exit 1" 1 "$?"
check "quarantine list: two, with reasons" "2" "$(q quarantine --format json | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if r["reason"]))')"
check "quarantine list: each names its file" "$work/big.json.gz $in/junk.json" \
	"$(q quarantine --format json | python3 -c 'import json,sys; print(" ".join(sorted(r["source"] for r in json.load(sys.stdin))))')"
q quarantine show "$(q quarantine --format csv | tr -d '\r' | sed -n 2p | cut -d, -f1)" >"$work/qshow"
cmp -s "$work/qshow" "$in/junk.json" && ok "quarantine show: the bytes" || not_ok "quarantine show: the bytes"
check "quarantine retry" "1 stored, 0 duplicate, 1 still rejected" "$(q quarantine retry | tail -1)"
check "after retry: one left" "1" "$(q quarantine --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
check "after retry: d.example stored" "d.example,1,1,10,6000" "$(csv q summary --domain d.example | cut -d, -f1-5)"
check "after retry: its failures in the rollup" "6000" \
	"$(q failures --format json | python3 -c 'import json,sys; print(sum(r["failed_sessions"] for r in json.load(sys.stdin) if r["sending_mta_ip"] == "192.0.2.50"))')"

# prune: a limit between R1 (2026-01-10) and R2 (2026-02-28) removes R1
# alone; the quarantined input arrived today and stays.
days=$(( ( $(date -u +%s) - $(date -u -d 2026-02-01 +%s) ) / 86400 ))
check "prune --dry-run" "would prune 1 reports and 0 quarantined inputs" \
	"$(q prune --older-than "$days" --dry-run | cut -d' ' -f1-8)"
check "dry run changed nothing" "a.example,3" "$(csv q summary --domain a.example | cut -d, -f1-2)"
check "prune" "pruned 1 reports and 0 quarantined inputs" "$(q prune --older-than "$days" | cut -d' ' -f1-7)"
# a.example without R1: R2 and R5: 500 + 200 ok, 5 + 1 failed.
check "after prune: summary" "a.example,2,2,700,6" "$(csv q summary --domain a.example | cut -d, -f1-5)"
check "after prune: 192.0.2.1 gone from the rollup" "" \
	"$(q failures --format csv | tr -d '\r' | grep '^192.0.2.1,')"
q prune >/dev/null 2>&1
check "prune without --older-than: exit 64" 64 "$?"
finish
