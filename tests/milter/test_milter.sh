#!/usr/bin/env bash
# test_milter.sh - tlsrpt-milter through miltertest (a real libmilter
# client): every .eml of the corpus and messages made here, the replies,
# the X-TLSRPT header (also for a duplicate with different content) and
# what the database holds afterwards (one quarantine row per distinct
# message, however often it came); then the
# options: --on-stored discard, --on-invalid reject, no --rcpt, a message
# over --max-message, --require-dkim, and storage failure as 451 with the
# report stored once after the retry: the 451's words the same whatever
# failed (no path, no SQLite error: those go to the log), with a lock and,
# as root, a full disk. Then the X-TLSRPT headers a message comes with:
# every one removed, from any message; and the socket's errors at start.
#
# Usage: test_milter.sh TLSRPT TLSRPT_MILTER
set -u
TLSRPT=$1
MILTER_BIN=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../cli/lib.sh"

if ! command -v miltertest >/dev/null; then
	echo "miltertest not installed (tests/run-all.sh installs it): skipped"
	exit 0
fi

pid=""
stop_milter() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		pid=""
	fi
}
trap 'stop_milter; rm -rf "$work"' EXIT

# start NAME ARGS...: a milter on $work/NAME.sock writing $work/NAME.db.
start() {
	local name=$1
	shift
	stop_milter
	sock="unix:$work/$name.sock"
	db="$work/$name.db"
	"$MILTER_BIN" -f -p "$sock" --db "$db" "$@" 2>>"$work/$name.log" &
	pid=$!
	for _ in $(seq 1 50); do
		[ -S "$work/$name.sock" ] && return 0
		sleep 0.1
	done
	not_ok "milter $name did not start"; cat "$work/$name.log"
}

# send FILE [RCPT]: prints "reply=X" and "header=..." for one message.
send() {
	MILTER="$sock" MSG="$1" RCPT="${2:-<tls-reports@example.com>}" \
		miltertest -s "$here/send.lua" 2>&1
}

# expect NAME FILE REPLY HEADER-PREFIX [RCPT]
expect() {
	local out
	out=$(send "$2" "${5:-}")
	check "$1: reply" "reply=$3" "$(echo "$out" | grep '^reply=')"
	case "$(echo "$out" | grep '^header=')" in
	"header=$4"*) ok "$1: X-TLSRPT $4" ;;
	*) not_ok "$1: X-TLSRPT should start '$4'"; echo "$out" | sed 's/^/#   /' ;;
	esac
}

sessions() { # sessions DOMAIN: "reports,successful,failed" from the database
	"$TLSRPT" --db "$db" summary --domain "$1" --format csv | tr -d '\r' |
		tail -n +2 | cut -d, -f2,4,5
}

# 1. Default options, one report address.
start main --rcpt Tls-Reports@Example.com
corpus=${TLSRPT_CORPUS:-}
if [ -n "$corpus" ] && [ -d "$corpus" ]; then
	# Every report mail of the corpus is delivered with the outcome in
	# the header; the cron mail (tlsrpt-rs/empty.eml) holds no report.
	find "$corpus" -name '*.eml' | sort >"$work/emls"
	stored=0
	invalid=0
	cdiff=0
	while read -r f; do
		out=$(send "$f")
		rel=${f#"$corpus"/}
		if ! echo "$out" | grep -q '^reply=a$'; then
			not_ok "$rel: accepted"; echo "$out" | sed 's/^/#   /'
			continue
		fi
		case "$out" in
		*"header=stored; "* | *"header=duplicate; "*) stored=$((stored + 1)) ;;
		*"header=duplicate, different content; "*) stored=$((stored + 1)) cdiff=$((cdiff + 1)) ;;
		*"header=invalid; reason=no report in the message"*) invalid=$((invalid + 1)) ;;
		*) not_ok "$rel: header"; echo "$out" | sed 's/^/#   /' ;;
		esac
	done <"$work/emls"
	# One of the 16 is a duplicate with different content:
	# tlsrpt-be/test.eml holds the RFC 8460 example as its project
	# copied it, not the text of mail-auth/rpt01.eml, stored before it.
	check "corpus: 17 mails, 16 with a report (1 different content), 1 without" "17 16 1 1" \
		"$(wc -l <"$work/emls") $stored $cdiff $invalid"
	# Hand-derived from the attachments: test.xmox.nl = mox/example.eml
	# (Google 3 ok) + mox/microsoft.eml (Microsoft sts 2 ok, tlsa 2 ok:
	# one counts) = 2 reports, 5 successful, 0 failed.
	check "corpus: test.xmox.nl" "2,5,0" "$(sessions test.xmox.nl)"
	# krvtz.net: google1 1 ok, google2 2 ok, mail.ru 0 ok + 1 failed,
	# microsoft1 2 ok (sts and tlsa tie at 2: sts first) = 4, 5, 1.
	check "corpus: krvtz.net" "4,5,1" "$(sessions krvtz.net)"
