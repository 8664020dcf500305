/*
 * reports.c - `tlsrpt reports` (the stored reports, newest first) and
 * `tlsrpt show KEY` (one report's JSON as it was received, decompressed
 * and indented, or the warnings recorded when it was stored).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "view.h"
#include "gz.h"
#include "limits.h"

static const char reports_help[] =
    "Usage: tlsrpt reports [OPTIONS]\n"
    "\n"
    "The stored reports, newest first: the key that 'tlsrpt show' takes,\n"
    "the report's start time, organization, report-id, its policy domains,\n"
    "its sessions (counted as in summary), the channel it came by, and the\n"
    "warnings recorded when it was normalized. A report is in the period\n"
    "that holds its start time; --domain matches any of its domains.\n"
    "\n"
    "With --failed, or a filter of 'tlsrpt failures' (--mode, --type, --mta,\n"
    "--mx, --ip), only the reports with failures that pass the filters\n"
    "(and --domain, --org, --since, --until), and in matching_failed_sessions\n"
    "(MATCHING) how many of its failed sessions do, counted as failures\n"
    "counts them: the reports of a failures row, given its keys as filters,\n"
    "add up to the row.\n"
    "\n"
    "  --failed           only reports with failures\n" CLI_FAILURE_FILTERS_HELP
    "  --since, --until, --domain, --org, --format, --csv-raw, --limit,\n"
    "  --db               as in 'tlsrpt summary --help'\n";

int
cmd_reports(struct cli *c, int argc, char **argv)
{
	static const struct option reports_opts[] = {
	    CLI_FAILURE_FILTERS,
	    {"failed", no_argument, NULL, CLI_OPT_FAILED},
	    {NULL, 0, NULL, 0}};

	return view_command(VIEW_REPORTS, c, argc, argv, reports_help,
	                    reports_opts);
}

static const char show_help[] =
    "Usage: tlsrpt show [OPTIONS] KEY\n"
    "\n"
    "Prints a stored report's JSON as it was received, decompressed and\n"
    "indented. KEY is a report-id, or the key that 'tlsrpt reports' lists.\n"
    "When two organizations used the same report-id, name one with --org.\n"
    "\n"
    "  --org NAME         the report's organization\n"
    "  --raw              write the bytes as received (gzip or JSON)\n"
    "  --warnings         list the warnings recorded when the report was\n"
    "                     normalized, one a line (none: no output)\n"
    "  --db PATH          the database (default $TLSRPT_DB, else " DEFAULT_DB
    ")\n";

struct show {
	int found;
	int64_t key; /* of the first match */
	void *bytes; /* its bytes as received, copied */
	size_t len;
	char *warnings;   /* its warnings, one a line, copied */
	char names[1024]; /* "key N (organization)" of each match */
};

/* Writes the report's JSON indented; text that does not parse (it was
 * accepted with a warning jansson would not take) goes out as it is. */
