/*
 * serve_page.c - the pages of `tlsrpt serve`. Every number on them comes
 * from view.c's tables (the commands' rows) or the digest (digest.c),
 * never from a query of their own, so a page says what `tlsrpt summary`,
 * `failures`, `readiness` and `digest` say over the same filter.
 */
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "optnum.h"
#include "serve.h"
#include "view.h"

#define DAY 86400

static int64_t
day_floor(int64_t t)
{
	return t - ((t % DAY) + DAY) % DAY;
}

static void
day_text(int64_t t, char *buf, size_t size)
{
	char full[32];

	cli_format_time(t, full, sizeof(full));
	snprintf(buf, size, "%.10s", full);
}

/*
 * The period of the overview and a domain's page, in whole UTC days:
 * since and until as given, rounded out to days, else the 30 days up to
 * the end of until (or today). The filter is set to it, and the links
 * carry it as dates, so that every page and API call from here answers
 * for the same days.
 */
static void
page_period(struct serve_req *r, int64_t *start, int64_t *end)
{
	struct store_filter *f = &r->q.filter;
	char keep[sizeof(r->keep)], day[16];

	*end = f->until == INT64_MAX ? day_floor(r->now) + DAY
	                             : day_floor(f->until - 1) + DAY;
	*start = f->since == INT64_MIN ? *end - 30 * DAY : day_floor(f->since);
	if (*start >= *end)
		*start = *end - DAY;
	f->since = *start;
	f->until = *end;
	/* keep: the dates, then the rest as given */
	day_text(*start, day, sizeof(day));
	snprintf(keep, sizeof(keep), "since=%s", day);
	day_text(*end - DAY, day, sizeof(day));
	snprintf(keep + strlen(keep), sizeof(keep) - strlen(keep), "&until=%s",
	         day);
	for (const char *p = r->keep; *p != '\0';) {
		size_t n = strcspn(p, "&");

		if (strncmp(p, "since=", 6) != 0 &&
		    strncmp(p, "until=", 6) != 0)
			snprintf(keep + strlen(keep),
			         sizeof(keep) - strlen(keep), "&%.*s", (int)n,
			         p);
		p += n + (p[n] == '&');
	}
	memcpy(r->keep, keep, sizeof(keep));
}

/* Fills a view's table (held in memory), at most limit rows (0: all). */
static struct table *
view_held(enum view_kind v, struct store *st, struct query_opts *q,
          size_t limit, struct view_cols *vc, struct errbuf *eb)
{
	size_t keep = q->limit;
	struct table *t;

	view_columns(v, q, vc);
	if ((t = table_new(vc->c, vc->n)) == NULL) {
		errbuf_set(eb, "out of memory");
		return NULL;
	}
	q->limit = limit;
	if (view_fill(v, st, q, t, eb) != 0) {
		table_free(t);
		t = NULL;
	}
	q->limit = keep;
	return t;
}

/* A view as a table of the page, with a heading: at most limit rows
 * (0: all), of which the first `show` are shown (0: all), sorted by the
 * column `by` when not NULL, largest first. */
static int
section(FILE *fp, struct serve_req *r, struct store *st, enum view_kind v,
        struct query_opts *q, size_t limit, const char *id, const char *title,
        const char *by, size_t show, struct errbuf *eb)
{
	struct html_table o = {id, 0, show, NULL, NULL, 0, 1};
	struct view_cols vc;
	struct table *t = view_held(v, st, q, limit, &vc, eb);
	size_t k;

	if (t == NULL)
		return -1;
	for (k = 0; by != NULL && k < vc.n && strcmp(vc.c[k].key, by); k++)
		;
	if (by != NULL && k < vc.n && table_sort(t, k, 1) != 0) {
		table_free(t);
		return errbuf_set(eb, "out of memory");
	}
	fputs("<h2>", fp);
	html_text(fp, title);
	fputs("</h2>\n", fp);
	if (show > 0 && table_nrows(t) > show)
		fprintf(fp,
		        "<p class=\"note\">the %zu of %zu with the most "
		        "failed sessions; /api/v1/%s has them all</p>\n",
		        show, table_nrows(t), view_name(v));
	html_table(fp, r, t, &o);
	table_free(t);
	return 0;
}

