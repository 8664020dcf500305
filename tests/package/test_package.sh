#!/usr/bin/env bash
# test_package.sh - the Debian package, as an admin meets it (issue 16
# §6): built from the tree with dpkg-buildpackage, installed with
# `apt-get install ./tlsrpt_*.deb`, its user, group, directories, units
# and cron file checked; the installed binaries run as their units run
# them (user and group tlsrpt, umask 0007, the unit's own ExecStart
# arguments, moved to loopback ports); then removed and purged, checking
# what each leaves, as the README says.
#
# Usage: test_package.sh SOURCE_DIR
# Needs root (it installs a package) and dpkg-buildpackage with debhelper;
# exits 77 without them, or when a tlsrpt package is installed already
# (it would not replace an admin's).
set -u
src=$1
. "$src/tests/cli/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "SKIP: installing a package needs root"; exit 77; }
command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null ||
	{ echo "SKIP: no dpkg-buildpackage or debhelper (contrib/setup-debian.sh --test)"; exit 77; }
if dpkg-query -W -f='${Status}' tlsrpt 2>/dev/null | grep -q "ok installed"; then
	echo "SKIP: a tlsrpt package is installed on this machine already"
	exit 77
fi
had_user=0
getent passwd tlsrpt >/dev/null && had_user=1
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	if dpkg-query -W -f='${Status}' tlsrpt 2>/dev/null | grep -q installed; then
		apt-get purge -y -q tlsrpt >/dev/null 2>&1
	fi
	[ "$had_user" -eq 1 ] || userdel tlsrpt >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"

# 1. Build it from a copy of the tree (dpkg-buildpackage writes beside
#    the source directory): the files git knows, or the tree without
#    build directories.
mkdir "$work/tlsrpt"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$src" ls-files -z | (cd "$src" && tar --null -T - -cf -) | tar -C "$work/tlsrpt" -xf -
else
	tar -C "$src" --exclude='./build*' -cf - . | tar -C "$work/tlsrpt" -xf -
fi
(cd "$work/tlsrpt" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1
check "dpkg-buildpackage: exit 0" 0 "$?"
deb=$(ls "$work"/tlsrpt_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { tail -30 "$work/build.log"; echo "not ok - no package built"; exit 1; }

# 2. Install it as the README says.
(cd "$work" && apt-get install -y -q "./$(basename "$deb")") >"$work/install.log" 2>&1
check "apt-get install ./tlsrpt_*.deb: exit 0" 0 "$?"
check "installed: /usr/bin/tlsrpt" yes "$([ -x /usr/bin/tlsrpt ] && echo yes)"
check "installed: the daemons in /usr/sbin" yes \
	"$([ -x /usr/sbin/tlsrpt-milter ] && [ -x /usr/sbin/tlsrpt-httpd ] && echo yes)"
check "installed: man tlsrpt" yes "$([ -f /usr/share/man/man1/tlsrpt.1.gz ] && echo yes)"
check "the user tlsrpt, a system user" yes \
	"$(uid=$(id -u tlsrpt 2>/dev/null) && [ "$uid" -lt 1000 ] && echo yes)"
check "the group tlsrpt, the user's own" tlsrpt "$(id -gn tlsrpt 2>/dev/null)"
check "/var/lib/tlsrpt: tlsrpt:tlsrpt 2770" "tlsrpt:tlsrpt 2770" \
	"$(stat -c '%U:%G %a' /var/lib/tlsrpt 2>&1)"
if getent group postfix >/dev/null && [ -d /var/spool/postfix ]; then
	check "/var/spool/postfix/tlsrpt: tlsrpt:postfix 2750" "tlsrpt:postfix 2750" \
		"$(stat -c '%U:%G %a' /var/spool/postfix/tlsrpt 2>&1)"
fi
check "the units installed" yes \
	"$([ -f /lib/systemd/system/tlsrpt-milter.service ] && [ -f /lib/systemd/system/tlsrpt-httpd.service ] && echo yes)"
check "no unit enabled" 0 "$(ls /etc/systemd/system/*.wants/ 2>/dev/null | grep -c '^tlsrpt')"
check "the cron file in /etc/cron.d, no job active until set up" "yes 0" \
	"$([ -f /etc/cron.d/tlsrpt ] && echo yes) $(grep -c '^[0-9*]' /etc/cron.d/tlsrpt)"
# Every job of the source's cron file (digests, import, fetch), each
# commented out by the package and each run as tlsrpt.
jobs=$(grep -c '^#\?[0-9*]' "$src/contrib/cron/tlsrpt")
check "the cron file's $jobs jobs run as tlsrpt" "$jobs" \
	"$(grep -c '^#[0-9*].*  tlsrpt  ' /etc/cron.d/tlsrpt)"

# as_unit CMD...: as the units run it: user and group tlsrpt, umask 0007.
as_unit() { setpriv --reuid=tlsrpt --regid=tlsrpt --init-groups sh -c 'umask 0007; exec "$@"' sh "$@"; }
# The same for a daemon started with &: the background subshell becomes
# the daemon (exec), so that $! is the daemon's PID and the kill below
# stops it (without exec the subshell died and the daemon lived on).
as_unit_daemon() { exec setpriv --reuid=tlsrpt --regid=tlsrpt --init-groups sh -c 'umask 0007; exec "$@"' sh "$@"; }

# 3. import of the demo samples and a summary, as the cron file's user.
#    contrib/samples holds 40 reports (4 domains; README "The two
#    commands"): all stored.
cp -r "$src/contrib/samples" "$work/samples"
chmod -R a+rX "$work/samples"
as_unit /usr/bin/tlsrpt import --quiet --db /var/lib/tlsrpt/tlsrpt.db "$work/samples" >"$work/import.out" 2>&1
check "import as tlsrpt: exit 0" 0 "$?"
check "import: every sample stored" "40 stored, 0 duplicate, 0 rejected" "$(tail -n 1 "$work/import.out")"
check "the database: tlsrpt:tlsrpt 660" "tlsrpt:tlsrpt 660" "$(stat -c '%U:%G %a' /var/lib/tlsrpt/tlsrpt.db)"
check "summary as tlsrpt: 4 domains" 4 \
	"$(as_unit /usr/bin/tlsrpt --db /var/lib/tlsrpt/tlsrpt.db summary --format csv | tail -n +2 | wc -l)"

# 4. tlsrpt-httpd with its unit's ExecStart, on loopback ports and
#    without TLS (no certificate here): a report POSTed is stored (201).
port=$((20000 + RANDOM % 20000)) aport=$((port + 1))
exec_line=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/tlsrpt-httpd.service)
read -r -a args <<<"$exec_line"
run=()
for ((i = 0; i < ${#args[@]}; i++)); do
	case ${args[i]} in
	--listen) run+=(--listen "127.0.0.1:$port"); i=$((i + 1)) ;;
	--admin-listen) run+=(--admin-listen "127.0.0.1:$aport"); i=$((i + 1)) ;;
	--cert | --key) i=$((i + 1)) ;;
	*) run+=("${args[i]}") ;;
	esac
