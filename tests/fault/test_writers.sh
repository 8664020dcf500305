#!/usr/bin/env bash
# test_writers.sh - several writers at once on one database for SECONDS:
# an SQLite file, or with TLSRPT_TEST_STORE=pg a database on a PostgreSQL
# server of the test's own (one test, two stores: the same senders, the
# same expected numbers):
#   - tlsrpt-milter, fed by CLIENTS miltertest loops, each mail a new
#     report of org "Reporter" (ids m<loop>-<n>, 3 successful and 1 failed
#     session, one failure detail);
#   - HTTPDS tlsrpt-httpd over TLS, each on its own port (1 on SQLite,
#     2 on PostgreSQL: the several receivers behind a load balancer of
#     issue 21), fed by CLIENTS curl loops, loop k posting to receiver
#     k mod HTTPDS, each POST a new report of org "Web Org" (ids
#     h<loop>-<n>, 5 successful, 2 failed, one failure detail);
#   - IMPORTERS loops of `tlsrpt import` (1 on SQLite, 2 on PostgreSQL),
#     each run every IMPORT_PAUSE seconds on a fresh mbox of BATCH report
#     mails made by tlsrpt-gen; loop j's b-th batch is batch
#     g = (b - 1) x IMPORTERS + j, over its own day (2000-01-01 + g days),
#     so that no two batches share a report-id.
# Every writer waits BUSY_MS for the others (--busy-timeout; on
# PostgreSQL the lock_timeout of its session) and then gives up with a
# tempfail: the milter 451 (miltertest "y"), the receiver 503, import
# exit 75. BUSY_MS is 1 ms unless set, on purpose: the writers then
# do get in each other's way and every tempfail path is taken (with the
# binaries' default, BUSY_MS=10000, tempfails are rare). Each sender does
# what a real one does: it pauses (0.2 s, import 0.5 s) and sends the same
# input again, and counts it; after 50 tempfails in a row it gives the
# input up as lost. Any other answer is a loss too (a 500, a 400, a
# reject, import exit 1 or another code, a cut connection).
# When the time is up each sender finishes the input in hand. Then one
# more report (org "Race Org", race-1, 5 successful and 2 failed sessions
# as the web reports) is POSTed RACE times at once, spread over the
# receivers, each POST retried on 503 as above: concurrent inserts of
# one report resolve to exactly one 201 (stored) and RACE - 1 times 200
# (duplicate), one row. Then:
#   - losses: 0 for each writer;
#   - every input acknowledged: a mail accepted with X-TLSRPT stored or
#     duplicate, a POST answered 201 or 200, each mail of a batch printed
#     as stored or duplicate by the import that ended with exit 0;
#   - the database holds exactly the reports sent, counted by the senders:
#     Nm by channel milter, Nh + 1 (the race's) by channel https,
#     BATCH x (batches) by channel import, Nm + Nh + 1 + BATCH x batches
#     in all, each once;
#   - sessions, worked out by hand from those counts: milter 3 x Nm
#     successful and 1 x Nm failed, https 5 x (Nh + 1) and 2 x (Nh + 1),
#     and the same failed sessions under their failure details;
#   - nothing quarantined, every report with its bytes and a policy, the
#     rollups equal to the sums of the detail rows (on PostgreSQL also,
#     row by row, to their rebuild from the detail rows); on SQLite
#     PRAGMA integrity_check "ok" and foreign_key_check empty.
# The figures (reports, tempfails and retries per writer, reports/s) are
# printed as "# " lines.
#
# Usage: test_writers.sh TLSRPT TLSRPT_HTTPD TLSRPT_MILTER TLSRPT_GEN [SECONDS]
# Environment: BUSY_MS (default 1), CLIENTS (2), BATCH (500),
# IMPORT_PAUSE (0.5 s between imports), HTTPDS and IMPORTERS (1 each on
# SQLite, 2 on PostgreSQL), RACE (20); TLSRPT_TEST_STORE=pg for the
# PostgreSQL store (exit 77 without PostgreSQL 15); TLSRPT_KEEP=1 keeps
# the work directory.
set -u
. "$(dirname "$0")/lib.sh"
DURATION=${5:-60}
BUSY_MS=${BUSY_MS:-1}
CLIENTS=${CLIENTS:-2}
BATCH=${BATCH:-500}
IMPORT_PAUSE=${IMPORT_PAUSE:-0.5}
RACE=${RACE:-20}
if on_sqlite; then
	HTTPDS=${HTTPDS:-1} IMPORTERS=${IMPORTERS:-1}
