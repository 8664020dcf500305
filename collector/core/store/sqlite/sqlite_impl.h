/*
 * sqlite_impl.h - the SQLite store's insides, shared by sqlite.c (open,
 * writes), sqlite_schema.c (versions, upgrades), sqlite_access.c (files and
 * permissions) and sqlite_query.c (the analyzer's questions). Nothing
 * outside this folder includes this.
 */
#ifndef TLSRPT_STORE_IMPL_H
#define TLSRPT_STORE_IMPL_H

#include <sqlite3.h>

#include "query_split.h"
#include "rollup_acc.h"
#include "sqlite.h"
#include "store.h"

enum store_stmt {
	ST_INSERT_REPORT,
	ST_INSERT_RAW,
	ST_INSERT_POLICY,
	ST_INSERT_FAILURE,
	ST_INSERT_QUARANTINE,
	ST_FIND_REPORT, /* id and digest of a duplicate's stored report */
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_QUARANTINE_USAGE, /* the quarantine's bytes (schema/005) */
	ST_QUARANTINE_AGAIN, /* the same bytes again, when nothing is added */
	ST_USER_VERSION,     /* the version check of each write transaction */
	ST_ROLLUP_POLICY,    /* store_rollup_upsert_sql[]: one rollup row */
	ST_ROLLUP_FAILURE,
	ST_ROLLUP_MX,
	ST_COUNT
};

#define BATCH_SAVEPOINTS 1
#define BATCH_BULK       2

struct sqlite_store {
	sqlite3 *db;
	char *path;
	int version;  /* the schema version the database was opened at */
	int readonly; /* STORE_READONLY: nothing prepared, nothing written */
	int in_batch; /* 0, BATCH_SAVEPOINTS or BATCH_BULK */
	store_plan_cb plan; /* each query's plan to it (store_set_explain) */
	void *plan_arg;
	sqlite3_stmt *stmt[ST_COUNT];
	/* The rollup rows of the open transaction's reports, summed in
	 * memory and upserted at its commit (store/rollup_acc.c). */
	struct rollup_acc *acc;
	struct store_timing timing;
	int page_size;     /* for the WAL's size in the WAL hook */
	int wal_autopages; /* a passive checkpoint after so many pages */
	int64_t put_rid;   /* the report row of the item being put, or 0 */
	char *buf;         /* scratch for joining lines */
	size_t bufcap;
};

/* Fills eb with "database PATH: sqlite's message"; returns -1. */
int store_error(struct sqlite_store *st, struct errbuf *eb, const char *what);

/* Runs SQL without results; fills eb on failure and returns -1. */
int store_exec(struct sqlite_store *st, const char *sql, struct errbuf *eb);

/* Begins a write transaction (BEGIN IMMEDIATE) and checks in it that the
 * schema version is still st->version: STORE_E_SCHEMA, rolled back, when
 * tlsrpt upgrade changed it since the open. */
int store_write_begin(struct sqlite_store *st, struct errbuf *eb);

/* Prepares the write statements, for a database at the latest version. */
int store_prepare(struct sqlite_store *st, struct errbuf *eb);

/* ---- Schema versions (sqlite_schema.c) ---- */

/* At open: reads the version into st->version; makes a new database's
 * schema (unless read-only); refuses another version (STORE_E_SCHEMA)
 * unless flags hold STORE_ANY_VERSION and it is older. */
int store_schema_open(struct sqlite_store *st, int flags, struct errbuf *eb);

/* ---- Files and permissions (sqlite_access.c) ---- */

/* Writes the directory of path into buf ("." when it names none). */
void store_dir_of(const char *path, char *buf, size_t size);

/* Before SQLite opens path for writing: STORE_E_NODIR when its directory
 * does not exist; a missing file is made 0660 less the umask (SQLite's
 * own would be 0644 less the umask, and the -wal and -shm copy the
 * database's mode). */
int store_precreate(const char *path, struct errbuf *eb);

/* After a failed open or first read: STORE_E_NODIR or STORE_E_ACCESS
 * with whose the files are and the fix, when errno err says so; else
 * store_error(st, eb, what). */
int store_open_error(struct sqlite_store *st, int err, const char *what,
                     struct errbuf *eb);

/* STORE_E_ACCESS for a writer whose database SQLite opened read-only
 * (silently, when the file may not be written): why, whose, the fix. */
int store_readonly_refused(const char *path, struct errbuf *eb);

/* STORE_E_ACCESS: path, the database db itself or a file or directory
 * it needs (what: "database", "file", "directory"), cannot be written by
 * this process (errno err): its owner and mode, and the fix. */
int store_write_refused(const char *what, const char *path, const char *db,
                        int err, struct errbuf *eb);

/* ---- Rollups (sqlite_rollup.c, schema/002-rollups.sql) ---- */

/* Registers tlsrpt_bucket(t), tlsrpt_daybit(t), tlsrpt_bitor(x) and
 * tlsrpt_days(bucket, bits) on the connection. */
int store_rollup_functions(struct sqlite_store *st, struct errbuf *eb);

/* The upserts of one rollup row each (prepared with the others as
 * ST_ROLLUP_*). */
#define ROLLUP_STATEMENTS (ST_ROLLUP_MX - ST_ROLLUP_POLICY + 1)
extern const char *const store_rollup_upsert_sql[ROLLUP_STATEMENTS];

/* Upserts the open transaction's rollup rows and forgets them. */
int store_rollup_flush(struct sqlite_store *st, struct errbuf *eb);

/* Runs a prepared statement that returns no rows, and resets it. */
int store_step(struct sqlite_store *st, enum store_stmt s, struct errbuf *eb);

/* Recomputes the rollups of every bucket that [from, to) touches from the
 * detail rows. */
int store_rollup_rebuild(struct sqlite_store *st, int64_t from, int64_t to,
                         struct errbuf *eb);

/* After the detail rows before `before` are deleted: drops the buckets
 * before its bucket and recomputes that one. */
int store_rollup_prune(struct sqlite_store *st, int64_t before,
                       struct errbuf *eb);

/* Steps s to its end, calling row() on each row; a non-zero return of
 * row() stops and is returned; a failed step fills eb with `what`. */
int store_each_row(struct sqlite_store *st, sqlite3_stmt *s, const char *what,
                   int (*row)(sqlite3_stmt *s, void *arg), void *arg,
                   struct errbuf *eb);

/* The reports the failures query under f counts failure details of,
 * with their failed sessions (failure_matches): *out sorted by id, *ids
 * the ids as an array literal for SQL; the caller frees both. */
struct failure_match;
int sqlite_failure_matches(struct sqlite_store *st,
                           const struct store_filter *f,
                           struct failure_match **out, size_t *n, char **ids,
                           struct errbuf *eb);

/* Hands the plan of sql, with the filter bound, to st->plan. */
void store_explain(struct sqlite_store *st, const char *sql,
                   const struct store_filter *f);

/* Binds a filter's values to ?1 (since), ?2 (until), ?3 (the domains as
 * a JSON array, in *domains_json: free it with store_json_free), ?4
 * (organization), ?5 (policy type) and ?12 to ?16 (the failure details:
 * policy mode, result type, sending MTA, receiving MX and IP). */
int store_bind_filter(sqlite3_stmt *s, const struct store_filter *f,
                      char **domains_json, struct errbuf *eb);

/* Column i of the row as text; "" for NULL. Valid until the next step. */
const char *store_col_text(sqlite3_stmt *s, int i);

/* Frees what json_dumps() returned, with jansson's own free function (the
 * process may have given jansson another allocator). NULL is accepted. */
void store_json_free(char *s);

#endif
