/*
 * fetch.c - `tlsrpt fetch`: the reports in a mailbox on an IMAP server
 * (a hosted report address: Microsoft 365, Gmail, a provider's Dovecot),
 * for cron or a systemd timer (DESIGN.md "tlsrpt fetch", issue 17).
 *
 * imap.c does the mailbox work; this is the front end, as import.c is
 * for files. A run takes the messages above the mailbox's mark (the
 * highest UID taken, kept in the database per mailbox and UIDVALIDITY) in
 * batches: each message fetched, parsed and stored through the ingest
 * core, then the batch's mark written and committed in one transaction,
 * then \Seen put back and, when asked, the messages moved. So a run
 * stopped anywhere (the database locked, the connection lost, killed)
 * leaves every message either committed and marked or neither, and a
 * message is never moved before its reports are committed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "imap.h"
#include "limits.h"
#include "outcome.h"

static const char fetch_help[] =
    "Usage: tlsrpt fetch [OPTIONS] URL\n"
    "\n"
    "Stores the TLS reports in a mailbox on an IMAP server. URL is\n"
    "imaps://USER@HOST[:PORT]/MAILBOX (TLS from the start) or\n"
    "imap://USER@HOST[:PORT]/MAILBOX (STARTTLS, required). Each run takes\n"
    "the messages that arrived since the last (the mailbox's UIDVALIDITY\n"
    "and highest UID taken are kept in the database), leaving the mailbox\n"
    "as it was (\\Seen is put back) unless --move-to or --invalid-to say\n"
    "otherwise. A message is moved only after its reports are committed.\n"
    "\n"
    "Output as import's: 'stored' or 'duplicate', URL;UID=N, organization\n"
    "and report-id on stdout; 'rejected' with the reason on stderr; then\n"
    "'N stored, N duplicate, N rejected'.\n"
    "Exit: 0 nothing new rejected, 1 something new rejected, 64 usage\n"
    "error, 66 a credential file cannot be read, 69 the server refused a\n"
    "command (a mailbox missing, a move: made next run), 75 the database\n"
    "could not be written or the connection failed (run again: what was\n"
    "committed is kept),\n"
    "76 no TLS to be had (certificate not verified, no STARTTLS),\n"
    "77 the server refused the login.\n"
    "\n";

struct fetch {
	struct cli *c;
	struct cli cli; /* the common options, as given to fetch */
	struct imap_cfg cfg;
	const char *password_file, *token_file, *token_command;
	const char *move_to, *invalid_to;
	const char *since; /* an IMAP date, "1-Dec-2026" */
	char since_buf[32];
	size_t limit; /* 0: all */
	unsigned timeout_s;
	struct ingest_hints hints;
	struct ingest_limits limits;
	struct outcome_tally tally;
	char *secret; /* the password or token read */
	int progress;
	size_t done; /* messages taken */
	time_t started, last_progress;
};