else
	HTTPDS=${HTTPDS:-2} IMPORTERS=${IMPORTERS:-2}
fi

web=1 mail=1
if ! command -v openssl >/dev/null || ! command -v curl >/dev/null; then
	echo "# openssl and curl needed: the tlsrpt-httpd writer is left out"
	web=0
fi
if ! command -v miltertest >/dev/null; then
	echo "# miltertest not installed: the tlsrpt-milter writer is left out"
	mail=0
fi
pids="" senders=""
# Before the work directory's removal and the PostgreSQL server's stop
# (at_exit chains; a plain trap would drop them). Never a bare `wait`:
# it would wait for pg.sh's watchdog too, which ends only after this
# shell.
at_exit 'set -- $pids $senders; for p; do kill "$p" 2>/dev/null; done
	[ $# -eq 0 ] || wait "$@" 2>/dev/null; [ -n "${TLSRPT_KEEP:-}" ] || rm -rf "$work"'
db=$(newdb t) || { not_ok "no database"; finish; exit; }

# The daemons, started one after the other on the same new database.
# start_httpd K: receiver K on a free port; its URL in urls[K], its pid
# in httpd_pids. A port taken meanwhile by another process: another one.
httpd_pids="" milter_pid=""
urls=()
start_httpd() {
	local port i hp
	for _ in 1 2 3; do
		port=$(free_port)
		urls[$1]="https://localhost:$port/"
		"$HTTPD" -f --listen "127.0.0.1:$port" --cert "$work/server.pem" \
			--key "$work/server.key" --db "$db" --busy-timeout "$BUSY_MS" \
			2>>"$work/httpd$1.log" &
		hp=$!
		pids="$pids $hp"
		for i in $(seq 1 100); do
			curl -s -o /dev/null --cacert "$work/server.pem" "${urls[$1]}healthz" &&
				{ httpd_pids="$httpd_pids $hp"; return 0; }
			kill -0 "$hp" 2>/dev/null || break
			sleep 0.1
		done
	done
	return 1
}
if [ "$web" = 1 ]; then
	mkcert
	for k in $(seq 0 $((HTTPDS - 1))); do
		start_httpd "$k" || { not_ok "tlsrpt-httpd $k did not start"; finish; exit; }
	done
fi
if [ "$mail" = 1 ]; then
	sock="unix:$work/milter.sock"
	"$MILTER_BIN" -f -p "$sock" --db "$db" --rcpt tls-reports@example.com \
		--busy-timeout "$BUSY_MS" 2>"$work/milter.log" &
	milter_pid=$!
	pids="$pids $milter_pid"
	for i in $(seq 1 100); do
		[ -S "$work/milter.sock" ] && break
		sleep 0.1
	done
	[ "$i" -lt 100 ] || { not_ok "tlsrpt-milter did not start"; finish; exit; }
fi

# Each sender writes "sent acknowledged tempfails losses" into
# count.NAME when done, and what it lost, with the answer, into lost.NAME.

# deliver LOG PAUSE CMD...: runs CMD until it answers "ack"; after "temp"
# pauses PAUSE s and runs it again, giving up after 50 tempfails in a row;
# any other answer is a loss, written to LOG. Counts into the caller's
# acked, temp and lost.
deliver() {
	local log=$1 pause=$2 answer tries=0
	shift 2
	while :; do
		answer=$("$@")
		case $answer in
		ack)
			acked=$((acked + 1))
			return
			;;
		temp)
			temp=$((temp + 1))
			tries=$((tries + 1))
			if [ "$tries" -lt 50 ]; then
				sleep "$pause"
				continue
			fi
			answer="$*: given up after 50 tempfails"
			;;
		esac
		lost=$((lost + 1))
		echo "$answer" >>"$log"
		return
	done
}

