/*
 * sqlite_query.c - the analyzer's questions, answered from the store.
 *
 * SQL text is built only from fixed fragments chosen by the caller's flags;
 * every value (times, domains, organization) is bound. Lists of domains are
 * bound as one JSON array and read with json_each(), so the statement
 * shape does not depend on how many there are.
 */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>

#include "sqlite_impl.h"
#include "sqlite_query.h"
#include "tally.h"

void
store_json_free(char *s)
{
	json_malloc_t m;
	json_free_t f;

	json_get_alloc_funcs(&m, &f);
	if (s != NULL)
		f(s);
}

void
store_bind_split(sqlite3_stmt *s, const struct store_split *sp)
{
	sqlite3_bind_int64(s, 6, sp->b1);
	sqlite3_bind_int64(s, 7, sp->b2);
	sqlite3_bind_int64(s, 8, sp->e1s);
	sqlite3_bind_int64(s, 9, sp->e1e);
	sqlite3_bind_int64(s, 10, sp->e2s);
	sqlite3_bind_int64(s, 11, sp->e2e);
}

/* The filter's conditions on a table aliased x whose columns are named as
 * in the detail tables; those the table lacks are passed as NULL. */
void
store_filter_terms(char *sql, size_t size, const struct store_filter *f,
                   const char *domain, const char *org, const char *type)
{
	if (f->ndomains && domain)
		store_sql_cat(sql, size,
		              " AND %s IN (SELECT value FROM json_each(?3))",
		              domain);
	if (f->organization && org)
		store_sql_cat(sql, size, " AND %s = ?4", org);
	if (f->policy_type && type)
		store_sql_cat(sql, size, " AND %s = ?5", type);
}

/* Whether the split reads the rollups, the first edge, the second. */
static int
has_rollup(const struct store_split *sp)
{
	return sp->b1 < sp->b2 || (sp->e1s >= sp->e1e && sp->e2s >= sp->e2e);
}

/* Appends the rollup branch's bucket condition: over a few buckets by
 * the bucket index, over many by reading the rollup in key order ("+"
 * keeps SQLite off the index), which groups as it reads. */
void
store_bucket_terms(char *sql, size_t size, const struct store_split *sp)
{
	const char *plus = sp->b2 - sp->b1 > 3 ? "+" : "";

	store_sql_cat(sql, size, " WHERE %sx.bucket >= ?6 AND %sx.bucket < ?7",
	              plus, plus);
}

/* Appends the detail branches of the split's non-empty edges: `select`
 * over policy p and report r (and failure f when `failures`), each
 * GROUP BY `group` when not NULL. */
static void
detail_branches(char *sql, size_t size, const struct store_filter *f,
                const struct store_split *sp, const char *select, int failures,
                const char *extra, const char *group)
{
	int e, first = !has_rollup(sp);

	for (e = 0; e < 2; e++) {
		if (e == 0 ? sp->e1s >= sp->e1e : sp->e2s >= sp->e2e)
			continue;
		store_sql_cat(
		    sql, size,
		    "%sSELECT %s FROM policy p%s"
		    " JOIN report r ON r.id = p.report"
		    " WHERE p.start_time >= ?%d AND p.start_time < ?%d%s",
		    first ? "" : " UNION ALL ", select,
		    failures ? " JOIN failure f ON f.policy = p.id" : "",
		    8 + 2 * e, 9 + 2 * e, extra ? extra : "");
		store_filter_terms(sql, size, f, "p.policy_domain",
		                   "r.organization", "p.policy_type");
		if (group)
			store_sql_cat(sql, size, " GROUP BY %s", group);
		first = 0;
	}
}

