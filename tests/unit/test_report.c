/*
 * test_report.c - the report parser against DESIGN.md "Normalization
 * rules": every accepted quirk with its warning, every rejection with its
 * reason, and the normalized values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "testutil.h"

#define RANGE(s, e)                                                            \
	"\"date-range\":{\"start-datetime\":\"" s "\",\"end-datetime\":\"" e   \
	"\"}"
#define DAY RANGE("2026-01-01T00:00:00Z", "2026-01-01T23:59:59Z")
#define HEAD                                                                   \
	"\"organization-name\":\"Org\",\"report-id\":\"r1\","                  \
	"\"contact-info\":\"tls@org.example\"," DAY
#define STS_POLICY(extra)                                                      \
	"\"policy\":{\"policy-type\":\"sts\",\"policy-string\":[\"version: "   \
	"STSv1\",\"mode: testing\",\"mx: mx.example.com\",\"max_age: "         \
	"86400\"],\"policy-domain\":\"example.com\",\"mx-host\":[\"mx."        \
	"example.com\"]" extra "}"
#define SUMMARY(ok, bad)                                                       \
	"\"summary\":{\"total-successful-session-count\":" #ok                 \
	",\"total-failure-session-count\":" #bad "}"
#define CLEAN_POLICY           "{" STS_POLICY("") "," SUMMARY(10, 0) "}"
#define REPORT(head, policies) "{" head ",\"policies\":[" policies "]}"
#define DETAIL(extra)                                                          \
	"{\"result-type\":\"certificate-expired\",\"sending-mta-ip\":"         \
	"\"192.0.2.1\",\"receiving-mx-hostname\":\"mx.example.com\"," extra    \
	"}"
#define FAILING(details)                                                       \
	"{" STS_POLICY("") "," SUMMARY(10, 2) ",\"failure-details\":[" details \
	                                      "]}"

struct parse_case {
	const char *name;
	const char *json;
	int ok;             /* 1: accepted */
	const char *expect; /* a warning (accepted) or the reason (rejected);
	                       "" for an accepted report with no warning */
};

