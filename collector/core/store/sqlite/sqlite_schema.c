/*
 * sqlite_schema.c - the store's schema versions: a new database made at the
 * latest, an existing one of another version refused, and the explicit
 * upgrade (tlsrpt upgrade) with its backup.
 *
 * Why nothing upgrades by itself: a newer tlsrpt that upgraded on open left
 * an older daemon, still running, writing reports without the newer
 * schema's rollups (issue 16 §5: 12 reports in one query, 13 in another).
 * So one command migrates, every other program refuses a database of
 * another version, and a running writer checks the version inside each
 * write transaction (store_write_begin), where it cannot change under it.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "schema.h"
#include "sqlite_impl.h"

int
sqlite_schema_version(struct sqlite_store *st)
{
	sqlite3_stmt *stmt;
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &stmt,
	                       NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

int
sqlite_schema_latest(void)
{
	int latest = 0;
	size_t i;

	for (i = 0; i < schema_nsteps; i++)
		if (schema_steps[i].version > latest)
			latest = schema_steps[i].version;
	return latest;
}

/* 1 when the database holds no table, index or trigger (a new or
 * zero-length file), 0 when it does, -1 when it cannot be read. */
static int
is_empty(struct sqlite_store *st)
{
	sqlite3_stmt *s;
	int n = -1;

	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_master", -1,
	                       &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n < 0 ? -1 : n == 0;
}

/* What a schema step needs beyond its SQL: the rollups of 002 are filled
 * from the reports already stored, and refilled by 003, which changed which
 * policies count for their domain (a key of the rollups). */
static int
schema_fill(struct sqlite_store *st, int version, struct errbuf *eb)
{
	if (version == 2 || version == 3)
		return store_rollup_rebuild(st, INT64_MIN, INT64_MAX, eb);
	return 0;
}

/* Applies every step above st->version in one transaction. Another
 * process may have made or upgraded the database while this one waited for
 * the lock: when it is at the latest version then, nothing is left to do;
 * when at another, this one's idea of it is stale (-1, try again). */
static int
apply_steps(struct sqlite_store *st, int creating, struct errbuf *eb)
{
	int latest = sqlite_schema_latest(), have;
	char sql[64];
	size_t i;

	if (store_exec(st, "BEGIN IMMEDIATE", eb) != 0)
		return -1;
	if ((have = sqlite_schema_version(st)) != st->version ||
	    (creating && is_empty(st) != 1)) {
		store_exec(st, "ROLLBACK", NULL);
		if (have == latest) {
			st->version = have;
			return 0;
		}
		return errbuf_set(eb,
		                  "database %s: changed by another program "
		                  "while opening; try again",
		                  st->path);
	}
	for (i = 0; i < schema_nsteps; i++) {
		if (schema_steps[i].version <= have)
			continue;
		if (store_exec(st, schema_steps[i].sql, eb) != 0 ||
		    schema_fill(st, schema_steps[i].version, eb) != 0) {
			errbuf_prefix(eb, "schema %s", schema_steps[i].name);
			store_exec(st, "ROLLBACK", NULL);
			return -1;
		}
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", latest);
	if (store_exec(st, sql, eb) != 0 || store_exec(st, "COMMIT", eb) != 0) {
		store_exec(st, "ROLLBACK", NULL);
		return -1;
	}
	st->version = latest;
	return 0;
}

int
store_schema_open(struct sqlite_store *st, int flags, struct errbuf *eb)
{
	int latest = sqlite_schema_latest(), empty;

	/* The first read: a file that is not a database is told here. */
	if ((st->version = sqlite_schema_version(st)) < 0 ||
	    (empty = is_empty(st)) < 0)
		return store_error(st, eb, "cannot read the schema version");
	if (st->version == latest)
		return 0;
	if (st->version > latest) {
		errbuf_set(eb,
		           "database %s: this tlsrpt knows schema %d, the "
		           "database is at %d: install the newer tlsrpt",
		           st->path, latest, st->version);
		return STORE_E_SCHEMA;
	}
	if (st->version == 0 && empty) {
		if (st->readonly)
			return errbuf_set(eb,
			                  "database %s is empty: nothing was "
			                  "stored in it yet",
			                  st->path);
		return apply_steps(st, 1, eb);
	}
	if (st->version == 0)
		return errbuf_set(eb,
		                  "%s is not a tlsrpt database (it holds "
		                  "tables but no schema version)",
		                  st->path);
	if (flags & STORE_ANY_VERSION)
		return 0;
	errbuf_set(eb,
	           "database %s is at schema version %d; this program needs "
	           "version %d: stop tlsrpt-milter and tlsrpt-httpd, then run "
	           "'tlsrpt upgrade --db %s'",
	           st->path, st->version, latest, st->path);
	return STORE_E_SCHEMA;
}

int
sqlite_upgrade(struct sqlite_store *st, struct errbuf *eb)
{
	if (st->readonly)
		return errbuf_set(eb, "database %s: opened read-only",
		                  st->path);
	if (st->version != sqlite_schema_latest() &&
	    apply_steps(st, 0, eb) != 0)
		return -1;
	return store_prepare(st, eb);
}

int
sqlite_backup(struct sqlite_store *st, const char *dest, struct errbuf *eb)
{
	sqlite3_stmt *s;
	int rc;

	if (access(dest, F_OK) == 0 || errno != ENOENT)
		return errbuf_set(eb, "%s exists already", dest);
	/* VACUUM INTO: a consistent copy as of one read transaction, even
	 * while a daemon writes, compacted; made with the umask. */
	if (sqlite3_prepare_v2(st->db, "VACUUM INTO ?1", -1, &s, NULL) !=
	    SQLITE_OK)
		return store_error(st, eb, "VACUUM INTO");
	sqlite3_bind_text(s, 1, dest, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) != SQLITE_DONE) {
		store_error(st, eb, "backup");
		errbuf_prefix(eb, "%s", dest);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return 0;
	unlink(dest);
	return -1;
}
