#!/usr/bin/env bash
# test_outage.sh - the PostgreSQL store when its server goes away and
# when a writer dies (issue 21, "Faults"), on a server of the test's own
# (tests/pg/pg.sh).
#
# 1. Outage. tlsrpt-httpd (TLS) and tlsrpt-milter run on one database,
#    fed by a curl loop over the WEB_N reports w-1.. (org "Web Org") and
#    a miltertest loop over the MAIL_N mails m-1.. (org "Reporter"), each
#    input sent once, while `tlsrpt import` takes an mbox of IMPORT_N
#    mails made by tlsrpt-gen. Once each channel has stored something,
#    the server is stopped (pg_ctl -m fast, the open sessions cut) and
#    the loops go on for OUTAGE seconds, then stop.
#    - every answer is an acknowledgement or a tempfail: 201, 200 or 503
#      (never a 500 or a cut connection); accept with X-TLSRPT stored or
#      duplicate, or 451 (miltertest "y"); the import exits 0 or 75;
#    - the loops met the outage: at least one 503 and one 451;
#    - while it is down, one input each: POST w-x 503 with Retry-After,
#      mail m-x 451, import of i-x.json exit 75, nothing printed stored
#      (it cannot connect: no summary line either) and the reason said;
#    - the server starts again on its port; the daemons, still running,
#      store the same inputs at the first try: POST w-x 201, mail m-x
#      accepted "stored", import of i-x.json exit 0 "1 stored";
#    - nothing acknowledged is lost: each input answered 201/200 or
#      stored/duplicate, and each mail the import printed stored or
#      duplicate, is in the database by its (organization, report-id).
#    Then everything is sent again: WEB_N POSTs 201 or 200, MAIL_N
#    accepts, the import exit 0 with IMPORT_N stored/duplicate lines;
#    the database holds WEB_N + MAIL_N + IMPORT_N + 3 reports (the x's),
#    each once; every report has its bytes and a policy; the rollups
#    equal their rebuild from the detail rows.
# 2. kill -9 of each writer mid-batch, on a second database:
#    - an import of the same mbox killed a random 0.2 to 1.0 s after its
#      first commit shows: no half report (each report with its bytes
#      and a policy, each policy's failures as in the first database: the
#      same sums of sessions per report), the rollups equal their
#      rebuild; a re-import prints the reports already there as
#      duplicate and the rest as stored: stored = IMPORT_N - before,
#      duplicate = before, exit 0; IMPORT_N reports, each once;
#    - tlsrpt-httpd and tlsrpt-milter killed under their loops (status
#      137), their acknowledged inputs all stored, no half report, the
#      rollups equal their rebuild; restarted, the resend stores the rest:
#      IMPORT_N + WEB_N + MAIL_N reports, each once.
# A PostgreSQL commit is durable before the daemon answers (the daemons
# open the store STORE_DURABLE: synchronous_commit stays on), so an
# acknowledged input survives even the server's stop.
#
# Usage: test_outage.sh TLSRPT TLSRPT_HTTPD TLSRPT_MILTER TLSRPT_GEN
# Environment: WEB_N (200), MAIL_N (60), IMPORT_N (4000), OUTAGE (3 s);
# TLSRPT_KEEP=1 keeps the work directory (and the server's).
# Exits 77 ("skip: ...") without PostgreSQL 15, openssl, curl or
# miltertest.
set -u
# cli/lib.sh, through fault/lib.sh, starts the server and skips (77)
# without PostgreSQL 15.
# shellcheck disable=SC2034 # read by cli/lib.sh
TLSRPT_TEST_STORE=pg
for tool in openssl curl miltertest; do
	command -v "$tool" >/dev/null || { echo "skip: $tool not installed"; exit 77; }
done
. "$(dirname "$0")/../fault/lib.sh"
WEB_N=${WEB_N:-200}
MAIL_N=${MAIL_N:-60}
IMPORT_N=${IMPORT_N:-4000}
OUTAGE=${OUTAGE:-3}

