#!/usr/bin/env bash
# test_httpd_hostile.sh - what an attacker found in tlsrpt-httpd (issue 15),
# against the real daemon on loopback (plain HTTP, --no-tls, so that raw
# requests can be written byte for byte; the checks are above TLS):
#   - request framing libmicrohttpd 0.9.75 lets through: two different
#     Content-Lengths, Content-Length with Transfer-Encoding, an HTTP/1.1
#     request without Host or with two, an escaped NUL in the path, a
#     transfer coding other than chunked, white space before a header's
#     colon: each 400 before the body is read, nothing stored or
#     quarantined;
#   - libmicrohttpd's own messages go through the daemon's logger;
#   - /healthz and /metrics answer at once while another process holds the
#     database's write lock (they once waited out --busy-timeout);
#   - a commit that waits for the database does not count against the
#     request deadline, and the keep-alive deadline runs from the reply
#     (a GET's connection is kept for the next request at all);
#   - one report per request (RFC 8460 §5.4): a mail message is 415;
#   - rejected inputs per client address are rate limited: 429, an IPv6
#     /64 or an IPv4 address one client however it is written.
#
# Usage: test_httpd_hostile.sh TLSRPT TLSRPT_HTTPD
set -u
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "python3 needed: skipped"; exit 0; }
command -v sqlite3 >/dev/null || { echo "sqlite3 needed: skipped"; exit 0; }

db="$work/t.db"
# start ARGS...: the daemon on a new port, waiting until it answers.
start() {
	port=$((20000 + RANDOM % 20000))
	"$HTTPD" -f --no-tls --listen "127.0.0.1:$port" --db "$db" "$@" \
		2>>"$work/httpd.log" &
	pid=$!
	for _ in $(seq 1 50); do
		curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && return 0
		sleep 0.1
	done
	return 1
}
stop() { kill "$pid"; wait "$pid"; pid=""; }
# raw HEX: sends the bytes (given as a Python bytes literal), prints the
# status line's code and the body's first line.
raw() {
	python3 - "$port" "$1" <<'EOF'
import ast, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(ast.literal_eval(sys.argv[2]))
s.settimeout(5)
data = b""
try:
    while True:
        b = s.recv(4096)
        if not b:
            break
        data += b
except socket.timeout:
    pass
head, _, body = data.partition(b"\r\n\r\n")
code = head.split(b" ")[1].decode() if b" " in head else "none"
print(code, body.decode(errors="replace").split("\n")[0])
EOF
}
# lock_db SECONDS: another writer holds the database's write lock for that
# long, in the background ($locker); returns once the lock is held.
lock_db() {
	rm -f "$work/locked"
	python3 - "$db" "$1" "$work/locked" <<'EOF' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[3], "w").close()
time.sleep(float(sys.argv[2]))
c.execute("ROLLBACK")
EOF
	locker=$!
	for _ in $(seq 1 100); do
		[ -e "$work/locked" ] && return 0
		sleep 0.05
	done
}
rows() { sqlite3 "$db" "SELECT (SELECT count(*) FROM report), (SELECT count(*) FROM quarantine)"; }
report() { # ORG ID
	printf '{"organization-name":"%s","date-range":{"start-datetime":"2026-03-01T00:00:00Z","end-datetime":"2026-03-01T23:59:59Z"},"contact-info":"x@y","report-id":"%s","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: mx.e.example","max_age: 86400"],"policy-domain":"e.example"},"summary":{"total-successful-session-count":1,"total-failure-session-count":0}}]}' "$1" "$2"
}

# A second report path holding a newline, for the forged log line below.
start --path /v1/report --path $'/r\nJan 1 00:00:00 mx sshd[1]: Accepted password for root' ||
	{ not_ok "start"; finish; }

