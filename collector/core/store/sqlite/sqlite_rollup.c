/*
 * sqlite_rollup.c - the rollup tables of schema/002-rollups.sql: kept up to
 * date as reports are stored and pruned, and the SQL functions that cut
 * time into their buckets.
 *
 * A rollup row sums the detail rows of one bucket (32 days) that share its
 * key. Each statement below is one INSERT ... SELECT over the detail rows
 * of a time range, added to what the rollup holds: how buckets are
 * rebuilt (prune, upgrades). Reports being stored are added by
 * ../rollup_acc.c, with the same arithmetic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_impl.h"

static void
fn_bucket(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_int64(ctx, store_bucket(sqlite3_value_int64(argv[0])));
}

/* The bit of a time's day within its bucket. */
static void
fn_daybit(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int64_t t = sqlite3_value_int64(argv[0]);
	int64_t day = (t - store_bucket(t) * ROLLUP_BUCKET_SECONDS) / 86400;

	(void)argc;
	sqlite3_result_int64(ctx, (int64_t)1 << day);
}

static void
fn_bitor_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int64_t *acc = sqlite3_aggregate_context(ctx, sizeof(*acc));

	(void)argc;
	if (acc != NULL)
		*acc |= sqlite3_value_int64(argv[0]);
}

static void
fn_bitor_final(sqlite3_context *ctx)
{
	int64_t *acc = sqlite3_aggregate_context(ctx, 0);

	sqlite3_result_int64(ctx, acc ? *acc : 0);
}

/* tlsrpt_add(a, b): a + b held at the ends of 64 bits. SQLite's own `+`
 * turns an overflowing sum into an inexact real, which then poisons every
 * sum() over it ("integer overflow"). */
static void
fn_add(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_int64(ctx, store_add_held(sqlite3_value_int64(argv[0]),
	                                         sqlite3_value_int64(argv[1])));
}

/* tlsrpt_sum(x): sum() held at the ends of 64 bits instead of failing
 * with "integer overflow"; exact below them (total() is a double, exact
 * only to 2^53); NULL over no values, as sum(). */
struct sum_acc {
	int64_t v;
	int any;
};

static void
fn_sum_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct sum_acc *a = sqlite3_aggregate_context(ctx, sizeof(*a));

	(void)argc;
	if (a == NULL || sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return;
	a->v = store_add_held(a->v, sqlite3_value_int64(argv[0]));
	a->any = 1;
}

static void
fn_sum_final(sqlite3_context *ctx)
{
	struct sum_acc *a = sqlite3_aggregate_context(ctx, 0);

	if (a != NULL && a->any)
		sqlite3_result_int64(ctx, a->v);
	else
		sqlite3_result_null(ctx);
}

/* tlsrpt_days(bucket, days): how many distinct days the (bucket, day
 * bits) pairs of a group cover. A group spans few buckets: a list. */
struct days_acc {
	int64_t *bucket;
	uint32_t *bits;
	size_t n, cap;
	int oom;
};

static void
fn_days_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct days_acc *a = sqlite3_aggregate_context(ctx, sizeof(*a));
	int64_t b = sqlite3_value_int64(argv[0]);
	size_t i;

	(void)argc;
	if (a == NULL || a->oom)
		return;
	for (i = 0; i < a->n && a->bucket[i] != b; i++)
		;
	if (i == a->n) {
		if (a->n == a->cap) {
			size_t cap = a->cap ? 2 * a->cap : 8;
			int64_t *nb = reallocarray(a->bucket, cap, sizeof(*nb));
			uint32_t *nm;

			if (nb != NULL)
				a->bucket = nb;
			nm =
			    nb ? reallocarray(a->bits, cap, sizeof(*nm)) : NULL;
			if (nm == NULL) {
				a->oom = 1;
				return;
			}
			a->bits = nm;
			a->cap = cap;
		}
		a->bucket[a->n] = b;
		a->bits[a->n++] = 0;
	}
	a->bits[i] |= (uint32_t)sqlite3_value_int64(argv[1]);
}

