#!/usr/bin/env bash
# test_serve.sh - `tlsrpt serve` started for real on a free loopback port
# over the golden dataset (tests/cli/golden_data.sh) and read with curl:
# every API endpoint's body is the command's --format json (or csv) byte
# for byte, with and without filters and under several groupings; the
# pages' figures (the overview's headline, its summary and readiness
# tables and chart, a domain's tables, the failures table, the reports,
# a report's JSON and warnings, the quarantine) are the hand-worked
# golden numbers; links keep the filters; the failures and reports pages
# are paged 50 rows a page and sorted by their header links; HEAD works,
# other methods are 405, a bad value or an unknown parameter is a 400
# that names it, an unknown path 404; every answer carries the four
# security headers; SIGTERM ends it with 0; and the database's bytes are
# the same after all of it (it only reads). With TLSRPT_TEST_STORE=pg,
# the same over a PostgreSQL database, its rows compared by pg_dump.
#
# Usage: test_serve.sh TLSRPT
set -u
. "$(dirname "$0")/lib.sh"
db=$(newdb t)
in="$work/in"
mkdir -p "$in"

# The golden dataset, R1 to R5 (golden_data.sh): in 2026-01-01..03-31.
golden_dataset
# For paging, 60 reports outside that period, from Pager, each on
# 2025-06-01 for p.example (sts testing, mx: *.p.example), report-id p-N,
# 100 ok and N failed: certificate-expired from 198.18.0.(100 + N) at
# mx.p.example, N = 1..60 (three-digit last octets, so the addresses sort
# the same as text and as numbers). In June 2025, failures has 60 rows,
# N failed each; reports has 60.
for n in $(seq 1 60); do
	rep "p$n.json" Pager "p-$n" 2025-06-01 "$(pol sts testing p.example 100 "$n" \
		"$(det certificate-expired "198.18.0.$((100 + n))" mx.p.example "$n")")"
done
# And one rejected input, for the quarantine.
printf 'this is not a report\n' >"$in/junk.json"
"$TLSRPT" --db "$db" import -q "$in" >/dev/null 2>&1
check "import: 65 stored, one rejected (exit 1)" 1 "$?"

# SQLite: the command's answers come from a copy, so that only the server
# touches t.db: its bytes (and its WAL's) are hashed now and after the
# test. PostgreSQL: the commands read the same database (a reader leaves
# no trace in its rows), whose rows and sequences pg_dump prints.
cli_db=$db
if on_sqlite; then
	cli_db="$work/cli.db"
	cp "$db" "$cli_db"
	[ -f "$db-wal" ] && cp "$db-wal" "$cli_db-wal"
fi
# An empty WAL is no WAL: SQLite makes one (and its -shm index) for a
# reader of a WAL database that finds none, and writes nothing to it.
sums() {
	if on_sqlite; then
		(cd "$work" && sha256sum t.db && { [ -s t.db-wal ] && sha256sum t.db-wal || echo "no WAL"; })
	else
		# pg_dump's \restrict lines carry a new random key each run
		"$pg_bin/pg_dump" --data-only -d "$db" | grep -v '^\\\(un\)\?restrict ' | sha256sum
	fi
}
sums >"$work/before.sum"
cli() { "$TLSRPT" --db "$cli_db" "$@"; }

serve_start "$db"
check "started" 0 "$?"
contains "the ready line names the URL" "$work/serve.log" \
	"tlsrpt serve: listening on http://127.0.0.1:$port/"

# The golden period (all of R1 to R5, 62 days: see the chart below), and
# the paging one.
P="since=2026-01-05&until=2026-03-07"
J="since=2025-06-01&until=2025-06-30"

