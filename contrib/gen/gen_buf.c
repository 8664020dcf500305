/*
 * gen_buf.c - a growable byte buffer, always NUL-terminated.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "gen_buf.h"

void
gen_buf_reserve(struct gen_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->len + n + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n + 1)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		gen_die("out of memory");
	b->p = p;
	b->cap = cap;
}

void
gen_buf_add(struct gen_buf *b, const void *s, size_t n)
{
	gen_buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
gen_buf_puts(struct gen_buf *b, const char *s)
{
	gen_buf_add(b, s, strlen(s));
}

void
gen_buf_putc(struct gen_buf *b, char c)
{
	gen_buf_reserve(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

void
gen_buf_printf(struct gen_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	gen_buf_reserve(b, 64);
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		gen_die("vsnprintf failed");
	if ((size_t)n >= b->cap - b->len) {
		gen_buf_reserve(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void
gen_buf_putu(struct gen_buf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	gen_buf_add(b, tmp + i, sizeof(tmp) - i);
}

void
gen_buf_free(struct gen_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}
