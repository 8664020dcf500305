/*
 * sqlite.c - the SQLite store: open, writes.
 *
 * One struct sqlite_store is one connection, used by one thread at a time. The
 * schema's version is settled at open (sqlite_schema.c): a new database is
 * made at the latest, another version is refused, and each write
 * transaction checks that it has not changed since. Writes go through
 * prepared statements only. An input is stored all-or-nothing: its own
 * transaction, or a savepoint inside the caller's batch.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"
#include "limits.h"
#include "schema.h"
#include "sqlite_impl.h"

static const char *const stmt_sql[ST_COUNT] = {
    [ST_INSERT_REPORT] =
        "INSERT INTO report (organization, report_id, contact_info,"
        " start_time, end_time, received_time, channel, source,"
        " submitter, dkim, warnings, digest, org_key)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
        " ON CONFLICT DO NOTHING",
    [ST_INSERT_RAW] = "INSERT INTO report_raw (report, bytes) VALUES (?1, ?2)",
    [ST_INSERT_POLICY] =
        "INSERT INTO policy (report, start_time, policy_type,"
        " policy_domain, policy_mode, mx_host, successful_sessions,"
        " failed_sessions, counts_for_domain)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [ST_INSERT_FAILURE] =
        "INSERT INTO failure (policy, seq, result_type, sending_mta_ip,"
        " receiving_mx_hostname, receiving_mx_helo, receiving_ip,"
        " additional_information, failure_reason_code, failed_sessions)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    /* The same bytes again add to their row (schema/004): max(), since
     * a retry stores with the time the input was first received. */
    [ST_INSERT_QUARANTINE] =
        "INSERT INTO quarantine (received_time, last_seen, count, channel,"
        " source, submitter, reason, bytes, digest)"
        " VALUES (?1, ?1, 1, ?2, ?3, ?4, ?5, ?6, tlsrpt_sha256(?6))"
        " ON CONFLICT (digest) DO UPDATE SET count = count + 1,"
        " last_seen = max(last_seen, excluded.last_seen),"
        " reason = excluded.reason RETURNING count",
    [ST_FIND_REPORT] = "SELECT id, digest FROM report WHERE"
                       " coalesce(org_key, organization) = ?1"
                       " AND report_id = ?2",
    [ST_SAVEPOINT] = "SAVEPOINT input",
    [ST_RELEASE] = "RELEASE input",
    [ST_ROLLBACK_TO] = "ROLLBACK TO input",
    [ST_QUARANTINE_USAGE] = "SELECT bytes FROM quarantine_usage",
    [ST_QUARANTINE_AGAIN] = "UPDATE quarantine SET count = count + 1,"
                            " last_seen = max(last_seen, ?1), reason = ?2"
                            " WHERE digest = tlsrpt_sha256(?3)",
    [ST_USER_VERSION] = "PRAGMA user_version",
};

int
store_error(struct sqlite_store *st, struct errbuf *eb, const char *what)
{
	int code = sqlite3_errcode(st->db) & 0xff; /* extended codes are on */
	int os = sqlite3_system_errno(st->db);
	char osbuf[128];

	/* SQLite says "disk I/O error" or "unable to open database file"
	 * alone; the system's reason tells a full disk (ENOSPC while the
	 * -shm is made) from a broken one, and a directory from a missing
	 * file. It is kept only for those two codes: for others it may be
	 * left over from an earlier failure. strerror_r is GNU's here
	 * (_GNU_SOURCE): it returns the message, not always in osbuf. */
	if ((code == SQLITE_IOERR || code == SQLITE_CANTOPEN) && os != 0)
		return errbuf_set(eb, "database %s: %s: %s (%s)", st->path,
		                  what, sqlite3_errmsg(st->db),
		                  strerror_r(os, osbuf, sizeof(osbuf)));
	return errbuf_set(eb, "database %s: %s: %s", st->path, what,
	                  sqlite3_errmsg(st->db));
}

