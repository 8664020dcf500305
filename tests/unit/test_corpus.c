/*
 * test_corpus.c - the shared corpus of real reports through ingest().
 *
 * Every file of ../shared/corpus (see its PROVENANCE.md) is ingested twice
 * over: alone into a fresh store, where its own fate is checked (stored or
 * rejected, the reason, how many reports, warnings, and what the parser made
 * of its quirks), and all together into one store in sorted path order,
 * where the duplicates are checked (many files hold the same report) and the
 * per-domain session totals and failure totals are compared with numbers
 * worked out by hand from the JSON (DESIGN.md "Identity", "Counting").
 *
 * The corpus is read in place through tu_read_corpus(); when it is absent
 * every test prints a message and passes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "report.h"
#include "store.h"
#include "testutil.h"

#define NOW 1767225600 /* 2026-01-01T00:00:00Z */

#define STORED INGEST_STORED
#define DUP    INGEST_DUPLICATE
#define REJ    INGEST_REJECTED

/* The Company-X report of RFC 8460 Appendix B, in a dozen files. */
#define RFC_ORG "Company-X"
#define RFC_ID  "5065427c-23d3-47ca-b6e0-946ea0e8c4be"
#define MS_ORG  "Microsoft Corporation"
#define G_ORG   "Google Inc."

typedef void (*corpus_check)(const struct report *r);

struct corpus_case {
	const char *path;         /* relative to the corpus dir */
	enum ingest_status alone; /* ingested alone into a fresh store */
	const char *reason;       /* rejections: substring of the reason */
	size_t noutcomes;         /* reports (or rejections) of the input */
	size_t min_warnings;      /* lower bound on the first report's */
	const char *org;          /* first outcome, when not rejected */
	const char *report_id;
	const char *domain;       /* the first policy's domain */
	enum ingest_status whole; /* in the whole corpus, in table order */
	corpus_check check;       /* what the parser made of it, or NULL */
	const char *warning;      /* a substring of one of its warnings */
};

/* ---- Per-file checks of the parsed report ---- */

static const struct report_policy *
policy_at(const struct report *r, size_t i)
{
	assert_true(r->npolicies > i);
	return &r->policies[i];
}

static void
check_dd_invalid(const struct report *r)
{
	const struct report_policy *p = policy_at(r, 0);

	/* policy-type "tls" kept as sent; no domain anywhere: stored "" */
	assert_string_equal(p->policy_type, "tls");
	assert_string_equal(p->policy_mode, "unknown");
	assert_string_equal(p->policy_domain, "");
	assert_null(r->contact_info);
	assert_int_equal(p->successful_sessions, 90);
	assert_int_equal(p->failed_sessions, 0); /* total missing: 0 */
	assert_int_equal(r->start_time, 1717200000);
	assert_int_equal(r->end_time, 1717286400);
}

static void
check_dd_valid(const struct report *r)
{
	const struct report_policy *p = policy_at(r, 0);

	assert_string_equal(p->policy_domain, "");
	assert_int_equal(p->failed_sessions, 10);
	/* mx-host as one string becomes a one-element list */
	assert_int_equal(p->nmx_hosts, 1);
	assert_string_equal(p->mx_hosts[0], "mx.example.com");
}

/* The RFC 8460 Appendix B example, in any of its copies. */
static void
check_rfc(const struct report *r)
{
	const struct report_policy *p = policy_at(r, 0);

	assert_int_equal(r->npolicies, 1);
	assert_string_equal(r->organization, RFC_ORG);
	assert_int_equal(r->start_time, 1459468800);
	assert_int_equal(r->end_time, 1459555199);
	assert_string_equal(p->policy_type, "sts");
	assert_string_equal(p->policy_mode, "testing");
	assert_string_equal(p->policy_domain, "company-y.example");
	assert_int_equal(p->npolicy_strings, 4);
	assert_int_equal(p->nmx_hosts, 1);
	assert_string_equal(p->mx_hosts[0], "*.mail.company-y.example");
	assert_int_equal(p->successful_sessions, 5326);
	assert_int_equal(p->failed_sessions, 303);
	assert_int_equal(p->counts_for_domain, POLICY_CARRIES);
	assert_int_equal(p->nfailures, 3);
	assert_string_equal(p->failures[0].result_type, "certificate-expired");
	/* RFC 5952: leading zeros dropped */
	assert_string_equal(p->failures[0].sending_mta_ip,
	                    "2001:db8:abcd:12::1");
	assert_int_equal(p->failures[0].failed_sessions, 100);
	assert_string_equal(p->failures[1].receiving_ip, "203.0.113.56");
	assert_int_equal(p->failures[1].failed_sessions, 200);
	assert_string_equal(p->failures[2].result_type, "validation-failure");
	assert_string_equal(p->failures[2].receiving_mx_hostname,
	                    "mx-backup.mail.company-y.example");
	assert_int_equal(p->failures[2].failed_sessions, 3);
	/* failure-reason-code, or the draft's failure-error-code */
	assert_string_equal(p->failures[2].failure_reason_code,
	                    "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED");
}

/* Microsoft's pair: sts first, tlsa second, 2 sessions each: the same
 * sessions, a tie, so tlsa stands for the domain (until issue 14 the first
 * policy stood, here sts; the totals are the same). The TLSA policy-string is
 * one string holding a JSON array: decoded into its elements. */
static void
check_dmarc_microsoft(const struct report *r)
{
	const struct report_policy *sts = policy_at(r, 0);
	const struct report_policy *tlsa = policy_at(r, 1);

	assert_string_equal(sts->policy_mode, "enforce");
	assert_string_equal(tlsa->policy_type, "tlsa");
	assert_string_equal(tlsa->policy_mode, "enforce");
	assert_string_equal(tlsa->policy_domain, "random.net");
	assert_int_equal(tlsa->npolicy_strings, 2);
	assert_string_equal(tlsa->policy_strings[0],
	                    "3 1 1 6007EEE553E85D8DF007A845D19EC343283D4E416E"
	                    "9A33F9EF3040C8B7C285BC");
	assert_int_equal(sts->counts_for_domain, 0);
	assert_int_equal(tlsa->counts_for_domain, POLICY_CARRIES);
}

static void
check_no_contact(const struct report *r)
{
	const struct report_policy *p = policy_at(r, 0);

	assert_null(r->contact_info);      /* "contact-info": null */
	assert_int_equal(p->nfailures, 0); /* "failure-details": [] */
	assert_int_equal(r->end_time - r->start_time, 86400);
}

static void
check_no_policy(const struct report *r)
{
	const struct report_policy *p = policy_at(r, 0);

	assert_string_equal(p->policy_type, "no-policy-found");
	assert_string_equal(p->policy_mode, "none");
	assert_int_equal(p->npolicy_strings, 0);
}

static void
check_no_ip_and_mx(const struct report *r)
{
	const struct report_policy *p = policy_at(r, 0);

	/* sts without a policy string: no mode: line */
	assert_string_equal(p->policy_mode, "unknown");
	assert_int_equal(p->nfailures, 1);
	assert_string_equal(p->failures[0].result_type,
	                    "sts-policy-fetch-error");
	assert_null(p->failures[0].sending_mta_ip);
	assert_int_equal(p->failures[0].failed_sessions, 3);
}

