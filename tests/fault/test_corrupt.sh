#!/usr/bin/env bash
# test_corrupt.sh - a damaged database file: tlsrpt-httpd and tlsrpt-milter
# refuse to start, saying which file and what is wrong, instead of serving;
# tlsrpt import and tlsrpt summary stop with the same kind of message.
#
# The files, each a copy of one database of the 200 reports tlsrpt-gen
# makes with --seed 1 (134 pages of 8 KiB):
#   header   the first 100 bytes (the header) garbage: every program
#            stops at its first read, "file is not a database";
#   middle   page P = page_count / 2 = 134 / 2 = 67 (a leaf of
#            report_raw) garbage, at offset (P - 1) * page_size: read by
#            neither the summary nor an import, so only the check the
#            daemons make at start (PRAGMA quick_check, STORE_CHECK)
#            finds it: "damaged (PRAGMA quick_check: Page 67: ...)".
#            Given to the daemons alone: the CLI does not read the whole
#            file at each open (3.5 GB at a million reports, hourly from
#            cron), it stops at the first damaged page it reads, as in:
#   rollup   the root page R of rollup_policy (13) garbage: read by every
#            summary and written by every import, so those stop with
#            "database disk image is malformed"; the daemons, "damaged
#            (PRAGMA quick_check: Page 13: ...)";
#   dir      a directory where the file should be: "unable to open
#            database file (Is a directory)".
# The garbage is pseudo-random, the same each run, and its first byte is
# no page type, so sqlite3's own quick_check must name page P first (a
# check of that here too), and P and R are read from the file, not
# assumed (a "#" line shows them).
#
# For each program and file: the exit status (daemons and summary 1;
# import 75, which it gives for any database it cannot open: "import
# again later"), stderr naming "database PATH:" with the reason above,
# and for the daemons: no HTTP answer while it ran and curl's "could not
# connect" (7) after, or a milter socket that refuses a connection.
#
# And what must keep working: on the undamaged copy both daemons start
# and answer (so the refusals above are the damage's doing); a
# zero-length file is a new, empty database: the httpd stores w-1 (201),
# the milter m-1 ("stored"), the summary then counts 2 reports of 3
# successful and 1 failed session: "empty.example,2,6,2"; an import into
# another zero-length file stores 1 and exits 0.
#
# Usage: test_corrupt.sh TLSRPT TLSRPT_HTTPD TLSRPT_MILTER
set -u
TLSRPT=$1
HTTPD=$2
MILTER_BIN=$3
GEN=${TLSRPT_GEN:-$(dirname "$TLSRPT")/tlsrpt-gen}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../cli/lib.sh"

for tool in openssl curl sqlite3; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
[ -x "$GEN" ] || { echo "SKIP: tlsrpt-gen not found at $GEN"; exit 77; }
milter=1
command -v miltertest >/dev/null ||
	{ milter=0; echo "# miltertest not installed: the milter's part skipped"; }

pid=""
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; [ -n "${TLSRPT_KEEP:-}" ] || rm -rf "$work"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/server.key" \
	-out "$work/server.pem" -days 2 -subj "/CN=localhost" \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
sock="$work/milter.sock"

