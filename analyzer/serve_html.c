/*
 * serve_html.c - HTML for `tlsrpt serve`: text escaped for the context it
 * goes in, the frame of every page, a table as HTML, and the chart as
 * inline SVG (presentation attributes and classes only: the
 * Content-Security-Policy allows no inline style).
 */
#include <stdio.h>
#include <string.h>

#include "serve.h"
#include "table.h"

/* HTML text and double-quoted attribute values: the five characters that
 * can end either, and control characters (a C0 control other than tab
 * and line feed is not allowed in HTML at all) and the characters that
 * reorder or hide text (invisible) as U+FFFD. Bytes that are
 * not UTF-8 are left to the browser, which shows U+FFFD for them: they
 * cannot form markup. */
/* The length of the UTF-8 character at p when it is one that reorders
 * or hides text rather than shows (C1 controls, the bidi controls of
 * CVE-2021-42574, line and paragraph separators), else 0. */
static size_t
invisible(const unsigned char *p)
{
	if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
		return 2;
	if (p[0] == 0xE2 && p[1] == 0x80 &&
	    (p[2] == 0x8E || p[2] == 0x8F || (p[2] >= 0xA8 && p[2] <= 0xAE)))
		return 3;
	if (p[0] == 0xE2 && p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)
		return 3;
	return 0;
}

void
html_text(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n;

	for (; *p != '\0'; p++) {
		switch (*p) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		case '\'':
			fputs("&#39;", fp);
			break;
		default:
			if ((*p < 0x20 && *p != '\t' && *p != '\n') ||
			    *p == 0x7F) {
				fputs("\xEF\xBF\xBD", fp);
			} else if ((n = invisible(p)) > 0) {
				fputs("\xEF\xBF\xBD", fp);
				p += n - 1;
			} else {
				putc(*p, fp);
			}
		}
	}
}

/* A path segment or query value: every byte but the unreserved ones
 * percent-encoded (RFC 3986 §2.3), so nothing of it can end the URL, its
 * segment or the attribute around it. */
void
html_url_part(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	for (; *p != '\0'; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL)
			putc(*p, fp);
		else
			fprintf(fp, "%%%02X", *p);
}

void
html_href(FILE *fp, const char *keep, const char *path, const char *extra)
{
	int q = 0;

	fputs(" href=\"", fp);
	html_text(fp, path);
	if (keep != NULL && *keep != '\0') {
		putc('?', fp);
		html_text(fp, keep);
		q = 1;
	}
	if (extra != NULL && *extra != '\0') {
		putc(q ? '&' : '?', fp);
		html_text(fp, extra);
	}
	putc('"', fp);
}

/* The navigation's links: path and title. */
static const struct {
	const char *path, *title;
} nav[] = {
    {"/", "Overview"},
    {"/failures", "Failures"},
    {"/reports", "Reports"},
    {"/quarantine", "Quarantine"},
};

/* The value a filter was given as (the first, for domain), or "". */
static const char *
given(const struct serve_req *r, const char *name)
{
	size_t n = strlen(name);
	const char *p = r->keep;

	while (*p != '\0') {
		if (strncmp(p, name, n) == 0 && p[n] == '=')
			return p + n + 1;
		p = strchr(p, '&');
		if (p == NULL)
			break;
		p++;
	}
	return "";
}

/* One field of the filters form: its value shown decoded. */
static void
filter_field(FILE *fp, const struct serve_req *r, const char *name,
             const char *label, const char *hint)
{
	const char *v = given(r, name);
	size_t n = strcspn(v, "&");
	char dec[LIMIT_SERVE_VALUE + 1];
	size_t i, k = 0;
	unsigned x;

	/* keep holds the value percent-encoded (html_url_part): decode it
	 * for the field. */
	for (i = 0; i < n && k < LIMIT_SERVE_VALUE; i++) {
		if (v[i] == '%' && i + 2 < n + 1 &&
		    sscanf(v + i + 1, "%2x", &x) == 1) {
			dec[k++] = (char)x;
			i += 2;
		} else {
			dec[k++] = v[i];
		}
	}
	dec[k] = '\0';
	fprintf(fp, "<label>%s <input name=\"%s\" value=\"", label, name);
	html_text(fp, dec);
	fprintf(fp, "\" placeholder=\"%s\" size=\"12\"></label>\n", hint);
}