# mail FILE: one miltertest run; ack (accepted, stored or duplicate), temp
# (451: "y") or what came back.
mail() {
	local out
	out=$(MILTER="$sock" MSG="$1" miltertest -s "$here/../milter/send.lua" 2>&1)
	case $out in
	*"reply=a"*"header=stored; "* | *"reply=a"*"header=duplicate; "*) echo ack ;;
	*"reply=y"*) echo temp ;;
	*) echo "$1: $out" | tr '\n' ' ' ;;
	esac
}

# post URL FILE: one POST; ack (201, 200), temp (503) or the code and
# body. The code itself goes to FILE.code.
post() {
	local code
	code=$(curl -s -o "$2.body" -w '%{http_code}' --cacert "$work/server.pem" \
		-H 'Content-Type: application/tlsrpt+json' --data-binary "@$2" "$1")
	echo "$code" >"$2.code"
	case $code in
	201 | 200) echo ack ;;
	503) echo temp ;;
	*) echo "$2: $code $(cat "$2.body" 2>/dev/null)" ;;
	esac
}

# import_batch DIR: one import of DIR/reports.mbox; ack (exit 0), temp
# (75) or the exit code. Its lines are kept in DIR.out: an import that
# exits 75 may have committed part of the batch (printed as stored), the
# next prints those as duplicates.
import_batch() {
	local rc
	"$TLSRPT" --db "$db" --busy-timeout "$BUSY_MS" import "$1/reports.mbox" \
		>>"$1.out" 2>>"$1.err"
	rc=$?
	case $rc in
	0) echo ack ;;
	75) echo temp ;;
	*) echo "$1: exit $rc" ;;
	esac
}

# milter_loop K, httpd_loop K: a new report each time until the time is up.
milter_loop() {
	local n=0 sent=0 acked=0 temp=0 lost=0
	while [ "$EPOCHSECONDS" -lt "$deadline" ]; do
		n=$((n + 1))
		message "m$1-$n" milter.example 3 1 >"$work/m$1.eml"
		sent=$((sent + 1))
		deliver "$work/lost.milter$1" 0.2 mail "$work/m$1.eml"
	done
	echo "$sent $acked $temp $lost" >"$work/count.milter$1"
}
httpd_loop() {
	local n=0 sent=0 acked=0 temp=0 lost=0
	while [ "$EPOCHSECONDS" -lt "$deadline" ]; do
		n=$((n + 1))
		report "Web Org" "h$1-$n" web.example 5 2 >"$work/h$1.json"
		sent=$((sent + 1))
		deliver "$work/lost.httpd$1" 0.2 post "${urls[$1 % HTTPDS]}" "$work/h$1.json"
	done
	echo "$sent $acked $temp $lost" >"$work/count.httpd$1"
}

# import_loop J: a fresh batch every IMPORT_PAUSE s until the time is
# up, its b-th being batch (b - 1) x IMPORTERS + J of all (each its own
# day). The mails of a batch are acknowledged when an import of it ends
# with exit 0: those it and the tries before printed stored or duplicate.
import_loop() {
	local b=0 g sent=0 acked=0 temp=0 lost=0 mails=0 dir was n
	while [ "$EPOCHSECONDS" -lt "$deadline" ]; do
		b=$((b + 1))
		g=$(((b - 1) * IMPORTERS + $1))
		dir="$work/batch$g"
		"$GEN" --out "$dir" --count "$BATCH" --seed "$g" --days 1 \
			--format mbox --size-target 1000 --quiet \
			--start "$(date -u -d "2000-01-01 + $g days" +%F)"
		sent=$((sent + BATCH))
		was=$acked
		deliver "$work/lost.import$1" 0.5 import_batch "$dir"
		n=$(awk -F'\t' '$1 == "stored" || $1 == "duplicate" { print $2 }' \
			"$dir.out" | sort -u | wc -l)
		if [ "$acked" != "$was" ]; then
			mails=$((mails + n))
			[ "$n" = "$BATCH" ] ||
				echo "$dir: exit 0, but $n of $BATCH printed" >>"$work/lost.import$1"
		fi
		rm -rf "$dir"
		sleep "$IMPORT_PAUSE"
	done
	echo "$sent $mails $temp $((sent - mails))" >"$work/count.import$1"
}