/* What the run stopped on, as an exit status (fetch_help's list). */
static int
imap_status_exit(int ret)
{
	switch (ret) {
	case IMAP_E_LOGIN:
		return EX_NOPERM;
	case IMAP_E_TLS:
		return EX_PROTOCOL;
	case IMAP_E_SERVER:
		return EX_UNAVAILABLE;
	case IMAP_E_URL:
		return EXIT_USAGE;
	default:
		return EXIT_TEMPFAIL;
	}
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "tlsrpt fetch: ..." on stderr. */
static void
say(const char *fmt, ...)
{
	va_list ap;

	fputs("tlsrpt fetch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- Credentials ---- */

/* Keeps the first line of the n bytes of buf as the secret. */
static int
take_first_line(struct fetch *f, char *buf, size_t n, const char *from)
{
	size_t len = strcspn(buf, "\r\n");

	(void)n;
	buf[len] = '\0';
	if (len == 0) {
		say("%s: the first line is empty: no credential in it", from);
		return EX_DATAERR;
	}
	if ((f->secret = strdup(buf)) == NULL)
		return EXIT_TEMPFAIL;
	return 0;
}

/* Reads a password or token file's first line. */
static int
read_secret_file(struct fetch *f, const char *path)
{
	char buf[LIMIT_SECRET_LINE + 1];
	struct stat sb;
	FILE *fp = fopen(path, "r");
	size_t n;
	int ret;

	if (fp == NULL) {
		say("cannot read %s: %s", path, strerror(errno));
		return EX_NOINPUT;
	}
	if (fstat(fileno(fp), &sb) == 0 && (sb.st_mode & S_IROTH))
		say("warning: %s can be read by every user: chmod o-r %s", path,
		    path);
	n = fread(buf, 1, LIMIT_SECRET_LINE, fp);
	buf[n] = '\0';
	ret = ferror(fp) ? (say("cannot read %s: %s", path, strerror(errno)),
	                    EX_NOINPUT)
	                 : take_first_line(f, buf, n, path);
	fclose(fp);
	explicit_bzero(buf, sizeof(buf));
	return ret;
}

/* Runs the token command; its first line of output is the token. */
static int
read_secret_command(struct fetch *f, const char *cmd)
{
	char buf[LIMIT_SECRET_LINE + 1];
	FILE *fp = popen(cmd, "r");
	size_t n;
	int st, ret;

	if (fp == NULL) {
		say("cannot run the token command: %s", strerror(errno));
		return EXIT_TEMPFAIL;
	}
	n = fread(buf, 1, LIMIT_SECRET_LINE, fp);
	buf[n] = '\0';
	st = pclose(fp);
	if (st != 0) {
		say("the --oauth2-token-command exited %d; no token, nothing "
		    "fetched (run again later)",
		    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		explicit_bzero(buf, sizeof(buf));
		return EXIT_TEMPFAIL;
	}
	ret = take_first_line(f, buf, n, "the --oauth2-token-command's output");
	explicit_bzero(buf, sizeof(buf));
	return ret;
}

static int
read_credentials(struct fetch *f)
{
	int ret = 0;

	if (f->password_file != NULL)
		ret = read_secret_file(f, f->password_file);
	else if (f->token_file != NULL)
		ret = read_secret_file(f, f->token_file);
	else
		ret = read_secret_command(f, f->token_command);
	if (ret != 0)
		return ret;
	if (f->password_file != NULL)
		f->cfg.password = f->secret;
	else
		f->cfg.bearer = f->secret;
	return 0;
}

/* ---- Options ---- */

/* --since as an IMAP date (RFC 3501 date: 1-Dec-2026). */
static int
take_since(void *cfg, const char *arg, struct errbuf *eb)
{
	static const char mon[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct fetch *f = cfg;
	int64_t t;
	time_t tt;
	struct tm tm;

	if (cli_parse_when(arg, 0, f->c->now, &t, eb) != 0)
		return -1;
	tt = (time_t)t;
	gmtime_r(&tt, &tm);
	snprintf(f->since_buf, sizeof(f->since_buf), "%d-%s-%d", tm.tm_mday,
	         mon[tm.tm_mon], tm.tm_year + 1900);
	f->since = f->since_buf;
	return 0;
}

#define F struct fetch
static const struct opt_def opts[] = {
    {.kind = OPT_SECTION, .help = "Credentials (never on the command line):"},
    {.name = "password-file",
     .kind = OPT_TEXT,
     .arg_name = "FILE",
     .offset = offsetof(F, password_file),
     .help = "the password: the file's first line"},
    {.name = "oauth2-token-file",
     .kind = OPT_TEXT,
     .arg_name = "FILE",
     .offset = offsetof(F, token_file),
     .help = "an OAuth2 access token: the first line"},
    {.name = "oauth2-token-command",
     .kind = OPT_TEXT,
     .arg_name = "CMD",
     .offset = offsetof(F, token_command),
     .help = "run CMD (by /bin/sh); its first line of output is the token"},
    {.name = "sasl",
     .kind = OPT_TEXT,
     .arg_name = "MECH",
     .choices = "XOAUTH2|OAUTHBEARER",
     .offset = offsetof(F, cfg.sasl),
     .help = "XOAUTH2 (default) or OAUTHBEARER, for a token"},
    {.kind = OPT_SECTION, .help = "Connection:"},
    {.name = "ca-file",
     .kind = OPT_TEXT,
     .arg_name = "FILE",
     .offset = offsetof(F, cfg.ca_file),
     .help = "trust this CA (PEM) instead of the system's"},
    {.name = "no-tls",
     .kind = OPT_FLAG,
     .offset = offsetof(F, cfg.no_tls),
     .help = "imap:// in plain text (loopback tests only)"},
    {.name = "timeout",
     .kind = OPT_NUM,
     .arg_name = "SECONDS",
     .def_text = "none",
     .min = 1,
     .max = LIMIT_FETCH_TIMEOUT_MAX,
     .offset = offsetof(F, timeout_s),
     .size = sizeof(unsigned),
     .help = "stop the run after this long; what was committed is kept"},
    {.kind = OPT_SECTION, .help = "What to take:"},
    {.name = "since",
     .kind = OPT_CUSTOM,
     .arg_name = "DATE",
     .help = "on the first run, only messages received on or after DATE "
             "(YYYY-MM-DD, or 30d, 12w, 6m back)",
     .take = take_since},
    {.name = "limit",
     .kind = OPT_NUM,
     .arg_name = "N",
     .def_text = "all",
     .min = 1,
     .max = UINT32_MAX,
     .offset = offsetof(F, limit),
     .size = sizeof(size_t),
     .help = "at most N messages this run (the rest next time)"},
    OPT_ROW_MAX_MESSAGE(F, limits.max_input,
                        "larger messages are not downloaded: rejected as "
                        "too large"),
    {.kind = OPT_SECTION, .help = "After a message is stored:"},
    {.name = "move-to",
     .kind = OPT_TEXT,
     .arg_name = "MAILBOX",
     .offset = offsetof(F, move_to),
     .help = "move messages with a report here (made if missing)"},
    {.name = "invalid-to",
     .kind = OPT_TEXT,
     .arg_name = "MAILBOX",
     .offset = offsetof(F, invalid_to),
     .help = "move messages without a valid report here"},
    {.kind = OPT_SECTION, .help = "Output:"},
    {.name = "quiet",
     .short_name = 'q',
     .kind = OPT_FLAG,
     .offset = offsetof(F, tally.quiet),
     .help = "print only the totals and new rejections"},
    {.name = "verbose",
     .short_name = 'v',
     .kind = OPT_FLAG,
     .offset = offsetof(F, tally.verbose),
     .help = "also print each report's warnings"},
    CLI_COMMON_ROWS(F, cli),
    OPT_ROW_HELP,
};
#undef F

/* What the options must say together. Returns -1 to go on, else an exit
 * code. */
static int
check_args(struct fetch *f, int argc, char **argv)
{
	int ncred;

	if (optind != argc - 1)
		return cli_usage_error(
		    argv[0], optind == argc ? "no URL given "
		                              "(imaps://USER@HOST/MAILBOX)"
		                            : "one URL only");
	f->cfg.url = argv[optind];
	ncred = (f->password_file != NULL) + (f->token_file != NULL) +
	        (f->token_command != NULL);
	if (ncred != 1)
		return cli_usage_error(
		    argv[0], ncred == 0 ? "no credentials: --password-file, "
		                          "--oauth2-token-file or "
		                          "--oauth2-token-command"
		                        : "one of --password-file, "
		                          "--oauth2-token-file and "
		                          "--oauth2-token-command");
	if (f->cfg.sasl != NULL && f->password_file != NULL)
		return cli_usage_error(argv[0], "--sasl is for a token, not a "
		                                "password");
	return -1;
}

/* The defaults, then the options; returns -1 to go on, else an exit
 * code. */
static int
parse_args(struct fetch *f, int argc, char **argv)
{
	struct errbuf eb = {""};
	int r;

	ingest_limits_default(&f->limits);
	opt_defaults(opts, OPT_COUNT(opts), f);
	f->cli = *f->c;
	r = opt_parse(opts, OPT_COUNT(opts), f, argc, argv, &eb);
	*f->c = f->cli;
	if (r < 0)
		return cli_usage_error(argv[0], "%s", eb.msg);
	if (r == OPT_PARSE_HELP) {
		fputs(fetch_help, stdout);
		opt_help(opts, OPT_COUNT(opts), stdout);
		return 0;
	}
	return check_args(f, argc, argv);
}

/* ---- The run ---- */

/* One message of a batch. */
struct item {
	struct imap_msg m;
	struct ingest_input *in; /* NULL: not taken (gone) */
	int valid;               /* a report stored or duplicate */
	char name[2400];         /* URL;UID=n */
};

struct run {
	struct fetch *f;
	struct store *st;
	struct imap *im;
	struct store_fetch_mark mark;
	struct item items[LIMIT_FETCH_BATCH];
	size_t n;
	struct errbuf eb;
};

/* Reads one message and parses it (nothing stored yet). 0, or an
 * IMAP_E_* code that stops the run. */
static int
take_message(struct run *r, struct item *it)
{
	struct fetch *f = r->f;
	struct ingest_hints h = f->hints;
	unsigned char *bytes = NULL;
	size_t len = 0;
	char why[160], note[2600];
	int ret = 0;

	snprintf(it->name, sizeof(it->name), "%s;UID=%u", imap_name(r->im),
	         it->m.uid);
	h.source = it->name;
	if (it->m.size <= f->limits.max_input)
		ret = imap_fetch(r->im, it->m.uid, f->limits.max_input, &bytes,
		                 &len, &r->eb);
	if (it->m.size > f->limits.max_input || ret == IMAP_E_SIZE) {
		/* Not downloaded: quarantined as a note of what it was. */
		if (ret == IMAP_E_SIZE) /* listed smaller than it is */
			snprintf(why, sizeof(why),
			         "message too large: over --max-message %zu "
			         "(RFC822.SIZE said %llu; not kept)",
			         f->limits.max_input,
			         (unsigned long long)it->m.size);
		else
			snprintf(why, sizeof(why),
			         "message too large: %llu bytes, over "
			         "--max-message %zu (not downloaded)",
			         (unsigned long long)it->m.size,
			         f->limits.max_input);
		snprintf(note, sizeof(note), "%s: %s\n", it->name, why);
		h.reject = why;
		it->in = ingest_prepare(note, strlen(note), &h, &f->limits);
		return it->in ? 0 : IMAP_E_AGAIN;
	}
	if (ret == IMAP_E_SERVER) {
		/* Gone since it was listed (another client expunged it). */
		say("%s: not fetched: %s", it->name, r->eb.msg);
		it->m.uid = 0;
		return 0;
	}
	if (ret != 0)
		return ret;
	it->in = ingest_prepare(bytes, len, &h, &f->limits);
	free(bytes);
	return it->in ? 0 : IMAP_E_AGAIN;
}

/* Where a taken message goes after the commit: NULL to stay. */
static const char *
target_of(const struct fetch *f, const struct item *it)
{
	return it->valid ? f->move_to : f->invalid_to;
}

/* Whether any report of the input was stored or found duplicate. */
static int
has_report(const struct ingest_input *in)
{
	size_t k;

	for (k = 0; k < ingest_noutcomes(in); k++)
		if (ingest_outcome(in, k)->status == INGEST_STORED ||
		    ingest_outcome(in, k)->status == INGEST_DUPLICATE)
			return 1;
	return 0;
}

/* Stores the taken items, their moves to make and the mark in one
 * transaction. 0, or -1 with r->eb saying why (nothing of the batch
 * kept). */
static int
commit_batch(struct run *r, uint32_t last)
{
	int64_t now = (int64_t)time(NULL);
	const char *to;
	size_t i;

	if (store_begin(r->st, &r->eb) != 0)
		return -1;
	for (i = 0; i < r->n; i++) {
		struct item *it = &r->items[i];

		if (it->in == NULL)
			continue;
		if (ingest_commit(r->st, it->in, now, &r->eb) != 0)
			goto fail;
		it->valid = has_report(it->in);
		if ((to = target_of(r->f, it)) != NULL &&
		    store_fetch_move_add(r->st, imap_name(r->im),
		                         r->mark.uidvalidity, it->m.uid, to,
		                         &r->eb) != 0)
			goto fail;
	}
	if (last > r->mark.last_uid) {
		r->mark.last_uid = last;
		r->mark.updated = now;
		if (store_fetch_mark(r->st, imap_name(r->im), &r->mark,
		                     &r->eb) != 0)
			goto fail;
	}
	if (store_commit(r->st, &r->eb) == 0)
		return 0;
fail:
	store_rollback(r->st);
	return -1;
}

/* Prints the committed items' lines. */
static void
print_batch(struct run *r)
{
	struct fetch *f = r->f;
	size_t i, k;
	time_t now;

	for (i = 0; i < r->n; i++) {
		struct item *it = &r->items[i];

		for (k = 0; it->in && k < ingest_noutcomes(it->in); k++)
			outcome_print(&f->tally, it->name,
			              ingest_outcome(it->in, k));
		f->done += it->in != NULL;
	}
	if (f->progress && (now = time(NULL)) != f->last_progress) {
		f->last_progress = now;
		fprintf(stderr, "\r%zu messages ", f->done);
	}
}

/* The UIDs of the batch's taken messages that pass keep(). */
static size_t
batch_uids(const struct run *r, int (*keep)(const struct item *), uint32_t *out)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++)
		if (r->items[i].in != NULL && keep(&r->items[i]))
			out[n++] = r->items[i].m.uid;
	return n;
}

static int
was_unseen(const struct item *it)
{
	return !it->m.seen;
}

static int
is_valid(const struct item *it)
{
	return it->valid;
}

static int
is_invalid(const struct item *it)
{
	return !it->valid;
}

/* Moves the n messages to target, then drops their rows of moves to
 * make. A failed move leaves the rows for the next run. */
static int
move_to(struct run *r, const char *target, const uint32_t *uids, size_t n)
{
	int ret;

	if (n == 0)
		return 0;
	if ((ret = imap_move(r->im, uids, n, target, &r->eb)) != 0) {
		errbuf_prefix(&r->eb,
		              "moving %zu messages to %s (moved on the "
		              "next run)",
		              n, target);
		return ret;
	}
	if (store_fetch_moved(r->st, imap_name(r->im), r->mark.uidvalidity,
	                      uids, n, &r->eb) != 0)
		return 1; /* the next run moves none twice: they are gone */
	return 0;
}

/* After the commit: the valid messages to --move-to, the others to
 * --invalid-to. */
static int
move_batch(struct run *r)
{
	uint32_t uids[LIMIT_FETCH_BATCH];
	size_t n;
	int ret;

	if (r->f->move_to != NULL) {
		n = batch_uids(r, is_valid, uids);
		if ((ret = move_to(r, r->f->move_to, uids, n)) != 0)
			return ret;
	}
	if (r->f->invalid_to != NULL) {
		n = batch_uids(r, is_invalid, uids);
		if ((ret = move_to(r, r->f->invalid_to, uids, n)) != 0)
			return ret;
	}
	return 0;
}

/* The moves a run before could not make (its connection lost after a
 * commit), read from the database, grouped by target. */
struct pending {
	struct run *r;
	char *target;
	uint32_t *uids;
	size_t n, cap;
	int ret;
};

static int
pending_flush(struct pending *p)
{
	int ret = 0;

	if (p->n > 0 &&
	    (ret = imap_create(p->r->im, p->target, &p->r->eb)) == 0)
		ret = move_to(p->r, p->target, p->uids, p->n);
	p->n = 0;
	return ret;
}

static int
pending_one(const char *target, uint32_t uid, void *arg)
{
	struct pending *p = arg;
	uint32_t *nu;
	int ret;

	if (p->target == NULL || strcmp(p->target, target) != 0) {
		if ((ret = pending_flush(p)) != 0)
			return p->ret = ret;
		free(p->target);
		if ((p->target = strdup(target)) == NULL)
			return p->ret = IMAP_E_AGAIN;
	}
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		if ((nu = realloc(p->uids, p->cap * sizeof(*nu))) == NULL)
			return p->ret = IMAP_E_AGAIN;
		p->uids = nu;
	}
	p->uids[p->n++] = uid;
	return 0;
}

/* Makes the moves left by an earlier run. 0, an IMAP_E_* code, or 1 for
 * a storage failure. */
static int
move_pending(struct run *r)
{
	struct pending p = {r, NULL, NULL, 0, 0, 0};
	int ret =
	    store_fetch_moves(r->st, imap_name(r->im), r->mark.uidvalidity,
	                      pending_one, &p, &r->eb);

	if (ret < 0)
		ret = 1;
	else if (ret == 0)
		ret = pending_flush(&p);
	else
		ret = p.ret;
	free(p.target);
	free(p.uids);
	return ret;
}

static void
free_batch(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		ingest_input_free(r->items[i].in);
	r->n = 0;
}

/*
 * One batch of msgs: read and parse each, put \Seen back on those we
 * marked, commit with the mark, print, move. Returns 0, an IMAP_E_* code
 * (what was read before it is committed), or 1 for a storage failure
 * (nothing of the batch kept, nothing moved).
 */
static int
run_batch(struct run *r, const struct imap_msg *msgs, size_t n)
{
	uint32_t uids[LIMIT_FETCH_BATCH], last = 0;
	int stop = 0, ret;
	size_t k;

	memset(r->items, 0, sizeof(r->items));
	for (r->n = 0; r->n < n; r->n++) {
		r->items[r->n].m = msgs[r->n];
		if (msgs[r->n].uid == 0)
			continue; /* gone since the search */
		if ((stop = take_message(r, &r->items[r->n])) != 0)
			break;
		last = msgs[r->n].uid;
	}
	/* The server set \Seen as it sent each: taken back, even when the
	 * run stops here, before anything is committed. */
	if ((k = batch_uids(r, was_unseen, uids)) > 0 &&
	    (ret = imap_unseen(r->im, uids, k, &r->eb)) != 0 && stop == 0)
		stop = ret;
	if (commit_batch(r, last) != 0) {
		free_batch(r);
		return 1;
	}
	print_batch(r);
	if (stop == 0)
		stop = move_batch(r);
	free_batch(r);
	return stop;
}

/* The run's messages, found and taken batch by batch. */
static int
run_all(struct run *r, const uint32_t *uids, size_t n)
{
	struct imap_msg msgs[LIMIT_FETCH_BATCH];
	size_t i, k;
	int ret;

	for (i = 0; i < n; i += k) {
		k = n - i < LIMIT_FETCH_BATCH ? n - i : LIMIT_FETCH_BATCH;
		/* Between batches: the connection kept alive, and news of
		 * messages expunged meanwhile. */
		if ((i > 0 && (ret = imap_noop(r->im, &r->eb)) != 0) ||
		    (ret = imap_sizes(r->im, uids + i, k, msgs, &r->eb)) != 0 ||
		    (ret = run_batch(r, msgs, k)) != 0)
			return ret;
	}
	return 0;
}

/* Where the run starts: the mark when the mailbox is the same, else the
 * start (saying so when it was rebuilt). Returns -1 on a storage failure. */
static int
start_mark(struct run *r, uint32_t validity, uint32_t *after)
{
	struct store_fetch_mark old;
	int have = store_fetch_state(r->st, imap_name(r->im), &old, &r->eb);
	if (have < 0)
		return -1;
	r->mark.uidvalidity = validity;
	r->mark.last_uid = 0;
	*after = 0;
	if (have == 1 && old.uidvalidity == validity) {
		r->mark.last_uid = old.last_uid;
		*after = (uint32_t)old.last_uid;
	} else if (have == 1) {
		say("%s: the mailbox was rebuilt (UIDVALIDITY %lld, now %u): "
		    "reading it from the start; reports stored before are "
		    "duplicates",
		    imap_name(r->im), (long long)old.uidvalidity, validity);
	}
	return have;
}

/* Makes the mailboxes messages are moved to. */
static int
make_folders(struct run *r)
{
	int ret = 0;

	if (r->f->move_to != NULL)
		ret = imap_create(r->im, r->f->move_to, &r->eb);
	if (ret == 0 && r->f->invalid_to != NULL)
		ret = imap_create(r->im, r->f->invalid_to, &r->eb);
	return ret;
}

/* Logs in, finds the messages to take and takes them. Returns the exit
 * status. */
static int
run_fetch(struct fetch *f, struct store *st, struct imap *im)
{
	struct run *r = calloc(1, sizeof(*r));
	uint32_t validity, next, after, *uids = NULL;
	size_t n = 0;
	int have, ret, status;

	if (r == NULL)
		return EXIT_TEMPFAIL;
	r->f = f;
	r->st = st;
	r->im = im;
	if ((ret = imap_status(im, &validity, &next, &r->eb)) != 0)
		goto imap_failed;
	if ((have = start_mark(r, validity, &after)) < 0) {
		ret = 1;
		goto store_failed;
	}
	if ((ret = make_folders(r)) != 0 || (ret = move_pending(r)) == 1)
		goto store_or_imap;
	if (ret != 0)
		goto imap_failed;
	ret = imap_search(im, after, next,
	                  have == 1 && after > 0 ? NULL : f->since, &uids, &n,
	                  &r->eb);
	if (ret != 0)
		goto imap_failed;
	if (f->limit > 0 && n > f->limit)
		n = f->limit;
	ret = run_all(r, uids, n);
	free(uids);
store_or_imap:
	if (ret == 1)
		goto store_failed;
	if (ret != 0)
		goto imap_failed;
	free(r);
	return 0;
imap_failed:
	status = imap_status_exit(ret);
	say("%s%s", r->eb.msg,
	    status == EXIT_TEMPFAIL
	        ? "; what was committed is kept, the rest comes next run"
	        : "");
	free(r);
	return status;
store_failed:
	say("stopped: %s; what was committed is kept, nothing of the batch in"
	    " progress was kept or moved: it is fetched again next run",
	    r->eb.msg);
	free(r);
	return EXIT_TEMPFAIL;
}

static int64_t
deadline(unsigned seconds)
{
	struct timespec ts;

	if (seconds == 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec + seconds) * 1000 + ts.tv_nsec / 1000000;
}

int
cmd_fetch(struct cli *c, int argc, char **argv)
{
	struct fetch f;
	struct store *st = NULL;
	struct imap *im = NULL;
	struct errbuf eb = {""};
	int ret;

	memset(&f, 0, sizeof(f));
	f.c = c;
	f.hints.channel = "imap";
	if ((ret = parse_args(&f, argc, argv)) >= 0)
		return ret;
	f.cfg.deadline_ms = deadline(f.timeout_s);
	if ((ret = read_credentials(&f)) != 0)
		goto out;
	if ((ret = imap_open(&f.cfg, &im, &eb)) != 0) {
		say("%s", eb.msg);
		ret = imap_status_exit(ret);
		goto out;
	}
	f.progress =
	    isatty(STDERR_FILENO) && (f.tally.quiet || !isatty(STDOUT_FILENO));
	f.started = time(NULL);
	if ((st = cli_open(c, "fetch", CLI_CREATE, &ret)) == NULL)
		goto out;
	ret = run_fetch(&f, st, im);
	if (f.progress)
		fputs("\r\033[K", stderr);
	outcome_totals(&f.tally);
	putchar('\n');
	if (ret == 0 && outcome_new_rejections(&f.tally))
		ret = EXIT_REJECTED;
out:
	store_close(st);
	imap_close(im);
	if (f.secret != NULL) {
		explicit_bzero(f.secret, strlen(f.secret));
		free(f.secret);
	}
	return ret;
}
