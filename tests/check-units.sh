#!/usr/bin/env bash
# check-units.sh - the systemd units in contrib/systemd, as
# `systemd-analyze security --offline=yes` scores them: each must stay at
# an exposure of 2.0 or less ("OK"; 1.4 for tlsrpt-httpd and 1.2 for
# tlsrpt-milter when written, see SECURITY.md). Skips (77) without
# systemd-analyze.
#
# Usage: check-units.sh TOPDIR
set -u
top=$1
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 77; }
fails=0
for u in "$top"/contrib/systemd/*.service; do
	out=$(systemd-analyze security --offline=yes --threshold=20 "$u" 2>&1)
	rc=$?
	score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	if [ $rc -eq 0 ] && [ -n "$score" ]; then
		echo "ok - $(basename "$u"): exposure $score"
	else
		echo "not ok - $(basename "$u"): exposure ${score:-?} (above 2.0?)"
		printf '%s\n' "$out" | grep '✗' | sed 's/^/#   /'
		fails=$((fails + 1))
	fi
done
[ "$fails" -eq 0 ]
