/*
 * store_query.h - what the query files of the store share (internal):
 * how a time range splits into rollup buckets and detail edges, the
 * filter's SQL conditions and parameters, and preparing a statement with
 * them bound. Parameters: ?3 the domains (a JSON array), ?4 the
 * organization, ?5 the policy type, ?6-?11 the split, ?12 onwards the
 * failure details (DETAIL_PARAM).
 */
#ifndef TLSRPT_STORE_QUERY_H
#define TLSRPT_STORE_QUERY_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define QUERY_SQL_MAX 8192

/*
 * Where the rows of a query come from. The buckets that lie wholly inside
 * [since, until) come from a rollup (schema/002-rollups.sql); the rest of
 * the range, at most a bucket at each edge, from the detail rows. Bound as
 * ?6, ?7 (buckets) and ?8-?9, ?10-?11 (the two edges). A rollup row and a
 * detail row never cover the same report, so sums over both are exact.
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

/* Binds the split as ?6-?11. */
void store_bind_split(sqlite3_stmt *s, const struct store_split *sp);

/* Appends printf-style text to sql. */
void store_sql_cat(char *sql, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The filter's conditions on a table aliased x whose columns are named as
 * in the detail tables; those the table lacks are passed as NULL. */
void store_filter_terms(char *sql, size_t size, const struct store_filter *f,
                        const char *domain, const char *org, const char *type);

/* Appends the rollup branch's bucket condition (" WHERE ..."). */
void store_bucket_terms(char *sql, size_t size, const struct store_split *sp);

/* The filter's failure details: the grouping key each is a value of (its
 * SQL and rollup columns are the key's), bound as ?12 onwards; the value
 * of the i-th, or NULL when the filter has none. */
#define DETAIL_PARAM    12
#define NDETAIL_FILTERS 5
extern const unsigned store_detail_keys[NDETAIL_FILTERS];
const char *store_detail_value(const struct store_filter *f, size_t i);

/* Prepares sql; fills eb on failure. */
int store_query_prepare(struct store *st, const char *sql, sqlite3_stmt **s,
                        struct errbuf *eb);

/* Prepares a statement and binds the filter and its split; *dj is the
 * domains' JSON, freed by the caller with store_json_free. */
int store_prepare_filtered(struct store *st, const char *sql,
                           const struct store_filter *f,
                           const struct store_split *sp, sqlite3_stmt **s,
                           char **dj, struct errbuf *eb);

#endif