else
	echo "# corpus folder absent: corpus mails skipped"
fi

# Messages made here.
message mt-1 one.example 9 1 >"$work/b64.eml"
check_db() { "$TLSRPT" --db "$db" summary --format csv | grep -c "^$1,"; }
expect "base64 gzip part" "$work/b64.eml" a "stored; org=Reporter; report-id=mt-1"
expect "the same again" "$work/b64.eml" a "duplicate; org=Reporter; report-id=mt-1"
# The same identity with other counts (2 failed, not 1): still a
# duplicate, said to differ; its report part waits in the quarantine.
message mt-1 one.example 9 2 >"$work/b64-other.eml"
expect "the same report-id, other content" "$work/b64-other.eml" a \
	"duplicate, different content; org=Reporter; report-id=mt-1; policy-domain=one.example; reports=1"
check "other content: the stored report kept" "1,9,1" "$(sessions one.example)"
{
	printf 'From: r@reporter.example\nSubject: two\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"\n\n'
	printf -- '--B\nContent-Type: application/tlsrpt+json\nContent-Transfer-Encoding: quoted-printable\n\n'
	report "QP Org" qp-1 two.example 4 0 | sed 's/=/=3D/g'
	printf -- '--B\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="r.json.gz"\n\n'
	report "Oct Org" oct-1 two.example 6 0 | gzip -c | base64
	printf -- '--B--\n'
} >"$work/two.eml"
expect "two reports (QP, octet-stream .json.gz)" "$work/two.eml" a "stored; org=QP Org; report-id=qp-1; policy-domain=two.example; reports=2"
check "two reports in the database" "2,10,0" "$(sessions two.example)"
printf 'From: a@b.example\nSubject: hello\n\nno report here\n' >"$work/plain.eml"
expect "no report, to the report address" "$work/plain.eml" a "invalid; reason=no report in the message"
expect "no report, sent again" "$work/plain.eml" a "invalid; reason=no report in the message"
expect "no report, to someone else" "$work/plain.eml" a "" "<someone@example.com>"
# Rows: this message (sent twice: one row, count 2), the other content of
# mt-1, and from the corpus its mail without a report and tlsrpt-be's.
check "quarantine: one row per distinct input, and their counts" \
	"$((2 + ${invalid:-0} + ${cdiff:-0}))|$((3 + ${invalid:-0} + ${cdiff:-0}))" \
	"$(sqlite3 "$db" 'SELECT count(*), sum(count) FROM quarantine' 2>/dev/null || echo sqlite3-missing)"
check "quarantine: the message sent twice counted 2" "2" \
	"$(sqlite3 "$db" "SELECT max(count) FROM quarantine WHERE channel = 'milter'" 2>/dev/null)"
check "provenance: channel, submitter, dkim" "milter|reporter.example|none header.d=-" \
	"$(sqlite3 "$db" "SELECT channel, submitter, coalesce(dkim,'') FROM report WHERE report_id = 'mt-1'" 2>/dev/null | sed 's/|none$/|none header.d=-/')"

# 2. --on-stored discard, --on-invalid reject.
start strict --rcpt tls-reports@example.com --on-stored discard --on-invalid reject
expect "discard a stored report" "$work/b64.eml" d ""
expect "reject a message without a report" "$work/plain.eml" y ""
grep -q "no report in the message" "$work/strict.log" && ok "rejection logged with its reason" || not_ok "rejection logged"

# 3. No --rcpt: report mails taken, other mail accepted untouched.
start open
expect "no --rcpt: report taken" "$work/b64.eml" a "stored; org=Reporter"
expect "no --rcpt: plain mail untouched" "$work/plain.eml" a ""
check "no --rcpt: nothing quarantined" 0 "$(sqlite3 "$db" 'SELECT count(*) FROM quarantine' 2>/dev/null)"

