/*
 * digest_mail.c - the digest as one RFC 5322 message for `sendmail -t`,
 * built by GMime: headers (the subject as RFC 2047 encoded words when it
 * is not ASCII), and a multipart/alternative body (RFC 2046) of text/plain
 * and text/html in UTF-8, each quoted-printable (RFC 2045 §6.7), so no
 * line of the message passes 76 octets. Lines end in LF, as sendmail's
 * input does.
 *
 * GMime's encoders replace hand-written ones that once wrote an encoded
 * word of 81 characters and looped for ever on bytes that were not
 * UTF-8. What still passes through our code is digest_mail_clean and,
 * for a subject GMime 3.2 would write in words over RFC 2047's 75
 * characters, the cutting of the UTF-8 text into words (whole characters
 * of validated text: each step moves on); GLib's base64 encodes them.
 * The fuzz target tests/fuzz/fuzz_digest_header.c covers both.
 */
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"

/* The length of the UTF-8 character at s, or 0 when it is not one
 * (RFC 3629 §4). */
static size_t
utf8_len(const unsigned char *s)
{
	gunichar c = g_utf8_get_char_validated((const char *)s, -1);
	size_t n = g_unichar_to_utf8(c, NULL);

	if (c == (gunichar)-1 || c == (gunichar)-2)
		return 0;
	return n;
}

void
digest_mail_clean(const char *in, char *out, size_t size)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0, n;

	if (size == 0)
		return;
	while (*p != '\0' && o + 1 < size) {
		n = utf8_len(p);
		/* A control character would end or break the header line
		 * (RFC 5322 §2.2); a C1 control acts on terminals. */
		if (n == 0 || *p < 0x20 || *p == 0x7F ||
		    (n == 2 && p[0] == 0xC2 && p[1] < 0xA0)) {
			out[o++] = '?';
			p += n ? n : 1;
			continue;
		}
		if (o + n >= size)
			break; /* not half a character */
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	out[o] = '\0';
}

/* A subject GMime folds well: ASCII, every word short enough to fold
 * between. GMime 3.2 writes a longer word, or a long run of non-ASCII,
 * as encoded words of up to 177 characters (RFC 2047 §2 allows 75). */
static int
is_plain(const char *s)
{
	size_t run = 0;

	for (; *s; s++) {
		if ((unsigned char)*s >= 0x80)
			return 0;
		run = *s == ' ' ? 0 : run + 1;
		if (run > DIGEST_SUBJECT_WORD)
			return 0;
	}
	return 1;
}

char *
digest_mail_subject_words(const char *s)
{
	GString *v = g_string_new(NULL);
	const char *p = s, *q;
	gchar *b64;
	size_t room;

	/* RFC 2047 §2: a line with encoded words has at most 76
	 * characters, "=?UTF-8?B?" and "?=" are 12 of them and the folding
	 * space one; the first line also holds "Subject: " (9). Base64 makes
	 * 4 of each 3 bytes, so 45 bytes fit on a line, 39 on the first. */
	while (*p != '\0') {
		room = p == s ? 39 : 45;
		for (q = p; *q != '\0';) {
			const char *next = g_utf8_next_char(q);

			if ((size_t)(next - p) > room)
				break;
			q = next;
		}
		b64 = g_base64_encode((const guchar *)p, (gsize)(q - p));
		/* A raw value as GMime writes it: from the space after
		 * the colon to the line end. */
		g_string_append_printf(
		    v, "%s=?UTF-8?B?%s?=", p == s ? " " : "\n ", b64);
		g_free(b64);
		p = q;
	}
	g_string_append_c(v, '\n');
	return g_string_free(v, FALSE);
}

static GMimeObject *
text_part(const char *subtype, const char *text)
{
	GMimeTextPart *p = g_mime_text_part_new_with_subtype(subtype);

	g_mime_text_part_set_text(p, text);
	g_mime_text_part_set_charset(p, "utf-8");
	g_mime_part_set_content_encoding(
	    GMIME_PART(p), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	return GMIME_OBJECT(p);
}

/* The headers, in the order a reader expects them. */
static void
set_headers(GMimeMessage *msg, const struct digest_mail *m, const char *subject)
{
	GMimeObject *o = GMIME_OBJECT(msg);
	char host[256] = "localhost", *id;
	GDateTime *date = g_date_time_new_from_unix_utc(m->date);
	GString *to = g_string_new(NULL);
	size_t i;

	if (gethostname(host, sizeof(host) - 1) != 0 || strpbrk(host, "\n<>@"))
		snprintf(host, sizeof(host), "localhost");
	g_mime_object_set_header(o, "From", m->from, NULL);
	for (i = 0; i < m->nto; i++)
		g_string_append_printf(to, "%s%s", i ? ", " : "", m->to[i]);
	g_mime_object_set_header(o, "To", to->str, NULL);
	g_string_free(to, TRUE);
	g_mime_message_set_date(msg, date);
	g_date_time_unref(date);
	id = g_strdup_printf("tlsrpt-digest.%lld.%ld.%08lx@%s",
	                     (long long)m->date, (long)getpid(),
	                     (unsigned long)random(), host);
	g_mime_message_set_message_id(msg, id);
	g_free(id);
	g_mime_message_set_subject(msg, subject, "utf-8");
	if (!is_plain(subject)) {
		GMimeHeader *h = g_mime_header_list_get_header(
		    g_mime_object_get_header_list(o), "Subject");
		char *raw = digest_mail_subject_words(subject);

		g_mime_header_set_raw_value(h, raw);
		g_free(raw);
	}
	g_mime_object_set_header(o, "MIME-Version", "1.0", NULL);
	g_mime_object_set_header(o, "Auto-Submitted", "auto-generated", NULL);
}

int
digest_mail_write(const struct digest_mail *m, const char *text, size_t textlen,
                  const char *html, size_t htmllen, FILE *fp)
{
	GMimeMessage *msg;
	GMimeMultipart *alt;
	GMimeStream *out;
	GMimeObject *part;
	GByteArray *bytes;
	char *subject = NULL;
	size_t n = strlen(m->subject) + 1;
	int ret = -1;

	(void)textlen; /* the bodies are NUL-terminated texts */
	(void)htmllen;
	g_mime_init(); /* counted: mime.c may have called it */
	srandom((unsigned)(m->date ^ getpid()));
	if ((subject = malloc(n)) == NULL)
		return -1;
	digest_mail_clean(m->subject, subject, n);
	msg = g_mime_message_new(FALSE);
	set_headers(msg, m, subject);
	alt = g_mime_multipart_new_with_subtype("alternative");
	g_mime_multipart_set_prologue(
	    alt, "This is a MIME message: a text and an HTML version.");
	g_mime_multipart_add(alt, part = text_part("plain", text));
	g_object_unref(part);
	g_mime_multipart_add(alt, part = text_part("html", html));
	g_object_unref(part);
	g_mime_message_set_mime_part(msg, GMIME_OBJECT(alt));
	g_object_unref(alt);

	out = g_mime_stream_mem_new();
	if (g_mime_object_write_to_stream(GMIME_OBJECT(msg), NULL, out) >= 0) {
		bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
		if (fwrite(bytes->data, 1, bytes->len, fp) == bytes->len &&
		    !ferror(fp))
			ret = 0;
	}
	g_object_unref(out);
	g_object_unref(msg);
	free(subject);
	return ret;
}
