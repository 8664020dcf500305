/*
 * report_policy.c - the policies of a report (RFC 8460 §4.4 "policies"):
 * the applied policy, its summary and failure details; the policy mode.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report_walk.h"

static int
is_one_of(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* RFC 8460 §4.4 "policy-type". */
static const char *const policy_types[] = {"sts", "tlsa", "no-policy-found",
                                           NULL};

/* RFC 8460 §4.3 and the registry of §6.6, with sts-policy-fetch-error
 * (added in the published RFC). */
static const char *const result_types[] = {
    "starttls-not-supported", "certificate-host-mismatch",
    "certificate-expired",    "certificate-not-trusted",
    "validation-failure",     "tlsa-invalid",
    "dnssec-invalid",         "dane-required",
    "sts-policy-fetch-error", "sts-policy-invalid",
    "sts-webpki-invalid",     NULL};

static void
warn_unknown(struct report_walk *w, struct report_loc l, const char *key,
             const char *value)
{
	char what[160];

	snprintf(what, sizeof(what), "unknown value \"%.80s\"", value);
	report_walk_warn(w, l, key, what);
}

/* Collects the strings of a JSON array into an arena array; elements that
 * are not strings are skipped with a warning. */
static int
string_array(struct report_walk *w, json_t *arr, struct report_loc l,
             const char *key, const char ***out, size_t *n)
{
	size_t i, k = 0, len = json_array_size(arr);
	const char **v;

	*out = NULL;
	*n = 0;
	if (len == 0)
		return 0;
	if ((v = arena_array(w->a, len, sizeof(*v))) == NULL)
		return errbuf_set(w->eb, "out of memory");
	for (i = 0; i < len; i++) {
		json_t *e = json_array_get(arr, i);

		if (!json_is_string(e)) {
			report_walk_warn(w, l, key,
			                 "an element that is not a string, "
			                 "skipped");
			continue;
		}
		if (report_walk_copy_str(w, e, l, key, &v[k]) != 0)
			return -1;
		k++;
	}
	*out = v;
	*n = k;
	return 0;
}

/* Microsoft sends a TLSA policy as one string holding a JSON array of
 * records; when the single string is such an array, use its elements. */
static int
decode_nested_array(struct report_walk *w, struct report_policy *p,
                    struct report_loc l)
{
	const char *s = p->policy_strings[0];
	json_t *inner;
	size_t i;
	int ret = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '[')
		return 0;
	inner = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
	if (inner == NULL || !json_is_array(inner)) {
		json_decref(inner);
		return 0;
	}
	for (i = 0; i < json_array_size(inner); i++)
		if (!json_is_string(json_array_get(inner, i)))
			goto out;
	ret = string_array(w, inner, l, "policy-string", &p->policy_strings,
	                   &p->npolicy_strings);
	if (ret == 0)
		report_walk_warn(w, l, "policy-string",
		                 "a JSON-encoded array in a string, decoded");
out:
	json_decref(inner);
	return ret;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Whitespace around an element is trimmed: Google echoes a CRLF
 * mta-sts.txt line by line ("mode: enforce\r"). One warning a policy. */
static int
trim_policy_strings(struct report_walk *w, struct report_policy *p,
                    struct report_loc l)
{
	size_t i, n;
	int trimmed = 0;

	for (i = 0; i < p->npolicy_strings; i++) {
		const char *s = p->policy_strings[i];

		n = strlen(s);
		if (n == 0 || (!is_space(s[0]) && !is_space(s[n - 1])))
			continue;
		while (is_space(*s))
			s++, n--;
		while (n > 0 && is_space(s[n - 1]))
			n--;
		if ((p->policy_strings[i] = arena_strndup(w->a, s, n)) == NULL)
			return errbuf_set(w->eb, "out of memory");
		trimmed = 1;
	}
	if (trimmed)
		report_walk_warn(w, l, "policy-string",
		                 "whitespace around an element trimmed");
	return 0;
}

static int
policy_strings(struct report_walk *w, json_t *pol, struct report_loc l,
               struct report_policy *p)
{
	json_t *v = json_object_get(pol, "policy-string");
	int expected = strcmp(p->policy_type, "no-policy-found") != 0;

