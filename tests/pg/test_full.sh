#!/usr/bin/env bash
# test_full.sh - a full PostgreSQL database, for real (issue 21, "Faults"):
# the database's tables in a tablespace on a 16 MiB tmpfs, the space left
# taken by a filler file, then every writer asked to store a new report.
# Proves that a full disk is a tempfail (import exit 75, HTTPS 503,
# milter 451), that nothing answers "stored" that is not, that nothing
# stored before is lost or half-stored, and that every input is stored
# exactly once when it is retried after the space returns.
#
# Why a tablespace on a tmpfs: PostgreSQL then fails as on a full disk,
# "could not extend file ...: No space left on device" (SQLSTATE 53100),
# an ERROR of the one transaction; the server's own directory (the WAL,
# the catalogs) stays on the roomy disk, so the server goes on serving.
# A role's temp_file_limit covers temporary files only, not table data,
# and PostgreSQL has no per-role quota. Mounting the tmpfs needs root
# (as in CI): exits 77 ("skip: ...") without it.
#
# The database is made with default_tablespace = the small one, before
# the store makes its tables, so that all of them (and the partitions
# the writers add by month) are there. Each report is big and does not
# compress (40 policy-string lines of 3000 random hex digits, 120 KB):
# storing one needs new pages, which a full disk refuses (a small one
# could rightly fit in free space of pages the tables already hold).
#
# The reports: every one names full.example with 10 successful and 0
# failed sessions; "Import Org" (tlsrpt import), "Web Org"
# (tlsrpt-httpd), "Mail Org" (tlsrpt-milter).
#
# 1. Before: import i-1..i-3 (3 stored), POST w-1 (201), mail m-1
#    (stored): 3 + 1 + 1 = 5 reports.
# 2. Full (df: 0 KiB available):
#    - import of i-4..i-6 exits 75, nothing printed stored, "No space
#      left on device" said; still 5 reports;
#    - POST w-2: 503 with Retry-After; mail m-2: 451 (miltertest "y");
#      both daemons log the tempfail;
#    - the 5 report-ids i-1 i-2 i-3 m-1 w-1, each whole (bytes, policy).
# 3. Space returns (filler removed), each input retried once, the
#    daemons still the same processes:
#    - import: exit 0, "3 stored, 0 duplicate, 0 rejected";
#    - POST w-2: 201; mail m-2: accepted, "stored";
#    - 5 + 3 + 1 + 1 = 10 reports, each once.
#    Retried a second time: import "0 stored, 3 duplicate, 0 rejected"
#    (exit 0), POST 200, mail "duplicate"; still 10 reports.
# 4. Totals: full.example, 10 reports, 3 organizations, 10 x 10 = 100
#    successful sessions; the rollups equal their rebuild from the detail
#    rows; SIGTERM stops both daemons with status 0.
#
# Usage: test_full.sh TLSRPT TLSRPT_HTTPD TLSRPT_MILTER [TLSRPT_GEN]
# TLSRPT_KEEP=1 keeps the work directory (the tmpfs is unmounted).
set -u
# cli/lib.sh, through fault/lib.sh, starts the server and skips (77)
# without PostgreSQL 15.
# shellcheck disable=SC2034 # read by cli/lib.sh
TLSRPT_TEST_STORE=pg
for tool in openssl curl miltertest xxd; do
	command -v "$tool" >/dev/null || { echo "skip: $tool not installed"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "skip: not root: cannot mount a tmpfs"; exit 77; }
. "$(dirname "$0")/../fault/lib.sh"

hpid="" mpid="" mnt=""
# stop PID-VARIABLE: SIGTERM and wait; the daemon's exit status in rc.
stop() {
	local p=${!1}
	rc=""
	[ -n "$p" ] || return 0
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	rc=$?
	eval "$1="
}
# cleanup: the daemons, then the server (it holds files on the tmpfs),
# then the tmpfs.
cleanup() {
	local d=$pg_dir
	stop hpid
	stop mpid
	# Its directory holds the mount point: removed once unmounted.
	pg_stop 2>/dev/null
	if [ -n "$mnt" ] && mountpoint -q "$mnt"; then
		umount "$mnt"
		[ -n "${TLSRPT_KEEP:-}" ] || rm -rf "$d"
	fi
}
at_exit cleanup

