#!/usr/bin/env bash
# run-all.sh - the whole test suite: installs what is missing, builds with
# AddressSanitizer and UndefinedBehaviorSanitizer and runs every test (unit,
# corpus, hostile, CLI, daemons, faults, format) under ctest; then a second,
# plain build runs the unit tests under valgrind memcheck; then each fuzz
# target runs for a minute (clang, libFuzzer).
#
# Usage: tests/run-all.sh   (builds go to build-test/, build-valgrind/ and
#                           build-fuzz/)
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
(
	cd "$top/build-valgrind"
	ctest --output-on-failure -j"$(nproc)" -L valgrind
)

# Each libFuzzer target for 60 s on its seeds (tests/fuzz/README.md has
# the long runs).
"$top/tests/fuzz/run.sh" 60
