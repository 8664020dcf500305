# shellcheck shell=bash
# store.sh - the store a benchmark runs on (issue 21). Sourced, not run.
#
#   STORE=sqlite   (the default) an SQLite file, read with sqlite3
#   STORE=pg       a private PostgreSQL 15 server of tests/pg/pg.sh,
#                  started once by bench_store_start, a new database per
#                  run (pg_newdb), read with psql
#
# TLSRPT_PG_BIN names another directory of PostgreSQL binaries (pg.sh).
# The server keeps pg.sh's settings (fsync on, 64 MB of shared buffers);
# TLSRPT_KEEP=1 keeps its directory (and log) after the benchmark.

STORE=${STORE:-sqlite}
case "$STORE" in
sqlite | pg) ;;
*)
	echo "STORE=$STORE: sqlite or pg" >&2
	exit 1
	;;
esac

# bench_store_start: on PostgreSQL, the server (in this shell, not in a
# $(...): pg_start registers its stop on EXIT). Nothing on SQLite.
bench_store_start() {
	[ "$STORE" = pg ] || return 0
	. "$(dirname "${BASH_SOURCE[0]}")/../pg/pg.sh"
	pg_available || { echo "PostgreSQL 15 is not installed (apt-get install postgresql)" >&2; exit 1; }
	pg_start || exit 1
}

# bench_newdb NAME FILE: a fresh, empty database: FILE (and its -wal,
# -shm, -journal) removed, or a new PostgreSQL database NAME (letters,
# digits, _); prints what --db takes.
bench_newdb() {
	if [ "$STORE" = pg ]; then
		pg_newdb "$1"
	else
		rm -f "$2" "$2-wal" "$2-shm" "$2-journal"
		echo "$2"
	fi
}

# bench_q DB SQL: the rows of SQL in DB, columns joined by '|'.
bench_q() {
	if [ "$STORE" = pg ]; then
		# shellcheck disable=SC2154 # pg_bin: set by tests/pg/pg.sh
		"$pg_bin/psql" -X -Atq -v ON_ERROR_STOP=1 -d "$1" -c "$2"
	else
		sqlite3 "$1" "$2"
	fi
}

# bench_db_bytes DB: the database's size in bytes: the file and its WAL,
# or pg_database_size.
bench_db_bytes() {
	if [ "$STORE" = pg ]; then
		bench_q "$1" 'SELECT pg_database_size(current_database())'
	else
		echo $(($(stat -c %s "$1") + $(stat -c %s "$1-wal" 2>/dev/null || echo 0)))
	fi
}