# ---- Framing ----
body=$(report Org f-1)
len=${#body}
check "two different Content-Lengths" "400 bad request: conflicting Content-Length headers" \
	"$(raw "b'POST /v1/report HTTP/1.1\r\nHost: x\r\nContent-Type: application/tlsrpt+json\r\nContent-Length: $len\r\nContent-Length: 2\r\n\r\n'")"
check "Content-Length with Transfer-Encoding" "400 bad request: Content-Length with Transfer-Encoding" \
	"$(raw "b'POST /v1/report HTTP/1.1\r\nHost: x\r\nContent-Type: application/tlsrpt+json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n'")"
# What would frame the body otherwise than a proxy in front might: a
# transfer coding libmicrohttpd does not decode (it waited, no reply),
# chunked twice, two Hosts, white space before a header's colon (not a
# Content-Length to libmicrohttpd: the body was read as the next request).
check "a transfer coding other than chunked" "400 bad request: a transfer coding other than chunked" \
	"$(raw "b'POST /v1/report HTTP/1.1\r\nHost: x\r\nContent-Type: application/tlsrpt+json\r\nTransfer-Encoding: gzip\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n'")"
check "Transfer-Encoding twice" "400 bad request: a transfer coding other than chunked" \
	"$(raw "b'POST /v1/report HTTP/1.1\r\nHost: x\r\nContent-Type: application/tlsrpt+json\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n'")"
check "two Host headers" "400 bad request: more than one Host header" \
	"$(raw "b'POST /v1/report HTTP/1.1\r\nHost: x\r\nHost: y\r\nContent-Type: application/tlsrpt+json\r\nContent-Length: 2\r\n\r\n{}'")"
check "white space before a header's colon" "400 bad request: white space in a header name" \
	"$(raw "b'POST /v1/report HTTP/1.1\r\nHost: x\r\nContent-Type: application/tlsrpt+json\r\nContent-Length : 2\r\n\r\n{}'")"
check "HTTP/1.1 without Host" "400 bad request: no Host header" \
	"$(raw "b'POST /v1/report HTTP/1.1\r\nContent-Type: application/tlsrpt+json\r\nContent-Length: 2\r\n\r\n{}'")"
check "an escaped NUL in the path" "400 bad request: NUL in the path" \
	"$(raw "b'POST /v1/report%00.x HTTP/1.1\r\nHost: x\r\nContent-Type: application/tlsrpt+json\r\nContent-Length: 2\r\n\r\n{}'")"
check "a GET without Host too (answered before the defer of a GET's reply)" "400 bad request: no Host header" \
	"$(raw "b'GET /healthz HTTP/1.1\r\n\r\n'")"
check "HTTP/1.0 without Host is fine (404 elsewhere)" "404 not found" \
	"$(raw "b'GET /nothing HTTP/1.0\r\n\r\n'")"
check "nothing stored or quarantined" "0|0" "$(rows)"

# ---- One report per request (RFC 8460 §5.4) ----
# A mail message holding a valid report is refused unread: 415, nothing
# stored or quarantined. The same report bare is stored.
{
	printf 'From: r@sender.example\r\nTo: tls@e.example\r\nSubject: Report\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=tlsrpt; boundary="B"\r\n\r\n--B\r\nContent-Type: application/tlsrpt+json\r\nContent-Disposition: attachment; filename="r.json"\r\n\r\n'
	report Org m-1
	printf '\r\n--B--\r\n'
} >"$work/m.eml"
post_file() { # FILE: the status and the first line of the body
	curl -s -w ' %{http_code}' -H 'Content-Type: application/tlsrpt+json' \
		--data-binary "@$1" "http://127.0.0.1:$port/v1/report" | tr '\n' ' '
}
check "a mail message over HTTPS: 415" \
	"one report per request, gzip or JSON (RFC 8460 section 5.4)  415" "$(post_file "$work/m.eml")"
check "the message: nothing stored or quarantined" "0|0" "$(rows)"
report Org m-1 >"$work/m.json"
check "the same report bare: 201" "stored  201" "$(post_file "$work/m.json")"

# ---- libmicrohttpd's messages through the logger ----
# A half-sent request reset: libmicrohttpd says so. Then the attack of
# issue 15 §6: libmicrohttpd quotes the unescaped path when it cannot send
# a reply ("Failed to send the response headers for the request for
# `/r<LF>Jan 1 ...'"), so a %0a in the path forged a journal line. The
# path is a report path here, so that the reply waits for a commit (the
# database held for 2 s) and the client can reset the connection first.
python3 - "$port" <<'EOF'
import socket, struct, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /%0aJan 1 00:00:00 mx sshd[1]: Accepted password for root HTTP/1.1\r\nHost: x\r\n")
time.sleep(0.3)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
EOF
lock_db 2
python3 - "$port" "$(report Org forged-1)" <<'EOF'
import socket, struct, sys, time
body = sys.argv[2].encode()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /r%0aJan%201%2000:00:00%20mx%20sshd[1]:%20Accepted%20password%20for%20root HTTP/1.1\r\n"
          b"Host: x\r\nContent-Type: application/tlsrpt+json\r\nContent-Length: "
          + str(len(body)).encode() + b"\r\n\r\n" + body)
