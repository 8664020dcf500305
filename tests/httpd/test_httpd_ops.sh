#!/usr/bin/env bash
# test_httpd_ops.sh - tlsrpt-httpd under abuse and in operation, the real
# daemon on loopback with openssl and curl as clients:
#   - a slowloris client (a byte a second) is cut off at --request-timeout;
#   - --per-ip: the connection past the limit is refused, others not;
#   - SIGHUP with a new certificate: the next connection sees it; a key
#     that does not match keeps the old pair in service;
#   - 300 reports POSTed by 16 parallel clients: every one 201 and stored
#     (group commit under concurrency);
#   - SIGTERM during a slow upload: the request is finished and stored;
#   - --no-tls --trust-proxy: the client is X-Forwarded-For's last address;
#   - a newline in a sender's organization does not forge a log line;
#   - --tls-priority: TLS 1.2 and 1.3 by default, 1.1 refused; a string
#     that allows 1.1, one that allows 1.3 alone, one GnuTLS rejects;
#   - --listen [::]:PORT serves IPv6 and IPv4 clients.
#
# Usage: test_httpd_ops.sh TLSRPT TLSRPT_HTTPD
set -u
. "$(dirname "$0")/lib.sh"

fpr() { openssl x509 -noout -fingerprint -sha256 | cut -d= -f2; }
# served: the fingerprint of the certificate a new connection is shown.
served() {
	openssl s_client -connect "127.0.0.1:$port" -servername localhost </dev/null 2>/dev/null | fpr
}
# start ARGS...: the daemon on a new port, waiting until it answers.
start() {
	port=$((20000 + RANDOM % 20000))
	"$HTTPD" -f --listen "${host:-127.0.0.1}:$port" --db "$work/t.db" "$@" 2>>"$work/httpd.log" &
	pid=$!
	for _ in $(seq 1 50); do
		curl -sk -o /dev/null "$scheme://127.0.0.1:$port/healthz" && return 0
		sleep 0.1
	done
	return 1
}
# stop WHAT: SIGTERM, which must end the daemon with status 0.
stop() {
	kill "$pid"
	wait "$pid"
	check "$1: stopped with exit 0" 0 "$?"
	pid=""
}
metric() { curl -sk "$scheme://127.0.0.1:$port/metrics" | sed -n "s/^$1 //p"; }

mkcert a
mkcert b
cp "$work/a.pem" "$work/cert.pem"
cp "$work/a.key" "$work/key.pem"
scheme=https
start --cert "$work/cert.pem" --key "$work/key.pem" --per-ip 2 \
	--request-timeout 3 || { not_ok "start"; finish; }

# Slowloris: a request line, then one header byte a second for 40 s.
t0=$(date +%s)
{
	printf 'POST / HTTP/1.1\r\nHost: localhost\r\nX-Slow: '
	for _ in $(seq 1 40); do sleep 1; printf a; done
} 2>/dev/null | openssl s_client -quiet -connect "127.0.0.1:$port" >/dev/null 2>&1
t1=$(date +%s)
# Cut off at 3 s (the reaper looks each second); 40 s had it not been.
[ $((t1 - t0)) -lt 20 ] && ok "slowloris: cut off after $((t1 - t0)) s" ||
	not_ok "slowloris: held $((t1 - t0)) s"
check "slowloris: counted in metrics" 1 "$(metric tlsrpt_connections_cut_off_total)"

# Per IP: two idle TLS connections held, the third refused.
for _ in 1 2; do
	sleep 4 | openssl s_client -quiet -connect "127.0.0.1:$port" >/dev/null 2>&1 &
done
sleep 1
check "per-ip: third connection refused" 000 \
	"$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$port/healthz")"
wait %2 %3 2>/dev/null
sleep 0.5
check "per-ip: served again once they close" 200 \
	"$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$port/healthz")"

# SIGHUP: certificate b replaces a.
check "before SIGHUP: certificate a" "$(fpr <"$work/a.pem")" "$(served)"
cp "$work/b.pem" "$work/cert.pem"
cp "$work/b.key" "$work/key.pem"
kill -HUP "$pid"
sleep 0.5
check "after SIGHUP: certificate b" "$(fpr <"$work/b.pem")" "$(served)"
cp "$work/a.pem" "$work/cert.pem" # a's certificate with b's key
kill -HUP "$pid"
sleep 0.5
check "mismatched pair: b still served" "$(fpr <"$work/b.pem")" "$(served)"
contains "mismatched pair: logged" "$work/httpd.log" "still serving the old certificate"
check "still answering after the reloads" 200 \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/b.pem" "https://localhost:$port/healthz")"
stop "abuse and reload"

# 300 distinct reports from 16 clients at once.
start --cert "$work/b.pem" --key "$work/b.key" --per-ip 64 || not_ok "restart"
mkdir "$work/many"
for i in $(seq 1 300); do
	report "Many Org" "m-$i" "many$((i % 3)).example" 10 1 >"$work/many/$i.json"
