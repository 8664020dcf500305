/*
 * pgsql_failures.c - the PostgreSQL store's side of the failures query
 * (failure_query.h): its SQL for the rollup's rows and the detail rows
 * at the edges, its row reader, and, for every group of a rollup's own
 * grouping, one statement grouped and sorted by the server (which spills
 * to disk past work_mem). The counting, the grouping and the order are
 * failure_query.c's, shared with sqlite_failures.c.
 *
 * Rows come one at a time (pgq_each_row), and the statements of one
 * query read one snapshot (pgq_begin), so that a writer committing
 * meanwhile does not show in one statement and not in the other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failure_query.h"
#include "pgsql_impl.h"
#include "pgsql_query.h"
#include "tally.h"

/* The detail rows' SQL expression of each key, in failure_key_flags
 * order: PostgreSQL's spelling of what sqlite_failures.c's table says
 * (the day and the report as text, as SQLite gives them). */
static const char *const failure_expr[FAILURE_NKEYS] = {
    "p.policy_domain",
    "p.policy_mode",
    "f.result_type",
    "coalesce(f.sending_mta_ip, '')",
    "coalesce(f.receiving_mx_hostname, '')",
    "coalesce(f.receiving_ip, '')",
    "r.organization",
    "tlsrpt_day(p.start_time)",
    "p.report::text",
};

/* Appends the filter's failure details as conditions on col[] (indexed as
 * failure_key_flags; a rollup's columns) or, when col is NULL, on the detail
 * rows. */
static void
detail_terms(char *sql, size_t size, const struct store_filter *f,
             const char *const *col)
{
	size_t i, k;

	for (i = 0; i < NDETAIL_FILTERS; i++) {
		if (store_detail_value(f, i) == NULL)
			continue;
		k = failure_key_index(store_detail_keys[i]);
		store_sql_cat(sql, size, " AND %s = $%d",
		              col ? col[k] : failure_expr[k],
		              PGQ_DETAIL + (int)i);
	}
}

/*
 * The detail rows of one edge, [$lo, $lo+1): the keys (as k0, k1, ...),
 * then, one row per failure detail, its failed sessions, 0 and the
 * report, each report's rows together (the tally counts a report once
 * per group by that); or, `grouped`, the sums per group, the reports
 * counted distinct. A report's policies share its start, but their ids
 * need not be consecutive (writers on several connections draw them
 * from one sequence): the order is by report.
 */
static void
failure_detail_sql(char *sql, size_t size, const struct store_filter *f,
                   unsigned keys, int lo, int grouped)
{
	size_t i, n = 0;

	snprintf(sql, size, "SELECT ");
	for (i = 0; i < FAILURE_NKEYS; i++)
		if (keys & failure_key_flags[i])
			store_sql_cat(sql, size, "%s AS k%zu, ",
			              failure_expr[i], n++);
	store_sql_cat(sql, size,
	              "%s FROM policy p"
	              " JOIN failure f ON f.policy = p.id"
	              " AND f.start_time = p.start_time%s"
	              " WHERE p.start_time >= $%d AND p.start_time < $%d",
	              grouped ? "tlsrpt_sum(f.failed_sessions) AS fs,"
	                        " count(DISTINCT p.report) AS rs"
	                      : "f.failed_sessions, 0, p.report",
	              keys & FAILURE_BY_ORG || f->organization
	                  ? " JOIN report r ON r.id = p.report"
	                  : "",
	              lo, lo + 1);
	/* Without the mode among the keys, the policies that count. */
	if (!failure_as_sent(f, keys))
		store_sql_cat(sql, size, " AND p.counts_for_domain > 0");
	pgq_filter_terms(sql, size, f, "p.policy_domain", "r.organization",
	                 "p.policy_type");
	detail_terms(sql, size, f, NULL);
	if (!grouped) {
		store_sql_cat(sql, size, " ORDER BY p.start_time, p.report");
		return;
	}
	for (i = 0; i < n; i++)
		store_sql_cat(sql, size, "%sk%zu", i ? ", " : " GROUP BY ", i);
}

/* The rollup rows of the whole buckets: keys (as k0, ...), failed
 * sessions and their report count. */
