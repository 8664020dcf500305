/*
 * gen_mail.c - report messages (RFC 8460 §5.3) in each sender's shape, and
 * their mboxrd records. The header texts copy what the senders send
 * (../shared/corpus), folding included.
 */
#include <stdio.h>
#include <string.h>

#include "gen_mail.h"
#include "gen_time.h"

static void
base64_lines(struct gen_buf *b, const unsigned char *p, size_t n,
             const char *nl)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
	    "vwxyz0123456789+/";
	size_t col = 0;

	gen_buf_reserve(b, n / 3 * 4 + n / 57 * 2 + 16);
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		size_t left = n - i;
		char q[4];

		if (left > 1)
			v |= (unsigned)p[i + 1] << 8;
		if (left > 2)
			v |= p[i + 2];
		q[0] = tab[v >> 18 & 63];
		q[1] = tab[v >> 12 & 63];
		q[2] = left > 1 ? tab[v >> 6 & 63] : '=';
		q[3] = left > 2 ? tab[v & 63] : '=';
		gen_buf_add(b, q, 4);
		col += 4;
		if (col == 76) {
			gen_buf_puts(b, nl);
			col = 0;
		}
	}
	if (col)
		gen_buf_puts(b, nl);
}

static void
headers_google(struct gen_buf *b, struct gen_model *m, const char *nl,
               const char *date)
{
	const struct gen_org *o = &gen_orgs[m->pl.org];
	const char *dom = m->dp.name;
	struct gen_civil c;
	uint64_t id;

	gen_time_civil(m->start, &c);
	gen_buf_printf(b,
	               "MIME-Version: 1.0%sDate: %s%sTLS-Report-Domain: "
	               "%s%sTLS-Report-Submitter: %s%s",
	               nl, date, nl, dom, nl, o->submitter, nl);
	id = gen_rand_next(&m->rng);
	gen_buf_printf(b, "Message-ID: <%08llx.%06llxtls@google.com>%s",
	               (unsigned long long)(id >> 32),
	               (unsigned long long)(id & 0xffffff), nl);
	gen_buf_printf(b,
	               "Subject: Report Domain: %s Submitter: google.com "
	               "Report-ID: <%04d.%02u.%02uT00.00.00Z+%s@google.com>%s",
	               dom, c.y, c.mon, c.day, dom, nl);
	gen_buf_printf(b, "From: %s%sTo: tlsrpt@%s%s", o->from, nl, dom, nl);
}

static void
headers_microsoft(struct gen_buf *b, const struct gen_model *m, const char *nl,
                  const char *date)
{
	const struct gen_org *o = &gen_orgs[m->pl.org];
	const char *dom = m->dp.name;

	gen_buf_printf(b,
	               "From: <%s>%sTo: \"tlsrpt@%s\" <tlsrpt@%s>%sDate: %s%s",
	               o->from, nl, dom, dom, nl, date, nl);
	gen_buf_printf(b,
	               "Subject: Report Domain: %s Submitter: microsoft.com "
	               "Report-ID:%s %s%s",
	               dom, nl, m->report_id, nl);
	gen_buf_printf(b,
	               "TLS-Report-Domain: %s%sTLS-Report-Submitter: %s%s"
	               "MIME-Version: 1.0%sMessage-ID: <%s@%s>%s",
	               dom, nl, o->submitter, nl, nl, m->report_id, dom, nl);
}

static void
headers_mailru(struct gen_buf *b, const struct gen_model *m, const char *nl,
               const char *date)
{
	const struct gen_org *o = &gen_orgs[m->pl.org];
	const char *dom = m->dp.name;

	gen_buf_printf(b, "From: %s%sDate: %s%sTo: tlsrpt@%s%s", o->from, nl,
	               date, nl, dom, nl);
	gen_buf_printf(b,
	               "Subject: Report%s Domain: %s%s Submitter: mail.ru%s"
	               " Report-ID: <%s>%s",
	               nl, dom, nl, nl, m->report_id, nl);
	gen_buf_printf(b,
	               "Auto-Submitted: auto-generated%sTLS-Report-Domain: "
	               "%s%sTLS-Report-Submitter: mail.ru%sMessage-Id: "
	               "<%s>%sMIME-Version: 1.0%s",
	               nl, dom, nl, nl, m->report_id, nl, nl);
}

