/*
 * readiness.c - the enforce-readiness verdict (see readiness.h), in the
 * order DESIGN.md gives it:
 *   enforced           the newest STS policy in the range says enforce;
 *   not-ready          a failure rate above the limit, or a failure at an
 *                      MX that the policy's patterns do not cover, however
 *                      few days or organizations reported it;
 *   insufficient-data  no blocker, but fewer days or reporting
 *                      organizations than asked;
 *   ready              otherwise.
 * Failures are evidence on their own: an expired certificate seen by one
 * organization on one day will not mend by waiting, so the thresholds
 * only hold back a domain that would otherwise be ready.
 * Sessions are counted over the domain's STS policies only: they are the
 * ones that tell how mail fares under the policy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "readiness.h"

struct run {
	struct store *st;
	const struct store_filter *f;
	const struct readiness_opts *o;
	readiness_cb cb;
	void *arg;
	struct errbuf *eb;
	struct readiness_row row;
	struct readiness_blocker b[READINESS_BLOCKERS_MAX];
	char next[512];
	/* Every STS failure of the range by (domain, result type, MX), read
	 * in one query and sorted by domain, largest first. */
	struct fail {
		char *domain, *result_type, *mx;
		int64_t failed;
	} * fails;
	size_t nfails, capfails;
};

void
readiness_opts_default(struct readiness_opts *o)
{
	o->min_days = 7;
	o->min_organizations = 2;
	o->max_failure_rate = 0.001;
}

const char *
readiness_verdict_name(enum readiness_verdict v)
{
	switch (v) {
	case VERDICT_READY:
		return "ready";
	case VERDICT_NOT_READY:
		return "not-ready";
	case VERDICT_INSUFFICIENT_DATA:
		return "insufficient-data";
	case VERDICT_ENFORCED:
		break;
	}
	return "enforced";
}

/* Length of a name without its trailing dot. */
static size_t
name_len(const char *s, size_t n)
{
	return n > 0 && s[n - 1] == '.' ? n - 1 : n;
}

static int
mx_match_n(const char *pat, size_t pn, const char *host)
{
	size_t hn = name_len(host, strlen(host));
	const char *dot;

	pn = name_len(pat, pn);
	if (pn >= 2 && pat[0] == '*' && pat[1] == '.') {
		/* RFC 8461 §4.1: the wildcard stands for one label only. */
		dot = memchr(host, '.', hn);
		if (dot == NULL || dot == host)
			return 0;
		hn -= (size_t)(dot + 1 - host);
		host = dot + 1;
		pat += 2;
		pn -= 2;
	}
	return pn == hn && strncasecmp(pat, host, pn) == 0;
}

int
readiness_mx_match(const char *pattern, const char *host)
{
	return mx_match_n(pattern, strlen(pattern), host);
}

/* Whether host matches one of the newline-separated patterns; a domain
 * with no known patterns does not judge its MX hosts. */
static int
mx_in_patterns(const char *patterns, const char *host)
{
	const char *p = patterns;
	size_t n;

	if (*patterns == '\0' || *host == '\0')
		return 1;
	while (*p != '\0') {
		n = strcspn(p, "\n");
		if (n > 0 && mx_match_n(p, n, host))
			return 1;
		p += n + (p[n] == '\n');
	}
	return 0;
}

