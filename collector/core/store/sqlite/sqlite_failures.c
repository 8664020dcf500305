/*
 * sqlite_failures.c - the failures query: failed sessions and reports per
 * group of keys, from a rollup over whole buckets and the detail rows at
 * the edges (store_query.h), summed in a tally (tally.h); with a limit,
 * the largest groups in a bounded heap; without one, over the default
 * grouping, sorted on disk; and every group unordered for callers that
 * look them up (the digest).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_impl.h"
#include "sqlite_query.h"
#include "tally.h"

/* The grouping keys: flag, detail SQL expression, rollup column. */
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
    {FAILURE_BY_DAY, "date(p.start_time, 'unixepoch')"},
    {FAILURE_BY_REPORT, "p.report"},
};
#define NFAILURE_KEYS (sizeof(failure_keys) / sizeof(failure_keys[0]))

/* The index of a key in failure_keys. */
static size_t
key_index(unsigned flag)
{
	size_t k;

	for (k = 0; k < NFAILURE_KEYS && failure_keys[k].flag != flag; k++)
		;
	return k;
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
		store_sql_cat(sql, size, " AND %s = ?%d",
		              col ? col[k] : failure_keys[k].expr,
		              DETAIL_PARAM + (int)i);
	}
}

/*
 * The failure rollups, and the groupings each answers exactly: it must
 * hold every key asked for, and a grouping may leave out only dimensions
 * that a report has one value of (organization, bucket; the domain when
 * one is asked for), so that summing its report counts counts each report
 * once. col[] follows failure_keys; NULL where the rollup lacks the key.
 */
