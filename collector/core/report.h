/*
 * report.h - RFC 8460 report parse and normalize.
 *
 * JSON text in, a normalized struct report out, following DESIGN.md
 * "Normalization rules": quirks that can be understood without guessing
 * about sessions are accepted and recorded as warnings; everything else is
 * rejected with a reason that names the field. No jansson object leaves the
 * module; every string in a struct report lives in the report's own arena
 * and is freed by report_free().
 */
#ifndef TLSRPT_REPORT_H
#define TLSRPT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

struct report_failure {
	const char *result_type;           /* as sent (the registry grows) */
	const char *sending_mta_ip;        /* canonical text form, or NULL */
	const char *receiving_mx_hostname; /* lower case, no trailing dot */
	const char *receiving_mx_helo;
	const char *receiving_ip;
	const char *additional_information;
	const char *failure_reason_code; /* also from "failure-error-code" */
	int64_t failed_sessions;
};

#define POLICY_COUNTS  1
#define POLICY_CARRIES 2

struct report_policy {
	const char *policy_type;   /* "sts", "tlsa", "no-policy-found", ... */
	const char *policy_domain; /* lower case, no trailing dot; may be "" */
	const char *policy_mode;   /* enforce|testing|none|unknown */
	const char **policy_strings;
	size_t npolicy_strings;
	const char **mx_hosts; /* mx-host, else the "mx:" policy lines */
	size_t nmx_hosts;
	int64_t successful_sessions;
	int64_t failed_sessions;
	/* Whether this policy counts in its domain's totals (DESIGN.md
	 * "Counting"): among the policies of the same report that name the
	 * same domain, those of each type add up; of the sts and tlsa groups
	 * (the same sessions) only the larger stands, tlsa on a tie; other
	 * types always count. 0: it does not; POLICY_COUNTS: it does;
	 * POLICY_CARRIES: it does and is the first that does, which
	 * carries the report in per-domain report counts (one per report and
	 * domain). */
	int counts_for_domain;
	struct report_failure *failures;
	size_t nfailures;
};

struct report {
	const char *organization; /* as sent, for display */
	/* The organization for identity: surrounding whitespace trimmed,
	 * inner runs folded to one space (U+00A0 and the other Unicode
	 * spaces too), so that "Google Inc. " is "Google Inc.". */
	const char *organization_key;
	const char *report_id;
	const char *contact_info; /* NULL when missing or not a string */
	int64_t start_time;       /* Unix seconds, UTC */
	int64_t end_time;
	struct report_policy *policies;
	size_t npolicies;
	const char **warnings;
	size_t nwarnings;
	struct arena *arena; /* owns every string and array above */
};

/* Hints from the envelope that parsing may use. */
struct report_hints {
	/* TLS-Report-Domain header: the policy domain of last resort. */
	const char *report_domain;
	/* The name the report came under (a file, an attachment): when it
	 * is an RFC 8460 §5.3 name, its domain comes after the header. */
	const char *file_name;
};

/*
 * Installs the report module's allocator for jansson (report_alloc.c:
 * a reused region a parsing thread). Every program calls it first thing in
 * main, before any jansson use and before threads start; report_parse
 * refuses to run without it. Linking the core changes nothing by itself.
 */
void report_init(void);

/*
 * Parses and normalizes the JSON report (json, len); the text need not be
 * NUL-terminated. extra_warnings (may be NULL) are found before parsing by
 * the caller (e.g. "whitespace after gzip stream") and recorded first.
 * On success *out holds a new report the caller frees with report_free().
 * On failure eb holds the reason, naming the field.
 */
int report_parse(const char *json, size_t len, const struct report_hints *hints,
                 const char *const *extra_warnings, struct report **out,
                 struct errbuf *eb);

/* Frees a report; NULL is accepted. */
void report_free(struct report *r);

/* What the report's normalized rows take in the database, about: their
 * text plus LIMIT_STORED_ROW a row (the bytes as received not counted).
 * Bounded with them by LIMIT_REPORT_STORED. */
size_t report_stored_size(const struct report *r);

/* Total sessions (successful + failed) of a policy. */
int64_t report_policy_sessions(const struct report_policy *p);

#endif
