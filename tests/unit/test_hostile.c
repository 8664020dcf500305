/*
 * test_hostile.c - inputs made to hurt the collector, through ingest().
 *
 * Each case builds its input in memory (gzip bombs, truncated and corrupt
 * gzip, deep nesting, duplicate keys, invalid UTF-8, NUL bytes, huge arrays,
 * absurd counts, long strings, nonsense) and ingests it alone into a fresh
 * store. A hostile input must be rejected with a reason that says why
 * (DESIGN.md "Normalization rules", limits.h), nothing may crash, and the
 * rejected bytes must be in the quarantine, unchanged, with that reason.
 * The accepted edge cases beside them (exact limits, counts as strings, a
 * BOM, multi-member gzip, ...) must be stored, with nothing quarantined.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ingest.h"
#include "limits.h"
#include "report.h"
#include "store.h"
#include "testutil.h"

#define NOW 1767225600 /* 2026-01-01T00:00:00Z */

#define STORED INGEST_STORED
#define REJ    INGEST_REJECTED

/* ---- A growing byte buffer ---- */

struct buf {
	unsigned char *data;
	size_t len;
	size_t cap;
};

static void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->cap - b->len < n + 1) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap - b->len < n + 1)
			cap *= 2;
		b->data = realloc(b->data, cap);
		assert_non_null(b->data);
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	buf_add(b, s, (size_t)n);
	free(s);
}

static void
buf_repeat(struct buf *b, const char *s, size_t times)
{
	size_t i;

	for (i = 0; i < times; i++)
		buf_str(b, s);
}

/* Replaces the contents of b with their gzip compression. */
static void
buf_gzip(struct buf *b)
{
	size_t n;
	unsigned char *gz = tu_gzip(b->data, b->len, &n);

	b->len = 0;
	buf_add(b, gz, n);
	free(gz);
}

/* ---- Streaming deflate: big outputs without big inputs ---- */

struct gzs {
	z_stream zs;
	struct buf *out;
};

static void
gzs_run(struct gzs *g, const void *p, size_t n, int flush)
{
	unsigned char chunk[65536];
	int rc;

	g->zs.next_in = (unsigned char *)p;
	g->zs.avail_in = n;
	do {
		g->zs.next_out = chunk;
		g->zs.avail_out = sizeof(chunk);
		rc = deflate(&g->zs, flush);
		assert_true(rc == Z_OK || rc == Z_STREAM_END ||
		            rc == Z_BUF_ERROR);
		buf_add(g->out, chunk, sizeof(chunk) - g->zs.avail_out);
	} while (g->zs.avail_out == 0 || g->zs.avail_in > 0);
}

/* Run-length strategy: long runs compress at deflate's best, ~1030:1. */
static void
gzs_begin(struct gzs *g, struct buf *out)
{
	memset(g, 0, sizeof(*g));
	g->out = out;
	assert_int_equal(deflateInit2(&g->zs, 9, Z_DEFLATED, 15 + 16, 9, Z_RLE),
	                 Z_OK);
}

/* Feeds n bytes of value c, one MiB at a time. */
static void
gzs_fill(struct gzs *g, int c, size_t n)
{
	unsigned char *mib = malloc(MIB);

	assert_non_null(mib);
	memset(mib, c, MIB);
	while (n > 0) {
		size_t k = n < MIB ? n : MIB;

		gzs_run(g, mib, k, Z_NO_FLUSH);
		n -= k;
	}
	free(mib);
}

static void
gzs_end(struct gzs *g)
{
	gzs_run(g, "", 0, Z_FINISH);
	deflateEnd(&g->zs);
}

/* ---- Report builders ---- */

#define RANGE                                                                  \
	"\"date-range\":{\"start-datetime\":\"2026-01-01T00:00:00Z\","         \
	"\"end-datetime\":\"2026-01-01T23:59:59Z\"}"
#define POLICY                                                                 \
	"\"policy\":{\"policy-type\":\"sts\",\"policy-string\":"               \
	"[\"version: STSv1\",\"mode: enforce\",\"mx: mx.hostile.example\","    \
	"\"max_age: 86400\"],\"policy-domain\":\"hostile.example\","           \
	"\"mx-host\":[\"mx.hostile.example\"]}"
#define SUMMARY                                                                \
	"{\"total-successful-session-count\":90,"                              \
	"\"total-failure-session-count\":10}"
#define DETAIL_FMT                                                             \
	"{\"result-type\":\"certificate-expired\","                            \
	"\"sending-mta-ip\":\"192.0.2.1\","                                    \
	"\"receiving-mx-hostname\":\"%s\",\"failed-session-count\":%s}"

/* The head of a report up to the policies array, with org's bytes placed
 * raw between the quotes of organization-name. */
static void
put_head(struct buf *b, const void *org, size_t orglen, const char *range)
{
	buf_str(b, "{\"organization-name\":\"");
	buf_add(b, org, orglen);
	buf_printf(b,
	           "\",%s,\"contact-info\":\"tls@hostile.example\","
	           "\"report-id\":\"hostile-1\",\"policies\":[",
	           range);
}

