#!/bin/bash
# test_poison.sh - issue 15 §1, §2 and §7: one report must not block
# another, small input must not become huge storage, one thing must not
# be split into many.
# Usage: test_poison.sh TLSRPT TLSRPT-GEN
set -u
TLSRPT=$1
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 needed: skipped"; exit 0; }
cd "$work" || exit 1

# poison ID DOMAIN NPOLICIES COUNT: a report of NPOLICIES sts policies of
# COUNT successful sessions each.
poison() {
	local i sep=""
	printf '{"organization-name":"Poison","date-range":{"start-datetime":"2026-03-01T00:00:00Z","end-datetime":"2026-03-01T23:59:59Z"},"contact-info":"x","report-id":"%s","policies":[' "$1"
	for ((i = 0; i < $3; i++)); do
		printf '%s{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing"],"policy-domain":"%s","mx-host":["mx.%s"]},"summary":{"total-successful-session-count":%s,"total-failure-session-count":0}}' "$sep" "$2" "$2" "$4"
		sep=,
	done
	printf ']}\n'
}
# dated ID START END: a small report with that date range.
dated() {
	report Dated "$1" dated.example 5 0 |
		sed "s/2026-03-01T00:00:00Z/$2/; s/2026-03-01T23:59:59Z/$3/"
}

# §1: 1,100 policies of 2^53 sessions each, within every per-count limit,
# overflowed the rollups: the whole import exited 75, storing neither.
report Legit legit-1 legit.example 10 1 >legit.json
poison p1 legit.example 1100 9007199254740992 >poison.json
"$TLSRPT" --db a.db import legit.json poison.json >out 2>err
check "legit + poison: exit 1, not 75" 1 $?
contains "legit stored" out "stored	legit.json	Legit	legit-1"
contains "poison rejected, naming the field" err "policies[0].summary: the report's sessions add up to more than 2^40"
# 2^40 in all is accepted: 2 policies of 2^39.
poison p2 legit.example 2 549755813888 >edge.json
"$TLSRPT" --db a.db import edge.json >out 2>&1
check "2^40 sessions in all: stored" 0 $?
poison p3 legit.example 2 549755813889 >over.json
"$TLSRPT" --db a.db import over.json >out 2>&1
check "2^40 + 2 in all: rejected" 1 $?

# §1: a report the store refuses for a reason of its own (here the
# "integer overflow" of a function, raised by a trigger on its domain, as
# the rollups raised it before the bound) is rejected and quarantined
# alone; the rest of the batch is stored.
"$TLSRPT" --db b.db import legit.json >/dev/null
sqlite3 b.db "CREATE TRIGGER trap BEFORE INSERT ON policy WHEN NEW.policy_domain = 'trap.example' BEGIN SELECT abs(-9223372036854775807 - 1); END;"
report Legit legit-2 legit.example 10 1 >legit2.json
report Trap trap-1 trap.example 10 1 >trap.json
report Legit legit-3 legit.example 10 1 >legit3.json
"$TLSRPT" --db b.db import legit2.json trap.json legit3.json >out 2>err
check "store refusal: exit 1, not 75" 1 $?
contains "the report before it stored" out "stored	legit2.json"
contains "the report after it stored" out "stored	legit3.json"
contains "refused report rejected with the reason" err "cannot be stored"
check "refused report quarantined" 1 "$(sqlite3 b.db "SELECT count(*) FROM quarantine WHERE reason LIKE 'cannot be stored%'")"
check "none of its rows left" 0 "$(sqlite3 b.db "SELECT count(*) FROM report WHERE organization = 'Trap'")"
check "rollups hold the 3 legit reports" 3 "$(sqlite3 b.db "SELECT sum(reports) FROM rollup_policy")"

