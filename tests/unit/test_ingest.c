/*
 * test_ingest.c - the one intake path: content sniffing, messages with
 * several reports, the TLS-Report-Domain hint, quarantine, duplicates (and
 * duplicates with different content), warnings in the outcome, and storage
 * failure as tempfail with nothing kept; the cause beside each reason, and
 * report_only (the milter with no --rcpt) taking only report messages; a
 * verdict asked for only when it is needed (hints.judge); the bytes an
 * input held (ingest_input_held).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "limits.h"
#include "testutil.h"
#include "report.h"

static struct ingest_input *
run(struct tu_store *f, const void *bytes, size_t len)
{
	struct ingest_hints h = {.channel = "test", .source = "unit"};
	struct ingest_input *in = ingest(f->st, bytes, len, &h, NULL, 1000);

	assert_non_null(in);
	return in;
}

static void
expect(struct ingest_input *in, size_t i, enum ingest_status s,
       const char *reason)
{
	const struct ingest_outcome *o = ingest_outcome(in, i);

	assert_non_null(o);
	if (o->status != s)
		fail_msg("outcome %zu: %s (%s), expected %s", i,
		         ingest_status_name(o->status),
		         o->reason ? o->reason : "", ingest_status_name(s));
	if (reason != NULL && (o->reason == NULL || !strstr(o->reason, reason)))
		fail_msg("outcome %zu: reason '%s' lacks '%s'", i,
		         o->reason ? o->reason : "(none)", reason);
}

static void
test_json_gzip_duplicate(void **state)
{
	struct tu_store *f = *state;
	char *json = tu_report_json("Org", "r-1", "a.example", 9, 1);
	size_t zlen;
	unsigned char *z = tu_gzip(json, strlen(json), &zlen);
	struct ingest_input *in;

	in = run(f, z, zlen);
	assert_int_equal(ingest_noutcomes(in), 1);
	expect(in, 0, INGEST_STORED, NULL);
	assert_string_equal(ingest_outcome(in, 0)->organization, "Org");
	assert_string_equal(ingest_outcome(in, 0)->report_id, "r-1");
	assert_string_equal(ingest_outcome(in, 0)->policy_domain, "a.example");
	ingest_input_free(in);
	in = run(f, json, strlen(json));
	expect(in, 0, INGEST_DUPLICATE, NULL);
	/* The JSON as inflated is compared, not the bytes: the same. */
	assert_int_equal(ingest_outcome(in, 0)->different, 0);
	assert_string_equal(ingest_outcome_name(ingest_outcome(in, 0)),
	                    "duplicate");
	ingest_input_free(in);
	assert_int_equal(
	    tu_db_count(f->path, "SELECT count(*) FROM quarantine"), 0);
	/* The gzip bytes as received are what is kept. */
	assert_int_equal(
	    tu_db_count(f->path, "SELECT length(bytes) FROM report_raw"),
	    (long long)zlen);
	free(z);
	free(json);
}

static void
test_rejections_quarantined(void **state)
{
	static const struct {
		const char *bytes;
		const char *reason;
	} t[] = {
	    {"hello world, this is not a report", "not gzip, JSON or a mail"},
	    {"Subject: hi\r\n\r\nno report here\r\n", "no report"},
	    {"{\"organization-name\":1}", "organization-name: not a string"},
	    {"\x1f\x8b\x08\x00", "gzip"},
	};
	struct tu_store *f = *state;
	struct ingest_input *in;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		in = run(f, t[i].bytes, strlen(t[i].bytes));
		assert_int_equal(ingest_noutcomes(in), 1);
		expect(in, 0, INGEST_REJECTED, t[i].reason);
		ingest_input_free(in);
	}
	in = run(f, "", 0);
	expect(in, 0, INGEST_REJECTED, "empty input");
	ingest_input_free(in);
	/* The same bytes again: rejected again, no new row. */
	in = run(f, t[0].bytes, strlen(t[0].bytes));
	expect(in, 0, INGEST_REJECTED, t[0].reason);
	ingest_input_free(in);
	assert_int_equal(
	    tu_db_count(f->path, "SELECT count(*) FROM quarantine"), 5);
	assert_int_equal(tu_db_count(f->path,
	                             "SELECT count FROM quarantine WHERE "
	                             "bytes = CAST('hello world, this is not "
	                             "a report' AS BLOB)"),
	                 2);
	assert_int_equal(tu_db_count(f->path,
	                             "SELECT count(*) FROM quarantine WHERE "
	                             "channel = 'test' AND source = 'unit'"),
	                 5);
}

