#!/usr/bin/env bash
# test_follow.sh - `tlsrpt reports` takes the filters of `tlsrpt failures`
# (issue 16, item 17): a row of failures, its keys given as filters, lists
# exactly the reports behind it, and their matching_failed_sessions add
# up to the row (one count, made by the same code). Every number below is
# worked out by hand.
#
# Usage: test_follow.sh TLSRPT
set -u
TLSRPT=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
db="$work/t.db" in="$work/in"
mkdir -p "$in"
q() { "$TLSRPT" --db "$db" "$@"; }
# rows COMMAND...: CSV rows without the header, ';'-joined.
rows() { q "$@" --format csv | tr -d '\r' | tail -n +2 | paste -sd';'; }
# follow ARGS...: the reports behind the filters, "key:matching" newest
# first, then "= sum".
follow() {
	q reports "$@" --format json | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(" ".join("%d:%d" % (x["key"], x["matching_failed_sessions"]) for x in r),
      "=", sum(x["matching_failed_sessions"] for x in r))'
}

# The dataset, imported in this order (keys 1 to 4):
#   R1 Google g-1 2026-03-01, a.example sts testing 100/8:
#      5 certificate-expired from 192.0.2.1 at mx2.a.example (receiving
#        IP 198.51.100.2), 3 starttls-not-supported from 2001:db8::2 at
#        mx1.a.example.
#   R2 Microsoft m-1 2026-03-02, a.example as tlsa 40/4 (4
#      certificate-expired from 192.0.2.1 at mx2.a.example) and as sts
#      testing 41/2 (2 of the same): the same sessions; tlsa, 44 > 43,
#      counts for the domain.
#   R3 Google g-2 2026-03-02, b.example sts enforce 50/6 (6
#      certificate-expired from 192.0.2.1 at mx.b.example), and a.example
#      sts testing 10/1 (1 starttls-not-supported at mx1.a.example, no
#      sending MTA IP).
#   R4 Yahoo y-1 2026-03-03, b.example sts enforce 20/0.
nomta='{"result-type":"starttls-not-supported","receiving-mx-hostname":"mx1.a.example","failed-session-count":1}'
rep r1.json Google g-1 2026-03-01 \
	"$(pol sts testing a.example 100 8 "$(det certificate-expired 192.0.2.1 mx2.a.example 5 198.51.100.2),$(det starttls-not-supported 2001:db8::2 mx1.a.example 3)")"
rep r2.json Microsoft m-1 2026-03-02 \
	"$(pol tlsa - a.example 40 4 "$(det certificate-expired 192.0.2.1 mx2.a.example 4)"),$(pol sts testing a.example 41 2 "$(det certificate-expired 192.0.2.1 mx2.a.example 2)")"
rep r3.json Google g-2 2026-03-02 \
	"$(pol sts enforce b.example 50 6 "$(det certificate-expired 192.0.2.1 mx.b.example 6)"),$(pol sts testing a.example 10 1 "$nomta")"
rep r4.json Yahoo y-1 2026-03-03 "$(pol sts enforce b.example 20 0 "")"
for f in r1 r2 r3 r4; do q import -q "$in/$f.json" >/dev/null 2>&1; done
check "keys in import order" "1,g-1;2,m-1;3,g-2;4,y-1" \
	"$(q reports --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1,4 | sort | paste -sd';')"

# failures by mta,type,mode (each policy as sent):
#   192.0.2.1 certificate-expired enforce: R2 tlsa 4 + R3 6 = 10, 2 reports
#   192.0.2.1 certificate-expired testing: R1 5 + R2 sts 2 = 7, 2 reports
#   2001:db8::2 starttls-not-supported testing: R1 3, 1 report
#   (none) starttls-not-supported testing: R3 1, 1 report
check "failures, the default grouping" \
	"192.0.2.1,certificate-expired,enforce,10,2;192.0.2.1,certificate-expired,testing,7,2;2001:db8::2,starttls-not-supported,testing,3,1;,starttls-not-supported,testing,1,1" \
	"$(rows failures)"
# Their reports, newest first (R3 before R2: same day, higher key), with
# the part of each report's failures in the row.
check "reports of 192.0.2.1 certificate-expired enforce: R3 6 + R2 4" "3:6 2:4 = 10" \
	"$(follow --mta 192.0.2.1 --type certificate-expired --mode enforce)"
check "reports of 192.0.2.1 certificate-expired testing: R2 2 + R1 5" "2:2 1:5 = 7" \
	"$(follow --mta 192.0.2.1 --type certificate-expired --mode testing)"
check "reports of 2001:db8::2 (written another way): R1 3" "1:3 = 3" \
	"$(follow --mta 2001:DB8:0:0::2 --type starttls-not-supported --mode testing)"
check "reports of the (none) MTA: R3 1" "3:1 = 1" \
	"$(follow --mta '(none)' --type starttls-not-supported --mode testing)"
check "'' is (none) too" "3:1 = 1" "$(follow --mta '' --mode testing)"

