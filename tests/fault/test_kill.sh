#!/usr/bin/env bash
# test_kill.sh - kill -9 in the middle of heavy ingestion, ROUNDS times for
# each of the three writers, on one real SQLite file:
#   a. `tlsrpt import` of a fresh mbox of IMPORT_N generated report mails
#      (an mbox, not files: unlinking thousands of files is slow on some
#      disks), killed after a random 0.2 to 1.5 s (from the start in round
#      1, from the first commit in the later rounds);
#   b. tlsrpt-httpd over TLS taking the WEB_N reports (shuffled) from
#      CLIENTS parallel curl loops, killed -9 mid-stream, then restarted;
#   c. tlsrpt-milter taking the MAIL_N report mails (shuffled) from CLIENTS
#      parallel miltertest loops, killed -9 mid-stream, then restarted.
# After each kill, before anything opens the database again:
#   - PRAGMA integrity_check is "ok" and foreign_key_check finds nothing;
#   - no report is half-stored: every report row has its bytes and at
#     least one policy, and each report's shape (policies, successful and
#     failed sessions, failure rows, bytes) equals the shape of the same
#     report in a reference database made by one clean import of every
#     file (ref.db), so 0 reports may differ;
#   - the rollups hold exactly the detail rows: their report counts and
#     session sums equal the same figures computed from policy and failure;
#   - every acknowledged input is stored: each mail of an mbox that import
#     printed as stored/duplicate (complete lines only), each file curl got
#     201/200 for, each mail miltertest got "accept" with X-TLSRPT
#     stored/duplicate for, is found in ref.db by its name (the import's
#     "PATH#N", the file's path) and its (organization, report-id) is in
#     the database: 0 missing.
# Each kill must find the writer running: httpd and milter end with status
# 137 (128 + SIGKILL); an import ends with 137, or 0 when it had finished.
# During the kill rounds there is one writer at a time, so every reply is
# an acknowledgement or none at all (the connection cut): 0 others.
# At the end everything is sent again (the web set re-POSTed, the mails
# re-sent, every import set imported again), and then, by hand with the
# defaults (ROUNDS=3, IMPORT_N=8000, WEB_N=300, MAIL_N=800):
#   - the reference import stored 3 x 8000 + 300 + 800 = 25100 reports,
#     0 duplicates, 0 rejected (the sets have distinct ids: each is
#     generated over its own dates);
#   - the re-POST answers 300 times 201 or 200, the mails get 800
#     accepts, the re-import prints 24000 stored/duplicate lines, exit 0;
#   - the database holds 25100 reports, each once, and 0 reports differ
#     from ref.db either way; integrity and rollups as above.
# Figures (kill times, acknowledgements, reports after each kill) are
# printed as "# " lines.
#
# Usage: test_kill.sh TLSRPT TLSRPT_HTTPD TLSRPT_MILTER TLSRPT_GEN
# Environment: ROUNDS, IMPORT_N, WEB_N, MAIL_N, CLIENTS (default 3, 8000,
# 300, 800, 6); TLSRPT_KEEP=1 keeps the work directory.
set -u
. "$(dirname "$0")/lib.sh"
ROUNDS=${ROUNDS:-3}
IMPORT_N=${IMPORT_N:-8000}
WEB_N=${WEB_N:-300}
MAIL_N=${MAIL_N:-800}
CLIENTS=${CLIENTS:-6}

pid=""
cpids=""
stop_all() {
	touch "$work/stop"
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	# shellcheck disable=SC2086 # one word a pid
	[ -n "$cpids" ] && wait $cpids 2>/dev/null
}
trap 'stop_all; [ -n "${TLSRPT_KEEP:-}" ] || rm -rf "$work"' EXIT

web=1 mail=1
if ! command -v openssl >/dev/null || ! command -v curl >/dev/null; then
	echo "# openssl and curl needed: the tlsrpt-httpd rounds are skipped"
	web=0 WEB_N=0
fi
if ! command -v miltertest >/dev/null; then
	echo "# miltertest not installed: the tlsrpt-milter rounds are skipped"
	mail=0 MAIL_N=0
fi
db="$work/t.db"
ref="$work/ref.db"

