/*
 * store.h - where reports are kept.
 *
 * The interface speaks of reports, quarantined inputs and the questions the
 * analyzer asks, not of SQL, so that another backend can stand behind it.
 * This one is SQLite: the schema (schema/NNN-*.sql) is compiled in; a new
 * database is made at the latest version by whichever writer opens it
 * first, an existing one of another version is refused (STORE_E_SCHEMA)
 * and only store_upgrade (tlsrpt upgrade) migrates it. WAL journal; a busy
 * timeout so that the milter, the HTTPS receiver and the CLI can write at
 * once.
 *
 * Every failure of a store function returning -1 is a failure of the
 * environment (locked past the busy timeout, disk full, read-only, I/O):
 * the caller answers "try again later" (milter 4xx, HTTP 503, import exit
 * 75). Bad input never reaches the store: the parser rejects it first.
 * The STORE_E_* codes below name the failures that waiting will not mend.
 */
#ifndef TLSRPT_STORE_H
#define TLSRPT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"
#include "report.h"

struct store;

#define STORE_DURABLE    0x1 /* synchronous=FULL: daemons acknowledge after */
#define STORE_MUST_EXIST 0x2 /* do not create: for queries */
/* PRAGMA quick_check at open: a damaged file is refused ("damaged") rather
 * than served. It reads every page: for a million reports (3.5 GB) 3.6 s
 * from the page cache, 48 s from disk; so the daemons ask, at start. */
#define STORE_CHECK 0x4
/* Read-only: for the queries (implies STORE_MUST_EXIST). Needs read access
 * to the database and write access to its -shm, or to its directory when
 * the -shm is missing (SQLite's "read-only WAL databases"): what group
 * tlsrpt's 0660 files in a 2770 directory give their members, with or
 * without a writer running (README "Who owns the database"). */
#define STORE_READONLY 0x8
/* An older schema is not refused: the store opens for store_upgrade (and
 * store_backup) alone, no write statement prepared. */
#define STORE_ANY_VERSION 0x10

/* Failures that are no "try again later" (store_open, and where said). */
#define STORE_E_AGAIN -1 /* the storage, as above */
/* The database is at another schema version than this program's: at
 * open, an older one (tlsrpt upgrade migrates it) or a newer one (install
 * the newer tlsrpt); at a write transaction, it was upgraded while this
 * program ran (restart the program). */
#define STORE_E_SCHEMA -2
#define STORE_E_NODIR  -3 /* the database's directory does not exist */
/* Permission denied on the database, its -wal or -shm, or its directory;
 * the message says whose they are and the fix. */
#define STORE_E_ACCESS -4

/* Results of store_put_input, per report. STORE_DIFFERENT: a duplicate
 * (the identity is stored) whose content differs from the stored one's;
 * its bytes were quarantined for a person to look at. */
#define STORE_STORED    0
#define STORE_DUPLICATE 1
#define STORE_DIFFERENT 2
/* A report the store could not take for a reason of its own (a value
 * SQLite refused), not of the storage failing: undone alone, quarantined
 * with note as its reason, the rest of the input and batch stored. */
#define STORE_REJECTED 3
/* A quarantine item not kept: the quarantine is at LIMIT_QUARANTINE_BYTES
 * (note says so). */
#define STORE_NOT_KEPT 4

/* Room for the reason a STORE_DIFFERENT item was quarantined with. */
#define STORE_NOTE_MAX 320

/* Opens (creating when needed, unless STORE_MUST_EXIST or STORE_READONLY)
 * the database at path. A new database (no file, or one that holds nothing)
 * is made at the latest schema version, as 0660 less the umask; an
 * existing one must be at this program's version (else STORE_E_SCHEMA,
 * unless STORE_ANY_VERSION). A writer is refused (STORE_E_ACCESS) when the
 * file could be opened for reading only. busy_timeout_ms bounds waiting
 * for another writer. Returns 0, or a negative STORE_E_* code with eb
 * saying why. The caller closes *out with store_close().
 *
 * A path that store_is_pgsql() names is a PostgreSQL database instead
 * (store/pgsql/): made at open by its own migrations, its passwords from
 * libpq's files, never from the path. */
