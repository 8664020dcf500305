#!/usr/bin/env bash
# check-man.sh - a binary's --help and its man page name the same long
# options, so neither falls behind the other.
#
# Usage: check-man.sh BINARY MANPAGE [COMMAND...]
# With COMMANDs, the options of each `BINARY COMMAND --help` count too.
set -u
bin=$1 page=$2
shift 2
help=$( { "$bin" --help; for c in "$@"; do "$bin" "$c" --help || echo "--help-of-$c-failed"; done; } |
	grep -o -- '--[a-z][a-z-]*' | sort -u)
man=$(sed 's/\\-/-/g' "$page" | grep -o -- '--[a-z][a-z-]*' | sort -u)
missing=$(comm -23 <(echo "$help") <(echo "$man"))
extra=$(comm -13 <(echo "$help") <(echo "$man"))
[ -z "$missing" ] || echo "in --help, not in $page: $missing"
[ -z "$extra" ] || echo "in $page, not in --help: $extra"
[ -z "$missing$extra" ] && echo "$(echo "$help" | wc -l) options, the same in both"
[ -z "$missing$extra" ]
