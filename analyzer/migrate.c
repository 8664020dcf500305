/*
 * migrate.c - `tlsrpt migrate`: an SQLite database copied into a
 * PostgreSQL one (issue 21), for a site that moves to several collectors
 * on one database.
 *
 * Every report is ingested again from its bytes as received, through the
 * one intake path (ingest.h), with its arrival as stored (time, channel,
 * source, submitter, DKIM): the normalized rows are made by the code that
 * makes them for any import, so both stores hold the same rows and answer
 * the same. Then the quarantine, item by item as it stands (counts and
 * times), and tlsrpt fetch's marks and pending moves. Nothing here is
 * SQL: the store reads and writes both sides (store.h).
 *
 * Idempotent, so that a copy stopped anywhere (the server gone: exit 75)
 * is run again: reports are duplicates by identity, quarantined inputs by
 * the digest of their bytes, and a mark is written only where the target
 * has none or an older one (written by an earlier run of fetch: its
 * `updated` is less), never over a newer one that a collector on the new
 * database wrote since.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ingest.h"
#include "limits.h"

static const char migrate_help[] =
    "Usage: tlsrpt migrate --from SQLITE_PATH --to PG_URI\n"
    "\n"
    "Copies an SQLite database into a PostgreSQL one (made at the first\n"
    "open when empty): every report with its bytes as received and its\n"
    "arrival (time, channel, source, submitter, DKIM), the quarantine,\n"
    "and tlsrpt fetch's marks and pending moves. The source is only\n"
    "read. Running it again adds nothing: reports already there are\n"
    "duplicates, quarantined inputs are known by their bytes, and a mark\n"
    "is written only where the target has none or an older one.\n"
    "\n"
    "Output: the counts of the SQLite side (reports, quarantined inputs,\n"
    "mailboxes), what was copied and what was there already, then the\n"
    "counts of the PostgreSQL side after the copy. Progress on stderr\n"
    "when it is a terminal.\n"
    "Exit: 0 copied, 1 a report the target refused (quarantined there),\n"
    "64 usage error, 75 PostgreSQL failed (run it again: what was copied\n"
    "is found there), 77 permission denied, 78 a database at another\n"
    "schema version.\n"
    "\n";

/* Reports a transaction: a batch of the copy, undone whole on failure. */
#define MIGRATE_BATCH 1000

struct migrate {
	const char *from, *to;
	struct cli cli;
	struct store *src, *dst;
	struct ingest_limits limits;
	int progress;
	time_t started, last_progress;
	int64_t last_key; /* the last report copied, committed or not */
	size_t batch;     /* reports handed over by the last page */
	size_t stored, duplicate, rejected;
	size_t kept[3]; /* stored, duplicate, rejected: committed */
	size_t q_added, q_there, q_batch;
	size_t q_kept[2]; /* q_added, q_there: committed */
	size_t marks, marks_there, moves;
	struct errbuf eb;
};

#define M struct migrate
static const struct opt_def opts[] = {
    {.name = "from",
     .kind = OPT_TEXT,
     .arg_name = "SQLITE_PATH",
     .offset = offsetof(M, from),
     .help = "the SQLite database to copy (read only)"},
    {.name = "to",
     .kind = OPT_TEXT,
     .arg_name = "PG_URI",
     .offset = offsetof(M, to),
     .help = "the PostgreSQL database: postgresql://... or pg:KEYWORDS"},
    OPT_ROW_BUSY_TIMEOUT(M, cli.busy_timeout_ms,
                         "wait this long for other writers of the SQLite "
                         "database"),
    OPT_ROW_HELP,
};
#undef M

static void
show_progress(struct migrate *m)
{
	size_t done = m->stored + m->duplicate + m->rejected;
	time_t now;

	if (!m->progress || (now = time(NULL)) == m->last_progress)
		return;
	m->last_progress = now;
	fprintf(stderr, "\r%zu reports, %.0f/s ", done,
	        (double)done /
	            (double)(now - m->started ? now - m->started : 1));
}

/* Hints that give the ingest what the first intake knew besides the
 * bytes. A report whose policies name no domain took one from the
 * message's TLS-Report-Domain or from its RFC 8460 §5.3 file name
 * (report_domain.c, fallback_domain), neither of which is stored: the
 * stored domain is given again by the route its warning names, so that
 * the rows and the warning come out the same. */