/* What to do about one blocker, as an imperative line. */
static void
action(const struct readiness_blocker *b, const char *domain, char *out,
       size_t size)
{
	/* before, then the MX (or the domain, for the policy's own
	 * faults), then after */
	static const struct {
		const char *type, *before, *after;
		int of_domain;
	} acts[] = {
	    {"certificate-expired", "renew the certificate on ", "", 0},
	    {"certificate-host-mismatch",
	     "fix the names in the certificate on ", "", 0},
	    {"certificate-not-trusted",
	     "use a publicly trusted certificate on ", "", 0},
	    {"starttls-not-supported", "enable STARTTLS on ", "", 0},
	    {"validation-failure", "check the TLS set-up of ", "", 0},
	    {"tlsa-invalid", "fix the TLSA records of ", "", 0},
	    {"dnssec-invalid", "fix DNSSEC for ", "", 0},
	    {"dane-required", "publish TLSA records for ", "", 0},
	    {"sts-policy-fetch-error", "make https://mta-sts.",
	     "/.well-known/mta-sts.txt reachable", 1},
	    {"sts-policy-invalid", "fix the syntax of the MTA-STS policy of ",
	     "", 1},
	    {"sts-webpki-invalid", "fix the certificate of mta-sts.", "", 1},
	};
	const char *mx = *b->receiving_mx_hostname ? b->receiving_mx_hostname
	                                           : "the MX hosts";
	size_t i;

	if (!b->mx_in_policy) {
		snprintf(out, size, "add %s to the policy's mx: lines", mx);
		return;
	}
	for (i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
		if (strcmp(b->result_type, acts[i].type) == 0) {
			snprintf(out, size, "%s%s%s", acts[i].before,
			         acts[i].of_domain ? domain : mx,
			         acts[i].after);
			return;
		}
	snprintf(out, size, "look into %s at %s", b->result_type, mx);
}

/* The first blocker to act on: an MX outside the patterns, else the
 * largest. */
static const struct readiness_blocker *
first_blocker(const struct readiness_row *r)
{
	size_t i;

	for (i = 0; i < r->nblockers; i++)
		if (!r->blockers[i].mx_in_policy)
			return &r->blockers[i];
	return r->nblockers ? &r->blockers[0] : NULL;
}

/* The next step never repeats the verdict: every reader prints the two
 * side by side (the table's columns, the digest's "verdict, next step"). */
static void
next_step(struct run *ru)
{
	struct readiness_row *r = &ru->row;
	const struct store_sts_row *d = r->domain;
	const struct readiness_blocker *b = first_blocker(r);
	char act[300] = "";

	if (b != NULL)
		action(b, d->policy_domain, act, sizeof(act));
	switch (r->verdict) {
	case VERDICT_ENFORCED:
		if (d->failed_sessions == 0)
			snprintf(ru->next, sizeof(ru->next),
			         "no failures: nothing to do");
		else
			snprintf(ru->next, sizeof(ru->next),
			         "%lld sessions stopped: %s",
			         (long long)d->failed_sessions, act);
		break;
	case VERDICT_INSUFFICIENT_DATA:
		if ((uint64_t)d->days < ru->o->min_days)
			snprintf(ru->next, sizeof(ru->next),
			         "wait: %lld of %u days", (long long)d->days,
			         ru->o->min_days);
		else
			snprintf(ru->next, sizeof(ru->next),
			         "wait: %lld of %u reporting organizations",
			         (long long)d->organizations,
			         ru->o->min_organizations);
		break;
	case VERDICT_NOT_READY:
		if (b != NULL)
			snprintf(ru->next, sizeof(ru->next), "%s", act);
		else
			snprintf(ru->next, sizeof(ru->next),
			         "%.2f%% of sessions failed (limit %.2f%%), "
			         "and the reports name no cause",
			         r->failure_rate * 100,
			         ru->o->max_failure_rate * 100);
		break;
	case VERDICT_READY:
		snprintf(ru->next, sizeof(ru->next),
		         "set mode: enforce in the policy");
		break;
	}
	r->next_step = ru->next;
}

/* Keeps one failure group of the range. */
static int
take_failure(const struct store_failure_row *f, void *arg)
{
	struct run *ru = arg;
	struct fail *x;

	if (ru->nfails == ru->capfails) {
		size_t cap = ru->capfails ? 2 * ru->capfails : 256;

		if ((x = reallocarray(ru->fails, cap, sizeof(*x))) == NULL)
			return -1;
		ru->fails = x;
		ru->capfails = cap;
	}
	x = &ru->fails[ru->nfails];
	x->domain = strdup(f->policy_domain);
	x->result_type = strdup(f->result_type);
	x->mx = strdup(f->receiving_mx_hostname);
	x->failed = f->failed_sessions;
	ru->nfails++;
	return x->domain && x->result_type && x->mx ? 0 : -1;
}

static int
cmp_fail(const void *a, const void *b)
{
	const struct fail *x = a, *y = b;
	int c = strcmp(x->domain, y->domain);

	if (c != 0)
		return c;
	if (x->failed != y->failed)
		return x->failed > y->failed ? -1 : 1;
	if ((c = strcmp(x->result_type, y->result_type)) != 0)
		return c;
	return strcmp(x->mx, y->mx);
}

/* Fills the row's blockers with the domain's failures, largest first. */
static void
domain_failures(struct run *ru)
{
	struct readiness_row *r = &ru->row;
	size_t lo = 0, hi = ru->nfails;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ru->fails[mid].domain, r->domain->policy_domain) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ru->nfails && r->nblockers < READINESS_BLOCKERS_MAX &&
	       strcmp(ru->fails[lo].domain, r->domain->policy_domain) == 0;
	     lo++) {
		struct readiness_blocker *b = &ru->b[r->nblockers++];

		b->result_type = ru->fails[lo].result_type;
		b->receiving_mx_hostname = ru->fails[lo].mx;
		b->failed_sessions = ru->fails[lo].failed;
		b->mx_in_policy = mx_in_patterns(r->domain->mx_patterns,
		                                 b->receiving_mx_hostname);
	}
}

