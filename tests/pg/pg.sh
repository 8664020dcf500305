# pg.sh - a private PostgreSQL 15 server for one test script (issue 21):
# initdb into a temporary directory, started on a free loopback port with
# its socket in that directory, trust authentication for the test's own
# role (tlsrpt), stopped and removed when the script exits. As root (CI)
# the server runs as nobody, since PostgreSQL refuses to run as root.
# Sourced, not run:
#
#   . tests/pg/pg.sh
#   pg_available || { echo "skip: PostgreSQL 15 not installed"; exit 77; }
#   pg_start || exit 1          # sets PGHOST, PGPORT, PGUSER
#   db=$(pg_newdb t)            # postgresql://tlsrpt@127.0.0.1:PORT/t
#   pg_pause; ...; pg_resume    # an outage: stopped, started again
#
# pg_start registers pg_stop on EXIT in front of the trap already set.
# A later `trap ... EXIT` would replace it: scripts that add to the trap
# after pg_start must chain as pg_start does.
#
# TLSRPT_PG_BIN names another directory of PostgreSQL binaries.

pg_bin=${TLSRPT_PG_BIN:-/usr/lib/postgresql/15/bin}
pg_dir=""
pg_watchdog=""

# pg_available: whether the server's binaries are installed.
pg_available() {
	local b
	for b in initdb pg_ctl postgres pg_isready psql; do
		[ -x "$pg_bin/$b" ] || return 1
	done
}

# pg_as COMMAND...: COMMAND as the server's owner: nobody when we are
# root, else ourselves. Run from the server's directory, because nobody
# may not enter the caller's working directory.
pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd "$pg_dir" && setpriv --reuid=nobody --regid=nogroup --clear-groups \
			--reset-env -- "$@")
	else
		(cd "$pg_dir" && "$@")
	fi
}

# pg_try_port PORT: starts the server on PORT; fails (and leaves no
# server) when the port is taken or the server does not come up.
pg_try_port() {
	# fsync stays on: the tests check what is durable. 64 MB of shared
	# buffers keeps several servers of a parallel ctest within memory.
	# (pg_ctl hands -o to a shell: one line.)
	local opts="-c listen_addresses=127.0.0.1 -c port=$1 -k $pg_dir"
	opts="$opts -c shared_buffers=64MB -c fsync=on"
	pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -t 30 \
		-o "$opts" start >>"$pg_dir/pg_ctl.out" 2>&1
}

# pg_start: a new server, ready for connections; sets PGHOST, PGPORT and
# PGUSER (exported, for psql and libpq). Returns 1, with the server's
# log on stderr, when it cannot start one.
pg_start() {
	local port try
	pg_dir=$(mktemp -d /tmp/tlsrpt-pg-XXXXXX) || return 1
	pg_chain_trap
	if [ "$(id -u)" -eq 0 ]; then
		chown nobody: "$pg_dir" || return 1
	fi
	# --no-sync: only initdb's own flush of the new cluster, which a test
	# that throws it away does not need; the server itself syncs.
	if ! pg_as "$pg_bin/initdb" -D "$pg_dir/data" -U tlsrpt -A trust \
		-E UTF8 --locale=C.UTF-8 --no-sync >"$pg_dir/initdb.out" 2>&1; then
		echo "pg_start: initdb failed:" >&2
		sed 's/^/#   /' "$pg_dir/initdb.out" >&2
		return 1
	fi
	# A port from a random base: parallel tests rarely pick the same one,
	# and when another process holds it the server fails to bind and the
	# next is tried.
	port=$((55000 + RANDOM % 1000))
	for try in 1 2 3 4 5 6 7 8 9 10; do
		if pg_try_port "$port"; then
			export PGHOST=127.0.0.1 PGPORT=$port PGUSER=tlsrpt
			pg_watch
			pg_wait && return 0
			break
		fi
		# Anything but a taken port will not go better on another.
		grep -q 'Address already in use' "$pg_dir/log" 2>/dev/null || break
		port=$((55000 + (port - 55000 + 1 + RANDOM % 97) % 1000))
	done
	echo "pg_start: no server in $pg_dir (last port $port); its log:" >&2
	sed 's/^/#   /' "$pg_dir/pg_ctl.out" "$pg_dir/log" >&2 2>/dev/null
	return 1
}

# pg_watch: a watchdog in its own session for when this script dies
# without running its EXIT trap (SIGKILL, a ctest timeout, which kills
# the script's process tree but not the server pg_ctl detached): once the
# script's shell is gone, it stops the server at once (SIGQUIT, as
# pg_ctl -m immediate) and removes the directory once the server has
# removed its pid file (the postmaster's pid may stay a zombie where
# init does not reap).
pg_watch() {
	setsid bash -c '
		while kill -0 "$1" 2>/dev/null; do sleep 1; done
		pid=$(head -n 1 "$2/data/postmaster.pid" 2>/dev/null) || exit 0
		kill -QUIT "$pid" 2>/dev/null
		for i in $(seq 1 300); do
			[ -f "$2/data/postmaster.pid" ] || break
			sleep 0.1
		done
		rm -rf "$2"' pg-watchdog $$ "$pg_dir" </dev/null >/dev/null 2>&1 &
	pg_watchdog=$!
}

# pg_wait: until the server accepts connections on its TCP port (10 s).
pg_wait() {
	local i
	for i in $(seq 1 100); do
		"$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$PGPORT" -d postgres && return 0
		sleep 0.1
	done
	return 1
}

# pg_chain_trap: pg_stop first on EXIT, then whatever was set before.
pg_chain_trap() {
	local old
	old=$(trap -p EXIT)
	# `trap -p` prints  trap -- 'COMMAND' EXIT , quoted for the shell.
	eval "set -- $old"
	trap -- "pg_stop${3:+; $3}" EXIT
}

# pg_newdb NAME: creates database NAME (letters, digits, _) and prints
# its URI. NAME must be new on this server.
pg_newdb() {
	case "$1" in
	"" | *[!a-z0-9_]*)
		echo "pg_newdb: bad name '$1'" >&2
		return 1
		;;
	esac
	"$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -d postgres \
		-c "CREATE DATABASE \"$1\"" >&2 || return 1
	echo "postgresql://tlsrpt@127.0.0.1:$PGPORT/$1"
}

# pg_pause: stops the server as an outage would, its directory and port
# kept for pg_resume: fast (the open sessions are cut at once, what was
# committed stays), not immediate (that is a crash, which a test of
# reconnection does not need and recovery would slow).
pg_pause() {
	pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w -t 30 \
		stop >>"$pg_dir/pg_ctl.out" 2>&1
}

# pg_resume: starts the paused server again on its port (PGPORT, which
# the clients know), ready for connections. Fails when the port was
# taken meanwhile or the server does not come up.
pg_resume() {
	pg_try_port "$PGPORT" && pg_wait
}

# pg_stop: stops the server (immediately: its data is thrown away) and
# removes its directory. Safe to call twice and without a server.
pg_stop() {
	[ -n "$pg_dir" ] || return 0
	[ -z "$pg_watchdog" ] || kill "$pg_watchdog" 2>/dev/null
	pg_watchdog=""
	if [ -f "$pg_dir/data/postmaster.pid" ]; then
		pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w -t 30 \
			stop >/dev/null 2>&1
	fi
	if [ -n "${TLSRPT_KEEP:-}" ]; then
		echo "# PostgreSQL's directory kept: $pg_dir" >&2
	else
		rm -rf "$pg_dir"
	fi
	pg_dir=""
}