time.sleep(0.5)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
EOF
wait "$locker"
sleep 1
contains "libmicrohttpd's message logged as the daemon's warning" "$work/httpd.log" "tlsrpt-httpd: warning: libmicrohttpd: "
contains "the path it quotes, its newline replaced" "$work/httpd.log" \
	"request for \`/r?Jan 1 00:00:00 mx sshd[1]: Accepted password for root'"
check "no forged line" "0" "$(grep -c '^Jan 1' "$work/httpd.log")"
check "every stderr line is the daemon's" "" "$(grep -v '^tlsrpt-httpd: ' "$work/httpd.log")"

# ---- /healthz and /metrics while the database is locked ----
# Another writer holds the write lock for 6 s (the busy timeout is 10 s).
# Eight /healthz at once, as the attacker sent them (more than the four
# threads), then /metrics and one more /healthz: when /healthz waited for
# the lock, the eight held every thread and /metrics waited with them.
lock_db 6
curls=""
for i in 1 2 3 4 5 6 7 8; do
	curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "http://127.0.0.1:$port/healthz" >>"$work/h8" &
	curls="$curls $!"
done
sleep 0.3
t_metrics=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "http://127.0.0.1:$port/metrics")
t_health=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "http://127.0.0.1:$port/healthz")
wait $curls
check "eight healthz at once: each answered at once" "8" \
	"$(awk '$1 == 200 && $2 < 2' "$work/h8" | wc -l)"
check "healthz answers at once under a held lock" "200 fast" \
	"$(echo "$t_health" | awk '{ print $1, ($2 < 2 ? "fast" : "slow " $2) }')"
check "metrics answers at once under a held lock" "200 fast" \
	"$(echo "$t_metrics" | awk '{ print $1, ($2 < 2 ? "fast" : "slow " $2) }')"
wait "$locker"
stop

# ---- Deadlines: the commit's wait, then keep-alive from the reply ----
# --request-timeout 2; the lock is held 4 s, so the POST's commit waits
# about 3.5 s, past the request line's deadline; then the next request
# comes 1 s after the reply, on the same connection.
start --request-timeout 2 --path /v1/report || { not_ok "start"; finish; }
lock_db 4
check "a slow commit answered, then keep-alive from the reply" "201 200" "$(
	python3 - "$port" "$(report Org k-1)" <<'EOF'
import http.client, sys, time
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=15)
out = []
try:
    c.request("POST", "/v1/report", sys.argv[2], {"Content-Type": "application/tlsrpt+json"})
    r = c.getresponse(); r.read(); out.append(str(r.status))
    time.sleep(1)
    c.request("GET", "/healthz")
    r = c.getresponse(); r.read(); out.append(str(r.status))
except Exception as e:
    out.append(type(e).__name__)
print(" ".join(out))
EOF
)"
wait "$locker"
stop

# ---- Keep-alive from the reply, not from the request line (§7) ----
# --request-timeout 10. A client sends its request line, then its headers
# over 5 s (within the deadline), is answered, and sends its next request
# 7.5 s after the reply on the same connection: 12.5 s after the first
# request line, so the connection was cut (between 9 and 11 s, the reaper
# counting whole seconds) when the deadline ran from the request line;
# from the reply it holds until at least 14 s.
start --request-timeout 10 --path /v1/report || { not_ok "start"; finish; }
check "the next request 7.5 s after a slow request's reply" "200 200" "$(
	python3 - "$port" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(20)