/* gzip member with the FNAME flag set, and the RFC's mangled URI kept. */
static void
check_rpt01(const struct report *r)
{
	check_rfc(r);
	assert_non_null(
	    strstr(policy_at(r, 0)->failures[1].additional_information,
	           "report_info ? id = 5065427 c"));
}

static void
check_rpt02(const struct report *r)
{
	const struct report_policy *p = policy_at(r, 0);

	assert_int_equal(r->start_time, 1577836800);
	assert_int_equal(r->end_time, 1578441599); /* a 7-day range */
	assert_string_equal(p->policy_mode, "enforce");
	/* No mx-host: the patterns come from the policy's "mx:" line. */
	assert_int_equal(p->nmx_hosts, 1);
	assert_string_equal(p->mx_hosts[0], "demo.example.com");
	assert_string_equal(p->failures[0].result_type,
	                    "certificate-host-mismatch");
	assert_string_equal(p->failures[0].receiving_ip, "234.234.234.234");
}

/* Two policies without policy-domain: both "". no-policy-found and an
 * unknown type are not the same sessions: both count (1 + 1), the first
 * carries the report. Until issue 14 only the first counted. */
static void
check_rpt03(const struct report *r)
{
	const struct report_policy *a = policy_at(r, 0);
	const struct report_policy *b = policy_at(r, 1);

	assert_string_equal(a->policy_domain, "");
	assert_string_equal(b->policy_domain, "");
	assert_string_equal(b->policy_type, "invalid-policy-type");
	assert_string_equal(b->policy_mode, "unknown");
	assert_int_equal(a->failed_sessions, 0);
	assert_int_equal(a->counts_for_domain, POLICY_CARRIES);
	assert_int_equal(b->counts_for_domain, POLICY_COUNTS);
}

static void
check_fastmail(const struct report *r)
{
	const struct report_policy *p = policy_at(r, 0);

	assert_string_equal(p->policy_domain, "fastmaildmarc.com");
	assert_int_equal(p->successful_sessions, 343);
	assert_int_equal(p->failed_sessions, 0);
}

/* Microsoft 2023/2024: date-times without a zone, taken as UTC. */
static void
check_mox_microsoft(const struct report *r)
{
	assert_int_equal(r->start_time, 1673308800);
	assert_int_equal(r->end_time, 1673395199);
}

static void
check_mts_microsoft2(const struct report *r)
{
	assert_int_equal(r->start_time, 1711411200);
	assert_int_equal(r->end_time, 1711497599);
}

/* Failure details adding up to 2 against a total of 1: both kept. */
static void
check_parsedmarc_mailru(const struct report *r)
{
	const struct report_policy *p = policy_at(r, 0);

	assert_int_equal(r->end_time, 1708646400);
	assert_int_equal(p->failed_sessions, 1);
	assert_int_equal(p->nfailures, 2);
	assert_int_equal(p->failures[0].failed_sessions, 1);
	assert_int_equal(p->failures[1].failed_sessions, 1);
	assert_string_equal(p->failures[1].failure_reason_code,
	                    "bad https response code: 500");
}

static void
check_smtp_tls(const struct report *r)
{
	const struct report_policy *p = policy_at(r, 0);

	assert_string_equal(p->policy_mode, "testing");
	assert_int_equal(p->successful_sessions, 0);
	assert_int_equal(p->nfailures, 2);
	assert_string_equal(p->failures[0].receiving_mx_hostname,
	                    "example.com");
	assert_string_equal(p->failures[1].sending_mta_ip, "209.85.208.176");
}

/* Hand-edited: unknown result-type, an IP that is not one, 3 > 2. */
static void
check_neztore_edited(const struct report *r)
{
	const struct report_policy *p = policy_at(r, 0);

	assert_int_equal(p->failed_sessions, 2);
	assert_int_equal(p->nfailures, 1);
	assert_string_equal(p->failures[0].result_type, "Testing");
	assert_string_equal(p->failures[0].sending_mta_ip, "x.x.x.x");
	assert_string_equal(p->failures[0].failure_reason_code, "123");
	assert_int_equal(p->failures[0].failed_sessions, 3);
	assert_int_equal(p->npolicy_strings, 5);
}

static void
check_neztore_gz(const struct report *r)
{
	const struct report_policy *p = policy_at(r, 0);

	assert_string_equal(p->policy_domain, "josh.scot");
	assert_int_equal(p->successful_sessions, 2);
	assert_int_equal(p->failed_sessions, 0);
	assert_int_equal(p->nfailures, 0);
}

static void
check_be_report(const struct report *r)
{
	const struct report_policy *p = policy_at(r, 0);

	assert_int_equal(p->successful_sessions, 99);
	assert_int_equal(p->failed_sessions, 102); /* and no details */
	assert_int_equal(p->nfailures, 0);
}

/* The report body is authoritative, not the file name or Subject. */
static void
check_digest_failure(const struct report *r)
{
	const struct report_policy *p = policy_at(r, 0);

	assert_int_equal(r->start_time, 1770508800);
	assert_int_equal(r->end_time, 1770595200);
	assert_int_equal(p->successful_sessions, 4523);
	assert_string_equal(p->failures[0].sending_mta_ip, "192.0.2.1");
}

static void
check_rs_mailru(const struct report *r)
{
	const struct report_policy *p = policy_at(r, 0);

	assert_string_equal(p->policy_domain, "krvtz.net");
	assert_int_equal(p->nfailures, 1);
	assert_non_null(strstr(p->failures[0].failure_reason_code,
	                       "Get \"https://mta-sts.krvtz.net/"));
}

static void
check_rs_microsoft(const struct report *r)
{
	const struct report_policy *tlsa = policy_at(r, 1);

	assert_string_equal(tlsa->policy_type, "tlsa");
	assert_int_equal(tlsa->npolicy_strings, 13);
	assert_string_equal(tlsa->policy_strings[12],
	                    "2 1 1 F1647A5EE3EFAC54C892E930584FE47979B7ACD1C7"
	                    "6C1271BCA1C5076D869888");
	/* 2/0 each: a tie, tlsa stands */
	assert_int_equal(policy_at(r, 0)->counts_for_domain, 0);
	assert_int_equal(tlsa->counts_for_domain, POLICY_CARRIES);
}

/* tlsa first this time: on the 4 = 4 tie, the tlsa policy stands. */
static void
check_sebastka_microsoft(const struct report *r)
{
	const struct report_policy *tlsa = policy_at(r, 0);
	const struct report_policy *sts = policy_at(r, 1);

	assert_string_equal(tlsa->policy_type, "tlsa");
	assert_int_equal(tlsa->npolicy_strings, 1);
	assert_string_equal(sts->policy_mode, "testing");
	assert_int_equal(tlsa->counts_for_domain, POLICY_CARRIES);
	assert_int_equal(sts->counts_for_domain, 0);
}

