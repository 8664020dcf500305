#!/usr/bin/env bash
# test_upgrade.sh - explicit schema upgrades, against a tlsrpt built from
# the last commit before schema/005-identity-quota.sql (schema 4), as the
# silent upgrade of issue 16 §5 was found:
#   - the old tlsrpt makes and fills a database (schema 4);
#   - the new summary, import and both daemons refuse it (exit 78), naming
#     'tlsrpt upgrade --db PATH', and the file is left as it was;
#   - 'tlsrpt upgrade' says from which version to which, makes a backup
#     (schema 4, still read by the old tlsrpt) and migrates; the new
#     summary then equals the one the old tlsrpt printed; run again, it has
#     nothing to do; the old tlsrpt now refuses the database;
#   - a running tlsrpt-httpd and tlsrpt-milter, when the schema version
#     changes under them (PRAGMA user_version set one higher by sqlite3),
#     answer 503 and 451 with a log line saying to restart them, store
#     nothing, and store again once the version is theirs.
#
# Usage: test_upgrade.sh TLSRPT TLSRPT_HTTPD TLSRPT_MILTER SOURCE_DIR
# Skips (77) without the git history (a shallow clone) or sqlite3, curl.
set -u
TLSRPT=$1
HTTPD=$2
MILTER_BIN=$3
SRC=$4
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

for t in git sqlite3 curl; do
	command -v "$t" >/dev/null || { echo "SKIP: $t needed"; exit 77; }
done
added=$(git -C "$SRC" log --diff-filter=A --format=%H -- \
	schema/005-identity-quota.sql 2>/dev/null | tail -n 1)
old=$(git -C "$SRC" rev-parse -q --verify "${added:-none}^" 2>/dev/null)
if [ -z "$added" ] || [ -z "$old" ]; then
	echo "SKIP: no git history in $SRC (the commit before schema 005 is needed)"
	exit 77
fi

