/*
 * pgsql.c - the PostgreSQL store: the connection, its errors, statements
 * with their parameters, and transactions.
 *
 * One struct pgsql_store is one libpq connection, used by one thread at a
 * time. The daemons keep it for their life: a connection the server
 * dropped is reset before the next transaction (pgsql_connect), so that a
 * put after the server came back works; the put that met the loss
 * answers STORE_E_AGAIN (tempfail), as every libpq failure does.
 *
 * Passwords: never in the URI or keyword string (they would show in ps
 * and in the daemons' configuration), only where libpq reads them by
 * itself (~/.pgpass, PGPASSFILE, a service file). Messages name the
 * database by a label made of the user, host, port and database alone.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pgsql_impl.h"
#include "rollup_acc.h"

/* Keeps the first line of msg, without libpq's "ERROR:  " prefix. */
static void
first_line(char *out, size_t size, const char *msg)
{
	size_t n;

	if (msg == NULL)
		msg = "";
	if (strncmp(msg, "ERROR:  ", 8) == 0)
		msg += 8;
	else if (strncmp(msg, "FATAL:  ", 8) == 0)
		msg += 8;
	n = strcspn(msg, "\n");
	if (n >= size)
		n = size - 1;
	memcpy(out, msg, n);
	out[n] = '\0';
}

/* Notes why res (or, NULL, the connection) failed, for pgsql_error and
 * the callers that look at the SQLSTATE. */
static void
note_failure(struct pgsql_store *st, const PGresult *res)
{
	const char *state =
	    res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary =
	    res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	snprintf(st->sqlstate, sizeof(st->sqlstate), "%s", state ? state : "");
	if (primary != NULL)
		first_line(st->errmsg, sizeof(st->errmsg), primary);
	else if (res != NULL && *PQresultErrorMessage(res) != '\0')
		first_line(st->errmsg, sizeof(st->errmsg),
		           PQresultErrorMessage(res));
	else
		first_line(st->errmsg, sizeof(st->errmsg),
		           PQerrorMessage(st->conn));
}

int
pgsql_error(struct pgsql_store *st, struct errbuf *eb, const char *what)
{
	if (st->errmsg[0] == '\0')
		first_line(st->errmsg, sizeof(st->errmsg),
		           st->conn ? PQerrorMessage(st->conn)
		                    : "no connection");
	errbuf_set(eb, "database %s: %s: %s", st->label, what, st->errmsg);
	return STORE_E_AGAIN;
}

int
pgsql_lost(const struct pgsql_store *st)
{
	return st->conn == NULL || PQstatus(st->conn) == CONNECTION_BAD;
}

int
pgsql_retryable(const struct pgsql_store *st)
{
	return strcmp(st->sqlstate, "40001") == 0 ||
	       strcmp(st->sqlstate, "40P01") == 0;
}

const char *
pgsql_sqlstate(const PGresult *res)
{
	const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return s ? s : "";
}

PGresult *
pgsql_query_params(struct pgsql_store *st, const char *sql, int n,
                   const char *const *values, const int *lengths,
                   const int *formats, struct errbuf *eb, const char *what)
{
	PGresult *res;
	ExecStatusType rc;

	st->sqlstate[0] = st->errmsg[0] = '\0';
	res = PQexecParams(st->conn, sql, n, NULL, values, lengths, formats, 0);
	rc = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (rc == PGRES_COMMAND_OK || rc == PGRES_TUPLES_OK)
		return res;
	note_failure(st, res);
	PQclear(res);
	pgsql_error(st, eb, what);
	return NULL;
}

PGresult *
pgsql_query(struct pgsql_store *st, const char *sql, int n,
            const char *const *params, struct errbuf *eb, const char *what)
{
	return pgsql_query_params(st, sql, n, params, NULL, NULL, eb, what);
}

/* Without parameters, sql may hold several statements (PQexec); the
 * result is the last one's. */
