/*
 * store_query.c - the analyzer's questions, answered from the store.
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

#include "store_impl.h"
#include "tally.h"

#define QUERY_SQL_MAX 8192
#define MAX_VALUES    64 /* distinct policy types or modes of one domain */

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
store_filter_init(struct store_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->since = INT64_MIN;
	f->until = INT64_MAX;
}

/*
 * Where the rows of a query come from. The buckets that lie wholly inside
 * [since, until) come from a rollup (schema/002-rollups.sql); the rest of
 * the range, at most a bucket at each edge, from the detail rows. Bound as
 * ?6, ?7 (buckets) and ?8-?9, ?10-?11 (the two edges). A rollup row and a
 * detail row never cover the same report, so sums over both are exact.
 */
struct split {
	int64_t b1, b2;   /* whole buckets [b1, b2) */
	int64_t e1s, e1e; /* detail before them */
	int64_t e2s, e2e; /* and after them */
};

static void
split_range(const struct store_filter *f, int rollup, struct split *sp)
{
	int64_t b1 = store_bucket(f->since), b2 = store_bucket(f->until);

	/* b1: the first bucket starting at or after since. */
	if (f->since != INT64_MIN &&
	    b1 * (int64_t)ROLLUP_BUCKET_SECONDS < f->since)
		b1++;
	if (f->until == INT64_MAX)
		b2++; /* the last bucket is whole */
	if (!rollup || b1 >= b2) {
		sp->b1 = sp->b2 = 0;
		sp->e1s = f->since;
		sp->e1e = f->until;
		sp->e2s = sp->e2e = 0;
		return;
	}
	sp->b1 = b1;
	sp->b2 = b2;
	sp->e1s = f->since;
	sp->e1e = f->since == INT64_MIN ? INT64_MIN
	                                : b1 * (int64_t)ROLLUP_BUCKET_SECONDS;
	sp->e2s = f->until == INT64_MAX ? INT64_MAX
	                                : b2 * (int64_t)ROLLUP_BUCKET_SECONDS;
	sp->e2e = f->until;
}

static void
bind_split(sqlite3_stmt *s, const struct split *sp)
{
	sqlite3_bind_int64(s, 6, sp->b1);
	sqlite3_bind_int64(s, 7, sp->b2);
	sqlite3_bind_int64(s, 8, sp->e1s);
	sqlite3_bind_int64(s, 9, sp->e1e);
	sqlite3_bind_int64(s, 10, sp->e2s);
	sqlite3_bind_int64(s, 11, sp->e2e);
}

/* Appends printf-style text to sql. */
static void cat(char *sql, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
cat(char *sql, size_t size, const char *fmt, ...)
{
	size_t n = strlen(sql);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql + n, size - n, fmt, ap);
	va_end(ap);
}

/* The filter's conditions on a table aliased x whose columns are named as
 * in the detail tables; those the table lacks are passed as NULL. */
static void
filter_terms(char *sql, size_t size, const struct store_filter *f,
             const char *domain, const char *org, const char *type)
{
	if (f->ndomains && domain)
		cat(sql, size, " AND %s IN (SELECT value FROM json_each(?3))",
		    domain);
	if (f->organization && org)
		cat(sql, size, " AND %s = ?4", org);
	if (f->policy_type && type)
		cat(sql, size, " AND %s = ?5", type);
}

/* Whether the split reads the rollups, the first edge, the second. */
static int
has_rollup(const struct split *sp)
{
	return sp->b1 < sp->b2 || (sp->e1s >= sp->e1e && sp->e2s >= sp->e2e);
}

/* Appends the rollup branch's bucket condition: over a few buckets by
 * the bucket index, over many by reading the rollup in key order ("+"
 * keeps SQLite off the index), which groups as it reads. */
static void
bucket_terms(char *sql, size_t size, const struct split *sp)
{
	const char *plus = sp->b2 - sp->b1 > 3 ? "+" : "";

	cat(sql, size, " WHERE %sx.bucket >= ?6 AND %sx.bucket < ?7", plus,
	    plus);
}

/* Appends the detail branches of the split's non-empty edges: `select`
 * over policy p and report r (and failure f when `failures`), each
 * GROUP BY `group` when not NULL. */
