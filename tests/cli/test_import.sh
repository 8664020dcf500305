#!/usr/bin/env bash
# test_import.sh - `tlsrpt import` end to end on a real store (an SQLite
# file, or PostgreSQL with TLSRPT_TEST_STORE=pg): a
# directory of report files, an .eml, an mbox (with ">From " unescaping), a
# Maildir (cur/ and new/, not tmp/), stdin; stdout lines, the final line and
# every exit code (0, 1, 64, 75).
#
# Usage: test_import.sh TLSRPT TLSRPT_GEN
set -u
TLSRPT=$1
. "$(dirname "$0")/lib.sh"

db=$(newdb t)
run() { # run NAME ARGS...: runs tlsrpt import, keeps stdout, stderr, status
	local name=$1
	shift
	"$TLSRPT" --db "$db" import "$@" >"$work/$name.out" 2>"$work/$name.err" <"${STDIN:-/dev/null}"
	echo $? >"$work/$name.rc"
}

# 1. A directory: a JSON file, a gzip file with an odd name, a message, a
#    nested directory, and one file that is not a report.
mkdir -p "$work/in/sub"
report "Org A" a-1 one.example 90 10 >"$work/in/a.json"
report "Org A" a-2 one.example 50 0 | gzip -c >"$work/in/report.bin"
message m-1 two.example 7 3 >"$work/in/sub/mail.eml"
echo "just some text" >"$work/in/sub/notes.txt"
run dir "$work/in"
check "directory: exit 1 (one rejected)" 1 "$(cat "$work/dir.rc")"
check "directory: final line" "3 stored, 0 duplicate, 1 rejected" "$(tail -n 1 "$work/dir.out")"
check "directory: one stdout line per stored report" 3 "$(grep -c '^stored	' "$work/dir.out")"
contains "directory: line names path, org and id" "$work/dir.out" "stored	$work/in/a.json	Org A	a-1"
contains "directory: rejection on stderr with reason" "$work/dir.err" "rejected	$work/in/sub/notes.txt	not gzip, JSON or a mail message"

# 2. The same again: all duplicates, nothing rejected but the text file.
run again "$work/in/a.json" "$work/in/report.bin" "$work/in/sub/mail.eml"
check "re-import: exit 0" 0 "$(cat "$work/again.rc")"
check "re-import: final line" "0 stored, 3 duplicate, 0 rejected" "$(tail -n 1 "$work/again.out")"

# 3. An mbox of three messages: the first two as a careful writer leaves
#    them (mboxrd: ">From " escaped), the third with a "From the ..." body
#    line left unescaped, as sloppy writers do.
mboxrd() { sed 's/^\(>*From \)/>\1/'; }
{
	printf 'From reporter@example Mon Mar  2 00:00:00 2026\n'
	message mb-1 three.example 1 0 | mboxrd
	printf '\nFrom reporter@example Mon Mar  2 00:00:01 2026\n'
	message mb-2 three.example 2 0 | mboxrd
	printf '\nFrom reporter@example Mon Mar  2 00:00:02 2026\n'
	message mb-3 three.example 3 1
} >"$work/reports.mbox"
run mbox "$work/reports.mbox"
check "mbox: exit 0" 0 "$(cat "$work/mbox.rc")"
check "mbox: final line" "3 stored, 0 duplicate, 0 rejected" "$(tail -n 1 "$work/mbox.out")"
contains "mbox: messages named path#n" "$work/mbox.out" "stored	$work/reports.mbox#2	Reporter	mb-2"

# 4. A Maildir: cur/ and new/ imported, tmp/ (being written) skipped.
mkdir -p "$work/Maildir/cur" "$work/Maildir/new" "$work/Maildir/tmp"
message md-1 four.example 4 0 >"$work/Maildir/cur/1.host:2,S"
message md-2 four.example 5 0 >"$work/Maildir/new/2.host"
message md-3 four.example 6 0 >"$work/Maildir/tmp/3.host"
run maildir "$work/Maildir"
check "maildir: final line" "2 stored, 0 duplicate, 0 rejected" "$(tail -n 1 "$work/maildir.out")"

# 5. stdin.
report "Org B" b-1 five.example 11 0 >"$work/stdin.json"
STDIN="$work/stdin.json" run stdin -
check "stdin: exit 0" 0 "$(cat "$work/stdin.rc")"
contains "stdin: named -" "$work/stdin.out" "stored	-	Org B	b-1"

# 6. What the database now holds, through tlsrpt summary --format json.
#    one.example: 90+50 ok, 10 failed; two.example 7/3; three.example
#    1+2+3 = 6 ok, 1 failed; four.example 4+5 = 9; five.example 11.
"$TLSRPT" --db "$db" summary --format csv >"$work/summary.csv"
check "summary: one.example" "one.example,2,1,140,10" "$(grep '^one.example,' "$work/summary.csv" | cut -d, -f1-5)"
check "summary: three.example" "three.example,3,1,6,1" "$(grep '^three.example,' "$work/summary.csv" | cut -d, -f1-5)"
check "summary: four.example" "four.example,2,1,9,0" "$(grep '^four.example,' "$work/summary.csv" | cut -d, -f1-5)"
check "summary: two.example" "two.example,1,1,7,3" "$(grep '^two.example,' "$work/summary.csv" | cut -d, -f1-5)"