void
html_begin(FILE *fp, const struct serve_req *r, const char *title,
           const char *here)
{
	size_t i;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, "
	      "initial-scale=1\">\n"
	      "<meta name=\"color-scheme\" content=\"light dark\">\n<title>",
	      fp);
	html_text(fp, title);
	fputs(" - tlsrpt</title>\n"
	      "<link rel=\"stylesheet\" href=\"/style.css\">\n</head>\n"
	      "<body>\n<header>\n<nav>\n<span class=\"brand\">tlsrpt</span>\n",
	      fp);
	for (i = 0; i < sizeof(nav) / sizeof(nav[0]); i++) {
		fputs("<a", fp);
		html_href(fp, r->keep, nav[i].path, NULL);
		if (here != NULL && strcmp(here, nav[i].path) == 0)
			fputs(" aria-current=\"page\"", fp);
		fprintf(fp, ">%s</a>\n", nav[i].title);
	}
	fputs("</nav>\n<form method=\"get\" class=\"filters\">\n", fp);
	filter_field(fp, r, "since", "Since", "YYYY-MM-DD");
	filter_field(fp, r, "until", "Until", "YYYY-MM-DD");
	filter_field(fp, r, "domain", "Domain", "example.com");
	filter_field(fp, r, "org", "Organization", "");
	fputs("<button type=\"submit\">Show</button>\n</form>\n</header>\n"
	      "<main>\n<h1>",
	      fp);
	html_text(fp, title);
	fputs("</h1>\n", fp);
}

void
html_end(FILE *fp, const struct serve_req *r)
{
	char when[32];

	cli_format_time(r->now, when, sizeof(when));
	fprintf(fp,
	        "</main>\n<footer>tlsrpt serve, read-only; drawn %s "
	        "(UTC)</footer>\n</body>\n</html>\n",
	        when);
}

/* A cell's link, by its column: a domain to its page, a report's key to
 * the report. Returns whether it opened one. */
static int
cell_link(FILE *fp, const struct serve_req *r, const struct html_table *o,
          const char *key, const char *v)
{
	if (strcmp(key, "policy_domain") == 0)
		fputs("<a href=\"/domain/", fp);
	else if (strcmp(key, "key") == 0 && o->link_keys)
		fputs("<a href=\"/report/", fp);
	else
		return 0;
	html_url_part(fp, v);
	if (r->keep[0] != '\0') {
		putc('?', fp);
		html_text(fp, r->keep);
	}
	fputs("\">", fp);
	return 1;
}

static int
numeric(const struct column *c)
{
	return c->kind == COL_INT || c->kind == COL_RATE;
}

/* A header cell: a link that sorts by the column (counts largest first,
 * texts A to Z first; again: the other way). */
static void
header_cell(FILE *fp, const struct serve_req *r, const struct column *c,
            const struct html_table *o)
{
	int on = o->sort != NULL && strcmp(o->sort, c->key) == 0;
	int desc = on ? !o->desc : numeric(c);
	char extra[128];

	fprintf(fp, "<th scope=\"col\"%s", numeric(c) ? " class=\"n\"" : "");
	if (on)
		fprintf(fp, " aria-sort=\"%s\"",
		        o->desc ? "descending" : "ascending");
	putc('>', fp);
	if (o->sort_path == NULL || c->kind == COL_JSON ||
	    c->kind == COL_LIST) {
		html_text(fp, c->title);
	} else {
		snprintf(extra, sizeof(extra), "sort=%s&dir=%s", c->key,
		         desc ? "desc" : "asc");
		fputs("<a", fp);
		html_href(fp, r->keep_all, o->sort_path, extra);
		putc('>', fp);
		html_text(fp, c->title);
		if (on)
			fputs(o->desc ? " \xE2\x96\xBE" : " \xE2\x96\xB4", fp);
		fputs("</a>", fp);
	}
	fputs("</th>", fp);
}

