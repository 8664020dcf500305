/*
 * buf.c - the bounded byte buffer (see buf.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* The first allocation: small, since import holds many messages at once
 * until a batch commits. */
#define BUF_FIRST 4096

/* The most bytes b may hold: limit + 1, saturating. */
static size_t
buf_max(const struct buf *b)
{
	return b->limit == SIZE_MAX ? SIZE_MAX : b->limit + 1;
}

void
buf_init(struct buf *b, size_t limit)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit;
}

int
buf_reserve(struct buf *b, size_t n)
{
	size_t max = buf_max(b), need, ncap;
	unsigned char *nd;

	/* Never len + n: it may wrap. */
	if (n > max - b->len)
		return -1;
	need = b->len + n;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : BUF_FIRST;
	while (ncap < need)
		ncap = ncap > max / 2 ? max : ncap * 2;
	if (ncap > max)
		ncap = max;
	if ((nd = realloc(b->data, ncap)) == NULL)
		return -1;
	b->data = nd;
	b->cap = ncap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	size_t room = buf_max(b) - b->len;

	if (n > room)
		n = room; /* the byte past the limit is kept: it says over */
	if (n == 0)
		return 0;
	if (buf_reserve(b, n) != 0)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int
buf_over(const struct buf *b)
{
	return b->len > b->limit;
}

unsigned char *
buf_take(struct buf *b)
{
	unsigned char *d = b->data;

	buf_init(b, b->limit);
	return d;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b, b->limit);
}
