/*
 * test_milter_policy.c - the milter's decisions: recipient matching,
 * candidacy from headers, the DKIM verdict, and the reply for each
 * outcome.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "milter_policy.h"

static void
test_rcpt(void **state)
{
	static const char *const wanted[] = {"tls-reports@example.com",
	                                     "<TLSRPT@Other.Example>"};
	static const struct {
		const char *rcpt;
		int match;
	} t[] = {
	    {"tls-reports@example.com", 1},
	    {"<tls-reports@example.com>", 1},
	    {"TLS-Reports@EXAMPLE.COM", 1},
	    {"<tls-reports+google@example.com>", 1},
	    {"tlsrpt@other.example", 1},
	    {"tlsrpt+x+y@other.example", 1},
	    {"tls-reports@example.org", 0},
	    {"tls-report@example.com", 0},
	    {"tls-reports@example.com.evil.example", 0},
	    {"someone@example.com", 0},
	    {"", 0},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (milter_rcpt_matches(t[i].rcpt, wanted, 2) != t[i].match)
			fail_msg("%s: expected %d", t[i].rcpt, t[i].match);
}

static void
test_candidate(void **state)
{
	static const struct {
		const char *ct;
		int report_domain;
		enum milter_candidate want;
	} t[] = {
	    {"multipart/report; report-type=tlsrpt; boundary=x", 0,
	     CANDIDATE_YES},
	    {"multipart/report; boundary=\"x\";\r\n\treport-type=\"TLSRPT\"", 0,
	     CANDIDATE_YES},
	    {"application/tlsrpt+gzip", 0, CANDIDATE_YES},
	    {"Application/TLSRPT+JSON; charset=utf-8", 0, CANDIDATE_YES},
	    {"multipart/mixed; boundary=x", 0, CANDIDATE_MAYBE},
	    {"multipart/report; report-type=delivery-status", 0,
	     CANDIDATE_MAYBE},
	    {"text/plain", 0, CANDIDATE_NO},
	    {"text/plain", 1, CANDIDATE_YES},
	    {NULL, 0, CANDIDATE_NO},
	    {NULL, 1, CANDIDATE_YES},
	    {"application/gzip", 0, CANDIDATE_NO}, /* needs a file name */
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (milter_candidate(t[i].ct, t[i].report_domain) != t[i].want)
			fail_msg("case %zu (%s): expected %d", i,
			         t[i].ct ? t[i].ct : "NULL", t[i].want);
}

static void
test_dkim(void **state)
{
	static const struct {
		const char *ar;
		const char *authserv;
		const char *domain;
		int pass;
		const char *out;
	} t[] = {
	    {"mx.example.com; dkim=pass header.d=google.com header.s=2019",
	     "mx.example.com", "google.com", 1, "pass header.d=google.com"},
	    {"mx.example.com 1; spf=pass; dkim=pass (good) "
	     "header.i=@google.com",
	     "mx.example.com", "google.com", 1, "pass header.d=google.com"},
	    /* Mail.ru signs as corp.mail.ru for the submitter mail.ru. */
	    {"mx.example.com; dkim=pass header.d=corp.mail.ru",
	     "mx.example.com", "mail.ru", 1, "pass header.d=corp.mail.ru"},
	    {"mx.example.com; dkim=pass header.d=evilmail.ru", "mx.example.com",
	     "mail.ru", 0, "pass header.d=evilmail.ru"},
	    {"other.example; dkim=pass header.d=google.com", "mx.example.com",
	     "google.com", 0, "none"},
	    {"mx.example.com; dkim=fail header.d=google.com", "mx.example.com",
	     "google.com", 0, "fail header.d=google.com"},
	    {"mx.example.com; spf=pass smtp.mailfrom=google.com",
	     "mx.example.com", "google.com", 0, "none"},
	    {"any.example; dkim=pass header.d=google.com", NULL, "google.com",
	     1, "pass header.d=google.com"},
	};
	char out[160];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *ar[1] = {t[i].ar};
		int pass = milter_dkim(ar, 1, t[i].authserv, t[i].domain, out,
		                       sizeof(out));

		if (pass != t[i].pass || strcmp(out, t[i].out) != 0)
			fail_msg("case %zu: got %d '%s', expected %d '%s'", i,
			         pass, out, t[i].pass, t[i].out);
	}
}

