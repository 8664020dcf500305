/*
 * tlsrpt-gen.c - generates realistic SMTP TLS reports (RFC 8460) for the
 * demo, the tests and the benchmarks.
 *
 * Reports are shaped after the senders seen in ../shared/corpus
 * (PROVENANCE.md, "Cross-cutting observations"): Google (compact JSON,
 * mx-host arrays, no failure-details when nothing failed), Microsoft (no
 * time zone on the datetimes, no mx-host, a tlsa policy whose policy-string
 * is ONE string holding a JSON-encoded array, beside an sts policy for the
 * same sessions), Mail.ru (end-datetime at the next midnight, uuid@mail.ru
 * report-ids, failure details without addresses), and two generic senders
 * (a pretty-printed one with every optional field, and a Stalwart-like one
 * with "contact-info": null and empty arrays).
 *
 * Each policy domain has a fixed profile (MTA-STS mode, DANE, MX hosts,
 * traffic volume, and at most one problem such as an expired certificate
 * on mx2 from some day on), so that the generated reports tell a coherent
 * story per domain across days and senders.
 *
 * Everything is deterministic from --seed: each report draws from its own
 * splitmix64 stream keyed by (seed, report number), so a report is the same
 * whatever the output format. Memory is bounded: one report is built,
 * written and forgotten at a time (a duplicate is rebuilt from its plan, kept
 * in a small ring).
 *
 * One file by request (only libc and zlib), so it is longer than the tree's
 * usual module size.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define EX_USAGE_ 64

#define DOMAIN_MAX     96
#define MAX_POLICIES   3
#define MAX_BASE_DET   4 /* failure details per policy before padding */
#define DUP_RING       1024
#define NFIXED_DOMAINS 4
#define SIZE_BUCKET    64
#define SIZE_BUCKETS   1024 /* histogram up to 64 KiB, then one overflow */
/* Padding stays within what senders do and what parsers accept: Microsoft's
 * TLSA policy-string is one string, and strings over 4 KiB are rejected
 * (DESIGN.md); 16 records make about 1.2 KiB. */
