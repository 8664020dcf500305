/*
 * pgsql_admin.c - retention, the quarantine's changes, vacuum, the
 * daemons' start-up probe and where `tlsrpt fetch` is in each mailbox:
 * the PostgreSQL store's side of what sqlite_admin.c and sqlite_fetch.c
 * do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pgsql_impl.h"

/* ---- Retention ---- */

/* Drops the month partitions of policy and failure that lie wholly
 * before `before`: a month of rows goes at the cost of a file unlink,
 * not of a DELETE of each row. The rows of the month that holds
 * `before` are deleted one by one afterwards. */
static int
drop_months(struct pgsql_store *st, int64_t before, struct errbuf *eb)
{
	PGresult *res;
	char sql[160];
	int i, y, m, ret = 0;
	struct tm tm;

	res = pgsql_query(st,
	                  "SELECT substr(c.relname, 8) FROM pg_inherits i"
	                  " JOIN pg_class c ON c.oid = i.inhrelid"
	                  " WHERE i.inhparent = 'policy'::regclass"
	                  " AND c.relname ~ '^policy_[0-9]{6}$'",
	                  0, NULL, eb, "prune");
	if (res == NULL)
		return -1;
	for (i = 0; ret == 0 && i < PQntuples(res); i++) {
		if (sscanf(PQgetvalue(res, i, 0), "%4d%2d", &y, &m) != 2)
			continue;
		/* The first second of the next month: the partition's end. */
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900 + (m == 12);
		tm.tm_mon = m % 12;
		tm.tm_mday = 1;
		if ((int64_t)timegm(&tm) > before)
			continue;
		snprintf(sql, sizeof(sql),
		         "DROP TABLE IF EXISTS policy_%04d%02d,"
		         " failure_%04d%02d",
		         y, m, y, m);
		ret = pgsql_exec(st, sql, 0, NULL, eb, "prune");
	}
	PQclear(res);
	return ret;
}

/* Runs sql with the parameter before; adds the rows it changed (or, for
 * a statement that returns one row, its first column) to *n. */
static int
delete_before(struct pgsql_store *st, const char *sql, int64_t before,
              int64_t *n, struct errbuf *eb)
{
	char v[24];
	const char *p[1] = {pgsql_int(v, before)};
	PGresult *res = pgsql_query(st, sql, 1, p, eb, "prune");

	if (res == NULL)
		return -1;
	if (n != NULL)
		*n += PQresultStatus(res) == PGRES_TUPLES_OK
		          ? pgsql_get_int(res, 0, 0)
		          : strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return 0;
}

int
pgsql_prune(struct pgsql_store *st, int64_t before, int dry_run,
            int64_t *reports, int64_t *quarantined, struct errbuf *eb)
{
	int ret;

	*reports = *quarantined = 0;
	if ((ret = pgsql_write_begin(st, eb)) != 0)
		return ret;
	/* A dry run deletes row by row, for the counts, and rolls back. A
	 * report's bytes go with it (report_raw ON DELETE CASCADE). */
	if ((!dry_run && drop_months(st, before, eb) != 0) ||
	    delete_before(st, "DELETE FROM failure WHERE start_time < $1",
	                  before, NULL, eb) != 0 ||
	    delete_before(st, "DELETE FROM policy WHERE start_time < $1",
	                  before, NULL, eb) != 0 ||
	    delete_before(st, "DELETE FROM report WHERE start_time < $1",
	                  before, reports, eb) != 0 ||
	    pgsql_rollup_prune(st, before, eb) != 0 ||
	    delete_before(st,
	                  "WITH d AS (DELETE FROM quarantine"
	                  " WHERE last_seen < $1"
	                  " RETURNING octet_length(bytes) AS n),"
	                  " u AS (UPDATE quarantine_usage SET bytes = bytes -"
	                  " (SELECT sum(n) FROM d)"
	                  " WHERE EXISTS (SELECT 1 FROM d))"
	                  " SELECT count(*) FROM d",
	                  before, quarantined, eb) != 0)
		goto fail;
	if (dry_run) {
		pgsql_write_rollback(st);
		return 0;
	}
	if (pgsql_write_commit(st, eb) != 0)
		goto fail;
	pgsql_months_forget(st, before);
	return 0;
fail:
	pgsql_write_rollback(st);
	*reports = *quarantined = 0;
	return -1;
}

/* ---- The quarantine ---- */

int
pgsql_quarantine_set_reason(struct pgsql_store *st, int64_t key,
                            const char *reason, struct errbuf *eb)
{
	char v[24];
	const char *p[2] = {pgsql_int(v, key), reason};

	return pgsql_exec(st, "UPDATE quarantine SET reason = $2 WHERE id = $1",
	                  2, p, eb, "quarantine");
}