static void
test_reply(void **state)
{
	static const struct {
		const char *name;
		struct milter_tally t;
		int discard, reject;
		enum milter_action action;
		const char *rcode, *xcode;
		const char *header; /* prefix */
		const char *text;   /* substring */
	} c[] = {
	    {"stored, accept",
	     {1, 0, 0, 0, NULL, "Google", "r1", "a.example", 0},
	     0,
	     0,
	     MILTER_ACCEPT,
	     NULL,
	     NULL,
	     "stored; org=Google; report-id=r1; policy-domain=a.example; "
	     "reports=1",
	     ""},
	    {"duplicate",
	     {0, 1, 0, 0, NULL, "Google", "r1", "a.example", 0},
	     0,
	     0,
	     MILTER_ACCEPT,
	     NULL,
	     NULL,
	     "duplicate; org=Google",
	     ""},
	    {"duplicate, different content",
	     {0, 1, 0, 0, NULL, "Google", "r1", "a.example", 1},
	     0,
	     0,
	     MILTER_ACCEPT,
	     NULL,
	     NULL,
	     "duplicate, different content; org=Google; report-id=r1; "
	     "policy-domain=a.example; reports=1",
	     ""},
	    {"stored, and a duplicate with different content",
	     {1, 1, 0, 0, NULL, "O", "r", "d", 1},
	     0,
	     0,
	     MILTER_ACCEPT,
	     NULL,
	     NULL,
	     "stored; org=O; report-id=r; policy-domain=d; reports=2; some "
	     "duplicates with different content",
	     ""},
	    {"stored, discard",
	     {2, 0, 0, 0, NULL, "O", "r", "d", 0},
	     1,
	     1,
	     MILTER_DISCARD,
	     NULL,
	     NULL,
	     "stored; org=O; report-id=r; "
	     "policy-domain=d; reports=2",
	     ""},
	    {"stored and rejected parts",
	     {1, 0, 1, 0, "bad", "O", "r", "d", 0},
	     0,
	     1,
	     MILTER_ACCEPT,
	     NULL,
	     NULL,
	     "stored; org=O",
	     ""},
	    {"invalid, accept",
	     {0, 0, 1, 0, "no report in the message", NULL, NULL, NULL, 0},
	     0,
	     0,
	     MILTER_ACCEPT,
	     NULL,
	     NULL,
	     "invalid; reason=no report in the message",
	     ""},
	    {"invalid, reject",
	     {0, 0, 1, 0, "gzip: truncated stream", NULL, NULL, NULL, 0},
	     0,
	     1,
	     MILTER_REJECT,
	     "550",
	     "5.6.0",
	     "invalid; reason=gzip",
	     "no valid TLS report: gzip: truncated stream"},
	    {"tempfail wins",
	     {1, 0, 0, 1, "database is locked", "O", "r", "d", 0},
	     0,
	     0,
	     MILTER_TEMPFAIL,
	     "451",
	     "4.3.0",
	     "",
	     "try again later: database is locked"},
	    {"unsafe text",
	     {0, 0, 1, 0, "a;b%c\r\nd", NULL, NULL, NULL, 0},
	     0,
	     1,
	     MILTER_REJECT,
	     "550",
	     "5.6.0",
	     "invalid; reason=a?b?c??d",
	     "a?b?c??d"},
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct milter_options_reply o = {c[i].discard, c[i].reject};
		struct milter_reply r;

		milter_reply_for(&c[i].t, &o, &r);
		if (r.action != c[i].action)
			fail_msg("%s: action %d", c[i].name, r.action);
		if ((c[i].rcode == NULL) != (r.rcode == NULL) ||
		    (c[i].rcode && (strcmp(c[i].rcode, r.rcode) ||
		                    strcmp(c[i].xcode, r.xcode))))
			fail_msg("%s: reply code", c[i].name);
		if (strncmp(r.header, c[i].header, strlen(c[i].header)) != 0 ||
		    (c[i].header[0] == '\0' && r.header[0] != '\0' &&
		     c[i].action != MILTER_ACCEPT))
			fail_msg("%s: header '%s'", c[i].name, r.header);
		if (strstr(r.text, c[i].text) == NULL)
			fail_msg("%s: text '%s'", c[i].name, r.text);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rcpt),
	    cmocka_unit_test(test_candidate),
	    cmocka_unit_test(test_dkim),
	    cmocka_unit_test(test_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
