/*
 * sqlite_failures.c - the SQLite store's side of the failures query
 * (failure_query.h): its SQL for the rollup's rows and the detail rows
 * at the edges (query_split.h), its row reader, and, for every group of
 * the default grouping, a temporary table sorted on disk. The counting,
 * the grouping and the order are failure_query.c's, shared with
 * pgsql_failures.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failure_query.h"
#include "sqlite_impl.h"
#include "sqlite_query.h"
#include "tally.h"

/* The detail rows' SQL expression of each key, in failure_key_flags
 * order: SQLite's spelling of what pgsql_failures.c's table says. */
static const char *const failure_expr[FAILURE_NKEYS] = {
    "p.policy_domain",
    "p.policy_mode",
    "f.result_type",
    "coalesce(f.sending_mta_ip, '')",
    "coalesce(f.receiving_mx_hostname, '')",
    "coalesce(f.receiving_ip, '')",
    "r.organization",
    "date(p.start_time, 'unixepoch')",
    "p.report",
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
		store_sql_cat(sql, size, " AND %s = ?%d",
		              col ? col[k] : failure_expr[k],
		              DETAIL_PARAM + (int)i);
	}
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
	for (i = 0; i < FAILURE_NKEYS; i++)
		if (keys & failure_key_flags[i])
			store_sql_cat(sql, size, "%s, ", failure_expr[i]);
	store_sql_cat(sql, size,
	              "f.failed_sessions, 0, p.report FROM policy p"
	              " JOIN failure f ON f.policy = p.id%s"
	              " WHERE p.start_time >= ?%d AND p.start_time < ?%d",
	              keys & FAILURE_BY_ORG || f->organization
	                  ? " JOIN report r ON r.id = p.report"
	                  : "",
	              lo, lo + 1);
	/* Without the mode among the keys, the policies that count. */
	if (!failure_as_sent(f, keys))
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
	for (i = 0; i < FAILURE_NKEYS; i++)
		if (keys & failure_key_flags[i])
			store_sql_cat(sql, size, "%s, ", ru->col[i]);
	store_sql_cat(sql, size, "failed_sessions, reports, 0 FROM %s x",
	              ru->table);
	store_bucket_terms(sql, size, sp);
	if (!failure_as_sent(f, keys))
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
	const char *k[FAILURE_NKEYS];
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

/* failure_ops' edges: the detail branches of the split's edges into
 * the tally. */
static int
failure_edges(void *st, const struct store_filter *f, unsigned keys,
              const struct store_split *sp, struct tally *t, struct errbuf *eb)
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

/* failure_ops' rollup_tally: the rollup's branch into the tally. */
static int
failure_rollup_tally(void *st, const struct store_filter *f, unsigned keys,
                     const struct failure_rollup *ru,
                     const struct store_split *sp, struct tally *t,
                     struct errbuf *eb)
{
	char sql[QUERY_SQL_MAX];

	failure_rollup_sql(sql, sizeof(sql), f, sp, keys, ru);
	return failure_branch(st, sql, f, sp, t, eb);
}

/* A rollup row to failure_stream_row: the key texts, failed sessions
 * and reports. 1 when out of memory or the sink stopped. */
static int
stream_row(sqlite3_stmt *s, void *arg)
{
	struct failure_stream *g = arg;
	const char *k[FAILURE_NKEYS];
	size_t i, n = g->nkeys;

	for (i = 0; i < n; i++)
		k[i] = store_col_text(s, (int)i);
	return failure_stream_row(g, k, sqlite3_column_int64(s, (int)n),
	                          sqlite3_column_int64(s, (int)n + 1));
}

/* failure_ops' rollup_stream: the rollup's rows in the order of its
 * primary key. A positive return is stream_row's. */
static int
failure_rollup_stream(void *st, const struct store_filter *f, unsigned keys,
                      const struct failure_rollup *ru,
                      const struct store_split *sp, struct failure_stream *g,
                      struct errbuf *eb)
{
	char sql[QUERY_SQL_MAX];
	sqlite3_stmt *s = NULL;
	char *dj = NULL;
	size_t i;
	int ret;

	failure_rollup_sql(sql, sizeof(sql), f, sp, keys, ru);
	store_sql_cat(sql, sizeof(sql), " ORDER BY ");
	for (i = 0; i < g->nkeys; i++)
		store_sql_cat(sql, sizeof(sql), "%s%zu", i ? ", " : "", i + 1);
	if ((ret = store_prepare_filtered(st, sql, f, sp, &s, &dj, eb)) == 0)
		ret = store_each_row(st, s, "failures", stream_row, g, eb);
	sqlite3_finalize(s);
	store_json_free(dj);
	return ret;
}

