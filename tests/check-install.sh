#!/usr/bin/env bash
# check-install.sh - `cmake --install` of the build puts every part where
# the README's "Installing without the package" says: with the build's
# prefix (here /usr/local) the command in bin, the daemons in sbin, the
# man pages, the units with ExecStart in that sbin, the cron file and the
# MTA snippets among the examples; and the installed binaries run.
#
# Usage: check-install.sh BUILD_DIR
set -u
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok - $1"; }
no() { echo "not ok - $1"; fails=$((fails + 1)); }
DESTDIR=$tmp cmake --install "$build" >"$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
root=$tmp$prefix
for f in bin/tlsrpt sbin/tlsrpt-milter sbin/tlsrpt-httpd \
	share/man/man1/tlsrpt.1 share/man/man8/tlsrpt-milter.8 \
	share/man/man8/tlsrpt-httpd.8 \
	lib/systemd/system/tlsrpt-milter.service \
	lib/systemd/system/tlsrpt-httpd.service \
	lib/systemd/system/tlsrpt-fetch.service \
	lib/systemd/system/tlsrpt-fetch.timer \
	share/doc/tlsrpt/examples/cron.d-tlsrpt \
	share/doc/tlsrpt/examples/main.cf.snippet \
	share/doc/tlsrpt/examples/tlsrpt-milter.mc \
	share/doc/tlsrpt/examples/tlsrpt-httpd-deploy; do
	if [ -f "$root/$f" ]; then ok "$f"; else no "$f missing"; fi
done
for d in milter httpd; do
	exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$root/lib/systemd/system/tlsrpt-$d.service")
	if [ "$exe" = "$prefix/sbin/tlsrpt-$d" ]; then ok "tlsrpt-$d.service runs $exe"
	else no "tlsrpt-$d.service runs '$exe', not $prefix/sbin/tlsrpt-$d"; fi
	if [ -x "$tmp$exe" ] && "$tmp$exe" --help >/dev/null 2>&1; then ok "tlsrpt-$d --help"
	else no "installed tlsrpt-$d does not run"; fi
done
exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$root/lib/systemd/system/tlsrpt-fetch.service")
if [ "$exe" = "$prefix/bin/tlsrpt" ]; then ok "tlsrpt-fetch.service runs $exe"
else no "tlsrpt-fetch.service runs '$exe', not $prefix/bin/tlsrpt"; fi
if "$root/bin/tlsrpt" --help >/dev/null 2>&1; then ok "tlsrpt --help"; else no "installed tlsrpt does not run"; fi
[ "$fails" -eq 0 ]
