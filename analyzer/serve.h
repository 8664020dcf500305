/*
 * serve.h - `tlsrpt serve`: a read-only dashboard and JSON API over the
 * database, on libmicrohttpd.
 *
 * serve.c    the command: options, the listener, TLS, signals
 * serve_http.c  a request: method, auth, query parameters, routing, the
 *            headers every answer carries; the API (view.c's JSON)
 * serve_page.c  the pages, drawn from view.c's tables and the digest
 * serve_html.c  HTML: escaping in each context, the frame of a page, a
 *            table, the SVG chart
 * serve_auth.c  --auth-file and --hash-password (libxcrypt)
 *
 * SECURITY: everything a report carries was chosen by whoever sent it
 * (RFC 8460 §7): it is escaped where it is written, for the context it
 * is written in (HTML text, an attribute, a URL's query, JSON), and the
 * Content-Security-Policy forbids scripts, so that a missed escape could
 * not run one either. The database is opened read-only and no URL
 * writes; only GET and HEAD are answered.
 */
#ifndef TLSRPT_SERVE_H
#define TLSRPT_SERVE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "limits.h"

/* What `tlsrpt serve` was started with; set before serving, read-only
 * after. */
struct serve_cfg {
	const char *db;
	const char *listen;
	const char *cert, *key;
	const char *auth_file;
	int hash_password;
	unsigned connections;
	unsigned timeout;
	unsigned threads;
	int busy_timeout_ms;
};
extern struct serve_cfg serve_cfg;

/* A query string of LIMIT_SERVE_PARAMS parameters, each value at most
 * LIMIT_SERVE_VALUE bytes percent-encoded (3 a byte), a name at most 64. */
#define SERVE_QUERY_MAX (LIMIT_SERVE_PARAMS * (66 + 3 * LIMIT_SERVE_VALUE))

/* One request's query, parsed: the query options (view.c takes them as
 * the CLI's), and the page's own. The values are copies (owned). */
struct serve_req {
	struct query_opts q;
	int64_t now;
	const char *path; /* after the route's prefix */
	/* what the filters were given as, to carry them into links: the
	 * "since=...&until=...&domain=...&org=..." part, URL-encoded */
	char keep[SERVE_QUERY_MAX];
	/* and every parameter but page, sort, dir and format: the view
	 * itself, for its sort and page links */
	char keep_all[SERVE_QUERY_MAX];
	/* page parameters */
	size_t page;      /* 1.. */
	const char *sort; /* a column key, or NULL */
	int desc;         /* dir=desc (the default when sort is a count) */
	int has_dir;
	int api_format; /* format= given (the API's json or csv) */
	char *vals[LIMIT_SERVE_PARAMS]; /* the copies */
	char canon[SERVE_QUERY_MAX];    /* every parameter: the cache's key */
	size_t nvals;
	char error[1024]; /* a 400's text */
};

/* An answer: its status, content type and body (malloc'd, or NULL). */
struct serve_answer {
	unsigned status;
	const char *type;
	char *body;
	size_t len;
};

/* A request's parameters: init, add each (MHD's decoded key and value;
 * -1 with r->error set on a bad one, which makes the answer a 400),
 * check them against the route (-1, r->error: one it does not take),
 * free. */
void serve_req_init(struct serve_req *r, int64_t now);
int serve_req_add(struct serve_req *r, const char *name, const char *value);
int serve_req_check(struct serve_req *r, const char *path,
                    const char *const *names, size_t n);
void serve_req_free(struct serve_req *r);

/* Writes the page or API answer for path into a; 0, or -1 out of
 * memory. The request's parameters are in r. */
int serve_route(const char *path, struct serve_req *r, struct serve_answer *a);

/* The pages (serve_page.c): each writes a whole HTML page to fp and
 * returns the status (200, 404), or -1 with eb on a query failure. */
struct store;
int serve_page_overview(struct store *st, struct serve_req *r, FILE *fp,
                        struct errbuf *eb);
int serve_page_domain(struct store *st, struct serve_req *r, const char *name,
                      FILE *fp, struct errbuf *eb);
int serve_page_failures(struct store *st, struct serve_req *r, FILE *fp,
                        struct errbuf *eb);
int serve_page_reports(struct store *st, struct serve_req *r, FILE *fp,
                       struct errbuf *eb);
int serve_page_report(struct store *st, struct serve_req *r, const char *key,
                      FILE *fp, struct errbuf *eb);
int serve_page_quarantine(struct store *st, struct serve_req *r, FILE *fp,
                          struct errbuf *eb);

/* HTML (serve_html.c). */
void html_text(FILE *fp, const char *s);     /* text and attribute values */
void html_url_part(FILE *fp, const char *s); /* a path segment or value */
/* Opens a page: doctype, head, the navigation with the filters form;
 * `title` is text (escaped here). Closes it. */
void html_begin(FILE *fp, const struct serve_req *r, const char *title,
                const char *here);
void html_end(FILE *fp, const struct serve_req *r);
/* A link's href attribute to path with keep (a query, encoded) and
 * extra ("" or NULL for none), escaped for the attribute. */
void html_href(FILE *fp, const char *keep, const char *path, const char *extra);

struct table;
/* How html_table writes a table: its id, the rows [from, from + count),
 * and links on header cells (sort) and on cells by column key. */
struct html_table {
	const char *id;
	size_t from, count;
	const char *sort_path; /* headers link to it with sort=; NULL: none */
	const char *sort;      /* the column sorted by now */
	int desc;
	int link_keys; /* key cells link to /report/KEY */
};
void html_table(FILE *fp, const struct serve_req *r, const struct table *t,
                const struct html_table *o);

/* The chart of sessions per bar (successful and failed stacked) and the
 * failure rate as a line; mark[i] set marks bar i (a policy mode
 * changed); labels[i] the bar's day. */
void html_chart(FILE *fp, size_t n, const int64_t *ok, const int64_t *failed,
                const char *const *labels, const int *mark);

/* The answers kept while the database does not change (serve_cache.c):
 * the key of a request (malloc'd; NULL when out of memory, or for a
 * PostgreSQL database, whose changes it cannot see), a copy of
 * the answer kept under it (1) or none (0), an answer kept (a copy). */
char *serve_cache_key(const char *url, const char *query, int64_t now);
int serve_cache_get(const char *key, struct serve_answer *a);
void serve_cache_put(const char *key, const struct serve_answer *a);
void serve_cache_free(void);

/* The stylesheet (serve_css.c). */
extern const char serve_css[];

/* --auth-file (serve_auth.c): loads the users; 0, or -1 with eb naming
 * the file and line. */
int serve_auth_load(const char *path, struct errbuf *eb);
/* Whether user and password match a line of the file. */
int serve_auth_check(const char *user, const char *password);
/* --hash-password: reads a password (a line of stdin; without echo on a
 * terminal), prints its yescrypt hash. Returns the exit status. */
int serve_auth_hash_password(void);
void serve_auth_free(void);

#endif
