#!/usr/bin/env bash
# test_dbfiles.sh - the database's files, unprivileged:
#   - its directory missing: every command and both daemons say so plainly
#     ("DIR does not exist: install the package or create it"), exit 73,
#     and make nothing (it was import's exit 75, "try again later");
#   - a database tlsrpt makes is 0660 whatever the caller's umask (0022
#     here: SQLite alone would make it 0644 less the umask, 0644);
#   - the queries open read-only: the file is not written (same bytes);
#     a missing database is exit 1, "no database at", and is not made.
#
# Usage: test_dbfiles.sh TLSRPT TLSRPT_HTTPD TLSRPT_MILTER
set -u
TLSRPT=$1
HTTPD=$2
MILTER=$3
. "$(dirname "$0")/lib.sh"

report "Org A" a-1 one.example 10 2 >"$work/a1.json"

# 1. A missing directory.
nodir=$work/missing/dir
db=$nodir/tlsrpt.db
while read -r name args; do
	# shellcheck disable=SC2086 # args are words
	"$TLSRPT" --db "$db" $args >/dev/null 2>"$work/err" </dev/null
	check "missing directory: $name exits 73" 73 "$?"
	contains "missing directory: $name says so" "$work/err" \
		"$nodir does not exist: install the package or create it"
done <<EOF
import import $work/a1.json
summary summary
failures failures
readiness readiness
reports reports
show show 1
prune prune --older-than 30
quarantine quarantine list
quarantine-retry quarantine retry
digest digest --period day
upgrade upgrade
EOF
# timeout: a daemon that does not refuse serves (124 then).
timeout 20 "$HTTPD" -f --no-tls --listen "127.0.0.1:$((20000 + RANDOM % 20000))" --db "$db" \
	>/dev/null 2>"$work/err"
check "missing directory: httpd exits 73" 73 "$?"
contains "missing directory: httpd says so" "$work/err" "$nodir does not exist"
timeout 20 "$MILTER" -f -p "unix:$work/m.sock" --db "$db" >/dev/null 2>"$work/err"
check "missing directory: milter exits 73" 73 "$?"
contains "missing directory: milter says so" "$work/err" "$nodir does not exist"
check "missing directory: nothing made" "no" "$([ -e "$work/missing" ] && echo yes || echo no)"

# 2. The mode of a new database, under the caller's umask 0022.
db=$work/t.db
(umask 022 && "$TLSRPT" --db "$db" import -q "$work/a1.json" >/dev/null)
check "new database: 0660 under umask 0022" 660 "$(stat -c %a "$db")"

# 3. Queries read only.
before=$(sha256sum <"$db")
"$TLSRPT" --db "$db" summary --format csv >/dev/null
check "summary: exit 0" 0 "$?"
"$TLSRPT" --db "$db" reports --format csv >/dev/null
check "summary and reports leave the file as it was" "$before" "$(sha256sum <"$db")"
"$TLSRPT" --db "$work/none.db" summary >/dev/null 2>"$work/err"
check "no database: summary exits 1" 1 "$?"
contains "no database: named" "$work/err" "no database at $work/none.db"
check "no database: none made" "no" "$([ -e "$work/none.db" ] && echo yes || echo no)"

finish
