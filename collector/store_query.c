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
#include <string.h>

#include "store_impl.h"

#define QUERY_SQL_MAX 2048
#define MAX_VALUES    64 /* distinct policy types or modes of one domain */

/* Frees what json_dumps() returned, with jansson's own free function
 * (the process may have given jansson another allocator). */
static void
json_string_free(char *s)
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

/* Appends the WHERE clause of a filter; parameters ?1..?5. */
static void
where_clause(char *sql, size_t size, const struct store_filter *f)
{
	size_t n = strlen(sql);

	snprintf(sql + n, size - n,
	         " WHERE p.start_time >= ?1 AND p.start_time < ?2%s%s%s",
	         f->ndomains ? " AND p.policy_domain IN"
	                       " (SELECT value FROM json_each(?3))"
	                     : "",
	         f->organization ? " AND r.organization = ?4" : "",
	         f->policy_type ? " AND p.policy_type = ?5" : "");
}

static int
bind_filter(struct store *st, sqlite3_stmt *s, const struct store_filter *f,
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
	return 0;
}

static int
prepare(struct store *st, const char *sql, sqlite3_stmt **s, struct errbuf *eb)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK)
		return store_error(st, eb, "query");
	return 0;
}

static const char *
col_text(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);

	return v ? v : "";
}

/* The distinct policy types and modes of one domain, read from a cursor
 * over (domain, kind, value) rows ordered by domain, that stays on the
 * first row of the next domain. */
struct values {
	const char *v[2][MAX_VALUES];
	size_t n[2];
	char *owned[2 * MAX_VALUES];
	size_t nowned;
};

static void
values_clear(struct values *vs)
{
	while (vs->nowned > 0)
		free(vs->owned[--vs->nowned]);
	vs->n[0] = vs->n[1] = 0;
}

static int
values_read(sqlite3_stmt *cur, int *rc, const char *domain, struct values *vs)
{
	values_clear(vs);
	while (*rc == SQLITE_ROW) {
		int c = strcmp(col_text(cur, 0), domain);
		int kind = sqlite3_column_int(cur, 1) ? 1 : 0;
		char *v;

		if (c > 0)
			break;
		if (c == 0 && vs->n[kind] < MAX_VALUES) {
			if ((v = strdup(col_text(cur, 2))) == NULL)
				return -1;
			vs->owned[vs->nowned++] = v;
			vs->v[kind][vs->n[kind]++] = v;
		}
		*rc = sqlite3_step(cur);
	}
	return 0;
}

int
store_summary(struct store *st, const struct store_filter *f,
              store_summary_cb cb, void *arg, struct errbuf *eb)
{
	char sql[QUERY_SQL_MAX], vsql[QUERY_SQL_MAX], *dj = NULL, *dj2 = NULL;
	sqlite3_stmt *s = NULL, *vs_stmt = NULL;
	struct store_summary_row row;
	struct values vs = {0};
	int rc, vrc, ret = -1;

	snprintf(sql, sizeof(sql),
	         "SELECT p.policy_domain, count(DISTINCT p.report),"
	         " count(DISTINCT r.organization),"
	         " sum(p.successful_sessions * p.counts_for_domain),"
	         " sum(p.failed_sessions * p.counts_for_domain),"
	         " date(min(p.start_time), 'unixepoch'),"
	         " date(max(p.start_time), 'unixepoch')"
	         " FROM policy p JOIN report r ON r.id = p.report");
	where_clause(sql, sizeof(sql), f);
	strncat(sql, " GROUP BY p.policy_domain ORDER BY p.policy_domain",
	        sizeof(sql) - strlen(sql) - 1);
	snprintf(vsql, sizeof(vsql),
	         "SELECT DISTINCT p.policy_domain, 0, p.policy_type"
	         " FROM policy p JOIN report r ON r.id = p.report");
	where_clause(vsql, sizeof(vsql), f);
	strncat(vsql,
	        " UNION SELECT DISTINCT p.policy_domain, 1, p.policy_mode"
	        " FROM policy p JOIN report r ON r.id = p.report",
	        sizeof(vsql) - strlen(vsql) - 1);
	where_clause(vsql, sizeof(vsql), f);
	strncat(vsql, " ORDER BY 1, 2, 3", sizeof(vsql) - strlen(vsql) - 1);
	if (prepare(st, sql, &s, eb) || prepare(st, vsql, &vs_stmt, eb) ||
	    bind_filter(st, s, f, &dj, eb) ||
	    bind_filter(st, vs_stmt, f, &dj2, eb))
		goto out;
	vrc = sqlite3_step(vs_stmt);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		row.policy_domain = col_text(s, 0);
		row.reports = sqlite3_column_int64(s, 1);
		row.organizations = sqlite3_column_int64(s, 2);
		row.successful_sessions = sqlite3_column_int64(s, 3);
		row.failed_sessions = sqlite3_column_int64(s, 4);
		row.first_day = col_text(s, 5);
		row.last_day = col_text(s, 6);
		if (values_read(vs_stmt, &vrc, row.policy_domain, &vs) != 0) {
			errbuf_set(eb, "out of memory");
			goto out;
		}
		row.policy_types = vs.v[0];
		row.npolicy_types = vs.n[0];
		row.policy_modes = vs.v[1];
		row.npolicy_modes = vs.n[1];
		if ((ret = cb(&row, arg)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		store_error(st, eb, "summary");
		goto out;
	}
	ret = 0;
out:
	values_clear(&vs);
	sqlite3_finalize(s);
	sqlite3_finalize(vs_stmt);
	json_string_free(dj);
	json_string_free(dj2);
	return ret;
}

/* The grouping keys: flag, SQL expression, column position in the row. */
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
};
#define NFAILURE_KEYS (sizeof(failure_keys) / sizeof(failure_keys[0]))

