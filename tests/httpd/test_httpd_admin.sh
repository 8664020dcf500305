#!/usr/bin/env bash
# test_httpd_admin.sh - what the admin of tlsrpt-httpd sees (issue 16), the
# real daemon over TLS on loopback, curl and openssl as clients:
#   - --admin-listen: GET /healthz and /metrics on a plain-HTTP loopback
#     listener alone, 404 on the public one; anything else there 404 and
#     nothing stored; a non-loopback address refused (exit 64); without
#     the option both are served on --listen as before;
#   - libmicrohttpd's messages (a plain-HTTP request, junk and a cut
#     ClientHello sent to the TLS port, a TLS 1.1 client: "Error: received
#     handshake message out of context.") reach the log as the daemon's
#     warnings, "tlsrpt-httpd: warning: libmicrohttpd: ...", and every
#     stderr line is the daemon's; with stderr the journal's
#     (JOURNAL_STREAM) each line starts with its priority, <4> or <6>;
#   - a database the daemon cannot write (held locked; as root also a full
#     tmpfs, filled after the start: a file made read-only after the start
#     is no test, the daemon writes through the descriptor it opened):
#     503 whose body names no path and no SQLite error, the log both.
#
# Usage: test_httpd_admin.sh TLSRPT TLSRPT_HTTPD
set -u
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 needed: skipped"; exit 0; }

mkcert server
db="$work/t.db"
# start [ARGS...]: the daemon over TLS on a new port (report path
# /v1/report), waiting until the port takes connections.
start() {
	port=$((20000 + RANDOM % 20000))
	"$HTTPD" -f --listen "127.0.0.1:$port" --cert "$work/server.pem" \
		--key "$work/server.key" --db "${DB:-$db}" --path /v1/report \
		--busy-timeout 300 "$@" 2>>"$work/${LOG:-httpd.log}" &
	pid=$!
	for _ in $(seq 1 50); do
		curl -s -o /dev/null --cacert "$work/server.pem" "https://localhost:$port/" && return 0
		sleep 0.1
	done
	return 1
}
stop() { kill "$pid"; wait "$pid"; pid=""; }
# code URL [curl args]: "STATUS BODY" of a request.
code() {
	local url=$1
	shift
	curl -s --cacert "$work/server.pem" -w ' %{http_code}' "$@" "$url" | tr '\n' ' '
}
post() { # post FILE: "BODY STATUS" of a POST to the public report path
	code "https://localhost:$port/v1/report" -H 'Content-Type: application/tlsrpt+json' \
		--data-binary "@$1"
}
report Org adm-1 admin.example 5 1 >"$work/r1.json"
report Org adm-2 admin.example 4 0 >"$work/r2.json"
report Org adm-3 admin.example 3 0 >"$work/r3.json"

# ---- --admin-listen ----
aport=$((20000 + RANDOM % 20000))
start --admin-listen "127.0.0.1:$aport" || { not_ok "start"; finish; exit 1; }
admin="http://127.0.0.1:$aport"
check "admin: GET /healthz" "ok  200" "$(code "$admin/healthz")"
m=$(curl -s "$admin/metrics")
echo "$m" | grep -q '^tlsrpt_http_requests_total{code="200"} [1-9]' &&
	ok "admin: GET /metrics serves the counters" || { not_ok "admin: /metrics"; echo "$m" | sed 's/^/#   /' | head; }
check "public: GET /healthz is 404 there" "not found  404" "$(code "https://localhost:$port/healthz")"
check "public: GET /metrics is 404 there" "not found  404" "$(code "https://localhost:$port/metrics")"
check "public: a report POSTed: 201" "stored  201" "$(post "$work/r1.json")"
check "admin: other paths 404" "not found  404" "$(code "$admin/v1/report")"
check "admin: a report POSTed there: 404" "not found  404" \
	"$(code "$admin/v1/report" -H 'Content-Type: application/tlsrpt+json' --data-binary "@$work/r2.json")"
check "admin: HTTP only (no TLS there)" "000" \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/server.pem" "https://127.0.0.1:$aport/healthz")"
check "nothing but adm-1 stored" "adm-1" "$(sqlite3 "$db" "SELECT group_concat(report_id) FROM report")"
contains "the log says where they are" "$work/httpd.log" "/healthz and /metrics on http://127.0.0.1:$aport only"
stop
for a in "0.0.0.0:$aport" "[::]:$aport" "192.0.2.1:$aport" "localhost:$aport"; do
	"$HTTPD" -f --no-tls --listen "127.0.0.1:$aport" --admin-listen "$a" --db "$db" 2>"$work/bad.err"
	check "--admin-listen $a: refused, exit 64" 64 "$?"