int
pgsql_quarantine_delete(struct pgsql_store *st, int64_t key, struct errbuf *eb)
{
	return pgsql_quarantine_remove(st, key, eb) < 0 ? -1 : 0;
}

int
pgsql_quarantine_remove(struct pgsql_store *st, int64_t key, struct errbuf *eb)
{
	char v[24];
	const char *p[1] = {pgsql_int(v, key)};
	PGresult *res;
	int n;

	/* One statement: its own transaction outside a batch; it gives
	 * the bytes back to quarantine_usage. */
	res = pgsql_query(st,
	                  "WITH d AS (DELETE FROM quarantine WHERE id = $1"
	                  " RETURNING octet_length(bytes) AS n),"
	                  " u AS (UPDATE quarantine_usage SET bytes = bytes -"
	                  " (SELECT sum(n) FROM d)"
	                  " WHERE EXISTS (SELECT 1 FROM d))"
	                  " SELECT count(*) FROM d",
	                  1, p, eb, "quarantine");
	if (res == NULL)
		return -1;
	n = (int)pgsql_get_int(res, 0, 0);
	PQclear(res);
	return n;
}

/* ---- Vacuum, probes ---- */

static int
db_size(struct pgsql_store *st, int64_t *out, struct errbuf *eb)
{
	PGresult *res =
	    pgsql_query(st, "SELECT pg_database_size(current_database())", 0,
	                NULL, eb, "vacuum");

	if (res == NULL)
		return -1;
	*out = pgsql_get_int(res, 0, 0);
	PQclear(res);
	return 0;
}

int
pgsql_vacuum(struct pgsql_store *st, int64_t *before, int64_t *after, int *held,
             struct errbuf *eb)
{
	*before = *after = 0;
	*held = 0;
	if (st->in_batch || PQtransactionStatus(st->conn) != PQTRANS_IDLE)
		return errbuf_set(eb,
		                  "database %s: vacuum inside a "
		                  "transaction",
		                  st->label);
	/* VACUUM gives back only the free pages at the end of each table
	 * (VACUUM FULL would rewrite them under an exclusive lock, and
	 * give new keys to no one: ids stay); ANALYZE refreshes the
	 * planner's statistics after large deletions. */
	if (pgsql_connect(st, eb) != 0 || db_size(st, before, eb) != 0 ||
	    pgsql_exec(st, "VACUUM (ANALYZE)", 0, NULL, eb, "vacuum") != 0 ||
	    db_size(st, after, eb) != 0)
		return -1;
	return 0;
}

/* The tables a writer writes; tlsrpt_partition is SECURITY DEFINER, so
 * a writer that does not own them needs no more than these. */
#define WRITTEN_TABLES                                                         \
	"'report', 'report_raw', 'policy', 'failure', 'quarantine',"           \
	" 'quarantine_usage', 'rollup_policy', 'rollup_failure',"              \
	" 'rollup_mx', 'fetch_state', 'fetch_move'"

int
pgsql_probe_write(struct pgsql_store *st, struct errbuf *eb)
{
	PGresult *res;
	int ret;

	if ((ret = pgsql_write_begin(st, eb)) != 0)
		return ret;
	res = pgsql_query(
	    st,
	    "SELECT current_user, t FROM unnest(ARRAY[" WRITTEN_TABLES
	    "]) t WHERE NOT"
	    " (has_table_privilege(t, 'SELECT')"
	    " AND has_table_privilege(t, 'INSERT')"
	    " AND has_table_privilege(t, 'UPDATE')"
	    " AND has_table_privilege(t, 'DELETE'))"
	    " LIMIT 1",
	    0, NULL, eb, "privileges");
	pgsql_write_rollback(st);
	if (res == NULL)
		return -1;
	if (PQntuples(res) > 0) {
		errbuf_set(eb,
		           "database %s: role %s may not write table %s: as "
		           "the tables' owner, GRANT SELECT, INSERT, UPDATE, "
		           "DELETE ON ALL TABLES IN SCHEMA public TO %s",
		           st->label, PQgetvalue(res, 0, 0),
		           PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 0));
		ret = STORE_E_ACCESS;
	}
	PQclear(res);
	return ret;
}

/* ---- Mailboxes read by tlsrpt fetch ---- */

int
pgsql_fetch_state(struct pgsql_store *st, const char *mailbox,
                  struct store_fetch_mark *mark, struct errbuf *eb)
{
	const char *p[1] = {mailbox};
	PGresult *res;
	int found;

