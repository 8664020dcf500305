/*
 * digest.c - gathers what the digest says from the store: per-domain
 * totals of the period and the one before, the readiness verdicts (from
 * readiness_run, the one place they are made), the daily rates, what is
 * new in the failures, the top failures and the silent organizations.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digest.h"
#include "readiness.h"

#define DAY 86400

void
digest_period_bounds(enum digest_period p, int64_t at, int64_t *start,
                     int64_t *end, int64_t *prev_start)
{
	int64_t day = at >= 0 ? at / DAY : -((-at + DAY - 1) / DAY);
	struct tm tm;
	time_t t;

	switch (p) {
	case PERIOD_DAY:
		*end = day * DAY;
		*start = *end - DAY;
		*prev_start = *start - DAY;
		return;
	case PERIOD_WEEK:
		/* 1970-01-01 was a Thursday: day 0 is 3 days after Monday. */
		*end = (day - (((day + 3) % 7) + 7) % 7) * DAY;
		*start = *end - 7 * DAY;
		*prev_start = *start - 7 * DAY;
		return;
	case PERIOD_MONTH:
	case PERIOD_RANGE: /* not one of the digest's: a month */
		break;
	}
	t = (time_t)(day * DAY);
	gmtime_r(&t, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	*end = timegm(&tm);
	tm.tm_mon -= 1;
	*start = timegm(&tm);
	tm.tm_mon -= 1;
	*prev_start = timegm(&tm);
}

/* A sorted set of strings (kept in the digest's arena). */
struct strset {
	const char **v;
	size_t n, cap;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Adds v, which must outlive the set (in the digest's arena). */
static int
set_add_kept(struct strset *s, const char *v)
{
	const char **nv;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		if ((nv = reallocarray(s->v, s->cap, sizeof(*nv))) == NULL)
			return -1;
		s->v = nv;
	}
	s->v[s->n++] = v;
	return 0;
}

/* Adds a copy of v. */
static int
set_add(struct strset *s, struct arena *a, const char *v)
{
	const char *c = arena_strndup(a, v, strlen(v));

	return c != NULL ? set_add_kept(s, c) : -1;
}

static void
set_sort(struct strset *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_str);
}

/* Sorts the set and drops repeated strings. */
static void
set_sort_unique(struct strset *s)
{
	size_t i, n = 0;

	set_sort(s);
	for (i = 0; i < s->n; i++)
		if (n == 0 || strcmp(s->v[n - 1], s->v[i]) != 0)
			s->v[n++] = s->v[i];
	s->n = n;
}

static int
set_has(const struct strset *s, const char *v)
{
	return s->n && bsearch(&v, s->v, s->n, sizeof(*s->v), cmp_str);
}

struct gather {
	struct digest *d;
	struct store *st;
	struct store_filter f;
	size_t cap;
	/* The values the period's news names, of each kind, and which of
	 * them failed before the period (old[kind][i] for the set's i-th). */
	struct strset types, mtas, mxs, ips, seen;
	unsigned char *old[NEW_KINDS];
	size_t news_cap; /* room in d->news */
};