int
store_bind_filter(sqlite3_stmt *s, const struct store_filter *f,
                  char **domains_json, struct errbuf *eb)
{
	json_t *arr;
	size_t i;

	sqlite3_bind_int64(s, 1, f->since);
	sqlite3_bind_int64(s, 2, f->until);
	if (f->ndomains) {
		if ((arr = json_array()) == NULL)
			return errbuf_set(eb, "out of memory");
		for (i = 0; i < f->ndomains; i++)
			json_array_append_new(arr, json_string(f->domains[i]));
		*domains_json = json_dumps(arr, JSON_COMPACT);
		json_decref(arr);
		if (*domains_json == NULL)
			return errbuf_set(eb, "out of memory");
		sqlite3_bind_text(s, 3, *domains_json, -1, SQLITE_STATIC);
	}
	if (f->organization)
		sqlite3_bind_text(s, 4, f->organization, -1, SQLITE_STATIC);
	if (f->policy_type)
		sqlite3_bind_text(s, 5, f->policy_type, -1, SQLITE_STATIC);
	for (i = 0; i < NDETAIL_FILTERS; i++)
		if (store_detail_value(f, i) != NULL)
			sqlite3_bind_text(s, DETAIL_PARAM + (int)i,
			                  store_detail_value(f, i), -1,
			                  SQLITE_STATIC);
	return 0;
}

int
store_query_prepare(struct sqlite_store *st, const char *sql, sqlite3_stmt **s,
                    struct errbuf *eb)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK)
		return store_error(st, eb, "query");
	return 0;
}

const char *
store_col_text(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);

	return v ? v : "";
}

/*
 * The per-domain totals that summary and readiness read: one row per
 * domain, from rollup_policy and the detail edges. Columns: domain,
 * reports (of the policies that carry them), organizations, successful
 * and failed sessions of the policies that count (DESIGN.md "Counting";
 * counts_for_domain > 0), the same over every policy, types and modes as JSON
 * arrays, first and last day, days with reports, then `more`.
 */
/* The CTE src of domain_sql: the rollup and detail rows of the split. */
static void
domain_src(char *sql, size_t size, const struct store_filter *f,
           const struct store_split *sp)
{
	snprintf(sql, size,
	         "WITH src(d, o, t, m, c, n, s, fl, a, z, b, dm) AS (");
	if (has_rollup(sp)) {
		store_sql_cat(
		    sql, size,
		    "SELECT policy_domain, organization, policy_type,"
		    " policy_mode, counts_for_domain, reports,"
		    " successful_sessions, failed_sessions, first_start,"
		    " last_start, bucket, days FROM rollup_policy x");
		store_bucket_terms(sql, size, sp);
		store_filter_terms(sql, size, f, "x.policy_domain",
		                   "x.organization", "x.policy_type");
	}
	detail_branches(sql, size, f, sp,
	                "p.policy_domain, r.organization, p.policy_type,"
	                " p.policy_mode, p.counts_for_domain, 1,"
	                " p.successful_sessions, p.failed_sessions,"
	                " p.start_time, p.start_time,"
	                " tlsrpt_bucket(p.start_time),"
	                " tlsrpt_daybit(p.start_time)",
	                0, NULL, NULL);
	store_sql_cat(sql, size, ")");
}

static void
domain_sql(char *sql, size_t size, const struct store_filter *f,
           const struct store_split *sp, const char *more)
{
	domain_src(sql, size, f, sp);
	store_sql_cat(
	    sql, size,
	    " SELECT d, tlsrpt_sum(n * (c = 2)), count(DISTINCT o), "
	    "tlsrpt_sum(s * (c > 0)),"
	    " tlsrpt_sum(fl * (c > 0)), tlsrpt_sum(s), tlsrpt_sum(fl), "
	    "json_group_array(DISTINCT t),"
	    " json_group_array(DISTINCT m), date(min(a), 'unixepoch'),"
	    " date(max(z), 'unixepoch'), tlsrpt_days(b, dm)%s"
	    " FROM src GROUP BY d ORDER BY d",
	    more ? more : "");
}

void
sqlite_set_explain(struct sqlite_store *st, store_plan_cb plan, void *arg)
{
	st->plan = plan;
	st->plan_arg = arg;
}