	res = pgsql_query(st,
	                  "SELECT uidvalidity, last_uid, updated"
	                  " FROM fetch_state WHERE mailbox = $1",
	                  1, p, eb, "fetch state");
	if (res == NULL)
		return -1;
	if ((found = PQntuples(res) > 0)) {
		mark->uidvalidity = pgsql_get_int(res, 0, 0);
		mark->last_uid = pgsql_get_int(res, 0, 1);
		mark->updated = pgsql_get_int(res, 0, 2);
	}
	PQclear(res);
	return found;
}

int
pgsql_fetch_mark(struct pgsql_store *st, const char *mailbox,
                 const struct store_fetch_mark *mark, struct errbuf *eb)
{
	char a[24], b[24], c[24];
	const char *p[4] = {mailbox, pgsql_int(a, mark->uidvalidity),
	                    pgsql_int(b, mark->last_uid),
	                    pgsql_int(c, mark->updated)};

	return pgsql_exec(st,
	                  "INSERT INTO fetch_state (mailbox, uidvalidity,"
	                  " last_uid, updated) VALUES ($1, $2, $3, $4)"
	                  " ON CONFLICT (mailbox) DO UPDATE SET"
	                  " uidvalidity = $2, last_uid = $3, updated = $4",
	                  4, p, eb, "fetch state");
}

int
pgsql_fetch_move_add(struct pgsql_store *st, const char *mailbox,
                     int64_t validity, uint32_t uid, const char *target,
                     struct errbuf *eb)
{
	char a[24], b[24];
	const char *p[4] = {mailbox, pgsql_int(a, validity), pgsql_int(b, uid),
	                    target};

	return pgsql_exec(st,
	                  "INSERT INTO fetch_move (mailbox, uidvalidity, uid,"
	                  " target) VALUES ($1, $2, $3, $4)"
	                  " ON CONFLICT (mailbox, uidvalidity, uid)"
	                  " DO UPDATE SET target = excluded.target",
	                  4, p, eb, "fetch moves");
}

int
pgsql_fetch_moves(struct pgsql_store *st, const char *mailbox, int64_t validity,
                  store_move_cb cb, void *arg, struct errbuf *eb)
{
	char a[24];
	const char *p[2] = {mailbox, pgsql_int(a, validity)};
	PGresult *res;
	int i, ret = 0;

	if (pgsql_exec(st,
	               "DELETE FROM fetch_move WHERE mailbox = $1"
	               " AND uidvalidity <> $2",
	               2, p, eb, "fetch moves") != 0)
		return -1;
	/* By target in byte order, as SQLite sorts, whatever the
	 * database's collation. */
	res = pgsql_query(st,
	                  "SELECT target, uid FROM fetch_move"
	                  " WHERE mailbox = $1 AND uidvalidity = $2"
	                  " ORDER BY target COLLATE \"C\", uid",
	                  2, p, eb, "fetch moves");
	if (res == NULL)
		return -1;
	for (i = 0; ret == 0 && i < PQntuples(res); i++)
		ret = cb(PQgetvalue(res, i, 0),
		         (uint32_t)pgsql_get_int(res, i, 1), arg);
	PQclear(res);
	return ret;
}

int
pgsql_fetch_moved(struct pgsql_store *st, const char *mailbox, int64_t validity,
                  const uint32_t *uids, size_t n, struct errbuf *eb)
{
	char a[24], *list;
	const char *p[3];
	size_t i, at = 0;
	int ret;

	if (n == 0)
		return 0;
	/* The UIDs as one array literal: "{1,2,3}", 11 bytes a UID. */
	if ((list = malloc(n * 11 + 3)) == NULL)
		return errbuf_set(eb, "out of memory");
	list[at++] = '{';
	for (i = 0; i < n; i++)
		at += (size_t)snprintf(list + at, 12, "%s%u", i ? "," : "",
		                       (unsigned)uids[i]);
	snprintf(list + at, 2, "}");
	p[0] = mailbox;
	p[1] = pgsql_int(a, validity);
	p[2] = list;
	if ((ret = pgsql_write_begin(st, eb)) == 0) {
		ret = pgsql_exec(st,
		                 "DELETE FROM fetch_move WHERE mailbox = $1"
		                 " AND uidvalidity = $2"
		                 " AND uid = ANY ($3::bigint[])",
		                 3, p, eb, "fetch moves");
		if (ret == 0)
			ret = pgsql_write_commit(st, eb);
		if (ret != 0)
			pgsql_write_rollback(st);
	}
	free(list);
	return ret;
}