static void
fn_days_final(sqlite3_context *ctx)
{
	struct days_acc *a = sqlite3_aggregate_context(ctx, 0);
	int64_t days = 0;
	size_t i;

	if (a != NULL) {
		for (i = 0; i < a->n; i++)
			days += __builtin_popcount(a->bits[i]);
		free(a->bucket);
		free(a->bits);
		if (a->oom) {
			sqlite3_result_error_nomem(ctx);
			return;
		}
	}
	sqlite3_result_int64(ctx, days);
}

int
store_rollup_functions(struct sqlite_store *st, struct errbuf *eb)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;

	if (sqlite3_create_function(st->db, "tlsrpt_bucket", 1, flags, NULL,
	                            fn_bucket, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(st->db, "tlsrpt_daybit", 1, flags, NULL,
	                            fn_daybit, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(st->db, "tlsrpt_bitor", 1, flags, NULL,
	                            NULL, fn_bitor_step,
	                            fn_bitor_final) != SQLITE_OK ||
	    sqlite3_create_function(st->db, "tlsrpt_days", 2, flags, NULL, NULL,
	                            fn_days_step, fn_days_final) != SQLITE_OK ||
	    sqlite3_create_function(st->db, "tlsrpt_add", 2, flags, NULL,
	                            fn_add, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(st->db, "tlsrpt_sum", 1, flags, NULL, NULL,
	                            fn_sum_step, fn_sum_final) != SQLITE_OK)
		return store_error(st, eb, "functions");
	return 0;
}

/* The three rollups, each over the detail rows that W picks. */
#define ROLLUP_POLICY(W)                                                       \
	"INSERT INTO rollup_policy SELECT p.policy_domain,"                    \
	" tlsrpt_bucket(p.start_time), r.organization, p.policy_type,"         \
	" p.policy_mode, p.counts_for_domain, count(DISTINCT p.report),"       \
	" tlsrpt_sum(p.successful_sessions), tlsrpt_sum(p.failed_sessions),"   \
	" min(p.start_time), max(p.start_time),"                               \
	" tlsrpt_bitor(tlsrpt_daybit(p.start_time))"                           \
	" FROM policy p JOIN report r ON r.id = p.report WHERE " W             \
	" GROUP BY 1, 2, 3, 4, 5, 6 ON CONFLICT DO UPDATE SET"                 \
	" reports = reports + excluded.reports,"                               \
	" successful_sessions = tlsrpt_add(successful_sessions,"               \
	" excluded.successful_sessions),"                                      \
	" failed_sessions = tlsrpt_add(failed_sessions, "                      \
	"excluded.failed_sessions),"                                           \
	" first_start = min(first_start, excluded.first_start),"               \
	" last_start = max(last_start, excluded.last_start),"                  \
	" days = days | excluded.days"
#define ROLLUP_FAILURE(W)                                                      \
	"INSERT INTO rollup_failure SELECT coalesce(f.sending_mta_ip, ''),"    \
	" f.result_type, p.policy_mode, tlsrpt_bucket(p.start_time),"          \
	" r.organization, tlsrpt_sum(f.failed_sessions), count(DISTINCT "      \
	"p.report)"                                                            \
	" FROM policy p JOIN failure f ON f.policy = p.id"                     \
	" JOIN report r ON r.id = p.report WHERE " W                           \
	" GROUP BY 1, 2, 3, 4, 5 ON CONFLICT DO UPDATE SET"                    \
	" failed_sessions = tlsrpt_add(failed_sessions, "                      \
	"excluded.failed_sessions),"                                           \
	" reports = reports + excluded.reports"
#define ROLLUP_MX(W)                                                           \
	"INSERT INTO rollup_mx SELECT p.policy_domain, p.policy_type,"         \
	" p.counts_for_domain, tlsrpt_bucket(p.start_time), f.result_type,"    \
	" coalesce(f.receiving_mx_hostname, ''), "                             \
	"tlsrpt_sum(f.failed_sessions),"                                       \
	" count(DISTINCT p.report)"                                            \
	" FROM policy p JOIN failure f ON f.policy = p.id WHERE " W            \
	" GROUP BY 1, 2, 3, 4, 5, 6 ON CONFLICT DO UPDATE SET"                 \
	" failed_sessions = tlsrpt_add(failed_sessions, "                      \
	"excluded.failed_sessions),"                                           \
	" reports = reports + excluded.reports"

/* rollup_mx's pooled rows: the policies that count for their domain, of
 * every type together (policy_type '', which no stored policy has: an
 * empty policy-type is rejected), so that a report with failures under
 * two counting types (no-policy-found beside sts) counts once among the
 * reports of a grouping without the type. */
#define ROLLUP_MX_ALL(W)                                                       \
	"INSERT INTO rollup_mx SELECT p.policy_domain, '', 1,"                 \
	" tlsrpt_bucket(p.start_time), f.result_type,"                         \
	" coalesce(f.receiving_mx_hostname, ''), "                             \
	"tlsrpt_sum(f.failed_sessions),"                                       \
	" count(DISTINCT p.report)"                                            \
	" FROM policy p JOIN failure f ON f.policy = p.id"                     \
	" WHERE p.counts_for_domain > 0 AND " W                                \
	" GROUP BY 1, 2, 3, 4, 5, 6 ON CONFLICT DO UPDATE SET"                 \
	" failed_sessions = tlsrpt_add(failed_sessions, "                      \
	"excluded.failed_sessions),"                                           \
	" reports = reports + excluded.reports"

/* One statement per rollup, rollup_mx's pooled rows apart. */
#define RANGE_STATEMENTS 4

#define TIME_RANGE "p.start_time >= ?1 AND p.start_time < ?2"

static const char *const rollup_range_sql[RANGE_STATEMENTS] = {
    ROLLUP_POLICY(TIME_RANGE),
    ROLLUP_FAILURE(TIME_RANGE),
    ROLLUP_MX(TIME_RANGE),
    ROLLUP_MX_ALL(TIME_RANGE),
};

static const char *const rollup_tables[] = {"rollup_policy", "rollup_failure",
                                            "rollup_mx"};
#define NROLLUP_TABLES (sizeof(rollup_tables) / sizeof(rollup_tables[0]))

/* Runs sql with one or two integer parameters. */
static int
run2(struct sqlite_store *st, const char *sql, int64_t a, int64_t b,
     int nparams, struct errbuf *eb)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_error(st, eb, "rollup");
	sqlite3_bind_int64(s, 1, a);
	if (nparams > 1)
		sqlite3_bind_int64(s, 2, b);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_error(st, eb, "rollup");
	return 0;
}

int
store_rollup_rebuild(struct sqlite_store *st, int64_t from, int64_t to,
                     struct errbuf *eb)
{
	char sql[128];
	size_t i;

	/* Whole buckets only: a rollup row cannot be split. */
	int64_t b1 = store_bucket(from), b2 = store_bucket(to - 1) + 1;

	for (i = 0; i < NROLLUP_TABLES; i++) {
		snprintf(sql, sizeof(sql),
		         "DELETE FROM %s WHERE bucket >= ?1 AND bucket < ?2",
		         rollup_tables[i]);
		if (run2(st, sql, b1, b2, 2, eb) != 0)
			return -1;
	}
	for (i = 0; i < RANGE_STATEMENTS; i++)
		if (run2(st, rollup_range_sql[i],
		         b1 <= INT64_MIN / ROLLUP_BUCKET_SECONDS
		             ? INT64_MIN
		             : b1 * ROLLUP_BUCKET_SECONDS,
		         b2 >= INT64_MAX / ROLLUP_BUCKET_SECONDS
		             ? INT64_MAX
		             : b2 * ROLLUP_BUCKET_SECONDS,
		         2, eb) != 0)
			return -1;
	return 0;
}

int
store_rollup_prune(struct sqlite_store *st, int64_t before, struct errbuf *eb)
{
	char sql[128];
	size_t i;

	for (i = 0; i < NROLLUP_TABLES; i++) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE bucket < ?1",
		         rollup_tables[i]);
		if (run2(st, sql, store_bucket(before), 0, 1, eb) != 0)
			return -1;
	}
	/* The bucket that holds the limit lost part of its reports. */
	return store_rollup_rebuild(st, before, before + 1, eb);
}

