#!/usr/bin/env bash
# test_postfix.sh - tlsrpt-milter behind a real Postfix: a private instance
# (its own config_directory, queue and Maildir under a temp directory,
# listening on 127.0.0.1:2525, smtpd_milters pointing at the milter, which
# drops to the postfix user), fed with swaks: report mails are stored and
# delivered with their X-TLSRPT header, other mail is delivered untouched,
# and a database held locked past the busy timeout makes Postfix answer 4xx:
# an SMTP client is told to retry; mail already in Postfix (submitted with
# its sendmail command) stays in its queue until a flush after the lock
# goes delivers it, and the report is stored once.
#
# Needs root, postfix and swaks (tests/run-all.sh installs them); skips,
# saying so, without them. Postfix refuses `-c DIR` unless DIR is listed in
# alternate_config_directories of /etc/postfix/main.cf: the test adds its
# directory there and removes it again.
#
# Usage: test_postfix.sh TLSRPT TLSRPT_MILTER
set -u
TLSRPT=$1
MILTER_BIN=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../cli/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v postfix >/dev/null ||
	! command -v swaks >/dev/null || ! id postfix >/dev/null 2>&1; then
	echo "needs root, postfix and swaks: Postfix test skipped"
	exit 0
fi

. "$here/postfix.sh"
pf_init 2525

start_milter() {
	"$MILTER_BIN" -f -u postfix -p "unix:$work/milter.sock" --db "$work/db/t.db" \
		--rcpt tls-reports@example.com "$@" 2>>"$work/milter.log" &
	mpid=$!
	for _ in $(seq 1 50); do [ -S "$work/milter.sock" ] && return; sleep 0.1; done
	not_ok "milter did not start"; cat "$work/milter.log"
}
# contrib/postfix/main.cf.snippet: inbound Authentication-Results with our
# authserv-id are removed by cleanup before any milter sees the message, so
# the topmost one with that id is the DKIM verifier's (issue 15 §4).
printf '%s\n' '/^Authentication-Results:[[:space:]]*mx\.test\.example([[:space:];(]|$)/ IGNORE' >"$etc/header_checks"
postconf -c "$etc" "header_checks = regexp:$etc/header_checks"
start_milter --busy-timeout 500
if ! postfix -c "$etc" start >"$work/start.out" 2>&1; then
	not_ok "postfix start"; sed 's/^/#   /' "$work/start.out" "$work/maillog" 2>/dev/null
	finish
	exit 1
fi
for _ in $(seq 1 50); do
	swaks --server 127.0.0.1 --port "$port" --quit-after CONNECT >/dev/null 2>&1 && break
	sleep 0.2
done