static void
put_policy(struct buf *b, const char *summary, const char *details)
{
	buf_printf(b, "{" POLICY ",\"summary\":%s%s%s}", summary,
	           details != NULL ? ",\"failure-details\":" : "",
	           details != NULL ? details : "");
}

static void
put_report(struct buf *b, const char *summary, const char *details)
{
	put_head(b, "Hostile Org", 11, RANGE);
	put_policy(b, summary, details);
	buf_str(b, "]}");
}

static void
put_valid(struct buf *b)
{
	put_report(b, SUMMARY,
	           "[{\"result-type\":\"certificate-expired\","
	           "\"sending-mta-ip\":\"192.0.2.1\","
	           "\"receiving-mx-hostname\":\"mx.hostile.example\","
	           "\"failed-session-count\":10}]");
}

/* arg: the bytes themselves (a C string). */
static void
build_literal(struct buf *b, const char *arg)
{
	buf_str(b, arg);
}

static void
build_literal_gz(struct buf *b, const char *arg)
{
	buf_str(b, arg);
	buf_gzip(b);
}

static void
build_valid(struct buf *b, const char *arg)
{
	(void)arg;
	put_valid(b);
}

/* arg: what precedes the report (a BOM, whitespace). */
static void
build_valid_after(struct buf *b, const char *arg)
{
	buf_str(b, arg);
	put_valid(b);
}

/* arg: what follows the report. */
static void
build_valid_then(struct buf *b, const char *arg)
{
	put_valid(b);
	buf_str(b, arg);
}

/* The report with CRLF after every comma, as a Windows tool writes it. */
static void
build_valid_crlf(struct buf *b, const char *arg)
{
	struct buf v = {0};
	size_t i;

	(void)arg;
	put_valid(&v);
	for (i = 0; i < v.len; i++) {
		buf_add(b, &v.data[i], 1);
		if (v.data[i] == ',')
			buf_str(b, "\r\n");
	}
	free(v.data);
}

/* A valid report padded with spaces to one byte over LIMIT_INPUT_SIZE. */
static void
build_oversize(struct buf *b, const char *arg)
{
	size_t n;
	char *pad;

	(void)arg;
	put_valid(b);
	n = LIMIT_INPUT_SIZE + 1 - b->len;
	pad = malloc(n);
	assert_non_null(pad);
	memset(pad, ' ', n);
	buf_add(b, pad, n);
	free(pad);
}

/* arg: what follows the gzip stream. */
static void
build_gz_then(struct buf *b, const char *arg)
{
	put_valid(b);
	buf_gzip(b);
	buf_str(b, arg);
}

/* arg: how many bytes to cut from the end, or "half". */
static void
build_gz_cut(struct buf *b, const char *arg)
{
	size_t cut;

	put_valid(b);
	buf_gzip(b);
	cut = strcmp(arg, "half") == 0 ? b->len / 2 : strtoul(arg, NULL, 10);
	assert_true(cut < b->len);
	b->len -= cut;
}

/* arg: "data" flips deflate bytes, "crc" and "isize" the trailer's. */
static void
build_gz_corrupt(struct buf *b, const char *arg)
{
	size_t i;

	put_valid(b);
	buf_gzip(b);
	if (strcmp(arg, "data") == 0) {
		for (i = 12; i < 28; i++)
			b->data[i] ^= 0xa5;
	} else if (strcmp(arg, "crc") == 0) {
		b->data[b->len - 8] ^= 0x01;
	} else {
		b->data[b->len - 4] ^= 0x01;
	}
}

/* One report, split in two, each half its own gzip member. */
static void
build_gz_two_members(struct buf *b, const char *arg)
{
	struct buf v = {0}, h = {0};
	size_t half;

	(void)arg;
	put_valid(&v);
	half = v.len / 2;
	buf_add(&h, v.data, half);
	buf_gzip(&h);
	buf_add(b, h.data, h.len);
	h.len = 0;
	buf_add(&h, v.data + half, v.len - half);
	buf_gzip(&h);
	buf_add(b, h.data, h.len);
	free(h.data);
	free(v.data);
}

/* arg: MiB of zeros, streamed: a 1 GiB bomb is about 1 MB of gzip. */
static void
build_gz_zeros(struct buf *b, const char *arg)
{
	struct gzs g;

	gzs_begin(&g, b);
	gzs_fill(&g, 0, strtoul(arg, NULL, 10) * MIB);
	gzs_end(&g);
}

/* arg: KiB of spaces before a valid report: valid JSON (whitespace around
 * it is allowed), under the size limit, compressed about 1000:1. */
static void
build_gz_padded(struct buf *b, const char *arg)
{
	struct buf v = {0};
	struct gzs g;

	put_valid(&v);
	gzs_begin(&g, b);
	gzs_fill(&g, ' ', strtoul(arg, NULL, 10) * 1024);
	gzs_run(&g, v.data, v.len, Z_NO_FLUSH);
	gzs_end(&g);
	free(v.data);
}

