/*
 * query.c - `tlsrpt summary`, `tlsrpt failures` and `tlsrpt readiness`: the
 * store's answers (store.h, readiness.h) turned into rows with DESIGN.md's
 * keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "optnum.h"
#include "readiness.h"

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
    "  --db PATH          the database (default $TLSRPT_DB, else " DEFAULT_DB
    ")\n";

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

/* In a narrow table, the failures and their rate stay with the domain;
 * the types, modes and days go first (struct column). */
static const struct column summary_cols[] = {
    {"policy_domain", "DOMAIN", COL_TEXT, 0, 0},
    {"reports", "REPORTS", COL_INT, 2, 0},
    {"organizations", "ORGS", COL_INT, 3, 0},
    {"successful_sessions", "SUCCESSFUL", COL_INT, 1, 0},
    {"failed_sessions", "FAILED", COL_INT, 0, 0},
    {"failure_rate", "FAIL-RATE", COL_RATE, 0, 0},
    {"policy_types", "TYPES", COL_LIST, 7, 0},
    {"policy_modes", "MODES", COL_LIST, 6, 0},
    {"first_day", "FIRST", COL_TEXT, 5, 0},
    {"last_day", "LAST", COL_TEXT, 4, 0},
};
#define NSUMMARY_COLS (sizeof(summary_cols) / sizeof(summary_cols[0]))

struct sink {
	struct table *t;
	size_t limit;
	size_t rows;
};

static double
rate(int64_t failed, int64_t ok)
{
	/* In doubles: each sum may be held at INT64_MAX. */
	double all = (double)failed + (double)ok;

	return all > 0 ? (double)failed / all : 0;
}

static int
summary_row(const struct store_summary_row *r, void *arg)
{
	struct sink *s = arg;
	struct table *t = s->t;

	if (s->limit > 0 && s->rows == s->limit)
		return 1;
	s->rows++;
	if (table_row(t) || table_text(t, r->policy_domain) ||
	    table_int(t, r->reports) || table_int(t, r->organizations) ||
	    table_int(t, r->successful_sessions) ||
	    table_int(t, r->failed_sessions) ||
	    table_rate(t, rate(r->failed_sessions, r->successful_sessions)) ||
	    table_list(t, r->policy_types, r->npolicy_types) ||
	    table_list(t, r->policy_modes, r->npolicy_modes) ||
	    table_text(t, r->first_day) || table_text(t, r->last_day))
		return -1;
	return 0;
}

struct table *
query_table(const struct query_opts *q, const struct column *cols, size_t n)
{
	struct table *t = table_new(cols, n);

	if (t != NULL) {
		table_set_csv_raw(t, q->csv_raw);
		table_stream(t, q->format, stdout);
	}
	return t;
}

/* Runs a query into a table and prints it: 0, or 1 on failure. */
int
query_finish(struct table *t, const struct query_opts *q, int qret,
             struct errbuf *eb, const char *cmd)
{
	if (qret < 0) {
		fprintf(stderr, "tlsrpt %s: %s\n", cmd, eb->msg);
		return 1;
	}
	table_set_width(t, cli_terminal_width());
	if (table_print(t, q->format, stdout) != 0) {
		fprintf(stderr, "tlsrpt %s: cannot write the output\n", cmd);
		return 1;
	}
	return 0;
}

int
cmd_summary(struct cli *c, int argc, char **argv)
{
	struct query_opts q;
	struct store *st = NULL;
	struct sink sink = {NULL, 0, 0};
	struct errbuf eb = {""};
	int ret;

	query_opts_init(&q);
	if ((ret = query_parse_args(c, &q, argc, argv, summary_help, NULL, NULL,
	                            NULL)) >= 0)
		goto out;
	ret = 1;
	if ((st = cli_open_for_query(c, argv[0], &ret)) == NULL ||
	    (sink.t = query_table(&q, summary_cols, NSUMMARY_COLS)) == NULL)
		goto out;
	sink.limit = q.limit;
	ret = query_finish(
	    sink.t, &q, store_summary(st, &q.filter, summary_row, &sink, &eb),
	    &eb, argv[0]);
out:
	table_free(sink.t);
	store_close(st);
	query_opts_free(&q);
	return ret;
}

