/*
 * gen_jw.c - a small JSON writer: compact, or indented like json.dumps.
 */
#include <string.h>

#include "gen_jw.h"

void
gen_jw_init(struct gen_jw *w, struct gen_buf *b, int indent)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
	w->indent = indent;
}

static void
jw_newline(struct gen_jw *w)
{
	int i;

	gen_buf_putc(w->b, '\n');
	gen_buf_reserve(w->b, (size_t)(w->depth * w->indent));
	for (i = 0; i < w->depth * w->indent; i++)
		w->b->p[w->b->len++] = ' ';
	w->b->p[w->b->len] = '\0';
}

/* Separates a new member or element from the one before. */
static void
jw_sep(struct gen_jw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->depth == 0)
		return;
	if (!w->first[w->depth])
		gen_buf_putc(w->b, ',');
	w->first[w->depth] = 0;
	if (w->indent)
		jw_newline(w);
}

void
gen_jw_open(struct gen_jw *w, char c)
{
	jw_sep(w);
	gen_buf_putc(w->b, c);
	w->depth++;
	w->first[w->depth] = 1;
}

void
gen_jw_close(struct gen_jw *w, char c)
{
	int empty = w->first[w->depth];

	w->depth--;
	if (!empty && w->indent)
		jw_newline(w);
	gen_buf_putc(w->b, c);
}

void
gen_jw_escaped(struct gen_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	gen_buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		gen_buf_add(b, run, (size_t)(s - run));
		run = s + 1;
		if (c == '"' || c == '\\') {
			gen_buf_putc(b, '\\');
			gen_buf_putc(b, (char)c);
		} else {
			gen_buf_puts(b, "\\u00");
			gen_buf_putc(b, hex[c >> 4]);
			gen_buf_putc(b, hex[c & 15]);
		}
	}
	gen_buf_add(b, run, (size_t)(s - run));
	gen_buf_putc(b, '"');
}

void
gen_jw_key(struct gen_jw *w, const char *k)
{
	jw_sep(w);
	gen_buf_putc(w->b, '"');
	gen_buf_puts(w->b, k);
	gen_buf_puts(w->b, w->indent ? "\": " : "\":");
	w->after_key = 1;
}

void
gen_jw_str(struct gen_jw *w, const char *s)
{
	jw_sep(w);
	gen_jw_escaped(w->b, s);
}

static void
jw_int(struct gen_jw *w, int64_t v)
{
	jw_sep(w);
	if (v < 0) {
		gen_buf_putc(w->b, '-');
		v = -v;
	}
	gen_buf_putu(w->b, (uint64_t)v);
}

void
gen_jw_null(struct gen_jw *w)
{
	jw_sep(w);
	gen_buf_puts(w->b, "null");
}

void
gen_jw_kstr(struct gen_jw *w, const char *k, const char *s)
{
	gen_jw_key(w, k);
	gen_jw_str(w, s);
}

void
gen_jw_kint(struct gen_jw *w, const char *k, int64_t v)
{
	gen_jw_key(w, k);
	jw_int(w, v);
}