static void
body_cell(FILE *fp, const struct serve_req *r, const struct table *t,
          size_t row, size_t k, const struct html_table *o)
{
	const struct column *c = table_column(t, k);
	const char *v = table_cell_text(t, row, k);
	int link;

	fprintf(fp, "<td data-key=\"%s\"%s>", c->key,
	        numeric(c) ? " class=\"n\"" : "");
	if (v == NULL) {
		fputs("<span class=\"none\">(none)</span></td>", fp);
		return;
	}
	link = cell_link(fp, r, o, c->key, v);
	html_text(fp, v);
	fputs(link ? "</a></td>" : "</td>", fp);
}

void
html_table(FILE *fp, const struct serve_req *r, const struct table *t,
           const struct html_table *o)
{
	size_t i, k, n = table_nrows(t), end = o->from + o->count;

	if (end > n || o->count == 0)
		end = n;
	fprintf(fp, "<div class=\"scroll\"><table id=\"%s\">\n<thead><tr>",
	        o->id);
	for (k = 0; k < table_ncols(t); k++)
		header_cell(fp, r, table_column(t, k), o);
	fputs("</tr></thead>\n<tbody>\n", fp);
	for (i = o->from; i < end; i++) {
		fputs("<tr>", fp);
		for (k = 0; k < table_ncols(t); k++)
			body_cell(fp, r, t, i, k, o);
		fputs("</tr>\n", fp);
	}
	if (o->from >= end)
		fprintf(fp,
		        "<tr><td colspan=\"%zu\" class=\"none\">%s</td></tr>\n",
		        table_ncols(t), "no rows");
	fputs("</tbody>\n</table></div>\n", fp);
}

/* The chart's frame, in the SVG's own units (viewBox): the plot area is
 * [CHART_LEFT, CHART_W - CHART_RIGHT] x [CHART_TOP, CHART_H - CHART_BOTTOM];
 * each bar fills 70% of its slot; the failure rate's axis is on the right,
 * 0 to the period's highest rate. */
#define CHART_W      720
#define CHART_H      240
#define CHART_LEFT   56
#define CHART_RIGHT  56
#define CHART_TOP    12
#define CHART_BOTTOM 28

/* The chart's scale: the plot's height and base line, a bar's slot,
 * the largest day's sessions and the highest failure rate. */
struct chart_geo {
	double ph, base, slot, max, maxrate;
	size_t n;
};

/* A bar a day: successful at the bottom, failed on top, a day with no
 * sessions none; a mark where the policy modes changed. */
static void
chart_bars(FILE *fp, const struct chart_geo *g, const int64_t *ok,
           const int64_t *failed, const char *const *labels, const int *mark)
{
	double ph = g->ph, base = g->base, slot = g->slot, max = g->max;
	double all, hok, hfail, x;
	size_t i, n = g->n;

	for (i = 0; i < n; i++) {
		all = (double)ok[i] + (double)failed[i];
		x = CHART_LEFT + slot * (double)i + slot * 0.15;
		if (mark != NULL && mark[i])
			fprintf(fp,
			        "<line class=\"mark\" x1=\"%.1f\" y1=\"%d\" "
			        "x2=\"%.1f\" y2=\"%.1f\"><title>policy mode "
			        "changed</title></line>\n",
			        x - slot * 0.15, CHART_TOP, x - slot * 0.15,
			        base);
		if (all <= 0)
			continue;
		hok = ph * (double)ok[i] / max;
		hfail = ph * (double)failed[i] / max;
		fprintf(fp, "<g><title>");
		html_text(fp, labels ? labels[i] : "");
		fprintf(fp, ": %lld successful, %lld failed</title>",
		        (long long)ok[i], (long long)failed[i]);
		if (ok[i] > 0)
			fprintf(fp,
			        "<rect class=\"ok\" x=\"%.1f\" y=\"%.1f\" "
			        "width=\"%.1f\" height=\"%.1f\"/>",
			        x, base - hok, slot * 0.7, hok);
		if (failed[i] > 0)
			fprintf(fp,
			        "<rect class=\"fail\" x=\"%.1f\" y=\"%.1f\" "
			        "width=\"%.1f\" height=\"%.1f\"/>",
			        x, base - hok - hfail, slot * 0.7, hfail);
		fputs("</g>\n", fp);
	}
}

