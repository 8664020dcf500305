/*
 * digest_render.c - the digest as text and as HTML, in order of what
 * needs action: what is new, the domains with their verdicts and next
 * steps, the top failures, the silent organizations, the daily chart.
 * The HTML is what mail clients render: tables with inline widths and
 * colours; no scripts, no external images, no SVG, no style sheet.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "digest.h"
#include "table.h"

#define BAR_TEXT 40  /* characters of the longest text bar */
#define BAR_HTML 240 /* pixels of the longest HTML bar */

static const char *const period_names[] = {"day", "week", "month", "period"};
static const char *const kind_names[] = {"result type", "receiving MX",
                                         "sending MTA", "receiving IP"};

const char *
digest_new_kind_name(enum digest_new_kind k)
{
	return kind_names[k];
}

static size_t
at_most(size_t n, size_t max)
{
	return n < max ? n : max;
}

static int
more_charts(const struct digest *d, char *buf, size_t size)
{
	if (d->ndomains <= DIGEST_CHART_MAX)
		return 0;
	snprintf(buf, size,
	         "the %d domains with the most failures; %zu more not charted",
	         DIGEST_CHART_MAX, d->ndomains - DIGEST_CHART_MAX);
	return 1;
}

static int
more_silent(const struct digest *d, char *buf, size_t size)
{
	if (d->nsilent <= DIGEST_LIST_MAX)
		return 0;
	snprintf(buf, size, "and %zu more organizations",
	         d->nsilent - DIGEST_LIST_MAX);
	return 1;
}

/* Where the news of news[i]'s kind end. */
static size_t
kind_end(const struct digest *d, size_t i)
{
	size_t k = i;

	while (k < d->nnews && d->news[k].kind == d->news[i].kind)
		k++;
	return k;
}

/* The sentences that stand for what a list leaves out; 0 when it
 * leaves nothing out. News: those of [i, end) past the cap. */
static int
more_news(const struct digest *d, size_t i, size_t end, char *buf, size_t size)
{
	int64_t failed = 0;
	size_t k;

	if (end - i <= DIGEST_LIST_MAX)
		return 0;
	for (k = i + DIGEST_LIST_MAX; k < end; k++)
		failed += d->news[k].failed;
	snprintf(buf, size, "and %zu more new %ss (%lld failed session%s)",
	         end - i - DIGEST_LIST_MAX, kind_names[d->news[i].kind],
	         (long long)failed, failed == 1 ? "" : "s");
	return 1;
}

static int
more_domains(const struct digest *d, char *buf, size_t size)
{
	int64_t ok = 0, failed = 0;
	size_t k;

	if (d->ndomains <= DIGEST_LIST_MAX)
		return 0;
	for (k = DIGEST_LIST_MAX; k < d->ndomains; k++) {
		ok += d->domains[k].ok;
		failed += d->domains[k].failed;
	}
	snprintf(buf, size,
	         "and %zu more domains: %lld sessions, %lld failed (%.2f%%)",
	         d->ndomains - DIGEST_LIST_MAX, (long long)(ok + failed),
	         (long long)failed, 100 * digest_rate(ok, failed));
	return 1;
}

static void
day_text(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%d", &tm);
}

/* "the day 2026-03-10", "the week 2026-03-09 to 2026-03-15". */
static void
period_text(const struct digest *d, char *buf, size_t size)
{
	char a[16], b[16];

	day_text(d->start, a, sizeof(a));
	day_text(d->end - 86400, b, sizeof(b));
	if (d->period == PERIOD_DAY)
		snprintf(buf, size, "the day %s", a);
	else
		snprintf(buf, size, "the %s %s to %s", period_names[d->period],
		         a, b);
}

/* "the day", "the week", "the month": what the period's figures are of. */
static const char *
period_word(const struct digest *d)
{
	return d->period == PERIOD_DAY    ? "the day"
	       : d->period == PERIOD_WEEK ? "the week"
	                                  : "the month";
}

/* The subject (issue 16 §10-§11): no reports at all says so first; else
 * the worst domain's next step leads, then the figures and the first
 * news (never a new sending MTA alone). */
