/*
 * pgsql_impl.h - the PostgreSQL store's insides, shared by the files of
 * this folder: the connection, its errors, and running statements with
 * their parameters as text. Nothing outside this folder includes it.
 */
#ifndef TLSRPT_PGSQL_IMPL_H
#define TLSRPT_PGSQL_IMPL_H

#include <libpq-fe.h>
#include <stdint.h>

#include "pgsql.h"

struct rollup_acc;

struct pgsql_store {
	PGconn *conn;
	char *conninfo;     /* as libpq takes it (the pg: prefix removed) */
	char *label;        /* for messages: the URI without a password */
	int flags;          /* of pgsql_open */
	int version;        /* the schema version the database was opened at */
	int readonly;       /* STORE_READONLY: a read-only session */
	int in_batch;       /* 0, or a transaction open for a batch */
	int bulk;           /* that batch is store_begin_bulk's */
	store_plan_cb plan; /* each query's plan to it (store_set_explain) */
	void *plan_arg;
	struct rollup_acc *acc; /* the open transaction's rollup rows */
	struct store_timing timing;
	int64_t put_rid; /* the report row of the item being put, or 0 */
	/* The months (Unix seconds of their first second, UTC) whose
	 * partitions of policy and failure are known to exist. */
	int64_t *months;
	size_t nmonths, capmonths;
	/* months[0..nmonths_kept) are committed; those after were made in
	 * the open transaction and are forgotten if it is rolled back. */
	size_t nmonths_kept;
	int busy_timeout_ms; /* lock_timeout, set again after a reset */
	/* The last failed statement's SQLSTATE and primary message. */
	char sqlstate[6];
	char errmsg[256];
};

/* Advisory lock key of the schema (pg_advisory_xact_lock(8460, 1)):
 * exclusive while migrating, shared by every write transaction, so that
 * the version cannot change under a writer (store.h store_begin). */
#define PGSQL_LOCK_CLASS  8460
#define PGSQL_LOCK_SCHEMA 1

/* Fills eb with "database LABEL: WHAT: libpq's message" and returns
 * STORE_E_AGAIN (-1): every failure of the server or the connection is
 * one to try again later. */
int pgsql_error(struct pgsql_store *st, struct errbuf *eb, const char *what);

/* Whether the connection is gone (PQstatus CONNECTION_BAD). */
int pgsql_lost(const struct pgsql_store *st);

/* Makes sure of the connection before a transaction: when it is lost,
 * resets it (PQreset) once; -1 with eb filled when it stays down. */
int pgsql_connect(struct pgsql_store *st, struct errbuf *eb);

/* Runs sql with n text parameters (NULL for SQL NULL); the result is the
 * caller's to PQclear. NULL, with eb filled (pgsql_error), when it did
 * not return PGRES_COMMAND_OK or PGRES_TUPLES_OK. */
PGresult *pgsql_query(struct pgsql_store *st, const char *sql, int n,
                      const char *const *params, struct errbuf *eb,
                      const char *what);

/* pgsql_query for statements without rows: 0 or -1. */
int pgsql_exec(struct pgsql_store *st, const char *sql, int n,
               const char *const *params, struct errbuf *eb, const char *what);

/* Runs sql with n parameters as libpq takes them (formats[i] 1: binary,
 * lengths[i] its length); otherwise as pgsql_query. */
PGresult *pgsql_query_params(struct pgsql_store *st, const char *sql, int n,
                             const char *const *values, const int *lengths,
                             const int *formats, struct errbuf *eb,
                             const char *what);

/* A statement built piece by piece: its SQL and its parameters (texts and
 * byte strings; integers go into the SQL as literals). */
struct pgsql_sb {
	char *sql;
	size_t len, cap;
	const char **vals;
	int *lens, *fmts;
	int n, ncap;
	int oom;
};

void pgsql_sb_init(struct pgsql_sb *sb);
void pgsql_sb_reset(struct pgsql_sb *sb);
void pgsql_sb_free(struct pgsql_sb *sb);
/* Appends to the SQL. */
void pgsql_sb_add(struct pgsql_sb *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Adds a text (NULL: SQL NULL) or binary parameter that lives until the
 * statement runs; returns its number ($N). */
int pgsql_sb_text(struct pgsql_sb *sb, const char *s);
int pgsql_sb_bin(struct pgsql_sb *sb, const void *p, size_t len);
/* Runs it (pgsql_query_params); "out of memory" when building failed. */
PGresult *pgsql_sb_exec(struct pgsql_store *st, struct pgsql_sb *sb,
                        struct errbuf *eb, const char *what);

/* Begins a write transaction (READ COMMITTED) and checks in it, under
 * the schema lock held shared, that the version is still st->version:
 * STORE_E_SCHEMA, rolled back, when tlsrpt upgrade changed it. A lost
 * connection is reset and the BEGIN tried once more. */
int pgsql_write_begin(struct pgsql_store *st, struct errbuf *eb);

/* Ends the open transaction: COMMIT, timed; ROLLBACK. */
int pgsql_write_commit(struct pgsql_store *st, struct errbuf *eb);
void pgsql_write_rollback(struct pgsql_store *st);

/* Whether the last failure was a serialization failure or a deadlock
 * (40001, 40P01): the transaction may be tried again. */
int pgsql_retryable(const struct pgsql_store *st);

/* ---- Schema and month partitions (pgsql_schema.c) ---- */

/* At open: reads the version into st->version; makes a new database's
 * schema (unless read-only or STORE_MUST_EXIST); refuses another version
 * (STORE_E_SCHEMA) unless flags hold STORE_ANY_VERSION and it is older. */
int pgsql_schema_open(struct pgsql_store *st, int flags, struct errbuf *eb);

/* Makes the partitions of the month of t, unless known (st->months):
 * outside a transaction in one of its own, inside the open one. */
int pgsql_month_ensure(struct pgsql_store *st, int64_t t, struct errbuf *eb);

/* Makes sure the partitions of the months of [now - 1 month, now + 1
 * month] exist, in a transaction of their own (at open, for writers). */
int pgsql_months_ahead(struct pgsql_store *st, struct errbuf *eb);

/* Forgets the months that start before `before` (prune dropped them). */
void pgsql_months_forget(struct pgsql_store *st, int64_t before);

/* The UTC month start of t, and the suffix (YYYYMM) of its partitions in
 * tag (at least 8 bytes); 0 when t has no month partition (before 1970,
 * from 2200: policy_other). */
int pgsql_month(int64_t t, int64_t *start, char *tag, size_t size);

/* ---- Rollups (pgsql_rollup.c) ---- */

/* Upserts the open transaction's rollup rows (st->acc) and forgets them. */
int pgsql_rollup_flush(struct pgsql_store *st, struct errbuf *eb);

/* After the detail rows before `before` are deleted:
 * drops the rollup buckets before its bucket and recomputes that one. */
int pgsql_rollup_prune(struct pgsql_store *st, int64_t before,
                       struct errbuf *eb);

/* The SQLSTATE of a failed result ("" when none). */
const char *pgsql_sqlstate(const PGresult *res);

/* Integer parameters as text: writes v into buf (at least 24 bytes) and
 * returns buf. */
const char *pgsql_int(char *buf, int64_t v);

/* Field (row, col) of res as an integer (0 for NULL) or as text ("" for
 * NULL). */
int64_t pgsql_get_int(const PGresult *res, int row, int col);
const char *pgsql_get_text(const PGresult *res, int row, int col);

#endif
