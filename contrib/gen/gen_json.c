/*
 * gen_json.c - the report JSON per sender shape: policies, policy strings
 * (MTA-STS lines or TLSA records), summaries and failure details.
 */
#include <stdio.h>
#include <string.h>

#include "gen_json.h"
#include "gen_jw.h"
#include "gen_time.h"

static const char *const pt_name[] = {"sts", "tlsa", "no-policy-found"};
static const char *const mode_name[] = {"enforce", "testing"};

static void
ip_sending(char *out, size_t n, int org, unsigned mta)
{
	const struct gen_org *o = &gen_orgs[org];

	if (mta & MTA_V6)
		snprintf(out, n, "%s::%x", o->v6net, (mta & 0xffff) + 1);
	else
		snprintf(out, n, "%s.%u", o->v4net, o->v4lo + mta);
}

static void
ip_receiving(char *out, size_t n, uint64_t dom, unsigned mx)
{
	if ((dom + mx) % 3 == 0)
		snprintf(out, n, "2001:db8:%x:%x::%x",
		         (unsigned)(0xd000 + dom / 0xffff),
		         (unsigned)(dom % 0xffff + 1), mx);
	else
		snprintf(out, n, "203.0.113.%u",
		         (unsigned)((dom * 2 + mx) % 254 + 1));
}

/* Appends the decimal v at out; returns the end. */
static char *
put_uint(char *out, unsigned v)
{
	char tmp[12];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(out, tmp + i, sizeof(tmp) - i);
	return out + (sizeof(tmp) - i);
}

/* The k-th MX pattern of a policy, after `prefix` ("" or "mx: "). This runs
 * for every padded policy-string line, so it avoids snprintf. */
static void
mx_name(char *out, size_t n, const struct gen_policy *p, unsigned k,
        const char *prefix)
{
	size_t plen = strlen(prefix), dlen = strlen(p->domain);
	char *o = out;

	if (plen + dlen + 16 > n) {
		out[0] = '\0';
		return;
	}
	memcpy(o, prefix, plen);
	o += plen;
	if (p->mx_wild && k == 0) {
		*o++ = '*';
	} else {
		*o++ = 'm';
		*o++ = 'x';
		o = put_uint(o, p->mx_wild ? k + 2 : k + 1);
	}
	*o++ = '.';
	memcpy(o, p->domain, dlen + 1);
}

/* A failure-reason-code in the words of the software behind the sender. */
static void
reason_text(char *out, size_t n, int rt, const char *mx, const char *dom)
{
	switch (rt) {
	case RT_STARTTLS:
		snprintf(out, n, "STARTTLS not offered by %s", mx);
		break;
	case RT_EXPIRED:
		snprintf(out, n,
		         "x509: certificate has expired or is not yet valid");
		break;
	case RT_MISMATCH:
		snprintf(out, n,
		         "x509: certificate is valid for mail.hosting.example, "
		         "not %s",
		         mx);
		break;
	case RT_UNTRUSTED:
		snprintf(out, n,
		         "x509: certificate signed by unknown "
		         "authority");
		break;
	case RT_FETCH:
		snprintf(out, n,
		         "unable to do http request: Get "
		         "\"https://mta-sts.%s/.well-known/mta-sts.txt\": "
		         "context deadline exceeded",
		         dom);
		break;
	case RT_WEBPKI:
		snprintf(out, n,
		         "x509: certificate is valid for *.hosting.example, "
		         "not mta-sts.%s",
		         dom);
		break;
	case RT_TLSA_INVALID:
		snprintf(out, n, "no TLSA record matches the certificate of %s",
		         mx);
		break;
	case RT_DNSSEC_INVALID:
		snprintf(out, n, "DNSSEC validation failed: RRSIG expired");
		break;
	case RT_DANE_REQUIRED:
		snprintf(out, n, "TLSA records unusable for %s", mx);
		break;
	default:
		snprintf(out, n, "tls: handshake failure");
		break;
	}
}

/* --distinct-mtas: an address of the sender's IPv6 network of its own
 * for detail `seq` of policy `pol` of the report, as a large provider's
 * pools make them (nearly every failure from another address). */
