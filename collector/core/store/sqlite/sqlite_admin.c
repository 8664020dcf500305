/*
 * sqlite_admin.c - the stored reports one by one, retention, and the
 * quarantine: what `tlsrpt reports`, `show`, `prune` and `quarantine` ask of
 * the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "failure_query.h"
#include "sqlite_impl.h"

#define ADMIN_SQL_MAX 1024

/* The columns of a report row, and the row read from them. */
#define REPORT_COLUMNS                                                         \
	"r.id, r.start_time, r.received_time, r.organization, r.report_id,"    \
	" (SELECT group_concat(d, ',') FROM (SELECT DISTINCT policy_domain"    \
	" AS d FROM policy WHERE report = r.id ORDER BY 1)),"                  \
	" (SELECT tlsrpt_sum(successful_sessions * (counts_for_domain > 0))"   \
	" FROM policy WHERE report = r.id),"                                   \
	" (SELECT tlsrpt_sum(failed_sessions * (counts_for_domain > 0))"       \
	" FROM policy WHERE report = r.id),"                                   \
	" r.channel, r.warnings"

struct report_ctx {
	store_report_cb cb;
	store_raw_cb raw_cb;
	void *arg;
	int n;
	/* Sorted by id; NULL: no failure filter. */
	const struct failure_match *m;
	size_t nm;
};

static void
report_row(sqlite3_stmt *s, struct store_report_row *row)
{
	row->key = sqlite3_column_int64(s, 0);
	row->start_time = sqlite3_column_int64(s, 1);
	row->received_time = sqlite3_column_int64(s, 2);
	row->organization = store_col_text(s, 3);
	row->report_id = store_col_text(s, 4);
	row->domains = store_col_text(s, 5);
	row->successful_sessions = sqlite3_column_int64(s, 6);
	row->failed_sessions = sqlite3_column_int64(s, 7);
	row->channel = store_col_text(s, 8);
	row->warnings = store_col_text(s, 9);
	row->matching_failed_sessions = -1;
}

static int
report_one(sqlite3_stmt *s, void *arg)
{
	struct report_ctx *x = arg;
	struct store_report_row row;

	report_row(s, &row);
	if (x->m != NULL) {
		const struct failure_match *m =
		    failure_match_find(x->m, x->nm, row.key);

		row.matching_failed_sessions = m ? m->failed : 0;
	}
	x->n++;
	if (x->raw_cb != NULL)
		return x->raw_cb(&row, sqlite3_column_blob(s, 10),
		                 (size_t)sqlite3_column_bytes(s, 10), x->arg);
	return x->cb(&row, x->arg);
}

int
sqlite_reports(struct sqlite_store *st, const struct store_filter *f,
               size_t limit, store_report_cb cb, void *arg, struct errbuf *eb)
{
	struct report_ctx x = {cb, NULL, arg, 0, NULL, 0};
	char sql[ADMIN_SQL_MAX];
	sqlite3_stmt *s = NULL;
	struct failure_match *m = NULL;
	char *dj = NULL, *ids = NULL;
	int ret = -1, rc;

	if (store_filter_failures(f)) {
		/* The reports come from the failures' own count; their
		 * domain, organization and time are in it. */
		if (sqlite_failure_matches(st, f, &m, &x.nm, &ids, eb) != 0)
			return -1;
		x.m = m;
		snprintf(sql, sizeof(sql),
		         "SELECT " REPORT_COLUMNS " FROM report r"
		         " WHERE r.id IN (SELECT value FROM json_each(?1))"
		         " ORDER BY r.start_time DESC, r.id DESC LIMIT %lld",
		         limit > 0 ? (long long)limit : -1LL);
	} else {
		/* Newest first by the report_start index; LIMIT stops the
		 * walk. */
		snprintf(sql, sizeof(sql),
		         "SELECT " REPORT_COLUMNS " FROM report r"
		         " WHERE r.start_time >= ?1 AND r.start_time < ?2%s%s"
		         " ORDER BY r.start_time DESC, r.id DESC LIMIT %lld",
		         f->ndomains ? " AND r.id IN (SELECT report FROM policy"
		                       " WHERE policy_domain IN"
		                       " (SELECT value FROM json_each(?3)))"
		                     : "",
		         f->organization ? " AND r.organization = ?4" : "",
		         limit > 0 ? (long long)limit : -1LL);
	}
	if (st->plan != NULL)
		store_explain(st, sql, f);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		store_error(st, eb, "reports");
		goto out;
	}
	rc = ids != NULL ? (sqlite3_bind_text(s, 1, ids, -1, SQLITE_STATIC), 0)
	                 : store_bind_filter(s, f, &dj, eb);
	if (rc == 0)
		ret = store_each_row(st, s, "reports", report_one, &x, eb);
