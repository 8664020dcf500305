#!/usr/bin/env bash
# test_quirks.sh - the quirks of newer senders through `tlsrpt import` and
# the queries, on inputs made here: a bare report named as RFC 8460 §5.3
# says without policy-domain (Postfix's reporter), the same as an
# attachment, a misspelled key (SocketLabs), a CR in policy strings
# (Google), a failure detail without sending-mta-ip (Microsoft, 2025), a
# DANE policy whose domain is an MX host.
#
# Usage: test_quirks.sh TLSRPT
set -u
TLSRPT=$1
. "$(dirname "$0")/lib.sh"
db="$work/t.db"
in="$work/in"
mkdir -p "$in"
q() { "$TLSRPT" --db "$db" "$@"; }
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 missing"; exit 0; }
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 missing"; exit 0; }

head_json() { # ORG ID DAY
	printf '"organization-name":"%s","date-range":{"start-datetime":"%sT00:00:00Z","end-datetime":"%sT23:59:59Z"},"contact-info":"x@y","report-id":"%s"' \
		"$1" "$3" "$3" "$2"
}

# P: Postfix, no-policy-found without policy-domain, 7/0, in a file named
#   sender!policy-domain!begin!end!id.json: the domain is p.example.
printf '{%s,"policies":[{"policy":{"policy-type":"no-policy-found"},"summary":{"total-successful-session-count":7,"total-failure-session-count":0}}]}\n' \
	"$(head_json Postfix p-1 2026-06-01)" >"$in/mx.sender.example!p.example!1780272000!1780358399!p-1.json"
# A: the same kind of report as a mail attachment named by §5.3, 5/0,
#   domain a.example (no TLS-Report-Domain header).
{
	printf 'From: r@sender.example\nTo: tls@a.example\nSubject: Report\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=tlsrpt; boundary="B"\n\n--B\nContent-Type: text/plain\n\nreport\n--B\nContent-Type: application/tlsrpt+gzip\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="sender.example!a.example!1780272000!1780358399.json.gz"\n\n'
	printf '{%s,"policies":[{"policy":{"policy-type":"no-policy-found"},"summary":{"total-successful-session-count":5,"total-failure-session-count":0}}]}\n' \
		"$(head_json Postfix a-1 2026-06-01)" | gzip -c | base64
	printf '\n--B--\n'
} >"$in/a.eml"
# S: SocketLabs, s.example sts enforce 12/2, its detail names the MX under
#   receiving-mx-host-name; Google's CRLF policy strings ("mode: enforce\r").
printf '{%s,"policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1\\r","mode: enforce\\r","mx: mx.s.example\\r","max_age: 86400\\r"],"policy-domain":"s.example","mx-host":["mx.s.example"]},"summary":{"total-successful-session-count":12,"total-failure-session-count":2},"failure-details":[{"result-type":"certificate-host-mismatch","sending-mta-ip":"203.0.113.7","receiving-mx-host-name":"mx.s.example","failed-session-count":2}]}]}\n' \
	"$(head_json SocketLabs s-1 2026-06-01)" >"$in/s.json"
# M: Microsoft, m.example sts testing 10/4: 3 certificate-expired without
#   sending-mta-ip, 1 from 198.51.100.2. And a DANE policy whose domain is
#   the MX host mx.m.example, tlsa 6/0.
printf '{%s,"policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: mx.m.example","max_age: 86400"],"policy-domain":"m.example"},"summary":{"total-successful-session-count":10,"total-failure-session-count":4},"failure-details":[{"result-type":"certificate-expired","receiving-mx-hostname":"mx.m.example","failed-session-count":3},{"result-type":"certificate-expired","sending-mta-ip":"198.51.100.2","receiving-mx-hostname":"mx.m.example","failed-session-count":1}]},{"policy":{"policy-type":"tlsa","policy-string":["3 1 1 AA"],"policy-domain":"mx.m.example"},"summary":{"total-successful-session-count":6,"total-failure-session-count":0}}]}\n' \
	"$(head_json Microsoft m-1 2026-06-01)" >"$in/m.json"

q import -q "$in" >"$work/import.out" 2>&1
check "import: all stored" "4 stored, 0 duplicate, 0 rejected" "$(tail -1 "$work/import.out")"

