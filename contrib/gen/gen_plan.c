/*
 * gen_plan.c - which report comes next, the ring of plans that duplicates
 * repeat, and the running sizes that steer the padding.
 */
#include <stdlib.h>
#include <string.h>

#include "gen_plan.h"

struct gen_planner {
	const struct gen *g;
	uint64_t slots, mult, off; /* Google: a permutation of (domain, day) */
	uint64_t google_next;
	double avg_base; /* running mean of the unpadded sizes */
	uint64_t nbase;
	double asked, got; /* padding asked and padding achieved */
	struct gen_plan ring[DUP_RING];
	size_t nring, ring_next;
};

static uint64_t
total_domains(const struct gen *g)
{
	return NFIXED_DOMAINS + g->ndomains;
}

static uint64_t
gcd64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

struct gen_planner *
gen_plan_open(const struct gen *g)
{
	struct gen_rand r = gen_rand_derive(g->seed, RAND_CONST, 0);
	struct gen_planner *pn;

	if ((pn = calloc(1, sizeof(*pn))) == NULL)
		gen_die("out of memory");
	pn->g = g;
	pn->slots = total_domains(g) * g->days;
	pn->mult = 2654435761ULL % (pn->slots ? pn->slots : 1);
	while (pn->slots > 1 &&
	       (pn->mult == 0 || gcd64(pn->mult, pn->slots) != 1))
		pn->mult++;
	pn->off = pn->slots ? gen_rand_below(&r, pn->slots) : 0;
	return pn;
}

void
gen_plan_close(struct gen_planner *pn)
{
	free(pn);
}

/* A sender by weight; without Google when its slots are used up. */
static int
pick_org(struct gen_rand *r, int google)
{
	double u = gen_rand_unit(r), acc = 0;
	int first = google ? 0 : 1;

	if (!google)
		u *= 1 - gen_orgs[ORG_GOOGLE].weight;
	for (int i = first; i < NORG; i++) {
		acc += gen_orgs[i].weight;
		if (u < acc)
			return i;
	}
	return NORG - 1;
}

/* Google's next (domain, day) slot, in an order that looks random. */
static void
google_slot(struct gen_planner *pn, struct gen_plan *pl)
{
	uint64_t s =
	    (uint64_t)(((unsigned __int128)pn->google_next++ * pn->mult +
	                pn->off) %
	               pn->slots);

	pl->day = (unsigned)(s % pn->g->days);
	pl->dom = s / pn->g->days;
}

/* Another sender's domain: skewed toward the first ones. */
static void
other_slot(struct gen_planner *pn, struct gen_rand *r, struct gen_plan *pl)
{
	uint64_t ndom = total_domains(pn->g);
	double u = gen_rand_unit(r);

	if (gen_rand_chance(r, 0.5))
		u *= u;
	pl->dom = (uint64_t)(u * (double)ndom);
	if (pl->dom >= ndom)
		pl->dom = ndom - 1;
	pl->day = (unsigned)gen_rand_below(r, pn->g->days);
}

/* Padding: a skewed multiplier with mean 1 (in thousandths), a few big
 * reports. */
static size_t
pad_multiplier(struct gen_rand *r)
{
	double u1, u2, u3;

	if (gen_rand_chance(r, 0.05))
		return (size_t)((3.0 + 3.0 * gen_rand_unit(r)) * 1000);
	u1 = gen_rand_unit(r);
	u2 = gen_rand_unit(r);
	u3 = gen_rand_unit(r);
	return (size_t)((0.25 + 1.13 * (u1 + u2 + u3) / 3) * 1000);
}

int
gen_plan_next(struct gen_planner *pn, uint64_t i, struct gen_plan *pl)
{
	struct gen_rand r = gen_rand_derive(pn->g->seed, RAND_PLAN, i);
	int fallback = 0;

	memset(pl, 0, sizeof(*pl));
	pl->idx = i;
	pl->org = pick_org(&r, 1);
	if (pl->org == ORG_GOOGLE && pn->google_next >= pn->slots) {
		pl->org = pick_org(&r, 0);
		fallback = 1;
	}
	if (pl->org == ORG_GOOGLE)
		google_slot(pn, pl);
	else
		other_slot(pn, &r, pl);
	pl->gz = gen_rand_chance(&r, pn->g->gzip_fraction);
	pl->cur = gen_rand_chance(&r, 0.5);
	pl->extra = pad_multiplier(&r);
	return fallback;
}

void
gen_plan_keep(struct gen_planner *pn, const struct gen_plan *pl)
{
	pn->ring[pn->ring_next] = *pl;
	pn->ring_next = (pn->ring_next + 1) % DUP_RING;
	if (pn->nring < DUP_RING)
		pn->nring++;
}

int
gen_plan_dup(struct gen_planner *pn, struct gen_rand *r, double fraction,
             struct gen_plan *pl)
{
	if (pn->nring == 0 || !gen_rand_chance(r, fraction))
		return 0;
	*pl = pn->ring[gen_rand_below(r, pn->nring)];
	return 1;
}

size_t
gen_plan_room(struct gen_planner *pn, size_t mult, size_t base_len)
{
	double room, ratio = 1;

	pn->nbase++;
	pn->avg_base += ((double)base_len - pn->avg_base) / (double)pn->nbase;
	room = (double)pn->g->size_target - pn->avg_base;
	if (pn->got > 0)
		ratio = pn->asked / pn->got;
	if (ratio > 3)
		ratio = 3;
	return room > 0 ? (size_t)(room * ratio * (double)mult / 1000) : 0;
}

void
gen_plan_padded(struct gen_planner *pn, size_t asked, size_t got)
{
	pn->asked += (double)asked;
	pn->got += (double)got;
}