int
store_exec(struct sqlite_store *st, const char *sql, struct errbuf *eb)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_error(st, eb, sql);
	return 0;
}

int
store_each_row(struct sqlite_store *st, sqlite3_stmt *s, const char *what,
               int (*row)(sqlite3_stmt *s, void *arg), void *arg,
               struct errbuf *eb)
{
	int rc, ret;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((ret = row(s, arg)) != 0)
			return ret;
	if (rc != SQLITE_DONE)
		return store_error(st, eb, what);
	return 0;
}

int
store_step(struct sqlite_store *st, enum store_stmt s, struct errbuf *eb)
{
	sqlite3_stmt *stmt = st->stmt[s];
	int rc = sqlite3_step(stmt);

	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (rc != SQLITE_DONE)
		return store_error(st, eb, "write");
	return 0;
}

/* tlsrpt_sha256(bytes): the quarantine's digest of an input, in SQL so
 * that schema/004 can fill it for the rows stored before it. */
static void
sql_sha256(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	unsigned char d[HASH_SHA256_LEN];
	const void *p = sqlite3_value_blob(argv[0]);

	hash_sha256(p ? p : "", (size_t)sqlite3_value_bytes(argv[0]), d);
	sqlite3_result_blob(ctx, d, sizeof(d), SQLITE_TRANSIENT);
}

/* PRAGMA quick_check(1): every page of every b-tree read and its
 * structure checked, the first fault reported ("damaged"). Not
 * integrity_check, which also matches each index to its table (2.6 times
 * as long at 100,000 reports). Cost in store.h at STORE_CHECK. */
static int
quick_check(struct sqlite_store *st, struct errbuf *eb)
{
	sqlite3_stmt *s;
	const char *res;
	int ret = 0;

	if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check(1)", -1, &s, NULL) !=
	    SQLITE_OK)
		return store_error(st, eb, "PRAGMA quick_check");
	if (sqlite3_step(s) != SQLITE_ROW) {
		ret = store_error(st, eb, "PRAGMA quick_check");
	} else if ((res = (const char *)sqlite3_column_text(s, 0)) == NULL ||
	           strcmp(res, "ok") != 0) {
		/* The first fault comes after "*** in database main ***\n". */
		if (res != NULL && strchr(res, '\n') != NULL)
			res = strchr(res, '\n') + 1;
		ret = errbuf_set(eb,
		                 "database %s: damaged (PRAGMA quick_check: "
		                 "%s); restore it from a backup",
		                 st->path, res ? res : "no answer");
	}
	sqlite3_finalize(s);
	return ret;
}

/*
 * Replaces SQLite's automatic checkpoint (a hook replaces it): after a
 * commit that left the WAL over LIMIT_WAL_BYTES, a checkpoint that
 * truncates it, so one large batch or report cannot leave gigabytes of
 * WAL behind (issue 15 §2; journal_size_limit alone acts only when a
 * checkpoint has reset the WAL); below that, the usual passive one every
 * wal_autopages pages. Its failure (a reader still on old pages) is not
 * the commit's: the next large commit tries again.
 */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct sqlite_store *st = arg;

	if ((int64_t)pages * st->page_size > (int64_t)LIMIT_WAL_BYTES)
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_TRUNCATE,
		                          NULL, NULL);
	else if (pages >= st->wal_autopages)
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE,
		                          NULL, NULL);
	return SQLITE_OK;
}

/* Reads one integer PRAGMA; -1 when it cannot be read. */
static int64_t
pragma_int(struct sqlite_store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* The WAL's bounds: what it keeps after a checkpoint resets it
 * (journal_size_limit), and when it is checkpointed (wal_hook): as SQLite
 * would for the daemons (every 1,000 pages), only at the bound for a
 * batch writer, which then copies most pages into the database once. */
static int
configure_wal(struct sqlite_store *st, int flags, struct errbuf *eb)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit = %lld",
	         (long long)LIMIT_WAL_BYTES);
	if (store_exec(st, sql, eb) != 0)
		return -1;
	st->page_size = (int)pragma_int(st, "PRAGMA page_size");
	if (st->page_size <= 0)
		st->page_size = 4096;
	st->wal_autopages = flags & STORE_DURABLE
	                        ? 1000
	                        : (int)(LIMIT_WAL_BYTES / st->page_size);
	sqlite3_wal_hook(st->db, wal_hook, st);
	return 0;
}

