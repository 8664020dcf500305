/*
 * pgsql_query.c - the analyzer's questions, answered from the PostgreSQL
 * store: the per-domain totals of summary, the digest's days and
 * readiness; the reports one by one and the quarantine's list; and what
 * the query files share (parameters, rows one at a time, plans).
 *
 * The same design as the SQLite store's (sqlite_query.c): whole 32-day
 * buckets from rollup_policy, the edges of the range from the detail
 * rows, one statement. SQL text is built only from fixed fragments chosen
 * by the caller's flags; every value is a parameter, the domains one
 * text[] (= ANY), so that the statement's shape does not depend on how
 * many there are. Text is ordered COLLATE "C": SQLite's byte order,
 * whatever the database's collation.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failure_query.h"
#include "pgsql_impl.h"
#include "pgsql_query.h"

void
pgq_param_int(struct pgq_params *p, int i, int64_t v)
{
	p->v[i - 1] = pgsql_int(p->num[i - 1], v);
	p->type[i - 1] = OID_INT8;
}

void
pgq_param_text(struct pgq_params *p, int i, const char *v, Oid oid)
{
	p->v[i - 1] = v;
	p->type[i - 1] = oid;
}

char *
pgq_text_array(const char *const *v, size_t n)
{
	size_t i, len = 3;
	const char *s;
	char *a, *o;

	/* Each element quoted, with " and \ escaped: at most twice its
	 * length, its quotes and a comma. */
	for (i = 0; i < n; i++)
		len += 2 * strlen(v[i]) + 3;
	if ((a = malloc(len)) == NULL)
		return NULL;
	o = a;
	*o++ = '{';
	for (i = 0; i < n; i++) {
		if (i > 0)
			*o++ = ',';
		*o++ = '"';
		for (s = v[i]; *s != '\0'; s++) {
			if (*s == '"' || *s == '\\')
				*o++ = '\\';
			*o++ = *s;
		}
		*o++ = '"';
	}
	*o++ = '}';
	*o = '\0';
	return a;
}

int
pgq_params_init(struct pgq_params *p, const struct store_filter *f,
                const struct store_split *sp, struct errbuf *eb)
{
	const int64_t split[6] = {sp->b1,  sp->b2,  sp->e1s,
	                          sp->e1e, sp->e2s, sp->e2e};
	int i;

	memset(p, 0, sizeof(*p));
	p->n = PGQ_NPARAMS;
	/* Every parameter typed, so that a statement may leave any unused. */
	for (i = 1; i <= PGQ_NPARAMS; i++)
		pgq_param_text(p, i, NULL,
		               i >= 3 && i < 6 ? OID_TEXT : OID_INT8);
	for (i = 0; i < NDETAIL_FILTERS; i++)
		pgq_param_text(p, PGQ_DETAIL + i,
		               store_detail_value(f, (size_t)i), OID_TEXT);
	pgq_param_int(p, 1, f->since);
	pgq_param_int(p, 2, f->until);
	if (f->ndomains) {
		p->domains = pgq_text_array(f->domains, f->ndomains);
		if (p->domains == NULL)
			return errbuf_set(eb, "out of memory");
	}
	pgq_param_text(p, 3, p->domains, OID_TEXTARR);
	pgq_param_text(p, 4, f->organization, OID_TEXT);
	pgq_param_text(p, 5, f->policy_type, OID_TEXT);
	for (i = 0; i < 6; i++)
		pgq_param_int(p, 6 + i, split[i]);
	return 0;
}

void
pgq_params_free(struct pgq_params *p)
{
	free(p->domains);
	free(p->extra);
	p->domains = p->extra = NULL;
}

void
pgq_filter_terms(char *sql, size_t size, const struct store_filter *f,
                 const char *domain, const char *org, const char *type)
{
	if (f->ndomains && domain)
		store_sql_cat(sql, size, " AND %s = ANY($3)", domain);
	if (f->organization && org)
		store_sql_cat(sql, size, " AND %s = $4", org);
	if (f->policy_type && type)
		store_sql_cat(sql, size, " AND %s = $5", type);
}