/* The upserts, parameters in the order upsert() binds them: the key's
 * four texts, the bucket, reports, failed sessions, then counts_for_domain
 * (rollup_mx and rollup_policy), then rollup_policy's successful
 * sessions, first and last start and day bits. The ON CONFLICT clauses
 * are those of the rebuild (above). */
#define ADD_SESSIONS                                                           \
	" failed_sessions = tlsrpt_add(failed_sessions, "                      \
	"excluded.failed_sessions),"                                           \
	" reports = reports + excluded.reports"
const char *const store_rollup_upsert_sql[ROLLUP_STATEMENTS] = {
    "INSERT INTO rollup_policy VALUES (?1, ?5, ?2, ?3, ?4, ?8, ?6, ?9, ?7,"
    " ?10, ?11, ?12) ON CONFLICT DO UPDATE SET"
    " successful_sessions = tlsrpt_add(successful_sessions,"
    " excluded.successful_sessions)," ADD_SESSIONS ","
    " first_start = min(first_start, excluded.first_start),"
    " last_start = max(last_start, excluded.last_start),"
    " days = days | excluded.days",
    "INSERT INTO rollup_failure VALUES (?1, ?2, ?3, ?5, ?4, ?7, ?6)"
    " ON CONFLICT DO UPDATE SET" ADD_SESSIONS,
    "INSERT INTO rollup_mx VALUES (?1, ?2, ?8, ?5, ?3, ?4, ?7, ?6)"
    " ON CONFLICT DO UPDATE SET" ADD_SESSIONS,
};