static const struct parse_case cases[] = {
    {"clean", REPORT(HEAD, CLEAN_POLICY), 1, ""},
    {"bom", "\xef\xbb\xbf" REPORT(HEAD, CLEAN_POLICY), 1, "byte order mark"},
    {"leading space", "  \n" REPORT(HEAD, CLEAN_POLICY), 1,
     "whitespace around the JSON"},
    {"trailing lines", REPORT(HEAD, CLEAN_POLICY) "\n\n\n", 1,
     "whitespace around the JSON"},
    {"crlf", "{\r\n" HEAD ",\r\n\"policies\":[" CLEAN_POLICY "]}\r\n", 1,
     "CRLF line ends"},
    {"no zone",
     REPORT("\"organization-name\":\"O\",\"report-id\":\"r\","
            "\"contact-info\":\"c\"," RANGE("2026-01-01T00:00:00",
                                            "2026-01-01T23:59:59"),
            CLEAN_POLICY),
     1, "date-range.start-datetime: no time zone, taken as UTC"},
    {"fraction",
     REPORT("\"organization-name\":\"O\",\"report-id\":\"r\","
            "\"contact-info\":\"c\"," RANGE("2026-01-01T00:00:00.123Z",
                                            "2026-01-01T23:59:59Z"),
            CLEAN_POLICY),
     1, "fractional seconds dropped"},
    {"offset",
     REPORT("\"organization-name\":\"O\",\"report-id\":\"r\","
            "\"contact-info\":\"c\"," RANGE("2026-01-01T02:00:00+02:00",
                                            "2026-01-02T01:59:59+02:00"),
            CLEAN_POLICY),
     1, "numeric offset converted to UTC"},
    {"bare date",
     REPORT("\"organization-name\":\"O\",\"report-id\":\"r\","
            "\"contact-info\":\"c\"," RANGE("2026-01-01", "2026-01-02"),
            CLEAN_POLICY),
     1, "a bare date, taken as 00:00:00 UTC"},
    {"contact null",
     REPORT("\"organization-name\":\"O\",\"report-id\":\"r\","
            "\"contact-info\":null," DAY,
            CLEAN_POLICY),
     1, "contact-info: null"},
    {"contact missing",
     REPORT("\"organization-name\":\"O\",\"report-id\":\"r\"," DAY,
            CLEAN_POLICY),
     1, "contact-info: missing"},
    {"contact number",
     REPORT("\"organization-name\":\"O\",\"report-id\":\"r\","
            "\"contact-info\":5," DAY,
            CLEAN_POLICY),
     1, "contact-info: not a string"},
    {"mx-host string",
     REPORT(HEAD, "{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":"
                  "[\"mode: enforce\"],\"policy-domain\":\"d.example\","
                  "\"mx-host\":\"mx.d.example\"}," SUMMARY(1, 0) "}"),
     1, "policies[0].policy.mx-host: a string, not an array"},
    {"mx-host missing",
     REPORT(HEAD,
            "{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":"
            "[\"mode: enforce\"],\"policy-domain\":\"d.example\"}," SUMMARY(
                1, 0) "}"),
     1, "policies[0].policy.mx-host: missing"},
    {"policy-string missing",
     REPORT(HEAD, "{\"policy\":{\"policy-type\":\"sts\","
                  "\"policy-domain\":\"d.example\",\"mx-host\":[]}," SUMMARY(
                      1, 0) "}"),
     1, "policies[0].policy.policy-string: missing"},
    {"policy-string empty",
     REPORT(HEAD, "{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":"
                  "[],\"policy-domain\":\"d.example\",\"mx-host\":[]}," SUMMARY(
                      1, 0) "}"),
     1, "policies[0].policy.policy-string: empty"},
    {"policy-string nested array",
     REPORT(HEAD, "{\"policy\":{\"policy-type\":\"tlsa\",\"policy-string\":"
                  "[\"[\\\"3 0 1 AB\\\",\\\"3 1 1 CD\\\"]\"],"
                  "\"policy-domain\":\"d.example\"}," SUMMARY(1, 0) "}"),
     1, "a JSON-encoded array in a string, decoded"},
    {"unknown policy-type",
     REPORT(HEAD, "{\"policy\":{\"policy-type\":\"tls\","
                  "\"policy-domain\":\"d.example\"}," SUMMARY(1, 0) "}"),
     1, "policy-type: unknown value \"tls\""},
    {"unknown result-type",
     REPORT(HEAD, "{" STS_POLICY("") "," SUMMARY(
                      1, 3) ",\"failure-"
                            "details\":[{\"result-type\":\"Testing\","
                            "\"failed-session-count\":3}]}"),
     1, "failure-details[0].result-type: unknown value \"Testing\""},
    {"domain from other policy",
     REPORT(HEAD, CLEAN_POLICY
            ",{\"policy\":{\"policy-type\":\"tlsa\"}," SUMMARY(10, 0) "}"),
     1, "policies[1].policy.policy-domain: missing, taken from another"},
    {"domain stored empty",
     REPORT(HEAD, "{\"policy\":{\"policy-type\":\"no-policy-found\"}," SUMMARY(
                      1, 0) "}"),
     1, "policy-domain: missing, stored empty"},
    {"details missing", REPORT(HEAD, "{" STS_POLICY("") "," SUMMARY(10, 2) "}"),
     1, "policies[0].failure-details: missing"},
    {"summary missing", REPORT(HEAD, "{" STS_POLICY("") "}"), 1,
     "policies[0].summary: missing, sessions taken as 0"},
    {"total missing",
     REPORT(HEAD, "{" STS_POLICY("") ",\"summary\":{\"total-successful-"
                                     "session-count\":4}}"),
     1, "summary.total-failure-session-count: missing, taken as 0"},
    {"count as string",
     REPORT(HEAD,
            "{" STS_POLICY(
                "") ",\"summary\":{\"total-successful-"
                    "session-count\":\"12\",\"total-failure-session-count\":"
                    "0}}"),
     1, "total-successful-session-count: a count sent as a string"},
    {"failure-error-code",
     REPORT(HEAD, FAILING(DETAIL("\"failed-session-count\":2,"
                                 "\"failure-error-code\":\"X509_ERR\""))),
     1, "failure-error-code: draft-era key, stored as failure-reason-code"},
    {"details do not add up",
     REPORT(HEAD, FAILING(DETAIL("\"failed-session-count\":3"))), 1,
     "failure details add up to 3, total-failure-session-count is 2"},
    {"not an ip",
     REPORT(HEAD, FAILING("{\"result-type\":\"starttls-not-supported\","
                          "\"sending-mta-ip\":\"x.x.x.x\","
                          "\"failed-session-count\":2}")),
     1, "sending-mta-ip: not an IP address, kept as sent"},
    {"mx prefix leaked",
     REPORT(HEAD, "{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":"
                  "[\"mode: enforce\"],\"policy-domain\":\"d.example\","
                  "\"mx-host\":[\"mx: mx.d.example\"]}," SUMMARY(1, 0) "}"),
     1, "policy line prefix \"mx:\" removed"},

    {"array", "[" REPORT(HEAD, CLEAN_POLICY) "]", 0,
     "report is not a JSON object"},
    {"empty", "  ", 0, "empty report"},
    {"garbage json", "{\"a\":", 0, "invalid JSON"},
    {"duplicate key",
     REPORT("\"organization-name\":\"O\",\"organization-name\":\"P\","
            "\"report-id\":\"r\"," DAY,
            CLEAN_POLICY),
     0, "duplicate"},
    {"org missing", REPORT("\"report-id\":\"r\"," DAY, CLEAN_POLICY), 0,
     "organization-name: missing"},
    {"org empty",
     REPORT("\"organization-name\":\"\",\"report-id\":\"r\"," DAY,
            CLEAN_POLICY),
     0, "organization-name: empty"},
    {"report-id missing",
     REPORT("\"organization-name\":\"O\"," DAY, CLEAN_POLICY), 0,
     "report-id: missing"},
    {"report-id number",
     REPORT("\"organization-name\":\"O\",\"report-id\":7," DAY, CLEAN_POLICY),
     0, "report-id: not a string"},
    {"date-range missing",
     REPORT("\"organization-name\":\"O\",\"report-id\":\"r\"", CLEAN_POLICY), 0,
     "date-range: missing"},
    {"date unreadable",
     REPORT("\"organization-name\":\"O\",\"report-id\":\"r\"," RANGE(
                "April fools", "2026-01-01T00:00:00Z"),
            CLEAN_POLICY),
     0, "date-range.start-datetime: cannot read \"April fools\""},
    {"date impossible",
     REPORT("\"organization-name\":\"O\",\"report-id\":\"r\"," RANGE(
                "2026-02-30T00:00:00Z", "2026-03-01T00:00:00Z"),
            CLEAN_POLICY),
     0, "start-datetime: cannot read"},
    {"end before start",
     REPORT("\"organization-name\":\"O\",\"report-id\":\"r\"," RANGE(
                "2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z"),
            CLEAN_POLICY),
     0, "end-datetime before start-datetime"},
    {"policies missing", "{" HEAD "}", 0, "policies: missing"},
    {"policies object", "{" HEAD ",\"policies\":{}}", 0,
     "policies: not an array"},
    {"policies empty", REPORT(HEAD, ""), 0, "policies: empty"},
    {"policy-type missing",
     REPORT(HEAD, "{\"policy\":{\"policy-domain\":\"d\"}," SUMMARY(1, 0) "}"),
     0, "policies[0].policy.policy-type: missing"},
    {"policy object missing", REPORT(HEAD, "{" SUMMARY(1, 0) "}"), 0,
     "policies[0].policy.policy-type: missing"},
    {"result-type missing",
     REPORT(HEAD, FAILING("{\"failed-session-count\":2}")), 0,
     "policies[0].failure-details[0].result-type: missing"},
    {"failed count missing", REPORT(HEAD, FAILING(DETAIL("\"x\":1"))), 0,
     "policies[0].failure-details[0].failed-session-count: missing"},
    {"negative", REPORT(HEAD, "{" STS_POLICY("") "," SUMMARY(-1, 0) "}"), 0,
     "total-successful-session-count: negative"},
    {"fractional", REPORT(HEAD, "{" STS_POLICY("") "," SUMMARY(1.5, 0) "}"), 0,
     "total-successful-session-count: fractional"},
    {"above 2^53",
     REPORT(HEAD, "{" STS_POLICY("") "," SUMMARY(9007199254740993, 0) "}"), 0,
     "total-successful-session-count: above 2^53"},
    {"exactly 2^53: a count may be, a report's total not (2^40)",
     REPORT(HEAD, "{" STS_POLICY("") "," SUMMARY(9007199254740992, 0) "}"), 0,
     "policies[0].summary: the report's sessions add up to more than 2^40"},
    {"exactly 2^40 in all",
     REPORT(HEAD, "{" STS_POLICY("") "," SUMMARY(1099511627776, 0) "}"), 1, ""},
    {"beyond int64",
     REPORT(HEAD, "{" STS_POLICY("") "," SUMMARY(99999999999999999999, 0) "}"),
     0, "policies[0].summary.total-successful-session-count: above 2^53"},
    {"beyond int64, negative",
     REPORT(HEAD, "{" STS_POLICY("") "," SUMMARY(-99999999999999999999, 0) "}"),
     0, "policies[0].summary.total-successful-session-count: negative"},
    {"duplicate nested key",
     REPORT(HEAD,
            "{" STS_POLICY(
                "") ",\"summary\":{\"total-successful-"
                    "session-count\":1,\"total-successful-session-count\":2}}"),
     0, "duplicate key \"total-successful-session-count\""},
    {"huge real", REPORT(HEAD, "{" STS_POLICY("") "," SUMMARY(1e30, 0) "}"), 0,
     "above 2^53"},
    {"nul escaped",
     REPORT("\"organization-name\":\"O\\u0000\",\"report-id\":\"r\"," DAY,
            CLEAN_POLICY),
     0, "organization-name: a NUL character"},
    {"invalid utf-8",
     REPORT("\"organization-name\":\"O\xc3\x28\",\"report-id\":\"r\"," DAY,
            CLEAN_POLICY),
     0, "invalid UTF-8 at byte"},
    /* Issue 14: keys the RFC does not have are accepted with a warning
     * that names them and their path, and a likely meaning. */
    {"misspelled detail key (SocketLabs)",
     REPORT(HEAD, FAILING("{\"result-type\":\"certificate-expired\","
                          "\"sending-mta-ip\":\"192.0.2.1\","
                          "\"receiving-mx-host-name\":\"mx.example.com\","
                          "\"failed-session-count\":2}")),
     1,
     "policies[0].failure-details[0].receiving-mx-host-name: unknown key, "
     "ignored (meant receiving-mx-hostname?)"},
    {"unknown top-level key", REPORT(HEAD ",\"x-sender\":1", CLEAN_POLICY), 1,
     "x-sender: unknown key, ignored"},
    {"unknown date-range key",
     REPORT("\"organization-name\":\"O\",\"report-id\":\"r\","
            "\"date-range\":{\"start-datetime\":\"2026-01-01T00:00:00Z\","
            "\"end-datetime\":\"2026-01-01T23:59:59Z\",\"zone\":1}",
            CLEAN_POLICY),
     1, "date-range.zone: unknown key, ignored"},
    {"policy key in snake case",
     REPORT(HEAD,
            "{" STS_POLICY(",\"policy_domain\":\"x\"") "," SUMMARY(1, 0) "}"),
     1,
     "policies[0].policy.policy_domain: unknown key, ignored (meant "
     "policy-domain?)"},
    {"unknown summary key",
     REPORT(HEAD, "{" STS_POLICY("") ",\"summary\":{\"total-successful-"
                                     "session-count\":1,\"total\":1}}"),
     1, "policies[0].summary.total: unknown key, ignored"},
    {"unknown policy entry key",
     REPORT(HEAD, "{" STS_POLICY("") "," SUMMARY(1, 0) ",\"note\":\"x\"}"), 1,
     "policies[0].note: unknown key, ignored"},
    /* Microsoft, 2025: no sending-mta-ip; nothing to warn about. */
    {"detail without sending-mta-ip",
     REPORT(HEAD, FAILING("{\"result-type\":\"certificate-expired\","
                          "\"receiving-mx-hostname\":\"mx.example.com\","
                          "\"failed-session-count\":2}")),
     1, ""},
    {"trailing CR in a policy string (Google)",
     REPORT(HEAD, "{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":"
                  "[\"version: STSv1\\r\",\"mode: enforce\\r\"],"
                  "\"policy-domain\":\"example.com\",\"mx-host\":[\"mx."
                  "example.com\"]}," SUMMARY(1, 0) "}"),
     1,
     "policies[0].policy.policy-string: whitespace around an element "
     "trimmed"},
    {"overlong utf-8",
     REPORT("\"organization-name\":\"\xc0\xaf\",\"report-id\":\"r\"," DAY,
            CLEAN_POLICY),
     0, "invalid UTF-8"},
};

