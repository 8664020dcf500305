#!/usr/bin/env bash
# test_diskfull.sh - a full disk, for real: the database on a 4 MiB tmpfs,
# the space left taken by a filler file, then every writer asked to store
# a new report. Proves that nothing answers "stored" that is not, nothing
# stored before is lost or damaged, and every input is stored exactly once
# when it is retried after the space returns.
#
# The reports: every one names full.example with 10 successful and 1
# failed session; three organizations, one a channel: "Import Org"
# (tlsrpt import), "Web Org" (tlsrpt-httpd), "Reporter" (tlsrpt-milter,
# the organization of lib.sh's message).
#
# 1. Before: import i-1..i-3 (3 stored), POST w-1 (201), mail m-1
#    (stored): 3 + 1 + 1 = 5 reports. The -wal and -shm live beside the
#    database, on the tmpfs too: t.db 136 KiB (17 pages of 8 KiB), the
#    -wal 228 KiB (the daemons' two commits; the import's was
#    checkpointed when it closed), the -shm 32 KiB: 396 KiB of 4096.
#    The -wal stays far below the autocheckpoint (1000 pages), so it is
#    never rewound: every later commit needs new blocks (one that fitted
#    in blocks the -wal already holds would rightly succeed on a full
#    disk).
# 2. Full (df: 0 KiB available; the daemons hold the -wal and -shm open):
#    - import of i-4..i-6 exits 75, "0 stored", "COMMIT: database or
#      disk is full"; still 5 reports;
#    - POST w-2: 503 with Retry-After: 60, "tempfail" logged;
#    - mail m-2: 451 4.3.0 (miltertest's "y"), no X-TLSRPT header,
#      "tempfail: ... database or disk is full" logged;
#    - PRAGMA integrity_check: ok; the 5 report-ids i-1 i-2 i-3 m-1 w-1.
# 3. Space returns (filler removed), each input retried once:
#    - import: exit 0, "3 stored, 0 duplicate, 0 rejected";
#    - POST w-2: 201; mail m-2: accepted, "stored";
#    - 5 + 3 + 1 + 1 = 10 rows, 10 distinct report-ids, each once.
#    Retried a second time: import "0 stored, 3 duplicate, 0 rejected"
#    (exit 0), POST 200, mail "duplicate"; still 10 rows.
# 4. Full again with no daemon running (so no process holds the -shm and
#    the import's own open has to make it): import of i-7 exits 75 with
#    "disk I/O error (No space left on device)"; the -wal is empty, so
#    sqlite3 (which cannot map the -shm either) reads the file as it is
#    (immutable): still 10 reports; space returns: exit 0, "1 stored";
#    11 reports.
# 5. Totals: full.example, 11 reports, 3 organizations, 11 x 10 = 110
#    successful and 11 x 1 = 11 failed sessions; SIGTERM stops both
#    daemons with status 0; PRAGMA integrity_check: ok.
#
# Root is needed to mount the tmpfs: exits 77 ("SKIP: ...") without it.
# Without miltertest the milter's part is left out (said on a "#" line),
# and the numbers above lose m-1 and m-2.
#
# Usage: test_diskfull.sh TLSRPT TLSRPT_HTTPD TLSRPT_MILTER
set -u
TLSRPT=$1
HTTPD=$2
MILTER_BIN=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../cli/lib.sh"

for tool in openssl curl sqlite3; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: not root: cannot mount a tmpfs"; exit 77; }

