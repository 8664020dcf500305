/*
 * cli.c - option handling shared by the tlsrpt subcommands.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "limits.h"
#include "optnum.h"
#include "report_time.h"

const char *
cli_db_path(const struct cli *c)
{
	const char *env = getenv("TLSRPT_DB");

	if (c->db != NULL)
		return c->db;
	if (env != NULL && *env != '\0')
		return env;
	return DEFAULT_DB;
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tlsrpt%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'tlsrpt %s%s--help'.\n", cmd ? cmd : "",
	        cmd ? " " : "");
	return EXIT_USAGE;
}

int
cli_common_option(struct cli *c, int opt, const char *arg)
{
	uint64_t v;

	switch (opt) {
	case CLI_OPT_BAD:
		return -1;
	case CLI_OPT_DB:
		c->db = arg;
		return 1;
	case CLI_OPT_EXPLAIN:
		c->explain = 1;
		return 1;
	case CLI_OPT_BUSY_TIMEOUT:
		if (optnum_parse(arg, 0, LIMIT_BUSY_TIMEOUT_MS_MAX, &v) != 0) {
			fprintf(stderr,
			        "tlsrpt: --busy-timeout: expected "
			        "milliseconds from 0 to %d, got '%s'\n",
			        LIMIT_BUSY_TIMEOUT_MS_MAX, arg);
			return -1;
		}
		c->busy_timeout_ms = (int)v;
		return 1;
	}
	return 0;
}

int
cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
           const struct option *longopts)
{
	char msg[256];
	int opt =
	    optnum_getopt(argc, argv, shortopts, longopts, msg, sizeof(msg));

	if (opt != OPTNUM_BAD)
		return opt;
	cli_usage_error(cmd, "%s", msg);
	return CLI_OPT_BAD;
}

/* Goes back n months from the UTC day of now, keeping the day of month
 * within the target month. */
static int64_t
months_back(time_t now, long n)
{
	struct tm tm;
	long y, m;
	int dim;

	gmtime_r(&now, &tm);
	y = tm.tm_year + 1900;
	m = tm.tm_mon - n; /* 0-based month, may go negative */
	y += m >= 0 ? m / 12 : -((11 - m) / 12);
	m = ((m % 12) + 12) % 12;
	dim = (int)(report_days_from_civil(m == 11 ? y + 1 : y,
	                                   m == 11 ? 1 : (unsigned)m + 2, 1) -
	            report_days_from_civil(y, (unsigned)m + 1, 1));
	if (tm.tm_mday > dim)
		tm.tm_mday = dim;
	return report_days_from_civil(y, (unsigned)m + 1,
	                              (unsigned)tm.tm_mday) *
	           86400 +
	       tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

int
cli_parse_when(const char *s, int until, time_t now, int64_t *out,
               struct errbuf *eb)
{
	unsigned q;
	char *end;
	long n;

	if (report_time_parse(s, strlen(s), out, &q) == 0) {
		if ((q & TIME_BARE_DATE) && until)
			*out +=
			    86400; /* --until 2026-01-31 includes the 31st */
		return 0;
	}
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno == 0 && end != s && n >= 0 && n <= 100000 && end[0] != '\0' &&
	    end[1] == '\0') {
		switch (end[0]) {
		case 'd':
			*out = (int64_t)now - n * 86400;
			return 0;
		case 'w':
			*out = (int64_t)now - n * 7 * 86400;
			return 0;
		case 'm':
			*out = months_back(now, n);
			return 0;
		}
	}
	return errbuf_set(eb,
	                  "expected YYYY-MM-DD or a period back from now "
	                  "like 7d, 4w or 12m, got '%s'",
	                  s);
}

void
query_opts_init(struct query_opts *q)
{
	memset(q, 0, sizeof(*q));
	store_filter_init(&q->filter);
	readiness_opts_default(&q->ro);
	q->format = isatty(STDOUT_FILENO) ? FORMAT_TABLE : FORMAT_JSON;
}

void
query_opts_free(struct query_opts *q)
{
	size_t i;

	while (q->ndomains > 0)
		free((char *)q->domains[--q->ndomains]);
	free(q->domains);
	for (i = 0; i < sizeof(q->details) / sizeof(q->details[0]); i++)
		free(q->details[i]);
}

/* Keeps a --domain value as the store keeps domains (DESIGN.md
 * "Normalized values"): lower case, no trailing dot. */
