/*
 * pgsql_todo_query.c - placeholders, while the PostgreSQL store is being
 * written: each is deleted as its function lands in a real file of this folder.
 */
#include "pgsql_impl.h"

void
pgsql_set_explain(struct pgsql_store *st, store_plan_cb plan, void *arg)
{
	(void)st;
	(void)plan;
	(void)arg;
}

int
pgsql_summary(struct pgsql_store *st, const struct store_filter *f,
              store_summary_cb cb, void *arg, struct errbuf *eb)
{
	(void)st;
	(void)f;
	(void)cb;
	(void)arg;
	(void)eb;
	errbuf_set(eb, "PostgreSQL store: %s not written yet", "summary");
	return -1;
}

int
pgsql_summary_daily(struct pgsql_store *st, const struct store_filter *f,
                    int64_t bin, store_daily_cb cb, void *arg,
                    struct errbuf *eb)
{
	(void)st;
	(void)f;
	(void)bin;
	(void)cb;
	(void)arg;
	(void)eb;
	errbuf_set(eb, "PostgreSQL store: %s not written yet", "summary_daily");
	return -1;
}

int
pgsql_failures(struct pgsql_store *st, const struct store_filter *f,
               unsigned keys, size_t limit, store_failure_cb cb, void *arg,
               struct errbuf *eb)
{
	(void)st;
	(void)f;
	(void)keys;
	(void)limit;
	(void)cb;
	(void)arg;
	(void)eb;
	errbuf_set(eb, "PostgreSQL store: %s not written yet", "failures");
	return -1;
}

int
pgsql_failure_groups(struct pgsql_store *st, const struct store_filter *f,
                     unsigned keys, store_failure_cb cb, void *arg,
                     struct errbuf *eb)
{
	(void)st;
	(void)f;
	(void)keys;
	(void)cb;
	(void)arg;
	(void)eb;
	errbuf_set(eb, "PostgreSQL store: %s not written yet",
	           "failure_groups");
	return -1;
}

int
pgsql_sts_domains(struct pgsql_store *st, const struct store_filter *f,
                  store_sts_cb cb, void *arg, struct errbuf *eb)
{
	(void)st;
	(void)f;
	(void)cb;
	(void)arg;
	(void)eb;
	errbuf_set(eb, "PostgreSQL store: %s not written yet", "sts_domains");
	return -1;
}

int
pgsql_reports(struct pgsql_store *st, const struct store_filter *f,
              size_t limit, store_report_cb cb, void *arg, struct errbuf *eb)
{
	(void)st;
	(void)f;
	(void)limit;
	(void)cb;
	(void)arg;
	(void)eb;
	errbuf_set(eb, "PostgreSQL store: %s not written yet", "reports");
	return -1;
}

int
pgsql_report_find(struct pgsql_store *st, const char *key,
                  const char *organization, store_raw_cb cb, void *arg,
                  struct errbuf *eb)
{
	(void)st;
	(void)key;
	(void)organization;
	(void)cb;
	(void)arg;
	(void)eb;
	errbuf_set(eb, "PostgreSQL store: %s not written yet", "report_find");
	return -1;
}

int
pgsql_quarantine(struct pgsql_store *st, const struct store_filter *f,
                 int64_t key, size_t limit, store_quarantine_cb cb, void *arg,
                 struct errbuf *eb)
{
	(void)st;
	(void)f;
	(void)key;
	(void)limit;
	(void)cb;
	(void)arg;
	(void)eb;
	errbuf_set(eb, "PostgreSQL store: %s not written yet", "quarantine");
	return -1;
}
