/*
 * pgsql.h - the PostgreSQL store (libpq): --db postgresql://... or pg:KEYWORDS,
 * for several collectors writing one database.
 *
 * The entry points of the implementation in this folder.
 * Each function is the store.h function of the same name after the
 * prefix and means what store.h says it means; store/store.c calls them.
 */
#ifndef TLSRPT_STORE_PGSQL_H
#define TLSRPT_STORE_PGSQL_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"
#include "store.h"

struct pgsql_store;

int pgsql_open(const char *path, int flags, int busy_timeout_ms,
               struct pgsql_store **out, struct errbuf *eb);
void pgsql_close(struct pgsql_store *st);
int pgsql_schema_version(struct pgsql_store *st);
int pgsql_upgrade(struct pgsql_store *st, struct errbuf *eb);
int pgsql_backup(struct pgsql_store *st, const char *dest, struct errbuf *eb);
int pgsql_probe_write(struct pgsql_store *st, struct errbuf *eb);
int pgsql_begin(struct pgsql_store *st, struct errbuf *eb);
int pgsql_begin_bulk(struct pgsql_store *st, struct errbuf *eb);
int pgsql_commit(struct pgsql_store *st, struct errbuf *eb);
void pgsql_rollback(struct pgsql_store *st);
int pgsql_put_input(struct pgsql_store *st, struct store_item *items,
                    size_t nitems, const struct store_meta *meta,
                    struct errbuf *eb);
int pgsql_check_writable(struct pgsql_store *st, struct errbuf *eb);
void pgsql_timing(const struct pgsql_store *st, struct store_timing *out);
void pgsql_set_explain(struct pgsql_store *st, store_plan_cb plan, void *arg);
int pgsql_summary(struct pgsql_store *st, const struct store_filter *f,
                  store_summary_cb cb, void *arg, struct errbuf *eb);
int pgsql_summary_daily(struct pgsql_store *st, const struct store_filter *f,
                        int64_t bin, store_daily_cb cb, void *arg,
                        struct errbuf *eb);
int pgsql_failures(struct pgsql_store *st, const struct store_filter *f,
                   unsigned keys, size_t limit, store_failure_cb cb, void *arg,
                   struct errbuf *eb);
int pgsql_failure_groups(struct pgsql_store *st, const struct store_filter *f,
                         unsigned keys, store_failure_cb cb, void *arg,
                         struct errbuf *eb);
int pgsql_sts_domains(struct pgsql_store *st, const struct store_filter *f,
                      store_sts_cb cb, void *arg, struct errbuf *eb);
int pgsql_reports(struct pgsql_store *st, const struct store_filter *f,
                  size_t limit, store_report_cb cb, void *arg,
                  struct errbuf *eb);
int pgsql_report_find(struct pgsql_store *st, const char *key,
                      const char *organization, store_raw_cb cb, void *arg,
                      struct errbuf *eb);
int pgsql_prune(struct pgsql_store *st, int64_t before, int dry_run,
                int64_t *reports, int64_t *quarantined, struct errbuf *eb);
int pgsql_quarantine(struct pgsql_store *st, const struct store_filter *f,
                     int64_t key, size_t limit, store_quarantine_cb cb,
                     void *arg, struct errbuf *eb);
int pgsql_quarantine_set_reason(struct pgsql_store *st, int64_t key,
                                const char *reason, struct errbuf *eb);
int pgsql_quarantine_delete(struct pgsql_store *st, int64_t key,
                            struct errbuf *eb);
int pgsql_quarantine_remove(struct pgsql_store *st, int64_t key,
                            struct errbuf *eb);
int pgsql_vacuum(struct pgsql_store *st, int64_t *before, int64_t *after,
                 int *held, struct errbuf *eb);
int pgsql_fetch_state(struct pgsql_store *st, const char *mailbox,
                      struct store_fetch_mark *mark, struct errbuf *eb);
int pgsql_fetch_mark(struct pgsql_store *st, const char *mailbox,
                     const struct store_fetch_mark *mark, struct errbuf *eb);
int pgsql_fetch_move_add(struct pgsql_store *st, const char *mailbox,
                         int64_t validity, uint32_t uid, const char *target,
                         struct errbuf *eb);
int pgsql_fetch_moves(struct pgsql_store *st, const char *mailbox,
                      int64_t validity, store_move_cb cb, void *arg,
                      struct errbuf *eb);
int pgsql_fetch_moved(struct pgsql_store *st, const char *mailbox,
                      int64_t validity, const uint32_t *uids, size_t n,
                      struct errbuf *eb);
int pgsql_inputs(struct pgsql_store *st, int64_t after, size_t limit,
                 store_input_cb cb, void *arg, struct errbuf *eb);
int pgsql_counts(struct pgsql_store *st, struct store_counts *out,
                 struct errbuf *eb);
int pgsql_quarantine_copy(struct pgsql_store *st,
                          const struct store_quarantine_row *q,
                          struct errbuf *eb);
int pgsql_fetch_marks(struct pgsql_store *st, store_mark_cb cb, void *arg,
                      struct errbuf *eb);
int pgsql_fetch_move_list(struct pgsql_store *st, store_move_row_cb cb,
                          void *arg, struct errbuf *eb);

/* The schema version this program reads and writes: the newest step. */
int pgsql_schema_latest(void);

#endif
