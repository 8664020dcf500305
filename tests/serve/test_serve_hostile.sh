#!/usr/bin/env bash
# test_serve_hostile.sh - what a stranger's report (RFC 8460 §7: anyone
# can send one) can put on the pages of `tlsrpt serve`: an organization,
# report-ids, hostnames, a policy domain, result types and failure reasons
# carrying a script element, attribute-breaking quotes with an onerror
# handler, a javascript: URL and control characters; a quarantined input
# of the same, under a file name of the same. Every page that shows them,
# every page linked from those, and the filters reflected from the query
# string are parsed with Python's html.parser (page.py safe): no script
# element, no on* attribute, no javascript: URL, no raw control byte; the
# markup shows as text. Every API answer parses as JSON and is the
# command's bytes.
#
# Usage: test_serve_hostile.sh TLSRPT
set -u
. "$(dirname "$0")/lib.sh"
db="$work/h.db"
in="$work/in"
mkdir -p "$in"

S='<script>alert(1)</script>'
Q="\"'><img src=x onerror=alert(1)>"
J='javascript:alert(1)'
# H1 2026-03-01 and H2 2026-03-02, one organization: S Q and controls
# (SOH, ESC [31m, DEL, NEL, RLO). H1: report-id Q J, for h.example (sts
# testing, mx: J); H2: report-id dom-S, for the policy domain S.example.
# Each: 5 ok, 3 failed: result type S from 192.0.2.7 at MX J (HELO Q),
# reason controls + S, additional information J, 2 sessions; result type
# Q at MX Q, reason Q, 1 session.
python3 - "$in" "$S" "$Q" "$J" <<'EOF'
import json, sys
d, S, Q, J = sys.argv[1:]
C = "ctl\x01\x1b[31m\x7f\u0085\u202e"
def report(day, rid, domain):
    return {"organization-name": S + Q + C,
            "date-range": {"start-datetime": day + "T00:00:00Z", "end-datetime": day + "T23:59:59Z"},
            "contact-info": J, "report-id": rid,
            "policies": [{"policy": {"policy-type": "sts", "policy-domain": domain,
                                     "policy-string": ["version: STSv1", "mode: testing", "mx: " + J, "max_age: 86400"],
                                     "mx-host": [J]},
                          "summary": {"total-successful-session-count": 5, "total-failure-session-count": 3},
                          "failure-details": [
                              {"result-type": S, "sending-mta-ip": "192.0.2.7", "receiving-mx-hostname": J,
                               "receiving-mx-helo": Q, "failed-session-count": 2,
                               "failure-reason-code": C + S, "additional-information": J},
                              {"result-type": Q, "sending-mta-ip": "192.0.2.8", "receiving-mx-hostname": Q,
                               "failed-session-count": 1, "failure-reason-code": Q}]}]}
json.dump(report("2026-03-01", Q + J, "h.example"), open(d + "/h1.json", "w"))
json.dump(report("2026-03-02", "dom-" + S, S + ".example"), open(d + "/h2.json", "w"))
EOF
# The rejected input: the markup and a control byte, in a file whose name
# holds the quotes and the img element (a name has no '/') and an ESC.
printf '%s%s%s\001\n' "$S" "$Q" "$J" >"$in/$Q$(printf '\033').json"
"$TLSRPT" --db "$db" import -q "$in" >/dev/null 2>&1
check "import: 2 stored, 1 rejected (exit 1)" 1 "$?"
check "both stored" 2 "$("$TLSRPT" --db "$db" reports --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
cli() { "$TLSRPT" --db "$db" "$@"; }

serve_start "$db"
check "started" 0 "$?"
H="since=2026-02-24&until=2026-03-02"

# safe NAME FILE: nothing in the page could run.
safe() {
	page safe "$2" >"$work/unsafe" 2>&1
	if [ $? -eq 0 ] && [ ! -s "$work/unsafe" ]; then
		ok "$1: nothing could run"
	else
		not_ok "$1: unsafe"
		sed 's/^/#   /' "$work/unsafe" | head -n 10
	fi
}
# shows NAME FILE TEXT: TEXT is in the page as text.
shows() { check "$1: shows $(printf %q "$3") as text" yes "$(page hastext "$3" "$2")"; }