int
pgsql_exec(struct pgsql_store *st, const char *sql, int n,
           const char *const *params, struct errbuf *eb, const char *what)
{
	PGresult *res;
	ExecStatusType rc;

	if (n > 0) {
		if ((res = pgsql_query(st, sql, n, params, eb, what)) == NULL)
			return -1;
		PQclear(res);
		return 0;
	}
	st->sqlstate[0] = st->errmsg[0] = '\0';
	res = PQexec(st->conn, sql);
	rc = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (rc == PGRES_COMMAND_OK || rc == PGRES_TUPLES_OK) {
		PQclear(res);
		return 0;
	}
	note_failure(st, res);
	PQclear(res);
	return pgsql_error(st, eb, what);
}

const char *
pgsql_int(char *buf, int64_t v)
{
	snprintf(buf, 24, "%lld", (long long)v);
	return buf;
}

int64_t
pgsql_get_int(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return 0;
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

const char *
pgsql_get_text(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return "";
	return PQgetvalue(res, row, col);
}

/* ---- Statements built piece by piece ---- */

void
pgsql_sb_init(struct pgsql_sb *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void
pgsql_sb_reset(struct pgsql_sb *sb)
{
	sb->len = 0;
	sb->n = 0;
	sb->oom = 0;
	if (sb->sql != NULL)
		sb->sql[0] = '\0';
}

void
pgsql_sb_free(struct pgsql_sb *sb)
{
	free(sb->sql);
	free(sb->vals);
	free(sb->lens);
	free(sb->fmts);
	pgsql_sb_init(sb);
}

void
pgsql_sb_add(struct pgsql_sb *sb, const char *fmt, ...)
{
	va_list ap;
	size_t need, cap;
	char *ns;
	int k;

	if (sb->oom)
		return;
	va_start(ap, fmt);
	k = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (k < 0) {
		sb->oom = 1;
		return;
	}
	need = sb->len + (size_t)k + 1;
	if (need > sb->cap) {
		cap = sb->cap ? sb->cap : 4096;
		while (cap < need)
			cap *= 2;
		if ((ns = realloc(sb->sql, cap)) == NULL) {
			sb->oom = 1;
			return;
		}
		sb->sql = ns;
		sb->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(sb->sql + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	sb->len += (size_t)k;
}

static int
sb_param(struct pgsql_sb *sb, const char *p, int len, int fmt)
{
	int cap;

	if (sb->oom)
		return 1;
	if (sb->n == sb->ncap) {
		cap = sb->ncap ? sb->ncap * 2 : 64;
		const char **v = reallocarray(sb->vals, cap, sizeof(*v));
		int *l = v ? reallocarray(sb->lens, cap, sizeof(*l)) : NULL;
		int *f;

		if (v != NULL)
			sb->vals = v;
		if (l != NULL)
			sb->lens = l;
		f = l ? reallocarray(sb->fmts, cap, sizeof(*f)) : NULL;
		if (f == NULL) {
			sb->oom = 1;
			return 1;
		}
		sb->fmts = f;
		sb->ncap = cap;
	}
	sb->vals[sb->n] = p;
	sb->lens[sb->n] = len;
	sb->fmts[sb->n] = fmt;
	return ++sb->n;
}

int
pgsql_sb_text(struct pgsql_sb *sb, const char *s)
{
	return sb_param(sb, s, 0, 0);
}

int
pgsql_sb_bin(struct pgsql_sb *sb, const void *p, size_t len)
{
	/* libpq takes a length as int: the store's inputs are bounded far
	 * below (LIMIT_INPUT_SIZE_MAX). */
	if (len > (size_t)0x7fffffff) {
		sb->oom = 1;
		return 1;
	}
	return sb_param(sb, p ? p : "", (int)len, 1);
}

PGresult *
pgsql_sb_exec(struct pgsql_store *st, struct pgsql_sb *sb, struct errbuf *eb,
              const char *what)
{
	if (sb->oom || sb->sql == NULL) {
		errbuf_set(eb, "database %s: %s: out of memory", st->label,
		           what);
		return NULL;
	}
	return pgsql_query_params(st, sb->sql, sb->n, sb->vals, sb->lens,
	                          sb->fmts, eb, what);
}

/* ---- The connection ---- */

/* libpq prints the server's notices on stderr by default; the core
 * writes nowhere. */
static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* What every session of the store sets, at open and after a reset. */
static int
session_setup(struct pgsql_store *st, struct errbuf *eb)
{
	char sql[512];

	/* lock_timeout is SQLite's busy timeout: 0 there fails at once,
	 * here it would wait for ever. */
	snprintf(sql, sizeof(sql),
	         "SET lock_timeout = %d; SET TIME ZONE 'UTC';"
	         " SET client_min_messages = warning;"
	         " SET default_transaction_isolation = 'read committed'%s%s",
	         st->busy_timeout_ms > 0 ? st->busy_timeout_ms : 1,
	         st->readonly ? "; SET default_transaction_read_only = on" : "",
	         /* As SQLite's synchronous=NORMAL for the batch writer: a
	          * crash may lose its last commits, never half of one. */
	         st->flags & STORE_DURABLE ? ""
	                                   : "; SET synchronous_commit = off");
	return pgsql_exec(st, sql, 0, NULL, eb, "session");
}

int
pgsql_connect(struct pgsql_store *st, struct errbuf *eb)
{
	if (!pgsql_lost(st))
		return 0;
	PQreset(st->conn);
	if (PQstatus(st->conn) != CONNECTION_OK) {
		st->errmsg[0] = '\0';
		st->sqlstate[0] = '\0';
		return pgsql_error(st, eb, "connection lost");
	}
	PQsetNoticeProcessor(st->conn, quiet, NULL);
	st->in_batch = 0;
	return session_setup(st, eb);
}

/* The label of a connection: postgresql://user@host:port/dbname with
 * what the string names of them, never its password. */
static char *
make_label(const PQconninfoOption *opts)
{
	const char *user = NULL, *host = NULL, *port = NULL, *db = NULL;
	const PQconninfoOption *o;
	char *label;

	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || *o->val == '\0')
			continue;
		if (strcmp(o->keyword, "user") == 0)
			user = o->val;
		else if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0 && host == NULL)
			host = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "dbname") == 0)
			db = o->val;
	}
	if (asprintf(&label, "postgresql://%s%s%s%s%s%s%s", user ? user : "",
	             user ? "@" : "", host ? host : "", port ? ":" : "",
	             port ? port : "", db ? "/" : "", db ? db : "") < 0)
		return NULL;
	return label;
}

