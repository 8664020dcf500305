/*
 * test_store.c - the SQLite store: schema on open and reopen, dedup,
 * all-or-nothing inputs (alone and inside a batch), quarantine (one row per
 * distinct bytes, rows of an older schema merged by the upgrade), a
 * duplicate with different content, a database from the future, a file
 * that is not a database, two processes writing one database at once; an
 * older schema refused until store_upgrade, which is all-or-nothing; the
 * version checked inside each write transaction; read-only opens; the
 * mode of a new database, a missing directory; the backup.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hash.h"
#include "report.h"
#include "schema.h"
#include "store/sqlite/sqlite.h"
#include "store.h"
#include "testutil.h"

static struct report *
make_report(const char *org, const char *id, const char *domain, long ok,
            long bad)
{
	char *json = tu_report_json(org, id, domain, ok, bad);
	struct report *r = NULL;
	struct errbuf eb;

	if (report_parse(json, strlen(json), NULL, NULL, &r, &eb) != 0)
		fail_msg("%s", eb.msg);
	free(json);
	return r;
}

static int
put(struct store *st, struct report *r, struct errbuf *eb)
{
	struct store_item it = {
	    .report = r, .raw = "raw", .rawlen = 3, .result = -1};
	struct store_meta m = {"test", "src", NULL, NULL, 1767225600};

	if (store_put_input(st, &it, 1, &m, eb) != 0)
		return -1;
	return it.result;
}

/* Quarantines (bytes, len) with reason, received at time t. */
static void
put_junk(struct store *st, const char *bytes, size_t len, const char *reason,
         int64_t t)
{
	struct store_item it = {
	    .raw = bytes, .rawlen = len, .reason = reason, .result = -1};
	struct store_meta m = {"https", "192.0.2.9", NULL, NULL, t};
	struct errbuf eb;

	if (store_put_input(st, &it, 1, &m, &eb) != 0)
		fail_msg("%s", eb.msg);
}

static void
test_open_reopen_dedup(void **state)
{
	struct tu_store *f = *state;
	struct store *st;
	struct errbuf eb;
	struct report *r = make_report("Org", "id-1", "a.example", 10, 2);
	/* The files are applied in version order: the last is the newest. */
	int latest = schema_steps[schema_nsteps - 1].version;

	assert_true(latest >= 3);
	assert_int_equal(store_open(f->path, 0, 1000, &st, &eb), 0);
	assert_int_equal(store_schema_version(st), latest);
	assert_int_equal(put(st, r, &eb), STORE_STORED);
	assert_int_equal(put(st, r, &eb), STORE_DUPLICATE);
	store_close(st);
	assert_int_equal(store_open(f->path, STORE_MUST_EXIST | STORE_DURABLE,
	                            1000, &st, &eb),
	                 0);
	assert_int_equal(store_schema_version(st), latest);
	assert_int_equal(put(st, r, &eb), STORE_DUPLICATE);
	store_close(st);
	report_free(r);
	assert_int_equal(tu_db_count(f->path, "SELECT count(*) FROM report"),
	                 1);
	assert_int_equal(tu_db_count(f->path, "SELECT count(*) FROM policy"),
	                 1);
	assert_int_equal(tu_db_count(f->path, "SELECT count(*) FROM failure"),
	                 1);
	assert_int_equal(
	    tu_db_count(f->path, "SELECT length(bytes) FROM report_raw"), 3);
	assert_int_equal(tu_db_count(f->path, "SELECT count(*) FROM "
	                                      "pragma_journal_mode() WHERE "
	                                      "journal_mode = 'wal'"),
	                 1);
}

static void
test_must_exist(void **state)
{
	struct tu_store *f = *state;
	struct store *st = NULL;
	struct errbuf eb;

	assert_int_equal(store_open(f->path, STORE_MUST_EXIST, 0, &st, &eb),
	                 -1);
	assert_null(st);
	assert_non_null(strstr(eb.msg, f->path));
}

/* A trigger makes the failure-detail insert fail, as a full disk would
 * halfway through a report: nothing of that input may stay, alone or
 * inside a batch, and the batch goes on. */
