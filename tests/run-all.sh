#!/usr/bin/env bash
# run-all.sh - the whole test suite: installs what is missing, builds with
# AddressSanitizer and UndefinedBehaviorSanitizer and runs every test (unit,
# corpus, hostile, CLI, format) under ctest; then a second, plain build runs
# the unit tests under valgrind memcheck.
#
# Usage: tests/run-all.sh   (builds go to build-test/ and build-valgrind/)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/contrib/setup-debian.sh" --test
cmake -S "$top" -B "$top/build-test" -DCMAKE_BUILD_TYPE=Debug \
	-DTLSRPT_SANITIZE=ON -DTLSRPT_WERROR=ON >/dev/null
cmake --build "$top/build-test" -j"$(nproc)"
(
	cd "$top/build-test"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j"$(nproc)"
)

cmake -S "$top" -B "$top/build-valgrind" -DCMAKE_BUILD_TYPE=Debug \
	-DTLSRPT_VALGRIND=ON >/dev/null
cmake --build "$top/build-valgrind" -j"$(nproc)"
cd "$top/build-valgrind"
ctest --output-on-failure -j"$(nproc)" -L valgrind
