# lib.sh - what the CLI tests share: a scratch directory, TAP-like result
# lines and the closing "N passed, N failed" line. Sourced, not run.

work=$(mktemp -d /tmp/tlsrpt-cli-XXXXXX)
# TLSRPT_KEEP=1 keeps the work directory for a look after a failure.
[ -n "${TLSRPT_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
fails=0 passes=0

# The store under test: SQLite files (the default) or, with
# TLSRPT_TEST_STORE=pg (the *_pg tests), databases on a PostgreSQL server
# of this script's own (tests/pg/pg.sh). The server starts here, once,
# rather than at the first newdb: newdb runs in a $(...), whose shell
# would take the server and its EXIT trap with it when it ends.
test_store=${TLSRPT_TEST_STORE:-sqlite}
if [ "$test_store" = pg ]; then
	. "$(dirname "${BASH_SOURCE[0]}")/../pg/pg.sh"
	pg_available || { echo "skip: PostgreSQL 15 not installed"; exit 77; }
	pg_start || { echo "not ok - PostgreSQL did not start"; exit 1; }
fi

# on_sqlite: whether the store is SQLite, for the checks of SQLite's own
# files (-wal, modes, bytes), schema and sqlite3 command.
on_sqlite() { [ "$test_store" = sqlite ]; }

# newdb NAME: prints a fresh database for the test: $work/NAME.db, or
# the URI of a new PostgreSQL database NAME.
newdb() {
	if on_sqlite; then
		echo "$work/$1.db"
	else
		pg_newdb "$1"
	fi
}

# dbq DB [SQL]: the rows of SQL (without it, of the statements on stdin)
# in DB, columns joined by '|', with sqlite3 or psql by the store. SQL
# meant for both keeps to what both speak.
dbq() {
	if on_sqlite; then
		sqlite3 "$1" ${2+"$2"}
	else
		"$pg_bin/psql" -X -Atq -v ON_ERROR_STOP=1 -d "$1" ${2+-c "$2"}
	fi
}

# at_exit COMMAND: runs COMMAND on exit, before what was set already
# (the work directory's removal, the PostgreSQL server's stop).
at_exit() {
	local cmd=$1 old
	old=$(trap -p EXIT)
	eval "set -- $old"
	trap -- "$cmd${3:+; $3}" EXIT
}

ok() { passes=$((passes + 1)); echo "ok - $1"; }
not_ok() { fails=$((fails + 1)); echo "not ok - $1"; }

# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		printf '#   expected: %s\n#   got:      %s\n' "$2" "$3"
	fi
}

# contains NAME FILE TEXT
contains() {
	if grep -qF -- "$3" "$2"; then
		ok "$1"
	else
		not_ok "$1: '$3' not in $2:"
		sed 's/^/#   /' "$2"
	fi
}

# report ORG ID DOMAIN OK FAILED: one RFC 8460 report on stdout.
report() {
	local details=""
	if [ "$5" -gt 0 ]; then
		details=",\"failure-details\":[{\"result-type\":\"certificate-expired\",\"sending-mta-ip\":\"192.0.2.1\",\"receiving-mx-hostname\":\"mx2.$3\",\"failed-session-count\":$5}]"
	fi
	printf '{"organization-name":"%s","date-range":{"start-datetime":"2026-03-01T00:00:00Z","end-datetime":"2026-03-01T23:59:59Z"},"contact-info":"tls@%s","report-id":"%s","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: mx1.%s","max_age: 86400"],"policy-domain":"%s","mx-host":["mx1.%s"]},"summary":{"total-successful-session-count":%s,"total-failure-session-count":%s}%s}]}\n' \
		"$1" "$1" "$2" "$3" "$3" "$3" "$4" "$5" "$details"
}

# message ID DOMAIN OK FAILED: a report mail with a base64 gzip attachment.
message() {
	printf 'From: noreply@reporter.example\nTo: tls@%s\nSubject: Report Domain: %s\nTLS-Report-Domain: %s\nTLS-Report-Submitter: reporter.example\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=tlsrpt; boundary="XX"\n\n--XX\nContent-Type: text/plain\n\nFrom the reporter: this line starts with From in the body.\n\n--XX\nContent-Type: application/tlsrpt+gzip\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="r.json.gz"\n\n' "$2" "$2" "$2"
	report "Reporter" "$1" "$2" "$3" "$4" | gzip -c | base64
	printf '\n--XX--\n'
}

# csv COMMAND...: its CSV rows without the header, joined by ';'.
csv() { "$@" --format csv | tr -d '\r' | tail -n +2 | paste -sd';'; }

# Report parts for tests that build their datasets policy by policy.
det() { # TYPE MTA MX COUNT [RECEIVING-IP]: one failure detail
	printf '{"result-type":"%s","sending-mta-ip":"%s","receiving-mx-hostname":"%s","failed-session-count":%s%s}' \
		"$1" "$2" "$3" "$4" "${5:+,\"receiving-ip\":\"$5\"}"
}
pol() { # TYPE MODE|- DOMAIN OK FAILED DETAILS [MAX_AGE]: one policy
	local ps='["3 1 1 AA"]'
	[ "$1" = sts ] && ps="[\"version: STSv1\",\"mode: $2\",\"mx: *.$3\",\"max_age: ${7:-86400}\"]"
	[ "$1" = no-policy-found ] && ps='[]'
	printf '{"policy":{"policy-type":"%s","policy-string":%s,"policy-domain":"%s"},"summary":{"total-successful-session-count":%s,"total-failure-session-count":%s},"failure-details":[%s]}' \
		"$1" "$ps" "$3" "$4" "$5" "$6"
}
rep() { # FILE ORG ID DAY POLICIES: a one-day report, written to $in/FILE
	printf '{"organization-name":"%s","date-range":{"start-datetime":"%sT00:00:00Z","end-datetime":"%sT23:59:59Z"},"contact-info":"x@y","report-id":"%s","policies":[%s]}\n' \
		"$2" "$4" "$4" "$3" "$5" >"$in/$1"
}

# Prints the closing line; the exit status says whether all passed.
finish() {
	echo "$passes passed, $fails failed"
	[ "$fails" -eq 0 ]
}
