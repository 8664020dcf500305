/*
 * milter_policy.c - the milter's decisions as plain functions (see
 * milter_policy.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mime.h"
#include "milter_policy.h"

/* An address without <>, spaces and "+detail": into buf, lower case. */
static void
addr_key(const char *a, char *buf, size_t size)
{
	size_t n = 0;
	int in_detail = 0, after_at = 0;

	for (; *a != '\0' && n + 1 < size; a++) {
		unsigned char c = (unsigned char)*a;

		if (c == '<' || c == '>' || isspace(c))
			continue;
		if (c == '@') {
			after_at = 1;
			in_detail = 0;
		} else if (c == '+' && !after_at) {
			in_detail = 1;
		}
		if (!in_detail)
			buf[n++] = (char)tolower(c);
	}
	buf[n] = '\0';
}

int
milter_rcpt_matches(const char *rcpt, const char *const *wanted, size_t nwanted)
{
	char a[512], b[512];
	size_t i;

	addr_key(rcpt, a, sizeof(a));
	for (i = 0; i < nwanted; i++) {
		addr_key(wanted[i], b, sizeof(b));
		if (strcmp(a, b) == 0)
			return 1;
	}
	return 0;
}

enum milter_candidate
milter_candidate(const char *content_type, int has_report_domain)
{
	char type[128];
	size_t n, i;

	if (has_report_domain)
		return CANDIDATE_YES;
	if (content_type == NULL)
		return CANDIDATE_NO;
	if (mime_is_tlsrpt_content_type(content_type))
		return CANDIDATE_YES;
	while (isspace((unsigned char)*content_type))
		content_type++;
	n = strcspn(content_type, "; \t\r\n");
	if (n >= sizeof(type))
		return CANDIDATE_NO;
	for (i = 0; i < n; i++)
		type[i] = (char)tolower((unsigned char)content_type[i]);
	type[n] = '\0';
	if (mime_is_report_part(type, NULL))
		return CANDIDATE_YES;
	if (strncmp(type, "multipart/", 10) == 0)
		return CANDIDATE_MAYBE;
	return CANDIDATE_NO;
}

int
milter_is_report_message(const struct mime_message *m)
{
	size_t i;

	if (m == NULL)
		return 0;
	if (m->is_tlsrpt_report)
		return 1;
	/* With no file name, only the tlsrpt media types are report parts. */
	for (i = 0; i < m->nparts; i++)
		if (mime_is_report_part(m->parts[i].media_type, NULL))
			return 1;
	return 0;
}

/* Whether two domains are the same or one is under the other. */
static int
related_domain(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	if (na == 0 || nb == 0)
		return 0;
	if (na == nb)
		return strcasecmp(a, b) == 0;
	if (na > nb)
		return a[na - nb - 1] == '.' && strcasecmp(a + na - nb, b) == 0;
	return b[nb - na - 1] == '.' && strcasecmp(b + nb - na, a) == 0;
}