static void
check_synthetic(const struct report *r)
{
	const struct report_policy *p = policy_at(r, 0);
	const struct report_policy *q = policy_at(r, 1);

	assert_int_equal(p->nfailures, 2);
	assert_string_equal(p->failures[1].receiving_mx_helo,
	                    "mail.example.com");
	assert_string_equal(p->failures[1].failure_reason_code, "421 4.7.0");
	assert_string_equal(p->failures[1].additional_information,
	                    "https://example.net/tlsrpt/details");
	assert_string_equal(q->policy_domain, "example.org");
	/* different domains: both stand for their own */
	assert_int_equal(p->counts_for_domain, POLICY_CARRIES);
	assert_int_equal(q->counts_for_domain, POLICY_CARRIES);
}

/* ---- The table, in strcmp order of the paths ---- */

/*
 * Columns: path, alone, reason, outcomes, min warnings, organization,
 * report-id, first policy's domain, fate in the whole corpus, check, and a
 * field one of its warnings names (a workaround is recorded where it was
 * made).
 *
 * Warning lower bounds count only quirks DESIGN.md lists as warnings that
 * the file plainly has (unknown policy-type or result-type, contact-info
 * missing or null, policy-domain missing, a session total missing, a
 * date-time without a zone (two here), failure-error-code, counts not
 * adding up, an IP that is not one, an sts policy without its
 * policy-string, a JSON array in a policy-string); a missing mx-host, CRLF
 * or whitespace may add more.
 *
 * The whole-corpus column, worked out in this order: the first file of
 * each (organization-name, report-id) is stored, every later one is a
 * duplicate; a rejected file is rejected wherever it comes.
 */
