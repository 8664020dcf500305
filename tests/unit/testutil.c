/*
 * testutil.c - helpers shared by the unit tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "store.h"
#include "testutil.h"

char *
tu_read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (fp == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		got = fread(buf + n, 1, cap - n, fp);
		n += got;
		if (got == 0)
			break;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

const char *
tu_corpus_dir(void)
{
	static int warned;
	const char *dir = getenv("TLSRPT_CORPUS");
	struct stat sb;

	if (dir != NULL && stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
		return dir;
	if (!warned) {
		printf("# corpus folder %s is absent: corpus tests skipped\n",
		       dir ? dir : "(TLSRPT_CORPUS unset)");
		warned = 1;
	}
	return NULL;
}

char *
tu_read_corpus(const char *name, size_t *len)
{
	const char *dir = tu_corpus_dir();
	char path[4096];

	if (dir == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return tu_read_file(path, len);
}

unsigned char *
tu_gzip(const void *in, size_t len, size_t *outlen)
{
	z_stream zs;
	unsigned char *out;
	size_t cap = compressBound(len) + 64;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(
	    deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
	    Z_OK);
	out = malloc(cap);
	assert_non_null(out);
	zs.next_in = (unsigned char *)in;
	zs.avail_in = len;
	zs.next_out = out;
	zs.avail_out = cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*outlen = zs.total_out;
	deflateEnd(&zs);
	return out;
}

char *
tu_tmpdir(void)
{
	char tmpl[] = "/tmp/tlsrpt-test-XXXXXX";
	char *dir = mkdtemp(tmpl);

	assert_non_null(dir);
	return strdup(dir);
}

static int
rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	return remove(path);
}

void
tu_rmtree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char *
tu_report_json(const char *org, const char *report_id, const char *domain,
               long success, long failed)
{
	char *s = NULL;
	char det[512] = "";

	if (failed > 0)
		snprintf(det, sizeof(det),
		         ",\"failure-details\":[{"
		         "\"result-type\":\"certificate-expired\","
		         "\"sending-mta-ip\":\"192.0.2.1\","
		         "\"receiving-mx-hostname\":\"mx1.%s\","
		         "\"failed-session-count\":%ld}]",
		         domain, failed);
	assert_true(
	    asprintf(
	        &s,
	        "{\"organization-name\":\"%s\","
	        "\"date-range\":{\"start-datetime\":\"2026-01-01T00:00:00Z\","
	        "\"end-datetime\":\"2026-01-01T23:59:59Z\"},"
	        "\"contact-info\":\"tls@%s\",\"report-id\":\"%s\","
	        "\"policies\":[{\"policy\":{\"policy-type\":\"sts\","
	        "\"policy-string\":[\"version: STSv1\",\"mode: testing\","
	        "\"mx: mx1.%s\",\"max_age: 86400\"],"
	        "\"policy-domain\":\"%s\",\"mx-host\":[\"mx1.%s\"]},"
	        "\"summary\":{\"total-successful-session-count\":%ld,"
	        "\"total-failure-session-count\":%ld}%s}]}",
	        org, org, report_id, domain, domain, domain, success, failed,
	        det) > 0);
	return s;
}

long long
tu_db_count(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long v = -1;

	if (store_is_pgsql(path)) {
		PGconn *c = PQconnectdb(path);
		PGresult *r = PQexec(c, sql);

		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			fail_msg("%s: %s", sql, PQerrorMessage(c));
		if (PQntuples(r) > 0)
			v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
		PQfinish(c);
		return v;
	}
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

void
tu_db_exec(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* Runs sql on the server's maintenance database, or fails the test. */
static void
pg_admin(const char *server, const char *sql)
{
	char uri[512];
	PGconn *c;
	PGresult *r;

	snprintf(uri, sizeof(uri), "%s/postgres", server);
	c = PQconnectdb(uri);
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("%s: %s", uri, PQerrorMessage(c));
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

/* A new database on the server, named after this process and a count. */
static void
pg_make(struct tu_store *t, const char *server)
{
	static unsigned n;
	char name[64], sql[128];

	snprintf(name, sizeof(name), "t%ld_%u", (long)getpid(), n++);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	pg_admin(server, sql);
	snprintf(t->path, sizeof(t->path), "%s/%s", server, name);
}

void
tu_store_make(struct tu_store *t)
{
	const char *pg = getenv("TLSRPT_TEST_PG");

	memset(t, 0, sizeof(*t));
	t->dir = tu_tmpdir();
	snprintf(t->path, sizeof(t->path), "%s/t.db", t->dir);
	if (pg != NULL && *pg != '\0')
		pg_make(t, pg);
}

void
tu_store_open(struct tu_store *t, int busy_timeout_ms)
{
	struct errbuf eb = {""};

	tu_store_make(t);
	if (store_open(t->path, 0, busy_timeout_ms, &t->st, &eb) != 0)
		fail_msg("store_open %s: %s", t->path, eb.msg);
}

void
tu_store_close(struct tu_store *t)
{
	store_close(t->st);
	if (t->dir != NULL)
		tu_rmtree(t->dir);
	free(t->dir);
	memset(t, 0, sizeof(*t));
}

int
tu_store_setup(void **state)
{
	struct tu_store *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	tu_store_make(t);
	*state = t;
	return 0;
}

int
tu_store_setup_open(void **state)
{
	struct tu_store *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	*state = t;
	tu_store_open(t, 1000);
	return 0;
}

int
tu_store_teardown(void **state)
{
	struct tu_store *t = *state;

	if (t != NULL)
		tu_store_close(t);
	free(t);
	return 0;
}

static void
tests_grow(struct tu_tests *l, size_t n)
{
	size_t cap = l->cap ? l->cap : 16;
	struct CMUnitTest *nt;

	while (cap - l->n < n)
		cap *= 2;
	if (cap == l->cap)
		return;
	nt = reallocarray(l->t, cap, sizeof(*nt));
	assert_non_null(nt);
	l->t = nt;
	l->cap = cap;
}

void
tu_tests_add(struct tu_tests *l, const struct CMUnitTest *t, size_t n)
{
	tests_grow(l, n);
	memcpy(l->t + l->n, t, n * sizeof(*t));
	l->n += n;
}

void
tu_tests_add_rows(struct tu_tests *l, const void *rows, size_t nrows,
                  size_t rowsize, size_t name_offset, CMUnitTestFunction fn,
                  CMFixtureFunction setup, CMFixtureFunction teardown)
{
	const char *row;
	size_t i;

	tests_grow(l, nrows);
	for (i = 0; i < nrows; i++) {
		row = (const char *)rows + i * rowsize;
		memcpy(&l->t[l->n].name, row + name_offset,
		       sizeof(l->t[l->n].name));
		l->t[l->n].test_func = fn;
		l->t[l->n].setup_func = setup;
		l->t[l->n].teardown_func = teardown;
		l->t[l->n].initial_state = (void *)row;
		l->n++;
	}
}

int
tu_tests_run(struct tu_tests *l, const char *group)
{
	int rc = _cmocka_run_group_tests(group, l->t, l->n, NULL, NULL);

	free(l->t);
	memset(l, 0, sizeof(*l));
	return rc;
}