/* Keeps the blockers that hold the domain back: all of them when the rate
 * is too high, else those at an MX outside the patterns. */
static void
keep_blockers(struct run *ru, int rate_too_high)
{
	size_t i, n = 0;

	for (i = 0; i < ru->row.nblockers; i++)
		if (rate_too_high || !ru->b[i].mx_in_policy)
			ru->b[n++] = ru->b[i];
	ru->row.nblockers = n;
}

static int
judge(const struct store_sts_row *d, void *arg)
{
	struct run *ru = arg;
	struct readiness_row *r = &ru->row;
	/* In doubles: each sum may be held at INT64_MAX. */
	double total =
	    (double)d->successful_sessions + (double)d->failed_sessions;
	int too_high;

	memset(r, 0, sizeof(*r));
	r->domain = d;
	r->blockers = ru->b;
	r->failure_rate = total > 0 ? (double)d->failed_sessions / total : 0;
	too_high = r->failure_rate > ru->o->max_failure_rate;
	domain_failures(ru);
	if (strcasecmp(d->newest_mode, "enforce") == 0) {
		r->verdict = VERDICT_ENFORCED;
	} else {
		/* Blockers before the thresholds (see the top of the file);
		 * without one, keep_blockers leaves none to list. */
		keep_blockers(ru, too_high);
		if (too_high || r->nblockers > 0)
			r->verdict = VERDICT_NOT_READY;
		else if ((uint64_t)d->days < ru->o->min_days ||
		         (uint64_t)d->organizations < ru->o->min_organizations)
			r->verdict = VERDICT_INSUFFICIENT_DATA;
		else
			r->verdict = VERDICT_READY;
	}
	next_step(ru);
	return ru->cb(r, ru->arg);
}

int
readiness_run(struct store *st, const struct store_filter *f,
              const struct readiness_opts *o, readiness_cb cb, void *arg,
              struct errbuf *eb)
{
	struct run ru = {0};
	struct store_filter sts;
	int r;

	ru.st = st;
	ru.f = f;
	ru.o = o;
	ru.cb = cb;
	ru.arg = arg;
	ru.eb = eb;
	sts = *f;
	sts.policy_type = "sts";
	r = store_failures(st, &sts,
	                   FAILURE_BY_DOMAIN | FAILURE_BY_TYPE | FAILURE_BY_MX,
	                   0, take_failure, &ru, eb);
	if (r == 0) {
		if (ru.nfails > 1)
			qsort(ru.fails, ru.nfails, sizeof(*ru.fails), cmp_fail);
		r = store_sts_domains(st, f, judge, &ru, eb);
	} else if (eb != NULL && !eb->msg[0]) {
		r = errbuf_set(eb, "out of memory");
	}
	while (ru.nfails > 0) {
		struct fail *x = &ru.fails[--ru.nfails];

		free(x->domain);
		free(x->result_type);
		free(x->mx);
	}
	free(ru.fails);
	return r;
}