static const struct corpus_case cases[] = {
    /* Example Corp "2024-06-01/2024-06-02": tls type, no policy-domain, no
     * contact-info, no failure total: accepted with warnings, domain "".
     * '-' sorts before '.', so this copy (90/0) is the one stored. */
    {"DomainDetective/tlsrpt-invalid.json", STORED, NULL, 1, 4, "Example Corp",
     "2024-06-01/2024-06-02", "", STORED, check_dd_invalid, "policy-type"},
    {"DomainDetective/tlsrpt.json", STORED, NULL, 1, 2, "Example Corp",
     "2024-06-01/2024-06-02", "", DUP, check_dd_valid, "policy-domain"},
    /* RFC example, CRLF, mx-host string: first copy, stored */
    {"dmarc-report-viewer/a9503386/full-example.json", STORED, NULL, 1, 0,
     RFC_ORG, RFC_ID, "company-y.example", STORED, check_rfc, NULL},
    {"dmarc-report-viewer/a9503386/google.json", STORED, NULL, 1, 0, G_ORG,
     "2025-04-12T00:00:00Z_domain.de", "domain.de", STORED, check_no_policy,
     NULL},
    {"dmarc-report-viewer/google.json", STORED, NULL, 1, 0, G_ORG,
     "2025-05-22T00:00:00Z_foo-bar.io", "foo-bar.io", STORED, NULL, NULL},
    {"dmarc-report-viewer/microsoft.json", STORED, NULL, 1, 1, MS_ORG,
     "133925885310113267+random.net", "random.net", STORED,
     check_dmarc_microsoft, "policy-string"},
    {"dmarc-report-viewer/no-contact.json", STORED, NULL, 1, 1, "server.com",
     "123_456", "server.com", STORED, check_no_contact, "contact-info"},
    {"dmarc-report-viewer/no-policy.json", STORED, NULL, 1, 0, G_ORG,
     "2025-03-27T00:00:00Z_foo-bar.io", "foo-bar.io", STORED, check_no_policy,
     NULL},
    {"dmarc-report-viewer/no_ip_and_mx.json", STORED, NULL, 1, 1, MS_ORG,
     "1234567890+", "xxxxxxxx.xx", STORED, check_no_ip_and_mx, "policy-string"},
    {"dmarc-report-viewer/rfc-example.json", STORED, NULL, 1, 0, RFC_ORG,
     RFC_ID, "company-y.example", DUP, check_rfc, NULL},
    /* gzip with FNAME inside a LF-only RFC 8460 §5.3.1 envelope */
    {"mail-auth/rpt01.eml", STORED, NULL, 1, 0, RFC_ORG, RFC_ID,
     "company-y.example", DUP, check_rpt01, NULL},
    {"mail-auth/rpt01.json", STORED, NULL, 1, 0, RFC_ORG, RFC_ID,
     "company-y.example", DUP, check_rpt01, NULL},
    /* application/tlsrpt, 7bit JSON, no transfer encoding */
    {"mail-auth/rpt02.eml", STORED, NULL, 1, 0, G_ORG,
     "2020-01-01T00:00:00Z_example.com", "example.com", STORED, check_rpt02,
     NULL},
    {"mail-auth/rpt02.json", STORED, NULL, 1, 0, G_ORG,
     "2020-01-01T00:00:00Z_example.com", "example.com", DUP, check_rpt02, NULL},
    /* PROVENANCE calls it negative; under DESIGN.md every quirk here
     * (no policy-domain, no failure total, unknown policy-type) is a
     * warning, so it is stored, with both policies on domain "". */
    {"mail-auth/rpt03.json", STORED, NULL, 1, 3, G_ORG,
     "2019-04-14T00:00:00Z_example.org", "", STORED, check_rpt03,
     "policy-domain"},
    {"mail-tls-rpt/email.eml", STORED, NULL, 1, 0, G_ORG,
     "2020-03-02T00:00:00Z_fastmaildmarc.com", "fastmaildmarc.com", STORED,
     check_fastmail, NULL},
    /* Mail::TLSRPT's output: "mx-host": "", "policy-string": [] */
    {"mail-tls-rpt/expected.json", STORED, NULL, 1, 0, G_ORG,
     "2020-03-02T00:00:00Z_fastmaildmarc.com", "fastmaildmarc.com", DUP,
     check_fastmail, NULL},
    {"mail-tls-rpt/report.json", STORED, NULL, 1, 0, G_ORG,
     "2020-03-02T00:00:00Z_fastmaildmarc.com", "fastmaildmarc.com", DUP,
     check_fastmail, NULL},
    /* base64 text of a gzip file: content decides, and it is neither */
    {"mail-tls-rpt/report.json.gz.b64", REJ, "not gzip, JSON or a mail message",
     1, 0, NULL, NULL, NULL, REJ, NULL, NULL},
    {"mox/example.eml", STORED, NULL, 1, 0, G_ORG,
     "2022-09-15T00:00:00Z_test.xmox.nl", "test.xmox.nl", STORED, NULL, NULL},
    {"mox/microsoft.eml", STORED, NULL, 1, 2, MS_ORG,
     "133198585438131172+test.xmox.nl", "test.xmox.nl", STORED,
     check_mox_microsoft, "start-datetime"},
    {"mta-sts-exporter/google.json", STORED, NULL, 1, 0, G_ORG,
     "2024-02-17T00:00:00Z_example.com", "example.com", STORED, NULL, NULL},
    {"mta-sts-exporter/microsoft-2.json", STORED, NULL, 1, 2, MS_ORG,
     "133561180919336230+example.com", "example.com", STORED,
     check_mts_microsoft2, "end-datetime"},
    {"mta-sts-exporter/microsoft.json", STORED, NULL, 1, 0, MS_ORG,
     "133526718584528772+example.com", "example.com", STORED, NULL, NULL},
    {"mta-sts-exporter/rfc-errata-6241.json", STORED, NULL, 1, 0, RFC_ORG,
     RFC_ID, "company-y.example", DUP, check_rfc, NULL},
    {"mta-sts-exporter/rfc.json", STORED, NULL, 1, 0, RFC_ORG, RFC_ID,
     "company-y.example", DUP, check_rfc, NULL},
    {"parsedmarc/google.com_smtp_tls_report.eml", STORED, NULL, 1, 0, G_ORG,
     "2024-09-03T00:00:00Z_cardinalhealth.ca", "cardinalhealth.ca", STORED,
     check_no_policy, NULL},
    {"parsedmarc/mail.ru.json", STORED, NULL, 1, 1, "Mail.ru",
     "b28254de-7b2e-be36-bb5c-4c3b92da8b25@mail.ru", "example.com", STORED,
     check_parsedmarc_mailru, "total-failure-session-count"},
    {"parsedmarc/rfc8460.json", STORED, NULL, 1, 0, RFC_ORG, RFC_ID,
     "company-y.example", DUP, check_rfc, NULL},
    {"parsedmarc/smtp_tls.json", STORED, NULL, 1, 0, "Example Inc.",
     "2024-01-09T00:00:00Z_example.com", "example.com", STORED, check_smtp_tls,
     NULL},
    /* The edited .json sorts before its .json.gz original: the edited
     * copy (2/2, "Testing" x3) is the one stored. */
    {"tls-rpt-monitor-neztore/microsoft-report.json", STORED, NULL, 1, 3,
     MS_ORG, "133988091029006454+josh.scot", "josh.scot", STORED,
     check_neztore_edited, "sending-mta-ip"},
    {"tls-rpt-monitor-neztore/microsoft-report.json.gz", STORED, NULL, 1, 0,
     MS_ORG, "133988091029006454+josh.scot", "josh.scot", DUP, check_neztore_gz,
     NULL},
    {"tls-rpt-monitor-nixis/tls-rpt.json", STORED, NULL, 1, 0, RFC_ORG, RFC_ID,
     "company-y.example", DUP, check_rfc, NULL},
    {"tls_reporting-ynkdk/date_error.json", REJ, "start-datetime", 1, 0, NULL,
     NULL, NULL, REJ, NULL, NULL},
    /* draft key failure-error-code: a warning, kept as the reason code */
    {"tls_reporting-ynkdk/example.gz", STORED, NULL, 1, 1, RFC_ORG, RFC_ID,
     "company-y.example", DUP, check_rfc, "failure-error-code"},
    {"tls_reporting-ynkdk/example.json", STORED, NULL, 1, 1, RFC_ORG, RFC_ID,
     "company-y.example", DUP, check_rfc, "failure-error-code"},
    {"tls_reporting-ynkdk/missing_required_field.json", REJ, "policy-type", 1,
     0, NULL, NULL, NULL, REJ, NULL, NULL},
    {"tls_reporting-ynkdk/no-policies.json", REJ, "policies", 1, 0, NULL, NULL,
     NULL, REJ, NULL, NULL},
    {"tls_reporting-ynkdk/truncated.gz", REJ, "truncated", 1, 0, NULL, NULL,
     NULL, REJ, NULL, NULL},
    {"tlsrpt-be/report-2.json", STORED, NULL, 1, 0, "Example LLC.",
     "2025-08-04T00:00:00Z_example.org", "example.org", STORED, NULL, NULL},
    /* 102 failed sessions and no failure-details: a warning either way
     * (details missing, or not adding up to the total) */
    {"tlsrpt-be/report.json", STORED, NULL, 1, 1, "Example Inc.",
     "report-id-from-report.json", "xn--gpher-jua.test", STORED,
     check_be_report, "failure-details"},
    {"tlsrpt-be/test.eml", STORED, NULL, 1, 0, RFC_ORG, RFC_ID,
     "company-y.example", DUP, check_rfc, NULL},
    {"tlsrpt-be/testing.json", STORED, NULL, 1, 0, RFC_ORG,
     "report-id-of-report-over-email-1234", "xn--gpher-jua.test", STORED, NULL,
     NULL},
    {"tlsrpt-digest/tlsrpt_failure.eml", STORED, NULL, 1, 0, G_ORG,
     "2026-02-08T00:00:00Z_example.com", "example.com", STORED,
     check_digest_failure, NULL},
    {"tlsrpt-digest/tlsrpt_success_google_1.eml", STORED, NULL, 1, 0, G_ORG,
     "2026-05-11T00:00:00Z_example.com", "example.com", STORED, NULL, NULL},
    {"tlsrpt-digest/tlsrpt_success_google_2.eml", STORED, NULL, 1, 0, G_ORG,
     "2026-05-12T00:00:00Z_example.com", "example.com", STORED, NULL, NULL},
    {"tlsrpt-digest/tlsrpt_success_microsoft.eml", STORED, NULL, 1, 0, MS_ORG,
     "134232617934286362+example.com", "example.com", STORED, NULL, NULL},
    /* cron mail: a message, but no report part */
    {"tlsrpt-rs/empty.eml", REJ, "no report", 1, 0, NULL, NULL, NULL, REJ, NULL,
     NULL},
    {"tlsrpt-rs/google1.eml", STORED, NULL, 1, 0, G_ORG,
     "2024-09-15T00:00:00Z_krvtz.net", "krvtz.net", STORED, NULL, NULL},
    {"tlsrpt-rs/google2.eml", STORED, NULL, 1, 0, G_ORG,
     "2024-09-18T00:00:00Z_krvtz.net", "krvtz.net", STORED, NULL, NULL},
    /* no closing MIME delimiter, an empty trailing part: one report */
    {"tlsrpt-rs/mail.ru.eml", STORED, NULL, 1, 1, "Mail.ru",
     "c96d67df-0440-57f7-6e96-c83824d0fdf2@mail.ru", "krvtz.net", STORED,
     check_rs_mailru, "policy-string"},
    {"tlsrpt-rs/mail.ru.json", STORED, NULL, 1, 1, "Mail.ru",
     "c96d67df-0440-57f7-6e96-c83824d0fdf2@mail.ru", "krvtz.net", DUP,
     check_rs_mailru, "policy-string"},
    {"tlsrpt-rs/microsoft1.eml", STORED, NULL, 1, 1, MS_ORG,
     "133708152202987951+krvtz.net", "krvtz.net", STORED, check_rs_microsoft,
     "policy-string"},
    {"tlsrpt-rs/rfc8460.json", STORED, NULL, 1, 0, RFC_ORG, RFC_ID,
     "company-y.example", DUP, check_rfc, NULL},
    {"tlsrpt-sebastka/google-sts.json", STORED, NULL, 1, 0, G_ORG,
     "2026-08-27T00:00:00Z_karlsen.fr", "karlsen.fr", STORED, NULL, NULL},
    {"tlsrpt-sebastka/microsoft-tlsa-sts.json", STORED, NULL, 1, 1, MS_ORG,
     "134316476496435051+karlsen.fr", "karlsen.fr", STORED,
     check_sebastka_microsoft, "policy-string"},
    {"tlsrpt-sebastka/synthetic-failures.json", STORED, NULL, 1, 0,
     "Example Reporter", "synthetic-1", "example.com", STORED, check_synthetic,
     NULL},
    {"tlsrpt_processor-danmarg/sample.json", STORED, NULL, 1, 1, RFC_ORG,
     RFC_ID, "company-y.example", DUP, check_rfc, "failure-error-code"},
    {"unidentified-repo-id23365687383/"
     "google.com!blogreen.org!1675296000!1675382399.eml",
     STORED, NULL, 1, 0, G_ORG, "2023-02-02T00:00:00Z_blogreen.org",
     "blogreen.org", STORED, NULL, NULL},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* Of the 59 files: 35 stored, 18 duplicates, 6 rejected. Of the
 * duplicates, 17 differ in content from the copy stored first (their JSON
 * as inflated is another text): "duplicate, different content", their
 * bytes quarantined. Most are the RFC 8460 example as each project copied
 * it (its own spacing, mx-host as a string or an array, the errata); also
 * DomainDetective/tlsrpt.json, mail-auth/rpt02.json,
 * mail-tls-rpt/expected.json, tls-rpt-monitor-neztore's Microsoft .json.gz
 * and tlsrpt-rs/mail.ru.json. Only mail-tls-rpt/report.json is the stored
 * copy's text again. Worked out by hashing each file's inflated JSON apart
 * from this program. */
#define WHOLE_STORED     35
#define WHOLE_DUPLICATES 18
#define WHOLE_DIFFERENT  17
#define WHOLE_REJECTED   6

/* ---- Helpers ---- */

struct summary_seen;
struct failure_seen;

/* What a test holds, freed by ctx_teardown even when the test fails. */
struct ctx {
	const struct corpus_case *c; /* the row of a file-alone test */
	struct tu_store t;
	struct ingest_input *in;
	struct summary_seen *s;
	struct failure_seen *f;
};

static struct ingest_input *
ingest_file(struct store *st, const char *rel)
{
	struct ingest_hints h = {.channel = "import", .source = rel};
	struct ingest_limits lim;
	struct ingest_input *in;
	size_t len;
	char *buf = tu_read_corpus(rel, &len);

	if (buf == NULL)
		fail_msg("%s: cannot read the corpus file", rel);
	ingest_limits_default(&lim);
	in = ingest(st, buf, len, &h, &lim, NOW);
	free(buf);
	assert_non_null(in);
	return in;
}

static const char *
str_or(const char *s)
{
	return s ? s : "(null)";
}

static void
check_outcome(const struct corpus_case *c, const struct ingest_outcome *o,
              enum ingest_status want)
{
	if (o->status != want)
		fail_msg("%s: %s, expected %s (reason: %s)", c->path,
		         ingest_status_name(o->status),
		         ingest_status_name(want), str_or(o->reason));
	if (want == REJ) {
		assert_non_null(o->reason);
		if (strstr(o->reason, c->reason) == NULL)
			fail_msg("%s: reason \"%s\" lacks \"%s\"", c->path,
			         o->reason, c->reason);
		return;
	}
	if (o->organization == NULL || strcmp(o->organization, c->org) != 0 ||
	    o->report_id == NULL || strcmp(o->report_id, c->report_id) != 0)
		fail_msg("%s: identity (%s, %s), expected (%s, %s)", c->path,
		         str_or(o->organization), str_or(o->report_id), c->org,
		         c->report_id);
	if (o->policy_domain == NULL ||
	    strcmp(o->policy_domain, c->domain) != 0)
		fail_msg("%s: policy domain \"%s\", expected \"%s\"", c->path,
		         str_or(o->policy_domain), c->domain);
}

static int
has_warning(const struct report *r, const char *needle)
{
	size_t i;

	for (i = 0; i < r->nwarnings; i++)
		if (strstr(r->warnings[i], needle) != NULL)
			return 1;
	return 0;
}

static int
corpus_present(void)
{
	return tu_corpus_dir() != NULL;
}

/* Ingests every file of the table, in table order, into st, checking each
 * outcome against the whole-corpus column (or, on the second pass of a
 * re-import, against "nothing new": stored becomes duplicate). */
static void
ingest_whole(struct ctx *x, int again)
{
	size_t i, n[4] = {0}, different = 0;

	for (i = 0; i < NCASES; i++) {
		const struct corpus_case *c = &cases[i];
		enum ingest_status want = c->whole;

		x->in = ingest_file(x->t.st, c->path);
		if (again && want == STORED)
			want = DUP;
		assert_int_equal(ingest_noutcomes(x->in), c->noutcomes);
		check_outcome(c, ingest_outcome(x->in, 0), want);
		n[want]++;
		different += ingest_outcome(x->in, 0)->different;
		ingest_input_free(x->in);
		x->in = NULL;
	}
	assert_int_equal(n[STORED], again ? 0 : WHOLE_STORED);
	assert_int_equal(n[DUP], again ? WHOLE_STORED + WHOLE_DUPLICATES
	                               : WHOLE_DUPLICATES);
	assert_int_equal(n[REJ], WHOLE_REJECTED);
	assert_int_equal(different, WHOLE_DIFFERENT);
}

/* ---- Tests ---- */

static size_t corpus_nfiles; /* set by note_file during one nftw */

static int
note_file(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	const char *rel = path + strlen(tu_corpus_dir()) + 1;
	size_t i, len = strlen(path);

	(void)sb;
	(void)ftw;
	if (type != FTW_F || (len > 3 && strcmp(path + len - 3, ".md") == 0))
		return 0;
	corpus_nfiles++;
	for (i = 0; i < NCASES; i++)
		if (strcmp(cases[i].path, rel) == 0)
			return 0;
	fail_msg("corpus file %s is not in the table", rel);
	return 0;
}

/* The table names every corpus file, once, in strcmp order. */
static void
test_corpus_table_is_complete(void **state)
{
	size_t i;

	(void)state;
	if (!corpus_present())
		return;
	for (i = 1; i < NCASES; i++)
		if (strcmp(cases[i - 1].path, cases[i].path) >= 0)
			fail_msg("table out of order at %s", cases[i].path);
	corpus_nfiles = 0;
	assert_int_equal(nftw(tu_corpus_dir(), note_file, 16, FTW_PHYS), 0);
	/* every file found is in the table, and the table has no extra row
	 * (rows are distinct, being strictly ordered) */
	assert_int_equal(corpus_nfiles, NCASES);
	assert_int_equal(NCASES,
	                 WHOLE_STORED + WHOLE_DUPLICATES + WHOLE_REJECTED);
}

/* One file alone into a fresh store (state: its row of the table). */
static void
test_corpus_file_alone(void **state)
{
	struct ctx *x = *state;
	const struct corpus_case *c = x->c;
	const struct ingest_outcome *o;
	struct ingest_input *in;

	if (!corpus_present())
		return;
	tu_store_open(&x->t, 5000);
	in = x->in = ingest_file(x->t.st, c->path);
	if (ingest_noutcomes(in) != c->noutcomes)
		fail_msg("%s: %zu outcomes, expected %zu", c->path,
		         ingest_noutcomes(in), c->noutcomes);
	o = ingest_outcome(in, 0);
	check_outcome(c, o, c->alone);
	if (c->alone == STORED) {
		const struct report *r = ingest_report(in, 0);

		assert_non_null(r);
		if (o->nwarnings < c->min_warnings)
			fail_msg("%s: %zu warnings, expected >= %zu", c->path,
			         o->nwarnings, c->min_warnings);
		assert_int_equal(r->nwarnings, o->nwarnings);
		if (c->warning != NULL && !has_warning(r, c->warning))
			fail_msg("%s: no warning mentions %s", c->path,
			         c->warning);
		if (c->check != NULL)
			c->check(r);
	} else {
		assert_null(ingest_report(in, 0));
	}
}

/* The whole corpus into one store: duplicates by hand, then what the
 * store holds. */
static void
test_corpus_whole_outcomes(void **state)
{
	struct ctx *x = *state;

	if (!corpus_present())
		return;
	tu_store_open(&x->t, 5000);
	ingest_whole(x, 0);
	assert_int_equal(tu_db_count(x->t.path, "SELECT count(*) FROM report"),
	                 WHOLE_STORED);
	assert_int_equal(
	    tu_db_count(x->t.path, "SELECT count(*) FROM report_raw"),
	    WHOLE_STORED);
	assert_int_equal(
	    tu_db_count(x->t.path, "SELECT count(*) FROM quarantine"),
	    WHOLE_REJECTED + WHOLE_DIFFERENT);
	/* 35 reports, of which 5 have two policies (dmarc-report-viewer and
	 * tlsrpt-rs Microsoft, rpt03, sebastka Microsoft, synthetic) */
	assert_int_equal(tu_db_count(x->t.path, "SELECT count(*) FROM policy"),
	                 40);
}

/* ---- Per-domain totals ---- */

struct domain_total {
	const char *domain;
	int64_t reports;
	int64_t organizations;
	int64_t successful;
	int64_t failed;
	const char *first_day;
	const char *last_day;
};

/*
 * Worked out by hand from the stored copies (the "whole" column), counting
 * for each report the policies that stand for its domain (DESIGN.md
 * "Counting": each type adds up; of sts and tlsa, the larger, tlsa on a
 * tie). Issue 14's rule moved one file: rpt03's second policy (an unknown
 * type) now adds to its no-policy-found one, so "" went from 91/0 to 92/0.
 * The Microsoft ties (random.net, krvtz.net) now stand on tlsa rather than
 * on the first policy, sts: the same 2/0 either way.
 *
 * ""  Example Corp tlsrpt-invalid 90/0 + Google rpt03 1/0 + its second,
 *     invalid-policy-type policy 1/0 on "" (another type: adds)
 *     = 2 reports, 2 orgs, 92/0; days 2019-04-14 .. 2024-06-01
 * blogreen.org  Google 1/0
 * cardinalhealth.ca  Google 48/0
 * company-y.example  Company-X full-example 5326/303 (the 12 other copies
 *     are duplicates; testing.json has its own report-id and domain)
 * domain.de  Google 2/0
 * example.com  Google rpt02 23/1 + Google mta-sts 53/0 + MS microsoft-2
 *     7/0 + MS microsoft 18/0 + Mail.ru 0/1 + Example Inc. smtp_tls 0/3
 *     + Google digest failure 4523/2 + Google digest 1 1/0 + Google
 *     digest 2 4/0 + MS digest 2/0 + Example Reporter 90/10
 *     succ 23+53+7+18+0+0+4523+1+4+2+90 = 4721
 *     fail 1+0+0+0+1+3+2+0+0+0+10 = 17
 *     11 reports; orgs Google, Microsoft, Mail.ru, Example Inc., Example
 *     Reporter = 5; days 2020-01-01 .. 2026-09-10
 * example.org  Example LLC. 13/0 + Example Reporter (no-policy-found) 5/0
 *     = 18/0, 2 reports, 2 orgs; 2025-08-04 .. 2026-09-10
 * fastmaildmarc.com  Google 343/0 (expected.json, report.json: dups)
 * foo-bar.io  Google 1/0 (2025-05-22) + Google 1/0 (2025-03-27) = 2/0,
 *     2 reports, 1 org
 * josh.scot  MS, the edited .json: 2/2 (the .json.gz is a duplicate)
 * karlsen.fr  Google 2/0 + MS tlsa 4/0 (sts 4/0 ties, tlsa first) = 6/0,
 *     2 reports, 2 orgs; 2026-08-18 .. 2026-08-27
 * krvtz.net  Google 1/0 + Google 2/0 + Mail.ru 0/1 + MS tlsa 2/0 (sts 2/0
 *     ties: tlsa) = 5/1, 4 reports, 3 orgs; 2023-01-25 .. 2024-09-18
 * random.net  MS tlsa 2/0 (sts 2/0 ties: tlsa)
 * server.com  server.com 1/0
 * test.xmox.nl  Google 3/0 + MS 2/0 = 5/0, 2 reports, 2 orgs;
 *     2022-09-15 .. 2023-01-10 (MS time without zone: UTC)
 * xn--gpher-jua.test  Example Inc. 99/102 + Company-X testing.json
 *     5326/303 = 5425/405, 2 reports, 2 orgs; 2016-04-01 .. 2025-08-04
 * xxxxxxxx.xx  MS 0/3
 *
 * All domains: 92+5326+2+2+2+1+0+4721+343+5+48+2+18+5425+5+6+1 = 15999
 * successful; 303+3+17+2+405+1 = 731 failed; 35 reports in all, counted
 * once per (report, domain): 2+1+1+1+1+11+2+1+2+1+2+4+1+1+2+2+1 = 36
 * (synthetic-failures counts under example.com and example.org).
 */
static const struct domain_total domain_totals[] = {
    {"", 2, 2, 92, 0, "2019-04-14", "2024-06-01"},
    {"blogreen.org", 1, 1, 1, 0, "2023-02-02", "2023-02-02"},
    {"cardinalhealth.ca", 1, 1, 48, 0, "2024-09-03", "2024-09-03"},
    {"company-y.example", 1, 1, 5326, 303, "2016-04-01", "2016-04-01"},
    {"domain.de", 1, 1, 2, 0, "2025-04-12", "2025-04-12"},
    {"example.com", 11, 5, 4721, 17, "2020-01-01", "2026-09-10"},
    {"example.org", 2, 2, 18, 0, "2025-08-04", "2026-09-10"},
    {"fastmaildmarc.com", 1, 1, 343, 0, "2020-03-02", "2020-03-02"},
    {"foo-bar.io", 2, 1, 2, 0, "2025-03-27", "2025-05-22"},
    {"josh.scot", 1, 1, 2, 2, "2025-08-03", "2025-08-03"},
    {"karlsen.fr", 2, 2, 6, 0, "2026-08-18", "2026-08-27"},
    {"krvtz.net", 4, 3, 5, 1, "2023-01-25", "2024-09-18"},
    {"random.net", 1, 1, 2, 0, "2025-05-23", "2025-05-23"},
    {"server.com", 1, 1, 1, 0, "2026-01-11", "2026-01-11"},
    {"test.xmox.nl", 2, 2, 5, 0, "2022-09-15", "2023-01-10"},
    {"xn--gpher-jua.test", 2, 2, 5425, 405, "2016-04-01", "2025-08-04"},
    {"xxxxxxxx.xx", 1, 1, 0, 3, "2025-06-14", "2025-06-14"},
};

#define NDOMAINS (sizeof(domain_totals) / sizeof(domain_totals[0]))

struct summary_seen {
	size_t n;
	char *domain[64];
	struct store_summary_row row[64];
	char *types[64];
	char *modes[64];
};

static char *
join_list(const char *const *v, size_t n)
{
	char buf[512] = "";
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			strncat(buf, ",", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, v[i], sizeof(buf) - strlen(buf) - 1);
	}
	return strdup(buf);
}

