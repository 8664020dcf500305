/*
 * gen_stats.h - what was generated, printed on stdout after a run unless
 * --quiet: reports per sender, gzip and duplicate shares, policies and
 * failure details per report, and the JSON size distribution (a histogram
 * of SIZE_BUCKET-byte buckets, so memory stays fixed).
 */
#ifndef TLSRPT_GEN_STATS_H
#define TLSRPT_GEN_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "gen.h"
#include "gen_model.h"

/* Zero-initialized is empty. */
struct gen_stats {
	uint64_t reports, gz, dups, policies, details, google_fallback;
	uint64_t per_org[NORG];
	uint64_t json_bytes, json_min, json_max, written;
	uint64_t hist[SIZE_BUCKETS + 1];
};

/* Counts the report m, json_len bytes of JSON; dup: it was a resend. */
void gen_stats_add(struct gen_stats *st, const struct gen_model *m,
                   size_t json_len, int dup);

/* Prints the statistics and the elapsed seconds on stdout. */
void gen_stats_print(const struct gen_stats *st, double secs);

#endif
