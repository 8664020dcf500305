/*
 * import.c - `tlsrpt import`: report files, messages, mboxes, Maildirs,
 * directories and stdin into the store (DESIGN.md "tlsrpt import").
 *
 * Paths are walked by source.c, parsed on every core and written in
 * batches by pipeline.c. One line per report: stored and duplicate on
 * stdout, rejected (with the reason) on stderr, then the totals. Exit 0
 * when nothing new was rejected, 1 when something was, 64 on a usage error,
 * 66 when an input could not be read (an environment error: nothing of it
 * quarantined), 75 when the database could not be written (run again
 * later: what was stored comes back as duplicates). An input rejected
 * before (its bytes in the quarantine already) is no news: with --quiet
 * it prints nothing, and it never makes the exit status 1 (issue 16 §7).
 */
#include <sysexits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "limits.h"
#include "outcome.h"
#include "pipeline.h"
#include "source.h"

static const char import_help[] =
    "Usage: tlsrpt import [OPTIONS] PATH... | -\n"
    "\n"
    "Imports TLS-RPT reports. Each PATH is a report file (.json, .json.gz\n"
    "or any name: the content decides), a message (.eml), an mbox, a\n"
    "Maildir (cur/ and new/), or a directory, walked; '-' reads one input\n"
    "from stdin. Reports already stored are duplicates; rejected inputs\n"
    "are kept in the quarantine with their reason.\n"
    "\n"
    "Output: 'stored' or 'duplicate', the path, organization and report-id\n"
    "on stdout, one line per report; 'rejected' with the reason on stderr\n"
    "('rejected-before' when the same bytes are in the quarantine already;\n"
    "--quiet leaves those out); then 'N stored, N duplicate, N rejected'\n"
    "(' (N before)', ', N unreadable' when there are). A report stored\n"
    "already but sent again with other content is 'duplicate, different\n"
    "content' (its bytes are quarantined, to compare with 'tlsrpt show\n"
    "KEY'). A file or directory that cannot be read is said on stderr as\n"
    "'cannot read PATH: REASON' and not quarantined; the rest goes on.\n"
    "Exit: 0 nothing new rejected, 1 something new rejected (the rest is\n"
    "stored), 64 usage error, 66 an input could not be read, 75 the\n"
    "database could not be written (try again).\n"
    "\n";

struct import {
	struct pipeline *pl;
	struct ingest_hints hints;
	struct ingest_limits limits;
	struct outcome_tally tally;
	int progress, stats;
	size_t unreadable; /* inputs that could not be read */
	time_t last_progress, started;
	struct cli cli; /* the common options, as given to import */
	unsigned jobs;  /* parser threads; 0: the number of CPUs */
};

#define I struct import
static const struct opt_def opts[] = {
    {.name = "channel",
     .kind = OPT_TEXT,
     .arg_name = "NAME",
     .def_text = "import",
     .offset = offsetof(I, hints.channel),
     .help = "recorded with each report"},
    {.name = "jobs",
     .short_name = 'j',
     .kind = OPT_NUM,
     .arg_name = "N",
     .def_text = "the number of CPUs",
     .min = 1,
     .max = LIMIT_JOBS_MAX,
     .offset = offsetof(I, jobs),
     .size = sizeof(unsigned),
     .help = "parser threads"},
    {.name = "max-input",
     .kind = OPT_NUM,
     .arg_name = "BYTES",
     .def = LIMIT_INPUT_SIZE,
     .min = LIMIT_INPUT_SIZE_MIN,
     .max = LIMIT_INPUT_SIZE_MAX,
     .offset = offsetof(I, limits.max_input),
     .size = sizeof(size_t),
     .help = "largest input read"},
    OPT_ROW_MAX_REPORT_SIZE(I, limits.max_report),
    {.name = "quiet",
     .short_name = 'q',
     .kind = OPT_FLAG,
     .offset = offsetof(I, tally.quiet),
     .help = "print only the totals and new rejections"},
    {.name = "verbose",
     .short_name = 'v',
     .kind = OPT_FLAG,
     .offset = offsetof(I, tally.verbose),
     .help = "also print each report's warnings, one line each under its "
             "report: 'warning', the path, the text"},
    {.name = "stats",
     .kind = OPT_FLAG,
     .offset = offsetof(I, stats),
     .help = "at the end, on stderr: the rate, and where the writer's time "
             "went (detail rows, rollups, commits, waiting for the parser "
             "threads)"},
    CLI_COMMON_ROWS(I, cli),
    OPT_ROW_HELP,
};
#undef I

static void
on_outcome(void *arg, const char *name, const struct ingest_outcome *o)
{
	struct import *im = arg;
	const size_t *n = im->tally.n;
	time_t now;

	outcome_print(&im->tally, name, o);
	if (im->progress && (now = time(NULL)) != im->last_progress) {
		size_t done = n[0] + n[1] + n[2];

		im->last_progress = now;
		fprintf(stderr, "\r%zu reports, %.0f/s ", done,
		        (double)done / (double)(now - im->started
		                                    ? now - im->started
		                                    : 1));
	}
}

