/*
 * report_domain.c - the domain each policy of a report names, and which
 * policies count for it (DESIGN.md "Counting").
 *
 * A policy without policy-domain takes, in this order, the domain of
 * another policy of the report, the mail's TLS-Report-Domain header, or
 * the domain in an RFC 8460 §5.3 file name (Postfix's reporter leaves it
 * out on no-policy-found); only then is it stored empty. Each fallback is
 * recorded as a warning.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report_walk.h"

static int
all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/*
 * The policy domain of an RFC 8460 §5.3 file name,
 * "sender!policy-domain!begin!end[!unique-id].json[.gz]", after any
 * directory: its start and length in *dom. Returns 0 when the name is not
 * of that form (the timestamps must be digits, the extension json or
 * json.gz), so that no domain is guessed from another kind of name.
 */
static int
file_name_domain(const char *path, const char **dom, size_t *dlen)
{
	const char *name = strrchr(path, '/'), *f[6], *at, *end;
	size_t n = 0, len[6], nlen;

	name = name ? name + 1 : path;
	nlen = strlen(name);
	if (nlen > 5 && strcmp(name + nlen - 5, ".json") == 0)
		end = name + nlen - 5;
	else if (nlen > 8 && strcmp(name + nlen - 8, ".json.gz") == 0)
		end = name + nlen - 8;
	else
		return 0;
	for (at = name; n < 6; n++) {
		const char *bang = memchr(at, '!', (size_t)(end - at));

		f[n] = at;
		len[n] = (size_t)((bang ? bang : end) - at);
		if (bang == NULL)
			break;
		at = bang + 1;
	}
	/* n is the index of the last field: 3 or 4 for 4 or 5 fields. */
	if (n < 3 || n > 4 || len[1] == 0 || !all_digits(f[2], len[2]) ||
	    !all_digits(f[3], len[3]))
		return 0;
	*dom = f[1];
	*dlen = len[1];
	return 1;
}

/* The domain of last resort for policies that name none; "" when there is
 * none. Sets *how to the warning that says where it came from. */
static const char *
fallback_domain(struct walk *w, const struct report_hints *hints,
                const char **how)
{
	const char *d;
	size_t n;
	char *s;

	if (hints != NULL && hints->report_domain != NULL) {
		*how = "missing, taken from TLS-Report-Domain";
		return walk_domain(w, hints->report_domain);
	}
	if (hints != NULL && hints->file_name != NULL &&
	    file_name_domain(hints->file_name, &d, &n)) {
		*how = "missing, taken from the file name (RFC 8460 §5.3)";
		if ((s = arena_strndup(w->a, d, n)) == NULL)
			return NULL;
		return walk_domain(w, s);
	}
	*how = "missing, stored empty";
	return "";
}

int
fill_domains(struct walk *w, const struct report_hints *hints)
{
	struct report *r = w->r;
	const char *other = NULL, *last = NULL, *how = NULL;
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
			how = "missing, taken from another policy";
		} else {
			if (last == NULL &&
			    (last = fallback_domain(w, hints, &how)) == NULL)
				return errbuf_set(w->eb, "out of memory");
			p->policy_domain = last;
		}
		if (p->policy_domain == NULL)
			return errbuf_set(w->eb, "out of memory");
		walk_warn(w, l, "policy-domain", how);
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
			p->counts_for_domain = POLICY_COUNTS;
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