static void
figure(FILE *fp, const char *id, const char *title, const char *value)
{
	fprintf(fp, "<div><dt>%s</dt><dd id=\"%s\">", title, id);
	html_text(fp, value);
	fputs("</dd></div>\n", fp);
}

/* The chart of a digest's bars, over all its domains; mark: bars where
 * the policy modes changed (a single domain's page). */
static int
chart(FILE *fp, const struct digest *d, int mark_modes)
{
	int64_t ok[DIGEST_DAYS_MAX] = {0}, failed[DIGEST_DAYS_MAX] = {0};
	char lab[DIGEST_DAYS_MAX][16];
	const char *labels[DIGEST_DAYS_MAX];
	int mark[DIGEST_DAYS_MAX] = {0};
	const char *last = NULL;
	size_t i, k;

	for (i = 0; i < d->ndays; i++) {
		day_text(d->start + (int64_t)i * d->bin, lab[i],
		         sizeof(lab[i]));
		labels[i] = lab[i];
		for (k = 0; k < d->ndomains; k++) {
			ok[i] = store_add_held(ok[i], d->domains[k].day_ok[i]);
			failed[i] = store_add_held(failed[i],
			                           d->domains[k].day_failed[i]);
		}
		if (mark_modes && d->ndomains == 1 &&
		    d->domains[0].day_modes[i] != NULL) {
			mark[i] = last != NULL &&
			          strcmp(last, d->domains[0].day_modes[i]) != 0;
			last = d->domains[0].day_modes[i];
		}
	}
	html_chart(fp, d->ndays, ok, failed, labels, mark);
	fprintf(fp,
	        "<p class=\"legend\"><span class=\"k-ok\">&#9632; "
	        "successful</span><span class=\"k-fail\">&#9632; "
	        "failed</span><span class=\"k-rate\">&#9473; failure "
	        "rate</span>%s%s</p>\n",
	        mark_modes ? "<span class=\"k-mark\">&#9476; policy mode "
	                     "changed</span>"
	                   : "",
	        d->bin > DAY ? "<span>(a bar is several days)</span>" : "");
	return 0;
}

static void
news_list(FILE *fp, const struct digest *d)
{
	size_t i;

	fputs("<h2>New since the previous period</h2>\n<ul id=\"news\">\n", fp);
	for (i = 0; i < d->nnews && i < DIGEST_LIST_MAX; i++) {
		const struct digest_new *n = &d->news[i];

		fprintf(fp, "<li>%s <strong>", digest_new_kind_name(n->kind));
		html_text(fp, *n->value ? n->value : "(none)");
		fputs("</strong>", fp);
		if (n->where != NULL) {
			fputs(n->kind == NEW_MTA ? " reported by " : " at ",
			      fp);
			html_text(fp, n->where);
		}
		fprintf(fp, ": %lld failed</li>\n", (long long)n->failed);
	}
	if (d->nnews > DIGEST_LIST_MAX)
		fprintf(fp, "<li>and %zu more</li>\n",
		        d->nnews - DIGEST_LIST_MAX);
	if (d->nnews == 0)
		fputs("<li class=\"none\">nothing new</li>\n", fp);
	fputs("</ul>\n<h2>Silent reporters</h2>\n<ul id=\"silent\">\n", fp);
	for (i = 0; i < d->nsilent && i < DIGEST_LIST_MAX; i++) {
		fputs("<li>", fp);
		html_text(fp, d->silent[i]);
		fputs(" sent reports in the previous period and none in "
		      "this one</li>\n",
		      fp);
	}
	if (d->nsilent == 0)
		fputs("<li class=\"none\">none: every organization of the "
		      "previous period reported</li>\n",
		      fp);
	fputs("</ul>\n", fp);
}

static void
period_line(FILE *fp, int64_t start, int64_t end)
{
	char a[16], b[16];

	day_text(start, a, sizeof(a));
	day_text(end - DAY, b, sizeof(b));
	fprintf(fp,
	        "<p class=\"period\">%s to %s (UTC), against the %lld "
	        "days before</p>\n",
	        a, b, (long long)((end - start) / DAY));
}