/* arg: total depth N of arrays under a top-level object: {"x":[[...]]}. */
static void
build_nest_arrays(struct buf *b, const char *arg)
{
	size_t n = strtoul(arg, NULL, 10);

	buf_str(b, "{\"x\":");
	buf_repeat(b, "[", n - 1);
	buf_repeat(b, "]", n - 1);
	buf_str(b, "}");
}

/* arg: depth N of objects: {"a":{"a":...{}}}. */
static void
build_nest_objects(struct buf *b, const char *arg)
{
	size_t n = strtoul(arg, NULL, 10);

	buf_repeat(b, "{\"a\":", n - 1);
	buf_str(b, "{}");
	buf_repeat(b, "}", n - 1);
}

/* arg: N levels opened and never closed. */
static void
build_nest_unclosed(struct buf *b, const char *arg)
{
	buf_str(b, "{\"x\":");
	buf_repeat(b, "[", strtoul(arg, NULL, 10) - 1);
}

/* arg: depth N reached inside an otherwise valid report, through an
 * extension key the parser ignores. */
static void
build_nest_in_report(struct buf *b, const char *arg)
{
	size_t n = strtoul(arg, NULL, 10);

	put_valid(b);
	b->len--; /* drop the closing brace */
	buf_str(b, ",\"x-extension\":");
	buf_repeat(b, "[", n - 1);
	buf_repeat(b, "]", n - 1);
	buf_str(b, "}");
}

/* arg: the raw bytes of organization-name (a C string). */
static void
build_org(struct buf *b, const char *arg)
{
	put_head(b, arg, strlen(arg), RANGE);
	put_policy(b, SUMMARY, NULL);
	buf_str(b, "]}");
}

/* A raw NUL byte inside organization-name. */
static void
build_org_nul(struct buf *b, const char *arg)
{
	(void)arg;
	put_head(b, "Hostile\0Org", 11, RANGE);
	put_policy(b, SUMMARY, NULL);
	buf_str(b, "]}");
}

/* arg: length of an organization-name of 'o's. */
static void
build_org_len(struct buf *b, const char *arg)
{
	size_t n = strtoul(arg, NULL, 10);
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, 'o', n);
	s[n] = '\0';
	build_org(b, s);
	free(s);
}

/* arg: length of a receiving-mx-hostname of 'm's. */
static void
build_mx_len(struct buf *b, const char *arg)
{
	size_t n = strtoul(arg, NULL, 10);
	char *s = malloc(n + 1);
	struct buf d = {0};

	assert_non_null(s);
	memset(s, 'm', n);
	s[n] = '\0';
	buf_str(&d, "[");
	buf_printf(&d, DETAIL_FMT, s, "10");
	buf_str(&d, "]");
	put_report(b, SUMMARY, (char *)d.data);
	free(d.data);
	free(s);
}

/* arg: the date-range object's inside. */
static void
build_range(struct buf *b, const char *arg)
{
	char range[256];

	snprintf(range, sizeof(range), "\"date-range\":{%s}", arg);
	put_head(b, "Hostile Org", 11, range);
	put_policy(b, SUMMARY, NULL);
	buf_str(b, "]}");
}

/* arg: the text of total-successful-session-count. */
static void
build_success_count(struct buf *b, const char *arg)
{
	char summary[256];

	snprintf(summary, sizeof(summary),
	         "{\"total-successful-session-count\":%s,"
	         "\"total-failure-session-count\":0}",
	         arg);
	put_report(b, summary, NULL);
}

/* arg: the text of the failure detail's failed-session-count. */
static void
build_detail_count(struct buf *b, const char *arg)
{
	struct buf d = {0};

	buf_str(&d, "[");
	buf_printf(&d, DETAIL_FMT, "mx.hostile.example", arg);
	buf_str(&d, "]");
	put_report(b, SUMMARY, (char *)d.data);
	free(d.data);
}

/* arg: the summary object's text. */
static void
build_summary(struct buf *b, const char *arg)
{
	put_report(b, arg, NULL);
}

/* arg: the failure-details array's text. */
static void
build_details(struct buf *b, const char *arg)
{
	put_report(b, SUMMARY, arg);
}

/* arg: N policies, each for its own domain. */
static void
build_policies(struct buf *b, const char *arg)
{
	size_t i, n = strtoul(arg, NULL, 10);

	put_head(b, "Hostile Org", 11, RANGE);
	for (i = 0; i < n; i++)
		buf_printf(b,
		           "%s{\"policy\":{\"policy-type\":\"no-policy-found\","
		           "\"policy-domain\":\"d%zu.example\"},\"summary\":{"
		           "\"total-successful-session-count\":1,"
		           "\"total-failure-session-count\":0}}",
		           i ? "," : "", i);
	buf_str(b, "]}");
}