static void
test_parse_table(void **state)
{
	size_t i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct parse_case *c = &cases[i];
		struct report_hints h = {NULL};
		struct report *r = NULL;
		struct errbuf eb = {""};
		int ret =
		    report_parse(c->json, strlen(c->json), &h, NULL, &r, &eb);
		int found = 0;

		printf("# %s\n", c->name);
		if (!c->ok) {
			assert_int_equal(ret, -1);
			assert_null(r);
			if (strstr(eb.msg, c->expect) == NULL)
				fail_msg("%s: reason '%s' lacks '%s'", c->name,
				         eb.msg, c->expect);
			continue;
		}
		if (ret != 0)
			fail_msg("%s: rejected: %s", c->name, eb.msg);
		if (c->expect[0] == '\0') {
			if (r->nwarnings != 0)
				fail_msg("%s: unexpected warning '%s'", c->name,
				         r->warnings[0]);
		}
		for (k = 0; k < r->nwarnings; k++)
			found |= strstr(r->warnings[k], c->expect) != NULL;
		if (c->expect[0] != '\0' && !found)
			fail_msg("%s: no warning with '%s' among %zu", c->name,
			         c->expect, r->nwarnings);
		report_free(r);
	}
}

static struct report *
parse_ok(const char *json, const char *report_domain)
{
	struct report_hints h = {report_domain, NULL};
	struct report *r = NULL;
	struct errbuf eb = {""};

	if (report_parse(json, strlen(json), &h, NULL, &r, &eb) != 0)
		fail_msg("rejected: %s", eb.msg);
	return r;
}

