/*
 * pgsql_copy.c - what a copy of one store into another reads and writes
 * besides store_put_input (tlsrpt migrate): every report with its bytes
 * as received and its arrival, a quarantined input as it stands, and
 * tlsrpt fetch's marks and moves. The PostgreSQL side of sqlite_copy.c.
 */
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "pgsql_impl.h"

/* Field (row, col) as text, NULL for SQL NULL. */
static const char *
text_or_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* Hands row i of the inputs query to cb, its bytea unescaped. */
static int
input_one(const PGresult *res, int i, store_input_cb cb, void *arg,
          struct errbuf *eb)
{
	struct store_input_row r;
	unsigned char *bytes;
	size_t len;
	int ret;

	memset(&r, 0, sizeof(r));
	r.key = pgsql_get_int(res, i, 0);
	r.meta.received_time = pgsql_get_int(res, i, 1);
	r.meta.channel = pgsql_get_text(res, i, 2);
	r.meta.source = text_or_null(res, i, 3);
	r.meta.submitter = text_or_null(res, i, 4);
	r.meta.dkim = text_or_null(res, i, 5);
	r.warnings = pgsql_get_text(res, i, 6);
	r.policy_domain = pgsql_get_text(res, i, 7);
	bytes =
	    PQunescapeBytea((const unsigned char *)PQgetvalue(res, i, 8), &len);
	if (bytes == NULL)
		return errbuf_set(eb, "reports: out of memory");
	r.bytes = bytes;
	r.len = len;
	ret = cb(&r, arg);
	PQfreemem(bytes);
	return ret;
}

int
pgsql_inputs(struct pgsql_store *st, int64_t after, size_t limit,
             store_input_cb cb, void *arg, struct errbuf *eb)
{
	char a[24], b[24];
	const char *p[2] = {pgsql_int(a, after),
	                    limit > 0 ? pgsql_int(b, (int64_t)limit) : NULL};
	PGresult *res;
	int i, ret = 0;

	if (!st->in_batch && pgsql_connect(st, eb) != 0)
		return -1;
	/* By key, a page at a time (LIMIT NULL: all): the caller pages by
	 * the last key, so the whole table is never one result. */
	res = pgsql_query(st,
	                  "SELECT r.id, r.received_time, r.channel, r.source,"
	                  " r.submitter, r.dkim, r.warnings,"
	                  " (SELECT min(p.policy_domain COLLATE \"C\")"
	                  " FROM policy p WHERE p.report = r.id"
	                  " AND p.start_time = r.start_time), w.bytes"
	                  " FROM report r JOIN report_raw w ON w.report = r.id"
	                  " WHERE r.id > $1 ORDER BY r.id LIMIT $2::bigint",
	                  2, p, eb, "reports");
	if (res == NULL)
		return -1;
	for (i = 0; ret == 0 && i < PQntuples(res); i++)
		ret = input_one(res, i, cb, arg, eb);
	PQclear(res);
	return ret;
}

int
pgsql_counts(struct pgsql_store *st, struct store_counts *out,
             struct errbuf *eb)
{
	PGresult *res;

	if (!st->in_batch && pgsql_connect(st, eb) != 0)
		return -1;
	res = pgsql_query(st,
	                  "SELECT (SELECT count(*) FROM report),"
	                  " (SELECT count(*) FROM quarantine),"
	                  " (SELECT count(*) FROM fetch_state)",
	                  0, NULL, eb, "counts");
	if (res == NULL)
		return -1;
	out->reports = pgsql_get_int(res, 0, 0);
	out->quarantined = pgsql_get_int(res, 0, 1);
	out->mailboxes = pgsql_get_int(res, 0, 2);
	PQclear(res);
	return 0;
}

int
pgsql_quarantine_copy(struct pgsql_store *st,
                      const struct store_quarantine_row *q, struct errbuf *eb)
{
	unsigned char d[HASH_SHA256_LEN];
	struct pgsql_sb sb;
	PGresult *res;
	int ret = -1;

	hash_sha256(q->bytes ? q->bytes : "", q->len, d);
	pgsql_sb_init(&sb);
	/* One statement, the usage row kept in it as put_quarantine keeps
	 * it: its own transaction outside a batch. "" is how
	 * store_quarantine gives an unknown source or submitter: NULL
	 * again. */
	pgsql_sb_add(&sb,
	             "WITH q AS (INSERT INTO quarantine (received_time,"
	             " last_seen, count, channel, source, submitter, reason,"
	             " bytes, digest) VALUES (%lld, %lld, %lld, $%d::text,"
	             " nullif($%d::text, ''), nullif($%d::text, ''), $%d::text,"
	             " $%d::bytea, $%d::bytea) ON CONFLICT (digest) DO NOTHING"
	             " RETURNING 1), u AS (UPDATE quarantine_usage"
	             " SET bytes = bytes + %zu WHERE EXISTS (SELECT 1 FROM q))"
	             " SELECT count(*) FROM q",
	             (long long)q->received_time, (long long)q->last_seen,
	             (long long)q->count, pgsql_sb_text(&sb, q->channel),
	             pgsql_sb_text(&sb, q->source),
	             pgsql_sb_text(&sb, q->submitter),
	             pgsql_sb_text(&sb, q->reason),
	             pgsql_sb_bin(&sb, q->bytes ? q->bytes : "", q->len),
	             pgsql_sb_bin(&sb, d, sizeof(d)), q->len);
	if (!st->in_batch && pgsql_connect(st, eb) != 0)
		goto done;
	if ((res = pgsql_sb_exec(st, &sb, eb, "quarantine")) == NULL)
		goto done;
	ret = pgsql_get_int(res, 0, 0) > 0;
	PQclear(res);
done:
	pgsql_sb_free(&sb);
	return ret;
}

int
pgsql_fetch_marks(struct pgsql_store *st, store_mark_cb cb, void *arg,
                  struct errbuf *eb)
{
	struct store_fetch_mark mark;
	PGresult *res;
	int i, ret = 0;

	if (!st->in_batch && pgsql_connect(st, eb) != 0)
		return -1;
	res = pgsql_query(st,
	                  "SELECT mailbox, uidvalidity, last_uid, updated"
	                  " FROM fetch_state ORDER BY mailbox COLLATE \"C\"",
	                  0, NULL, eb, "fetch state");
	if (res == NULL)
		return -1;
	for (i = 0; ret == 0 && i < PQntuples(res); i++) {
		mark.uidvalidity = pgsql_get_int(res, i, 1);
		mark.last_uid = pgsql_get_int(res, i, 2);
		mark.updated = pgsql_get_int(res, i, 3);
		ret = cb(PQgetvalue(res, i, 0), &mark, arg);
	}
	PQclear(res);
	return ret;
}

int
pgsql_fetch_move_list(struct pgsql_store *st, store_move_row_cb cb, void *arg,
                      struct errbuf *eb)
{
	PGresult *res;
	int i, ret = 0;

	if (!st->in_batch && pgsql_connect(st, eb) != 0)
		return -1;
	res = pgsql_query(st,
	                  "SELECT mailbox, uidvalidity, uid, target"
	                  " FROM fetch_move ORDER BY mailbox COLLATE \"C\","
	                  " uidvalidity, uid",
	                  0, NULL, eb, "fetch moves");
	if (res == NULL)
		return -1;
	for (i = 0; ret == 0 && i < PQntuples(res); i++)
		ret = cb(PQgetvalue(res, i, 0), pgsql_get_int(res, i, 1),
		         (uint32_t)pgsql_get_int(res, i, 2),
		         PQgetvalue(res, i, 3), arg);
	PQclear(res);
	return ret;
}
