#!/usr/bin/env bash
# test_migrate.sh - tlsrpt migrate (issue 21): the golden SQLite database
# (golden_data.sh), a report mail with a submitter, a quarantined input
# seen twice and a fetch mark with a pending move, copied into a
# PostgreSQL database of a private server (tests/pg/pg.sh); then every
# query answers the same from both, byte for byte, and a second migrate
# copies nothing.
#
# Usage: test_migrate.sh TLSRPT
set -u
TLSRPT=$1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../pg/pg.sh"
command -v sqlite3 >/dev/null || { echo "skip: sqlite3 missing"; exit 77; }
pg_available || { echo "skip: PostgreSQL 15 not installed"; exit 77; }
pg_start || { echo "not ok - PostgreSQL did not start"; exit 1; }
src="$work/src.db"
pg=$(pg_newdb m) || exit 1
in="$work/in"
mkdir -p "$in" "$work/mail" "$work/bad"

# The dataset: the golden R1 to R5 (test_golden.sh works out their
# numbers), R6, a mail (submitter reporter.example, source the path) of
# d.example, and R7 and R8 below: 8 reports.
. "$(dirname "$0")/golden_data.sh"
golden_dataset
"$TLSRPT" --db "$src" import -q "$in" >/dev/null 2>&1
check "import the golden data" 0 "$?"
message r-6 d.example 40 2 >"$work/mail/r6.eml"
"$TLSRPT" --db "$src" import -q "$work/mail/r6.eml" >/dev/null 2>&1
check "import the mail" 0 "$?"
# R7 and R8 name no policy-domain: R7 takes e.example from its mail's
# TLS-Report-Domain, R8 f.example from its RFC 8460 §5.3 file name;
# neither is in the bytes stored, and the copy must give them again.
nodomain() { report "$@" | sed 's/"policy-domain":"[^"]*",//'; }
{
	message r-7 e.example 30 0 | sed -n '1,/^Content-Disposition/p'
	echo
	nodomain Reporter r-7 e.example 30 0 | gzip -c | base64
	printf '\n--XX--\n'
} >"$work/mail/r7.eml"
nodomain Other r-8 f.example 20 1 \
	>"$work/mail/other.example!f.example!1772323200!1772409599.json"
"$TLSRPT" --db "$src" import -q "$work/mail" >/dev/null 2>&1
check "import R7 and R8" 0 "$?"
check "R7 and R8: their domains and warnings" \
	"e.example|policies[0].policy.policy-domain: missing, taken from TLS-Report-Domain;f.example|policies[0].policy.policy-domain: missing, taken from the file name (RFC 8460 §5.3)" \
	"$(sqlite3 "$src" "SELECT p.policy_domain, r.warnings FROM report r
		JOIN policy p ON p.report = r.id WHERE r.report_id IN ('r-7', 'r-8')
		ORDER BY r.report_id" | paste -sd';')"
# One rejected input, rejected twice: one quarantined input, count 2.
printf '{"not": "a report"}\n' >"$work/bad/junk.json"
"$TLSRPT" --db "$src" import -q "$work/bad/junk.json" >/dev/null 2>&1
"$TLSRPT" --db "$src" import -q "$work/bad/junk.json" >/dev/null 2>&1
check "the quarantined input, twice" "1|2" \
	"$(sqlite3 "$src" 'SELECT count(*), max(count) FROM quarantine')"
# What no intake sets here, set by the test itself: received times of
# their own (an import would stamp the copy's time), a DKIM result, and
# a fetch mark with a pending move (no fetch without an IMAP server).
sqlite3 "$src" "UPDATE report SET received_time = start_time + 90000 + id;
UPDATE report SET dkim = 'pass' WHERE report_id = 'r-6';
UPDATE quarantine SET received_time = 1767225600, last_seen = 1767312000;
INSERT INTO fetch_state VALUES ('imaps://r@imap.example.net/INBOX', 42, 7, 1767225600);
INSERT INTO fetch_move VALUES ('imaps://r@imap.example.net/INBOX', 42, 7, 'Done');"
check "setup" 0 "$?"

# The counts by hand: 8 reports (R1 to R8), 1 quarantined input, 1
# mailbox, on both sides; all copied the first time.
"$TLSRPT" migrate --from "$src" --to "$pg" >"$work/m1.out" 2>"$work/m1.err"
check "migrate" 0 "$?"
check "migrate: the counts and what was copied" \
"sqlite: 8 reports, 1 quarantined inputs, 1 mailboxes
copied: 8 reports (0 there already, 0 rejected), 1 quarantined inputs (0 there already), 1 mailbox marks (0 there already or newer), 1 pending moves (written, or there already)
postgresql: 8 reports, 1 quarantined inputs, 1 mailboxes" "$(cat "$work/m1.out")"
check "migrate: nothing on stderr (not a terminal)" "" "$(cat "$work/m1.err")"

