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
#include <stdlib.h>
#include <string.h>

#include "authres.h"
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

/* Issue 15 §4: each bypass of --require-dkim, and what must still pass. */
static void
test_dkim(void **state)
{
	static const struct {
		const char *name;
		const char *ar[3];
		const char *authserv;
		const char *domain;
		int pass;
		const char *out;
	} t[] = {
	    {"pass",
	     {"mx.example.com; dkim=pass header.d=google.com header.s=2019"},
	     "mx.example.com",
	     "google.com",
	     1,
	     "pass header.d=google.com"},
	    {"version, comment, header.i",
	     {"mx.example.com 1; spf=pass; dkim=pass (good) "
	      "header.i=@google.com"},
	     "mx.example.com",
	     "google.com",
	     1,
	     "pass header.d=google.com"},
	    {"a subdomain signs for its organization",
	     {"mx.example.com; dkim=pass header.d=corp.mail.ru"},
	     "mx.example.com",
	     "mail.ru",
	     1,
	     "pass header.d=corp.mail.ru"},
	    {"the submitter below the signer's organization",
	     {"mx.example.com; dkim=pass header.d=google.com"},
	     "mx.example.com",
	     "mail.google.com",
	     1,
	     "pass header.d=google.com"},
	    {"under a public suffix with two labels",
	     {"mx.example.com; dkim=pass header.d=reports.example.co.uk"},
	     "mx.example.com",
	     "example.co.uk",
	     1,
	     "pass header.d=reports.example.co.uk"},
	    {"another organization",
	     {"mx.example.com; dkim=pass header.d=evilmail.ru"},
	     "mx.example.com",
	     "mail.ru",
	     0,
	     "pass header.d=evilmail.ru"},
	    {"another organization under the same suffix",
	     {"mx.example.com; dkim=pass header.d=evil.co.uk"},
	     "mx.example.com",
	     "example.co.uk",
	     0,
	     "pass header.d=evil.co.uk"},
	    {"no Authentication-Results at all",
	     {NULL},
	     "mx.example.com",
	     "google.com",
	     0,
	     "none"},
	    {"another authserv-id",
	     {"other.example; dkim=pass header.d=google.com"},
	     "mx.example.com",
	     "google.com",
	     0,
	     "none"},
	    {"fail",
	     {"mx.example.com; dkim=fail header.d=google.com"},
	     "mx.example.com",
	     "google.com",
	     0,
	     "fail header.d=google.com"},
	    {"no dkim",
	     {"mx.example.com; spf=pass smtp.mailfrom=google.com"},
	     "mx.example.com",
	     "google.com",
	     0,
	     "none"},
	    {"no authserv-id configured: the topmost",
	     {"any.example; dkim=pass header.d=google.com"},
	     NULL,
	     "google.com",
	     1,
	     "pass header.d=google.com"},
	    /* A: the sender's header below the MTA's own (MTAs prepend). */
	    {"A: a forged pass below the MTA's fail",
	     {"mx.example.com; dkim=fail header.d=reporter.example",
	      "mx.example.com; dkim=pass header.d=reporter.example"},
	     "mx.example.com",
	     "reporter.example",
	     0,
	     "fail header.d=reporter.example"},
	    {"A: another host's header above ours does not hide it",
	     {"relay.example; dkim=pass header.d=reporter.example",
	      "mx.example.com; dkim=fail header.d=reporter.example"},
	     "mx.example.com",
	     "reporter.example",
	     0,
	     "fail header.d=reporter.example"},
	    /* B and C: no submitter domain at all. */
	    {"B, C: an empty submitter",
	     {"mx.example.com; dkim=pass header.d=attacker.example"},
	     "mx.example.com",
	     "",
	     0,
	     "pass header.d=attacker.example"},
	    {"B, C: no submitter",
	     {"mx.example.com; dkim=pass header.d=attacker.example"},
	     "mx.example.com",
	     NULL,
	     0,
	     "pass header.d=attacker.example"},
	    /* D: a single label is not an organization. */
	    {"D: a single-label submitter",
	     {"mx.example.com; dkim=pass header.d=attacker.example"},
	     "mx.example.com",
	     "example",
	     0,
	     "pass header.d=attacker.example"},
	    {"D: a public suffix as the submitter",
	     {"mx.example.com; dkim=pass header.d=attacker.co.uk"},
	     "mx.example.com",
	     "co.uk",
	     0,
	     "pass header.d=attacker.co.uk"},
	    {"D: a signer that is a public suffix",
	     {"mx.example.com; dkim=pass header.d=co.uk"},
	     "mx.example.com",
	     "example.co.uk",
	     0,
	     "pass header.d=co.uk"},
	    /* E: each result keeps its own properties. */
	    {"E: a pass does not borrow the next result's d=",
	     {"mx.example.com; dkim=pass header.i=@attacker; dkim=fail "
	      "header.d=reporter.example"},
	     "mx.example.com",
	     "reporter.example",
	     0,
	     "pass header.d=attacker"},
	    {"E: nor the d= of a comment or a quoted string",
	     {"mx.example.com; dkim=pass (header.d=reporter.example) "
	      "reason=\"header.d=reporter.example\" header.d=attacker.example"},
	     "mx.example.com",
	     "reporter.example",
	     0,
	     "pass header.d=attacker.example"},
	    {"unreadable: nothing in it passes",
	     {"mx.example.com; dkim=pass header.d=reporter.example (open"},
	     "mx.example.com",
	     "reporter.example",
	     0,
	     "none (Authentication-Results: unterminated comment)"},
	    {"a second signature passes",
	     {"mx.example.com; dkim=pass header.d=esp.example; dkim=pass "
	      "header.d=Reporter.Example."},
	     "mx.example.com",
	     "reporter.example",
	     1,
	     "pass header.d=Reporter.Example."},
	};
	char out[160];
	size_t i, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int pass;

		for (n = 0; n < 3 && t[i].ar[n] != NULL; n++)
			;
		pass = milter_dkim(t[i].ar, n, t[i].authserv, t[i].domain, out,
		                   sizeof(out));
		if (pass != t[i].pass || strcmp(out, t[i].out) != 0)
			fail_msg("%s: got %d '%s', expected %d '%s'", t[i].name,
			         pass, out, t[i].pass, t[i].out);
	}
}