static void
test_too_large(void **state)
{
	struct tu_store *f = *state;
	struct ingest_limits lim;
	struct ingest_input *in;
	char *json = tu_report_json("Org", "r-big", "a.example", 1, 0);

	ingest_limits_default(&lim);
	lim.max_input = 100;
	in = ingest(f->st, json, strlen(json), NULL, &lim, 5);
	expect(in, 0, INGEST_REJECTED,
	       "too large: over the limit of 100 bytes");
	ingest_input_free(in);
	free(json);
}

/* A message with a valid gzip report, a report with no policy-domain (the
 * TLS-Report-Domain header supplies it) and a broken one: two stored, one
 * rejected and quarantined (the part, not the message). */
static void
test_message_parts(void **state)
{
	struct tu_store *f = *state;
	char *good = tu_report_json("Org", "m-1", "a.example", 3, 0);
	const char *nodomain =
	    "{\"organization-name\":\"Org\",\"report-id\":\"m-2\","
	    "\"date-range\":{\"start-datetime\":\"2026-01-01T00:00:00Z\","
	    "\"end-datetime\":\"2026-01-01T23:59:59Z\"},\"policies\":[{"
	    "\"policy\":{\"policy-type\":\"no-policy-found\"},\"summary\":{"
	    "\"total-successful-session-count\":4,"
	    "\"total-failure-session-count\":0}}]}";
	char *msg = NULL;
	struct ingest_input *in;

	assert_true(
	    asprintf(&msg,
	             "From: reporter@org.example\r\n"
	             "TLS-Report-Domain: Hinted.Example\r\n"
	             "TLS-Report-Submitter: org.example\r\n"
	             "MIME-Version: 1.0\r\n"
	             "Content-Type: multipart/report; report-type=tlsrpt; "
	             "boundary=\"b1\"\r\n\r\n"
	             "--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
	             "--b1\r\nContent-Type: application/tlsrpt+json\r\n\r\n"
	             "%s\r\n"
	             "--b1\r\nContent-Type: application/tlsrpt+json\r\n\r\n"
	             "%s\r\n"
	             "--b1\r\nContent-Type: application/json\r\n"
	             "Content-Disposition: attachment; filename=\"x.json\""
	             "\r\n\r\n{\"broken\":\r\n--b1--\r\n",
	             good, nodomain) > 0);
	in = run(f, msg, strlen(msg));
	assert_int_equal(ingest_noutcomes(in), 3);
	expect(in, 0, INGEST_STORED, NULL);
	expect(in, 1, INGEST_STORED, NULL);
	assert_string_equal(ingest_outcome(in, 1)->policy_domain,
	                    "hinted.example");
	expect(in, 2, INGEST_REJECTED, "attachment x.json: invalid JSON");
	ingest_input_free(in);
	assert_int_equal(
	    tu_db_count(f->path, "SELECT count(*) FROM report WHERE submitter "
	                         "= 'org.example'"),
	    2);
	assert_int_equal(tu_db_count(f->path,
	                             "SELECT count(*) FROM quarantine WHERE "
	                             "CAST(bytes AS TEXT) = '{\"broken\":'"),
	                 1);
	free(msg);
	free(good);
}

/* The outcome's cause, from ingest_prepare() alone: report_only (the
 * milter with no --rcpt) takes only a report message, before the
 * intake's verdict, and says "not taken" of anything else. */