int store_open(const char *path, int flags, int busy_timeout_ms,
               struct store **out, struct errbuf *eb);

/* The exit status (sysexits.h) of a program that cannot start after a
 * store_open or store_probe_write failure ret: 78 (EX_CONFIG) for
 * STORE_E_SCHEMA, 73 (EX_CANTCREAT) for STORE_E_NODIR, 77 (EX_NOPERM) for
 * STORE_E_ACCESS, else 1. */
int store_exit_status(int ret);

/* Whether path names a PostgreSQL database: a postgresql:// (or
 * postgres://) URI, or libpq keywords after "pg:". */
int store_is_pgsql(const char *path);

/* Closes the store; NULL is accepted. A transaction still open is rolled
 * back. */
void store_close(struct store *st);

/* Returns the schema version the database is at. */
int store_schema_version(struct store *st);

/* The schema version this program reads and writes: the newest step. */
int store_schema_latest(const struct store *st);

/* Brings a store opened with STORE_ANY_VERSION to the latest schema, every
 * step in one transaction: afterwards the database is at its old version
 * or at the latest, never between. Prepares the writes. */
int store_upgrade(struct store *st, struct errbuf *eb);

/* Writes a consistent copy of the database to dest (VACUUM INTO), which
 * must not exist. On failure nothing is left at dest. */
int store_backup(struct store *st, const char *dest, struct errbuf *eb);

/* For the daemons at start: whether this process can write the database
 * (a write transaction begun and rolled back: the file, its -wal and
 * -shm) and its directory (a file made and removed there: SQLite makes the
 * -wal and -shm there when they are missing and removes them at the last
 * close). STORE_E_ACCESS names the file, its owner and mode, and the fix;
 * a database locked past the busy timeout is no failure here. */
int store_probe_write(struct store *st, struct errbuf *eb);

/* Batching: between store_begin and store_commit, each put is its own
 * savepoint (all-or-nothing per input) and one commit makes them durable.
 * Without store_begin, each store_put_input call commits by itself. Every
 * write transaction first checks, inside it, that the schema version is
 * still the one opened: STORE_E_SCHEMA from store_begin, store_put_input
 * and store_check_writable when tlsrpt upgrade changed it meanwhile. */
int store_begin(struct store *st, struct errbuf *eb);

/* A bulk batch: as store_begin, but inputs get no savepoint of their own
 * (each costs a copy of every page it touches), so a failed put spoils the
 * whole batch: the caller must then store_rollback(). For writers that
 * give up the batch on any storage failure anyway (tlsrpt import). */
int store_begin_bulk(struct store *st, struct errbuf *eb);
int store_commit(struct store *st, struct errbuf *eb);
void store_rollback(struct store *st);

/* Where and how an input arrived; stored with what it produced. */
struct store_meta {
	const char *channel;   /* "import", "milter", "https", ... */
	const char *source;    /* file path, client address, message-id */
	const char *submitter; /* TLS-Report-Submitter or envelope sender */
	const char *dkim;      /* DKIM result for the submitter, or NULL */
	int64_t received_time; /* Unix seconds */
};

/* One item of an input: either a report to store, with the bytes it was
 * parsed from, or a rejected input to quarantine, with its reason. */
struct store_item {
	const struct report *report; /* NULL for a quarantine item */
	const void *raw;             /* bytes as received (gzip or JSON) */
	size_t rawlen;
	const char *reason; /* rejection reason, quarantine items */
	int result; /* out: STORE_STORED, _DUPLICATE, _DIFFERENT, _REJECTED,
	             * _NOT_KEPT */
	/* The SHA-256 (HASH_SHA256_LEN bytes) of the report's JSON as
	 * inflated, or NULL: then a duplicate is never told different. */
	const unsigned char *digest;
	int64_t key; /* out: the stored report's number */
	/* out: the bytes it quarantined were in the quarantine already (the
	 * same input rejected before: its count went up, nothing new). */
	int again;
	char note[STORE_NOTE_MAX]; /* out: the reason of STORE_DIFFERENT,
	                            * _REJECTED and _NOT_KEPT */
};

