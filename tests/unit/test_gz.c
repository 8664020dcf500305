/*
 * test_gz.c - bounded inflate: members, trailing bytes, truncation,
 * corruption, size and ratio limits (and the size limit on its edge).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gz.h"
#include "limits.h"
#include "testutil.h"

static const char text[] = "{\"organization-name\":\"Org\"}";

static unsigned char *
cat(const void *a, size_t na, const void *b, size_t nb, size_t *n)
{
	unsigned char *p = malloc(na + nb);

	memcpy(p, a, na);
	memcpy(p + na, b, nb);
	*n = na + nb;
	return p;
}

static int
inflate_all(const void *in, size_t len, size_t max, char **out, size_t *olen,
            unsigned *flags, struct errbuf *eb)
{
	return gz_inflate(in, len, max, LIMIT_INFLATE_RATIO, out, olen, flags,
	                  eb);
}

static void
test_one_member(void **state)
{
	size_t zlen, olen;
	unsigned char *z = tu_gzip(text, strlen(text), &zlen);
	char *out;
	unsigned flags;
	struct errbuf eb;

	assert_true(gz_is_gzip(z, zlen));
	assert_false(gz_is_gzip(text, strlen(text)));
	assert_int_equal(inflate_all(z, zlen, 1024, &out, &olen, &flags, &eb),
	                 0);
	assert_int_equal(olen, strlen(text));
	assert_memory_equal(out, text, olen);
	assert_int_equal(out[olen], '\0');
	assert_int_equal(flags, 0);
	free(out);
	free(z);
}

static void
test_members_and_trailing(void **state)
{
	size_t za, zb, n, n2, olen;
	unsigned char *a = tu_gzip("{\"a\":", 5, &za);
	unsigned char *b = tu_gzip("1}", 2, &zb);
	unsigned char *two = cat(a, za, b, zb, &n);
	unsigned char *ws = cat(two, n, " \r\n", 3, &n2);
	char *out;
	unsigned flags;
	struct errbuf eb;

	assert_int_equal(inflate_all(two, n, 1024, &out, &olen, &flags, &eb),
	                 0);
	assert_int_equal(olen, 7);
	assert_memory_equal(out, "{\"a\":1}", 7);
	assert_int_equal(flags, GZ_MULTI);
	free(out);
	assert_int_equal(inflate_all(ws, n2, 1024, &out, &olen, &flags, &eb),
	                 0);
	assert_int_equal(flags, GZ_MULTI | GZ_TRAILING_WS);
	free(out);
	free(a);
	free(b);
	free(two);
	free(ws);
}

struct bad_case {
	const char *name;
	int kind;
	const char *reason;
};

enum { BAD_GARBAGE, BAD_TRUNCATED, BAD_CORRUPT, BAD_CRC, BAD_HEADER_ONLY };

static const struct bad_case bad[] = {
    {"garbage after", BAD_GARBAGE, "garbage after the stream"},
    {"truncated", BAD_TRUNCATED, "truncated"},
    {"corrupt deflate", BAD_CORRUPT, "corrupt stream"},
    {"crc mismatch", BAD_CRC, "corrupt stream"},
    {"header only", BAD_HEADER_ONLY, "truncated"},
};

static void
test_bad_streams(void **state)
{
	size_t i, zlen, n, olen;
	char *out;
	struct errbuf eb;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned char *z = tu_gzip(text, strlen(text), &zlen);
		unsigned char *in = z;

		n = zlen;
		switch (bad[i].kind) {
		case BAD_GARBAGE:
			in = cat(z, zlen, "xyz", 3, &n);
			break;
		case BAD_TRUNCATED:
			n = zlen - 6;
			break;
		case BAD_CORRUPT:
			z[10] = 0xff; /* an invalid block type */
			z[11] = 0xff;
			break;
		case BAD_CRC:
			z[zlen - 8] ^= 0x01;
			break;
		case BAD_HEADER_ONLY:
			n = 12;
			break;
		}
		out = NULL;
		assert_int_equal(
		    inflate_all(in, n, 1024, &out, &olen, NULL, &eb), -1);
		assert_null(out);
		if (strstr(eb.msg, bad[i].reason) == NULL)
			fail_msg("%s: '%s' lacks '%s'", bad[i].name, eb.msg,
			         bad[i].reason);
		if (in != z)
			free(in);
		free(z);
	}
}

/* 2 MiB of zeros compresses about 1000:1: over a 1 MiB size limit, and over
 * a ratio of 100 once past the ratio floor (1 MiB). */
static void
test_limits(void **state)
{
	size_t big = 2 * MIB, zlen, olen;
	char *zeros = calloc(1, big), *out = NULL;
	unsigned char *z = tu_gzip(zeros, big, &zlen);
	struct errbuf eb;

	assert_int_equal(gz_inflate(z, zlen, MIB, 0, &out, &olen, NULL, &eb),
	                 -1);
	assert_non_null(strstr(eb.msg, "decompressed size over 1048576 bytes"));
	assert_int_equal(
	    gz_inflate(z, zlen, 4 * MIB, 100, &out, &olen, NULL, &eb), -1);
	assert_non_null(strstr(eb.msg, "compression ratio over 100:1"));
	assert_int_equal(
	    gz_inflate(z, zlen, 4 * MIB, 100000, &out, &olen, NULL, &eb), 0);
	assert_int_equal(olen, big);
	free(out);
	free(z);
	free(zeros);
}

/* The size limit on its edge (buf.h's rule): exactly max_out bytes
 * inflate, one more is over; across the buffer's doublings too. */
static void
test_limit_edge(void **state)
{
	static const size_t sizes[] = {1, 4096, 4097, 70000};
	size_t i, n, zlen, olen;
	char *plain, *out;
	unsigned char *z;
	struct errbuf eb;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = sizes[i];
		plain = malloc(n);
		memset(plain, 'a' + (int)i, n);
		z = tu_gzip(plain, n, &zlen);
		assert_int_equal(
		    gz_inflate(z, zlen, n, 0, &out, &olen, NULL, &eb), 0);
		assert_int_equal(olen, n);
		assert_int_equal(out[n], '\0');
		assert_memory_equal(out, plain, n);
		free(out);
		assert_int_equal(
		    gz_inflate(z, zlen, n - 1, 0, &out, &olen, NULL, &eb), -1);
		assert_non_null(strstr(eb.msg, "decompressed size over"));
		free(z);
		free(plain);
	}
}

/* A gzip header with FNAME (as mail-auth's rpt01.eml attachment has). */
static void
test_fname_header(void **state)
{
	z_stream zs;
	gz_header h;
	unsigned char buf[512];
	char *out;
	size_t olen;
	struct errbuf eb;

	memset(&zs, 0, sizeof(zs));
	memset(&h, 0, sizeof(h));
	h.name = (Bytef *)"rpt01.json.1";
	h.os = 3;
	assert_int_equal(
	    deflateInit2(&zs, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	deflateSetHeader(&zs, &h);
	zs.next_in = (Bytef *)text;
	zs.avail_in = strlen(text);
	zs.next_out = buf;
	zs.avail_out = sizeof(buf);
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	assert_int_equal(
	    inflate_all(buf, zs.total_out, 1024, &out, &olen, NULL, &eb), 0);
	assert_memory_equal(out, text, olen);
	deflateEnd(&zs);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_member),
	    cmocka_unit_test(test_members_and_trailing),
	    cmocka_unit_test(test_bad_streams),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_limit_edge),
	    cmocka_unit_test(test_fname_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
