#!/usr/bin/env bash
# test_ownership.sh - the ownership model of README "Who owns the
# database", with real users and groups made for the test (and removed on
# exit), run as the units run them:
#   - a group G, the daemons' user D (primary group G), an admin A in G,
#     an outsider O; the directory D:G 2770 (setgid);
#   - tlsrpt-httpd as D with UMask 0007 makes the database: it and its
#     -wal and -shm are D:G 0660;
#   - A reads (summary) with the daemon running and with none (then A's
#     own -wal and -shm are A:G 0660, and the daemon, started again,
#     writes through them), and imports;
#   - O is refused (exit 77) with "not in group G" and the fix;
#   - root is refused (exit 77) to create or upgrade there, the message
#     naming 'runuser -u D -- tlsrpt ...'; root may read, leaving no file
#     of root's;
#   - the daemons' start-up check: a database of root's (tlsrpt import as
#     root in its own directory, then the directory given to D), a
#     directory D cannot write (with and without the -wal and -shm in
#     it), a -wal of root's 0644: each daemon exits 77 before "listening",
#     naming the file, its owner and mode, and the fix; the fix applied,
#     the daemon starts.
#
# Usage: test_ownership.sh TLSRPT TLSRPT_HTTPD TLSRPT_MILTER
# Skips (77) unless run as root (CI runs it so), or without curl, useradd.
set -u
TLSRPT=$1
HTTPD=$2
MILTER=$3
. "$(dirname "$0")/../cli/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: making users and groups needs root"
	exit 77
fi
for t in curl useradd groupadd runuser; do
	command -v "$t" >/dev/null || { echo "SKIP: $t needed"; exit 77; }
done

