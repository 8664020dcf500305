/*
 * fuzz_digest_header.c - libFuzzer target: the digest's header text that
 * still passes through our code (analyzer/digest_mail.c): the subject
 * cleaned of control characters and bytes that are not UTF-8, cut into
 * RFC 2047 words, then the whole message written by GMime.
 *
 * Any bytes as the subject (a --subject-prefix with the headline): the
 * writer ends (a hang is a libFuzzer timeout: the hand-written encoder
 * once looped on 0x80 bytes); every header line is ASCII, at most 76
 * octets when it holds our encoded words, at most 998 in any case
 * (RFC 5322 §2.1.1), and a line that continues a header starts with a
 * space or a tab, so the subject can neither break a line early nor add
 * a header.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks the header block of msg (up to its first empty line). */
static void
check_headers(const char *msg, size_t len, size_t max)
{
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)msg[i];

		if (c == '\n') {
			if (col == 0)
				return; /* the end of the headers */
			if (i + 1 < len && msg[i + 1] != '\n' &&
			    msg[i + 1] != ' ' && msg[i + 1] != '\t' &&
			    memchr(msg + i + 1, ':', len - i - 1) == NULL)
				abort();
			col = 0;
			continue;
		}
		if (c >= 0x80 || (c < 0x20 && c != '\t') || ++col > max)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *to[1] = {"root@example.org"};
	struct digest_mail m = {"tlsrpt@example.org", to, 1, NULL, 0};
	char *in = malloc(size + 1), *clean = malloc(size + 1), *words;
	char *out = NULL, line[16];
	size_t outlen = 0;
	FILE *fp;

	if (in == NULL || clean == NULL)
		abort();
	memcpy(in, data, size);
	in[size] = '\0';
	digest_mail_clean(in, clean, size + 1);
	if (!g_utf8_validate(clean, -1, NULL))
		abort();
	words = digest_mail_subject_words(clean);
	snprintf(line, sizeof(line), "Subject:");
	/* "Subject:" and the words: lines of at most 76 octets. */
	{
		char *all = g_strconcat(line, words, NULL);

		check_headers(all, strlen(all), 76);
		g_free(all);
	}
	g_free(words);

	m.subject = in;
	if ((fp = open_memstream(&out, &outlen)) == NULL)
		abort();
	if (digest_mail_write(&m, "text\n", 5, "<p>html</p>\n", 12, fp) != 0)
		abort();
	fclose(fp);
	check_headers(out, outlen, 998);
	free(out);
	free(clean);
	free(in);
	return 0;
}