# says NAME FILE DB TEXT: a line of FILE names "database DB:" and holds TEXT.
says() {
	if grep -F -- "database $3:" "$2" | grep -qF -- "$4"; then
		ok "$1"
	else
		not_ok "$1: no line with 'database $3:' and '$4' in:"
		sed 's/^/#   /' "$2"
	fi
}
# healthz: the status of GET /healthz, 000 when nothing answers; curl's
# exit status in $curl_rc.
healthz() {
	curl -s -o /dev/null --max-time 5 --cacert "$work/server.pem" \
		-w '%{http_code}' "https://localhost:$port/healthz"
	curl_rc=$?
}
# httpd DB: starts tlsrpt-httpd on DB and waits up to 10 s for it to end
# by itself; stops it (SIGTERM) once it answers or the time is up. Sets
# rc, answered (HTTP answers while it ran) and after (curl's exit status
# once it is gone); stderr in $work/err.
httpd() {
	port=$((20000 + RANDOM % 20000))
	"$HTTPD" -f --listen "127.0.0.1:$port" --cert "$work/server.pem" \
		--key "$work/server.key" --db "$1" 2>"$work/err" &
	pid=$!
	answered=0
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		[ "$(healthz)" = 000 ] || { answered=$((answered + 1)); break; }
		sleep 0.1
	done
	kill "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	pid=""
	healthz >/dev/null
	after=$curl_rc
}
# probe: "connected" when the milter socket takes a connection.
probe() {
	printf 'local ok, c = pcall(mt.connect, "unix:%s", 1, 0)\nif ok and c ~= nil then print("connected") else print("refused") end\n' \
		"$sock" >"$work/probe.lua"
	miltertest -s "$work/probe.lua" 2>&1
}
# milter DB: starts tlsrpt-milter on DB, waits up to 10 s for it to end by
# itself (else stops it). Sets rc and after (probe once it is gone).
milter() {
	rm -f "$sock"
	"$MILTER_BIN" -f -p "unix:$sock" --db "$1" 2>"$work/err" &
	pid=$!
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	pid=""
	after=$(probe)
}

# refused CASE DB TEXT [CLI-TEXT]: every program refuses DB; the daemons
# say TEXT, import and summary CLI-TEXT (TEXT when not given).
refused() {
	local name=$1 db=$2 text=$3 cli=${4:-$3}
	httpd "$db"
	check "$name: httpd exits 1, no answer, no connection after" \
		"exit=1 answered=0 curl=7" "exit=$rc answered=$answered curl=$after"
	says "$name: httpd says why" "$work/err" "$db" "$text"
	if [ "$milter" = 1 ]; then
		milter "$db"
		check "$name: milter exits 1, socket refuses" "exit=1 refused" "exit=$rc $after"
		says "$name: milter says why" "$work/err" "$db" "$text"
	fi
	"$TLSRPT" --db "$db" import -q "$work/new.json" >/dev/null 2>"$work/err"
	check "$name: import exits 75" 75 "$?"
	says "$name: import says why" "$work/err" "$db" "$cli"
	"$TLSRPT" --db "$db" summary --format csv >/dev/null 2>"$work/err"
	check "$name: summary exits 1" 1 "$?"
	says "$name: summary says why" "$work/err" "$db" "$cli"
}

# garbage N: N pseudo-random bytes, the same each run (AES-CTR of zeros
# under a fixed key), so that each case meets the same fault every time.
# The first is 0xd2, which is no page type.
garbage() {
	head -c "$1" /dev/zero | openssl enc -aes-128-ctr -nosalt \
		-K 74c5a1b2e3f4d5c6b7a8990a1b2c3d4e -iv 00000000000000000000000000000000
}
# damage DB PAGE: garbage over page PAGE (1 is the first), at offset
# (PAGE - 1) * page_size.
damage() {
	local size
	size=$(sqlite3 "$1" 'PRAGMA page_size')
	garbage "$size" | dd of="$1" bs="$size" seek=$(($2 - 1)) conv=notrunc 2>/dev/null
}

"$GEN" --out "$work/gen" --count 200 --seed 1 >/dev/null
"$TLSRPT" --db "$work/base.db" import -q "$work/gen" >"$work/out"
check "base: 200 reports imported" "200 stored, 0 duplicate, 0 rejected" "$(cat "$work/out")"
report "New Org" n-1 new.example 5 0 >"$work/new.json"
pages=$(sqlite3 "$work/base.db" 'PRAGMA page_count')
mid=$((pages / 2))
root=$(sqlite3 "$work/base.db" "SELECT rootpage FROM sqlite_master WHERE name = 'rollup_policy'")
echo "# base.db: $pages pages; middle page $mid; rollup_policy's root page $root"

# The undamaged copy: both daemons start, so the refusals are the damage's.
cp "$work/base.db" "$work/good.db"
httpd "$work/good.db"
check "undamaged: httpd serves until stopped" "exit=0 curl=7" "exit=$rc curl=$after"
check "undamaged: httpd answered" 1 "$answered"
if [ "$milter" = 1 ]; then
	rm -f "$sock"
	"$MILTER_BIN" -f -p "unix:$sock" --db "$work/good.db" 2>"$work/err" &
	pid=$!
	for _ in $(seq 1 50); do
		[ -S "$sock" ] && [ "$(probe)" = connected ] && break
		sleep 0.1
	done
	check "undamaged: milter takes a connection" connected "$(probe)"
	kill "$pid"
	wait "$pid"
	check "undamaged: milter stops with 0" 0 "$?"
	pid=""