/* Stores every item of one input all-or-nothing (a savepoint inside a
 * batch, else its own transaction): reports deduplicated on
 * (organization-name, report-id), rejected inputs into the quarantine,
 * one row per distinct bytes (the same bytes again add to its count).
 * Fills items[i].result, .key and, for STORE_DIFFERENT, .note. On failure
 * nothing of the input is kept. */
int store_put_input(struct store *st, struct store_item *items, size_t nitems,
                    const struct store_meta *meta, struct errbuf *eb);

/* Answers whether the database can be written now (for health checks). */
int store_check_writable(struct store *st, struct errbuf *eb);

/* a + b, held at INT64_MAX (or INT64_MIN) instead of overflowing: the
 * sums the queries return are held there (SQL tlsrpt_sum()), so whoever
 * adds two of them adds with this. */
int64_t store_add_held(int64_t a, int64_t b);

/* Where a writer's time went, in nanoseconds since the store was opened:
 * upserting the rollup rows of its transactions, and their COMMITs (with
 * the checkpoints that follow them). */
struct store_timing {
	int64_t rollup_ns, commit_ns;
};
void store_timing(const struct store *st, struct store_timing *out);

/* ---- Queries ---- */

/* Which reports a query covers: start time in [since, until), policy domain
 * in domains (all when ndomains is 0), organization (all when NULL). */
struct store_filter {
	int64_t since;
	int64_t until;
	const char *const *domains;
	size_t ndomains;
	const char *organization;
	const char *policy_type; /* only policies of this type; NULL: all */
	/* Failure details (store_failures, store_reports; the other queries
	 * ignore them): each, when not NULL, must equal the detail's value
	 * as stored (normalized), "" matching a detail that lacks it;
	 * policy_mode is that of the detail's policy. */
	const char *policy_mode;
	const char *result_type;
	const char *sending_mta_ip;
	const char *receiving_mx_hostname;
	const char *receiving_ip;
	/* store_reports: only reports with failure details in the filter
	 * (implied by any of the five above). */
	int failed_only;
};

/* Makes each query below hand its SQLite plan (EXPLAIN QUERY PLAN) to
 * `plan` before it runs, a line a step: to see which index a query uses
 * (tlsrpt --explain prints them). NULL stops it. The store itself writes
 * nowhere. */
typedef void (*store_plan_cb)(const char *step, void *arg);
void store_set_explain(struct store *st, store_plan_cb plan, void *arg);

/* Sets a filter that matches everything. */
void store_filter_init(struct store_filter *f);

/* Whether the filter selects failure details: failed_only, or one of the
 * detail values. */
int store_filter_failures(const struct store_filter *f);

struct store_summary_row {
	const char *policy_domain;
	int64_t reports;
	int64_t organizations;
	int64_t successful_sessions;
	int64_t failed_sessions;
	const char *const *policy_types; /* distinct values, sorted */
	size_t npolicy_types;
	const char *const *policy_modes;
	size_t npolicy_modes;
	const char *first_day; /* YYYY-MM-DD of the earliest report start */
	const char *last_day;
};

/* Calls cb once per policy domain, in domain order. Sessions are those of
 * the policies that count for their domain (DESIGN.md "Counting"; see
 * counts_for_domain in report.h), reports one per report and domain. The row is
 * valid during the call. A non-zero return from cb stops and is returned. */
typedef int (*store_summary_cb)(const struct store_summary_row *row, void *arg);
int store_summary(struct store *st, const struct store_filter *f,
                  store_summary_cb cb, void *arg, struct errbuf *eb);

/* store_summary's sessions of a policy domain in one bin of time. */
struct store_daily_row {
	const char *policy_domain;
	int64_t bin; /* (start time - f->since) / bin seconds */
	int64_t successful_sessions;
	int64_t failed_sessions;
	const char *const *policy_modes; /* distinct, sorted */
	size_t npolicy_modes;
};