/* 2026-01-01T00:00:00Z is 20454 days after the epoch: 1767225600. */
static void
test_times(void **state)
{
	struct report *r = parse_ok(REPORT(HEAD, CLEAN_POLICY), NULL);

	assert_int_equal(r->start_time, 1767225600);
	assert_int_equal(r->end_time, 1767225600 + 86399);
	report_free(r);
	r = parse_ok(
	    REPORT("\"organization-name\":\"O\",\"report-id\":\"r\"," RANGE(
	               "2026-01-01T02:00:00+02:00",
	               "2026-01-01T19:59:59.999-04:00"),
	           CLEAN_POLICY),
	    NULL);
	assert_int_equal(r->start_time, 1767225600);
	assert_int_equal(r->end_time, 1767225600 + 86399);
	report_free(r);
}

static void
test_normalized_values(void **state)
{
	struct report *r = parse_ok(
	    REPORT(
	        HEAD,
	        "{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":"
	        "[\"version: STSv1\",\"mode: ENFORCE\"],\"policy-domain\":"
	        "\"Example.COM.\",\"mx-host\":[\"MX.Example.com.\"]}," SUMMARY(
	            5, 4) ",\"failure-details\":[{\"result-type\":"
	                  "\"starttls-not-supported\",\"sending-mta-ip\":"
	                  "\"2001:DB8:0:0:0:0:0:1\",\"receiving-ip\":\"192.0.2."
	                  "7\","
	                  "\"receiving-mx-hostname\":\"MX2.Example.com.\","
	                  "\"failed-session-count\":\"4\"}]}"),
	    NULL);
	const struct report_policy *p = &r->policies[0];

	assert_string_equal(p->policy_domain, "example.com");
	assert_string_equal(p->policy_mode, "enforce");
	assert_string_equal(p->mx_hosts[0], "mx.example.com");
	assert_int_equal(p->successful_sessions, 5);
	assert_int_equal(p->failed_sessions, 4);
	assert_string_equal(p->failures[0].sending_mta_ip, "2001:db8::1");
	assert_string_equal(p->failures[0].receiving_ip, "192.0.2.7");
	assert_string_equal(p->failures[0].receiving_mx_hostname,
	                    "mx2.example.com");
	assert_int_equal(p->failures[0].failed_sessions, 4);
	report_free(r);
}

