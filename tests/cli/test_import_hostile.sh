#!/usr/bin/env bash
# test_import_hostile.sh - what `tlsrpt import` does with a hostile tree or
# mbox (issue 15, §7): a symbolic link below a named path is not followed
# (one to a secret file must not reach the quarantine; two links to "."
# must not make the walk exponential), a named path may be a link, a
# directory loop ends; an mbox line of hundreds of megabytes costs no more
# memory than --max-input, and its message is rejected as too large.
#
# Usage: test_import_hostile.sh TLSRPT TLSRPT_GEN
set -u
TLSRPT=$1
. "$(dirname "$0")/lib.sh"

db="$work/w.db"
q() { "$TLSRPT" --db "$db" "$@"; }

# 1. A Maildir holding a report, a link to a secret file outside it, and
#    two links to "." (each level of the walk would double the paths).
mkdir -p "$work/md/cur" "$work/md/new" "$work/md/tmp" "$work/outside"
report "Org W" w-1 w.example 9 1 >"$work/md/new/1.eml"
printf 'root:SECRET-HASH:19000:0:99999:7:::\n' >"$work/outside/shadow"
ln -s "$work/outside/shadow" "$work/md/cur/2.eml"
ln -s . "$work/md/cur/a"
ln -s . "$work/md/cur/b"
timeout 20 "$TLSRPT" --db "$db" import "$work/md" >"$work/md.out" 2>"$work/md.err"
rc=$?
check "links: the walk ends (not killed by timeout)" yes "$([ "$rc" -ne 124 ] && echo yes || echo no)"
check "links: the report stored, 3 links refused (not read, not rejected)" "1 stored, 0 duplicate, 0 rejected, 3 unreadable" "$(tail -n 1 "$work/md.out")"
check "links: each link named as not followed" 3 "$(grep -c 'a symbolic link, not followed' "$work/md.err")"
check "links: the secret is not in the quarantine" 0 \
	"$(sqlite3 "$db" "SELECT count(*) FROM quarantine WHERE instr(CAST(bytes AS TEXT), 'SECRET-HASH') > 0" 2>/dev/null || echo error)"
check "links: nothing in the quarantine at all" 0 "$(sqlite3 "$db" 'SELECT count(*) FROM quarantine')"

# 2. The same tree as a plain directory with the two links at the top: the
#    old walk went 32 levels deep down both (2^32 paths).
mkdir -p "$work/loop"
report "Org W" w-2 w.example 9 1 >"$work/loop/r.json"
ln -s . "$work/loop/a"
ln -s . "$work/loop/b"
timeout 20 "$TLSRPT" --db "$db" import "$work/loop" >"$work/loop.out" 2>"$work/loop.err"
check "self-links: exit 66 (inputs not read) in time (not 124)" 66 "$?"
check "self-links: the report stored" "1 stored, 0 duplicate, 0 rejected, 2 unreadable" "$(tail -n 1 "$work/loop.out")"

# 3. A named path may be a link: to a Maildir, and to a report file.
ln -s "$work/md" "$work/md-link"
report "Org W" w-3 w.example 9 1 >"$work/outside/r3.json"
ln -s "$work/outside/r3.json" "$work/r3-link.json"
timeout 20 "$TLSRPT" --db "$db" import "$work/md-link" "$work/r3-link.json" >"$work/named.out" 2>"$work/named.err"
check "named link: followed" "1 stored, 1 duplicate, 0 rejected, 3 unreadable" "$(tail -n 1 "$work/named.out")"

# 4. A directory loop without links (a bind mount of a parent) needs root
#    to build; the walk refuses a directory already open above it.
if [ "$(id -u)" = 0 ] && mkdir -p "$work/bind/r/inner" && mount --bind "$work/bind/r" "$work/bind/r/inner" 2>/dev/null; then
	timeout 20 "$TLSRPT" --db "$db" import "$work/bind" >"$work/bind.out" 2>"$work/bind.err"
	check "bind-mount loop: ends in time" yes "$([ $? -ne 124 ] && echo yes || echo no)"
	contains "bind-mount loop: named" "$work/bind.err" "a directory loop, not entered again"
	umount "$work/bind/r/inner"
else
	echo "# skipped: the bind-mount loop needs root"
fi

# 5. An mbox whose one message is a 200 MB line, with --max-input 1 MiB:
#    memory stays near the limit (it was the line's size), the message is
#    rejected as too large, and the message after it is still stored.
{
	printf 'From a@b.example Mon Mar  2 00:00:00 2026\nSubject: long\n\n'
	head -c 200000000 /dev/zero | tr '\0' x
	printf '\n\nFrom a@b.example Mon Mar  2 00:00:01 2026\n'
	message w-4 w.example 3 0
} >"$work/big.mbox"
/usr/bin/time -f '%M' -o "$work/big.kb" timeout 120 "$TLSRPT" --db "$db" import --max-input 1048576 "$work/big.mbox" \
	>"$work/big.out" 2>"$work/big.err"
kb=$(tail -n 1 "$work/big.kb")
# Sanitizer builds carry their own tens of MB; the line alone was 200 MB.
check "long mbox line: peak RSS under 120 MB (got ${kb} KB)" yes "$([ "$kb" -lt 122880 ] && echo yes || echo no)"
check "long mbox line: one stored, one rejected" "1 stored, 0 duplicate, 1 rejected" "$(tail -n 1 "$work/big.out")"
contains "long mbox line: rejected as too large" "$work/big.err" "big.mbox#1"
rm -f "$work/big.mbox"

finish