/* Calls cb once per policy domain and bin of `bin` seconds from
 * f->since (which must be set) that holds reports, by domain then bin:
 * the sessions store_summary counts over the same filter narrowed to
 * the bin, in one query (the digest's days, the dashboard's chart). */
typedef int (*store_daily_cb)(const struct store_daily_row *row, void *arg);
int store_summary_daily(struct store *st, const struct store_filter *f,
                        int64_t bin, store_daily_cb cb, void *arg,
                        struct errbuf *eb);

/* Grouping keys of store_failures. */
#define FAILURE_BY_DOMAIN 0x01
#define FAILURE_BY_MODE   0x02
#define FAILURE_BY_TYPE   0x04
#define FAILURE_BY_MTA    0x08
#define FAILURE_BY_MX     0x10
#define FAILURE_BY_IP     0x20
#define FAILURE_BY_ORG    0x40
#define FAILURE_BY_DAY    0x80

struct store_failure_row {
	/* NULL for keys not grouped by; "" when the reporter left it out */
	const char *policy_domain;
	const char *policy_mode;
	const char *result_type;
	const char *sending_mta_ip;
	const char *receiving_mx_hostname;
	const char *receiving_ip;
	const char *organization;
	const char *day;
	int64_t failed_sessions;
	int64_t reports;
};

/* Calls cb once per group of failure details, largest failed_sessions first
 * (with FAILURE_BY_DAY among the keys: by day, oldest first, then largest
 * first), at most limit rows (0: all). When the keys hold FAILURE_BY_MODE,
 * or the filter a policy_mode, each policy counts as sent; otherwise only
 * the policies that count for their domain, so a Microsoft tlsa+sts pair
 * is not counted twice and the groups add up to store_summary's totals. */
typedef int (*store_failure_cb)(const struct store_failure_row *row, void *arg);
int store_failures(struct store *st, const struct store_filter *f,
                   unsigned keys, size_t limit, store_failure_cb cb, void *arg,
                   struct errbuf *eb);

/* Every group of store_failures, with the same sums, in no promised
 * order: for callers that look each group up rather than show them. Its
 * memory does not grow with the groups where store_failures reads a
 * rollup in key order (the default grouping over whole buckets). */
int store_failure_groups(struct store *st, const struct store_filter *f,
                         unsigned keys, store_failure_cb cb, void *arg,
                         struct errbuf *eb);

/* What readiness needs of a policy domain with STS policies in the
 * filter's range, counted over its STS policies only. */
struct store_sts_row {
	const char *policy_domain;
	const char *newest_mode; /* of its newest STS policy in the range */
	const char *mx_patterns; /* that policy's MX patterns, one a line */
	int64_t days;            /* distinct UTC days its reports start on */
	int64_t organizations;
	int64_t successful_sessions;
	int64_t failed_sessions;
};

/* Calls cb once per such domain, in domain order; the row is valid during
 * the call. A non-zero return from cb stops and is returned. */
typedef int (*store_sts_cb)(const struct store_sts_row *row, void *arg);
int store_sts_domains(struct store *st, const struct store_filter *f,
                      store_sts_cb cb, void *arg, struct errbuf *eb);

/* ---- Reports, retention and the quarantine ---- */

struct store_report_row {
	int64_t key; /* the store's number for the report (tlsrpt show KEY) */
	int64_t start_time;
	int64_t received_time;
	const char *organization;
	const char *report_id;
	const char *domains; /* its policy domains, sorted, comma-separated */
	int64_t successful_sessions; /* as in store_summary */
	int64_t failed_sessions;
	const char *channel;
	const char *warnings; /* one a line; "" when none */
	/* With a failure filter (failed_only or a detail): the failed
	 * sessions of its details in the filter, counted as store_failures
	 * counts them (by the same code); else -1. */
	int64_t matching_failed_sessions;
};

