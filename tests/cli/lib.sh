# lib.sh - what the CLI tests share: a scratch directory, TAP-like result
# lines and the closing "N passed, N failed" line. Sourced, not run.

work=$(mktemp -d /tmp/tlsrpt-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT
fails=0 passes=0

ok() { passes=$((passes + 1)); echo "ok - $1"; }
not_ok() { fails=$((fails + 1)); echo "not ok - $1"; }

# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		printf '#   expected: %s\n#   got:      %s\n' "$2" "$3"
	fi
}

# contains NAME FILE TEXT
contains() {
	if grep -qF -- "$3" "$2"; then
		ok "$1"
	else
		not_ok "$1: '$3' not in $2:"
		sed 's/^/#   /' "$2"
	fi
}

# Prints the closing line; the exit status says whether all passed.
finish() {
	echo "$passes passed, $fails failed"
	[ "$fails" -eq 0 ]
}
