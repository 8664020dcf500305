/*
 * report_domain.c - the domain each policy of a report names, and which
 * policies count for it (DESIGN.md "Counting").
 *
 * A policy without policy-domain takes, in this order, the domain of
 * another policy of the report, the mail's TLS-Report-Domain header, or
 * the domain in an RFC 8460 §5.3 file name (Postfix's reporter leaves it
 * out on no-policy-found); only then is it stored empty. Each fallback is
 * recorded as a warning.
 *
 * Every domain of a report (policy-domain, mx-host, receiving-mx-hostname)
 * is stored in one form, its A-labels (RFC 8460 §4.4), so that blanks,
 * full-width letters or U-labels cannot split one domain into several.
 */
#include <idn2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_walk.h"

/* The length of the blank at s[0..n): ASCII white space, or the no-break
 * (U+00A0) and ideographic (U+3000) spaces that copying from a web page or
 * a CJK input method brings; 0 when there is none. */
static size_t
blank_at(const char *s, size_t n)
{
	if (n >= 1 && s[0] != '\0' && strchr(" \t\r\n\v\f", s[0]) != NULL)
		return 1;
	if (n >= 2 && memcmp(s, "\xc2\xa0", 2) == 0)
		return 2;
	if (n >= 3 && memcmp(s, "\xe3\x80\x80", 3) == 0)
		return 3;
	return 0;
}

/* The length of the blank that ends s[0..n); 0 when there is none. */
static size_t
blank_before(const char *s, size_t n)
{
	size_t k;

	for (k = 1; k <= 3 && k <= n; k++)
		if (blank_at(s + n - k, k) == k)
			return k;
	return 0;
}

/* Whether s[0..n) is an LDH name (RFC 5890 §2.3.1) with no empty label:
 * what an A-label conversion must give. */
static int
is_ldh(const char *s, size_t n)
{
	size_t i, label = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		           c == '-') {
			label++;
		} else {
			return 0;
		}
	}
	return label > 0;
}

/* s[0..n) in the arena, lower case, trailing dots removed: the whole
 * normalization of a plain ASCII domain. */
static const char *
ascii_fold(struct report_walk *w, const char *s, size_t n)
{
	size_t i;
	char *d;

	while (n > 0 && s[n - 1] == '.')
		n--;
	if ((d = arena_strndup(w->a, s, n)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (d[i] >= 'A' && d[i] <= 'Z')
			d[i] += 'a' - 'A';
	return d;
}

/*
 * The A-label form of s[0..n), a domain with blanks around it or bytes
 * that are not ASCII: 0 with *out in the arena, 1 with *why when it does
 * not convert, -1 out of memory.
 *
 * UTS #46 nontransitional mapping (full-width letters and dots, upper case,
 * U-labels; RFC 5895) by libidn2, but without IDN2_USE_STD3_ASCII_RULES:
 * libidn2 2.3.3 then deletes a character STD3 disallows instead of failing
 * ("exa_mple.bücher" became "example.xn--bcher-kva", another domain), so
 * the LDH rule is checked on the result here.
 */
static int
domain_convert(struct report_walk *w, const char *s, size_t n, const char **out,
               const char **why)
{
	const char *wild = "";
	char *in, *ascii = NULL;
	size_t i, k;
	int rc;

	while ((k = blank_at(s, n)) > 0)
		s += k, n -= k;
	while ((k = blank_before(s, n)) > 0)
		n -= k;
	for (i = 0; i < n && (unsigned char)s[i] < 0x80; i++)
		;
	if (i == n)
		return (*out = ascii_fold(w, s, n)) != NULL ? 0 : -1;
	/* An mx-host pattern's wildcard label (RFC 8461 §3.2) is not mapped. */
	if (n >= 2 && s[0] == '*' && s[1] == '.')
		wild = "*.", s += 2, n -= 2;
	if ((in = arena_strndup(w->a, s, n)) == NULL)
		return -1;
	rc = idn2_to_ascii_8z(in, &ascii, IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK) {
		*why = idn2_strerror(rc);
		return 1;
	}
	for (n = strlen(ascii); n > 0 && ascii[n - 1] == '.'; n--)
		;
	if (!is_ldh(ascii, n)) {
		idn2_free(ascii);
		*why = "not a host name of letters, digits and '-'";
		return 1;
	}
	*out = arena_printf(w->a, "%s%.*s", wild, (int)n, ascii);
	idn2_free(ascii);
	return *out != NULL ? 0 : -1;
}

/* The stored form of domain s: 0 with *out, 1 with *why when it does not
 * convert, -1 out of memory. *changed is set when more than case and
 * trailing dots changed (blanks, full-width forms, U-labels): that is
 * worth a warning, lower case is not (DESIGN.md "Normalized values"). */
static int
domain_norm(struct report_walk *w, const char *s, const char **out,
            const char **why, int *changed)
{
	size_t i;

	/* The hot path: a plain ASCII name needs no table look-up. */
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] >= 0x80 || blank_at(s + i, 1) != 0) {
			*changed = 1;
			return domain_convert(w, s, strlen(s), out, why);
		}
	*changed = 0;
	return (*out = ascii_fold(w, s, i)) != NULL ? 0 : -1;
}

/*
 * The stored form of a domain in the report at (l, key): lower case,
 * trailing dots removed; blanks around it, full-width forms and U-labels
 * converted to A-labels (RFC 8460 §4.4) with a warning naming the field.
 * NULL with the reason in w->eb when it does not convert, or out of memory.
 */
const char *
report_walk_domain(struct report_walk *w, struct report_loc l, const char *key,
                   const char *s)
{
	const char *out = NULL, *why = NULL;
	char what[160];
	int changed, rc = domain_norm(w, s, &out, &why, &changed);

	if (rc < 0) {
		errbuf_set(w->eb, "out of memory");
		return NULL;
	}
	if (rc > 0) {
		snprintf(what, sizeof(what), "not a domain name (%s)", why);
		report_walk_fail(w, l, key, what);
		return NULL;
	}
	if (changed) {
		snprintf(what, sizeof(what),
		         "stored as \"%.80s\" (RFC 8460 §4.4: A-labels)", out);
		report_walk_warn(w, l, key, what);
	}
	return out;
}

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
fallback_domain(struct report_walk *w, const struct report_hints *hints,
                const char **how)
{
	const char *d, *out = NULL, *why = NULL;
	size_t n;
	char *s;
	int changed, rc;

	/* A source that does not convert is passed over: the report itself
	 * is not at fault for a header or a file name. */
	if (hints != NULL && hints->report_domain != NULL &&
	    (rc = domain_norm(w, hints->report_domain, &out, &why, &changed)) <=
	        0) {
		*how = "missing, taken from TLS-Report-Domain";
		return rc == 0 ? out : NULL;
	}
	if (hints != NULL && hints->file_name != NULL &&
	    file_name_domain(hints->file_name, &d, &n)) {
		if ((s = arena_strndup(w->a, d, n)) == NULL)
			return NULL;
		if ((rc = domain_norm(w, s, &out, &why, &changed)) <= 0) {
			*how = "missing, taken from the file name "
			       "(RFC 8460 §5.3)";
			return rc == 0 ? out : NULL;
		}
	}
	*how = "missing, stored empty";
	return "";
}

int
report_fill_domains(struct report_walk *w, const struct report_hints *hints)
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
		struct report_loc l = {(long)i, -1, "policy"};

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
		report_walk_warn(w, l, "policy-domain", how);
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
report_mark_counting(struct report_walk *w)
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
