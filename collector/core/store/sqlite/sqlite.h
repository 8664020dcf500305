/*
 * sqlite.h - the SQLite store: one file, the default.
 *
 * The entry points of the implementation in this folder.
 * Each function is the store.h function of the same name after the
 * prefix and means what store.h says it means; store/store.c calls them.
 */
#ifndef TLSRPT_STORE_SQLITE_H
#define TLSRPT_STORE_SQLITE_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"
#include "store.h"

struct sqlite_store;

int sqlite_open(const char *path, int flags, int busy_timeout_ms,
                struct sqlite_store **out, struct errbuf *eb);
void sqlite_close(struct sqlite_store *st);
int sqlite_schema_version(struct sqlite_store *st);
int sqlite_upgrade(struct sqlite_store *st, struct errbuf *eb);
int sqlite_backup(struct sqlite_store *st, const char *dest, struct errbuf *eb);
int sqlite_probe_write(struct sqlite_store *st, struct errbuf *eb);
int sqlite_begin(struct sqlite_store *st, struct errbuf *eb);
int sqlite_begin_bulk(struct sqlite_store *st, struct errbuf *eb);
int sqlite_commit(struct sqlite_store *st, struct errbuf *eb);
void sqlite_rollback(struct sqlite_store *st);
int sqlite_put_input(struct sqlite_store *st, struct store_item *items,
                     size_t nitems, const struct store_meta *meta,
                     struct errbuf *eb);
int sqlite_check_writable(struct sqlite_store *st, struct errbuf *eb);
void sqlite_timing(const struct sqlite_store *st, struct store_timing *out);
void sqlite_set_explain(struct sqlite_store *st, store_plan_cb plan, void *arg);
int sqlite_summary(struct sqlite_store *st, const struct store_filter *f,
                   store_summary_cb cb, void *arg, struct errbuf *eb);
int sqlite_summary_daily(struct sqlite_store *st, const struct store_filter *f,
                         int64_t bin, store_daily_cb cb, void *arg,
                         struct errbuf *eb);
int sqlite_failures(struct sqlite_store *st, const struct store_filter *f,
                    unsigned keys, size_t limit, store_failure_cb cb, void *arg,
                    struct errbuf *eb);
int sqlite_failure_groups(struct sqlite_store *st, const struct store_filter *f,
                          unsigned keys, store_failure_cb cb, void *arg,
                          struct errbuf *eb);
int sqlite_sts_domains(struct sqlite_store *st, const struct store_filter *f,
                       store_sts_cb cb, void *arg, struct errbuf *eb);
int sqlite_reports(struct sqlite_store *st, const struct store_filter *f,
                   size_t limit, store_report_cb cb, void *arg,
                   struct errbuf *eb);
int sqlite_report_find(struct sqlite_store *st, const char *key,
                       const char *organization, store_raw_cb cb, void *arg,
                       struct errbuf *eb);
int sqlite_prune(struct sqlite_store *st, int64_t before, int dry_run,
                 int64_t *reports, int64_t *quarantined, struct errbuf *eb);
int sqlite_quarantine(struct sqlite_store *st, const struct store_filter *f,
                      int64_t key, size_t limit, store_quarantine_cb cb,
                      void *arg, struct errbuf *eb);
int sqlite_quarantine_set_reason(struct sqlite_store *st, int64_t key,
                                 const char *reason, struct errbuf *eb);
int sqlite_quarantine_delete(struct sqlite_store *st, int64_t key,
                             struct errbuf *eb);
int sqlite_quarantine_remove(struct sqlite_store *st, int64_t key,
                             struct errbuf *eb);
int sqlite_vacuum(struct sqlite_store *st, int64_t *before, int64_t *after,
                  int *held, struct errbuf *eb);
int sqlite_fetch_state(struct sqlite_store *st, const char *mailbox,
                       struct store_fetch_mark *mark, struct errbuf *eb);
int sqlite_fetch_mark(struct sqlite_store *st, const char *mailbox,
                      const struct store_fetch_mark *mark, struct errbuf *eb);
int sqlite_fetch_move_add(struct sqlite_store *st, const char *mailbox,
                          int64_t validity, uint32_t uid, const char *target,
                          struct errbuf *eb);
int sqlite_fetch_moves(struct sqlite_store *st, const char *mailbox,
                       int64_t validity, store_move_cb cb, void *arg,
                       struct errbuf *eb);
int sqlite_fetch_moved(struct sqlite_store *st, const char *mailbox,
                       int64_t validity, const uint32_t *uids, size_t n,
                       struct errbuf *eb);
int sqlite_inputs(struct sqlite_store *st, int64_t after, size_t limit,
                  store_input_cb cb, void *arg, struct errbuf *eb);
int sqlite_counts(struct sqlite_store *st, struct store_counts *out,
                  struct errbuf *eb);
int sqlite_quarantine_copy(struct sqlite_store *st,
                           const struct store_quarantine_row *q,
                           struct errbuf *eb);
int sqlite_fetch_marks(struct sqlite_store *st, store_mark_cb cb, void *arg,
                       struct errbuf *eb);
int sqlite_fetch_move_list(struct sqlite_store *st, store_move_row_cb cb,
                           void *arg, struct errbuf *eb);

/* The schema version this program reads and writes: the newest step. */
int sqlite_schema_latest(void);

#endif
