/*
 * pgsql_rollup.c - the PostgreSQL store's rollup tables: the rows a
 * transaction's reports summed in memory (rollup_acc.h) upserted at its
 * commit, and the buckets rebuilt from the detail rows after a prune.
 *
 * The upserts are multi-row INSERT ... ON CONFLICT DO UPDATE with the
 * arithmetic of the rebuild (and of sqlite_rollup.c): sums held at the
 * ends of 64 bits (tlsrpt_add), the first and last start, the day bits.
 * rollup_acc_each gives the rows in each table's key order, so that
 * concurrent writers lock the rows they share in one order and do not
 * deadlock on them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgsql_impl.h"
#include "rollup_acc.h"

/* Rows per upsert statement. */
#define ROLLUP_CHUNK 500

static const char *const upsert_head[ROLLUP_TABLES] = {
    "INSERT INTO rollup_policy (policy_domain, organization, policy_type,"
    " policy_mode, bucket, counts_for_domain, reports,"
    " successful_sessions, failed_sessions, first_start, last_start, days)"
    " VALUES ",
    "INSERT INTO rollup_failure (sending_mta_ip, result_type, policy_mode,"
    " organization, bucket, reports, failed_sessions) VALUES ",
    "INSERT INTO rollup_mx (policy_domain, policy_type, result_type,"
    " receiving_mx_hostname, bucket, counts_for_domain, reports,"
    " failed_sessions) VALUES ",
};

#define ADD_SESSIONS(T)                                                        \
	" reports = " T ".reports + excluded.reports,"                         \
	" failed_sessions = tlsrpt_add(" T ".failed_sessions,"                 \
	" excluded.failed_sessions)"

static const char *const upsert_tail[ROLLUP_TABLES] = {
    " ON CONFLICT (policy_domain, bucket, organization, policy_type,"
    " policy_mode, counts_for_domain) DO UPDATE SET" ADD_SESSIONS(
        "rollup_policy") ","
                         " successful_sessions ="
                         " tlsrpt_add(rollup_policy.successful_sessions,"
                         " excluded.successful_sessions),"
                         " first_start = least(rollup_policy.first_start,"
                         " excluded.first_start),"
                         " last_start = greatest(rollup_policy.last_start,"
                         " excluded.last_start),"
                         " days = rollup_policy.days | excluded.days",
    " ON CONFLICT (policy_mode, result_type, sending_mta_ip, bucket,"
    " organization) DO UPDATE SET" ADD_SESSIONS("rollup_failure"),
    " ON CONFLICT (policy_domain, policy_type, counts_for_domain, bucket,"
    " result_type, receiving_mx_hostname) DO UPDATE SET" ADD_SESSIONS(
        "rollup_mx"),
};

struct flush {
	struct pgsql_store *st;
	struct errbuf *eb;
	struct pgsql_sb sb;
	int table; /* of the rows in sb, or -1 */
	int rows;
	/* The key texts, copied: rollup_acc_each forgets its rows when it
	 * returns, before the last chunk runs. */
	char **texts;
	size_t ntexts, cap;
};

static int
run_chunk(struct flush *f)
{
	PGresult *res;

	if (f->rows == 0)
		return 0;
	pgsql_sb_add(&f->sb, "%s", upsert_tail[f->table]);
	res = pgsql_sb_exec(f->st, &f->sb, f->eb, "rollup");
	PQclear(res);
	pgsql_sb_reset(&f->sb);
	while (f->ntexts > 0)
		free(f->texts[--f->ntexts]);
	f->rows = 0;
	f->table = -1;
	return res == NULL ? -1 : 0;
}

static int
keep(struct flush *f, const char *s)
{
	char **nt;
	char *c;

	if (f->ntexts == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 4 * ROLLUP_CHUNK;

		if ((nt = reallocarray(f->texts, cap, sizeof(*nt))) == NULL) {
			f->sb.oom = 1;
			return 1;
		}
		f->texts = nt;
		f->cap = cap;
	}
	if ((c = strdup(s)) == NULL) {
		f->sb.oom = 1;
		return 1;
	}
	f->texts[f->ntexts++] = c;
	return pgsql_sb_text(&f->sb, c);
}

static int
flush_row(const struct rollup_row *r, void *arg)
{
	struct flush *f = arg;
	int a, b, c, d;

	if ((f->table != r->table || f->rows == ROLLUP_CHUNK) &&
	    run_chunk(f) != 0)
		return -1;
	if (f->rows == 0)
		pgsql_sb_add(&f->sb, "%s", upsert_head[r->table]);
	f->table = r->table;
	a = keep(f, r->t[0]);
	b = keep(f, r->t[1]);
	c = keep(f, r->t[2]);
	d = keep(f, r->t[3]);
	pgsql_sb_add(&f->sb,
	             "%s($%d::text, $%d::text, $%d::text, $%d::text, %lld, ",
	             f->rows ? ", " : "", a, b, c, d, (long long)r->bucket);
	if (r->table == ROLLUP_POLICY)
		pgsql_sb_add(&f->sb,
		             "%lld, %lld, %lld, %lld, %lld, %lld, %lld)",
		             (long long)r->cfd, (long long)r->reports,
		             (long long)r->successful, (long long)r->failed,
		             (long long)r->first, (long long)r->last,
		             (long long)r->days);
	else if (r->table == ROLLUP_FAILURE)
		pgsql_sb_add(&f->sb, "%lld, %lld)", (long long)r->reports,
		             (long long)r->failed);
	else
		pgsql_sb_add(&f->sb, "%lld, %lld, %lld)", (long long)r->cfd,
		             (long long)r->reports, (long long)r->failed);
	f->rows++;
	return 0;
}