# 3b. Issue 15 §3: with no --rcpt only a message positively a report is
#     touched. Ordinary mail over --max-message, an SQL dump of "--" lines
#     (past the MIME pre-scan's bound) and a .json attachment that is
#     someone's file are accepted untouched, even with --on-invalid reject;
#     a report in a plain multipart/mixed is still taken.
mixed() { # mixed FILE: a multipart/mixed from a person, body on stdin
	{
		printf 'From: alice@example.org\nSubject: the dump\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="P"\n\n--P\nContent-Type: text/plain\n\n'
		cat
		printf '\n--P--\n'
	} >"$1"
}
head -c 70000 /dev/zero | tr '\0' 'x' | fold -w 76 | mixed "$work/person-big.eml"
for i in $(seq 5000); do echo "-- row $i"; done | mixed "$work/person-sql.eml"
printf 'see attached\n--P\nContent-Type: application/json\nContent-Disposition: attachment; filename="data.json"\n\n{"not": "a report"}\n' |
	mixed "$work/person-json.eml"
message mx-1 mixed.example 2 0 | sed -e '/^TLS-Report-Domain:/d' \
	-e 's|^Content-Type: multipart/report; report-type=tlsrpt;|Content-Type: multipart/mixed;|' >"$work/report-mixed.eml"
start open2 --on-invalid reject --max-message 65536
for m in big sql json; do
	expect "no --rcpt: a person's $m mail untouched" "$work/person-$m.eml" a ""
done
expect "no --rcpt: a report in multipart/mixed taken" "$work/report-mixed.eml" a "stored; org=Reporter; report-id=mx-1"
check "no --rcpt: nothing of theirs quarantined" 0 "$(sqlite3 "$db" 'SELECT count(*) FROM quarantine' 2>/dev/null)"
start rcpt2 --rcpt tls-reports@example.com --on-invalid reject --max-message 65536
for m in big sql json; do
	expect "--rcpt: a person's $m mail to someone else untouched" "$work/person-$m.eml" a "" "<bob@example.com>"
	expect "--rcpt: the same to the report address rejected" "$work/person-$m.eml" y ""
done

# 4. Over --max-message: invalid, "too large", quarantined; a retry keeps
#    the milter's verdict (issue 15 §4: with the CLI's larger limit the
#    cut message parsed, and its unsigned report was stored).
start small --rcpt tls-reports@example.com --max-message 65536
{ message big-1 three.example 1 0; head -c 70000 /dev/zero | tr '\0' 'x' | fold -w 76; } >"$work/big.eml"
expect "too large" "$work/big.eml" a "invalid; reason=too large"
"$TLSRPT" --db "$db" quarantine retry >"$work/retry-size.out" 2>&1
check "retry: the milter's size rejection left alone" "0 stored" "$(tail -1 "$work/retry-size.out" | cut -d, -f1)"
check "retry: big-1 not stored" 0 "$(sqlite3 "$db" "SELECT count(*) FROM report WHERE report_id = 'big-1'")"

# 4b. Issue 15 §2: report parts that each fit (15 MiB of JSON, 100:1) but
#     together pass --max-decompressed (default 40 MiB): the message is
#     invalid, "decompressed total over", nothing of it stored, and the
#     milter's peak memory stays bounded.
head -c 2000 /dev/urandom | tr '\000-\377' '[ *64][\t*64][\n*64][\r*64]' >"$work/pad"
for _ in $(seq 7500); do cat "$work/pad"; done >"$work/pad15"
{
	printf 'From: noreply@reporter.example\nTLS-Report-Domain: six.example\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=tlsrpt; boundary="XX"\n\n'
	for i in 1 2 3 4; do
		printf -- '--XX\nContent-Type: application/tlsrpt+gzip\nContent-Transfer-Encoding: base64\n\n'
		{ printf '{'; cat "$work/pad15"; report "Big Org" "bomb-$i" six.example 1 0 | cut -c2-; } | gzip -c | base64
	done
	printf -- '--XX--\n'
} >"$work/total.eml"
start total --rcpt tls-reports@example.com
expect "four 15 MiB parts: over the total" "$work/total.eml" a "invalid; reason=decompressed total over 41943040 bytes"
check "over the total: nothing stored" 0 "$(sqlite3 "$db" "SELECT count(*) FROM report")"
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
[ "${hwm:-0}" -gt 0 ] && [ "$hwm" -lt 700000 ] && ok "peak RSS bounded: ${hwm} kB < 700 MB" ||
	not_ok "peak RSS ${hwm:-?} kB (bound 700 MB)"
