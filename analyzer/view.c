/*
 * view.c - the query commands' rows: the store's answers (store.h,
 * readiness.h) turned into tables with DESIGN.md's keys, for the
 * commands and for `tlsrpt serve` alike.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "limits.h"
#include "readiness.h"
#include "view.h"

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

/* The --by keys' columns, in the bit order of FAILURE_BY_*. A key column
 * is never left out of a narrow table (its rows would look alike); only
 * the organization, free text, wraps. */
static const struct column by_cols[] = {
    {"policy_domain", "DOMAIN", COL_TEXT, 0, 0},
    {"policy_mode", "MODE", COL_TEXT, 0, 0},
    {"result_type", "RESULT-TYPE", COL_TEXT, 0, 0},
    {"sending_mta_ip", "SENDING-MTA", COL_TEXT, 0, 0},
    {"receiving_mx_hostname", "RECEIVING-MX", COL_TEXT, 0, 0},
    {"receiving_ip", "RECEIVING-IP", COL_TEXT, 0, 0},
    {"organization", "ORGANIZATION", COL_TEXT, 0, 12},
    {"day", "DAY", COL_TEXT, 0, 0},
};
static const unsigned char by_default[] = {3, 2, 1}; /* mta,type,mode */

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

/* In a narrow table the key, start and domains stay (the domains one a
 * line if need be); the receiving details go first (struct column). */
static const struct column reports_cols[] = {
    {"key", "KEY", COL_INT, 0, 0},
    {"start_time", "START", COL_TEXT, 0, 0},
    {"organization", "ORGANIZATION", COL_TEXT, 3, 12},
    {"report_id", "REPORT-ID", COL_TEXT, 5, 0},
    {"policy_domains", "DOMAINS", COL_LIST, 0, 1},
    {"successful_sessions", "SUCCESSFUL", COL_INT, 4, 0},
    {"failed_sessions", "FAILED", COL_INT, 1, 0},
    {"channel", "CHANNEL", COL_TEXT, 7, 0},
    {"received_time", "RECEIVED", COL_TEXT, 8, 0},
    {"warnings", "WARNINGS", COL_LIST, 6, 20},
};
static const struct column matching_col = {"matching_failed_sessions",
                                           "MATCHING", COL_INT, 0, 0};

static const struct column quarantine_cols[] = {
    {"key", "KEY", COL_INT, 0, 0},
    {"first_seen", "FIRST SEEN", COL_TEXT, 4, 0},
    {"last_seen", "LAST SEEN", COL_TEXT, 0, 0},
    {"count", "COUNT", COL_INT, 1, 0},
    {"channel", "CHANNEL", COL_TEXT, 5, 0},
    {"source", "SOURCE", COL_TEXT, 3, 0},
    {"submitter", "SUBMITTER", COL_TEXT, 6, 0},
    {"bytes", "BYTES", COL_INT, 7, 0},
    {"reason", "REASON", COL_TEXT, 0, 20},
};

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

const char *
view_name(enum view_kind v)
{
	static const char *const names[] = {"summary", "failures", "readiness",
	                                    "reports", "quarantine"};

	return names[v];
}

/* The default period: the 30 days up to --until, else up to now. */
#define READINESS_DAYS 30
#define READINESS_NONE                                                         \
	"no domain with an MTA-STS policy in the last 30 days, the default "   \
	"period; --since 90d, or --since YYYY-MM-DD, looks further back"
#define READINESS_NONE_UNTIL                                                   \
	"no domain with an MTA-STS policy in the 30 days up to --until, the "  \
	"default period; --since YYYY-MM-DD looks further back"

void
view_prepare(enum view_kind v, struct query_opts *q, int64_t now)
{
	if (v != VIEW_READINESS || q->filter.since != INT64_MIN)
		return;
	q->empty = q->filter.until == INT64_MAX ? READINESS_NONE
	                                        : READINESS_NONE_UNTIL;
	q->filter.since =
	    (q->filter.until == INT64_MAX ? now : q->filter.until) -
	    READINESS_DAYS * 86400;
}

static void
cols_copy(struct view_cols *vc, const struct column *c, size_t n)
{
	memcpy(vc->c, c, n * sizeof(*c));
	vc->n = n;
}

