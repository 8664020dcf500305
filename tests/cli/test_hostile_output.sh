#!/usr/bin/env bash
# test_hostile_output.sh - what `tlsrpt` prints of a stranger's report
# (RFC 8460 §7: anyone can send one) cannot lie (issue 15, §6): terminal
# escapes and newlines in an organization, a report-id, a file name or a
# channel come out escaped (\x1b, \x0a) in tables and plain lines, on a
# terminal or not; CSV cells a spreadsheet would run as formulas start
# with a quote unless --csv-raw asks for the bytes; numbers stay numbers.
#
# Usage: test_hostile_output.sh TLSRPT TLSRPT_GEN
set -u
TLSRPT=$1
. "$(dirname "$0")/lib.sh"

db="$work/h.db"
q() { "$TLSRPT" --db "$db" "$@"; }
esc=$(printf '\033')
# no_raw NAME FILE: FILE holds no ESC and no BEL byte
no_raw() {
	if LC_ALL=C grep -q "[$esc$(printf '\007')]" "$2"; then
		not_ok "$1: a raw control byte in $2"
		od -c "$2" | head -n 20 | sed 's/^/#   /'
	else
		ok "$1"
	fi
}

# 1. A report whose organization sets the terminal's title and clears the
#    screen, then starts a forged row; its report-id turns the text red
#    and forges a line too. JSON escapes (\u001b) are valid RFC 8259.
mkdir -p "$work/in"
org='Evil\u001b]0;pwned\u0007\u001b[2J\nforged\trow'
id='id\u001b[31m\nX'
printf '{"organization-name":"%s","date-range":{"start-datetime":"2026-03-01T00:00:00Z","end-datetime":"2026-03-01T23:59:59Z"},"contact-info":"x@y","report-id":"%s","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: mx1.a.example","max_age: 86400"],"policy-domain":"a.example"},"summary":{"total-successful-session-count":5,"total-failure-session-count":0}}]}\n' \
	"$org" "$id" >"$work/in/evil.json"
# A file whose name holds an escape and a newline, not a report: its
# name reaches the rejection line and the quarantine's source column.
printf 'not a report\n' >"$work/in/bad$esc[2J
name.txt"

q import --channel "ch$esc[5m" "$work/in" >"$work/import.out" 2>"$work/import.err"
no_raw "import: stdout has no raw escape" "$work/import.out"
no_raw "import: stderr has no raw escape" "$work/import.err"
contains "import: the organization escaped" "$work/import.out" \
	'Evil\x1b]0;pwned\x07\x1b[2J\x0aforged\x09row	id\x1b[31m\x0aX'
check "import: one line per report, then the totals" 2 "$(wc -l <"$work/import.out")"
check "import: one rejection line for the bad file" 1 "$(wc -l <"$work/import.err")"
contains "import: the file name escaped" "$work/import.err" 'bad\x1b[2J\x0aname.txt'

q reports --format table >"$work/reports.txt"
no_raw "reports table: no raw escape" "$work/reports.txt"
check "reports table: a title and one row, no forged row" 2 "$(wc -l <"$work/reports.txt")"
contains "reports table: the report-id escaped" "$work/reports.txt" 'id\x1b[31m\x0aX'
# A terminal's width makes the table cut long cells: still escaped.
COLUMNS=60 q reports --format table >"$work/reports-narrow.txt"
no_raw "reports table, narrow: no raw escape" "$work/reports-narrow.txt"

q quarantine list --format table >"$work/quarantine.txt"
no_raw "quarantine list: no raw escape" "$work/quarantine.txt"
check "quarantine list: a title and one row" 2 "$(wc -l <"$work/quarantine.txt")"
contains "quarantine list: the channel escaped" "$work/quarantine.txt" 'ch\x1b[5m'

q show --warnings 1 >"$work/warnings.txt"
no_raw "show --warnings: no raw escape" "$work/warnings.txt"

# JSON keeps the text as sent (its own escapes make it safe).
check "reports json: the organization as sent" "$(printf 'Evil\033]0;pwned\007\033[2J\nforged\trow')" \
	"$(q reports --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["organization"])')"

# 2. CSV: formulas in text cells are neutralized (OWASP), numbers are not.
for org in '=HYPERLINK(\"http://x.example\",\"click\")' '+1+2' '-2+3' '@SUM(A1)' '\tx' '\r=1' 'plain'; do
	n=$((${n:-0} + 1))
	printf '{"organization-name":"%s","date-range":{"start-datetime":"2026-03-02T00:00:00Z","end-datetime":"2026-03-02T23:59:59Z"},"contact-info":"x@y","report-id":"c-%s","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: mx1.b.example","max_age: 86400"],"policy-domain":"b.example"},"summary":{"total-successful-session-count":%s,"total-failure-session-count":0}}]}\n' \
		"$org" "$n" "$n" >"$work/c$n.json"
	q import -q "$work/c$n.json" >/dev/null
done
q reports --domain b.example --format csv >"$work/csv.csv"
q reports --domain b.example --format csv --csv-raw >"$work/raw.csv"
# csvcheck FILE RAW: the organization and session cells as a spreadsheet
# would get them: "ok", or what differs.
csvcheck() {
	python3 - "$1" "$2" <<'PY'
import csv, sys
sent = {1: '=HYPERLINK("http://x.example","click")', 2: "+1+2", 3: "-2+3",
        4: "@SUM(A1)", 5: "\tx", 6: "\r=1", 7: "plain"}
raw = sys.argv[2] == "1"
bad = []
for r in csv.DictReader(open(sys.argv[1], newline="")):
    n = int(r["successful_sessions"])
    want = sent[n] if raw or n == 7 else "'" + sent[n]
    if r["organization"] != want:
        bad.append("%d: %r, not %r" % (n, r["organization"], want))
print("; ".join(bad) or "ok")
PY
}
check "csv: formula cells start with a quote, numbers untouched" ok "$(csvcheck "$work/csv.csv" 0)"
check "csv: a neutralized cell is quoted" 1 "$(grep -c "^[0-9]*,[^,]*,\"'=HYPERLINK" "$work/csv.csv")"
check "csv --csv-raw: the bytes as sent" ok "$(csvcheck "$work/raw.csv" 1)"
check "csv: summary numbers are not text" "b.example,7,7,28,0,0,sts,testing" \
	"$(q summary --domain b.example --format csv | tr -d '\r' | tail -n 1 | cut -d, -f1-8)"
check "csv: a query without --format csv takes --csv-raw" 0 \
	"$(q failures --csv-raw --format json >/dev/null; echo $?)"

# quarantine retry prints each input's reason, which may quote a sender's
# bytes (a date that cannot be read): escaped there too.
rdb="$work/retry.db"
printf '{"organization-name":"O","report-id":"r","date-range":{"start-datetime":"\\u001b[2Jx","end-datetime":"2026-01-01T00:00:00Z"},"policies":[{"policy":{"policy-type":"sts","policy-domain":"a.example"}}]}' >"$work/esc-date.json"
"$TLSRPT" --db "$rdb" import -q "$work/esc-date.json" >/dev/null 2>&1
"$TLSRPT" --db "$rdb" quarantine retry >"$work/retry.txt" 2>&1
no_raw "quarantine retry: no raw escape" "$work/retry.txt"
contains "quarantine retry: the reason escaped" "$work/retry.txt" 'cannot read "\x1b[2Jx"'

finish
