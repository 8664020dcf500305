/*
 * sqlite_copy.c - what a copy of one store into another reads and writes
 * besides store_put_input (tlsrpt migrate): every report with its bytes
 * as received and its arrival, a quarantined input as it stands, and
 * tlsrpt fetch's marks and moves.
 */
#include <string.h>

#include "sqlite_impl.h"

struct inputs {
	store_input_cb cb;
	void *arg;
};

static int
input_row(sqlite3_stmt *s, void *arg)
{
	struct inputs *x = arg;
	struct store_input_row r;

	memset(&r, 0, sizeof(r));
	r.key = sqlite3_column_int64(s, 0);
	r.meta.received_time = sqlite3_column_int64(s, 1);
	r.meta.channel = store_col_text(s, 2);
	r.meta.source = (const char *)sqlite3_column_text(s, 3);
	r.meta.submitter = (const char *)sqlite3_column_text(s, 4);
	r.meta.dkim = (const char *)sqlite3_column_text(s, 5);
	r.warnings = store_col_text(s, 6);
	r.policy_domain = store_col_text(s, 7);
	r.bytes = sqlite3_column_blob(s, 8);
	r.len = (size_t)sqlite3_column_bytes(s, 8);
	if (r.bytes == NULL)
		r.bytes = "";
	return x->cb(&r, x->arg);
}

int
sqlite_inputs(struct sqlite_store *st, int64_t after, size_t limit,
              store_input_cb cb, void *arg, struct errbuf *eb)
{
	struct inputs x = {cb, arg};
	sqlite3_stmt *s = NULL;
	int rc;

	/* By key: the order they were stored in, so that a copy assigns
	 * its own keys in the same order. */
	if (sqlite3_prepare_v2(st->db,
	                       "SELECT r.id, r.received_time, r.channel,"
	                       " r.source, r.submitter, r.dkim, r.warnings,"
	                       " (SELECT min(p.policy_domain) FROM policy p"
	                       " WHERE p.report = r.id), w.bytes"
	                       " FROM report r JOIN report_raw w"
	                       " ON w.report = r.id WHERE r.id > ?1"
	                       " ORDER BY r.id LIMIT ?2",
	                       -1, &s, NULL) != SQLITE_OK)
		return store_error(st, eb, "reports");
	sqlite3_bind_int64(s, 1, after);
	sqlite3_bind_int64(s, 2, limit > 0 ? (int64_t)limit : -1);
	rc = store_each_row(st, s, "reports", input_row, &x, eb);
	sqlite3_finalize(s);
	return rc;
}

int
sqlite_counts(struct sqlite_store *st, struct store_counts *out,
              struct errbuf *eb)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db,
	                       "SELECT (SELECT count(*) FROM report),"
	                       " (SELECT count(*) FROM quarantine),"
	                       " (SELECT count(*) FROM fetch_state)",
	                       -1, &s, NULL) != SQLITE_OK)
		return store_error(st, eb, "counts");
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->reports = sqlite3_column_int64(s, 0);
		out->quarantined = sqlite3_column_int64(s, 1);
		out->mailboxes = sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : store_error(st, eb, "counts");
}

/* The insert of sqlite_quarantine_copy; 1 added, 0 there already. */
static int
quarantine_insert(struct sqlite_store *st, const struct store_quarantine_row *q,
                  struct errbuf *eb)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db,
	                       "INSERT INTO quarantine (received_time,"
	                       " last_seen, count, channel, source, submitter,"
	                       " reason, bytes, digest) VALUES (?1, ?2, ?3, ?4,"
	                       " ?5, ?6, ?7, ?8, tlsrpt_sha256(?8))"
	                       " ON CONFLICT (digest) DO NOTHING",
	                       -1, &s, NULL) != SQLITE_OK)
		return store_error(st, eb, "quarantine");
	sqlite3_bind_int64(s, 1, q->received_time);
	sqlite3_bind_int64(s, 2, q->last_seen);
	sqlite3_bind_int64(s, 3, q->count);
	sqlite3_bind_text(s, 4, q->channel, -1, SQLITE_STATIC);
	/* "" is how store_quarantine gives an unknown source or submitter:
	 * stored NULL again, as the first store held it. */
	if (q->source != NULL && q->source[0] != '\0')
		sqlite3_bind_text(s, 5, q->source, -1, SQLITE_STATIC);
	if (q->submitter != NULL && q->submitter[0] != '\0')
		sqlite3_bind_text(s, 6, q->submitter, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, q->reason, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(s, 8, q->bytes ? q->bytes : "", q->len,
	                    SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_error(st, eb, "quarantine");
	return sqlite3_changes(st->db) > 0;
}

int
sqlite_quarantine_copy(struct sqlite_store *st,
                       const struct store_quarantine_row *q, struct errbuf *eb)
{
	int ret;

	if (st->readonly)
		return errbuf_set(eb, "database %s: opened read-only",
		                  st->path);
	if (st->in_batch)
		return quarantine_insert(st, q, eb);
	if ((ret = store_write_begin(st, eb)) != 0)
		return ret;
	if ((ret = quarantine_insert(st, q, eb)) < 0 ||
	    store_exec(st, "COMMIT", eb) != 0) {
		sqlite_rollback(st);
		return -1;
	}
	return ret;
}

struct marks {
	store_mark_cb cb;
	store_move_row_cb move_cb;
	void *arg;
};

static int
mark_row(sqlite3_stmt *s, void *arg)
{
	struct marks *m = arg;
	struct store_fetch_mark mark;

	mark.uidvalidity = sqlite3_column_int64(s, 1);
	mark.last_uid = sqlite3_column_int64(s, 2);
	mark.updated = sqlite3_column_int64(s, 3);
	return m->cb(store_col_text(s, 0), &mark, m->arg);
}

int
sqlite_fetch_marks(struct sqlite_store *st, store_mark_cb cb, void *arg,
                   struct errbuf *eb)
{
	struct marks m = {cb, NULL, arg};
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db,
	                       "SELECT mailbox, uidvalidity, last_uid, updated"
	                       " FROM fetch_state ORDER BY mailbox",
	                       -1, &s, NULL) != SQLITE_OK)
		return store_error(st, eb, "fetch state");
	rc = store_each_row(st, s, "fetch state", mark_row, &m, eb);
	sqlite3_finalize(s);
	return rc;
}

static int
move_list_row(sqlite3_stmt *s, void *arg)
{
	struct marks *m = arg;

	return m->move_cb(store_col_text(s, 0), sqlite3_column_int64(s, 1),
	                  (uint32_t)sqlite3_column_int64(s, 2),
	                  store_col_text(s, 3), m->arg);
}

int
sqlite_fetch_move_list(struct sqlite_store *st, store_move_row_cb cb, void *arg,
                       struct errbuf *eb)
{
	struct marks m = {NULL, cb, arg};
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db,
	                       "SELECT mailbox, uidvalidity, uid, target"
	                       " FROM fetch_move"
	                       " ORDER BY mailbox, uidvalidity, uid",
	                       -1, &s, NULL) != SQLITE_OK)
		return store_error(st, eb, "fetch moves");
	rc = store_each_row(st, s, "fetch moves", move_list_row, &m, eb);
	sqlite3_finalize(s);
	return rc;
}