# send TO FILE: swaks over SMTP; prints swaks' exit status.
send() {
	swaks --server 127.0.0.1 --port "$port" --from noreply@reporter.example \
		--to "$1" --data "@$2" >"$work/swaks.out" 2>&1
	echo $?
}
delivered() { # delivered MAILBOX: messages in its Maildir
	find "$mail/$1/new" "$mail/$1/cur" -type f 2>/dev/null | wc -l
}
wait_delivered() { # wait_delivered MAILBOX N
	for _ in $(seq 1 100); do
		[ "$(delivered "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

message pf-1 six.example 7 2 >"$work/r1.eml"
message pf-2 six.example 5 0 >"$work/r2.eml"
printf 'From: a@b.example\nSubject: hello\n\nnot a report\n' >"$work/plain.eml"

check "report mail accepted" 0 "$(send tls-reports@example.com "$work/r1.eml")"
check "second report accepted" 0 "$(send tls-reports@example.com "$work/r2.eml")"
check "other mail accepted" 0 "$(send admin@example.com "$work/plain.eml")"
wait_delivered tls-reports 2 && ok "reports delivered to the Maildir" || not_ok "reports delivered"
wait_delivered admin 1 && ok "other mail delivered" || not_ok "other mail delivered"
check "X-TLSRPT on the delivered reports" 2 \
	"$(grep -l '^X-TLSRPT: stored; org=Reporter; report-id=pf-' "$mail"/tls-reports/new/* 2>/dev/null | wc -l)"
check "no X-TLSRPT on other mail" 0 "$(grep -l '^X-TLSRPT' "$mail"/admin/new/* 2>/dev/null | wc -l)"
check "database: 2 reports, 12 ok, 2 failed" "six.example,2,1,12,2" \
	"$("$TLSRPT" --db "$work/db/t.db" summary --format csv | tr -d '\r' | grep '^six.example,' | cut -d, -f1-5)"
check "the milter runs as postfix" postfix "$(ps -o user= -p "$mpid" | tr -d ' ')"

# Storage failure: the database held locked past the busy timeout.
message pf-3 seven.example 3 0 >"$work/r3.eml"
(echo "BEGIN IMMEDIATE; INSERT INTO quarantine (received_time, channel, reason, bytes) VALUES (0, 'lock', 'lock', x'00');"; sleep 4; echo "ROLLBACK;") |
	sqlite3 "$work/db/t.db" &
lock=$!
sleep 0.5
rc=$(send tls-reports@example.com "$work/r3.eml")
grep -q "<\*\* *451 4.3.0" "$work/swaks.out" && ok "locked: Postfix answers 451 4.3.0" ||
	{ not_ok "locked: 451 4.3.0"; sed 's/^/#   /' "$work/swaks.out" | tail -5; }
check "locked: the client is told to retry (swaks exit 26: refused after DATA)" 26 "$rc"
wait $lock
check "after the lock: the retry is accepted" 0 "$(send tls-reports@example.com "$work/r3.eml")"
check "stored once" "seven.example,1,1,3,0" \
	"$("$TLSRPT" --db "$work/db/t.db" summary --format csv | tr -d '\r' | grep '^seven.example,' | cut -d, -f1-5)"

# The same for mail Postfix already holds: submitted with its sendmail
# command (pickup, cleanup, non_smtpd_milters) while the database is
# locked, it stays in Postfix's queue; a flush after the lock goes
# delivers it, and the report is stored once.
message pf-4 eight.example 4 0 >"$work/r4.eml"
(echo "BEGIN IMMEDIATE; INSERT INTO quarantine (received_time, channel, reason, bytes) VALUES (0, 'lock', 'lock', x'00');"; sleep 5; echo "ROLLBACK;") |
	sqlite3 "$work/db/t.db" &
lock=$!
sleep 0.5
sendmail -C "$etc" -f noreply@reporter.example tls-reports@example.com <"$work/r4.eml"
for _ in $(seq 1 40); do
	grep -q "milter-reject: END-OF-MESSAGE.*4.3.0 TLS report not stored" "$work/maillog" && break
	sleep 0.1
done
grep -q "milter-reject: END-OF-MESSAGE.*4.3.0 TLS report not stored" "$work/maillog" &&
	ok "queued mail, locked: cleanup gets 4.3.0" || not_ok "queued mail: 4.3.0 in the mail log"
postqueue -c "$etc" -p | grep -q "in 1 Request" && ok "queued mail kept in Postfix's queue" ||
	{ not_ok "queued mail kept"; postqueue -c "$etc" -p | sed 's/^/#   /'; }
check "nothing stored while locked" "" \
	"$("$TLSRPT" --db "$work/db/t.db" summary --domain eight.example --format csv | tr -d '\r' | tail -n +2)"
wait $lock
postqueue -c "$etc" -f
postkick -c "$etc" public pickup W
wait_delivered tls-reports 4 && ok "after the flush: delivered" || not_ok "after the flush: delivered"
check "after the flush: stored once" "eight.example,1,1,4,0" \
	"$("$TLSRPT" --db "$work/db/t.db" summary --format csv | tr -d '\r' | grep '^eight.example,' | cut -d, -f1-5)"
postqueue -c "$etc" -p | grep -q "Mail queue is empty" && ok "queue empty at the end" || not_ok "queue empty at the end"

# A sender's own Authentication-Results with our authserv-id and a pass
# (issue 15 §4, A): Postfix's header_checks removes it before the milter,
# so with --require-dkim the report is not stored; another host's header
# is kept and not trusted.
kill "$mpid"
wait "$mpid" 2>/dev/null
rm -f "$work/milter.sock"
start_milter --require-dkim --authserv-id mx.test.example
{ printf 'Authentication-Results: mx.test.example; dkim=pass header.d=reporter.example\nAuthentication-Results: relay.example; dkim=pass header.d=reporter.example\n'; message pf-5 nine.example 1 0; } >"$work/r5.eml"
check "forged Authentication-Results: accepted for delivery" 0 "$(send tls-reports@example.com "$work/r5.eml")"
wait_delivered tls-reports 5 && ok "forged: delivered" || not_ok "forged: delivered"
f5=$(grep -l 'report-id=pf-5\|nine.example' "$mail"/tls-reports/new/* 2>/dev/null | tail -1)
grep -q '^X-TLSRPT: invalid; reason=no passing DKIM signature from reporter.example (none)' "$f5" 2>/dev/null &&
	ok "forged: not stored, no DKIM result seen" ||
	{ not_ok "forged: X-TLSRPT"; grep -i '^X-TLSRPT\|^Authentication-Results' "$f5" | sed 's/^/#   /'; }
check "forged: the header with our id removed, the other kept" "0 1" \
	"$(grep -c '^Authentication-Results: mx.test.example' "$f5") $(grep -c '^Authentication-Results: relay.example' "$f5")"
check "forged: nothing stored" "" \
	"$("$TLSRPT" --db "$work/db/t.db" summary --domain nine.example --format csv | tr -d '\r' | tail -n +2)"

finish