int
store_prepare(struct sqlite_store *st, struct errbuf *eb)
{
	size_t i;

	for (i = 0; i < ST_COUNT; i++)
		if (st->stmt[i] == NULL &&
		    sqlite3_prepare_v3(
		        st->db,
		        i >= ST_ROLLUP_POLICY
		            ? store_rollup_upsert_sql[i - ST_ROLLUP_POLICY]
		            : stmt_sql[i],
		        -1, SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
		        NULL) != SQLITE_OK)
			return store_error(st, eb, "prepare");
	return 0;
}

/* What a writer sets up on its connection: the first read (a file that
 * is not a database is told here) and, before anything is written, the
 * check of a damaged file. */
static int
configure_writer(struct sqlite_store *st, int flags, struct errbuf *eb)
{
	/* SQLite opens a file it may not write read-only, silently: a
	 * writer would fail at its first write, a daemon at every one. */
	if (sqlite3_db_readonly(st->db, "main") == 1)
		return store_readonly_refused(st->path, eb);
	/* 8 KiB pages for a new database (an existing one keeps its own):
	 * half the WAL frames of 4 KiB per report, and a report's 1-3 KB of
	 * bytes as received pack better. */
	if (store_exec(st, "PRAGMA page_size = 8192", eb) != 0 ||
	    store_exec(st, "PRAGMA journal_mode = WAL", eb) != 0)
		return -1;
	if ((flags & STORE_CHECK) && quick_check(st, eb) != 0)
		return -1;
	/* Savepoints journal the pages they change; in memory, not in temp
	 * files (that was 4 of 5 writes of an import). A batch writer
	 * (import) also trades memory for fewer page writes: a larger cache,
	 * and checkpoints only when the WAL passes LIMIT_WAL_BYTES instead
	 * of every 4 MB (wal_hook). */
	return store_exec(st,
	                  flags & STORE_DURABLE ? "PRAGMA synchronous = FULL"
	                                        : "PRAGMA synchronous = NORMAL;"
	                                          " PRAGMA cache_size = -16384",
	                  eb);
}

static int
configure(struct sqlite_store *st, int flags, int busy_timeout_ms,
          struct errbuf *eb)
{
	int ret;

	sqlite3_extended_result_codes(st->db, 1);
	if (sqlite3_busy_timeout(st->db, busy_timeout_ms) != SQLITE_OK)
		return store_error(st, eb, "busy timeout");
	if (!st->readonly && configure_writer(st, flags, eb) != 0)
		return -1;
	if (store_exec(st, "PRAGMA temp_store = MEMORY", eb) != 0 ||
	    store_rollup_functions(st, eb) != 0)
		return -1;
	if (sqlite3_create_function(st->db, "tlsrpt_sha256", 1,
	                            SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
	                            sql_sha256, NULL, NULL) != SQLITE_OK)
		return store_error(st, eb, "tlsrpt_sha256");
	if ((ret = store_schema_open(st, flags, eb)) != 0)
		return ret;
	if (st->readonly)
		return 0;
	if (configure_wal(st, flags, eb) != 0)
		return -1;
	return st->version == sqlite_schema_latest() ? store_prepare(st, eb)
	                                             : 0;
}

/* SQLite counts every allocation under a global mutex unless told not
 * to; the store never asks for the counts. Must precede initialization. */
