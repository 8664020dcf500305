#!/usr/bin/env bash
# check-man.sh - a binary's --help and its man page name the same long
# options, so neither falls behind the other.
#
# Usage: check-man.sh BINARY MANPAGE
set -u
help=$("$1" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
man=$(sed 's/\\-/-/g' "$2" | grep -o -- '--[a-z][a-z-]*' | sort -u)
missing=$(comm -23 <(echo "$help") <(echo "$man"))
extra=$(comm -13 <(echo "$help") <(echo "$man"))
[ -z "$missing" ] || echo "in --help, not in $2: $missing"
[ -z "$extra" ] || echo "in $2, not in --help: $extra"
[ -z "$missing$extra" ] && echo "$(echo "$help" | wc -l) options, the same in both"
[ -z "$missing$extra" ]