/* RFC 8460 §4.4: domains are stored as A-labels, whatever the sender
 * wrote around them (issue 15 §7). where: 'p' policy-domain, 'm' the
 * mx-host pattern, 'r' receiving-mx-hostname; json: the value as it
 * appears in the JSON text; expect: the stored value, NULL when the report
 * is rejected; why: a substring of the warning ("" for none) or reason. */
static const struct domain_case {
	char where;
	const char *json;
	const char *expect;
	const char *why;
} domain_cases[] = {
    {'p', "example.com", "example.com", ""},
    {'p', "Example.COM.", "example.com", ""},
    {'p', " Example.COM\\t", "example.com",
     "policies[0].policy.policy-domain: stored as \"example.com\""},
    {'p',
     "\xef\xbd\x85\xef\xbd\x98\xef\xbd\x81\xef\xbd\x8d\xef\xbd\x90"
     "\xef\xbd\x8c\xef\xbd\x85.com",
     "example.com", "policy-domain: stored as \"example.com\""},
    {'p',
     "\xef\xbd\x85xample\xef\xbc\x8e"
     "com",
     "example.com", "RFC 8460 §4.4"},
    {'p',
     "b\xc3\xbc"
     "cher.example",
     "xn--bcher-kva.example",
     "policy-domain: stored as \"xn--bcher-kva.example\""},
    {'p',
     "B\xc3\x9c"
     "CHER.Example.",
     "xn--bcher-kva.example", "A-labels"},
    {'p',
     "\xc2\xa0"
     "b\xc3\xbc"
     "cher.example\xe3\x80\x80",
     "xn--bcher-kva.example", "A-labels"},
    {'p',
     "\xcc\x81"
     "example.com",
     NULL, "policies[0].policy.policy-domain: not a domain name"},
    {'p',
     "exa_mple.b\xc3\xbc"
     "cher",
     NULL, "policy-domain: not a domain"},
    {'p', "b\xc3\xbc cher.example", NULL, "not a domain name"},
    {'p',
     "x..b\xc3\xbc"
     "cher",
     NULL, "not a domain name"},
    {'p', "\xc3\xbc.xn--zz", NULL, "not a domain name"},
    {'m',
     "*.b\xc3\xbc"
     "cher.example",
     "*.xn--bcher-kva.example", "policies[0].policy.mx-host: stored as"},
    {'m', " MX.Example.com ", "mx.example.com", "mx-host: stored as"},
    {'m', "*.\xcc\x81", NULL, "policies[0].policy.mx-host: not a domain"},
    {'r',
     "mx.b\xc3\xbc"
     "cher.example",
     "mx.xn--bcher-kva.example",
     "policies[0].failure-details[0].receiving-mx-hostname: stored as"},
    {'r', "mx.\xcc\x81x.example", NULL,
     "failure-details[0].receiving-mx-hostname: not a domain name"},
};