static void
test_causes(void **state)
{
	static const char report_msg[] =
	    "From: r@org.example\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=tlsrpt; "
	    "boundary=\"b\"\r\n\r\n--b\r\n"
	    "Content-Type: application/tlsrpt+json\r\n\r\n{}\r\n--b--\r\n";
	static const char mixed_json[] =
	    "From: r@org.example\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
	    "Content-Type: application/json\r\nContent-Disposition: "
	    "attachment; filename=\"x.json\"\r\n\r\n{}\r\n--b--\r\n";
	static const char plain[] = "Subject: hi\r\n\r\nno report\r\n";
	static const struct {
		const char *name, *bytes;
		int report_only;
		const char *reject;
		enum ingest_cause reject_cause;
		enum ingest_cause cause;
		const char *reason;
	} t[] = {
	    {"not a format", "hello", 0, NULL, 0, INGEST_CAUSE_FORMAT,
	     "not gzip"},
	    {"empty", "", 0, NULL, 0, INGEST_CAUSE_EMPTY, "empty input"},
	    {"message, no report", plain, 0, NULL, 0, INGEST_CAUSE_NO_REPORT,
	     "no report in the message"},
	    {"invalid report", "{\"a\":", 0, NULL, 0, INGEST_CAUSE_INVALID,
	     "invalid JSON"},
	    {"verdict", "{}", 0, "judged", 0, INGEST_CAUSE_VERDICT, "judged"},
	    {"dkim", "{}", 0, INGEST_REASON_DKIM " from x", INGEST_CAUSE_DKIM,
	     INGEST_CAUSE_DKIM, INGEST_REASON_DKIM},
	    {"too large", "{\"0123456789\":1}", 0, NULL, 0,
	     INGEST_CAUSE_TOO_LARGE, "too large: over the limit of 8 bytes"},
	    {"report_only, plain", plain, 1, NULL, 0, INGEST_CAUSE_NOT_TAKEN,
	     NULL},
	    {"report_only, bare JSON", "{}", 1, NULL, 0, INGEST_CAUSE_NOT_TAKEN,
	     NULL},
	    {"report_only, a .json attachment alone", mixed_json, 1, NULL, 0,
	     INGEST_CAUSE_NOT_TAKEN, NULL},
	    {"report_only, not taken before the verdict", plain, 1, "judged",
	     INGEST_CAUSE_DKIM, INGEST_CAUSE_NOT_TAKEN, NULL},
	    {"report_only, report message, verdict", report_msg, 1,
	     INGEST_REASON_DKIM, INGEST_CAUSE_DKIM, INGEST_CAUSE_DKIM,
	     INGEST_REASON_DKIM},
	    {"report_only, report message parsed", report_msg, 1, NULL, 0,
	     INGEST_CAUSE_INVALID, "attachment application/tlsrpt+json"},
	};
	struct ingest_limits lim;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ingest_hints h = {.reject = t[i].reject,
		                         .reject_cause = t[i].reject_cause,
		                         .report_only = t[i].report_only};
		struct ingest_input *in;
		const struct ingest_outcome *o;

		ingest_limits_default(&lim);
		if (t[i].cause == INGEST_CAUSE_TOO_LARGE)
			lim.max_input = 8;
		in = ingest_prepare(t[i].bytes, strlen(t[i].bytes), &h, &lim);
		assert_non_null(in);
		assert_int_equal(ingest_noutcomes(in), 1);
		o = ingest_outcome(in, 0);
		if (o->status != INGEST_REJECTED || o->cause != t[i].cause)
			fail_msg("%s: cause %d, expected %d (%s)", t[i].name,
			         o->cause, t[i].cause,
			         o->reason ? o->reason : "");
		if (t[i].reason != NULL && !strstr(o->reason, t[i].reason))
			fail_msg("%s: reason '%s' lacks '%s'", t[i].name,
			         o->reason, t[i].reason);
		ingest_input_free(in);
	}
}

/* A judge (ingest_hints.judge) that counts how often it is asked. */
struct judge {
	int asked;
	int rejects; /* says no passing DKIM */
};

static void
judge(void *arg, struct ingest_hints *h)
{
	struct judge *j = arg;

	j->asked++;
	h->dkim = "pass header.d=org.example";
	if (j->rejects) {
		h->reject = INGEST_REASON_DKIM " from org.example (none)";
		h->reject_cause = INGEST_CAUSE_DKIM;
	}
}