void
digest_headline(const struct digest *d, char *buf, size_t size)
{
	const struct digest_domain *w = digest_worst(d);
	const struct digest_new *x = digest_first_news(d);
	size_t i, n = 0;

#define ADD(...)                                                               \
	do {                                                                   \
		int k_ = snprintf(buf + n, size - n, __VA_ARGS__);             \
		if (k_ < 0 || (size_t)k_ >= size - n)                          \
			return;                                                \
		n += (size_t)k_;                                               \
	} while (0)
	buf[0] = '\0';
	if (d->ndomains == 0) {
		ADD("no reports received");
		if (d->nsilent > 0)
			ADD(", silent: %s%s", d->silent[0],
			    d->nsilent > 1 ? " and more" : "");
		return;
	}
	if (w != NULL)
		ADD("%s: %s; ", w->domain, w->next_step);
	ADD("%zu domain%s, %.2f%% failed", d->ndomains,
	    d->ndomains == 1 ? "" : "s", 100 * digest_rate(d->ok, d->failed));
	if (!digest_eventful(d)) {
		ADD(d->failed > 0 ? ", nothing changed"
		                  : ", no failures, nothing changed");
		return;
	}
	if (x != NULL && x->where != NULL)
		ADD(", new: %s on %s", x->value, x->where);
	else if (x != NULL)
		ADD(", new %s: %s", kind_names[x->kind],
		    *x->value ? x->value : "(none given)");
	else if (d->nrose > 0) {
		for (i = 0; i < d->ndomains && !d->domains[i].rose; i++)
			;
		ADD(", rising: %s %.2f%% -> %.2f%%", d->domains[i].domain,
		    100 * digest_rate(d->domains[i].prev_ok,
		                      d->domains[i].prev_failed),
		    100 * digest_rate(d->domains[i].ok, d->domains[i].failed));
	} else if (d->nsilent > 0)
		ADD(", silent: %s%s", d->silent[0],
		    d->nsilent > 1 ? " and more" : "");
#undef ADD
}

/* The bar of a rate, scaled so the period's highest rate is full. */
static double
day_rate(const struct digest_domain *x, size_t i, int *none)
{
	*none = x->day_ok[i] + x->day_failed[i] == 0;
	return digest_rate(x->day_ok[i], x->day_failed[i]);
}

/* Over the charted domains: the first DIGEST_CHART_MAX. */
static double
max_day_rate(const struct digest *d)
{
	double m = 0, r;
	size_t i, k;
	int none;

	for (i = 0; i < at_most(d->ndomains, DIGEST_CHART_MAX); i++)
		for (k = 0; k < d->ndays; k++)
			if ((r = day_rate(&d->domains[i], k, &none)) > m)
				m = r;
	return m;
}

static void
text_news(const struct digest *d, FILE *fp)
{
	char more[160];
	size_t i, k, end;
	int any = 0;

	fputs("NEW SINCE THE LAST PERIOD\n", fp);
	for (i = 0; i < d->nnews; i = end, any = 1) {
		end = kind_end(d, i);
		for (k = i; k < at_most(end, i + DIGEST_LIST_MAX); k++) {
			const struct digest_new *x = &d->news[k];

			fprintf(fp, "  new %s: %s", kind_names[x->kind],
			        *x->value ? x->value : "(none given)");
			if (x->where)
				fprintf(fp, " %s %s",
				        x->kind == NEW_MTA ? "from" : "on",
				        x->where);
			fprintf(fp, " (%lld failed session%s)\n",
			        (long long)x->failed,
			        x->failed == 1 ? "" : "s");
		}
		if (more_news(d, i, end, more, sizeof(more)))
			fprintf(fp, "  %s\n", more);
	}
	for (i = 0, k = 0; i < d->ndomains; i++)
		if (d->domains[i].rose && k++ < DIGEST_LIST_MAX) {
			const struct digest_domain *x = &d->domains[i];

			fprintf(fp,
			        "  failure rate rose: %s %.2f%% -> %.2f%%\n",
			        x->domain,
			        100 * digest_rate(x->prev_ok, x->prev_failed),
			        100 * digest_rate(x->ok, x->failed));
			any = 1;
		}
	if (d->nrose > DIGEST_LIST_MAX)
		fprintf(fp, "  and %d more domains whose failure rate rose\n",
		        d->nrose - DIGEST_LIST_MAX);
	if (!any)
		fputs("  nothing\n", fp);
}