# Inputs: each set over its own dates, so that no two share a report-id;
# all in the past (a range starting more than a day ahead is rejected).
for r in $(seq 1 "$ROUNDS"); do
	"$GEN" --out "$work/imp$r" --count "$IMPORT_N" --seed "$r" --format mbox \
		--start "$((2010 + r))-01-01" --quiet
done
[ "$web" = 1 ] && "$GEN" --out "$work/web" --count "$WEB_N" --seed 101 \
	--start 2020-01-01 --quiet
[ "$mail" = 1 ] && "$GEN" --out "$work/mail" --count "$MAIL_N" --seed 102 \
	--format eml --start 2021-01-01 --quiet
mboxes=$(for r in $(seq 1 "$ROUNDS"); do echo "$work/imp$r/reports.mbox"; done)
sets=$mboxes
[ "$web" = 1 ] && sets="$sets $work/web" && find "$work/web" -type f >"$work/web.list"
[ "$mail" = 1 ] && sets="$sets $work/mail" && find "$work/mail" -type f >"$work/mail.list"
total=$((ROUNDS * IMPORT_N + WEB_N + MAIL_N))

# The reference: every file imported once, cleanly. shape SCHEMA: each
# report of a database with what was stored under it.
shape() {
	echo "SELECT r.organization, r.report_id,
	  (SELECT count(*) FROM $1.policy p WHERE p.report = r.id),
	  (SELECT sum(p.successful_sessions) FROM $1.policy p WHERE p.report = r.id),
	  (SELECT sum(p.failed_sessions) FROM $1.policy p WHERE p.report = r.id),
	  (SELECT count(*) FROM $1.policy p JOIN $1.failure f ON f.policy = p.id
	    WHERE p.report = r.id),
	  (SELECT length(w.bytes) FROM $1.report_raw w WHERE w.report = r.id)
	FROM $1.report r"
}
# shellcheck disable=SC2086 # $sets: one word a set
"$TLSRPT" --db "$ref" import -q $sets >"$work/ref.out" 2>&1
check "reference import: $total stored, 0 duplicate, 0 rejected" \
	"$total stored, 0 duplicate, 0 rejected" "$(tail -1 "$work/ref.out")"
sqlite3 "$ref" "CREATE INDEX ref_source ON report (source);
	CREATE TABLE shape AS $(shape main);"

# What the rollups must add up to, from the detail rows and from the
# rollups themselves: reports per group, sessions, failed sessions.
detail_sums="SELECT
  (SELECT count(*) FROM (SELECT DISTINCT report, policy_domain, policy_type,
    policy_mode, counts_for_domain FROM policy)),
  (SELECT coalesce(sum(successful_sessions), 0) FROM policy),
  (SELECT coalesce(sum(failed_sessions), 0) FROM policy),
  (SELECT count(*) FROM (SELECT DISTINCT p.report, coalesce(f.sending_mta_ip, ''),
    f.result_type, p.policy_mode FROM policy p JOIN failure f ON f.policy = p.id)),
  (SELECT coalesce(sum(failed_sessions), 0) FROM failure),
  (SELECT count(*) FROM (SELECT DISTINCT p.report, p.policy_domain, p.policy_type,
    p.counts_for_domain, f.result_type, coalesce(f.receiving_mx_hostname, '')
    FROM policy p JOIN failure f ON f.policy = p.id)),
  (SELECT coalesce(sum(failed_sessions), 0) FROM failure)"
rollup_sums="SELECT
  (SELECT coalesce(sum(reports), 0) FROM rollup_policy),
  (SELECT coalesce(sum(successful_sessions), 0) FROM rollup_policy),
  (SELECT coalesce(sum(failed_sessions), 0) FROM rollup_policy),
  (SELECT coalesce(sum(reports), 0) FROM rollup_failure),
  (SELECT coalesce(sum(failed_sessions), 0) FROM rollup_failure),
  (SELECT coalesce(sum(reports), 0) FROM rollup_mx WHERE policy_type != ''),
  (SELECT coalesce(sum(failed_sessions), 0) FROM rollup_mx
    WHERE policy_type != '')"

