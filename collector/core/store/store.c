/*
 * store.c - the store of store.h: an SQLite file (sqlite/) or a
 * PostgreSQL database (pgsql/), chosen at open by the --db value, and
 * what both share that is neither's SQL. Every function hands its call to
 * the implementation the store was opened with.
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "pgsql/pgsql.h"
#include "sqlite/sqlite.h"
#include "store.h"

struct store {
	/* One of the two, the other NULL. */
	struct sqlite_store *sq;
	struct pgsql_store *pg;
};

int
store_is_pgsql(const char *path)
{
	return strncmp(path, "postgresql://", 13) == 0 ||
	       strncmp(path, "postgres://", 11) == 0 ||
	       strncmp(path, "pg:", 3) == 0;
}

int
store_open(const char *path, int flags, int busy_timeout_ms, struct store **out,
           struct errbuf *eb)
{
	struct store *st;
	int ret;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		errbuf_set(eb, "out of memory");
		return STORE_E_AGAIN;
	}
	if (store_is_pgsql(path))
		ret = pgsql_open(path, flags, busy_timeout_ms, &st->pg, eb);
	else
		ret = sqlite_open(path, flags, busy_timeout_ms, &st->sq, eb);
	if (ret != 0) {
		free(st);
		return ret;
	}
	*out = st;
	return 0;
}

int
store_schema_latest(const struct store *st)
{
	return st->pg ? pgsql_schema_latest() : sqlite_schema_latest();
}

int64_t
store_add_held(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

int
store_exit_status(int ret)
{
	switch (ret) {
	case STORE_E_SCHEMA:
		return EX_CONFIG;
	case STORE_E_NODIR:
		return EX_CANTCREAT;
	case STORE_E_ACCESS:
		return EX_NOPERM;
	}
	return 1;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->pg)
		pgsql_close(st->pg);
	else
		sqlite_close(st->sq);
	free(st);
}

int
store_schema_version(struct store *st)
{
	return st->pg ? pgsql_schema_version(st->pg)
	              : sqlite_schema_version(st->sq);
}

int
store_upgrade(struct store *st, struct errbuf *eb)
{
	return st->pg ? pgsql_upgrade(st->pg, eb) : sqlite_upgrade(st->sq, eb);
}

int
store_backup(struct store *st, const char *dest, struct errbuf *eb)
{
	return st->pg ? pgsql_backup(st->pg, dest, eb)
	              : sqlite_backup(st->sq, dest, eb);
}

int
store_probe_write(struct store *st, struct errbuf *eb)
{
	return st->pg ? pgsql_probe_write(st->pg, eb)
	              : sqlite_probe_write(st->sq, eb);
}

int
store_begin(struct store *st, struct errbuf *eb)
{
	return st->pg ? pgsql_begin(st->pg, eb) : sqlite_begin(st->sq, eb);
}

int
store_begin_bulk(struct store *st, struct errbuf *eb)
{
	return st->pg ? pgsql_begin_bulk(st->pg, eb)
	              : sqlite_begin_bulk(st->sq, eb);
}

int
store_commit(struct store *st, struct errbuf *eb)
{
	return st->pg ? pgsql_commit(st->pg, eb) : sqlite_commit(st->sq, eb);
}

void
store_rollback(struct store *st)
{
	if (st->pg)
		pgsql_rollback(st->pg);
	else
		sqlite_rollback(st->sq);
}

int
store_put_input(struct store *st, struct store_item *items, size_t nitems,
                const struct store_meta *meta, struct errbuf *eb)
{
	return st->pg ? pgsql_put_input(st->pg, items, nitems, meta, eb)
	              : sqlite_put_input(st->sq, items, nitems, meta, eb);
}

int
store_check_writable(struct store *st, struct errbuf *eb)
{
	return st->pg ? pgsql_check_writable(st->pg, eb)
	              : sqlite_check_writable(st->sq, eb);
}

void
store_timing(const struct store *st, struct store_timing *out)
{
	if (st->pg)
		pgsql_timing(st->pg, out);
	else
		sqlite_timing(st->sq, out);
}

void
store_set_explain(struct store *st, store_plan_cb plan, void *arg)
{
	if (st->pg)
		pgsql_set_explain(st->pg, plan, arg);
	else
		sqlite_set_explain(st->sq, plan, arg);
}

int
store_summary(struct store *st, const struct store_filter *f,
              store_summary_cb cb, void *arg, struct errbuf *eb)
{
	return st->pg ? pgsql_summary(st->pg, f, cb, arg, eb)
	              : sqlite_summary(st->sq, f, cb, arg, eb);
}

int
store_summary_daily(struct store *st, const struct store_filter *f, int64_t bin,
                    store_daily_cb cb, void *arg, struct errbuf *eb)
{
	return st->pg ? pgsql_summary_daily(st->pg, f, bin, cb, arg, eb)
	              : sqlite_summary_daily(st->sq, f, bin, cb, arg, eb);
}

int
store_failures(struct store *st, const struct store_filter *f, unsigned keys,
               size_t limit, store_failure_cb cb, void *arg, struct errbuf *eb)
{
	return st->pg ? pgsql_failures(st->pg, f, keys, limit, cb, arg, eb)
	              : sqlite_failures(st->sq, f, keys, limit, cb, arg, eb);
}

int
store_failure_groups(struct store *st, const struct store_filter *f,
                     unsigned keys, store_failure_cb cb, void *arg,
                     struct errbuf *eb)
{
	return st->pg ? pgsql_failure_groups(st->pg, f, keys, cb, arg, eb)
	              : sqlite_failure_groups(st->sq, f, keys, cb, arg, eb);
}