# The tmpfs inside the server's directory, which its owner (nobody when
# we are root) can enter, owned by that owner as a tablespace must be.
mnt="$pg_dir/small"
mkdir "$mnt"
if ! mount -t tmpfs -o size=16m,mode=0700 tmpfs "$mnt" 2>"$work/mount.err"; then
	echo "skip: cannot mount a tmpfs: $(cat "$work/mount.err")"
	mnt=""
	exit 77
fi
chown nobody: "$mnt"
"$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -d postgres \
	-c "CREATE TABLESPACE small LOCATION '$mnt'" >&2 ||
	{ not_ok "CREATE TABLESPACE"; finish; exit; }
db=$(newdb nospace) || { not_ok "no database"; finish; exit; }
dbq "$db" "ALTER DATABASE nospace SET default_tablespace = small" ||
	{ not_ok "ALTER DATABASE"; finish; exit; }

# big ORG ID: a report of 120 KB that does not compress.
big() {
	local ps i
	ps=$(for i in $(seq 1 40); do
		printf '"pad: %s",' "$(head -c 1500 /dev/urandom | xxd -p | tr -d '\n')"
	done)
	printf '{"organization-name":"%s","date-range":{"start-datetime":"2026-03-01T00:00:00Z","end-datetime":"2026-03-01T23:59:59Z"},"contact-info":"tls@x.example","report-id":"%s","policies":[{"policy":{"policy-type":"sts","policy-string":[%s"version: STSv1","mode: testing","mx: mx1.full.example","max_age: 86400"],"policy-domain":"full.example","mx-host":["mx1.full.example"]},"summary":{"total-successful-session-count":10,"total-failure-session-count":0}}]}\n' \
		"$1" "$2" "$ps"
}
# bigmail ID: big "Mail Org" ID as a report mail (gzip, base64).
bigmail() {
	printf 'From: noreply@reporter.example\nTo: tls@full.example\nSubject: Report Domain: full.example\nTLS-Report-Domain: full.example\nTLS-Report-Submitter: reporter.example\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=tlsrpt; boundary="XX"\n\n--XX\nContent-Type: text/plain\n\nA report.\n\n--XX\nContent-Type: application/tlsrpt+gzip\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="r.json.gz"\n\n'
	big "Mail Org" "$1" | gzip -c | base64
	printf '\n--XX--\n'
}
for i in 1 2 3 4 5 6; do
	big "Import Org" "i-$i" >"$work/i$i.json"
done
big "Web Org" w-1 >"$work/w1.json"
big "Web Org" w-2 >"$work/w2.json"
bigmail m-1 >"$work/m1.eml"
bigmail m-2 >"$work/m2.eml"

# fill: takes every free block of the tmpfs; prints the KiB left.
fill() {
	dd if=/dev/zero of="$mnt/filler" bs=64k 2>/dev/null
	df -k --output=avail "$mnt" | tail -1 | tr -d ' '
}
count() { dbq "$db" "SELECT count(*) FROM report"; }
ids() { dbq "$db" "SELECT report_id FROM report ORDER BY report_id" | tr '\n' ' '; }
import() { "$TLSRPT" --db "$db" import -q "$@" 2>>"$work/import.err"; }
# post FILE: prints the status; the headers go to $work/post.hdr.
post() {
	curl -s -o /dev/null -D "$work/post.hdr" --cacert "$work/server.pem" \
		-H 'Content-Type: application/tlsrpt+json' --data-binary "@$1" \
		-w '%{http_code}' "https://localhost:$port/"
}
# mail FILE: "reply=X header=..." for one message through the milter.
mail() {
	MILTER="unix:$work/milter.sock" MSG="$1" miltertest -s "$here/../milter/send.lua" 2>&1 |
		grep -E '^(reply|header)=' | tr '\n' ' ' | sed 's/ $//'
}
# whole: each report with its bytes and a policy.
whole() {
	dbq "$db" "SELECT count(*) FROM report r
	  WHERE NOT EXISTS (SELECT 1 FROM policy p WHERE p.report = r.id)
	     OR NOT EXISTS (SELECT 1 FROM report_raw w WHERE w.report = r.id)"
}
stored() {
	echo "reply=a header=stored; org=Mail Org; report-id=$1; policy-domain=full.example; reports=1"
}

# 1. Before: 3 imported, then a report through each daemon.
import "$work"/i[123].json >"$work/out"
check "before: import exits 0" 0 "$?"
check "before: import stored 3" "3 stored, 0 duplicate, 0 rejected" "$(cat "$work/out")"
mkcert
port=$(free_port)
"$HTTPD" -f --listen "127.0.0.1:$port" --cert "$work/server.pem" \
	--key "$work/server.key" --db "$db" --busy-timeout 2000 2>"$work/httpd.log" &