int
pgq_has_rollup(const struct store_split *sp)
{
	return sp->b1 < sp->b2 || (sp->e1s >= sp->e1e && sp->e2s >= sp->e2e);
}

void
pgsql_set_explain(struct pgsql_store *st, store_plan_cb plan, void *arg)
{
	st->plan = plan;
	st->plan_arg = arg;
}

/* Hands the plan of sql with p (EXPLAIN, a line a row) to st->plan. A
 * failure only leaves the plan out: the query itself then says why. */
static void
pgq_explain(struct pgsql_store *st, const char *sql, const struct pgq_params *p)
{
	PGresult *res;
	char *q;
	int i;

	if (asprintf(&q, "EXPLAIN %s", sql) < 0)
		return;
	res = PQexecParams(st->conn, q, p->n, p->type, p->v, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		for (i = 0; i < PQntuples(res); i++)
			st->plan(PQgetvalue(res, i, 0), st->plan_arg);
	PQclear(res);
	free(q);
}

/* Notes why res failed, as pgsql.c does for its statements: the SQLSTATE
 * and the first line of the primary message (else libpq's). */
static void
note_failure(struct pgsql_store *st, const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	if (msg == NULL)
		msg = PQerrorMessage(st->conn);
	snprintf(st->sqlstate, sizeof(st->sqlstate), "%s", state ? state : "");
	snprintf(st->errmsg, sizeof(st->errmsg), "%.*s",
	         (int)strcspn(msg, "\n"), msg);
}

/* Stops the statement being read: the rest of its rows need not come. */
static void
pgq_cancel(struct pgsql_store *st)
{
	PGcancel *c = PQgetCancel(st->conn);
	char why[256];

	if (c != NULL) {
		PQcancel(c, why, sizeof(why));
		PQfreeCancel(c);
	}
}

int
pgq_each_row(struct pgsql_store *st, const char *sql,
             const struct pgq_params *p, const char *what,
             int (*row)(const PGresult *res, int i, void *arg), void *arg,
             struct errbuf *eb)
{
	PGresult *res;
	int ret = 0, failed = 0, i;

	if (st->plan != NULL)
		pgq_explain(st, sql, p);
	st->sqlstate[0] = st->errmsg[0] = '\0';
	if (!PQsendQueryParams(st->conn, sql, p->n, p->type, p->v, NULL, NULL,
	                       0))
		return pgsql_error(st, eb, what);
	/* Without single-row mode (it can only fail here on a misuse) the
	 * rows come in one result: read the same way. */
	PQsetSingleRowMode(st->conn);
	/* Every result is read, up to the NULL that ends the statement, so
	 * that the connection is ready for the next. */
	while ((res = PQgetResult(st->conn)) != NULL) {
		switch (PQresultStatus(res)) {
		case PGRES_SINGLE_TUPLE:
		case PGRES_TUPLES_OK:
			for (i = 0; i < PQntuples(res) && ret == 0 && !failed;
			     i++)
				if ((ret = row(res, i, arg)) != 0)
					pgq_cancel(st);
			break;
		case PGRES_COMMAND_OK:
			break;
		default:
			if (ret == 0 && !failed) {
				failed = 1;
				note_failure(st, res);
				pgsql_error(st, eb, what);
			}
		}
		PQclear(res);
	}
	return failed ? -1 : ret;
}

int
pgq_begin(struct pgsql_store *st, struct errbuf *eb)
{
	if (st->in_batch || PQtransactionStatus(st->conn) != PQTRANS_IDLE)
		return 0;
	if (pgsql_connect(st, eb) != 0 ||
	    pgsql_exec(st, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
	               0, NULL, eb, "query") != 0)
		return -1;
	return 1;
}

void
pgq_end(struct pgsql_store *st, int began)
{
	/* A transaction that failed ends as a rollback either way. */
	if (began > 0)
		pgsql_exec(st, "COMMIT", 0, NULL, NULL, "query");
}

size_t
pgq_values_sorted(const char *json, struct json_t **arr, const char **v,
                  size_t max)
{
	*arr = json_loads(json, 0, NULL);
	return store_values_sorted(*arr, v, max);
}

/*
 * The per-domain rows that summary and readiness read, from rollup_policy
 * and the detail edges: the CTE src(d, o, t, m, c, n, s, fl, a, z, b, dm)
 * of domain, organization, type, mode, counts_for_domain, reports,
 * successful and failed sessions, first and last start, bucket, day bits.
 */
static void
domain_src(char *sql, size_t size, const struct store_filter *f,
           const struct store_split *sp)
{
	int e, first = 1;

	snprintf(sql, size,
	         "WITH src(d, o, t, m, c, n, s, fl, a, z, b, dm) AS (");
	if (pgq_has_rollup(sp)) {
		store_sql_cat(
		    sql, size,
		    "SELECT policy_domain, organization, policy_type,"
		    " policy_mode, counts_for_domain, reports,"
		    " successful_sessions, failed_sessions, first_start,"
		    " last_start, bucket, days FROM rollup_policy x"
		    " WHERE x.bucket >= $6 AND x.bucket < $7");
		pgq_filter_terms(sql, size, f, "x.policy_domain",
		                 "x.organization", "x.policy_type");
		first = 0;
	}
	for (e = 0; e < 2; e++) {
		if (e == 0 ? sp->e1s >= sp->e1e : sp->e2s >= sp->e2e)
			continue;
		store_sql_cat(
		    sql, size,
		    "%sSELECT p.policy_domain, r.organization,"
		    " p.policy_type, p.policy_mode,"
		    " p.counts_for_domain, 1::bigint,"
		    " p.successful_sessions, p.failed_sessions,"
		    " p.start_time, p.start_time,"
		    " tlsrpt_bucket(p.start_time),"
		    " tlsrpt_daybit(p.start_time) FROM policy p"
		    " JOIN report r ON r.id = p.report"
		    " WHERE p.start_time >= $%d AND p.start_time < $%d",
		    first ? "" : " UNION ALL ", 8 + 2 * e, 9 + 2 * e);
		pgq_filter_terms(sql, size, f, "p.policy_domain",
		                 "r.organization", "p.policy_type");
		first = 0;
	}
	store_sql_cat(sql, size, ")");
}

/* The sums of summary and readiness, per domain d of src. */
#define DOMAIN_SUMS                                                            \
	"SELECT d, tlsrpt_sum(CASE WHEN c = 2 THEN n ELSE 0 END),"             \
	" count(DISTINCT o),"                                                  \
	" tlsrpt_sum(CASE WHEN c > 0 THEN s ELSE 0 END),"                      \
	" tlsrpt_sum(CASE WHEN c > 0 THEN fl ELSE 0 END),"                     \
	" tlsrpt_sum(s), tlsrpt_sum(fl), json_agg(DISTINCT t),"                \
	" json_agg(DISTINCT m), tlsrpt_day(min(a)), tlsrpt_day(max(z))"        \
	" FROM src GROUP BY d"

/* One row of the domain rows, as a summary row. */
struct summary_ctx {
	store_summary_cb cb;
	void *arg;
};

static int
summary_one(const PGresult *res, int i, void *arg)
{
	struct summary_ctx *x = arg;
	struct store_summary_row row;
	const char *types[STORE_MAX_VALUES], *modes[STORE_MAX_VALUES];
	json_t *jt, *jm;
	int ret;

	memset(&row, 0, sizeof(row));
	row.policy_domain = pgsql_get_text(res, i, 0);
	row.reports = pgsql_get_int(res, i, 1);
	row.organizations = pgsql_get_int(res, i, 2);
	row.successful_sessions = pgsql_get_int(res, i, 3);
	row.failed_sessions = pgsql_get_int(res, i, 4);
	row.policy_types = types;
	row.npolicy_types = pgq_values_sorted(pgsql_get_text(res, i, 7), &jt,
	                                      types, STORE_MAX_VALUES);
	row.policy_modes = modes;
	row.npolicy_modes = pgq_values_sorted(pgsql_get_text(res, i, 8), &jm,
	                                      modes, STORE_MAX_VALUES);
	row.first_day = pgsql_get_text(res, i, 9);
	row.last_day = pgsql_get_text(res, i, 10);
	ret = x->cb(&row, x->arg);
	json_decref(jt);
	json_decref(jm);
	return ret;
}

/* Runs a statement of src with f and the split sp (and the daily
 * query's start and bin as $17, $18 when bin > 0). */
static int
domain_run(struct pgsql_store *st, const char *sql,
           const struct store_filter *f, const struct store_split *sp,
           int64_t bin, const char *what,
           int (*row)(const PGresult *res, int i, void *arg), void *arg,
           struct errbuf *eb)
{
	struct pgq_params p;
	int ret = -1;

	if (pgq_params_init(&p, f, sp, eb) == 0) {
		if (bin > 0) {
			pgq_param_int(&p, PGQ_EXTRA, f->since);
			pgq_param_int(&p, PGQ_EXTRA + 1, bin);
		}
		if (st->in_batch || pgsql_connect(st, eb) == 0)
			ret = pgq_each_row(st, sql, &p, what, row, arg, eb);
	}
	pgq_params_free(&p);
	return ret;
}

int
pgsql_summary(struct pgsql_store *st, const struct store_filter *f,
              store_summary_cb cb, void *arg, struct errbuf *eb)
{
	char sql[PGQ_SQL_MAX];
	struct summary_ctx x = {cb, arg};
	struct store_split sp;

	store_split_range(f, 1, &sp);
	domain_src(sql, sizeof(sql), f, &sp);
	store_sql_cat(sql, sizeof(sql),
	              " " DOMAIN_SUMS " ORDER BY d COLLATE \"C\"");
	return domain_run(st, sql, f, &sp, 0, "summary", summary_one, &x, eb);
}

struct daily_ctx {
	store_daily_cb cb;
	void *arg;
};

static int
daily_one(const PGresult *res, int i, void *arg)
{
	struct daily_ctx *x = arg;
	struct store_daily_row row;
	const char *modes[STORE_MAX_VALUES];
	json_t *jm;
	int ret;

	memset(&row, 0, sizeof(row));
	row.policy_domain = pgsql_get_text(res, i, 0);
	row.bin = pgsql_get_int(res, i, 1);
	row.successful_sessions = pgsql_get_int(res, i, 2);
	row.failed_sessions = pgsql_get_int(res, i, 3);
	row.policy_modes = modes;
	row.npolicy_modes = pgq_values_sorted(pgsql_get_text(res, i, 4), &jm,
	                                      modes, STORE_MAX_VALUES);
	ret = x->cb(&row, x->arg);
	json_decref(jm);
	return ret;
}

int
pgsql_summary_daily(struct pgsql_store *st, const struct store_filter *f,
                    int64_t bin, store_daily_cb cb, void *arg,
                    struct errbuf *eb)
{
	char sql[PGQ_SQL_MAX];
	struct daily_ctx x = {cb, arg};
	struct store_split sp;

	if (f->since == INT64_MIN || bin <= 0)
		return errbuf_set(eb, "summary by day: no start or no bin");
	/* The detail rows alone: a rollup bucket holds no days. */
	store_split_range(f, 0, &sp);
	domain_src(sql, sizeof(sql), f, &sp);
	store_sql_cat(sql, sizeof(sql),
	              " SELECT d, (a - $%d) / $%d AS k,"
	              " tlsrpt_sum(CASE WHEN c > 0 THEN s ELSE 0 END),"
	              " tlsrpt_sum(CASE WHEN c > 0 THEN fl ELSE 0 END),"
	              " json_agg(DISTINCT m)"
	              " FROM src GROUP BY d, k ORDER BY d COLLATE \"C\", k",
	              PGQ_EXTRA, PGQ_EXTRA + 1);
	return domain_run(st, sql, f, &sp, bin, "summary by day", daily_one, &x,
	                  eb);
}

struct sts_ctx {
	store_sts_cb cb;
	void *arg;
};

static int
sts_one(const PGresult *res, int i, void *arg)
{
	struct sts_ctx *x = arg;
	struct store_sts_row row;

	row.policy_domain = pgsql_get_text(res, i, 0);
	row.organizations = pgsql_get_int(res, i, 2);
	row.successful_sessions = pgsql_get_int(res, i, 5);
	row.failed_sessions = pgsql_get_int(res, i, 6);
	row.days = pgsql_get_int(res, i, 11);
	row.newest_mode = pgsql_get_text(res, i, 12);
	row.mx_patterns = pgsql_get_text(res, i, 13);
	return x->cb(&row, x->arg);
}

int
pgsql_sts_domains(struct pgsql_store *st, const struct store_filter *f,
                  store_sts_cb cb, void *arg, struct errbuf *eb)
{
	/* The newest STS policy of the domain in the range: its mode and
	 * patterns, by the (domain, start) index. */
	static const char newest[] =
	    "(SELECT q.%s FROM policy q WHERE q.policy_domain = g.d"
	    " AND q.policy_type = 'sts' AND q.start_time >= $1"
	    " AND q.start_time < $2 ORDER BY q.start_time DESC, q.id DESC"
	    " LIMIT 1)";
	struct store_filter sts = *f;
	struct sts_ctx x = {cb, arg};
	char sql[PGQ_SQL_MAX], mode[256], mx[256];
	struct store_split sp;

	sts.policy_type = "sts";
	snprintf(mode, sizeof(mode), newest, "policy_mode");
	snprintf(mx, sizeof(mx), newest, "mx_host");
	store_split_range(&sts, 1, &sp);
	domain_src(sql, sizeof(sql), &sts, &sp);
	/* The distinct days: the day bits of each bucket or'ed, counted. */
	store_sql_cat(sql, sizeof(sql),
	              ", dd(d, n) AS (SELECT d,"
	              " sum(bit_count(v::bit(64)))::bigint FROM"
	              " (SELECT d, b, tlsrpt_bitor(dm) AS v FROM src"
	              " GROUP BY d, b) y GROUP BY d)"
	              " SELECT g.*, dd.n, %s, %s FROM (" DOMAIN_SUMS ") g"
	              " JOIN dd ON dd.d = g.d ORDER BY g.d COLLATE \"C\"",
	              mode, mx);
	return domain_run(st, sql, &sts, &sp, 0, "readiness", sts_one, &x, eb);
}

/* ---- The reports one by one, and the quarantine ---- */

/* The columns of a report row: its domains and sums from its policies
 * (in its start's partition). Then, for show, its bytes. */
#define REPORT_COLUMNS                                                         \
	"r.id, r.start_time, r.received_time, r.organization, r.report_id,"    \
	" s.domains, s.ok, s.failed, r.channel, r.warnings"
#define REPORT_FROM                                                            \
	" FROM report r CROSS JOIN LATERAL (SELECT"                            \
	" string_agg(DISTINCT q.policy_domain COLLATE \"C\", ','"              \
	" ORDER BY q.policy_domain COLLATE \"C\") AS domains,"                 \
	" tlsrpt_sum(CASE WHEN q.counts_for_domain > 0"                        \
	" THEN q.successful_sessions ELSE 0 END) AS ok,"                       \
	" tlsrpt_sum(CASE WHEN q.counts_for_domain > 0"                        \
	" THEN q.failed_sessions ELSE 0 END) AS failed FROM policy q"          \
	" WHERE q.report = r.id AND q.start_time = r.start_time) s"

struct report_ctx {
	store_report_cb cb;
	store_raw_cb raw_cb;
	void *arg;
	int n;
	/* Sorted by id; NULL: no failure filter. */
	const struct failure_match *m;
	size_t nm;
};

static int
report_one(const PGresult *res, int i, void *arg)
{
	struct report_ctx *x = arg;
	struct store_report_row row;
	unsigned char *bytes;
	size_t len;
	int ret;

	row.key = pgsql_get_int(res, i, 0);
	row.start_time = pgsql_get_int(res, i, 1);
	row.received_time = pgsql_get_int(res, i, 2);
	row.organization = pgsql_get_text(res, i, 3);
	row.report_id = pgsql_get_text(res, i, 4);
	row.domains = pgsql_get_text(res, i, 5);
	row.successful_sessions = pgsql_get_int(res, i, 6);
	row.failed_sessions = pgsql_get_int(res, i, 7);
	row.channel = pgsql_get_text(res, i, 8);
	row.warnings = pgsql_get_text(res, i, 9);
	row.matching_failed_sessions = -1;
	if (x->m != NULL) {
		const struct failure_match *m =
		    failure_match_find(x->m, x->nm, row.key);

		row.matching_failed_sessions = m ? m->failed : 0;
	}
	x->n++;
	if (x->raw_cb == NULL)
		return x->cb(&row, x->arg);
	/* bytea comes as text in the hex format. */
	bytes = PQunescapeBytea(
	    (const unsigned char *)pgsql_get_text(res, i, 10), &len);
	if (bytes == NULL)
		return -2;
	ret = x->raw_cb(&row, bytes, len, x->arg);
	PQfreemem(bytes);
	return ret;
}

/* The statement of pgsql_reports; with a failure filter, the matched
 * ids are $17. */
static void
reports_sql(char *sql, size_t size, const struct store_filter *f, size_t limit,
            int matched)
{
	char lim[32] = "ALL";

	if (limit > 0)
		snprintf(lim, sizeof(lim), "%zu", limit);
	/* Newest first by the report_start index; LIMIT stops the walk. */
	snprintf(sql, size,
	         "SELECT " REPORT_COLUMNS REPORT_FROM " WHERE %s%s%s"
	         " ORDER BY r.start_time DESC, r.id DESC LIMIT %s",
	         matched ? "r.id = ANY($17)"
	                 : "r.start_time >= $1 AND r.start_time < $2",
	         !matched && f->ndomains
	             ? " AND r.id IN (SELECT report FROM policy"
	               " WHERE policy_domain = ANY($3)"
	               " AND start_time >= $1 AND start_time < $2)"
	             : "",
	         !matched && f->organization ? " AND r.organization = $4" : "",
	         lim);
}

int
pgsql_reports(struct pgsql_store *st, const struct store_filter *f,
              size_t limit, store_report_cb cb, void *arg, struct errbuf *eb)
{
	struct report_ctx x = {cb, NULL, arg, 0, NULL, 0};
	struct store_split none = {0};
	struct pgq_params p = {0};
	struct failure_match *m = NULL;
	char sql[PGQ_SQL_MAX], *ids = NULL;
	int began, ret = -1;

	if ((began = pgq_begin(st, eb)) < 0)
		return -1;
	/* With a failure filter, the reports come from the failures' own
	 * count; their domain, organization and time are in it. */
	if (store_filter_failures(f) &&
	    pgsql_failure_matches(st, f, &m, &x.nm, &ids, eb) != 0)
		goto out;
	x.m = m;
	reports_sql(sql, sizeof(sql), f, limit, ids != NULL);
	if (pgq_params_init(&p, f, &none, eb) != 0)
		goto out;
	pgq_param_text(&p, PGQ_EXTRA, ids, OID_INT8ARR);
	ret = pgq_each_row(st, sql, &p, "reports", report_one, &x, eb);
out:
	pgq_end(st, began);
	pgq_params_free(&p);
	free(ids);
	free(m);
	return ret;
}

int
pgsql_report_find(struct pgsql_store *st, const char *key,
                  const char *organization, store_raw_cb cb, void *arg,
                  struct errbuf *eb)
{
	static const char sql[] =
	    "SELECT " REPORT_COLUMNS ", (SELECT bytes FROM report_raw"
	    " WHERE report = r.id)" REPORT_FROM
	    " WHERE (r.report_id = $1 OR r.id = $2)"
	    " AND ($3::text IS NULL OR r.organization = $3) ORDER BY r.id";
	struct report_ctx x = {NULL, cb, arg, 0, NULL, 0};
	struct pgq_params p = {0};
	int ret;

	if (!st->in_batch && pgsql_connect(st, eb) != 0)
		return -1;
	p.n = 3;
	pgq_param_text(&p, 1, key, OID_TEXT);
	pgq_param_int(&p, 2, store_key_number(key));
	pgq_param_text(&p, 3, organization, OID_TEXT);
	ret = pgq_each_row(st, sql, &p, "show", report_one, &x, eb);
	if (ret == -2)
		ret = errbuf_set(eb, "show: out of memory");
	return ret == 0 ? x.n : ret;
}

struct quarantine_ctx {
	store_quarantine_cb cb;
	void *arg;
};

static int
quarantine_one(const PGresult *res, int i, void *arg)
{
	struct quarantine_ctx *x = arg;
	struct store_quarantine_row row;
	unsigned char *bytes;
	size_t len;
	int ret;

	bytes = PQunescapeBytea(
	    (const unsigned char *)pgsql_get_text(res, i, 6), &len);
	if (bytes == NULL)
		return -2;
	row.key = pgsql_get_int(res, i, 0);
	row.received_time = pgsql_get_int(res, i, 1);
	row.channel = pgsql_get_text(res, i, 2);
	row.source = pgsql_get_text(res, i, 3);
	row.submitter = pgsql_get_text(res, i, 4);
	row.reason = pgsql_get_text(res, i, 5);
	row.bytes = bytes;
	row.len = len;
	row.last_seen = pgsql_get_int(res, i, 7);
	row.count = pgsql_get_int(res, i, 8);
	ret = x->cb(&row, x->arg);
	PQfreemem(bytes);
	return ret;
}

int
pgsql_quarantine(struct pgsql_store *st, const struct store_filter *f,
                 int64_t key, size_t limit, store_quarantine_cb cb, void *arg,
                 struct errbuf *eb)
{
	struct quarantine_ctx x = {cb, arg};
	struct pgq_params p = {0};
	char sql[PGQ_SQL_MAX], lim[32] = "ALL";
	int ret;

	if (!st->in_batch && pgsql_connect(st, eb) != 0)
		return -1;
	if (limit > 0)
		snprintf(lim, sizeof(lim), "%zu", limit);
	/* By last seen: an input first seen long ago that came again today
	 * is among today's. */
	snprintf(sql, sizeof(sql),
	         "SELECT id, received_time, channel, source, submitter,"
	         " reason, bytes, last_seen, count FROM quarantine WHERE %s"
	         " ORDER BY received_time, id LIMIT %s",
	         key > 0 ? "id = $3" : "last_seen >= $1 AND last_seen < $2",
	         lim);
	p.n = 3;
	/* f is NULL when a key picks the one input (store.h) */
	pgq_param_int(&p, 1, f != NULL ? f->since : INT64_MIN);
	pgq_param_int(&p, 2, f != NULL ? f->until : INT64_MAX);
	pgq_param_int(&p, 3, key);
	ret = pgq_each_row(st, sql, &p, "quarantine", quarantine_one, &x, eb);
	if (ret == -2)
		ret = errbuf_set(eb, "quarantine: out of memory");
	return ret;
}
