/*
 * gen_stats.c - counts what was generated and prints it after a run.
 */
#include <stdio.h>

#include "gen_stats.h"

void
gen_stats_add(struct gen_stats *st, const struct gen_model *m, size_t json_len,
              int dup)
{
	size_t b = json_len / SIZE_BUCKET;

	st->reports++;
	st->per_org[m->pl.org]++;
	st->gz += m->pl.gz != 0;
	st->dups += dup != 0;
	st->policies += (uint64_t)m->npol;
	for (int i = 0; i < m->npol; i++)
		if (m->pol[i].details_from == i)
			st->details += m->pol[i].ndet;
	st->json_bytes += json_len;
	if (st->reports == 1 || json_len < st->json_min)
		st->json_min = json_len;
	if (json_len > st->json_max)
		st->json_max = json_len;
	st->hist[b < SIZE_BUCKETS ? b : SIZE_BUCKETS]++;
}

/* The upper edge of the bucket that holds the q-quantile of the sizes. */
static uint64_t
stats_pct(const struct gen_stats *st, double q)
{
	uint64_t want = (uint64_t)((double)st->reports * q), seen = 0;

	for (size_t b = 0; b <= SIZE_BUCKETS; b++) {
		seen += st->hist[b];
		if (seen > want)
			return (uint64_t)(b + 1) * SIZE_BUCKET;
	}
	return st->json_max;
}

static void
stats_print_sizes(const struct gen_stats *st, uint64_t n)
{
	printf("json_bytes_avg: %llu\n",
	       (unsigned long long)(st->json_bytes / n));
	printf("json_bytes_min: %llu\njson_bytes_p50: <%llu\n"
	       "json_bytes_p90: <%llu\njson_bytes_p99: <%llu\n"
	       "json_bytes_max: %llu\n",
	       (unsigned long long)st->json_min,
	       (unsigned long long)stats_pct(st, 0.5),
	       (unsigned long long)stats_pct(st, 0.9),
	       (unsigned long long)stats_pct(st, 0.99),
	       (unsigned long long)st->json_max);
	printf("json_bytes_total: %llu\nbytes_written: %llu\n",
	       (unsigned long long)st->json_bytes,
	       (unsigned long long)st->written);
}

void
gen_stats_print(const struct gen_stats *st, double secs)
{
	uint64_t n = st->reports ? st->reports : 1;

	printf("reports: %llu\n", (unsigned long long)st->reports);
	printf("organizations:");
	for (int i = 0; i < NORG; i++)
		printf(" %s=%llu", gen_orgs[i].key,
		       (unsigned long long)st->per_org[i]);
	printf("\nduplicates: %llu\n", (unsigned long long)st->dups);
	printf("gzipped: %llu (%.1f%%)\n", (unsigned long long)st->gz,
	       100.0 * (double)st->gz / (double)n);
	printf("policies_avg: %.2f\nfailure_details_avg: %.2f\n",
	       (double)st->policies / (double)n,
	       (double)st->details / (double)n);
	stats_print_sizes(st, n);
	if (st->google_fallback)
		printf("google_fallback: %llu (Google sends one report per "
		       "domain and day; the rest went to other senders: more "
		       "--domains or --days to avoid)\n",
		       (unsigned long long)st->google_fallback);
	printf("elapsed_s: %.2f\n", secs);
}