/* Parses the connection string: refuses one that holds a password, and
 * sets st->label. */
static int
check_conninfo(struct pgsql_store *st, struct errbuf *eb)
{
	PQconninfoOption *opts, *o;
	char *err = NULL;
	int ret = 0;

	if ((opts = PQconninfoParse(st->conninfo, &err)) == NULL) {
		char line[256];

		first_line(line, sizeof(line), err ? err : "out of memory");
		PQfreemem(err);
		/* The string itself is not shown: it may hold a password. */
		return errbuf_set(eb,
		                  "database: not a PostgreSQL connection "
		                  "URI or keyword string: %s",
		                  line);
	}
	if ((st->label = make_label(opts)) == NULL)
		ret = errbuf_set(eb, "out of memory");
	for (o = opts; ret == 0 && o->keyword != NULL; o++)
		if ((strcmp(o->keyword, "password") == 0 ||
		     strcmp(o->keyword, "sslpassword") == 0) &&
		    o->val != NULL && *o->val != '\0')
			ret = errbuf_set(
			    eb,
			    "database %s: a password in the connection "
			    "string is refused (it would show in ps and in "
			    "configuration files): put it in ~/.pgpass, the "
			    "file PGPASSFILE names, or a service file",
			    st->label);
	PQconninfoFree(opts);
	return ret == 0 ? 0 : STORE_E_ACCESS;
}

/* After a failed connection: STORE_E_ACCESS when the server refused
 * this role (libpq gives no SQLSTATE for it, only its words), else
 * STORE_E_AGAIN. */
