/*
 * gen_model.c - builds one report's model: the policies a sender shows for
 * a domain on a day, the domain's problem on the days it applies, sporadic
 * failures, and the padding toward --size-target.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_model.h"
#include "gen_time.h"

int64_t
gen_model_failed(const struct gen_model *m, const struct gen_policy *p)
{
	const struct gen_policy *src = &m->pol[p->details_from];
	int64_t n = 0;

	for (size_t i = 0; i < src->ndet; i++)
		n += src->det[i].count;
	return n;
}

static struct gen_detail *
detail_add(struct gen_policy *p)
{
	if (p->ndet == p->capdet) {
		size_t cap = p->capdet ? p->capdet * 2 : 8;
		struct gen_detail *d = reallocarray(p->det, cap, sizeof(*d));

		if (d == NULL)
			gen_die("out of memory");
		p->det = d;
		p->capdet = cap;
	}
	memset(&p->det[p->ndet], 0, sizeof(p->det[0]));
	return &p->det[p->ndet++];
}

static struct gen_policy *
policy_add(struct gen_model *m, int type, const char *domain)
{
	struct gen_policy *p = &m->pol[m->npol];

	p->type = type;
	p->mode = m->dp.mode;
	p->with_string = type != PT_NOPOL;
	p->with_mxhost = 0;
	p->empty_arrays = 0;
	p->details_from = m->npol;
	snprintf(p->domain, sizeof(p->domain), "%s", domain);
	p->nmx = m->dp.nmx;
	p->mx_wild = m->dp.mx_wild;
	p->ntlsa = m->dp.ntlsa;
	p->successful = 0;
	p->ndet = 0;
	m->npol++;
	return p;
}

static unsigned
pick_mta(struct gen_rand *r, int org)
{
	const struct gen_org *o = &gen_orgs[org];
	unsigned n = o->v4hi - o->v4lo + 1;

	if (gen_rand_chance(r, 0.2))
		return MTA_V6 | (unsigned)gen_rand_below(r, 4096);
	return (unsigned)gen_rand_below(r, n);
}

/* Which optional fields a sender fills in a failure detail. */
static unsigned
detail_fields(struct gen_rand *r, int org, int has_mx)
{
	unsigned f = has_mx ? F_MX : 0;

	switch (org) {
	case ORG_GOOGLE:
		f |= F_MTA;
		if (has_mx && gen_rand_chance(r, 0.3))
			f |= F_RIP;
		break;
	case ORG_MICROSOFT:
		if (gen_rand_chance(r, 0.2))
			return 0; /* only result-type and the count */
		f |= F_MTA;
		break;
	case ORG_MAILRU:
		f |= F_REASON;
		break;
	case ORG_GENERIC:
		f |= F_MTA | F_REASON;
		if (has_mx)
			f |= F_RIP | (gen_rand_chance(r, 0.5) ? F_HELO : 0);
		if (gen_rand_chance(r, 0.3))
			f |= F_INFO;
		break;
	default:
		f |= F_MTA | F_REASON | (has_mx ? F_RIP : 0);
		break;
	}
	return f;
}

/* Spreads n failed sessions of one kind over up to `parts` MTAs. */
static void
split_failures(struct gen_model *m, struct gen_policy *p, int rt, unsigned mx,
               int64_t n, unsigned parts, const unsigned *mtas)
{
	const struct gen_org *o = &gen_orgs[m->pl.org];
	struct gen_rand *r = &m->rng;
	unsigned base = pick_mta(r, m->pl.org);

	if (p->ndet >= MAX_BASE_DET)
		parts = 1;
	else if (parts > MAX_BASE_DET - p->ndet)
		parts = (unsigned)(MAX_BASE_DET - p->ndet);
	if ((int64_t)parts > n)
		parts = (unsigned)n;
	for (unsigned k = 0; k < parts && n > 0; k++) {
		struct gen_detail *d;
		int64_t c = n;

		if (k + 1 < parts)
			c = 1 + (int64_t)gen_rand_below(
			            r, (uint64_t)(n - (parts - k - 1)));
		if (p->ndet >= MAX_BASE_DET) {
			p->det[p->ndet - 1].count += n;
			return;
		}
		d = detail_add(p);
		d->rt = (unsigned char)rt;
		d->mx = (unsigned char)mx;
		d->mta = mtas ? mtas[k]
		              : ((base & MTA_V6) | ((base + 7 * k) & 0xfff));
		if (!(d->mta & MTA_V6))
			d->mta %= o->v4hi - o->v4lo + 1;
		d->fields = (unsigned char)detail_fields(r, m->pl.org, mx != 0);
		d->count = c;
		n -= c;
	}
}

