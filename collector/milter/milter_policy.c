/*
 * milter_policy.c - the milter's decisions as plain functions (see
 * milter_policy.h).
 */
#include <ctype.h>
#include <libpsl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
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

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *psl;

/* The newer of the system's list (Debian's publicsuffix package) and the
 * one built into libpsl; loaded once, read-only after, never freed. */
static void
psl_load(void)
{
	psl = psl_latest(NULL);
	if (psl == NULL)
		psl = psl_builtin();
}

int
milter_org_domain(const char *domain, char *out, size_t size)
{
	char lc[256];
	const char *reg;
	size_t n = 0;

	out[0] = '\0';
	if (domain == NULL)
		return -1;
	for (; *domain != '\0' && n + 1 < sizeof(lc); domain++)
		lc[n++] = (char)tolower((unsigned char)*domain);
	if (*domain != '\0')
		return -1;
	while (n > 0 && lc[n - 1] == '.')
		n--;
	lc[n] = '\0';
	pthread_once(&psl_once, psl_load);
	/* An empty name, a single label or a public suffix itself has no
	 * organizational domain: nothing signed can stand for it. */
	if (psl == NULL || n == 0 || lc[0] == '.' ||
	    (reg = psl_registrable_domain(psl, lc)) == NULL)
		return -1;
	if ((size_t)snprintf(out, size, "%s", reg) >= size) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* The signing domain of a dkim result: header.d, else the domain of
 * header.i (RFC 6376 §3.5: i= is an address in d= or below). */
static const char *
signing_domain(const struct authres_result *r)
{
	const char *d = authres_prop(r, "header.d"), *at;

	if (d != NULL && d[0] != '\0')
		return d;
	if ((d = authres_prop(r, "header.i")) == NULL)
		return "";
	return (at = strrchr(d, '@')) != NULL ? at + 1 : d;
}

/* Our MTA's header: the topmost with authserv_id (MTAs prepend, RFC 8601
 * §5, and the MTA removes inbound ones with that id); any topmost one when
 * authserv_id is NULL. -1 when there is none; 1 when it is unreadable. */
static int
our_header(const char *const *ar, size_t n, const char *authserv_id,
           struct authres *a, struct errbuf *eb)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = authres_parse(ar[i], strlen(ar[i]), a, eb);
		if (authserv_id == NULL ||
		    strcasecmp(a->authserv_id, authserv_id) == 0)
			return rc == 0 ? 0 : 1;
	}
	return -1;
}

/* Judges the results of our header for the submitter's org domain. */
static int
dkim_results(const struct authres *a, const char *org, char *out, size_t size)
{
	char sorg[256];
	size_t i;

	for (i = 0; i < a->nresults; i++) {
		const struct authres_result *r = &a->results[i];
		const char *d = signing_domain(r);

		if (strcmp(r->method, "dkim") != 0)
			continue;
		if (strcmp(r->result, "pass") == 0 && org[0] != '\0' &&
		    milter_org_domain(d, sorg, sizeof(sorg)) == 0 &&
		    strcmp(sorg, org) == 0) {
			snprintf(out, size, "pass header.d=%s", d);
			return 1;
		}
		if (strcmp(out, "none") == 0)
			snprintf(out, size, "%s header.d=%s", r->result,
			         d[0] ? d : "-");
	}
	return 0;
}

int
milter_dkim(const char *const *auth_results, size_t n, const char *authserv_id,
            const char *domain, char *out, size_t size)
{
	struct authres *a;
	struct errbuf eb = {""};
	char org[256];
	int pass = 0;

	snprintf(out, size, "none");
	/* No header (no verifier ran, or the MTA removed a sender's):
	 * nothing to parse, no domain to look up, and none of the 234 KiB
	 * of a struct authres to allocate. */
	if (n == 0)
		return 0;
	/* Not zeroed here: authres_parse() sets what it fills. */
	if ((a = malloc(sizeof(*a))) == NULL)
		return 0;
	if (milter_org_domain(domain, org, sizeof(org)) != 0)
		org[0] = '\0';
	switch (our_header(auth_results, n, authserv_id, a, &eb)) {
	case 0:
		pass = dkim_results(a, org, out, size);
		break;
	case 1:
		snprintf(out, size, "none (%s)", eb.msg);
		break;
	}
	free(a);
	return pass;
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
		/* The reason names the database's path and SQLite's words:
		 * it goes to the log, never to the remote sender. */
		r->action = MILTER_TEMPFAIL;
		r->rcode = "451";
		r->xcode = "4.3.0";
		snprintf(r->text, sizeof(r->text), "%s", MILTER_TEMPFAIL_TEXT);
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