# §1: sums over stored data that exceed 64 bits (a database written
# before the bound) are held at INT64_MAX, not "integer overflow".
"$TLSRPT" --db c.db import legit.json legit2.json >/dev/null
sqlite3 c.db "UPDATE policy SET successful_sessions = 4611686018427387904; UPDATE rollup_policy SET successful_sessions = 4611686018427387904 * reports;"
"$TLSRPT" --db c.db summary --since 2026-02-10 --until 2026-03-10 --format csv >out 2>&1
check "summary over a range: exit 0" 0 $?
contains "summary held at INT64_MAX" out "9223372036854775807"
"$TLSRPT" --db c.db summary --format csv >out 2>&1
check "summary over all: exit 0" 0 $?

# §1: dates outside 1970 .. 9999 or more than a day ahead are rejected.
soon=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)
later=$(date -u -d '+3 days' +%Y-%m-%dT%H:%M:%SZ)
dated d1 "$soon" "$soon" >soon.json
dated d2 "$later" "$later" >later.json
dated d3 1969-12-31T00:00:00Z 1969-12-31T23:59:59Z >old.json
dated d4 0001-01-01T00:00:00Z 0001-01-01T23:59:59Z >ancient.json
"$TLSRPT" --db d.db import soon.json later.json old.json ancient.json >out 2>err
check "dates: exit 1" 1 $?
contains "two hours ahead: stored" out "stored	soon.json"
contains "three days ahead: rejected" err "date-range.start-datetime: more than a day in the future"
contains "1969: rejected" err "old.json	date-range: outside the years 1970 to 9999"
contains "year 1: rejected" err "ancient.json	date-range: outside the years 1970 to 9999"

# §2: what a report may cost in the database: 1,100 failure details of
# 4,000-byte strings are 4.4 MB of rows, over LIMIT_REPORT_STORED (4 MiB).
s4k=$(head -c 4000 /dev/zero | tr '\0' a)
big() { # ID N: a report with N failure details of 4,000-byte strings
	local i sep=""
	printf '{"organization-name":"Big","date-range":{"start-datetime":"2026-03-01T00:00:00Z","end-datetime":"2026-03-01T23:59:59Z"},"report-id":"%s","policies":[{"policy":{"policy-type":"sts","policy-domain":"big.example"},"summary":{"total-successful-session-count":1,"total-failure-session-count":%s},"failure-details":[' "$1" "$2"
	for ((i = 0; i < $2; i++)); do
		printf '%s{"result-type":"validation-failure","failed-session-count":1,"additional-information":"%s"}' "$sep" "$s4k"
		sep=,
	done
	printf ']}]}\n'
}
big b1 1100 >big.json
"$TLSRPT" --db e.db import big.json >out 2>err
check "4.4 MB of rows: rejected" 1 $?
contains "the reason says what it would take" err "would take"

# §2: after a large import the WAL is at most LIMIT_WAL_BYTES (64 MiB):
# 24 reports of 3.6 MB (900 policy strings of 4,000 bytes, kept only in
# the bytes as received) are 86 MB in one batch.
{
	printf '{"organization-name":"Wal","date-range":{"start-datetime":"2026-03-01T00:00:00Z","end-datetime":"2026-03-01T23:59:59Z"},"report-id":"ID","policies":[{"policy":{"policy-type":"sts","policy-domain":"wal.example","policy-string":["mode: testing"'
	for ((i = 0; i < 900; i++)); do printf ',"%s"' "$s4k"; done
	printf ']},"summary":{"total-successful-session-count":1,"total-failure-session-count":0}}]}\n'
} >wal.tmpl
mkdir wal
for i in $(seq 1 24); do sed "s/\"report-id\":\"ID\"/\"report-id\":\"w$i\"/" wal.tmpl >wal/w$i.json; done
# Another connection stays open (as a daemon's would), so the import's
# close is not the last one, which would checkpoint and remove the WAL.
"$TLSRPT" --db f.db import legit.json >/dev/null
mkfifo hold
sqlite3 f.db <hold >/dev/null &
holder=$!
exec 3>hold
echo 'SELECT count(*) FROM report;' >&3
sleep 0.5
"$TLSRPT" --db f.db import wal >out 2>&1
check "large import: exit 0" 0 $?
check "25 stored" 25 "$(sqlite3 f.db 'SELECT count(*) FROM report')"
walsize=$(stat -c %s f.db-wal 2>/dev/null || echo 0)
if [ "$walsize" -le 67108864 ]; then ok "WAL at most 64 MiB ($walsize)"; else not_ok "WAL at most 64 MiB: $walsize"; fi
exec 3>&-
wait "$holder"