static int
connect_error(struct pgsql_store *st, struct errbuf *eb)
{
	const char *msg = PQerrorMessage(st->conn);
	char line[256];
	int access = PQconnectionNeedsPassword(st->conn) ||
	             strstr(msg, "authentication failed") != NULL ||
	             strstr(msg, "permission denied") != NULL ||
	             strstr(msg, "no pg_hba.conf entry") != NULL ||
	             (strstr(msg, "role \"") != NULL &&
	              strstr(msg, "does not exist") != NULL);

	first_line(line, sizeof(line), msg);
	if (!access) {
		errbuf_set(eb, "database %s: cannot connect: %s", st->label,
		           line);
		return STORE_E_AGAIN;
	}
	errbuf_set(eb,
	           "database %s: cannot connect: %s (a password goes in "
	           "~/.pgpass, PGPASSFILE or a service file of this user; "
	           "the role needs CONNECT on the database)",
	           st->label, line);
	return STORE_E_ACCESS;
}

static int
connect_db(struct pgsql_store *st, struct errbuf *eb)
{
	/* expand_dbname: the URI or keyword string is dbname's value; what
	 * it sets wins over the keywords before it. */
	const char *const keys[] = {"connect_timeout", "dbname",
	                            "fallback_application_name", NULL};
	const char *const vals[] = {"10", st->conninfo, "tlsrpt", NULL};

	st->conn = PQconnectdbParams(keys, vals, 1);
	if (st->conn == NULL)
		return errbuf_set(eb, "database %s: out of memory", st->label);
	if (PQstatus(st->conn) != CONNECTION_OK)
		return connect_error(st, eb);
	PQsetNoticeProcessor(st->conn, quiet, NULL);
	return session_setup(st, eb);
}

/* A failure at open whose SQLSTATE says this role may not do it. */
static int
access_state(const struct pgsql_store *st)
{
	return strcmp(st->sqlstate, "28000") == 0 ||
	       strcmp(st->sqlstate, "28P01") == 0 ||
	       strcmp(st->sqlstate, "42501") == 0;
}

int
pgsql_open(const char *path, int flags, int busy_timeout_ms,
           struct pgsql_store **out, struct errbuf *eb)
{
	struct pgsql_store *st;
	int ret;

	*out = NULL;
	if (strncmp(path, "pg:", 3) == 0)
		path += 3;
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->conninfo = strdup(path)) == NULL) {
		free(st);
		return errbuf_set(eb, "out of memory");
	}
	st->flags = flags;
	st->readonly = (flags & STORE_READONLY) != 0;
	st->busy_timeout_ms = busy_timeout_ms;
	if ((ret = check_conninfo(st, eb)) != 0 ||
	    (ret = connect_db(st, eb)) != 0)
		goto fail;
	if ((flags & STORE_CHECK) &&
	    (ret = pgsql_exec(st, "SELECT 1", 0, NULL, eb, "check")) != 0)
		goto fail;
	if ((ret = pgsql_schema_open(st, flags, eb)) != 0)
		goto fail;
	if (!st->readonly && st->version == pgsql_schema_latest() &&
	    (ret = pgsql_months_ahead(st, eb)) != 0)
		goto fail;
	*out = st;
	return 0;
fail:
	if (ret == STORE_E_AGAIN && access_state(st))
		ret = STORE_E_ACCESS;
	pgsql_close(st);
	return ret;
}

void
pgsql_close(struct pgsql_store *st)
{
	if (st == NULL)
		return;
	if (st->conn != NULL && PQstatus(st->conn) == CONNECTION_OK &&
	    PQtransactionStatus(st->conn) != PQTRANS_IDLE)
		PQclear(PQexec(st->conn, "ROLLBACK"));
	PQfinish(st->conn);
	rollup_acc_free(st->acc);
	free(st->months);
	free(st->conninfo);
	free(st->label);
	free(st);
}

/* ---- Transactions ---- */

/* BEGIN and the version, in one round trip: each statement of a
 * PQexec string reads with its own snapshot, so the version is read
 * after the shared lock is held, and tlsrpt upgrade, which takes it
 * exclusive, cannot change it before this transaction ends. */