static void
ip_distinct(char *out, size_t n, const struct gen_model *m, size_t pol,
            size_t seq)
{
	uint64_t h = gen_rand_mix64(m->pl.idx * 64 + pol * 16 + seq);

	snprintf(out, n, "%s:%x:%x::%x", gen_orgs[m->pl.org].v6net,
	         (unsigned)(h & 0xffff), (unsigned)(h >> 16 & 0xffff),
	         (unsigned)(h >> 32 & 0xffff) + 1);
}

static void
json_detail(struct gen_jw *w, const struct gen_model *m,
            const struct gen_policy *p, const struct gen_detail *d, size_t seq)
{
	char ip[64], mx[DOMAIN_MAX + 16], text[256];

	gen_jw_open(w, '{');
	gen_jw_kstr(w, "result-type", gen_rt_name[d->rt]);
	if (d->fields & F_MTA) {
		if (m->distinct_mtas)
			ip_distinct(ip, sizeof(ip), m, (size_t)(p - m->pol),
			            seq);
		else
			ip_sending(ip, sizeof(ip), m->pl.org, d->mta);
		gen_jw_kstr(w, "sending-mta-ip", ip);
	}
	snprintf(mx, sizeof(mx), "mx%u.%s", d->mx ? d->mx : 1, p->domain);
	if (d->fields & F_MX)
		gen_jw_kstr(w, "receiving-mx-hostname", mx);
	if (d->fields & F_HELO)
		gen_jw_kstr(w, "receiving-mx-helo", mx);
	if (d->fields & F_RIP) {
		ip_receiving(ip, sizeof(ip), m->pl.dom, d->mx);
		gen_jw_kstr(w, "receiving-ip", ip);
	}
	gen_jw_kint(w, "failed-session-count", d->count);
	if (d->fields & F_INFO) {
		snprintf(
		    text, sizeof(text),
		    "https://tlsrpt.mail-services.example/details?id=%08x",
		    (unsigned)(gen_rand_mix64(m->pl.idx * 131 + d->mta) >> 32));
		gen_jw_kstr(w, "additional-information", text);
	}
	if (d->fields & F_REASON) {
		reason_text(text, sizeof(text), d->rt, mx, p->domain);
		gen_jw_kstr(w, "failure-reason-code", text);
	}
	gen_jw_close(w, '}');
}

static void
tlsa_record(char *out, size_t n, const struct gen_model *m, unsigned k,
            int upper)
{
	static const char hexu[] = "0123456789ABCDEF",
	                  hexl[] = "0123456789abcdef";
	const char *hex = upper ? hexu : hexl;
	size_t o;

	o = (size_t)snprintf(out, n, "%u 1 1 ", m->dp.tlsa_usage);
	for (unsigned j = 0; j < 32 && o + 2 < n; j++) {
		unsigned byte =
		    (unsigned)(gen_rand_mix64(m->dp.tlsa_seed + k * 32 + j) &
		               0xff);

		out[o++] = hex[byte >> 4];
		out[o++] = hex[byte & 15];
	}
	out[o] = '\0';
}

/* Microsoft's TLSA policy-string: one string holding a JSON-encoded
 * array of the records. */
static void
json_tlsa_microsoft(struct gen_jw *w, struct gen_model *m,
                    const struct gen_policy *p)
{
	char line[DOMAIN_MAX + 80];
	struct gen_buf *s = &m->scratch;

	s->len = 0;
	gen_buf_putc(s, '[');
	for (unsigned k = 0; k < p->ntlsa; k++) {
		tlsa_record(line, sizeof(line), m, k, 1);
		if (k)
			gen_buf_putc(s, ',');
		gen_jw_escaped(s, line);
	}
	gen_buf_putc(s, ']');
	gen_jw_str(w, s->p);
}

/* The lines of an MTA-STS policy (RFC 8461 §3.2), max_age first or last
 * as the domain writes it. */
static void
json_sts_lines(struct gen_jw *w, const struct gen_model *m,
               const struct gen_policy *p)
{
	char line[DOMAIN_MAX + 80];

	gen_jw_str(w, "version: STSv1");
	snprintf(line, sizeof(line), "mode: %s", mode_name[p->mode]);
	gen_jw_str(w, line);
	snprintf(line, sizeof(line), "max_age: %u", m->dp.max_age);
	if (m->dp.maxage_first)
		gen_jw_str(w, line);
	for (unsigned k = 0; k < p->nmx; k++) {
		mx_name(line, sizeof(line), p, k, "mx: ");
		gen_jw_str(w, line);
	}
	if (!m->dp.maxage_first) {
		snprintf(line, sizeof(line), "max_age: %u", m->dp.max_age);
		gen_jw_str(w, line);
	}
}

