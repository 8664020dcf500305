/*
 * pgsql_query.h - what the query files of the PostgreSQL store share
 * (internal): the filter's SQL conditions, its parameters, and running a
 * statement whose rows come one at a time.
 *
 * Every statement of a query gets the same parameters, in the SQLite
 * store's places, each with its type: $1 since, $2 until, $3 the domains
 * (text[]), $4 the organization, $5 the policy type, $6-$11 the split,
 * $12-$16 the failure details (PGQ_DETAIL), then what a query adds. The
 * types are given, so a statement may leave any of them unused.
 */
#ifndef TLSRPT_PGSQL_QUERY_H
#define TLSRPT_PGSQL_QUERY_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "pgsql_impl.h"
#include "query_split.h"
#include "store.h"

#define PGQ_SQL_MAX 8192
#define PGQ_DETAIL  12 /* the first failure detail's parameter */
#define PGQ_EXTRA   17 /* the first of a query's own */
#define PGQ_NPARAMS 20

/* Type OIDs (catalog/pg_type.h is the server's, not libpq's). */
#define OID_INT8    20
#define OID_TEXT    25
#define OID_INT8ARR 1016
#define OID_TEXTARR 1009

struct pgq_params {
	const char *v[PGQ_NPARAMS]; /* NULL: SQL NULL */
	Oid type[PGQ_NPARAMS];
	char num[PGQ_NPARAMS][24]; /* the integers' text */
	char *domains;             /* $3's array literal, malloc'd */
	char *extra;               /* a query's own malloc'd text, freed */
	int n;
};

/* Fills p with f and the split sp; frees nothing before. -1 with eb
 * filled when out of memory. Free with pgq_params_free. */
int pgq_params_init(struct pgq_params *p, const struct store_filter *f,
                    const struct store_split *sp, struct errbuf *eb);

/* Sets parameter i (1-based) to an integer, or to text (kept by the
 * caller), of type oid. */
void pgq_param_int(struct pgq_params *p, int i, int64_t v);
void pgq_param_text(struct pgq_params *p, int i, const char *v, Oid oid);
void pgq_params_free(struct pgq_params *p);

/* Appends the array literal of n strings ({"a","b"}, each quoted) to a
 * malloc'd string; NULL when out of memory. */
char *pgq_text_array(const char *const *v, size_t n);

/* The filter's conditions on columns named as given; those the table
 * lacks are passed as NULL. */
void pgq_filter_terms(char *sql, size_t size, const struct store_filter *f,
                      const char *domain, const char *org, const char *type);

/* Whether the split reads the rollups. */
int pgq_has_rollup(const struct store_split *sp);

/* Runs sql with p, row() called with each row (i: its index in res) as
 * it arrives (single-row mode: the rows are not all held); a non-zero return of
 * row() cancels the rest and is returned. Hands the plan to st->plan first when
 * set. -1 with eb filled ("what: ...") when the statement failed. */
int pgq_each_row(struct pgsql_store *st, const char *sql,
                 const struct pgq_params *p, const char *what,
                 int (*row)(const PGresult *res, int i, void *arg), void *arg,
                 struct errbuf *eb);

/* One snapshot for the several statements of a query (outside a batch):
 * a read-only REPEATABLE READ transaction; pgq_end ends it. */
int pgq_begin(struct pgsql_store *st, struct errbuf *eb);
void pgq_end(struct pgsql_store *st, int began);

/* Reads a JSON array of strings (json_agg) into v, sorted in byte
 * order; returns how many, at most max. The strings live in *arr, which
 * the caller frees with json_decref. */
struct json_t;
size_t pgq_values_sorted(const char *json, struct json_t **arr, const char **v,
                         size_t max);

/* The reports the failures query under f counts failure details of,
 * with their failed sessions (failure_matches): *out sorted by id, *ids
 * the ids as an array literal for SQL; the caller frees both. */
struct failure_match;
int pgsql_failure_matches(struct pgsql_store *st, const struct store_filter *f,
                          struct failure_match **out, size_t *n, char **ids,
                          struct errbuf *eb);

#endif
