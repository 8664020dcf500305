/*
 * test_digest_mime.c - the message `tlsrpt digest` writes, parsed back by
 * GMime: the headers, the two parts and what they decode to.
 *
 * Usage: test_digest_mime TLSRPT
 *
 * The real binary imports three reports into a real SQLite file, then
 * writes the digest of the day 2026-03-03 (--at 2026-03-04). The dataset
 * (all sts, "mode: testing", policy domain c.example):
 *   2026-03-02 "Почта Mail.ru"  ok 500
 *   2026-03-02 Google           ok 990 failed 10: certificate-expired,
 *                               MTA 192.0.2.1, mx1.c.example, 198.51.100.1
 *   2026-03-03 Google           ok 900 failed 100: starttls-not-supported,
 *                               MTA 192.0.2.7, mx2.c.example, 198.51.100.9
 * Worked out by hand: the day has 1000 sessions, 100 failed, 10.00%; the
 * day before 10 of 1500, 0.67%, so the rate rose. All four of the day's
 * failure keys are new. The Cyrillic organization reported the day
 * before and not on the day: silent. Readiness over the 30 days to 03-04
 * has reports on 2 days, short of 7, but 110 of 2500 sessions failed
 * (4.40% > 0.1%) and mx2.c.example is outside "mx: mx1.c.example": a
 * blocker outweighs the thresholds, so "not-ready, add mx2.c.example to
 * the policy's mx: lines". The one daily bar is the highest, so it is
 * full: 40 '#', 240 px.
 *
 * The subject prefix and the organization are not ASCII, so the subject
 * must come back through RFC 2047 and the bodies through quoted-printable
 * as the same UTF-8.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "report.h"

#define PREFIX "[TLS-RPT f\xc3\xbcr c.example]"
#define ORG_RU "\xd0\x9f\xd0\xbe\xd1\x87\xd1\x82\xd0\xb0 Mail.ru"
#define SUBJECT                                                                \
	PREFIX " c.example: add mx2.c.example to the policy's mx: lines; 1 "   \
	       "domain, 10.00% failed, new: starttls-not-supported on "        \
	       "mx2.c.example"

static const char *tlsrpt_bin;

struct fixture {
	char *dir;
	char *raw; /* the message as written */
	size_t len;
	GMimeMessage *msg;
	int warnings; /* GMime's complaints while parsing */
};

static void
write_report(const char *dir, const char *org, const char *id, const char *day,
             long ok, long failed, const char *detail)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/in/%s.json", dir, id);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(
	    fp,
	    "{\"organization-name\":\"%s\",\"date-range\":{"
	    "\"start-datetime\":\"%sT00:00:00Z\",\"end-datetime\":"
	    "\"%sT23:59:59Z\"},\"contact-info\":\"x@y\",\"report-id\":"
	    "\"%s\",\"policies\":[{\"policy\":{\"policy-type\":\"sts\","
	    "\"policy-string\":[\"version: STSv1\",\"mode: testing\","
	    "\"mx: mx1.c.example\",\"max_age: 86400\"],\"policy-domain\":"
	    "\"c.example\"},\"summary\":{\"total-successful-session-count\":"
	    "%ld,\"total-failure-session-count\":%ld}",
	    org, day, day, id, ok, failed);
	if (detail != NULL)
		fprintf(
		    fp,
		    ",\"failure-details\":[{%s,\"failed-session-count\":%ld}]",
		    detail, failed);
	fputs("}]}\n", fp);
	assert_int_equal(fclose(fp), 0);
}

/* Runs cmd and returns its standard output, malloc'd. */
static char *
run(const char *cmd, size_t *len)
{
	FILE *p = popen(cmd, "r");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	assert_non_null(p);
	do {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 65536;
			assert_non_null(buf = realloc(buf, cap + 1));
		}
		got = fread(buf + n, 1, cap - n, p);
		n += got;
	} while (got > 0);
	assert_int_equal(pclose(p), 0);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void