# §2: the quarantine's quota. Filled (its usage set near 256 MiB), a new
# rejected input is not kept, and says so; bytes kept before still count.
printf 'not a report 1\n' >junk1
printf 'not a report 2\n' >junk2
"$TLSRPT" --db g.db import junk1 >/dev/null 2>&1
sqlite3 g.db "UPDATE quarantine_usage SET bytes = 268435456 - 10"
"$TLSRPT" --db g.db import junk2 >out 2>err
check "full quarantine: still rejected (exit 1)" 1 $?
contains "says it was not kept" err "not kept: the quarantine is full (256 MiB)"
check "not kept" 1 "$(sqlite3 g.db 'SELECT count(*) FROM quarantine')"
"$TLSRPT" --db g.db import junk1 >/dev/null 2>&1
check "the same bytes again still count" 2 "$(sqlite3 g.db 'SELECT count FROM quarantine')"

# §7: an organization name with trailing or non-breaking spaces is the
# same identity; the name as sent stays for display.
report "Google Inc." id-1 org.example 10 0 >o1.json
report "Google Inc. " id-1 org.example 10 0 >o2.json
report "Google$(printf '\302\240')Inc.$(printf '\t')" id-1 org.example 10 0 | sed 's/\t/\\t/g' >o3.json
report "Google Inc. " id-2 org.example 10 0 >o4.json
"$TLSRPT" --db h.db import o1.json o2.json o3.json o4.json >out 2>&1
contains "trailing space: duplicate" out "different content	o2.json	Google Inc. 	id-1"
contains "no-break space and tab: duplicate" out "different content	o3.json"
check "two reports" 2 "$(sqlite3 h.db 'SELECT count(*) FROM report')"
check "the name as sent kept" "Google Inc. " "$(sqlite3 h.db "SELECT organization FROM report WHERE report_id = 'id-2'")"

# §7: ::ffff:192.0.2.1 is the MTA 192.0.2.1.
report Mapped m-1 mapped.example 10 3 | sed 's/"192.0.2.1"/"::ffff:192.0.2.1"/' >m.json
"$TLSRPT" --db i.db import m.json >/dev/null 2>&1
check "IPv4-mapped address as IPv4" 192.0.2.1 "$(sqlite3 i.db 'SELECT sending_mta_ip FROM failure')"

# §7: RFC 8460 §4.4 says A-labels. A U-label, full-width letters or
# blanks around the name are the same domain as its A-label form: one
# summary row, not three; what cannot convert is rejected, naming the field.
report Idn idn-1 "bücher.example" 10 1 >u.json
report Idn idn-2 xn--bcher-kva.example 20 2 >a.json
report Idn idn-3 "bücher.example" 30 3 |
	sed "s/\"policy-domain\":\"[^\"]*\"/\"policy-domain\":\" $(printf '\357\275\202\303\274')cher.EXAMPLE\\\\t\"/" >w.json
report Idn idn-4 "$(printf 'exa_mple.b\303\274cher')" 1 0 >bad.json
"$TLSRPT" --db j.db import -v u.json a.json w.json bad.json >out 2>err
check "IDN: exit 1 (one rejected)" 1 $?
check "IDN: three reports stored" 3 "$(grep -c '^stored' out)"
contains "the U-label's warning names the field" out "policies[0].policy.policy-domain: stored as \"xn--bcher-kva.example\""
contains "what cannot convert is rejected" err "bad.json	policies[0].policy.mx-host: not a domain name"
check "IDN: one summary row" "xn--bcher-kva.example,3,60,6" \
	"$(csv "$TLSRPT" --db j.db summary | cut -d, -f1,2,4,5)"
check "IDN: the MX hosts converted too" "mx2.xn--bcher-kva.example" \
	"$(sqlite3 j.db 'SELECT DISTINCT receiving_mx_hostname FROM failure')"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