static void
test_all_or_nothing(void **state)
{
	struct tu_store *f = *state;
	struct store *st;
	struct errbuf eb;
	struct report *ok1 = make_report("Org", "ok-1", "a.example", 5, 0);
	struct report *bad = make_report("Org", "bad", "a.example", 5, 3);
	struct report *ok2 = make_report("Org", "ok-2", "a.example", 7, 0);

	assert_int_equal(store_open(f->path, 0, 1000, &st, &eb), 0);
	store_close(st);
	tu_db_exec(f->path, "CREATE TRIGGER boom BEFORE INSERT ON failure "
	                    "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
	assert_int_equal(store_open(f->path, 0, 1000, &st, &eb), 0);
	assert_int_equal(put(st, bad, &eb), -1);
	assert_non_null(strstr(eb.msg, "disk on fire"));
	assert_int_equal(store_begin(st, &eb), 0);
	assert_int_equal(put(st, ok1, &eb), STORE_STORED);
	assert_int_equal(put(st, bad, &eb), -1);
	assert_int_equal(put(st, ok2, &eb), STORE_STORED);
	assert_int_equal(store_commit(st, &eb), 0);
	store_close(st);
	assert_int_equal(tu_db_count(f->path, "SELECT count(*) FROM report"),
	                 2);
	assert_int_equal(tu_db_count(f->path,
	                             "SELECT count(*) FROM report WHERE "
	                             "report_id = 'bad'"),
	                 0);
	assert_int_equal(tu_db_count(f->path, "SELECT count(*) FROM policy"),
	                 2);
	assert_int_equal(
	    tu_db_count(f->path, "SELECT count(*) FROM report_raw"), 2);

	/* A bulk batch: the failed input spoils the batch, the caller rolls
	 * it all back, and nothing of it stays (ok-3 included). */
	assert_int_equal(store_open(f->path, 0, 1000, &st, &eb), 0);
	assert_int_equal(store_begin_bulk(st, &eb), 0);
	report_free(ok1);
	ok1 = make_report("Org", "ok-3", "a.example", 5, 0);
	assert_int_equal(put(st, ok1, &eb), STORE_STORED);
	assert_int_equal(put(st, bad, &eb), -1);
	store_rollback(st);
	store_close(st);
	assert_int_equal(tu_db_count(f->path, "SELECT count(*) FROM report"),
	                 2);
	assert_int_equal(tu_db_count(f->path, "SELECT count(*) FROM policy"),
	                 2);
	report_free(ok1);
	report_free(bad);
	report_free(ok2);
}

/* The rollups hold what the detail rows hold, however reports arrive:
 * singly (added at once), in a batch (added at its commit), with a
 * failed input inside the batch, and not at all from a batch rolled
 * back. Reports, by hand: single a1 (10 ok, 2 failed), batch a2 (5, 3)
 * and b1 on b.example (7, 4), the failing input refused; then a bulk
 * batch of c1 rolled back. Totals: 3 reports, 22 ok, 9 failed. */
static void
test_rollups(void **state)
{
	struct tu_store *f = *state;
	struct store *st;
	struct errbuf eb;
	struct report *a1 = make_report("Org", "a1", "a.example", 10, 2);
	struct report *a2 = make_report("Org", "a2", "a.example", 5, 3);
	struct report *b1 = make_report("Other", "b1", "b.example", 7, 4);
	struct report *bad = make_report("Org", "bad", "a.example", 1, 1);
	struct report *c1 = make_report("Org", "c1", "c.example", 1, 1);

	assert_int_equal(store_open(f->path, 0, 1000, &st, &eb), 0);
	assert_int_equal(put(st, a1, &eb), STORE_STORED);
	assert_int_equal(tu_db_count(f->path, "SELECT sum(failed_sessions) "
	                                      "FROM rollup_failure"),
	                 2);
	store_close(st);
	tu_db_exec(f->path, "CREATE TRIGGER boom BEFORE INSERT ON report "
	                    "WHEN NEW.report_id = 'bad' "
	                    "BEGIN SELECT RAISE(ABORT, 'no'); END");
	assert_int_equal(store_open(f->path, 0, 1000, &st, &eb), 0);
	assert_int_equal(store_begin(st, &eb), 0);
	assert_int_equal(put(st, a2, &eb), STORE_STORED);
	assert_int_equal(put(st, bad, &eb), -1);
	assert_int_equal(put(st, b1, &eb), STORE_STORED);
	assert_int_equal(put(st, a1, &eb), STORE_DUPLICATE);
	assert_int_equal(store_commit(st, &eb), 0);
	assert_int_equal(store_begin_bulk(st, &eb), 0);
	assert_int_equal(put(st, c1, &eb), STORE_STORED);
	store_rollback(st);
	store_close(st);

	assert_int_equal(tu_db_count(f->path, "SELECT sum(reports) FROM "
	                                      "rollup_policy"),
	                 3);
	assert_int_equal(tu_db_count(f->path, "SELECT sum(successful_sessions) "
	                                      "FROM rollup_policy"),
	                 22);
	assert_int_equal(tu_db_count(f->path, "SELECT sum(failed_sessions) "
	                                      "FROM rollup_policy"),
	                 9);
	/* a.example: a1 and a2 in one bucket and one row; b.example apart. */
	assert_int_equal(tu_db_count(f->path,
	                             "SELECT reports FROM rollup_policy"
	                             " WHERE policy_domain = "
	                             "'a.example'"),
	                 2);
	assert_int_equal(tu_db_count(f->path, "SELECT sum(failed_sessions) "
	                                      "FROM rollup_failure"),
	                 9);
	/* One (mta, type, mode) for Org: a1 and a2 count as 2 reports. */
	assert_int_equal(tu_db_count(f->path, "SELECT reports FROM "
	                                      "rollup_failure WHERE "
	                                      "organization = 'Org'"),
	                 2);
	assert_int_equal(tu_db_count(f->path, "SELECT sum(failed_sessions) "
	                                      "FROM rollup_mx WHERE "
	                                      "policy_domain = 'b.example'"
	                                      " AND policy_type != ''"),
	                 4);
	assert_int_equal(tu_db_count(f->path, "SELECT count(*) FROM "
	                                      "rollup_policy WHERE "
	                                      "policy_domain = 'c.example'"),
	                 0);
	report_free(a1);
	report_free(a2);
	report_free(b1);
	report_free(bad);
	report_free(c1);
}

/* The same bytes three times (at 42, 50, then 45: a retry stores with an
 * older time) and other bytes once: two rows; the first with count 3,
 * first seen 42, last seen 50 (not 45), the latest reason. */
static void
test_quarantine(void **state)
{
	struct tu_store *f = *state;
	struct store *st;
	struct errbuf eb;

	assert_int_equal(store_open(f->path, 0, 1000, &st, &eb), 0);
	put_junk(st, "junk\0bytes", 10, "not a report", 42);
	put_junk(st, "junk\0bytes", 10, "still not a report", 50);
	put_junk(st, "other", 5, "not a report", 44);
	put_junk(st, "junk\0bytes", 10, "not a report, again", 45);
	store_close(st);
	assert_int_equal(
	    tu_db_count(f->path, "SELECT count(*) FROM quarantine"), 2);
	assert_int_equal(tu_db_count(f->path,
	                             "SELECT count(*) FROM quarantine WHERE "
	                             "id = 1 AND count = 3 AND received_time "
	                             "= 42 AND last_seen = 50 AND reason = "
	                             "'not a report, again' AND channel = "
	                             "'https' AND length(bytes) = 10"),
	                 1);
	assert_int_equal(tu_db_count(f->path,
	                             "SELECT count FROM quarantine WHERE "
	                             "bytes = CAST('other' AS BLOB)"),
	                 1);
}

/* Runs the schema steps below version `below` by hand, as an older
 * program left the database. */
static void
old_schema(const char *path, int below)
{
	char sql[64];
	size_t i;
	int v = 0;

	for (i = 0; i < schema_nsteps; i++) {
		if (schema_steps[i].version >= below)
			continue;
		tu_db_exec(path, schema_steps[i].sql);
		v = schema_steps[i].version;
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	tu_db_exec(path, sql);
}

/* A database of the schema before 004 holding, as it used to, one row per
 * arrival: "junk" at 10 and 30 (ids 1 and 3), "other" at 20. Opening it
 * merges the two "junk" rows into id 1: count 2, first seen 10, last seen
 * 30, the later reason; "other" stays alone; the digest is the SHA-256, so
 * "junk" a third time adds to the merged row (count 3). */
static void
test_quarantine_upgrade(void **state)
{
	struct tu_store *f = *state;
	struct store *st;
	struct errbuf eb;
	unsigned char d[HASH_SHA256_LEN];
	char sql[256];
	size_t i;
	int n;

	old_schema(f->path, 4);
	tu_db_exec(f->path,
	           "INSERT INTO quarantine (id, received_time, channel, "
	           "reason, bytes) VALUES (1, 10, 'import', 'old reason', "
	           "CAST('junk' AS BLOB)), (2, 20, 'import', 'other reason', "
	           "CAST('other' AS BLOB)), (3, 30, 'milter', 'new reason', "
	           "CAST('junk' AS BLOB))");
	assert_int_equal(store_open(f->path,
	                            STORE_MUST_EXIST | STORE_ANY_VERSION, 1000,
	                            &st, &eb),
	                 0);
	assert_int_equal(store_upgrade(st, &eb), 0);
	assert_int_equal(store_schema_version(st), sqlite_schema_latest());
	store_close(st);
	assert_int_equal(
	    tu_db_count(f->path, "SELECT count(*) FROM quarantine"), 2);
	assert_int_equal(tu_db_count(f->path,
	                             "SELECT count(*) FROM quarantine WHERE "
	                             "id = 1 AND count = 2 AND received_time "
	                             "= 10 AND last_seen = 30 AND reason = "
	                             "'new reason' AND channel = 'import'"),
	                 1);
	assert_int_equal(tu_db_count(f->path,
	                             "SELECT count(*) FROM quarantine WHERE "
	                             "id = 2 AND count = 1 AND last_seen = 20"),
	                 1);
	hash_sha256("junk", 4, d);
	n = snprintf(sql, sizeof(sql),
	             "SELECT count(*) FROM quarantine WHERE id = 1 AND "
	             "digest = x'");
	for (i = 0; i < sizeof(d); i++)
		n += snprintf(sql + n, sizeof(sql) - (size_t)n, "%02x", d[i]);
	snprintf(sql + n, sizeof(sql) - (size_t)n, "'");
	assert_int_equal(tu_db_count(f->path, sql), 1);
	assert_int_equal(store_open(f->path, 0, 1000, &st, &eb), 0);
	put_junk(st, "junk", 4, "junk again", 40);
	store_close(st);
	assert_int_equal(tu_db_count(f->path, "SELECT count FROM quarantine "
	                                      "WHERE id = 1"),
	                 3);
}

/* The same identity again: a plain duplicate with the same digest or
 * none; with another digest "duplicate, different content", its bytes
 * quarantined (once per distinct bytes), naming the stored report. */
static void
test_duplicate_different(void **state)
{
	struct tu_store *f = *state;
	struct store *st;
	struct errbuf eb;
	struct report *r = make_report("Org", "id-1", "a.example", 10, 2);
	unsigned char da[HASH_SHA256_LEN], db[HASH_SHA256_LEN];
	struct store_meta m = {"test", "src", NULL, NULL, 100};
	struct store_item it = {
	    .report = r, .raw = "first", .rawlen = 5, .digest = da};

	hash_sha256("a", 1, da);
	hash_sha256("b", 1, db);
	assert_int_equal(store_open(f->path, 0, 1000, &st, &eb), 0);
	assert_int_equal(store_put_input(st, &it, 1, &m, &eb), 0);
	assert_int_equal(it.result, STORE_STORED);
	assert_int_equal(it.key, 1);
	assert_int_equal(store_put_input(st, &it, 1, &m, &eb), 0);
	assert_int_equal(it.result, STORE_DUPLICATE);
	it.digest = NULL;
	assert_int_equal(store_put_input(st, &it, 1, &m, &eb), 0);
	assert_int_equal(it.result, STORE_DUPLICATE);
	it.digest = db;
	it.raw = "second";
	it.rawlen = 6;
	assert_int_equal(store_put_input(st, &it, 1, &m, &eb), 0);
	assert_int_equal(it.result, STORE_DIFFERENT);
	assert_int_equal(it.key, 1);
	assert_string_equal(it.note, "duplicate, different content: "
	                             "organization Org report-id id-1 "
	                             "(stored as report 1)");
	assert_int_equal(store_put_input(st, &it, 1, &m, &eb), 0);
	assert_int_equal(it.result, STORE_DIFFERENT);
	store_close(st);
	report_free(r);
	assert_int_equal(tu_db_count(f->path, "SELECT count(*) FROM report"),
	                 1);
	assert_int_equal(tu_db_count(f->path,
	                             "SELECT count(*) FROM report_raw WHERE "
	                             "bytes = CAST('first' AS BLOB)"),
	                 1);
	assert_int_equal(tu_db_count(f->path,
	                             "SELECT count FROM quarantine WHERE "
	                             "bytes = CAST('second' AS BLOB) AND "
	                             "reason LIKE 'duplicate, different "
	                             "content: %'"),
	                 2);
	assert_int_equal(
	    tu_db_count(f->path, "SELECT count(*) FROM quarantine"), 1);
}

static void
test_refuses_future_and_garbage(void **state)
{
	struct tu_store *f = *state;
	struct store *st;
	struct errbuf eb;
	FILE *fp;

	assert_int_equal(store_open(f->path, 0, 1000, &st, &eb), 0);
	store_close(st);
	tu_db_exec(f->path, "PRAGMA user_version = 99");
	assert_int_equal(store_open(f->path, 0, 1000, &st, &eb),
	                 STORE_E_SCHEMA);
	assert_non_null(strstr(eb.msg, "the database is at 99: install the "
	                               "newer tlsrpt"));
	assert_int_equal(store_open(f->path, STORE_ANY_VERSION, 1000, &st, &eb),
	                 STORE_E_SCHEMA);
	assert_int_equal(store_open(f->path, STORE_READONLY, 1000, &st, &eb),
	                 STORE_E_SCHEMA);
	unlink(f->path);
	fp = fopen(f->path, "w");
	fputs("SQLite format 2\nnot really", fp);
	fclose(fp);
	assert_int_equal(store_open(f->path, 0, 1000, &st, &eb), -1);
	assert_non_null(strstr(eb.msg, "not a database"));
}

/* Two processes, each storing 150 reports one transaction at a time into
 * one database: 300 reports, none lost to SQLITE_BUSY. */
static void
test_two_writers(void **state)
{
	struct tu_store *f = *state;
	struct store *st;
	struct errbuf eb;
	pid_t pid[2];
	int i, status;

	assert_int_equal(store_open(f->path, 0, 1000, &st, &eb), 0);
	store_close(st);
	for (i = 0; i < 2; i++) {
		if ((pid[i] = fork()) == 0) {
			char id[32];
			int k, bad = 0;

			if (store_open(f->path, STORE_DURABLE, 10000, &st, &eb))
				_exit(2);
			for (k = 0; k < 150; k++) {
				struct report *r;

				snprintf(id, sizeof(id), "w%d-%d", i, k);
				r = make_report("Org", id, "a.example", 1, 0);
				bad |= put(st, r, &eb) != STORE_STORED;
				report_free(r);
			}
			store_close(st);
			_exit(bad);
		}
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(tu_db_count(f->path, "SELECT count(*) FROM report"),
	                 300);
	assert_int_equal(tu_db_count(f->path,
	                             "SELECT sum(successful_sessions) FROM "
	                             "policy"),
	                 300);
}

/* An older schema is refused by every open but the upgrade's, and nothing
 * is written to it; the upgrade runs every step in one transaction: a
 * failing step (005's table made beforehand) leaves the database as it
 * was, 004's changes included; once the obstacle is gone it succeeds. */
static void
test_upgrade_explicit(void **state)
{
	struct tu_store *f = *state;
	struct store *st;
	struct errbuf eb;
	int latest = sqlite_schema_latest();

	old_schema(f->path, 4); /* steps 1-3: version 3 */
	assert_int_equal(store_open(f->path, 0, 1000, &st, &eb),
	                 STORE_E_SCHEMA);
	assert_null(st);
	assert_non_null(strstr(eb.msg, "tlsrpt upgrade --db "));
	assert_non_null(strstr(eb.msg, f->path));
	assert_non_null(strstr(eb.msg, "schema version 3; this program needs"));
	assert_int_equal(
	    store_open(f->path, STORE_DURABLE | STORE_CHECK, 1000, &st, &eb),
	    STORE_E_SCHEMA);
	assert_int_equal(store_open(f->path, STORE_READONLY, 1000, &st, &eb),
	                 STORE_E_SCHEMA);
	assert_int_equal(tu_db_count(f->path, "PRAGMA user_version"), 3);

	tu_db_exec(f->path, "CREATE TABLE quarantine_usage (x)");
	assert_int_equal(store_open(f->path,
	                            STORE_MUST_EXIST | STORE_ANY_VERSION, 1000,
	                            &st, &eb),
	                 0);
	assert_int_equal(store_schema_version(st), 3);
	assert_int_equal(store_upgrade(st, &eb), -1);
	assert_non_null(strstr(eb.msg, "005-identity-quota.sql"));
	store_close(st);
	assert_int_equal(tu_db_count(f->path, "PRAGMA user_version"), 3);
	/* 004 added the quarantine's digest: rolled back with 005. */
	assert_int_equal(tu_db_count(f->path, "SELECT count(*) FROM "
	                                      "pragma_table_info('quarantine') "
	                                      "WHERE name = 'digest'"),
	                 0);

	tu_db_exec(f->path, "DROP TABLE quarantine_usage");
	assert_int_equal(store_open(f->path,
	                            STORE_MUST_EXIST | STORE_ANY_VERSION, 1000,
	                            &st, &eb),
	                 0);
	assert_int_equal(store_upgrade(st, &eb), 0);
	store_close(st);
	assert_int_equal(tu_db_count(f->path, "PRAGMA user_version"), latest);
	assert_int_equal(store_open(f->path, 0, 1000, &st, &eb), 0);
	store_close(st);
}

/* The version is read inside every write transaction: set one higher
 * under an open writer (as tlsrpt upgrade by a newer tlsrpt would), each
 * kind of write refuses with STORE_E_SCHEMA and stores nothing; set back,
 * writes go on. */
static void
test_schema_changed_under_writer(void **state)
{
	struct tu_store *f = *state;
	struct store *st;
	struct errbuf eb;
	struct report *r1 = make_report("Org", "r-1", "a.example", 1, 0);
	struct report *r2 = make_report("Org", "r-2", "a.example", 1, 0);
	int64_t nrep, nquar;
	char sql[64];

	assert_int_equal(store_open(f->path, STORE_DURABLE, 1000, &st, &eb), 0);
	assert_int_equal(put(st, r1, &eb), STORE_STORED);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	         sqlite_schema_latest() + 1);
	tu_db_exec(f->path, sql);
	assert_int_equal(put(st, r2, &eb), -1);
	assert_non_null(strstr(eb.msg, "was upgraded to schema version"));
	assert_int_equal(store_begin(st, &eb), STORE_E_SCHEMA);
	assert_int_equal(store_begin_bulk(st, &eb), STORE_E_SCHEMA);
	assert_int_equal(store_check_writable(st, &eb), STORE_E_SCHEMA);
	assert_int_equal(store_prune(st, INT64_MAX, 0, &nrep, &nquar, &eb),
	                 STORE_E_SCHEMA);
	assert_int_equal(tu_db_count(f->path, "SELECT count(*) FROM report"),
	                 1);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	         sqlite_schema_latest());
	tu_db_exec(f->path, sql);
	assert_int_equal(put(st, r2, &eb), STORE_STORED);
	store_close(st);
	report_free(r1);
	report_free(r2);
}

/* store_put_input's own transaction returns the kind too. */
static void
test_put_returns_schema(void **state)
{
	struct tu_store *f = *state;
	struct store *st;
	struct errbuf eb;
	struct report *r = make_report("Org", "r-1", "a.example", 1, 0);
	struct store_item it = {.report = r, .raw = "raw", .rawlen = 3};
	struct store_meta m = {"test", "src", NULL, NULL, 1767225600};

	assert_int_equal(store_open(f->path, 0, 1000, &st, &eb), 0);
	tu_db_exec(f->path, "PRAGMA user_version = 1000");
	assert_int_equal(store_put_input(st, &it, 1, &m, &eb), STORE_E_SCHEMA);
	store_close(st);
	report_free(r);
}

/* Read-only: queries answer, nothing is written (no write is prepared);
 * an empty file and a missing one are refused, neither is made. */
static void
test_readonly(void **state)
{
	struct tu_store *f = *state;
	struct store *st;
	struct errbuf eb;
	struct report *r = make_report("Org", "r-1", "a.example", 1, 0);
	char empty[600];
	FILE *fp;

	assert_int_equal(store_open(f->path, 0, 1000, &st, &eb), 0);
	assert_int_equal(put(st, r, &eb), STORE_STORED);
	store_close(st);
	assert_int_equal(store_open(f->path, STORE_READONLY, 1000, &st, &eb),
	                 0);
	assert_int_equal(store_schema_version(st), sqlite_schema_latest());
	assert_int_equal(put(st, r, &eb), -1);
	assert_non_null(strstr(eb.msg, "not open for writing"));
	assert_int_equal(store_check_writable(st, &eb), -1);
	store_close(st);

	snprintf(empty, sizeof(empty), "%s/empty.db", f->dir);
	fp = fopen(empty, "w");
	fclose(fp);
	assert_int_equal(store_open(empty, STORE_READONLY, 1000, &st, &eb), -1);
	assert_non_null(strstr(eb.msg, "is empty"));
	assert_int_equal(
	    tu_db_count(empty, "SELECT count(*) FROM sqlite_master"), 0);
	unlink(empty);
	assert_int_equal(store_open(empty, STORE_READONLY, 1000, &st, &eb), -1);
	assert_int_equal(access(empty, F_OK), -1);
	report_free(r);
}

/* A new database is 0660 less the umask, and its -wal the same (SQLite
 * alone would make 0644 less the umask: 0640, not group-writable); a
 * missing directory is STORE_E_NODIR, named. */
static void
test_new_file_mode(void **state)
{
	struct tu_store *f = *state;
	struct store *st;
	struct errbuf eb;
	char wal[600], nodir[600];
	struct stat sb;
	mode_t old = umask(007);

	assert_int_equal(store_open(f->path, 0, 1000, &st, &eb), 0);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0660);
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0660);
	store_close(st);
	umask(old);

	snprintf(nodir, sizeof(nodir), "%s/missing/t.db", f->dir);
	assert_int_equal(store_open(nodir, 0, 1000, &st, &eb), STORE_E_NODIR);
	assert_non_null(strstr(eb.msg, "/missing does not exist"));
	assert_int_equal(store_open(nodir, STORE_READONLY, 1000, &st, &eb),
	                 STORE_E_NODIR);
	assert_int_equal(store_exit_status(STORE_E_NODIR), 73);
	assert_int_equal(store_exit_status(STORE_E_SCHEMA), 78);
	assert_int_equal(store_exit_status(STORE_E_ACCESS), 77);
	assert_int_equal(store_exit_status(-1), 1);
}