count_warning(gint64 offset, GMimeParserWarning code, const gchar *item,
              gpointer data)
{
	print_message("GMime warning %d at %lld: %s\n", (int)code,
	              (long long)offset, item ? item : "");
	(*(int *)data)++;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char cmd[2048];
	GMimeParserOptions *opts = g_mime_parser_options_new();
	GMimeStream *stream;
	GMimeParser *parser;
	size_t n;

	assert_non_null(f);
	f->dir = tu_tmpdir();
	snprintf(cmd, sizeof(cmd), "mkdir %s/in", f->dir);
	assert_int_equal(system(cmd), 0);
	write_report(f->dir, ORG_RU, "r1", "2026-03-02", 500, 0, NULL);
	write_report(
	    f->dir, "Google", "g1", "2026-03-02", 990, 10,
	    "\"result-type\":\"certificate-expired\","
	    "\"sending-mta-ip\":\"192.0.2.1\",\"receiving-mx-hostname\":"
	    "\"mx1.c.example\",\"receiving-ip\":\"198.51.100.1\"");
	write_report(
	    f->dir, "Google", "g2", "2026-03-03", 900, 100,
	    "\"result-type\":\"starttls-not-supported\","
	    "\"sending-mta-ip\":\"192.0.2.7\",\"receiving-mx-hostname\":"
	    "\"mx2.c.example\",\"receiving-ip\":\"198.51.100.9\"");
	snprintf(cmd, sizeof(cmd), "'%s' --db %s/t.db import -q %s/in",
	         tlsrpt_bin, f->dir, f->dir);
	free(run(cmd, &n));
	snprintf(cmd, sizeof(cmd),
	         "'%s' --db %s/t.db digest --period day --at 2026-03-04 "
	         "--from tlsrpt@example.org --to a@example.org "
	         "--to b@example.org --subject-prefix '" PREFIX "'",
	         tlsrpt_bin, f->dir);
	f->raw = run(cmd, &f->len);

	/* Strict: whatever GMime would have to guess at is a failure. */
	g_mime_parser_options_set_rfc2047_compliance_mode(
	    opts, GMIME_RFC_COMPLIANCE_STRICT);
	g_mime_parser_options_set_address_compliance_mode(
	    opts, GMIME_RFC_COMPLIANCE_STRICT);
	g_mime_parser_options_set_parameter_compliance_mode(
	    opts, GMIME_RFC_COMPLIANCE_STRICT);
	g_mime_parser_options_set_warning_callback(opts, count_warning,
	                                           &f->warnings);
	stream = g_mime_stream_mem_new_with_buffer(f->raw, f->len);
	parser = g_mime_parser_new_with_stream(stream);
	f->msg = g_mime_parser_construct_message(parser, opts);
	g_object_unref(parser);
	g_object_unref(stream);
	g_mime_parser_options_free(opts);
	*state = f;
	return f->msg == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->msg != NULL)
		g_object_unref(f->msg);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f->raw);
	free(f);
	return 0;
}

static const char *
mailbox(InternetAddressList *l, int i)
{
	InternetAddress *a = internet_address_list_get_address(l, i);

	assert_true(INTERNET_ADDRESS_IS_MAILBOX(a));
	return internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
}

static void
test_parsed_cleanly(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(f->warnings, 0);
}

static void
test_headers(void **state)
{
	struct fixture *f = *state;
	GMimeObject *o = GMIME_OBJECT(f->msg);
	InternetAddressList *from = g_mime_message_get_from(f->msg);
	InternetAddressList *to = g_mime_message_get_to(f->msg);
	GDateTime *date = g_mime_message_get_date(f->msg);
	GDateTime *now = g_date_time_new_now_utc();
	const char *id = g_mime_message_get_message_id(f->msg);

	assert_int_equal(internet_address_list_length(from), 1);
	assert_string_equal(mailbox(from, 0), "tlsrpt@example.org");
	assert_int_equal(internet_address_list_length(to), 2);
	assert_string_equal(mailbox(to, 0), "a@example.org");
	assert_string_equal(mailbox(to, 1), "b@example.org");
	/* RFC 2047 decoded back to the UTF-8 it was made from. */
	assert_string_equal(g_mime_message_get_subject(f->msg), SUBJECT);
	/* The Date is when the digest was written: now, give or take. */
	assert_non_null(date);
	assert_true(llabs((long long)g_date_time_difference(now, date)) <
	            3600 * G_TIME_SPAN_SECOND);
	g_date_time_unref(now);
	assert_non_null(id);
	assert_non_null(strchr(id, '@'));
	assert_string_equal(g_mime_object_get_header(o, "MIME-Version"), "1.0");
	assert_string_equal(g_mime_object_get_header(o, "Auto-Submitted"),
	                    "auto-generated");
}

