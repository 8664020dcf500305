#!/usr/bin/env bash
# test_samples.sh - contrib/samples is exactly what the generator makes
# (tlsrpt-gen --demo), so the demo's reports are the project's own and
# reproducible; and the demo set imports with nothing rejected, into
# either store (TLSRPT_TEST_STORE=pg: PostgreSQL).
#
# Usage: test_samples.sh TLSRPT TLSRPT_GEN SOURCE_DIR
set -u
. "$(dirname "$0")/lib.sh"
"$2" --demo "$work/samples" >/dev/null || { echo "not ok - tlsrpt-gen --demo failed"; exit 1; }
if diff -r "$work/samples" "$3/contrib/samples" >"$work/diff"; then
	echo "ok - contrib/samples matches tlsrpt-gen --demo"
else
	echo "not ok - contrib/samples differs from tlsrpt-gen --demo:"
	head -20 "$work/diff"
	exit 1
fi
db=$(newdb t)
"$1" --db "$db" import --quiet "$3/contrib/samples" >"$work/out"
rc=$?
last=$(tail -n 1 "$work/out")
if [ $rc -eq 0 ] && [ "$last" = "40 stored, 0 duplicate, 0 rejected" ]; then
	echo "ok - the demo set imports: $last"
else
	echo "not ok - demo import: exit $rc, '$last'"
	exit 1
fi
echo "2 passed, 0 failed"