static void
copy_hints(const struct store_input_row *row, struct ingest_hints *h,
           char *name, size_t size)
{
	memset(h, 0, sizeof(*h));
	h->channel = row->meta.channel;
	h->source = row->meta.source;
	h->submitter = row->meta.submitter;
	h->dkim = row->meta.dkim;
	if (row->policy_domain[0] == '\0')
		return;
	if (strstr(row->warnings, "(RFC 8460 §5.3)") == NULL)
		h->report_domain = row->policy_domain;
	else if ((size_t)snprintf(name, size, "migrate!%s!0!0.json",
	                          row->policy_domain) < size)
		h->file_name = name;
}

/* One report into the target, at the time it was received first. */
static int
copy_input(const struct store_input_row *row, void *arg)
{
	struct migrate *m = arg;
	struct ingest_hints h;
	struct ingest_input *in;
	const struct ingest_outcome *o;
	char name[320];
	size_t i;
	int ret;

	copy_hints(row, &h, name, sizeof(name));
	if ((in = ingest_prepare(row->bytes, row->len, &h, &m->limits)) == NULL)
		return errbuf_set(&m->eb, "out of memory");
	if ((ret = ingest_commit(m->dst, in, row->meta.received_time,
	                         &m->eb)) != 0) {
		ingest_input_free(in);
		return ret;
	}
	for (i = 0; i < ingest_noutcomes(in); i++) {
		o = ingest_outcome(in, i);
		if (o->status == INGEST_STORED)
			m->stored++;
		else if (o->status == INGEST_DUPLICATE)
			m->duplicate++;
		else {
			m->rejected++;
			fprintf(stderr,
			        "tlsrpt migrate: report %lld rejected: %s\n",
			        (long long)row->key,
			        o->reason ? o->reason : "rejected");
		}
	}
	ingest_input_free(in);
	m->last_key = row->key;
	m->batch++;
	show_progress(m);
	return 0;
}

/* The reports, a batch a transaction. 0, or a store's failure code. */
static int
copy_reports(struct migrate *m)
{
	int ret;

	do {
		m->batch = 0;
		if ((ret = store_begin_bulk(m->dst, &m->eb)) != 0)
			return ret;
		ret = store_inputs(m->src, m->last_key, MIGRATE_BATCH,
		                   copy_input, m, &m->eb);
		if (ret == 0)
			ret = store_commit(m->dst, &m->eb);
		if (ret != 0) {
			/* Undone: its reports count as not copied. */
			store_rollback(m->dst);
			m->stored = m->kept[0];
			m->duplicate = m->kept[1];
			m->rejected = m->kept[2];
			return ret;
		}
		m->kept[0] = m->stored;
		m->kept[1] = m->duplicate;
		m->kept[2] = m->rejected;
	} while (m->batch == MIGRATE_BATCH);
	return 0;
}

static int
copy_quarantined(const struct store_quarantine_row *row, void *arg)
{
	struct migrate *m = arg;
	int ret;

	if ((ret = store_quarantine_copy(m->dst, row, &m->eb)) < 0)
		return ret;
	if (ret)
		m->q_added++;
	else
		m->q_there++;
	/* A batch ends every MIGRATE_BATCH inputs, the next begins. */
	if (++m->q_batch % MIGRATE_BATCH != 0)
		return 0;
	if ((ret = store_commit(m->dst, &m->eb)) != 0)
		return ret;
	m->q_kept[0] = m->q_added;
	m->q_kept[1] = m->q_there;
	return store_begin_bulk(m->dst, &m->eb);
}

static int
copy_mark(const char *mailbox, const struct store_fetch_mark *mark, void *arg)
{
	struct migrate *m = arg;
	struct store_fetch_mark old;
	int ret;

	if ((ret = store_fetch_state(m->dst, mailbox, &old, &m->eb)) < 0)
		return ret;
	if (ret == 1 && old.updated >= mark->updated) {
		m->marks_there++;
		return 0;
	}
	m->marks++;
	return store_fetch_mark(m->dst, mailbox, mark, &m->eb);
}

static int
copy_move(const char *mailbox, int64_t validity, uint32_t uid,
          const char *target, void *arg)
{
	struct migrate *m = arg;

	m->moves++;
	return store_fetch_move_add(m->dst, mailbox, validity, uid, target,
	                            &m->eb);
}

/* The quarantine, then the marks and moves (one transaction). */
static int
copy_rest(struct migrate *m)
{
	struct store_filter all;
	int ret;

	store_filter_init(&all);
	if ((ret = store_begin_bulk(m->dst, &m->eb)) != 0)
		return ret;
	ret = store_quarantine(m->src, &all, 0, 0, copy_quarantined, m, &m->eb);
	if (ret == 0)
		ret = store_fetch_marks(m->src, copy_mark, m, &m->eb);
	if (ret == 0)
		ret = store_fetch_move_list(m->src, copy_move, m, &m->eb);
	if (ret == 0)
		ret = store_commit(m->dst, &m->eb);
	if (ret != 0) {
		/* The last transaction undone: what it held is not copied. */
		store_rollback(m->dst);
		m->q_added = m->q_kept[0];
		m->q_there = m->q_kept[1];
		m->marks = m->marks_there = m->moves = 0;
	}
	return ret;
}