hpid=$!
for _ in $(seq 1 100); do
	curl -s -o /dev/null --cacert "$work/server.pem" "https://localhost:$port/healthz" && break
	sleep 0.1
done
check "before: POST w-1 201" 201 "$(post "$work/w1.json")"
"$MILTER_BIN" -f -p "unix:$work/milter.sock" --db "$db" \
	--rcpt tls-reports@example.com --busy-timeout 2000 2>"$work/milter.log" &
mpid=$!
for _ in $(seq 1 100); do
	[ -S "$work/milter.sock" ] && break
	sleep 0.1
done
check "before: mail m-1 stored" "$(stored m-1)" "$(mail "$work/m1.eml")"
check "before: 3 + 1 + 1 reports" 5 "$(count)"
want_ids="i-1 i-2 i-3 m-1 w-1 "
echo "# before the filler: $(df -k --output=used "$mnt" | tail -1 | tr -d ' ') KiB of the tablespace used"

# 2. The disk full.
check "full: no space left (KiB)" 0 "$(fill)"
import "$work"/i[456].json >"$work/out"
check "full: import exits 75" 75 "$?"
check "full: import printed nothing stored" 0 "$(grep -c '^stored\|^[1-9][0-9]* stored' "$work/out")"
contains "full: import says why" "$work/import.err" "No space left on device"
sed 's/^/#   import: /' "$work/import.err" | tail -2
check "full: reports unchanged after import" 5 "$(count)"
check "full: POST w-2 503" 503 "$(post "$work/w2.json")"
check "full: 503 carries Retry-After" yes \
	"$(grep -qi '^Retry-After:' "$work/post.hdr" && echo yes || echo no)"
contains "full: httpd logs the tempfail" "$work/httpd.log" "tempfail"
check "full: mail m-2 451 (tempfail reply)" "reply=y header=" "$(mail "$work/m2.eml")"
contains "full: milter logs the tempfail and why" "$work/milter.log" "No space left on device"
check "full: the reports stored before are all there" "$want_ids" "$(ids)"
check "full: each of them whole" 0 "$(whole)"

# 3. Space returns: each input retried, then retried again.
rm "$mnt/filler"
import "$work"/i[456].json >"$work/out"
check "space returns: import exits 0" 0 "$?"
check "space returns: import stored 3" "3 stored, 0 duplicate, 0 rejected" "$(cat "$work/out")"
check "space returns: POST w-2 201, same tlsrpt-httpd" 201 "$(post "$work/w2.json")"
check "space returns: mail m-2 stored, same tlsrpt-milter" "$(stored m-2)" "$(mail "$work/m2.eml")"
want_ids="i-1 i-2 i-3 i-4 i-5 i-6 m-1 m-2 w-1 w-2 "
check "space returns: 5 + 3 + 1 + 1 reports" 10 "$(count)"
check "space returns: each report-id once" "$want_ids" "$(ids)"
import "$work"/i[456].json >"$work/out"
check "second retry: import exits 0" 0 "$?"
check "second retry: import finds 3 duplicates" "0 stored, 3 duplicate, 0 rejected" "$(cat "$work/out")"
check "second retry: POST w-2 200" 200 "$(post "$work/w2.json")"
check "second retry: mail m-2 duplicate" \
	"$(stored m-2 | sed 's/=stored;/=duplicate;/')" "$(mail "$work/m2.eml")"
check "second retry: reports unchanged" 10 "$(count)"

# 4. Totals.
check "totals: reports, organizations, sessions" "full.example,10,3,100,0" \
	"$("$TLSRPT" --db "$db" summary --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1-5)"
check "end: each report whole" 0 "$(whole)"
check_rollups "end" "$db"
stop hpid
check "httpd: SIGTERM, exit 0" 0 "$rc"
stop mpid
check "milter: SIGTERM, exit 0" 0 "$rc"
if grep -q Sanitizer "$work"/*.log "$work"/import.err 2>/dev/null; then
	not_ok "sanitizer reports:"
	grep -h -A5 Sanitizer "$work"/*.log "$work"/import.err | head -20 | sed 's/^/#   /'
else
	ok "no sanitizer reports"
fi
finish