# Without the mode, the policies that count for their domain (R2's sts
# does not). failures by domain,type:
#   a.example certificate-expired: R1 5 + R2 tlsa 4 = 9, 2 reports
#   b.example certificate-expired: R3 6
#   a.example starttls-not-supported: R1 3 + R3 1 = 4, 2 reports
check "failures by domain,type" \
	"a.example,certificate-expired,9,2;b.example,certificate-expired,6,1;a.example,starttls-not-supported,4,2" \
	"$(rows failures --by domain,type)"
check "reports of a.example certificate-expired: R2 4 (its tlsa) + R1 5" \
	"2:4 1:5 = 9" "$(follow --domain a.example --type certificate-expired)"
check "reports of a.example starttls-not-supported: R3 1 + R1 3" \
	"3:1 1:3 = 4" "$(follow --domain a.example --type starttls-not-supported)"
# by mx: mx2.a.example 9 (R1, R2), mx.b.example 6, mx1.a.example 4.
check "failures by mx" "mx2.a.example,9,2;mx.b.example,6,1;mx1.a.example,4,2" \
	"$(rows failures --by mx)"
check "reports of MX2.A.Example. (as stored: lower case, no dot)" \
	"2:4 1:5 = 9" "$(follow --mx MX2.A.Example.)"
# by ip: (none) R1 3 + R2 4 + R3 6 + 1 = 14 in 3 reports; 198.51.100.2
# R1 5.
check "failures by ip" ",14,3;198.51.100.2,5,1" "$(rows failures --by ip)"
check "reports of receiving IP 198.51.100.2" "1:5 = 5" "$(follow --ip 198.51.100.2)"
check "reports of no receiving IP" "3:7 2:4 1:3 = 14" "$(follow --ip '(none)')"
# by org: Google R1 8 + R3 7 = 15, Microsoft 4; --failed follows it
# (Yahoo's R4 has none).
check "failures by org" "Google,15,2;Microsoft,4,1" "$(rows failures --by org)"
check "reports --org Google --failed" "3:7 1:8 = 15" "$(follow --org Google --failed)"
# by day (oldest first): 03-01 R1 8; 03-02 R2 4 + R3 7 = 11.
check "failures by day" "2026-03-01,8,1;2026-03-02,11,2" "$(rows failures --by day)"
check "reports of 2026-03-02 --failed" "3:7 2:4 = 11" \
	"$(follow --since 2026-03-02 --until 2026-03-02 --failed)"
# --failed alone: every report with failures, adding up to summary's 19
# (a.example 8 + 4 + 1, b.example 6).
check "reports --failed: all with failures" "3:7 2:4 1:8 = 19" "$(follow --failed)"
check "summary's failed sessions" "13;6" \
	"$(q summary --format csv | tr -d '\r' | tail -n +2 | cut -d, -f5 | paste -sd';')"

# The failures filters narrow failures itself: 192.0.2.1 alone.
check "failures --mta 192.0.2.1" \
	"192.0.2.1,certificate-expired,enforce,10,2;192.0.2.1,certificate-expired,testing,7,2" \
	"$(rows failures --mta 192.0.2.1)"
check "failures --mx mx1.a.example --by type,mta" \
	"starttls-not-supported,2001:db8::2,3,1;starttls-not-supported,,1,1" \
	"$(rows failures --mx mx1.a.example --by type,mta)"

# The column appears with a failures filter only; without one, as before.
check "reports without a filter: no matching column" \
	"key,start_time,organization,report_id,policy_domains,successful_sessions,failed_sessions,channel,received_time,warnings" \
	"$(q reports --format csv | head -1 | tr -d '\r')"
check "reports with one: matching_failed_sessions after failed_sessions" \
	"key,start_time,organization,report_id,policy_domains,successful_sessions,failed_sessions,matching_failed_sessions,channel,received_time,warnings" \
	"$(q reports --type certificate-expired --format csv | head -1 | tr -d '\r')"
check "reports --limit 1 of a filter: the newest" "3:6 = 6" \
	"$(follow --type certificate-expired --mode enforce --limit 1)"

# Every row of the finest grouping, followed: the reports listed are as
# many as the row's reports, and their matching sessions add up to it.
q failures --by mta,type,mode,mx,ip,domain,org,day --format json >"$work/fine.json"
check "every row followed to its reports" "ok 6 rows" "$(python3 - "$TLSRPT" "$db" "$work/fine.json" <<'EOF'
import json, subprocess, sys
tlsrpt, db, rows = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
bad = []
for r in rows:
    args = [tlsrpt, "--db", db, "reports", "--format", "json",
            "--mta", r["sending_mta_ip"] or "", "--type", r["result_type"],
            "--mode", r["policy_mode"], "--mx", r["receiving_mx_hostname"] or "",
            "--ip", r["receiving_ip"] or "", "--domain", r["policy_domain"],
            "--org", r["organization"], "--since", r["day"], "--until", r["day"]]
    got = json.loads(subprocess.run(args, capture_output=True, check=True).stdout)
    if len(got) != r["reports"] or \
            sum(x["matching_failed_sessions"] for x in got) != r["failed_sessions"]:
        bad.append((r, got))
print("bad %r" % bad if bad else "ok %d rows" % len(rows))
EOF
)"

finish
