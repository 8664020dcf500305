/*
 * tlsrpt-gen.c - generates realistic SMTP TLS reports (RFC 8460) for the
 * demo, the tests and the benchmarks: the command line.
 *
 * Reports are shaped after the senders seen in ../shared/corpus (gen.h),
 * tell a coherent story per policy domain across days and senders
 * (gen_domain.h), and are deterministic from --seed: each report draws
 * from its own stream keyed by (seed, report number), so a report is the
 * same whatever the output format (gen_rand.h). Memory is bounded: one
 * report is built, written and forgotten at a time (gen_plan.h).
 *
 * The modules, in the order a report goes through them: gen_plan (which
 * report comes next), gen_domain (the domain's profile), gen_model (the
 * report's policies and failures, padding), gen_json (its JSON), gen_mail
 * (its message), gen_out (files, gzip, mbox, Maildir), gen_stats (what was
 * made); gen_run drives them. Only libc and zlib.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "gen_run.h"
#include "gen_time.h"

#define EX_USAGE_ 64

static const char *const fmt_name[] = {"files", "mbox", "maildir", "eml"};

static const struct option opts[] = {
    {"count", required_argument, NULL, 'n'},
    {"out", required_argument, NULL, 'o'},
    {"format", required_argument, NULL, 'f'},
    {"seed", required_argument, NULL, 's'},
    {"gzip-fraction", required_argument, NULL, 'z'},
    {"domains", required_argument, NULL, 'D'},
    {"start", required_argument, NULL, 'S'},
    {"distinct-mtas", no_argument, NULL, 'I'},
    {"days", required_argument, NULL, 'd'},
    {"size-target", required_argument, NULL, 't'},
    {"duplicates", required_argument, NULL, 'u'},
    {"demo", required_argument, NULL, 'M'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void
usage(FILE *f)
{
	fputs(
	    "usage: tlsrpt-gen --out DIR [options]\n"
	    "       tlsrpt-gen --demo DIR\n"
	    "Generates realistic SMTP TLS reports (RFC 8460), deterministic "
	    "from --seed.\n\n"
	    "  --out DIR            output directory (created)\n"
	    "  --count N            reports to generate (default 100)\n"
	    "  --format FMT         files: one .json or .json.gz per report "
	    "(default)\n"
	    "                       eml: one multipart/report message per "
	    "file\n"
	    "                       mbox: DIR/reports.mbox, all messages\n"
	    "                       maildir: DIR/{tmp,new,cur}\n"
	    "  --seed N             random seed (default 1)\n"
	    "  --gzip-fraction F    share of gzipped reports (default 0.5)\n"
	    "  --domains N          policy domains example-N.test, besides\n"
	    "                       example.com/.net/.org and dane.example "
	    "(default 20)\n"
	    "  --start YYYY-MM-DD   first report day (default 2024-03-01)\n"
	    "  --days N             days the reports spread over (default "
	    "30)\n"
	    "  --size-target BYTES  average JSON size to pad toward "
	    "(default 3000;\n"
	    "                       0: no padding)\n"
	    "  --duplicates F       share of reports sent again (default 0)\n"
	    "  --distinct-mtas      every failure detail from a sending "
	    "address of its own\n"
	    "                       (the sender's IPv6 network), as a large "
	    "provider's pools\n"
	    "  --demo DIR           write the README demo set (40 reports, 4 "
	    "domains,\n"
	    "                       14 days; .json, .json.gz, .eml, one mbox)\n"
	    "  --quiet              no statistics on stdout\n"
	    "  --help               this text\n\n"
	    "Messages (eml with CRLF, mbox and maildir with LF) carry the "
	    "report\n"
	    "base64-encoded as application/tlsrpt+gzip, or "
	    "application/tlsrpt+json\n"
	    "for the share that --gzip-fraction leaves uncompressed. Reports "
	    "have 1-3\n"
	    "policies and 0-4 failure details each before padding; padding "
	    "adds\n"
	    "policy-string lines, TLSA records and failing MTAs.\n"
	    "Google sends one report per domain and day: when --count asks "
	    "for more\n"
	    "Google reports than domains x days, the rest go to the other "
	    "senders.\n"
	    "--demo ignores --seed and the size options; it starts on "
	    "--start.\n",
	    f);
}

static uint64_t
opt_u64(const char *name, const char *s, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max) {
		fprintf(stderr,
		        "tlsrpt-gen: --%s: not a number up to %llu: %s\n", name,
		        (unsigned long long)max, s);
		exit(EX_USAGE_);
	}
	return v;
}

static double
opt_fraction(const char *name, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v <= 1)) {
		fprintf(stderr, "tlsrpt-gen: --%s: not a fraction 0..1: %s\n",
		        name, s);
		exit(EX_USAGE_);
	}
	return v;
}

static int64_t
opt_date(const char *s)
{
	int y;
	unsigned m, d;
	char tail;

	if (sscanf(s, "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3 || m < 1 ||
	    m > 12 || d < 1 || d > 31 || y < 1970) {
		fprintf(stderr, "tlsrpt-gen: --start: not YYYY-MM-DD: %s\n", s);
		exit(EX_USAGE_);
	}
	return gen_time_days(y, m, d) * 86400;
}

static int
opt_format(const char *s)
{
	int format = -1;

	for (int i = 0; i < 4; i++)
		if (strcmp(s, fmt_name[i]) == 0)
			format = i;
	if (format < 0) {
		fprintf(stderr,
		        "tlsrpt-gen: --format: files, mbox, maildir or eml: "
		        "%s\n",
		        s);
		exit(EX_USAGE_);
	}
	return format;
}

/* Applies option c (as getopt_long returned it) with its argument arg;
 * exits on a bad value, after --help, and on an unknown option. */