# acked: the path of every input acknowledged so far. An import's stdout
# may end in a line cut by the kill: only complete lines count.
acked() {
	local f
	for f in "$work"/import.*.out; do
		[ -e "$f" ] && head -n "$(wc -l <"$f")" "$f"
	done | awk -F'\t' '$1 == "stored" || $1 == "duplicate" { print $2 }'
	cat "$work"/*.acks 2>/dev/null |
		awk -F'\t' '$2 == 201 || $2 == 200 || $2 == "stored" || $2 == "duplicate" { print $1 }'
}

# verify WHAT: the checks after a kill (or at the end).
verify() {
	local n
	check "$1: integrity_check" ok "$(sqlite3 "$db" 'PRAGMA integrity_check')"
	check "$1: no dangling row (foreign_key_check)" "" \
		"$(sqlite3 "$db" 'PRAGMA foreign_key_check')"
	check "$1: every report has its bytes and a policy" 0 "$(sqlite3 "$db" \
		"SELECT count(*) FROM report r
		 WHERE NOT EXISTS (SELECT 1 FROM policy p WHERE p.report = r.id)
		    OR NOT EXISTS (SELECT 1 FROM report_raw w WHERE w.report = r.id)")"
	check "$1: no report half-stored (differs from the reference)" 0 \
		"$(sqlite3 "$db" "ATTACH '$ref' AS ref;
		  SELECT count(*) FROM ($(shape main) EXCEPT SELECT * FROM ref.shape)")"
	check "$1: rollups = sums of the detail rows" \
		"$(sqlite3 "$db" "$detail_sums")" "$(sqlite3 "$db" "$rollup_sums")"
	acked | sort -u >"$work/acked"
	n=$(wc -l <"$work/acked")
	check "$1: every acknowledged input is stored" \
		"$n acknowledged, 0 unknown, 0 missing" "$({
			echo "ATTACH '$ref' AS ref; CREATE TEMP TABLE acked (path TEXT);"
			echo "BEGIN;"
			sed "s/'/''/g; s/.*/INSERT INTO acked VALUES ('&');/" "$work/acked"
			echo "COMMIT;"
			echo "SELECT count(*) || ' acknowledged, ' || (count(*) - count(r.id))
			  || ' unknown, ' || (count(r.id) - count(m.id)) || ' missing'
			FROM acked a LEFT JOIN ref.report r ON r.source = a.path
			LEFT JOIN main.report m ON m.organization = r.organization
			  AND m.report_id = r.report_id;"
		} | sqlite3 "$db")"
	echo "# $1: $n inputs acknowledged so far, $(sqlite3 "$db" 'SELECT count(*) FROM report') reports stored"
}

# pause: a random 0.2 to 1.5 s, printed.
pause() {
	local s
	s=$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.2 + 1.3 * r / 32767 }')
	sleep "$s"
	echo "$s"
}

# clients FN LIST: CLIENTS copies of FN in the background, each over its
# share of LIST shuffled, answers into the file $acks; their pids in cpids.
clients() {
	local i
	rm -f "$work/stop" "$work"/share.*
	: >>"$acks"
	shuf "$2" | awk -v n="$CLIENTS" -v d="$work/share." '{ print > (d NR % n) }'
	cpids=""
	for i in $(seq 0 $((CLIENTS - 1))); do
		[ -s "$work/share.$i" ] || continue
		"$1" "$work/share.$i" &
		cpids="$cpids $!"
	done
}

# kill_round WHAT N: the writer killed at a random moment, its clients
# stopped; it must have been running. Prints how many of the N inputs
# were answered (all: the clients had sent everything before the kill).
kill_round() {
	local s st
	s=$(pause)
	touch "$work/stop" # the clients start nothing new
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	st=$?
	pid=""
	# shellcheck disable=SC2086 # one word a pid
	wait $cpids
	cpids=""
	check "$1: the daemon was running when killed (137)" 137 "$st"
	echo "# $1: killed after $s s, $(awk -F'\t' '$2 != "none" && $2 != "000"' "$acks" |
		wc -l) of $2 inputs answered"
}