#define PAD_MAX_TLSA 16
#define PAD_MAX_MX   48

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)))
__attribute__((noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("tlsrpt-gen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ---- growable byte buffer ---- */

struct buf {
	char *p;
	size_t len, cap;
};

static void
buf_reserve(struct buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->len + n + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n + 1)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		die("out of memory");
	b->p = p;
	b->cap = cap;
}

static void
buf_add(struct buf *b, const void *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_putc(struct buf *b, char c)
{
	buf_reserve(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

static void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	buf_reserve(b, 64);
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("vsnprintf failed");
	if ((size_t)n >= b->cap - b->len) {
		buf_reserve(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

static void
buf_putu(struct buf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_add(b, tmp + i, sizeof(tmp) - i);
}

/* ---- deterministic random numbers (splitmix64) ---- */

struct rng {
	uint64_t s;
};

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Independent streams: one per (seed, purpose, number). */
enum { TAG_PLAN = 1, TAG_REPORT, TAG_DOMAIN, TAG_CONST };

static struct rng
rng_derive(uint64_t seed, uint64_t tag, uint64_t n)
{
	struct rng r;

	r.s = mix64(seed ^ mix64((tag << 56) ^ mix64(n + 0x632be59bd9b4e019)));
	return r;
}

static uint64_t
rng_next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

/* Uniform in [0, n); 0 when n is 0. */
static uint64_t
rng_below(struct rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

static double
rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static int
rng_chance(struct rng *r, double p)
{
	return rng_unit(r) < p;
}

/* ---- time ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

struct civil {
	int y;
	unsigned mon, day, h, min, s, wday;
};

static void
civil_from_time(int64_t t, struct civil *c)
{
	int64_t z = t / 86400, era, y;
	unsigned sod = (unsigned)(t % 86400), doe, yoe, doy, mp;

	c->wday = (unsigned)((z + 4) % 7);
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	c->day = doy - (153 * mp + 2) / 5 + 1;
	c->mon = mp < 10 ? mp + 3 : mp - 9;
	c->y = (int)(y + (c->mon <= 2));
	c->h = sod / 3600;
	c->min = sod / 60 % 60;
	c->s = sod % 60;
}

static const char *const wday_name[] = {"Sun", "Mon", "Tue", "Wed",
                                        "Thu", "Fri", "Sat"};
static const char *const mon_name[] = {"Jan", "Feb", "Mar", "Apr",
                                       "May", "Jun", "Jul", "Aug",
                                       "Sep", "Oct", "Nov", "Dec"};

/* RFC 3339 date-time as senders write it; zulu 0 leaves out the "Z". */
static void
fmt_datetime(char *out, size_t n, int64_t t, int zulu)
{
	struct civil c;

	civil_from_time(t, &c);
	snprintf(out, n, "%04d-%02u-%02uT%02u:%02u:%02u%s", c.y, c.mon, c.day,
	         c.h, c.min, c.s, zulu ? "Z" : "");
}

static void
fmt_rfc5322(char *out, size_t n, int64_t t)
{
	struct civil c;

	civil_from_time(t, &c);
	snprintf(out, n, "%s, %u %s %04d %02u:%02u:%02u +0000",
	         wday_name[c.wday], c.day, mon_name[c.mon - 1], c.y, c.h, c.min,
	         c.s);
}

/* The date on an mbox "From " separator line (asctime form). */
static void
fmt_asctime(char *out, size_t n, int64_t t)
{
	struct civil c;

	civil_from_time(t, &c);
	snprintf(out, n, "%s %s %2u %02u:%02u:%02u %04d", wday_name[c.wday],
	         mon_name[c.mon - 1], c.day, c.h, c.min, c.s, c.y);
}

/* ---- a small JSON writer: compact, or indented like json.dumps ---- */

struct jw {
	struct buf *b;
	int indent; /* 0: compact */
	int depth;
	int after_key;
	unsigned char first[32];
};

static void
jw_init(struct jw *w, struct buf *b, int indent)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
	w->indent = indent;
}

static void
jw_newline(struct jw *w)
{
	int i;

	buf_putc(w->b, '\n');
	buf_reserve(w->b, (size_t)(w->depth * w->indent));
	for (i = 0; i < w->depth * w->indent; i++)
		w->b->p[w->b->len++] = ' ';
	w->b->p[w->b->len] = '\0';
}

/* Separates a new member or element from the one before. */
static void
jw_sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->depth == 0)
		return;
	if (!w->first[w->depth])
		buf_putc(w->b, ',');
	w->first[w->depth] = 0;
	if (w->indent)
		jw_newline(w);
}

static void
jw_open(struct jw *w, char c)
{
	jw_sep(w);
	buf_putc(w->b, c);
	w->depth++;
	w->first[w->depth] = 1;
}

static void
jw_close(struct jw *w, char c)
{
	int empty = w->first[w->depth];

	w->depth--;
	if (!empty && w->indent)
		jw_newline(w);
	buf_putc(w->b, c);
}

static void
jw_escaped(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(b, run, (size_t)(s - run));
		run = s + 1;
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
		} else {
			buf_puts(b, "\\u00");
			buf_putc(b, hex[c >> 4]);
			buf_putc(b, hex[c & 15]);
		}
	}
	buf_add(b, run, (size_t)(s - run));
	buf_putc(b, '"');
}

static void
jw_key(struct jw *w, const char *k)
{
	jw_sep(w);
	buf_putc(w->b, '"');
	buf_puts(w->b, k);
	buf_puts(w->b, w->indent ? "\": " : "\":");
	w->after_key = 1;
}

static void
jw_str(struct jw *w, const char *s)
{
	jw_sep(w);
	jw_escaped(w->b, s);
}

static void
jw_int(struct jw *w, int64_t v)
{
	jw_sep(w);
	if (v < 0) {
		buf_putc(w->b, '-');
		v = -v;
	}
	buf_putu(w->b, (uint64_t)v);
}

static void
jw_null(struct jw *w)
{
	jw_sep(w);
	buf_puts(w->b, "null");
}

static void
jw_kstr(struct jw *w, const char *k, const char *s)
{
	jw_key(w, k);
	jw_str(w, s);
}

static void
jw_kint(struct jw *w, const char *k, int64_t v)
{
	jw_key(w, k);
	jw_int(w, v);
}

/* ---- senders, result types, domain profiles ---- */

enum { ORG_GOOGLE, ORG_MICROSOFT, ORG_MAILRU, ORG_GENERIC, ORG_STALWART, NORG };

struct org {
	const char *key;       /* label in the statistics */
	const char *name;      /* organization-name */
	const char *submitter; /* TLS-Report-Submitter; file name prefix */
	const char *contact;   /* contact-info; NULL: JSON null */
	const char *from;      /* From: of the report message */
	double weight;         /* share of the reports */
	double volume;         /* share of a domain's daily sessions */
	int indent;            /* JSON indentation; 0: compact */
	int next_midnight;     /* end-datetime is the next 00:00:00 */
	int zulu;              /* datetimes end in "Z" */
	int gz_level, gz_os;   /* as their gzip headers show */
	const char *v4net;     /* sending MTAs: v4net.lo .. v4net.hi */
	unsigned v4lo, v4hi;
	const char *v6net; /* and v6net::N */
};

static const struct org orgs[NORG] = {
    {"google", "Google Inc.", "google.com", "smtp-tls-reporting@google.com",
     "noreply-smtp-tls-reporting@google.com", 0.42, 1.0, 0, 0, 1, 6, 0,
     "192.0.2", 1, 254, "2001:db8:4860"},
    {"microsoft", "Microsoft Corporation", "microsoft.com",
     "tlsrpt-noreply@microsoft.com", "tlsrpt-noreply@microsoft.com", 0.30, 0.6,
     0, 0, 0, 1, 0, "198.51.100", 1, 254, "2001:db8:f400"},
    {"mail.ru", "Mail.ru", "mail.ru", "tls_support@corp.mail.ru",
     "noreply-smtp-tls-reporting@corp.mail.ru", 0.08, 0.08, 2, 1, 1, 6, 255,
     "203.0.113", 1, 127, "2001:db8:a0"},
    {"generic", "Example Mail Services", "mail-services.example",
     "mailto:tlsrpt@mail-services.example",
     "tlsrpt-noreply@mail-services.example", 0.16, 0.05, 4, 0, 1, 6, 3,
     "203.0.113", 128, 199, "2001:db8:c0de"},
    {"stalwart", "mx.hosting.example", "hosting.example", NULL,
     "postmaster@hosting.example", 0.04, 0.01, 0, 1, 1, 6, 255, "203.0.113",
     200, 254, "2001:db8:5a1"},
};

/* RFC 8460 §4.3 result types. */
enum {
	RT_STARTTLS,
	RT_EXPIRED,
	RT_MISMATCH,
	RT_UNTRUSTED,
	RT_VALIDATION,
	RT_FETCH,
	RT_TLSA_INVALID,
	RT_DNSSEC_INVALID,
	RT_DANE_REQUIRED,
	RT_WEBPKI,
	NRT
};

static const char *const rt_name[NRT] = {
    "starttls-not-supported",
    "certificate-expired",
    "certificate-host-mismatch",
    "certificate-not-trusted",
    "validation-failure",
    "sts-policy-fetch-error",
    "tlsa-invalid",
    "dnssec-invalid",
    "dane-required",
    "sts-webpki-invalid",
};

enum { PT_STS, PT_TLSA, PT_NOPOL };
static const char *const pt_name[] = {"sts", "tlsa", "no-policy-found"};

enum { MODE_ENFORCE, MODE_TESTING };
static const char *const mode_name[] = {"enforce", "testing"};

/* What goes wrong for a domain, on the days of its problem window. */
enum {
	PROB_NONE,
	PROB_EXPIRED,   /* certificate-expired on the last MX */
	PROB_STARTTLS,  /* starttls-not-supported from a few sending MTAs */
	PROB_MISMATCH,  /* certificate-host-mismatch on mx1 */
	PROB_UNTRUSTED, /* certificate-not-trusted on the last MX */
	PROB_FETCH,     /* sts-policy-fetch-error */
	PROB_WEBPKI,    /* sts-webpki-invalid */
	PROB_DANE,      /* tlsa-invalid or dnssec-invalid (DANE senders) */
};

struct domprof {
	size_t idx;
	char name[DOMAIN_MAX];
	int has_sts, mode, dane;
	unsigned nmx;
	int mx_wild, maxage_first;
	unsigned max_age;
	unsigned tlsa_usage, ntlsa;
	uint64_t tlsa_seed;
	double volume; /* sessions a day seen by Google */
	int problem, prob_rt;
	unsigned prob_from, prob_until; /* days since --start */
	double prob_share;              /* of the sessions, when it applies */
	unsigned prob_mta[3];
	unsigned nprob_mta;
	double sub_share; /* reports that add a subdomain policy */
};

struct gen {
	uint64_t seed;
	uint64_t count;
	const char *out;
	int format;
	double gzip_fraction;
	uint64_t ndomains; /* example-N.test, besides the fixed ones */
	int64_t start;
	unsigned days;
	size_t size_target;
	double dup_fraction;
	int quiet;
	int demo; /* no sporadic failures, no subdomain policies */
};

enum { FMT_FILES, FMT_MBOX, FMT_MAILDIR, FMT_EML };
static const char *const fmt_name[] = {"files", "mbox", "maildir", "eml"};

static uint64_t
total_domains(const struct gen *g)
{
	return NFIXED_DOMAINS + g->ndomains;
}

/* The fixed domains: the same stories as the README demo. */
static void
domain_fixed(size_t idx, struct domprof *dp)
{
	static const char *const names[NFIXED_DOMAINS] = {
	    "example.com", "example.net", "example.org", "dane.example"};

	snprintf(dp->name, sizeof(dp->name), "%s", names[idx]);
	dp->has_sts = 1;
	dp->nmx = 2;
	dp->max_age = 604800;
	dp->tlsa_usage = 3;
	dp->ntlsa = 2;
	dp->prob_until = UINT32_MAX;
	switch (idx) {
	case 0: /* clean, enforce */
		dp->volume = 1200;
		break;
	case 1: /* testing; mx2's certificate expires on the 6th day */
		dp->mode = MODE_TESTING;
		dp->volume = 350;
		dp->max_age = 86400;
		dp->problem = PROB_EXPIRED;
		dp->prob_from = 5;
		dp->prob_share = 0.4;
		break;
	case 2: /* enforce; a few MTAs never see STARTTLS (a middlebox) */
		dp->volume = 800;
		dp->mx_wild = 1;
		dp->nmx = 1;
		dp->problem = PROB_STARTTLS;
		dp->prob_mta[0] = 17;
		dp->prob_mta[1] = 18;
		dp->prob_mta[2] = 131;
		dp->nprob_mta = 3;
		dp->prob_share = 0.03;
		break;
	default: /* DANE and MTA-STS, clean */
		dp->volume = 90;
		dp->dane = 1;
		dp->max_age = 2592000;
		dp->maxage_first = 1;
		break;
	}
}

static int
pick_problem(struct rng *r, int dane)
{
	double u = rng_unit(r);

	if (u < 0.50)
		return PROB_NONE;
	if (u < 0.62)
		return PROB_EXPIRED;
	if (u < 0.73)
		return PROB_STARTTLS;
	if (u < 0.81)
		return PROB_MISMATCH;
	if (u < 0.87)
		return PROB_UNTRUSTED;
	if (dane)
		return u < 0.94 ? PROB_DANE : PROB_NONE;
	return u < 0.94 ? PROB_FETCH : PROB_WEBPKI;
}

/* A domain's profile is a pure function of (seed, index): no table. */
static void
domain_profile(const struct gen *g, size_t idx, struct domprof *dp)
{
	struct rng r = rng_derive(g->seed, TAG_DOMAIN, idx);
	static const unsigned ages[] = {86400, 604800, 1209600, 2592000,
	                                31557600};

	memset(dp, 0, sizeof(*dp));
	dp->idx = idx;
	dp->tlsa_seed = rng_next(&r);
	dp->sub_share = 0.15;
	if (idx < NFIXED_DOMAINS) {
		domain_fixed(idx, dp);
		return;
	}
	snprintf(dp->name, sizeof(dp->name), "example-%zu.test",
	         idx - NFIXED_DOMAINS + 1);
	dp->has_sts = rng_chance(&r, 0.92);
	dp->mode = rng_chance(&r, 0.35) ? MODE_TESTING : MODE_ENFORCE;
	dp->dane = rng_chance(&r, 0.45);
	dp->nmx = rng_chance(&r, 0.8) ? 2 : 1;
	dp->mx_wild = rng_chance(&r, 0.2);
	if (dp->mx_wild)
		dp->nmx = 1;
	dp->maxage_first = rng_chance(&r, 0.3);
	dp->max_age = ages[rng_below(&r, 5)];
	dp->tlsa_usage = rng_chance(&r, 0.7) ? 3 : 2;
	dp->ntlsa = 1 + (unsigned)rng_below(&r, dp->tlsa_usage == 2 ? 6 : 2);
	/* Log-uniform 2 .. 200,000 sessions a day. */
	dp->volume = 2.0;
	for (unsigned k = rng_below(&r, 5); k > 0; k--)
		dp->volume *= 10;
	dp->volume *= 1 + 9 * rng_unit(&r);
	dp->problem = dp->has_sts ? pick_problem(&r, dp->dane) : PROB_NONE;
	dp->prob_until = UINT32_MAX;
	if (rng_chance(&r, 0.5) && g->days > 1)
		dp->prob_from = (unsigned)rng_below(&r, g->days);
	if (rng_chance(&r, 0.3) && g->days > 1)
		dp->prob_until =
		    dp->prob_from + 1 +
		    (unsigned)rng_below(&r, g->days - dp->prob_from);
	dp->prob_share = 0.02 + 0.5 * rng_unit(&r);
	dp->prob_rt = rng_chance(&r, 0.5) ? RT_TLSA_INVALID : RT_DNSSEC_INVALID;
	dp->nprob_mta = 2 + (unsigned)rng_below(&r, 2);
	for (unsigned k = 0; k < dp->nprob_mta; k++)
		dp->prob_mta[k] = (unsigned)rng_below(&r, 254);
	if (dp->problem == PROB_STARTTLS)
		dp->prob_share *= 0.1;
}

/* ---- the report model ---- */

#define F_MTA    0x01
#define F_MX     0x02
#define F_RIP    0x04
#define F_HELO   0x08
#define F_REASON 0x10
#define F_INFO   0x20

#define MTA_V6 0x10000u

struct detail {
	unsigned char rt;
	unsigned char mx; /* 0: none; k: the k-th MX */
	unsigned char fields;
	uint32_t mta; /* index in the sender's pool; MTA_V6 for IPv6 */
	int64_t count;
};

struct policy {
	int type, mode;
	int with_string, with_mxhost, empty_arrays;
	int details_from; /* a Microsoft tlsa+sts pair shares one list */
	char domain[DOMAIN_MAX];
	unsigned nmx; /* mx lines of the policy string */
	int mx_wild;
	unsigned ntlsa;
	int64_t successful;
	struct detail *det;
	size_t ndet, capdet;
};

/* Everything needed to build one report again, byte for byte. */
struct plan {
	uint64_t idx; /* seeds the report's stream and unique ids */
	int org;
	uint64_t dom;
	unsigned day;
	int gz;
	int cur;      /* maildir: cur/ rather than new/ */
	size_t extra; /* padding asked beyond the unpadded size */
};

struct model {
	struct plan pl;
	struct domprof dp;
	struct rng rng;
	int64_t start, end;
	int demo;
	char report_id[128];
	struct policy pol[MAX_POLICIES];
	int npol;
	struct buf scratch;
};

static int64_t
policy_failed(const struct model *m, const struct policy *p)
{
	const struct policy *src = &m->pol[p->details_from];
	int64_t n = 0;

	for (size_t i = 0; i < src->ndet; i++)
		n += src->det[i].count;
	return n;
}

static struct detail *
detail_add(struct policy *p)
{
	if (p->ndet == p->capdet) {
		size_t cap = p->capdet ? p->capdet * 2 : 8;
		struct detail *d = reallocarray(p->det, cap, sizeof(*d));

		if (d == NULL)
			die("out of memory");
		p->det = d;
		p->capdet = cap;
	}
	memset(&p->det[p->ndet], 0, sizeof(p->det[0]));
	return &p->det[p->ndet++];
}

static struct policy *
policy_add(struct model *m, int type, const char *domain)
{
	struct policy *p = &m->pol[m->npol];

	p->type = type;
	p->mode = m->dp.mode;
	p->with_string = type != PT_NOPOL;
	p->with_mxhost = 0;
	p->empty_arrays = 0;
	p->details_from = m->npol;
	snprintf(p->domain, sizeof(p->domain), "%s", domain);
	p->nmx = m->dp.nmx;
	p->mx_wild = m->dp.mx_wild;
	p->ntlsa = m->dp.ntlsa;
	p->successful = 0;
	p->ndet = 0;
	m->npol++;
	return p;
}

static unsigned
pick_mta(struct rng *r, int org)
{
	const struct org *o = &orgs[org];
	unsigned n = o->v4hi - o->v4lo + 1;

	if (rng_chance(r, 0.2))
		return MTA_V6 | (unsigned)rng_below(r, 4096);
	return (unsigned)rng_below(r, n);
}

/* Which optional fields a sender fills in a failure detail. */
static unsigned
detail_fields(struct rng *r, int org, int has_mx)
{
	unsigned f = has_mx ? F_MX : 0;

	switch (org) {
	case ORG_GOOGLE:
		f |= F_MTA;
		if (has_mx && rng_chance(r, 0.3))
			f |= F_RIP;
		break;
	case ORG_MICROSOFT:
		if (rng_chance(r, 0.2))
			return 0; /* only result-type and the count */
		f |= F_MTA;
		break;
	case ORG_MAILRU:
		f |= F_REASON;
		break;
	case ORG_GENERIC:
		f |= F_MTA | F_REASON;
		if (has_mx)
			f |= F_RIP | (rng_chance(r, 0.5) ? F_HELO : 0);
		if (rng_chance(r, 0.3))
			f |= F_INFO;
		break;
	default:
		f |= F_MTA | F_REASON | (has_mx ? F_RIP : 0);
		break;
	}
	return f;
}

/* Spreads n failed sessions of one kind over up to `parts` MTAs. */
static void
split_failures(struct model *m, struct policy *p, int rt, unsigned mx,
               int64_t n, unsigned parts, const unsigned *mtas)
{
	struct rng *r = &m->rng;
	unsigned base = pick_mta(r, m->pl.org);

	if (p->ndet >= MAX_BASE_DET)
		parts = 1;
	else if (parts > MAX_BASE_DET - p->ndet)
		parts = (unsigned)(MAX_BASE_DET - p->ndet);
	if ((int64_t)parts > n)
		parts = (unsigned)n;
	for (unsigned k = 0; k < parts && n > 0; k++) {
		struct detail *d;
		int64_t c = n;

		if (k + 1 < parts)
			c = 1 + (int64_t)rng_below(
			            r, (uint64_t)(n - (parts - k - 1)));
		if (p->ndet >= MAX_BASE_DET) {
			p->det[p->ndet - 1].count += n;
			return;
		}
		d = detail_add(p);
		d->rt = (unsigned char)rt;
		d->mx = (unsigned char)mx;
		d->mta = mtas ? mtas[k]
		              : ((base & MTA_V6) | ((base + 7 * k) & 0xfff));
		if (!(d->mta & MTA_V6))
			d->mta %=
			    orgs[m->pl.org].v4hi - orgs[m->pl.org].v4lo + 1;
		d->fields = (unsigned char)detail_fields(r, m->pl.org, mx != 0);
		d->count = c;
		n -= c;
	}
}

static int64_t
share_of(struct rng *r, int64_t total, double share)
{
	double x = (double)total * share * (0.8 + 0.4 * rng_unit(r));
	int64_t n = (int64_t)(x + 0.5);

	return n < 1 ? 1 : n;
}

/* The domain's problem, seen by this sender on this day, in policy p. */
static void
add_problem(struct model *m, struct policy *p, int64_t total)
{
	const struct domprof *dp = &m->dp;
	struct rng *r = &m->rng;
	unsigned last = dp->mx_wild ? 1 : dp->nmx;
	unsigned parts = 1 + (unsigned)rng_below(r, 3);

	if (m->pl.day < dp->prob_from || m->pl.day >= dp->prob_until)
		return;
	switch (dp->problem) {
	case PROB_EXPIRED:
		split_failures(m, p, RT_EXPIRED, last,
		               share_of(r, total, dp->prob_share), parts, NULL);
		break;
	case PROB_UNTRUSTED:
		split_failures(m, p, RT_UNTRUSTED, last,
		               share_of(r, total, dp->prob_share), parts, NULL);
		break;
	case PROB_MISMATCH:
		split_failures(m, p, RT_MISMATCH, 1,
		               share_of(r, total, dp->prob_share), parts, NULL);
		break;
	case PROB_STARTTLS:
		for (unsigned k = 0; k < dp->nprob_mta; k++) {
			unsigned mta =
			    dp->prob_mta[k] %
			    (orgs[m->pl.org].v4hi - orgs[m->pl.org].v4lo + 1);

			split_failures(
			    m, p, RT_STARTTLS, 1 + (unsigned)rng_below(r, last),
			    share_of(r, total, dp->prob_share), 1, &mta);
		}
		break;
	case PROB_FETCH:
	case PROB_WEBPKI:
		if (p->type == PT_STS)
			split_failures(
			    m, p,
			    dp->problem == PROB_FETCH ? RT_FETCH : RT_WEBPKI, 0,
			    share_of(r, total, dp->prob_share), parts, NULL);
		break;
	case PROB_DANE:
		if (p->type == PT_TLSA)
			split_failures(m, p, dp->prob_rt, 1,
			               share_of(r, total, dp->prob_share),
			               parts, NULL);
		break;
	}
}

/* Sporadic failures that any domain sees now and then. */
static void
add_noise(struct model *m, struct policy *p)
{
	static const int sts_rt[] = {RT_STARTTLS, RT_VALIDATION, RT_UNTRUSTED,
	                             RT_WEBPKI, RT_MISMATCH};
	static const int tlsa_rt[] = {RT_STARTTLS, RT_VALIDATION,
	                              RT_DANE_REQUIRED, RT_DNSSEC_INVALID};
	struct rng *r = &m->rng;
	int rt;

	if (p->type == PT_NOPOL || !rng_chance(r, 0.06) || m->demo)
		return;
	if (p->type == PT_TLSA)
		rt = tlsa_rt[rng_below(r, 4)];
	else
		rt = sts_rt[rng_below(r, 5)];
	split_failures(m, p, rt, 1 + (unsigned)rng_below(r, m->dp.nmx),
	               1 + (int64_t)rng_below(r, 3), 1, NULL);
}

static void
fill_sessions(struct model *m, struct policy *p, int64_t total)
{
	int64_t failed;

	if (p->type != PT_NOPOL)
		add_problem(m, p, total);
	add_noise(m, p);
	failed = policy_failed(m, p);
	p->successful = total > failed ? total - failed : 0;
}

static void
add_subdomain_policy(struct model *m, int64_t total)
{
	static const char *const subs[] = {"lists", "news", "alerts", "mail"};
	const char *sub = subs[rng_below(&m->rng, 4)];
	char name[DOMAIN_MAX];
	struct policy *p;

	if (m->npol >= MAX_POLICIES)
		return;
	if (snprintf(name, sizeof(name), "%s.%s", sub, m->dp.name) >=
	    (int)sizeof(name))
		return;
	for (int i = 0; i < m->npol; i++)
		if (strcmp(m->pol[i].domain, name) == 0)
			return;
	p = policy_add(m, PT_NOPOL, name);
	p->successful = total / 10 + 1 + (int64_t)rng_below(&m->rng, 5);
	p->empty_arrays = m->pl.org == ORG_STALWART;
	p->with_mxhost = 0;
}

static void
make_report_id(struct model *m)
{
	const struct domprof *dp = &m->dp;
	uint64_t k = mix64(m->pl.idx ^ 0x5ca1ab1e);
	struct civil c;
	uint64_t ft;

	switch (m->pl.org) {
	case ORG_GOOGLE:
		civil_from_time(m->start, &c);
		snprintf(m->report_id, sizeof(m->report_id),
		         "%04d-%02u-%02uT00:00:00Z_%s", c.y, c.mon, c.day,
		         dp->name);
		break;
	case ORG_MICROSOFT:
		/* A Windows FILETIME a little after the day; the report
		 * number keeps it unique (10007 ticks apart). */
		ft = ((uint64_t)(m->start + 86400) + 11644473600ULL) *
		         10000000ULL +
		     m->pl.idx * 10007 + rng_below(&m->rng, 10000);
		snprintf(m->report_id, sizeof(m->report_id), "%llu+%s",
		         (unsigned long long)ft, dp->name);
		break;
	case ORG_STALWART:
		snprintf(m->report_id, sizeof(m->report_id), "%lld_%016llx",
		         (long long)(m->end + 600), (unsigned long long)k);
		break;
	default: {
		/* uuid-like; the last two groups are the 64 bits of a
		 * bijection of the report number, so ids never repeat. */
		uint64_t a = rng_next(&m->rng);

		snprintf(m->report_id, sizeof(m->report_id),
		         "%08llx-%04llx-%04llx-%04llx-%012llx%s",
		         (unsigned long long)(a >> 32),
		         (unsigned long long)(a >> 16 & 0xffff),
		         (unsigned long long)(a & 0xffff),
		         (unsigned long long)(k >> 48),
		         (unsigned long long)(k & 0xffffffffffffULL),
		         m->pl.org == ORG_MAILRU ? "@mail.ru" : "");
		break;
	}
	}
}

static void
build_google(struct model *m, int64_t total)
{
	struct policy *p;

	if (m->dp.has_sts) {
		p = policy_add(m, PT_STS, m->dp.name);
		p->with_mxhost = 1;
	} else {
		p = policy_add(m, PT_NOPOL, m->dp.name);
	}
	fill_sessions(m, p, total);
}

/* Microsoft: sts and, for DANE domains, a tlsa policy for the same
 * sessions (one detail list, shown under both). */
static void
build_microsoft(struct model *m, int64_t total)
{
	struct policy *p, *q;
	int tlsa_first = rng_chance(&m->rng, 0.3);

	if (!m->dp.has_sts && !m->dp.dane) {
		fill_sessions(m, policy_add(m, PT_NOPOL, m->dp.name), total);
		return;
	}
	if (!m->dp.dane || !m->dp.has_sts) {
		p = policy_add(m, m->dp.dane ? PT_TLSA : PT_STS, m->dp.name);
		fill_sessions(m, p, total);
		return;
	}
	p = policy_add(m, tlsa_first ? PT_TLSA : PT_STS, m->dp.name);
	q = policy_add(m, tlsa_first ? PT_STS : PT_TLSA, m->dp.name);
	/* With DANE the sender validates by TLSA: the DANE problem shows. */
	p->type = PT_TLSA;
	fill_sessions(m, p, total);
	p->type = tlsa_first ? PT_TLSA : PT_STS;
	q->details_from = 0;
	q->successful = p->successful;
}

static void
build_other(struct model *m, int64_t total)
{
	struct policy *p;

	if (!m->dp.has_sts) {
		fill_sessions(m, policy_add(m, PT_NOPOL, m->dp.name), total);
		return;
	}
	p = policy_add(m, PT_STS, m->dp.name);
	p->with_mxhost = m->pl.org != ORG_MAILRU || rng_chance(&m->rng, 0.8);
	fill_sessions(m, p, total);
	/* Mail.ru leaves out the policy when it could not fetch one. */
	if (m->pl.org == ORG_MAILRU &&
	    (m->dp.problem == PROB_FETCH || rng_chance(&m->rng, 0.2))) {
		p->with_string = 0;
		p->with_mxhost = 0;
	}
	if (m->dp.dane && m->pl.org == ORG_GENERIC) {
		p = policy_add(m, PT_TLSA, m->dp.name);
		fill_sessions(m, p, total);
	}
}

static void
model_build(struct model *m, const struct gen *g, const struct plan *pl)
{
	const struct org *o = &orgs[pl->org];
	double jitter;
	int64_t total;

	m->pl = *pl;
	m->rng = rng_derive(g->seed, TAG_REPORT, pl->idx);
	domain_profile(g, (size_t)pl->dom, &m->dp);
	m->start = g->start + (int64_t)pl->day * 86400;
	m->end = m->start + (o->next_midnight ? 86400 : 86399);
	m->npol = 0;
	m->demo = g->demo;
	jitter = 0.6 + 0.8 * rng_unit(&m->rng);
	total = (int64_t)(m->dp.volume * o->volume * jitter + 0.5);
	if (total < 1)
		total = 1;
	switch (pl->org) {
	case ORG_GOOGLE:
		build_google(m, total);
		break;
	case ORG_MICROSOFT:
		build_microsoft(m, total);
		break;
	default:
		build_other(m, total);
		break;
	}
	if (rng_chance(&m->rng, m->dp.sub_share) && !g->demo)
		add_subdomain_policy(m, total);
	if (pl->org != ORG_MICROSOFT && rng_chance(&m->rng, 0.04) && !g->demo)
		add_subdomain_policy(m, total);
	make_report_id(m);
}

/* ---- padding toward --size-target ---- */

/* Adds one more failing MTA to a policy's details; returns an estimate of
 * the bytes added. */
/* Bytes of indentation a pretty-printing sender spends on `lines` lines at
 * nesting depth `depth`. */
static size_t
indent_cost(const struct model *m, unsigned lines, unsigned depth)
{
	unsigned indent = (unsigned)orgs[m->pl.org].indent;

	return indent ? lines * (depth * indent + 1) : 0;
}

/* Adds one more failing MTA to a policy's details; returns an estimate of
 * the bytes added. */
static size_t
pad_detail(struct model *m, struct policy *p)
{
	struct policy *src = &m->pol[p->details_from];
	struct detail *d, copy;
	size_t n, shown = 1;

	copy = src->det[rng_below(&m->rng, src->ndet)];
	d = detail_add(src);
	*d = copy;
	d->mta = pick_mta(&m->rng, m->pl.org);
	d->count = 1 + (int64_t)rng_below(&m->rng, 3);
	n = 50 + strlen(rt_name[d->rt]) + (d->fields & F_MTA ? 30 : 0) +
	    (d->fields & F_MX ? 28 + strlen(p->domain) : 0) +
	    (d->fields & F_RIP ? 32 : 0) +
	    (d->fields & F_HELO ? 26 + strlen(p->domain) : 0) +
	    (d->fields & F_REASON ? 75 : 0) + (d->fields & F_INFO ? 90 : 0) +
	    indent_cost(m, 4 + (unsigned)__builtin_popcount(d->fields), 5);
	for (int i = 0; i < m->npol; i++)
		if (&m->pol[i] != src &&
		    m->pol[i].details_from == p->details_from)
			shown++;
	return n * shown;
}

static size_t
pad_one(struct model *m)
{
	struct policy *p = &m->pol[rng_below(&m->rng, (uint64_t)m->npol)];
	size_t dlen = strlen(p->domain);
	int fails = m->pol[p->details_from].ndet > 0;

	if (fails && rng_chance(&m->rng, 0.6))
		return pad_detail(m, p);
	if (p->type == PT_TLSA && p->with_string && p->ntlsa < PAD_MAX_TLSA) {
		p->ntlsa++;
		return 76 + indent_cost(m, 1, 4);
	}
	if (p->type == PT_STS && p->with_string && p->nmx < PAD_MAX_MX) {
		p->nmx++;
		return 14 + dlen + indent_cost(m, 1, 4) +
		       (p->with_mxhost ? 8 + dlen + indent_cost(m, 1, 4) : 0);
	}
	if (fails)
		return pad_detail(m, p);
	return 0;
}

/* Pads by about `want` bytes (by the estimates); returns the estimate. */
static size_t
model_pad(struct model *m, size_t want)
{
	size_t added = 0;
	unsigned idle = 0;

	while (added < want && idle < 16) {
		size_t n = pad_one(m);

		idle = n ? 0 : idle + 1;
		added += n;
	}
	return added;
}

/* ---- report JSON ---- */

static void
ip_sending(char *out, size_t n, int org, unsigned mta)
{
	const struct org *o = &orgs[org];

	if (mta & MTA_V6)
		snprintf(out, n, "%s::%x", o->v6net, (mta & 0xffff) + 1);
	else
		snprintf(out, n, "%s.%u", o->v4net, o->v4lo + mta);
}

static void
ip_receiving(char *out, size_t n, uint64_t dom, unsigned mx)
{
	if ((dom + mx) % 3 == 0)
		snprintf(out, n, "2001:db8:%x:%x::%x",
		         (unsigned)(0xd000 + dom / 0xffff),
		         (unsigned)(dom % 0xffff + 1), mx);
	else
		snprintf(out, n, "203.0.113.%u",
		         (unsigned)((dom * 2 + mx) % 254 + 1));
}

/* Appends the decimal v at out; returns the end. */
static char *
put_uint(char *out, unsigned v)
{
	char tmp[12];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(out, tmp + i, sizeof(tmp) - i);
	return out + (sizeof(tmp) - i);
}

/* The k-th MX pattern of a policy, after `prefix` ("" or "mx: "). This runs
 * for every padded policy-string line, so it avoids snprintf. */
static void
mx_name(char *out, size_t n, const struct policy *p, unsigned k,
        const char *prefix)
{
	size_t plen = strlen(prefix), dlen = strlen(p->domain);
	char *o = out;

	if (plen + dlen + 16 > n) {
		out[0] = '\0';
		return;
	}
	memcpy(o, prefix, plen);
	o += plen;
	if (p->mx_wild && k == 0) {
		*o++ = '*';
	} else {
		*o++ = 'm';
		*o++ = 'x';
		o = put_uint(o, p->mx_wild ? k + 2 : k + 1);
	}
	*o++ = '.';
	memcpy(o, p->domain, dlen + 1);
}

static void
reason_text(char *out, size_t n, int rt, const char *mx, const char *dom)
{
	switch (rt) {
	case RT_STARTTLS:
		snprintf(out, n, "STARTTLS not offered by %s", mx);
		break;
	case RT_EXPIRED:
		snprintf(out, n,
		         "x509: certificate has expired or is not yet valid");
		break;
	case RT_MISMATCH:
		snprintf(out, n,
		         "x509: certificate is valid for mail.hosting.example, "
		         "not %s",
		         mx);
		break;
	case RT_UNTRUSTED:
		snprintf(out, n,
		         "x509: certificate signed by unknown "
		         "authority");
		break;
	case RT_FETCH:
		snprintf(out, n,
		         "unable to do http request: Get "
		         "\"https://mta-sts.%s/.well-known/mta-sts.txt\": "
		         "context deadline exceeded",
		         dom);
		break;
	case RT_WEBPKI:
		snprintf(out, n,
		         "x509: certificate is valid for *.hosting.example, "
		         "not mta-sts.%s",
		         dom);
		break;
	case RT_TLSA_INVALID:
		snprintf(out, n, "no TLSA record matches the certificate of %s",
		         mx);
		break;
	case RT_DNSSEC_INVALID:
		snprintf(out, n, "DNSSEC validation failed: RRSIG expired");
		break;
	case RT_DANE_REQUIRED:
		snprintf(out, n, "TLSA records unusable for %s", mx);
		break;
	default:
		snprintf(out, n, "tls: handshake failure");
		break;
	}
}

static void
json_detail(struct jw *w, const struct model *m, const struct policy *p,
            const struct detail *d)
{
	char ip[64], mx[DOMAIN_MAX + 16], text[256];

	jw_open(w, '{');
	jw_kstr(w, "result-type", rt_name[d->rt]);
	if (d->fields & F_MTA) {
		ip_sending(ip, sizeof(ip), m->pl.org, d->mta);
		jw_kstr(w, "sending-mta-ip", ip);
	}
	snprintf(mx, sizeof(mx), "mx%u.%s", d->mx ? d->mx : 1, p->domain);
	if (d->fields & F_MX)
		jw_kstr(w, "receiving-mx-hostname", mx);
	if (d->fields & F_HELO)
		jw_kstr(w, "receiving-mx-helo", mx);
	if (d->fields & F_RIP) {
		ip_receiving(ip, sizeof(ip), m->pl.dom, d->mx);
		jw_kstr(w, "receiving-ip", ip);
	}
	jw_kint(w, "failed-session-count", d->count);
	if (d->fields & F_INFO) {
		snprintf(text, sizeof(text),
		         "https://tlsrpt.mail-services.example/details?id=%08x",
		         (unsigned)(mix64(m->pl.idx * 131 + d->mta) >> 32));
		jw_kstr(w, "additional-information", text);
	}
	if (d->fields & F_REASON) {
		reason_text(text, sizeof(text), d->rt, mx, p->domain);
		jw_kstr(w, "failure-reason-code", text);
	}
	jw_close(w, '}');
}

static void
tlsa_record(char *out, size_t n, const struct model *m, unsigned k, int upper)
{
	static const char hexu[] = "0123456789ABCDEF",
	                  hexl[] = "0123456789abcdef";
	const char *hex = upper ? hexu : hexl;
	size_t o;

	o = (size_t)snprintf(out, n, "%u 1 1 ", m->dp.tlsa_usage);
	for (unsigned j = 0; j < 32 && o + 2 < n; j++) {
		unsigned byte =
		    (unsigned)(mix64(m->dp.tlsa_seed + k * 32 + j) & 0xff);

		out[o++] = hex[byte >> 4];
		out[o++] = hex[byte & 15];
	}
	out[o] = '\0';
}

static void
json_policy_strings(struct jw *w, struct model *m, const struct policy *p)
{
	char line[DOMAIN_MAX + 80];

	jw_key(w, "policy-string");
	jw_open(w, '[');
	if (p->type == PT_TLSA && m->pl.org == ORG_MICROSOFT) {
		/* One string holding a JSON-encoded array. */
		struct buf *s = &m->scratch;

		s->len = 0;
		buf_putc(s, '[');
		for (unsigned k = 0; k < p->ntlsa; k++) {
			tlsa_record(line, sizeof(line), m, k, 1);
			if (k)
				buf_putc(s, ',');
			jw_escaped(s, line);
		}
		buf_putc(s, ']');
		jw_str(w, s->p);
	} else if (p->type == PT_TLSA) {
		for (unsigned k = 0; k < p->ntlsa; k++) {
			tlsa_record(line, sizeof(line), m, k, 0);
			jw_str(w, line);
		}
	} else {
		jw_str(w, "version: STSv1");
		snprintf(line, sizeof(line), "mode: %s", mode_name[p->mode]);
		jw_str(w, line);
		snprintf(line, sizeof(line), "max_age: %u", m->dp.max_age);
		if (m->dp.maxage_first)
			jw_str(w, line);
		for (unsigned k = 0; k < p->nmx; k++) {
			mx_name(line, sizeof(line), p, k, "mx: ");
			jw_str(w, line);
		}
		if (!m->dp.maxage_first) {
			snprintf(line, sizeof(line), "max_age: %u",
			         m->dp.max_age);
			jw_str(w, line);
		}
	}
	jw_close(w, ']');
}

static void
json_policy(struct jw *w, struct model *m, const struct policy *p)
{
	const struct policy *src = &m->pol[p->details_from];
	char mx[DOMAIN_MAX + 16];

	jw_open(w, '{');
	jw_key(w, "policy");
	jw_open(w, '{');
	jw_kstr(w, "policy-type", pt_name[p->type]);
	if (p->with_string)
		json_policy_strings(w, m, p);
	else if (p->empty_arrays) {
		jw_key(w, "policy-string");
		jw_open(w, '[');
		jw_close(w, ']');
	}
	jw_kstr(w, "policy-domain", p->domain);
	if (p->with_mxhost || p->empty_arrays) {
		jw_key(w, "mx-host");
		jw_open(w, '[');
		for (unsigned k = 0; p->with_mxhost && k < p->nmx; k++) {
			mx_name(mx, sizeof(mx), p, k, "");
			jw_str(w, mx);
		}
		jw_close(w, ']');
	}
	jw_close(w, '}');
	jw_key(w, "summary");
	jw_open(w, '{');
	jw_kint(w, "total-successful-session-count", p->successful);
	jw_kint(w, "total-failure-session-count", policy_failed(m, p));
	jw_close(w, '}');
	if (src->ndet > 0 || m->pl.org == ORG_STALWART) {
		jw_key(w, "failure-details");
		jw_open(w, '[');
		for (size_t i = 0; i < src->ndet; i++)
			json_detail(w, m, p, &src->det[i]);
		jw_close(w, ']');
	}
	jw_close(w, '}');
}

static void
report_json(struct model *m, struct buf *b)
{
	const struct org *o = &orgs[m->pl.org];
	char s[40], e[40];
	struct jw w;

	b->len = 0;
	jw_init(&w, b, o->indent);
	fmt_datetime(s, sizeof(s), m->start, o->zulu);
	fmt_datetime(e, sizeof(e), m->end, o->zulu);
	jw_open(&w, '{');
	if (m->pl.org == ORG_GENERIC)
		jw_kstr(&w, "report-id", m->report_id);
	jw_kstr(&w, "organization-name", o->name);
	jw_key(&w, "date-range");
	jw_open(&w, '{');
	jw_kstr(&w, "start-datetime", s);
	jw_kstr(&w, "end-datetime", e);
	jw_close(&w, '}');
	jw_key(&w, "contact-info");
	if (o->contact)
		jw_str(&w, o->contact);
	else
		jw_null(&w);
	if (m->pl.org != ORG_GENERIC)
		jw_kstr(&w, "report-id", m->report_id);
	jw_key(&w, "policies");
	jw_open(&w, '[');
	for (int i = 0; i < m->npol; i++)
		json_policy(&w, m, &m->pol[i]);
	jw_close(&w, ']');
	jw_close(&w, '}');
	if (o->indent)
		buf_putc(b, '\n');
}

/* ---- gzip (one reusable deflate stream per level) ---- */

struct gz {
	z_stream zs[10];
	int ready[10];
	gz_header hdr;
};

static void
gz_compress(struct gz *gz, int level, int os, const struct buf *in,
            struct buf *out)
{
	z_stream *zs = &gz->zs[level];
	int rc;

	if (!gz->ready[level]) {
		if (deflateInit2(zs, level, Z_DEFLATED, 15 + 16, 8,
		                 Z_DEFAULT_STRATEGY) != Z_OK)
			die("deflateInit2 failed");
		gz->ready[level] = 1;
	} else if (deflateReset(zs) != Z_OK) {
		die("deflateReset failed");
	}
	memset(&gz->hdr, 0, sizeof(gz->hdr));
	gz->hdr.os = os;
	deflateSetHeader(zs, &gz->hdr);
	out->len = 0;
	buf_reserve(out, deflateBound(zs, in->len) + 32);
	zs->next_in = (unsigned char *)in->p;
	zs->avail_in = (uInt)in->len;
	zs->next_out = (unsigned char *)out->p;
	zs->avail_out = (uInt)(out->cap - 1);
	rc = deflate(zs, Z_FINISH);
	if (rc != Z_STREAM_END)
		die("deflate failed (%d)", rc);
	out->len = zs->total_out;
}

static void
gz_end(struct gz *gz)
{
	for (int i = 0; i < 10; i++)
		if (gz->ready[i])
			deflateEnd(&gz->zs[i]);
}

/* ---- report messages (RFC 8460 §5.3) ---- */

static void
base64_lines(struct buf *b, const unsigned char *p, size_t n, const char *nl)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
	    "vwxyz0123456789+/";
	size_t col = 0;

	buf_reserve(b, n / 3 * 4 + n / 57 * 2 + 16);
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		size_t left = n - i;
		char q[4];

		if (left > 1)
			v |= (unsigned)p[i + 1] << 8;
		if (left > 2)
			v |= p[i + 2];
		q[0] = tab[v >> 18 & 63];
		q[1] = tab[v >> 12 & 63];
		q[2] = left > 1 ? tab[v >> 6 & 63] : '=';
		q[3] = left > 2 ? tab[v & 63] : '=';
		buf_add(b, q, 4);
		col += 4;
		if (col == 76) {
			buf_puts(b, nl);
			col = 0;
		}
	}
	if (col)
		buf_puts(b, nl);
}

/* The attachment's file name (RFC 8460 §5.1) without extension. */
static void
report_basename(char *out, size_t n, const struct model *m, uint64_t dup)
{
	const struct org *o = &orgs[m->pl.org];
	char uid[64];

	if (m->pl.org == ORG_GOOGLE)
		snprintf(uid, sizeof(uid), "001");
	else if (m->pl.org == ORG_MICROSOFT)
		snprintf(uid, sizeof(uid), "%.*s",
		         (int)strcspn(m->report_id, "+"), m->report_id);
	else
		snprintf(uid, sizeof(uid), "%llu",
		         (unsigned long long)m->pl.idx + 1);
	snprintf(out, n, "%s!%s!%lld!%lld!%s", o->submitter, m->dp.name,
	         (long long)m->start, (long long)m->end, uid);
	if (dup) {
		size_t len = strlen(out);

		snprintf(out + len, n - len, "-dup%llu",
		         (unsigned long long)dup);
	}
}

struct msgparts {
	const char *nl;
	const char *fname; /* attachment name */
	const unsigned char *att;
	size_t attlen;
	int gz;
	int64_t date;
};

static void
msg_headers(struct buf *b, struct model *m, const struct msgparts *mp,
            const char *boundary)
{
	const struct org *o = &orgs[m->pl.org];
	const char *nl = mp->nl, *dom = m->dp.name;
	char date[64];
	struct civil c;
	uint64_t id;

	fmt_rfc5322(date, sizeof(date), mp->date);
	civil_from_time(m->start, &c);
	switch (m->pl.org) {
	case ORG_GOOGLE:
		buf_printf(b,
		           "MIME-Version: 1.0%sDate: %s%sTLS-Report-Domain: "
		           "%s%sTLS-Report-Submitter: %s%s",
		           nl, date, nl, dom, nl, o->submitter, nl);
		id = rng_next(&m->rng);
		buf_printf(b, "Message-ID: <%08llx.%06llxtls@google.com>%s",
		           (unsigned long long)(id >> 32),
		           (unsigned long long)(id & 0xffffff), nl);
		buf_printf(
		    b,
		    "Subject: Report Domain: %s Submitter: google.com "
		    "Report-ID: <%04d.%02u.%02uT00.00.00Z+%s@google.com>%s",
		    dom, c.y, c.mon, c.day, dom, nl);
		buf_printf(b, "From: %s%sTo: tlsrpt@%s%s", o->from, nl, dom,
		           nl);
		break;
	case ORG_MICROSOFT:
		buf_printf(
		    b, "From: <%s>%sTo: \"tlsrpt@%s\" <tlsrpt@%s>%sDate: %s%s",
		    o->from, nl, dom, dom, nl, date, nl);
		buf_printf(
		    b,
		    "Subject: Report Domain: %s Submitter: microsoft.com "
		    "Report-ID:%s %s%s",
		    dom, nl, m->report_id, nl);
		buf_printf(b,
		           "TLS-Report-Domain: %s%sTLS-Report-Submitter: %s%s"
		           "MIME-Version: 1.0%sMessage-ID: <%s@%s>%s",
		           dom, nl, o->submitter, nl, nl, m->report_id, dom,
		           nl);
		break;
	case ORG_MAILRU:
		buf_printf(b, "From: %s%sDate: %s%sTo: tlsrpt@%s%s", o->from,
		           nl, date, nl, dom, nl);
		buf_printf(b,
		           "Subject: Report%s Domain: %s%s Submitter: mail.ru%s"
		           " Report-ID: <%s>%s",
		           nl, dom, nl, nl, m->report_id, nl);
		buf_printf(b,
		           "Auto-Submitted: auto-generated%sTLS-Report-Domain: "
		           "%s%sTLS-Report-Submitter: mail.ru%sMessage-Id: "
		           "<%s>%sMIME-Version: 1.0%s",
		           nl, dom, nl, nl, m->report_id, nl, nl);
		break;
	default:
		buf_printf(b, "From: %s%sTo: tlsrpt@%s%sDate: %s%s", o->from,
		           nl, dom, nl, date, nl);
		buf_printf(
		    b,
		    "Subject: Report Domain: %s Submitter: %s Report-ID: "
		    "<%s>%s",
		    dom, o->submitter, m->report_id, nl);
		buf_printf(b,
		           "TLS-Report-Domain: %s%sTLS-Report-Submitter: %s%s"
		           "Message-ID: <tlsrpt.%llu@%s>%sMIME-Version: 1.0%s",
		           dom, nl, o->submitter, nl,
		           (unsigned long long)m->pl.idx, o->submitter, nl, nl);
		break;
	}
	if (m->pl.org == ORG_MICROSOFT)
		buf_printf(
		    b,
		    "Content-Type: multipart/report;%s\tboundary=\"%s\"; "
		    "report-type=tlsrpt%s",
		    nl, boundary, nl);
	else if (m->pl.org == ORG_MAILRU)
		buf_printf(b,
		           "Content-Type: multipart/report; "
		           "report-type=\"tlsrpt\";%s boundary=\"%s\"%s",
		           nl, boundary, nl);
	else
		buf_printf(b,
		           "Content-Type: multipart/report; boundary=\"%s\"; "
		           "report-type=tlsrpt%s",
		           boundary, nl);
	buf_puts(b, nl);
}

static void
msg_text_part(struct buf *b, const struct model *m, const struct msgparts *mp)
{
	const struct org *o = &orgs[m->pl.org];
	const char *nl = mp->nl;
	char day[40];

	fmt_datetime(day, sizeof(day), m->start, 1);
	day[10] = '\0';
	switch (m->pl.org) {
	case ORG_GOOGLE:
		buf_printf(b,
		           "Content-Type: text/plain; charset=\"UTF-8\"; "
		           "format=flowed; delsp=yes%s%sThis is an aggregate "
		           "TLS report from google.com%s",
		           nl, nl, nl);
		break;
	case ORG_MICROSOFT:
		buf_printf(b,
		           "Content-Type: text/html; charset=\"us-ascii\"%s"
		           "Content-Transfer-Encoding: quoted-printable%s%s"
		           "<html><body><p>This is an aggregate TLS report "
		           "from microsoft.com for %s.</p></body></html>%s",
		           nl, nl, nl, m->dp.name, nl);
		break;
	default:
		/* The second line starts with "From ": mbox must escape it. */
		buf_printf(b,
		           "Content-Type: text/plain; charset=\"us-ascii\"%s"
		           "Content-Transfer-Encoding: 7bit%s%sThis is an "
		           "aggregate TLS report.%sFrom %s to %s, for %s.%s",
		           nl, nl, nl, nl, o->name, m->dp.name, day, nl);
		break;
	}
}

static void
msg_report_part(struct buf *b, const struct model *m, const struct msgparts *mp)
{
	const char *nl = mp->nl;
	const char *type =
	    mp->gz ? "application/tlsrpt+gzip" : "application/tlsrpt+json";

	if (m->pl.org == ORG_MICROSOFT)
		buf_printf(
		    b,
		    "Content-Type: %s%sContent-Description:%s %s%s"
		    "Content-Disposition: attachment;%s\tfilename=\"%s\"%s",
		    type, nl, nl, mp->fname, nl, nl, mp->fname, nl);
	else if (m->pl.org == ORG_MAILRU)
		buf_printf(
		    b,
		    "Content-Type: %s;%s name=\"%s\"%s"
		    "Content-Transfer-Encoding: base64%s"
		    "Content-Disposition: attachment;%s filename=\"%s\"%s",
		    type, nl, mp->fname, nl, nl, nl, mp->fname, nl);
	else
		buf_printf(
		    b,
		    "Content-Type: %s;%s\tname=\"%s\"%s"
		    "Content-Disposition: attachment;%s\tfilename=\"%s\"%s",
		    type, nl, mp->fname, nl, nl, mp->fname, nl);
	if (m->pl.org != ORG_MAILRU)
		buf_printf(b, "Content-Transfer-Encoding: base64%s", nl);
	buf_puts(b, nl);
	base64_lines(b, mp->att, mp->attlen, nl);
}

/* A complete RFC 5322 message carrying the report (RFC 8460 §5.3). */
static void
msg_build(struct buf *b, struct model *m, const struct msgparts *mp)
{
	const char *nl = mp->nl;
	char boundary[80];
	uint64_t a = rng_next(&m->rng), z = rng_next(&m->rng);

	switch (m->pl.org) {
	case ORG_GOOGLE:
		snprintf(boundary, sizeof(boundary), "000000000000%016llx",
		         (unsigned long long)a);
		break;
	case ORG_MICROSOFT:
		snprintf(boundary, sizeof(boundary),
		         "_%08llx-%04llx-%04llx-%04llx-%012llx_",
		         (unsigned long long)(a >> 32),
		         (unsigned long long)(a >> 16 & 0xffff),
		         (unsigned long long)(a & 0xffff),
		         (unsigned long long)(z >> 48),
		         (unsigned long long)(z & 0xffffffffffffULL));
		break;
	default:
		snprintf(boundary, sizeof(boundary), "----=_NextPart_%llu",
		         (unsigned long long)(a % 10000000000000000000ULL));
		break;
	}
	b->len = 0;
	msg_headers(b, m, mp, boundary);
	if (m->pl.org == ORG_MAILRU)
		buf_printf(b, "This is a multipart message in MIME format.%s%s",
		           nl, nl);
	buf_printf(b, "--%s%s", boundary, nl);
	msg_text_part(b, m, mp);
	buf_printf(b, "%s--%s%s", nl, boundary, nl);
	msg_report_part(b, m, mp);
	/* Mail.ru leaves out the close-delimiter (PROVENANCE.md). */
	if (m->pl.org == ORG_MAILRU)
		buf_printf(b, "%s--%s%s%s", nl, boundary, nl, nl);
	else
		buf_printf(b, "--%s--%s", boundary, nl);
}

/* ---- output ---- */

struct stats {
	uint64_t reports, gz, dups, policies, details, google_fallback;
	uint64_t per_org[NORG];
	uint64_t json_bytes, json_min, json_max, written;
	uint64_t hist[SIZE_BUCKETS + 1];
};

struct sink {
	const struct gen *g;
	int mbox_fd;
	struct buf json, gzbuf, msg, rec;
	struct gz gz;
	struct stats st;
};

static void
mkdir_p(const char *path)
{
	char tmp[4096];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(tmp))
		die("bad directory name: %s", path);
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0777) < 0 && errno != EEXIST)
			die("mkdir %s: %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0777) < 0 && errno != EEXIST)
		die("mkdir %s: %s", tmp, strerror(errno));
}