static void
detail_branches(char *sql, size_t size, const struct store_filter *f,
                const struct split *sp, const char *select, int failures,
                const char *extra, const char *group)
{
	int e, first = !has_rollup(sp);

	for (e = 0; e < 2; e++) {
		if (e == 0 ? sp->e1s >= sp->e1e : sp->e2s >= sp->e2e)
			continue;
		cat(sql, size,
		    "%sSELECT %s FROM policy p%s"
		    " JOIN report r ON r.id = p.report"
		    " WHERE p.start_time >= ?%d AND p.start_time < ?%d%s",
		    first ? "" : " UNION ALL ", select,
		    failures ? " JOIN failure f ON f.policy = p.id" : "",
		    8 + 2 * e, 9 + 2 * e, extra ? extra : "");
		filter_terms(sql, size, f, "p.policy_domain", "r.organization",
		             "p.policy_type");
		if (group)
			cat(sql, size, " GROUP BY %s", group);
		first = 0;
	}
}

/* The filter's failure details: the grouping key each is a value of
 * (its SQL and rollup columns are the key's), bound as ?12 onwards. */
#define DETAIL_PARAM 12
static const unsigned detail_keys[] = {FAILURE_BY_MODE, FAILURE_BY_TYPE,
                                       FAILURE_BY_MTA, FAILURE_BY_MX,
                                       FAILURE_BY_IP};
#define NDETAIL_FILTERS (sizeof(detail_keys) / sizeof(detail_keys[0]))

static const char *
detail_value(const struct store_filter *f, size_t i)
{
	const char *const v[NDETAIL_FILTERS] = {
	    f->policy_mode, f->result_type, f->sending_mta_ip,
	    f->receiving_mx_hostname, f->receiving_ip};

	return v[i];
}

int
store_filter_failures(const struct store_filter *f)
{
	size_t i;

	for (i = 0; i < NDETAIL_FILTERS; i++)
		if (detail_value(f, i) != NULL)
			return 1;
	return f->failed_only;
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
		if (detail_value(f, i) != NULL)
			sqlite3_bind_text(s, DETAIL_PARAM + (int)i,
			                  detail_value(f, i), -1,
			                  SQLITE_STATIC);
	return 0;
}

static int
prepare(struct store *st, const char *sql, sqlite3_stmt **s, struct errbuf *eb)
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

/* Reads a JSON array of strings (json_group_array) into v, sorted;
 * returns how many, at most max. The strings live in the array. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t
values_sorted(json_t *arr, const char **v, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < json_array_size(arr) && n < max; i++)
		if (json_is_string(json_array_get(arr, i)))
			v[n++] = json_string_value(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), cmp_str);
	return n;
}

/*
 * The per-domain totals that summary and readiness read: one row per
 * domain, from rollup_policy and the detail edges. Columns: domain,
 * reports (of the policies that carry them), organizations, successful
 * and failed sessions of the policies that count (DESIGN.md "Counting";
 * counts_for_domain > 0), the same over every policy, types and modes as JSON
 * arrays, first and last day, days with reports, then `more`.
 */
static void
domain_sql(char *sql, size_t size, const struct store_filter *f,
           const struct split *sp, const char *more)
{
	snprintf(sql, size,
	         "WITH src(d, o, t, m, c, n, s, fl, a, z, b, dm) AS (");
	if (has_rollup(sp)) {
		cat(sql, size,
		    "SELECT policy_domain, organization, policy_type,"
		    " policy_mode, counts_for_domain, reports,"
		    " successful_sessions, failed_sessions, first_start,"
		    " last_start, bucket, days FROM rollup_policy x");
		bucket_terms(sql, size, sp);
		filter_terms(sql, size, f, "x.policy_domain", "x.organization",
		             "x.policy_type");
	}
	detail_branches(sql, size, f, sp,
	                "p.policy_domain, r.organization, p.policy_type,"
	                " p.policy_mode, p.counts_for_domain, 1,"
	                " p.successful_sessions, p.failed_sessions,"
	                " p.start_time, p.start_time,"
	                " tlsrpt_bucket(p.start_time),"
	                " tlsrpt_daybit(p.start_time)",
	                0, NULL, NULL);
	cat(sql, size,
	    ") SELECT d, tlsrpt_sum(n * (c = 2)), count(DISTINCT o), "
	    "tlsrpt_sum(s * (c > 0)),"
	    " tlsrpt_sum(fl * (c > 0)), tlsrpt_sum(s), tlsrpt_sum(fl), "
	    "json_group_array(DISTINCT t),"
	    " json_group_array(DISTINCT m), date(min(a), 'unixepoch'),"
	    " date(max(z), 'unixepoch'), tlsrpt_days(b, dm)%s"
	    " FROM src GROUP BY d ORDER BY d",
	    more ? more : "");
}

void
store_set_explain(struct store *st, int on)
{
	st->explain = on;
}