static void
headers_generic(struct gen_buf *b, const struct gen_model *m, const char *nl,
                const char *date)
{
	const struct gen_org *o = &gen_orgs[m->pl.org];
	const char *dom = m->dp.name;

	gen_buf_printf(b, "From: %s%sTo: tlsrpt@%s%sDate: %s%s", o->from, nl,
	               dom, nl, date, nl);
	gen_buf_printf(b,
	               "Subject: Report Domain: %s Submitter: %s Report-ID: "
	               "<%s>%s",
	               dom, o->submitter, m->report_id, nl);
	gen_buf_printf(b,
	               "TLS-Report-Domain: %s%sTLS-Report-Submitter: %s%s"
	               "Message-ID: <tlsrpt.%llu@%s>%sMIME-Version: 1.0%s",
	               dom, nl, o->submitter, nl, (unsigned long long)m->pl.idx,
	               o->submitter, nl, nl);
}

/* The top-level Content-Type, folded as each sender folds it. */
static void
headers_content_type(struct gen_buf *b, int org, const char *nl,
                     const char *boundary)
{
	if (org == ORG_MICROSOFT)
		gen_buf_printf(
		    b,
		    "Content-Type: multipart/report;%s\tboundary=\"%s\"; "
		    "report-type=tlsrpt%s",
		    nl, boundary, nl);
	else if (org == ORG_MAILRU)
		gen_buf_printf(b,
		               "Content-Type: multipart/report; "
		               "report-type=\"tlsrpt\";%s boundary=\"%s\"%s",
		               nl, boundary, nl);
	else
		gen_buf_printf(
		    b,
		    "Content-Type: multipart/report; boundary=\"%s\"; "
		    "report-type=tlsrpt%s",
		    boundary, nl);
}

static void
msg_headers(struct gen_buf *b, struct gen_model *m,
            const struct gen_mail_parts *mp, const char *boundary)
{
	char date[64];

	gen_time_rfc5322(date, sizeof(date), mp->date);
	switch (m->pl.org) {
	case ORG_GOOGLE:
		headers_google(b, m, mp->nl, date);
		break;
	case ORG_MICROSOFT:
		headers_microsoft(b, m, mp->nl, date);
		break;
	case ORG_MAILRU:
		headers_mailru(b, m, mp->nl, date);
		break;
	default:
		headers_generic(b, m, mp->nl, date);
		break;
	}
	headers_content_type(b, m->pl.org, mp->nl, boundary);
	gen_buf_puts(b, mp->nl);
}

static void
msg_text_part(struct gen_buf *b, const struct gen_model *m,
              const struct gen_mail_parts *mp)
{
	const struct gen_org *o = &gen_orgs[m->pl.org];
	const char *nl = mp->nl;
	char day[40];

	gen_time_rfc3339(day, sizeof(day), m->start, 1);
	day[10] = '\0';
	switch (m->pl.org) {
	case ORG_GOOGLE:
		gen_buf_printf(
		    b,
		    "Content-Type: text/plain; charset=\"UTF-8\"; "
		    "format=flowed; delsp=yes%s%sThis is an aggregate "
		    "TLS report from google.com%s",
		    nl, nl, nl);
		break;
	case ORG_MICROSOFT:
		gen_buf_printf(b,
		               "Content-Type: text/html; charset=\"us-ascii\"%s"
		               "Content-Transfer-Encoding: quoted-printable%s%s"
		               "<html><body><p>This is an aggregate TLS report "
		               "from microsoft.com for %s.</p></body></html>%s",
		               nl, nl, nl, m->dp.name, nl);
		break;
	default:
		/* The second line starts with "From ": mbox must escape it. */
		gen_buf_printf(
		    b,
		    "Content-Type: text/plain; charset=\"us-ascii\"%s"
		    "Content-Transfer-Encoding: 7bit%s%sThis is an "
		    "aggregate TLS report.%sFrom %s to %s, for %s.%s",
		    nl, nl, nl, nl, o->name, m->dp.name, day, nl);
		break;
	}
}