int
serve_page_overview(struct store *st, struct serve_req *r, FILE *fp,
                    struct errbuf *eb)
{
	struct digest d;
	int64_t start, end;
	char v[64];
	int ret = -1;

	page_period(r, &start, &end);
	if (digest_gather_range(st, start, end, start - (end - start),
	                        &r->q.filter, &d, eb) != 0) {
		digest_free(&d);
		return -1;
	}
	html_begin(fp, r, "Overview", "/");
	period_line(fp, start, end);
	fputs("<dl class=\"figures\">\n", fp);
	snprintf(v, sizeof(v), "%lld",
	         (long long)store_add_held(d.ok, d.failed));
	figure(fp, "sessions", "Sessions", v);
	snprintf(v, sizeof(v), "%lld", (long long)d.failed);
	figure(fp, "failed", "Failed", v);
	snprintf(v, sizeof(v), "%.2f%%", digest_rate(d.ok, d.failed) * 100);
	figure(fp, "failure-rate", "Failure rate", v);
	snprintf(v, sizeof(v), "%zu", d.ndomains);
	figure(fp, "domains", "Domains", v);
	snprintf(v, sizeof(v), "%zu", d.norgs);
	figure(fp, "organizations", "Reporting organizations", v);
	fputs("</dl>\n", fp);
	chart(fp, &d, 0);
	if (section(fp, r, st, VIEW_READINESS, &r->q, 0, "readiness",
	            "Enforce readiness (MTA-STS domains)", "failed_sessions",
	            LIMIT_SERVE_PAGE, eb) != 0)
		goto out;
	news_list(fp, &d);
	if (section(fp, r, st, VIEW_SUMMARY, &r->q, 0, "summary", "Domains",
	            "failed_sessions", LIMIT_SERVE_PAGE, eb) != 0)
		goto out;
	html_end(fp, r);
	ret = 0;
out:
	digest_free(&d);
	return ret;
}

/* The days a domain's policy modes changed, under its chart. */
static void
mode_changes(FILE *fp, const struct digest *d)
{
	const char *last = NULL, *m;
	char day[16];
	size_t i;
	int any = 0;

	fputs("<h2>Policy modes over time</h2>\n<ul id=\"modes\">\n", fp);
	for (i = 0; d->ndomains == 1 && i < d->ndays; i++) {
		if ((m = d->domains[0].day_modes[i]) == NULL)
			continue;
		if (last == NULL || strcmp(last, m) != 0) {
			day_text(d->start + (int64_t)i * d->bin, day,
			         sizeof(day));
			fprintf(fp, "<li>%s: ", day);
			if (last != NULL) {
				html_text(fp, last);
				fputs(" &#8594; ", fp);
			}
			html_text(fp, *m ? m : "(no policy mode)");
			fputs("</li>\n", fp);
			any = 1;
		}
		last = m;
	}
	if (!any)
		fputs("<li class=\"none\">no reports in the period</li>\n", fp);
	fputs("</ul>\n", fp);
}

