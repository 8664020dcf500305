/*
 * digest_mail.c - the digest as one RFC 5322 message for `sendmail -t`:
 * headers (RFC 2047 words for a subject that is not ASCII), and a
 * multipart/alternative body (RFC 2046) of text/plain and text/html in
 * UTF-8, each quoted-printable (RFC 2045 §6.7), so no line of the message
 * passes 76 octets. Lines end in LF, as sendmail's input does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"

#define QP_LINE 76

/* Quoted-printable: literal printable ASCII but '='; spaces literal
 * except before a line end; soft breaks to keep lines under 76. */
static void
qp_write(FILE *fp, const char *s, size_t len)
{
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int eol = i + 1 == len || s[i + 1] == '\n';
		char enc[4];
		size_t n;

		if (c == '\n') {
			fputc('\n', fp);
			col = 0;
			continue;
		}
		if ((c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && !eol))
			n = (size_t)snprintf(enc, sizeof(enc), "%c", c);
		else
			n = (size_t)snprintf(enc, sizeof(enc), "=%02X", c);
		if (col + n > QP_LINE - 1) {
			fputs("=\n", fp);
			col = 0;
		}
		fputs(enc, fp);
		col += n;
	}
	if (col > 0)
		fputs("=\n", fp); /* the part ends without a line end */
}

static int
is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80 || *s == '\n' || *s == '\r')
			return 0;
	return 1;
}

/* Subject: as is when ASCII (folded at spaces), else as RFC 2047
 * B-words of whole UTF-8 characters; either way no line over 76
 * characters unless one word is longer. */
static void
write_subject(FILE *fp, const char *s)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                          "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len = strlen(s), i = 0, col;

	fputs("Subject:", fp);
	if (is_ascii(s)) {
		col = 8;
		while (i < len) {
			size_t w;

			while (s[i] == ' ')
				i++;
			if ((w = strcspn(s + i, " ")) == 0)
				break;
			if (col + 1 + w > 76 && col > 8) {
				fputc('\n', fp); /* folded: the space goes on */
				col = 0;
			}
			fputc(' ', fp);
			fwrite(s + i, 1, w, fp);
			col += 1 + w;
			i += w;
		}
		fputc('\n', fp);
		return;
	}
	while (i < len) {
		/* RFC 2047 §2: a line with encoded-words has at most 76
		 * characters. 45 octets make 60 base64 characters, a word of
		 * 72 after the folding space; the first line also carries
		 * "Subject: ", so it takes 39 octets (52 characters). */
		size_t max = i ? 45 : 39, n = len - i > max ? max : len - i, k;

		while (n < len - i && n > 0 &&
		       ((unsigned char)s[i + n] & 0xC0) == 0x80)
			n--; /* not inside a UTF-8 character */
		fputs(i ? "\n =?UTF-8?B?" : " =?UTF-8?B?", fp);
		for (k = 0; k < n; k += 3) {
			unsigned v = (unsigned char)s[i + k] << 16;

			if (k + 1 < n)
				v |= (unsigned char)s[i + k + 1] << 8;
			if (k + 2 < n)
				v |= (unsigned char)s[i + k + 2];
			fputc(b64[v >> 18 & 63], fp);
			fputc(b64[v >> 12 & 63], fp);
			fputc(k + 1 < n ? b64[v >> 6 & 63] : '=', fp);
			fputc(k + 2 < n ? b64[v & 63] : '=', fp);
		}
		fputs("?=", fp);
		i += n;
	}
	fputc('\n', fp);
}

/* A boundary that cannot occur in quoted-printable text ('_' and '.'
 * are literal, but "=_" is not: QP writes '=' as =3D). */
static void
make_boundary(char *buf, size_t size, int64_t date)
{
	snprintf(buf, size, "=_tlsrpt_%lld_%ld_%08lx", (long long)date,
	         (long)getpid(), (unsigned long)random());
}

int
digest_mail_write(const struct digest_mail *m, const char *text, size_t textlen,
                  const char *html, size_t htmllen, FILE *fp)
{
	char date[64], host[256] = "localhost", boundary[96];
	time_t t = (time_t)m->date;
	struct tm tm;
	size_t i;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (gethostname(host, sizeof(host) - 1) != 0 || strpbrk(host, "\n<>@"))
		snprintf(host, sizeof(host), "localhost");
	srandom((unsigned)(m->date ^ getpid()));
	make_boundary(boundary, sizeof(boundary), m->date);

	fprintf(fp, "From: %s\nTo: ", m->from);
	for (i = 0; i < m->nto; i++)
		fprintf(fp, "%s%s", i ? ",\n " : "", m->to[i]);
	fprintf(fp, "\nDate: %s\n", date);
	fprintf(fp, "Message-ID: <tlsrpt-digest.%lld.%ld.%08lx@%s>\n",
	        (long long)m->date, (long)getpid(), (unsigned long)random(),
	        host);
	write_subject(fp, m->subject);
	fprintf(fp,
	        "MIME-Version: 1.0\n"
	        "Content-Type: multipart/alternative;\n boundary=\"%s\"\n"
	        "Auto-Submitted: auto-generated\n\n"
	        "This is a MIME message: a text and an HTML version.\n",
	        boundary);
	fprintf(fp,
	        "\n--%s\nContent-Type: text/plain; charset=utf-8\n"
	        "Content-Transfer-Encoding: quoted-printable\n\n",
	        boundary);
	qp_write(fp, text, textlen);
	fprintf(fp,
	        "\n--%s\nContent-Type: text/html; charset=utf-8\n"
	        "Content-Transfer-Encoding: quoted-printable\n\n",
	        boundary);
	qp_write(fp, html, htmllen);
	fprintf(fp, "\n--%s--\n", boundary);
	return ferror(fp) ? -1 : 0;
}