# 1. tlsrpt import, killed. Round 1 is killed a random time after the
# start; later rounds a random time after the import's first commit shows
# in the database: a sanitizer build may need more than 1.5 s for its first
# commit (an import commits every 2000 reports or 1 s), and a kill should
# also land among commits.
reports() { sqlite3 -cmd '.timeout 2000' "$db" 'SELECT count(*) FROM report' 2>/dev/null || echo 0; }
for r in $(seq 1 "$ROUNDS"); do
	before=$(reports)
	"$TLSRPT" --db "$db" import "$work/imp$r/reports.mbox" >"$work/import.$r.out" \
		2>"$work/import.$r.err" &
	ipid=$!
	when="after the start"
	if [ "$r" != 1 ]; then
		when="after its first commit"
		for _ in $(seq 1 300); do
			[ "$(reports)" -gt "$before" ] && break
			sleep 0.05
		done
	fi
	s=$(pause)
	kill -9 "$ipid" 2>/dev/null
	wait "$ipid" 2>/dev/null
	st=$?
	case $st in
	137) how="killed mid-run" ;;
	0) how="had finished" ;;
	*) how="ended by itself with exit $st" ;;
	esac
	check "import round $r: killed (137) or finished (0)" yes \
		"$([ "$st" = 137 ] || [ "$st" = 0 ] && echo yes || echo "no: $how")"
	echo "# import round $r: $how $s s $when"
	# Killed from the start on a slow or busy machine, an import may die
	# before its store made the schema (one SQLite transaction): then the
	# file holds no table, and nothing can have been acknowledged; the
	# next round's import makes the schema on it.
	if [ "$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE name = 'report'")" = 0 ]; then
		check "import round $r: no schema yet, nothing acknowledged" 0 "$(acked | wc -l)"
		continue
	fi
	verify "import round $r"
done

# 2. tlsrpt-httpd, killed under parallel POSTs.
start_httpd() {
	port=$((20000 + RANDOM % 20000))
	"$HTTPD" -f --listen "127.0.0.1:$port" --cert "$work/server.pem" \
		--key "$work/server.key" --db "$db" 2>>"$work/httpd.log" &
	pid=$!
	for _ in $(seq 1 100); do
		curl -s -o /dev/null --cacert "$work/server.pem" \
			"https://localhost:$port/healthz" && return 0
		sleep 0.1
	done
	not_ok "tlsrpt-httpd did not start"
	return 1
}
# post_loop LIST: POSTs each file in turn until told to stop; "FILE\tCODE"
# (000: no reply) into the file $acks.
post_loop() {
	local f ct code
	while read -r f; do
		[ -e "$work/stop" ] && break
		case $f in
		*.gz) ct=application/tlsrpt+gzip ;;
		*) ct=application/tlsrpt+json ;;
		esac
		code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/server.pem" \
			-H "Content-Type: $ct" --data-binary "@$f" "https://localhost:$port/")
		printf '%s\t%s\n' "$f" "$code" >>"$acks"
	done <"$1"
}
if [ "$web" = 1 ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/server.key" \
		-out "$work/server.pem" -days 2 -subj "/CN=localhost" \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
	for r in $(seq 1 "$ROUNDS"); do
		start_httpd || break
		acks="$work/web.$r.acks"
		clients post_loop "$work/web.list"
		kill_round "httpd round $r" "$WEB_N"
		awk -F'\t' '$2 != 201 && $2 != 200 && $2 != "000"' "$acks" >"$work/others"
		check "httpd round $r: every reply 201, 200 or none" 0 "$(wc -l <"$work/others")"
		head -5 "$work/others" | sed 's/^/#   /'
		verify "httpd round $r"
	done
fi

# 3. tlsrpt-milter, killed under parallel miltertest runs.
# send.lua waits 20 s for a socket to accept; a killed milter should fail
# its client at once.
sed 's/mt.connect(sock, 20, 0.25)/mt.connect(sock, 1, 0.25)/' \
	"$here/../milter/send.lua" >"$work/send.lua"
printf 'From: a@b.example\nSubject: probe\n\nnothing\n' >"$work/probe.eml"
start_milter() {
	"$MILTER_BIN" -f -p "unix:$work/milter.sock" --db "$db" \
		--rcpt tls-reports@example.com 2>>"$work/milter.log" &
	pid=$!
	# The socket of a killed milter is still there: ask until one answers.
	for _ in $(seq 1 100); do
		MILTER="unix:$work/milter.sock" MSG="$work/probe.eml" RCPT="<x@example.com>" \
			miltertest -s "$work/send.lua" 2>/dev/null | grep -q '^reply=a' && return 0
		sleep 0.1
	done
	not_ok "tlsrpt-milter did not start"
	return 1
}
# send_loop LIST: sends each mail in turn until told to stop;
# "FILE\tOUTCOME" into the file $acks: stored, duplicate, reply=X or none
# (no reply: the connection was cut).
send_loop() {
	local f out what
	while read -r f; do
		[ -e "$work/stop" ] && break
		out=$(MILTER="unix:$work/milter.sock" MSG="$f" miltertest -s "$work/send.lua" 2>&1)
		case $out in
		# A connection cut by the kill: "read(3): returned 0", and
		# send.lua goes on to print the last reply it had.
		*"miltertest: "*) what=none ;;
		*"reply=a"*"header=stored; "*) what=stored ;;
		*"reply=a"*"header=duplicate; "*) what=duplicate ;;
		*"reply="*) what=$(echo "$out" | grep -m1 '^reply=') ;;
		*) what=none ;;
		esac
		printf '%s\t%s\n' "$f" "$what" >>"$acks"
	done <"$1"
}
if [ "$mail" = 1 ]; then
	for r in $(seq 1 "$ROUNDS"); do
		start_milter || break
		acks="$work/mail.$r.acks"
		clients send_loop "$work/mail.list"
		kill_round "milter round $r" "$MAIL_N"
		awk -F'\t' '$2 != "stored" && $2 != "duplicate" && $2 != "none"' "$acks" >"$work/others"
		check "milter round $r: every reply an accept with stored/duplicate, or none" 0 \
			"$(wc -l <"$work/others")"
		head -5 "$work/others" | sed 's/^/#   /'
		verify "milter round $r"
	done