hpid="" mpid="" ipid="" cpids=""
# stop_all: the loops told to stop, the daemons and the import ended.
stop_all() {
	local p
	touch "$work/stop"
	for p in $hpid $mpid $ipid; do
		kill "$p" 2>/dev/null
	done
	# Never a bare `wait`: it would wait for pg.sh's watchdog too, which
	# ends only after this shell.
	# shellcheck disable=SC2086 # one word a pid
	set -- $hpid $mpid $ipid $cpids
	[ $# -eq 0 ] || wait "$@" 2>/dev/null
}
at_exit 'stop_all; [ -n "${TLSRPT_KEEP:-}" ] || rm -rf "$work"'

mkcert
# send.lua waits 20 s for a socket to accept; a killed milter should
# fail its client at once.
sed 's/mt.connect(sock, 20, 0.25)/mt.connect(sock, 1, 0.25)/' \
	"$here/../milter/send.lua" >"$work/send.lua"
printf 'From: a@b.example\nSubject: probe\n\nnothing\n' >"$work/probe.eml"

# The inputs: reports w-N and mails m-N of lib.sh (ids of our own, so
# that an acknowledgement names its report), the import's mbox over
# dates of its own, and the x's for the outage's probes.
mkdir "$work/web" "$work/mail"
for n in $(seq 1 "$WEB_N"); do
	report "Web Org" "w-$n" web.example 5 2 >"$work/web/w-$n.json"
done
for n in $(seq 1 "$MAIL_N"); do
	message "m-$n" mail.example 3 1 >"$work/mail/m-$n.eml"
done
"$GEN" --out "$work/imp" --count "$IMPORT_N" --seed 7 --format mbox \
	--start 2015-01-01 --quiet
mbox="$work/imp/reports.mbox"
report "Web Org" w-x web.example 5 2 >"$work/w-x.json"
message m-x mail.example 3 1 >"$work/m-x.eml"
report "Import Org" i-x import.example 1 1 >"$work/i-x.json"

# start_httpd DB: tlsrpt-httpd on a free port ($port), pid in hpid.
start_httpd() {
	local i
	for _ in 1 2 3; do
		port=$(free_port)
		"$HTTPD" -f --listen "127.0.0.1:$port" --cert "$work/server.pem" \
			--key "$work/server.key" --db "$1" --busy-timeout 2000 \
			2>>"$work/httpd.log" &
		hpid=$!
		for i in $(seq 1 100); do
			curl -s -o /dev/null --cacert "$work/server.pem" \
				"https://localhost:$port/healthz" && return 0
			kill -0 "$hpid" 2>/dev/null || break
			sleep 0.1
		done
	done
	not_ok "tlsrpt-httpd did not start"
	return 1
}
# start_milter DB: tlsrpt-milter on $work/milter.sock, pid in mpid; the
# socket of a killed one is still there: ready when a probe is answered.
start_milter() {
	"$MILTER_BIN" -f -p "unix:$work/milter.sock" --db "$1" \
		--rcpt tls-reports@example.com --busy-timeout 2000 \
		2>>"$work/milter.log" &
	mpid=$!
	for _ in $(seq 1 100); do
		MILTER="unix:$work/milter.sock" MSG="$work/probe.eml" RCPT="<x@example.com>" \
			miltertest -s "$work/send.lua" 2>/dev/null | grep -q '^reply=a' && return 0
		sleep 0.1
	done
	not_ok "tlsrpt-milter did not start"
	return 1
}
# stop_daemon PID-VARIABLE: SIGTERM; the exit status in rc.
stop_daemon() {
	local p=${!1}
	rc=""
	[ -n "$p" ] || return 0
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	rc=$?
	eval "$1="
}

# post FILE: the status of one POST (000: no answer); headers in FILE.hdr.
post() {
	curl -s -o /dev/null -D "$1.hdr" -w '%{http_code}' --cacert "$work/server.pem" \
		-H 'Content-Type: application/tlsrpt+json' --data-binary "@$1" \
		"https://localhost:$port/"
}
# mail FILE: stored, duplicate, reply=X (the milter's other answer) or
# none (no answer: the connection cut).
mail() {
	local out
	out=$(MILTER="unix:$work/milter.sock" MSG="$1" miltertest -s "$work/send.lua" 2>&1)
	case $out in
	*"miltertest: "*) echo none ;;
	*"reply=a"*"header=stored; "*) echo stored ;;
	*"reply=a"*"header=duplicate; "*) echo duplicate ;;
	*"reply="*) echo "$out" | grep -m1 '^reply=' ;;
	*) echo none ;;
	esac
}
# web_loop ACKS, mail_loop ACKS: each input once, in order, until told
# to stop; "ORG\tID\tANSWER" into ACKS.
web_loop() {
	local n
	for n in $(seq 1 "$WEB_N"); do
		[ -e "$work/stop" ] && break
		printf 'Web Org\tw-%s\t%s\n' "$n" "$(post "$work/web/w-$n.json")" >>"$1"
	done
}
mail_loop() {
	local n
	for n in $(seq 1 "$MAIL_N"); do
		[ -e "$work/stop" ] && break
		printf 'Reporter\tm-%s\t%s\n' "$n" "$(mail "$work/mail/m-$n.eml")" >>"$1"
	done
}
# loops TAG [web] [mail]: those loops in the background, their answers
# in $work/web.TAG.acks and $work/mail.TAG.acks.
loops() {
	local tag=$1 what
	shift
	rm -f "$work/stop"
	cpids=""
	for what in "$@"; do
		"${what}_loop" "$work/$what.$tag.acks" &
		cpids="$cpids $!"
	done
}
# end_loops: told to stop, waited for.
end_loops() {
	touch "$work/stop"
	# shellcheck disable=SC2086 # one word a pid
	wait $cpids
	cpids=""
}