done
run+=(--no-tls)
as_unit_daemon "${run[@]}" >"$work/httpd.log" 2>&1 &
hpid=$!
pids="$pids $hpid"
for _ in $(seq 50); do
	[ "$(curl -s "http://127.0.0.1:$aport/healthz")" = ok ] && break
	sleep 0.1
done
check "httpd (the unit's arguments): /healthz on the admin port" ok "$(curl -s "http://127.0.0.1:$aport/healthz")"
sample=$(ls "$work"/samples/*.json | head -n 1)
sed 's/"report-id": *"[^"]*"/"report-id":"package-test-1"/' "$sample" >"$work/post.json"
check "httpd: a new report POSTed is 201" 201 \
	"$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/report" \
		-H 'Content-Type: application/tlsrpt+json' --data-binary @"$work/post.json")"
kill "$hpid"
wait "$hpid" 2>/dev/null
check "httpd: stopped by SIGTERM" "" "$(kill -0 "$hpid" 2>&1 | grep -v 'No such process')"
check "httpd: no tlsrpt-httpd left running" "" \
	"$(ps -C tlsrpt-httpd -o stat= | grep -v Z)"

# 5. tlsrpt-milter with its unit's ExecStart: the socket in Postfix's
#    chroot, tlsrpt:postfix, open to the group.
if [ -d /var/spool/postfix/tlsrpt ]; then
	exec_line=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/tlsrpt-milter.service)
	read -r -a args <<<"$exec_line"
	as_unit_daemon "${args[@]}" >"$work/milter.log" 2>&1 &
	mpid=$!
	pids="$pids $mpid"
	sock=/var/spool/postfix/tlsrpt/milter.sock
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	check "milter (the unit's arguments): its socket tlsrpt:postfix, 770" "tlsrpt:postfix 770" \
		"$(stat -c '%U:%G %a' "$sock" 2>&1)"
	kill "$mpid"
	wait "$mpid" 2>/dev/null
	check "milter: no tlsrpt-milter left running" "" \
		"$(ps -C tlsrpt-milter -o stat= | grep -v Z)"
fi

# 6. remove keeps the data and the configuration; purge takes the
#    package's directories and the cron file, and leaves the system
#    user (Debian's practice).
apt-get remove -y -q tlsrpt >"$work/remove.log" 2>&1
check "remove: exit 0" 0 "$?"
check "remove: the binaries gone" no "$([ -e /usr/bin/tlsrpt ] && echo yes || echo no)"
check "remove: the database kept" yes "$([ -f /var/lib/tlsrpt/tlsrpt.db ] && echo yes)"
check "remove: the cron file kept (a conffile)" yes "$([ -f /etc/cron.d/tlsrpt ] && echo yes)"
apt-get purge -y -q tlsrpt >"$work/purge.log" 2>&1
check "purge: exit 0" 0 "$?"
check "purge: /var/lib/tlsrpt gone" no "$([ -e /var/lib/tlsrpt ] && echo yes || echo no)"
check "purge: /var/spool/postfix/tlsrpt gone" no "$([ -e /var/spool/postfix/tlsrpt ] && echo yes || echo no)"
check "purge: the cron file gone" no "$([ -e /etc/cron.d/tlsrpt ] && echo yes || echo no)"
check "purge: the system user stays" yes "$(getent passwd tlsrpt >/dev/null && echo yes)"
check "purge: nothing of the package left" "" "$(dpkg-query -W -f='${Status}' tlsrpt 2>/dev/null | grep -v 'not-installed')"

finish
