/*
 * gen_plan.h - which report comes next: its sender, domain and day, whether
 * it is gzipped, how much it is padded, and which reports are sent twice.
 *
 * A plan is all it takes to build a report again byte for byte, so memory
 * stays bounded: one report is built, written and forgotten at a time, and
 * a duplicate is rebuilt from its plan, kept in a ring of the last
 * DUP_RING plans.
 */
#ifndef TLSRPT_GEN_PLAN_H
#define TLSRPT_GEN_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "gen.h"
#include "gen_rand.h"

/* Everything needed to build one report again, byte for byte. */
struct gen_plan {
	uint64_t idx; /* seeds the report's stream and unique ids */
	int org;
	uint64_t dom;
	unsigned day;
	int gz;
	int cur;      /* maildir: cur/ rather than new/ */
	size_t extra; /* padding asked beyond the unpadded size */
};

struct gen_planner;

/* A planner for the options g (which must outlive it). Free it with
 * gen_plan_close. */
struct gen_planner *gen_plan_open(const struct gen *g);

/* Frees pn; accepts NULL. */
void gen_plan_close(struct gen_planner *pn);

/*
 * Fills pl with report number i: a sender by weight; Google one per domain
 * and day (its report-id says so), the others on a skewed choice of domain.
 * pl->extra is a multiplier in thousandths (mean 1) for gen_plan_room.
 * Returns 1 when Google's (domain, day) slots were used up and the report
 * went to another sender, else 0.
 */
int gen_plan_next(struct gen_planner *pn, uint64_t i, struct gen_plan *pl);

/* Keeps pl (with its extra in bytes) in the ring of plans to repeat. */
void gen_plan_keep(struct gen_planner *pn, const struct gen_plan *pl);

/* With probability fraction, drawn from r, copies a kept plan into pl and
 * returns 1; else returns 0. Draws nothing while the ring is empty. */
int gen_plan_dup(struct gen_planner *pn, struct gen_rand *r, double fraction,
                 struct gen_plan *pl);

/*
 * Turns a fresh plan's multiplier into padding bytes, given the report's
 * unpadded size: a share of the room between the mean unpadded size and
 * --size-target, grown by the share of padding that reports could not
 * take (a no-policy-found report has nothing to pad with).
 */
size_t gen_plan_room(struct gen_planner *pn, size_t mult, size_t base_len);

/* Records that a fresh report asked for `asked` bytes of padding and got
 * `got`. */
void gen_plan_padded(struct gen_planner *pn, size_t asked, size_t got);

#endif