def reply():
    data = b""
    while b"\r\n\r\n" not in data:
        b = s.recv(4096)
        if not b:
            return "closed"
        data += b
    head, _, body = data.partition(b"\r\n\r\n")
    n = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
    while len(body) < n:
        body += s.recv(4096)
    return head.split(b" ")[1].decode()
out = []
try:
    s.sendall(b"GET /healthz HTTP/1.1\r\n")
    for h in (b"Host: x\r\n", b"X-A: 1\r\n", b"X-B: 2\r\n", b"X-C: 3\r\n", b"\r\n"):
        time.sleep(1.0)
        s.sendall(h)
    out.append(reply())
    time.sleep(7.5)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    out.append(reply())
except Exception as e:
    out.append(type(e).__name__)
print(" ".join(out))
EOF
)"
stop

# ---- Rejected inputs per client address: --max-rejects 3 ----
start --path /v1/report --max-rejects 3 || { not_ok "start"; finish; }
for i in 1 2 3; do
	printf '{"junk":%s}' "$i" >"$work/j$i.json"
	echo "$(post_file "$work/j$i.json" | awk '{ print $NF }')" >>"$work/junk.codes"
done
printf '{"junk":4}' >"$work/j4.json"
check "three rejects: 400 each" "400 400 400" "$(paste -sd' ' "$work/junk.codes")"
hdr=$(curl -s -D - -o /dev/null -H 'Content-Type: application/tlsrpt+json' \
	--data-binary "@$work/j4.json" "http://127.0.0.1:$port/v1/report" | tr -d '\r')
check "the fourth: 429" "HTTP/1.1 429 Too Many Requests" "$(echo "$hdr" | head -1)"
echo "$hdr" | grep -qi '^Retry-After: 60' && ok "429 carries Retry-After" || not_ok "429 Retry-After"
check "a valid report from that client is held back too: 429" "429" \
	"$(post_file "$work/m.json" | awk '{ print $NF }')"
check "the fourth junk was not quarantined" "3" \
	"$(sqlite3 "$db" "SELECT count(*) FROM quarantine WHERE reason LIKE '%junk%' OR reason LIKE 'organization-name%'")"
check "/metrics counts the 429s" "2" \
	"$(curl -s "http://127.0.0.1:$port/metrics" | sed -n 's/^tlsrpt_http_requests_total{code="429"} //p')"
stop

# ---- One client however its address is written ----
# Behind a proxy (--trust-proxy) the address is text: an IPv6 /64 has many
# spellings of its addresses, and an IPv4 client may come IPv4-mapped.
# Each spelling once counted as another client, with a budget of its own.
start --path /v1/report --max-rejects 3 --trust-proxy || { not_ok "start"; finish; }
junk_from() { # ADDR: the status of a junk POST from ADDR
	curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/tlsrpt+json' \
		-H "X-Forwarded-For: $1" --data-binary '{"junk":1}' "http://127.0.0.1:$port/v1/report"
}
codes=""
for a in 2001:db8::1 2001:db8:0:0::2 2001:DB8:0000:0000:ffff::3 2001:db8::4 2001:db8:0:1::1; do
	codes="$codes $(junk_from "$a")"
done
check "one IPv6 /64 however written: 429 at the fourth; the next /64 is another client" \
	" 400 400 400 429 400" "$codes"
codes=""
for a in 192.0.2.7 192.0.2.7 ::ffff:192.0.2.7 ::FFFF:c000:207 192.0.2.8; do
	codes="$codes $(junk_from "$a")"
done
check "an IPv4 client IPv4-mapped is the same client" " 400 400 400 429 400" "$codes"
# A wrong label (415) counts too, as the man page says.
codes=""
for ct in text/plain message/rfc822 application/json application/json; do
	codes="$codes $(curl -s -o /dev/null -w '%{http_code}' -H "Content-Type: $ct" \
		-H "X-Forwarded-For: 198.51.100.9" --data-binary '{"junk":2}' "http://127.0.0.1:$port/v1/report")"
done
check "415 for a wrong label counts against --max-rejects" " 415 415 400 429" "$codes"
stop

finish
