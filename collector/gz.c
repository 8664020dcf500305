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

int
gz_inflate(const void *in, size_t len, size_t max_out, unsigned max_ratio,
           char **out, size_t *outlen, unsigned *flags, struct errbuf *eb)
{
	z_stream zs;
	char *buf = NULL;
	size_t cap = 0, used = 0, members = 0;
	const unsigned char *ip = in;
	size_t left = len;
	int zr, ret = -1;
	unsigned fl = 0;

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
		inflateReset(&zs);
		zs.next_in = (unsigned char *)ip;
		zs.avail_in = left > UINT32_MAX ? UINT32_MAX : (uInt)left;
		do {
			if ((zr = grow(&buf, &cap, used, max_out)) != 0) {
				if (zr == -2)
					errbuf_set(eb, "gzip: out of memory");
				else
					errbuf_set(eb,
					           "gzip: decompressed size "
					           "over %zu bytes",
					           max_out);
				goto out;
			}
			zs.next_out = (unsigned char *)buf + used;
			zs.avail_out = (uInt)(cap - used);
			zr = inflate(&zs, Z_NO_FLUSH);
			used = cap - zs.avail_out;
			if (max_ratio > 0 && used > LIMIT_INFLATE_RATIO_FLOOR &&
			    used / max_ratio > len) {
				errbuf_set(eb,
				           "gzip: compression ratio over "
				           "%u:1",
				           max_ratio);
				goto out;
			}
		} while (zr == Z_OK);
		if (zr == Z_BUF_ERROR) {
			errbuf_set(eb, "gzip: truncated stream");
			goto out;
		}
		if (zr != Z_STREAM_END) {
			errbuf_set(eb, "gzip: corrupt stream (%s)",
			           zs.msg ? zs.msg : "inflate failed");
			goto out;
		}
		members++;
		ip += left - zs.avail_in;
		left = zs.avail_in;
	}
	if (members == 0) {
		errbuf_set(eb, "gzip: empty input");
		goto out;
	}
	if (members > 1)
		fl |= GZ_MULTI;
	if (buf == NULL && grow(&buf, &cap, 0, 1) != 0) {
		errbuf_set(eb, "gzip: out of memory");
		goto out;
	}
	buf[used] = '\0';
	*out = buf;
	*outlen = used;
	if (flags != NULL)
		*flags = fl;
	buf = NULL;
	ret = 0;
out:
	inflateEnd(&zs);
	free(buf);
	return ret;
}