/* failures_sorted's sink: the group into the temporary table. */
static int
sink_table(struct failure_stream *g, const char *const *k, int64_t failed,
           int64_t reports)
{
	sqlite3_stmt *ins = g->sink_arg;
	size_t i;

	for (i = 0; i < g->nkeys; i++)
		sqlite3_bind_text(ins, (int)i + 1, k[i], -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins, (int)g->nkeys + 1, failed);
	sqlite3_bind_int64(ins, (int)g->nkeys + 2, reports);
	i = sqlite3_step(ins) != SQLITE_DONE;
	sqlite3_reset(ins);
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
	const char *k[FAILURE_NKEYS];
	size_t i;

	for (i = 0; i < e->nkeys; i++)
		k[i] = store_col_text(s, (int)i);
	return failure_emit_row(
	    e->keys, k, sqlite3_column_int64(s, (int)e->nkeys),
	    sqlite3_column_int64(s, (int)e->nkeys + 1), e->cb, e->arg);
}

/* The temporary table of failures_sorted, in one transaction: the
 * inserts do not each commit, and the groups and the rollup are read in
 * one snapshot (temp_store FILE for the while: in memory, the sorter
 * would hold them all). */
static int
sorted_begin(struct sqlite_store *st, size_t nkeys, char *order, size_t osize,
             sqlite3_stmt **ins, struct errbuf *eb)
{
	char cols[128] = "", marks[64] = "", sql[512];
	size_t i;

	for (i = 0; i < nkeys; i++) {
		store_sql_cat(cols, sizeof(cols), "k%zu TEXT, ", i);
		store_sql_cat(marks, sizeof(marks), "?, ");
		store_sql_cat(order, osize, ", k%zu", i);
	}
	snprintf(sql, sizeof(sql),
	         "PRAGMA temp_store = FILE;"
	         " DROP TABLE IF EXISTS temp.failure_groups;"
	         " CREATE TEMP TABLE failure_groups (%sfs INTEGER, rs INTEGER);"
	         " SAVEPOINT failures_sorted",
	         cols);
	if (store_exec(st, sql, eb) != 0)
		return -1;
	snprintf(sql, sizeof(sql),
	         "INSERT INTO temp.failure_groups VALUES (%s?, ?)", marks);
	return store_query_prepare(st, sql, ins, eb);
}

static const struct failure_ops sqlite_failure_ops;

/*
 * failure_ops' sorted: every group, largest first, in memory that does
 * not grow with them: the groups come from failure_streamed one at a
 * time into a temporary table on disk, and SQLite's sorter, which spills
 * to temporary files past its cache, puts them in order. For the default
 * grouping over many buckets, where a few million groups are possible.
 */
static int
failures_sorted(void *vst, const struct store_filter *f, unsigned keys,
                const struct failure_rollup *ru, const struct store_split *sp,
                store_failure_cb cb, void *arg, struct errbuf *eb)
{
	struct sqlite_store *st = vst;
	struct failure_stream g = {0};
	struct sorted_emit e = {keys, failure_count_keys(keys), cb, arg};
	sqlite3_stmt *ins = NULL, *s = NULL;
	char order[128] = "", sql[512];
	int ret;

	g.nkeys = e.nkeys;
	g.sink = sink_table;
	ret = sorted_begin(st, g.nkeys, order, sizeof(order), &ins, eb);
	if (ret != 0)
		goto out;
	g.sink_arg = ins;
	ret =
	    failure_streamed(&sqlite_failure_ops, st, f, keys, ru, sp, &g, eb);
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
	sqlite3_finalize(ins);
	failure_stream_free(&g);
	/* Each on its own: one failing (no savepoint when the CREATE
	 * failed) must not skip the others. */
	store_exec(st, "RELEASE failures_sorted", NULL);
	store_exec(st, "DROP TABLE IF EXISTS temp.failure_groups", NULL);
	store_exec(st, "PRAGMA temp_store = MEMORY", NULL);
	return ret;
}

static const struct failure_ops sqlite_failure_ops = {
    failure_rollup_tally,
    failure_edges,
    failure_rollup_stream,
    failures_sorted,
};

int
sqlite_failure_matches(struct sqlite_store *st, const struct store_filter *f,
                       struct failure_match **out, size_t *n, char **ids,
                       struct errbuf *eb)
{
	return failure_matches(&sqlite_failure_ops, st, f, '[', ']', out, n,
	                       ids, eb);
}

int
sqlite_failure_groups(struct sqlite_store *st, const struct store_filter *f,
                      unsigned keys, store_failure_cb cb, void *arg,
                      struct errbuf *eb)
{
	return failure_groups(&sqlite_failure_ops, st, f, keys, cb, arg, eb);
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
	return failure_query(&sqlite_failure_ops, st, f, keys, limit, cb, arg,
	                     eb);
}
