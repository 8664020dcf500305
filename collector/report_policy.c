/*
 * report_policy.c - the policies of a report (RFC 8460 §4.4 "policies"):
 * the applied policy, its summary and failure details; the policy mode;
 * the policy domain of last resort; which policy stands for its domain.
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
warn_unknown(struct walk *w, struct loc l, const char *key, const char *value)
{
	char what[160];

	snprintf(what, sizeof(what), "unknown value \"%.80s\"", value);
	walk_warn(w, l, key, what);
}

/* Collects the strings of a JSON array into an arena array; elements that
 * are not strings are skipped with a warning. */
static int
string_array(struct walk *w, json_t *arr, struct loc l, const char *key,
             const char ***out, size_t *n)
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
			walk_warn(w, l, key,
			          "an element that is not a string, "
			          "skipped");
			continue;
		}
		if (walk_copy_str(w, e, l, key, &v[k]) != 0)
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
decode_nested_array(struct walk *w, struct report_policy *p, struct loc l)
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
		walk_warn(w, l, "policy-string",
		          "a JSON-encoded array in a string, decoded");
out:
	json_decref(inner);
	return ret;
}

static int
policy_strings(struct walk *w, json_t *pol, struct loc l,
               struct report_policy *p)
{
	json_t *v = json_object_get(pol, "policy-string");
	int expected = strcmp(p->policy_type, "no-policy-found") != 0;

	if (v == NULL || json_is_null(v)) {
		if (expected)
			walk_warn(w, l, "policy-string", "missing");
		return 0;
	}
	if (json_is_string(v)) {
		walk_warn(w, l, "policy-string", "a string, not an array");
		if ((p->policy_strings = arena_alloc(w->a, sizeof(char *))) ==
		    NULL)
			return errbuf_set(w->eb, "out of memory");
		p->npolicy_strings = 1;
		if (walk_copy_str(w, v, l, "policy-string",
		                  &p->policy_strings[0]) != 0)
			return -1;
	} else if (json_is_array(v)) {
		if (string_array(w, v, l, "policy-string", &p->policy_strings,
		                 &p->npolicy_strings) != 0)
			return -1;
	} else {
		walk_warn(w, l, "policy-string", "not an array, ignored");
		return 0;
	}
	if (p->npolicy_strings == 0 && expected)
		walk_warn(w, l, "policy-string", "empty");
	if (p->npolicy_strings == 1)
		return decode_nested_array(w, p, l);
	return 0;
}

/* Normalizes the mx-host patterns: domains in lower case; a leaked policy
 * line prefix "mx:" removed (seen from Stalwart). */
static int
norm_mx_hosts(struct walk *w, struct loc l, struct report_policy *p)
{
	size_t i, k = 0;

	for (i = 0; i < p->nmx_hosts; i++) {
		const char *s = p->mx_hosts[i];

		if (strncasecmp(s, "mx:", 3) == 0) {
			for (s += 3; *s == ' ' || *s == '\t'; s++)
				;
			walk_warn(w, l, "mx-host",
			          "policy line prefix \"mx:\" removed");
		}
		if (*s == '\0')
			continue;
		if ((p->mx_hosts[k++] = walk_domain(w, s)) == NULL)
			return errbuf_set(w->eb, "out of memory");
	}
	p->nmx_hosts = k;
	return 0;
}

static int
mx_hosts(struct walk *w, json_t *pol, struct loc l, struct report_policy *p)
{
	json_t *v = json_object_get(pol, "mx-host");

	if (v == NULL || json_is_null(v)) {
		if (strcmp(p->policy_type, "sts") == 0)
			walk_warn(w, l, "mx-host", "missing");
		return 0;
	}
	if (json_is_string(v)) {
		walk_warn(w, l, "mx-host",
		          json_string_length(v) ? "a string, not an array"
		                                : "an empty string");
		if ((p->mx_hosts = arena_alloc(w->a, sizeof(char *))) == NULL)
			return errbuf_set(w->eb, "out of memory");
		p->nmx_hosts = 1;
		if (walk_copy_str(w, v, l, "mx-host", &p->mx_hosts[0]) != 0)
			return -1;
	} else if (json_is_array(v)) {
		if (string_array(w, v, l, "mx-host", &p->mx_hosts,
		                 &p->nmx_hosts) != 0)
			return -1;
	} else {
		walk_warn(w, l, "mx-host", "not a string or an array, ignored");
		return 0;
	}
	return norm_mx_hosts(w, l, p);
}