	if (v == NULL || json_is_null(v)) {
		if (expected)
			report_walk_warn(w, l, "policy-string", "missing");
		return 0;
	}
	if (json_is_string(v)) {
		report_walk_warn(w, l, "policy-string",
		                 "a string, not an array");
		if ((p->policy_strings = arena_alloc(w->a, sizeof(char *))) ==
		    NULL)
			return errbuf_set(w->eb, "out of memory");
		p->npolicy_strings = 1;
		if (report_walk_copy_str(w, v, l, "policy-string",
		                         &p->policy_strings[0]) != 0)
			return -1;
	} else if (json_is_array(v)) {
		if (string_array(w, v, l, "policy-string", &p->policy_strings,
		                 &p->npolicy_strings) != 0)
			return -1;
	} else {
		report_walk_warn(w, l, "policy-string",
		                 "not an array, ignored");
		return 0;
	}
	if (p->npolicy_strings == 0 && expected)
		report_walk_warn(w, l, "policy-string", "empty");
	if (p->npolicy_strings == 1 && decode_nested_array(w, p, l) != 0)
		return -1;
	return trim_policy_strings(w, p, l);
}

/* Normalizes the mx-host patterns: domains in lower case; a leaked policy
 * line prefix "mx:" removed (seen from Stalwart). */
static int
norm_mx_hosts(struct report_walk *w, struct report_loc l,
              struct report_policy *p)
{
	size_t i, k = 0;

	for (i = 0; i < p->nmx_hosts; i++) {
		const char *s = p->mx_hosts[i];

		if (strncasecmp(s, "mx:", 3) == 0) {
			for (s += 3; *s == ' ' || *s == '\t'; s++)
				;
			report_walk_warn(w, l, "mx-host",
			                 "policy line prefix \"mx:\" removed");
		}
		if (*s == '\0')
			continue;
		if ((p->mx_hosts[k++] =
		         report_walk_domain(w, l, "mx-host", s)) == NULL)
			return -1;
	}
	p->nmx_hosts = k;
	return 0;
}

static int
mx_hosts(struct report_walk *w, json_t *pol, struct report_loc l,
         struct report_policy *p)
{
	json_t *v = json_object_get(pol, "mx-host");

	if (v == NULL || json_is_null(v)) {
		if (strcmp(p->policy_type, "sts") == 0)
			report_walk_warn(w, l, "mx-host", "missing");
		return 0;
	}
	if (json_is_string(v)) {
		report_walk_warn(w, l, "mx-host",
		                 json_string_length(v)
		                     ? "a string, not an array"
		                     : "an empty string");
		if ((p->mx_hosts = arena_alloc(w->a, sizeof(char *))) == NULL)
			return errbuf_set(w->eb, "out of memory");
		p->nmx_hosts = 1;
		if (report_walk_copy_str(w, v, l, "mx-host", &p->mx_hosts[0]) !=
		    0)
			return -1;
	} else if (json_is_array(v)) {
		if (string_array(w, v, l, "mx-host", &p->mx_hosts,
		                 &p->nmx_hosts) != 0)
			return -1;
	} else {
		report_walk_warn(w, l, "mx-host",
		                 "not a string or an array, ignored");
		return 0;
	}
	return norm_mx_hosts(w, l, p);
}

/* When the reporter sent no mx-host (Microsoft never does), the MX
 * patterns are the policy's own "mx:" lines (RFC 8461 §3.2). */
static int
mx_from_policy(struct report_walk *w, struct report_loc l,
               struct report_policy *p)
{
	size_t i, n = 0;

	if (p->nmx_hosts > 0 || strcmp(p->policy_type, "sts") != 0)
		return 0;
	for (i = 0; i < p->npolicy_strings; i++)
		n += strncasecmp(p->policy_strings[i], "mx:", 3) == 0;
	if (n == 0)
		return 0;
	if ((p->mx_hosts = arena_array(w->a, n, sizeof(char *))) == NULL)
		return errbuf_set(w->eb, "out of memory");
	for (i = 0; i < p->npolicy_strings; i++) {
		const char *s = p->policy_strings[i];

		if (strncasecmp(s, "mx:", 3) != 0)
			continue;
		for (s += 3; *s == ' ' || *s == '\t'; s++)
			;
		if (*s == '\0')
			continue;
		if ((p->mx_hosts[p->nmx_hosts++] =
		         report_walk_domain(w, l, "policy-string", s)) == NULL)
			return -1;
	}
	return 0;
}