# ---------------------------------------------------------------- API
# api NAME QUERY-PATH CLI-ARGS...: the API's answer is the command's.
api() {
	local name=$1 path=$2 type=application/json
	shift 2
	case "$*" in *"--format csv"*) type=text/csv ;; esac
	cli "$@" >"$work/expect" 2>/dev/null
	check "API $name: 200" 200 "$(get "$path" api)"
	same "API $name: the command's bytes" api "$work/expect"
	case "$(header Content-Type api)" in
	"$type"*) ok "API $name: $type" ;;
	*) not_ok "API $name: content type $(header Content-Type api)" ;;
	esac
}
api "summary" "/api/v1/summary" summary --format json
api "summary, the golden period" "/api/v1/summary?$P" summary --since 2026-01-01 --until 2026-03-31 --format json
api "summary --domain in any case" "/api/v1/summary?domain=A.Example." summary --domain A.Example. --format json
api "summary, two domains" "/api/v1/summary?domain=a.example&domain=c.example" summary --domain a.example --domain c.example --format json
api "summary --org --limit" "/api/v1/summary?org=Google&limit=1" summary --org Google --limit 1 --format json
api "summary on R2's boundary" "/api/v1/summary?since=2026-02-28T00:00:01Z" summary --since 2026-02-28T00:00:01Z --format json
api "summary, csv" "/api/v1/summary?format=csv" summary --format csv
api "summary, json asked" "/api/v1/summary?format=json&$P" summary --format json --since 2026-01-01 --until 2026-03-31
api "failures" "/api/v1/failures" failures --format json
for by in domain mode type mta mx ip org day mta,type,mode,day domain,mx,org; do
	api "failures by $by" "/api/v1/failures?by=$by&$P" failures --by "$by" --since 2026-01-01 --until 2026-03-31 --format json
done
api "failures by mx, csv" "/api/v1/failures?by=mx&format=csv" failures --by mx --format csv
api "failures --mode" "/api/v1/failures?mode=testing" failures --mode testing --format json
api "failures --type --by mx" "/api/v1/failures?type=certificate-expired&by=mx" failures --type certificate-expired --by mx --format json
api "failures --mta (IPv6)" "/api/v1/failures?mta=2001:db8::1" failures --mta 2001:db8::1 --format json
api "failures --mx --domain" "/api/v1/failures?mx=mx1.a.example&domain=a.example" failures --mx mx1.a.example --domain a.example --format json
api "failures --ip (none)" "/api/v1/failures?ip=&by=ip" failures --ip '' --by ip --format json
api "failures --limit" "/api/v1/failures?limit=2&$J" failures --limit 2 --since 2025-06-01 --until 2025-06-30 --format json
api "readiness (the last 30 days)" "/api/v1/readiness" readiness --format json
api "readiness, the golden period" "/api/v1/readiness?$P" readiness --since 2026-01-01 --until 2026-03-31 --format json
api "readiness up to R2" "/api/v1/readiness?since=2026-01-01&until=2026-02-28&domain=a.example" \
	readiness --since 2026-01-01 --until 2026-02-28 --domain a.example --format json
api "readiness thresholds" "/api/v1/readiness?since=2026-01-01&min-days=1&min-organizations=1&max-failure-rate=0.5" \
	readiness --since 2026-01-01 --min-days 1 --min-organizations 1 --max-failure-rate 0.5 --format json
api "readiness, csv" "/api/v1/readiness?$P&format=csv" readiness --since 2026-01-01 --until 2026-03-31 --format csv
api "reports" "/api/v1/reports" reports --format json
api "reports --domain --limit" "/api/v1/reports?domain=A.EXAMPLE&limit=1" reports --domain A.EXAMPLE --limit 1 --format json
api "reports --org" "/api/v1/reports?org=Microsoft" reports --org Microsoft --format json
api "reports --failed" "/api/v1/reports?failed=1&$P" reports --failed --since 2026-01-01 --until 2026-03-31 --format json
api "reports --mta --type" "/api/v1/reports?mta=198.51.100.9&type=tlsa-invalid" reports --mta 198.51.100.9 --type tlsa-invalid --format json
api "reports, csv" "/api/v1/reports?$P&format=csv" reports --since 2026-01-01 --until 2026-03-31 --format csv
api "quarantine" "/api/v1/quarantine" quarantine --format json
api "quarantine, csv" "/api/v1/quarantine?format=csv" quarantine --format csv
key=$(cli reports --org Microsoft --format csv | tr -d '\r' | tail -1 | cut -d, -f1)
api "report by key" "/api/v1/report/$key" show "$key"
check "API report of an unknown key: 404" 404 "$(get /api/v1/report/nope api)"
check "API unknown endpoint: 404" 404 "$(get /api/v1/nope api)"