static void
msg_report_part(struct gen_buf *b, const struct gen_model *m,
                const struct gen_mail_parts *mp)
{
	const char *nl = mp->nl;
	const char *type =
	    mp->gz ? "application/tlsrpt+gzip" : "application/tlsrpt+json";

	if (m->pl.org == ORG_MICROSOFT)
		gen_buf_printf(
		    b,
		    "Content-Type: %s%sContent-Description:%s %s%s"
		    "Content-Disposition: attachment;%s\tfilename=\"%s\"%s",
		    type, nl, nl, mp->fname, nl, nl, mp->fname, nl);
	else if (m->pl.org == ORG_MAILRU)
		gen_buf_printf(
		    b,
		    "Content-Type: %s;%s name=\"%s\"%s"
		    "Content-Transfer-Encoding: base64%s"
		    "Content-Disposition: attachment;%s filename=\"%s\"%s",
		    type, nl, mp->fname, nl, nl, nl, mp->fname, nl);
	else
		gen_buf_printf(
		    b,
		    "Content-Type: %s;%s\tname=\"%s\"%s"
		    "Content-Disposition: attachment;%s\tfilename=\"%s\"%s",
		    type, nl, mp->fname, nl, nl, mp->fname, nl);
	if (m->pl.org != ORG_MAILRU)
		gen_buf_printf(b, "Content-Transfer-Encoding: base64%s", nl);
	gen_buf_puts(b, nl);
	base64_lines(b, mp->att, mp->attlen, nl);
}

/* The multipart boundary in the sender's style, from two random words. */
static void
msg_boundary(char *out, size_t n, int org, uint64_t a, uint64_t z)
{
	switch (org) {
	case ORG_GOOGLE:
		snprintf(out, n, "000000000000%016llx", (unsigned long long)a);
		break;
	case ORG_MICROSOFT:
		snprintf(out, n, "_%08llx-%04llx-%04llx-%04llx-%012llx_",
		         (unsigned long long)(a >> 32),
		         (unsigned long long)(a >> 16 & 0xffff),
		         (unsigned long long)(a & 0xffff),
		         (unsigned long long)(z >> 48),
		         (unsigned long long)(z & 0xffffffffffffULL));
		break;
	default:
		snprintf(out, n, "----=_NextPart_%llu",
		         (unsigned long long)(a % 10000000000000000000ULL));
		break;
	}
}

void
gen_mail_build(struct gen_buf *b, struct gen_model *m,
               const struct gen_mail_parts *mp)
{
	const char *nl = mp->nl;
	char boundary[80];
	uint64_t a = gen_rand_next(&m->rng), z = gen_rand_next(&m->rng);

	msg_boundary(boundary, sizeof(boundary), m->pl.org, a, z);
	b->len = 0;
	msg_headers(b, m, mp, boundary);
	if (m->pl.org == ORG_MAILRU)
		gen_buf_printf(
		    b, "This is a multipart message in MIME format.%s%s", nl,
		    nl);
	gen_buf_printf(b, "--%s%s", boundary, nl);
	msg_text_part(b, m, mp);
	gen_buf_printf(b, "%s--%s%s", nl, boundary, nl);
	msg_report_part(b, m, mp);
	/* Mail.ru leaves out the close-delimiter (PROVENANCE.md). */
	if (m->pl.org == ORG_MAILRU)
		gen_buf_printf(b, "%s--%s%s%s", nl, boundary, nl, nl);
	else
		gen_buf_printf(b, "--%s--%s", boundary, nl);
}

void
gen_mail_mbox(struct gen_buf *r, const struct gen_model *m,
              const struct gen_buf *msg, int64_t date)
{
	const char *p = msg->p, *end = msg->p + msg->len;
	char when[40];

	gen_time_asctime(when, sizeof(when), date);
	r->len = 0;
	gen_buf_printf(r, "From %s %s\n", gen_orgs[m->pl.org].from, when);
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *q = p;
		size_t len = eol ? (size_t)(eol - p) + 1 : (size_t)(end - p);

		while (q < p + len && *q == '>')
			q++;
		if ((size_t)(p + len - q) >= 5 && memcmp(q, "From ", 5) == 0)
			gen_buf_putc(r, '>');
		gen_buf_add(r, p, len);
		p += len;
	}
	if (r->len && r->p[r->len - 1] != '\n')
		gen_buf_putc(r, '\n');
	gen_buf_putc(r, '\n');
}