fi

# 4. Everything again, nothing killed: each report stored exactly once.
if [ "$web" = 1 ] && start_httpd; then
	acks="$work/web-resend.acks"
	clients post_loop "$work/web.list"
	# shellcheck disable=SC2086 # one word a pid
	wait $cpids
	cpids=""
	check "resend: $WEB_N POSTs answered 201 or 200" "$WEB_N" \
		"$(awk -F'\t' '$2 == 201 || $2 == 200' "$acks" | wc -l)"
	kill "$pid"
	wait "$pid"
	check "resend: tlsrpt-httpd stops on SIGTERM with exit 0" 0 "$?"
	pid=""
fi
if [ "$mail" = 1 ] && start_milter; then
	acks="$work/mail-resend.acks"
	clients send_loop "$work/mail.list"
	# shellcheck disable=SC2086 # one word a pid
	wait $cpids
	cpids=""
	check "resend: $MAIL_N mails accepted, stored or duplicate" "$MAIL_N" \
		"$(awk -F'\t' '$2 == "stored" || $2 == "duplicate"' "$acks" | wc -l)"
	kill "$pid"
	wait "$pid"
	check "resend: tlsrpt-milter stops on SIGTERM with exit 0" 0 "$?"
	pid=""
fi
# shellcheck disable=SC2086 # one word an mbox
"$TLSRPT" --db "$db" import $mboxes \
	>"$work/import.all.out" 2>"$work/import.all.err"
check "resend: the import exits 0" 0 "$?"
check "resend: $((ROUNDS * IMPORT_N)) reports imported, stored or duplicate" \
	"$((ROUNDS * IMPORT_N))" \
	"$(awk -F'\t' '$1 == "stored" || $1 == "duplicate"' "$work/import.all.out" | wc -l)"
verify "after the resend"
check "after the resend: $total reports, each once" "$total $total" \
	"$(sqlite3 "$db" "SELECT count(*) || ' ' || count(DISTINCT organization || x'00' || report_id) FROM report")"
check "after the resend: the same reports as the reference, both ways" "0 0" \
	"$(sqlite3 "$db" "ATTACH '$ref' AS ref;
	  SELECT (SELECT count(*) FROM ($(shape main) EXCEPT SELECT * FROM ref.shape))
	    || ' ' || (SELECT count(*) FROM (SELECT * FROM ref.shape EXCEPT $(shape main)))")"
if grep -q Sanitizer "$work"/*.log "$work"/import.*.err 2>/dev/null; then
	not_ok "sanitizer reports:"
	grep -h -A5 Sanitizer "$work"/*.log "$work"/import.*.err | head -20 | sed 's/^/#   /'
else
	ok "no sanitizer reports"
fi
finish