/* Calls cb once per report in the filter (a domain filter matches a report
 * that names the domain in any policy; policy_type is ignored), newest start
 * first, at most limit (0: all). With a failure filter (failed_only or a
 * detail of store_filter), only the reports that store_failures counts
 * failure details of under that filter, with how many (so that the listed
 * reports of a failures row add up to it). The row is valid during the
 * call; a non-zero return from cb stops and is returned. */
typedef int (*store_report_cb)(const struct store_report_row *row, void *arg);
int store_reports(struct store *st, const struct store_filter *f, size_t limit,
                  store_report_cb cb, void *arg, struct errbuf *eb);

/* Finds reports by key: KEY is matched as a report-id (of organization, when
 * not NULL), and when it is all digits also as the store's number. Calls cb
 * with each match (fewer than two is the normal case) and the bytes as
 * received, valid during the call. Returns the number of matches, or -1. */
typedef int (*store_raw_cb)(const struct store_report_row *row,
                            const void *bytes, size_t len, void *arg);
int store_report_find(struct store *st, const char *key,
                      const char *organization, store_raw_cb cb, void *arg,
                      struct errbuf *eb);

/* Deletes, in one transaction, the reports that start before `before` and
 * the quarantined inputs last seen before it; says how many of each. With
 * dry_run the transaction is rolled back: the counts say what would go. */
int store_prune(struct store *st, int64_t before, int dry_run, int64_t *reports,
                int64_t *quarantined, struct errbuf *eb);

/* One distinct rejected input: the same bytes rejected again add to
 * count and move last_seen; channel, source and submitter are of the
 * first arrival, the reason is the latest. */
struct store_quarantine_row {
	int64_t key;
	int64_t received_time; /* first seen */
	int64_t last_seen;
	int64_t count;
	const char *channel;
	const char *source;    /* "" when unknown */
	const char *submitter; /* "" when unknown */
	const char *reason;
	const void *bytes;
	size_t len;
};

/* Calls cb once per quarantined input last seen in [since, until) of the
 * filter (its other fields are ignored), first seen first, at most limit
 * (0: all); key > 0 picks that one input alone. The row is valid during
 * the call; a non-zero return from cb stops and is returned. */
typedef int (*store_quarantine_cb)(const struct store_quarantine_row *row,
                                   void *arg);
int store_quarantine(struct store *st, const struct store_filter *f,
                     int64_t key, size_t limit, store_quarantine_cb cb,
                     void *arg, struct errbuf *eb);

/* Changes the reason of a quarantined input (a retry that still rejects it
 * may reject it for a new reason). */
int store_quarantine_set_reason(struct store *st, int64_t key,
                                const char *reason, struct errbuf *eb);

/* Removes a quarantined input: inside a batch, with the reports a retry
 * made of it, so that both or neither stay. */
int store_quarantine_delete(struct store *st, int64_t key, struct errbuf *eb);

/* Removes one quarantined input, in a transaction of its own outside a
 * batch (tlsrpt quarantine delete): 1 when it was there, 0 when no input
 * has that key, -1 on failure. */
int store_quarantine_remove(struct store *st, int64_t key, struct errbuf *eb);

/* Gives the pages that deletions freed back to the file system (VACUUM,
 * then a checkpoint that empties the WAL), outside any transaction. Says
 * the bytes of the file and its WAL before and after; *held is 1 when a
 * reader kept the checkpoint from finishing (the WAL then shrinks at a
 * later one). */
int store_vacuum(struct store *st, int64_t *before, int64_t *after, int *held,
                 struct errbuf *eb);

/* ---- Copying a store into another (tlsrpt migrate) ---- */

/* One stored report as it arrived: its bytes as received and where from,
 * for ingesting it again elsewhere. Valid during the call. */
struct store_input_row {
	int64_t key;
	struct store_meta meta; /* as stored; dkim NULL when none */
	/* Its warnings (one a line, "" when none) and the smallest of its
	 * policy domains: what a report that names no domain took its
	 * domain from (report_domain.c, fallback_domain) is in neither the
	 * bytes nor the meta, so the copy gives it again. */
	const char *warnings;
	const char *policy_domain;
	const void *bytes;
	size_t len;
};