/* When the reporter sent no mx-host (Microsoft never does), the MX
 * patterns are the policy's own "mx:" lines (RFC 8461 §3.2). */
static int
mx_from_policy(struct walk *w, struct report_policy *p)
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
		if ((p->mx_hosts[p->nmx_hosts++] = walk_domain(w, s)) == NULL)
			return errbuf_set(w->eb, "out of memory");
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

static int
walk_summary(struct walk *w, json_t *obj, long pi, struct report_policy *p)
{
	struct loc l = {pi, -1, "summary"};
	json_t *sum = json_object_get(obj, "summary");

	if (sum == NULL) {
		walk_warn(w, (struct loc){pi, -1, NULL}, "summary",
		          "missing, sessions taken as 0");
		return 0;
	}
	if (!json_is_object(sum))
		return walk_fail(w, (struct loc){pi, -1, NULL}, "summary",
		                 "not an object");
	if (walk_count(w, sum, l, "total-successful-session-count", 0,
	               &p->successful_sessions) ||
	    walk_count(w, sum, l, "total-failure-session-count", 0,
	               &p->failed_sessions))
		return -1;
	return 0;
}

static int
walk_detail(struct walk *w, json_t *d, struct loc l, struct report_failure *f)
{
	const char *s;

	if (!json_is_object(d))
		return walk_fail(w, l, NULL, "not an object");
	if (walk_required_str(w, d, l, "result-type", &f->result_type) ||
	    walk_count(w, d, l, "failed-session-count", 1, &f->failed_sessions))
		return -1;
	if (!is_one_of(f->result_type, result_types))
		warn_unknown(w, l, "result-type", f->result_type);
	if (walk_optional_str(w, d, l, "sending-mta-ip", &s))
		return -1;
	f->sending_mta_ip = walk_ip(w, l, "sending-mta-ip", s);
	if (walk_optional_str(w, d, l, "receiving-ip", &s))
		return -1;
	f->receiving_ip = walk_ip(w, l, "receiving-ip", s);
	if (walk_optional_str(w, d, l, "receiving-mx-hostname", &s))
		return -1;
	f->receiving_mx_hostname = s ? walk_domain(w, s) : NULL;
	if (walk_optional_str(w, d, l, "receiving-mx-helo",
	                      &f->receiving_mx_helo) ||
	    walk_optional_str(w, d, l, "additional-information",
	                      &f->additional_information) ||
	    walk_optional_str(w, d, l, "failure-reason-code",
	                      &f->failure_reason_code))
		return -1;
	if (f->failure_reason_code == NULL &&
	    json_object_get(d, "failure-error-code") != NULL) {
		if (walk_optional_str(w, d, l, "failure-error-code",
		                      &f->failure_reason_code))
			return -1;
		walk_warn(w, l, "failure-error-code",
		          "draft-era key, stored as failure-reason-code");
	}
	return 0;
}

static int
walk_details(struct walk *w, json_t *obj, long pi, struct report_policy *p)
{
	struct loc l = {pi, -1, NULL};
	json_t *arr = json_object_get(obj, "failure-details");
	int64_t sum = 0;
	size_t i, n;
	char what[160];

	if (arr == NULL || json_is_null(arr)) {
		if (p->failed_sessions > 0)
			walk_warn(w, l, "failure-details", "missing");
		return 0;
	}
	if (!json_is_array(arr))
		return walk_fail(w, l, "failure-details", "not an array");
	n = json_array_size(arr);
	if (n > LIMIT_FAILURE_DETAILS - w->ndetails)
		return walk_fail(w, l, "failure-details",
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
		walk_warn(w, (struct loc){pi, -1, NULL}, NULL, what);
	}
	return 0;
}

int
walk_policy(struct walk *w, json_t *obj, long pi, struct report_policy *p)
{
	struct loc l = {pi, -1, "policy"};
	json_t *pol;
	const char *domain;

	if (!json_is_object(obj))
		return walk_fail(w, (struct loc){pi, -1, NULL}, NULL,
		                 "not an object");
	pol = json_object_get(obj, "policy");
	if (pol == NULL)
		return walk_fail(w, l, "policy-type", "missing");
	if (!json_is_object(pol))
		return walk_fail(w, (struct loc){pi, -1, NULL}, "policy",
		                 "not an object");
	if (walk_required_str(w, pol, l, "policy-type", &p->policy_type))
		return -1;
	if (!is_one_of(p->policy_type, policy_types))
		warn_unknown(w, l, "policy-type", p->policy_type);
	if (policy_strings(w, pol, l, p) || mx_hosts(w, pol, l, p) ||
	    mx_from_policy(w, p) ||
	    walk_optional_str(w, pol, l, "policy-domain", &domain))
		return -1;
	p->policy_domain = domain ? walk_domain(w, domain) : NULL;
	p->policy_mode = policy_mode(p);
	if (walk_summary(w, obj, pi, p) || walk_details(w, obj, pi, p))
		return -1;
	return 0;
}