static int
add_domain(struct query_opts *q, const char *d)
{
	const char **nd =
	    reallocarray(q->domains, q->ndomains + 1, sizeof(*nd));
	size_t n = strlen(d);
	char *v;

	if (nd == NULL)
		return -1;
	q->domains = nd;
	if (n > 1 && d[n - 1] == '.')
		n--;
	if ((v = strndup(d, n)) == NULL)
		return -1;
	for (n = 0; v[n] != '\0'; n++)
		if (v[n] >= 'A' && v[n] <= 'Z')
			v[n] = (char)(v[n] - 'A' + 'a');
	q->domains[q->ndomains++] = v;
	q->filter.domains = q->domains;
	q->filter.ndomains = q->ndomains;
	return 0;
}

/* A failure filter's value as the store keeps it (DESIGN.md "Normalized
 * values"): "(none)" is the missing value, "", hostnames lower case
 * without a trailing dot, IP addresses in RFC 5952 form, an IPv4-mapped
 * IPv6 address as IPv4. Returns a malloc'd string, or NULL. */
static char *
detail_normalized(int opt, const char *v)
{
	unsigned char bin[16];
	char text[INET6_ADDRSTRLEN];
	size_t n = strlen(v), i;
	char *out;

	if (strcmp(v, TABLE_NONE) == 0)
		return strdup("");
	if ((opt == CLI_OPT_MTA || opt == CLI_OPT_IP) &&
	    inet_pton(AF_INET6, v, bin) == 1) {
		if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)bin))
			inet_ntop(AF_INET, bin + 12, text, sizeof(text));
		else
			inet_ntop(AF_INET6, bin, text, sizeof(text));
		return strdup(text);
	}
	if (opt != CLI_OPT_MX)
		return strdup(v);
	if (n > 1 && v[n - 1] == '.')
		n--;
	if ((out = strndup(v, n)) != NULL)
		for (i = 0; out[i] != '\0'; i++)
			if (out[i] >= 'A' && out[i] <= 'Z')
				out[i] = (char)(out[i] - 'A' + 'a');
	return out;
}

/* Sets a failure filter (CLI_FAILURE_FILTERS): 1, or -1. */
static int
failure_filter(struct query_opts *q, int opt, const char *arg)
{
	const char **field[] = {&q->filter.policy_mode, &q->filter.result_type,
	                        &q->filter.sending_mta_ip,
	                        &q->filter.receiving_mx_hostname,
	                        &q->filter.receiving_ip};
	size_t i = (size_t)(opt - CLI_OPT_MODE);

	free(q->details[i]);
	if ((q->details[i] = detail_normalized(opt, arg)) == NULL)
		return -1;
	*field[i] = q->details[i];
	return 1;
}

/* The query options by name: what `tlsrpt serve` takes as query
 * parameters, and how messages name an option. */
static const struct {
	const char *name;
	int code;
} params[] = {
    {"since", CLI_OPT_SINCE},
    {"until", CLI_OPT_UNTIL},
    {"domain", CLI_OPT_DOMAIN},
    {"org", CLI_OPT_ORG},
    {"format", CLI_OPT_FORMAT},
    {"csv-raw", CLI_OPT_CSV_RAW},
    {"limit", CLI_OPT_LIMIT},
    {"mode", CLI_OPT_MODE},
    {"type", CLI_OPT_TYPE},
    {"mta", CLI_OPT_MTA},
    {"mx", CLI_OPT_MX},
    {"ip", CLI_OPT_IP},
    {"by", CLI_OPT_BY},
    {"failed", CLI_OPT_FAILED},
    {"min-days", CLI_OPT_MIN_DAYS},
    {"min-organizations", CLI_OPT_MIN_ORGS},
    {"max-failure-rate", CLI_OPT_MAX_RATE},
};
#define NPARAMS (sizeof(params) / sizeof(params[0]))

int
query_param_code(const char *name)
{
	size_t i;

	for (i = 0; i < NPARAMS; i++)
		if (strcmp(params[i].name, name) == 0)
			return params[i].code;
	return 0;
}

const char *
query_param_name(int opt)
{
	size_t i;

	for (i = 0; i < NPARAMS; i++)
		if (params[i].code == opt)
			return params[i].name;
	return NULL;
}

/* The --by keys' names, in the bit order of FAILURE_BY_*. */
static const char *const by_names[] = {"domain", "mode", "type", "mta",
                                       "mx",     "ip",   "org",  "day"};

/* Parses "mta,type,mode" into q's key flags and their order. */
static int
parse_by(struct query_opts *q, const char *s, struct errbuf *eb)
{
	size_t i, n;

	q->by_keys = 0;
	q->nby = 0;
	while (*s != '\0') {
		n = strcspn(s, ",");
		for (i = 0; i < 8; i++)
			if (strlen(by_names[i]) == n &&
			    strncmp(s, by_names[i], n) == 0)
				break;
		if (i == 8)
			return errbuf_set(eb,
			                  "unknown key '%.*s' (expected "
			                  "domain, mode, type, mta, mx, ip, "
			                  "org or day)",
			                  (int)n, s);
		if (!(q->by_keys & 1u << i))
			q->by_order[q->nby++] = (unsigned char)i;
		q->by_keys |= 1u << i;
		s += n + (s[n] == ',');
	}
	return q->by_keys ? 0 : errbuf_set(eb, "no keys");
}