static int
summary_cb(const struct store_summary_row *row, void *arg)
{
	struct summary_seen *s = arg;

	assert_true(s->n < 64);
	s->domain[s->n] = strdup(row->policy_domain);
	s->types[s->n] = join_list(row->policy_types, row->npolicy_types);
	s->modes[s->n] = join_list(row->policy_modes, row->npolicy_modes);
	s->row[s->n] = *row;
	s->row[s->n].first_day = strdup(str_or(row->first_day));
	s->row[s->n].last_day = strdup(str_or(row->last_day));
	s->n++;
	return 0;
}

static void
summary_free(struct summary_seen *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->domain[i]);
		free(s->types[i]);
		free(s->modes[i]);
		free((char *)s->row[i].first_day);
		free((char *)s->row[i].last_day);
	}
	s->n = 0;
}

static void
corpus_summary(struct store *st, struct summary_seen *s)
{
	struct store_filter f;
	struct errbuf eb = {""};

	memset(s, 0, sizeof(*s));
	store_filter_init(&f);
	if (store_summary(st, &f, summary_cb, s, &eb) != 0)
		fail_msg("store_summary: %s", eb.msg);
}

static void
check_totals(const struct summary_seen *s)
{
	size_t i;

	for (i = 0; i < s->n && i < NDOMAINS; i++) {
		const struct domain_total *d = &domain_totals[i];
		const struct store_summary_row *r = &s->row[i];

		if (strcmp(s->domain[i], d->domain) != 0)
			fail_msg("summary row %zu is \"%s\", expected \"%s\"",
			         i, s->domain[i], d->domain);
		if (r->reports != d->reports ||
		    r->organizations != d->organizations ||
		    r->successful_sessions != d->successful ||
		    r->failed_sessions != d->failed)
			fail_msg(
			    "\"%s\": %lld reports, %lld orgs, %lld/%lld; "
			    "expected %lld, %lld, %lld/%lld",
			    d->domain, (long long)r->reports,
			    (long long)r->organizations,
			    (long long)r->successful_sessions,
			    (long long)r->failed_sessions,
			    (long long)d->reports, (long long)d->organizations,
			    (long long)d->successful, (long long)d->failed);
	}
	assert_int_equal(s->n, NDOMAINS);
}