/* DESIGN.md "policy mode": sts from its "mode:" line, tlsa enforce (DANE
 * has no testing mode), no-policy-found none, anything else unknown. */
static const char *
policy_mode(const struct report_policy *p)
{
	size_t i;

	if (strcmp(p->policy_type, "tlsa") == 0)
		return "enforce";
	if (strcmp(p->policy_type, "no-policy-found") == 0)
		return "none";
	if (strcmp(p->policy_type, "sts") != 0)
		return "unknown";
	for (i = 0; i < p->npolicy_strings; i++) {
		const char *s = p->policy_strings[i];
		size_t n;

		while (*s == ' ' || *s == '\t')
			s++;
		if (strncasecmp(s, "mode:", 5) != 0)
			continue;
		for (s += 5; *s == ' ' || *s == '\t'; s++)
			;
		n = strcspn(s, " \t\r\n");
		if (n == 7 && strncasecmp(s, "enforce", n) == 0)
			return "enforce";
		if (n == 7 && strncasecmp(s, "testing", n) == 0)
			return "testing";
		if (n == 4 && strncasecmp(s, "none", n) == 0)
			return "none";
		return "unknown";
	}
	return "unknown";
}

/* RFC 8460 §4.4 the members of a policy entry, its policy, its summary
 * and a failure detail (with the draft-era failure-error-code). */
static const char *const entry_keys[] = {"policy", "summary", "failure-details",
                                         NULL};
static const char *const policy_keys[] = {"policy-type", "policy-string",
                                          "policy-domain", "mx-host", NULL};
static const char *const summary_keys[] = {"total-successful-session-count",
                                           "total-failure-session-count", NULL};
static const char *const detail_keys[] = {"result-type",
                                          "sending-mta-ip",
                                          "receiving-mx-hostname",
                                          "receiving-mx-helo",
                                          "receiving-ip",
                                          "failed-session-count",
                                          "additional-information",
                                          "failure-reason-code",
                                          "failure-error-code",
                                          NULL};

static int
walk_summary(struct report_walk *w, json_t *obj, long pi,
             struct report_policy *p)
{
	struct report_loc l = {pi, -1, "summary"};
	json_t *sum = json_object_get(obj, "summary");

	if (sum == NULL) {
		report_walk_warn(w, (struct report_loc){pi, -1, NULL},
		                 "summary", "missing, sessions taken as 0");
		return 0;
	}
	if (!json_is_object(sum))
		return report_walk_fail(w, (struct report_loc){pi, -1, NULL},
		                        "summary", "not an object");
	if (report_walk_count(w, sum, l, "total-successful-session-count", 0,
	                      &p->successful_sessions) ||
	    report_walk_count(w, sum, l, "total-failure-session-count", 0,
	                      &p->failed_sessions))
		return -1;
	report_walk_keys(w, sum, l, NULL, summary_keys);
	return 0;
}

static int
walk_detail(struct report_walk *w, json_t *d, struct report_loc l,
            struct report_failure *f)
{
	const char *s;

	if (!json_is_object(d))
		return report_walk_fail(w, l, NULL, "not an object");
	if (report_walk_required_str(w, d, l, "result-type", &f->result_type) ||
	    report_walk_count(w, d, l, "failed-session-count", 1,
	                      &f->failed_sessions))
		return -1;
	if (!is_one_of(f->result_type, result_types))
		warn_unknown(w, l, "result-type", f->result_type);
	if (report_walk_optional_str(w, d, l, "sending-mta-ip", &s))
		return -1;
	f->sending_mta_ip = report_walk_ip(w, l, "sending-mta-ip", s);
	if (report_walk_optional_str(w, d, l, "receiving-ip", &s))
		return -1;
	f->receiving_ip = report_walk_ip(w, l, "receiving-ip", s);
	if (report_walk_optional_str(w, d, l, "receiving-mx-hostname", &s))
		return -1;
	if (s != NULL && (f->receiving_mx_hostname = report_walk_domain(
	                      w, l, "receiving-mx-hostname", s)) == NULL)
		return -1;
	if (report_walk_optional_str(w, d, l, "receiving-mx-helo",
	                             &f->receiving_mx_helo) ||
	    report_walk_optional_str(w, d, l, "additional-information",
	                             &f->additional_information) ||
	    report_walk_optional_str(w, d, l, "failure-reason-code",
	                             &f->failure_reason_code))
		return -1;
	if (f->failure_reason_code == NULL &&
	    json_object_get(d, "failure-error-code") != NULL) {
		if (report_walk_optional_str(w, d, l, "failure-error-code",
		                             &f->failure_reason_code))
			return -1;
		report_walk_warn(
		    w, l, "failure-error-code",
		    "draft-era key, stored as failure-reason-code");
	}
	report_walk_keys(w, d, l, NULL, detail_keys);
	return 0;
}