static void
write_all(int fd, const char *p, size_t n, const char *path)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			die("write %s: %s", path, strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

static void
write_file(struct sink *k, const char *dir, const char *name, const char *p,
           size_t n)
{
	char path[4096];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		die("path too long: %s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	write_all(fd, p, n, path);
	if (close(fd) < 0)
		die("close %s: %s", path, strerror(errno));
	k->st.written += n;
}

/* Appends one message to the mbox, mboxrd style: a "From " separator line,
 * and ">" added to every body line that matches /^>*From /. */
static void
mbox_append(struct sink *k, const struct model *m, const struct buf *msg,
            int64_t date)
{
	struct buf *r = &k->rec;
	char when[40], path[4096];
	const char *p = msg->p, *end = msg->p + msg->len;

	snprintf(path, sizeof(path), "%s/reports.mbox", k->g->out);
	fmt_asctime(when, sizeof(when), date);
	r->len = 0;
	buf_printf(r, "From %s %s\n", orgs[m->pl.org].from, when);
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *q = p;
		size_t len = eol ? (size_t)(eol - p) + 1 : (size_t)(end - p);

		while (q < p + len && *q == '>')
			q++;
		if ((size_t)(p + len - q) >= 5 && memcmp(q, "From ", 5) == 0)
			buf_putc(r, '>');
		buf_add(r, p, len);
		p += len;
	}
	if (r->len && r->p[r->len - 1] != '\n')
		buf_putc(r, '\n');
	buf_putc(r, '\n');
	write_all(k->mbox_fd, r->p, r->len, path);
	k->st.written += r->len;
}

enum { OUT_JSON, OUT_EML, OUT_MBOX, OUT_MAILDIR };

static void
emit(struct sink *k, struct model *m, int how, uint64_t dup)
{
	const struct org *o = &orgs[m->pl.org];
	const struct buf *att = m->pl.gz ? &k->gzbuf : &k->json;
	struct msgparts mp;
	char base[512], name[600], dir[4096];

	report_basename(base, sizeof(base), m, dup);
	if (m->pl.gz)
		gz_compress(&k->gz, o->gz_level, o->gz_os, &k->json, &k->gzbuf);
	if (how == OUT_JSON) {
		snprintf(name, sizeof(name), "%s.json%s", base,
		         m->pl.gz ? ".gz" : "");
		write_file(k, k->g->out, name, att->p, att->len);
		return;
	}
	snprintf(name, sizeof(name), "%s.json%s", base, m->pl.gz ? ".gz" : "");
	mp.nl = how == OUT_EML ? "\r\n" : "\n";
	mp.fname = name;
	mp.att = (const unsigned char *)att->p;
	mp.attlen = att->len;
	mp.gz = m->pl.gz;
	mp.date = m->end + 1 + 3600 + (int64_t)rng_below(&m->rng, 6 * 3600);
	msg_build(&k->msg, m, &mp);
	if (how == OUT_EML) {
		snprintf(name, sizeof(name), "%s.eml", base);
		write_file(k, k->g->out, name, k->msg.p, k->msg.len);
	} else if (how == OUT_MBOX) {
		mbox_append(k, m, &k->msg, mp.date);
	} else {
		/* Maildir delivery: write in tmp/, then rename. */
		char from[5000], to[5000];

		snprintf(name, sizeof(name), "%lld.M%lluQ%llu.tlsrpt-gen",
		         (long long)mp.date, (unsigned long long)m->pl.idx,
		         (unsigned long long)dup);
		snprintf(dir, sizeof(dir), "%s/tmp", k->g->out);
		write_file(k, dir, name, k->msg.p, k->msg.len);
		snprintf(from, sizeof(from), "%s/%s", dir, name);
		snprintf(to, sizeof(to), "%s/%s/%s%s", k->g->out,
		         m->pl.cur ? "cur" : "new", name,
		         m->pl.cur ? ":2,S" : "");
		if (rename(from, to) < 0)
			die("rename %s: %s", to, strerror(errno));
	}
}

static void
stats_add(struct stats *st, const struct model *m, size_t json_len, int dup)
{
	size_t b = json_len / SIZE_BUCKET;

	st->reports++;
	st->per_org[m->pl.org]++;
	st->gz += m->pl.gz != 0;
	st->dups += dup != 0;
	st->policies += (uint64_t)m->npol;
	for (int i = 0; i < m->npol; i++)
		if (m->pol[i].details_from == i)
			st->details += m->pol[i].ndet;
	st->json_bytes += json_len;
	if (st->reports == 1 || json_len < st->json_min)
		st->json_min = json_len;
	if (json_len > st->json_max)
		st->json_max = json_len;
	st->hist[b < SIZE_BUCKETS ? b : SIZE_BUCKETS]++;
}

static uint64_t
stats_pct(const struct stats *st, double q)
{
	uint64_t want = (uint64_t)((double)st->reports * q), seen = 0;

	for (size_t b = 0; b <= SIZE_BUCKETS; b++) {
		seen += st->hist[b];
		if (seen > want)
			return (uint64_t)(b + 1) * SIZE_BUCKET;
	}
	return st->json_max;
}

static void
stats_print(const struct stats *st, double secs)
{
	uint64_t n = st->reports ? st->reports : 1;

	printf("reports: %llu\n", (unsigned long long)st->reports);
	printf("organizations:");
	for (int i = 0; i < NORG; i++)
		printf(" %s=%llu", orgs[i].key,
		       (unsigned long long)st->per_org[i]);
	printf("\nduplicates: %llu\n", (unsigned long long)st->dups);
	printf("gzipped: %llu (%.1f%%)\n", (unsigned long long)st->gz,
	       100.0 * (double)st->gz / (double)n);
	printf("policies_avg: %.2f\nfailure_details_avg: %.2f\n",
	       (double)st->policies / (double)n,
	       (double)st->details / (double)n);
	printf("json_bytes_avg: %llu\n",
	       (unsigned long long)(st->json_bytes / n));
	printf("json_bytes_min: %llu\njson_bytes_p50: <%llu\n"
	       "json_bytes_p90: <%llu\njson_bytes_p99: <%llu\n"
	       "json_bytes_max: %llu\n",
	       (unsigned long long)st->json_min,
	       (unsigned long long)stats_pct(st, 0.5),
	       (unsigned long long)stats_pct(st, 0.9),
	       (unsigned long long)stats_pct(st, 0.99),
	       (unsigned long long)st->json_max);
	printf("json_bytes_total: %llu\nbytes_written: %llu\n",
	       (unsigned long long)st->json_bytes,
	       (unsigned long long)st->written);
	if (st->google_fallback)
		printf("google_fallback: %llu (Google sends one report per "
		       "domain and day; the rest went to other senders: more "
		       "--domains or --days to avoid)\n",
		       (unsigned long long)st->google_fallback);
	printf("elapsed_s: %.2f\n", secs);
}

static void
sink_open(struct sink *k, const struct gen *g, int with_mbox)
{
	char path[4096];

	memset(k, 0, sizeof(*k));
	k->g = g;
	k->mbox_fd = -1;
	mkdir_p(g->out);
	if (g->format == FMT_MAILDIR) {
		static const char *const sub[] = {"tmp", "new", "cur"};

		for (int i = 0; i < 3; i++) {
			snprintf(path, sizeof(path), "%s/%s", g->out, sub[i]);
			mkdir_p(path);
		}
	}
	if (with_mbox) {
		snprintf(path, sizeof(path), "%s/reports.mbox", g->out);
		k->mbox_fd =
		    open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (k->mbox_fd < 0)
			die("open %s: %s", path, strerror(errno));
	}
}

static void
sink_close(struct sink *k)
{
	if (k->mbox_fd >= 0 && close(k->mbox_fd) < 0)
		die("close reports.mbox: %s", strerror(errno));
	gz_end(&k->gz);
	free(k->json.p);
	free(k->gzbuf.p);
	free(k->msg.p);
	free(k->rec.p);
}

/* ---- the plan: which report comes next ---- */

struct planner {
	uint64_t slots, mult, off; /* Google: a permutation of (domain, day) */
	uint64_t google_next;
	double avg_base; /* running mean of the unpadded sizes */
	uint64_t nbase;
	double asked, got; /* padding asked and padding achieved */
	struct plan ring[DUP_RING];
	size_t nring, ring_next;
};

static uint64_t
gcd64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static void
planner_init(struct planner *pn, const struct gen *g)
{
	struct rng r = rng_derive(g->seed, TAG_CONST, 0);

	memset(pn, 0, sizeof(*pn));
	pn->slots = total_domains(g) * g->days;
	pn->mult = 2654435761ULL % (pn->slots ? pn->slots : 1);
	while (pn->slots > 1 &&
	       (pn->mult == 0 || gcd64(pn->mult, pn->slots) != 1))
		pn->mult++;
	pn->off = pn->slots ? rng_below(&r, pn->slots) : 0;
}

/* A sender by weight; without Google when its slots are used up. */
static int
pick_org(struct rng *r, int google)
{
	double u = rng_unit(r), acc = 0;
	int first = google ? 0 : 1;

	if (!google)
		u *= 1 - orgs[ORG_GOOGLE].weight;
	for (int i = first; i < NORG; i++) {
		acc += orgs[i].weight;
		if (u < acc)
			return i;
	}
	return NORG - 1;
}

/* A new report: sender by weight; Google one per domain and day (its
 * report-id says so), the others on a skewed choice of domain. */
static void
plan_new(struct planner *pn, const struct gen *g, uint64_t i, struct plan *pl,
         struct stats *st)
{
	struct rng r = rng_derive(g->seed, TAG_PLAN, i);
	uint64_t ndom = total_domains(g);

	memset(pl, 0, sizeof(*pl));
	pl->idx = i;
	pl->org = pick_org(&r, 1);
	if (pl->org == ORG_GOOGLE && pn->google_next >= pn->slots) {
		pl->org = pick_org(&r, 0);
		st->google_fallback++;
	}
	if (pl->org == ORG_GOOGLE) {
		uint64_t s = (uint64_t)(((unsigned __int128)pn->google_next++ *
		                             pn->mult +
		                         pn->off) %
		                        pn->slots);

		pl->day = (unsigned)(s % g->days);
		pl->dom = s / g->days;
	} else {
		double u = rng_unit(&r);

		if (rng_chance(&r, 0.5))
			u *= u;
		pl->dom = (uint64_t)(u * (double)ndom);
		if (pl->dom >= ndom)
			pl->dom = ndom - 1;
		pl->day = (unsigned)rng_below(&r, g->days);
	}
	pl->gz = rng_chance(&r, g->gzip_fraction);
	pl->cur = rng_chance(&r, 0.5);
	/* Padding: a skewed multiplier with mean 1, a few big reports. */
	if (rng_chance(&r, 0.05))
		pl->extra = (size_t)((3.0 + 3.0 * rng_unit(&r)) * 1000);
	else
		pl->extra = (size_t)((0.25 + 1.13 *
		                                 (rng_unit(&r) + rng_unit(&r) +
		                                  rng_unit(&r)) /
		                                 3) *
		                     1000);
}

static void
ring_push(struct planner *pn, const struct plan *pl)
{
	pn->ring[pn->ring_next] = *pl;
	pn->ring_next = (pn->ring_next + 1) % DUP_RING;
	if (pn->nring < DUP_RING)
		pn->nring++;
}

/* Builds the report of a plan into k->json, padded toward the target. */
/* Pads the report in k->json toward its size; returns the bytes added. */
static size_t
pad_report(struct sink *k, struct model *m, size_t extra)
{
	size_t base = k->json.len, want = base + extra;
	double scale = 1.0;

	/* The estimates are rough: rescale the request by what the last
	 * round really added, so that one or two rounds reach the target. */
	for (int round = 0; round < 6 && k->json.len < want; round++) {
		size_t before = k->json.len, est, ask;

		ask = (size_t)((double)(want - k->json.len) * scale);
		est = model_pad(m, ask ? ask : 1);
		report_json(m, &k->json);
		if (k->json.len <= before || est == 0)
			break;
		scale = (double)est / (double)(k->json.len - before);
		if (scale < 0.3)
			scale = 0.3;
		else if (scale > 3)
			scale = 3;
	}
	return k->json.len - base;
}

/* Builds the report of a plan into k->json. A fresh plan's extra holds a
 * multiplier (thousandths, mean 1) of the room between the mean unpadded
 * size and the target; it becomes bytes, and is kept for duplicates. The
 * room grows by the share of padding that reports could not take (a
 * no-policy-found report has nothing to pad with). */
static void
make_report(struct sink *k, struct planner *pn, struct model *m,
            struct plan *pl, int fresh)
{
	const struct gen *g = k->g;
	size_t got;

	model_build(m, g, pl);
	report_json(m, &k->json);
	if (fresh) {
		double room, ratio = 1;

		pn->nbase++;
		pn->avg_base +=
		    ((double)k->json.len - pn->avg_base) / (double)pn->nbase;
		room = (double)g->size_target - pn->avg_base;
		if (pn->got > 0)
			ratio = pn->asked / pn->got;
		if (ratio > 3)
			ratio = 3;
		pl->extra =
		    room > 0 ? (size_t)(room * ratio * (double)pl->extra / 1000)
		             : 0;
	}
	if (g->size_target == 0 || pl->extra == 0)
		return;
	got = pad_report(k, m, pl->extra);
	if (fresh) {
		pn->asked += (double)pl->extra;
		pn->got += (double)got;
	}
}

static void
model_free(struct model *m)
{
	for (int i = 0; i < MAX_POLICIES; i++)
		free(m->pol[i].det);
	free(m->scratch.p);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
run(const struct gen *g)
{
	static struct planner pn;
	static struct sink k;
	static struct model m;
	int how = g->format == FMT_MBOX      ? OUT_MBOX
	          : g->format == FMT_MAILDIR ? OUT_MAILDIR
	          : g->format == FMT_EML     ? OUT_EML
	                                     : OUT_JSON;
	double t0 = now_s();

	planner_init(&pn, g);
	sink_open(&k, g, g->format == FMT_MBOX);
	for (uint64_t i = 0; i < g->count; i++) {
		struct rng r = rng_derive(g->seed, TAG_PLAN, i ^ (1ULL << 62));
		struct plan pl;
		uint64_t dup = 0;

		if (pn.nring > 0 && rng_chance(&r, g->dup_fraction)) {
			pl = pn.ring[rng_below(&r, pn.nring)];
			dup = i + 1;
			make_report(&k, &pn, &m, &pl, 0);
		} else {
			plan_new(&pn, g, i, &pl, &k.st);
			make_report(&k, &pn, &m, &pl, 1);
			ring_push(&pn, &pl);
		}
		stats_add(&k.st, &m, k.json.len, dup != 0);
		emit(&k, &m, how, dup);
	}
	sink_close(&k);
	if (!g->quiet)
		stats_print(&k.st, now_s() - t0);
	model_free(&m);
}

/* ---- the README demo set ---- */

/* Four domains over 14 days, 40 reports: example.com clean in enforce
 * mode, example.net in testing with mx2's certificate expired from the
 * 6th day, example.org with starttls-not-supported from a few MTAs,
 * dane.example with Microsoft's tlsa+sts pair. */
static void
run_demo(struct gen *g)
{
	static struct planner pn;
	static struct sink k;
	static struct model m;
	uint64_t n = 0;

	g->days = 14;
	g->demo = 1;
	g->size_target = 0;
	g->ndomains = 0;
	g->format = FMT_FILES;
	planner_init(&pn, g);
	sink_open(&k, g, 1);
	for (unsigned day = 0; day < 14; day++) {
		struct {
			int org, dom, on, how;
		} todo[] = {
		    {ORG_GOOGLE, 1, 1, day >= 11 ? OUT_MBOX : OUT_JSON},
		    {ORG_GOOGLE, 2, day % 2 == 0,
		     day == 12 ? OUT_EML : OUT_JSON},
		    {ORG_MICROSOFT, 0, day % 2 == 1,
		     day == 13 ? OUT_EML : OUT_JSON},
		    {ORG_GENERIC, 0, day % 3 == 0,
		     day == 12 ? OUT_EML : OUT_JSON},
		    {ORG_MICROSOFT, 3, day % 2 == 0,
		     day == 10 ? OUT_EML : OUT_JSON},
		};

		for (size_t t = 0; t < sizeof(todo) / sizeof(todo[0]); t++) {
			struct plan pl;

			if (!todo[t].on)
				continue;
			memset(&pl, 0, sizeof(pl));
			pl.idx = n++;
			pl.org = todo[t].org;
			pl.dom = (uint64_t)todo[t].dom;
			pl.day = day;
			pl.gz = todo[t].how != OUT_JSON || pl.idx % 2 == 1;
			make_report(&k, &pn, &m, &pl, 0);
			stats_add(&k.st, &m, k.json.len, 0);
			emit(&k, &m, todo[t].how, 0);
		}
	}
	sink_close(&k);
	if (!g->quiet)
		stats_print(&k.st, 0);
	model_free(&m);
}

/* ---- options ---- */

static void
usage(FILE *f)
{
	fputs(
	    "usage: tlsrpt-gen --out DIR [options]\n"
	    "       tlsrpt-gen --demo DIR\n"
	    "Generates realistic SMTP TLS reports (RFC 8460), deterministic "
	    "from --seed.\n\n"
	    "  --out DIR            output directory (created)\n"
	    "  --count N            reports to generate (default 100)\n"
	    "  --format FMT         files: one .json or .json.gz per report "
	    "(default)\n"
	    "                       eml: one multipart/report message per "
	    "file\n"
	    "                       mbox: DIR/reports.mbox, all messages\n"
	    "                       maildir: DIR/{tmp,new,cur}\n"
	    "  --seed N             random seed (default 1)\n"
	    "  --gzip-fraction F    share of gzipped reports (default 0.5)\n"
	    "  --domains N          policy domains example-N.test, besides\n"
	    "                       example.com/.net/.org and dane.example "
	    "(default 20)\n"
	    "  --start YYYY-MM-DD   first report day (default 2024-03-01)\n"
	    "  --days N             days the reports spread over (default "
	    "30)\n"
	    "  --size-target BYTES  average JSON size to pad toward "
	    "(default 3000;\n"
	    "                       0: no padding)\n"
	    "  --duplicates F       share of reports sent again (default 0)\n"
	    "  --demo DIR           write the README demo set (40 reports, 4 "
	    "domains,\n"
	    "                       14 days; .json, .json.gz, .eml, one mbox)\n"
	    "  --quiet              no statistics on stdout\n"
	    "  --help               this text\n\n"
	    "Messages (eml with CRLF, mbox and maildir with LF) carry the "
	    "report\n"
	    "base64-encoded as application/tlsrpt+gzip, or "
	    "application/tlsrpt+json\n"
	    "for the share that --gzip-fraction leaves uncompressed. Reports "
	    "have 1-3\n"
	    "policies and 0-4 failure details each before padding; padding "
	    "adds\n"
	    "policy-string lines, TLSA records and failing MTAs.\n"
	    "Google sends one report per domain and day: when --count asks "
	    "for more\n"
	    "Google reports than domains x days, the rest go to the other "
	    "senders.\n"
	    "--demo ignores --seed and the size options; it starts on "
	    "--start.\n",
	    f);
}

static uint64_t
opt_u64(const char *name, const char *s, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max) {
		fprintf(stderr,
		        "tlsrpt-gen: --%s: not a number up to %llu: %s\n", name,
		        (unsigned long long)max, s);
		exit(EX_USAGE_);
	}
	return v;
}

static double
opt_fraction(const char *name, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v <= 1)) {
		fprintf(stderr, "tlsrpt-gen: --%s: not a fraction 0..1: %s\n",
		        name, s);
		exit(EX_USAGE_);
	}
	return v;
}