/* The verdict is asked for only when it is needed: with report_only once
 * the input is a report message (someone's mail is never judged), else
 * before anything is parsed; its DKIM result is stored with the report. */
static void
test_judge(void **state)
{
	struct tu_store *f = *state;
	static const char plain[] = "Subject: hi\r\n\r\nno report\r\n";
	static const char mixed_json[] =
	    "From: r@org.example\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
	    "Content-Type: application/json\r\nContent-Disposition: "
	    "attachment; filename=\"x.json\"\r\n\r\n{}\r\n--b--\r\n";
	char *json[3], *msg[2];
	struct {
		const char *name, *bytes;
		int report_only, rejects, asked;
		enum ingest_cause cause; /* NONE: stored */
		const char *report_id;   /* stored: with the judge's DKIM */
	} t[] = {
	    {"report_only, someone's mail: not judged", plain, 1, 1, 0,
	     INGEST_CAUSE_NOT_TAKEN, NULL},
	    {"report_only, a .json attachment alone: not judged", mixed_json, 1,
	     1, 0, INGEST_CAUSE_NOT_TAKEN, NULL},
	    {"report_only, a report message: judged, stored", NULL, 1, 0, 1,
	     INGEST_CAUSE_NONE, "j-1"},
	    {"report_only, a report message: judged, rejected", NULL, 1, 1, 1,
	     INGEST_CAUSE_DKIM, NULL},
	    {"judged before the parse", "hello", 0, 1, 1, INGEST_CAUSE_DKIM,
	     NULL},
	    {"a bare report: judged, stored", NULL, 0, 0, 1, INGEST_CAUSE_NONE,
	     "j-3"},
	};
	size_t i;

	for (i = 0; i < 3; i++) {
		char id[8];

		snprintf(id, sizeof(id), "j-%zu", i + 1);
		json[i] = tu_report_json("Org", id, "a.example", 1, 0);
	}
	for (i = 0; i < 2; i++)
		assert_true(asprintf(&msg[i],
		                     "From: r@org.example\r\nMIME-Version: "
		                     "1.0\r\nContent-Type: multipart/report; "
		                     "report-type=tlsrpt; boundary=\"b\"\r\n"
		                     "\r\n--b\r\nContent-Type: "
		                     "application/tlsrpt+json\r\n\r\n%s\r\n"
		                     "--b--\r\n",
		                     json[i]) > 0);
	t[2].bytes = msg[0];
	t[3].bytes = msg[1];
	t[5].bytes = json[2];
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct judge j = {0, t[i].rejects};
		struct ingest_hints h = {.report_only = t[i].report_only,
		                         .judge = judge,
		                         .judge_arg = &j};
		struct ingest_input *in;
		const struct ingest_outcome *o;
		char sql[160];

		in = ingest_prepare(t[i].bytes, strlen(t[i].bytes), &h, NULL);
		assert_non_null(in);
		if (j.asked != t[i].asked)
			fail_msg("%s: judge asked %d times, expected %d",
			         t[i].name, j.asked, t[i].asked);
		o = ingest_outcome(in, 0);
		if (t[i].cause == INGEST_CAUSE_NONE) {
			assert_int_equal(ingest_commit(f->st, in, 7, NULL), 0);
			expect(in, 0, INGEST_STORED, NULL);
			snprintf(
			    sql, sizeof(sql),
			    "SELECT count(*) FROM report WHERE report_id = "
			    "'%s' AND dkim = 'pass header.d=org.example'",
			    t[i].report_id);
			if (tu_db_count(f->path, sql) != 1)
				fail_msg("%s: not stored with its DKIM",
				         t[i].name);
		} else if (o->status != INGEST_REJECTED ||
		           o->cause != t[i].cause) {
			fail_msg("%s: cause %d, expected %d", t[i].name,
			         o->cause, t[i].cause);
		}
		ingest_input_free(in);
	}
	for (i = 0; i < 3; i++)
		free(json[i]);
	for (i = 0; i < 2; i++)
		free(msg[i]);
}

/* What an input held: the bytes given, the copy kept, each report as
 * inflated, a failed inflate at max_report. */