void
view_columns(enum view_kind v, const struct query_opts *q, struct view_cols *vc)
{
	const unsigned char *order = q->nby ? q->by_order : by_default;
	size_t i, nby = q->nby ? q->nby : sizeof(by_default);

	vc->n = 0;
	switch (v) {
	case VIEW_SUMMARY:
		cols_copy(vc, summary_cols, NCOLS(summary_cols));
		break;
	case VIEW_FAILURES:
		for (i = 0; i < nby; i++)
			vc->c[vc->n++] = by_cols[order[i]];
		vc->c[vc->n++] =
		    (struct column){"failed_sessions", "FAILED", COL_INT, 0, 0};
		vc->c[vc->n++] =
		    (struct column){"reports", "REPORTS", COL_INT, 1, 0};
		break;
	case VIEW_READINESS:
		cols_copy(vc, readiness_cols, NCOLS(readiness_cols));
		break;
	case VIEW_REPORTS:
		/* With a failure filter, after failed_sessions: the part of
		 * them that passes it. */
		for (i = 0; i < NCOLS(reports_cols); i++) {
			vc->c[vc->n++] = reports_cols[i];
			if (strcmp(reports_cols[i].key, "failed_sessions") ==
			        0 &&
			    store_filter_failures(&q->filter))
				vc->c[vc->n++] = matching_col;
		}
		break;
	case VIEW_QUARANTINE:
		cols_copy(vc, quarantine_cols, NCOLS(quarantine_cols));
		break;
	}
}

struct sink {
	struct table *t;
	size_t limit;
	size_t rows;
	const unsigned char *order; /* failures: the keys' columns */
	size_t norder;
};

/* Whether the sink is full; else counts one more row. */
static int
sink_full(struct sink *s)
{
	if (s->limit > 0 && s->rows == s->limit)
		return 1;
	s->rows++;
	return 0;
}

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

	if (sink_full(s))
		return 1;
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