static void
set_option(struct gen *g, int c, const char *arg, const char **demo)
{
	switch (c) {
	case 'n':
		g->count = opt_u64("count", arg, OPT_COUNT_MAX);
		break;
	case 'o':
		g->out = arg;
		break;
	case 'f':
		g->format = opt_format(arg);
		break;
	case 's':
		g->seed = opt_u64("seed", arg, UINT64_MAX);
		break;
	case 'z':
		g->gzip_fraction = opt_fraction("gzip-fraction", arg);
		break;
	case 'D':
		g->ndomains = opt_u64("domains", arg, OPT_DOMAINS_MAX);
		break;
	case 'S':
		g->start = opt_date(arg);
		break;
	case 'd':
		g->days = (unsigned)opt_u64("days", arg, OPT_DAYS_MAX);
		break;
	case 't':
		g->size_target =
		    (size_t)opt_u64("size-target", arg, OPT_SIZE_TARGET_MAX);
		break;
	case 'u':
		g->dup_fraction = opt_fraction("duplicates", arg);
		break;
	case 'M':
		*demo = arg;
		break;
	case 'I':
		g->distinct_mtas = 1;
		break;
	case 'q':
		g->quiet = 1;
		break;
	case 'h':
		usage(stdout);
		exit(0);
	default:
		usage(stderr);
		exit(EX_USAGE_);
	}
}

int
main(int argc, char **argv)
{
	struct gen g = {
	    .seed = 1,
	    .count = 100,
	    .gzip_fraction = 0.5,
	    .ndomains = 20,
	    .start = gen_time_days(2024, 3, 1) * 86400,
	    .days = 30,
	    .size_target = 3000,
	};
	const char *demo = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		set_option(&g, c, optarg, &demo);
	if (optind < argc || (demo == NULL && g.out == NULL) || g.days == 0) {
		usage(stderr);
		return EX_USAGE_;
	}
	if (demo) {
		g.out = demo;
		g.seed = 20240311;
		gen_run_demo(&g);
	} else {
		gen_run(&g);
	}
	return 0;
}