int
pgsql_rollup_flush(struct pgsql_store *st, struct errbuf *eb)
{
	struct flush f;
	const char *why = NULL;
	int ret;

	if (st->acc == NULL)
		return 0;
	memset(&f, 0, sizeof(f));
	f.st = st;
	f.eb = eb;
	f.table = -1;
	pgsql_sb_init(&f.sb);
	ret = rollup_acc_each(st->acc, flush_row, &f, &why);
	if (ret == 0)
		ret = run_chunk(&f);
	else if (why != NULL)
		errbuf_set(eb, "database %s: rollup: %s", st->label, why);
	while (f.ntexts > 0)
		free(f.texts[--f.ntexts]);
	free(f.texts);
	pgsql_sb_free(&f.sb);
	return ret == 0 ? 0 : -1;
}

/* ---- Rebuilding buckets from the detail rows ---- */

/* The three rollups over the detail rows with start_time in [$1, $2):
 * the same sums as sqlite_rollup.c's rebuild. */
static const char *const rebuild_sql[] = {
    "INSERT INTO rollup_policy SELECT p.policy_domain,"
    " tlsrpt_bucket(p.start_time), r.organization, p.policy_type,"
    " p.policy_mode, p.counts_for_domain, count(DISTINCT p.report),"
    " tlsrpt_sum(p.successful_sessions), tlsrpt_sum(p.failed_sessions),"
    " min(p.start_time), max(p.start_time),"
    " tlsrpt_bitor(tlsrpt_daybit(p.start_time))"
    " FROM policy p JOIN report r ON r.id = p.report"
    " WHERE p.start_time >= $1::bigint AND p.start_time < $2::bigint"
    " GROUP BY 1, 2, 3, 4, 5, 6",
    "INSERT INTO rollup_failure SELECT coalesce(f.sending_mta_ip, ''),"
    " f.result_type, p.policy_mode, tlsrpt_bucket(p.start_time),"
    " r.organization, tlsrpt_sum(f.failed_sessions),"
    " count(DISTINCT p.report)"
    " FROM policy p JOIN failure f ON f.policy = p.id"
    " AND f.start_time = p.start_time JOIN report r ON r.id = p.report"
    " WHERE p.start_time >= $1::bigint AND p.start_time < $2::bigint"
    " GROUP BY 1, 2, 3, 4, 5",
    "INSERT INTO rollup_mx SELECT p.policy_domain, p.policy_type,"
    " p.counts_for_domain, tlsrpt_bucket(p.start_time), f.result_type,"
    " coalesce(f.receiving_mx_hostname, ''), tlsrpt_sum(f.failed_sessions),"
    " count(DISTINCT p.report)"
    " FROM policy p JOIN failure f ON f.policy = p.id"
    " AND f.start_time = p.start_time"
    " WHERE p.start_time >= $1::bigint AND p.start_time < $2::bigint"
    " GROUP BY 1, 2, 3, 4, 5, 6",
    /* rollup_mx's pooled rows (policy_type ''): see sqlite_rollup.c. */
    "INSERT INTO rollup_mx SELECT p.policy_domain, '', 1,"
    " tlsrpt_bucket(p.start_time), f.result_type,"
    " coalesce(f.receiving_mx_hostname, ''), tlsrpt_sum(f.failed_sessions),"
    " count(DISTINCT p.report)"
    " FROM policy p JOIN failure f ON f.policy = p.id"
    " AND f.start_time = p.start_time"
    " WHERE p.counts_for_domain > 0"
    " AND p.start_time >= $1::bigint AND p.start_time < $2::bigint"
    " GROUP BY 1, 2, 3, 4, 5, 6",
};

static const char *const rollup_tables[ROLLUP_TABLES] = {
    "rollup_policy", "rollup_failure", "rollup_mx"};

/* Runs sql with the integer parameters a and, when nparams is 2, b. */
static int
run2(struct pgsql_store *st, const char *sql, int64_t a, int64_t b, int nparams,
     struct errbuf *eb)
{
	char va[24], vb[24];
	const char *p[2] = {pgsql_int(va, a), pgsql_int(vb, b)};

	return pgsql_exec(st, sql, nparams, p, eb, "rollup");
}

/* Recomputes the rollups of the buckets that [from, to) touches (whole
 * buckets: a rollup row cannot be split), in the open transaction. */
static int
rebuild(struct pgsql_store *st, int64_t from, int64_t to, struct errbuf *eb)
{
	int64_t b1 = store_bucket(from), b2 = store_bucket(to - 1) + 1;
	char sql[128];
	size_t i;

	for (i = 0; i < ROLLUP_TABLES; i++) {
		snprintf(sql, sizeof(sql),
		         "DELETE FROM %s WHERE bucket >= $1::bigint AND"
		         " bucket < $2::bigint",
		         rollup_tables[i]);
		if (run2(st, sql, b1, b2, 2, eb) != 0)
			return -1;
	}
	for (i = 0; i < sizeof(rebuild_sql) / sizeof(rebuild_sql[0]); i++)
		if (run2(st, rebuild_sql[i],
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

/* After the detail rows before `before` are deleted: drops the buckets
 * before its bucket and recomputes that one, which lost part of its
 * reports. */
int
pgsql_rollup_prune(struct pgsql_store *st, int64_t before, struct errbuf *eb)
{
	char sql[96];
	size_t i;

	for (i = 0; i < ROLLUP_TABLES; i++) {
		snprintf(sql, sizeof(sql),
		         "DELETE FROM %s WHERE bucket < $1::bigint",
		         rollup_tables[i]);
		if (run2(st, sql, store_bucket(before), 0, 1, eb) != 0)
			return -1;
	}
	return rebuild(st, before, before + 1, eb);
}
