/*
 * serve_http.c - one request of `tlsrpt serve`: its query parameters
 * checked and parsed (the CLI's options by name, through query_set, so a
 * page and the command read a filter alike), its route, and the JSON API,
 * which writes view.c's tables exactly as the commands' --format json and
 * csv do.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "optnum.h"
#include "serve.h"
#include "store.h"
#include "view.h"

/* Appends s, URL-encoded, as "name=s" to a query string. */
static void
query_cat(char *buf, size_t size, const char *name, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(buf);
	const unsigned char *p = (const unsigned char *)s;

	n += (size_t)snprintf(buf + n, n < size ? size - n : 0,
	                      "%s%s=", n ? "&" : "", name);
	for (; *p != '\0' && n + 4 < size; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL) {
			buf[n++] = (char)*p;
		} else {
			buf[n++] = '%';
			buf[n++] = hex[*p >> 4];
			buf[n++] = hex[*p & 15];
		}
	}
	if (n < size)
		buf[n] = '\0';
}

void
serve_req_init(struct serve_req *r, int64_t now)
{
	memset(r, 0, sizeof(*r));
	query_opts_init(&r->q);
	r->q.format = FORMAT_JSON;
	r->now = now;
	r->page = 1;
}

void
serve_req_free(struct serve_req *r)
{
	query_opts_free(&r->q);
	while (r->nvals > 0)
		free(r->vals[--r->nvals]);
}

/* A 400's text into r->error; returns -1. */
static int __attribute__((format(printf, 2, 3)))
bad(struct serve_req *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	return -1;
}

int
serve_req_add(struct serve_req *r, const char *name, const char *value)
{
	struct errbuf eb = {""};
	uint64_t v;
	char *copy;
	int code;

	if (value == NULL)
		value = "";
	if (r->nvals == LIMIT_SERVE_PARAMS)
		return bad(r, "more than %d parameters", LIMIT_SERVE_PARAMS);
	if (strlen(value) > LIMIT_SERVE_VALUE || strlen(name) > 64)
		return bad(r, "%.64s: a value over %d bytes", name,
		           LIMIT_SERVE_VALUE);
	if ((copy = strdup(value)) == NULL)
		return bad(r, "%s: out of memory", name);
	r->vals[r->nvals++] = copy;
	query_cat(r->canon, sizeof(r->canon), name, copy);
	if (strcmp(name, "page") == 0) {
		/* the rows before a page are read too: as many as a sort */
		if (optnum_parse(copy, 1, LIMIT_SERVE_SORT / LIMIT_SERVE_PAGE,
		                 &v) != 0)
			return bad(r,
			           "%s: expected a page number from 1 to %d, "
			           "got '%s'",
			           name, LIMIT_SERVE_SORT / LIMIT_SERVE_PAGE,
			           copy);
		r->page = (size_t)v;
		return 0;
	}
	if (strcmp(name, "sort") == 0) {
		r->sort = copy;
		return 0;
	}
	if (strcmp(name, "dir") == 0) {
		if (strcmp(copy, "asc") != 0 && strcmp(copy, "desc") != 0)
			return bad(r, "%s: expected asc or desc, got '%s'",
			           name, copy);
		r->desc = strcmp(copy, "desc") == 0;
		r->has_dir = 1;
		return 0;
	}
	if ((code = query_param_code(name)) == 0)
		return bad(r,
		           "unknown parameter '%s' (expected since, until, "
		           "domain, org, by, mode, type, mta, mx, ip, failed, "
		           "limit, format, page, sort, dir, min-days, "
		           "min-organizations, max-failure-rate)",
		           name);
	/* The filters form sends the fields left empty: not a filter. */
	if (*copy == '\0' && (code == CLI_OPT_SINCE || code == CLI_OPT_UNTIL ||
	                      code == CLI_OPT_DOMAIN || code == CLI_OPT_ORG))
		return 0;
	if (code == CLI_OPT_FAILED && *copy != '\0' && strcmp(copy, "1") != 0 &&
	    strcmp(copy, "true") != 0 && strcmp(copy, "yes") != 0)
		return bad(r, "%s: expected nothing, 1, true or yes, got '%s'",
		           name, copy);
	if (code == CLI_OPT_FORMAT) {
		if (strcmp(copy, "json") != 0 && strcmp(copy, "csv") != 0)
			return bad(r, "%s: expected json or csv, got '%s'",
			           name, copy);
		r->api_format = 1;
	}
	if (query_set(&r->q, r->now, code, copy, &eb) < 0) {
		return bad(r, "%s: %s", name, eb.msg);
	}
	if (code == CLI_OPT_SINCE || code == CLI_OPT_UNTIL ||
	    code == CLI_OPT_DOMAIN || code == CLI_OPT_ORG)
		query_cat(r->keep, sizeof(r->keep), name, copy);
	if (code != CLI_OPT_FORMAT)
		query_cat(r->keep_all, sizeof(r->keep_all), name, copy);
	return 0;
}