static int64_t
opt_date(const char *s)
{
	int y;
	unsigned m, d;
	char tail;

	if (sscanf(s, "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3 || m < 1 ||
	    m > 12 || d < 1 || d > 31 || y < 1970) {
		fprintf(stderr, "tlsrpt-gen: --start: not YYYY-MM-DD: %s\n", s);
		exit(EX_USAGE_);
	}
	return days_from_civil(y, m, d) * 86400;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"count", required_argument, NULL, 'n'},
	    {"out", required_argument, NULL, 'o'},
	    {"format", required_argument, NULL, 'f'},
	    {"seed", required_argument, NULL, 's'},
	    {"gzip-fraction", required_argument, NULL, 'z'},
	    {"domains", required_argument, NULL, 'D'},
	    {"start", required_argument, NULL, 'S'},
	    {"days", required_argument, NULL, 'd'},
	    {"size-target", required_argument, NULL, 't'},
	    {"duplicates", required_argument, NULL, 'u'},
	    {"demo", required_argument, NULL, 'M'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct gen g = {
	    .seed = 1,
	    .count = 100,
	    .gzip_fraction = 0.5,
	    .ndomains = 20,
	    .start = days_from_civil(2024, 3, 1) * 86400,
	    .days = 30,
	    .size_target = 3000,
	};
	const char *demo = NULL;
	int c, found;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			g.count = opt_u64("count", optarg, UINT64_C(1) << 40);
			break;
		case 'o':
			g.out = optarg;
			break;
		case 'f':
			found = 0;
			for (int i = 0; i < 4; i++)
				if (strcmp(optarg, fmt_name[i]) == 0) {
					g.format = i;
					found = 1;
				}
			if (!found) {
				fprintf(stderr,
				        "tlsrpt-gen: --format: files, mbox, "
				        "maildir or eml: %s\n",
				        optarg);
				return EX_USAGE_;
			}
			break;
		case 's':
			g.seed = opt_u64("seed", optarg, UINT64_MAX);
			break;
		case 'z':
			g.gzip_fraction = opt_fraction("gzip-fraction", optarg);
			break;
		case 'D':
			g.ndomains = opt_u64("domains", optarg, 100000000);
			break;
		case 'S':
			g.start = opt_date(optarg);
			break;
		case 'd':
			g.days = (unsigned)opt_u64("days", optarg, 36500);
			break;
		case 't':
			g.size_target =
			    (size_t)opt_u64("size-target", optarg, 1 << 24);
			break;
		case 'u':
			g.dup_fraction = opt_fraction("duplicates", optarg);
			break;
		case 'M':
			demo = optarg;
			break;
		case 'q':
			g.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE_;
		}
	}
	if (optind < argc || (demo == NULL && g.out == NULL) || g.days == 0) {
		usage(stderr);
		return EX_USAGE_;
	}
	if (demo) {
		g.out = demo;
		g.seed = 20240311;
		run_demo(&g);
	} else {
		run(&g);
	}
	return 0;
}