int
fill_domains(struct walk *w, const struct report_hints *hints)
{
	struct report *r = w->r;
	const char *other = NULL;
	size_t i;

	for (i = 0; i < r->npolicies && other == NULL; i++)
		if (r->policies[i].policy_domain != NULL &&
		    r->policies[i].policy_domain[0] != '\0')
			other = r->policies[i].policy_domain;
	for (i = 0; i < r->npolicies; i++) {
		struct report_policy *p = &r->policies[i];
		struct loc l = {(long)i, -1, "policy"};

		if (p->policy_domain != NULL)
			continue;
		if (other != NULL) {
			p->policy_domain = other;
			walk_warn(w, l, "policy-domain",
			          "missing, taken from another policy");
		} else if (hints != NULL && hints->report_domain != NULL) {
			p->policy_domain = walk_domain(w, hints->report_domain);
			walk_warn(w, l, "policy-domain",
			          "missing, taken from TLS-Report-Domain");
		} else {
			p->policy_domain = "";
			walk_warn(w, l, "policy-domain",
			          "missing, stored empty");
		}
		if (p->policy_domain == NULL)
			return errbuf_set(w->eb, "out of memory");
	}
	return 0;
}

struct rank {
	struct report_policy *p;
	size_t index;
};

/* By domain, then report order: each domain's policies in one run. */
static int
rank_cmp(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;
	int c = strcmp(x->p->policy_domain, y->p->policy_domain);

	if (c != 0)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* a + b, held at INT64_MAX: a report may hold 10,000 policies of 2^53
 * sessions each, more than 64 bits can sum. */
static int64_t
add_held(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/*
 * DESIGN.md "Counting", for the policies rk[0..n) of one domain: the
 * policies of one type are distinct sessions and add up; the sts group
 * and the tlsa group are the same sessions seen twice (Microsoft), so only
 * the larger stands, tlsa on a tie (DANE takes precedence, RFC 8461 §2);
 * no-policy-found and other types always count. Of those that count, the
 * first in report order also carries the report, so that a domain's report
 * count counts each report once.
 */
static void
mark_domain(struct rank *rk, size_t n)
{
	int64_t sts = 0, tlsa = 0;
	int has_sts = 0, has_tlsa = 0, carried = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct report_policy *p = rk[i].p;

		if (strcmp(p->policy_type, "sts") == 0) {
			has_sts = 1;
			sts = add_held(sts, report_policy_sessions(p));
		} else if (strcmp(p->policy_type, "tlsa") == 0) {
			has_tlsa = 1;
			tlsa = add_held(tlsa, report_policy_sessions(p));
		}
	}
	for (i = 0; i < n; i++) {
		struct report_policy *p = rk[i].p;

		if (has_sts && has_tlsa && strcmp(p->policy_type, "sts") == 0)
			p->counts_for_domain = sts > tlsa;
		else if (has_sts && has_tlsa &&
		         strcmp(p->policy_type, "tlsa") == 0)
			p->counts_for_domain = tlsa >= sts;
		else
			p->counts_for_domain = 1;
		/* The first that counts carries the report in report counts. */
		if (p->counts_for_domain && !carried) {
			p->counts_for_domain = POLICY_CARRIES;
			carried = 1;
		}
	}
}

int
mark_counting(struct walk *w)
{
	struct report *r = w->r;
	struct rank *rk;
	size_t i, run;

	if (r->npolicies == 1) {
		r->policies[0].counts_for_domain = POLICY_CARRIES;
		return 0;
	}
	if ((rk = calloc(r->npolicies, sizeof(*rk))) == NULL)
		return errbuf_set(w->eb, "out of memory");
	for (i = 0; i < r->npolicies; i++)
		rk[i] = (struct rank){&r->policies[i], i};
	qsort(rk, r->npolicies, sizeof(*rk), rank_cmp);
	for (run = 0, i = 1; i <= r->npolicies; i++) {
		if (i < r->npolicies && strcmp(rk[i].p->policy_domain,
		                               rk[run].p->policy_domain) == 0)
			continue;
		mark_domain(rk + run, i - run);
		run = i;
	}
	free(rk);
	return 0;
}