static void
failure_sql(char *sql, size_t size, const struct store_filter *f, unsigned keys,
            size_t limit)
{
	char group[512] = "";
	size_t i, n;

	for (i = 0; i < NFAILURE_KEYS; i++) {
		if (!(keys & failure_keys[i].flag))
			continue;
		n = strlen(group);
		snprintf(group + n, sizeof(group) - n, "%s%s", n ? ", " : "",
		         failure_keys[i].expr);
	}
	snprintf(sql, size,
	         "SELECT %s%ssum(f.failed_sessions),"
	         " count(DISTINCT p.report)"
	         " FROM failure f JOIN policy p ON p.id = f.policy"
	         " JOIN report r ON r.id = p.report",
	         group, group[0] ? ", " : "");
	where_clause(sql, size, f);
	n = strlen(sql);
	snprintf(sql + n, size - n,
	         "%s%s%s ORDER BY sum(f.failed_sessions) DESC%s%s",
	         keys & FAILURE_BY_MODE || f->policy_type
	             ? ""
	             : " AND p.counts_for_domain = 1",
	         group[0] ? " GROUP BY " : "", group, group[0] ? ", " : "",
	         group);
	if (limit > 0) {
		n = strlen(sql);
		snprintf(sql + n, size - n, " LIMIT %zu", limit);
	}
}

int
store_failures(struct store *st, const struct store_filter *f, unsigned keys,
               size_t limit, store_failure_cb cb, void *arg, struct errbuf *eb)
{
	char sql[QUERY_SQL_MAX], *dj = NULL;
	sqlite3_stmt *s = NULL;
	struct store_failure_row row;
	const char **slot[NFAILURE_KEYS] = {
	    &row.policy_domain,         &row.policy_mode,
	    &row.result_type,           &row.sending_mta_ip,
	    &row.receiving_mx_hostname, &row.receiving_ip,
	    &row.organization,          &row.day};
	int rc, col, ret = -1;
	size_t i;

	failure_sql(sql, sizeof(sql), f, keys, limit);
	if (prepare(st, sql, &s, eb) || bind_filter(st, s, f, &dj, eb))
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		for (i = 0, col = 0; i < NFAILURE_KEYS; i++)
			if (keys & failure_keys[i].flag)
				*slot[i] = col_text(s, col++);
		row.failed_sessions = sqlite3_column_int64(s, col);
		row.reports = sqlite3_column_int64(s, col + 1);
		if (sqlite3_column_type(s, col) == SQLITE_NULL)
			continue; /* no failure rows at all */
		if ((ret = cb(&row, arg)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		store_error(st, eb, "failures");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(s);
	json_string_free(dj);
	return ret;
}

int
store_sts_domains(struct store *st, const struct store_filter *f,
                  store_sts_cb cb, void *arg, struct errbuf *eb)
{
	/* The newest STS policy of the domain in the range: its mode and
	 * patterns, by the (domain, start) index. */
	static const char newest[] =
	    "(SELECT q.%s FROM policy q WHERE q.policy_domain = p.policy_domain"
	    " AND q.policy_type = 'sts' AND q.start_time >= ?1"
	    " AND q.start_time < ?2 ORDER BY q.start_time DESC, q.id DESC"
	    " LIMIT 1)";
	struct store_filter sts = *f;
	char sql[QUERY_SQL_MAX], mode[256], mx[256], *dj = NULL;
	sqlite3_stmt *s = NULL;
	struct store_sts_row row;
	int rc, ret = -1;

	sts.policy_type = "sts";
	snprintf(mode, sizeof(mode), newest, "policy_mode");
	snprintf(mx, sizeof(mx), newest, "mx_host");
	snprintf(sql, sizeof(sql),
	         "SELECT p.policy_domain, %s, %s,"
	         " count(DISTINCT p.start_time / 86400),"
	         " count(DISTINCT r.organization), sum(p.successful_sessions),"
	         " sum(p.failed_sessions)"
	         " FROM policy p JOIN report r ON r.id = p.report",
	         mode, mx);
	where_clause(sql, sizeof(sql), &sts);
	strncat(sql, " GROUP BY p.policy_domain ORDER BY p.policy_domain",
	        sizeof(sql) - strlen(sql) - 1);
	if (prepare(st, sql, &s, eb) || bind_filter(st, s, &sts, &dj, eb))
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		row.policy_domain = col_text(s, 0);
		row.newest_mode = col_text(s, 1);
		row.mx_patterns = col_text(s, 2);
		row.days = sqlite3_column_int64(s, 3);
		row.organizations = sqlite3_column_int64(s, 4);
		row.successful_sessions = sqlite3_column_int64(s, 5);
		row.failed_sessions = sqlite3_column_int64(s, 6);
		if ((ret = cb(&row, arg)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		store_error(st, eb, "readiness");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(s);
	json_string_free(dj);
	return ret;
}