/* Opens the store of x, ingests the whole corpus, reads the summary. */
static struct summary_seen *
whole_summary(struct ctx *x)
{
	tu_store_open(&x->t, 5000);
	ingest_whole(x, 0);
	x->s = calloc(1, sizeof(*x->s));
	assert_non_null(x->s);
	corpus_summary(x->t.st, x->s);
	return x->s;
}

static void
test_corpus_summary_totals(void **state)
{
	struct summary_seen *s;
	int64_t succ = 0, failed = 0, reports = 0;
	size_t i;

	if (!corpus_present())
		return;
	s = whole_summary(*state);
	check_totals(s);
	for (i = 0; i < s->n; i++) {
		succ += s->row[i].successful_sessions;
		failed += s->row[i].failed_sessions;
		reports += s->row[i].reports;
	}
	assert_int_equal(succ, 15999);
	assert_int_equal(failed, 731);
	assert_int_equal(reports, 36);
}

/* Days of the earliest and latest report start, per domain. */
static void
test_corpus_summary_days(void **state)
{
	struct summary_seen *s;
	size_t i;

	if (!corpus_present())
		return;
	s = whole_summary(*state);
	assert_int_equal(s->n, NDOMAINS);
	for (i = 0; i < NDOMAINS; i++) {
		const struct domain_total *d = &domain_totals[i];

		if (strcmp(s->row[i].first_day, d->first_day) != 0 ||
		    strcmp(s->row[i].last_day, d->last_day) != 0)
			fail_msg("\"%s\": days %s .. %s, expected %s .. %s",
			         d->domain, s->row[i].first_day,
			         s->row[i].last_day, d->first_day, d->last_day);
	}
}