# The rows as stored, arrival included, on both sides.
psq() { "$pg_bin/psql" -X -Atq -v ON_ERROR_STOP=1 -d "$pg" -c "$1"; }
rows="SELECT id, organization, report_id, received_time, channel,
 coalesce(source, '-'), coalesce(submitter, '-'), coalesce(dkim, '-'),
 coalesce(warnings, '-') FROM report ORDER BY id"
check "report rows (received_time, channel, source, submitter, dkim)" \
	"$(sqlite3 "$src" "$rows")" "$(psq "$rows")"
rows="SELECT id, received_time, last_seen, count, channel,
 coalesce(source, '-'), coalesce(submitter, '-'), reason FROM quarantine"
check "quarantine rows" "$(sqlite3 "$src" "$rows")" "$(psq "$rows")"
check "fetch_state" "$(sqlite3 "$src" 'SELECT * FROM fetch_state')" \
	"$(psq 'SELECT * FROM fetch_state')"
check "fetch_move" "$(sqlite3 "$src" 'SELECT * FROM fetch_move')" \
	"$(psq 'SELECT * FROM fetch_move')"
check "the bytes as received" \
	"$(sqlite3 "$src" 'SELECT report, hex(bytes) FROM report_raw ORDER BY report')" \
	"$(psq "SELECT report, upper(encode(bytes, 'hex')) FROM report_raw ORDER BY report")"

# same NAME ARGS...: the command's output equal from both stores.
same() {
	local name=$1
	shift
	"$TLSRPT" --db "$src" "$@" >"$work/a.out" 2>&1
	local ra=$?
	"$TLSRPT" --db "$pg" "$@" >"$work/b.out" 2>&1
	local rb=$?
	if [ "$ra" = "$rb" ] && cmp -s "$work/a.out" "$work/b.out"; then
		ok "$name"
	else
		not_ok "$name (exit $ra and $rb)"
		diff "$work/a.out" "$work/b.out" | head -20 | sed 's/^/#   /'
	fi
}
range="--since 2026-01-01 --until 2026-03-31"
same "summary" summary --format json
same "summary over the golden range" summary $range --format json
same "summary --domain" summary --domain a.example --format json
for by in mta,type,mode domain mode type mta mx ip org day \
	mta,type,mode,org domain,mx mta,type,mode,day; do
	same "failures --by $by" failures --by "$by" --format json
done
same "failures --mode testing" failures --mode testing --format json
same "readiness" readiness --format json
same "readiness over the golden range" readiness $range --format json
same "reports" reports --format json
same "reports --failed" reports --failed --format json
same "quarantine list" quarantine list --format json
same "show R2 (its bytes)" show 2
digest() { # DB: the month's digest, less what differs between runs
	"$TLSRPT" --db "$1" digest --period month --at 2026-04-01 \
		--from t@example.org --to u@example.org |
		grep -v -i -e '^Date:' -e '^Message-ID:' |
		sed -E 's/=-[A-Za-z0-9+/]{20}/=-BOUNDARY/g'
}
digest "$src" >"$work/d1.eml"
digest "$pg" >"$work/d2.eml"
if cmp -s "$work/d1.eml" "$work/d2.eml"; then
	ok "digest"
else
	not_ok "digest"
	diff "$work/d1.eml" "$work/d2.eml" | head -20 | sed 's/^/#   /'
fi

# A second run: nothing new, the same counts.
"$TLSRPT" migrate --from "$src" --to "$pg" >"$work/m2.out" 2>&1
check "migrate again" 0 "$?"
check "migrate again: nothing copied" \
"sqlite: 8 reports, 1 quarantined inputs, 1 mailboxes
copied: 0 reports (8 there already, 0 rejected), 0 quarantined inputs (1 there already), 0 mailbox marks (1 there already or newer), 1 pending moves (written, or there already)
postgresql: 8 reports, 1 quarantined inputs, 1 mailboxes" "$(cat "$work/m2.out")"
check "migrate again: the quarantine's count unchanged" "2" \
	"$(psq 'SELECT count FROM quarantine')"
same "reports after the second run" reports --format json

# The wrong way round, and a missing source.
"$TLSRPT" migrate --from "$pg" --to "$pg" >/dev/null 2>"$work/e.err"
check "--from a PostgreSQL URI: usage" 64 "$?"
contains "--from: why" "$work/e.err" "it takes the path of an SQLite file"
"$TLSRPT" migrate --from "$src" --to "$work/x.db" >/dev/null 2>"$work/e.err"
check "--to a path: usage" 64 "$?"
contains "--to: why" "$work/e.err" "--to must be a PostgreSQL database"
"$TLSRPT" migrate --from "$work/none.db" --to "$pg" >/dev/null 2>"$work/e.err"
check "a missing source" 1 "$?"
contains "a missing source: why" "$work/e.err" "no database at $work/none.db"
check "a missing source is not made" no \
	"$([ -e "$work/none.db" ] && echo yes || echo no)"

# The server gone: exit 75, and a run after it comes back completes.
pg_stop
"$TLSRPT" migrate --from "$src" --to "$pg" >/dev/null 2>"$work/e.err"
check "the server gone: exit 75" 75 "$?"
finish
