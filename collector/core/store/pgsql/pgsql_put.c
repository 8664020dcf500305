/*
 * pgsql_put.c - storing inputs in PostgreSQL: reports deduplicated on
 * (organization, report-id), rejected inputs into the quarantine, each
 * input all-or-nothing (store.h store_put_input).
 *
 * A report is one statement, one round trip: the report row (INSERT ...
 * ON CONFLICT DO NOTHING RETURNING id) and, in CTEs that read its id, its
 * bytes, its policies and their failure details. When the identity is
 * there already, the CTE returns no row and nothing else is inserted:
 * under READ COMMITTED, a second writer of the same report waits on the
 * unique index for the first one's transaction, then finds the row and
 * answers DUPLICATE, so concurrent writers make one STORED.
 *
 * PostgreSQL aborts a transaction at its first error, where SQLite goes
 * on: a report the server refuses for a reason of its own (a data
 * exception, a value too long for an index) is undone with its whole
 * input, which is then written again with that report quarantined
 * (STORE_REJECTED). Keys too long for an index are refused before they
 * are sent, so that a bulk batch (no savepoints) is not spoiled by them.
 *
 * Partitions: policy and failure rows go straight into their month's
 * partition (policy_YYYYMM), which is made first (pgsql_month_ensure in
 * pgsql_schema.c) and remembered in st->months. A partition that prune dropped
 * meanwhile is an error (42P01), not a row silently routed to the default
 * partition: the months are forgotten and the input is tried again. A partition
 * does not take the parent's identity (PostgreSQL 15): policy.id is
 * drawn from the parent's sequence by the statement.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "limits.h"
#include "pgsql_impl.h"
#include "rollup_acc.h"

/* Statements are cut where they would pass this many parameters
 * (PostgreSQL takes 65535) or bytes of SQL. */
#define PUT_PARAMS_MAX 30000
#define PUT_SQL_MAX    (8 * 1024 * 1024)

/* The texts of one index entry may not pass about a third of a page
 * (2704 bytes for btree); below it with room for the other columns. */
#define PUT_KEY_MAX 2600

/* A standalone put that meets a serialization failure or a deadlock is
 * tried again so many times, after a short random pause. */
#define PUT_TRIES 5

/* ---- One report ---- */

/* Strings made for a statement (joined lines), freed after it. */
struct owned {
	char **v;
	size_t n, cap;
	int oom;
};

static const char *
own(struct owned *o, char *s)
{
	char **nv;

	if (s == NULL) {
		o->oom = 1;
		return NULL;
	}
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 16;

		if ((nv = reallocarray(o->v, cap, sizeof(*nv))) == NULL) {
			free(s);
			o->oom = 1;
			return NULL;
		}
		o->v = nv;
		o->cap = cap;
	}
	return o->v[o->n++] = s;
}

static void
owned_free(struct owned *o)
{
	while (o->n > 0)
		free(o->v[--o->n]);
	free(o->v);
	o->v = NULL;
	o->cap = 0;
}