static void
on_unreadable(void *arg, const char *name, const char *reason)
{
	struct import *im = arg;

	/* Not a bad report but the environment (permissions, a missing
	 * path): said as such, never quarantined, exit 66 (issue 16 §8). */
	im->unreadable++;
	fputs("tlsrpt import: cannot read ", stderr);
	output_escape_fputs(name, stderr);
	fputs(": ", stderr);
	output_escape_fputs(reason, stderr);
	fputc('\n', stderr);
}

static int
on_input(void *arg, unsigned char *bytes, size_t len, char *name)
{
	struct import *im = arg;

	return pipeline_submit(im->pl, bytes, len, name);
}

static double
secs(int64_t ns)
{
	return (double)ns / 1e9;
}

/* --stats: the rate, and the writer thread's time by what it did. */
static void
print_stats(const struct import *im, const struct pipeline_stats *ps,
            const struct store_timing *t, unsigned jobs, struct timespec t0)
{
	struct timespec t1;
	const size_t *n = im->tally.n;
	size_t done = n[0] + n[1] + n[2];
	double wall;
	int64_t wait = ps->writer_ns - ps->put_ns - t->rollup_ns - t->commit_ns;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	wall = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr,
	        "stats: %zu reports in %.2f s, %.0f/s, %u parser threads\n"
	        "stats: writer %.2f s: detail rows %.2f s, rollups %.2f s, "
	        "commits %.2f s (%llu), waiting for parsers %.2f s\n",
	        done, wall, wall > 0 ? (double)done / wall : 0.0, jobs,
	        secs(ps->writer_ns), secs(ps->put_ns), secs(t->rollup_ns),
	        secs(t->commit_ns), (unsigned long long)ps->commits,
	        secs(wait > 0 ? wait : 0));
}

/* The defaults, then the options; returns -1 to go on, else an exit
 * code. */
static int
parse_args(struct cli *c, struct import *im, int argc, char **argv)
{
	struct errbuf eb = {""};
	int r;

	ingest_limits_default(&im->limits);
	opt_defaults(opts, OPT_COUNT(opts), im);
	im->cli = *c;
	r = opt_parse(opts, OPT_COUNT(opts), im, argc, argv, &eb);
	*c = im->cli;
	if (r < 0)
		return cli_usage_error(argv[0], "%s", eb.msg);
	if (r == OPT_PARSE_HELP) {
		fputs(import_help, stdout);
		opt_help(opts, OPT_COUNT(opts), stdout);
		return 0;
	}
	if (optind == argc)
		return cli_usage_error(argv[0], "no PATH given (use '-' for "
		                                "stdin)");
	return -1;
}

int
cmd_import(struct cli *c, int argc, char **argv)
{
	struct import im;
	struct source_sink sink = {on_input, on_unreadable, &im, 0};
	struct store *st = NULL;
	struct errbuf eb = {""};
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned jobs;
	int i, ret, failed = 0;
	struct pipeline_stats ps = {0};
	struct store_timing timing = {0};
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&im, 0, sizeof(im));
	if ((ret = parse_args(c, &im, argc, argv)) >= 0)
		return ret;
	jobs = im.jobs != 0 ? im.jobs : ncpu > 0 ? (unsigned)ncpu : 1;
	sink.max_input = im.limits.max_input;
	im.progress =
	    isatty(STDERR_FILENO) && (im.tally.quiet || !isatty(STDOUT_FILENO));
	im.started = im.last_progress = time(NULL);
	if ((st = cli_open(c, "import", CLI_CREATE, &ret)) == NULL)
		return ret;
	if ((im.pl = pipeline_new(st, jobs, &im.hints, &im.limits, on_outcome,
	                          &im)) == NULL) {
		fprintf(stderr, "tlsrpt import: cannot start threads\n");
		store_close(st);
		return EXIT_TEMPFAIL;
	}
	for (i = optind; i < argc && !failed; i++)
		failed = source_walk(argv[i], &sink) != 0;
	failed |= pipeline_finish(im.pl, &ps, &eb) != 0;
	store_timing(st, &timing);
	store_close(st);
	if (im.progress)
		fputs("\r\033[K", stderr);
	outcome_totals(&im.tally);
	if (im.unreadable > 0)
		printf(", %zu unreadable", im.unreadable);
	putchar('\n');
	if (im.stats)
		print_stats(&im, &ps, &timing, jobs, t0);
	if (failed) {
		fprintf(stderr,
		        "tlsrpt import: stopped: %s; what was not "
		        "stored can be imported again later\n",
		        eb.msg[0] ? eb.msg : "out of memory");
		return EXIT_TEMPFAIL;
	}
	if (im.unreadable > 0)
		return EX_NOINPUT;
	return outcome_new_rejections(&im.tally) ? EXIT_REJECTED : 0;
}
