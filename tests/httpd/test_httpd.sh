#!/usr/bin/env bash
# test_httpd.sh - tlsrpt-httpd started for real on a loopback port with a
# certificate made here, spoken to with curl over TLS: each corpus report
# POSTed gzipped and plain, a duplicate (and one with different content),
# the same junk retried (one quarantine row), a wrong media type, an oversized
# Content-Length, an oversized and an endless chunked body, a gzip bomb, a
# truncated body, GET on the report path, /healthz, /metrics, and storage
# failure as 503 with the retried report stored once. The database is read
# back with `tlsrpt summary`.
#
# Usage: test_httpd.sh TLSRPT TLSRPT_HTTPD
set -u
. "$(dirname "$0")/lib.sh"
mkcert server
port=$((20000 + RANDOM % 20000))
db="$work/t.db"
"$HTTPD" -f --listen "127.0.0.1:$port" --cert "$work/server.pem" \
	--key "$work/server.key" --db "$db" --path /v1/report --max-body 65536 \
	--busy-timeout 300 2>"$work/httpd.log" &
pid=$!
url="https://localhost:$port/v1/report"
for _ in $(seq 1 50); do
	code=$(curl -s -o /dev/null --cacert "$work/server.pem" -w '%{http_code}' "https://localhost:$port/healthz")
	[ "$code" = 200 ] && echo 200 >>"$work/codes" && break
	sleep 0.1
done

# get PATH: prints the status of a GET (and records it).
get() {
	curl -s -o /dev/null --cacert "$work/server.pem" -w '%{http_code}' "https://localhost:$port$1" |
		tee -a "$work/codes"
	echo >>"$work/codes"
}

# post MEDIA-TYPE FILE [curl args]: prints "STATUS BODY".
post() {
	local ct=$1 f=$2
	shift 2
	curl -s --cacert "$work/server.pem" -H "Content-Type: $ct" \
		--data-binary "@$f" -w ' %{http_code}' "$@" "$url" | tr '\n' ' '
}
# status OUTPUT: the status of a post (and records it).
status() { echo "$1" | awk '{ print $NF }' | tee -a "$work/codes"; }

# Corpus: every JSON report once as sent and once gzipped: the first
# arrival of each report is 201 or 400, its gzipped twin 200 or 400.
corpus=${TLSRPT_CORPUS:-}
if [ -n "$corpus" ] && [ -d "$corpus" ]; then
	n=0 bad=0
	for f in $(find "$corpus" -name '*.json' | sort); do
		a=$(status "$(post application/tlsrpt+json "$f")")
		gzip -c "$f" >"$work/r.gz"
		b=$(status "$(post application/tlsrpt+gzip "$work/r.gz")")
		n=$((n + 1))
		case "$a $b" in
		"201 200" | "200 200" | "400 400") ;;
		*) bad=$((bad + 1)); echo "# $f: $a $b" ;;
		esac
	done
	check "corpus JSON reports, plain then gzipped: consistent replies" "0 of $n" "$bad of $n"
	check "corpus: josh.scot stored once" "josh.scot,1,1,2,2" \
		"$("$TLSRPT" --db "$db" summary --domain josh.scot --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1-5)"
else
	echo "# corpus folder absent: corpus reports skipped"
fi

report "Web Org" w-1 web.example 8 2 >"$work/w1.json"
gzip -c "$work/w1.json" >"$work/w1.gz"
check "stored: 201" 201 "$(status "$(post application/tlsrpt+gzip "$work/w1.gz")")"
check "duplicate: 200" 200 "$(status "$(post application/tlsrpt+json "$work/w1.json")")"
out=$(post application/tlsrpt+json "$work/w1.json")
status "$out" >/dev/null
check "duplicate, same content: the body says duplicate" "duplicate 200" "$(echo $out)"
# The same (organization, report-id) with 3 failed sessions, not 2: a
# duplicate still (200), said to differ; its bytes are quarantined, the
# stored report stays as it was (8 ok, 2 failed).
report "Web Org" w-1 web.example 8 3 >"$work/w1-other.json"
out=$(post application/tlsrpt+json "$work/w1-other.json")
status "$out" >/dev/null
check "duplicate, different content: 200 and the body says so" \
	"duplicate, different content 200" "$(echo $out)"