# --------------------------------------------------------------- pages
# The overview of the golden period. Sessions: a.example 1700 + 16, b
# 300 + 2, c 50 = 2068; failed 16 + 2 = 18; 18 / 2068 = 0.870%; three
# domains; three organizations (Google, Microsoft, Mail.ru).
check "overview: 200" 200 "$(get "/?$P" overview.html)"
case "$(header Content-Type overview.html)" in
text/html*) ok "overview: text/html" ;;
*) not_ok "overview: content type $(header Content-Type overview.html)" ;;
esac
secure "overview" overview.html
check "overview: sessions" 2068 "$(page dd sessions "$work/overview.html")"
check "overview: failed" 18 "$(page dd failed "$work/overview.html")"
check "overview: failure rate" "0.87%" "$(page dd failure-rate "$work/overview.html")"
check "overview: domains" 3 "$(page dd domains "$work/overview.html")"
check "overview: organizations" 3 "$(page dd organizations "$work/overview.html")"
# The summary as test_golden.sh worked it out.
check "overview: the summary table" \
	"a.example,3,2,1700,16;b.example,1,1,300,2;c.example,1,1,50,0" \
	"$(page table summary policy_domain,reports,organizations,successful_sessions,failed_sessions "$work/overview.html")"
# Readiness over the period (test_golden.sh's, --since 2026-01-01): a.example's
# newest STS policy (R5) enforces, 3 days, 2 organizations, 1000 + 498 +
# 200 ok, 10 + 6 + 1 failed; c.example none, one day: insufficient-data.
check "overview: the readiness table" \
	"a.example,enforced,3,2,1698,17;c.example,insufficient-data,1,1,50,0" \
	"$(page table readiness policy_domain,verdict,days,organizations,successful_sessions,failed_sessions "$work/overview.html")"
for id in news silent; do
	page ids "$work/overview.html" | grep -qx "$id" && ok "overview: #$id" || not_ok "overview: #$id missing"
done
# The chart, in its viewBox units: 62 days make 31 bars of 2 days from
# 01-05 (the digest's bars: a bar is ceil(days / 31) days), so R1 (01-10)
# is bar 2, R2 (02-28) bar 27, R3 + R4 (03-05) bar 29 and R5 (03-06) bar
# 30; a slot is (720 - 56 - 56) / 31 = 19.613 wide, the plot 240 - 12 -
# 28 = 200 high, its base at y 212. The tallest bar, R1's 1010 sessions,
# fills it: ok 200 * 1000/1010 = 198.0, failed 200 * 10/1010 = 2.0, its
# top at 212 - 200 = 12.0; R2 500 and 5 of 1010: 99.0 and 1.0; 03-05
# 350 and 2: 69.3 and 0.4; R5 200 and 1: 39.6 and 0.2. The failure rate,
# 0 to the highest (10/1010 = 5/505) on the same 200: 12.0 twice, then
# 2/352 / (10/1010) = 0.5739 -> 212 - 114.8 = 97.2, 1/201 / (1/101) =
# 0.5025 -> 212 - 100.5 = 111.5; at each slot's middle, x = 56 + 19.613 *
# (i + 0.5): 105.0, 595.4, 634.6, 654.2.
check "overview: the chart" "rects ok 4 fail 4
ok heights 198.0 99.0 69.3 39.6
fail heights 2.0 1.0 0.4 0.2
top 12.0
rate 105.0,12.0 595.4,12.0 634.6,97.2 654.2,111.5" "$(page chart "$work/overview.html")"

# A domain's page: a.example in the golden period.
check "domain: 200" 200 "$(get "/domain/a.example?$P" domain.html)"
secure "domain" domain.html
check "domain: summary" "a.example,3,2,1700,16" \
	"$(page table summary policy_domain,reports,organizations,successful_sessions,failed_sessions "$work/domain.html")"
# Its failures count each policy that counts for the domain (R2's tlsa,
# not its sts): certificate-expired 6 (R1), tlsa-invalid 5 (R2),
# starttls-not-supported 3 (R1), certificate-host-mismatch 1 (R5).
check "domain: by type" \
	"certificate-expired,6,1;tlsa-invalid,5,1;starttls-not-supported,3,1;certificate-host-mismatch,1,1" \
	"$(page table by-type result_type,failed_sessions,reports "$work/domain.html")"
# mx1.a.example 6 (R1) + 5 (R2) = 11 in 2 reports, mx3.other.example 3,
# mx2.a.example 1.
check "domain: by MX" "mx1.a.example,11,2;mx3.other.example,3,1;mx2.a.example,1,1" \
	"$(page table by-mx receiving_mx_hostname,failed_sessions,reports "$work/domain.html")"
# 192.0.2.1 6, 198.51.100.9 5, 2001:db8::1 3 (R1) + 1 (R5) = 4 in 2.
check "domain: by MTA" "192.0.2.1,6,1;198.51.100.9,5,1;2001:db8::1,4,2" \
	"$(page table by-mta sending_mta_ip,failed_sessions,reports "$work/domain.html")"
