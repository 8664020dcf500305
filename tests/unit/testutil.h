/*
 * testutil.h - small helpers shared by the unit tests.
 *
 * Include after <stdarg.h>, <stddef.h>, <setjmp.h> and <cmocka.h>.
 */
#ifndef TLSRPT_TESTUTIL_H
#define TLSRPT_TESTUTIL_H

#include <stddef.h>

struct store;

/* Reads a whole file; returns a malloc'd buffer (NUL-terminated, the NUL not
 * counted in *len) or NULL when it cannot be read. */
char *tu_read_file(const char *path, size_t *len);

/* Returns the corpus directory ($TLSRPT_CORPUS), or NULL when it is absent;
 * then prints a message saying the corpus tests are skipped. */
const char *tu_corpus_dir(void);

/* Reads corpus file name (relative to the corpus dir); NULL when absent. */
char *tu_read_corpus(const char *name, size_t *len);

/* gzip-compresses (in, len) into a malloc'd buffer. */
unsigned char *tu_gzip(const void *in, size_t len, size_t *outlen);

/* Returns a fresh temporary directory path (malloc'd), created. */
char *tu_tmpdir(void);

/* Removes a directory tree made by tu_tmpdir. */
void tu_rmtree(const char *dir);

/* Runs a query returning one number on the database at path (an SQLite
 * file or a PostgreSQL URI); -1 when it returns no row. */
long long tu_db_count(const char *path, const char *sql);

/* Runs SQL on the SQLite file at path (e.g. a trigger that makes inserts
 * fail, as a full disk would). */
void tu_db_exec(const char *path, const char *sql);

/* A minimal valid report: JSON text with one sts policy for domain, the
 * given organization and report id, successful and failed counts. Malloc'd. */
char *tu_report_json(const char *org, const char *report_id, const char *domain,
                     long success, long failed);

/*
 * A temporary store: a fresh directory, the path of a database in it
 * (DIR/t.db) and the store open on it, or NULL. tu_store_make makes the
 * directory and path only; tu_store_open also opens the store (failing the
 * test when it cannot). tu_store_close closes the store, removes the
 * directory and zeroes *t; it accepts one never made (dir NULL).
 */
struct tu_store {
	char *dir;
	char path[512];
	struct store *st;
};

/* tu_store_make names a new database: a file in a new directory, or, when
 * $TLSRPT_TEST_PG holds a server's URI without a database
 * (tests/pg/with-pg.sh sets it), a new PostgreSQL database there. */
void tu_store_make(struct tu_store *t);
void tu_store_open(struct tu_store *t, int busy_timeout_ms);
void tu_store_close(struct tu_store *t);

/* cmocka fixtures whose state is a malloc'd struct tu_store: made only
 * (tu_store_setup), or with the store open, busy timeout 1000 ms
 * (tu_store_setup_open); tu_store_teardown closes and frees either. */
int tu_store_setup(void **state);
int tu_store_setup_open(void **state);
int tu_store_teardown(void **state);

/*
 * The case-table runner: a list of cmocka tests built at run time, one a
 * row of a table (named by the row's name field, the row as its initial
 * state) and fixed ones, run as one group and then freed.
 */
struct tu_tests {
	struct CMUnitTest *t;
	size_t n, cap;
};

/* Appends n fixed tests. */
void tu_tests_add(struct tu_tests *l, const struct CMUnitTest *t, size_t n);

/* Appends one test a row of rows (nrows rows of rowsize bytes), each named
 * by the const char * at name_offset in its row, running fn between setup
 * and teardown (either may be NULL). */
void tu_tests_add_rows(struct tu_tests *l, const void *rows, size_t nrows,
                       size_t rowsize, size_t name_offset,
                       CMUnitTestFunction fn, CMFixtureFunction setup,
                       CMFixtureFunction teardown);

/* tu_tests_add_rows for an array: TU_TESTS_ROWS(&l, cases, n, name, ...). */
#define TU_TESTS_ROWS(l, rows, nrows, name_field, fn, setup, teardown)         \
	tu_tests_add_rows((l), (rows), (nrows), sizeof((rows)[0]),             \
	                  (size_t)((const char *)&(rows)[0].name_field -       \
	                           (const char *)&(rows)[0]),                  \
	                  (fn), (setup), (teardown))

/* Runs the list as the group named group, frees it; cmocka's result. */
int tu_tests_run(struct tu_tests *l, const char *group);

#endif
