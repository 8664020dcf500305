/*
 * query_split.h - what the queries of both stores share above their SQL:
 * how a time range splits into rollup buckets and detail edges, and the
 * filter's failure details as grouping keys.
 */
#ifndef TLSRPT_QUERY_SPLIT_H
#define TLSRPT_QUERY_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "rollup_acc.h"
#include "store.h"

/*
 * Where the rows of a query come from. The buckets that lie wholly inside
 * [since, until) come from a rollup (the rollup tables of each store's
 * schema); the rest of the range, at most a bucket at each edge, from the
 * detail rows. A rollup row and a detail row never cover the same report,
 * so sums over both are exact.
 */
struct store_split {
	int64_t b1, b2;   /* whole buckets [b1, b2) */
	int64_t e1s, e1e; /* detail before them */
	int64_t e2s, e2e; /* and after them */
};

/* The split of f's range: from the rollups (when `rollup`) the whole
 * buckets, from the detail rows the rest. */
void store_split_range(const struct store_filter *f, int rollup,
                       struct store_split *sp);

/* Appends printf-style text to sql. */
void store_sql_cat(char *sql, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A grouping key of the failures query that only the stores use: the
 * report (its id as text), so that store_reports counts each report's
 * failures the way store_failures counts a group's. */
#define FAILURE_BY_REPORT 0x100

/* The filter's failure details: the grouping key each is a value of (its
 * SQL and rollup columns are the key's); the value of the i-th, or NULL
 * when the filter has none. */
#define NDETAIL_FILTERS 5
extern const unsigned store_detail_keys[NDETAIL_FILTERS];
const char *store_detail_value(const struct store_filter *f, size_t i);

/* The distinct policy types or modes of one domain that a row lists. */
#define STORE_MAX_VALUES 64

struct json_t;

/* The strings of the JSON array arr (the rest skipped), at most max,
 * into v in byte order; v's strings are arr's. Returns how many. */
size_t store_values_sorted(struct json_t *arr, const char **v, size_t max);

/* The store's number for a report key that is all digits (at most 18),
 * else 0, which no report has. */
int64_t store_key_number(const char *key);

#endif