/* n strings joined with newlines, owned by o; NULL when n is 0. */
static const char *
join_lines(struct owned *o, const char *const *v, size_t n)
{
	size_t i, len = 0, at = 0;
	char *s;

	if (n == 0)
		return NULL;
	for (i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	if ((s = malloc(len)) == NULL)
		return own(o, NULL);
	for (i = 0; i < n; i++) {
		size_t k = strlen(v[i]);

		memcpy(s + at, v[i], k);
		at += k;
		s[at++] = '\n';
	}
	s[at - 1] = '\0';
	return own(o, s);
}

/* Where one report's statement is. */
struct rep {
	struct pgsql_store *st;
	struct pgsql_sb *sb;
	struct owned own;
	char ptab[32], ftab[32]; /* its month's partitions */
	int first;               /* the statement holds the CTE r */
	int ncte;                /* CTEs in the statement */
	int pcte;                /* the open policy's CTE in it, or -1 */
	int group;               /* a failure VALUES list is open */
	int64_t rid, pid;        /* ids known (0: not yet) */
};

static const char *
sep(struct rep *x)
{
	return x->ncte++ ? ", " : "WITH ";
}

static void
close_group(struct rep *x)
{
	if (x->group)
		pgsql_sb_add(x->sb, ") v)");
	x->group = 0;
}

/* Runs the statement so far: 1 when the report's identity was stored
 * already (nothing inserted), 0, or -1. */
static int
rep_flush(struct rep *x, struct errbuf *eb)
{
	PGresult *res;
	int dup = 0;

	close_group(x);
	pgsql_sb_add(x->sb, " SELECT %s, ",
	             x->first ? "(SELECT id FROM r)" : "0");
	if (x->pcte >= 0 && x->pid == 0)
		pgsql_sb_add(x->sb, "(SELECT id FROM p%d)", x->pcte);
	else
		pgsql_sb_add(x->sb, "0");
	if ((res = pgsql_sb_exec(x->st, x->sb, eb, "write")) == NULL)
		return -1;
	if (x->first && PQgetisnull(res, 0, 0))
		dup = 1;
	else if (x->first)
		x->rid = pgsql_get_int(res, 0, 0);
	if (x->pcte >= 0 && x->pid == 0)
		x->pid = pgsql_get_int(res, 0, 1);
	PQclear(res);
	pgsql_sb_reset(x->sb);
	x->first = 0;
	x->ncte = 0;
	x->pcte = -1;
	return dup;
}

/* Cuts the statement before it grows past the bounds. */
static int
rep_room(struct rep *x, struct errbuf *eb)
{
	if (x->sb->n + 16 < PUT_PARAMS_MAX && x->sb->len < PUT_SQL_MAX)
		return 0;
	return rep_flush(x, eb);
}

static int
rep_begin(struct rep *x, const struct store_item *it,
          const struct store_meta *m)
{
	const struct report *r = it->report;
	struct pgsql_sb *sb = x->sb;
	const char *key =
	    r->organization_key ? r->organization_key : r->organization;

	pgsql_sb_add(
	    sb,
	    "WITH r AS (INSERT INTO report (organization, org_key, report_id,"
	    " contact_info, start_time, end_time, received_time, channel,"
	    " source, submitter, dkim, warnings, digest) VALUES ($%d::text,"
	    " $%d::text, $%d::text, $%d::text, %lld, %lld, %lld, $%d::text,"
	    " $%d::text, $%d::text, $%d::text, $%d::text, $%d::bytea)"
	    " ON CONFLICT (org_key, report_id) DO NOTHING RETURNING id),"
	    " w AS (INSERT INTO report_raw (report, bytes)"
	    " SELECT id, $%d::bytea FROM r)",
	    pgsql_sb_text(sb, r->organization), pgsql_sb_text(sb, key),
	    pgsql_sb_text(sb, r->report_id), pgsql_sb_text(sb, r->contact_info),
	    (long long)r->start_time, (long long)r->end_time,
	    (long long)m->received_time,
	    pgsql_sb_text(sb, m->channel ? m->channel : "unknown"),
	    pgsql_sb_text(sb, m->source), pgsql_sb_text(sb, m->submitter),
	    pgsql_sb_text(sb, m->dkim),
	    pgsql_sb_text(sb, join_lines(&x->own, r->warnings, r->nwarnings)),
	    it->digest ? pgsql_sb_bin(sb, it->digest, HASH_SHA256_LEN)
	               : pgsql_sb_text(sb, NULL),
	    pgsql_sb_bin(sb, it->raw, it->rawlen));
	x->ncte = 2;
	x->first = 1;
	return x->own.oom ? -1 : 0;
}

static void
rep_policy(struct rep *x, const struct report *r, const struct report_policy *p)
{
	struct pgsql_sb *sb = x->sb;
	char rid[24];
	int n;

	pgsql_int(rid, x->rid);
	n = x->ncte;
	pgsql_sb_add(
	    sb,
	    "%sp%d AS (INSERT INTO %s (id, report, start_time, policy_type,"
	    " policy_domain, policy_mode, mx_host, successful_sessions,"
	    " failed_sessions, counts_for_domain) SELECT"
	    " nextval(pg_get_serial_sequence('policy', 'id')), %s, %lld,"
	    " $%d::text,"
	    " $%d::text, $%d::text, $%d::text, %lld, %lld, %d%s"
	    " RETURNING id)",
	    sep(x), n, x->ptab, x->first ? "r.id" : rid,
	    (long long)r->start_time, pgsql_sb_text(sb, p->policy_type),
	    pgsql_sb_text(sb, p->policy_domain),
	    pgsql_sb_text(sb, p->policy_mode),
	    pgsql_sb_text(sb, join_lines(&x->own, p->mx_hosts, p->nmx_hosts)),
	    (long long)p->successful_sessions, (long long)p->failed_sessions,
	    p->counts_for_domain, x->first ? " FROM r" : "");
	x->pcte = n;
	x->pid = 0;
}

/* Whether s is an address inet_pton reads (else the inet column is
 * NULL: PostgreSQL's inet reads more, such as "10/8"). */
static int
is_address(const char *s)
{
	unsigned char buf[16];

	return s != NULL && (inet_pton(AF_INET, s, buf) == 1 ||
	                     inet_pton(AF_INET6, s, buf) == 1);
}

static void
rep_failure(struct rep *x, const struct report *r,
            const struct report_failure *f, size_t seq)
{
	struct pgsql_sb *sb = x->sb;
	int mta, rip;
	char inet1[24], inet2[24];

	if (!x->group) {
		pgsql_sb_add(sb,
		             "%sf%d AS (INSERT INTO %s (policy, start_time,"
		             " seq, result_type, sending_mta_ip,"
		             " sending_mta_inet, receiving_mx_hostname,"
		             " receiving_mx_helo, receiving_ip, receiving_inet,"
		             " additional_information, failure_reason_code,"
		             " failed_sessions)",
		             sep(x), x->ncte, x->ftab);
		if (x->pcte >= 0)
			pgsql_sb_add(sb,
			             " SELECT p%d.id, v.* FROM p%d, (VALUES ",
			             x->pcte, x->pcte);
		else
			pgsql_sb_add(sb, " SELECT %lld, v.* FROM (VALUES ",
			             (long long)x->pid);
		x->group = 1;
	} else {
		pgsql_sb_add(sb, ", ");
	}
	mta = pgsql_sb_text(sb, f->sending_mta_ip);
	rip = pgsql_sb_text(sb, f->receiving_ip);
	snprintf(inet1, sizeof(inet1), "$%d::inet", mta);
	snprintf(inet2, sizeof(inet2), "$%d::inet", rip);
	pgsql_sb_add(sb,
	             "(%lld::bigint, %zu, $%d::text, $%d::text, %s, $%d::text,"
	             " $%d::text, $%d::text, %s, $%d::text, $%d::text,"
	             " %lld::bigint)",
	             (long long)r->start_time, seq,
	             pgsql_sb_text(sb, f->result_type), mta,
	             is_address(f->sending_mta_ip) ? inet1 : "NULL::inet",
	             pgsql_sb_text(sb, f->receiving_mx_hostname),
	             pgsql_sb_text(sb, f->receiving_mx_helo), rip,
	             is_address(f->receiving_ip) ? inet2 : "NULL::inet",
	             pgsql_sb_text(sb, f->additional_information),
	             pgsql_sb_text(sb, f->failure_reason_code),
	             (long long)f->failed_sessions);
}

/* Writes the report's rows: 1 when its identity is stored already. */
static int
rep_write(struct rep *x, const struct store_item *it,
          const struct store_meta *m, struct errbuf *eb)
{
	const struct report *r = it->report;
	size_t i, j;
	int ret;

	if (rep_begin(x, it, m) != 0)
		return errbuf_set(eb, "out of memory");
	for (i = 0; i < r->npolicies; i++) {
		const struct report_policy *p = &r->policies[i];

		close_group(x);
		if ((ret = rep_room(x, eb)) != 0)
			return ret;
		rep_policy(x, r, p);
		for (j = 0; j < p->nfailures; j++) {
			if (x->sb->n + 16 >= PUT_PARAMS_MAX ||
			    x->sb->len >= PUT_SQL_MAX) {
				if ((ret = rep_flush(x, eb)) != 0)
					return ret;
			}
			rep_failure(x, r, &p->failures[j], j);
		}
	}
	if (x->own.oom)
		return errbuf_set(eb, "out of memory");
	return rep_flush(x, eb);
}

/* ---- The quarantine ---- */

/* Into the quarantine: a new row, or one more arrival of the same bytes
 * (the digest's ON CONFLICT). *kept is 0 when the bytes are new and the
 * quarantine is full (LIMIT_QUARANTINE_BYTES): nothing is added then.
 * *again is 1 when the same bytes were there already. The usage row is
 * kept in the same statement. */
static int
put_quarantine(struct pgsql_store *st, const void *raw, size_t rawlen,
               const char *reason, const struct store_meta *m, int *kept,
               int *again, struct errbuf *eb)
{
	unsigned char d[HASH_SHA256_LEN];
	struct pgsql_sb sb;
	PGresult *res;
	int64_t used;

	*kept = 1;
	*again = 0;
	hash_sha256(raw ? raw : "", rawlen, d);
	if ((res = pgsql_query(st, "SELECT bytes FROM quarantine_usage", 0,
	                       NULL, eb, "quarantine")) == NULL)
		return -1;
	used = PQntuples(res) ? pgsql_get_int(res, 0, 0) : 0;
	PQclear(res);
	pgsql_sb_init(&sb);
	if (rawlen > LIMIT_QUARANTINE_BYTES ||
	    used > (int64_t)(LIMIT_QUARANTINE_BYTES - rawlen)) {
		pgsql_sb_add(&sb,
		             "UPDATE quarantine SET count = count + 1,"
		             " last_seen = greatest(last_seen, %lld),"
		             " reason = $%d::text WHERE digest = $%d::bytea",
		             (long long)m->received_time,
		             pgsql_sb_text(&sb, reason ? reason : "rejected"),
		             pgsql_sb_bin(&sb, d, sizeof(d)));
		if ((res = pgsql_sb_exec(st, &sb, eb, "quarantine")) != NULL)
			*kept = *again = atoi(PQcmdTuples(res)) > 0;
	} else {
		pgsql_sb_add(
		    &sb,
		    "WITH q AS (INSERT INTO quarantine (received_time,"
		    " last_seen, count, channel, source, submitter, reason,"
		    " bytes, digest) VALUES (%lld, %lld, 1, $%d::text,"
		    " $%d::text, $%d::text, $%d::text, $%d::bytea, $%d::bytea)"
		    " ON CONFLICT (digest) DO UPDATE SET"
		    " count = quarantine.count + 1,"
		    " last_seen = greatest(quarantine.last_seen,"
		    " excluded.last_seen), reason = excluded.reason"
		    " RETURNING count), u AS (UPDATE quarantine_usage"
		    " SET bytes = bytes + %zu WHERE (SELECT count FROM q) = 1)"
		    " SELECT count FROM q",
		    (long long)m->received_time, (long long)m->received_time,
		    pgsql_sb_text(&sb, m->channel ? m->channel : "unknown"),
		    pgsql_sb_text(&sb, m->source),
		    pgsql_sb_text(&sb, m->submitter),
		    pgsql_sb_text(&sb, reason ? reason : "rejected"),
		    pgsql_sb_bin(&sb, raw, rawlen),
		    pgsql_sb_bin(&sb, d, sizeof(d)), rawlen);
		if ((res = pgsql_sb_exec(st, &sb, eb, "quarantine")) != NULL)
			*again = pgsql_get_int(res, 0, 0) > 1;
	}
	pgsql_sb_free(&sb);
	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

/* ---- Inputs ---- */

/* A report whose identity is stored already: a plain duplicate when its
 * content is the same or either digest is unknown, else a duplicate with
 * different content, whose bytes are quarantined (as sqlite.c). */
static int
put_duplicate(struct pgsql_store *st, struct store_item *it,
              const struct store_meta *m, struct errbuf *eb)
{
	const struct report *r = it->report;
	const char *p[2] = {r->organization_key ? r->organization_key
	                                        : r->organization,
	                    r->report_id};
	char hex[2 * HASH_SHA256_LEN + 1];
	PGresult *res;
	int same = 1, kept;
	size_t i;

	it->result = STORE_DUPLICATE;
	if ((res = pgsql_query(st,
	                       "SELECT id, encode(digest, 'hex') FROM report"
	                       " WHERE org_key = $1 AND report_id = $2",
	                       2, p, eb, "duplicate")) == NULL)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		snprintf(st->errmsg, sizeof(st->errmsg),
		         "the stored report is gone");
		return pgsql_error(st, eb, "duplicate");
	}
	it->key = pgsql_get_int(res, 0, 0);
	if (it->digest != NULL && !PQgetisnull(res, 0, 1)) {
		for (i = 0; i < HASH_SHA256_LEN; i++)
			snprintf(hex + 2 * i, 3, "%02x", it->digest[i]);
		same = strcmp(PQgetvalue(res, 0, 1), hex) == 0;
	}
	PQclear(res);
	if (same)
		return 0;
	it->result = STORE_DIFFERENT;
	snprintf(it->note, sizeof(it->note),
	         "duplicate, different content: organization %.100s "
	         "report-id %.100s (stored as report %lld)",
	         r->organization, r->report_id, (long long)it->key);
	return put_quarantine(st, it->raw, it->rawlen, it->note, m, &kept,
	                      &it->again, eb);
}

static size_t
len4(const char *a, const char *b, const char *c, const char *d)
{
	return (a ? strlen(a) : 0) + (b ? strlen(b) : 0) + (c ? strlen(c) : 0) +
	       (d ? strlen(d) : 0);
}

/* The longest index key the report would make (its identity, a policy
 * index, a rollup row's key). */
static size_t
longest_key(const struct report *r)
{
	size_t i, j, n, max;

	max = len4(r->organization_key ? r->organization_key : r->organization,
	           r->report_id, NULL, NULL);
	for (i = 0; i < r->npolicies; i++) {
		const struct report_policy *p = &r->policies[i];

		n = len4(p->policy_domain, r->organization, p->policy_type,
		         p->policy_mode);
		max = n > max ? n : max;
		for (j = 0; j < p->nfailures; j++) {
			const struct report_failure *f = &p->failures[j];

			n = len4(p->policy_mode, f->result_type,
			         f->sending_mta_ip, r->organization);
			max = n > max ? n : max;
			n = len4(p->policy_domain, p->policy_type,
			         f->result_type, f->receiving_mx_hostname);
			max = n > max ? n : max;
		}
	}
	return max;
}

static int
put_report(struct pgsql_store *st, struct store_item *it,
           const struct store_meta *m, struct errbuf *eb)
{
	struct pgsql_sb sb;
	struct rep x;
	char tag[16];
	int ret;

	if (st->in_batch &&
	    pgsql_month_ensure(st, it->report->start_time, eb) != 0)
		return -1;
	memset(&x, 0, sizeof(x));
	x.st = st;
	x.sb = &sb;
	x.pcte = -1;
	if (pgsql_month(it->report->start_time, NULL, tag, sizeof(tag))) {
		snprintf(x.ptab, sizeof(x.ptab), "policy_%s", tag);
		snprintf(x.ftab, sizeof(x.ftab), "failure_%s", tag);
	} else {
		snprintf(x.ptab, sizeof(x.ptab), "policy");
		snprintf(x.ftab, sizeof(x.ftab), "failure");
	}
	pgsql_sb_init(&sb);
	ret = rep_write(&x, it, m, eb);
	pgsql_sb_free(&sb);
	owned_free(&x.own);
	if (ret < 0)
		return -1;
	if (ret == 1)
		return put_duplicate(st, it, m, eb);
	it->result = STORE_STORED;
	it->key = x.rid;
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

/* A report the store cannot take, for a reason of its own: quarantined
 * with its note (STORE_REJECTED). */
static int
put_rejected(struct pgsql_store *st, struct store_item *it,
             const struct store_meta *m, struct errbuf *eb)
{
	int kept;

	it->result = STORE_REJECTED;
	it->key = 0;
	if (put_quarantine(st, it->raw, it->rawlen, it->note, m, &kept,
	                   &it->again, eb) != 0)
		return -1;
	if (!kept)
		not_kept(it);
	return 0;
}

/* Writes every item; *failed is the item that failed. rejected[i] says
 * which reports are quarantined instead. */
static int
put_items(struct pgsql_store *st, struct store_item *items, size_t nitems,
          const char *rejected, const struct store_meta *m, size_t *failed,
          struct errbuf *eb)
{
	size_t i;
	int kept, ret;

	for (i = 0; i < nitems; i++) {
		struct store_item *it = &items[i];

		*failed = i;
		it->again = 0;
		it->key = 0;
		if (!rejected[i]) /* an earlier try's note */
			it->note[0] = '\0';
		if (it->report != NULL && rejected[i])
			ret = put_rejected(st, it, m, eb);
		else if (it->report != NULL)
			ret = put_report(st, it, m, eb);
		else if ((ret = put_quarantine(st, it->raw, it->rawlen,
		                               it->reason, m, &kept, &it->again,
		                               eb)) == 0) {
			it->result = STORE_STORED;
			if (!kept)
				not_kept(it);
		}
		if (ret != 0)
			return -1;
	}
	return 0;
}

/* Whether the last failure was of the data, not of the storage: a data
 * exception (22), an integrity constraint (23), a program limit such as
 * an index row too large (54). Every other failure is the storage's. */
static int
data_error(const struct pgsql_store *st)
{
	return strncmp(st->sqlstate, "22", 2) == 0 ||
	       strncmp(st->sqlstate, "23", 2) == 0 ||
	       strncmp(st->sqlstate, "54", 2) == 0;
}

/* A partition this process knew was dropped (prune, meanwhile). */
static int
stale_partition(struct pgsql_store *st)
{
	if (strcmp(st->sqlstate, "42P01") != 0)
		return 0;
	pgsql_months_forget(st, INT64_MAX);
	return 1;
}

/* After item i failed: marks it to be quarantined when it is a report
 * the server refused for a reason of its own; 0 when it was not. */
static int
mark_rejected(struct pgsql_store *st, struct store_item *items, size_t i,
              char *rejected)
{
	if (!data_error(st) || items[i].report == NULL || rejected[i])
		return 0;
	rejected[i] = 1;
	/* The server's words, not eb's "database LABEL: ...": the reason
	 * goes back to an anonymous sender in the HTTPS reply. */
	snprintf(items[i].note, sizeof(items[i].note), "cannot be stored: %s",
	         st->errmsg);
	return 1;
}

/* Adds the input's stored reports to the transaction's rollup rows. */
static int
note_rollups(struct pgsql_store *st, const struct store_item *items,
             size_t nitems, struct errbuf *eb)
{
	size_t i;

	for (i = 0; i < nitems; i++)
		if (items[i].report != NULL &&
		    items[i].result == STORE_STORED &&
		    rollup_acc_note(&st->acc, items[i].report, items[i].key) !=
		        0)
			return errbuf_set(eb, "out of memory");
	return 0;
}

static void
backoff(int tries)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	usleep((useconds_t)(5000 + (ts.tv_nsec / 1000) % 20000) *
	       (useconds_t)(tries + 1));
}

/* Outside a batch: the input in a transaction of its own, with its
 * rollup rows, tried again on a serialization failure or a deadlock, and
 * written again without a report the server refused. */
static int
put_alone(struct pgsql_store *st, struct store_item *items, size_t nitems,
          char *rejected, const struct store_meta *m, struct errbuf *eb)
{
	size_t i, failed;
	int ret, tries = 0, wrote;

	for (;;) {
		for (i = 0; i < nitems; i++)
			if (items[i].report != NULL && !rejected[i] &&
			    pgsql_month_ensure(st, items[i].report->start_time,
			                       eb) != 0)
				return -1;
		if ((ret = pgsql_write_begin(st, eb)) != 0)
			return ret;
		wrote =
		    put_items(st, items, nitems, rejected, m, &failed, eb) == 0;
		if (wrote && note_rollups(st, items, nitems, eb) == 0 &&
		    pgsql_write_commit(st, eb) == 0)
			return 0;
		pgsql_write_rollback(st);
		if (!wrote && mark_rejected(st, items, failed, rejected))
			continue;
		if ((pgsql_retryable(st) || stale_partition(st)) &&
		    ++tries < PUT_TRIES) {
			backoff(tries);
			continue;
		}
		return -1;
	}
}

/* In a batch: the input under a savepoint, undone alone and written
 * again without a report the server refused; in a bulk batch, a failure
 * spoils the batch (the caller rolls it back). */
static int
put_batched(struct pgsql_store *st, struct store_item *items, size_t nitems,
            char *rejected, const struct store_meta *m, struct errbuf *eb)
{
	size_t nm0 = st->nmonths, failed;
	struct errbuf ignore;

	if (!st->bulk &&
	    pgsql_exec(st, "SAVEPOINT input", 0, NULL, eb, "savepoint") != 0)
		return -1;
	for (;;) {
		if (put_items(st, items, nitems, rejected, m, &failed, eb) ==
		    0) {
			if (!st->bulk && pgsql_exec(st, "RELEASE input", 0,
			                            NULL, eb, "savepoint") != 0)
				return -1;
			return note_rollups(st, items, nitems, eb);
		}
		stale_partition(st);
		if (st->bulk)
			return -1;
		if (!mark_rejected(st, items, failed, rejected)) {
			pgsql_exec(st, "ROLLBACK TO input; RELEASE input", 0,
			           NULL, &ignore, "savepoint");
			st->nmonths = nm0;
			return -1;
		}
		if (pgsql_exec(st, "ROLLBACK TO input", 0, NULL, eb,
		               "savepoint") != 0)
			return -1;
		st->nmonths = nm0;
	}
}

int
pgsql_put_input(struct pgsql_store *st, struct store_item *items, size_t nitems,
                const struct store_meta *meta, struct errbuf *eb)
{
	char *rejected = calloc(nitems ? nitems : 1, 1);
	size_t i, n;
	int ret;

	if (rejected == NULL)
		return errbuf_set(eb, "out of memory");
	for (i = 0; i < nitems; i++) {
		if (items[i].report == NULL)
			continue;
		items[i].result = STORE_STORED;
		if ((n = longest_key(items[i].report)) <= PUT_KEY_MAX)
			continue;
		rejected[i] = 1;
		snprintf(items[i].note, sizeof(items[i].note),
		         "cannot be stored: a key of %zu bytes is too long "
		         "for an index (at most %d)",
		         n, PUT_KEY_MAX);
	}
	if (st->in_batch)
		ret = put_batched(st, items, nitems, rejected, meta, eb);
	else
		ret = put_alone(st, items, nitems, rejected, meta, eb);
	free(rejected);
	return ret;
}

int
pgsql_check_writable(struct pgsql_store *st, struct errbuf *eb)
{
	int ret;

	if ((ret = pgsql_write_begin(st, eb)) != 0)
		return ret;
	pgsql_write_rollback(st);
	return 0;
}