static void
sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int
sqlite_open(const char *path, int flags, int busy_timeout_ms,
            struct sqlite_store **out, struct errbuf *eb)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct sqlite_store *st;
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, ret, code;

	pthread_once(&once, sqlite_setup);

	*out = NULL;
	if (flags & STORE_READONLY)
		oflags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
	else if (!(flags & STORE_MUST_EXIST)) {
		oflags |= SQLITE_OPEN_CREATE;
		if ((ret = store_precreate(path, eb)) != 0)
			return ret;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->path = strdup(path)) == NULL) {
		free(st);
		return errbuf_set(eb, "out of memory");
	}
	st->readonly = (flags & STORE_READONLY) != 0;
	if (sqlite3_open_v2(path, &st->db, oflags, NULL) != SQLITE_OK) {
		ret = st->db == NULL
		          ? errbuf_set(eb, "database %s: out of memory", path)
		          : store_open_error(st, sqlite3_system_errno(st->db),
		                             "cannot open", eb);
		sqlite_close(st);
		return ret;
	}
	if ((ret = configure(st, flags, busy_timeout_ms, eb)) != 0) {
		/* The first read may be where the file (read-only opens
		 * open it then) or its -wal or -shm was refused. */
		code = sqlite3_errcode(st->db) & 0xff;
		if (ret == -1 &&
		    (code == SQLITE_CANTOPEN || code == SQLITE_IOERR))
			ret = store_open_error(st, sqlite3_system_errno(st->db),
			                       "cannot open", eb);
		/* A writer whose -wal cannot be made (SQLite says the
		 * database is read-only): which file, and the fix. */
		else if (ret == -1 && code == SQLITE_READONLY && !st->readonly)
			ret = store_open_error(st, EACCES, "cannot open", eb);
		sqlite_close(st);
		return ret;
	}
	*out = st;
	return 0;
}