struct flush {
	struct sqlite_store *st;
	struct errbuf *eb;
};

/* Binds and steps one row's upsert. */
static int
upsert(const struct rollup_row *r, void *arg)
{
	struct sqlite_store *st = ((struct flush *)arg)->st;
	struct errbuf *eb = ((struct flush *)arg)->eb;
	enum store_stmt id = ST_ROLLUP_POLICY + r->table;
	sqlite3_stmt *s = st->stmt[id];
	int i, c = 1;

	for (i = 0; i < 4; i++)
		sqlite3_bind_text(s, c++, r->t[i], -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, c++, r->bucket);
	sqlite3_bind_int64(s, c++, r->reports);
	sqlite3_bind_int64(s, c++, r->failed);
	if (r->table == ROLLUP_MX)
		sqlite3_bind_int64(s, c++, r->cfd);
	if (r->table == ROLLUP_POLICY) {
		sqlite3_bind_int64(s, c++, r->cfd);
		sqlite3_bind_int64(s, c++, r->successful);
		sqlite3_bind_int64(s, c++, r->first);
		sqlite3_bind_int64(s, c++, r->last);
		sqlite3_bind_int64(s, c++, r->days);
	}
	return store_step(st, id, eb);
}

int
store_rollup_flush(struct sqlite_store *st, struct errbuf *eb)
{
	struct flush fl = {st, eb};
	const char *why = NULL;
	int ret = rollup_acc_each(st->acc, upsert, &fl, &why);

	if (why != NULL)
		errbuf_set(eb, "%s", why);
	return ret;
}