/* The failure rate: a point on each bar with sessions, scaled so the
 * highest rate is the plot's top. */
static void
chart_rate(FILE *fp, const struct chart_geo *g, const int64_t *ok,
           const int64_t *failed)
{
	double ph = g->ph, base = g->base, slot = g->slot;
	double maxrate = g->maxrate, all, rate;
	size_t i, n = g->n;

	fputs("<polyline class=\"rate\" fill=\"none\" points=\"", fp);
	for (i = 0; i < n; i++) {
		all = (double)ok[i] + (double)failed[i];
		if (all <= 0)
			continue;
		rate = maxrate > 0 ? (double)failed[i] / all / maxrate : 0;
		fprintf(fp, "%.1f,%.1f ", CHART_LEFT + slot * ((double)i + 0.5),
		        base - rate * ph);
	}
	fputs("\"/>\n", fp);
}

void
html_chart(FILE *fp, size_t n, const int64_t *ok, const int64_t *failed,
           const char *const *labels, const int *mark)
{
	double pw = CHART_W - CHART_LEFT - CHART_RIGHT;
	double ph = CHART_H - CHART_TOP - CHART_BOTTOM, base = CHART_TOP + ph;
	double max = 0, maxrate = 0, slot = n ? pw / (double)n : pw;
	double all;
	struct chart_geo g;
	size_t i;

	for (i = 0; i < n; i++) {
		all = (double)ok[i] + (double)failed[i];
		if (all > max)
			max = all;
		if (all > 0 && (double)failed[i] / all > maxrate)
			maxrate = (double)failed[i] / all;
	}
	g = (struct chart_geo){ph, base, slot, max, maxrate, n};
	fprintf(fp,
	        "<svg id=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
	        "aria-label=\"sessions per day, successful and failed, and "
	        "the failure rate\" xmlns=\"http://www.w3.org/2000/svg\">\n",
	        CHART_W, CHART_H);
	fprintf(fp,
	        "<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
	        "y2=\"%.1f\"/>\n",
	        CHART_LEFT, base, CHART_W - CHART_RIGHT, base);
	fprintf(fp,
	        "<text class=\"label\" x=\"%d\" y=\"%d\" "
	        "text-anchor=\"end\">%.0f</text>\n"
	        "<text class=\"label\" x=\"%d\" y=\"%.0f\" "
	        "text-anchor=\"end\">0</text>\n",
	        CHART_LEFT - 6, CHART_TOP + 10, max, CHART_LEFT - 6, base);
	fprintf(fp,
	        "<text class=\"label rate-label\" x=\"%d\" y=\"%d\">%.2f%%"
	        "</text>\n",
	        CHART_W - CHART_RIGHT + 6, CHART_TOP + 10, maxrate * 100);
	chart_bars(fp, &g, ok, failed, labels, mark);
	chart_rate(fp, &g, ok, failed);
	/* The first and last day under the axis. */
	if (n > 0 && labels != NULL) {
		fprintf(fp, "<text class=\"label\" x=\"%d\" y=\"%d\">",
		        CHART_LEFT, CHART_H - 8);
		html_text(fp, labels[0]);
		fprintf(fp,
		        "</text>\n<text class=\"label\" x=\"%d\" y=\"%d\" "
		        "text-anchor=\"end\">",
		        CHART_W - CHART_RIGHT, CHART_H - 8);
		html_text(fp, labels[n - 1]);
		fputs("</text>\n", fp);
	}
	fputs("</svg>\n", fp);
}