check "domain: readiness" "a.example,enforce,enforced,1698,17" \
	"$(page table readiness policy_domain,policy_mode,verdict,successful_sessions,failed_sessions "$work/domain.html")"
check "domain: its reports, newest first" "g-3;m-1;g-1" \
	"$(page table reports report_id "$work/domain.html")"

# The failures page: test_golden.sh's default grouping, largest first,
# ties by key.
check "failures: 200" 200 "$(get "/failures?$P" failures.html)"
secure "failures" failures.html
check "failures: the table" \
	"192.0.2.1,certificate-expired,testing,6,1;198.51.100.9,certificate-expired,testing,6,1;198.51.100.9,tlsa-invalid,enforce,5,1;2001:db8::1,starttls-not-supported,testing,3,1;203.0.113.5,starttls-not-supported,none,2,1;2001:db8::1,certificate-host-mismatch,enforce,1,1" \
	"$(page table failures sending_mta_ip,result_type,policy_mode,failed_sessions,reports "$work/failures.html")"
check "failures: one page, no next" "" "$(page rel next "$work/failures.html")"
get "/failures?$P&by=domain" f.html >/dev/null
check "failures by domain (9 of R1's 10)" "a.example,15,3;b.example,2,1" \
	"$(page table failures policy_domain,failed_sessions,reports "$work/f.html")"
get "/failures?$P&by=mode" f.html >/dev/null
check "failures by mode" "testing,15,2;enforce,6,2;none,2,1" \
	"$(page table failures policy_mode,failed_sessions,reports "$work/f.html")"
get "/failures?$P&by=org" f.html >/dev/null
check "failures by org" "Google,10,2;Microsoft,5,1;Mail.ru,2,1" \
	"$(page table failures organization,failed_sessions,reports "$work/f.html")"
get "/failures?$P&by=day" f.html >/dev/null
check "failures by day" "2026-01-10,9,1;2026-02-28,5,1;2026-03-05,2,1;2026-03-06,1,1" \
	"$(page table failures day,failed_sessions,reports "$work/f.html")"
get "/failures?$P&mode=enforce" f.html >/dev/null
check "failures --mode enforce" "198.51.100.9,tlsa-invalid,5;2001:db8::1,certificate-host-mismatch,1" \
	"$(page table failures sending_mta_ip,result_type,failed_sessions "$work/f.html")"

# Sorting through the header's link: by sending MTA ascending, as text,
# stable: 192.0.2.1, 198.51.100.9 twice (6 then 5, their order before),
# 2001:db8::1 twice (3 then 1), 203.0.113.5.
href=$(page sortlink failures sending_mta_ip "$work/failures.html")
check "failures: the MTA header links to its sort" 0 "$?"
case "$href" in *dir=asc* | *dir=desc*) ok "the sort link names a direction" ;; *) not_ok "sort link without dir: $href" ;; esac
href=$(echo "$href" | sed 's/dir=desc/dir=asc/')
get "$href" s.html >/dev/null
check "failures sorted by MTA, ascending" \
	"192.0.2.1,6;198.51.100.9,6;198.51.100.9,5;2001:db8::1,3;2001:db8::1,1;203.0.113.5,2" \
	"$(page table failures sending_mta_ip,failed_sessions "$work/s.html")"
# Its own header link turns the order round: descending.
get "$(page sortlink failures sending_mta_ip "$work/s.html")" s2.html >/dev/null
check "the sorted column's link: descending" \
	"203.0.113.5,2;2001:db8::1,3;2001:db8::1,1;198.51.100.9,6;198.51.100.9,5;192.0.2.1,6" \
	"$(page table failures sending_mta_ip,failed_sessions "$work/s2.html")"
get "/failures?$P&sort=failed_sessions&dir=asc" s.html >/dev/null
check "failures sorted by failed sessions, ascending (stable)" "1;2;3;5;6;6" \
	"$(page table failures failed_sessions "$work/s.html")"

# Paging: June 2025's 60 rows, 50 a page, largest first: page 1 is
# N = 60..11 (198.18.0.160 .. .111), page 2 N = 10..1.
get "/failures?$J" p1.html >/dev/null
check "paging: page 1 has 50 rows" 50 "$(page rows failures "$work/p1.html")"
check "paging: page 1 first and last" "198.18.0.160,60 198.18.0.111,11" \
	"$(page table failures sending_mta_ip,failed_sessions "$work/p1.html" | tr ';' '\n' | sed -n '1p;$p' | paste -sd' ')"