static void
put_short_details(struct buf *b, size_t n)
{
	size_t i;

	buf_printf(b,
	           "{\"policy\":{\"policy-type\":\"no-policy-found\","
	           "\"policy-domain\":\"d%zu.example\"},\"summary\":{"
	           "\"total-successful-session-count\":0,"
	           "\"total-failure-session-count\":%zu},\"failure-details\":[",
	           n, n);
	for (i = 0; i < n; i++)
		buf_str(
		    b,
		    i ? ",{\"result-type\":\"x\",\"failed-session-count\":1}"
		      : "{\"result-type\":\"x\",\"failed-session-count\":1}");
	buf_str(b, "]}");
}

/* arg: N failure details in all, split over two policies ("in all"). */
static void
build_many_details(struct buf *b, const char *arg)
{
	size_t n = strtoul(arg, NULL, 10);

	put_head(b, "Hostile Org", 11, RANGE);
	put_short_details(b, n - n / 2);
	buf_str(b, ",");
	put_short_details(b, n / 2);
	buf_str(b, "]}");
}

/* arg: "k" for k report parts, each a valid report of its own id, in one
 * multipart/report message. */
static void
build_mail_parts(struct buf *b, const char *arg)
{
	size_t i, n = strtoul(arg, NULL, 10);

	buf_str(b, "From: reporter@hostile.example\r\n"
	           "To: tlsrpt@hostile.example\r\n"
	           "Subject: Report Domain: hostile.example\r\n"
	           "MIME-Version: 1.0\r\n"
	           "Content-Type: multipart/report; report-type=tlsrpt; "
	           "boundary=\"B\"\r\n\r\n");
	for (i = 0; i < n; i++) {
		char *json =
		    tu_report_json("Hostile Org", "p", "hostile.example", 1, 0);

		buf_printf(b,
		           "--B\r\nContent-Type: application/tlsrpt+json\r\n"
		           "Content-Disposition: attachment; "
		           "filename=\"r%zu.json\"\r\n\r\n",
		           i);
		/* give each part its own report-id: "p" -> "p<i>" */
		buf_add(b, json, strstr(json, "\"report-id\":\"p\"") - json);
		buf_printf(b, "\"report-id\":\"p%zu\"", i);
		buf_str(b, strstr(json, "\"report-id\":\"p\"") + 15);
		buf_str(b, "\r\n");
		free(json);
	}
	buf_str(b, "--B--\r\n");
}

/* arg: N multipart levels around one report part. */
static void
build_mail_deep(struct buf *b, const char *arg)
{
	size_t i, n = strtoul(arg, NULL, 10);
	char *json =
	    tu_report_json("Hostile Org", "deep", "hostile.example", 1, 0);

	buf_str(b, "From: reporter@hostile.example\r\nMIME-Version: 1.0\r\n");
	for (i = 0; i < n; i++)
		buf_printf(b,
		           "Content-Type: multipart/mixed; boundary=\"b%zu\""
		           "\r\n\r\n--b%zu\r\n",
		           i, i);
	buf_printf(b, "Content-Type: application/tlsrpt+json\r\n\r\n%s\r\n",
	           json);
	for (i = n; i-- > 0;)
		buf_printf(b, "--b%zu--\r\n", i);
	free(json);
}

/* ---- Checks of accepted reports ---- */

static void
check_2p40(const struct report *r)
{
	assert_int_equal(r->policies[0].successful_sessions, 1099511627776LL);
}

static void
check_string_counts(const struct report *r)
{
	assert_int_equal(r->policies[0].successful_sessions, 12);
	assert_int_equal(r->policies[0].failed_sessions, 3);
	assert_int_equal(r->policies[0].failures[0].failed_sessions, 3);
}

static void
check_valid(const struct report *r)
{
	assert_string_equal(r->organization, "Hostile Org");
	assert_string_equal(r->report_id, "hostile-1");
	assert_int_equal(r->npolicies, 1);
	assert_int_equal(r->policies[0].successful_sessions, 90);
	assert_int_equal(r->policies[0].failed_sessions, 10);
	assert_int_equal(r->policies[0].nfailures, 1);
}

static void
check_10000_policies(const struct report *r)
{
	assert_int_equal(r->npolicies, LIMIT_POLICIES);
	assert_string_equal(r->policies[9999].policy_domain, "d9999.example");
}

static void
check_4096_org(const struct report *r)
{
	assert_int_equal(strlen(r->organization), LIMIT_STRING_BYTES);
}

/* ---- The table ---- */

struct hostile_case {
	const char *name;
	void (*build)(struct buf *b, const char *arg);
	const char *arg;
	enum ingest_status want;
	/* rejections: alternatives split by '|', any one in the reason,
	 * case-insensitive */
	const char *reason;
	const char *field;      /* the field the reason must also name */
	const char *not_reason; /* must not be in the reason */
	unsigned max_ratio;     /* 0: the default limits */
	size_t noutcomes;       /* 0: one */
	size_t min_warnings;    /* accepted: lower bound */
	void (*check)(const struct report *r);
};