# 7. Usage errors: 64.
run noargs
check "no path: exit 64" 64 "$(cat "$work/noargs.rc")"
run badopt --frobnicate x
check "unknown option: exit 64" 64 "$(cat "$work/badopt.rc")"

# 8. Missing paths are reported and the rest still imported.
report "Org C" c-1 six.example 1 0 >"$work/c.json"
run missing "$work/nope.json" "$work/c.json"
check "missing path: exit 66 (an input not read)" 66 "$(cat "$work/missing.rc")"
check "missing path: the rest stored" "1 stored, 0 duplicate, 0 rejected, 1 unreadable" "$(tail -n 1 "$work/missing.out")"

# 9. The database cannot be written: 75, and nothing is half-stored.
#    For SQLite a directory is not a database; for PostgreSQL, no server
#    answers on port 1 (a lost server is a tempfail too, issue 21).
db_saved=$db
if on_sqlite; then
	db="$work"
else
	db="postgresql://tlsrpt@127.0.0.1:1/t?connect_timeout=5"
fi
run nodb "$work/c.json"
check "unwritable database: exit 75" 75 "$(cat "$work/nodb.rc")"
db=$db_saved
# A full disk, as a trigger that fails every insert of a policy with the
# store's own error: SQLITE_FULL, or PostgreSQL's disk_full (53100).
disk_full() {
	if on_sqlite; then
		dbq "$db" "CREATE TRIGGER test_full BEFORE INSERT ON policy BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
	else
		dbq "$db" "CREATE FUNCTION test_full() RETURNS trigger LANGUAGE plpgsql AS \$\$
			BEGIN RAISE EXCEPTION USING ERRCODE = 'disk_full', MESSAGE = 'database or disk is full'; END \$\$;
			CREATE TRIGGER test_full BEFORE INSERT ON policy FOR EACH ROW EXECUTE FUNCTION test_full()"
	fi
}
disk_space() {
	if on_sqlite; then
		dbq "$db" "DROP TRIGGER test_full"
	else
		dbq "$db" "DROP TRIGGER test_full ON policy; DROP FUNCTION test_full()"
	fi
}
if ! on_sqlite || command -v sqlite3 >/dev/null; then
	disk_full
	report "Org D" d-1 seven.example 1 0 >"$work/d.json"
	run full "$work/d.json"
	check "disk full: exit 75" 75 "$(cat "$work/full.rc")"
	contains "disk full: reason on stderr" "$work/full.err" "disk is full"
	check "disk full: nothing stored" 0 "$(dbq "$db" "SELECT count(*) FROM report WHERE report_id = 'd-1'")"
	disk_space
	run retry "$work/d.json"
	check "after recovery: stored once" "1 stored, 0 duplicate, 0 rejected" "$(tail -n 1 "$work/retry.out")"
else
	not_ok "sqlite3 command missing (setup installs it)"
fi

# 10. Two imports into one database at once: nothing lost to locking.
#     Each set is 300 reports of 2 sessions for its own domain.
mkdir -p "$work/p1" "$work/p2"
for i in $(seq 1 300); do
	report "Par" "p1-$i" par1.example 2 0 >"$work/p1/$i.json"
	report "Par" "p2-$i" par2.example 2 0 | gzip -c >"$work/p2/$i.gz"
done
"$TLSRPT" --db "$db" import --quiet "$work/p1" >"$work/par1.out" 2>&1 &
pid1=$!
"$TLSRPT" --db "$db" import --quiet "$work/p2" >"$work/par2.out" 2>&1 &
pid2=$!
wait $pid1; rc1=$?
wait $pid2; rc2=$?
check "concurrent imports: both exit 0" "0 0" "$rc1 $rc2"
check "concurrent imports: first all stored" "300 stored, 0 duplicate, 0 rejected" "$(tail -n 1 "$work/par1.out")"
check "concurrent imports: second all stored" "300 stored, 0 duplicate, 0 rejected" "$(tail -n 1 "$work/par2.out")"
check "concurrent imports: 600 sessions per domain pair" "par1.example,300,1,600;par2.example,300,1,600" \
	"$("$TLSRPT" --db "$db" summary --domain par1.example --domain par2.example --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1-4 | paste -sd';')"

# 11. --stats: the 300 reports of p1 again (all duplicates) with --jobs 2:
#     the counts on stdout as without it, two lines on stderr.
"$TLSRPT" --db "$db" import --quiet --stats --jobs 2 "$work/p1" >"$work/st.out" 2>"$work/st.err"
check "--stats: exit 0" 0 "$?"
check "--stats: the totals as without it" "0 stored, 300 duplicate, 0 rejected" "$(tail -n 1 "$work/st.out")"
check "--stats: the rate line" 1 "$(grep -c '^stats: 300 reports in [0-9.]* s, [0-9]*/s, 2 parser threads$' "$work/st.err")"
check "--stats: the writer's line" 1 \
	"$(grep -c '^stats: writer [0-9.]* s: detail rows [0-9.]* s, rollups [0-9.]* s, commits [0-9.]* s ([1-9][0-9]*), waiting for parsers [0-9.]* s$' "$work/st.err")"

# 12. --help.
"$TLSRPT" import --help >"$work/help.out"
contains "import --help" "$work/help.out" "Usage: tlsrpt import"

finish
