/*
 * gen_rand.c - deterministic random numbers (splitmix64), one stream per
 * (seed, purpose, number).
 */
#include "gen_rand.h"

uint64_t
gen_rand_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct gen_rand
gen_rand_derive(uint64_t seed, uint64_t tag, uint64_t n)
{
	uint64_t n_mixed = gen_rand_mix64(n + 0x632be59bd9b4e019);
	struct gen_rand r;

	r.s = gen_rand_mix64(seed ^ gen_rand_mix64((tag << 56) ^ n_mixed));
	return r;
}

uint64_t
gen_rand_next(struct gen_rand *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return gen_rand_mix64(r->s);
}

uint64_t
gen_rand_below(struct gen_rand *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)gen_rand_next(r) * n) >> 64);
}

double
gen_rand_unit(struct gen_rand *r)
{
	return (double)(gen_rand_next(r) >> 11) * 0x1.0p-53;
}

int
gen_rand_chance(struct gen_rand *r, double p)
{
	return gen_rand_unit(r) < p;
}
