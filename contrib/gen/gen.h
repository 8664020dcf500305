/*
 * gen.h - what the modules of tlsrpt-gen share: the options, the limits,
 * the senders it imitates and the RFC 8460 names.
 *
 * The senders are shaped after those seen in ../shared/corpus
 * (PROVENANCE.md, "Cross-cutting observations"): Google (compact JSON,
 * mx-host arrays, no failure-details when nothing failed), Microsoft (no
 * time zone on the datetimes, no mx-host, a tlsa policy whose policy-string
 * is ONE string holding a JSON-encoded array, beside an sts policy for the
 * same sessions), Mail.ru (end-datetime at the next midnight, uuid@mail.ru
 * report-ids, failure details without addresses), and two generic senders
 * (a pretty-printed one with every optional field, and a Stalwart-like one
 * with "contact-info": null and empty arrays).
 */
#ifndef TLSRPT_GEN_H
#define TLSRPT_GEN_H

#include <stddef.h>
#include <stdint.h>

/* What one report may hold; none of these is an option. */
#define DOMAIN_MAX     96 /* a domain name, with its NUL */
#define MAX_POLICIES   3
#define MAX_BASE_DET   4    /* failure details per policy before padding */
#define DUP_RING       1024 /* recent plans that --duplicates draws from */
#define NFIXED_DOMAINS 4    /* example.com/.net/.org, dane.example */
#define SIZE_BUCKET    64
#define SIZE_BUCKETS   1024 /* histogram up to 64 KiB, then one overflow */
/* Padding stays within what senders do and what parsers accept: Microsoft's
 * TLSA policy-string is one string, and strings over 4 KiB are rejected
 * (DESIGN.md); 16 records make about 1.2 KiB. */
#define PAD_MAX_TLSA 16
#define PAD_MAX_MX   48

/* Upper bounds of the numeric options (the lower bound is 0, and 1 for
 * --days). */
#define OPT_COUNT_MAX       (UINT64_C(1) << 40) /* --count */
#define OPT_DOMAINS_MAX     100000000           /* --domains */
#define OPT_DAYS_MAX        36500               /* --days */
#define OPT_SIZE_TARGET_MAX (1 << 24)           /* --size-target */

enum { FMT_FILES, FMT_MBOX, FMT_MAILDIR, FMT_EML };

/* The options; set by main, read-only after, except that the demo fixes
 * some of them. */
struct gen {
	uint64_t seed;
	uint64_t count;
	const char *out;
	int format; /* FMT_* */
	double gzip_fraction;
	uint64_t ndomains; /* example-N.test, besides the fixed ones */
	int64_t start;
	unsigned days;
	size_t size_target;
	double dup_fraction;
	int quiet;
	int demo;          /* no sporadic failures, no subdomain policies */
	int distinct_mtas; /* every failure detail from its own address */
};

enum { ORG_GOOGLE, ORG_MICROSOFT, ORG_MAILRU, ORG_GENERIC, ORG_STALWART, NORG };

struct gen_org {
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

/* The senders, indexed by ORG_*. */
extern const struct gen_org gen_orgs[NORG];

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

/* The result-type strings, indexed by RT_*. */
extern const char *const gen_rt_name[NRT];

/* RFC 8460 §4.4 policy-type, and the MTA-STS mode. */
enum { PT_STS, PT_TLSA, PT_NOPOL };
enum { MODE_ENFORCE, MODE_TESTING };

/* Prints "tlsrpt-gen: " and the message on stderr and exits with 1: the
 * generator has no error it could recover from (out of memory, a failed
 * write, a zlib failure). */
void gen_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)))
__attribute__((noreturn));

#endif