static const char *
domain_stored(const struct report *r, char where)
{
	const struct report_policy *p = &r->policies[0];

	if (where == 'p')
		return p->policy_domain;
	if (where == 'm')
		return p->mx_hosts[0];
	return p->failures[0].receiving_mx_hostname;
}

static void
test_domains_a_labels(void **state)
{
	size_t i, k;
	char json[2048];

	(void)state;
	for (i = 0; i < sizeof(domain_cases) / sizeof(domain_cases[0]); i++) {
		const struct domain_case *c = &domain_cases[i];
		const char *pd = c->where == 'p' ? c->json : "example.com";
		const char *mx = c->where == 'm' ? c->json : "mx.example.com";
		const char *rx = c->where == 'r' ? c->json : "mx.example.com";
		struct report_hints h = {NULL};
		struct report *r = NULL;
		struct errbuf eb = {""};
		int found = c->why[0] == '\0', ret;

		snprintf(json, sizeof(json),
		         REPORT(HEAD,
		                "{\"policy\":{\"policy-type\":\"sts\","
		                "\"policy-string\":[\"version: STSv1\","
		                "\"mode: testing\"],\"policy-domain\":"
		                "\"%s\",\"mx-host\":[\"%s\"]}," SUMMARY(
		                    1, 1) ",\"failure-details\":[{\"result-"
		                          "type\":\"certificate-expired\","
		                          "\"receiving-mx-hostname\":\"%s\","
		                          "\"failed-session-count\":1}]}"),
		         pd, mx, rx);
		printf("# %c %s\n", c->where, c->json);
		fflush(stdout);
		ret = report_parse(json, strlen(json), &h, NULL, &r, &eb);
		if (c->expect == NULL) {
			assert_int_equal(ret, -1);
			if (strstr(eb.msg, c->why) == NULL)
				fail_msg("%s: reason '%s' lacks '%s'", c->json,
				         eb.msg, c->why);
			continue;
		}
		if (ret != 0)
			fail_msg("%s: rejected: %s", c->json, eb.msg);
		assert_string_equal(domain_stored(r, c->where), c->expect);
		for (k = 0; k < r->nwarnings; k++) {
			if (c->why[0] == '\0' &&
			    strstr(r->warnings[k], "A-labels") != NULL)
				fail_msg("%s: unexpected warning '%s'", c->json,
				         r->warnings[k]);
			found |= strstr(r->warnings[k], c->why) != NULL;
		}
		if (!found)
			fail_msg("%s: no warning with '%s'", c->json, c->why);
		report_free(r);
	}
}

/* DESIGN.md "policy mode" for each policy type. */
static void
test_modes(void **state)
{
	static const struct {
		const char *policy;
		const char *mode;
	} t[] = {
	    {"{\"policy-type\":\"sts\",\"policy-string\":[\"mode: testing\"]}",
	     "testing"},
	    {"{\"policy-type\":\"sts\",\"policy-string\":[\"mode:none\"]}",
	     "none"},
	    {"{\"policy-type\":\"sts\",\"policy-string\":[\"version: STSv1\"]}",
	     "unknown"},
	    {"{\"policy-type\":\"sts\"}", "unknown"},
	    {"{\"policy-type\":\"tlsa\",\"policy-string\":[\"3 1 1 AA\"]}",
	     "enforce"},
	    {"{\"policy-type\":\"no-policy-found\"}", "none"},
	    {"{\"policy-type\":\"tls\"}", "unknown"},
	};
	char json[1024];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct report *r;

		snprintf(json, sizeof(json),
		         "{" HEAD
		         ",\"policies\":[{\"policy\":%s," SUMMARY(1, 0) "}]}",
		         t[i].policy);
		r = parse_ok(json, "hint.example");
		assert_string_equal(r->policies[0].policy_mode, t[i].mode);
		assert_string_equal(r->policies[0].policy_domain,
		                    "hint.example");
		report_free(r);
	}
}