static void
text_domains(const struct digest *d, FILE *fp)
{
	char more[160];
	size_t i;

	fputs("\nDOMAINS\n", fp);
	for (i = 0; i < at_most(d->ndomains, DIGEST_LIST_MAX); i++) {
		const struct digest_domain *x = &d->domains[i];

		fprintf(fp,
		        "  %s: %lld sessions, %lld failed (%.2f%%) in %s, "
		        "mode %s\n",
		        x->domain, (long long)(x->ok + x->failed),
		        (long long)x->failed,
		        100 * digest_rate(x->ok, x->failed), period_word(d),
		        x->modes);
		if (x->verdict)
			fprintf(fp,
			        "    readiness over the last 30 days: %s, %s\n",
			        x->verdict, x->next_step);
	}
	if (more_domains(d, more, sizeof(more)))
		fprintf(fp, "  %s\n", more);
	if (d->ndomains == 0)
		fputs("  no reports in this period\n", fp);
}

static void
text_top(const struct digest *d, FILE *fp)
{
	size_t i;

	fputs("\nTOP FAILURES (sending MTA, result type, policy mode)\n", fp);
	for (i = 0; i < d->ntop; i++)
		fprintf(fp, "  %8lld  %-15s  %-28s  %s\n",
		        (long long)d->top[i].failed,
		        *d->top[i].mta ? d->top[i].mta : TABLE_NONE,
		        d->top[i].type, d->top[i].mode);
	if (d->ntop == 0)
		fputs("  none\n", fp);
}

static void
text_chart(const struct digest *d, FILE *fp)
{
	double max = max_day_rate(d);
	char day[16], more[160];
	size_t i, k;
	int none;

	fputs("\nDAILY FAILURE RATE", fp);
	fprintf(fp, " (a full bar is %.2f%%)\n", 100 * max);
	if (more_charts(d, more, sizeof(more)))
		fprintf(fp, "  %s\n", more);
	for (i = 0; i < at_most(d->ndomains, DIGEST_CHART_MAX); i++) {
		const struct digest_domain *x = &d->domains[i];

		fprintf(fp, "  %s\n", x->domain);
		for (k = 0; k < d->ndays; k++) {
			double r = day_rate(x, k, &none);
			int w = max > 0 ? (int)(r / max * BAR_TEXT + 0.5) : 0;

			day_text(d->start + (int64_t)k * 86400, day,
			         sizeof(day));
			if (none)
				fprintf(fp, "    %s |%*s| no reports\n", day,
				        BAR_TEXT, "");
			else
				fprintf(
				    fp, "    %s |%.*s%*s| %.2f%%\n", day, w,
				    "########################################",
				    BAR_TEXT - w, "", 100 * r);
		}
	}
}

int
digest_text(const struct digest *d, FILE *fp)
{
	char when[64], more[160];
	size_t i;

	period_text(d, when, sizeof(when));
	fprintf(fp, "TLS reports for %s (UTC)\n", when);
	fprintf(fp, "%lld sessions, %lld failed (%.2f%%)\n\n",
	        (long long)(d->ok + d->failed), (long long)d->failed,
	        100 * digest_rate(d->ok, d->failed));
	if (d->ndomains == 0)
		fputs("No reports received: check the intake (the milter, "
		      "the receiver, the import).\n\n",
		      fp);
	else if (!digest_eventful(d))
		fputs(d->failed > 0 ? "Nothing changed: the failures below go "
		                      "on as before.\n\n"
		                    : "Nothing failed and nothing changed.\n\n",
		      fp);
	text_news(d, fp);
	text_domains(d, fp);
	text_top(d, fp);
	fputs("\nORGANIZATIONS THAT FELL SILENT\n", fp);
	for (i = 0; i < at_most(d->nsilent, DIGEST_LIST_MAX); i++)
		fprintf(fp, "  %s\n", d->silent[i]);
	if (more_silent(d, more, sizeof(more)))
		fprintf(fp, "  %s\n", more);
	if (d->nsilent == 0)
		fputs("  none\n", fp);
	text_chart(d, fp);
	return ferror(fp) ? -1 : 0;
}

/* Writes s with <, >, & and " escaped. */
static void
html_esc(FILE *fp, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '&':
			fputs("&amp;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		default:
			fputc(*s, fp);
		}
}

#define TD "<td style=\"padding:2px 8px;border-bottom:1px solid #ddd\">"
#define TDR                                                                    \
	"<td style=\"padding:2px 8px;border-bottom:1px solid #ddd;"            \
	"text-align:right\">"