static struct digest_domain *
find_domain(struct digest *d, const char *name)
{
	size_t lo = 0, hi = d->ndomains;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(d->domains[mid].domain, name);

		if (c == 0)
			return &d->domains[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The row's policy modes as "testing, enforce", in the arena. */
static const char *
join_modes(struct arena *a, const struct store_summary_row *r)
{
	size_t i, n, len = 1;
	char *m, *p;

	for (i = 0; i < r->npolicy_modes; i++)
		len += strlen(r->policy_modes[i]) + 2;
	if ((m = arena_alloc(a, len)) == NULL)
		return NULL;
	/* len counted each mode and its ", " above. */
	for (i = 0, p = m; i < r->npolicy_modes; i++) {
		if (i > 0)
			p = (char *)memcpy(p, ", ", 2) + 2;
		n = strlen(r->policy_modes[i]);
		p = (char *)memcpy(p, r->policy_modes[i], n) + n;
	}
	*p = '\0';
	return m;
}

static int
on_domain(const struct store_summary_row *r, void *arg)
{
	struct gather *g = arg;
	struct digest *d = g->d;
	struct digest_domain *x, *nd;

	if (d->ndomains == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 16;
		nd = reallocarray(d->domains, g->cap, sizeof(*nd));
		if (nd == NULL)
			return -1;
		d->domains = nd;
	}
	x = &d->domains[d->ndomains++];
	memset(x, 0, sizeof(*x));
	x->domain =
	    arena_strndup(d->arena, r->policy_domain, strlen(r->policy_domain));
	x->ok = r->successful_sessions;
	x->failed = r->failed_sessions;
	x->prev_ok = -1;
	if ((x->modes = join_modes(d->arena, r)) == NULL || x->domain == NULL)
		return -1;
	d->ok = store_add_held(d->ok, x->ok);
	d->failed = store_add_held(d->failed, x->failed);
	return 0;
}

static int
on_prev_domain(const struct store_summary_row *r, void *arg)
{
	struct gather *g = arg;
	struct digest_domain *x = find_domain(g->d, r->policy_domain);

	if (x != NULL) {
		x->prev_ok = r->successful_sessions;
		x->prev_failed = r->failed_sessions;
	}
	return 0;
}

static int
on_day(const struct store_daily_row *r, void *arg)
{
	struct gather *g = arg;
	struct digest_domain *x = find_domain(g->d, r->policy_domain);
	struct store_summary_row modes = {0};
	size_t i = (size_t)r->bin;

	if (x != NULL && r->bin >= 0 && i < g->d->ndays) {
		x->day_ok[i] = r->successful_sessions;
		x->day_failed[i] = r->failed_sessions;
		modes.policy_modes = r->policy_modes;
		modes.npolicy_modes = r->npolicy_modes;
		if ((x->day_modes[i] = join_modes(g->d->arena, &modes)) == NULL)
			return -1;
	}
	return 0;
}

static int
on_readiness(const struct readiness_row *r, void *arg)
{
	struct gather *g = arg;
	struct digest_domain *x = find_domain(g->d, r->domain->policy_domain);

	if (x != NULL) {
		x->verdict = readiness_verdict_name(r->verdict);
		x->next_step = arena_strndup(g->d->arena, r->next_step,
		                             strlen(r->next_step));
		if (x->next_step == NULL)
			return -1;
	}
	return 0;
}

double
digest_rate(int64_t ok, int64_t failed)
{
	/* In doubles: each sum may be held at INT64_MAX. */
	double all = (double)ok + (double)failed;

	return all > 0 ? (double)failed / all : 0;
}

/* Totals of the period, the one before, each day, and readiness over
 * the 30 days up to the period's end (the readiness command's default). */
static int
gather_domains(struct gather *g, struct errbuf *eb)
{
	struct digest *d = g->d;
	struct readiness_opts ro;
	size_t i;

	g->f.since = d->start;
	g->f.until = d->end;
	if (store_summary(g->st, &g->f, on_domain, g, eb) != 0)
		return -1;
	g->f.since = d->prev_start;
	g->f.until = d->start;
	if (store_summary(g->st, &g->f, on_prev_domain, g, eb) != 0)
		return -1;
	/* Each day's (each bar's) sessions, in one query. */
	g->f.since = d->start;
	g->f.until = d->end;
	if (store_summary_daily(g->st, &g->f, d->bin, on_day, g, eb) != 0)
		return -1;
	readiness_opts_default(&ro);
	g->f.since = d->end - 30 * DAY;
	g->f.until = d->end;
	if (d->period != PERIOD_RANGE &&
	    readiness_run(g->st, &g->f, &ro, on_readiness, g, eb) != 0)
		return -1;
	for (i = 0; i < d->ndomains; i++) {
		struct digest_domain *x = &d->domains[i];

		x->rose = x->prev_ok >= 0 &&
		          digest_rate(x->ok, x->failed) -
		                  digest_rate(x->prev_ok, x->prev_failed) >=
		              DIGEST_RISE_MIN;
		d->nrose += x->rose;
	}
	return 0;
}

/* The index of v in the sorted set s, or -1. */
static long
set_find(const struct strset *s, const char *v)
{
	const char **p;

	if (s->n == 0 ||
	    (p = bsearch(&v, s->v, s->n, sizeof(*s->v), cmp_str)) == NULL)
		return -1;
	return (long)(p - s->v);
}

/* Marks v old when the period's news named it (the set of its kind). */
static void
mark_old(struct strset *s, unsigned char *old, const char *v)
{
	long i;

	if (v != NULL && *v != '\0' && (i = set_find(s, v)) >= 0)
		old[i] = 1;
}

/* History: each value the period's news named that failed before the
 * period too (by the rollups where they have the keys) is not news. */
static int
on_hist(const struct store_failure_row *r, void *arg)
{
	struct gather *g = arg;

	mark_old(&g->types, g->old[NEW_TYPE], r->result_type);
	mark_old(&g->mtas, g->old[NEW_MTA], r->sending_mta_ip);
	mark_old(&g->mxs, g->old[NEW_MX], r->receiving_mx_hostname);
	mark_old(&g->ips, g->old[NEW_IP], r->receiving_ip);
	return 0;
}

static int
add_new(struct gather *g, enum digest_new_kind kind, const char *value,
        const char *where, int64_t failed)
{
	struct digest *d = g->d;
	struct digest_new *n;
	size_t i;

	/* Result types come grouped with their MX, so one can arrive more
	 * than once; each other kind is the query's only key. */
	for (i = 0; kind == NEW_TYPE && i < d->nnews; i++)
		if (d->news[i].kind == NEW_TYPE &&
		    strcmp(d->news[i].value, value) == 0) {
			d->news[i].failed =
			    store_add_held(d->news[i].failed, failed);
			return 0;
		}
	if (d->nnews == g->news_cap) {
		size_t cap = g->news_cap ? g->news_cap * 2 : 64;

		if ((n = reallocarray(d->news, cap, sizeof(*n))) == NULL)
			return -1;
		d->news = n;
		g->news_cap = cap;
	}
	n = &d->news[d->nnews++];
	n->kind = kind;
	n->value = arena_strndup(d->arena, value, strlen(value));
	n->where = where ? arena_strndup(d->arena, where, strlen(where)) : NULL;
	n->failed = failed;
	return n->value ? 0 : -1;
}

/* The period's failures, largest first: each value is news until the
 * history shows it (gather_news), each kind on its own. A result type is
 * told with the MX where it failed most. */
static int
on_cur(const struct store_failure_row *r, void *arg)
{
	struct gather *g = arg;
	const char *mx = r->receiving_mx_hostname, *mta = r->sending_mta_ip;
	const char *ip = r->receiving_ip;
	int64_t n = r->failed_sessions;

	if (r->result_type &&
	    add_new(g, NEW_TYPE, r->result_type, mx && *mx ? mx : NULL, n) != 0)
		return -1;
	if (mx && *mx && add_new(g, NEW_MX, mx, NULL, n) != 0)
		return -1;
	if (mta && *mta &&
	    add_new(g, NEW_MTA, mta,
	            r->organization && *r->organization ? r->organization
	                                                : NULL,
	            n) != 0)
		return -1;
	if (ip && *ip && add_new(g, NEW_IP, ip, NULL, n) != 0)
		return -1;
	return 0;
}

/* The set of kind k's news values. */
static struct strset *
kind_set(struct gather *g, enum digest_new_kind k)
{
	switch (k) {
	case NEW_TYPE:
		return &g->types;
	case NEW_MX:
		return &g->mxs;
	case NEW_MTA:
		return &g->mtas;
	default:
		return &g->ips;
	}
}

/* What is new in the period: the values of its failures (the news, as
 * on_cur makes them), less those the history shows. The history is
 * read group by group and only looked up in the period's values, so that
 * memory goes with the period, not with every sending MTA ever seen. */
static int
gather_news(struct gather *g, struct errbuf *eb)
{
	static const unsigned hist_keys[] = {
	    FAILURE_BY_MTA | FAILURE_BY_TYPE | FAILURE_BY_MODE,
	    FAILURE_BY_DOMAIN | FAILURE_BY_TYPE | FAILURE_BY_MX, FAILURE_BY_IP};
	/* A new sending MTA with the organization that reported it: the
	 * body lists them grouped by organization (issue 16 §10). */
	static const unsigned cur_keys[] = {FAILURE_BY_TYPE | FAILURE_BY_MX,
	                                    FAILURE_BY_MTA | FAILURE_BY_ORG,
	                                    FAILURE_BY_IP};
	struct digest *d = g->d;
	struct strset *set;
	size_t i, n;
	int k;

	/* Result types first: a new one is the news of the period. */
	g->f.since = d->start;
	g->f.until = d->end;
	for (i = 0; i < 3; i++)
		if (store_failures(g->st, &g->f, cur_keys[i], 0, on_cur, g,
		                   eb) != 0)
			return -1;
	for (i = 0; i < d->nnews; i++)
		if (set_add_kept(kind_set(g, d->news[i].kind),
		                 d->news[i].value) != 0)
			return errbuf_set(eb, "digest: out of memory");
	for (k = 0; k < NEW_KINDS; k++) {
		set_sort_unique(kind_set(g, k));
		if ((g->old[k] = calloc(kind_set(g, k)->n + 1, 1)) == NULL)
			return errbuf_set(eb, "digest: out of memory");
	}
	g->f.since = d->history;
	g->f.until = d->start;
	for (i = 0; i < 3; i++)
		if (store_failure_groups(g->st, &g->f, hist_keys[i], on_hist, g,
		                         eb) != 0)
			return -1;
	for (i = 0, n = 0; i < d->nnews; i++) {
		set = kind_set(g, d->news[i].kind);
		if (!g->old[d->news[i].kind][set_find(set, d->news[i].value)])
			d->news[n++] = d->news[i];
	}
	d->nnews = n;
	return 0;
}

static int
on_top(const struct store_failure_row *r, void *arg)
{
	struct gather *g = arg;
	struct digest *d = g->d;
	struct digest_top *t;

	if ((t = reallocarray(d->top, d->ntop + 1, sizeof(*t))) == NULL)
		return -1;
	d->top = t;
	t = &d->top[d->ntop++];
	t->mta = arena_strndup(d->arena, r->sending_mta_ip,
	                       strlen(r->sending_mta_ip));
	t->type =
	    arena_strndup(d->arena, r->result_type, strlen(r->result_type));
	t->mode =
	    arena_strndup(d->arena, r->policy_mode, strlen(r->policy_mode));
	t->failed = r->failed_sessions;
	t->reports = r->reports;
	return t->mta && t->type && t->mode ? 0 : -1;
}

static int
on_report_org(const struct store_report_row *r, void *arg)
{
	struct gather *g = arg;

	return set_add(&g->seen, g->d->arena, r->organization);
}

/* Organizations that sent reports in the period before and none in
 * this one. */
static int
gather_silent(struct gather *g, struct errbuf *eb)
{
	struct digest *d = g->d;
	struct strset prev;
	size_t i;

	g->f.since = d->prev_start;
	g->f.until = d->start;
	if (store_reports(g->st, &g->f, 0, on_report_org, g, eb) != 0)
		return -1;
	prev = g->seen;
	memset(&g->seen, 0, sizeof(g->seen));
	g->f.since = d->start;
	g->f.until = d->end;
	if (store_reports(g->st, &g->f, 0, on_report_org, g, eb) != 0) {
		free(prev.v);
		return -1;
	}
	set_sort(&prev);
	set_sort(&g->seen);
	for (i = 0; i < g->seen.n; i++)
		d->norgs += i == 0 || strcmp(g->seen.v[i], g->seen.v[i - 1]);
	for (i = 0; i < prev.n; i++)
		if ((i == 0 || strcmp(prev.v[i], prev.v[i - 1]) != 0) &&
		    !set_has(&g->seen, prev.v[i])) {
			const char **s =
			    reallocarray(d->silent, d->nsilent + 1, sizeof(*s));

			if (s == NULL) {
				free(prev.v);
				return -1;
			}
			d->silent = s;
			d->silent[d->nsilent++] = prev.v[i];
		}
	free(prev.v);
	return 0;
}

/* News by kind, then largest first; domains by failures, largest first,
 * then by name: the order they are read in, and cut at the lists' caps. */
static int
cmp_news(const void *a, const void *b)
{
	const struct digest_new *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	/* Sending MTAs grouped by the organization that reported them. */
	if (x->kind == NEW_MTA && (x->where || y->where) &&
	    (!x->where || !y->where || strcmp(x->where, y->where) != 0))
		return !x->where   ? 1
		       : !y->where ? -1
		                   : strcmp(x->where, y->where);
	if (x->failed != y->failed)
		return x->failed > y->failed ? -1 : 1;
	return strcmp(x->value, y->value);
}

static int
cmp_domains(const void *a, const void *b)
{
	const struct digest_domain *x = a, *y = b;

	if (x->failed != y->failed)
		return x->failed > y->failed ? -1 : 1;
	return strcmp(x->domain, y->domain);
}

static void
order_for_reading(struct digest *d)
{
	if (d->nnews > 1)
		qsort(d->news, d->nnews, sizeof(*d->news), cmp_news);
	if (d->ndomains > 1)
		qsort(d->domains, d->ndomains, sizeof(*d->domains),
		      cmp_domains);
}

/* The digest of [start, end) against [prev, start), news against the
 * failures since history. */
static int
gather(struct store *st, int64_t start, int64_t end, int64_t prev,
       int64_t history, enum digest_period p, const char *const *domains,
       size_t ndomains, const char *org, struct digest *d, struct errbuf *eb)
{
	struct gather g;
	int64_t days = (end - start + DAY - 1) / DAY;
	int ret = -1;
	size_t i;

	memset(d, 0, sizeof(*d));
	memset(&g, 0, sizeof(g));
	if (eb != NULL)
		eb->msg[0] = '\0';
	if ((d->arena = arena_new()) == NULL)
		return errbuf_set(eb, "out of memory");
	d->period = p;
	d->start = start;
	d->end = end;
	d->prev_start = prev;
	d->history = history;
	/* A bar a day, or a bar of several days over a long range. */
	d->bin = DAY * ((days + DIGEST_DAYS_MAX - 1) / DIGEST_DAYS_MAX);
	d->ndays = (size_t)((end - start + d->bin - 1) / d->bin);
	g.d = d;
	g.st = st;
	store_filter_init(&g.f);
	g.f.domains = domains;
	g.f.ndomains = ndomains;
	g.f.organization = org;
	if (gather_domains(&g, eb) == 0 && gather_news(&g, eb) == 0 &&
	    gather_silent(&g, eb) == 0) {
		g.f.since = d->start;
		g.f.until = d->end;
		ret = store_failures(st, &g.f,
		                     FAILURE_BY_MTA | FAILURE_BY_TYPE |
		                         FAILURE_BY_MODE,
		                     DIGEST_TOP, on_top, &g, eb);
	}
	if (ret == 0)
		order_for_reading(d);
	/* A callback's failure is running out of memory; it sets no eb. */
	if (ret != 0 && (eb == NULL || eb->msg[0] == '\0'))
		ret = errbuf_set(eb, "out of memory");
	free(g.types.v);
	free(g.mtas.v);
	free(g.mxs.v);
	free(g.ips.v);
	free(g.seen.v);
	for (i = 0; i < NEW_KINDS; i++)
		free(g.old[i]);
	return ret;
}

int
digest_gather(struct store *st, enum digest_period p, int64_t at,
              const char *const *domains, size_t ndomains, struct digest *d,
              struct errbuf *eb)
{
	int64_t start, end, prev;

	digest_period_bounds(p, at, &start, &end, &prev);
	return gather(st, start, end, prev, INT64_MIN, p, domains, ndomains,
	              NULL, d, eb);
}

int
digest_gather_range(struct store *st, int64_t start, int64_t end,
                    int64_t history, const struct store_filter *f,
                    struct digest *d, struct errbuf *eb)
{
	int64_t prev = start - (end - start);

	return gather(st, start, end, prev, history < prev ? history : prev,
	              PERIOD_RANGE, f->domains, f->ndomains, f->organization, d,
	              eb);
}

void
digest_free(struct digest *d)
{
	arena_free(d->arena);
	free(d->domains);
	free(d->news);
	free(d->top);
	free(d->silent);
	memset(d, 0, sizeof(*d));
}

const struct digest_new *
digest_first_news(const struct digest *d)
{
	size_t i;

	for (i = 0; i < d->nnews; i++)
		if (d->news[i].kind != NEW_MTA)
			return &d->news[i];
	return NULL;
}

int
digest_eventful(const struct digest *d)
{
	return d->ndomains == 0 || digest_first_news(d) != NULL ||
	       d->nrose > 0 || d->nsilent > 0;
}

const struct digest_domain *
digest_worst(const struct digest *d)
{
	size_t i;

	for (i = 0; i < d->ndomains; i++)
		if (d->domains[i].failed > 0 && d->domains[i].next_step)
			return &d->domains[i];
	return NULL;
}