static int
print_counts(struct store *st, const char *side, struct errbuf *eb)
{
	struct store_counts n;
	int ret;

	if ((ret = store_counts(st, &n, eb)) != 0)
		return ret;
	printf("%s: %lld reports, %lld quarantined inputs, %lld mailboxes\n",
	       side, (long long)n.reports, (long long)n.quarantined,
	       (long long)n.mailboxes);
	return 0;
}

/* The options; returns -1 to go on, else an exit code. */
static int
parse_args(struct cli *c, struct migrate *m, int argc, char **argv)
{
	struct errbuf eb = {""};
	int r;

	opt_defaults(opts, OPT_COUNT(opts), m);
	m->cli = *c;
	r = opt_parse(opts, OPT_COUNT(opts), m, argc, argv, &eb);
	*c = m->cli;
	if (r < 0)
		return cli_usage_error(argv[0], "%s", eb.msg);
	if (r == OPT_PARSE_HELP) {
		fputs(migrate_help, stdout);
		opt_help(opts, OPT_COUNT(opts), stdout);
		return 0;
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'",
		                       argv[optind]);
	if (m->from == NULL || m->to == NULL)
		return cli_usage_error(argv[0], "--from and --to are both "
		                                "needed");
	if (store_is_pgsql(m->from))
		return cli_usage_error(argv[0], "--from names a PostgreSQL "
		                                "database: it takes the path "
		                                "of an SQLite file");
	if (!store_is_pgsql(m->to))
		return cli_usage_error(argv[0], "--to must be a PostgreSQL "
		                                "database (postgresql://... "
		                                "or pg:KEYWORDS), not a "
		                                "path");
	return -1;
}

/* Opens both sides; returns -1 to go on, else an exit code. */
static int
open_both(struct migrate *m)
{
	struct cli from = m->cli, to = m->cli;
	int ret;

	from.db = m->from;
	to.db = m->to;
	if ((m->src = cli_open(&from, "migrate", CLI_READ, &ret)) == NULL)
		return ret;
	if ((m->dst = cli_open(&to, "migrate", CLI_CREATE, &ret)) == NULL)
		return ret;
	return -1;
}

int
cmd_migrate(struct cli *c, int argc, char **argv)
{
	struct migrate m;
	int ret;

	memset(&m, 0, sizeof(m));
	ingest_limits_default(&m.limits);
	/* What the first store took, whatever its intake's limits were,
	 * the copy takes: the bounds themselves. */
	m.limits.max_input = LIMIT_INPUT_SIZE_MAX;
	m.limits.max_report = LIMIT_REPORT_SIZE_MAX;
	m.limits.max_ratio = LIMIT_INFLATE_RATIO_MAX;
	m.limits.max_total = LIMIT_MESSAGE_INFLATED_MAX;
	if ((ret = parse_args(c, &m, argc, argv)) >= 0)
		return ret;
	if ((ret = open_both(&m)) >= 0)
		goto done;
	m.progress = isatty(STDERR_FILENO);
	m.started = m.last_progress = time(NULL);
	if ((ret = print_counts(m.src, "sqlite", &m.eb)) == 0 &&
	    (ret = copy_reports(&m)) == 0)
		ret = copy_rest(&m);
	if (m.progress)
		fputs("\r\033[K", stderr);
	printf("copied: %zu reports (%zu there already, %zu rejected), "
	       "%zu quarantined inputs (%zu there already), %zu mailbox "
	       "marks (%zu there already or newer), %zu pending moves "
	       "(written, or there already)\n",
	       m.stored, m.duplicate, m.rejected, m.q_added, m.q_there, m.marks,
	       m.marks_there, m.moves);
	if (ret == 0)
		ret = print_counts(m.dst, "postgresql", &m.eb);
	if (ret != 0) {
		fprintf(stderr,
		        "tlsrpt migrate: stopped: %s; run it again: what was "
		        "copied is found there\n",
		        m.eb.msg);
		ret = ret == STORE_E_SCHEMA ? EXIT_SCHEMA : EXIT_TEMPFAIL;
	} else
		ret = m.rejected > 0 ? EXIT_REJECTED : 0;
done:
	store_close(m.src);
	store_close(m.dst);
	return ret;
}
