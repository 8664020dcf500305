/*
 * store_fetch.c - where `tlsrpt fetch` is in each mailbox it reads
 * (schema/006-fetch.sql): the mailbox's UIDVALIDITY and the highest UID
 * taken, written in the transaction that stores what those UIDs held.
 */
#include "store_impl.h"

int
store_fetch_state(struct store *st, const char *mailbox,
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
store_fetch_mark(struct store *st, const char *mailbox,
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
