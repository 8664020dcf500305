#!/usr/bin/env bash
# test_admin.sh - the small things of issue 16, item 14: `prune
# --older-than` takes the durations every other option takes, `prune
# --vacuum` shrinks the file, `quarantine delete KEY`, `readiness` says
# when its default 30 days held nothing, and an unknown option is one
# line of error and the hint, for every command.
#
# Usage: test_admin.sh TLSRPT MILTER HTTPD
set -u
TLSRPT=$(realpath "$1") MILTER=$(realpath "$2") HTTPD=$(realpath "$3")
. "$(dirname "$0")/lib.sh"
db="$work/t.db" in="$work/in"
mkdir -p "$in"
q() { "$TLSRPT" --db "$db" "$@"; }
day() { date -u -d "$1" +%Y-%m-%d; }

# 1. An unknown option, a missing value, a value to a switch: one line
# naming the option, then the hint; exit 64. Every command, the global
# options and both daemons (getopt's own line before theirs made two).
for cmd in import summary failures readiness reports show prune quarantine \
	"quarantine list" "quarantine show" "quarantine delete" "quarantine retry" \
	digest upgrade; do
	name=${cmd%% *}
	# shellcheck disable=SC2086
	q $cmd --bogus >"$work/out" 2>"$work/err"
	check "$cmd --bogus: exit 64" 64 "$?"
	check "$cmd --bogus: one error line and the hint" \
		"tlsrpt $name: unknown option '--bogus'
Try 'tlsrpt $name --help'." "$(cat "$work/err")"
done
"$TLSRPT" --bogus=1 >/dev/null 2>"$work/err"
check "global --bogus=1: exit 64" 64 "$?"
check "global --bogus=1: named without its value" \
	"tlsrpt: unknown option '--bogus'
Try 'tlsrpt --help'." "$(cat "$work/err")"
for d in "$MILTER" "$HTTPD"; do
	name=$(basename "$d")
	"$d" --bogus >/dev/null 2>"$work/err"
	check "$name --bogus: exit 64" 64 "$?"
	check "$name --bogus: one error line and the hint" \
		"$name: unknown option '--bogus'
Try '$name --help'." "$(cat "$work/err")"
	"$d" -x >/dev/null 2>"$work/err"
	check "$name -x: one error line and the hint" "$name: unknown option '-x'
Try '$name --help'." "$(cat "$work/err")"
	"$d" --db >/dev/null 2>"$work/err"
	check "$name --db without a value: exit 64" 64 "$?"
	check "$name --db without a value" "$name: option '--db' needs a value
Try '$name --help'." "$(cat "$work/err")"
	"$d" --foreground=yes >/dev/null 2>"$work/err"
	check "$name a value to a switch" "$name: option '--foreground' takes no value
Try '$name --help'." "$(cat "$work/err")"
done
q summary --since 2>"$work/err"
check "missing value" "tlsrpt summary: option '--since' needs a value
Try 'tlsrpt summary --help'." "$(cat "$work/err")"
q prune --dry-run=yes 2>"$work/err"
check "a value to a switch" "tlsrpt prune: option '--dry-run' takes no value
Try 'tlsrpt prune --help'." "$(cat "$work/err")"
q import -x 2>"$work/err"
check "unknown short option" "tlsrpt import: unknown option '-x'
Try 'tlsrpt import --help'." "$(cat "$work/err")"
q failures --d x 2>"$work/err"
check "ambiguous abbreviation (--db, --domain)" "tlsrpt failures: option '--d' is ambiguous
Try 'tlsrpt failures --help'." "$(cat "$work/err")"

