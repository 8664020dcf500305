/*
 * sqlite_query.h - what the query files of the store share (internal):
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

#include "query_split.h"
#include "store.h"

#define QUERY_SQL_MAX 8192

/* Binds the split as ?6-?11. */
void store_bind_split(sqlite3_stmt *s, const struct store_split *sp);

/* The filter's conditions on a table aliased x whose columns are named as
 * in the detail tables; those the table lacks are passed as NULL. */
void store_filter_terms(char *sql, size_t size, const struct store_filter *f,
                        const char *domain, const char *org, const char *type);

/* Appends the rollup branch's bucket condition (" WHERE ..."). */
void store_bucket_terms(char *sql, size_t size, const struct store_split *sp);

/* The filter's failure details: the grouping key each is a value of (its
 * SQL and rollup columns are the key's), bound as ?12 onwards; the value
 * of the i-th, or NULL when the filter has none. */
#define DETAIL_PARAM 12

/* Prepares sql; fills eb on failure. */
int store_query_prepare(struct sqlite_store *st, const char *sql,
                        sqlite3_stmt **s, struct errbuf *eb);

/* Prepares a statement and binds the filter and its split; *dj is the
 * domains' JSON, freed by the caller with store_json_free. */
int store_prepare_filtered(struct sqlite_store *st, const char *sql,
                           const struct store_filter *f,
                           const struct store_split *sp, sqlite3_stmt **s,
                           char **dj, struct errbuf *eb);

#endif