static void
json_policy_strings(struct gen_jw *w, struct gen_model *m,
                    const struct gen_policy *p)
{
	char line[DOMAIN_MAX + 80];

	gen_jw_key(w, "policy-string");
	gen_jw_open(w, '[');
	if (p->type == PT_TLSA && m->pl.org == ORG_MICROSOFT) {
		json_tlsa_microsoft(w, m, p);
	} else if (p->type == PT_TLSA) {
		for (unsigned k = 0; k < p->ntlsa; k++) {
			tlsa_record(line, sizeof(line), m, k, 0);
			gen_jw_str(w, line);
		}
	} else {
		json_sts_lines(w, m, p);
	}
	gen_jw_close(w, ']');
}

/* The "policy" object of a policy (RFC 8460 §4.4). */
static void
json_policy_object(struct gen_jw *w, struct gen_model *m,
                   const struct gen_policy *p)
{
	char mx[DOMAIN_MAX + 16];

	gen_jw_key(w, "policy");
	gen_jw_open(w, '{');
	gen_jw_kstr(w, "policy-type", pt_name[p->type]);
	if (p->with_string)
		json_policy_strings(w, m, p);
	else if (p->empty_arrays) {
		gen_jw_key(w, "policy-string");
		gen_jw_open(w, '[');
		gen_jw_close(w, ']');
	}
	gen_jw_kstr(w, "policy-domain", p->domain);
	if (p->with_mxhost || p->empty_arrays) {
		gen_jw_key(w, "mx-host");
		gen_jw_open(w, '[');
		for (unsigned k = 0; p->with_mxhost && k < p->nmx; k++) {
			mx_name(mx, sizeof(mx), p, k, "");
			gen_jw_str(w, mx);
		}
		gen_jw_close(w, ']');
	}
	gen_jw_close(w, '}');
}

static void
json_policy(struct gen_jw *w, struct gen_model *m, const struct gen_policy *p)
{
	const struct gen_policy *src = &m->pol[p->details_from];

	gen_jw_open(w, '{');
	json_policy_object(w, m, p);
	gen_jw_key(w, "summary");
	gen_jw_open(w, '{');
	gen_jw_kint(w, "total-successful-session-count", p->successful);
	gen_jw_kint(w, "total-failure-session-count", gen_model_failed(m, p));
	gen_jw_close(w, '}');
	if (src->ndet > 0 || m->pl.org == ORG_STALWART) {
		gen_jw_key(w, "failure-details");
		gen_jw_open(w, '[');
		for (size_t i = 0; i < src->ndet; i++)
			json_detail(w, m, p, &src->det[i], i);
		gen_jw_close(w, ']');
	}
	gen_jw_close(w, '}');
}

void
gen_json_report(struct gen_model *m, struct gen_buf *b)
{
	const struct gen_org *o = &gen_orgs[m->pl.org];
	char s[40], e[40];
	struct gen_jw w;

	b->len = 0;
	gen_jw_init(&w, b, o->indent);
	gen_time_rfc3339(s, sizeof(s), m->start, o->zulu);
	gen_time_rfc3339(e, sizeof(e), m->end, o->zulu);
	gen_jw_open(&w, '{');
	if (m->pl.org == ORG_GENERIC)
		gen_jw_kstr(&w, "report-id", m->report_id);
	gen_jw_kstr(&w, "organization-name", o->name);
	gen_jw_key(&w, "date-range");
	gen_jw_open(&w, '{');
	gen_jw_kstr(&w, "start-datetime", s);
	gen_jw_kstr(&w, "end-datetime", e);
	gen_jw_close(&w, '}');
	gen_jw_key(&w, "contact-info");
	if (o->contact)
		gen_jw_str(&w, o->contact);
	else
		gen_jw_null(&w);
	if (m->pl.org != ORG_GENERIC)
		gen_jw_kstr(&w, "report-id", m->report_id);
	gen_jw_key(&w, "policies");
	gen_jw_open(&w, '[');
	for (int i = 0; i < m->npol; i++)
		json_policy(&w, m, &m->pol[i]);
	gen_jw_close(&w, ']');
	gen_jw_close(&w, '}');
	if (o->indent)
		gen_buf_putc(b, '\n');
}
