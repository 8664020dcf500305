/*
 * testutil.h - small helpers shared by the unit tests.
 *
 * Include after <stdarg.h>, <stddef.h>, <setjmp.h> and <cmocka.h>.
 */
#ifndef TLSRPT_TESTUTIL_H
#define TLSRPT_TESTUTIL_H

#include <stddef.h>

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

/* Runs a query returning one number on the SQLite file at path; -1 when
 * it returns no row. */
long long tu_db_count(const char *path, const char *sql);

/* Runs SQL on the SQLite file at path (e.g. a trigger that makes inserts
 * fail, as a full disk would). */
void tu_db_exec(const char *path, const char *sql);

/* A minimal valid report: JSON text with one sts policy for domain, the
 * given organization and report id, successful and failed counts. Malloc'd. */
char *tu_report_json(const char *org, const char *report_id, const char *domain,
                     long success, long failed);

#endif