static void
test_org_domain(void **state)
{
	static const struct {
		const char *in, *org;
	} t[] = {
	    {"google.com", "google.com"},
	    {"Mail.Google.COM.", "google.com"},
	    {"a.b.example.co.uk", "example.co.uk"},
	    {"example", ""},
	    {"co.uk", ""},
	    {"", ""},
	    {".", ""},
	    {"attacker.example", "attacker.example"},
	};
	char out[256];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = milter_org_domain(t[i].in, out, sizeof(out));

		if (strcmp(out, t[i].org) != 0 ||
		    (rc == 0) != (t[i].org[0] != 0))
			fail_msg("'%s': got %d '%s', expected '%s'", t[i].in,
			         rc, out, t[i].org);
	}
}

/* RFC 8601 §2.2 syntax: what is read, and what is refused. */
static void
test_authres(void **state)
{
	static const struct {
		const char *in;
		int ok;
		const char *id;
		size_t nresults;
		const char *method, *result, *d; /* of the last result */
	} t[] = {
	    {"mx.example.com; none", 1, "mx.example.com", 0, NULL, NULL, NULL},
	    {"  mx.example.com (c) 1 ; dkim = pass header . d = a.example", 1,
	     "mx.example.com", 1, "dkim", "pass", "a.example"},
	    {"\"mx.example.com\"; DKIM/1=PASS header.d=\"a;b\"", 1,
	     "mx.example.com", 1, "dkim", "pass", "a;b"},
	    {"mx; spf=pass smtp.mailfrom=u@a.example;\r\n\tdkim=fail "
	     "reason=\"bad\" header.d=b.example header.b=AbC/+=",
	     1, "mx", 2, "dkim", "fail", "b.example"},
	    {"mx; dkim=pass (a (nested \\) ) comment) header.d=c.example", 1,
	     "mx", 1, "dkim", "pass", "c.example"},
	    {"mx", 0, "mx", 0, NULL, NULL, NULL},
	    {"", 0, "", 0, NULL, NULL, NULL},
	    {"; dkim=pass", 0, "", 0, NULL, NULL, NULL},
	    {"mx; dkim", 0, "mx", 0, NULL, NULL, NULL},
	    {"mx; dkim=pass header.d", 0, "mx", 0, NULL, NULL, NULL},
	    {"mx; dkim=pass header.d=\"open", 0, "mx", 0, NULL, NULL, NULL},
	    {"mx; dkim=pass (((((((((deep)))))))))", 0, "mx", 0, NULL, NULL,
	     NULL},
	    {"mx dkim=pass", 0, "mx", 0, NULL, NULL, NULL},
	    /* Found by fuzz_authres: an empty or NUL-holding quoted value. */
	    {"\"\"; dkim=pass", 0, "", 0, NULL, NULL, NULL},
	    {"\"\\\x01d\"; dkim=pass", 0, "", 0, NULL, NULL, NULL},
	    {"mx; dkim=pass header.d=\"a.example\x7f.b.example\"", 0, "mx", 0,
	     NULL, NULL, NULL},
	};
	struct authres *a = calloc(1, sizeof(*a));
	struct errbuf eb;
	size_t i;

	assert_non_null(a);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct authres_result *r;
		int rc = authres_parse(t[i].in, strlen(t[i].in), a, &eb);

		if ((rc == 0) != t[i].ok || strcmp(a->authserv_id, t[i].id) ||
		    a->nresults != t[i].nresults)
			fail_msg("'%s': rc %d id '%s' n %zu (%s)", t[i].in, rc,
			         a->authserv_id, a->nresults, eb.msg);
		if (t[i].nresults == 0)
			continue;
		r = &a->results[a->nresults - 1];
		if (strcmp(r->method, t[i].method) ||
		    strcmp(r->result, t[i].result) ||
		    strcmp(authres_prop(r, "header.d"), t[i].d))
			fail_msg("'%s': %s=%s d=%s", t[i].in, r->method,
			         r->result, authres_prop(r, "header.d"));
	}
	free(a);
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
	    /* The store's reason names the file and SQLite's error: the
	     * reply says neither (issue 16 §2). */
	    {"tempfail wins, its reason not told",
	     {1, 0, 0, 1,
	      "database /var/lib/tlsrpt/tlsrpt.db: COMMIT: attempt to write a "
	      "readonly database",
	      "O", "r", "d", 0},
	     0,
	     0,
	     MILTER_TEMPFAIL,
	     "451",
	     "4.3.0",
	     "",
	     "TLS report not stored: storage temporarily unavailable, try "
	     "again later"},
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
		if (strstr(r.text, c[i].text) == NULL ||
		    (r.action == MILTER_TEMPFAIL && strcmp(r.text, c[i].text)))
			fail_msg("%s: text '%s'", c[i].name, r.text);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rcpt),    cmocka_unit_test(test_candidate),
	    cmocka_unit_test(test_dkim),    cmocka_unit_test(test_org_domain),
	    cmocka_unit_test(test_authres), cmocka_unit_test(test_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