#define H2 "<h2 style=\"font-size:16px;margin:18px 0 6px\">"

static void
html_news(const struct digest *d, FILE *fp)
{
	char more[160];
	size_t i, k, end;
	int any = 0;

	fputs(H2 "New since the last period</h2>\n<ul>\n", fp);
	for (i = 0; i < d->nnews; i = end, any = 1) {
		end = kind_end(d, i);
		for (k = i; k < at_most(end, i + DIGEST_LIST_MAX); k++) {
			const struct digest_new *x = &d->news[k];

			fprintf(fp, "<li>new %s: <b>", kind_names[x->kind]);
			html_esc(fp, *x->value ? x->value : "(none given)");
			fputs("</b>", fp);
			if (x->where) {
				fputs(x->kind == NEW_MTA ? " from " : " on ",
				      fp);
				html_esc(fp, x->where);
			}
			fprintf(fp, " (%lld failed session%s)</li>\n",
			        (long long)x->failed,
			        x->failed == 1 ? "" : "s");
		}
		if (more_news(d, i, end, more, sizeof(more)))
			fprintf(fp, "<li>%s</li>\n", more);
	}
	for (i = 0, k = 0; i < d->ndomains; i++)
		if (d->domains[i].rose && k++ < DIGEST_LIST_MAX) {
			const struct digest_domain *x = &d->domains[i];

			fputs("<li>failure rate rose: <b>", fp);
			html_esc(fp, x->domain);
			fprintf(fp, "</b> %.2f%% &rarr; %.2f%%</li>\n",
			        100 * digest_rate(x->prev_ok, x->prev_failed),
			        100 * digest_rate(x->ok, x->failed));
			any = 1;
		}
	if (d->nrose > DIGEST_LIST_MAX)
		fprintf(
		    fp,
		    "<li>and %d more domains whose failure rate rose</li>\n",
		    d->nrose - DIGEST_LIST_MAX);
	fputs(any ? "</ul>\n" : "<li>nothing</li>\n</ul>\n", fp);
}

static void
html_domains(const struct digest *d, FILE *fp)
{
	char more[160];
	size_t i;

	fprintf(fp,
	        H2 "Domains</h2>\n<table cellspacing=\"0\" "
	           "style=\"border-collapse:collapse\">\n<tr>" TD
	           "<b>domain</b></td>" TDR "<b>sessions in %s</b></td>" TDR
	           "<b>failed</b></td>" TDR "<b>rate</b></td>" TD
	           "<b>mode</b></td>" TD "<b>readiness over the last 30 days "
	           "and next step</b></td>"
	           "</tr>\n",
	        period_word(d));
	for (i = 0; i < at_most(d->ndomains, DIGEST_LIST_MAX); i++) {
		const struct digest_domain *x = &d->domains[i];

		fputs("<tr>" TD, fp);
		html_esc(fp, x->domain);
		fprintf(fp,
		        "</td>" TDR "%lld</td>" TDR "%lld</td>" TDR
		        "%.2f%%</td>" TD,
		        (long long)(x->ok + x->failed), (long long)x->failed,
		        100 * digest_rate(x->ok, x->failed));
		html_esc(fp, x->modes);
		fputs("</td>" TD, fp);
		if (x->verdict) {
			fprintf(fp, "<b>%s</b>, ", x->verdict);
			html_esc(fp, x->next_step);
		}
		fputs("</td></tr>\n", fp);
	}
	if (more_domains(d, more, sizeof(more)))
		fprintf(fp,
		        "<tr><td colspan=\"6\" style=\"padding:2px 8px\">"
		        "%s</td></tr>\n",
		        more);
	fputs("</table>\n", fp);
}

static void
html_top(const struct digest *d, FILE *fp)
{
	size_t i;

	fputs(H2 "Top failures</h2>\n<table cellspacing=\"0\" "
	         "style=\"border-collapse:collapse\">\n<tr>" TDR
	         "<b>failed</b></td>" TD "<b>sending MTA</b></td>" TD
	         "<b>result type</b></td>" TD "<b>policy mode</b></td></tr>\n",
	      fp);
	for (i = 0; i < d->ntop; i++) {
		fprintf(fp, "<tr>" TDR "%lld</td>" TD,
		        (long long)d->top[i].failed);
		html_esc(fp, *d->top[i].mta ? d->top[i].mta : TABLE_NONE);
		fputs("</td>" TD, fp);
		html_esc(fp, d->top[i].type);
		fputs("</td>" TD, fp);
		html_esc(fp, d->top[i].mode);
		fputs("</td></tr>\n", fp);
	}
	fputs("</table>\n", fp);
}