#define REJECT(n, b, a, r)                                                     \
	{                                                                      \
		.name = n, .build = b, .arg = a, .want = REJ, .reason = r      \
	}
#define REJECT_FIELD(n, b, a, r, f)                                            \
	{                                                                      \
		.name = n, .build = b, .arg = a, .want = REJ, .reason = r,     \
		.field = f                                                     \
	}
#define ACCEPT(n, b, a, w, c)                                                  \
	{                                                                      \
		.name = n, .build = b, .arg = a, .want = STORED,               \
		.min_warnings = w, .check = c                                  \
	}

#define SUCC      "policies[0].summary.total-successful-session-count"
#define FSC       "policies[0].failure-details[0].failed-session-count"
#define NOT_INPUT "not gzip, JSON or a mail message"

static const struct hostile_case cases[] = {
    /* gzip */
    REJECT("gzip bomb: 1 GiB of zeros", build_gz_zeros, "1024", "gzip"),
    REJECT("gzip under the size limit, ratio ~1010:1 (19 MiB of spaces "
           "around a valid report)",
           build_gz_padded, "19456", "ratio"),
    {.name = "gzip ratio ~1000:1 against --max-ratio 100 (4 MiB)",
     .build = build_gz_padded,
     .arg = "4096",
     .want = REJ,
     .reason = "ratio",
     .max_ratio = 100},
    REJECT("gzip truncated: trailer cut", build_gz_cut, "8", "truncated"),
    REJECT("gzip truncated: one byte cut", build_gz_cut, "1", "truncated"),
    REJECT("gzip truncated: half", build_gz_cut, "half", "truncated"),
    REJECT("gzip truncated: header only", build_literal,
           "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", "truncated"),
    REJECT("gzip corrupt deflate data", build_gz_corrupt, "data",
           "gzip|corrupt"),
    REJECT("gzip corrupt CRC", build_gz_corrupt, "crc", "gzip|corrupt"),
    REJECT("gzip corrupt ISIZE", build_gz_corrupt, "isize", "gzip|corrupt"),
    REJECT("gzip followed by garbage", build_gz_then, "GARBAGE",
           "gzip|garbage|trailing"),
    REJECT("gzip followed by CRLF and a control byte", build_gz_then,
           "\r\n\x01", "gzip|garbage|trailing"),
    REJECT("gzip followed by a second member's magic only", build_gz_then,
           "\x1f\x8b\x08", "truncated|gzip"),
    REJECT("gzip of plain text", build_literal_gz, "hello, world\n", "json"),
    REJECT("gzip of a JSON array", build_literal_gz, "[1,2,3]", "object"),

    /* JSON structure */
    REJECT("nesting 65: arrays", build_nest_arrays, "65", "nesting"),
    REJECT("nesting 65: objects", build_nest_objects, "65", "nesting"),
    REJECT("nesting 10000", build_nest_arrays, "10000", "nesting"),
    REJECT("nesting 10000, never closed", build_nest_unclosed, "10000",
           "nesting"),
    REJECT("nesting 65 inside a valid report", build_nest_in_report, "65",
           "nesting"),
    {.name = "nesting 64: past the depth check, fails on schema",
     .build = build_nest_arrays,
     .arg = "64",
     .want = REJ,
     .reason = "organization-name|report-id|date-range|policies",
     .not_reason = "nesting"},
    REJECT("duplicate key: report-id", build_org,
           "Hostile Org\",\"report-id\":\"first", "duplicate"),
    REJECT_FIELD("duplicate key in summary", build_summary,
                 "{\"total-successful-session-count\":1,"
                 "\"total-successful-session-count\":2,"
                 "\"total-failure-session-count\":0}",
                 "duplicate", "total-successful-session-count"),
    REJECT("invalid UTF-8: 0xff", build_org, "Bad \xff Org", "UTF-8"),
    REJECT("invalid UTF-8: overlong '/'", build_org, "Bad \xc0\xaf Org",
           "UTF-8"),
    REJECT("invalid UTF-8: encoded surrogate", build_org,
           "Bad \xed\xa0\x80 Org", "UTF-8"),
    REJECT("invalid UTF-8: sequence cut short", build_org, "Bad \xe2\x82",
           "UTF-8"),
    REJECT("raw NUL in organization-name", build_org_nul, NULL,
           "nul|control|\\u0000|0x0"),
    REJECT("escaped \\u0000 in organization-name", build_org,
           "Hostile\\u0000Org", "nul|\\u0000|organization-name"),
    REJECT("escaped lone surrogate \\ud800", build_org, "Bad \\ud800 Org",
           "unicode|surrogate|utf|organization-name|\\ud800"),

    /* sizes */
    REJECT("10001 policies", build_policies, "10001", "10000"),
    REJECT("100001 failure details over two policies", build_many_details,
           "100001", "100000"),
    REJECT_FIELD("receiving-mx-hostname of 5000 bytes", build_mx_len, "5000",
                 "4096", "receiving-mx-hostname"),
    REJECT_FIELD("organization-name of 4097 bytes", build_org_len, "4097",
                 "4096", "organization-name"),

    /* session counts */
    REJECT_FIELD("summary count -1", build_success_count, "-1", "negative",
                 SUCC),
    REJECT_FIELD("failure detail count -1", build_detail_count, "-1",
                 "negative", FSC),
    REJECT_FIELD("summary count 1.5", build_success_count, "1.5",
                 "fraction|integer", SUCC),
    REJECT_FIELD("failure detail count 1.5", build_detail_count, "1.5",
                 "fraction|integer", FSC),
    REJECT_FIELD("summary count 2^53+1", build_success_count,
                 "9007199254740993", "2^53|9007199254740992|large|range", SUCC),
    REJECT_FIELD("failure detail count 2^53+1", build_detail_count,
                 "9007199254740993", "2^53|9007199254740992|large|range", FSC),
    REJECT_FIELD("summary count 1e30", build_success_count, "1e30",
                 "2^53|9007199254740992|large|range|integer", SUCC),
    REJECT_FIELD("summary count 99999999999999999999999", build_success_count,
                 "99999999999999999999999",
                 "2^53|9007199254740992|large|range|big", SUCC),
    REJECT_FIELD("summary count \"twelve\"", build_success_count, "\"twelve\"",
                 "count|integer|number", SUCC),
    REJECT_FIELD("summary count \"-5\"", build_success_count, "\"-5\"",
                 "count|integer|number|negative", SUCC),
    REJECT_FIELD("summary count true", build_success_count, "true",
                 "count|integer|number", SUCC),

    REJECT("input over --max-input (10 MiB + 1)", build_oversize, NULL,
           "10485760|too large|too big|max-input|size"),

    /* not a report at all */
    REJECT("empty input", build_literal, "", "empty|" NOT_INPUT),
    REJECT("whitespace only", build_literal, " \r\n\t\r\n",
           "empty|json|" NOT_INPUT),
    REJECT("a BOM only", build_literal, "\xef\xbb\xbf",
           "empty|json|" NOT_INPUT),
    REJECT("a lone {", build_literal, "{", "json"),
    REJECT("a JSON array", build_literal, "[{\"organization-name\":\"x\"}]",
           "object"),
    REJECT("a JSON string", build_literal, "\"report\"", "object|" NOT_INPUT),
    REJECT("binary noise", build_literal, "\x89PNG\r\n\x1a\n\x01\x02",
           NOT_INPUT),
    REJECT("a report followed by garbage", build_valid_then, " garbage",
           "json|garbage|trailing|end"),
    REJECT("two reports back to back", build_valid_then,
           "{\"organization-name\":\"x\"}", "json|garbage|trailing|end"),
    REJECT("end-datetime before start-datetime", build_range,
           "\"start-datetime\":\"2026-01-02T00:00:00Z\","
           "\"end-datetime\":\"2026-01-01T00:00:00Z\"",
           "end-datetime before start-datetime"),
    REJECT("start-datetime unreadable", build_range,
           "\"start-datetime\":\"yesterday\","
           "\"end-datetime\":\"2026-01-01T00:00:00Z\"",
           "start-datetime"),
    REJECT("date-range empty", build_range, "", "datetime|date-range"),
    REJECT("organization-name empty", build_org, "", "organization-name"),
    REJECT_FIELD("failure detail without result-type", build_details,
                 "[{\"failed-session-count\":1}]", "result-type",
                 "failure-details[0]"),
    REJECT_FIELD("failure detail without failed-session-count", build_details,
                 "[{\"result-type\":\"x\"}]", "failed-session-count",
                 "failure-details[0]"),

    /* mail */
    REJECT("a message without a report part", build_literal,
           "From: someone@hostile.example\r\nSubject: hi\r\n\r\nhello\r\n",
           "no report"),
    REJECT("a message with 65 report parts", build_mail_parts, "65",
           "64|report parts|limit|too many"),
    REJECT("a message nested 100 multiparts deep", build_mail_deep, "100",
           "depth|nest|deep|limit|mime|no report"),

    /* accepted edge cases */
    ACCEPT("baseline: the valid report", build_valid, NULL, 0, check_valid),
    ACCEPT("baseline: the valid report, gzip", build_gz_then, "", 0,
           check_valid),
    /* Each count may be 2^53, but a report's sessions in all at most
     * 2^40 (LIMIT_REPORT_SESSIONS; issue 15). */
    REJECT("count exactly 2^53", build_success_count, "9007199254740992",
           "policies[0].summary: the report's sessions add up to more than "
           "2^40"),
    ACCEPT("count exactly 2^40", build_success_count, "1099511627776", 0,
           check_2p40),
    ACCEPT("counts as decimal strings", build_summary,
           "{\"total-successful-session-count\":\"12\","
           "\"total-failure-session-count\":\"3\"},\"failure-details\":"
           "[{\"result-type\":\"certificate-expired\","
           "\"failed-session-count\":\"3\"}]",
           1, check_string_counts),
    ACCEPT("a UTF-8 BOM", build_valid_after, "\xef\xbb\xbf", 1, check_valid),
    ACCEPT("whitespace before the JSON", build_valid_after, "\r\n \t", 0,
           check_valid),
    ACCEPT("CRLF line ends", build_valid_crlf, NULL, 0, check_valid),
    ACCEPT("gzip followed by CRLF", build_gz_then, "\r\n", 1, check_valid),
    ACCEPT("two gzip members making one report", build_gz_two_members, NULL, 0,
           check_valid),
    ACCEPT("512 KiB of padding at ~1000:1: below the ratio floor",
           build_gz_padded, "512", 0, check_valid),
    ACCEPT("nesting 64 inside a valid report", build_nest_in_report, "64", 0,
           check_valid),
    ACCEPT("exactly 10000 policies", build_policies, "10000", 0,
           check_10000_policies),
    /* 100,000 failure details parse, but are 10.7 MB of rows, more
     * than a report may take in the database (LIMIT_REPORT_STORED). */
    REJECT("exactly 100000 failure details", build_many_details, "100000",
           "in the database, more than 4096 KiB"),
    ACCEPT("organization-name of 4096 bytes", build_org_len, "4096", 0,
           check_4096_org),
    {.name = "a message with 64 report parts",
     .build = build_mail_parts,
     .arg = "64",
     .want = STORED,
     .noutcomes = LIMIT_REPORTS_PER_MESSAGE},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* ---- Running a case ---- */

/* Whether any '|'-separated alternative of alts is in s, any case. */
static int
has_any(const char *s, const char *alts)
{
	char *copy = strdup(alts), *save = NULL, *tok;
	int found = 0;

	assert_non_null(copy);
	for (tok = strtok_r(copy, "|", &save); tok != NULL && !found;
	     tok = strtok_r(NULL, "|", &save))
		found = strcasestr(s, tok) != NULL;
	free(copy);
	return found;
}

static void
check_reason(const struct hostile_case *c, const char *reason)
{
	if (reason == NULL)
		fail_msg("%s: rejected without a reason", c->name);
	if (c->reason != NULL && !has_any(reason, c->reason))
		fail_msg("%s: reason \"%s\" has none of \"%s\"", c->name,
		         reason, c->reason);
	if (c->field != NULL && strstr(reason, c->field) == NULL)
		fail_msg("%s: reason \"%s\" does not name %s", c->name, reason,
		         c->field);
	if (c->not_reason != NULL && strcasestr(reason, c->not_reason))
		fail_msg("%s: reason \"%s\" has \"%s\"", c->name, reason,
		         c->not_reason);
}

/* What a case holds, freed by run_teardown even when the case fails. */
struct run {
	const struct hostile_case *c;
	struct buf b;
	struct tu_store t;
	struct ingest_input *in;
	sqlite3 *db;
	sqlite3_stmt *stmt;
};

static int
run_setup(void **state)
{
	struct run *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return -1;
	r->c = *state;
	*state = r;
	return 0;
}

static int
run_teardown(void **state)
{
	struct run *r = *state;

	sqlite3_finalize(r->stmt);
	sqlite3_close(r->db);
	ingest_input_free(r->in);
	tu_store_close(&r->t);
	free(r->b.data);
	free(r);
	return 0;
}

/* What the store kept: no quarantine for an accepted input; for a rejected
 * one, one row with the reason and the bytes as received. */
static void
check_quarantine(struct run *r, const char *reason)
{
	const struct hostile_case *c = r->c;
	int64_t n;

	assert_int_equal(
	    sqlite3_open_v2(r->t.path, &r->db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(r->db,
	                                    "SELECT count(*) FROM quarantine",
	                                    -1, &r->stmt, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(r->stmt), SQLITE_ROW);
	n = sqlite3_column_int64(r->stmt, 0);
	sqlite3_finalize(r->stmt);
	r->stmt = NULL;
	if (n != (c->want == REJ ? 1 : 0))
		fail_msg("%s: %lld quarantine rows", c->name, (long long)n);
	if (c->want != REJ)
		return;
	assert_int_equal(sqlite3_prepare_v2(r->db,
	                                    "SELECT reason, bytes, channel"
	                                    " FROM quarantine",
	                                    -1, &r->stmt, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(r->stmt), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(r->stmt, 0),
	                    reason);
	if ((size_t)sqlite3_column_bytes(r->stmt, 1) != r->b.len ||
	    (r->b.len > 0 &&
	     memcmp(sqlite3_column_blob(r->stmt, 1), r->b.data, r->b.len) != 0))
		fail_msg("%s: quarantined %d bytes, not the %zu received",
		         c->name, sqlite3_column_bytes(r->stmt, 1), r->b.len);
	assert_string_equal((const char *)sqlite3_column_text(r->stmt, 2),
	                    "import");
}

static void
check_outcomes(const struct hostile_case *c, struct ingest_input *in)
{
	size_t i, want_n = c->noutcomes ? c->noutcomes : 1;
	const struct ingest_outcome *o;

	if (ingest_noutcomes(in) != want_n)
		fail_msg("%s: %zu outcomes, expected %zu", c->name,
		         ingest_noutcomes(in), want_n);
	for (i = 0; i < want_n; i++) {
		o = ingest_outcome(in, i);
		if (o->status != c->want)
			fail_msg("%s: %s, expected %s (reason: %s)", c->name,
			         ingest_status_name(o->status),
			         ingest_status_name(c->want),
			         o->reason ? o->reason : "(none)");
		if (c->want == REJ) {
			check_reason(c, o->reason);
			assert_null(ingest_report(in, i));
			continue;
		}
		assert_non_null(ingest_report(in, i));
		if (o->nwarnings < c->min_warnings)
			fail_msg("%s: %zu warnings, expected >= %zu", c->name,
			         o->nwarnings, c->min_warnings);
		if (c->check != NULL)
			c->check(ingest_report(in, i));
	}
}

/* One case (state: its row): its input ingested alone into a fresh
 * store. */
static void
test_hostile_case(void **state)
{
	struct run *r = *state;
	const struct hostile_case *c = r->c;
	struct ingest_hints h = {.channel = "import", .source = c->name};
	struct ingest_limits lim;

	buf_add(&r->b, "", 0); /* data non-NULL even for empty input */
	c->build(&r->b, c->arg);
	ingest_limits_default(&lim);
	if (c->max_ratio != 0)
		lim.max_ratio = c->max_ratio;
	tu_store_open(&r->t, 5000);
	r->in = ingest(r->t.st, r->b.data, r->b.len, &h, &lim, NOW);
	assert_non_null(r->in);
	check_outcomes(c, r->in);
	check_quarantine(r, c->want == REJ ? ingest_outcome(r->in, 0)->reason
	                                   : NULL);
}

/* ingest_prepare alone: the same rejections without any store. */
static void
test_hostile_prepare_without_store(void **state)
{
	struct run *r = *state;
	struct ingest_hints h = {.channel = "import"};
	struct ingest_limits lim;
	const char *reason;
	size_t i;

	ingest_limits_default(&lim);
	for (i = 0; i < NCASES; i++) {
		const struct hostile_case *c = &cases[i];

		if (c->want != REJ || c->max_ratio != 0)
			continue;
		r->b.len = 0;
		buf_add(&r->b, "", 0);
		c->build(&r->b, c->arg);
		r->in = ingest_prepare(r->b.data, r->b.len, &h, &lim);
		assert_non_null(r->in);
		assert_int_equal(ingest_noutcomes(r->in), 1);
		assert_int_equal(ingest_outcome(r->in, 0)->status, REJ);
		/* the field named is checked by the case itself */
		reason = ingest_outcome(r->in, 0)->reason;
		if (c->reason != NULL && !has_any(reason, c->reason))
			fail_msg("%s: reason \"%s\" has none of \"%s\"",
			         c->name, reason, c->reason);
		ingest_input_free(r->in);
		r->in = NULL;
	}
}

/* Writes each case's input to DIR/NAME (the fuzzers' seeds); 0 or 1. */
static int
write_inputs(const char *dir)
{
	struct buf b = {0};
	char path[1024], *p;
	size_t i;
	FILE *fp;

	for (i = 0; i < NCASES; i++) {
		b.len = 0;
		buf_add(&b, "", 0);
		cases[i].build(&b, cases[i].arg);
		snprintf(path, sizeof(path), "%s/hostile-", dir);
		p = path + strlen(path);
		snprintf(p, sizeof(path) - (size_t)(p - path), "%s",
		         cases[i].name);
		for (; *p; p++)
			if (*p == '/' || *p == ' ')
				*p = '_';
		if ((fp = fopen(path, "wb")) == NULL ||
		    fwrite(b.data, 1, b.len, fp) != b.len || fclose(fp) != 0) {
			perror(path);
			free(b.data);
			return 1;
		}
	}
	free(b.data);
	printf("%zu inputs written to %s\n", NCASES, dir);
	return 0;
}

/* One cmocka test per case, named after it, then the store-less pass.
 * With --write-inputs DIR, writes the inputs instead. */
int
main(int argc, char **argv)
{
	const struct CMUnitTest without_store = {
	    .name = "ingest_prepare without a store",
	    .test_func = test_hostile_prepare_without_store,
	    .setup_func = run_setup,
	    .teardown_func = run_teardown,
	};
	struct tu_tests l = {0};

	report_init();
	if (argc == 3 && strcmp(argv[1], "--write-inputs") == 0)
		return write_inputs(argv[2]);
	TU_TESTS_ROWS(&l, cases, NCASES, name, test_hostile_case, run_setup,
	              run_teardown);
	tu_tests_add(&l, &without_store, 1);
	return tu_tests_run(&l, "hostile");
}