done
start --admin-listen "[::1]:$aport" || { not_ok "start"; finish; exit 1; }
check "--admin-listen [::1]:PORT: served there" "ok  200" "$(code "http://[::1]:$aport/healthz" -g)"
stop
contains "the refusal says what is taken and what to do" "$work/bad.err" \
	"--admin-listen: a loopback ADDR:PORT (127.0.0.1:8026 or [::1]:8026), not 'localhost:$aport'; to scrape from another host, forward the port (ssh -L)"

# Without the option, as before: both on the public listener.
start || { not_ok "start"; finish; exit 1; }
check "no --admin-listen: /healthz on --listen" "ok  200" "$(code "https://localhost:$port/healthz")"
check "no --admin-listen: /metrics on --listen" "200" \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/server.pem" "https://localhost:$port/metrics")"

# ---- libmicrohttpd's messages: the daemon's, with a level ----
# tcp BYTES...: printf's output to the TLS port, then a second's wait (in
# a subshell that ignores SIGPIPE: the daemon may close first).
tcp() {
	(
		trap '' PIPE
		exec 3<>"/dev/tcp/127.0.0.1/$port" && printf "$@" >&3 && sleep 1
	) 2>/dev/null
}
provoke() {
	tcp 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n'
	tcp 'junk\x00\x01\x02 that is no TLS\r\n\r\n'
	tcp '\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00'
	openssl s_client -connect "127.0.0.1:$port" -tls1_1 </dev/null >/dev/null 2>&1
	sleep 0.5
}
provoke
stop
contains "libmicrohttpd's handshake error is the daemon's warning" "$work/httpd.log" \
	"tlsrpt-httpd: warning: libmicrohttpd: Error: received handshake message out of context."
check "every libmicrohttpd line is a warning" "" \
	"$(grep 'libmicrohttpd' "$work/httpd.log" | grep -v '^tlsrpt-httpd: warning: libmicrohttpd: ')"
check "every stderr line is the daemon's" "" "$(grep -v '^tlsrpt-httpd: ' "$work/httpd.log")"
# stderr the journal's stream: systemd sets JOURNAL_STREAM to its device
# and inode; the journal takes a leading <N> as the line's priority.
: >"$work/journal.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$work/journal.log") LOG=journal.log start ||
	{ not_ok "start"; finish; exit 1; }
provoke
stop
contains "journal: the handshake error at priority 4 (warning)" "$work/journal.log" \
	"<4>tlsrpt-httpd: warning: libmicrohttpd: Error: received handshake message out of context."
contains "journal: information at priority 6" "$work/journal.log" "<6>tlsrpt-httpd: listening on"
check "journal: every line has its priority" "" "$(grep -v '^<[46]>tlsrpt-httpd: ' "$work/journal.log")"
# JOURNAL_STREAM naming another file: stderr is not the journal's.
: >"$work/other.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$work/journal.log") LOG=other.log start || { not_ok "start"; finish; exit 1; }
stop
check "JOURNAL_STREAM of another stream: no priorities" "" "$(grep '^<' "$work/other.log")"

# ---- Storage failures: the sender is told nothing of the database ----
generic="not stored, try again later  503"
start || { not_ok "start"; finish; exit 1; }
(echo "BEGIN IMMEDIATE;"; sleep 3; echo "ROLLBACK;") | sqlite3 "$db" &
locker=$!
sleep 0.5
r=$(post "$work/r2.json")
wait "$locker"
check "locked: 503 with generic words" "$generic" "$r"
check "locked: no path, no SQLite words in the reply" "" "$(echo "$r" | grep -E '/|locked|database|SQLite')"
contains "locked: the log has the path and SQLite's reason" "$work/httpd.log" \
	"tempfail: database $db: BEGIN IMMEDIATE: database is locked"
check "after the lock: stored" "stored  201" "$(post "$work/r2.json")"
stop
if [ "$(id -u)" -eq 0 ]; then
	mkdir "$work/full"
	if mount -t tmpfs -o size=2m tmpfs "$work/full"; then
		trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; umount "$work/full" 2>/dev/null; rm -rf "$work"' EXIT
		DB="$work/full/t.db" LOG=full.log start || not_ok "start on the tmpfs"
		dd if=/dev/zero of="$work/full/filler" bs=64k 2>/dev/null
		r=$(post "$work/r3.json")
		check "disk full: 503 with generic words" "$generic" "$r"
		grep -qE "tempfail: database $work/full/t.db: .*(database or disk is full|No space left on device)" "$work/full.log" &&
			ok "disk full: the log has the path and the reason" ||
			{ not_ok "disk full: the log has the path and the reason"; sed 's/^/#   /' "$work/full.log"; }
		stop
		umount "$work/full"
	else
		not_ok "mount a tmpfs"
	fi
else
	echo "# not root: the full disk left out"
fi

finish