/* The --by keys: name, flag, and the column each adds. A key column is
 * never left out of a narrow table (its rows would look alike); only the
 * organization, free text, wraps. */
static const struct {
	const char *name;
	unsigned flag;
	struct column col;
} by_keys[] = {
    {"domain", FAILURE_BY_DOMAIN, {"policy_domain", "DOMAIN", COL_TEXT, 0, 0}},
    {"mode", FAILURE_BY_MODE, {"policy_mode", "MODE", COL_TEXT, 0, 0}},
    {"type", FAILURE_BY_TYPE, {"result_type", "RESULT-TYPE", COL_TEXT, 0, 0}},
    {"mta", FAILURE_BY_MTA, {"sending_mta_ip", "SENDING-MTA", COL_TEXT, 0, 0}},
    {"mx",
     FAILURE_BY_MX,
     {"receiving_mx_hostname", "RECEIVING-MX", COL_TEXT, 0, 0}},
    {"ip", FAILURE_BY_IP, {"receiving_ip", "RECEIVING-IP", COL_TEXT, 0, 0}},
    {"org", FAILURE_BY_ORG, {"organization", "ORGANIZATION", COL_TEXT, 0, 12}},
    {"day", FAILURE_BY_DAY, {"day", "DAY", COL_TEXT, 0, 0}},
};
#define NBY (sizeof(by_keys) / sizeof(by_keys[0]))

struct failure_sink {
	struct table *t;
	unsigned keys;
	size_t order[NBY]; /* the keys in the order given */
	size_t norder;
};

/* Parses "mta,type,mode" into flags and column order; -1 names the bad
 * key in eb. */
static int
parse_by(const char *s, struct failure_sink *fs, struct errbuf *eb)
{
	size_t i, n;

	fs->keys = 0;
	fs->norder = 0;
	while (*s != '\0') {
		n = strcspn(s, ",");
		for (i = 0; i < NBY; i++)
			if (strlen(by_keys[i].name) == n &&
			    strncmp(s, by_keys[i].name, n) == 0)
				break;
		if (i == NBY)
			return errbuf_set(eb,
			                  "unknown key '%.*s' (expected "
			                  "domain, mode, type, mta, mx, ip, "
			                  "org or day)",
			                  (int)n, s);
		if (!(fs->keys & by_keys[i].flag))
			fs->order[fs->norder++] = i;
		fs->keys |= by_keys[i].flag;
		s += n + (s[n] == ',');
	}
	return fs->keys ? 0 : errbuf_set(eb, "no keys");
}

static int
failure_row(const struct store_failure_row *r, void *arg)
{
	struct failure_sink *s = arg;
	const char *v[NBY] = {r->policy_domain,         r->policy_mode,
	                      r->result_type,           r->sending_mta_ip,
	                      r->receiving_mx_hostname, r->receiving_ip,
	                      r->organization,          r->day};
	size_t i;

	if (table_row(s->t))
		return -1;
	for (i = 0; i < s->norder; i++) {
		const char *x = v[s->order[i]];

		if (table_text(s->t, x && *x ? x : NULL))
			return -1;
	}
	return table_int(s->t, r->failed_sessions) ||
	       table_int(s->t, r->reports);
}

static const struct option by_opt[] = {{"by", required_argument, NULL, 'b'},
                                       CLI_FAILURE_FILTERS,
                                       {NULL, 0, NULL, 0}};

static int
take_by(void *arg, int opt, const char *optarg)
{
	(void)opt;
	*(const char **)arg = optarg;
	return 0;
}