pid=""
mpid=""
stop_daemons() {
	[ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
	[ -n "$mpid" ] && { kill "$mpid" 2>/dev/null; wait "$mpid" 2>/dev/null; }
	pid="" mpid=""
}
trap 'stop_daemons; [ -n "${TLSRPT_KEEP:-}" ] || rm -rf "$work"' EXIT

# The old tlsrpt: Release, that target alone, from the commit's tree.
echo "# building tlsrpt at ${old:0:12} (schema 4)"
mkdir "$work/old-src"
git -C "$SRC" archive "$old" | tar -x -C "$work/old-src"
if ! { cmake -S "$work/old-src" -B "$work/old-build" -DCMAKE_BUILD_TYPE=Release \
	-DTLSRPT_WERROR=OFF >"$work/old-build.log" 2>&1 &&
	cmake --build "$work/old-build" --target tlsrpt -j2 >>"$work/old-build.log" 2>&1; }; then
	not_ok "the old tlsrpt builds"
	tail -n 20 "$work/old-build.log" | sed 's/^/#   /'
	finish
	exit 1
fi
OLD=$work/old-build/tlsrpt

db=$work/t.db
ver() { sqlite3 "$1" 'PRAGMA user_version'; }
# This tree's schema version (L, its newest step) and the one after it (N).
L=$(find "$here/../../schema" -maxdepth 1 -name '[0-9][0-9][0-9]-*.sql' | wc -l)
N=$((L + 1))
sum_csv() { "$@" summary --format csv | tr -d '\r'; }

# 1. The old tlsrpt fills a database: by hand, one.example 2 reports of
# Org A (10 + 5 successful, 2 + 0 failed), two.example 1 of Org B (7, 3),
# and one input that is no report, quarantined.
report "Org A" a-1 one.example 10 2 >"$work/a1.json"
report "Org A" a-2 one.example 5 0 >"$work/a2.json"
report "Org B" b-1 two.example 7 3 >"$work/b1.json"
printf 'not a report\n' >"$work/junk.txt"
"$OLD" --db "$db" import -q "$work/a1.json" "$work/a2.json" "$work/b1.json" \
	"$work/junk.txt" >/dev/null 2>&1
check "old: schema 4" 4 "$(ver "$db")"
old_summary=$(sum_csv "$OLD" --db "$db")
check "old: summary by hand" \
	"one.example,2,1,15,2;two.example,1,1,7,3" \
	"$(echo "$old_summary" | tail -n +2 | cut -d, -f1-5 | paste -sd';')"
before=$(sha256sum <"$db")

# 2. Every new program refuses it, naming the command; nothing changes.
"$TLSRPT" --db "$db" summary >"$work/out" 2>"$work/err"
check "new summary refuses: exit 78" 78 "$?"
contains "new summary names the command" "$work/err" "tlsrpt upgrade --db $db"
contains "new summary names both versions" "$work/err" "schema version 4; this program needs version $L"
report "Org C" c-1 three.example 1 0 >"$work/c1.json"
"$TLSRPT" --db "$db" import "$work/c1.json" >"$work/out" 2>"$work/err"
check "new import refuses: exit 78" 78 "$?"
contains "new import names the command" "$work/err" "tlsrpt upgrade --db $db"
port=$((20000 + RANDOM % 20000))
# timeout: a daemon that does not refuse serves (124 then).
timeout 20 "$HTTPD" -f --no-tls --listen "127.0.0.1:$port" --db "$db" >/dev/null 2>"$work/err"
check "new httpd refuses to start: exit 78" 78 "$?"
contains "new httpd names the command" "$work/err" "tlsrpt upgrade --db $db"
timeout 20 "$MILTER_BIN" -f -p "unix:$work/refused.sock" --db "$db" >/dev/null 2>"$work/err"
check "new milter refuses to start: exit 78" 78 "$?"
contains "new milter names the command" "$work/err" "tlsrpt upgrade --db $db"
check "refused: still schema 4" 4 "$(ver "$db")"
check "refused: the file unchanged" "$before" "$(sha256sum <"$db")"

# 3. The upgrade, its backup, and the summary of before.
"$TLSRPT" --db "$db" upgrade >"$work/out" 2>"$work/err"
check "upgrade: exit 0" 0 "$?"
contains "upgrade: from which version to which" "$work/out" "upgraded $db from schema version 4 to $L"
contains "upgrade: the backup named" "$work/out" "backup of version 4: $db.v4"
check "upgrade: schema $L" "$L" "$(ver "$db")"
check "upgrade: the backup is at 4" 4 "$(ver "$db.v4")"
check "upgrade: the old tlsrpt reads the backup as before" "$old_summary" \
	"$(sum_csv "$OLD" --db "$db.v4")"
check "upgrade: the new summary is the old one" "$old_summary" \
	"$(sum_csv "$TLSRPT" --db "$db")"
# Schema 005's own: the quarantine's bytes counted (13, "not a report\n"),
# and a report stored under schema 4 is still a duplicate.
check "upgrade: quarantine_usage filled" 13 \
	"$(sqlite3 "$db" 'SELECT bytes FROM quarantine_usage')"
check "upgrade: an old report again is a duplicate" \
	"1 stored, 1 duplicate, 0 rejected" \
	"$("$TLSRPT" --db "$db" import -q "$work/a1.json" "$work/c1.json" 2>&1 | tail -n 1)"
"$TLSRPT" --db "$db" upgrade >"$work/out" 2>&1
check "upgrade again: exit 0" 0 "$?"
contains "upgrade again: nothing to do" "$work/out" "is at schema version $L, this tlsrpt's: nothing to do"
"$OLD" --db "$db" summary >/dev/null 2>"$work/err"
check "the old tlsrpt refuses the upgraded database" 1 "$?"
contains "the old tlsrpt says why" "$work/err" "newer than this program's"

# 4. A running tlsrpt-httpd whose database is upgraded under it.
post() { # post FILE: the HTTP status
	curl -s -m 30 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/tlsrpt+json' \
		--data-binary "@$1" "http://127.0.0.1:$port/"
}
nreports() { sqlite3 "$db" 'SELECT count(*) FROM report'; }
"$HTTPD" -f --no-tls --listen "127.0.0.1:$port" --db "$db" 2>"$work/httpd.log" &
pid=$!
for _ in $(seq 1 50); do
	curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
	sleep 0.1
done
report "Org D" d-1 four.example 1 0 >"$work/d1.json"
report "Org D" d-2 four.example 1 0 >"$work/d2.json"
check "httpd: stored at schema $L" 201 "$(post "$work/d1.json")"
n=$(nreports)
sqlite3 "$db" "PRAGMA user_version = $N"
check "httpd: schema $N under it: 503" 503 "$(post "$work/d2.json")"
check "httpd: nothing stored" "$n" "$(nreports)"
contains "httpd: the log says upgraded" "$work/httpd.log" "was upgraded to schema version $N while this program was running (it writes version $L)"
contains "httpd: the log says restart" "$work/httpd.log" "restart tlsrpt-httpd"
sqlite3 "$db" "PRAGMA user_version = $L"
check "httpd: schema $L again: stored" 201 "$(post "$work/d2.json")"
stop_daemons

# 5. The same for a running tlsrpt-milter, through miltertest.
if command -v miltertest >/dev/null; then
	sock="$work/m.sock"
	"$MILTER_BIN" -f -p "unix:$sock" --db "$db" 2>"$work/milter.log" &
	mpid=$!
	for _ in $(seq 1 50); do [ -S "$sock" ] && break; sleep 0.1; done
	send() { # send FILE: reply=X
		MILTER="unix:$sock" MSG="$1" miltertest -s "$here/../milter/send.lua" 2>&1 |
			grep '^reply='
	}
	message m-1 five.example 1 0 >"$work/m1.eml"
	message m-2 five.example 1 0 >"$work/m2.eml"
	check "milter: stored at schema $L" "reply=a" "$(send "$work/m1.eml")"
	n=$(nreports)
	sqlite3 "$db" "PRAGMA user_version = $N"
	check "milter: schema $N under it: 451 (a reply code)" "reply=y" "$(send "$work/m2.eml")"
	check "milter: nothing stored" "$n" "$(nreports)"
	contains "milter: the log says upgraded" "$work/milter.log" "was upgraded to schema version $N while this program was running"
	contains "milter: the log says restart" "$work/milter.log" "restart tlsrpt-milter"
	sqlite3 "$db" "PRAGMA user_version = $L"
	check "milter: schema $L again: stored" "reply=a" "$(send "$work/m2.eml")"
	stop_daemons
else
	echo "# miltertest not installed: the milter's part skipped"
fi

# 6. A database newer than the binary: "install the newer tlsrpt".
sqlite3 "$db" "PRAGMA user_version = $N"
"$TLSRPT" --db "$db" summary >/dev/null 2>"$work/err"
check "newer database: summary exit 78" 78 "$?"
contains "newer database: install the newer tlsrpt" "$work/err" "this tlsrpt knows schema $L, the database is at $N: install the newer tlsrpt"
"$TLSRPT" --db "$db" upgrade >/dev/null 2>"$work/err"
check "newer database: upgrade exit 78" 78 "$?"

finish
