/*
 * gz.c - bounded gzip inflate.
 *
 * zlib's inflate with windowBits 15+16 reads one gzip member (header with
 * FNAME/FEXTRA/FCOMMENT, deflate data, CRC-32 and ISIZE trailer). Members
 * are inflated one after the other; after the last, whitespace is allowed
 * and anything else is an error. Output grows in a bounded buffer (buf.h)
 * up to max_out, and the byte past it says the output is too large; the
 * ratio check stops a bomb long before the size limit when the input is
 * small.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "buf.h"
#include "gz.h"
#include "limits.h"

int
gz_is_gzip(const void *buf, size_t len)
{
	const unsigned char *p = buf;

	return len >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

static int
only_space(const unsigned char *p, size_t n)
{
	while (n > 0 && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' ||
	                 *p == '\0')) {
		p++;
		n--;
	}
	return n == 0;
}

/* The output so far, and the bounds it must stay within. */
struct out {
	struct buf b; /* limit: max_out */
	size_t inlen;
	unsigned max_ratio;
};

/* Inflates the member at the start of (in, left) into o; *consumed says
 * how many input bytes it took. */
static int
inflate_member(z_stream *zs, const unsigned char *in, size_t left,
               struct out *o, size_t *consumed, struct errbuf *eb)
{
	size_t room;
	int zr;

	inflateReset(zs);
	zs->next_in = (unsigned char *)in;
	zs->avail_in = left > UINT32_MAX ? UINT32_MAX : (uInt)left;
	do {
		if (o->b.len == o->b.cap && buf_reserve(&o->b, 1) != 0)
			return errbuf_set(eb, "gzip: out of memory");
		room = o->b.cap - o->b.len;
		if (room > UINT32_MAX)
			room = UINT32_MAX;
		zs->next_out = o->b.data + o->b.len;
		zs->avail_out = (uInt)room;
		zr = inflate(zs, Z_NO_FLUSH);
		o->b.len += room - zs->avail_out;
		/* The byte past max_out: too large, whether or not the
		 * stream ended with it. */
		if (buf_over(&o->b))
			return errbuf_set(eb,
			                  "gzip: decompressed size over %zu "
			                  "bytes",
			                  o->b.limit);
		if (o->max_ratio > 0 && o->b.len > LIMIT_INFLATE_RATIO_FLOOR &&
		    o->b.len / o->max_ratio > o->inlen)
			return errbuf_set(eb,
			                  "gzip: compression ratio over "
			                  "%u:1",
			                  o->max_ratio);
	} while (zr == Z_OK);
	if (zr == Z_BUF_ERROR)
		return errbuf_set(eb, "gzip: truncated stream");
	if (zr != Z_STREAM_END)
		return errbuf_set(eb, "gzip: corrupt stream (%s)",
		                  zs->msg ? zs->msg : "inflate failed");
	*consumed = left - zs->avail_in;
	return 0;
}

int
gz_inflate(const void *in, size_t len, size_t max_out, unsigned max_ratio,
           char **out, size_t *outlen, unsigned *flags, struct errbuf *eb)
{
	struct out o = {.inlen = len, .max_ratio = max_ratio};
	const unsigned char *ip = in;
	size_t left = len, members = 0, consumed = 0;
	unsigned fl = 0;
	z_stream zs;
	int ret = -1;

	buf_init(&o.b, max_out);
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return errbuf_set(eb, "gzip: cannot initialize zlib");
	while (left > 0) {
		if (members > 0 && !gz_is_gzip(ip, left)) {
			if (!only_space(ip, left)) {
				errbuf_set(eb,
				           "gzip: %zu bytes of garbage after "
				           "the stream",
				           left);
				goto out;
			}
			fl |= GZ_TRAILING_WS;
			break;
		}
		if (inflate_member(&zs, ip, left, &o, &consumed, eb) != 0)
			goto out;
		members++;
		ip += consumed;
		left -= consumed;
	}
	if (members == 0) {
		errbuf_set(eb, "gzip: empty input");
		goto out;
	}
	/* Room for the NUL: len is at most max_out here, and the buffer
	 * holds max_out + 1. */
	if (buf_reserve(&o.b, 1) != 0) {
		errbuf_set(eb, "gzip: out of memory");
		goto out;
	}
	o.b.data[o.b.len] = '\0';
	*outlen = o.b.len;
	*out = (char *)buf_take(&o.b);
	if (flags != NULL)
		*flags = fl | (members > 1 ? GZ_MULTI : 0);
	ret = 0;
out:
	inflateEnd(&zs);
	buf_free(&o.b);
	return ret;
}
