# lib.sh - what the tests of `tlsrpt serve` share, on top of
# tests/cli/lib.sh: the binary from the first argument, the skip (77)
# without curl or python3, the golden dataset, the server started on a
# free loopback port and stopped on exit, fetches with curl, and
# page.py's questions about a page. Sourced, not run.
TLSRPT=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../cli/lib.sh"
. "$here/../cli/golden_data.sh"

if ! command -v curl >/dev/null || ! command -v python3 >/dev/null; then
	echo "SKIP: curl and python3 needed"
	exit 77
fi
pid=""
# Before lib.sh's (the work directory, the PostgreSQL server).
at_exit serve_kill

# page QUESTION ARGS... FILE: page.py's answer (see page.py).
page() { python3 "$here/page.py" "$@"; }

# serve_start DB [OPTIONS...]: starts `tlsrpt --db DB serve` on a free
# loopback port with OPTIONS, waits for its "listening on" line (10 s),
# and sets pid, port and base (http://127.0.0.1:PORT, or with --cert
# https://localhost:PORT). The port is one the kernel just gave out and
# another process may take first: then it tries another, five times.
# Returns 1 when it never listened (its log is in $work/serve.log).
serve_start() {
	local db=$1 scheme=http host=127.0.0.1 try
	shift
	case " $* " in *" --cert "*) scheme=https host=localhost ;; esac
	for try in 1 2 3 4 5; do
		port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		"$TLSRPT" --db "$db" serve --listen "127.0.0.1:$port" "$@" \
			2>"$work/serve.log" &
		pid=$!
		for _ in $(seq 1 100); do
			if grep -q 'listening on' "$work/serve.log"; then
				base="$scheme://$host:$port"
				return 0
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		serve_kill
	done
	sed 's/^/#   /' "$work/serve.log"
	return 1
}

# serve_stop: SIGTERM, as systemd stops it; its exit status in stop_rc.
# (Not in a $(...): the server is this shell's child, not a subshell's.)
serve_stop() {
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	stop_rc=$?
	pid=""
}
serve_kill() {
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=""
}

# get PATH OUT [CURL ARGS...]: fetches $base$PATH into $work/OUT, its
# headers into $work/OUT.head; prints the status.
get() {
	local p=$1 out=$2
	shift 2
	curl -s -o "$work/$out" -D "$work/$out.head" -w '%{http_code}' "$@" "$base$p"
}

# header NAME OUT: the value of header NAME in $work/OUT.head (the last
# one of that name), without its CR.
header() {
	tr -d '\r' <"$work/$2.head" | awk -v n="$1" '
		BEGIN { n = tolower(n) }
		{ i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == n) { v = substr($0, i + 1); sub(/^[ \t]+/, "", v); last = v } }
		END { print last }'
}

# secure NAME OUT: the four headers every answer carries.
secure() {
	local got
	got="$(header Content-Security-Policy "$2")|$(header X-Content-Type-Options "$2")|$(header Referrer-Policy "$2")|$(header X-Frame-Options "$2")"
	check "$1: the security headers" \
		"default-src 'none'; style-src 'self'; img-src 'self' data:|nosniff|no-referrer|DENY" "$got"
}

# same NAME OUT EXPECTED-FILE: $work/OUT holds EXPECTED-FILE's bytes.
same() {
	if cmp -s "$3" "$work/$2"; then
		ok "$1"
	else
		not_ok "$1: the answer differs from the command's"
		diff "$3" "$work/$2" | head -n 10 | sed 's/^/#   /'
	fi
}