int
serve_page_domain(struct store *st, struct serve_req *r, const char *name,
                  FILE *fp, struct errbuf *eb)
{
	static const struct {
		const char *by, *id, *title;
	} parts[] = {{"type", "by-type", "Failures by result type"},
	             {"mx", "by-mx", "Failures by receiving MX"},
	             {"mta", "by-mta", "Failures by sending MTA"}};
	struct query_opts q;
	struct digest d = {0};
	int64_t start, end;
	size_t i;
	int ret = -1;

	page_period(r, &start, &end);
	query_opts_init(&q);
	q.filter = r->q.filter;
	q.filter.domains = NULL;
	q.filter.ndomains = 0;
	if (query_set(&q, r->now, CLI_OPT_DOMAIN, name, eb) < 0 ||
	    digest_gather_range(st, start, end, start - (end - start),
	                        &q.filter, &d, eb) != 0) {
		digest_free(&d);
		query_opts_free(&q);
		return -1;
	}
	html_begin(fp, r, name, NULL);
	period_line(fp, start, end);
	chart(fp, &d, 1);
	mode_changes(fp, &d);
	if (section(fp, r, st, VIEW_SUMMARY, &q, 0, "summary", "Summary", NULL,
	            0, eb) != 0 ||
	    section(fp, r, st, VIEW_READINESS, &q, 0, "readiness",
	            "Enforce readiness", NULL, 0, eb) != 0)
		goto out;
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (query_set(&q, r->now, CLI_OPT_BY, parts[i].by, eb) < 0 ||
		    section(fp, r, st, VIEW_FAILURES, &q, LIMIT_SERVE_PAGE,
		            parts[i].id, parts[i].title, NULL, 0, eb) != 0)
			goto out;
	if (section(fp, r, st, VIEW_REPORTS, &q, LIMIT_SERVE_PAGE, "reports",
	            "Reports (newest first)", NULL, 0, eb) != 0)
		goto out;
	fputs("<p><a", fp);
	html_href(fp, r->keep, "/reports", NULL);
	fputs(">All reports</a></p>\n", fp);
	html_end(fp, r);
	ret = 0;
out:
	digest_free(&d);
	query_opts_free(&q);
	return ret;
}

/* The previous and next page's links of a paged table. */
static void
pager(FILE *fp, const struct serve_req *r, const char *path, int more)
{
	char extra[160];

	fputs("<p class=\"pager\">", fp);
	if (r->page > 1) {
		snprintf(extra, sizeof(extra), "%s%s%s%spage=%zu",
		         r->sort ? "sort=" : "", r->sort ? r->sort : "",
		         r->sort ? (r->desc ? "&dir=desc" : "&dir=asc") : "",
		         r->sort ? "&" : "", r->page - 1);
		fputs("<a rel=\"prev\"", fp);
		html_href(fp, r->keep_all, path, extra);
		fputs(">&#8592; previous</a>", fp);
	}
	fprintf(fp, "<span>page %zu</span>", r->page);
	if (more) {
		snprintf(extra, sizeof(extra), "%s%s%s%spage=%zu",
		         r->sort ? "sort=" : "", r->sort ? r->sort : "",
		         r->sort ? (r->desc ? "&dir=desc" : "&dir=asc") : "",
		         r->sort ? "&" : "", r->page + 1);
		fputs("<a rel=\"next\"", fp);
		html_href(fp, r->keep_all, path, extra);
		fputs(">next &#8594;</a>", fp);
	}
	fputs("</p>\n", fp);
}

/* A 400 as a page: the sort key names no column. */
static int
bad_sort(FILE *fp, struct serve_req *r)
{
	html_begin(fp, r, "Bad request", NULL);
	fputs("<p class=\"note\">sort: no column '", fp);
	html_text(fp, r->sort);
	fputs("' in this table</p>\n", fp);
	html_end(fp, r);
	return 400;
}

/* A paged view: page r->page of LIMIT_SERVE_PAGE rows, sorted by
 * r->sort among the first LIMIT_SERVE_SORT rows when asked. */
static int
paged(FILE *fp, struct serve_req *r, struct store *st, enum view_kind v,
      const char *path, const char *title, struct errbuf *eb)
{
	struct html_table o = {view_name(v),
	                       (r->page - 1) * LIMIT_SERVE_PAGE,
	                       LIMIT_SERVE_PAGE,
	                       NULL,
	                       NULL,
	                       0,
	                       1};
	size_t want = r->page * LIMIT_SERVE_PAGE + 1, k = 0, n;
	struct view_cols vc;
	struct table *t;

	if (v == VIEW_FAILURES)
		o.sort_path = path;
	if (r->sort != NULL) {
		view_columns(v, &r->q, &vc);
		for (k = 0; k < vc.n && strcmp(vc.c[k].key, r->sort); k++)
			;
		if (k == vc.n || v != VIEW_FAILURES)
			return bad_sort(fp, r);
		want = LIMIT_SERVE_SORT;
		o.sort = r->sort;
		o.desc = r->has_dir ? r->desc
		                    : vc.c[k].kind == COL_INT ||
		                          vc.c[k].kind == COL_RATE;
		r->desc = o.desc;
	}
	if ((t = view_held(v, st, &r->q, want, &vc, eb)) == NULL)
		return -1;
	if (r->sort != NULL && table_sort(t, k, o.desc) != 0) {
		table_free(t);
		return errbuf_set(eb, "out of memory");
	}
	n = table_nrows(t);
	html_begin(fp, r, title, path);
	if (r->sort != NULL && n == LIMIT_SERVE_SORT)
		fprintf(fp,
		        "<p class=\"note\">sorted among the %d largest "
		        "groups</p>\n",
		        LIMIT_SERVE_SORT);
	html_table(fp, r, t, &o);
	pager(fp, r, path, n > r->page * LIMIT_SERVE_PAGE);
	table_free(t);
	return 0;
}