void
store_explain(struct store *st, const char *sql, const struct store_filter *f)
{
	struct split sp;
	char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql), *dj = NULL;
	sqlite3_stmt *s = NULL;

	split_range(f, 1, &sp);
	if (q != NULL &&
	    sqlite3_prepare_v2(st->db, q, -1, &s, NULL) == SQLITE_OK &&
	    store_bind_filter(s, f, &dj, NULL) == 0) {
		bind_split(s, &sp);
		while (sqlite3_step(s) == SQLITE_ROW)
			fprintf(stderr, "plan: %s\n", store_col_text(s, 3));
	}
	sqlite3_finalize(s);
	sqlite3_free(q);
	store_json_free(dj);
}

/* Prepares a statement and binds the filter and its split. */
static int
prepare_filtered(struct store *st, const char *sql,
                 const struct store_filter *f, const struct split *sp,
                 sqlite3_stmt **s, char **dj, struct errbuf *eb)
{
	if (st->explain)
		store_explain(st, sql, f);
	if (prepare(st, sql, s, eb) || store_bind_filter(*s, f, dj, eb))
		return -1;
	bind_split(*s, sp);
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
	const char *types[MAX_VALUES], *modes[MAX_VALUES];
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
	row.npolicy_types = values_sorted(jt, types, MAX_VALUES);
	row.policy_modes = modes;
	row.npolicy_modes = values_sorted(jm, modes, MAX_VALUES);
	row.first_day = store_col_text(s, 9);
	row.last_day = store_col_text(s, 10);
	ret = x->cb(&row, x->arg);
	json_decref(jt);
	json_decref(jm);
	return ret;
}

int
store_summary(struct store *st, const struct store_filter *f,
              store_summary_cb cb, void *arg, struct errbuf *eb)
{
	char sql[QUERY_SQL_MAX], *dj = NULL;
	struct summary_ctx x = {cb, arg};
	sqlite3_stmt *s = NULL;
	struct split sp;
	int ret = -1;

	split_range(f, 1, &sp);
	domain_sql(sql, sizeof(sql), f, &sp, NULL);
	if (prepare_filtered(st, sql, f, &sp, &s, &dj, eb) == 0)
		ret = store_each_row(st, s, "summary", summary_one, &x, eb);
	sqlite3_finalize(s);
	store_json_free(dj);
	return ret;
}

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
		if (detail_value(f, i) == NULL)
			continue;
		k = key_index(detail_keys[i]);
		cat(sql, size, " AND %s = ?%d",
		    col ? col[k] : failure_keys[k].expr, DETAIL_PARAM + (int)i);
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
			if (detail_value(f, k) != NULL &&
			    r->col[key_index(detail_keys[k])] == NULL)
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
			cat(sql, size, "%s, ", failure_keys[i].expr);
	cat(sql, size,
	    "f.failed_sessions, 0, p.report FROM policy p"
	    " JOIN failure f ON f.policy = p.id%s"
	    " WHERE p.start_time >= ?%d AND p.start_time < ?%d",
	    keys & FAILURE_BY_ORG || f->organization
	        ? " JOIN report r ON r.id = p.report"
	        : "",
	    lo, lo + 1);
	/* Without the mode among the keys, the policies that count. */
	if (!as_sent(f, keys))
		cat(sql, size, " AND p.counts_for_domain > 0");
	filter_terms(sql, size, f, "p.policy_domain", "r.organization",
	             "p.policy_type");
	detail_terms(sql, size, f, NULL);
	cat(sql, size, " ORDER BY p.start_time, p.id");
}

/* The rollup rows of the whole buckets: keys, failed sessions
 * and their report count. */