key=$(sqlite3 "$db" "SELECT id FROM report WHERE report_id = 'w-1'" 2>/dev/null)
check "different content: quarantined once, the reason names the stored report" \
	"1|duplicate, different content: organization Web Org report-id w-1 (stored as report $key)" \
	"$(sqlite3 "$db" "SELECT count(*), max(reason) FROM quarantine WHERE reason LIKE 'duplicate, different content: organization Web Org %'" 2>/dev/null)"
check "different content: the stored report unchanged" "web.example,1,1,8,2" \
	"$("$TLSRPT" --db "$db" summary --domain web.example --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1-5)"
# A sender retrying the same junk (JSON, not a report object): 400 each
# time, one quarantine row. Bytes that are not gzip or JSON are 415.
printf '[1, 2, 3]' >"$work/junk"
for _ in 1 2 3; do out=$(post application/tlsrpt+json "$work/junk"); status "$out" >/dev/null; done
check "junk retried: 400" 400 "$(echo "$out" | awk '{ print $NF }')"
check "junk retried: one quarantine row, count 3" "1|3" \
	"$(sqlite3 "$db" "SELECT count(*), sum(count) FROM quarantine WHERE bytes = CAST('[1, 2, 3]' AS BLOB)" 2>/dev/null)"
check "label not trusted: gzip sent as octet-stream" 200 \
	"$(status "$(post application/octet-stream "$work/w1.gz")")"
check "wrong media type: 415" 415 "$(status "$(post text/plain "$work/w1.json")")"
head -c 200000 /dev/zero >"$work/big"
# Expect: 100-continue, as a careful client sends a large body: the 413
# decided from Content-Length comes before any of it. (Without it curl
# may still be writing when the server answers and closes, and see a
# reset instead of the 413: CI saw that once.)
check "oversized Content-Length: 413" 413 \
	"$(status "$(post application/json "$work/big" -H 'Expect: 100-continue')")"
# Chunked, so decided while reading: up to --max-body more is read and
# dropped to answer 413 in order; a longer body is cut off unanswered.
head -c 100000 /dev/zero >"$work/big2"
check "oversized chunked body: 413" 413 \
	"$(status "$(post application/json "$work/big2" -H 'Transfer-Encoding: chunked')")"
head -c 3000000 /dev/zero >"$work/huge"
code=$(post application/json "$work/huge" -H 'Transfer-Encoding: chunked' | awk '{ print $NF }')
case $code in 000 | 100) code="no final reply" ;; esac # 100 Continue, then closed
check "endless chunked body: cut off" "no final reply" "$code"
head -c 50000000 /dev/zero | gzip -c >"$work/bomb.gz"
out=$(post application/tlsrpt+gzip "$work/bomb.gz")
check "gzip bomb: 400" 400 "$(status "$out")"
head -c 100 "$work/w1.gz" >"$work/trunc.gz"
out=$(post application/tlsrpt+gzip "$work/trunc.gz")
check "truncated body: 400" 400 "$(status "$out")"
case "$out" in *"gzip: truncated stream"*) ok "truncated: the reason says so" ;; *) not_ok "truncated reason: $out" ;; esac
check "GET on the report path: 405" 405 "$(get /v1/report)"
check "unknown path: 404" 404 "$(get /nope)"
check "healthz: 200" 200 "$(get /healthz)"
# GETs keep their connection over TLS too (libmicrohttpd 0.9.75 closed it
# after a reply given on the request's first call).
check "two GETs on one connection" 1 "$(curl -sv --cacert "$work/server.pem" -o /dev/null -o /dev/null \
	"https://localhost:$port/healthz" "https://localhost:$port/metrics" 2>&1 | grep -ci 're-using')"
