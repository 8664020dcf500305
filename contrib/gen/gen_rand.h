/*
 * gen_rand.h - deterministic random numbers (splitmix64).
 *
 * Everything tlsrpt-gen writes is a pure function of --seed. Each purpose
 * draws from its own stream keyed by (seed, tag, number): a report's plan,
 * its content, a domain's profile. So a report is the same whatever the
 * output format and whatever was generated before it.
 */
#ifndef TLSRPT_GEN_RAND_H
#define TLSRPT_GEN_RAND_H

#include <stdint.h>

struct gen_rand {
	uint64_t s;
};

/* The tags of the independent streams. */
enum { RAND_PLAN = 1, RAND_REPORT, RAND_DOMAIN, RAND_CONST };

/* The splitmix64 finalizer: a bijection that scatters the bits. */
uint64_t gen_rand_mix64(uint64_t z);

/* The stream for (seed, tag, n). */
struct gen_rand gen_rand_derive(uint64_t seed, uint64_t tag, uint64_t n);

/* The next 64 bits of the stream. */
uint64_t gen_rand_next(struct gen_rand *r);

/* Uniform in [0, n); 0 when n is 0. */
uint64_t gen_rand_below(struct gen_rand *r, uint64_t n);

/* Uniform in [0, 1), 53 bits. */
double gen_rand_unit(struct gen_rand *r);

/* 1 with probability p, else 0. */
int gen_rand_chance(struct gen_rand *r, double p);

#endif