start total2 --rcpt tls-reports@example.com --max-decompressed 104857600
expect "--max-decompressed 100 MiB: all four stored" "$work/total.eml" a "stored; org=Big Org"
"$MILTER_BIN" --max-decompressed 1000 >/dev/null 2>&1
check "--max-decompressed below its bound: exit 64" 64 "$?"

# 5. --require-dkim: only a pass from the submitter's domain stores.
start dkim --rcpt tls-reports@example.com --require-dkim --authserv-id mx.example.com
{ printf 'Authentication-Results: mx.example.com; dkim=pass header.d=reporter.example header.s=s1\n'; message dk-1 four.example 1 0; } >"$work/signed.eml"
{ printf 'Authentication-Results: evil.example; dkim=pass header.d=reporter.example\n'; message dk-2 four.example 1 0; } >"$work/forged.eml"
expect "dkim pass from the submitter" "$work/signed.eml" a "stored; org=Reporter; report-id=dk-1"
expect "dkim from another authserv-id" "$work/forged.eml" a "invalid; reason=no passing DKIM signature from reporter.example"
# Issue 15 §4, the five bypasses. A: the sender's own header, with our id
# and a pass, below the MTA's fail (MTAs prepend: the topmost is ours).
{ printf 'Authentication-Results: mx.example.com; dkim=fail header.d=reporter.example\nAuthentication-Results: mx.example.com; dkim=pass header.d=reporter.example\n'; message dk-a four.example 1 0; } >"$work/dk-a.eml"
expect "A: a forged pass below the MTA's fail" "$work/dk-a.eml" a "invalid; reason=no passing DKIM signature"
# B: MAIL FROM:<> and no TLS-Report-Submitter; C: TLS-Report-Submitter: <>;
# D: a single label; each with a pass from the attacker's own domain.
{ printf 'Authentication-Results: mx.example.com; dkim=pass header.d=attacker.example\n'; message dk-b four.example 1 0 | sed '/^TLS-Report-Submitter:/d'; } >"$work/dk-b.eml"
FROM='<>' expect "B: an empty envelope sender, no submitter" "$work/dk-b.eml" a "invalid; reason=no passing DKIM signature"
{ printf 'Authentication-Results: mx.example.com; dkim=pass header.d=attacker.example\n'; message dk-c four.example 1 0 | sed 's/^TLS-Report-Submitter: .*/TLS-Report-Submitter: <>/'; } >"$work/dk-c.eml"
expect "C: TLS-Report-Submitter: <>" "$work/dk-c.eml" a "invalid; reason=no passing DKIM signature"
{ printf 'Authentication-Results: mx.example.com; dkim=pass header.d=attacker.example\n'; message dk-d four.example 1 0 | sed 's/^TLS-Report-Submitter: .*/TLS-Report-Submitter: example/'; } >"$work/dk-d.eml"
expect "D: a single-label submitter" "$work/dk-d.eml" a "invalid; reason=no passing DKIM signature"
# E: a pass with the attacker's i= beside a fail for the submitter.
{ printf 'Authentication-Results: mx.example.com; dkim=pass header.i=@attacker; dkim=fail header.d=reporter.example\n'; message dk-e four.example 1 0; } >"$work/dk-e.eml"
expect "E: a pass does not borrow the next result's d=" "$work/dk-e.eml" a "invalid; reason=no passing DKIM signature"
check "A-E: none stored" "dk-1" "$(sqlite3 "$db" "SELECT group_concat(report_id) FROM report WHERE report_id LIKE 'dk-%'")"
"$TLSRPT" --db "$db" quarantine retry >/dev/null 2>&1
check "A-E: a retry keeps the verdict" "dk-1" "$(sqlite3 "$db" "SELECT group_concat(report_id) FROM report WHERE report_id LIKE 'dk-%'")"
"$MILTER_BIN" --require-dkim >/dev/null 2>&1
check "--require-dkim without --authserv-id: exit 64" 64 "$?"

# 6. Storage failure: a writer holds the database past the busy timeout:
#    451 4.3.0; the retry after the lock goes stores the report once.
start busy --rcpt tls-reports@example.com --busy-timeout 300
message bz-1 five.example 3 0 >"$work/busy.eml"
expect "before the lock" "$work/b64.eml" a "stored"
(echo "BEGIN IMMEDIATE;"; sleep 3; echo "ROLLBACK;") | sqlite3 "$db" &
lockpid=$!
sleep 0.5
# The 451 is the same whatever failed (issue 16 §2: a sender was told
# "attempt to write a readonly database" and the database's path); the
# reason goes to the log.
generic="451 4.3.0 TLS report not stored: storage temporarily unavailable, try again later"
out=$(REPLY=$generic send "$work/busy.eml")
check "locked: tempfail" "reply=y" "$(echo "$out" | grep '^reply=')"
check "locked: the 451's text is the generic one, no path, no SQLite words" \
	"replytext=yes" "$(echo "$out" | grep '^replytext=')"