static void
failure_rollup_sql(char *sql, size_t size, const struct store_filter *f,
                   const struct split *sp, unsigned keys,
                   const struct failure_rollup *ru)
{
	size_t i;

	snprintf(sql, size, "SELECT ");
	for (i = 0; i < NFAILURE_KEYS; i++)
		if (keys & failure_keys[i].flag)
			cat(sql, size, "%s, ", ru->col[i]);
	cat(sql, size, "failed_sessions, reports, 0 FROM %s x", ru->table);
	bucket_terms(sql, size, sp);
	if (!as_sent(f, keys))
		cat(sql, size, " AND x.counts_for_domain > 0");
	if (ru->pooled && !f->policy_type)
		cat(sql, size, " AND x.policy_type = ''");
	filter_terms(sql, size, f, ru->domain, ru->org, ru->type);
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
failure_branch(struct store *st, const char *sql, const struct store_filter *f,
               const struct split *sp, struct tally *t, struct errbuf *eb)
{
	sqlite3_stmt *s = NULL;
	char *dj = NULL;
	int ret = -1;

	if (prepare_filtered(st, sql, f, sp, &s, &dj, eb) == 0) {
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
failure_edges(struct store *st, const struct store_filter *f, unsigned keys,
              const struct split *sp, struct tally *t, struct errbuf *eb)
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
store_failure_tally(struct store *st, const struct store_filter *f,
                    unsigned keys, struct tally **out, struct errbuf *eb)
{
	const struct failure_rollup *ru = pick_rollup(f, keys);
	char sql[QUERY_SQL_MAX];
	struct tally *t;
	struct split sp;
	int ret = 0;

	*out = NULL;
	if ((t = tally_new(count_keys(keys))) == NULL)
		return errbuf_set(eb, "failures: out of memory");
	split_range(f, ru != NULL, &sp);
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
failures_streamed(struct store *st, const struct store_filter *f, unsigned keys,
                  const struct failure_rollup *ru, const struct split *sp,
                  struct streamed *g, struct errbuf *eb)
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
	cat(sql, sizeof(sql), " ORDER BY ");
	for (i = 0; i < g->nkeys; i++)
		cat(sql, sizeof(sql), "%s%zu", i ? ", " : "", i + 1);
	if ((ret = prepare_filtered(st, sql, f, sp, &s, &dj, eb)) == 0)
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
failures_sorted(struct store *st, const struct store_filter *f, unsigned keys,
                const struct failure_rollup *ru, const struct split *sp,
                store_failure_cb cb, void *arg, struct errbuf *eb)
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
		cat(cols, sizeof(cols), "k%zu TEXT, ", i);
		cat(marks, sizeof(marks), "?, ");
		cat(order, sizeof(order), ", k%zu", i);
	}
	snprintf(sql, sizeof(sql),
	         "PRAGMA temp_store = FILE;"
	         " DROP TABLE IF EXISTS temp.failure_groups;"
	         " CREATE TEMP TABLE failure_groups (%sfs INTEGER, rs INTEGER)",
	         cols);
	if ((ret = store_exec(st, sql, eb)) != 0)
		goto out;
	snprintf(sql, sizeof(sql),
	         "INSERT INTO temp.failure_groups VALUES (%s?, ?)", marks);
	if ((ret = prepare(st, sql, &g.ins, eb)) != 0)
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
	if ((ret = prepare(st, sql, &s, eb)) == 0)
		ret = store_each_row(st, s, "failures", sorted_row, &e, eb);
out:
	sqlite3_finalize(s);
	sqlite3_finalize(g.ins);
	for (i = 0; i < g.nkeys; i++)
		free(g.keys[i]);
	free(g.used);
	tally_free(g.edges);
	store_exec(st,
	           "DROP TABLE IF EXISTS temp.failure_groups;"
	           " PRAGMA temp_store = MEMORY",
	           NULL);
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
store_failure_groups(struct store *st, const struct store_filter *f,
                     unsigned keys, store_failure_cb cb, void *arg,
                     struct errbuf *eb)
{
	const struct failure_rollup *ru = pick_rollup(f, keys);
	struct streamed g = {0};
	struct tally *t = NULL;
	struct split sp;
	size_t i, n;
	int ret;

	split_range(f, ru != NULL, &sp);
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
failure_top(struct store *st, const struct store_filter *f, unsigned keys,
            size_t limit, struct tally **out, struct errbuf *eb)
{
	const struct failure_rollup *ru = pick_rollup(f, keys);
	struct streamed g = {0};
	struct split sp;
	size_t i, n;
	int ret;

	g.nkeys = count_keys(keys);
	g.sink = sink_top;
	split_range(f, ru != NULL, &sp);
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
store_failures(struct store *st, const struct store_filter *f, unsigned keys,
               size_t limit, store_failure_cb cb, void *arg, struct errbuf *eb)
{
	const struct failure_rollup *ru = pick_rollup(f, keys);
	struct tally *t = NULL;
	struct split sp;
	int ret;

	split_range(f, ru != NULL, &sp);
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
store_sts_domains(struct store *st, const struct store_filter *f,
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
	struct split sp;
	int ret = -1;

	sts.policy_type = "sts";
	snprintf(mode, sizeof(mode), newest, "policy_mode");
	snprintf(mx, sizeof(mx), newest, "mx_host");
	snprintf(more, sizeof(more), ", %s, %s", mode, mx);
	split_range(&sts, 1, &sp);
	domain_sql(sql, sizeof(sql), &sts, &sp, more);
	if (prepare_filtered(st, sql, &sts, &sp, &s, &dj, eb) == 0)
		ret = store_each_row(st, s, "readiness", sts_one, &x, eb);
	sqlite3_finalize(s);
	store_json_free(dj);
	return ret;
}