static const struct failure_rollup {
	const char *table;
	unsigned need; /* keys it must be asked for */
	const char *col[NFAILURE_KEYS];
	const char *domain, *org, *type; /* filter columns it has */
	int one_domain; /* without the domain key, needs one domain */
	/* Its rows are per policy type, plus pooled rows (policy_type '')
	 * over the policies that count, of every type: without a type filter
	 * it reads those, since summed over the types a report with failures
	 * under two counting types (no-policy-found beside sts) would count
	 * twice. */
	int pooled;
	/* The grouping whose columns, in failure_keys order, begin its
	 * primary key: read in that order, each group's rows come together,
	 * and a group is complete when the key changes. */
	unsigned stream;
} failure_rollups[] = {
    {"rollup_failure",
     FAILURE_BY_MTA | FAILURE_BY_TYPE | FAILURE_BY_MODE,
     {NULL, "policy_mode", "result_type", "sending_mta_ip", NULL, NULL,
      "organization", NULL},
     NULL,
     "organization",
     NULL,
     0,
     0,
     FAILURE_BY_MODE | FAILURE_BY_TYPE | FAILURE_BY_MTA},
    {"rollup_mx",
     FAILURE_BY_TYPE | FAILURE_BY_MX,
     {"policy_domain", NULL, "result_type", NULL, "receiving_mx_hostname", NULL,
      NULL, NULL},
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

/* The detail rows of one edge, [?lo, ?lo+1): the keys, failed
 * sessions and the report id, each report's rows together (a report's
 * policies have its start time and consecutive ids: policy_start reads
 * them in that order, without a sort). */
static void
failure_detail_sql(char *sql, size_t size, const struct store_filter *f,
                   unsigned keys, int lo)
{
	size_t i;

	snprintf(sql, size, "SELECT ");
	for (i = 0; i < NFAILURE_KEYS; i++)
		if (keys & failure_keys[i].flag)
			store_sql_cat(sql, size, "%s, ", failure_keys[i].expr);
	store_sql_cat(sql, size,
	              "f.failed_sessions, 0, p.report FROM policy p"
	              " JOIN failure f ON f.policy = p.id%s"
	              " WHERE p.start_time >= ?%d AND p.start_time < ?%d",
	              keys & FAILURE_BY_ORG || f->organization
	                  ? " JOIN report r ON r.id = p.report"
	                  : "",
	              lo, lo + 1);
	/* Without the mode among the keys, the policies that count. */
	if (!as_sent(f, keys))
		store_sql_cat(sql, size, " AND p.counts_for_domain > 0");
	store_filter_terms(sql, size, f, "p.policy_domain", "r.organization",
	                   "p.policy_type");
	detail_terms(sql, size, f, NULL);
	store_sql_cat(sql, size, " ORDER BY p.start_time, p.id");
}

/* The rollup rows of the whole buckets: keys, failed sessions
 * and their report count. */
static void
failure_rollup_sql(char *sql, size_t size, const struct store_filter *f,
                   const struct store_split *sp, unsigned keys,
                   const struct failure_rollup *ru)
{
	size_t i;

	snprintf(sql, size, "SELECT ");
	for (i = 0; i < NFAILURE_KEYS; i++)
		if (keys & failure_keys[i].flag)
			store_sql_cat(sql, size, "%s, ", ru->col[i]);
	store_sql_cat(sql, size, "failed_sessions, reports, 0 FROM %s x",
	              ru->table);
	store_bucket_terms(sql, size, sp);
	if (!as_sent(f, keys))
		store_sql_cat(sql, size, " AND x.counts_for_domain > 0");
	if (ru->pooled && !f->policy_type)
		store_sql_cat(sql, size, " AND x.policy_type = ''");
	store_filter_terms(sql, size, f, ru->domain, ru->org, ru->type);
	detail_terms(sql, size, f, ru->col);
}

/* Adds each row of a statement to the tally: the key texts, then
 * failed sessions, reports and a report id (see tally_add). Returns 1
 * when out of memory. */
static int
tally_row(sqlite3_stmt *s, void *arg)
{
	struct tally *t = arg;
	const char *k[NFAILURE_KEYS];
	int n = sqlite3_column_count(s) - 3, i;

	for (i = 0; i < n; i++)
		k[i] = store_col_text(s, i);
	return tally_add(t, k, sqlite3_column_int64(s, n),
	                 sqlite3_column_int64(s, n + 1),
	                 sqlite3_column_int64(s, n + 2)) != 0;
}

/* Runs one branch of the failures query into the tally. */
static int
failure_branch(struct sqlite_store *st, const char *sql,
               const struct store_filter *f, const struct store_split *sp,
               struct tally *t, struct errbuf *eb)
{
	sqlite3_stmt *s = NULL;
	char *dj = NULL;
	int ret = -1;

	if (store_prepare_filtered(st, sql, f, sp, &s, &dj, eb) == 0) {
		ret = store_each_row(st, s, "failures", tally_row, t, eb);
		if (ret > 0) /* tally_row's only failure */
			ret = errbuf_set(eb, "failures: out of memory");
	}
	sqlite3_finalize(s);
	store_json_free(dj);
	return ret;
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

/* Calls cb for the tally's first `limit` groups (0: all), in the order
 * store_failures promises. */
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

/* Runs the detail branches of the split's edges into the tally. */
static int
failure_edges(struct sqlite_store *st, const struct store_filter *f,
              unsigned keys, const struct store_split *sp, struct tally *t,
              struct errbuf *eb)
{
	char sql[QUERY_SQL_MAX];
	int e, ret = 0;

	for (e = 0; e < 2 && ret == 0; e++) {
		if (e == 0 ? sp->e1s >= sp->e1e : sp->e2s >= sp->e2e)
			continue;
		failure_detail_sql(sql, sizeof(sql), f, keys, 8 + 2 * e);
		ret = failure_branch(st, sql, f, sp, t, eb);
	}
	return ret;
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

int
store_failure_tally(struct sqlite_store *st, const struct store_filter *f,
                    unsigned keys, struct tally **out, struct errbuf *eb)
{
	const struct failure_rollup *ru = pick_rollup(f, keys);
	char sql[QUERY_SQL_MAX];
	struct tally *t;
	struct store_split sp;
	int ret = 0;

	*out = NULL;
	if ((t = tally_new(count_keys(keys))) == NULL)
		return errbuf_set(eb, "failures: out of memory");
	store_split_range(f, ru != NULL, &sp);
	if (ru != NULL && sp.b1 < sp.b2) {
		failure_rollup_sql(sql, sizeof(sql), f, &sp, keys, ru);
		ret = failure_branch(st, sql, f, &sp, t, eb);
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

/*
 * The first `limit` groups without holding every group: the rollup's
 * rows read in its key order (failure_rollup.stream) come a group at a
 * time; each complete group, with the edges' rows of the same keys added
 * (the edges are at most two buckets of detail rows, tallied first), is
 * offered to a bounded heap. What the edges hold beyond the rollup's
 * groups is offered last.
 */
struct streamed {
	/* Where each complete group goes: 0, or non-zero to stop. */
	int (*sink)(struct streamed *g, const char *const *k, int64_t failed,
	            int64_t reports);
	struct tally *top; /* failure_top's heap */
	sqlite3_stmt *ins; /* failures_sorted's table of groups */
	unsigned keyflags; /* store_failure_groups' callback */
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

static int
sink_top(struct streamed *g, const char *const *k, int64_t failed,
         int64_t reports)
{
	return tally_offer(g->top, k, failed, reports);
}

/* The key text i of the group being summed, copied: the statement's
 * texts last only until its next step. */
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
stream_row(sqlite3_stmt *s, void *arg)
{
	struct streamed *g = arg;
	size_t i, n = g->nkeys;
	int same = g->open;

	for (i = 0; i < n && same; i++)
		same = strcmp(g->keys[i], store_col_text(s, (int)i)) == 0;
	if (!same) {
		if (group_done(g) != 0)
			return 1;
		for (i = 0; i < n; i++)
			if (group_key(g, i, store_col_text(s, (int)i)) != 0)
				return 1;
		g->failed = g->reports = 0;
		g->open = 1;
	}
	g->failed = store_add_held(g->failed, sqlite3_column_int64(s, (int)n));
	g->reports =
	    store_add_held(g->reports, sqlite3_column_int64(s, (int)n + 1));
	return 0;
}

static int
failures_streamed(struct sqlite_store *st, const struct store_filter *f,
                  unsigned keys, const struct failure_rollup *ru,
                  const struct store_split *sp, struct streamed *g,
                  struct errbuf *eb)
{
	char sql[QUERY_SQL_MAX];
	sqlite3_stmt *s = NULL;
	char *dj = NULL;
	size_t i, n;
	int ret;

	if ((ret = failure_edges(st, f, keys, sp, g->edges, eb)) != 0)
		return ret;
	n = tally_count(g->edges);
	if ((g->used = calloc(n ? n : 1, 1)) == NULL)
		return -1;
	failure_rollup_sql(sql, sizeof(sql), f, sp, keys, ru);
	store_sql_cat(sql, sizeof(sql), " ORDER BY ");
	for (i = 0; i < g->nkeys; i++)
		store_sql_cat(sql, sizeof(sql), "%s%zu", i ? ", " : "", i + 1);
	if ((ret = store_prepare_filtered(st, sql, f, sp, &s, &dj, eb)) == 0)
		ret = store_each_row(st, s, "failures", stream_row, g, eb);
	sqlite3_finalize(s);
	store_json_free(dj);
	if (ret == 0 && group_done(g) != 0)
		ret = 1;
	for (i = 0; i < n && ret == 0; i++)
		if (!g->used[i] && g->sink(g, tally_keys(g->edges, i),
		                           tally_failed(g->edges, i),
		                           tally_reports(g->edges, i)) != 0)
			ret = 1;
	return ret;
}

/* failures_sorted's sink: the group into the temporary table. */
static int
sink_table(struct streamed *g, const char *const *k, int64_t failed,
           int64_t reports)
{
	size_t i;

	for (i = 0; i < g->nkeys; i++)
		sqlite3_bind_text(g->ins, (int)i + 1, k[i], -1, SQLITE_STATIC);
	sqlite3_bind_int64(g->ins, (int)g->nkeys + 1, failed);
	sqlite3_bind_int64(g->ins, (int)g->nkeys + 2, reports);
	i = sqlite3_step(g->ins) != SQLITE_DONE;
	sqlite3_reset(g->ins);
	return (int)i;
}

struct sorted_emit {
	unsigned keys;
	size_t nkeys;
	store_failure_cb cb;
	void *arg;
};

static int
sorted_row(sqlite3_stmt *s, void *arg)
{
	struct sorted_emit *e = arg;
	const char *k[NFAILURE_KEYS];
	size_t i;

	for (i = 0; i < e->nkeys; i++)
		k[i] = store_col_text(s, (int)i);
	return emit_row(e->keys, k, sqlite3_column_int64(s, (int)e->nkeys),
	                sqlite3_column_int64(s, (int)e->nkeys + 1), e->cb,
	                e->arg);
}

/*
 * Every group, largest first, in memory that does not grow with them: the
 * groups come from failures_streamed one at a time into a temporary table
 * on disk, and SQLite's sorter, which spills to temporary files past its
 * cache, puts them in order (temp_store FILE for the while: in memory,
 * the sorter would hold them all). For the default grouping over many
 * buckets, where a few million groups are possible.
 */
static int
failures_sorted(struct sqlite_store *st, const struct store_filter *f,
                unsigned keys, const struct failure_rollup *ru,
                const struct store_split *sp, store_failure_cb cb, void *arg,
                struct errbuf *eb)
{
	struct streamed g = {0};
	struct sorted_emit e = {keys, count_keys(keys), cb, arg};
	char cols[128] = "", marks[64] = "", order[128] = "", sql[512];
	sqlite3_stmt *s = NULL;
	size_t i;
	int ret;

	g.nkeys = e.nkeys;
	g.sink = sink_table;
	for (i = 0; i < g.nkeys; i++) {
		store_sql_cat(cols, sizeof(cols), "k%zu TEXT, ", i);
		store_sql_cat(marks, sizeof(marks), "?, ");
		store_sql_cat(order, sizeof(order), ", k%zu", i);
	}
	snprintf(sql, sizeof(sql),
	         "PRAGMA temp_store = FILE;"
	         " DROP TABLE IF EXISTS temp.failure_groups;"
	         " CREATE TEMP TABLE failure_groups (%sfs INTEGER, rs INTEGER);"
	         " SAVEPOINT failures_sorted",
	         cols);
	/* One transaction: the inserts do not each commit, and the groups
	 * and the rollup are read in one snapshot. */
	if ((ret = store_exec(st, sql, eb)) != 0)
		goto out;
	snprintf(sql, sizeof(sql),
	         "INSERT INTO temp.failure_groups VALUES (%s?, ?)", marks);
	if ((ret = store_query_prepare(st, sql, &g.ins, eb)) != 0)
		goto out;
	if ((g.edges = tally_new(g.nkeys)) == NULL) {
		ret = errbuf_set(eb, "failures: out of memory");
		goto out;
	}
	ret = failures_streamed(st, f, keys, ru, sp, &g, eb);
	if (ret > 0)
		ret = store_error(st, eb, "failures: temporary table");
	if (ret != 0)
		goto out;
	snprintf(sql, sizeof(sql),
	         "SELECT * FROM temp.failure_groups ORDER BY fs DESC%s", order);
	if ((ret = store_query_prepare(st, sql, &s, eb)) == 0)
		ret = store_each_row(st, s, "failures", sorted_row, &e, eb);
out:
	sqlite3_finalize(s);
	sqlite3_finalize(g.ins);
	for (i = 0; i < g.nkeys; i++)
		free(g.keys[i]);
	free(g.used);
	tally_free(g.edges);
	/* Each on its own: one failing (no savepoint when the CREATE
	 * failed) must not skip the others. */
	store_exec(st, "RELEASE failures_sorted", NULL);
	store_exec(st, "DROP TABLE IF EXISTS temp.failure_groups", NULL);
	store_exec(st, "PRAGMA temp_store = MEMORY", NULL);
	return ret;
}

/* store_failure_groups' sink: the group to the caller. */
static int
sink_emit(struct streamed *g, const char *const *k, int64_t failed,
          int64_t reports)
{
	return emit_row(g->keyflags, k, failed, reports, g->cb, g->arg);
}

int
sqlite_failure_groups(struct sqlite_store *st, const struct store_filter *f,
                      unsigned keys, store_failure_cb cb, void *arg,
                      struct errbuf *eb)
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
		if ((g.edges = tally_new(g.nkeys)) == NULL)
			ret = -1;
		else
			ret = failures_streamed(st, f, keys, ru, &sp, &g, eb);
		for (i = 0; i < g.nkeys; i++)
			free(g.keys[i]);
		free(g.used);
		tally_free(g.edges);
	} else if ((ret = store_failure_tally(st, f, keys, &t, eb)) == 0) {
		n = tally_count(t);
		for (i = 0; i < n && ret == 0; i++)
			ret =
			    emit_row(keys, tally_keys(t, i), tally_failed(t, i),
			             tally_reports(t, i), cb, arg);
		tally_free(t);
	}
	if (ret != 0 && eb != NULL && !eb->msg[0])
		errbuf_set(eb, "failures: out of memory");
	return ret != 0 ? -1 : 0;
}

/* The first `limit` groups of the failures query into *out (a tally of
 * tally_new_top), with memory bounded by the limit when the grouping
 * reads a rollup in its key order, else from the whole tally. */
static int
failure_top(struct sqlite_store *st, const struct store_filter *f,
            unsigned keys, size_t limit, struct tally **out, struct errbuf *eb)
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
		return -1;
	if (ru != NULL && sp.b1 < sp.b2 && ru->stream == keys) {
		if ((g.edges = tally_new(g.nkeys)) == NULL)
			ret = -1;
		else
			ret = failures_streamed(st, f, keys, ru, &sp, &g, eb);
	} else if ((ret = store_failure_tally(st, f, keys, &g.edges, eb)) ==
	           0) {
		n = tally_count(g.edges);
		for (i = 0; i < n && ret == 0; i++)
			ret = tally_offer(g.top, tally_keys(g.edges, i),
			                  tally_failed(g.edges, i),
			                  tally_reports(g.edges, i));
	}
	for (i = 0; i < g.nkeys; i++)
		free(g.keys[i]);
	free(g.used);
	tally_free(g.edges);
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
 * The failures query in up to three statements, summed in a tally: the
 * rollup's whole buckets and the detail rows at each edge. Grouping in C
 * rather than in SQL: SQLite's GROUP BY sorts every detail row, which
 * took 60 of the 7-day query's 100 ms at a million reports.
 */
int
sqlite_failures(struct sqlite_store *st, const struct store_filter *f,
                unsigned keys, size_t limit, store_failure_cb cb, void *arg,
                struct errbuf *eb)
{
	const struct failure_rollup *ru = pick_rollup(f, keys);
	struct tally *t = NULL;
	struct store_split sp;
	int ret;

	store_split_range(f, ru != NULL, &sp);
	/* All groups of a rollup read in key order: sorted on disk. With a
	 * limit, the largest in a heap; by day, the rows go oldest day
	 * first, so the limit is not of the largest groups. */
	if (limit == 0 && ru != NULL && sp.b1 < sp.b2 && ru->stream == keys)
		ret = failures_sorted(st, f, keys, ru, &sp, cb, arg, eb);
	else if ((ret = limit > 0 && !(keys & FAILURE_BY_DAY)
	                    ? failure_top(st, f, keys, limit, &t, eb)
	                    : store_failure_tally(st, f, keys, &t, eb)) == 0)
		ret = failure_emit(t, keys, limit, cb, arg);
	if (ret < 0 && eb != NULL && !eb->msg[0])
		errbuf_set(eb, "failures: out of memory");
	tally_free(t);
	return ret;
}