/* Red for failures, a green sliver for none, grey for no reports. */
static const char *
bar_colour(int width, int none)
{
	return width > 0 ? "#c0392b" : none ? "#bdc3c7" : "#27ae60";
}

/* One bar per day and domain: a cell of inline width and colour. */
static void
html_chart(const struct digest *d, FILE *fp)
{
	double max = max_day_rate(d);
	char day[16], more[160];
	size_t i, k;
	int none;

	fputs(H2 "Daily failure rate</h2>\n", fp);
	if (more_charts(d, more, sizeof(more)))
		fprintf(fp, "<p>%s</p>\n", more);
	for (i = 0; i < at_most(d->ndomains, DIGEST_CHART_MAX); i++) {
		const struct digest_domain *x = &d->domains[i];

		fputs("<p style=\"margin:10px 0 2px\"><b>", fp);
		html_esc(fp, x->domain);
		fputs("</b></p>\n<table cellspacing=\"0\" cellpadding=\"0\">\n",
		      fp);
		for (k = 0; k < d->ndays; k++) {
			double r = day_rate(x, k, &none);
			int w = max > 0 ? (int)(r / max * BAR_HTML + 0.5) : 0;

			day_text(d->start + (int64_t)k * 86400, day,
			         sizeof(day));
			fprintf(fp,
			        "<tr><td style=\"padding:1px 8px 1px 0;"
			        "font-size:12px\">%s</td><td width=\"%d\" "
			        "style=\"width:%dpx\"><table cellspacing=\"0\" "
			        "cellpadding=\"0\"><tr><td width=\"%d\" "
			        "height=\"12\" bgcolor=\"%s\" style=\"width:"
			        "%dpx;height:12px;background:%s\"></td></tr>"
			        "</table></td><td style=\"padding-left:6px;"
			        "font-size:12px\">%s",
			        day, BAR_HTML, BAR_HTML, w > 0 ? w : 1,
			        bar_colour(w, none), w > 0 ? w : 1,
			        bar_colour(w, none), none ? "no reports" : "");
			if (!none)
				fprintf(fp, "%.2f%%", 100 * r);
			fputs("</td></tr>\n", fp);
		}
		fputs("</table>\n", fp);
	}
}

int
digest_html(const struct digest *d, FILE *fp)
{
	char when[64], more[160];
	size_t i;

	period_text(d, when, sizeof(when));
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	      "<title>TLS reports</title></head>\n<body style=\"font-family:"
	      "Arial,Helvetica,sans-serif;font-size:14px;color:#222\">\n",
	      fp);
	fprintf(fp,
	        "<h1 style=\"font-size:20px\">TLS reports for %s "
	        "(UTC)</h1>\n<p>%lld sessions, %lld failed (%.2f%%)</p>\n",
	        when, (long long)(d->ok + d->failed), (long long)d->failed,
	        100 * digest_rate(d->ok, d->failed));
	if (d->ndomains == 0)
		fputs("<p><b>No reports received:</b> check the intake (the "
		      "milter, the receiver, the import).</p>\n",
		      fp);
	else if (!digest_eventful(d))
		fputs(d->failed > 0 ? "<p><b>Nothing changed:</b> the failures "
		                      "below go on as before.</p>\n"
		                    : "<p><b>Nothing failed and nothing "
		                      "changed.</b></p>\n",
		      fp);
	html_news(d, fp);
	html_domains(d, fp);
	html_top(d, fp);
	fputs(H2 "Organizations that fell silent</h2>\n<ul>\n", fp);
	for (i = 0; i < at_most(d->nsilent, DIGEST_LIST_MAX); i++) {
		fputs("<li>", fp);
		html_esc(fp, d->silent[i]);
		fputs("</li>\n", fp);
	}
	if (more_silent(d, more, sizeof(more)))
		fprintf(fp, "<li>%s</li>\n", more);
	fputs(d->nsilent ? "</ul>\n" : "<li>none</li>\n</ul>\n", fp);
	html_chart(d, fp);
	fputs("</body></html>\n", fp);
	return ferror(fp) ? -1 : 0;
}