static int
print_pretty(const char *text, size_t len, FILE *fp)
{
	json_t *j;
	int ret;

	/* A UTF-8 BOM is accepted with a warning (DESIGN.md); jansson
	 * would refuse it. */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	}
	if ((j = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return fwrite(text, 1, len, fp) == len ? 0 : -1;
	ret = json_dumpf(j, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	return ret == 0 && fputc('\n', fp) != EOF ? 0 : -1;
}

int
report_show_json(const void *bytes, size_t len, FILE *fp, struct errbuf *eb)
{
	char *text = NULL;
	size_t tlen;
	unsigned flags;
	int ret;

	if (!gz_is_gzip(bytes, len))
		ret = print_pretty(bytes, len, fp);
	else if ((ret = gz_inflate(bytes, len, LIMIT_REPORT_SIZE_MAX,
	                           LIMIT_INFLATE_RATIO_MAX, &text, &tlen,
	                           &flags, eb)) == 0)
		ret = print_pretty(text, tlen, fp);
	else
		return -1;
	free(text);
	return ret == 0 ? 0 : errbuf_set(eb, "cannot write");
}

/* Keeps the first match's bytes and the names of all matches. */
static int
show_match(const struct store_report_row *r, const void *bytes, size_t len,
           void *arg)
{
	struct show *s = arg;
	size_t n = strlen(s->names);

	snprintf(s->names + n, sizeof(s->names) - n, "%skey %lld (%s)",
	         n ? ", " : "", (long long)r->key, r->organization);
	if (s->found++ > 0)
		return 0;
	s->key = r->key;
	if ((s->warnings = strdup(r->warnings)) == NULL ||
	    (s->bytes = malloc(len ? len : 1)) == NULL)
		return -1;
	memcpy(s->bytes, bytes, len);
	s->len = len;
	return 0;
}

/* The warnings one a line, each escaped (output_escape): they quote
 * fields of the report. */
static int
print_warnings(const char *w)
{
	const char *nl;
	char *line;
	int ret = 0;

	for (; ret == 0 && *w != '\0'; w = nl ? nl + 1 : "") {
		nl = strchr(w, '\n');
		if ((line = strndup(w, nl ? (size_t)(nl - w) : strlen(w))) ==
		    NULL)
			return -1;
		ret = output_escape_fputs(line, stdout) == 0 &&
		              fputc('\n', stdout) != EOF
		          ? 0
		          : -1;
		free(line);
	}
	return ret;
}

/* Prints the match: 0, or 1 after saying why not. */
static int
show_print(const struct show *s, int raw, int warnings)
{
	struct errbuf eb = {""};
	int ret;

	if (warnings)
		ret = print_warnings(s->warnings);
	else if (raw)
		ret = fwrite(s->bytes, 1, s->len, stdout) == s->len ? 0 : -1;
	else if ((ret = report_show_json(s->bytes, s->len, stdout, &eb)) != 0 &&
	         strcmp(eb.msg, "cannot write") != 0)
		fprintf(stderr, "tlsrpt show: key %lld: %s\n",
		        (long long)s->key, eb.msg);
	if (fflush(stdout) != 0 || ret != 0) {
		if (!eb.msg[0] || strcmp(eb.msg, "cannot write") == 0)
			fprintf(stderr, "tlsrpt show: cannot write\n");
		return 1;
	}
	return 0;
}

/* The names hold organizations: escaped. */
static void
show_ambiguous(const char *key, int n, const char *names)
{
	char *e = output_escape(names);

	fprintf(stderr,
	        "tlsrpt show: '%s' names %d reports: %s; give the key or "
	        "--org\n",
	        key, n, e ? e : "?");
	free(e);
}

int
cmd_show(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    CLI_COMMON_OPTIONS,
	    {"org", required_argument, NULL, 'o'},
	    {"raw", no_argument, NULL, 'r'},
	    {"warnings", no_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	struct show s = {0};
	struct store *st;
	struct errbuf eb = {""};
	const char *org = NULL;
	int opt, r, raw = 0, warnings = 0, ret = 1;

	optind = 0; /* 0: GNU getopt starts afresh (main used "+") */
	while ((opt = cli_getopt(argv[0], argc, argv, "h", opts)) != -1) {
		if (opt == 'h')
			return fputs(show_help, stdout), 0;
		if (opt == 'o')
			org = optarg;
		else if (opt == 'r')
			raw = 1;
		else if (opt == 'w')
			warnings = 1;
		else if ((r = cli_common_option(c, opt, optarg)) <= 0)
			return r < 0
			           ? EXIT_USAGE
			           : cli_usage_error(argv[0], "unknown option");
	}
	if (optind + 1 != argc)
		return cli_usage_error(argv[0], optind == argc
		                                    ? "no KEY given"
		                                    : "more than one KEY");
	if ((st = cli_open_for_query(c, argv[0], &r)) == NULL)
		return r;
	r = store_report_find(st, argv[optind], org, show_match, &s, &eb);
	store_close(st);
	if (r < 0)
		fprintf(stderr, "tlsrpt show: %s\n",
		        eb.msg[0] ? eb.msg : "out of memory");
	else if (r == 0)
		fprintf(stderr,
		        "tlsrpt show: no report '%s'%s%s ('tlsrpt reports' "
		        "lists them)\n",
		        argv[optind], org ? " from " : "", org ? org : "");
	else if (r > 1)
		show_ambiguous(argv[optind], r, s.names);
	else
		ret = show_print(&s, raw, warnings);
	free(s.bytes);
	free(s.warnings);
	return ret;
}
