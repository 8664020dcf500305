/*
 * readiness.c - the enforce-readiness verdict (see readiness.h), in the
 * order DESIGN.md gives it:
 *   enforced           the newest STS policy in the range says enforce;
 *   insufficient-data  fewer days or reporting organizations than asked;
 *   not-ready          a failure rate above the limit, or a failure at an
 *                      MX that the policy's patterns do not cover;
 *   ready              otherwise.
 * Sessions are counted over the domain's STS policies only: they are the
 * ones that tell how mail fares under the policy.
 */
#include <stdio.h>
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
	/* the blockers' strings, copied out of the failure query's rows */
	char text[READINESS_BLOCKERS_MAX][2][256];
	char next[512];
	int query_failed;
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
			         "enforced, no failures: nothing to do");
		else
			snprintf(ru->next, sizeof(ru->next),
			         "enforced, %lld sessions stopped: %s",
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
		         "ready: set mode: enforce in the policy");
		break;
	}
	r->next_step = ru->next;
}

/* Collects the domain's failures by (result type, MX), largest first. */
static int
take_failure(const struct store_failure_row *f, void *arg)
{
	struct run *ru = arg;
	struct readiness_row *r = &ru->row;
	struct readiness_blocker *b;

	if (r->nblockers == READINESS_BLOCKERS_MAX)
		return 1;
	b = &ru->b[r->nblockers];
	snprintf(ru->text[r->nblockers][0], sizeof(ru->text[0][0]), "%s",
	         f->result_type);
	snprintf(ru->text[r->nblockers][1], sizeof(ru->text[0][1]), "%s",
	         f->receiving_mx_hostname);
	b->result_type = ru->text[r->nblockers][0];
	b->receiving_mx_hostname = ru->text[r->nblockers][1];
	b->failed_sessions = f->failed_sessions;
	b->mx_in_policy =
	    mx_in_patterns(r->domain->mx_patterns, b->receiving_mx_hostname);
	r->nblockers++;
	return 0;
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
	struct store_filter f = *ru->f;
	const char *one[1] = {d->policy_domain};
	int64_t total = d->successful_sessions + d->failed_sessions;
	int too_high;

	memset(r, 0, sizeof(*r));
	r->domain = d;
	r->blockers = ru->b;
	r->failure_rate = total > 0 ? (double)d->failed_sessions / total : 0;
	too_high = r->failure_rate > ru->o->max_failure_rate;
	f.domains = one;
	f.ndomains = 1;
	f.policy_type = "sts";
	if (d->failed_sessions > 0 &&
	    store_failures(ru->st, &f, FAILURE_BY_TYPE | FAILURE_BY_MX, 0,
	                   take_failure, ru, ru->eb) < 0) {
		ru->query_failed = 1;
		return -1;
	}
	if (strcasecmp(d->newest_mode, "enforce") == 0)
		r->verdict = VERDICT_ENFORCED;
	else if ((uint64_t)d->days < ru->o->min_days ||
	         (uint64_t)d->organizations < ru->o->min_organizations)
		r->verdict = VERDICT_INSUFFICIENT_DATA;
	else {
		keep_blockers(ru, too_high);
		r->verdict = too_high || r->nblockers > 0 ? VERDICT_NOT_READY
		                                          : VERDICT_READY;
	}
	if (r->verdict == VERDICT_INSUFFICIENT_DATA)
		r->nblockers = 0;
	next_step(ru);
	return ru->cb(r, ru->arg);
}

int
readiness_run(struct store *st, const struct store_filter *f,
              const struct readiness_opts *o, readiness_cb cb, void *arg,
              struct errbuf *eb)
{
	struct run ru = {0};
	int r;

	ru.st = st;
	ru.f = f;
	ru.o = o;
	ru.cb = cb;
	ru.arg = arg;
	ru.eb = eb;
	r = store_sts_domains(st, f, judge, &ru, eb);
	return ru.query_failed ? -1 : r;
}
