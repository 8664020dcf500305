/*
 * failure_query.c - the failures query of both stores (failure_query.h):
 * failed sessions and reports per group of keys, from a rollup over
 * whole buckets and the detail rows at the edges (query_split.h), summed
 * in a tally (tally.h); with a limit, the largest groups in a bounded
 * heap; without one, over a rollup's own grouping, sorted by the store
 * (struct failure_ops' sorted); and every group unordered for callers
 * that look them up (the digest). Written once so that the stores give
 * the same rows in the same order with the same numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failure_query.h"

const unsigned failure_key_flags[FAILURE_NKEYS] = {
    FAILURE_BY_DOMAIN, FAILURE_BY_MODE, FAILURE_BY_TYPE,
    FAILURE_BY_MTA,    FAILURE_BY_MX,   FAILURE_BY_IP,
    FAILURE_BY_ORG,    FAILURE_BY_DAY,  FAILURE_BY_REPORT,
};

/* Both schemas' failure rollups; col[] follows failure_key_flags. */
static const struct failure_rollup failure_rollups[] = {
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

size_t
failure_key_index(unsigned flag)
{
	size_t k;

	for (k = 0; k < FAILURE_NKEYS && failure_key_flags[k] != flag; k++)
		;
	return k;
}

size_t
failure_count_keys(unsigned keys)
{
	size_t nkeys = 0, i;

	for (i = 0; i < FAILURE_NKEYS; i++)
		if (keys & failure_key_flags[i])
			nkeys++;
	return nkeys;
}

int
failure_as_sent(const struct store_filter *f, unsigned keys)
{
	return (keys & FAILURE_BY_MODE) || f->policy_mode || f->policy_type;
}

/* Whether r answers f grouped by keys exactly (failure_rollup). */
static int
rollup_fits(const struct failure_rollup *r, const struct store_filter *f,
            unsigned keys)
{
	size_t k;

	if ((keys & r->need) != r->need)
		return 0;
	for (k = 0; k < FAILURE_NKEYS; k++)
		if ((keys & failure_key_flags[k]) && r->col[k] == NULL)
			return 0;
	if ((f->ndomains && !r->domain) || (f->organization && !r->org) ||
	    (f->policy_type && !r->type))
		return 0;
	/* A failure detail filters on a key's column: it must have it. */
	for (k = 0; k < NDETAIL_FILTERS; k++)
		if (store_detail_value(f, k) != NULL &&
		    r->col[failure_key_index(store_detail_keys[k])] == NULL)
			return 0;
	return !(r->one_domain && !(keys & FAILURE_BY_DOMAIN) &&
	         f->ndomains != 1);
}

const struct failure_rollup *
failure_pick_rollup(const struct store_filter *f, unsigned keys)
{
	size_t i;

	for (i = 0; i < sizeof(failure_rollups) / sizeof(failure_rollups[0]);
	     i++)
		if (rollup_fits(&failure_rollups[i], f, keys))
			return &failure_rollups[i];
	return NULL;
}

int
failure_streams(const struct failure_rollup *ru, const struct store_split *sp,
                unsigned keys)
{
	return ru != NULL && sp->b1 < sp->b2 && ru->stream == keys;
}

int
failure_emit_row(unsigned keys, const char *const *k, int64_t failed,
                 int64_t reports, store_failure_cb cb, void *arg)
{
	struct store_failure_row row = {0};
	/* The report key is the stores' own (store_reports): no field. */
	const char **slot[FAILURE_NKEYS] = {&row.policy_domain,
	                                    &row.policy_mode,
	                                    &row.result_type,
	                                    &row.sending_mta_ip,
	                                    &row.receiving_mx_hostname,
	                                    &row.receiving_ip,
	                                    &row.organization,
	                                    &row.day,
	                                    NULL};
	size_t i, col;

	for (i = 0, col = 0; i < FAILURE_NKEYS; i++)
		if (keys & failure_key_flags[i]) {
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
		for (i = 0; failure_key_flags[i] != FAILURE_BY_DAY; i++)
			d.col += (keys & failure_key_flags[i]) != 0;
		qsort_r(order, n, sizeof(*order), cmp_day, &d);
	}
	if (limit > 0 && limit < n)
		n = limit;
	for (g = 0; g < n && ret == 0; g++)
		ret = failure_emit_row(keys, tally_keys(t, order[g]),
		                       tally_failed(t, order[g]),
		                       tally_reports(t, order[g]), cb, arg);
	free(order);
	return ret;
}

int
failure_tally(const struct failure_ops *ops, void *st,
              const struct store_filter *f, unsigned keys, struct tally **out,
              struct errbuf *eb)
{
	const struct failure_rollup *ru = failure_pick_rollup(f, keys);
	struct tally *t;
	struct store_split sp;
	int ret = 0;

	*out = NULL;
	if ((t = tally_new(failure_count_keys(keys))) == NULL)
		return errbuf_set(eb, "failures: out of memory");
	store_split_range(f, ru != NULL, &sp);
	if (ru != NULL && sp.b1 < sp.b2)
		ret = ops->rollup_tally(st, f, keys, ru, &sp, t, eb);
	if (ret == 0)
		ret = ops->edges(st, f, keys, &sp, t, eb);
	if (ret != 0) {
		tally_free(t);
		return ret;
	}
	*out = t;
	return 0;
}

/* Ends the group being summed: the edges' sums of its keys added, it
 * goes to the sink. */
static int
group_done(struct failure_stream *g)
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

/* The key text i of the group being summed, copied: a row's texts last
 * only until the store reads the next. */
static int
group_key(struct failure_stream *g, size_t i, const char *v)
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

int
failure_stream_row(struct failure_stream *g, const char *const *k,
                   int64_t failed, int64_t reports)
{
	size_t i, n = g->nkeys;
	int same = g->open;

	for (i = 0; i < n && same; i++)
		same = strcmp(g->keys[i], k[i]) == 0;
	if (!same) {
		if (group_done(g) != 0)
			return 1;
		for (i = 0; i < n; i++)
			if (group_key(g, i, k[i]) != 0)
				return 1;
		g->failed = g->reports = 0;
		g->open = 1;
	}
	g->failed = store_add_held(g->failed, failed);
	g->reports = store_add_held(g->reports, reports);
	return 0;
}

void
failure_stream_free(struct failure_stream *g)
{
	size_t i;

	for (i = 0; i < g->nkeys; i++)
		free(g->keys[i]);
	free(g->used);
	tally_free(g->edges);
}

int
failure_streamed(const struct failure_ops *ops, void *st,
                 const struct store_filter *f, unsigned keys,
                 const struct failure_rollup *ru, const struct store_split *sp,
                 struct failure_stream *g, struct errbuf *eb)
{
	size_t i, n;
	int ret;

	/* The edges are at most two buckets of detail rows: tallied first,
	 * each rollup group looks its edge sums up as it completes. */
	if ((g->edges = tally_new(g->nkeys)) == NULL)
		return errbuf_set(eb, "failures: out of memory");
	if ((ret = ops->edges(st, f, keys, sp, g->edges, eb)) != 0)
		return ret;
	n = tally_count(g->edges);
	if ((g->used = calloc(n ? n : 1, 1)) == NULL)
		return errbuf_set(eb, "failures: out of memory");
	ret = ops->rollup_stream(st, f, keys, ru, sp, g, eb);
	if (ret == 0 && group_done(g) != 0)
		ret = 1;
	/* What the edges hold beyond the rollup's groups goes last. */
	for (i = 0; i < n && ret == 0; i++)
		if (!g->used[i] && g->sink(g, tally_keys(g->edges, i),
		                           tally_failed(g->edges, i),
		                           tally_reports(g->edges, i)) != 0)
			ret = 1;
	return ret;
}

/* failure_groups' sink: the group to the caller. */
static int
sink_emit(struct failure_stream *g, const char *const *k, int64_t failed,
          int64_t reports)
{
	return failure_emit_row(g->keyflags, k, failed, reports, g->cb, g->arg);
}

int
failure_groups(const struct failure_ops *ops, void *st,
               const struct store_filter *f, unsigned keys, store_failure_cb cb,
               void *arg, struct errbuf *eb)
{
	const struct failure_rollup *ru = failure_pick_rollup(f, keys);
	struct failure_stream g = {0};
	struct tally *t = NULL;
	struct store_split sp;
	size_t i, n;
	int ret;

	store_split_range(f, ru != NULL, &sp);
	if (failure_streams(ru, &sp, keys)) {
		g.nkeys = failure_count_keys(keys);
		g.sink = sink_emit;
		g.keyflags = keys;
		g.cb = cb;
		g.arg = arg;
		ret = failure_streamed(ops, st, f, keys, ru, &sp, &g, eb);
		failure_stream_free(&g);
	} else if ((ret = failure_tally(ops, st, f, keys, &t, eb)) == 0) {
		n = tally_count(t);
		for (i = 0; i < n && ret == 0; i++)
			ret = failure_emit_row(keys, tally_keys(t, i),
			                       tally_failed(t, i),
			                       tally_reports(t, i), cb, arg);
		tally_free(t);
	}
	if (ret != 0 && eb != NULL && !eb->msg[0])
		errbuf_set(eb, "failures: out of memory");
	return ret != 0 ? -1 : 0;
}

/* failure_top's sink: the group offered to the heap. */
static int
sink_top(struct failure_stream *g, const char *const *k, int64_t failed,
         int64_t reports)
{
	return tally_offer(g->sink_arg, k, failed, reports);
}

/* The groups of a whole tally offered to the heap top. */
static int
offer_all(struct tally *top, const struct tally *t)
{
	size_t i, n = tally_count(t);
	int ret = 0;

	for (i = 0; i < n && ret == 0; i++)
		ret = tally_offer(top, tally_keys(t, i), tally_failed(t, i),
		                  tally_reports(t, i));
	return ret;
}

/* The first `limit` groups of the failures query into *out (a tally of
 * tally_new_top), with memory bounded by the limit when the grouping
 * reads a rollup in its key order, else from the whole tally. */
static int
failure_top(const struct failure_ops *ops, void *st,
            const struct store_filter *f, unsigned keys, size_t limit,
            struct tally **out, struct errbuf *eb)
{
	const struct failure_rollup *ru = failure_pick_rollup(f, keys);
	struct failure_stream g = {0};
	struct tally *top;
	struct store_split sp;
	int ret;

	g.nkeys = failure_count_keys(keys);
	g.sink = sink_top;
	store_split_range(f, ru != NULL, &sp);
	if ((top = tally_new_top(g.nkeys, limit)) == NULL)
		return errbuf_set(eb, "failures: out of memory");
	g.sink_arg = top;
	if (failure_streams(ru, &sp, keys))
		ret = failure_streamed(ops, st, f, keys, ru, &sp, &g, eb);
	else if ((ret = failure_tally(ops, st, f, keys, &g.edges, eb)) == 0)
		ret = offer_all(top, g.edges);
	failure_stream_free(&g);
	if (ret != 0) {
		tally_free(top);
		if (ret > 0 || (eb != NULL && !eb->msg[0]))
			errbuf_set(eb, "failures: out of memory");
		return -1;
	}
	*out = top;
	return 0;
}

int
failure_query(const struct failure_ops *ops, void *st,
              const struct store_filter *f, unsigned keys, size_t limit,
              store_failure_cb cb, void *arg, struct errbuf *eb)
{
	const struct failure_rollup *ru = failure_pick_rollup(f, keys);
	struct tally *t = NULL;
	struct store_split sp;
	int ret;

	store_split_range(f, ru != NULL, &sp);
	/* All groups of a rollup read in key order: sorted by the store in
	 * memory that does not grow with them. With a limit, the largest in
	 * a heap; by day, the rows go oldest day first, so the limit is not
	 * of the largest groups and there is no heap. */
	if (limit == 0 && failure_streams(ru, &sp, keys))
		ret = ops->sorted(st, f, keys, ru, &sp, cb, arg, eb);
	else if ((ret = limit > 0 && !(keys & FAILURE_BY_DAY)
	                    ? failure_top(ops, st, f, keys, limit, &t, eb)
	                    : failure_tally(ops, st, f, keys, &t, eb)) == 0)
		ret = failure_emit(t, keys, limit, cb, arg);
	if (ret < 0 && eb != NULL && !eb->msg[0])
		errbuf_set(eb, "failures: out of memory");
	tally_free(t);
	return ret;
}

static int
cmp_match(const void *a, const void *b)
{
	const struct failure_match *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int
failure_matches(const struct failure_ops *ops, void *st,
                const struct store_filter *f, char open, char close,
                struct failure_match **out, size_t *n, char **ids,
                struct errbuf *eb)
{
	struct failure_match *m = NULL;
	struct tally *t;
	size_t i, size, at;

	*out = NULL;
	*ids = NULL;
	if (failure_tally(ops, st, f, FAILURE_BY_REPORT, &t, eb) != 0)
		return -1;
	*n = tally_sort(t);
	/* open, then each id (at most 20 characters) and a comma, close. */
	size = *n * 21 + 3;
	if ((m = calloc(*n ? *n : 1, sizeof(*m))) == NULL ||
	    (*ids = malloc(size)) == NULL) {
		free(m);
		tally_free(t);
		return errbuf_set(eb, "reports: out of memory");
	}
	at = (size_t)snprintf(*ids, size, "%c", open);
	for (i = 0; i < *n; i++) {
		m[i].id = strtoll(tally_keys(t, i)[0], NULL, 10);
		m[i].failed = tally_failed(t, i);
		at += (size_t)snprintf(*ids + at, size - at, "%s%lld",
		                       i ? "," : "", (long long)m[i].id);
	}
	snprintf(*ids + at, size - at, "%c", close);
	/* Sorted by id for failure_match_find. */
	qsort(m, *n, sizeof(*m), cmp_match);
	tally_free(t);
	*out = m;
	return 0;
}

const struct failure_match *
failure_match_find(const struct failure_match *m, size_t n, int64_t id)
{
	struct failure_match key = {id, 0};

	return bsearch(&key, m, n, sizeof(*m), cmp_match);
}
