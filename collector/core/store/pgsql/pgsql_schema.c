/*
 * pgsql_schema.c - the PostgreSQL store's schema versions: the table
 * tlsrpt_schema holds the version; schema/postgresql/NNN-name.sql are the
 * steps (compiled in as pgsql_schema_steps).
 *
 * As with SQLite (sqlite_schema.c says why), a new database is made at
 * the latest version by whichever writer opens it first, an existing one
 * of another version is refused, and only tlsrpt upgrade migrates it.
 * Both run under the schema's advisory lock taken exclusive, so that two
 * collectors starting at once do not both migrate: the second waits, then
 * finds the schema made. Every step is applied in one transaction
 * (PostgreSQL's DDL is transactional): afterwards the database is at its
 * old version or at the latest, never between, as store.h promises.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pgsql_impl.h"
#include "schema.h"

extern const struct schema_step pgsql_schema_steps[];
extern const size_t pgsql_schema_nsteps;

/* 2200-01-01: from there on, policy_other (schema/postgresql/001). */
#define MONTHS_END 7258118400LL

int
pgsql_schema_latest(void)
{
	int latest = 0;
	size_t i;

	for (i = 0; i < pgsql_schema_nsteps; i++)
		if (pgsql_schema_steps[i].version > latest)
			latest = pgsql_schema_steps[i].version;
	return latest;
}

/* The version (0: no version table), or -1 with eb filled. Sets *tables
 * to whether our tables are there without it. */
static int
read_version(struct pgsql_store *st, int *tables, struct errbuf *eb)
{
	PGresult *res;
	int v;

	/* pg_class read with the statement's snapshot, not to_regclass():
	 * the catalog caches may not yet know of tables another session
	 * committed while this one waited for the schema lock. */
	res = pgsql_query(st,
	                  "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN"
	                  " pg_namespace n ON n.oid = c.relnamespace"
	                  " WHERE c.relname = 'tlsrpt_schema'"
	                  " AND n.nspname = ANY (current_schemas(false))),"
	                  " EXISTS (SELECT 1 FROM pg_class c JOIN"
	                  " pg_namespace n ON n.oid = c.relnamespace"
	                  " WHERE c.relname = 'report'"
	                  " AND n.nspname = ANY (current_schemas(false)))",
	                  0, NULL, eb, "cannot read the schema version");
	if (res == NULL)
		return -1;
	v = strcmp(PQgetvalue(res, 0, 0), "t") == 0 ? 1 : 0;
	*tables = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	PQclear(res);
	if (v == 0)
		return 0;
	res = pgsql_query(st, "SELECT max(version) FROM tlsrpt_schema", 0, NULL,
	                  eb, "cannot read the schema version");
	if (res == NULL)
		return -1;
	v = (int)pgsql_get_int(res, 0, 0);
	PQclear(res);
	return v;
}

int
pgsql_schema_version(struct pgsql_store *st)
{
	int tables;

	return read_version(st, &tables, NULL);
}

/* Applies the steps above `have`, and sets the version, in the open
 * transaction. */
static int
apply(struct pgsql_store *st, int have, struct errbuf *eb)
{
	char sql[160];
	size_t i;

	for (i = 0; i < pgsql_schema_nsteps; i++) {
		if (pgsql_schema_steps[i].version <= have)
			continue;
		if (pgsql_exec(st, pgsql_schema_steps[i].sql, 0, NULL, eb,
		               pgsql_schema_steps[i].name) != 0)
			return -1;
	}
	snprintf(sql, sizeof(sql),
	         "%s; DELETE FROM tlsrpt_schema;"
	         " INSERT INTO tlsrpt_schema VALUES (%d)",
	         have == 0 ? "CREATE TABLE tlsrpt_schema (version int NOT NULL)"
	                   : "SELECT 1",
	         pgsql_schema_latest());
	return pgsql_exec(st, sql, 0, NULL, eb, "schema version");
}

/* Brings the database from st->version (0: new) to the latest, under
 * the schema lock. Another program may have done it while this one
 * waited: at the latest then, nothing is left to do; at another
 * version, this one's idea of it is stale (-1, try again). */
static int
migrate(struct pgsql_store *st, struct errbuf *eb)
{
	int latest = pgsql_schema_latest(), have, tables;
	char sql[96];

	snprintf(sql, sizeof(sql),
	         "BEGIN; SELECT pg_advisory_xact_lock(%d, %d)",
	         PGSQL_LOCK_CLASS, PGSQL_LOCK_SCHEMA);
	if (pgsql_exec(st, sql, 0, NULL, eb, "schema lock") != 0)
		goto fail;
	if ((have = read_version(st, &tables, eb)) < 0)
		goto fail;
	if (have != st->version || (have == 0 && tables)) {
		/* Read again in a transaction of its own, which sees what
		 * the other program made. */
		pgsql_write_rollback(st);
		if ((have = read_version(st, &tables, eb)) < 0)
			return -1;
		if (have == latest) {
			st->version = have;
			return 0;
		}
		return errbuf_set(eb,
		                  "database %s: changed by another program "
		                  "while opening; try again",
		                  st->label);
	}
	if (apply(st, have, eb) != 0 ||
	    pgsql_exec(st, "COMMIT", 0, NULL, eb, "schema") != 0)
		goto fail;
	st->version = latest;
	return 0;
fail:
	pgsql_write_rollback(st);
	return -1;
}