t0=$EPOCHSECONDS
deadline=$((t0 + DURATION))
for k in $(seq 1 "$CLIENTS"); do
	if [ "$mail" = 1 ]; then
		milter_loop "$k" &
		senders="$senders $!"
	fi
	if [ "$web" = 1 ]; then
		httpd_loop "$k" &
		senders="$senders $!"
	fi
done
for j in $(seq 1 "$IMPORTERS"); do
	import_loop "$j" &
	senders="$senders $!"
done
# shellcheck disable=SC2086 # one word a pid
wait $senders
senders=""
elapsed=$((EPOCHSECONDS - t0))

# sum NAME: the senders' counts added up, "sent acked tempfails lost"
# (all 0 for a writer left out).
sum() {
	cat "$work"/count."$1"* 2>/dev/null |
		awk '{ s += $1; a += $2; t += $3; l += $4 } END { print s + 0, a + 0, t + 0, l + 0 }'
}
read -r m_sent m_acked m_temp m_lost <<<"$(sum milter)"
read -r h_sent h_acked h_temp h_lost <<<"$(sum httpd)"
read -r i_sent i_acked i_temp i_lost <<<"$(sum import)"
total=$((m_sent + h_sent + i_sent))

cat "$work"/lost.* 2>/dev/null | head -10 | sed 's/^/#   lost: /'
check "milter: no input lost" 0 "$m_lost"
check "httpd: no input lost" 0 "$h_lost"
check "import: no input lost" 0 "$i_lost"
check "milter: every mail acknowledged" "$m_sent" "$m_acked"
check "httpd: every POST acknowledged" "$h_sent" "$h_acked"
check "import: every mail acknowledged" "$i_sent" "$i_acked"

# The race: one new report POSTed RACE times at once, racer i to
# receiver i mod HTTPDS, each retried on 503 as the senders do; the
# last answer of each in race.I.json.code.
race=0
if [ "$web" = 1 ]; then
	race=1
	for i in $(seq 1 "$RACE"); do
		report "Race Org" race-1 race.example 5 2 >"$work/race.$i.json"
		(
			acked=0 temp=0 lost=0
			deliver "$work/lost.race" 0.2 post "${urls[$((i % HTTPDS))]}" \
				"$work/race.$i.json"
			echo "$temp" >"$work/race.$i.temp"
		) &
		senders="$senders $!"
	done
	# shellcheck disable=SC2086 # one word a pid
	wait $senders
	senders=""
	cat "$work"/lost.race 2>/dev/null | head -5 | sed 's/^/#   race lost: /'
	check "race: $RACE POSTs of one report, one 201 and $((RACE - 1)) times 200" \
		"1 $((RACE - 1))" "$(cat "$work"/race.*.json.code |
			awk '$1 == 201 { s++ } $1 == 200 { d++ } END { print s + 0, d + 0 }')"
	echo "# race: $RACE POSTs over $HTTPDS receivers, $(cat "$work"/race.*.temp |
		awk '{ t += $1 } END { print t + 0 }') of them answered 503 first and retried"
fi

# The daemons stop cleanly, then the database is read.
# stop NAME PID: SIGTERM, which must end the daemon with exit 0.
stop() {
	kill "$2"
	wait "$2"
	check "$1: SIGTERM, exit 0" 0 "$?"
}
for p in $httpd_pids; do
	stop tlsrpt-httpd "$p"
done
[ -n "$milter_pid" ] && stop tlsrpt-milter "$milter_pid"
pids=""