void
store_explain(struct sqlite_store *st, const char *sql,
              const struct store_filter *f)
{
	struct store_split sp;
	char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql), *dj = NULL;
	sqlite3_stmt *s = NULL;

	store_split_range(f, 1, &sp);
	if (q != NULL &&
	    sqlite3_prepare_v2(st->db, q, -1, &s, NULL) == SQLITE_OK &&
	    store_bind_filter(s, f, &dj, NULL) == 0) {
		store_bind_split(s, &sp);
		while (sqlite3_step(s) == SQLITE_ROW)
			st->plan(store_col_text(s, 3), st->plan_arg);
	}
	sqlite3_finalize(s);
	sqlite3_free(q);
	store_json_free(dj);
}

/* Prepares a statement and binds the filter and its split. */
int
store_prepare_filtered(struct sqlite_store *st, const char *sql,
                       const struct store_filter *f,
                       const struct store_split *sp, sqlite3_stmt **s,
                       char **dj, struct errbuf *eb)
{
	if (st->plan != NULL)
		store_explain(st, sql, f);
	if (store_query_prepare(st, sql, s, eb) ||
	    store_bind_filter(*s, f, dj, eb))
		return -1;
	store_bind_split(*s, sp);
	return 0;
}

struct summary_ctx {
	store_summary_cb cb;
	void *arg;
};

static int
summary_one(sqlite3_stmt *s, void *arg)
{
	struct summary_ctx *x = arg;
	struct store_summary_row row;
	const char *types[STORE_MAX_VALUES], *modes[STORE_MAX_VALUES];
	json_t *jt = json_loads(store_col_text(s, 7), 0, NULL);
	json_t *jm = json_loads(store_col_text(s, 8), 0, NULL);
	int ret;

	memset(&row, 0, sizeof(row));
	row.policy_domain = store_col_text(s, 0);
	row.reports = sqlite3_column_int64(s, 1);
	row.organizations = sqlite3_column_int64(s, 2);
	row.successful_sessions = sqlite3_column_int64(s, 3);
	row.failed_sessions = sqlite3_column_int64(s, 4);
	row.policy_types = types;
	row.npolicy_types = store_values_sorted(jt, types, STORE_MAX_VALUES);
	row.policy_modes = modes;
	row.npolicy_modes = store_values_sorted(jm, modes, STORE_MAX_VALUES);
	row.first_day = store_col_text(s, 9);
	row.last_day = store_col_text(s, 10);
	ret = x->cb(&row, x->arg);
	json_decref(jt);
	json_decref(jm);
	return ret;
}

int
sqlite_summary(struct sqlite_store *st, const struct store_filter *f,
               store_summary_cb cb, void *arg, struct errbuf *eb)
{
	char sql[QUERY_SQL_MAX], *dj = NULL;
	struct summary_ctx x = {cb, arg};
	sqlite3_stmt *s = NULL;
	struct store_split sp;
	int ret = -1;

	store_split_range(f, 1, &sp);
	domain_sql(sql, sizeof(sql), f, &sp, NULL);
	if (store_prepare_filtered(st, sql, f, &sp, &s, &dj, eb) == 0)
		ret = store_each_row(st, s, "summary", summary_one, &x, eb);
	sqlite3_finalize(s);
	store_json_free(dj);
	return ret;
}

/* The start and the bin's seconds, after the filter's parameters. */
#define DAILY_PARAM (DETAIL_PARAM + NDETAIL_FILTERS)

struct daily_ctx {
	store_daily_cb cb;
	void *arg;
};

static int
daily_one(sqlite3_stmt *s, void *arg)
{
	struct daily_ctx *x = arg;
	struct store_daily_row row;
	const char *modes[STORE_MAX_VALUES];
	json_t *jm = json_loads(store_col_text(s, 4), 0, NULL);
	int ret;

	memset(&row, 0, sizeof(row));
	row.policy_domain = store_col_text(s, 0);
	row.bin = sqlite3_column_int64(s, 1);
	row.successful_sessions = sqlite3_column_int64(s, 2);
	row.failed_sessions = sqlite3_column_int64(s, 3);
	row.policy_modes = modes;
	row.npolicy_modes = store_values_sorted(jm, modes, STORE_MAX_VALUES);
	ret = x->cb(&row, x->arg);
	json_decref(jm);
	return ret;
}

