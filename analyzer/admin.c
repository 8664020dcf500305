/*
 * admin.c - `tlsrpt prune` (retention) and `tlsrpt quarantine` (the
 * rejected inputs: list them, show one, or run them through the current
 * parser again).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "view.h"
#include "gz.h"
#include "ingest.h"
#include "limits.h"
#include "optnum.h"

static const char prune_help[] =
    "Usage: tlsrpt prune --older-than AGE [OPTIONS]\n"
    "\n"
    "Deletes the reports that start before AGE and the quarantined inputs\n"
    "last seen before it, in one transaction, and says how many. Exit 75\n"
    "when the database could not be written (nothing was deleted).\n"
    "\n"
    "  --older-than AGE   the age limit (required): 90d, 12w, 6m back from\n"
    "                     now, as --since takes them, or a date YYYY-MM-DD\n"
    "                     (UTC); a bare number is days; at least one day\n"
    "  --vacuum           then give the freed pages back to the file\n"
    "                     system (SQLite's VACUUM, which needs free space\n"
    "                     for a copy of the database) and print the bytes\n"
    "                     of the file before and after\n"
    "  -n, --dry-run      count what would go, delete nothing (no vacuum)\n"
    "  --db PATH          the database: an SQLite file, or postgresql://...\n"
    "                     or pg:KEYWORDS (default $TLSRPT_DB, else\n"
    "                     " DEFAULT_DB ")\n"
    "  --busy-timeout MS  wait this long for other writers (default 10000)\n";

/* --older-than: what --since takes (cli_parse_when), or a bare number of
 * days as before 90d was taken; at least a day back, so that no slip
 * (0d, today's date) empties the database. */
static int
older_than(const char *s, time_t now, int64_t *before)
{
	struct errbuf eb = {""};
	char days[32];
	const char *v = s;
	size_t n = strspn(s, "0123456789");

	if (n > 0 && s[n] == '\0' && n < sizeof(days) - 1) {
		snprintf(days, sizeof(days), "%sd", s);
		v = days;
	}
	if (cli_parse_when(v, 0, now, before, &eb) != 0)
		return cli_usage_error("prune", "--older-than: %s", eb.msg);
	if (*before > (int64_t)now - 86400)
		return cli_usage_error("prune",
		                       "--older-than: at least one day back "
		                       "(1d), got '%s'",
		                       s);
	return 0;
}

/* Runs the vacuum after a prune and says what it gave back: 0, or
 * EXIT_TEMPFAIL. */
static int
prune_vacuum(struct store *st)
{
	struct errbuf eb = {""};
	int64_t before, after;
	int held;

	if (store_vacuum(st, &before, &after, &held, &eb) != 0) {
		fprintf(stderr,
		        "tlsrpt prune: the reports were pruned, but the "
		        "vacuum failed: %s; run 'tlsrpt prune --older-than "
		        "AGE --vacuum' again when there is room\n",
		        eb.msg);
		return EXIT_TEMPFAIL;
	}
	printf("vacuumed: %lld bytes before, %lld after%s\n", (long long)before,
	       (long long)after,
	       held ? " (a reader holds the WAL: it shrinks at the next "
	              "checkpoint)"
	            : "");
	return 0;
}

