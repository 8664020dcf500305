/*
 * gen_domain.c - the profile of each policy domain: four fixed ones with
 * the README demo's stories, and example-N.test drawn from the seed.
 */
#include <stdio.h>
#include <string.h>

#include "gen_domain.h"
#include "gen_rand.h"

/* The fixed domains: the same stories as the README demo. */
static void
domain_fixed(size_t idx, struct gen_domain *dp)
{
	static const char *const names[NFIXED_DOMAINS] = {
	    "example.com", "example.net", "example.org", "dane.example"};

	snprintf(dp->name, sizeof(dp->name), "%s", names[idx]);
	dp->has_sts = 1;
	dp->nmx = 2;
	dp->max_age = 604800;
	dp->tlsa_usage = 3;
	dp->ntlsa = 2;
	dp->prob_until = UINT32_MAX;
	switch (idx) {
	case 0: /* clean, enforce */
		dp->volume = 1200;
		break;
	case 1: /* testing; mx2's certificate expires on the 6th day */
		dp->mode = MODE_TESTING;
		dp->volume = 350;
		dp->max_age = 86400;
		dp->problem = PROB_EXPIRED;
		dp->prob_from = 5;
		dp->prob_share = 0.4;
		break;
	case 2: /* enforce; a few MTAs never see STARTTLS (a middlebox) */
		dp->volume = 800;
		dp->mx_wild = 1;
		dp->nmx = 1;
		dp->problem = PROB_STARTTLS;
		dp->prob_mta[0] = 17;
		dp->prob_mta[1] = 18;
		dp->prob_mta[2] = 131;
		dp->nprob_mta = 3;
		dp->prob_share = 0.03;
		break;
	default: /* DANE and MTA-STS, clean */
		dp->volume = 90;
		dp->dane = 1;
		dp->max_age = 2592000;
		dp->maxage_first = 1;
		break;
	}
}

static int
pick_problem(struct gen_rand *r, int dane)
{
	double u = gen_rand_unit(r);

	if (u < 0.50)
		return PROB_NONE;
	if (u < 0.62)
		return PROB_EXPIRED;
	if (u < 0.73)
		return PROB_STARTTLS;
	if (u < 0.81)
		return PROB_MISMATCH;
	if (u < 0.87)
		return PROB_UNTRUSTED;
	if (dane)
		return u < 0.94 ? PROB_DANE : PROB_NONE;
	return u < 0.94 ? PROB_FETCH : PROB_WEBPKI;
}

/* The days of the problem, its share of the sessions and the sending MTAs
 * it hits: drawn for every domain, used by some problems. */
static void
problem_window(const struct gen *g, struct gen_rand *r, struct gen_domain *dp)
{
	dp->prob_until = UINT32_MAX;
	if (gen_rand_chance(r, 0.5) && g->days > 1)
		dp->prob_from = (unsigned)gen_rand_below(r, g->days);
	if (gen_rand_chance(r, 0.3) && g->days > 1)
		dp->prob_until =
		    dp->prob_from + 1 +
		    (unsigned)gen_rand_below(r, g->days - dp->prob_from);
	dp->prob_share = 0.02 + 0.5 * gen_rand_unit(r);
	dp->prob_rt =
	    gen_rand_chance(r, 0.5) ? RT_TLSA_INVALID : RT_DNSSEC_INVALID;
	dp->nprob_mta = 2 + (unsigned)gen_rand_below(r, 2);
	for (unsigned k = 0; k < dp->nprob_mta; k++)
		dp->prob_mta[k] = (unsigned)gen_rand_below(r, 254);
	if (dp->problem == PROB_STARTTLS)
		dp->prob_share *= 0.1;
}

void
gen_domain_profile(const struct gen *g, size_t idx, struct gen_domain *dp)
{
	struct gen_rand r = gen_rand_derive(g->seed, RAND_DOMAIN, idx);
	static const unsigned ages[] = {86400, 604800, 1209600, 2592000,
	                                31557600};

	memset(dp, 0, sizeof(*dp));
	dp->idx = idx;
	dp->tlsa_seed = gen_rand_next(&r);
	dp->sub_share = 0.15;
	if (idx < NFIXED_DOMAINS) {
		domain_fixed(idx, dp);
		return;
	}
	snprintf(dp->name, sizeof(dp->name), "example-%zu.test",
	         idx - NFIXED_DOMAINS + 1);
	dp->has_sts = gen_rand_chance(&r, 0.92);
	dp->mode = gen_rand_chance(&r, 0.35) ? MODE_TESTING : MODE_ENFORCE;
	dp->dane = gen_rand_chance(&r, 0.45);
	dp->nmx = gen_rand_chance(&r, 0.8) ? 2 : 1;
	dp->mx_wild = gen_rand_chance(&r, 0.2);
	if (dp->mx_wild)
		dp->nmx = 1;
	dp->maxage_first = gen_rand_chance(&r, 0.3);
	dp->max_age = ages[gen_rand_below(&r, 5)];
	dp->tlsa_usage = gen_rand_chance(&r, 0.7) ? 3 : 2;
	dp->ntlsa =
	    1 + (unsigned)gen_rand_below(&r, dp->tlsa_usage == 2 ? 6 : 2);
	/* Log-uniform 2 .. 200,000 sessions a day. */
	dp->volume = 2.0;
	for (unsigned k = gen_rand_below(&r, 5); k > 0; k--)
		dp->volume *= 10;
	dp->volume *= 1 + 9 * gen_rand_unit(&r);
	dp->problem = dp->has_sts ? pick_problem(&r, dp->dane) : PROB_NONE;
	problem_window(g, &r, dp);
}