out:
	sqlite3_finalize(s);
	store_json_free(dj);
	free(ids);
	free(m);
	return ret;
}

int
sqlite_report_find(struct sqlite_store *st, const char *key,
                   const char *organization, store_raw_cb cb, void *arg,
                   struct errbuf *eb)
{
	static const char sql[] =
	    "SELECT " REPORT_COLUMNS ", (SELECT bytes FROM report_raw"
	    " WHERE report = r.id) FROM report r"
	    " WHERE (r.report_id = ?1 OR r.id = ?2)"
	    " AND (?3 IS NULL OR r.organization = ?3)"
	    " ORDER BY r.id";
	struct report_ctx x = {NULL, cb, arg, 0, NULL, 0};
	sqlite3_stmt *s = NULL;
	int ret;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_error(st, eb, "show");
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, store_key_number(key));
	if (organization != NULL)
		sqlite3_bind_text(s, 3, organization, -1, SQLITE_STATIC);
	ret = store_each_row(st, s, "show", report_one, &x, eb);
	sqlite3_finalize(s);
	return ret == 0 ? x.n : ret;
}

/* Runs one statement with one time bound; adds the rows it changed. */
static int
delete_before(struct sqlite_store *st, const char *sql, int64_t before,
              int64_t *n, struct errbuf *eb)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_error(st, eb, "prune");
	sqlite3_bind_int64(s, 1, before);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_error(st, eb, "prune");
	if (n != NULL)
		*n += sqlite3_changes(st->db);
	return 0;
}

int
sqlite_prune(struct sqlite_store *st, int64_t before, int dry_run,
             int64_t *reports, int64_t *quarantined, struct errbuf *eb)
{
	/* Children first: the schema's foreign keys are not enforced, so
	 * nothing cascades by itself. The rollups are then recomputed where
	 * they lost reports, in the same transaction. */
	static const char *const steps[] = {
	    "DELETE FROM failure WHERE policy IN"
	    " (SELECT id FROM policy WHERE start_time < ?1)",
	    "DELETE FROM policy WHERE start_time < ?1",
	    "DELETE FROM report_raw WHERE report IN"
	    " (SELECT id FROM report WHERE start_time < ?1)",
	};
	size_t i;
	int ret;

	*reports = *quarantined = 0;
	if ((ret = store_write_begin(st, eb)) != 0)
		return ret;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (delete_before(st, steps[i], before, NULL, eb) != 0)
			goto fail;
	if (delete_before(st, "DELETE FROM report WHERE start_time < ?1",
	                  before, reports, eb) != 0 ||
	    store_rollup_prune(st, before, eb) != 0 ||
	    delete_before(st, "DELETE FROM quarantine WHERE last_seen < ?1",
	                  before, quarantined, eb) != 0 ||
	    store_exec(st, dry_run ? "ROLLBACK" : "COMMIT", eb) != 0)
		goto fail;
	return 0;
fail:
	store_exec(st, "ROLLBACK", NULL);
	*reports = *quarantined = 0;
	return -1;
}

struct quarantine_ctx {
	store_quarantine_cb cb;
	void *arg;
};

static int
quarantine_one(sqlite3_stmt *s, void *arg)
{
	struct quarantine_ctx *x = arg;
	struct store_quarantine_row row;

	row.key = sqlite3_column_int64(s, 0);
	row.received_time = sqlite3_column_int64(s, 1);
	row.channel = store_col_text(s, 2);
	row.source = store_col_text(s, 3);
	row.submitter = store_col_text(s, 4);
	row.reason = store_col_text(s, 5);
	row.bytes = sqlite3_column_blob(s, 6);
	row.len = (size_t)sqlite3_column_bytes(s, 6);
	row.last_seen = sqlite3_column_int64(s, 7);
	row.count = sqlite3_column_int64(s, 8);
	return x->cb(&row, x->arg);
}