n=$((RANDOM % 100000))
G=tlsrpt-g$n D=tlsrpt-d$n A=tlsrpt-a$n O=tlsrpt-o$n
pid=""
cleanup() {
	[ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
	for u in "$D" "$A" "$O"; do
		getent passwd "$u" >/dev/null && retry userdel "$u"
	done
	getent group "$G" >/dev/null && retry groupdel "$G"
	[ -n "${TLSRPT_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
# retry CMD...: a test run beside this one (a package's postinst) may
# hold the lock on /etc/passwd for a moment.
retry() {
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		"$@" && return 0
		sleep 1
	done
	return 1
}
nologin="-M -N -d /nonexistent -s /usr/sbin/nologin"
# The users run copies of the binaries: the build directory may sit under
# a directory only root can enter (a checkout in a mktemp -d, as CI's).
chmod 755 "$work"
mkdir -p "$work/bin"
cp "$TLSRPT" "$HTTPD" "$MILTER" "$work/bin/"
chmod 755 "$work/bin" "$work/bin"/*
TLSRPT=$work/bin/$(basename "$TLSRPT")
HTTPD=$work/bin/$(basename "$HTTPD")
MILTER=$work/bin/$(basename "$MILTER")
# shellcheck disable=SC2086 # $nologin is words
retry groupadd "$G" &&
	retry useradd $nologin -g "$G" "$D" &&
	retry useradd $nologin -g nogroup -G "$G" "$A" &&
	retry useradd $nologin -g nogroup "$O" ||
	{ echo "not ok - cannot make the test's users"; exit 1; }

chmod 711 "$work"
lib=$work/lib
mkdir "$lib"
chown "$D:$G" "$lib"
chmod 2770 "$lib"
db=$lib/tlsrpt.db
report "Org A" a-1 one.example 10 2 >"$work/a1.json"
report "Org A" a-2 one.example 5 0 >"$work/a2.json"
report "Org B" b-1 two.example 7 3 >"$work/b1.json"
chmod 644 "$work"/*.json

modes() { # modes FILE...: "user:group mode" of each, joined by ';'
	stat -c '%U:%G %a' "$@" | paste -sd';'
}
port=$((20000 + RANDOM % 20000))
# start_as_unit DB: tlsrpt-httpd as D with the unit's UMask=0007.
start_as_unit() {
	runuser -u "$D" -- sh -c 'umask 0007; exec "$@"' sh "$HTTPD" -f --no-tls \
		--listen "127.0.0.1:$port" --db "$1" 2>>"$work/httpd.log" &
	pid=$!
	for _ in $(seq 1 50); do
		curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && return 0
		sleep 0.1
	done
	return 1
}
stop() { kill "$pid"; wait "$pid"; pid=""; }
post() {
	curl -s -m 30 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/tlsrpt+json' \
		--data-binary "@$1" "http://127.0.0.1:$port/"
}
summary() { # summary USER: the summary's domains and sessions, as USER
	runuser -u "$1" -- "$TLSRPT" --db "$db" summary --format csv 2>"$work/err" |
		tr -d '\r' | tail -n +2 | cut -d, -f1,2,4,5 | paste -sd';'
}

# 1. The daemon, as its unit runs it, makes the database.
start_as_unit "$db" || not_ok "httpd as $D starts"
check "daemon: a report stored" 201 "$(post "$work/a1.json")"
check "daemon: database, -wal, -shm are $D:$G 0660" \
	"$D:$G 660;$D:$G 660;$D:$G 660" "$(modes "$db" "$db-wal" "$db-shm")"

# 2. The admin reads while it runs, and imports.
check "admin: summary, the daemon running" "one.example,1,10,2" "$(summary "$A")"
runuser -u "$A" -- "$TLSRPT" --db "$db" import -q "$work/a2.json" >/dev/null 2>&1
check "admin: import, the daemon running: exit 0" 0 "$?"
check "admin: still $D:$G 0660 all" "$D:$G 660;$D:$G 660;$D:$G 660" \
	"$(modes "$db" "$db-wal" "$db-shm")"
stop
check "daemon stopped: no -wal left" "no" "$([ -e "$db-wal" ] && echo yes || echo no)"

# 3. The admin reads with no daemon: it makes the -wal and -shm itself,
# group-writable, and the daemon started again writes through them.
check "admin: summary, no daemon" "one.example,2,15,2" "$(summary "$A")"
check "admin: its -wal and -shm are $A:$G 0660" "$A:$G 660;$A:$G 660" \
	"$(modes "$db-wal" "$db-shm")"
start_as_unit "$db" || not_ok "httpd as $D starts again"
check "daemon again: a report stored" 201 "$(post "$work/b1.json")"
stop
check "admin: summary after" "one.example,2,15,2;two.example,1,7,3" "$(summary "$A")"

# 4. A user outside the group.
check "outsider: no summary" "" "$(summary "$O")"
runuser -u "$O" -- "$TLSRPT" --db "$db" summary >/dev/null 2>"$work/err"
check "outsider: exit 77" 77 "$?"
contains "outsider: why and the fix" "$work/err" \
	"permission denied to user $O, who is not in group $G"
contains "outsider: adduser" "$work/err" "adduser $O $G"

# 5. Root: refused to create or upgrade in D's directory; may read.
"$TLSRPT" --db "$lib/new.db" import "$work/a1.json" >/dev/null 2>"$work/err"
check "root import of a new database: exit 77" 77 "$?"
contains "root import: the fix" "$work/err" "runuser -u $D -- tlsrpt import --db $lib/new.db"
check "root import: nothing made" "no" "$([ -e "$lib/new.db" ] && echo yes || echo no)"
"$TLSRPT" --db "$db" upgrade >/dev/null 2>"$work/err"
check "root upgrade: exit 77" 77 "$?"
contains "root upgrade: the fix" "$work/err" "runuser -u $D -- tlsrpt upgrade --db $db"
check "root: summary" "one.example,2,15,2;two.example,1,7,3" "$(summary root)"
check "root: no file of root's left" "" "$(find "$lib" -user root)"

# 6. The daemons' start-up check. refused NAME DB TEXT: each daemon, as
# root with -u D, exits 77 before "listening", saying TEXT.
# timeout: a daemon that does not refuse serves (124 then).
refused() {
	timeout 20 "$HTTPD" -f --no-tls --listen "127.0.0.1:$port" --db "$2" -u "$D" \
		>"$work/out" 2>&1
	check "$1: httpd exits 77" 77 "$?"
	contains "$1: httpd says why" "$work/out" "$3"
	check "$1: httpd never listened" 0 "$(grep -c listening "$work/out")"
	timeout 20 "$MILTER" -f -p "unix:$work/m.sock" --db "$2" -u "$D" >"$work/out" 2>&1
	check "$1: milter exits 77" 77 "$?"
	contains "$1: milter says why" "$work/out" "$3"
	check "$1: milter never listened" 0 "$(grep -c listening "$work/out")"
}
starts() { # starts NAME DB: httpd -u D serves
	"$HTTPD" -f --no-tls --listen "127.0.0.1:$port" --db "$2" -u "$D" 2>>"$work/httpd.log" &
	pid=$!
	for _ in $(seq 1 50); do
		curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
		sleep 0.1
	done
	check "$1: httpd starts" 201 "$(post "$work/a1.json")"
	stop
}

# 6a. A database root made (in its own directory, which is allowed),
# the directory then handed to D: the file stays root's.
r=$work/rootmade
mkdir "$r"
"$TLSRPT" --db "$r/t.db" import -q "$work/b1.json" >/dev/null
chown "$D:$G" "$r"
chmod 2770 "$r"
check "root's database: root:root 0660" "root:root 660" "$(modes "$r/t.db")"
refused "root's database" "$r/t.db" \
	"database $r/t.db cannot be written by user $D (Permission denied): it is root:root 0660; fix: chown $D:$G $r/t.db* && chmod 0660 $r/t.db*"
chown "$D:$G" "$r"/t.db*
starts "root's database, fixed" "$r/t.db"

# 6b. A directory D cannot write (root's, 0755), the database D's.
ro=$work/rodir
mkdir "$ro"
chown "$D:$G" "$ro"
runuser -u "$D" -- "$TLSRPT" --db "$ro/t.db" import -q "$work/b1.json" >/dev/null
chown root:root "$ro"
chmod 755 "$ro"
refused "directory of root's" "$ro/t.db" \
	"directory $ro cannot be written by user $D (Permission denied): it is root:root 0755, and SQLite makes $ro/t.db-wal and -shm there; fix: chown $D:$G $ro && chmod 2770 $ro"
# The same with the -wal and -shm already there, writable: the open
# succeeds, the probe of the directory does not.
touch "$ro/t.db-wal" "$ro/t.db-shm"
chown "$D:$G" "$ro/t.db-wal" "$ro/t.db-shm"
chmod 660 "$ro/t.db-wal" "$ro/t.db-shm"
refused "directory of root's, -wal and -shm there" "$ro/t.db" \
	"directory $ro cannot be written by user $D (Permission denied)"
chown "$D:$G" "$ro"
chmod 2770 "$ro"
starts "directory fixed" "$ro/t.db"

# 6c. A -wal and -shm of root's, 0644 (another program's leftovers).
touch "$ro/t.db-wal" "$ro/t.db-shm"
chown root "$ro/t.db-wal" "$ro/t.db-shm"
chmod 644 "$ro/t.db-wal" "$ro/t.db-shm"
refused "-wal of root's" "$ro/t.db" \
	"file $ro/t.db-wal cannot be written by user $D (Permission denied): it is root:$G 0644; fix: chown $D:$G $ro/t.db* && chmod 0660 $ro/t.db*"

finish