/* One policy of a counting case: type, domain, sessions. */
#define POL(type, domain, ok, bad)                                             \
	"{\"policy\":{\"policy-type\":\"" type                                 \
	"\",\"policy-domain\":\"" domain "\"}," SUMMARY(ok, bad) "}"

/* DESIGN.md "Counting": which policies of a report count for their
 * domain. counts[i] is policy i's counts_for_domain, worked out by hand:
 * 0 not counted, 1 counted, 2 counted and carrying the report (the first
 * counted policy of its domain). */
static const struct count_case {
	const char *name;
	const char *policies;
	size_t n;
	int counts[4];
} count_cases[] = {
    /* Google, a policy changed during the day: two sts policies are 3
     * and 10 distinct sessions, both count beside no-policy-found (1 + 13
     * sessions in all, not 1 + 10). */
    {"google, two sts and no-policy-found",
     POL("no-policy-found", "g.example", 1, 0) "," POL(
         "sts", "g.example", 0, 3) "," POL("sts", "g.example", 0, 10),
     3,
     {2, 1, 1}},
    /* SocketLabs: two sts policies, 12/0 and 0/2: both count. */
    {"socketlabs, two sts",
     POL("sts", "s.example", 12, 0) "," POL("sts", "s.example", 0, 2),
     2,
     {2, 1}},
    /* Microsoft: tlsa 5 sessions, sts 6: the same sessions, sts stands. */
    {"microsoft, sts larger",
     POL("tlsa", "a.example", 5, 0) "," POL("sts", "a.example", 5, 1),
     2,
     {0, 2}},
    /* ... tlsa 7 (5 + 2 over two policies) against sts 6: tlsa stands. */
    {"microsoft, tlsa group larger",
     POL("tlsa", "a.example", 5, 0) "," POL("sts", "a.example", 5, 1) "," POL(
         "tlsa", "a.example", 2, 0),
     3,
     {2, 0, 1}},
    /* A tie, 2 against 2: tlsa stands (RFC 8461 §2). */
    {"tie goes to tlsa",
     POL("sts", "b.example", 2, 0) "," POL("tlsa", "b.example", 2, 0),
     2,
     {0, 2}},
    /* Each domain is counted apart: c's sts stands, d's tlsa stands. */
    {"two domains",
     POL("sts", "c.example", 9, 0) "," POL("tlsa", "d.example", 1, 0) "," POL(
         "tlsa", "c.example", 1, 0) "," POL("sts", "d.example", 0, 0),
     4,
     {2, 2, 0, 0}},
};

static void
test_counts_for_domain(void **state)
{
	char json[2048];
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(count_cases) / sizeof(count_cases[0]); i++) {
		const struct count_case *c = &count_cases[i];
		struct report *r;

		snprintf(json, sizeof(json), "{" HEAD ",\"policies\":[%s]}",
		         c->policies);
		r = parse_ok(json, NULL);
		assert_int_equal(r->npolicies, c->n);
		for (k = 0; k < c->n; k++)
			if (r->policies[k].counts_for_domain != c->counts[k])
				fail_msg("%s: policy %zu counts %d, expected "
				         "%d",
				         c->name, k,
				         r->policies[k].counts_for_domain,
				         c->counts[k]);
		report_free(r);
	}
}

/* Google echoes a CRLF mta-sts.txt: each element trimmed, the mode read. */
static void
test_policy_string_trimmed(void **state)
{
	struct report *r = parse_ok(
	    REPORT(HEAD,
	           "{\"policy\":{\"policy-type\":\"sts\","
	           "\"policy-string\":[\"version: STSv1\\r\",\" mode: "
	           "enforce\\r\\n\",\"mx: mx.example.com\"],"
	           "\"policy-domain\":\"example.com\"}," SUMMARY(1, 0) "}"),
	    NULL);

	(void)state;
	assert_int_equal(r->policies[0].npolicy_strings, 3);
	assert_string_equal(r->policies[0].policy_strings[0], "version: STSv1");
	assert_string_equal(r->policies[0].policy_strings[1], "mode: enforce");
	assert_string_equal(r->policies[0].policy_strings[2],
	                    "mx: mx.example.com");
	assert_string_equal(r->policies[0].policy_mode, "enforce");
	report_free(r);
}

/* RFC 8460 §5.3 file names give the policy domain of last resort, after
 * another policy's domain and the TLS-Report-Domain header; any other name
 * gives none. expect: the domain stored ("" when none). */