int
serve_page_failures(struct store *st, struct serve_req *r, FILE *fp,
                    struct errbuf *eb)
{
	int ret = paged(fp, r, st, VIEW_FAILURES, "/failures", "Failures", eb);

	if (ret == 0) {
		fputs("<p>Group by: ", fp);
		static const char *const bys[] = {
		    "mta,type,mode", "type", "mx", "mta",    "domain,type",
		    "org",           "day",  "ip", "type,mx"};
		for (size_t i = 0; i < sizeof(bys) / sizeof(bys[0]); i++) {
			char extra[64];

			snprintf(extra, sizeof(extra), "by=%s", bys[i]);
			fputs(i ? " &middot; <a" : "<a", fp);
			html_href(fp, r->keep, "/failures", extra);
			fprintf(fp, ">%s</a>", bys[i]);
		}
		fputs("</p>\n", fp);
		html_end(fp, r);
	}
	return ret;
}

int
serve_page_reports(struct store *st, struct serve_req *r, FILE *fp,
                   struct errbuf *eb)
{
	int ret = paged(fp, r, st, VIEW_REPORTS, "/reports",
	                "Reports (newest first)", eb);

	if (ret == 0)
		html_end(fp, r);
	return ret;
}

/* One report: its row, its warnings, its JSON. */
struct one {
	FILE *fp;
	struct serve_req *r;
	int n;
	struct errbuf *eb;
	int64_t key; /* the store's number asked for */
};

static void
row_line(FILE *fp, const char *name, const char *value)
{
	fprintf(fp, "<tr><th scope=\"row\">%s</th><td>", name);
	html_text(fp, value);
	fputs("</td></tr>\n", fp);
}

static int
one_report(const struct store_report_row *row, const void *bytes, size_t len,
           void *arg)
{
	struct one *o = arg;
	FILE *fp = o->fp;
	char t[32], num[64], *json = NULL;
	size_t jlen = 0;
	FILE *mem;
	int ret;

	/* store_report_find matches the key as a report-id too: a sender's
	 * report-id "5000" is not report 5000. */
	if (row->key != o->key || o->n++ > 0)
		return 0;
	fputs("<div class=\"scroll\"><table id=\"report\">\n", fp);
	snprintf(num, sizeof(num), "%lld", (long long)row->key);
	row_line(fp, "Key", num);
	row_line(fp, "Organization", row->organization);
	row_line(fp, "Report-id", row->report_id);
	row_line(fp, "Policy domains", row->domains);
	cli_format_time(row->start_time, t, sizeof(t));
	row_line(fp, "Start", t);
	cli_format_time(row->received_time, t, sizeof(t));
	row_line(fp, "Received", t);
	row_line(fp, "Channel", row->channel);
	snprintf(num, sizeof(num), "%lld successful, %lld failed",
	         (long long)row->successful_sessions,
	         (long long)row->failed_sessions);
	row_line(fp, "Sessions", num);
	fputs("</table></div>\n<h2>Warnings</h2>\n<ul id=\"warnings\">\n", fp);
	for (const char *w = row->warnings; *w != '\0';) {
		size_t n = strcspn(w, "\n");
		char *line = strndup(w, n);

		fputs("<li>", fp);
		html_text(fp, line);
		fputs("</li>\n", fp);
		free(line);
		w += n + (w[n] == '\n');
	}
	if (*row->warnings == '\0')
		fputs("<li class=\"none\">none</li>\n", fp);
	fputs("</ul>\n<h2>The report as received</h2>\n<pre id=\"json\">", fp);
	if ((mem = open_memstream(&json, &jlen)) == NULL)
		return -1;
	ret = report_show_json(bytes, len, mem, o->eb);
	if (fclose(mem) != 0)
		ret = -1;
	if (ret == 0)
		html_text(fp, json);
	free(json);
	fputs("</pre>\n", fp);
	return ret;
}