/* readiness's thresholds. */
static int
set_threshold(struct query_opts *q, int opt, const char *arg, struct errbuf *eb)
{
	uint64_t v;
	char *end;
	double x;

	if (opt == CLI_OPT_MAX_RATE) {
		x = strtod(arg, &end);
		if (end == arg || *end != '\0' || !(x >= 0 && x <= 1))
			return errbuf_set(
			    eb, "a fraction from 0 to 1, not '%s'", arg);
		q->ro.max_failure_rate = x;
		return 0;
	}
	if (optnum_parse(arg, 0, 36500, &v) != 0)
		return errbuf_set(eb, "0 to 36500, not '%s'", arg);
	*(opt == CLI_OPT_MIN_DAYS ? &q->ro.min_days
	                          : &q->ro.min_organizations) = (unsigned)v;
	return 0;
}

int
query_set(struct query_opts *q, int64_t now, int opt, const char *arg,
          struct errbuf *eb)
{
	uint64_t v;

	switch (opt) {
	case CLI_OPT_SINCE:
	case CLI_OPT_UNTIL:
		if (cli_parse_when(arg, opt == CLI_OPT_UNTIL, (time_t)now,
		                   opt == CLI_OPT_SINCE ? &q->filter.since
		                                        : &q->filter.until,
		                   eb) != 0)
			return -1;
		return 1;
	case CLI_OPT_DOMAIN:
		return add_domain(q, arg) == 0
		           ? 1
		           : errbuf_set(eb, "out of memory");
	case CLI_OPT_ORG:
		q->filter.organization = arg;
		return 1;
	case CLI_OPT_FORMAT:
		if (output_format_parse(arg, &q->format) != 0)
			return errbuf_set(eb,
			                  "expected table, json or csv, got "
			                  "'%s'",
			                  arg);
		return 1;
	case CLI_OPT_CSV_RAW:
		q->csv_raw = 1;
		return 1;
	case CLI_OPT_FAILED:
		q->filter.failed_only = 1;
		return 1;
	case CLI_OPT_MODE:
	case CLI_OPT_TYPE:
	case CLI_OPT_MTA:
	case CLI_OPT_MX:
	case CLI_OPT_IP:
		return failure_filter(q, opt, arg) == 1
		           ? 1
		           : errbuf_set(eb, "out of memory");
	case CLI_OPT_BY:
		return parse_by(q, arg, eb) == 0 ? 1 : -1;
	case CLI_OPT_MIN_DAYS:
	case CLI_OPT_MIN_ORGS:
	case CLI_OPT_MAX_RATE:
		return set_threshold(q, opt, arg, eb) == 0 ? 1 : -1;
	case CLI_OPT_LIMIT:
		if (optnum_parse(arg, 1, 100000000, &v) != 0)
			return errbuf_set(eb,
			                  "expected a positive number, got "
			                  "'%s'",
			                  arg);
		q->limit = (size_t)v;
		return 1;
	}
	return 0;
}

int
query_option(struct query_opts *q, const struct cli *c, const char *cmd,
             int opt, const char *arg)
{
	struct errbuf eb = {""};
	int r = query_set(q, (int64_t)c->now, opt, arg, &eb);

	if (r < 0)
		cli_usage_error(cmd, "--%s: %s", query_param_name(opt), eb.msg);
	return r;
}

/* The directory of path into buf. */
static void
dir_of(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(buf, size, ".");
	else
		snprintf(buf, size, "%.*s",
		         slash == path ? 1 : (int)(slash - path), path);
}

/* --explain: the store's query plans on stderr. */
static void
print_plan(const char *step, void *arg)
{
	(void)arg;
	fprintf(stderr, "plan: %s\n", step);
}

/* Run as root, a database made, or upgraded with its backup, in another
 * user's directory (the daemons') would have files of root's there, which
 * the daemons cannot write; the model is in README "Who owns the
 * database". Says so, with the fix, and returns 1. */