static int
failure_row(const struct store_failure_row *r, void *arg)
{
	struct sink *s = arg;
	const char *v[8] = {r->policy_domain,         r->policy_mode,
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

	if (sink_full(s))
		return 1;
	return table_row(t) || table_text(t, d->policy_domain) ||
	       table_text(t, d->newest_mode) ||
	       table_text(t, readiness_verdict_name(r->verdict)) ||
	       table_int(t, d->days) || table_int(t, d->organizations) ||
	       table_int(t, d->successful_sessions) ||
	       table_int(t, d->failed_sessions) ||
	       table_rate(t, r->failure_rate) || blockers_cell(t, r) ||
	       table_text(t, r->next_step);
}

/* Splits s at sep into at most max pieces of buf; returns how many. */
static size_t
split(char *s, int sep, const char **v, size_t max)
{
	size_t n = 0;
	char *p;

	while (*s != '\0' && n < max) {
		v[n++] = s;
		if ((p = strchr(s, sep)) == NULL)
			break;
		*p = '\0';
		s = p + 1;
	}
	return n;
}

static int
list_cell(struct table *t, const char *s, int sep)
{
	const char *v[LIMIT_WARNINGS + 1];
	char *copy = strdup(s);
	int ret;

	if (copy == NULL)
		return -1;
	ret = table_list(t, v, split(copy, sep, v, LIMIT_WARNINGS + 1));
	free(copy);
	return ret;
}

static int
report_row(const struct store_report_row *r, void *arg)
{
	struct sink *s = arg;
	struct table *t = s->t;
	char start[32], received[32];

	cli_format_time(r->start_time, start, sizeof(start));
	cli_format_time(r->received_time, received, sizeof(received));
	return table_row(t) || table_int(t, r->key) || table_text(t, start) ||
	       table_text(t, r->organization) || table_text(t, r->report_id) ||
	       list_cell(t, r->domains, ',') ||
	       table_int(t, r->successful_sessions) ||
	       table_int(t, r->failed_sessions) ||
	       (r->matching_failed_sessions >= 0 &&
	        table_int(t, r->matching_failed_sessions)) ||
	       table_text(t, r->channel) || table_text(t, received) ||
	       list_cell(t, r->warnings, '\n');
}

static int
quarantine_row(const struct store_quarantine_row *q, void *arg)
{
	struct sink *s = arg;
	struct table *t = s->t;
	char first[32], last[32];

	cli_format_time(q->received_time, first, sizeof(first));
	cli_format_time(q->last_seen, last, sizeof(last));
	return table_row(t) || table_int(t, q->key) || table_text(t, first) ||
	       table_text(t, last) || table_int(t, q->count) ||
	       table_text(t, q->channel) ||
	       table_text(t, *q->source ? q->source : NULL) ||
	       table_text(t, *q->submitter ? q->submitter : NULL) ||
	       table_int(t, (int64_t)q->len) || table_text(t, q->reason);
}

int
view_fill(enum view_kind v, struct store *st, const struct query_opts *q,
          struct table *t, struct errbuf *eb)
{
	struct sink s = {t, q->limit, 0, q->nby ? q->by_order : by_default,
	                 q->nby ? q->nby : sizeof(by_default)};
	unsigned keys =
	    q->nby ? q->by_keys
	           : FAILURE_BY_MTA | FAILURE_BY_TYPE | FAILURE_BY_MODE;
	int r = -1;

	/* Nothing in readiness's default period: the table says which it
	 * was, and how to look further back. */
	if (q->empty != NULL && table_set_empty(t, q->empty) != 0)
		return errbuf_set(eb, "out of memory");
	switch (v) {
	case VIEW_SUMMARY:
		r = store_summary(st, &q->filter, summary_row, &s, eb);
		break;
	case VIEW_FAILURES:
		r = store_failures(st, &q->filter, keys, q->limit, failure_row,
		                   &s, eb);
		break;
	case VIEW_READINESS:
		r = readiness_run(st, &q->filter, &q->ro, readiness_row, &s,
		                  eb);
		break;
	case VIEW_REPORTS:
		r = store_reports(st, &q->filter, q->limit, report_row, &s, eb);
		break;
	case VIEW_QUARANTINE:
		r = store_quarantine(st, &q->filter, 0, q->limit,
		                     quarantine_row, &s, eb);
		break;
	}
	/* 1: a sink stopped at the limit. A callback's failure is running
	 * out of memory; it sets no eb. */
	if (r < 0 && eb != NULL && eb->msg[0] == '\0')
		errbuf_set(eb, "out of memory");
	return r < 0 ? -1 : 0;
}

int
view_write(enum view_kind v, struct store *st, const struct query_opts *q,
           enum output_format f, FILE *fp, struct errbuf *eb)
{
	struct view_cols vc;
	struct table *t;
	int r;

	view_columns(v, q, &vc);
	if ((t = table_new(vc.c, vc.n)) == NULL)
		return errbuf_set(eb, "out of memory");
	table_set_csv_raw(t, q->csv_raw);
	table_stream(t, f, fp);
	if ((r = view_fill(v, st, q, t, eb)) == 0 &&
	    (r = table_print(t, f, fp)) != 0)
		errbuf_set(eb, "cannot write the output");
	table_free(t);
	return r;
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
view_print(enum view_kind v, struct store *st, const struct query_opts *q,
           const char *cmd)
{
	struct view_cols vc;
	struct errbuf eb = {""};
	struct table *t;
	int ret;

	view_columns(v, q, &vc);
	if ((t = query_table(q, vc.c, vc.n)) == NULL) {
		fprintf(stderr, "tlsrpt %s: out of memory\n", cmd);
		return 1;
	}
	ret = query_finish(t, q, view_fill(v, st, q, t, &eb), &eb, cmd);
	/* Nothing in readiness's default period: beside JSON or CSV, the
	 * line goes to stderr. */
	if (ret == 0 && q->empty != NULL && table_rows_made(t) == 0 &&
	    q->format != FORMAT_TABLE)
		fprintf(stderr, "tlsrpt %s: %s\n", cmd, q->empty);
	table_free(t);
	return ret;
}

int
view_command(enum view_kind v, struct cli *c, int argc, char **argv,
             const char *help, const struct option *extra)
{
	struct query_opts q;
	struct store *st = NULL;
	int ret;

	query_opts_init(&q);
	if ((ret = query_parse_args(c, &q, argc, argv, help, extra, NULL,
	                            NULL)) >= 0)
		goto out;
	view_prepare(v, &q, (int64_t)c->now);
	ret = 1;
	if ((st = cli_open_for_query(c, argv[0], &ret)) != NULL)
		ret = view_print(v, st, &q, argv[0]);
out:
	store_close(st);
	query_opts_free(&q);
	return ret;
}
