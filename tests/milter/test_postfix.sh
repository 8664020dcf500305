#!/usr/bin/env bash
# test_postfix.sh - tlsrpt-milter behind a real Postfix: a private instance
# (its own config_directory, queue and Maildir under a temp directory,
# listening on 127.0.0.1:2525), run as Debian's default master.cf says:
# smtpd and cleanup chrooted in the queue directory (issue 16 §1: with
# chroot off, as this test had it, a socket under /run passed here and
# stopped all mail on a stock Debian). The milter's socket is therefore
# $queue/tlsrpt/milter.sock, "smtpd_milters = unix:tlsrpt/milter.sock",
# the directory the milter user's with group postfix, mode 2750; the
# milter runs as a user of its own (tlsrpt-pftest, made and removed
# here), started as root with -u, later with setpriv. Fed with swaks:
# report mails are stored and delivered with their X-TLSRPT header, other
# mail is delivered untouched, forged X-TLSRPT headers are removed, and a
# database held locked past the busy timeout makes Postfix answer 451
# 4.3.0 with words that name no path: an SMTP client is told to retry;
# mail already in Postfix (submitted with its sendmail command) stays in
# its queue until a flush after the lock goes delivers it, and the report
# is stored once. With the milter stopped, milter_default_action =
# tempfail holds mail that is no report too.
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

# The milter's own user, as the package's tlsrpt (not named so: the test
# must not take over a real one).
muser=tlsrpt-pftest
made_user=0
if ! id "$muser" >/dev/null 2>&1; then
	useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$muser" || exit 1
	made_user=1
fi
. "$here/postfix.sh"
pf_init 2525 "$muser"
trap 'cleanup; [ "$made_user" -eq 0 ] || userdel "$muser"' EXIT
# The database directory as the model has it: the user's, setgid.
chown "$muser:$muser" "$work/db"
chmod 2770 "$work/db"

# start_milter [ARGS]: started as root, it binds the socket, hands it to
# $muser and drops to $muser (-u).
start_milter() {
	"$MILTER_BIN" -f -u "$muser" -p "unix:$msock" --db "$work/db/t.db" \
		--rcpt tls-reports@example.com "$@" 2>>"$work/milter.log" &
	mpid=$!
	wait_socket
}
wait_socket() {
	for _ in $(seq 1 50); do [ -S "$msock" ] && return; sleep 0.1; done
	not_ok "milter did not start"; cat "$work/milter.log"
}
# sock_owner: "user:group mode" of the socket; Postfix (group postfix)
# connects when it is group postfix and group-writable.
sock_owner() { stat -c '%U:%G %a' "$msock"; }
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
check "the milter runs as $muser" "$muser" "$(stat -c %U "/proc/$mpid")"
check "-u: the socket is $muser's, group postfix (the setgid directory's), 0770" \
	"$muser:postfix 770" "$(sock_owner)"
sp=$(pgrep -f "smtpd -n 127.0.0.1:$port" | head -1)
check "smtpd runs chrooted in the queue directory (Debian's master.cf)" "$queue" \
	"$(readlink "/proc/${sp:-0}/root")"