static int
root_refuses(const char *path, const char *cmd, enum cli_open_mode mode)
{
	char dir[4096], user[64];
	struct passwd pw, *p = NULL;
	char tmp[1024];
	struct stat sb;

	if (geteuid() != 0 || (mode != CLI_CREATE && mode != CLI_UPGRADE) ||
	    store_is_pgsql(path) ||
	    (mode == CLI_CREATE && lstat(path, &sb) == 0))
		return 0;
	dir_of(path, dir, sizeof(dir));
	if (stat(dir, &sb) != 0 || sb.st_uid == 0)
		return 0;
	if (getpwuid_r(sb.st_uid, &pw, tmp, sizeof(tmp), &p) == 0 && p != NULL)
		snprintf(user, sizeof(user), "%s", p->pw_name);
	else
		snprintf(user, sizeof(user), "%lu", (unsigned long)sb.st_uid);
	fprintf(stderr,
	        "tlsrpt %s: refused to %s %s as root: %s belongs to %s, "
	        "whose daemons could not write files of root's there; run "
	        "it as %s: runuser -u %s -- tlsrpt %s --db %s\n",
	        cmd, mode == CLI_CREATE ? "create" : "upgrade", path, dir, user,
	        user, user, cmd, path);
	return 1;
}

struct store *
cli_open(const struct cli *c, const char *cmd, enum cli_open_mode mode,
         int *status)
{
	static const int flags[] = {
	    [CLI_READ] = STORE_READONLY,
	    [CLI_WRITE] = STORE_MUST_EXIST,
	    [CLI_CREATE] = 0,
	    [CLI_UPGRADE] = STORE_MUST_EXIST | STORE_ANY_VERSION,
	};
	const char *path = cli_db_path(c);
	char dir[4096];
	struct store *st;
	struct errbuf eb;
	int r;

	if (root_refuses(path, cmd, mode)) {
		*status = EXIT_NOPERM;
		return NULL;
	}
	dir_of(path, dir, sizeof(dir));
	if (mode != CLI_CREATE && !store_is_pgsql(path) &&
	    access(path, F_OK) != 0 && errno == ENOENT &&
	    access(dir, F_OK) == 0) {
		fprintf(stderr,
		        "tlsrpt %s: no database at %s (import reports "
		        "first, or name one with --db or $TLSRPT_DB)\n",
		        cmd, path);
		*status = 1;
		return NULL;
	}
	if ((r = store_open(path, flags[mode], c->busy_timeout_ms, &st, &eb)) ==
	    0) {
		if (c->explain)
			store_set_explain(st, print_plan, NULL);
		return st;
	}
	fprintf(stderr, "tlsrpt %s: %s\n", cmd, eb.msg);
	*status = mode == CLI_READ ? 1 : EXIT_TEMPFAIL;
	if (r == STORE_E_SCHEMA)
		*status = EXIT_SCHEMA;
	else if (r == STORE_E_NODIR)
		*status = EXIT_NODIR;
	else if (r == STORE_E_ACCESS)
		*status = EXIT_NOPERM;
	return NULL;
}

struct store *
cli_open_for_query(const struct cli *c, const char *cmd, int *status)
{
	return cli_open(c, cmd, CLI_READ, status);
}

int
query_parse_args(struct cli *c, struct query_opts *q, int argc, char **argv,
                 const char *help, const struct option *extra,
                 int (*take)(void *arg, int opt, const char *optarg), void *arg)
{
	static const struct option base[] = {CLI_COMMON_OPTIONS,
	                                     CLI_QUERY_OPTIONS,
	                                     {"help", no_argument, NULL, 'h'}};
	struct option
	    opts[sizeof(base) / sizeof(base[0]) + QUERY_EXTRA_MAX + 1];
	size_t n = 0, i;
	int opt, r;

	for (i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		opts[n++] = base[i];
	for (i = 0; extra != NULL && extra[i].name != NULL; i++)
		if (i < QUERY_EXTRA_MAX)
			opts[n++] = extra[i];
	opts[n] = (struct option){NULL, 0, NULL, 0};
	optind = 0; /* 0: GNU getopt starts afresh (main used "+") */
	while ((opt = cli_getopt(argv[0], argc, argv, "h", opts)) != -1) {
		if (opt == 'h') {
			fputs(help, stdout);
			return 0;
		}
		if ((r = cli_common_option(c, opt, optarg)) == 0)
			r = query_option(q, c, argv[0], opt, optarg);
		for (i = 0; r == 0 && take != NULL && extra != NULL &&
		            extra[i].name != NULL;
		     i++)
			if (extra[i].val == opt)
				r = take(arg, opt, optarg) == 0 ? 1 : -1;
		if (r < 0)
			return EXIT_USAGE;
		if (r == 0)
			return cli_usage_error(argv[0], "unknown option");
	}
	if (argc - optind > q->max_args)
		return cli_usage_error(argv[0], "unexpected argument '%s'",
		                       argv[optind + q->max_args]);
	q->args = argv + optind;
	q->nargs = argc - optind;
	return -1;
}

size_t
cli_terminal_width(void)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");
	uint64_t v;

	if (env != NULL && optnum_parse(env, 20, 10000, &v) == 0)
		return (size_t)v;
	if (isatty(STDOUT_FILENO) &&
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

void
cli_format_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%lld", (long long)t);
}