static int64_t
share_of(struct gen_rand *r, int64_t total, double share)
{
	double x = (double)total * share * (0.8 + 0.4 * gen_rand_unit(r));
	int64_t n = (int64_t)(x + 0.5);

	return n < 1 ? 1 : n;
}

/* starttls-not-supported from the domain's few sending MTAs. */
static void
add_starttls(struct gen_model *m, struct gen_policy *p, int64_t total,
             unsigned last)
{
	const struct gen_org *o = &gen_orgs[m->pl.org];
	const struct gen_domain *dp = &m->dp;
	struct gen_rand *r = &m->rng;

	for (unsigned k = 0; k < dp->nprob_mta; k++) {
		unsigned mta = dp->prob_mta[k] % (o->v4hi - o->v4lo + 1);
		/* The count is drawn before the MX: the order GCC gave these
		 * when they were arguments of one call, kept so that the
		 * output does not depend on the compiler. */
		int64_t n = share_of(r, total, dp->prob_share);
		unsigned mx = 1 + (unsigned)gen_rand_below(r, last);

		split_failures(m, p, RT_STARTTLS, mx, n, 1, &mta);
	}
}

/* The domain's problem, seen by this sender on this day, in policy p. */
static void
add_problem(struct gen_model *m, struct gen_policy *p, int64_t total)
{
	const struct gen_domain *dp = &m->dp;
	struct gen_rand *r = &m->rng;
	unsigned last = dp->mx_wild ? 1 : dp->nmx;
	unsigned parts = 1 + (unsigned)gen_rand_below(r, 3);
	int rt = -1, mx = 1;

	if (m->pl.day < dp->prob_from || m->pl.day >= dp->prob_until)
		return;
	switch (dp->problem) {
	case PROB_EXPIRED:
		rt = RT_EXPIRED;
		mx = (int)last;
		break;
	case PROB_UNTRUSTED:
		rt = RT_UNTRUSTED;
		mx = (int)last;
		break;
	case PROB_MISMATCH:
		rt = RT_MISMATCH;
		break;
	case PROB_STARTTLS:
		add_starttls(m, p, total, last);
		break;
	case PROB_FETCH:
	case PROB_WEBPKI:
		if (p->type == PT_STS)
			rt = dp->problem == PROB_FETCH ? RT_FETCH : RT_WEBPKI;
		mx = 0;
		break;
	case PROB_DANE:
		if (p->type == PT_TLSA)
			rt = dp->prob_rt;
		break;
	}
	if (rt >= 0)
		split_failures(m, p, rt, (unsigned)mx,
		               share_of(r, total, dp->prob_share), parts, NULL);
}

/* Sporadic failures that any domain sees now and then. */
static void
add_noise(struct gen_model *m, struct gen_policy *p)
{
	static const int sts_rt[] = {RT_STARTTLS, RT_VALIDATION, RT_UNTRUSTED,
	                             RT_WEBPKI, RT_MISMATCH};
	static const int tlsa_rt[] = {RT_STARTTLS, RT_VALIDATION,
	                              RT_DANE_REQUIRED, RT_DNSSEC_INVALID};
	struct gen_rand *r = &m->rng;
	int64_t n;
	unsigned mx;
	int rt;

	if (p->type == PT_NOPOL || !gen_rand_chance(r, 0.06) || m->demo)
		return;
	if (p->type == PT_TLSA)
		rt = tlsa_rt[gen_rand_below(r, 4)];
	else
		rt = sts_rt[gen_rand_below(r, 5)];
	/* The count before the MX, as in add_starttls. */
	n = 1 + (int64_t)gen_rand_below(r, 3);
	mx = 1 + (unsigned)gen_rand_below(r, m->dp.nmx);
	split_failures(m, p, rt, mx, n, 1, NULL);
}

static void
fill_sessions(struct gen_model *m, struct gen_policy *p, int64_t total)
{
	int64_t failed;

	if (p->type != PT_NOPOL)
		add_problem(m, p, total);
	add_noise(m, p);
	failed = gen_model_failed(m, p);
	p->successful = total > failed ? total - failed : 0;
}

static void
add_subdomain_policy(struct gen_model *m, int64_t total)
{
	static const char *const subs[] = {"lists", "news", "alerts", "mail"};
	const char *sub = subs[gen_rand_below(&m->rng, 4)];
	char name[DOMAIN_MAX];
	struct gen_policy *p;

	if (m->npol >= MAX_POLICIES)
		return;
	if (snprintf(name, sizeof(name), "%s.%s", sub, m->dp.name) >=
	    (int)sizeof(name))
		return;
	for (int i = 0; i < m->npol; i++)
		if (strcmp(m->pol[i].domain, name) == 0)
			return;
	p = policy_add(m, PT_NOPOL, name);
	p->successful = total / 10 + 1 + (int64_t)gen_rand_below(&m->rng, 5);
	p->empty_arrays = m->pl.org == ORG_STALWART;
	p->with_mxhost = 0;
}