sql() { dbq "$db" "$1"; }
# The web reports and the race's one.
h_reports=$((h_sent + race))
total=$((total + race))
check "race: one row" "$race" \
	"$(sql "SELECT count(*) FROM report WHERE organization = 'Race Org'")"
check "reports by channel: milter, https, import" \
	"$m_sent $h_reports $i_sent" \
	"$(sql "SELECT (SELECT count(*) FROM report WHERE channel = 'milter') || ' ' ||
	  (SELECT count(*) FROM report WHERE channel = 'https') || ' ' ||
	  (SELECT count(*) FROM report WHERE channel = 'import')")"
check "reports in all, each once: $m_sent + $h_reports + $i_sent" "$total $total" \
	"$(sql "SELECT (SELECT count(*) FROM report) || ' ' ||
	  (SELECT count(*) FROM (SELECT DISTINCT organization, report_id FROM report) AS d)")"
# sessions CHANNEL: "successful failed failed-under-details" of a channel.
sessions() {
	sql "SELECT coalesce(sum(p.successful_sessions), 0) || ' ' ||
	  coalesce(sum(p.failed_sessions), 0) || ' ' ||
	  (SELECT coalesce(sum(f.failed_sessions), 0) FROM failure f
	   JOIN policy q ON q.id = f.policy JOIN report s ON s.id = q.report
	   WHERE s.channel = '$1')
	FROM policy p JOIN report r ON r.id = p.report WHERE r.channel = '$1'"
}
check "milter sessions: 3, 1 and 1 a report" \
	"$((3 * m_sent)) $m_sent $m_sent" "$(sessions milter)"
check "https sessions: 5, 2 and 2 a report" \
	"$((5 * h_reports)) $((2 * h_reports)) $((2 * h_reports))" "$(sessions https)"
check "nothing quarantined" 0 "$(sql 'SELECT count(*) FROM quarantine')"
# SQLite's own checks of its file; PostgreSQL keeps its pages itself and
# its detail tables have no foreign keys (schema/postgresql/001-init.sql:
# the store deletes a report's rows), so the next check stands for them.
if on_sqlite; then
	check "integrity_check" ok "$(sql 'PRAGMA integrity_check')"
	check "no dangling row (foreign_key_check)" "" "$(sql 'PRAGMA foreign_key_check')"
fi
check "every report has its bytes and a policy" 0 "$(sql \
	"SELECT count(*) FROM report r
	 WHERE NOT EXISTS (SELECT 1 FROM policy p WHERE p.report = r.id)
	    OR NOT EXISTS (SELECT 1 FROM report_raw w WHERE w.report = r.id)")"
check "no policy or failure without its report" "0 0" "$(sql \
	"SELECT (SELECT count(*) FROM policy p
	   WHERE NOT EXISTS (SELECT 1 FROM report r WHERE r.id = p.report)) || ' ' ||
	  (SELECT count(*) FROM failure f
	   WHERE NOT EXISTS (SELECT 1 FROM policy p WHERE p.id = f.policy))")"
check_rollups "end" "$db"
if grep -q Sanitizer "$work"/*.log "$work"/batch*.err 2>/dev/null; then
	not_ok "sanitizer reports:"
	grep -h -A5 Sanitizer "$work"/*.log "$work"/batch*.err | head -20 | sed 's/^/#   /'
else
	ok "no sanitizer reports"
fi

[ "$elapsed" -gt 0 ] || elapsed=1
echo "# $test_store: writers for $elapsed s, busy timeout $BUSY_MS ms, $CLIENTS milter and $CLIENTS httpd clients over $HTTPDS receivers, $IMPORTERS import loops of batches of $BATCH"
echo "# milter: $m_sent reports ($((m_sent / elapsed))/s), $m_temp tempfails (451), each retried"
echo "# httpd:  $h_sent reports ($((h_sent / elapsed))/s), $h_temp tempfails (503), each retried"
echo "# import: $i_sent reports ($((i_sent / elapsed))/s) in $((i_sent / BATCH)) batches, $i_temp tempfails (exit 75), each retried"
echo "# in all: $total reports, $((total / elapsed)) reports/s"
finish