/* Copies the token at s (up to whitespace or ';') into buf. */
static void
token(const char *s, char *buf, size_t size)
{
	size_t n = strcspn(s, " \t\r\n;");

	if (n >= size)
		n = size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/* Reads one "dkim=RESULT ... header.d=DOMAIN" resinfo. */
static void
dkim_resinfo(const char *s, char *result, size_t rsize, char *domain,
             size_t dsize)
{
	const char *d = strstr(s, "header.d=");
	const char *i = strstr(s, "header.i=");
	const char *at;

	token(s + 5, result, rsize);
	domain[0] = '\0';
	if (d != NULL) {
		token(d + 9, domain, dsize);
	} else if (i != NULL) {
		token(i + 9, domain, dsize);
		if ((at = strchr(domain, '@')) != NULL)
			memmove(domain, at + 1, strlen(at + 1) + 1);
	}
}

/* Scans one header value; returns 1 on a pass for domain. */
static int
dkim_header(const char *v, const char *authserv_id, const char *domain,
            char *out, size_t size)
{
	char id[256], result[32], d[256];
	const char *p;

	while (isspace((unsigned char)*v))
		v++;
	token(v, id, sizeof(id));
	if (authserv_id != NULL && strcasecmp(id, authserv_id) != 0)
		return 0;
	for (p = strchr(v, ';'); p != NULL; p = strchr(p + 1, ';')) {
		const char *r = p + 1;

		while (isspace((unsigned char)*r))
			r++;
		if (strncasecmp(r, "dkim=", 5) != 0)
			continue;
		dkim_resinfo(r, result, sizeof(result), d, sizeof(d));
		if (strcasecmp(result, "pass") == 0 &&
		    (domain == NULL || related_domain(d, domain))) {
			snprintf(out, size, "pass header.d=%s", d);
			return 1;
		}
		if (out[0] == '\0' || strcmp(out, "none") == 0)
			snprintf(out, size, "%s header.d=%s", result,
			         d[0] ? d : "-");
	}
	return 0;
}

int
milter_dkim(const char *const *auth_results, size_t n, const char *authserv_id,
            const char *domain, char *out, size_t size)
{
	size_t i;

	snprintf(out, size, "none");
	for (i = 0; i < n; i++)
		if (dkim_header(auth_results[i], authserv_id, domain, out,
		                size))
			return 1;
	return 0;
}

/* Copies s into a header value: printable ASCII, at most max bytes. */
static void
header_safe(char *dst, size_t size, const char *s, size_t max)
{
	size_t n = 0;

	for (; s != NULL && *s != '\0' && n + 1 < size && n < max; s++)
		/* No ';' (it separates the header's fields), no '%' (the MTA
		 * may format the reply text). */
		dst[n++] = (*s >= 0x20 && *s < 0x7f && *s != ';' && *s != '%')
		               ? *s
		               : '?';
	dst[n] = '\0';
}

void
milter_reply_for(const struct milter_tally *t,
                 const struct milter_options_reply *o, struct milter_reply *r)
{
	char org[128], id[160], dom[128], why[200];

	memset(r, 0, sizeof(*r));
	header_safe(why, sizeof(why), t->reason ? t->reason : "no report",
	            sizeof(why) - 1);
	if (t->tempfail > 0) {
		r->action = MILTER_TEMPFAIL;
		r->rcode = "451";
		r->xcode = "4.3.0";
		snprintf(r->text, sizeof(r->text),
		         "TLS report not stored, try again later: %s", why);
		return;
	}
	if (t->stored + t->duplicate > 0) {
		header_safe(org, sizeof(org), t->organization, 100);
		header_safe(id, sizeof(id), t->report_id, 150);
		header_safe(dom, sizeof(dom), t->policy_domain, 100);
		/* A report sent again with other content is still a
		 * duplicate, but the header says so: its bytes wait in the
		 * quarantine for someone to compare. */
		snprintf(r->header, sizeof(r->header),
		         "%s; org=%s; report-id=%s; policy-domain=%s; "
		         "reports=%zu%s%s",
		         t->stored > 0      ? "stored"
		         : t->different > 0 ? "duplicate, different content"
		                            : "duplicate",
		         org, id, dom, t->stored + t->duplicate,
		         t->stored > 0 && t->different > 0
		             ? "; some duplicates with different content"
		             : "",
		         t->rejected > 0 ? "; some parts rejected" : "");
		r->action = o->discard_stored ? MILTER_DISCARD : MILTER_ACCEPT;
		return;
	}
	snprintf(r->header, sizeof(r->header), "invalid; reason=%s", why);
	if (o->reject_invalid) {
		r->action = MILTER_REJECT;
		r->rcode = "550";
		r->xcode = "5.6.0";
		snprintf(r->text, sizeof(r->text), "no valid TLS report: %s",
		         why);
		return;
	}
	r->action = MILTER_ACCEPT;
}
