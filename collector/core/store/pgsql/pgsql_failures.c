/*
 * pgsql_failures.c - the failures query of the PostgreSQL store: failed
 * sessions and reports per group of keys, from a rollup over whole
 * buckets and the detail rows at the edges (query_split.h), summed in a
 * tally (tally.h); with a limit, the largest groups in a bounded heap;
 * without one, over a rollup's own grouping, grouped and sorted by the
 * server (which spills to disk past work_mem); and every group unordered
 * for callers that look them up (the digest).
 *
 * The same design and the same numbers as sqlite_failures.c. Rows come
 * one at a time (pgq_each_row), and the statements of one query read one
 * snapshot (pgq_begin), so that a writer committing meanwhile does not
 * show in one statement and not in the other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgsql_impl.h"
#include "pgsql_query.h"
#include "tally.h"

/* The grouping keys: flag, detail SQL expression. */
static const struct {
	unsigned flag;
	const char *expr;
} failure_keys[] = {
    {FAILURE_BY_DOMAIN, "p.policy_domain"},
    {FAILURE_BY_MODE, "p.policy_mode"},
    {FAILURE_BY_TYPE, "f.result_type"},
    {FAILURE_BY_MTA, "coalesce(f.sending_mta_ip, '')"},
    {FAILURE_BY_MX, "coalesce(f.receiving_mx_hostname, '')"},
    {FAILURE_BY_IP, "coalesce(f.receiving_ip, '')"},
    {FAILURE_BY_ORG, "r.organization"},
    {FAILURE_BY_DAY, "tlsrpt_day(p.start_time)"},
    {FAILURE_BY_REPORT, "p.report::text"},
};
#define NFAILURE_KEYS (sizeof(failure_keys) / sizeof(failure_keys[0]))

static size_t
key_index(unsigned flag)
{
	size_t k;

	for (k = 0; k < NFAILURE_KEYS && failure_keys[k].flag != flag; k++)
		;
	return k;
}

static size_t
count_keys(unsigned keys)
{
	size_t nkeys = 0, i;

	for (i = 0; i < NFAILURE_KEYS; i++)
		if (keys & failure_keys[i].flag)
			nkeys++;
	return nkeys;
}

/* Whether each policy counts as sent (the mode is a key or a filter; or
 * one policy type is asked for), rather than only the policies that count
 * for their domain. */
static int
as_sent(const struct store_filter *f, unsigned keys)
{
	return (keys & FAILURE_BY_MODE) || f->policy_mode || f->policy_type;
}

/* Appends the filter's failure details as conditions on col[] (indexed as
 * failure_keys; a rollup's columns) or, when col is NULL, on the detail
 * rows. */
static void
detail_terms(char *sql, size_t size, const struct store_filter *f,
             const char *const *col)
{
	size_t i, k;

	for (i = 0; i < NDETAIL_FILTERS; i++) {
		if (store_detail_value(f, i) == NULL)
			continue;
		k = key_index(store_detail_keys[i]);
		store_sql_cat(sql, size, " AND %s = $%d",
		              col ? col[k] : failure_keys[k].expr,
		              PGQ_DETAIL + (int)i);
	}
}

/*
 * The failure rollups, and the groupings each answers exactly: it must
 * hold every key asked for, and a grouping may leave out only dimensions
 * that a report has one value of (organization, bucket; the domain when
 * one is asked for), so that summing its report counts counts each report
 * once. As sqlite_failures.c's table: the two schemas' rollups are the
 * same.
 */
static const struct failure_rollup {
	const char *table;
	unsigned need;
	const char *col[NFAILURE_KEYS];
	const char *domain, *org, *type;
	int one_domain;
	int pooled;
	unsigned stream;
} failure_rollups[] = {
    {"rollup_failure",
     FAILURE_BY_MTA | FAILURE_BY_TYPE | FAILURE_BY_MODE,
     {NULL, "policy_mode", "result_type", "sending_mta_ip", NULL, NULL,
      "organization", NULL, NULL},
     NULL,
     "organization",
     NULL,
     0,
     0,
     FAILURE_BY_MODE | FAILURE_BY_TYPE | FAILURE_BY_MTA},
    {"rollup_mx",
     FAILURE_BY_TYPE | FAILURE_BY_MX,
     {"policy_domain", NULL, "result_type", NULL, "receiving_mx_hostname", NULL,
      NULL, NULL, NULL},
     "policy_domain",
     NULL,
     "policy_type",
     1,
     1,
     0},
};

