/*
 * query.c - `tlsrpt summary`, `tlsrpt failures` and `tlsrpt readiness`:
 * their help and options; the rows are view.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

static const char summary_help[] =
    "Usage: tlsrpt summary [OPTIONS]\n"
    "\n"
    "One row per policy domain: reports, reporting organizations, sessions\n"
    "that succeeded and failed, the failure rate, the policy types and\n"
    "modes seen, and the first and last day. Within one report, policies\n"
    "of one type for a domain are distinct sessions and add up (a policy\n"
    "that changed during the day); sts and tlsa are the same sessions seen\n"
    "twice (Microsoft), so only the larger counts, tlsa on a tie;\n"
    "no-policy-found and other types add. A missing value shows as\n"
    "(none) in the table, null in JSON.\n"
    "\n"
    "  --since WHEN       reports starting at or after WHEN (YYYY-MM-DD, or\n"
    "                     7d, 4w, 12m back from now)\n"
    "  --until WHEN       reports starting before the end of WHEN\n"
    "  --domain D         only policy domain D (repeatable)\n"
    "  --org NAME         only reports from this organization\n"
    "  --format F         table, json or csv (default: table on a terminal,\n"
    "                     json otherwise); a table fits the terminal, or\n"
    "                     $COLUMNS, by leaving columns out (named under\n"
    "                     it) and wrapping long text, never cutting one\n"
    "  --csv-raw          CSV text cells as stored; by default a cell that\n"
    "                     starts with = + - @ tab or CR (a formula to a\n"
    "                     spreadsheet) is quoted and starts with '\n"
    "  --limit N          at most N rows\n"
    "  --db PATH          the database: an SQLite file, or postgresql://...\n"
    "                     or pg:KEYWORDS (default $TLSRPT_DB, else\n"
    "                     " DEFAULT_DB ")\n";

static const char failures_help[] =
    "Usage: tlsrpt failures [--by KEYS] [OPTIONS]\n"
    "\n"
    "Failed sessions grouped by KEYS, largest first; with day among the\n"
    "keys, by day (oldest first), then largest first. KEYS is a comma list\n"
    "  domain  policy domain           mode  policy mode\n"
    "  type    result type             mta   sending MTA IP\n"
    "  mx      receiving MX hostname   ip    receiving IP\n"
    "  org     reporting organization  day   report day (UTC)\n"
    "The default, mta,type,mode, answers which sending MTAs fail to reach\n"
    "us, why, and under which policy mode. With mode among the keys (or\n"
    "--mode) each policy counts as sent; without it, the policies that\n"
    "count for their domain, as in 'tlsrpt summary --help'. A detail\n"
    "without a sending MTA IP (Microsoft, 2025) is the mta (none) in the\n"
    "table, null in JSON. Each key has a filter of its name (day: --since\n"
    "DAY --until DAY), which 'tlsrpt reports' takes too: the reports behind\n"
    "a row, and how many of its failed sessions each holds.\n"
    "\n"
    "  --by KEYS          grouping (default "
    "mta,type,mode)\n" CLI_FAILURE_FILTERS_HELP
    "  --since, --until, --domain, --org, --format, --csv-raw, --limit,\n"
    "  --db               as in 'tlsrpt summary --help'\n";

int
cmd_summary(struct cli *c, int argc, char **argv)
{
	return view_command(VIEW_SUMMARY, c, argc, argv, summary_help, NULL);
}

int
cmd_failures(struct cli *c, int argc, char **argv)
{
	static const struct option by_opt[] = {
	    {"by", required_argument, NULL, CLI_OPT_BY},
	    CLI_FAILURE_FILTERS,
	    {NULL, 0, NULL, 0}};

	return view_command(VIEW_FAILURES, c, argc, argv, failures_help,
	                    by_opt);
}

static const char readiness_help[] =
    "Usage: tlsrpt readiness [OPTIONS]\n"
    "\n"
    "For each policy domain with an MTA-STS policy: can it move from\n"
    "mode: testing to mode: enforce, and what to do next. Counted over the\n"
    "domain's STS policies in the period (default: the last 30 days, or\n"
    "with --until alone the 30 days up to it, as the digest counts; when\n"
    "it holds none, the table says so):\n"
    "  enforced           the newest policy seen is in enforce mode (the\n"
    "                     failed sessions are mail that enforce stopped)\n"
    "  not-ready          the failure rate is above the limit, or a failure\n"
    "                     names an MX that the policy's mx: lines do not\n"
    "                     cover, however few days or organizations\n"
    "                     reported; each cause is listed in blockers\n"
    "  insufficient-data  no blocker, but fewer days or reporting\n"
    "                     organizations than asked\n"
    "  ready              otherwise\n"
    "\n"
    "  --min-days N              days with reports needed (default 7)\n"
    "  --min-organizations N     reporting organizations needed (default 2)\n"
    "  --max-failure-rate X      largest failure rate, a fraction (default\n"
    "                            0.001)\n"
    "  --since, --until, --domain, --org, --format, --csv-raw, --limit,\n"
    "  --db               as in 'tlsrpt summary --help'\n";

int
cmd_readiness(struct cli *c, int argc, char **argv)
{
	static const struct option readiness_opts[] = {
	    {"min-days", required_argument, NULL, CLI_OPT_MIN_DAYS},
	    {"min-organizations", required_argument, NULL, CLI_OPT_MIN_ORGS},
	    {"max-failure-rate", required_argument, NULL, CLI_OPT_MAX_RATE},
	    {NULL, 0, NULL, 0}};

	return view_command(VIEW_READINESS, c, argc, argv, readiness_help,
	                    readiness_opts);
}
