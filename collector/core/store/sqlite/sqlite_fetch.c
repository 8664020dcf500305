/*
 * sqlite_fetch.c - where `tlsrpt fetch` is in each mailbox it reads
 * (schema/006-fetch.sql): the mailbox's UIDVALIDITY and the highest UID
 * taken, written in the transaction that stores what those UIDs held.
 */
#include "sqlite_impl.h"

int
sqlite_fetch_state(struct sqlite_store *st, const char *mailbox,
                   struct store_fetch_mark *mark, struct errbuf *eb)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db,
	                       "SELECT uidvalidity, last_uid, updated"
	                       " FROM fetch_state WHERE mailbox = ?1",
	                       -1, &s, NULL) != SQLITE_OK)
		return store_error(st, eb, "fetch state");
	sqlite3_bind_text(s, 1, mailbox, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		mark->uidvalidity = sqlite3_column_int64(s, 0);
		mark->last_uid = sqlite3_column_int64(s, 1);
		mark->updated = sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		return store_error(st, eb, "fetch state");
	return 0;
}

int
sqlite_fetch_mark(struct sqlite_store *st, const char *mailbox,
                  const struct store_fetch_mark *mark, struct errbuf *eb)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(
	        st->db,
	        "INSERT INTO fetch_state (mailbox, uidvalidity, last_uid,"
	        " updated) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (mailbox) DO"
	        " UPDATE SET uidvalidity = ?2, last_uid = ?3, updated = ?4",
	        -1, &s, NULL) != SQLITE_OK)
		return store_error(st, eb, "fetch state");
	sqlite3_bind_text(s, 1, mailbox, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, mark->uidvalidity);
	sqlite3_bind_int64(s, 3, mark->last_uid);
	sqlite3_bind_int64(s, 4, mark->updated);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_error(st, eb, "fetch state");
}

int
sqlite_fetch_move_add(struct sqlite_store *st, const char *mailbox,
                      int64_t validity, uint32_t uid, const char *target,
                      struct errbuf *eb)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db,
	                       "INSERT OR REPLACE INTO fetch_move (mailbox,"
	                       " uidvalidity, uid, target)"
	                       " VALUES (?1, ?2, ?3, ?4)",
	                       -1, &s, NULL) != SQLITE_OK)
		return store_error(st, eb, "fetch moves");
	sqlite3_bind_text(s, 1, mailbox, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, validity);
	sqlite3_bind_int64(s, 3, uid);
	sqlite3_bind_text(s, 4, target, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_error(st, eb, "fetch moves");
}

struct moves {
	store_move_cb cb;
	void *arg;
};

static int
move_row(sqlite3_stmt *s, void *arg)
{
	struct moves *m = arg;

	return m->cb((const char *)sqlite3_column_text(s, 0),
	             (uint32_t)sqlite3_column_int64(s, 1), m->arg);
}

int
sqlite_fetch_moves(struct sqlite_store *st, const char *mailbox,
                   int64_t validity, store_move_cb cb, void *arg,
                   struct errbuf *eb)
{
	struct moves m = {cb, arg};
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db,
	                       "DELETE FROM fetch_move WHERE mailbox = ?1"
	                       " AND uidvalidity <> ?2",
	                       -1, &s, NULL) != SQLITE_OK)
		return store_error(st, eb, "fetch moves");
	sqlite3_bind_text(s, 1, mailbox, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, validity);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_error(st, eb, "fetch moves");
	if (sqlite3_prepare_v2(st->db,
	                       "SELECT target, uid FROM fetch_move"
	                       " WHERE mailbox = ?1 AND uidvalidity = ?2"
	                       " ORDER BY target, uid",
	                       -1, &s, NULL) != SQLITE_OK)
		return store_error(st, eb, "fetch moves");
	sqlite3_bind_text(s, 1, mailbox, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, validity);
	rc = store_each_row(st, s, "fetch moves", move_row, &m, eb);
	sqlite3_finalize(s);
	return rc;
}

int
sqlite_fetch_moved(struct sqlite_store *st, const char *mailbox,
                   int64_t validity, const uint32_t *uids, size_t n,
                   struct errbuf *eb)
{
	sqlite3_stmt *s = NULL;
	size_t i;
	int rc = SQLITE_DONE;

	if (n == 0)
		return 0;
	if (store_write_begin(st, eb) != 0)
		return -1;
	if (sqlite3_prepare_v2(st->db,
	                       "DELETE FROM fetch_move WHERE mailbox = ?1"
	                       " AND uidvalidity = ?2 AND uid = ?3",
	                       -1, &s, NULL) != SQLITE_OK) {
		store_error(st, eb, "fetch moves");
		sqlite_rollback(st);
		return -1;
	}
	sqlite3_bind_text(s, 1, mailbox, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, validity);
	for (i = 0; i < n && rc == SQLITE_DONE; i++) {
		sqlite3_bind_int64(s, 3, uids[i]);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_error(st, eb, "fetch moves");
		sqlite_rollback(st);
		return -1;
	}
	return store_exec(st, "COMMIT", eb);
}