# The pages that show the reports.
n=0
fetch() { # NAME PATH EXPECTED-STATUS: fetched into $work/pN.html
	n=$((n + 1))
	check "$1: $3" "$3" "$(get "$2" "p$n.html")"
	echo "$2" >>"$work/fetched"
	safe "$1" "$work/p$n.html"
	last="$work/p$n.html"
}
fetch "overview" "/?$H" 200
shows "overview" "$last" "$S.example"
shows "overview: news" "$last" "$J"
fetch "failures by domain,type,mx,org" "/failures?$H&by=domain,type,mx,org" 200
shows "failures" "$last" "$S"
shows "failures" "$last" "$Q"
shows "failures" "$last" "$J"
shows "failures" "$last" "$S$Q"
fetch "failures" "/failures?$H" 200
fetch "domain h.example" "/domain/h.example?$H" 200
shows "domain h.example" "$last" "$Q$J"
fetch "reports" "/reports?$H" 200
shows "reports" "$last" "$S$Q"
shows "reports" "$last" "dom-$S"
for k in $(cli reports --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1); do
	fetch "report $k" "/report/$k" 200
	# JSON escapes C0 controls (\u0001) but not DEL, which HTML does
	# not allow, nor C1 controls and the bidi controls that reorder what
	# is shown (U+202E): the page shows each as U+FFFD.
	cli show "$k" | python3 -c 'import re, sys; sys.stdout.write(re.sub("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028-\u202e\u2066-\u2069]", "\ufffd", sys.stdin.read()))' >"$work/show.json"
	page text json "$last" >"$work/page.json"
	if cmp -s "$work/show.json" "$work/page.json"; then
		ok "report $k: the JSON as tlsrpt show prints it, as text"
	else
		not_ok "report $k: the JSON differs from tlsrpt show"
		diff "$work/show.json" "$work/page.json" | head | sed 's/^/#   /'
	fi
	shows "report $k: a warning" "$last" "unknown value"
done
fetch "quarantine" "/quarantine" 200
shows "quarantine: its source" "$last" "$Q"
shows "quarantine: its preview" "$last" "$S$Q$J"
# What the query string carries comes back in the filters form and every
# link: as text and encoded.
fetch "filters reflected" "/failures?since=2026-02-24&domain=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$Q")&org=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$S$J")" 200
fetch "a domain named by markup" "/domain/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$S$Q")?$H" 200
shows "a domain named by markup: its title" "$last" "$S$Q"
fetch "a sort key of markup (400)" "/failures?sort=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$S")" 400

# Every page those link to, once: the domain S.example's page through
# its link, each report, the sort and paging links.
for f in "$work"/p*.html; do page hrefs "$f"; done | sort -u |
	grep -v '^/style.css$' | grep '^/' >"$work/links"
check "links to follow: some" 1 "$([ "$(wc -l <"$work/links")" -gt 10 ] && echo 1)"
bad=0 seen=0
while IFS= read -r href; do
	grep -qxF -- "$href" "$work/fetched" && continue
	seen=$((seen + 1))
	code=$(curl -s -o "$work/l.html" -w '%{http_code}' "$base$href")
	page safe "$work/l.html" >"$work/unsafe" 2>&1
	if [ "$code" != 200 ] || [ -s "$work/unsafe" ]; then
		bad=$((bad + 1))
		echo "#   $href: $code $(head -c 200 "$work/unsafe")"
	fi
done <"$work/links"
check "every linked page: 200 and nothing could run" "0 of $seen" "$bad of $seen"
grep -q "^/domain/%3Cscript%3Ealert%281%29%3C%2Fscript%3E.example?" "$work/links" &&
	ok "the domain S.example linked, its name encoded" || not_ok "no link to the domain S.example"

# The API: JSON that parses, the command's bytes.
api() { # NAME PATH CLI-ARGS...
	local name=$1 path=$2
	shift 2
	cli "$@" >"$work/expect" 2>/dev/null
	check "API $name: 200" 200 "$(get "$path" api)"
	same "API $name: the command's bytes" api "$work/expect"
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/api" 2>/dev/null &&
		ok "API $name: parses" || not_ok "API $name: not JSON"
}
api summary "/api/v1/summary?$H" summary --since 2026-02-24 --until 2026-03-02 --format json
api "failures by domain,type,mx,org" "/api/v1/failures?by=domain,type,mx,org" failures --by domain,type,mx,org --format json
api failures "/api/v1/failures" failures --format json
api readiness "/api/v1/readiness?$H" readiness --since 2026-02-24 --until 2026-03-02 --format json
api reports "/api/v1/reports" reports --format json
api quarantine "/api/v1/quarantine" quarantine --format json
for k in $(cli reports --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1); do
	api "report $k" "/api/v1/report/$k" show "$k"
done
org=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$S$Q")
check "API filtered by a hostile organization: 200" 200 "$(get "/api/v1/reports?org=$org" api)"
check "API filtered by a hostile organization: none (the name is longer)" "[]" "$(tr -d '\n' <"$work/api")"
check "the organization round-trips through JSON" "$S$Q" \
	"$(cli reports --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["organization"][:len(sys.argv[1])])' "$S$Q")"

serve_stop
check "SIGTERM: exit 0" 0 "$stop_rc"
finish