/* Every line of the message is ASCII and at most 76 octets (RFC 2045
 * §6.7 for the bodies; far under RFC 5322's 998 for the headers). */
static void
test_raw_lines(void **state)
{
	struct fixture *f = *state;
	size_t i, col = 0, longest = 0;

	for (i = 0; i < f->len; i++) {
		assert_true((unsigned char)f->raw[i] < 0x80);
		if (f->raw[i] == '\n') {
			longest = col > longest ? col : longest;
			col = 0;
		} else
			col++;
	}
	assert_true(longest > 0 && longest <= 76);
}

/* Decodes a leaf part's content (quoted-printable) into a string. */
static char *
decoded(GMimeObject *o, const char *subtype)
{
	GMimePart *part;
	GMimeStream *out;
	GByteArray *b;
	char *s;

	assert_true(GMIME_IS_PART(o));
	part = GMIME_PART(o);
	assert_true(g_mime_content_type_is_type(
	    g_mime_object_get_content_type(o), "text", subtype));
	assert_string_equal(
	    g_mime_object_get_content_type_parameter(o, "charset"), "utf-8");
	assert_int_equal(g_mime_part_get_content_encoding(part),
	                 GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	out = g_mime_stream_mem_new();
	assert_true(g_mime_data_wrapper_write_to_stream(
	                g_mime_part_get_content(part), out) > 0);
	b = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
	s = strndup((const char *)b->data, b->len);
	g_object_unref(out);
	assert_true(g_utf8_validate(s, -1, NULL));
	return s;
}

static GMimeMultipart *
alternative(struct fixture *f)
{
	GMimeObject *body = g_mime_message_get_mime_part(f->msg);

	assert_true(GMIME_IS_MULTIPART(body));
	assert_true(g_mime_content_type_is_type(
	    g_mime_object_get_content_type(body), "multipart", "alternative"));
	assert_int_equal(g_mime_multipart_get_count(GMIME_MULTIPART(body)), 2);
	return GMIME_MULTIPART(body);
}

static void
test_text_part(void **state)
{
	static const char *const lines[] = {
	    "TLS reports for the day 2026-03-03 (UTC)\n"
	    "1000 sessions, 100 failed (10.00%)\n",
	    "  new result type: starttls-not-supported on mx2.c.example "
	    "(100 failed sessions)\n",
	    "  new receiving MX: mx2.c.example (100 failed sessions)\n",
	    "  new sending MTA: 192.0.2.7 from Google (100 failed sessions)\n",
	    "  new receiving IP: 198.51.100.9 (100 failed sessions)\n",
	    "  failure rate rose: c.example 0.67% -> 10.00%\n",
	    "  c.example: 1000 sessions, 100 failed (10.00%) in the day, mode "
	    "testing\n"
	    "    readiness over the last 30 days: not-ready, add mx2.c.example "
	    "to the policy's mx: lines\n",
	    "       100  192.0.2.7        starttls-not-supported        "
	    "testing\n",
	    "ORGANIZATIONS THAT FELL SILENT\n  " ORG_RU "\n",
	    "    2026-03-03 |########################################| "
	    "10.00%\n",
	};
	struct fixture *f = *state;
	char *text =
	    decoded(g_mime_multipart_get_part(alternative(f), 0), "plain");
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if (strstr(text, lines[i]) == NULL)
			fail_msg("the text part lacks \"%s\":\n%s", lines[i],
			         text);
	}
	/* The old failure is not news. */
	assert_null(strstr(text, "new sending MTA: 192.0.2.1 "));
	assert_null(strstr(text, "certificate-expired on"));
	free(text);
}