# 2. prune --older-than: reports that start 100 and 10 days ago (old,
# new), one in 2020 (ancient); the quarantine holds one input, last seen
# now. 90d, 12w (84 days) and 3m all take old and ancient: 2 of 3, and
# not the input; 2020-06-01 takes ancient alone; 90 (a bare number) is 90
# days, as before.
rep old.json Org old "$(day '100 days ago')" "$(pol sts testing a.example 10 0 "")"
rep new.json Org new "$(day '10 days ago')" "$(pol sts testing a.example 10 0 "")"
rep ancient.json Org ancient 2020-01-15 "$(pol sts testing a.example 10 0 "")"
echo junk >"$in/junk.txt"
q import -q "$in" >/dev/null 2>&1
for age in 90d 12w 3m 90; do
	check "prune --older-than $age --dry-run" \
		"would prune 2 reports and 0 quarantined inputs" \
		"$(q prune --older-than "$age" --dry-run | cut -d' ' -f1-8)"
done
check "prune --older-than 2020-06-01 (a date)" \
	"would prune 1 reports and 0 quarantined inputs older than 2020-06-01T00:00:00Z" \
	"$(q prune --older-than 2020-06-01 --dry-run)"
q prune --older-than 0d >/dev/null 2>"$work/err"
check "prune --older-than 0d: exit 64" 64 "$?"
check "prune --older-than 0d: at least a day" \
	"tlsrpt prune: --older-than: at least one day back (1d), got '0d'" "$(head -1 "$work/err")"
q prune --older-than "$(day tomorrow)" >/dev/null 2>&1
check "prune --older-than a future date: exit 64" 64 "$?"
q prune --older-than 90x >/dev/null 2>"$work/err"
check "prune --older-than 90x: exit 64" 64 "$?"
contains "prune --older-than 90x: the forms named" "$work/err" "like 7d, 4w or 12m, got '90x'"
check "nothing pruned by the refusals" 3 \
	"$(q reports --format csv | tail -n +2 | wc -l)"

# 3. prune --vacuum: 300 reports of 2020, each with 40 failure details
# (some 6 KB of JSON, kept as received, plus their rows), then pruned:
# the pages they held go back to the file system only with --vacuum.
python3 - "$in/big" <<'EOF'
import json, os, sys
os.makedirs(sys.argv[1])
for i in range(300):
    det = [{"result-type": "certificate-expired", "sending-mta-ip": "192.0.2.%d" % (k + 1),
            "receiving-mx-hostname": "mx%d.big.example" % k, "failed-session-count": 1}
           for k in range(40)]
    r = {"organization-name": "Big", "report-id": "big-%d" % i,
         "date-range": {"start-datetime": "2020-02-%02dT00:00:00Z" % (i % 28 + 1),
                        "end-datetime": "2020-02-%02dT23:59:59Z" % (i % 28 + 1)},
         "contact-info": "x@y",
         "policies": [{"policy": {"policy-type": "sts", "policy-domain": "big.example",
                                  "policy-string": ["version: STSv1", "mode: testing"]},
                       "summary": {"total-successful-session-count": 1,
                                   "total-failure-session-count": 40},
                       "failure-details": det}]}
    with open(os.path.join(sys.argv[1], "b%d.json" % i), "w") as f:
        json.dump(r, f)
EOF
q import -q "$in/big" >/dev/null 2>&1
size() { echo $(($(stat -c %s "$db") + $(stat -c %s "$db-wal" 2>/dev/null || echo 0))); }
keys() { q reports --since 2021-01-01 --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1,4 | paste -sd';'; }
kept=$(keys)
before=$(size)
check "prune without --vacuum" "pruned 301 reports" \
	"$(q prune --older-than 2021-01-01 | cut -d' ' -f1-3)"
check "without --vacuum the file keeps its size" "$before" "$(size)"
q prune --older-than 2021-01-01 --vacuum >"$work/vac"
check "prune --vacuum: exit 0" 0 "$?"
check "prune --vacuum: nothing more to prune" \
	"pruned 0 reports and 0 quarantined inputs older than 2021-01-01T00:00:00Z" "$(head -1 "$work/vac")"
read -r _ b _ _ a _ < <(tail -1 "$work/vac" | tr -d ,)
check "prune --vacuum: the bytes before are the file's" "$before" "$b"
check "prune --vacuum: the bytes after are the file's" "$(size)" "$a"
[ "$a" -lt $((before / 4)) ] && ok "prune --vacuum: under a quarter ($a of $before)" ||
	not_ok "prune --vacuum: $a of $before"