static void
failure_rollup_sql(char *sql, size_t size, const struct store_filter *f,
                   unsigned keys, const struct failure_rollup *ru)
{
	size_t i, n = 0;

	snprintf(sql, size, "SELECT ");
	for (i = 0; i < FAILURE_NKEYS; i++)
		if (keys & failure_key_flags[i])
			store_sql_cat(sql, size, "%s AS k%zu, ", ru->col[i],
			              n++);
	store_sql_cat(sql, size,
	              "failed_sessions AS fs, reports AS rs, 0 FROM %s x"
	              " WHERE x.bucket >= $6 AND x.bucket < $7",
	              ru->table);
	if (!failure_as_sent(f, keys))
		store_sql_cat(sql, size, " AND x.counts_for_domain > 0");
	if (ru->pooled && !f->policy_type)
		store_sql_cat(sql, size, " AND x.policy_type = ''");
	pgq_filter_terms(sql, size, f, ru->domain, ru->org, ru->type);
	detail_terms(sql, size, f, ru->col);
}

/* Adds a row to the tally: the key texts, then failed sessions, reports
 * and a report id (see tally_add). 1 when out of memory. */
static int
tally_row(const PGresult *res, int r, void *arg)
{
	struct tally *t = arg;
	const char *k[FAILURE_NKEYS];
	int n = PQnfields(res) - 3, i;

	for (i = 0; i < n; i++)
		k[i] = pgsql_get_text(res, r, i);
	return tally_add(t, k, pgsql_get_int(res, r, n),
	                 pgsql_get_int(res, r, n + 1),
	                 pgsql_get_int(res, r, n + 2)) != 0;
}

/* Runs one statement of the failures query with f and sp, each row to
 * row(); a positive return of row() is "out of memory". */
static int
failure_run(struct pgsql_store *st, const char *sql,
            const struct store_filter *f, const struct store_split *sp,
            int (*row)(const PGresult *res, int i, void *arg), void *arg,
            struct errbuf *eb)
{
	struct pgq_params p;
	int ret = -1;

	if (pgq_params_init(&p, f, sp, eb) == 0) {
		ret = pgq_each_row(st, sql, &p, "failures", row, arg, eb);
		if (ret > 0)
			ret = errbuf_set(eb, "failures: out of memory");
	}
	pgq_params_free(&p);
	return ret;
}

/* failure_ops' edges: the detail rows of the split's edges into the
 * tally. */
static int
failure_edges(void *st, const struct store_filter *f, unsigned keys,
              const struct store_split *sp, struct tally *t, struct errbuf *eb)
{
	char sql[PGQ_SQL_MAX];
	int e, ret = 0;

	for (e = 0; e < 2 && ret == 0; e++) {
		if (e == 0 ? sp->e1s >= sp->e1e : sp->e2s >= sp->e2e)
			continue;
		failure_detail_sql(sql, sizeof(sql), f, keys, 8 + 2 * e, 0);
		ret = failure_run(st, sql, f, sp, tally_row, t, eb);
	}
	return ret;
}

/* failure_ops' rollup_tally: the rollup's rows into the tally. */
static int
failure_rollup_tally(void *st, const struct store_filter *f, unsigned keys,
                     const struct failure_rollup *ru,
                     const struct store_split *sp, struct tally *t,
                     struct errbuf *eb)
{
	char sql[PGQ_SQL_MAX];

	failure_rollup_sql(sql, sizeof(sql), f, keys, ru);
	return failure_run(st, sql, f, sp, tally_row, t, eb);
}

/* A rollup row to failure_stream_row: the key texts, failed sessions
 * and reports. 1 when out of memory or the sink stopped. */
static int
stream_row(const PGresult *res, int r, void *arg)
{
	struct failure_stream *g = arg;
	const char *k[FAILURE_NKEYS];
	size_t i, n = g->nkeys;

	for (i = 0; i < n; i++)
		k[i] = pgsql_get_text(res, r, (int)i);
	return failure_stream_row(g, k, pgsql_get_int(res, r, (int)n),
	                          pgsql_get_int(res, r, (int)n + 1));
}

/* failure_ops' rollup_stream: the rollup's rows in the order of its
 * primary key. */
static int
failure_rollup_stream(void *st, const struct store_filter *f, unsigned keys,
                      const struct failure_rollup *ru,
                      const struct store_split *sp, struct failure_stream *g,
                      struct errbuf *eb)
{
	char sql[PGQ_SQL_MAX];
	size_t i;

	failure_rollup_sql(sql, sizeof(sql), f, keys, ru);
	/* In the order of the primary key, without COLLATE "C": only that
	 * equal keys come together matters here, and the index gives it. */
	store_sql_cat(sql, sizeof(sql), " ORDER BY ");
	for (i = 0; i < g->nkeys; i++)
		store_sql_cat(sql, sizeof(sql), "%s%zu", i ? ", " : "", i + 1);
	return failure_run(st, sql, f, sp, stream_row, g, eb);
}

struct sorted_emit {
	unsigned keys;
	size_t nkeys;
	store_failure_cb cb;
	void *arg;
};

