#!/usr/bin/env bash
# test_quarantine.sh - what `tlsrpt import` keeps of what it cannot store,
# on a real store (an SQLite file, or PostgreSQL with
# TLSRPT_TEST_STORE=pg): one quarantine row per distinct rejected input
# however often it is imported, `quarantine list` with its count and
# first/last seen, `quarantine retry` counting each row once; a report sent
# again with other content ("duplicate, different content", its bytes
# quarantined); and the warnings, by `import -v` under each report and by
# `show KEY --warnings`; prune by last seen.
#
# Usage: test_quarantine.sh TLSRPT TLSRPT_GEN
set -u
TLSRPT=$1
. "$(dirname "$0")/lib.sh"

db=$(newdb q)
q() { "$TLSRPT" --db "$db" "$@"; }
run() { # run NAME ARGS...: tlsrpt import, keeping stdout, stderr, status
	local name=$1
	shift
	q import "$@" >"$work/$name.out" 2>"$work/$name.err"
	echo $? >"$work/$name.rc"
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# 1. A directory of one report and four inputs that are rejected, each
#    for its own reason, imported three times (the README's hourly cron
#    line, three hours running).
mkdir -p "$work/in"
report "Org Q" q-1 q.example 5 0 >"$work/in/good.json"
printf 'this is not a report\n' >"$work/in/junk.txt"
printf '{"organization-name":"No Id"}\n' >"$work/in/noid.json"
report "Org Q" q-2 q.example 5 0 | gzip -c | head -c 40 >"$work/in/trunc.json.gz"
printf 'From: a@b.example\nSubject: hello\n\nno report here\n' >"$work/in/plain.eml"
run first "$work/in"
run second "$work/in"
run third "$work/in"
check "first import: 1 stored, 4 rejected" "1 stored, 0 duplicate, 4 rejected" "$(tail -n 1 "$work/first.out")"
check "first import: exit 1 (something new rejected)" 1 "$(cat "$work/first.rc")"
check "third import: the report a duplicate, 4 rejected, all before" "0 stored, 1 duplicate, 4 rejected (4 before)" "$(tail -n 1 "$work/third.out")"
check "third import: each named rejected-before" 4 "$(grep -c '^rejected-before' "$work/third.err")"
check "third import: exit 0 (nothing new rejected)" 0 "$(cat "$work/third.rc")"
check "quarantine: 4 rows, not 12" 4 "$(dbq "$db" 'SELECT count(*) FROM quarantine')"
q quarantine --format json >"$work/list.json"
check "quarantine list: each input seen 3 times" "3 3 3 3" \
	"$(json '" ".join(str(r["count"]) for r in d)' <"$work/list.json")"
check "quarantine list: each names its file" \
	"$work/in/junk.txt $work/in/noid.json $work/in/plain.eml $work/in/trunc.json.gz" \
	"$(json '" ".join(sorted(r["source"] for r in d))' <"$work/list.json")"
check "quarantine list: first_seen and last_seen keys" "ok" \
	"$(json '"ok" if all(r["first_seen"] and r["last_seen"] >= r["first_seen"] for r in d) else d' <"$work/list.json")"
q quarantine --format table >"$work/list.txt"
contains "quarantine list: a COUNT column" "$work/list.txt" "COUNT"
q quarantine retry >"$work/retry.out"
check "retry: each row once" "0 stored, 0 duplicate, 4 still rejected" "$(tail -n 1 "$work/retry.out")"
check "retry: one line per row" 4 "$(grep -c '^rejected	quarantine ' "$work/retry.out")"
check "after retry: still 4 rows, still counted 3 each" "4|12" \
	"$(dbq "$db" 'SELECT count(*), sum(count) FROM quarantine')"

# 2. The same report again: as gzip, a plain duplicate (the JSON as
#    inflated is the same); with 1 failed session where q-1 had 0, a
#    duplicate with different content, quarantined with a reason naming
#    the stored report; twice, still one row.
gzip -c "$work/in/good.json" >"$work/good.json.gz"
run gz "$work/good.json.gz"
check "gzip of a stored report: duplicate" "duplicate	$work/good.json.gz	Org Q	q-1" "$(head -n 1 "$work/gz.out")"
report "Org Q" q-1 q.example 5 1 >"$work/other.json"
run other "$work/other.json"
check "other content: the line says so" "duplicate, different content	$work/other.json	Org Q	q-1" \
	"$(head -n 1 "$work/other.out")"
check "other content: counted as a duplicate, exit 0" "0 stored, 1 duplicate, 0 rejected|0" \
	"$(tail -n 1 "$work/other.out")|$(cat "$work/other.rc")"
run other2 "$work/other.json"
key=$(dbq "$db" "SELECT id FROM report WHERE report_id = 'q-1'")
check "other content: one quarantine row, count 2, naming report $key" \
	"1|2|duplicate, different content: organization Org Q report-id q-1 (stored as report $key)" \
	"$(dbq "$db" "SELECT count(*), sum(count), max(reason) FROM quarantine WHERE reason LIKE 'duplicate, different%'")"
qkey=$(dbq "$db" "SELECT id FROM quarantine WHERE reason LIKE 'duplicate, different%'")
q quarantine show "$qkey" >"$work/qshow"
cmp -s "$work/qshow" "$work/other.json" && ok "quarantine show: the second bytes" || not_ok "quarantine show: the second bytes"
check "the stored report unchanged (0 failed)" "q.example,1,1,5,0" \
	"$(q summary --domain q.example --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1-5)"
# Retried, it is a duplicate with different content again: counted as a
# duplicate, and it stays for a person to compare.
q quarantine retry >"$work/retry2.out"
check "retry: 4 still rejected, the other content a duplicate" "0 stored, 1 duplicate, 4 still rejected" \
	"$(tail -n 1 "$work/retry2.out")"
contains "retry: its line" "$work/retry2.out" "duplicate, different content	quarantine $qkey	Org Q	q-1"
check "after retry: the other content still quarantined" 1 \
	"$(dbq "$db" "SELECT count(*) FROM quarantine WHERE reason LIKE 'duplicate, different%'")"

# Prune goes by last seen: all five rows first seen 10 days ago, only the
# text file's last seen then too; --older-than 5 takes that one row (and
# q-1, which starts on 2026-03-01).
dbq "$db" "UPDATE quarantine SET received_time = received_time - 864000;
	UPDATE quarantine SET last_seen = received_time WHERE source = '$work/in/junk.txt'"
check "prune: quarantined inputs by last seen" "would prune 1 reports and 1 quarantined inputs" \
	"$(q prune --older-than 5 --dry-run | cut -d' ' -f1-8)"

# 3. Warnings: a report with four quirks, each named with its path.
db=$(newdb w)
printf '{"organization-name":"W","date-range":{"start-datetime":"2026-03-01T00:00:00Z","end-datetime":"2026-03-01T23:59:59Z"},"report-id":"w-1","policies":[{"policy":{"policy-type":"sts","policy-string":"version: STSv1","policy-domain":"w.example"},"summary":{"total-successful-session-count":"3","total-failure-session-count":0}}]}\n' >"$work/w.json"
report "Org Q" q-1 q.example 5 0 >"$work/clean.json"
run verbose -v "$work/w.json" "$work/clean.json"
cat >"$work/want" <<EOF
stored	$work/w.json	W	w-1
warning	$work/w.json	contact-info: missing
warning	$work/w.json	policies[0].policy.policy-string: a string, not an array
warning	$work/w.json	policies[0].policy.mx-host: missing
warning	$work/w.json	policies[0].summary.total-successful-session-count: a count sent as a string
stored	$work/clean.json	Org Q	q-1
2 stored, 0 duplicate, 0 rejected
EOF
if diff "$work/want" "$work/verbose.out" >"$work/diff"; then
	ok "import -v: each warning under its report"
else
	not_ok "import -v: each warning under its report"
	sed 's/^/#   /' "$work/diff"
fi
run quiet "$work/w.json"
check "import without -v: no warning lines" 0 "$(grep -c '^warning' "$work/quiet.out")"
q show w-1 --warnings >"$work/show.out"
sed -n 's/^warning	[^	]*	//p' "$work/want" >"$work/want.show"
cmp -s "$work/want.show" "$work/show.out" && ok "show --warnings: the same four lines" ||
	{ not_ok "show --warnings: the same four lines"; sed 's/^/#   /' "$work/show.out"; }
check "show --warnings of a report without: nothing, exit 0" "|0" "$(q show q-1 --warnings)|$?"

# 4. The hourly cron import with --quiet (issue 16 §7): a Maildir with a
#    report and a mail that holds none. First run: the mail is new, its
#    one 'rejected' line printed, exit 1. Second run: the same bytes are
#    in the quarantine, nothing printed but the totals "0 stored, 1
#    duplicate, 1 rejected (1 before)", exit 0 (cron mails nothing).
#    Third run, one new bad mail beside: only its line, exit 1.
db=$(newdb cron)
md="$work/cron-md"
mkdir -p "$md/cur" "$md/new" "$md/tmp"
report "Org C" c-1 c.example 5 0 >"$md/new/1.eml"
printf 'From: a@b.example\nSubject: hello\n\nno report here\n' >"$md/new/2.eml"
run cron1 --quiet "$md"
run cron2 --quiet "$md"
printf 'From: a@b.example\nSubject: other\n\nnone here either\n' >"$md/new/3.eml"
run cron3 --quiet "$md"
check "cron 1: one rejected line" 1 "$(grep -c '^rejected	' "$work/cron1.err")"
check "cron 1: exit 1" 1 "$(cat "$work/cron1.rc")"
check "cron 2: nothing on stderr" "" "$(cat "$work/cron2.err")"
check "cron 2: the totals" "0 stored, 1 duplicate, 1 rejected (1 before)" "$(cat "$work/cron2.out")"
check "cron 2: exit 0" 0 "$(cat "$work/cron2.rc")"
check "cron 3: only the new mail's line" "rejected	$md/new/3.eml" "$(cut -f1,2 "$work/cron3.err")"
check "cron 3: exit 1" 1 "$(cat "$work/cron3.rc")"
check "cron 3: the totals" "0 stored, 1 duplicate, 2 rejected (1 before)" "$(cat "$work/cron3.out")"

# 5. What cannot be read is the environment, not a bad report (issue 16
#    §8): a Maildir folder of mode 0700 and a file of mode 0000, owned by
#    root, read by the unprivileged user nobody (root reads everything).
#    Each is said as "cannot read PATH: Permission denied", counted as
#    unreadable (not rejected), nothing quarantined, the readable report
#    stored, exit 66.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	u="$work/unread"
	mkdir -p "$u/md/cur" "$u/md/new" "$u/md/tmp" "$u/db"
	udb="$u/db/u.db"
	on_sqlite || udb=$(newdb u)
	report "Org U" u-1 u.example 5 0 >"$u/ok.json"
	report "Org U" u-2 u.example 5 0 >"$u/secret.json"
	report "Org U" u-3 u.example 5 0 >"$u/md/new/1.eml"
	chmod 0000 "$u/secret.json"
	chmod 0700 "$u/md"
	chmod 0755 "$work" "$u"
	chown nobody "$u/db" "$u/ok.json"
	# nobody runs a copy: the build directory may be under one only root
	# can enter (a checkout in a mktemp -d).
	cp "$TLSRPT" "$u/tlsrpt"
	chmod 755 "$u/tlsrpt"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$u/tlsrpt" --db "$udb" import "$u/ok.json" "$u/secret.json" "$u/md" \
		>"$work/unread.out" 2>"$work/unread.err"
	check "unreadable: exit 66" 66 "$?"
	check "unreadable: the totals" "1 stored, 0 duplicate, 0 rejected, 2 unreadable" "$(tail -n 1 "$work/unread.out")"
	check "unreadable: the file named with its reason" 1 \
		"$(grep -cx "tlsrpt import: cannot read $u/secret.json: Permission denied" "$work/unread.err")"
	check "unreadable: the Maildir named" 1 "$(grep -c "^tlsrpt import: cannot read $u/md.*Permission denied" "$work/unread.err")"
	check "unreadable: no 'rejected' line" 0 "$(grep -c '^rejected' "$work/unread.err")"
	check "unreadable: nothing quarantined" 0 \
		"$("$TLSRPT" --db "$udb" quarantine list --format json | json 'len(d)')"
else
	echo "# skipped: unreadable inputs need root (to read as nobody) and setpriv"
fi

finish