static void
test_held(void **state)
{
	char *json = tu_report_json("Org", "h-1", "a.example", 1, 0);
	size_t jlen = strlen(json), zlen;
	unsigned char *z = tu_gzip(json, jlen, &zlen);
	struct ingest_limits lim;
	struct {
		const char *name;
		const void *bytes;
		size_t len, held;
	} t[] = {
	    {"JSON: given and copied", json, jlen, 2 * jlen},
	    {"gzip: and inflated", z, zlen, 2 * zlen + jlen},
	    {"gzip that fails: at max_report", "\x1f\x8b\x08\x00", 4,
	     8 + LIMIT_REPORT_SIZE},
	};
	size_t i;

	(void)state;
	ingest_limits_default(&lim);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ingest_input *in =
		    ingest_prepare(t[i].bytes, t[i].len, NULL, &lim);

		assert_non_null(in);
		if (ingest_input_held(in) != t[i].held)
			fail_msg("%s: held %zu, expected %zu", t[i].name,
			         ingest_input_held(in), t[i].held);
		ingest_input_free(in);
	}
	free(z);
	free(json);
}

/* What `tlsrpt quarantine retry` reads back from a quarantined reason. */
static void
test_reason_cause(void **state)
{
	static const struct {
		const char *reason;
		enum ingest_cause cause;
	} t[] = {
	    {INGEST_REASON_DKIM " from org.example (none)", INGEST_CAUSE_DKIM},
	    {"too large: over the limit of 100 bytes", INGEST_CAUSE_TOO_LARGE},
	    {"decompressed total over 5 bytes", INGEST_CAUSE_TOTAL},
	    {"message too large: 9 bytes", INGEST_CAUSE_INVALID},
	    {"invalid JSON", INGEST_CAUSE_INVALID},
	    {"", INGEST_CAUSE_INVALID},
	    {NULL, INGEST_CAUSE_NONE},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (ingest_reason_cause(t[i].reason) != t[i].cause)
			fail_msg("'%s': cause %d, expected %d",
			         t[i].reason ? t[i].reason : "(null)",
			         ingest_reason_cause(t[i].reason), t[i].cause);
}

/* The same (organization, report-id) with other content (9 failed
 * sessions instead of 1), gzip-compressed: a duplicate, said to differ,
 * whose bytes are quarantined naming the stored report (key 1); sent once
 * more, the same quarantine row counts 2. Nothing of it is stored as a
 * report. */
static void
test_duplicate_different_content(void **state)
{
	struct tu_store *f = *state;
	char *first = tu_report_json("Org", "d-1", "a.example", 9, 1);
	char *second = tu_report_json("Org", "d-1", "a.example", 9, 9);
	size_t zlen;
	unsigned char *z = tu_gzip(second, strlen(second), &zlen);
	const struct ingest_outcome *o;
	struct ingest_input *in;
	int k;

	in = run(f, first, strlen(first));
	expect(in, 0, INGEST_STORED, NULL);
	assert_int_equal(ingest_outcome(in, 0)->key, 1);
	ingest_input_free(in);
	for (k = 0; k < 2; k++) {
		in = run(f, z, zlen);
		expect(in, 0, INGEST_DUPLICATE,
		       "duplicate, different content: organization Org "
		       "report-id d-1 (stored as report 1)");
		o = ingest_outcome(in, 0);
		assert_int_equal(o->different, 1);
		assert_int_equal(o->key, 1);
		assert_string_equal(ingest_outcome_name(o),
		                    "duplicate, different content");
		ingest_input_free(in);
	}
	assert_int_equal(tu_db_count(f->path, "SELECT count(*) FROM report"),
	                 1);
	assert_int_equal(tu_db_count(f->path, "SELECT sum(failed_sessions) "
	                                      "FROM policy"),
	                 1);
	assert_int_equal(
	    tu_db_count(f->path, "SELECT count(*) FROM quarantine"), 1);
	assert_int_equal(tu_db_count(f->path,
	                             "SELECT count FROM quarantine WHERE "
	                             "length(bytes) = (SELECT length(bytes) "
	                             "FROM quarantine) AND substr(bytes, 1, "
	                             "2) = x'1f8b' AND reason LIKE "
	                             "'duplicate, different content: %'"),
	                 2);
	free(z);
	free(first);
	free(second);
}

/* A report's warnings reach the outcome as text, one a line, and stay
 * there after ingest_input_compact() drops the report (tlsrpt import -v
 * prints them after the batch commits). */
static void
test_warnings_text(void **state)
{
	static const char json[] =
	    "{\"organization-name\":\"W\",\"date-range\":{"
	    "\"start-datetime\":\"2026-03-01T00:00:00Z\","
	    "\"end-datetime\":\"2026-03-01T23:59:59Z\"},"
	    "\"contact-info\":\"tls@w.example\",\"report-id\":\"w-1\","
	    "\"policies\":[{\"policy\":{\"policy-type\":\"sts\","
	    "\"policy-string\":[\"version: STSv1\",\"mode: testing\"],"
	    "\"policy-domain\":\"w.example\",\"mx-host\":\"mx.w.example\"},"
	    "\"summary\":{\"total-successful-session-count\":\"3\","
	    "\"total-failure-session-count\":0}}]}";
	struct tu_store *f = *state;
	struct ingest_input *in;
	const struct ingest_outcome *o;
	struct errbuf eb;

	in = ingest_prepare(json, strlen(json), NULL, NULL);
	assert_non_null(in);
	assert_int_equal(ingest_commit(f->st, in, 7, &eb), 0);
	assert_int_equal(ingest_input_compact(in), 0);
	o = ingest_outcome(in, 0);
	assert_int_equal(o->nwarnings, 2);
	assert_string_equal(o->warnings,
	                    "policies[0].policy.mx-host: a string, not an "
	                    "array\n"
	                    "policies[0].summary.total-successful-session-"
	                    "count: a count sent as a string");
	ingest_input_free(in);
	in = run(f, "{\"x\":", 5);
	assert_null(ingest_outcome(in, 0)->warnings);
	ingest_input_free(in);
}

/* Storage failure: every outcome of the input is tempfail and nothing of
 * it is kept, not even the quarantine rows. */
static void
test_tempfail(void **state)
{
	struct tu_store *f = *state;
	char *json = tu_report_json("Org", "t-1", "a.example", 1, 0);
	struct ingest_input *in;
	struct errbuf eb;

	store_close(f->st);
	tu_db_exec(f->path, "CREATE TRIGGER full BEFORE INSERT ON policy "
	                    "BEGIN SELECT RAISE(ABORT, 'database or disk is "
	                    "full'); END");
	assert_int_equal(store_open(f->path, 0, 1000, &f->st, &eb), 0);
	in = ingest_prepare(json, strlen(json), NULL, NULL);
	expect(in, 0, INGEST_STORED, NULL); /* parsed, not yet stored */
	assert_int_equal(ingest_commit(f->st, in, 7, &eb), -1);
	expect(in, 0, INGEST_TEMPFAIL, "disk is full");
	ingest_input_free(in);
	assert_int_equal(tu_db_count(f->path, "SELECT count(*) FROM report"),
	                 0);
	free(json);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_json_gzip_duplicate,
	                                    tu_store_setup_open,
	                                    tu_store_teardown),
	    cmocka_unit_test_setup_teardown(test_rejections_quarantined,
	                                    tu_store_setup_open,
	                                    tu_store_teardown),
	    cmocka_unit_test_setup_teardown(test_too_large, tu_store_setup_open,
	                                    tu_store_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_message_parts, tu_store_setup_open, tu_store_teardown),
	    cmocka_unit_test_setup_teardown(test_duplicate_different_content,
	                                    tu_store_setup_open,
	                                    tu_store_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_warnings_text, tu_store_setup_open, tu_store_teardown),
	    cmocka_unit_test_setup_teardown(test_tempfail, tu_store_setup_open,
	                                    tu_store_teardown),
	    cmocka_unit_test(test_causes),
	    cmocka_unit_test_setup_teardown(test_judge, tu_store_setup_open,
	                                    tu_store_teardown),
	    cmocka_unit_test(test_held),
	    cmocka_unit_test(test_reason_cause),
	};

	report_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
