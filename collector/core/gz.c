/*
 * gz.c - bounded gzip inflate.
 *
 * zlib's inflate with windowBits 15+16 reads one gzip member (header with
 * FNAME/FEXTRA/FCOMMENT, deflate data, CRC-32 and ISIZE trailer). Members
 * are inflated one after the other; after the last, whitespace is allowed
 * and anything else is an error. Output grows geometrically up to max_out;
 * the ratio check stops a bomb long before the size limit when the input is
 * small.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

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

/* Makes room for at least one more byte of output; -1 when at max_out, -2
 * when out of memory. */
static int
grow(char **buf, size_t *cap, size_t used, size_t max_out)
{
	size_t ncap;
	char *nbuf;

	if (used < *cap)
		return 0;
	if (*cap >= max_out)
		return -1;
	ncap = *cap < 16384 ? 16384 : *cap * 2;
	if (ncap > max_out)
		ncap = max_out;
	nbuf = realloc(*buf, ncap + 1); /* + 1 for the terminating NUL */
	if (nbuf == NULL)
		return -2;
	*buf = nbuf;
	*cap = ncap;
	return 0;
}

/* The output so far, and the bounds it must stay within. */
struct out {
	char *buf;
	size_t cap, used;
	size_t max_out, inlen;
	unsigned max_ratio;
};

/* Inflates the member at the start of (in, left) into o; *consumed says
 * how many input bytes it took. */
static int
inflate_member(z_stream *zs, const unsigned char *in, size_t left,
               struct out *o, size_t *consumed, struct errbuf *eb)
{
	int zr;

	inflateReset(zs);
	zs->next_in = (unsigned char *)in;
	zs->avail_in = left > UINT32_MAX ? UINT32_MAX : (uInt)left;
	do {
		if ((zr = grow(&o->buf, &o->cap, o->used, o->max_out)) != 0)
			return zr == -2 ? errbuf_set(eb, "gzip: out of memory")
			                : errbuf_set(eb,
			                             "gzip: decompressed "
			                             "size over %zu bytes",
			                             o->max_out);
		zs->next_out = (unsigned char *)o->buf + o->used;
		zs->avail_out = (uInt)(o->cap - o->used);
		zr = inflate(zs, Z_NO_FLUSH);
		o->used = o->cap - zs->avail_out;
		if (o->max_ratio > 0 && o->used > LIMIT_INFLATE_RATIO_FLOOR &&
		    o->used / o->max_ratio > o->inlen)
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
	struct out o = {NULL, 0, 0, max_out, len, max_ratio};
	const unsigned char *ip = in;
	size_t left = len, members = 0, consumed = 0;
	unsigned fl = 0;
	z_stream zs;
	int ret = -1;

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
	if (o.buf == NULL && grow(&o.buf, &o.cap, 0, 1) != 0) {
		errbuf_set(eb, "gzip: out of memory");
		goto out;
	}
	o.buf[o.used] = '\0';
	*out = o.buf;
	*outlen = o.used;
	if (flags != NULL)
		*flags = fl | (members > 1 ? GZ_MULTI : 0);
	o.buf = NULL;
	ret = 0;
out:
	inflateEnd(&zs);
	free(o.buf);
	return ret;
}
