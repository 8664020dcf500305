#!/usr/bin/env bash
# check-format.sh - the tree's C files are as .clang-format says (STYLE.md:
# one style, checked in CI). Skips, saying so, where clang-format is absent.
#
# Usage: tests/check-format.sh SOURCE_DIR
set -u
top=$1
if ! command -v clang-format >/dev/null; then
	echo "clang-format not installed: format check skipped"
	exit 0
fi
cd "$top" || exit 1
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find collector analyzer tests contrib -name '*.[ch]')
bad=0
for f in $files; do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "not formatted: $f (run: clang-format -i $f)"
		bad=$((bad + 1))
	fi
done
echo "$(echo "$files" | wc -w) files checked, $bad not formatted"
[ "$bad" -eq 0 ]