/* uuid-like; the last two groups are the 64 bits of a bijection of the
 * report number (k), so ids never repeat. */
static void
uuid_report_id(struct gen_model *m, uint64_t k)
{
	uint64_t a = gen_rand_next(&m->rng);

	snprintf(m->report_id, sizeof(m->report_id),
	         "%08llx-%04llx-%04llx-%04llx-%012llx%s",
	         (unsigned long long)(a >> 32),
	         (unsigned long long)(a >> 16 & 0xffff),
	         (unsigned long long)(a & 0xffff),
	         (unsigned long long)(k >> 48),
	         (unsigned long long)(k & 0xffffffffffffULL),
	         m->pl.org == ORG_MAILRU ? "@mail.ru" : "");
}

static void
make_report_id(struct gen_model *m)
{
	const struct gen_domain *dp = &m->dp;
	uint64_t k = gen_rand_mix64(m->pl.idx ^ 0x5ca1ab1e);
	struct gen_civil c;
	uint64_t ft;

	switch (m->pl.org) {
	case ORG_GOOGLE:
		gen_time_civil(m->start, &c);
		snprintf(m->report_id, sizeof(m->report_id),
		         "%04d-%02u-%02uT00:00:00Z_%s", c.y, c.mon, c.day,
		         dp->name);
		break;
	case ORG_MICROSOFT:
		/* A Windows FILETIME a little after the day; the report
		 * number keeps it unique (10007 ticks apart). */
		ft = ((uint64_t)(m->start + 86400) + 11644473600ULL) *
		         10000000ULL +
		     m->pl.idx * 10007 + gen_rand_below(&m->rng, 10000);
		snprintf(m->report_id, sizeof(m->report_id), "%llu+%s",
		         (unsigned long long)ft, dp->name);
		break;
	case ORG_STALWART:
		snprintf(m->report_id, sizeof(m->report_id), "%lld_%016llx",
		         (long long)(m->end + 600), (unsigned long long)k);
		break;
	default:
		uuid_report_id(m, k);
		break;
	}
}

static void
build_google(struct gen_model *m, int64_t total)
{
	struct gen_policy *p;

	if (m->dp.has_sts) {
		p = policy_add(m, PT_STS, m->dp.name);
		p->with_mxhost = 1;
	} else {
		p = policy_add(m, PT_NOPOL, m->dp.name);
	}
	fill_sessions(m, p, total);
}

/* Microsoft: sts and, for DANE domains, a tlsa policy for the same
 * sessions (one detail list, shown under both). */
static void
build_microsoft(struct gen_model *m, int64_t total)
{
	struct gen_policy *p, *q;
	int tlsa_first = gen_rand_chance(&m->rng, 0.3);

	if (!m->dp.has_sts && !m->dp.dane) {
		fill_sessions(m, policy_add(m, PT_NOPOL, m->dp.name), total);
		return;
	}
	if (!m->dp.dane || !m->dp.has_sts) {
		p = policy_add(m, m->dp.dane ? PT_TLSA : PT_STS, m->dp.name);
		fill_sessions(m, p, total);
		return;
	}
	p = policy_add(m, tlsa_first ? PT_TLSA : PT_STS, m->dp.name);
	q = policy_add(m, tlsa_first ? PT_STS : PT_TLSA, m->dp.name);
	/* With DANE the sender validates by TLSA: the DANE problem shows. */
	p->type = PT_TLSA;
	fill_sessions(m, p, total);
	p->type = tlsa_first ? PT_TLSA : PT_STS;
	q->details_from = 0;
	q->successful = p->successful;
}

static void
build_other(struct gen_model *m, int64_t total)
{
	struct gen_policy *p;

	if (!m->dp.has_sts) {
		fill_sessions(m, policy_add(m, PT_NOPOL, m->dp.name), total);
		return;
	}
	p = policy_add(m, PT_STS, m->dp.name);
	p->with_mxhost =
	    m->pl.org != ORG_MAILRU || gen_rand_chance(&m->rng, 0.8);
	fill_sessions(m, p, total);
	/* Mail.ru leaves out the policy when it could not fetch one. */
	if (m->pl.org == ORG_MAILRU &&
	    (m->dp.problem == PROB_FETCH || gen_rand_chance(&m->rng, 0.2))) {
		p->with_string = 0;
		p->with_mxhost = 0;
	}
	if (m->dp.dane && m->pl.org == ORG_GENERIC) {
		p = policy_add(m, PT_TLSA, m->dp.name);
		fill_sessions(m, p, total);
	}
}

