/*
 * buf.h - one bounded, growable byte buffer, as Postfix's vstring is.
 *
 * Every buffer that holds what a peer sent (the milter's message, the
 * receiver's body, import's reader, the inflater's output) grows here, by
 * doubling, with one overflow check and one rule for its limit: a buffer
 * may hold exactly `limit` bytes, and keeps at most one byte more; that
 * byte past the limit is the signal that the input is too large, so that
 * the reader can stop reading and the judge (ingest) still sees it is over.
 *
 * The struct is open so that callers read data and len directly; only
 * these functions change it, except a writer that fills room it reserved
 * (buf_reserve), which adds what it wrote to len itself.
 */
#ifndef TLSRPT_BUF_H
#define TLSRPT_BUF_H

#include <stddef.h>

struct buf {
	unsigned char *data; /* NULL until the first byte */
	size_t len;          /* bytes held: at most limit + 1 */
	size_t cap;          /* bytes allocated */
	size_t limit;        /* SIZE_MAX: bounded by memory alone */
};

/* An empty buffer that may hold limit bytes (and the one past them). */
void buf_init(struct buf *b, size_t limit);

/* Appends (p, n), keeping at most limit + 1 bytes: the rest is dropped,
 * and buf_over() says so. n == 0 is a no-op. 0 on success, -1 when out of
 * memory (the buffer is unchanged). */
int buf_append(struct buf *b, const void *p, size_t n);

/* Makes room for n more bytes after len, so that cap - len >= n. Grows by
 * doubling, within limit + 1 bytes. 0 on success, -1 when len + n would
 * pass limit + 1 or when out of memory (the buffer is unchanged). */
int buf_reserve(struct buf *b, size_t n);

/* 1 when the buffer holds the byte past its limit: the input is too
 * large. */
int buf_over(const struct buf *b);

/* Hands the bytes to the caller, who frees them, and empties the buffer
 * (its limit stays). NULL when nothing was ever held. */
unsigned char *buf_take(struct buf *b);

/* Frees the bytes and empties the buffer, which may be used again with the
 * same limit. */
void buf_free(struct buf *b);

#endif