check "paging: no previous page before the first" "" "$(page rel prev "$work/p1.html")"
next=$(page rel next "$work/p1.html")
case "$next" in *since=2025-06-01*until=2025-06-30* | *until=2025-06-30*since=2025-06-01*) ok "paging: next keeps the filters" ;;
*) not_ok "paging: next link $next" ;; esac
get "$next" p2.html >/dev/null
check "paging: page 2, N = 10..1" \
	"$(for n in $(seq 10 -1 1); do echo "198.18.0.$((100 + n)),$n"; done | paste -sd';')" \
	"$(page table failures sending_mta_ip,failed_sessions "$work/p2.html")"
check "paging: no page after the last" "" "$(page rel next "$work/p2.html")"
prev=$(page rel prev "$work/p2.html")
get "$prev" p1b.html >/dev/null
check "paging: previous is page 1 again" "$(page table failures sending_mta_ip "$work/p1.html")" \
	"$(page table failures sending_mta_ip "$work/p1b.html")"
# Sorted by MTA ascending, the pages follow the sort: .101 .. .150, then
# .151 .. .160.
get "/failures?$J&sort=sending_mta_ip&dir=asc" p1.html >/dev/null
check "sorted paging: page 1" "198.18.0.101,1 198.18.0.150,50" \
	"$(page table failures sending_mta_ip,failed_sessions "$work/p1.html" | tr ';' '\n' | sed -n '1p;$p' | paste -sd' ')"
get "$(page rel next "$work/p1.html")" p2.html >/dev/null
check "sorted paging: page 2 keeps the sort" "198.18.0.151,51 198.18.0.160,60 10" \
	"$(page table failures sending_mta_ip,failed_sessions "$work/p2.html" | tr ';' '\n' | sed -n '1p;$p' | paste -sd' ') $(page rows failures "$work/p2.html")"

# The reports: the golden period's five, newest first (R4 and R3 share
# a start and a report-id); June 2025's 60 on two pages.
check "reports: 200" 200 "$(get "/reports?$P" reports.html)"
secure "reports" reports.html
check "reports: the golden period's, newest first" "g-3;g-2;g-2;m-1;g-1" \
	"$(page table reports report_id "$work/reports.html")"
# Their sessions, each counted as summary counts it (R2's tlsa):
# 200 + 300 + 50 + 500 + 1000 = 2050 ok, 1 + 2 + 0 + 5 + 10 = 18 failed.
check "reports: their sessions" "2050 18" \
	"$(page table reports successful_sessions,failed_sessions "$work/reports.html" |
		tr ';' '\n' | awk -F, '{ s += $1; f += $2 } END { print s, f }')"
check "reports --failed: the four with failures" "g-3;g-2;m-1;g-1" \
	"$(get "/reports?$P&failed=1" r.html >/dev/null; page table reports report_id "$work/r.html")"
get "/reports?$J" r1.html >/dev/null
get "$(page rel next "$work/r1.html")" r2.html >/dev/null
check "reports paging: 50 and 10 rows" "50 10" "$(page rows reports "$work/r1.html") $(page rows reports "$work/r2.html")"
check "reports paging: p-1..p-60, each once" "$(seq 1 60 | sed 's/^/p-/' | sort | paste -sd' ')" \
	"$( (page table reports report_id "$work/r1.html"; page table reports report_id "$work/r2.html") | tr ';' '\n' | sort | paste -sd' ')"

# One report: g-1 (R1), its JSON as `tlsrpt show` prints it, and its
# warnings (its details add up to 9 of 10).
k1=$(cli reports --org Google --format csv | tr -d '\r' | grep ',g-1,' | cut -d, -f1)
check "report: 200" 200 "$(get "/report/$k1" report.html)"
secure "report" report.html
cli show "$k1" >"$work/show.json"
page text json "$work/report.html" >"$work/page.json"
if cmp -s "$work/show.json" "$work/page.json" || diff -q <(sed '$a\' "$work/show.json") <(sed '$a\' "$work/page.json") >/dev/null; then
	ok "report: the JSON as tlsrpt show prints it"
else
	not_ok "report: the JSON differs from tlsrpt show"
	diff "$work/show.json" "$work/page.json" | head | sed 's/^/#   /'
fi
page text warnings "$work/report.html" >"$work/warnings.txt"
contains "report: the warnings" "$work/warnings.txt" \
	"policies[0]: failure details add up to 9, total-failure-session-count is 10"
check "report: an unknown key is 404" 404 "$(get /report/999999 x.html)"

# The quarantine: the junk, its reason, its preview.
check "quarantine: 200" 200 "$(get /quarantine quarantine.html)"
secure "quarantine" quarantine.html
check "quarantine: one row" 1 "$(page rows quarantine "$work/quarantine.html")"
check "quarantine: the reason" "not gzip, JSON or a mail message" \
	"$(page table quarantine reason "$work/quarantine.html")"
page text previews "$work/quarantine.html" >"$work/preview.txt"
contains "quarantine: the preview shows the bytes" "$work/preview.txt" "this is not a report"
contains "quarantine: and their hex" "$work/preview.txt" "74 68 69 73 20 69 73"

check "style.css: 200" 200 "$(get /style.css css)"
case "$(header Content-Type css)" in text/css*) ok "style.css: text/css" ;; *) not_ok "style.css: $(header Content-Type css)" ;; esac
secure "style.css" css