int
cmd_failures(struct cli *c, int argc, char **argv)
{
	struct column cols[NBY + 2];
	struct query_opts q;
	struct store *st = NULL;
	struct failure_sink sink = {0};
	struct errbuf eb = {""};
	const char *by = "mta,type,mode";
	size_t i, n = 0;
	int ret;

	query_opts_init(&q);
	if ((ret = query_parse_args(c, &q, argc, argv, failures_help, by_opt,
	                            take_by, &by)) >= 0)
		goto out;
	if (parse_by(by, &sink, &eb) != 0) {
		ret = cli_usage_error(argv[0], "--by: %s", eb.msg);
		goto out;
	}
	for (i = 0; i < sink.norder; i++)
		cols[n++] = by_keys[sink.order[i]].col;
	cols[n++] = (struct column){"failed_sessions", "FAILED", COL_INT, 0, 0};
	cols[n++] = (struct column){"reports", "REPORTS", COL_INT, 1, 0};
	ret = 1;
	if ((st = cli_open_for_query(c, argv[0], &ret)) == NULL ||
	    (sink.t = query_table(&q, cols, n)) == NULL)
		goto out;
	ret = query_finish(sink.t, &q,
	                   store_failures(st, &q.filter, sink.keys, q.limit,
	                                  failure_row, &sink, &eb),
	                   &eb, argv[0]);
out:
	table_free(sink.t);
	store_close(st);
	query_opts_free(&q);
	return ret;
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

/* In a narrow table the verdict and next step stay with the domain, the
 * next step wrapping; the counts behind them go first (struct column). */
static const struct column readiness_cols[] = {
    {"policy_domain", "DOMAIN", COL_TEXT, 0, 0},
    {"policy_mode", "MODE", COL_TEXT, 3, 0},
    {"verdict", "VERDICT", COL_TEXT, 0, 0},
    {"days", "DAYS", COL_INT, 5, 0},
    {"organizations", "ORGS", COL_INT, 6, 0},
    {"successful_sessions", "SUCCESSFUL", COL_INT, 4, 0},
    {"failed_sessions", "FAILED", COL_INT, 2, 0},
    {"failure_rate", "FAIL-RATE", COL_RATE, 1, 0},
    {"blockers", "BLOCKERS", COL_JSON, 0, 0},
    {"next_step", "NEXT STEP", COL_TEXT, 0, 40},
};
#define NREADINESS_COLS (sizeof(readiness_cols) / sizeof(readiness_cols[0]))

static const struct option readiness_opts[] = {
    {"min-days", required_argument, NULL, 'd'},
    {"min-organizations", required_argument, NULL, 'o'},
    {"max-failure-rate", required_argument, NULL, 'r'},
    {NULL, 0, NULL, 0}};

static int
take_readiness(void *arg, int opt, const char *optarg)
{
	struct readiness_opts *o = arg;
	uint64_t v;
	char *end;
	double x;

	if (opt == 'r') {
		x = strtod(optarg, &end);
		if (end == optarg || *end != '\0' || !(x >= 0 && x <= 1))
			return cli_usage_error("readiness",
			                       "--max-failure-rate: a fraction "
			                       "from 0 to 1, not '%s'",
			                       optarg),
			       -1;
		o->max_failure_rate = x;
		return 0;
	}
	if (optnum_parse(optarg, 0, 36500, &v) != 0)
		return cli_usage_error(
		           "readiness", "--%s: 0 to 36500, not '%s'",
		           opt == 'd' ? "min-days" : "min-organizations",
		           optarg),
		       -1;
	*(opt == 'd' ? &o->min_days : &o->min_organizations) = (unsigned)v;
	return 0;
}

/* The blockers as JSON and as one CSV line. */
static int
blockers_cell(struct table *t, const struct readiness_row *r)
{
	json_t *a = json_array(), *o;
	char text[2048] = "";
	size_t i, n;

	for (i = 0; a != NULL && i < r->nblockers; i++) {
		const struct readiness_blocker *b = &r->blockers[i];

		o = json_pack(
		    "{s:s, s:s?, s:I, s:b}", "result_type", b->result_type,
		    "receiving_mx_hostname",
		    *b->receiving_mx_hostname ? b->receiving_mx_hostname : NULL,
		    "failed_sessions", (json_int_t)b->failed_sessions,
		    "mx_in_policy", b->mx_in_policy);
		json_array_append_new(a, o);
		n = strlen(text);
		snprintf(text + n, sizeof(text) - n, "%s%s %s %lld",
		         i ? "; " : "", b->result_type,
		         *b->receiving_mx_hostname ? b->receiving_mx_hostname
		                                   : TABLE_NONE,
		         (long long)b->failed_sessions);
	}
	return table_json(t, a, text);
}

static int
readiness_row(const struct readiness_row *r, void *arg)
{
	struct sink *s = arg;
	struct table *t = s->t;
	const struct store_sts_row *d = r->domain;

	if (s->limit > 0 && s->rows == s->limit)
		return 1;
	s->rows++;
	return table_row(t) || table_text(t, d->policy_domain) ||
	       table_text(t, d->newest_mode) ||
	       table_text(t, readiness_verdict_name(r->verdict)) ||
	       table_int(t, d->days) || table_int(t, d->organizations) ||
	       table_int(t, d->successful_sessions) ||
	       table_int(t, d->failed_sessions) ||
	       table_rate(t, r->failure_rate) || blockers_cell(t, r) ||
	       table_text(t, r->next_step);
}

/* The default period: the 30 days up to --until, else up to now. */
#define READINESS_DAYS 30
#define READINESS_NONE                                                         \
	"no domain with an MTA-STS policy in the last 30 days, the default "   \
	"period; --since 90d, or --since YYYY-MM-DD, looks further back"
#define READINESS_NONE_UNTIL                                                   \
	"no domain with an MTA-STS policy in the 30 days up to --until, the "  \
	"default period; --since YYYY-MM-DD looks further back"

int
cmd_readiness(struct cli *c, int argc, char **argv)
{
	struct query_opts q;
	struct readiness_opts ro;
	struct store *st = NULL;
	struct sink sink = {NULL, 0, 0};
	struct errbuf eb = {""};
	const char *none = NULL; /* the default period's empty line */
	int ret;

	query_opts_init(&q);
	readiness_opts_default(&ro);
	if ((ret = query_parse_args(c, &q, argc, argv, readiness_help,
	                            readiness_opts, take_readiness, &ro)) >= 0)
		goto out;
	if (q.filter.since == INT64_MIN) {
		none = q.filter.until == INT64_MAX ? READINESS_NONE
		                                   : READINESS_NONE_UNTIL;
		q.filter.since =
		    (q.filter.until == INT64_MAX ? (int64_t)c->now
		                                 : q.filter.until) -
		    READINESS_DAYS * 86400;
	}
	ret = 1;
	if ((st = cli_open_for_query(c, argv[0], &ret)) == NULL ||
	    (sink.t = query_table(&q, readiness_cols, NREADINESS_COLS)) == NULL)
		goto out;
	/* Nothing in the default period: say which it was, and how to look
	 * further back (in the table; beside JSON or CSV, on stderr). */
	if (none != NULL && table_set_empty(sink.t, none) != 0)
		goto out;
	sink.limit = q.limit;
	ret = query_finish(
	    sink.t, &q,
	    readiness_run(st, &q.filter, &ro, readiness_row, &sink, &eb), &eb,
	    argv[0]);
	if (ret == 0 && sink.rows == 0 && none != NULL &&
	    q.format != FORMAT_TABLE)
		fprintf(stderr, "tlsrpt readiness: %s\n", none);
out:
	table_free(sink.t);
	store_close(st);
	query_opts_free(&q);
	return ret;
}