check "prune --vacuum: the reports of 2026 kept, their keys too" "$kept" "$(keys)"
check "prune --vacuum: new and old are those" "new;old" \
	"$(q reports --format csv | tr -d '\r' | tail -n +2 | cut -d, -f4 | paste -sd';')"
check "--vacuum with --dry-run vacuums nothing" 1 \
	"$(q prune --older-than 2021-01-01 --vacuum --dry-run | wc -l)"

# 4. quarantine delete KEY: the key that list shows. Two inputs (keys 1,
# junk.txt; 2, more.txt); delete 1: 2 stays. Again: no such input, exit
# 1; a KEY that is not a number: exit 64.
echo more >"$in/more.txt"
q import -q "$in/more.txt" >/dev/null 2>&1
check "quarantine: two inputs" "1,junk.txt;2,more.txt" \
	"$(q quarantine --format csv | tr -d '\r' | tail -n +2 | awk -F, '{ n = split($6, p, "/"); print $1 "," p[n] }' | paste -sd';')"
check "quarantine delete 1" "deleted quarantined input 1" "$(q quarantine delete 1)"
check "quarantine delete 1: 2 stays" "2" \
	"$(q quarantine --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1)"
q quarantine delete 1 >"$work/out" 2>"$work/err"
check "quarantine delete of an unknown key: exit 1" 1 "$?"
check "quarantine delete of an unknown key: says so" \
	"tlsrpt quarantine delete: no quarantined input 1 ('tlsrpt quarantine list' shows the keys)" \
	"$(cat "$work/err")"
q quarantine delete one >/dev/null 2>&1
check "quarantine delete one: exit 64" 64 "$?"
q quarantine delete >/dev/null 2>&1
check "quarantine delete without KEY: exit 64" 64 "$?"
check "quarantine: the same bytes again make a new row" "2;3" \
	"$(q import -q "$in/junk.txt" >/dev/null 2>&1; q quarantine --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1 | paste -sd';')"

# 5. readiness with no rows in its default period, the last 30 days (a
# domain without reports); with a period given, the plain note.
check "readiness: nothing in the default 30 days, said in the table" \
"DOMAIN  MODE  VERDICT  DAYS  ORGS  SUCCESSFUL  FAILED  FAIL-RATE  NEXT STEP
(no domain with an MTA-STS policy in the last 30 days, the default period;
--since 90d, or --since YYYY-MM-DD, looks further back)" \
	"$(COLUMNS=80 q readiness --domain none.example --format table)"
check "readiness: with JSON, [] and the same words on stderr" \
	"[] | tlsrpt readiness: no domain with an MTA-STS policy in the last 30 days, the default period; --since 90d, or --since YYYY-MM-DD, looks further back" \
	"$(q readiness --domain none.example --format json 2>"$work/err") | $(cat "$work/err")"
# --until alone: the 30 days up to it (as the digest counts), not the
# last 30 days, which end after it and held nothing. The 'old' report
# (100 days ago, a.example) is in the 30 days up to the end of 95 days
# ago; 'new' (10 days ago) is not. The note wraps at 80 after "default"
# (75 characters; " period;" would end at 83).
check "readiness --until alone: the 30 days up to it" "a.example,1" \
	"$(q readiness --until "$(day '95 days ago')" --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1,4)"
check "readiness --until alone, nothing there: says which period" \
"DOMAIN  MODE  VERDICT  DAYS  ORGS  SUCCESSFUL  FAILED  FAIL-RATE  NEXT STEP
(no domain with an MTA-STS policy in the 30 days up to --until, the default
period; --since YYYY-MM-DD looks further back)" \
	"$(COLUMNS=80 q readiness --domain none.example --until "$(day '95 days ago')" --format table)"
check "readiness: a period given, the plain note" \
"DOMAIN  MODE  VERDICT  DAYS  ORGS  SUCCESSFUL  FAILED  FAIL-RATE  NEXT STEP
(no rows)" "$(q readiness --since 2019-01-01 --until 2019-12-31 --format table)"

finish