int
sqlite_summary_daily(struct sqlite_store *st, const struct store_filter *f,
                     int64_t bin, store_daily_cb cb, void *arg,
                     struct errbuf *eb)
{
	char sql[QUERY_SQL_MAX], *dj = NULL;
	struct daily_ctx x = {cb, arg};
	sqlite3_stmt *s = NULL;
	struct store_split sp;
	int ret = -1;

	if (f->since == INT64_MIN || bin <= 0)
		return errbuf_set(eb, "summary by day: no start or no bin");
	/* The detail rows alone: a rollup bucket holds no days. */
	store_split_range(f, 0, &sp);
	domain_src(sql, sizeof(sql), f, &sp);
	store_sql_cat(sql, sizeof(sql),
	              " SELECT d, (a - ?%d) / ?%d AS k,"
	              " tlsrpt_sum(s * (c > 0)), tlsrpt_sum(fl * (c > 0)),"
	              " json_group_array(DISTINCT m)"
	              " FROM src GROUP BY d, k ORDER BY d, k",
	              DAILY_PARAM, DAILY_PARAM + 1);
	if (store_prepare_filtered(st, sql, f, &sp, &s, &dj, eb) == 0) {
		sqlite3_bind_int64(s, DAILY_PARAM, f->since);
		sqlite3_bind_int64(s, DAILY_PARAM + 1, bin);
		ret =
		    store_each_row(st, s, "summary by day", daily_one, &x, eb);
	}
	sqlite3_finalize(s);
	store_json_free(dj);
	return ret;
}

struct sts_ctx {
	store_sts_cb cb;
	void *arg;
};

static int
sts_one(sqlite3_stmt *s, void *arg)
{
	struct sts_ctx *x = arg;
	struct store_sts_row row;

	row.policy_domain = store_col_text(s, 0);
	row.organizations = sqlite3_column_int64(s, 2);
	row.successful_sessions = sqlite3_column_int64(s, 5);
	row.failed_sessions = sqlite3_column_int64(s, 6);
	row.days = sqlite3_column_int64(s, 11);
	row.newest_mode = store_col_text(s, 12);
	row.mx_patterns = store_col_text(s, 13);
	return x->cb(&row, x->arg);
}

int
sqlite_sts_domains(struct sqlite_store *st, const struct store_filter *f,
                   store_sts_cb cb, void *arg, struct errbuf *eb)
{
	/* The newest STS policy of the domain in the range: its mode and
	 * patterns, by the (domain, start) index. */
	static const char newest[] =
	    "(SELECT q.%s FROM policy q INDEXED BY policy_domain_start"
	    " WHERE q.policy_domain = d"
	    " AND q.policy_type = 'sts' AND q.start_time >= ?1"
	    " AND q.start_time < ?2 ORDER BY q.start_time DESC, q.id DESC"
	    " LIMIT 1)";
	struct store_filter sts = *f;
	struct sts_ctx x = {cb, arg};
	char sql[QUERY_SQL_MAX], more[600], mode[256], mx[256], *dj = NULL;
	sqlite3_stmt *s = NULL;
	struct store_split sp;
	int ret = -1;

	sts.policy_type = "sts";
	snprintf(mode, sizeof(mode), newest, "policy_mode");
	snprintf(mx, sizeof(mx), newest, "mx_host");
	snprintf(more, sizeof(more), ", %s, %s", mode, mx);
	store_split_range(&sts, 1, &sp);
	domain_sql(sql, sizeof(sql), &sts, &sp, more);
	if (store_prepare_filtered(st, sql, &sts, &sp, &s, &dj, eb) == 0)
		ret = store_each_row(st, s, "readiness", sts_one, &x, eb);
	sqlite3_finalize(s);
	store_json_free(dj);
	return ret;
}