# Filters kept in links: on the failures page of a.example, Google's
# reports, the golden period, every link to a page carries all four.
get "/failures?$P&domain=a.example&org=Google" f.html >/dev/null
page hrefs "$work/f.html" | python3 -c '
import sys, urllib.parse
want = {"since": ["2026-01-05"], "until": ["2026-03-07"], "domain": ["a.example"], "org": ["Google"]}
n = bad = 0
for h in sys.stdin.read().split():
    u = urllib.parse.urlsplit(h)
    if u.scheme or u.netloc or not u.path.startswith("/") or u.path.endswith(".css"):
        continue
    n += 1
    q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
    if any(q.get(k) != v for k, v in want.items()):
        bad += 1
        print("#   without the filters:", h)
print("links %s, without the filters %d" % ("many" if n > 5 else n, bad))' >"$work/links"
contains "links keep since, until, domain and org" "$work/links" "links many, without the filters 0"

# --------------------------------------------------------- the protocol
check "HEAD /: 200" 200 "$(get "/?$P" head -I)"
# Whether a body follows the headers, read off the socket itself.
check "HEAD /: no body" "headers only" "$(python3 - "$port" <<'EOF2'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"HEAD / HTTP/1.0\r\nHost: localhost\r\n\r\n")
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
head, _, body = data.partition(b"\r\n\r\n")
print("headers only" if head.startswith(b"HTTP/1.") and body == b"" else "%d bytes after the headers" % len(body))
EOF2
)"
case "$(header Content-Type head)" in text/html*) ok "HEAD: text/html" ;; *) not_ok "HEAD: $(header Content-Type head)" ;; esac
secure "HEAD" head
check "HEAD of the API: 200" 200 "$(get /api/v1/summary headapi -I)"
for m in "POST /" "PUT /api/v1/summary" "DELETE /report/$k1" "POST /api/v1/report/$k1" "PATCH /failures" "POST /quarantine"; do
	set -- $m
	check "$1 $2: 405" 405 "$(get "$2" m -X "$1" --data-binary x)"
	check "$1 $2: Allow" "GET, HEAD" "$(header Allow m)"
done
secure "405" m
check "an unknown path: 404" 404 "$(get /nope x)"
secure "404" x
# bad NAME PATH TEXT...: a 400 whose body holds each TEXT.
bad() {
	local name=$1 path=$2 t
	shift 2
	check "$name: 400" 400 "$(get "$path" bad)"
	for t in "$@"; do contains "$name: the answer names '$t'" "$work/bad" "$t"; done
}
bad "a bad date" "/?since=2026-13-45" since 2026-13-45
bad "a bad until in the API" "/api/v1/summary?until=yesterday" until yesterday
bad "an unknown parameter" "/failures?bogus=1" bogus
bad "an unknown parameter in the API" "/api/v1/failures?colour=red" colour
bad "an unknown --by key" "/failures?by=mta,colour" by colour
bad "a bad page" "/failures?page=x" page
bad "a bad format" "/api/v1/summary?format=xml" format xml
bad "a bad limit" "/api/v1/reports?limit=-1" limit
bad "a bad threshold" "/api/v1/readiness?max-failure-rate=2" max-failure-rate
secure "400" bad

serve_stop
check "SIGTERM: exit 0" 0 "$stop_rc"
sums >"$work/after.sum"
if cmp -s "$work/before.sum" "$work/after.sum"; then
	ok "the database's bytes unchanged"
else
	not_ok "the database changed"
	diff "$work/before.sum" "$work/after.sum" | sed 's/^/#   /'
fi
finish