/* Whether every element the page opens is closed, in order. */
static int
html_balanced(const char *s, char *why, size_t size)
{
	static const char *const empty[] = {"!DOCTYPE", "meta", "br", "hr"};
	char stack[64][16];
	int depth = 0;

	while ((s = strchr(s, '<')) != NULL) {
		int closing = s[1] == '/', skip = 0;
		size_t n = strcspn(s + 1 + closing, " >"), k;
		char name[16];

		if (n == 0 || n >= sizeof(name))
			return snprintf(why, size, "bad tag at \"%.20s\"", s),
			       0;
		memcpy(name, s + 1 + closing, n);
		name[n] = '\0';
		for (k = 0; k < sizeof(empty) / sizeof(empty[0]); k++)
			skip |= strcmp(name, empty[k]) == 0;
		if (closing && depth == 0) {
			return snprintf(why, size, "</%s> closes nothing",
			                name),
			       0;
		} else if (closing) {
			if (strcmp(stack[--depth], name) != 0)
				return snprintf(why, size, "</%s> closes <%s>",
				                name, stack[depth]),
				       0;
		} else if (!skip) {
			if (depth == 64)
				return snprintf(why, size, "too deep"), 0;
			memcpy(stack[depth++], name, n + 1);
		}
		if ((s = strchr(s, '>')) == NULL)
			return snprintf(why, size, "unterminated tag"), 0;
	}
	if (depth != 0)
		return snprintf(why, size, "<%s> left open", stack[depth - 1]),
		       0;
	return 1;
}

static void
test_html_part(void **state)
{
	static const char *const has[] = {
	    "<h1 style=\"font-size:20px\">TLS reports for the day 2026-03-03 "
	    "(UTC)</h1>",
	    "<li>new result type: <b>starttls-not-supported</b> on "
	    "mx2.c.example (100 failed sessions)</li>",
	    "<li>failure rate rose: <b>c.example</b> 0.67% &rarr; 10.00%</li>",
	    "<b>not-ready</b>, add mx2.c.example to the policy's mx: lines",
	    "<li>" ORG_RU "</li>",
	    "bgcolor=\"#c0392b\" style=\"width:240px;height:12px;"
	    "background:#c0392b\"",
	};
	static const char *const never[] = {"<script", "<svg",  "<img",
	                                    "<style",  "<link", "http:"};
	struct fixture *f = *state;
	char *html =
	    decoded(g_mime_multipart_get_part(alternative(f), 1), "html");
	char why[128];
	size_t i;

	for (i = 0; i < sizeof(has) / sizeof(has[0]); i++)
		if (strstr(html, has[i]) == NULL)
			fail_msg("the HTML part lacks \"%s\"", has[i]);
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		if (strstr(html, never[i]) != NULL)
			fail_msg("the HTML part has \"%s\"", never[i]);
	if (!html_balanced(html, why, sizeof(why)))
		fail_msg("the HTML part is not well-formed: %s", why);
	free(html);
}

/* The checker above must be able to fail. */
static void
test_html_checker(void **state)
{
	char why[128];

	assert_true(html_balanced("<p><b>x</b><br></p>", why, sizeof(why)));
	assert_false(html_balanced("<p><b>x</p></b>", why, sizeof(why)));
	assert_string_equal(why, "</p> closes <b>");
	assert_false(html_balanced("<table><tr><td>", why, sizeof(why)));
	assert_false(html_balanced("<p", why, sizeof(why)));
	assert_false(html_balanced("</p>", why, sizeof(why)));
	assert_string_equal(why, "</p> closes nothing");
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest parsed[] = {
	    cmocka_unit_test(test_parsed_cleanly),
	    cmocka_unit_test(test_headers),
	    cmocka_unit_test(test_raw_lines),
	    cmocka_unit_test(test_text_part),
	    cmocka_unit_test(test_html_part),
	};
	const struct CMUnitTest alone[] = {
	    cmocka_unit_test(test_html_checker),
	};
	int rc;

	report_init();
	if (argc != 2) {
		fprintf(stderr, "usage: test_digest_mime TLSRPT\n");
		return 2;
	}
	tlsrpt_bin = argv[1];
	g_mime_init();
	rc = cmocka_run_group_tests_name("html checker", alone, NULL, NULL);
	rc |= cmocka_run_group_tests_name("digest parsed by GMime", parsed,
	                                  setup, teardown);
	g_mime_shutdown();
	return rc;
}