/*
 * Policy types and modes seen per domain: every policy of the domain as
 * sent, the ones that do not stand for it included (DESIGN.md "Counting":
 * grouping by type or mode shows each policy as sent).
 */
static const struct {
	const char *domain, *types, *modes;
} domain_kinds[] = {
    {"", "invalid-policy-type,no-policy-found,tls", "none,unknown"},
    {"company-y.example", "sts", "testing"},
    {"example.com", "sts", "enforce,testing,unknown"},
    {"example.org", "no-policy-found", "none"},
    {"karlsen.fr", "sts,tlsa", "enforce,testing"},
    {"krvtz.net", "sts,tlsa", "enforce,unknown"},
    {"random.net", "sts,tlsa", "enforce"},
    {"xxxxxxxx.xx", "sts", "unknown"},
};

static void
test_corpus_summary_kinds(void **state)
{
	struct summary_seen *s;
	size_t i, j;

	if (!corpus_present())
		return;
	s = whole_summary(*state);
	for (i = 0; i < sizeof(domain_kinds) / sizeof(domain_kinds[0]); i++) {
		for (j = 0; j < s->n; j++)
			if (strcmp(s->domain[j], domain_kinds[i].domain) == 0)
				break;
		if (j == s->n)
			fail_msg("no summary row for \"%s\"",
			         domain_kinds[i].domain);
		if (strcmp(s->types[j], domain_kinds[i].types) != 0 ||
		    strcmp(s->modes[j], domain_kinds[i].modes) != 0)
			fail_msg("\"%s\": types %s modes %s, expected %s / %s",
			         s->domain[j], s->types[j], s->modes[j],
			         domain_kinds[i].types, domain_kinds[i].modes);
	}
}