# The §5.3 names gave the domains; each fallback is recorded.
check "summary: domains and totals" \
	"a.example,1,5,0;m.example,1,10,4;mx.m.example,1,6,0;p.example,1,7,0;s.example,1,12,2" \
	"$(q summary --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1,2,4,5 | paste -sd';')"
warn_of() { # REPORT-ID: its warnings, one a line
	sqlite3 "$db" "SELECT warnings FROM report WHERE report_id = '$1'"
}
contains_text() { # NAME TEXT HAYSTACK
	case "$3" in
	*"$2"*) ok "$1" ;;
	*) not_ok "$1: '$2' not in:"; printf '%s\n' "$3" | sed 's/^/#   /' ;;
	esac
}
contains_text "bare file: domain from the file name" \
	"policies[0].policy.policy-domain: missing, taken from the file name (RFC 8460 §5.3)" \
	"$(warn_of p-1)"
contains_text "attachment: domain from its file name" \
	"policies[0].policy.policy-domain: missing, taken from the file name (RFC 8460 §5.3)" \
	"$(warn_of a-1)"
contains_text "misspelled key named with its path" \
	"policies[0].failure-details[0].receiving-mx-host-name: unknown key, ignored (meant receiving-mx-hostname?)" \
	"$(warn_of s-1)"
contains_text "CR trimmed" \
	"policies[0].policy.policy-string: whitespace around an element trimmed" \
	"$(warn_of s-1)"
# The trimmed mode: enforce, not unknown.
check "mode read through the CR" "s.example,enforce" \
	"$(q summary --domain s.example --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1,8)"
# The MX of the misspelled key is lost (that is what the warning says).
check "host mismatch without its MX" "certificate-host-mismatch,,2,1" \
	"$(csv q failures --by type,mx --domain s.example)"

# No sending-mta-ip: (none) in the table, null in JSON, empty in CSV.
# m.example: certificate-expired 3 without, 1 from 198.51.100.2.
q failures --by mta,type --domain m.example --format table >"$work/t.txt"
check "table: (none) for the missing MTA" "(none) certificate-expired 3 1" \
	"$(awk 'NR == 2 { print $1, $2, $3, $4 }' "$work/t.txt")"
check "json: null for the missing MTA" "None,certificate-expired,3;198.51.100.2,certificate-expired,1" \
	"$(q failures --by mta,type --domain m.example --format json | python3 -c '
import json, sys
print(";".join("%s,%s,%d" % (r["sending_mta_ip"], r["result_type"], r["failed_sessions"]) for r in json.load(sys.stdin)))')"
check "csv: empty for the missing MTA" ",certificate-expired,3,1;198.51.100.2,certificate-expired,1,1" \
	"$(csv q failures --by mta,type --domain m.example)"

# A DANE policy domain that is an MX host: its row says tlsa.
q summary --format table >"$work/s.txt"
check "summary table: the MX host's row says tlsa" "mx.m.example tlsa enforce" \
	"$(awk '$1 == "mx.m.example" { print $1, $7, $8 }' "$work/s.txt")"

# quarantine retry names the input by its source, the path: a §5.3 name
# still gives the domain. The input is quarantined by hand, as an older
# version that rejected it would have left it: Postfix, no-policy-found
# without policy-domain, 3/0, r.example.
rname="$in/sender.example!r.example!1780272000!1780358399.json"
printf '{%s,"policies":[{"policy":{"policy-type":"no-policy-found"},"summary":{"total-successful-session-count":3,"total-failure-session-count":0}}]}' \
	"$(head_json Postfix r-1 2026-06-01)" >"$rname"
hex=$(od -An -tx1 -v "$rname" | tr -d ' \n')
sum=$(sha256sum "$rname" | cut -d' ' -f1)
sqlite3 "$db" "INSERT INTO quarantine (received_time, last_seen, count,
  channel, source, reason, bytes, digest) VALUES (1780272000, 1780272000, 1,
  'import', '$rname', 'an older rejection', X'$hex', X'$sum')"
q quarantine retry >"$work/retry.out" 2>&1
check "retry stores it" "1 stored, 0 duplicate, 0 still rejected" "$(tail -1 "$work/retry.out")"
check "retry: the domain from the file name" "r.example,1,3,0" \
	"$(q summary --domain r.example --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1,2,4,5)"

finish