printf '200\n200\n' >>"$work/codes" # for the /metrics check below
# One report a request (RFC 8460 §5.4): the same report in a mail message
# is 415 over TLS, and not kept.
{
	printf 'From: r@sender.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=tlsrpt; boundary="B"\r\n\r\n--B\r\nContent-Type: application/tlsrpt+json\r\n\r\n'
	cat "$work/w1.json"
	printf '\r\n--B--\r\n'
} >"$work/w1.eml"
q0=$(sqlite3 "$db" "SELECT count(*) FROM quarantine")
check "a mail message: 415" 415 "$(status "$(post application/tlsrpt+json "$work/w1.eml")")"
check "a mail message: not quarantined" "$q0" "$(sqlite3 "$db" "SELECT count(*) FROM quarantine")"
check "rejected bodies quarantined (bomb, truncated)" 2 \
	"$(sqlite3 "$db" "SELECT count(*) FROM quarantine WHERE channel = 'https' AND reason LIKE 'gzip:%'" 2>/dev/null)"

# Storage failure: a writer holds the database past the busy timeout.
report "Web Org" w-2 web2.example 5 0 >"$work/w2.json"
(echo "BEGIN IMMEDIATE;"; sleep 3; echo "ROLLBACK;") | sqlite3 "$db" &
lock=$!
sleep 0.5
hdr=$(curl -s -D - -o /dev/null --cacert "$work/server.pem" -H 'Content-Type: application/tlsrpt+json' \
	--data-binary "@$work/w2.json" "$url" | tr -d '\r')
check "locked: 503" "HTTP/1.1 503 Service Unavailable" "$(echo "$hdr" | head -1)"
echo 503 >>"$work/codes"
echo "$hdr" | grep -qi '^Retry-After: 60' && ok "503 carries Retry-After" || not_ok "Retry-After"
# /healthz says what the last commit met, without waiting for the lock.
check "locked: healthz 503 after the failed commit" 503 "$(get /healthz)"
wait $lock
check "after the lock: the retry is stored (201)" 201 "$(status "$(post application/tlsrpt+json "$work/w2.json")")"
check "healthz 200 again after a good commit" 200 "$(get /healthz)"
check "stored once" "web2.example,1,1,5,0" \
	"$("$TLSRPT" --db "$db" summary --domain web2.example --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1-5)"

# /metrics: every status answered, counted; the reports by outcome as in
# the database (stored), and the /metrics request itself as one more 200.
curl -s --cacert "$work/server.pem" "https://localhost:$port/metrics" >"$work/metrics"
echo 200 >>"$work/codes"
for code in 200 201 400 404 405 413 415 503; do
	check "metrics: $code answers" "$(grep -c "^$code\$" "$work/codes")" \
		"$(sed -n "s/^tlsrpt_http_requests_total{code=\"$code\"} //p" "$work/metrics")"
done
check "metrics: stored reports = reports in the database" \
	"$(sqlite3 "$db" "SELECT count(*) FROM report" 2>/dev/null)" \
	"$(sed -n 's/^tlsrpt_reports_total{outcome="stored"} //p' "$work/metrics")"
grep -q '^tlsrpt_ingest_seconds_count [1-9]' "$work/metrics" && ok "metrics: ingest time counted" ||
	not_ok "metrics: ingest time"

kill "$pid"
wait "$pid"
check "SIGTERM: exit 0" 0 "$?"
pid=""
"$HTTPD" --help | grep -q "Usage: tlsrpt-httpd" && ok "--help" || not_ok "--help"
"$HTTPD" --listen nowhere --no-tls >/dev/null 2>&1
check "bad --listen: exit 64" 64 "$?"
finish