/* The routes: the parameters each takes beyond the filters (since,
 * until, domain, org), so that one a route would ignore is a 400. */
#define FILTERS   " since until domain org "
#define DETAILS   " mode type mta mx ip "
#define API       " format limit csv-raw "
#define READINESS " min-days min-organizations max-failure-rate "

enum route_kind { R_PAGE, R_API, R_CSS };

static const struct route {
	const char *path; /* ending in '/': a prefix with an operand */
	enum route_kind kind;
	int view; /* the API's view, or the page's index below */
	const char *params;
} routes[] = {
    {"/", R_PAGE, 0, FILTERS},
    {"/domain/", R_PAGE, 1, FILTERS},
    {"/failures", R_PAGE, 2, FILTERS DETAILS " by page sort dir "},
    {"/reports", R_PAGE, 3, FILTERS DETAILS " failed page "},
    {"/report/", R_PAGE, 4, FILTERS},
    {"/quarantine", R_PAGE, 5, FILTERS " page "},
    {"/style.css", R_CSS, 0, ""},
    {"/api/v1/summary", R_API, VIEW_SUMMARY, FILTERS API},
    {"/api/v1/failures", R_API, VIEW_FAILURES, FILTERS API DETAILS " by "},
    {"/api/v1/readiness", R_API, VIEW_READINESS, FILTERS API READINESS},
    {"/api/v1/reports", R_API, VIEW_REPORTS, FILTERS API DETAILS " failed "},
    {"/api/v1/report/", R_API, -1, ""},
    {"/api/v1/quarantine", R_API, VIEW_QUARANTINE, " since until " API},
};

/* The route of path, its operand after a prefix into *rest; NULL: 404.
 * The operand is the rest of the path, '/' and all: libmicrohttpd has
 * decoded %2F, and a policy domain is a stranger's text that may hold one
 * (a report's operand must be digits, which its page and API check). */
static const struct route *
route_of(const char *path, const char **rest)
{
	size_t i, n;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		n = strlen(routes[i].path);
		if (n > 1 && routes[i].path[n - 1] == '/') {
			if (strncmp(path, routes[i].path, n) == 0 &&
			    path[n] != '\0') {
				*rest = path + n;
				return &routes[i];
			}
		} else if (strcmp(path, routes[i].path) == 0) {
			*rest = "";
			return &routes[i];
		}
	}
	return NULL;
}

/* Whether every parameter given is one the route takes: else a 400. */
int
serve_req_check(struct serve_req *r, const char *path, const char *const *names,
                size_t n)
{
	const struct route *rt;
	const char *rest;
	char word[80];
	size_t i;

	if ((rt = route_of(path, &rest)) == NULL)
		return 0; /* a 404, whatever the query */
	for (i = 0; i < n; i++) {
		snprintf(word, sizeof(word), " %s ", names[i]);
		if (strstr(rt->params, word) == NULL) {
			snprintf(r->error, sizeof(r->error),
			         "unknown parameter '%s' for %s (it takes:%s)",
			         names[i], rt->path, rt->params);
			return -1;
		}
	}
	return 0;
}

/* The API's report/KEY: `tlsrpt show KEY`'s bytes. */
struct shown {
	FILE *fp;
	int n;
	struct errbuf *eb;
	int64_t key; /* the store's number asked for */
};

static int
show_one(const struct store_report_row *row, const void *bytes, size_t len,
         void *arg)
{
	struct shown *s = arg;

	/* store_report_find matches the key as a report-id too: a sender's
	 * report-id "5000" is not report 5000. */
	if (row->key != s->key || s->n++ > 0)
		return 0;
	return report_show_json(bytes, len, s->fp, s->eb);
}

static int
api_answer(struct store *st, const struct route *rt, const char *rest,
           struct serve_req *r, FILE *fp, struct errbuf *eb,
           struct serve_answer *a)
{
	struct shown s = {fp, 0, eb, 0};
	uint64_t v;