mnt="$work/mnt"
db="$mnt/t.db"
hpid="" mpid=""
# stop PID-VARIABLE: SIGTERM and wait; the daemon's exit status in $rc.
stop() {
	local p=${!1}
	rc=""
	[ -n "$p" ] || return 0
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	rc=$?
	eval "$1="
}
cleanup() {
	stop hpid
	stop mpid
	mountpoint -q "$mnt" && umount "$mnt"
	[ -n "${TLSRPT_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
mkdir "$mnt"
mount -t tmpfs -o size=4m tmpfs "$mnt" 2>"$work/mount.err" ||
	{ echo "SKIP: cannot mount a tmpfs: $(cat "$work/mount.err")"; exit 77; }

# milter: 1 when miltertest can speak to the milter, else 0 (skipped).
milter=1
command -v miltertest >/dev/null ||
	{ milter=0; echo "# miltertest not installed: the milter's part skipped"; }

# fill: takes every free block of the tmpfs; prints the KiB left.
fill() {
	dd if=/dev/zero of="$mnt/filler" bs=64k 2>/dev/null
	df -k --output=avail "$mnt" | tail -1 | tr -d ' '
}
count() { sqlite3 "$db" "SELECT count(*) FROM report"; }
ids() { sqlite3 "$db" "SELECT report_id FROM report ORDER BY report_id" | tr '\n' ' '; }
import() { "$TLSRPT" --db "$db" import -q "$@" 2>>"$work/import.err"; }

# post FILE: prints the status; the headers go to $work/post.hdr.
post() {
	curl -s -o /dev/null -D "$work/post.hdr" --cacert "$work/server.pem" \
		-H 'Content-Type: application/tlsrpt+json' --data-binary "@$1" \
		-w '%{http_code}' "https://localhost:$port/v1/report"
}
# mail FILE: prints "reply=X header=..." for one message through the milter.
mail() {
	MILTER="unix:$work/milter.sock" MSG="$1" miltertest -s "$here/../milter/send.lua" 2>&1 |
		grep -E '^(reply|header)=' | tr '\n' ' ' | sed 's/ $//'
}

for i in 1 2 3 4 5 6 7; do
	report "Import Org" "i-$i" full.example 10 1 >"$work/i$i.json"
done
report "Web Org" w-1 full.example 10 1 >"$work/w1.json"
report "Web Org" w-2 full.example 10 1 >"$work/w2.json"
message m-1 full.example 10 1 >"$work/m1.eml"
message m-2 full.example 10 1 >"$work/m2.eml"

# 1. Before: 3 imported, then a report through each daemon.
import "$work"/i[123].json >"$work/out"
check "before: import exits 0" 0 "$?"
check "before: import stored 3" "3 stored, 0 duplicate, 0 rejected" "$(cat "$work/out")"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/server.key" \
	-out "$work/server.pem" -days 2 -subj "/CN=localhost" \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
port=$((20000 + RANDOM % 20000))
"$HTTPD" -f --listen "127.0.0.1:$port" --cert "$work/server.pem" \
	--key "$work/server.key" --db "$db" --path /v1/report \
	--busy-timeout 2000 2>"$work/httpd.log" &
hpid=$!
for _ in $(seq 1 50); do
	curl -s -o /dev/null --cacert "$work/server.pem" "https://localhost:$port/healthz" && break
	sleep 0.1
done
check "before: POST w-1 201" 201 "$(post "$work/w1.json")"
if [ "$milter" = 1 ]; then
	"$MILTER_BIN" -f -p "unix:$work/milter.sock" --db "$db" \
		--rcpt tls-reports@example.com --busy-timeout 2000 2>"$work/milter.log" &
	mpid=$!
	for _ in $(seq 1 50); do
		[ -S "$work/milter.sock" ] && break
		sleep 0.1
	done
	check "before: mail m-1 stored" "reply=a header=stored; org=Reporter; report-id=m-1; policy-domain=full.example; reports=1" \
		"$(mail "$work/m1.eml")"
fi
before=$((3 + 1 + milter))
check "before: reports stored" "$before" "$(count)"
want_ids="i-1 i-2 i-3 $([ "$milter" = 1 ] && echo "m-1 ")w-1 "

# 2. The disk full.
echo "# before the filler: $(du -k "$mnt"/t.db* | awk '{ printf "%s %s KiB; ", $2, $1 }' | sed "s|$mnt/||g")"
check "full: no space left (KiB)" 0 "$(fill)"
import "$work"/i[456].json >"$work/out"
check "full: import exits 75" 75 "$?"
check "full: import stored nothing" "0 stored, 0 duplicate, 0 rejected" "$(cat "$work/out")"
contains "full: import says why" "$work/import.err" "t.db: COMMIT: database or disk is full"
contains "full: import says what to do" "$work/import.err" "can be imported again later"
check "full: reports unchanged after import" "$before" "$(count)"
check "full: POST w-2 503" 503 "$(post "$work/w2.json")"
check "full: 503 carries Retry-After: 60" "Retry-After: 60" \
	"$(grep -i '^Retry-After:' "$work/post.hdr" | tr -d '\r')"
contains "full: httpd logs the tempfail" "$work/httpd.log" "tempfail"
if [ "$milter" = 1 ]; then
	check "full: mail m-2 451 (tempfail reply)" "reply=y header=" "$(mail "$work/m2.eml")"
	contains "full: milter logs the tempfail and why" "$work/milter.log" \
		"tempfail: database $db: COMMIT: database or disk is full"
fi
check "full: PRAGMA integrity_check" ok "$(sqlite3 "$db" 'PRAGMA integrity_check')"
check "full: the reports stored before are all there" "$want_ids" "$(ids)"

# 3. Space returns: each input retried, then retried again.
rm "$mnt/filler"
import "$work"/i[456].json >"$work/out"
check "space returns: import exits 0" 0 "$?"
check "space returns: import stored 3" "3 stored, 0 duplicate, 0 rejected" "$(cat "$work/out")"
check "space returns: POST w-2 201" 201 "$(post "$work/w2.json")"
if [ "$milter" = 1 ]; then
	check "space returns: mail m-2 stored" "reply=a header=stored; org=Reporter; report-id=m-2; policy-domain=full.example; reports=1" \
		"$(mail "$work/m2.eml")"
fi
after=$((before + 3 + 1 + milter))
want_ids="i-1 i-2 i-3 i-4 i-5 i-6 $([ "$milter" = 1 ] && echo "m-1 m-2 ")w-1 w-2 "
check "space returns: every report stored" "$after" "$(count)"
check "space returns: each report-id once" "$want_ids" "$(ids)"
check "space returns: no report-id twice" "" \
	"$(sqlite3 "$db" 'SELECT report_id FROM report GROUP BY organization, report_id HAVING count(*) > 1')"
import "$work"/i[456].json >"$work/out"
check "second retry: import exits 0" 0 "$?"
check "second retry: import finds 3 duplicates" "0 stored, 3 duplicate, 0 rejected" "$(cat "$work/out")"
check "second retry: POST w-2 200" 200 "$(post "$work/w2.json")"
if [ "$milter" = 1 ]; then
	check "second retry: mail m-2 duplicate" "reply=a header=duplicate; org=Reporter; report-id=m-2; policy-domain=full.example; reports=1" \
		"$(mail "$work/m2.eml")"
fi
check "second retry: reports unchanged" "$after" "$(count)"

# 4. Full with no daemon running: the import makes the -shm itself.
stop hpid
check "httpd: SIGTERM, exit 0" 0 "$rc"
if [ "$milter" = 1 ]; then
	stop mpid
	check "milter: SIGTERM, exit 0" 0 "$rc"
fi
check "no daemon: no space left (KiB)" 0 "$(fill)"
import "$work/i7.json" >"$work/out"
check "no daemon, full: import exits 75" 75 "$?"
contains "no daemon, full: import says why" "$work/import.err" "disk I/O error (No space left on device)"
# No process can map the -shm now, sqlite3 neither: the file is read as
# it is (immutable), which is all of it, the -wal being empty.
check "no daemon, full: the -wal is empty" 0 "$(stat -c %s "$db-wal" 2>/dev/null || echo 0)"
check "no daemon, full: reports unchanged" "$after" \
	"$(sqlite3 "file:$db?immutable=1" 'SELECT count(*) FROM report')"
rm "$mnt/filler"
import "$work/i7.json" >"$work/out"
check "no daemon, space returns: import exits 0" 0 "$?"
check "no daemon, space returns: import stored 1" "1 stored, 0 duplicate, 0 rejected" "$(cat "$work/out")"

# 5. Totals and the file.
n=$((after + 1))
check "totals: reports, organizations, sessions" "full.example,$n,$((2 + milter)),$((n * 10)),$n" \
	"$("$TLSRPT" --db "$db" summary --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1-5)"
check "end: PRAGMA integrity_check" ok "$(sqlite3 "$db" 'PRAGMA integrity_check')"
finish