static int
sorted_row(const PGresult *res, int r, void *arg)
{
	struct sorted_emit *e = arg;
	const char *k[FAILURE_NKEYS];
	size_t i;

	for (i = 0; i < e->nkeys; i++)
		k[i] = pgsql_get_text(res, r, (int)i);
	return failure_emit_row(
	    e->keys, k, pgsql_get_int(res, r, (int)e->nkeys),
	    pgsql_get_int(res, r, (int)e->nkeys + 1), e->cb, e->arg);
}

/*
 * failure_ops' sorted: every group, largest first, for a grouping a rollup
 * streams over many buckets, where a few million groups are possible: one
 * statement sums the rollup's rows and the edges' groups (reports counted
 * distinct per edge: a report lies in one) and sorts them, the server spilling
 * to disk past work_mem, as SQLite's sorter does in sqlite_failures.c; the rows
 * then come one at a time. Same sums as the tally, same order as tally_sort:
 * failed sessions down, then the keys in byte order.
 */
static int
failures_sorted(void *st, const struct store_filter *f, unsigned keys,
                const struct failure_rollup *ru, const struct store_split *sp,
                store_failure_cb cb, void *arg, struct errbuf *eb)
{
	struct sorted_emit e = {keys, failure_count_keys(keys), cb, arg};
	struct pgq_params p;
	char sql[PGQ_SQL_MAX], part[PGQ_SQL_MAX], cols[128] = "";
	size_t i;
	int ed, ret;

	for (i = 0; i < e.nkeys; i++)
		store_sql_cat(cols, sizeof(cols), "%sk%zu", i ? ", " : "", i);
	failure_rollup_sql(part, sizeof(part), f, keys, ru);
	sql[0] = '\0';
	store_sql_cat(sql, sizeof(sql),
	              "SELECT %s, tlsrpt_sum(fs) AS sum_fs, tlsrpt_sum(rs)"
	              " FROM (SELECT %s, fs, rs FROM (%s) x",
	              cols, cols, part);
	for (ed = 0; ed < 2; ed++) {
		if (ed == 0 ? sp->e1s >= sp->e1e : sp->e2s >= sp->e2e)
			continue;
		failure_detail_sql(part, sizeof(part), f, keys, 8 + 2 * ed, 1);
		store_sql_cat(sql, sizeof(sql), " UNION ALL %s", part);
	}
	store_sql_cat(sql, sizeof(sql), ") u GROUP BY %s ORDER BY sum_fs DESC",
	              cols);
	for (i = 0; i < e.nkeys; i++)
		store_sql_cat(sql, sizeof(sql), ", k%zu COLLATE \"C\"", i);
	/* Not failure_run: a non-zero return is the caller's, no "out of
	 * memory". */
	if ((ret = pgq_params_init(&p, f, sp, eb)) == 0)
		ret = pgq_each_row(st, sql, &p, "failures", sorted_row, &e, eb);
	pgq_params_free(&p);
	return ret;
}

static const struct failure_ops pgsql_failure_ops = {
    failure_rollup_tally,
    failure_edges,
    failure_rollup_stream,
    failures_sorted,
};

int
pgsql_failure_matches(struct pgsql_store *st, const struct store_filter *f,
                      struct failure_match **out, size_t *n, char **ids,
                      struct errbuf *eb)
{
	return failure_matches(&pgsql_failure_ops, st, f, '{', '}', out, n, ids,
	                       eb);
}

/* The statements of one query read one snapshot (pgq_begin). */
int
pgsql_failure_groups(struct pgsql_store *st, const struct store_filter *f,
                     unsigned keys, store_failure_cb cb, void *arg,
                     struct errbuf *eb)
{
	int began, ret;

	if ((began = pgq_begin(st, eb)) < 0)
		return -1;
	ret = failure_groups(&pgsql_failure_ops, st, f, keys, cb, arg, eb);
	pgq_end(st, began);
	return ret;
}

/*
 * The failures query in up to three statements in one snapshot, summed
 * in a tally: the rollup's whole buckets and the detail rows at each
 * edge; with a limit, the largest groups; all of a streamed grouping
 * sorted by the server.
 */
int
pgsql_failures(struct pgsql_store *st, const struct store_filter *f,
               unsigned keys, size_t limit, store_failure_cb cb, void *arg,
               struct errbuf *eb)
{
	int began, ret;

	if ((began = pgq_begin(st, eb)) < 0)
		return -1;
	ret =
	    failure_query(&pgsql_failure_ops, st, f, keys, limit, cb, arg, eb);
	pgq_end(st, began);
	return ret;
}