void
gen_model_build(struct gen_model *m, const struct gen *g,
                const struct gen_plan *pl)
{
	const struct gen_org *o = &gen_orgs[pl->org];
	double jitter;
	int64_t total;

	m->pl = *pl;
	m->rng = gen_rand_derive(g->seed, RAND_REPORT, pl->idx);
	gen_domain_profile(g, (size_t)pl->dom, &m->dp);
	m->start = g->start + (int64_t)pl->day * 86400;
	m->end = m->start + (o->next_midnight ? 86400 : 86399);
	m->npol = 0;
	m->demo = g->demo;
	m->distinct_mtas = g->distinct_mtas;
	jitter = 0.6 + 0.8 * gen_rand_unit(&m->rng);
	total = (int64_t)(m->dp.volume * o->volume * jitter + 0.5);
	if (total < 1)
		total = 1;
	switch (pl->org) {
	case ORG_GOOGLE:
		build_google(m, total);
		break;
	case ORG_MICROSOFT:
		build_microsoft(m, total);
		break;
	default:
		build_other(m, total);
		break;
	}
	if (gen_rand_chance(&m->rng, m->dp.sub_share) && !g->demo)
		add_subdomain_policy(m, total);
	if (pl->org != ORG_MICROSOFT && gen_rand_chance(&m->rng, 0.04) &&
	    !g->demo)
		add_subdomain_policy(m, total);
	make_report_id(m);
}

/* ---- padding toward --size-target ---- */

/* Bytes of indentation a pretty-printing sender spends on `lines` lines at
 * nesting depth `depth`. */
static size_t
indent_cost(const struct gen_model *m, unsigned lines, unsigned depth)
{
	unsigned indent = (unsigned)gen_orgs[m->pl.org].indent;

	return indent ? lines * (depth * indent + 1) : 0;
}

/* Adds one more failing MTA to a policy's details; returns an estimate of
 * the bytes added. */
static size_t
pad_detail(struct gen_model *m, struct gen_policy *p)
{
	struct gen_policy *src = &m->pol[p->details_from];
	struct gen_detail *d, copy;
	size_t n, shown = 1;

	copy = src->det[gen_rand_below(&m->rng, src->ndet)];
	d = detail_add(src);
	*d = copy;
	d->mta = pick_mta(&m->rng, m->pl.org);
	d->count = 1 + (int64_t)gen_rand_below(&m->rng, 3);
	n = 50 + strlen(gen_rt_name[d->rt]) + (d->fields & F_MTA ? 30 : 0) +
	    (d->fields & F_MX ? 28 + strlen(p->domain) : 0) +
	    (d->fields & F_RIP ? 32 : 0) +
	    (d->fields & F_HELO ? 26 + strlen(p->domain) : 0) +
	    (d->fields & F_REASON ? 75 : 0) + (d->fields & F_INFO ? 90 : 0) +
	    indent_cost(m, 4 + (unsigned)__builtin_popcount(d->fields), 5);
	for (int i = 0; i < m->npol; i++)
		if (&m->pol[i] != src &&
		    m->pol[i].details_from == p->details_from)
			shown++;
	return n * shown;
}

static size_t
pad_one(struct gen_model *m)
{
	struct gen_policy *p =
	    &m->pol[gen_rand_below(&m->rng, (uint64_t)m->npol)];
	size_t dlen = strlen(p->domain);
	int fails = m->pol[p->details_from].ndet > 0;

	if (fails && gen_rand_chance(&m->rng, 0.6))
		return pad_detail(m, p);
	if (p->type == PT_TLSA && p->with_string && p->ntlsa < PAD_MAX_TLSA) {
		p->ntlsa++;
		return 76 + indent_cost(m, 1, 4);
	}
	if (p->type == PT_STS && p->with_string && p->nmx < PAD_MAX_MX) {
		p->nmx++;
		return 14 + dlen + indent_cost(m, 1, 4) +
		       (p->with_mxhost ? 8 + dlen + indent_cost(m, 1, 4) : 0);
	}
	if (fails)
		return pad_detail(m, p);
	return 0;
}

size_t
gen_model_pad(struct gen_model *m, size_t want)
{
	size_t added = 0;
	unsigned idle = 0;

	while (added < want && idle < 16) {
		size_t n = pad_one(m);

		idle = n ? 0 : idle + 1;
		added += n;
	}
	return added;
}

void
gen_model_free(struct gen_model *m)
{
	for (int i = 0; i < MAX_POLICIES; i++)
		free(m->pol[i].det);
	gen_buf_free(&m->scratch);
}