int
serve_page_report(struct store *st, struct serve_req *r, const char *key,
                  FILE *fp, struct errbuf *eb)
{
	struct one o = {fp, r, 0, eb, 0};
	char title[80];
	uint64_t v;
	int n = 0;

	snprintf(title, sizeof(title), "Report %s", key);
	html_begin(fp, r, title, "/reports");
	if (optnum_parse(key, 1, INT64_MAX, &v) == 0) {
		o.key = (int64_t)v;
		n = store_report_find(st, key, NULL, one_report, &o, eb);
	}
	if (n >= 0 && o.n == 0) {
		fputs("<p class=\"note\">no such report</p>\n", fp);
		html_end(fp, r);
		return 404;
	}
	if (n < 0)
		return -1;
	html_end(fp, r);
	return 0;
}

/* A quarantined input's first bytes as text (printable ASCII, others
 * '.') and hex. */
static int
preview(const struct store_quarantine_row *q, void *arg)
{
	FILE *fp = arg;
	const unsigned char *b = q->bytes;
	size_t i,
	    n = q->len < LIMIT_SERVE_PREVIEW ? q->len : LIMIT_SERVE_PREVIEW;
	char text[LIMIT_SERVE_PREVIEW + 1];

	for (i = 0; i < n; i++)
		text[i] = b[i] >= 0x20 && b[i] < 0x7F ? (char)b[i] : '.';
	text[n] = '\0';
	fprintf(fp, "<dt id=\"q%lld\">%lld</dt><dd><pre>", (long long)q->key,
	        (long long)q->key);
	html_text(fp, text);
	fputs("\n", fp);
	for (i = 0; i < n; i++)
		fprintf(fp, "%02x%s", b[i], (i + 1) % 32 ? " " : "\n");
	fprintf(fp, "%s</pre></dd>\n", q->len > n ? "..." : "");
	return 0;
}

int
serve_page_quarantine(struct store *st, struct serve_req *r, FILE *fp,
                      struct errbuf *eb)
{
	struct html_table o = {"quarantine",
	                       (r->page - 1) * LIMIT_SERVE_PAGE,
	                       LIMIT_SERVE_PAGE,
	                       NULL,
	                       NULL,
	                       0,
	                       0};
	struct view_cols vc;
	struct table *t;
	size_t i, end;

	if ((t = view_held(VIEW_QUARANTINE, st, &r->q,
	                   r->page * LIMIT_SERVE_PAGE + 1, &vc, eb)) == NULL)
		return -1;
	html_begin(fp, r, "Quarantine", "/quarantine");
	fputs("<p>Inputs that were rejected, with why; 'tlsrpt quarantine "
	      "retry' parses them again.</p>\n",
	      fp);
	html_table(fp, r, t, &o);
	pager(fp, r, "/quarantine",
	      table_nrows(t) > r->page * LIMIT_SERVE_PAGE);
	fputs("<h2>Their first bytes</h2>\n<dl id=\"previews\">\n", fp);
	end = table_nrows(t) < o.from + o.count ? table_nrows(t)
	                                        : o.from + o.count;
	for (i = o.from; i < end; i++)
		if (store_quarantine(st, NULL, table_cell_int(t, i, 0), 1,
		                     preview, fp, eb) < 0) {
			table_free(t);
			return -1;
		}
	fputs("</dl>\n", fp);
	html_end(fp, r);
	table_free(t);
	return 0;
}