# Forged X-TLSRPT headers (issue 16 §3): the delivered message has exactly
# one, the milter's. Mail to someone else keeps none.
{ printf 'X-TLSRPT: stored; org=Google Inc.; report-id=forged\nx-tlsrpt: duplicate\n'; message pf-f forged.example 2 0; } >"$work/rf.eml"
{ printf 'X-TLSRPT: stored; org=Google Inc.\n'; cat "$work/plain.eml"; } >"$work/plainf.eml"
check "forged: report accepted" 0 "$(send tls-reports@example.com "$work/rf.eml")"
check "forged: mail to someone else accepted" 0 "$(send admin@example.com "$work/plainf.eml")"
wait_delivered tls-reports 3 && wait_delivered admin 2 || not_ok "forged: delivered"
ff=$(grep -l 'forged.example' "$mail"/tls-reports/new/* 2>/dev/null | head -1)
check "forged: the report has one X-TLSRPT, the milter's" \
	"X-TLSRPT: stored; org=Reporter; report-id=pf-f; policy-domain=forged.example; reports=1" \
	"$(grep -i '^X-TLSRPT' "$ff" 2>/dev/null)"
check "forged: the mail to someone else has none" 0 \
	"$(cat "$mail"/admin/new/* | grep -ci '^X-TLSRPT')"

# Storage failure: the database held locked past the busy timeout.
message pf-3 seven.example 3 0 >"$work/r3.eml"
(echo "BEGIN IMMEDIATE; INSERT INTO quarantine (received_time, channel, reason, bytes) VALUES (0, 'lock', 'lock', x'00');"; sleep 4; echo "ROLLBACK;") |
	sqlite3 "$work/db/t.db" &
lock=$!
sleep 0.5
rc=$(send tls-reports@example.com "$work/r3.eml")
# The words the sender gets name no path and no SQLite error (issue 16 §2).
check "locked: Postfix answers 451 4.3.0, the generic words" \
	"<** 451 4.3.0 TLS report not stored: storage temporarily unavailable, try again later" \
	"$(grep '^ *<\*\* *4' "$work/swaks.out" | sed 's/^ *//')"
contains "locked: the milter's log has the database's path and SQLite's reason" "$work/milter.log" \
	"tempfail: database $work/db/t.db: BEGIN IMMEDIATE: database is locked"
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
	grep -q "milter-reject: END-OF-MESSAGE.*4.3.0 TLS report not stored: storage temporarily" "$work/maillog" && break
	sleep 0.1
done
grep -q "milter-reject: END-OF-MESSAGE.*4.3.0 TLS report not stored: storage temporarily" "$work/maillog" &&
	ok "queued mail, locked: cleanup gets 4.3.0" || not_ok "queued mail: 4.3.0 in the mail log"
postqueue -c "$etc" -p | grep -q "in 1 Request" && ok "queued mail kept in Postfix's queue" ||
	{ not_ok "queued mail kept"; postqueue -c "$etc" -p | sed 's/^/#   /'; }
check "nothing stored while locked" "" \
	"$("$TLSRPT" --db "$work/db/t.db" summary --domain eight.example --format csv | tr -d '\r' | tail -n +2)"
wait $lock
postqueue -c "$etc" -f
postkick -c "$etc" public pickup W
wait_delivered tls-reports 5 && ok "after the flush: delivered" || not_ok "after the flush: delivered"
check "after the flush: stored once" "eight.example,1,1,4,0" \
	"$("$TLSRPT" --db "$work/db/t.db" summary --format csv | tr -d '\r' | grep '^eight.example,' | cut -d, -f1-5)"
postqueue -c "$etc" -p | grep -q "Mail queue is empty" && ok "queue empty at the end" || not_ok "queue empty at the end"

# A sender's own Authentication-Results with our authserv-id and a pass
# (issue 15 §4, A): Postfix's header_checks removes it before the milter,
# so with --require-dkim the report is not stored; another host's header
# is kept and not trusted.
kill "$mpid"
wait "$mpid" 2>/dev/null
# The milter down, milter_default_action = tempfail: mail that is no
# report waits too (4.7.1 from Postfix itself), as main.cf.snippet warns.
send admin@example.com "$work/plain.eml" >/dev/null
check "milter down: other mail too gets 451 4.7.1" "451 4.7.1" \
	"$(grep -o '<\*\* *451 4.7.1' "$work/swaks.out" | head -1 | sed 's/^<\*\* *//')"
# Started unprivileged this time, as the unit does (User=, UMask=0007):
# the socket is $muser's and the directory's group postfix.
(umask 0007 && exec setpriv --reuid="$muser" --regid="$muser" --init-groups \
	"$MILTER_BIN" -f -p "unix:$msock" --db "$work/db/t.db" --rcpt tls-reports@example.com \
	--require-dkim --authserv-id mx.test.example 2>>"$work/milter.log") &
mpid=$!
wait_socket
check "unprivileged start: the socket is $muser's, group postfix, 0770" \
	"$muser:postfix 770" "$(sock_owner)"
{ printf 'Authentication-Results: mx.test.example; dkim=pass header.d=reporter.example\nAuthentication-Results: relay.example; dkim=pass header.d=reporter.example\n'; message pf-5 nine.example 1 0; } >"$work/r5.eml"
check "forged Authentication-Results: accepted for delivery" 0 "$(send tls-reports@example.com "$work/r5.eml")"
wait_delivered tls-reports 6 && ok "forged: delivered" || not_ok "forged: delivered"
f5=$(grep -l 'report-id=pf-5\|nine.example' "$mail"/tls-reports/new/* 2>/dev/null | tail -1)
grep -q '^X-TLSRPT: invalid; reason=no passing DKIM signature from reporter.example (none)' "$f5" 2>/dev/null &&
	ok "forged: not stored, no DKIM result seen" ||
	{ not_ok "forged: X-TLSRPT"; grep -i '^X-TLSRPT\|^Authentication-Results' "$f5" | sed 's/^/#   /'; }
check "forged: the header with our id removed, the other kept" "0 1" \
	"$(grep -c '^Authentication-Results: mx.test.example' "$f5") $(grep -c '^Authentication-Results: relay.example' "$f5")"
check "forged: nothing stored" "" \
	"$("$TLSRPT" --db "$work/db/t.db" summary --domain nine.example --format csv | tr -d '\r' | tail -n +2)"

finish