static const struct name_case {
	const char *file_name;
	const char *header;
	const char *expect;
	const char *warning;
} name_cases[] = {
    {"google.com!example.org!1675296000!1675382399.json", NULL, "example.org",
     "taken from the file name"},
    {"/var/spool/r/mx.example!Example.ORG.!1!2!0123abc.json.gz", NULL,
     "example.org", "taken from the file name"},
    {"mail.jsonco.example!x.example!1!2.json", NULL, "x.example",
     "taken from the file name"},
    {"google.com!example.org!1675296000!1675382399.json", "hdr.example",
     "hdr.example", "taken from TLS-Report-Domain"},
    {"google.com!example.org!1675296000!1675382399.eml", NULL, "",
     "stored empty"},
    {"report.json", NULL, "", "stored empty"},
    {"a!b!c!d.json", NULL, "", "stored empty"},
    {"a!!1!2.json", NULL, "", "stored empty"},
    {"a!b!1.json", NULL, "", "stored empty"},
    {"a!b!1!2!3!4.json", NULL, "", "stored empty"},
    {"a!b!1!2.json.zip", NULL, "", "stored empty"},
    {NULL, NULL, "", "stored empty"},
};

static void
test_domain_from_file_name(void **state)
{
	const char *json =
	    REPORT(HEAD, "{\"policy\":{\"policy-type\":"
	                 "\"no-policy-found\"}," SUMMARY(1, 0) "}");
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		const struct name_case *c = &name_cases[i];
		struct report_hints h = {c->header, c->file_name};
		struct report *r = NULL;
		struct errbuf eb = {""};

		assert_int_equal(
		    report_parse(json, strlen(json), &h, NULL, &r, &eb), 0);
		if (strcmp(r->policies[0].policy_domain, c->expect) != 0)
			fail_msg("%s: domain \"%s\", expected \"%s\"",
			         c->file_name ? c->file_name : "(none)",
			         r->policies[0].policy_domain, c->expect);
		assert_non_null(strstr(r->warnings[r->nwarnings - 1],
		                       "policies[0].policy.policy-domain: "
		                       "missing"));
		assert_non_null(
		    strstr(r->warnings[r->nwarnings - 1], c->warning));
		report_free(r);
	}
}

static void
test_nested_tlsa_records(void **state)
{
	struct report *r = parse_ok(
	    REPORT(HEAD, "{\"policy\":{\"policy-type\":\"tlsa\","
	                 "\"policy-string\":[\"[\\\"3 0 1 AB\\\",\\\"3 1 1 "
	                 "CD\\\"]\"],\"policy-domain\":\"d.example\"}," SUMMARY(
	                     1, 0) "}"),
	    NULL);

	assert_int_equal(r->policies[0].npolicy_strings, 2);
	assert_string_equal(r->policies[0].policy_strings[0], "3 0 1 AB");
	assert_string_equal(r->policies[0].policy_strings[1], "3 1 1 CD");
	report_free(r);
}

/* The input is (pointer, length): bytes after len are never read. */
static void
test_not_nul_terminated(void **state)
{
	const char *json = REPORT(HEAD, CLEAN_POLICY);
	size_t n = strlen(json);
	char *copy = malloc(n);
	struct report *r = NULL;
	struct errbuf eb;

	memcpy(copy, json, n);
	assert_int_equal(report_parse(copy, n, NULL, NULL, &r, &eb), 0);
	assert_string_equal(r->organization, "Org");
	report_free(r);
	assert_int_equal(report_parse(copy, n - 1, NULL, NULL, &r, &eb), -1);
	free(copy);
}

static void
test_extra_warnings_first(void **state)
{
	const char *json = REPORT(HEAD, CLEAN_POLICY);
	const char *extra[] = {"whitespace after the gzip stream", NULL};
	struct report *r = NULL;
	struct errbuf eb;

	assert_int_equal(report_parse(json, strlen(json), NULL, extra, &r, &eb),
	                 0);
	assert_int_equal(r->nwarnings, 1);
	assert_string_equal(r->warnings[0], "whitespace after the gzip stream");
	report_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_table),
	    cmocka_unit_test(test_times),
	    cmocka_unit_test(test_normalized_values),
	    cmocka_unit_test(test_domains_a_labels),
	    cmocka_unit_test(test_modes),
	    cmocka_unit_test(test_counts_for_domain),
	    cmocka_unit_test(test_nested_tlsa_records),
	    cmocka_unit_test(test_policy_string_trimmed),
	    cmocka_unit_test(test_domain_from_file_name),
	    cmocka_unit_test(test_not_nul_terminated),
	    cmocka_unit_test(test_extra_warnings_first),
	};

	report_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
