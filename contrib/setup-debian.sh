#!/usr/bin/env bash
# setup-debian.sh - installs what building and testing tlsrpt needs on
# Debian 12, only what is missing. Run as root or with sudo available.
#
# Usage: contrib/setup-debian.sh [--test]
#   --test  also what the test suite uses (valgrind, sqlite3, git (the
#           upgrade test builds an older commit), clang-format,
#           postfix, headless chromium and the fonts it draws the digest with,
#           clang and libFuzzer, debhelper for the package test, dovecot
#           for the IMAP fetch tests, PostgreSQL 15 for the store's tests
#           on PostgreSQL)
set -eu

pkgs=(build-essential cmake pkg-config gzip
      libmicrohttpd-dev libgnutls28-dev nettle-dev zlib1g-dev libjansson-dev libsqlite3-dev
      libmilter-dev libcmocka-dev libgmime-3.0-dev libidn2-dev libpsl-dev
      libcurl4-gnutls-dev libcrypt-dev libpq-dev)
if [ "${1:-}" = "--test" ]; then
	pkgs+=(sqlite3 git valgrind clang-format time miltertest postfix swaks openssl curl python3
	       chromium fonts-liberation clang libclang-rt-14-dev debhelper dpkg-dev fakeroot
	       dovecot-imapd postgresql-15)
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "setup: run as root or install sudo" >&2; exit 1; }
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
# Postfix installs without asking and without configuring the host's mail:
# the tests run their own instance.
echo "postfix postfix/main_mailer_type select No configuration" |
	$sudo debconf-set-selections
# Dovecot's package would start a system IMAP server on port 143, and
# PostgreSQL's its cluster on 5432: the tests run their own instances
# (tests/pg/pg.sh), so no service starts during the install.
rc=/usr/sbin/policy-rc.d
own_rc=""
if [ ! -e "$rc" ]; then
	printf '#!/bin/sh\nexit 101\n' | $sudo tee "$rc" >/dev/null
	$sudo chmod 755 "$rc"
	own_rc=1
fi
trap '[ -z "$own_rc" ] || $sudo rm -f "$rc"' EXIT
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