static int
begin_once(struct pgsql_store *st, int *version, struct errbuf *eb)
{
	char sql[192];
	PGresult *res;

	snprintf(sql, sizeof(sql),
	         "BEGIN ISOLATION LEVEL READ COMMITTED;"
	         " SELECT pg_advisory_xact_lock_shared(%d, %d);"
	         " SELECT version FROM tlsrpt_schema",
	         PGSQL_LOCK_CLASS, PGSQL_LOCK_SCHEMA);
	st->sqlstate[0] = st->errmsg[0] = '\0';
	res = PQexec(st->conn, sql);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		note_failure(st, res);
		PQclear(res);
		if (PQtransactionStatus(st->conn) != PQTRANS_IDLE)
			PQclear(PQexec(st->conn, "ROLLBACK"));
		return pgsql_error(st, eb, "begin");
	}
	*version = (int)pgsql_get_int(res, 0, 0);
	PQclear(res);
	return 0;
}

int
pgsql_write_begin(struct pgsql_store *st, struct errbuf *eb)
{
	int v = -1;

	if (st->readonly)
		return errbuf_set(eb, "database %s: opened read-only",
		                  st->label);
	if (pgsql_connect(st, eb) != 0)
		return -1;
	/* A connection the server closed while it was idle is found out
	 * here, before anything of the caller's was sent. */
	if (begin_once(st, &v, eb) != 0 &&
	    (!pgsql_lost(st) || pgsql_connect(st, eb) != 0 ||
	     begin_once(st, &v, eb) != 0))
		return -1;
	st->nmonths_kept = st->nmonths;
	if (v == st->version)
		return 0;
	errbuf_set(eb,
	           "database %s was upgraded to schema version %d while "
	           "this program was running (it writes version %d)",
	           st->label, v, st->version);
	pgsql_write_rollback(st);
	return STORE_E_SCHEMA;
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int
pgsql_write_commit(struct pgsql_store *st, struct errbuf *eb)
{
	int64_t t0 = now_ns(), t1;
	int ret = pgsql_rollup_flush(st, eb);
	PGresult *res;

	t1 = now_ns();
	st->timing.rollup_ns += t1 - t0;
	if (ret == 0 &&
	    (res = pgsql_query(st, "COMMIT", 0, NULL, eb, "commit")) != NULL) {
		/* COMMIT of a transaction that had failed rolls it back
		 * and says so only in its tag. */
		if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
			snprintf(st->errmsg, sizeof(st->errmsg),
			         "the transaction was rolled back");
			ret = pgsql_error(st, eb, "commit");
		}
		PQclear(res);
	} else {
		ret = -1;
	}
	st->timing.commit_ns += now_ns() - t1;
	if (ret == 0)
		st->nmonths_kept = st->nmonths;
	return ret;
}

void
pgsql_write_rollback(struct pgsql_store *st)
{
	rollup_acc_clear(st->acc);
	st->nmonths = st->nmonths_kept;
	if (st->conn != NULL && PQstatus(st->conn) == CONNECTION_OK &&
	    PQtransactionStatus(st->conn) != PQTRANS_IDLE)
		PQclear(PQexec(st->conn, "ROLLBACK"));
}

int
pgsql_begin(struct pgsql_store *st, struct errbuf *eb)
{
	int ret;

	if ((ret = pgsql_write_begin(st, eb)) != 0)
		return ret;
	st->in_batch = 1;
	st->bulk = 0;
	return 0;
}

int
pgsql_begin_bulk(struct pgsql_store *st, struct errbuf *eb)
{
	int ret;

	if ((ret = pgsql_begin(st, eb)) != 0)
		return ret;
	st->bulk = 1;
	return 0;
}

int
pgsql_commit(struct pgsql_store *st, struct errbuf *eb)
{
	st->in_batch = 0;
	if (pgsql_write_commit(st, eb) != 0) {
		pgsql_write_rollback(st);
		return -1;
	}
	return 0;
}

void
pgsql_rollback(struct pgsql_store *st)
{
	st->in_batch = 0;
	pgsql_write_rollback(st);
}

void
pgsql_timing(const struct pgsql_store *st, struct store_timing *out)
{
	*out = st->timing;
}