/* Calls cb on the reports whose key is above after, in key order, at
 * most limit of them (0: all): a caller copies in batches, starting each
 * after the last key it was given. Reads only. A non-zero return of cb
 * stops and is returned. */
typedef int (*store_input_cb)(const struct store_input_row *row, void *arg);
int store_inputs(struct store *st, int64_t after, size_t limit,
                 store_input_cb cb, void *arg, struct errbuf *eb);

/* What a store holds, counted: reports, quarantined inputs (distinct
 * bytes) and mailboxes with a fetch mark. */
struct store_counts {
	int64_t reports, quarantined, mailboxes;
};
int store_counts(struct store *st, struct store_counts *out, struct errbuf *eb);

/* Adds a quarantined input as row gives it (times, count, channel,
 * source, submitter, reason, bytes; its key is ignored): 1 when added, 0
 * when an input of the same bytes (the digest, SHA-256) is there already
 * (nothing changes), -1 on failure. Not held to LIMIT_QUARANTINE_BYTES:
 * what the first store kept is copied whole. Inside a batch or alone. */
int store_quarantine_copy(struct store *st,
                          const struct store_quarantine_row *row,
                          struct errbuf *eb);

/* ---- Mailboxes read by tlsrpt fetch ---- */

/* Where a fetch is in one mailbox: every message up to last_uid of the
 * mailbox with this UIDVALIDITY has been taken. */
struct store_fetch_mark {
	int64_t uidvalidity;
	int64_t last_uid;
	int64_t updated; /* Unix seconds of the run that wrote it */
};

/* Reads the mark of mailbox (its URL without credentials): 1 when there
 * is one, 0 when the mailbox was never read, -1 on failure. */
int store_fetch_state(struct store *st, const char *mailbox,
                      struct store_fetch_mark *mark, struct errbuf *eb);

/* Writes the mark of mailbox; inside a batch, so that it is committed
 * with the reports of the messages it covers, or not at all. */
int store_fetch_mark(struct store *st, const char *mailbox,
                     const struct store_fetch_mark *mark, struct errbuf *eb);

/* A message of mailbox (UIDVALIDITY validity) to be moved to target:
 * inside the batch that stores its reports. */
int store_fetch_move_add(struct store *st, const char *mailbox,
                         int64_t validity, uint32_t uid, const char *target,
                         struct errbuf *eb);

/* Calls cb on each move still to make in mailbox, by target then UID;
 * the rows of another UIDVALIDITY than validity are deleted first (those
 * messages are gone). A non-zero return of cb stops and is returned. */
typedef int (*store_move_cb)(const char *target, uint32_t uid, void *arg);
int store_fetch_moves(struct store *st, const char *mailbox, int64_t validity,
                      store_move_cb cb, void *arg, struct errbuf *eb);

/* Calls cb on every mailbox's mark, by mailbox. Reads only. */
typedef int (*store_mark_cb)(const char *mailbox,
                             const struct store_fetch_mark *mark, void *arg);
int store_fetch_marks(struct store *st, store_mark_cb cb, void *arg,
                      struct errbuf *eb);

/* Calls cb on every move still to make, of every mailbox and UIDVALIDITY,
 * by mailbox, UIDVALIDITY and UID. Reads only, unlike store_fetch_moves
 * (which deletes a gone UIDVALIDITY's rows): for a read-only source. */
typedef int (*store_move_row_cb)(const char *mailbox, int64_t validity,
                                 uint32_t uid, const char *target, void *arg);
int store_fetch_move_list(struct store *st, store_move_row_cb cb, void *arg,
                          struct errbuf *eb);

/* The n messages uids were moved: their rows deleted (a transaction of
 * its own). */
int store_fetch_moved(struct store *st, const char *mailbox, int64_t validity,
                      const uint32_t *uids, size_t n, struct errbuf *eb);

#endif