contains "locked: the log has the path and SQLite's reason" "$work/busy.log" \
	"tempfail: database $db: BEGIN IMMEDIATE: database is locked"
wait $lockpid
expect "after the lock: stored" "$work/busy.eml" a "stored; org=Reporter; report-id=bz-1"
check "stored once" "1,3,0" "$(sessions five.example)"
grep -q "tempfail" "$work/busy.log" && ok "tempfail logged" || not_ok "tempfail logged"

# 6b. A database the milter cannot write at all: on a 2 MiB tmpfs filled
#     after the milter started (a file made read-only after the start is
#     no test: the milter writes through the descriptor it opened). Root
#     only, for the mount.
if [ "$(id -u)" -eq 0 ]; then
	stop_milter
	mkdir "$work/full"
	if mount -t tmpfs -o size=2m tmpfs "$work/full"; then
		trap 'stop_milter; umount "$work/full" 2>/dev/null; rm -rf "$work"' EXIT
		sock="unix:$work/full.sock"
		db="$work/full/t.db"
		"$MILTER_BIN" -f -p "$sock" --db "$db" --rcpt tls-reports@example.com 2>>"$work/full.log" &
		pid=$!
		for _ in $(seq 1 50); do [ -S "$work/full.sock" ] && break; sleep 0.1; done
		# The socket comes before the database is made: wait for its
		# schema, or the disk fills first and the milter cannot start.
		for _ in $(seq 1 100); do
			[ "$(sqlite3 "$db" 'PRAGMA user_version' 2>/dev/null || echo 0)" -gt 0 ] && break
			sleep 0.1
		done
		dd if=/dev/zero of="$work/full/filler" bs=64k 2>/dev/null
		out=$(REPLY=$generic send "$work/busy.eml")
		check "disk full: tempfail" "reply=y" "$(echo "$out" | grep '^reply=')"
		check "disk full: the generic 451" "replytext=yes" "$(echo "$out" | grep '^replytext=')"
		grep -qE "tempfail: database $db: .*(database or disk is full|No space left on device)" "$work/full.log" &&
			ok "disk full: the log has the path and SQLite's reason" ||
			{ not_ok "disk full: the log has the path and the reason"; sed 's/^/#   /' "$work/full.log"; }
		stop_milter
		umount "$work/full"
	else
		not_ok "mount a tmpfs"
	fi
	start busy --rcpt tls-reports@example.com
else
	echo "# not root: the full disk left out"
fi

# 7. A socket left behind by a killed milter does not stop the next one.
kill -9 "$pid"
wait "$pid" 2>/dev/null
pid=""
[ -S "$work/busy.sock" ] && ok "kill -9 leaves the socket" || not_ok "kill -9 leaves the socket"
start busy --rcpt tls-reports@example.com
expect "stale socket replaced" "$work/busy.eml" a "duplicate; org=Reporter; report-id=bz-1"

# 7b. X-TLSRPT is the milter's word (issue 16 §3): every X-TLSRPT a message
#     comes with, in any case, is removed (smfi_chgheader with no value,
#     counted by miltertest -vvv as "cmd m" lines), from any message: a
#     report (then the milter's own is the one left), a message to the
#     report mailbox without a report, mail to someone else, and with no
#     --rcpt mail that is no report. A message without one is accepted
#     at the end of its headers, as before.
forge() { # forge FILE N: N forged X-TLSRPT headers, then the message on stdin
	{
		printf 'X-TLSRPT: stored; org=Google Inc.; report-id=forged\n'
		[ "$2" -ge 2 ] && printf 'x-tlsrpt: stored; org=Evil\n'
		[ "$2" -ge 3 ] && printf 'X-Tlsrpt: duplicate\n'
		cat
	} >"$1"
}
# forged NAME FILE RCPT REPLY DELETIONS ADDED HEADER-PREFIX
forged() {
	local out
	out=$(MILTER="$sock" MSG="$2" RCPT="$3" miltertest -vvv -s "$here/send.lua" 2>&1)
	check "$1: reply, removals, headers added" "reply=$4 $5 added=$6" \
		"$(echo "$out" | grep '^reply=') $(echo "$out" | grep -c 'cmd m,') $(echo "$out" | grep '^added=')"
	case "$(echo "$out" | grep '^header=')" in
	"header=$7"*) ok "$1: X-TLSRPT '$7'" ;;
	*) not_ok "$1: X-TLSRPT should start '$7'"; echo "$out" | grep -v '^miltertest:' | sed 's/^/#   /' ;;
	esac
}
start forge --rcpt tls-reports@example.com
message fg-1 forged.example 2 0 | forge "$work/fg-report.eml" 3
forge "$work/fg-plain.eml" 1 <"$work/plain.eml"
forged "a report with three (X-TLSRPT, x-tlsrpt, X-Tlsrpt)" "$work/fg-report.eml" \
	"<tls-reports@example.com>" a 3 1 "stored; org=Reporter; report-id=fg-1"
