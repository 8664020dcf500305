#!/usr/bin/env bash
# test_privilege.sh - both daemons started as root with `-u nobody`, as
# SECURITY.md says they run without systemd:
#   - every real, effective and saved user and group id is nobody's, the
#     only group is nobody's, no capability is left (/proc/PID/status);
#   - after a report is stored, the only files open for writing are in
#     the database directory (/proc/PID/fd and fdinfo), and the TLS key,
#     readable by root alone, was read before the drop and is not open;
#   - `-u root` (uid 0) is refused, as is an unknown user.
#
# Usage: test_privilege.sh TLSRPT_HTTPD TLSRPT_MILTER
# Skips (77) unless run as root, as CI runs it.
set -u
HTTPD=$1
MILTER=$2
. "$(dirname "$0")/../cli/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: dropping privileges needs root"
	exit 77
fi
command -v curl >/dev/null && command -v openssl >/dev/null ||
	{ echo "SKIP: curl and openssl needed"; exit 77; }
pid=""
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$work"' EXIT

nuid=$(id -u nobody)
ngid=$(id -g nobody)
chmod 711 "$work"
dbdir="$work/db"
mkdir "$dbdir"
chown nobody: "$dbdir"
chmod 700 "$dbdir"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/k.pem" -out "$work/c.pem" \
	-days 2 -subj /CN=localhost -addext "subjectAltName=DNS:localhost" 2>/dev/null
chmod 600 "$work/k.pem"

# ids WHAT: the process's ids and capabilities, as one line.
ids() {
	awk '/^(Uid|Gid|Groups|CapEff|CapPrm):/ { $1 = $1; printf "%s ", $0 }' \
		"/proc/$pid/status"
}
# writable: every path the process has opened for writing, one a line
# (sockets, pipes and anonymous files have no path and do not count; nor
# do stdin, stdout and stderr, which -f inherits from this script).
writable() {
	local fd target flags
	for fd in /proc/"$pid"/fd/*; do
		[ "${fd##*/}" -gt 2 ] || continue
		target=$(readlink "$fd") || continue
		case $target in /*) ;; *) continue ;; esac
		flags=$(awk '/^flags:/ { print $2 }' "/proc/$pid/fdinfo/${fd##*/}")
		[ $((8#$flags & 3)) -ne 0 ] && echo "$target"
	done
	return 0
}
# check_process NAME: the ids, the writable files and the key.
check_process() {
	check "$1: ids all nobody's, no capability" \
		"Uid: $nuid $nuid $nuid $nuid Gid: $ngid $ngid $ngid $ngid Groups: $ngid CapPrm: 0000000000000000 CapEff: 0000000000000000 " \
		"$(ids)"
	writable >"$work/$1.writable"
	check "$1: writes only in the database directory" "" \
		"$(grep -v "^$dbdir/" "$work/$1.writable")"
	check "$1: the database is open for writing" 1 \
		"$(grep -c "^$dbdir/t.db$" "$work/$1.writable")"
	check "$1: the key is not held open" 0 \
		"$(for fd in /proc/"$pid"/fd/*; do readlink "$fd"; done | grep -c "k.pem")"
}

port=$((20000 + RANDOM % 20000))
"$HTTPD" -f --listen "127.0.0.1:$port" --cert "$work/c.pem" --key "$work/k.pem" \
	--db "$dbdir/t.db" -u nobody 2>"$work/httpd.log" &
pid=$!
for _ in $(seq 1 50); do
	curl -sk -o /dev/null "https://127.0.0.1:$port/healthz" && break
	sleep 0.1
done
report "Priv Org" priv-1 priv.example 10 0 >"$work/r.json"
check "httpd: a report stored as nobody" 201 "$(curl -sk -o /dev/null -w '%{http_code}' \
	-H 'Content-Type: application/tlsrpt+json' --data-binary "@$work/r.json" \
	"https://127.0.0.1:$port/")"
check_process httpd
kill "$pid"
wait "$pid"
pid=""

"$MILTER" -f -p "unix:$work/m.sock" --db "$dbdir/t.db" -u nobody 2>"$work/milter.log" &
pid=$!
for _ in $(seq 1 50); do
	[ -S "$work/m.sock" ] && break
	sleep 0.1
done
sleep 0.3
check "milter: the socket is nobody's" "$nuid" "$(stat -c %u "$work/m.sock")"
check_process milter
kill "$pid"
wait "$pid"
pid=""

# uid 0 and unknown users: refused before serving.
"$HTTPD" -f --listen "127.0.0.1:$port" --cert "$work/c.pem" --key "$work/k.pem" \
	--db "$dbdir/t.db" -u root >/dev/null 2>"$work/root.err"
check "httpd -u root: exit 1" 1 "$?"
contains "httpd -u root: says why" "$work/root.err" "refusing to run as root"
"$MILTER" -f -p "unix:$work/m2.sock" --db "$dbdir/t.db" -u root >/dev/null 2>"$work/mroot.err"
check "milter -u root: refused" 1 "$([ $? -ne 0 ] && echo 1)"
contains "milter -u root: says why" "$work/mroot.err" "refusing to run as root"
"$HTTPD" -f --listen "127.0.0.1:$port" --cert "$work/c.pem" --key "$work/k.pem" \
	--db "$dbdir/t.db" -u no-such-user-here >/dev/null 2>"$work/nouser.err"
check "httpd -u unknown: exit 1" 1 "$?"
contains "httpd -u unknown: names it" "$work/nouser.err" "no user 'no-such-user-here'"
finish
