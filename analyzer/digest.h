/*
 * digest.h - the cron digest: what a period's reports say, against the
 * period before, gathered once (digest.c), then written as text and HTML
 * (digest_render.c) inside one MIME message (digest_mail.c).
 */
#ifndef TLSRPT_DIGEST_H
#define TLSRPT_DIGEST_H

#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "errbuf.h"
#include "store.h"

#define DIGEST_DAYS_MAX 31 /* days in the longest period, a month */
#define DIGEST_TOP      10 /* rows of the top failures */
/* A rate "rose" when it gained at least this much (0.1 point). */
#define DIGEST_RISE_MIN 0.001
/* Lines of any list (each kind of news, the rising rates, the domains,
 * the silent organizations); what is beyond is summed up in one line,
 * so a digest of thousands of domains stays a mail. */
#define DIGEST_LIST_MAX  20
#define DIGEST_CHART_MAX 10 /* domains charted: the first of the list */

/* PERIOD_RANGE: digest_gather_range's, whose domains have no verdict
 * (the dashboard shows the readiness command's table beside). */
enum digest_period { PERIOD_DAY, PERIOD_WEEK, PERIOD_MONTH, PERIOD_RANGE };

struct digest_domain {
	const char *domain;
	int64_t ok, failed;           /* this period */
	int64_t prev_ok, prev_failed; /* the one before; -1 ok: no reports */
	const char *modes;            /* "testing, enforce" */
	const char *verdict;          /* NULL: no STS policy */
	const char *next_step;
	int64_t day_ok[DIGEST_DAYS_MAX], day_failed[DIGEST_DAYS_MAX];
	const char *day_modes[DIGEST_DAYS_MAX]; /* NULL: no reports that day */
	int rose;
};

/* The kinds of news, in the order the digest lists them. */
enum digest_new_kind { NEW_TYPE, NEW_MX, NEW_MTA, NEW_IP, NEW_KINDS };

/* "result type", "receiving MX", "sending MTA", "receiving IP". */
const char *digest_new_kind_name(enum digest_new_kind k);

/* Something seen in the period's failures and never before it. */
struct digest_new {
	enum digest_new_kind kind;
	const char *value; /* "" when reporters left it out */
	/* result types: the MX with most of them; sending MTAs: the
	 * organization that reported it (NULL: none given) */
	const char *where;
	int64_t failed;
};

struct digest_top {
	const char *mta, *type, *mode;
	int64_t failed, reports;
};

struct digest {
	struct arena *arena; /* every string and array below */
	enum digest_period period;
	int64_t start, end; /* [start, end): the period, UTC */
	int64_t prev_start; /* [prev_start, start): the one before */
	int64_t history;    /* news: failures since it and before start */
	int64_t bin;        /* seconds of a bar of the days (a day, or more) */
	size_t ndays;       /* bars */
	struct digest_domain *domains; /* most failures first, then by name */
	size_t ndomains;
	struct digest_new *news; /* by kind, largest first */
	size_t nnews;
	struct digest_top *top;
	size_t ntop;
	const char **silent; /* organizations that fell silent */
	size_t nsilent;
	int64_t ok, failed; /* over every domain */
	size_t norgs;       /* organizations that reported in the period */
	int nrose;
};

/* The period before `at` (a whole UTC day, Monday-to-Sunday week or
 * calendar month that ends at or before it), and the one before that. */
void digest_period_bounds(enum digest_period p, int64_t at, int64_t *start,
                          int64_t *end, int64_t *prev_start);

/* Gathers the digest of the period before `at` for the filter's domains
 * (all when none). Returns 0, or -1 with eb; digest_free in both cases. */
int digest_gather(struct store *st, enum digest_period p, int64_t at,
                  const char *const *domains, size_t ndomains, struct digest *d,
                  struct errbuf *eb);
void digest_free(struct digest *d);

/* digest_gather over [start, end) (end - start at least a day) and f's
 * domains and organization (its other fields are ignored), against
 * the period of the same length before it; news are what the period's
 * failures name and none since `history` (INT64_MIN: ever) did. The days
 * are drawn as at most DIGEST_DAYS_MAX bars of d->bin seconds each (a
 * day, or a whole number of days). For `tlsrpt serve`'s overview. */
int digest_gather_range(struct store *st, int64_t start, int64_t end,
                        int64_t history, const struct store_filter *f,
                        struct digest *d, struct errbuf *eb);

/* failed / (ok + failed), 0 when both are 0. */
double digest_rate(int64_t ok, int64_t failed);

/* Whether the period is news (issue 16 §10, §11): something new other
 * than a sending MTA, a rising rate, a silent organization, or no report
 * at all (what a broken intake looks like). A new sender address alone
 * is not (a few failures from one more IP is the Internet, not a
 * change: it stays in the body's list), nor are failures that go on as
 * before (the weekly digest, sent always, lists them). */
int digest_eventful(const struct digest *d);

/* The first news that is not a sending MTA, or NULL. */
const struct digest_new *digest_first_news(const struct digest *d);

/* The domain with most failures that has failures and a next step (an
 * STS policy), or NULL: the subject leads with its next step. */
const struct digest_domain *digest_worst(const struct digest *d);

/* The subject's headline, e.g. "3 domains, 0.40% failed, new:
 * certificate-expired on mx2.example.com", into buf. */
void digest_headline(const struct digest *d, char *buf, size_t size);

/* The two bodies, UTF-8, lines ending in "\n". */
int digest_text(const struct digest *d, FILE *fp);
int digest_html(const struct digest *d, FILE *fp);

/* The message headers a digest goes out with. */
struct digest_mail {
	const char *from;
	const char *const *to;
	size_t nto;
	const char *subject;
	int64_t date;
};

/* Copies in to out (size bytes, NUL included) as header text may hold
 * it: each control character (C0, DEL, C1) and each byte that is not
 * UTF-8 becomes '?'; cut at a character boundary when it does not fit. */
void digest_mail_clean(const char *in, char *out, size_t size);

/* The longest ASCII word of a subject left to GMime to fold. */
#define DIGEST_SUBJECT_WORD 60

/* s (valid UTF-8, no control characters: digest_mail_clean's output) as
 * a folded Subject value of RFC 2047 B-words of whole characters, no line
 * over 76 characters with "Subject: ". g_free the result. */
char *digest_mail_subject_words(const char *s);

/* Writes one RFC 5322 message (GMime): the headers, then
 * multipart/alternative of the text and the HTML (NUL-terminated), each
 * quoted-printable; the subject through digest_mail_clean, then RFC 2047
 * encoded words when it is not ASCII. Returns 0 or -1. */
int digest_mail_write(const struct digest_mail *m, const char *text,
                      size_t textlen, const char *html, size_t htmllen,
                      FILE *fp);

#endif