forged "no report, to the report address" "$work/fg-plain.eml" \
	"<tls-reports@example.com>" a 1 1 "invalid; reason=no report in the message"
forged "mail to someone else" "$work/fg-plain.eml" "<alice@example.com>" a 1 0 ""
forged "mail to someone else without one: untouched" "$work/plain.eml" "<alice@example.com>" a 0 0 ""
check "the report stored, the forged org not" "Reporter" \
	"$(sqlite3 "$db" "SELECT organization FROM report WHERE report_id = 'fg-1'")"
contains "removals logged" "$work/forge.log" "removed 3 X-TLSRPT headers the message came with"
start forge-open
head -n 2 "$work/fg-report.eml" >"$work/fg-report2.eml"
tail -n +4 "$work/fg-report.eml" >>"$work/fg-report2.eml"
forged "no --rcpt: a report with two" "$work/fg-report2.eml" "<tls-reports@example.com>" a 2 1 \
	"stored; org=Reporter; report-id=fg-1"
forged "no --rcpt: mail that is no report" "$work/fg-plain.eml" "<alice@example.com>" a 1 0 ""
out=$(MILTER="$sock" MSG="$work/fg-plain.eml" RCPT="<alice@example.com>" miltertest -s "$here/send.lua" 2>&1)
check "no --rcpt: the removal is a deletion (MT_HDRDELETE)" "deleted=yes" "$(echo "$out" | grep '^deleted=')"

# 7c. A socket the milter cannot make: the error names the path, the
#     reason and the fix, and the exit status is 1 (issue 16 §1, §6).
"$MILTER_BIN" -f -p "unix:$work/nodir/m.sock" --db "$work/x.db" 2>"$work/nodir.err"
check "missing directory: exit 1" 1 "$?"
contains "missing directory: path and reason" "$work/nodir.err" \
	"cannot listen on unix:$work/nodir/m.sock: directory $work/nodir: No such file or directory"
contains "missing directory: the fix" "$work/nodir.err" "install -d -o $(id -un) -g postfix -m 2750 $work/nodir"
mkdir "$work/ro" && chmod 555 "$work/ro"
if [ "$(id -u)" -eq 0 ]; then
	# Root may write anywhere: the milter runs as nobody here (the build
	# directory must be searchable by nobody).
	chmod 755 "$work"
	as_other() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	ro_user=nobody
else
	as_other() { "$@"; }
	ro_user=$(id -un)
fi
as_other "$MILTER_BIN" -f -p "unix:$work/ro/m.sock" --db "$work/x.db" 2>"$work/ro.err"
check "directory not writable: exit 1" 1 "$?"
contains "directory not writable: path and reason" "$work/ro.err" \
	"directory $work/ro: Permission denied; create (or fix) it owned by $ro_user"
touch "$work/plainfile"
"$MILTER_BIN" -f -p "unix:$work/plainfile" --db "$work/x.db" 2>"$work/file.err"
check "a file where the socket goes: exit 1" 1 "$?"
contains "a file where the socket goes: said" "$work/file.err" "$work/plainfile is there and is not a socket; remove it"

# 8. SIGTERM stops it cleanly (once serving: a message answered first).
start busy --rcpt tls-reports@example.com
expect "serving" "$work/busy.eml" a "duplicate; org=Reporter; report-id=bz-1"
kill "$pid"
wait "$pid"
rc=$?
pid=""
check "SIGTERM: exit 0" 0 "$rc"
"$MILTER_BIN" --help | grep -q "Usage: tlsrpt-milter" && ok "--help" || not_ok "--help"
"$MILTER_BIN" --on-stored keep >/dev/null 2>&1
check "bad option value: exit 64" 64 "$?"

finish
