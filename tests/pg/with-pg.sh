#!/usr/bin/env bash
# with-pg.sh - runs COMMAND with a private PostgreSQL 15 server
# (tests/pg/pg.sh) and $TLSRPT_TEST_PG set to its URI without a database,
# for the C tests whose fixtures make their databases there
# (tests/unit/testutil.c, tu_store_make). Exits 77 without PostgreSQL.
#
# Usage: with-pg.sh COMMAND [ARG...]
set -u
. "$(dirname "$0")/pg.sh"
pg_available || { echo "skip: PostgreSQL 15 not installed"; exit 77; }
pg_start || exit 1
export TLSRPT_TEST_PG="postgresql://$PGUSER@127.0.0.1:$PGPORT"
"$@"