/* The backup: a database at the same version with the same reports; a
 * file already there is refused and left alone. */
static void
test_backup(void **state)
{
	struct tu_store *f = *state;
	struct store *st;
	struct errbuf eb;
	struct report *r = make_report("Org", "r-1", "a.example", 1, 0);
	char dest[600];

	snprintf(dest, sizeof(dest), "%s/backup.db", f->dir);
	assert_int_equal(store_open(f->path, 0, 1000, &st, &eb), 0);
	assert_int_equal(put(st, r, &eb), STORE_STORED);
	assert_int_equal(store_backup(st, dest, &eb), 0);
	assert_int_equal(store_backup(st, dest, &eb), -1);
	assert_non_null(strstr(eb.msg, "exists already"));
	store_close(st);
	assert_int_equal(tu_db_count(dest, "SELECT count(*) FROM report"), 1);
	assert_int_equal(tu_db_count(dest, "PRAGMA user_version"),
	                 sqlite_schema_latest());
	report_free(r);
}

/* A fetch's mark: none at first; written in a batch, kept by its commit
 * and dropped by its rollback (with the reports of the batch); another
 * mailbox's apart. */
static void
test_fetch_mark(void **state)
{
	struct tu_store *f = *state;
	struct store *st;
	struct errbuf eb;
	struct report *r = make_report("Org", "id-1", "a.example", 10, 2);
	struct store_fetch_mark m = {0, 0, 0}, w = {1796457535, 17, 1767225600};
	const char *box = "imaps://u@imap.example.net/INBOX";

	assert_int_equal(store_open(f->path, 0, 1000, &st, &eb), 0);
	assert_int_equal(store_fetch_state(st, box, &m, &eb), 0);
	/* A batch rolled back keeps neither the report nor the mark. */
	assert_int_equal(store_begin(st, &eb), 0);
	assert_int_equal(put(st, r, &eb), STORE_STORED);
	assert_int_equal(store_fetch_mark(st, box, &w, &eb), 0);
	store_rollback(st);
	assert_int_equal(store_fetch_state(st, box, &m, &eb), 0);
	assert_int_equal(tu_db_count(f->path, "SELECT count(*) FROM report"),
	                 0);
	/* Committed: both. */
	assert_int_equal(store_begin(st, &eb), 0);
	assert_int_equal(put(st, r, &eb), STORE_STORED);
	assert_int_equal(store_fetch_mark(st, box, &w, &eb), 0);
	assert_int_equal(store_commit(st, &eb), 0);
	assert_int_equal(store_fetch_state(st, box, &m, &eb), 1);
	assert_int_equal(m.uidvalidity, 1796457535);
	assert_int_equal(m.last_uid, 17);
	assert_int_equal(m.updated, 1767225600);
	/* Written again: replaced, not added; another mailbox apart. */
	w.last_uid = 40;
	assert_int_equal(store_fetch_mark(st, box, &w, &eb), 0);
	assert_int_equal(store_fetch_state(st, box, &m, &eb), 1);
	assert_int_equal(m.last_uid, 40);
	assert_int_equal(
	    store_fetch_state(st, "imaps://u@imap.example.net/Other", &m, &eb),
	    0);
	store_close(st);
	report_free(r);
	assert_int_equal(
	    tu_db_count(f->path, "SELECT count(*) FROM fetch_state"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_open_reopen_dedup,
	                                    tu_store_setup, tu_store_teardown),
	    cmocka_unit_test_setup_teardown(test_must_exist, tu_store_setup,
	                                    tu_store_teardown),
	    cmocka_unit_test_setup_teardown(test_all_or_nothing, tu_store_setup,
	                                    tu_store_teardown),
	    cmocka_unit_test_setup_teardown(test_rollups, tu_store_setup,
	                                    tu_store_teardown),
	    cmocka_unit_test_setup_teardown(test_quarantine, tu_store_setup,
	                                    tu_store_teardown),
	    cmocka_unit_test_setup_teardown(test_quarantine_upgrade,
	                                    tu_store_setup, tu_store_teardown),
	    cmocka_unit_test_setup_teardown(test_duplicate_different,
	                                    tu_store_setup, tu_store_teardown),
	    cmocka_unit_test_setup_teardown(test_refuses_future_and_garbage,
	                                    tu_store_setup, tu_store_teardown),
	    cmocka_unit_test_setup_teardown(test_two_writers, tu_store_setup,
	                                    tu_store_teardown),
	    cmocka_unit_test_setup_teardown(test_upgrade_explicit,
	                                    tu_store_setup, tu_store_teardown),
	    cmocka_unit_test_setup_teardown(test_schema_changed_under_writer,
	                                    tu_store_setup, tu_store_teardown),
	    cmocka_unit_test_setup_teardown(test_put_returns_schema,
	                                    tu_store_setup, tu_store_teardown),
	    cmocka_unit_test_setup_teardown(test_readonly, tu_store_setup,
	                                    tu_store_teardown),
	    cmocka_unit_test_setup_teardown(test_new_file_mode, tu_store_setup,
	                                    tu_store_teardown),
	    cmocka_unit_test_setup_teardown(test_backup, tu_store_setup,
	                                    tu_store_teardown),
	    cmocka_unit_test_setup_teardown(test_fetch_mark, tu_store_setup,
	                                    tu_store_teardown),
	};

	report_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
