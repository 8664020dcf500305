/*
 * report_scan.c - one pass over the JSON text before jansson sees it.
 *
 * jansson accepts nesting to 2048 levels and reports errors in its own
 * words; the scan enforces our limits and says what is wrong in terms an
 * administrator can act on: a NUL byte, invalid UTF-8 (with its offset),
 * nesting deeper than LIMIT_JSON_DEPTH, a string longer than
 * LIMIT_STRING_BYTES. It also finds the quirks of the text itself: a UTF-8
 * BOM, whitespace around the JSON, CRLF line ends.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "report_scan.h"

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0 when it is invalid. */
static size_t
utf8_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return left >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (left < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (left < 4 || (p[1] & 0xc0) != 0x80 ||
		    (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

/* Decoded length of the escape at p (after the backslash) and how many
 * bytes of text it takes; a \uXXXX counts the UTF-8 bytes it becomes. */
static size_t
escape_len(const unsigned char *p, size_t left, size_t *taken)
{
	unsigned v = 0;
	size_t k;

	*taken = 1;
	if (left == 0 || p[0] != 'u' || left < 5)
		return 1;
	for (k = 1; k <= 4; k++) {
		unsigned char c = p[k];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v |= (c | 0x20) - 'a' + 10;
		else
			return 1;
	}
	*taken = 5;
	if (v < 0x80)
		return 1;
	if (v < 0x800)
		return 2;
	return v >= 0xd800 && v <= 0xdbff ? 2 : 3; /* a pair makes 4 */
}

/* Bytes that end a run: inside a string, and between tokens. */
static unsigned char str_stop[256], tok_stop[256];

static void
init_tables(void)
{
	int c;

	for (c = 0x80; c < 256; c++)
		str_stop[c] = tok_stop[c] = 1;
	str_stop[0] = tok_stop[0] = 1;
	str_stop['"'] = str_stop['\\'] = 1;
	tok_stop['"'] = tok_stop['{'] = tok_stop['['] = 1;
	tok_stop['}'] = tok_stop[']'] = tok_stop['\r'] = 1;
}

/* The BOM, whitespace around the text, and where the JSON is. */
static void
scan_edges(const unsigned char *p, size_t len, struct report_scan *sc)
{
	size_t i = 0, end = len, n;

	sc->quirks = 0;
	sc->long_string_at = SIZE_MAX;
	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		sc->quirks |= SCAN_BOM;
		i = 3;
	}
	while (i < len && is_ws(p[i]))
		i++;
	if (i > (sc->quirks & SCAN_BOM ? 3u : 0u))
		sc->quirks |= SCAN_SPACE;
	while (end > i && is_ws(p[end - 1]))
		end--;
	/* One final line end is how text files end, not a quirk. */
	n = len - end;
	if (n > 2 || (n == 2 && !(p[end] == '\r' && p[end + 1] == '\n')) ||
	    (n == 1 && p[end] != '\n'))
		sc->quirks |= SCAN_SPACE;
	sc->begin = i;
	sc->end = end;
}

/* Where the scan is: nesting depth, inside a string or not, and the
 * decoded length of the string so far. */
struct scan_state {
	int depth, in_str;
	size_t slen;
};

/* A byte of note outside strings: a quote, nesting, a CR. */
static int
scan_token(struct scan_state *st, unsigned char c, size_t i,
           struct report_scan *sc, struct errbuf *eb)
{
	switch (c) {
	case '"':
		st->in_str = 1;
		st->slen = 0;
		break;
	case '{':
	case '[':
		if (++st->depth > LIMIT_JSON_DEPTH)
			return errbuf_set(
			    eb, "JSON nesting deeper than %d at byte %zu",
			    LIMIT_JSON_DEPTH, i);
		break;
	case '}':
	case ']':
		st->depth--;
		break;
	case '\r':
		sc->quirks |= SCAN_CRLF;
		break;
	}
	return 0;
}

/* A quote or a backslash inside a string: the string's end, or an
 * escape; returns how many bytes after i the escape took. */
static size_t
scan_string_stop(struct scan_state *st, const unsigned char *p, size_t i,
                 size_t end, struct report_scan *sc)
{
	size_t taken = 0;

	if (p[i] == '"') {
		st->in_str = 0;
		if (st->slen > LIMIT_STRING_BYTES &&
		    sc->long_string_at == SIZE_MAX)
			sc->long_string_at = i;
	} else {
		st->slen += escape_len(p + i + 1, end - i - 1, &taken);
	}
	return taken;
}

int
report_scan(const char *text, size_t len, struct report_scan *sc,
            struct errbuf *eb)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	const unsigned char *p = (const unsigned char *)text;
	struct scan_state st = {0, 0, 0};
	size_t i, end, n, run;

	pthread_once(&once, init_tables);
	scan_edges(p, len, sc);
	end = sc->end;
	for (i = sc->begin; i < end; i++) {
		/* Skip the bytes that need no attention, a run at a time. */
		run = i;
		if (st.in_str)
			while (i < end && !str_stop[p[i]])
				i++;
		else
			while (i < end && !tok_stop[p[i]])
				i++;
		st.slen += i - run;
		if (i == end)
			break;
		if (p[i] == 0)
			return errbuf_set(eb, "NUL byte at byte %zu", i);
		if (p[i] >= 0x80) {
			if ((n = utf8_len(p + i, end - i)) == 0)
				return errbuf_set(
				    eb, "invalid UTF-8 at byte %zu", i);
			i += n - 1;
			st.slen += n;
		} else if (st.in_str) {
			i += scan_string_stop(&st, p, i, end, sc);
		} else if (scan_token(&st, p[i], i, sc, eb) != 0) {
			return -1;
		}
	}
	return 0;
}