/* ---- Failures by result type ---- */

/*
 * Failure details of the stored copies, all in policies that stand for
 * their domain (no tlsa/sts pair in the corpus has failures):
 *
 * starttls-not-supported  Company-X RFC 200 + Company-X testing.json 200 +
 *     Example Reporter 3 = 403 in 3 reports
 * certificate-expired  RFC 100 + testing.json 100 + Google digest 2 +
 *     Example Reporter 7 = 209 in 4 reports
 * validation-failure  RFC 3 + testing.json 3 + Example Inc. smtp_tls 2+1
 *     = 9 in 3 reports
 * sts-policy-fetch-error  MS no_ip_and_mx 3 + Mail.ru parsedmarc 1+1
 *     (details as sent, though its total says 1) + Mail.ru krvtz 1 = 6 in
 *     3 reports
 * Testing  MS josh.scot edited 3 (as sent, though its total says 2) = 3
 * certificate-host-mismatch  Google rpt02 1 = 1
 *
 * 403+209+9+6+3+1 = 631. Against the 731 of the summaries: tlsrpt-be's
 * 102 have no details (-102), parsedmarc Mail.ru details say 2 for 1
 * (+1), josh.scot 3 for 2 (+1): 731-102+1+1 = 631.
 */
static const struct {
	const char *result_type;
	int64_t failed;
	int64_t reports;
} type_totals[] = {
    {"starttls-not-supported", 403, 3},
    {"certificate-expired", 209, 4},
    {"validation-failure", 9, 3},
    {"sts-policy-fetch-error", 6, 3},
    {"Testing", 3, 1},
    {"certificate-host-mismatch", 1, 1},
};

#define NTYPES (sizeof(type_totals) / sizeof(type_totals[0]))

struct failure_seen {
	size_t n;
	char *type[32];
	int64_t failed[32];
	int64_t reports[32];
	int grouped_only_by_type;
};

static int
failure_cb(const struct store_failure_row *row, void *arg)
{
	struct failure_seen *s = arg;

	assert_true(s->n < 32);
	assert_non_null(row->result_type);
	if (row->policy_domain != NULL || row->policy_mode != NULL ||
	    row->sending_mta_ip != NULL || row->organization != NULL ||
	    row->day != NULL)
		s->grouped_only_by_type = 0;
	s->type[s->n] = strdup(row->result_type);
	s->failed[s->n] = row->failed_sessions;
	s->reports[s->n] = row->reports;
	s->n++;
	return 0;
}

static void
test_corpus_failures_by_type(void **state)
{
	struct ctx *x = *state;
	struct failure_seen *s;
	struct store_filter f;
	struct errbuf eb = {""};
	size_t i;

	if (!corpus_present())
		return;
	tu_store_open(&x->t, 5000);
	ingest_whole(x, 0);
	s = x->f = calloc(1, sizeof(*x->f));
	assert_non_null(s);
	s->grouped_only_by_type = 1;
	store_filter_init(&f);
	if (store_failures(x->t.st, &f, FAILURE_BY_TYPE, 0, failure_cb, s,
	                   &eb) != 0)
		fail_msg("store_failures: %s", eb.msg);
	assert_true(s->grouped_only_by_type);
	for (i = 0; i < s->n && i < NTYPES; i++) {
		/* largest first; the table has no ties */
		if (strcmp(s->type[i], type_totals[i].result_type) != 0 ||
		    s->failed[i] != type_totals[i].failed ||
		    s->reports[i] != type_totals[i].reports)
			fail_msg("row %zu: %s %lld in %lld reports, expected "
			         "%s %lld in %lld",
			         i, s->type[i], (long long)s->failed[i],
			         (long long)s->reports[i],
			         type_totals[i].result_type,
			         (long long)type_totals[i].failed,
			         (long long)type_totals[i].reports);
	}
	assert_int_equal(s->n, NTYPES);
}

/* Importing the corpus a second time adds nothing: every report is a
 * duplicate, the totals stay, the rejections (and the duplicates with
 * different content) are counted again in their quarantine rows, not
 * stored again. */
static void
test_corpus_reimport(void **state)
{
	struct ctx *x = *state;
	struct summary_seen *s;

	if (!corpus_present())
		return;
	s = whole_summary(x);
	ingest_whole(x, 1);
	summary_free(s);
	corpus_summary(x->t.st, s);
	check_totals(s);
	assert_int_equal(tu_db_count(x->t.path, "SELECT count(*) FROM report"),
	                 WHOLE_STORED);
	assert_int_equal(
	    tu_db_count(x->t.path, "SELECT count(*) FROM quarantine"),
	    WHOLE_REJECTED + WHOLE_DIFFERENT);
	assert_int_equal(
	    tu_db_count(x->t.path, "SELECT sum(count) FROM quarantine"),
	    2 * (WHOLE_REJECTED + WHOLE_DIFFERENT));
}

static void
failure_free(struct failure_seen *s)
{
	size_t i;

	for (i = 0; s != NULL && i < s->n; i++)
		free(s->type[i]);
	free(s);
}

/* The context of a test; the state, when given, is its table row. */
static int
ctx_setup(void **state)
{
	struct ctx *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return -1;
	x->c = *state;
	*state = x;
	return 0;
}

static int
ctx_teardown(void **state)
{
	struct ctx *x = *state;

	ingest_input_free(x->in);
	if (x->s != NULL)
		summary_free(x->s);
	free(x->s);
	failure_free(x->f);
	tu_store_close(&x->t);
	free(x);
	return 0;
}

/* The whole-corpus tests, then one test per file alone, named by path. */
int
main(void)
{
	const struct CMUnitTest whole[] = {
	    cmocka_unit_test(test_corpus_table_is_complete),
	    cmocka_unit_test_setup_teardown(test_corpus_whole_outcomes,
	                                    ctx_setup, ctx_teardown),
	    cmocka_unit_test_setup_teardown(test_corpus_summary_totals,
	                                    ctx_setup, ctx_teardown),
	    cmocka_unit_test_setup_teardown(test_corpus_summary_days, ctx_setup,
	                                    ctx_teardown),
	    cmocka_unit_test_setup_teardown(test_corpus_summary_kinds,
	                                    ctx_setup, ctx_teardown),
	    cmocka_unit_test_setup_teardown(test_corpus_failures_by_type,
	                                    ctx_setup, ctx_teardown),
	    cmocka_unit_test_setup_teardown(test_corpus_reimport, ctx_setup,
	                                    ctx_teardown),
	};
	struct tu_tests l = {0};

	report_init();
	tu_tests_add(&l, whole, sizeof(whole) / sizeof(whole[0]));
	TU_TESTS_ROWS(&l, cases, NCASES, path, test_corpus_file_alone,
	              ctx_setup, ctx_teardown);
	return tu_tests_run(&l, "corpus");
}