int
pgsql_schema_open(struct pgsql_store *st, int flags, struct errbuf *eb)
{
	int latest = pgsql_schema_latest(), tables;

	if ((st->version = read_version(st, &tables, eb)) < 0)
		return -1;
	if (st->version == latest)
		return 0;
	if (st->version > latest) {
		errbuf_set(eb,
		           "database %s: this tlsrpt knows schema %d, the "
		           "database is at %d: install the newer tlsrpt",
		           st->label, latest, st->version);
		return STORE_E_SCHEMA;
	}
	if (st->version == 0 && tables)
		return errbuf_set(eb,
		                  "%s is not a tlsrpt database (it holds "
		                  "tables but no schema version)",
		                  st->label);
	if (st->version == 0) {
		if (st->readonly || (flags & STORE_MUST_EXIST))
			return errbuf_set(eb,
			                  "database %s is empty: nothing was "
			                  "stored in it yet",
			                  st->label);
		return migrate(st, eb);
	}
	if (flags & STORE_ANY_VERSION)
		return 0;
	errbuf_set(eb,
	           "database %s is at schema version %d; this program needs "
	           "version %d: stop tlsrpt-milter and tlsrpt-httpd, then run "
	           "'tlsrpt upgrade --db %s'",
	           st->label, st->version, latest, st->label);
	return STORE_E_SCHEMA;
}

int
pgsql_upgrade(struct pgsql_store *st, struct errbuf *eb)
{
	if (st->readonly)
		return errbuf_set(eb, "database %s: opened read-only",
		                  st->label);
	if (st->version == pgsql_schema_latest())
		return 0;
	return migrate(st, eb);
}

int
pgsql_backup(struct pgsql_store *st, const char *dest, struct errbuf *eb)
{
	(void)dest;
	return errbuf_set(eb,
	                  "database %s: tlsrpt backup copies SQLite files "
	                  "only; for PostgreSQL use pg_dump (pg_dump -Fc -f "
	                  "FILE DBNAME), which takes a consistent copy while "
	                  "the collectors write",
	                  st->label);
}

/* ---- Month partitions ---- */

int
pgsql_month(int64_t t, int64_t *start, char *tag, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t < 0 || t >= MONTHS_END || gmtime_r(&tt, &tm) == NULL)
		return 0;
	/* t is in [1970, 2200): four digits and two, which the compiler
	 * cannot see (hence the unsigned casts, bounded by %). */
	snprintf(tag, size, "%04u%02u", (unsigned)(tm.tm_year + 1900) % 10000,
	         (unsigned)(tm.tm_mon + 1) % 100);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	if (start != NULL)
		*start = (int64_t)timegm(&tm);
	return 1;
}

static int
month_known(const struct pgsql_store *st, int64_t m)
{
	size_t i;

	for (i = 0; i < st->nmonths; i++)
		if (st->months[i] == m)
			return 1;
	return 0;
}

static int
month_note(struct pgsql_store *st, int64_t m)
{
	int64_t *nm;
	size_t cap;

	if (st->nmonths == st->capmonths) {
		cap = st->capmonths ? st->capmonths * 2 : 16;
		if ((nm = reallocarray(st->months, cap, sizeof(*nm))) == NULL)
			return -1;
		st->months = nm;
		st->capmonths = cap;
	}
	st->months[st->nmonths++] = m;
	return 0;
}

void
pgsql_months_forget(struct pgsql_store *st, int64_t before)
{
	size_t i, n = 0, kept = 0;

	for (i = 0; i < st->nmonths; i++) {
		if (st->months[i] < before)
			continue;
		if (i < st->nmonths_kept)
			kept++;
		st->months[n++] = st->months[i];
	}
	st->nmonths = n;
	st->nmonths_kept = kept;
}

/*
 * Makes the partitions of the month of t when this process does not know
 * them. Outside a transaction, in one of its own: creating a partition
 * locks the parent (ACCESS EXCLUSIVE) until the commit, and a short
 * transaction holds it for milliseconds. Inside a batch it is made in the
 * batch (its rows need it now): the batch then holds the parent until
 * its commit, and two batches that each wait for the other's lock are a
 * deadlock the server breaks (STORE_E_AGAIN; the caller retries the
 * batch). pgsql_months_ahead makes the months around now at open, so
 * that only reports of other months (an old archive) meet this.
 */
int
pgsql_month_ensure(struct pgsql_store *st, int64_t t, struct errbuf *eb)
{
	char tag[16], v[24];
	const char *p[1];
	int64_t m;

	if (!pgsql_month(t, &m, tag, sizeof(tag)) || month_known(st, m))
		return 0;
	p[0] = pgsql_int(v, t);
	if (pgsql_exec(st, "SELECT tlsrpt_partition($1::bigint)", 1, p, eb,
	               "partition") != 0)
		return -1;
	if (month_note(st, m) != 0)
		return errbuf_set(eb, "out of memory");
	if (PQtransactionStatus(st->conn) == PQTRANS_IDLE)
		st->nmonths_kept = st->nmonths;
	return 0;
}

int
pgsql_months_ahead(struct pgsql_store *st, struct errbuf *eb)
{
	int64_t now = (int64_t)time(NULL);
	int d;

	for (d = -1; d <= 1; d++)
		if (pgsql_month_ensure(st, now + d * 31 * 86400LL, eb) != 0)
			return -1;
	return 0;
}