static const struct failure_rollup *
pick_rollup(const struct store_filter *f, unsigned keys)
{
	size_t i, k;

	for (i = 0; i < sizeof(failure_rollups) / sizeof(failure_rollups[0]);
	     i++) {
		const struct failure_rollup *r = &failure_rollups[i];
		int ok = (keys & r->need) == r->need;

		for (k = 0; k < NFAILURE_KEYS; k++)
			if ((keys & failure_keys[k].flag) && r->col[k] == NULL)
				ok = 0;
		if ((f->ndomains && !r->domain) ||
		    (f->organization && !r->org) ||
		    (f->policy_type && !r->type))
			ok = 0;
		for (k = 0; k < NDETAIL_FILTERS; k++)
			if (store_detail_value(f, k) != NULL &&
			    r->col[key_index(store_detail_keys[k])] == NULL)
				ok = 0;
		if (r->one_domain && !(keys & FAILURE_BY_DOMAIN) &&
		    f->ndomains != 1)
			ok = 0;
		if (ok)
			return r;
	}
	return NULL;
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
	for (i = 0; i < NFAILURE_KEYS; i++)
		if (keys & failure_keys[i].flag)
			store_sql_cat(sql, size, "%s AS k%zu, ",
			              failure_keys[i].expr, n++);
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
	if (!as_sent(f, keys))
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
	for (i = 0; i < NFAILURE_KEYS; i++)
		if (keys & failure_keys[i].flag)
			store_sql_cat(sql, size, "%s AS k%zu, ", ru->col[i],
			              n++);
	store_sql_cat(sql, size,
	              "failed_sessions AS fs, reports AS rs, 0 FROM %s x"
	              " WHERE x.bucket >= $6 AND x.bucket < $7",
	              ru->table);
	if (!as_sent(f, keys))
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
	const char *k[NFAILURE_KEYS];
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

/* Runs the detail rows of the split's edges into the tally. */
static int
failure_edges(struct pgsql_store *st, const struct store_filter *f,
              unsigned keys, const struct store_split *sp, struct tally *t,
              struct errbuf *eb)
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

int
pgsql_failure_tally(struct pgsql_store *st, const struct store_filter *f,
                    unsigned keys, struct tally **out, struct errbuf *eb)
{
	const struct failure_rollup *ru = pick_rollup(f, keys);
	char sql[PGQ_SQL_MAX];
	struct tally *t;
	struct store_split sp;
	int ret = 0;

	*out = NULL;
	if ((t = tally_new(count_keys(keys))) == NULL)
		return errbuf_set(eb, "failures: out of memory");
	store_split_range(f, ru != NULL, &sp);
	if (ru != NULL && sp.b1 < sp.b2) {
		failure_rollup_sql(sql, sizeof(sql), f, keys, ru);
		ret = failure_run(st, sql, f, &sp, tally_row, t, eb);
	}
	if (ret == 0)
		ret = failure_edges(st, f, keys, &sp, t, eb);
	if (ret != 0) {
		tally_free(t);
		return ret;
	}
	*out = t;
	return 0;
}

/* Calls cb for one group: its keys (those of `keys`, in failure_keys
 * order) and sums. */
static int
emit_row(unsigned keys, const char *const *k, int64_t failed, int64_t reports,
         store_failure_cb cb, void *arg)
{
	struct store_failure_row row = {0};
	const char **slot[NFAILURE_KEYS] = {&row.policy_domain,
	                                    &row.policy_mode,
	                                    &row.result_type,
	                                    &row.sending_mta_ip,
	                                    &row.receiving_mx_hostname,
	                                    &row.receiving_ip,
	                                    &row.organization,
	                                    &row.day,
	                                    NULL};
	size_t i, col;

	for (i = 0, col = 0; i < NFAILURE_KEYS; i++)
		if (keys & failure_keys[i].flag) {
			if (slot[i] != NULL)
				*slot[i] = k[col];
			col++;
		}
	row.failed_sessions = failed;
	row.reports = reports;
	return cb(&row, arg);
}

/* Orders group indexes by day, oldest first, then as tally_sort left
 * them (largest first). */
struct by_day {
	const struct tally *t;
	size_t col; /* of the day among the keys */
};

static int
cmp_day(const void *a, const void *b, void *arg)
{
	const struct by_day *d = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c =
	    strcmp(tally_keys(d->t, x)[d->col], tally_keys(d->t, y)[d->col]);

	return c != 0 ? c : x < y ? -1 : x > y;
}

/* Calls cb for the tally's first `limit` groups (0: all), in the order
 * pgsql_failures promises. */
static int
failure_emit(struct tally *t, unsigned keys, size_t limit, store_failure_cb cb,
             void *arg)
{
	struct by_day d = {t, 0};
	size_t n = tally_sort(t), g, i, *order;
	int ret = 0;

	if ((order = calloc(n ? n : 1, sizeof(*order))) == NULL)
		return -1;
	for (g = 0; g < n; g++)
		order[g] = g;
	if (keys & FAILURE_BY_DAY) {
		for (i = 0; failure_keys[i].flag != FAILURE_BY_DAY; i++)
			d.col += (keys & failure_keys[i].flag) != 0;
		qsort_r(order, n, sizeof(*order), cmp_day, &d);
	}
	if (limit > 0 && limit < n)
		n = limit;
	for (g = 0; g < n && ret == 0; g++)
		ret = emit_row(keys, tally_keys(t, order[g]),
		               tally_failed(t, order[g]),
		               tally_reports(t, order[g]), cb, arg);
	free(order);
	return ret;
}

/*
 * Every group of a rollup read in its key order (failure_rollup.stream),
 * without holding them all: the rows come a group at a time; each
 * complete group, with the edges' rows of the same keys added (at most
 * two buckets of detail rows, tallied first), goes to sink(). What the
 * edges hold beyond the rollup's groups goes last.
 */
struct streamed {
	int (*sink)(struct streamed *g, const char *const *k, int64_t failed,
	            int64_t reports);
	struct tally *top; /* failure_top's heap */
	unsigned keyflags; /* pgsql_failure_groups' callback */
	store_failure_cb cb;
	void *arg;
	struct tally *edges;
	unsigned char *used; /* edge groups already added to a group */
	size_t nkeys;
	char *keys[NFAILURE_KEYS]; /* the group being summed */
	size_t cap[NFAILURE_KEYS];
	int64_t failed, reports;
	int open;
};

static void
streamed_free(struct streamed *g)
{
	size_t i;

	for (i = 0; i < g->nkeys; i++)
		free(g->keys[i]);
	free(g->used);
	tally_free(g->edges);
}

static int
group_done(struct streamed *g)
{
	const char *const *k = (const char *const *)g->keys;
	long e;

	if (!g->open)
		return 0;
	g->open = 0;
	if ((e = tally_find(g->edges, k)) >= 0) {
		g->used[e] = 1;
		g->failed = store_add_held(g->failed,
		                           tally_failed(g->edges, (size_t)e));
		g->reports = store_add_held(g->reports,
		                            tally_reports(g->edges, (size_t)e));
	}
	return g->sink(g, k, g->failed, g->reports);
}

/* The key text i of the group being summed, copied: the row's texts
 * last only until its result is cleared. */
static int
group_key(struct streamed *g, size_t i, const char *v)
{
	size_t n = strlen(v) + 1;
	char *p;

	if (n > g->cap[i]) {
		if ((p = realloc(g->keys[i], n)) == NULL)
			return -1;
		g->keys[i] = p;
		g->cap[i] = n;
	}
	memcpy(g->keys[i], v, n);
	return 0;
}

static int
stream_row(const PGresult *res, int r, void *arg)
{
	struct streamed *g = arg;
	size_t i, n = g->nkeys;
	int same = g->open;

	for (i = 0; i < n && same; i++)
		same = strcmp(g->keys[i], pgsql_get_text(res, r, (int)i)) == 0;
	if (!same) {
		if (group_done(g) != 0)
			return 1;
		for (i = 0; i < n; i++)
			if (group_key(g, i, pgsql_get_text(res, r, (int)i)) !=
			    0)
				return 1;
		g->failed = g->reports = 0;
		g->open = 1;
	}
	g->failed = store_add_held(g->failed, pgsql_get_int(res, r, (int)n));
	g->reports =
	    store_add_held(g->reports, pgsql_get_int(res, r, (int)n + 1));
	return 0;
}

static int
failures_streamed(struct pgsql_store *st, const struct store_filter *f,
                  unsigned keys, const struct failure_rollup *ru,
                  const struct store_split *sp, struct streamed *g,
                  struct errbuf *eb)
{
	char sql[PGQ_SQL_MAX];
	size_t i, n;
	int ret;

	if ((g->edges = tally_new(g->nkeys)) == NULL)
		return errbuf_set(eb, "failures: out of memory");
	if ((ret = failure_edges(st, f, keys, sp, g->edges, eb)) != 0)
		return ret;
	n = tally_count(g->edges);
	if ((g->used = calloc(n ? n : 1, 1)) == NULL)
		return errbuf_set(eb, "failures: out of memory");
	failure_rollup_sql(sql, sizeof(sql), f, keys, ru);
	/* In the order of the primary key, without COLLATE "C": only that
	 * equal keys come together matters here, and the index gives it. */
	store_sql_cat(sql, sizeof(sql), " ORDER BY ");
	for (i = 0; i < g->nkeys; i++)
		store_sql_cat(sql, sizeof(sql), "%s%zu", i ? ", " : "", i + 1);
	ret = failure_run(st, sql, f, sp, stream_row, g, eb);
	if (ret == 0 && group_done(g) != 0)
		ret = 1;
	for (i = 0; i < n && ret == 0; i++)
		if (!g->used[i] && g->sink(g, tally_keys(g->edges, i),
		                           tally_failed(g->edges, i),
		                           tally_reports(g->edges, i)) != 0)
			ret = 1;
	return ret;
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
	const char *k[NFAILURE_KEYS];
	size_t i;

	for (i = 0; i < e->nkeys; i++)
		k[i] = pgsql_get_text(res, r, (int)i);
	return emit_row(e->keys, k, pgsql_get_int(res, r, (int)e->nkeys),
	                pgsql_get_int(res, r, (int)e->nkeys + 1), e->cb,
	                e->arg);
}

/*
 * Every group, largest first, for a grouping a rollup streams over many
 * buckets, where a few million groups are possible: one statement sums
 * the rollup's rows and the edges' groups (reports counted distinct per
 * edge: a report lies in one) and sorts them, the server spilling to
 * disk past work_mem, as SQLite's sorter does in sqlite_failures.c; the
 * rows then come one at a time. Same sums as the tally, same order as
 * tally_sort: failed sessions down, then the keys in byte order.
 */
static int
failures_sorted(struct pgsql_store *st, const struct store_filter *f,
                unsigned keys, const struct failure_rollup *ru,
                const struct store_split *sp, store_failure_cb cb, void *arg,
                struct errbuf *eb)
{
	struct sorted_emit e = {keys, count_keys(keys), cb, arg};
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

/* pgsql_failure_groups' sink: the group to the caller. */
static int
sink_emit(struct streamed *g, const char *const *k, int64_t failed,
          int64_t reports)
{
	return emit_row(g->keyflags, k, failed, reports, g->cb, g->arg);
}

static int
failure_groups(struct pgsql_store *st, const struct store_filter *f,
               unsigned keys, store_failure_cb cb, void *arg, struct errbuf *eb)
{
	const struct failure_rollup *ru = pick_rollup(f, keys);
	struct streamed g = {0};
	struct tally *t = NULL;
	struct store_split sp;
	size_t i, n;
	int ret;

	store_split_range(f, ru != NULL, &sp);
	if (ru != NULL && sp.b1 < sp.b2 && ru->stream == keys) {
		g.nkeys = count_keys(keys);
		g.sink = sink_emit;
		g.keyflags = keys;
		g.cb = cb;
		g.arg = arg;
		ret = failures_streamed(st, f, keys, ru, &sp, &g, eb);
		streamed_free(&g);
	} else if ((ret = pgsql_failure_tally(st, f, keys, &t, eb)) == 0) {
		n = tally_count(t);
		for (i = 0; i < n && ret == 0; i++)
			ret =
			    emit_row(keys, tally_keys(t, i), tally_failed(t, i),
			             tally_reports(t, i), cb, arg);
		tally_free(t);
	}
	return ret;
}

int
pgsql_failure_groups(struct pgsql_store *st, const struct store_filter *f,
                     unsigned keys, store_failure_cb cb, void *arg,
                     struct errbuf *eb)
{
	int began, ret;

	if ((began = pgq_begin(st, eb)) < 0)
		return -1;
	ret = failure_groups(st, f, keys, cb, arg, eb);
	pgq_end(st, began);
	if (ret != 0 && eb != NULL && !eb->msg[0])
		errbuf_set(eb, "failures: out of memory");
	return ret != 0 ? -1 : 0;
}

static int
sink_top(struct streamed *g, const char *const *k, int64_t failed,
         int64_t reports)
{
	return tally_offer(g->top, k, failed, reports);
}

/* The first `limit` groups of the failures query into *out (a tally of
 * tally_new_top), with memory bounded by the limit when the grouping
 * reads a rollup in its key order, else from the whole tally. */
static int
failure_top(struct pgsql_store *st, const struct store_filter *f, unsigned keys,
            size_t limit, struct tally **out, struct errbuf *eb)
{
	const struct failure_rollup *ru = pick_rollup(f, keys);
	struct streamed g = {0};
	struct store_split sp;
	size_t i, n;
	int ret;

	g.nkeys = count_keys(keys);
	g.sink = sink_top;
	store_split_range(f, ru != NULL, &sp);
	if ((g.top = tally_new_top(g.nkeys, limit)) == NULL)
		return errbuf_set(eb, "failures: out of memory");
	if (ru != NULL && sp.b1 < sp.b2 && ru->stream == keys) {
		ret = failures_streamed(st, f, keys, ru, &sp, &g, eb);
	} else if ((ret = pgsql_failure_tally(st, f, keys, &g.edges, eb)) ==
	           0) {
		n = tally_count(g.edges);
		for (i = 0; i < n && ret == 0; i++)
			ret = tally_offer(g.top, tally_keys(g.edges, i),
			                  tally_failed(g.edges, i),
			                  tally_reports(g.edges, i));
	}
	streamed_free(&g);
	if (ret != 0) {
		tally_free(g.top);
		if (ret > 0 || (eb != NULL && !eb->msg[0]))
			errbuf_set(eb, "failures: out of memory");
		return -1;
	}
	*out = g.top;
	return 0;
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
	const struct failure_rollup *ru = pick_rollup(f, keys);
	struct tally *t = NULL;
	struct store_split sp;
	int began, ret;

	if ((began = pgq_begin(st, eb)) < 0)
		return -1;
	store_split_range(f, ru != NULL, &sp);
	/* By day, the rows go oldest day first: the limit is not of the
	 * largest groups, so no heap. */
	if (limit == 0 && ru != NULL && sp.b1 < sp.b2 && ru->stream == keys)
		ret = failures_sorted(st, f, keys, ru, &sp, cb, arg, eb);
	else if ((ret = limit > 0 && !(keys & FAILURE_BY_DAY)
	                    ? failure_top(st, f, keys, limit, &t, eb)
	                    : pgsql_failure_tally(st, f, keys, &t, eb)) == 0)
		ret = failure_emit(t, keys, limit, cb, arg);
	pgq_end(st, began);
	if (ret < 0 && eb != NULL && !eb->msg[0])
		errbuf_set(eb, "failures: out of memory");
	tally_free(t);
	return ret;
}