int
sqlite_quarantine(struct sqlite_store *st, const struct store_filter *f,
                  int64_t key, size_t limit, store_quarantine_cb cb, void *arg,
                  struct errbuf *eb)
{
	struct quarantine_ctx x = {cb, arg};
	char sql[ADMIN_SQL_MAX];
	sqlite3_stmt *s = NULL;
	int ret;

	/* By last seen: an input first seen long ago that came again today
	 * is among today's. */
	snprintf(sql, sizeof(sql),
	         "SELECT id, received_time, channel, source, submitter,"
	         " reason, bytes, last_seen, count FROM quarantine WHERE %s"
	         " ORDER BY received_time, id LIMIT %lld",
	         key > 0 ? "id = ?3" : "last_seen >= ?1 AND last_seen < ?2",
	         limit > 0 ? (long long)limit : -1LL);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_error(st, eb, "quarantine");
	if (key > 0) {
		sqlite3_bind_int64(s, 3, key);
	} else {
		sqlite3_bind_int64(s, 1, f->since);
		sqlite3_bind_int64(s, 2, f->until);
	}
	ret = store_each_row(st, s, "quarantine", quarantine_one, &x, eb);
	sqlite3_finalize(s);
	return ret;
}

/* Runs "... WHERE id = ?1" with an optional text ?2; returns the rows it
 * changed, or -1. */
static int
quarantine_change(struct sqlite_store *st, const char *sql, int64_t key,
                  const char *text, struct errbuf *eb)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_error(st, eb, "quarantine");
	sqlite3_bind_int64(s, 1, key);
	if (text != NULL)
		sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_error(st, eb, "quarantine");
	return sqlite3_changes(st->db);
}

int
sqlite_quarantine_set_reason(struct sqlite_store *st, int64_t key,
                             const char *reason, struct errbuf *eb)
{
	return quarantine_change(
	           st, "UPDATE quarantine SET reason = ?2 WHERE id = ?1", key,
	           reason, eb) < 0
	           ? -1
	           : 0;
}

int
sqlite_quarantine_delete(struct sqlite_store *st, int64_t key,
                         struct errbuf *eb)
{
	return sqlite_quarantine_remove(st, key, eb) < 0 ? -1 : 0;
}

int
sqlite_quarantine_remove(struct sqlite_store *st, int64_t key,
                         struct errbuf *eb)
{
	/* One statement: its own transaction outside a batch. The
	 * quarantine_usage trigger gives back its bytes. */
	return quarantine_change(st, "DELETE FROM quarantine WHERE id = ?1",
	                         key, NULL, eb);
}

/* The bytes of the database file and its WAL. */
static int64_t
file_bytes(const char *path)
{
	struct stat sb;
	char *wal;
	int64_t n = 0;

	if (stat(path, &sb) == 0)
		n += sb.st_size;
	if (asprintf(&wal, "%s-wal", path) < 0)
		return n;
	if (stat(wal, &sb) == 0)
		n += sb.st_size;
	free(wal);
	return n;
}

int
sqlite_vacuum(struct sqlite_store *st, int64_t *before, int64_t *after,
              int *held, struct errbuf *eb)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*before = file_bytes(st->path);
	/* VACUUM keeps INTEGER PRIMARY KEYs: the keys that `reports` and
	 * `quarantine` list stay the same. In WAL mode it writes the new
	 * pages to the WAL; the checkpoint then copies them and cuts the
	 * file, and TRUNCATE empties the WAL. */
	if (store_exec(st, "VACUUM", eb) != 0)
		return -1;
	if (sqlite3_prepare_v2(st->db, "PRAGMA wal_checkpoint(TRUNCATE)", -1,
	                       &s, NULL) != SQLITE_OK)
		return store_error(st, eb, "vacuum");
	rc = sqlite3_step(s);
	/* Column 0 is 1 when a reader kept the checkpoint from finishing. */
	*held = rc == SQLITE_ROW && sqlite3_column_int(s, 0) != 0;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(st, eb, "vacuum");
	*after = file_bytes(st->path);
	return 0;
}