fi

# (a) The header.
cp "$work/base.db" "$work/header.db"
garbage 100 | dd of="$work/header.db" conv=notrunc 2>/dev/null
refused header "$work/header.db" "file is not a database"

# (b) A page in the middle; the root of a rollup table.
cp "$work/base.db" "$work/middle.db"
damage "$work/middle.db" "$mid"
check "middle: sqlite3's quick_check finds page $mid" "Page $mid:" \
	"$(sqlite3 "$work/middle.db" 'PRAGMA quick_check(1)' | sed -n 's/^\(Page [0-9]*:\).*/\1/p')"
httpd "$work/middle.db"
check "middle: httpd exits 1, no answer, no connection after" \
	"exit=1 answered=0 curl=7" "exit=$rc answered=$answered curl=$after"
says "middle: httpd says why" "$work/err" "$work/middle.db" "damaged (PRAGMA quick_check: Page $mid: "
if [ "$milter" = 1 ]; then
	milter "$work/middle.db"
	check "middle: milter exits 1, socket refuses" "exit=1 refused" "exit=$rc $after"
	says "middle: milter says why" "$work/err" "$work/middle.db" "damaged (PRAGMA quick_check: Page $mid: "
fi
cp "$work/base.db" "$work/rollup.db"
damage "$work/rollup.db" "$root"
refused rollup "$work/rollup.db" "damaged (PRAGMA quick_check: Page $root: " \
	"database disk image is malformed"

# (c) A directory; a zero-length file.
mkdir "$work/dir.db"
refused dir "$work/dir.db" "unable to open database file (Is a directory)"
: >"$work/empty.db"
port=$((20000 + RANDOM % 20000))
"$HTTPD" -f --listen "127.0.0.1:$port" --cert "$work/server.pem" \
	--key "$work/server.key" --db "$work/empty.db" 2>"$work/err" &
pid=$!
for _ in $(seq 1 50); do
	[ "$(healthz)" = 200 ] && break
	sleep 0.1
done
report "Web Org" w-1 empty.example 3 1 >"$work/w1.json"
check "zero-length: httpd stores w-1 (201)" 201 \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/server.pem" \
		-H 'Content-Type: application/tlsrpt+json' --data-binary "@$work/w1.json" \
		"https://localhost:$port/")"
kill "$pid"
wait "$pid"
check "zero-length: httpd stops with 0" 0 "$?"
pid=""
n=1
if [ "$milter" = 1 ]; then
	rm -f "$sock"
	"$MILTER_BIN" -f -p "unix:$sock" --db "$work/empty.db" 2>"$work/err" &
	pid=$!
	for _ in $(seq 1 50); do
		[ -S "$sock" ] && break
		sleep 0.1
	done
	message m-1 empty.example 3 1 >"$work/m1.eml"
	check "zero-length: milter stores m-1" "reply=a header=stored; org=Reporter; report-id=m-1" \
		"$(MILTER="unix:$sock" MSG="$work/m1.eml" miltertest -s "$here/../milter/send.lua" 2>&1 |
			grep -E '^(reply|header)=' | tr '\n' ' ' | cut -d';' -f1-3)"
	kill "$pid"
	wait "$pid"
	check "zero-length: milter stops with 0" 0 "$?"
	pid=""
	n=2
fi
# n reports of 3 successful and 1 failed session.
check "zero-length: summary counts them" "empty.example,$n,$((3 * n)),$n" \
	"$("$TLSRPT" --db "$work/empty.db" summary --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1,2,4,5)"
: >"$work/empty2.db"
"$TLSRPT" --db "$work/empty2.db" import -q "$work/new.json" >"$work/out"
check "zero-length: import exits 0" 0 "$?"
check "zero-length: import stores 1" "1 stored, 0 duplicate, 0 rejected" "$(cat "$work/out")"
finish