static int
walk_details(struct report_walk *w, json_t *obj, long pi,
             struct report_policy *p)
{
	struct report_loc l = {pi, -1, NULL};
	json_t *arr = json_object_get(obj, "failure-details");
	int64_t sum = 0;
	size_t i, n;
	char what[160];

	if (arr == NULL || json_is_null(arr)) {
		if (p->failed_sessions > 0)
			report_walk_warn(w, l, "failure-details", "missing");
		return 0;
	}
	if (!json_is_array(arr))
		return report_walk_fail(w, l, "failure-details",
		                        "not an array");
	n = json_array_size(arr);
	if (n > LIMIT_FAILURE_DETAILS - w->ndetails)
		return report_walk_fail(w, l, "failure-details",
		                        "more than 100000 in the report");
	w->ndetails += n;
	if (n > 0 &&
	    (p->failures = arena_array(w->a, n, sizeof(*p->failures))) == NULL)
		return errbuf_set(w->eb, "out of memory");
	p->nfailures = n;
	for (i = 0; i < n; i++) {
		l.fi = (long)i;
		if (walk_detail(w, json_array_get(arr, i), l, &p->failures[i]))
			return -1;
		/* Saturating: 10^5 counts of up to 2^53 overflow int64. */
		if (sum > INT64_MAX - p->failures[i].failed_sessions)
			sum = INT64_MAX;
		else
			sum += p->failures[i].failed_sessions;
	}
	if (sum != p->failed_sessions) {
		snprintf(what, sizeof(what),
		         "failure details add up to %lld, "
		         "total-failure-session-count is %lld",
		         (long long)sum, (long long)p->failed_sessions);
		report_walk_warn(w, (struct report_loc){pi, -1, NULL}, NULL,
		                 what);
	}
	return 0;
}

int
report_walk_policy(struct report_walk *w, json_t *obj, long pi,
                   struct report_policy *p)
{
	struct report_loc l = {pi, -1, "policy"};
	json_t *pol;
	const char *domain;

	if (!json_is_object(obj))
		return report_walk_fail(w, (struct report_loc){pi, -1, NULL},
		                        NULL, "not an object");
	pol = json_object_get(obj, "policy");
	if (pol == NULL)
		return report_walk_fail(w, l, "policy-type", "missing");
	if (!json_is_object(pol))
		return report_walk_fail(w, (struct report_loc){pi, -1, NULL},
		                        "policy", "not an object");
	if (report_walk_required_str(w, pol, l, "policy-type", &p->policy_type))
		return -1;
	if (!is_one_of(p->policy_type, policy_types))
		warn_unknown(w, l, "policy-type", p->policy_type);
	if (policy_strings(w, pol, l, p) || mx_hosts(w, pol, l, p) ||
	    mx_from_policy(w, l, p) ||
	    report_walk_optional_str(w, pol, l, "policy-domain", &domain))
		return -1;
	if (domain != NULL && (p->policy_domain = report_walk_domain(
	                           w, l, "policy-domain", domain)) == NULL)
		return -1;
	p->policy_mode = policy_mode(p);
	report_walk_keys(w, pol, l, NULL, policy_keys);
	report_walk_keys(w, obj, (struct report_loc){pi, -1, NULL}, NULL,
	                 entry_keys);
	if (walk_summary(w, obj, pi, p) || walk_details(w, obj, pi, p))
		return -1;
	return 0;
}