void
sqlite_close(struct sqlite_store *st)
{
	size_t i;

	if (st == NULL)
		return;
	if (st->db != NULL && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	rollup_acc_free(st->acc);
	st->acc = NULL;
	sqlite3_close(st->db);
	free(st->path);
	free(st->buf);
	free(st);
}

int
store_write_begin(struct sqlite_store *st, struct errbuf *eb)
{
	sqlite3_stmt *s = st->stmt[ST_USER_VERSION];
	int rc, v = -1;

	/* IMMEDIATE: take the write lock now (waiting up to the busy
	 * timeout), not at the first insert, where a lock upgrade could fail
	 * without waiting. */
	if (s == NULL)
		return errbuf_set(eb, "database %s: not open for writing",
		                  st->path);
	if (store_exec(st, "BEGIN IMMEDIATE", eb) != 0)
		return -1;
	/* The version as of this transaction, which holds the write lock:
	 * it cannot change before the COMMIT. One step of a prepared
	 * statement reading the header page the BEGIN has just read. */
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	if (v == st->version)
		return 0;
	if (rc != SQLITE_ROW)
		store_error(st, eb, "PRAGMA user_version");
	else
		errbuf_set(eb,
		           "database %s was upgraded to schema version %d "
		           "while this program was running (it writes "
		           "version %d)",
		           st->path, v, st->version);
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc == SQLITE_ROW ? STORE_E_SCHEMA : -1;
}

int
sqlite_begin(struct sqlite_store *st, struct errbuf *eb)
{
	int ret;

	if ((ret = store_write_begin(st, eb)) != 0)
		return ret;
	st->in_batch = BATCH_SAVEPOINTS;
	return 0;
}

int
sqlite_begin_bulk(struct sqlite_store *st, struct errbuf *eb)
{
	int ret;

	if ((ret = sqlite_begin(st, eb)) != 0)
		return ret;
	st->in_batch = BATCH_BULK;
	return 0;
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void
sqlite_timing(const struct sqlite_store *st, struct store_timing *out)
{
	*out = st->timing;
}

/* The rollup rows, then COMMIT, each timed. */
static int
flush_and_commit(struct sqlite_store *st, struct errbuf *eb)
{
	int64_t t0 = now_ns(), t1;
	int ret = store_rollup_flush(st, eb);

	t1 = now_ns();
	st->timing.rollup_ns += t1 - t0;
	if (ret == 0)
		ret = store_exec(st, "COMMIT", eb);
	st->timing.commit_ns += now_ns() - t1;
	return ret;
}

int
sqlite_commit(struct sqlite_store *st, struct errbuf *eb)
{
	st->in_batch = 0;
	if (flush_and_commit(st, eb) != 0) {
		sqlite_rollback(st);
		return -1;
	}
	return 0;
}

void
sqlite_rollback(struct sqlite_store *st)
{
	st->in_batch = 0;
	rollup_acc_clear(st->acc);
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Joins n strings with newlines into the scratch buffer; NULL when n is 0
 * (stored as NULL). */
static const char *
join_lines(struct sqlite_store *st, const char *const *v, size_t n)
{
	size_t i, len = 0, at = 0;
	char *nbuf;

	if (n == 0)
		return NULL;
	for (i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	if (len > st->bufcap) {
		if ((nbuf = realloc(st->buf, len)) == NULL)
			return NULL;
		st->buf = nbuf;
		st->bufcap = len;
	}
	for (i = 0; i < n; i++) {
		size_t k = strlen(v[i]);

		memcpy(st->buf + at, v[i], k);
		at += k;
		st->buf[at++] = '\n';
	}
	st->buf[at - 1] = '\0';
	return st->buf;
}

static void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

static int
put_failures(struct sqlite_store *st, const struct report_policy *p,
             sqlite3_int64 pid, struct errbuf *eb)
{
	sqlite3_stmt *s = st->stmt[ST_INSERT_FAILURE];
	size_t i;

	for (i = 0; i < p->nfailures; i++) {
		const struct report_failure *f = &p->failures[i];

		sqlite3_bind_int64(s, 1, pid);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		bind_text(s, 3, f->result_type);
		bind_text(s, 4, f->sending_mta_ip);
		bind_text(s, 5, f->receiving_mx_hostname);
		bind_text(s, 6, f->receiving_mx_helo);
		bind_text(s, 7, f->receiving_ip);
		bind_text(s, 8, f->additional_information);
		bind_text(s, 9, f->failure_reason_code);
		sqlite3_bind_int64(s, 10, f->failed_sessions);
		if (store_step(st, ST_INSERT_FAILURE, eb) != 0)
			return -1;
	}
	return 0;
}

static int
put_policies(struct sqlite_store *st, const struct report *r, sqlite3_int64 rid,
             struct errbuf *eb)
{
	sqlite3_stmt *s = st->stmt[ST_INSERT_POLICY];
	size_t i;

	for (i = 0; i < r->npolicies; i++) {
		const struct report_policy *p = &r->policies[i];

		sqlite3_bind_int64(s, 1, rid);
		sqlite3_bind_int64(s, 2, r->start_time);
		bind_text(s, 3, p->policy_type);
		bind_text(s, 4, p->policy_domain);
		bind_text(s, 5, p->policy_mode);
		sqlite3_bind_text(s, 6,
		                  join_lines(st, p->mx_hosts, p->nmx_hosts), -1,
		                  SQLITE_STATIC);
		sqlite3_bind_int64(s, 7, p->successful_sessions);
		sqlite3_bind_int64(s, 8, p->failed_sessions);
		sqlite3_bind_int(s, 9, p->counts_for_domain);
		if (store_step(st, ST_INSERT_POLICY, eb) != 0 ||
		    put_failures(st, p, sqlite3_last_insert_rowid(st->db), eb))
			return -1;
	}
	return 0;
}

/* Whether rawlen more bytes fit in the quarantine (LIMIT_QUARANTINE_BYTES):
 * 1 yes, 0 no, -1 on a storage failure. */
static int
quarantine_room(struct sqlite_store *st, size_t rawlen, struct errbuf *eb)
{
	sqlite3_stmt *s = st->stmt[ST_QUARANTINE_USAGE];
	int64_t used = 0;
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		used = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(st, eb, "quarantine");
	return rawlen <= LIMIT_QUARANTINE_BYTES &&
	       used <= (int64_t)(LIMIT_QUARANTINE_BYTES - rawlen);
}

/* Into the quarantine: a new row, or one more arrival of the same bytes.
 * *kept is set to 0 when the bytes are new and the quarantine is full:
 * then nothing is added (the oldest evidence stays; SECURITY.md). *again
 * is set to 1 when the same bytes were there already (a cron import of
 * the same mailbox: issue 16 §7). */
static int
put_quarantine(struct sqlite_store *st, const void *raw, size_t rawlen,
               const char *reason, const struct store_meta *m, int *kept,
               int *again, struct errbuf *eb)
{
	sqlite3_stmt *s = st->stmt[ST_INSERT_QUARANTINE];
	int room = quarantine_room(st, rawlen, eb), rc;

	*kept = 1;
	*again = 0;
	if (room < 0)
		return -1;
	if (room == 0) {
		s = st->stmt[ST_QUARANTINE_AGAIN];
		sqlite3_bind_int64(s, 1, m->received_time);
		bind_text(s, 2, reason ? reason : "rejected");
		sqlite3_bind_blob64(s, 3, raw ? raw : "", rawlen,
		                    SQLITE_STATIC);
		if (store_step(st, ST_QUARANTINE_AGAIN, eb) != 0)
			return -1;
		*kept = *again = sqlite3_changes(st->db) > 0;
		return 0;
	}

	sqlite3_bind_int64(s, 1, m->received_time);
	bind_text(s, 2, m->channel ? m->channel : "unknown");
	bind_text(s, 3, m->source);
	bind_text(s, 4, m->submitter);
	bind_text(s, 5, reason ? reason : "rejected");
	sqlite3_bind_blob64(s, 6, raw ? raw : "", rawlen, SQLITE_STATIC);
	/* One row back (RETURNING count): above 1, the bytes were there. */
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*again = sqlite3_column_int64(s, 0) > 1;
		rc = sqlite3_step(s);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return store_error(st, eb, "write");
	return 0;
}

/* A report whose identity is stored already: a plain duplicate when its
 * content is the same or either digest is unknown (reports stored before
 * schema 004), else a duplicate with different content, whose bytes are
 * quarantined so that a person can see what the sender changed. Only
 * duplicates pay for the lookup. */
static int
put_duplicate(struct sqlite_store *st, struct store_item *it,
              const struct store_meta *m, struct errbuf *eb)
{
	sqlite3_stmt *s = st->stmt[ST_FIND_REPORT];
	const struct report *r = it->report;
	int rc, same = 1;

	it->result = STORE_DUPLICATE;
	bind_text(s, 1, r->organization_key);
	bind_text(s, 2, r->report_id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		it->key = sqlite3_column_int64(s, 0);
		same = it->digest == NULL ||
		       sqlite3_column_bytes(s, 1) != HASH_SHA256_LEN ||
		       memcmp(sqlite3_column_blob(s, 1), it->digest,
		              HASH_SHA256_LEN) == 0;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW)
		return store_error(st, eb, "duplicate");
	if (same)
		return 0;
	it->result = STORE_DIFFERENT;
	snprintf(it->note, sizeof(it->note),
	         "duplicate, different content: organization %.100s "
	         "report-id %.100s (stored as report %lld)",
	         r->organization, r->report_id, (long long)it->key);
	return put_quarantine(st, it->raw, it->rawlen, it->note, m, &same,
	                      &it->again, eb);
}

static int
put_report(struct sqlite_store *st, struct store_item *it,
           const struct store_meta *m, struct errbuf *eb)
{
	sqlite3_stmt *s = st->stmt[ST_INSERT_REPORT];
	const struct report *r = it->report;
	sqlite3_int64 rid;

	bind_text(s, 1, r->organization);
	bind_text(s, 2, r->report_id);
	bind_text(s, 3, r->contact_info);
	sqlite3_bind_int64(s, 4, r->start_time);
	sqlite3_bind_int64(s, 5, r->end_time);
	sqlite3_bind_int64(s, 6, m->received_time);
	bind_text(s, 7, m->channel ? m->channel : "unknown");
	bind_text(s, 8, m->source);
	bind_text(s, 9, m->submitter);
	bind_text(s, 10, m->dkim);
	sqlite3_bind_text(s, 11, join_lines(st, r->warnings, r->nwarnings), -1,
	                  SQLITE_STATIC);
	if (it->digest != NULL)
		sqlite3_bind_blob(s, 12, it->digest, HASH_SHA256_LEN,
		                  SQLITE_STATIC);
	/* schema/005: the key only where it differs from the name. */
	if (r->organization_key != NULL &&
	    strcmp(r->organization_key, r->organization) != 0)
		bind_text(s, 13, r->organization_key);
	if (store_step(st, ST_INSERT_REPORT, eb) != 0)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return put_duplicate(st, it, m, eb);
	rid = it->key = st->put_rid = sqlite3_last_insert_rowid(st->db);
	s = st->stmt[ST_INSERT_RAW];
	sqlite3_bind_int64(s, 1, rid);
	sqlite3_bind_blob64(s, 2, it->raw, it->rawlen, SQLITE_STATIC);
	if (store_step(st, ST_INSERT_RAW, eb) != 0 ||
	    put_policies(st, r, rid, eb))
		return -1;
	it->result = STORE_STORED;
	return 0;
}

static void
not_kept(struct store_item *it)
{
	size_t n = strlen(it->note);

	it->result = STORE_NOT_KEPT;
	snprintf(it->note + n, sizeof(it->note) - n,
	         "%snot kept: the quarantine is full (%zu MiB)", n ? "; " : "",
	         LIMIT_QUARANTINE_BYTES / MIB);
}

/* Opens what one input is written in: its own transaction, a savepoint
 * in a batch, or nothing in a bulk batch. */
static int
input_begin(struct sqlite_store *st, struct errbuf *eb)
{
	switch (st->in_batch) {
	case 0:
		return store_write_begin(st, eb);
	case BATCH_SAVEPOINTS:
		return store_step(st, ST_SAVEPOINT, eb);
	}
	return 0;
}

static int
input_end(struct sqlite_store *st, struct errbuf *eb)
{
	switch (st->in_batch) {
	case 0:
		return flush_and_commit(st, eb);
	case BATCH_SAVEPOINTS:
		return store_step(st, ST_RELEASE, eb);
	}
	return 0;
}

static void
input_undo(struct sqlite_store *st)
{
	if (st->in_batch == 0) {
		sqlite_rollback(st);
	} else if (st->in_batch == BATCH_SAVEPOINTS &&
	           !sqlite3_get_autocommit(st->db)) {
		/* Undo this input only; the batch goes on. */
		store_step(st, ST_ROLLBACK_TO, NULL);
		store_step(st, ST_RELEASE, NULL);
	}
	/* In a bulk batch the caller rolls the whole batch back. */
}

/* Whether the last failure was of the data, not of the storage: SQLite
 * refused a value (a constraint, a function's error such as an integer
 * overflow, a value too big) and the transaction is still open. Every
 * other failure (busy, locked, full, read-only, I/O, out of memory,
 * damaged) is the storage's: the input is tried again later. */
static int
data_error(struct sqlite_store *st)
{
	/* A trigger's RAISE is a refusal someone set up on purpose (the
	 * tests' stand-in for a failing disk): the storage's. */
	if (sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_TRIGGER)
		return 0;
	switch (sqlite3_errcode(st->db) & 0xff) {
	case SQLITE_ERROR:
	case SQLITE_CONSTRAINT:
	case SQLITE_TOOBIG:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
		return !sqlite3_get_autocommit(st->db);
	}
	return 0;
}

/* Undoes what put_report wrote of report rid, in any kind of transaction:
 * its rollup rows are noted only once its input is written, so its
 * detail rows are all. */
static int
drop_report(struct sqlite_store *st, int64_t rid, struct errbuf *eb)
{
	char sql[320];

	snprintf(sql, sizeof(sql),
	         "DELETE FROM failure WHERE policy IN (SELECT id FROM policy"
	         " WHERE report = %lld); DELETE FROM policy WHERE report ="
	         " %lld; DELETE FROM report_raw WHERE report = %lld;"
	         " DELETE FROM report WHERE id = %lld",
	         (long long)rid, (long long)rid, (long long)rid,
	         (long long)rid);
	return store_exec(st, sql, eb);
}

/* Issue 15 §1: a report that fails to store for a reason of its own is
 * rejected and quarantined alone, so that it cannot block the reports
 * beside it in its input and its batch. eb holds its reason on entry;
 * -1 when the failure was the storage's, or undoing it failed. */
static int
reject_report(struct sqlite_store *st, struct store_item *it,
              const struct store_meta *m, struct errbuf *eb)
{
	int kept;

	if (!data_error(st))
		return -1;
	/* SQLite's own words, not eb's "database PATH: ...": the reason
	 * goes back to an anonymous sender in the HTTPS reply. */
	snprintf(it->note, sizeof(it->note), "cannot be stored: %s",
	         sqlite3_errmsg(st->db));
	if (st->put_rid != 0 && drop_report(st, st->put_rid, eb) != 0)
		return -1;
	it->result = STORE_REJECTED;
	it->key = 0;
	if (put_quarantine(st, it->raw, it->rawlen, it->note, m, &kept,
	                   &it->again, eb))
		return -1;
	if (!kept)
		not_kept(it);
	return 0;
}

/* Adds the input's stored reports to the transaction's rollup rows. */
static int
note_rollups(struct sqlite_store *st, const struct store_item *items,
             size_t nitems, struct errbuf *eb)
{
	size_t i;

	for (i = 0; i < nitems; i++)
		if (items[i].report != NULL &&
		    items[i].result == STORE_STORED &&
		    rollup_acc_note(&st->acc, items[i].report, items[i].key) !=
		        0)
			return errbuf_set(eb, "out of memory"), -1;
	return 0;
}

int
sqlite_put_input(struct sqlite_store *st, struct store_item *items,
                 size_t nitems, const struct store_meta *meta,
                 struct errbuf *eb)
{
	size_t i;
	int kept, ret;

	if ((ret = input_begin(st, eb)) != 0)
		return ret;
	for (i = 0; i < nitems; i++) {
		struct store_item *it = &items[i];

		it->result = STORE_STORED;
		st->put_rid = 0;
		if (it->report != NULL)
			ret = put_report(st, it, meta, eb) != 0
			          ? reject_report(st, it, meta, eb)
			          : 0;
		else
			ret =
			    put_quarantine(st, it->raw, it->rawlen, it->reason,
			                   meta, &kept, &it->again, eb);
		if (ret != 0)
			goto fail;
		if (it->report == NULL && !kept)
			not_kept(it);
	}
	/* The rollup rows: in a transaction of its own, flushed by
	 * input_end; in a batch, noted once the input is written (a failed
	 * note fails the batch's commit). */
	if (st->in_batch == 0 && note_rollups(st, items, nitems, eb) != 0)
		goto fail;
	if (input_end(st, eb) != 0)
		goto fail;
	if (st->in_batch != 0 && note_rollups(st, items, nitems, eb) != 0)
		return -1;
	return 0;
fail:
	input_undo(st);
	return -1;
}

int
sqlite_check_writable(struct sqlite_store *st, struct errbuf *eb)
{
	int ret;

	if ((ret = store_write_begin(st, eb)) != 0)
		return ret;
	store_exec(st, "ROLLBACK", NULL);
	return 0;
}