done
ls "$work/many"/*.json | xargs -P 16 -I{} curl -s -o /dev/null -w '%{http_code}\n' \
	--cacert "$work/b.pem" -H 'Content-Type: application/tlsrpt+json' \
	--data-binary @{} "https://localhost:$port/" >"$work/many.codes"
check "concurrent: 300 answered 201" 300 "$(grep -c '^201$' "$work/many.codes")"
# 300 reports of 10 successful and 1 failed session: 3000 and 300.
check "concurrent: all stored" "300,3000,300" \
	"$("$TLSRPT" --db "$work/t.db" summary --format json |
		tr -d ' \n' | grep -o '"policy_domain":"many[0-9].example","reports":[0-9]*,"organizations":[0-9]*,"successful_sessions":[0-9]*,"failed_sessions":[0-9]*' |
		awk -F'[:,]' '{ r += $4; s += $8; f += $10 } END { print r "," s "," f }')"

# SIGTERM while a body is still arriving: finished, stored, then exit 0.
report "Slow Org" s-1 slow.example 7 0 >"$work/slow.json"
printf '%*s' 6000 '' >>"$work/slow.json" # trailing spaces: valid JSON
curl -s -o "$work/slow.out" -w '%{http_code}' --limit-rate 2000 --cacert "$work/b.pem" \
	-H 'Content-Type: application/tlsrpt+json' --data-binary "@$work/slow.json" \
	"https://localhost:$port/" >"$work/slow.code" &
cpid=$!
sleep 1
kill -TERM "$pid"
wait "$cpid"
check "SIGTERM mid-upload: the request is answered 201" 201 "$(cat "$work/slow.code")"
wait "$pid"
check "SIGTERM mid-upload: exit 0" 0 "$?"
pid=""
check "SIGTERM mid-upload: the report is stored" "slow.example,1" \
	"$("$TLSRPT" --db "$work/t.db" summary --domain slow.example --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1-2)"

# Behind a proxy: plain HTTP, the client from X-Forwarded-For.
scheme=http
start --no-tls --trust-proxy || not_ok "start --no-tls"
report "Proxy Org" p-1 proxy.example 3 0 >"$work/p.json"
check "trust-proxy: 201 over plain HTTP" 201 "$(curl -s -o /dev/null -w '%{http_code}' \
	-H 'Content-Type: application/tlsrpt+json' -H 'X-Forwarded-For: 203.0.113.9, 198.51.100.7' \
	--data-binary "@$work/p.json" "http://127.0.0.1:$port/")"
check "trust-proxy: the proxy's last address is the client" 198.51.100.7 \
	"$(sqlite3 "$work/t.db" "SELECT source FROM report WHERE report_id = 'p-1'")"
stop "--trust-proxy"
start --no-tls || not_ok "start --no-tls"
report "Proxy Org" p-2 proxy.example 3 0 >"$work/p2.json"
curl -s -o /dev/null -H 'Content-Type: application/tlsrpt+json' -H 'X-Forwarded-For: 203.0.113.9' \
	--data-binary "@$work/p2.json" "http://127.0.0.1:$port/"
check "without --trust-proxy: the peer is the client" 127.0.0.1 \
	"$(sqlite3 "$work/t.db" "SELECT source FROM report WHERE report_id = 'p-2'")"
# A newline in a sender's organization (a JSON "\n") cannot forge a log line.
report 'Evil\nFORGED: tlsrpt-httpd: fake' p-3 proxy.example 3 0 >"$work/p3.json"
check "a newline in the organization: stored" 201 "$(curl -s -o /dev/null -w '%{http_code}' \
	-H 'Content-Type: application/tlsrpt+json' --data-binary "@$work/p3.json" "http://127.0.0.1:$port/")"
check "the log has no forged line" 0 "$(grep -c '^FORGED' "$work/httpd.log")"
contains "the newline is logged as ?" "$work/httpd.log" "org=Evil?FORGED: tlsrpt-httpd: fake"
stop "--no-tls"
# TLS versions: openssl as a client willing to speak 1.1 (SECLEVEL=0), so
# a refusal is the server's. The default takes 1.2 and 1.3 only; a
# --tls-priority that allows 1.1 shows the client can; one with 1.3 alone
# refuses 1.2; a priority GnuTLS cannot parse stops the start (64).
# shake VERSION: "ok" when a handshake at that version succeeds.
shake() {
	openssl s_client "-$1" -cipher 'DEFAULT@SECLEVEL=0' -connect "127.0.0.1:$port" \
		</dev/null >/dev/null 2>&1 && echo ok || echo refused
}
host=127.0.0.1
scheme=https
for prio in default "NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.2:+VERS-TLS1.3" \
	"NORMAL:-VERS-ALL:+VERS-TLS1.3"; do
	if [ "$prio" = default ]; then
		start --cert "$work/b.pem" --key "$work/b.key" || not_ok "start ($prio)"
	else
		start --cert "$work/b.pem" --key "$work/b.key" --tls-priority "$prio" ||
			not_ok "start ($prio)"
	fi
	got="$(shake tls1_1) $(shake tls1_2) $(shake tls1_3)"
	case $prio in
	default) want="refused ok ok" ;;
	*TLS1.1*) want="ok ok ok" ;;
	*) want="refused refused ok" ;;
	esac
	check "TLS 1.1, 1.2, 1.3 with priority $prio" "$want" "$got"
	stop "priority $prio"
done
"$HTTPD" -f --listen 127.0.0.1:1 --cert "$work/b.pem" --key "$work/b.key" \
	--tls-priority 'NORMAL:+NO-SUCH-THING' >/dev/null 2>"$work/prio.err"
check "a bad --tls-priority: exit 64" 64 "$?"
contains "a bad --tls-priority: says where" "$work/prio.err" 'at "+NO-SUCH-THING"'
scheme=http

# [::] takes IPv6 and IPv4 connections.
if grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; then
	host="[::]"
	start --no-tls || not_ok "start on [::]"
	check "[::]: IPv6 client served" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://[::1]:$port/healthz")"
	check "[::]: IPv4 client served" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")"
	stop "[::]"
else
	echo "# no IPv6 loopback: [::] not tested"
fi
if grep -q 'Sanitizer' "$work/httpd.log"; then
	not_ok "sanitizer reports in the log:"
	grep -A5 Sanitizer "$work/httpd.log" | head -20 | sed 's/^/#   /'
else
	ok "no sanitizer reports"
fi
finish