int
cmd_prune(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    CLI_COMMON_OPTIONS,
	    {"older-than", required_argument, NULL, 'o'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"vacuum", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	struct store *st;
	struct errbuf eb = {""};
	int64_t before = 0, nrep, nquar;
	char when[32];
	int opt, r, dry = 0, vacuum = 0, given = 0;

	optind = 0; /* 0: GNU getopt starts afresh (main used "+") */
	while ((opt = cli_getopt(argv[0], argc, argv, "hn", opts)) != -1) {
		if (opt == 'h')
			return fputs(prune_help, stdout), 0;
		if (opt == 'n')
			dry = 1;
		else if (opt == 'V')
			vacuum = 1;
		else if (opt == 'o') {
			if (older_than(optarg, c->now, &before) != 0)
				return EXIT_USAGE;
			given = 1;
		} else if ((r = cli_common_option(c, opt, optarg)) <= 0)
			return r < 0
			           ? EXIT_USAGE
			           : cli_usage_error(argv[0], "unknown option");
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'",
		                       argv[optind]);
	if (!given)
		return cli_usage_error(argv[0], "--older-than AGE is required");
	if ((st = cli_open(c, argv[0], CLI_WRITE, &r)) == NULL)
		return r;
	r = store_prune(st, before, dry, &nrep, &nquar, &eb);
	if (r != 0) {
		store_close(st);
		fprintf(stderr, "tlsrpt prune: %s; nothing was deleted\n",
		        eb.msg);
		return EXIT_TEMPFAIL;
	}
	cli_format_time(before, when, sizeof(when));
	printf("%s %lld reports and %lld quarantined inputs older than %s\n",
	       dry ? "would prune" : "pruned", (long long)nrep,
	       (long long)nquar, when);
	r = vacuum && !dry ? prune_vacuum(st) : 0;
	store_close(st);
	return r;
}

static const char quarantine_help[] =
    "Usage: tlsrpt quarantine [list] [OPTIONS]\n"
    "       tlsrpt quarantine show KEY\n"
    "       tlsrpt quarantine delete KEY\n"
    "       tlsrpt quarantine retry [OPTIONS]\n"
    "\n"
    "Inputs that were rejected, kept with the reason so that nothing is\n"
    "lost: one row per distinct input (the same bytes again, from a\n"
    "re-import or a sender retrying, add to its count). Also the second\n"
    "bytes of a report sent again with other content ('duplicate,\n"
    "different content').\n"
    "  list   (the default) key, first and last seen, count, channel,\n"
    "         source, submitter, size and reason, first seen first\n"
    "  show   the bytes of one input, decompressed when gzip\n"
    "  delete removes one input, by the KEY that list shows (exit 1 when\n"
    "         there is none, 75 when the database could not be written);\n"
    "         the same bytes rejected again make a new row\n"
    "  retry  runs each input through the current parser again: the\n"
    "         reports it now accepts are stored and the input leaves the\n"
    "         quarantine; one still rejected stays, with today's reason.\n"
    "         Inputs the milter rejected for want of a DKIM signature, or\n"
    "         as too large, are left alone unless --all is given. One line\n"
    "         per input, each\n"
    "         counted once whatever its count, then 'N stored,\n"
    "         N duplicate, N still rejected'. Exit 75 when the database\n"
    "         could not be written (nothing changed).\n"
    "\n"
    "  --since, --until   by time last seen (as in 'tlsrpt summary --help')\n"
    "  --all              retry: also the milter's DKIM and size\n"
    "                     rejections\n"
    "  --format, --limit, --db\n"
    "                     as in 'tlsrpt summary --help'\n";

/* In a narrow table the key, when last seen, the count and the reason
 * (wrapping) stay; where the input came from goes first (struct column). */

static int
quarantine_show(const struct store_quarantine_row *q, void *arg)
{
	struct errbuf eb = {""};
	char *text = NULL;
	size_t len = q->len;
	const void *out = q->bytes;
	unsigned flags;
	int *ret = arg;

	if (gz_is_gzip(q->bytes, q->len) &&
	    gz_inflate(q->bytes, q->len, LIMIT_REPORT_SIZE, LIMIT_INFLATE_RATIO,
	               &text, &len, &flags, &eb) == 0)
		out = text;
	else
		len = q->len; /* as it is: corrupt gzip is shown as bytes */
	*ret = fwrite(out, 1, len, stdout) == len ? 0 : 1;
	free(text);
	return 0;
}

/* What a retry run counts, and the input it holds between reading it from
 * the quarantine and storing what it yields. */
struct retry {
	int all;
	size_t n[4]; /* by enum ingest_status; INGEST_REJECTED: still */
	size_t skipped;
	int64_t *keys;
	size_t nkeys, cap;
	struct ingest_input *in;
	int64_t received;
};

/* Whether the row holds a verdict the parser cannot judge again: a DKIM
 * rejection, or the milter's size bounds (its --max-message may be below
 * the CLI's, and the message was cut there: parsed again, an unsigned
 * report in it was stored; issue 15 §4). */
static int
kept_verdict(const struct store_quarantine_row *q)
{
	enum ingest_cause c = ingest_reason_cause(q->reason);

	if (c == INGEST_CAUSE_DKIM)
		return 1;
	return strcmp(q->channel, "milter") == 0 &&
	       (c == INGEST_CAUSE_TOO_LARGE || c == INGEST_CAUSE_TOTAL);
}

static int
collect_key(const struct store_quarantine_row *q, void *arg)
{
	struct retry *rt = arg;
	int64_t *k;

	if (!rt->all && kept_verdict(q)) {
		rt->skipped++;
		return 0;
	}
	if (rt->nkeys == rt->cap) {
		k = reallocarray(rt->keys, rt->cap ? 2 * rt->cap : 64,
		                 sizeof(*k));
		if (k == NULL)
			return -1;
		rt->keys = k;
		rt->cap = rt->cap ? 2 * rt->cap : 64;
	}
	rt->keys[rt->nkeys++] = q->key;
	return 0;
}

static int
parse_again(const struct store_quarantine_row *q, void *arg)
{
	struct retry *rt = arg;
	struct ingest_hints h = {0};
	struct ingest_limits l;

	ingest_limits_default(&l);
	h.channel = q->channel;
	h.source = *q->source ? q->source : NULL;
	/* An imported file's source is its path: its RFC 8460 §5.3 name
	 * still gives a missing policy-domain, as on the first try. */
	h.file_name = h.source;
	h.submitter = *q->submitter ? q->submitter : NULL;
	rt->received = q->received_time;
	rt->in = ingest_prepare(q->bytes, q->len, &h, &l);
	return rt->in == NULL ? -1 : 0;
}

/* Retries one input inside the open transaction. */

/* One line of `quarantine retry`: the outcome, the quarantine key, then
 * the reason or the report's identity, escaped as in `import` (they are
 * a sender's text: output_escape). */
static void
retry_line(const struct ingest_outcome *o, long long key)
{
	printf("%s\tquarantine %lld\t",
	       o->status == INGEST_REJECTED ? "rejected"
	                                    : ingest_outcome_name(o),
	       key);
	if (o->status == INGEST_REJECTED) {
		output_escape_fputs(o->reason, stdout);
	} else {
		output_escape_fputs(o->organization, stdout);
		putchar('\t');
		output_escape_fputs(o->report_id, stdout);
	}
	putchar('\n');
}

static int
retry_one(struct store *st, struct retry *rt, int64_t key, struct errbuf *eb)
{
	const struct ingest_outcome *o;
	size_t i, n, accepted = 0;
	int ret = -1;

	rt->in = NULL;
	if (store_quarantine(st, NULL, key, 0, parse_again, rt, eb) != 0) {
		if (!eb->msg[0])
			errbuf_set(eb, "out of memory");
		goto out;
	}
	if (rt->in == NULL)
		return 0; /* gone meanwhile */
	n = ingest_noutcomes(rt->in);
	for (i = 0; i < n; i++)
		accepted +=
		    ingest_outcome(rt->in, i)->status != INGEST_REJECTED;
	if (accepted == 0) {
		o = ingest_outcome(rt->in, 0);
		retry_line(o, key);
		rt->n[INGEST_REJECTED]++;
		ret = store_quarantine_set_reason(st, key, o->reason, eb);
		goto out;
	}
	/* Drops the old row, then stores what it now accepts and
	 * quarantines again, as a new input, any part still rejected. In
	 * that order: a report that is a duplicate with different content
	 * puts the same bytes back, which must not land in the row about to
	 * go. */
	if (store_quarantine_delete(st, key, eb) != 0 ||
	    ingest_commit(st, rt->in, rt->received, eb) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		o = ingest_outcome(rt->in, i);
		rt->n[o->status]++;
		retry_line(o, key);
	}
	ret = 0;
out:
	ingest_input_free(rt->in);
	rt->in = NULL;
	return ret;
}

static int
quarantine_retry(struct store *st, const struct query_opts *q, struct retry *rt)
{
	struct errbuf eb = {""};
	size_t i;

	if (store_quarantine(st, &q->filter, 0, q->limit, collect_key, rt,
	                     &eb) != 0 ||
	    store_begin(st, &eb) != 0)
		goto fail;
	for (i = 0; i < rt->nkeys; i++)
		if (retry_one(st, rt, rt->keys[i], &eb) != 0)
			goto fail;
	if (store_commit(st, &eb) != 0)
		goto fail;
	printf("%zu stored, %zu duplicate, %zu still rejected", rt->n[0],
	       rt->n[1], rt->n[2]);
	if (rt->skipped)
		printf(", %zu of the milter's DKIM or size rejections left "
		       "alone (--all retries them)",
		       rt->skipped);
	putchar('\n');
	return 0;
fail:
	store_rollback(st);
	fprintf(stderr, "tlsrpt quarantine retry: %s; nothing changed\n",
	        eb.msg[0] ? eb.msg : "out of memory");
	return EXIT_TEMPFAIL;
}

static const struct option retry_opts[] = {{"all", no_argument, NULL, 'a'},
                                           {NULL, 0, NULL, 0}};

static int
take_all(void *arg, int opt, const char *optarg)
{
	(void)opt;
	(void)optarg;
	((struct retry *)arg)->all = 1;
	return 0;
}

/* Parses the options of a quarantine action (argv[1], unless the first
 * argument is an option: then list); -1 to go on, else an exit code. */
static int
quarantine_args(struct cli *c, struct query_opts *q, struct retry *rt, int argc,
                char **argv, const char **action, uint64_t *key)
{
	int named = argc > 1 && argv[1][0] != '-', ret, haskey;

	*action = named ? argv[1] : "list";
	if (strcmp(*action, "list") != 0 && strcmp(*action, "retry") != 0 &&
	    strcmp(*action, "show") != 0 && strcmp(*action, "delete") != 0)
		return cli_usage_error("quarantine",
		                       "unknown action '%s' (list, show, "
		                       "delete or retry)",
		                       *action);
	haskey = strcmp(*action, "show") == 0 || strcmp(*action, "delete") == 0;
	/* The action stays in argv, so that messages name the command; GNU
	 * getopt moves it, and the KEY, after the options. */
	q->max_args = named + haskey;
	if ((ret = query_parse_args(c, q, argc, argv, quarantine_help,
	                            strcmp(*action, "retry") == 0 ? retry_opts
	                                                          : NULL,
	                            take_all, rt)) >= 0)
		return ret;
	if (q->filter.ndomains || q->filter.organization)
		return cli_usage_error("quarantine",
		                       "--domain and --org do not apply: a "
		                       "rejected input has none that can be "
		                       "trusted");
	if (haskey &&
	    (q->nargs != 2 || optnum_parse(q->args[1], 1, INT64_MAX, key) != 0))
		return cli_usage_error("quarantine",
		                       "%s: give one KEY, a number as "
		                       "'tlsrpt quarantine list' shows",
		                       *action);
	return -1;
}

/* Deletes one quarantined input: 0, 1 when there is none of that key,
 * EXIT_TEMPFAIL when the database could not be written. */
static int
quarantine_delete(struct store *st, uint64_t key)
{
	struct errbuf eb = {""};
	int r = store_quarantine_remove(st, (int64_t)key, &eb);

	if (r < 0) {
		fprintf(stderr,
		        "tlsrpt quarantine delete: %s; nothing was deleted\n",
		        eb.msg);
		return EXIT_TEMPFAIL;
	}
	if (r == 0) {
		fprintf(stderr,
		        "tlsrpt quarantine delete: no quarantined input %llu "
		        "('tlsrpt quarantine list' shows the keys)\n",
		        (unsigned long long)key);
		return 1;
	}
	printf("deleted quarantined input %llu\n", (unsigned long long)key);
	return 0;
}

int
cmd_quarantine(struct cli *c, int argc, char **argv)
{
	const char *action = "list";
	struct retry rt = {0};
	struct query_opts q;
	struct store *st = NULL;
	struct errbuf eb = {""};
	uint64_t key = 0;
	int ret;

	query_opts_init(&q);
	if ((ret = quarantine_args(c, &q, &rt, argc, argv, &action, &key)) >= 0)
		goto out;
	ret = 1;
	if ((st = cli_open(c, "quarantine",
	                   strcmp(action, "list") && strcmp(action, "show")
	                       ? CLI_WRITE
	                       : CLI_READ,
	                   &ret)) == NULL)
		goto out;
	if (strcmp(action, "delete") == 0) {
		ret = quarantine_delete(st, key);
	} else if (strcmp(action, "retry") == 0) {
		ret = quarantine_retry(st, &q, &rt);
	} else if (strcmp(action, "show") == 0) {
		if (store_quarantine(st, NULL, (int64_t)key, 1, quarantine_show,
		                     &ret, &eb) != 0)
			fprintf(stderr, "tlsrpt quarantine: %s\n", eb.msg);
		else if (ret != 0)
			fprintf(
			    stderr,
			    "tlsrpt quarantine: no quarantined input %llu\n",
			    (unsigned long long)key);
	} else {
		ret = view_print(VIEW_QUARANTINE, st, &q, "quarantine");
	}
out:
	free(rt.keys);
	store_close(st);
	query_opts_free(&q);
	return ret;
}