	if (rt->view < 0) {
		/* a report's number only: a report-id may be shared by
		 * two organizations, and the API names one report */
		if (optnum_parse(rest, 1, INT64_MAX, &v) != 0)
			return a->status = 404, 0;
		s.key = (int64_t)v;
		if (store_report_find(st, rest, NULL, show_one, &s, eb) < 0)
			return -1;
		a->status = s.n == 0 ? 404 : 200;
		return 0;
	}
	view_prepare((enum view_kind)rt->view, &r->q, r->now);
	a->type = r->q.format == FORMAT_CSV ? "text/csv; charset=utf-8"
	                                    : "application/json";
	return view_write((enum view_kind)rt->view, st, &r->q, r->q.format, fp,
	                  eb);
}

static int
page_answer(struct store *st, const struct route *rt, const char *rest,
            struct serve_req *r, FILE *fp, struct errbuf *eb)
{
	r->path = rt->path;
	switch (rt->view) {
	case 0:
		return serve_page_overview(st, r, fp, eb);
	case 1:
		return serve_page_domain(st, r, rest, fp, eb);
	case 2:
		return serve_page_failures(st, r, fp, eb);
	case 3:
		return serve_page_reports(st, r, fp, eb);
	case 4:
		return serve_page_report(st, r, rest, fp, eb);
	default:
		return serve_page_quarantine(st, r, fp, eb);
	}
}

/* A plain-text answer. */
static int
text_answer(struct serve_answer *a, unsigned status, const char *text)
{
	a->status = status;
	a->type = "text/plain; charset=utf-8";
	a->body = strdup(text);
	a->len = a->body ? strlen(a->body) : 0;
	return a->body ? 0 : -1;
}

int
serve_route(const char *path, struct serve_req *r, struct serve_answer *a)
{
	struct errbuf eb = {""};
	const struct route *rt;
	struct store *st = NULL;
	const char *rest;
	FILE *fp;
	char *msg;
	int ret;

	memset(a, 0, sizeof(*a));
	if ((rt = route_of(path, &rest)) == NULL)
		return text_answer(a, 404, "not found\n");
	if (r->error[0] != '\0') {
		if (asprintf(&msg, "bad request: %s\n", r->error) < 0)
			return -1;
		ret = text_answer(a, 400, msg);
		free(msg);
		return ret;
	}
	if (rt->kind == R_CSS) {
		a->status = 200;
		a->type = "text/css; charset=utf-8";
		a->len = strlen(serve_css);
		a->body = malloc(a->len);
		if (a->body == NULL)
			return -1;
		memcpy(a->body, serve_css, a->len);
		return 0;
	}
	if (rt->kind == R_PAGE && r->api_format)
		return text_answer(a, 400,
		                   "bad request: format: the pages are HTML; "
		                   "/api/v1/ gives JSON and CSV\n");
	if (store_open(serve_cfg.db, STORE_READONLY, serve_cfg.busy_timeout_ms,
	               &st, &eb) != 0) {
		if (asprintf(&msg, "the database cannot be read now: %s\n",
		             eb.msg) < 0)
			return -1;
		ret = text_answer(a, 503, msg);
		free(msg);
		return ret;
	}
	if ((fp = open_memstream(&a->body, &a->len)) == NULL) {
		store_close(st);
		return -1;
	}
	a->status = 200;
	a->type = "text/html; charset=utf-8";
	if (rt->kind == R_API) {
		ret = api_answer(st, rt, rest, r, fp, &eb, a);
		if (ret == 0 && rt->view < 0)
			a->type = "application/json";
	} else if ((ret = page_answer(st, rt, rest, r, fp, &eb)) > 0) {
		a->status = (unsigned)ret;
		ret = 0;
	}
	store_close(st);
	if (fclose(fp) != 0)
		ret = -1;
	if (ret == 0 && a->status == 404 && rt->kind == R_API) {
		free(a->body);
		return text_answer(a, 404, "no such report\n");
	}
	if (ret != 0) {
		free(a->body);
		a->body = NULL;
		if (asprintf(&msg, "the query failed: %s\n",
		             eb.msg[0] ? eb.msg : "out of memory") < 0)
			return -1;
		ret = text_answer(a, 503, msg);
		free(msg);
	}
	return ret;
}