int
store_sts_domains(struct store *st, const struct store_filter *f,
                  store_sts_cb cb, void *arg, struct errbuf *eb)
{
	return st->pg ? pgsql_sts_domains(st->pg, f, cb, arg, eb)
	              : sqlite_sts_domains(st->sq, f, cb, arg, eb);
}

int
store_reports(struct store *st, const struct store_filter *f, size_t limit,
              store_report_cb cb, void *arg, struct errbuf *eb)
{
	return st->pg ? pgsql_reports(st->pg, f, limit, cb, arg, eb)
	              : sqlite_reports(st->sq, f, limit, cb, arg, eb);
}

int
store_report_find(struct store *st, const char *key, const char *organization,
                  store_raw_cb cb, void *arg, struct errbuf *eb)
{
	return st->pg
	           ? pgsql_report_find(st->pg, key, organization, cb, arg, eb)
	           : sqlite_report_find(st->sq, key, organization, cb, arg, eb);
}

int
store_prune(struct store *st, int64_t before, int dry_run, int64_t *reports,
            int64_t *quarantined, struct errbuf *eb)
{
	return st->pg ? pgsql_prune(st->pg, before, dry_run, reports,
	                            quarantined, eb)
	              : sqlite_prune(st->sq, before, dry_run, reports,
	                             quarantined, eb);
}

int
store_quarantine(struct store *st, const struct store_filter *f, int64_t key,
                 size_t limit, store_quarantine_cb cb, void *arg,
                 struct errbuf *eb)
{
	return st->pg ? pgsql_quarantine(st->pg, f, key, limit, cb, arg, eb)
	              : sqlite_quarantine(st->sq, f, key, limit, cb, arg, eb);
}

int
store_quarantine_set_reason(struct store *st, int64_t key, const char *reason,
                            struct errbuf *eb)
{
	return st->pg ? pgsql_quarantine_set_reason(st->pg, key, reason, eb)
	              : sqlite_quarantine_set_reason(st->sq, key, reason, eb);
}

int
store_quarantine_delete(struct store *st, int64_t key, struct errbuf *eb)
{
	return st->pg ? pgsql_quarantine_delete(st->pg, key, eb)
	              : sqlite_quarantine_delete(st->sq, key, eb);
}

int
store_quarantine_remove(struct store *st, int64_t key, struct errbuf *eb)
{
	return st->pg ? pgsql_quarantine_remove(st->pg, key, eb)
	              : sqlite_quarantine_remove(st->sq, key, eb);
}

int
store_vacuum(struct store *st, int64_t *before, int64_t *after, int *held,
             struct errbuf *eb)
{
	return st->pg ? pgsql_vacuum(st->pg, before, after, held, eb)
	              : sqlite_vacuum(st->sq, before, after, held, eb);
}

int
store_inputs(struct store *st, int64_t after, size_t limit, store_input_cb cb,
             void *arg, struct errbuf *eb)
{
	return st->pg ? pgsql_inputs(st->pg, after, limit, cb, arg, eb)
	              : sqlite_inputs(st->sq, after, limit, cb, arg, eb);
}

int
store_counts(struct store *st, struct store_counts *out, struct errbuf *eb)
{
	return st->pg ? pgsql_counts(st->pg, out, eb)
	              : sqlite_counts(st->sq, out, eb);
}

int
store_quarantine_copy(struct store *st, const struct store_quarantine_row *row,
                      struct errbuf *eb)
{
	return st->pg ? pgsql_quarantine_copy(st->pg, row, eb)
	              : sqlite_quarantine_copy(st->sq, row, eb);
}

int
store_fetch_state(struct store *st, const char *mailbox,
                  struct store_fetch_mark *mark, struct errbuf *eb)
{
	return st->pg ? pgsql_fetch_state(st->pg, mailbox, mark, eb)
	              : sqlite_fetch_state(st->sq, mailbox, mark, eb);
}

int
store_fetch_mark(struct store *st, const char *mailbox,
                 const struct store_fetch_mark *mark, struct errbuf *eb)
{
	return st->pg ? pgsql_fetch_mark(st->pg, mailbox, mark, eb)
	              : sqlite_fetch_mark(st->sq, mailbox, mark, eb);
}

int
store_fetch_move_add(struct store *st, const char *mailbox, int64_t validity,
                     uint32_t uid, const char *target, struct errbuf *eb)
{
	return st->pg ? pgsql_fetch_move_add(st->pg, mailbox, validity, uid,
	                                     target, eb)
	              : sqlite_fetch_move_add(st->sq, mailbox, validity, uid,
	                                      target, eb);
}

int
store_fetch_moves(struct store *st, const char *mailbox, int64_t validity,
                  store_move_cb cb, void *arg, struct errbuf *eb)
{
	return st->pg
	           ? pgsql_fetch_moves(st->pg, mailbox, validity, cb, arg, eb)
	           : sqlite_fetch_moves(st->sq, mailbox, validity, cb, arg, eb);
}

int
store_fetch_moved(struct store *st, const char *mailbox, int64_t validity,
                  const uint32_t *uids, size_t n, struct errbuf *eb)
{
	return st->pg
	           ? pgsql_fetch_moved(st->pg, mailbox, validity, uids, n, eb)
	           : sqlite_fetch_moved(st->sq, mailbox, validity, uids, n, eb);
}

int
store_fetch_marks(struct store *st, store_mark_cb cb, void *arg,
                  struct errbuf *eb)
{
	return st->pg ? pgsql_fetch_marks(st->pg, cb, arg, eb)
	              : sqlite_fetch_marks(st->sq, cb, arg, eb);
}

int
store_fetch_move_list(struct store *st, store_move_row_cb cb, void *arg,
                      struct errbuf *eb)
{
	return st->pg ? pgsql_fetch_move_list(st->pg, cb, arg, eb)
	              : sqlite_fetch_move_list(st->sq, cb, arg, eb);
}