# acked: "ORG\tID" of every input acknowledged so far: the loops' 201,
# 200, stored and duplicate, and each complete line an import printed
# stored or duplicate (its last line may be cut by a kill).
acked() {
	local f
	cat "$work"/*.acks 2>/dev/null | awk -F'\t' -v OFS='\t' \
		'$3 == 201 || $3 == 200 || $3 == "stored" || $3 == "duplicate" { print $1, $2 }'
	for f in "$work"/import.*.out; do
		[ -e "$f" ] && head -n "$(wc -l <"$f")" "$f"
	done | awk -F'\t' -v OFS='\t' '$1 == "stored" || $1 == "duplicate" { print $3, $4 }'
}
# missing DB: "N acknowledged, M missing" for the inputs acked() names.
missing() {
	acked | sort -u >"$work/acked"
	{
		echo "CREATE TEMP TABLE acked (org text, id text);"
		echo "COPY acked FROM STDIN;"
		cat "$work/acked"
		echo '\.'
		echo "SELECT count(*) || ' acknowledged, ' || count(*) FILTER (WHERE NOT EXISTS
		  (SELECT 1 FROM report r WHERE r.organization = a.org AND r.report_id = a.id))
		  || ' missing' FROM acked a;"
	} | dbq "$1"
}
# whole WHAT DB: no half report (a report row with its bytes and at
# least one policy, a failure row with its policy), the rollups as their
# rebuild.
whole() {
	check "$1: every report has its bytes and a policy" 0 "$(dbq "$2" \
		"SELECT count(*) FROM report r
		 WHERE NOT EXISTS (SELECT 1 FROM policy p WHERE p.report = r.id)
		    OR NOT EXISTS (SELECT 1 FROM report_raw w WHERE w.report = r.id)")"
	check "$1: no policy or failure without its report" "0 0" "$(dbq "$2" \
		"SELECT (SELECT count(*) FROM policy p
		   WHERE NOT EXISTS (SELECT 1 FROM report r WHERE r.id = p.report)) || ' ' ||
		  (SELECT count(*) FROM failure f
		   WHERE NOT EXISTS (SELECT 1 FROM policy p WHERE p.id = f.policy))")"
	check_rollups "$1" "$2"
}
# once DB: "reports distinct" of the database.
once() {
	dbq "$1" "SELECT (SELECT count(*) FROM report) || ' ' ||
	  (SELECT count(*) FROM (SELECT DISTINCT organization, report_id FROM report) AS d)"
}
# reports DB: how many reports DB holds; 0 before its schema is made.
reports() { dbq "$1" 'SELECT count(*) FROM report' 2>/dev/null || echo 0; }
# channels DB: reports stored so far by channel, "https milter import".
channels() {
	dbq "$1" "SELECT count(*) FILTER (WHERE channel = 'https') || ' ' ||
	  count(*) FILTER (WHERE channel = 'milter') || ' ' ||
	  count(*) FILTER (WHERE channel = 'import') FROM report"
}

# ---- 1. The server stopped during ingestion ----
db=$(newdb outage) || { not_ok "no database"; finish; exit; }
start_httpd "$db" || { finish; exit; }
start_milter "$db" || { finish; exit; }
"$TLSRPT" --db "$db" import "$mbox" >"$work/import.1.out" 2>"$work/import.1.err" &
ipid=$!
loops 1 web mail
# Until each channel has committed something (30 s at most), so that
# the stop lands among acknowledged inputs of each.
for _ in $(seq 1 300); do
	read -r h m i <<<"$(channels "$db")"
	[ "$h" -gt 0 ] && [ "$m" -gt 0 ] && [ "$i" -gt 0 ] && break
	sleep 0.1
done
echo "# before the stop: $h https, $m milter, $i import reports stored"
pg_pause
"$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$PGPORT"
check "outage: the server is down (pg_isready: no response, 2)" 2 "$?"
sleep "$OUTAGE"
end_loops
wait "$ipid"
st=$?
ipid=""
check "outage: the import ended with 75 (cut) or 0 (had finished)" yes \
	"$([ "$st" = 75 ] || [ "$st" = 0 ] && echo yes || echo "no: $st")"
[ "$st" = 75 ] && contains "outage: the import says it can be run again" \
	"$work/import.1.err" "can be imported again later"
echo "# outage: the import ended with $st; $(grep -c . "$work/import.1.out") lines printed"
others=$(awk -F'\t' '$3 != 201 && $3 != 200 && $3 != 503' "$work/web.1.acks")
check "outage: every POST answered 201, 200 or 503" "" "$others"
others=$(awk -F'\t' '$3 != "stored" && $3 != "duplicate" && $3 != "reply=y"' \
	"$work/mail.1.acks")
check "outage: every mail stored, duplicate or 451" "" "$others"
check "outage: the web loop met a 503" yes \
	"$(grep -q $'\t503$' "$work/web.1.acks" && echo yes || echo no)"
check "outage: the mail loop met a 451" yes \
	"$(grep -q $'\treply=y$' "$work/mail.1.acks" && echo yes || echo no)"
echo "# outage: $(cut -f3 "$work/web.1.acks" | sort | uniq -c | tr '\n' ' ')/ $(cut -f3 "$work/mail.1.acks" | sort | uniq -c | tr '\n' ' ')"

# One input each while the server is down.
check "down: POST w-x 503" 503 "$(post "$work/w-x.json")"
check "down: the 503 carries Retry-After" yes \
	"$(grep -qi '^Retry-After:' "$work/w-x.json.hdr" && echo yes || echo no)"
check "down: mail m-x 451 (tempfail reply)" "reply=y" "$(mail "$work/m-x.eml")"
"$TLSRPT" --db "$db" import -q "$work/i-x.json" >"$work/x.out" 2>"$work/x.err"
check "down: import exits 75" 75 "$?"
check "down: import printed nothing stored" 0 "$(grep -c '^stored' "$work/x.out")"
contains "down: import says why" "$work/x.err" "cannot connect"
contains "down: httpd logs the tempfail" "$work/httpd.log" "tempfail"
contains "down: milter logs the tempfail" "$work/milter.log" "tempfail"

# Back on the same port: the same daemons store again, at the first try.
pg_resume
check "back: the server accepts connections again" 0 "$?"
check "back: POST w-x 201, same tlsrpt-httpd" 201 "$(post "$work/w-x.json")"
check "back: mail m-x stored, same tlsrpt-milter" stored "$(mail "$work/m-x.eml")"
"$TLSRPT" --db "$db" import -q "$work/i-x.json" >"$work/x.out" 2>"$work/x.err"
check "back: import exits 0" 0 "$?"
check "back: import stored i-x" "1 stored, 0 duplicate, 0 rejected" "$(cat "$work/x.out")"
check "back: every acknowledged input is stored" \
	"$(acked | sort -u | wc -l) acknowledged, 0 missing" "$(missing "$db")"

# Everything again: each input stored exactly once.
rm -f "$work"/*.acks
loops 2 web mail
# shellcheck disable=SC2086 # one word a pid
wait $cpids
cpids=""
check "resend: $WEB_N POSTs answered 201 or 200" "$WEB_N" \
	"$(awk -F'\t' '$3 == 201 || $3 == 200' "$work/web.2.acks" | wc -l)"
check "resend: $MAIL_N mails stored or duplicate" "$MAIL_N" \
	"$(awk -F'\t' '$3 == "stored" || $3 == "duplicate"' "$work/mail.2.acks" | wc -l)"
"$TLSRPT" --db "$db" import "$mbox" >"$work/import.2.out" 2>"$work/import.2.err"
check "resend: the import exits 0" 0 "$?"
check "resend: $IMPORT_N mails imported, stored or duplicate" "$IMPORT_N" \
	"$(awk -F'\t' '$1 == "stored" || $1 == "duplicate"' "$work/import.2.out" | wc -l)"
total=$((WEB_N + MAIL_N + IMPORT_N + 3))
check "resend: $WEB_N + $MAIL_N + $IMPORT_N + 3 reports, each once" \
	"$total $total" "$(once "$db")"
check "resend: by channel (https, milter, import)" \
	"$((WEB_N + 1)) $((MAIL_N + 1)) $((IMPORT_N + 1))" "$(channels "$db")"
whole "outage" "$db"
stop_daemon hpid
check "outage: tlsrpt-httpd stops on SIGTERM with exit 0" 0 "$rc"
stop_daemon mpid
check "outage: tlsrpt-milter stops on SIGTERM with exit 0" 0 "$rc"
# The reference for part 2: each report's shape in this database.
shape="SELECT r.organization, r.report_id,
  (SELECT count(*) FROM policy p WHERE p.report = r.id),
  (SELECT sum(p.successful_sessions) FROM policy p WHERE p.report = r.id),
  (SELECT sum(p.failed_sessions) FROM policy p WHERE p.report = r.id),
  (SELECT count(*) FROM policy p JOIN failure f ON f.policy = p.id
    WHERE p.report = r.id),
  (SELECT length(w.bytes) FROM report_raw w WHERE w.report = r.id)
  FROM report r"
dbq "$db" "$shape" | sort >"$work/ref.shape"

# ---- 2. kill -9 of each writer mid-batch ----
kdb=$(newdb killed) || { not_ok "no database"; finish; exit; }
rm -f "$work"/*.acks "$work"/import.*.out
# half: reports of the database that differ from the reference's shape.
half() { dbq "$1" "$shape" | sort | comm -23 - "$work/ref.shape" | wc -l; }

"$TLSRPT" --db "$kdb" import "$mbox" >"$work/import.3.out" 2>"$work/import.3.err" &
ipid=$!
for _ in $(seq 1 300); do
	[ "$(reports "$kdb")" -gt 0 ] && break
	sleep 0.05
done
s=$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.2 + 0.8 * r / 32767 }')
sleep "$s"
kill -9 "$ipid"
wait "$ipid" 2>/dev/null
st=$?
ipid=""
check "kill import: killed mid-run (137)" 137 "$st"
before=$(reports "$kdb")
echo "# kill import: killed $s s after its first commit, $before of $IMPORT_N reports stored"
check "kill import: no report differs from the reference" 0 "$(half "$kdb")"
whole "kill import" "$kdb"
check "kill import: every acknowledged input is stored" \
	"$(acked | sort -u | wc -l) acknowledged, 0 missing" "$(missing "$kdb")"
"$TLSRPT" --db "$kdb" import "$mbox" >"$work/import.4.out" 2>"$work/import.4.err"
check "re-import: exit 0" 0 "$?"
check "re-import: the rest stored, what was there duplicate" \
	"$((IMPORT_N - before)) stored, $before duplicate, 0 rejected" \
	"$(tail -1 "$work/import.4.out")"
check "re-import: $IMPORT_N reports, each once" "$IMPORT_N $IMPORT_N" "$(once "$kdb")"

# kill_daemon NAME PID-VARIABLE: under its loop, a random 0.3 to 1.3 s
# after its first commit (so that the kill lands among commits); it must
# have been running (137).
kill_daemon() {
	local p=${!2} s st n0
	n0=$(reports "$kdb")
	for _ in $(seq 1 300); do
		[ "$(reports "$kdb")" -gt "$n0" ] && break
		sleep 0.05
	done
	s=$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.3 + r / 32767 }')
	sleep "$s"
	kill -9 "$p"
	wait "$p" 2>/dev/null
	st=$?
	eval "$2="
	end_loops
	check "kill $1: the daemon was running (137)" 137 "$st"
	echo "# kill $1: killed $s s after its first commit, $(reports "$kdb") reports stored"
	check "kill $1: no report differs from the reference" 0 "$(half "$kdb")"
	whole "kill $1" "$kdb"
	check "kill $1: every acknowledged input is stored" \
		"$(acked | sort -u | wc -l) acknowledged, 0 missing" "$(missing "$kdb")"
}
# One daemon at a time, under its own loop, so that each kill is seen
# alone.
start_httpd "$kdb" || { finish; exit; }
loops 3 web
kill_daemon tlsrpt-httpd hpid
start_milter "$kdb" || { finish; exit; }
loops 4 mail
kill_daemon tlsrpt-milter mpid
# What the loops sent after the kills had no answer (000, none): not
# acknowledged, and sent again now with everything else.
{ start_httpd "$kdb" && start_milter "$kdb"; } || { finish; exit; }
rm -f "$work"/*.acks
loops 5 web mail
# shellcheck disable=SC2086 # one word a pid
wait $cpids
cpids=""
check "after the kills: $WEB_N POSTs 201 or 200" "$WEB_N" \
	"$(awk -F'\t' '$3 == 201 || $3 == 200' "$work/web.5.acks" | wc -l)"
check "after the kills: $MAIL_N mails stored or duplicate" "$MAIL_N" \
	"$(awk -F'\t' '$3 == "stored" || $3 == "duplicate"' "$work/mail.5.acks" | wc -l)"
total=$((IMPORT_N + WEB_N + MAIL_N))
check "after the kills: $IMPORT_N + $WEB_N + $MAIL_N reports, each once" \
	"$total $total" "$(once "$kdb")"
check "after the kills: each report as in the reference" 0 "$(half "$kdb")"
whole "after the kills" "$kdb"
stop_daemon hpid
check "kills: tlsrpt-httpd stops on SIGTERM with exit 0" 0 "$rc"
stop_daemon mpid
check "kills: tlsrpt-milter stops on SIGTERM with exit 0" 0 "$rc"

if grep -q Sanitizer "$work"/*.log "$work"/*.err 2>/dev/null; then
	not_ok "sanitizer reports:"
	grep -h -A5 Sanitizer "$work"/*.log "$work"/*.err | head -20 | sed 's/^/#   /'
else
	ok "no sanitizer reports"
fi
finish
