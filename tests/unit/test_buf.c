/*
 * test_buf.c - the bounded byte buffer on its edges: exactly the limit,
 * the byte past it, growth across doublings and up to (never past) the
 * limit + 1, requests whose size would wrap, zero-length appends, limit 0,
 * and taking or freeing the bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define MAX_STEPS 4

/* Appends of these sizes to a buffer of this limit end with len bytes,
 * over the limit or not. */
static const struct {
	const char *name;
	size_t limit;
	size_t step[MAX_STEPS];
	size_t nsteps;
	size_t len;
	int over;
} cases[] = {
    {"nothing appended", 10, {0}, 0, 0, 0},
    {"zero-length appends", 10, {0, 0, 0}, 3, 0, 0},
    {"under the limit", 10, {3, 4}, 2, 7, 0},
    {"exactly the limit, at once", 10, {10}, 1, 10, 0},
    {"exactly the limit, in steps", 10, {4, 6, 0}, 3, 10, 0},
    {"limit + 1 at once", 10, {11}, 1, 11, 1},
    {"limit + 1, the last byte alone", 10, {10, 1}, 2, 11, 1},
    {"far over: cut at limit + 1", 10, {7, 100}, 2, 11, 1},
    {"over, then more: nothing kept", 10, {11, 5, 1}, 3, 11, 1},
    {"over, then zero bytes", 10, {12, 0}, 2, 11, 1},
    {"limit 0: empty is within", 0, {0}, 1, 0, 0},
    {"limit 0: one byte is over", 0, {1}, 1, 1, 1},
    {"limit 0: many bytes keep one", 0, {5, 5}, 2, 1, 1},
    {"across doublings", 20000, {4096, 4097, 8192, 1}, 4, 16386, 0},
    {"across doublings to limit + 1", 20000, {4096, 8192, 8192}, 3, 20001, 1},
};

static void
test_cases(void **state)
{
	static unsigned char src[32768];
	size_t i, k, total;

	(void)state;
	for (i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 7);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;

		buf_init(&b, cases[i].limit);
		for (k = 0, total = 0; k < cases[i].nsteps; k++) {
			size_t n = cases[i].step[k];

			assert_true(total + n <= sizeof(src));
			if (buf_append(&b, src + total, n) != 0)
				fail_msg("%s: step %zu failed", cases[i].name,
				         k);
			total += n;
		}
		if (b.len != cases[i].len || buf_over(&b) != cases[i].over)
			fail_msg("%s: len %zu over %d, expected %zu %d",
			         cases[i].name, b.len, buf_over(&b),
			         cases[i].len, cases[i].over);
		/* What it kept is the input's first bytes, in order. */
		if (b.len > 0 && memcmp(b.data, src, b.len) != 0)
			fail_msg("%s: content differs", cases[i].name);
		if (b.cap < b.len || b.cap > cases[i].limit + 1)
			fail_msg("%s: cap %zu for len %zu, limit %zu",
			         cases[i].name, b.cap, b.len, cases[i].limit);
		buf_free(&b);
		assert_null(b.data);
		assert_int_equal(b.len, 0);
		assert_int_equal(b.limit, cases[i].limit);
	}
}

/* Growth doubles, and the last step stops at limit + 1, not the next
 * power of two. */
static void
test_growth(void **state)
{
	unsigned char byte = 'x';
	struct buf b;
	size_t caps[8], ncaps = 0, i;

	(void)state;
	buf_init(&b, 40000);
	for (i = 0; i < 40001; i++) {
		assert_int_equal(buf_append(&b, &byte, 1), 0);
		if (ncaps == 0 || caps[ncaps - 1] != b.cap) {
			assert_true(ncaps < 8);
			caps[ncaps++] = b.cap;
		}
	}
	assert_int_equal(ncaps, 5);
	assert_int_equal(caps[0], 4096);
	assert_int_equal(caps[1], 8192);
	assert_int_equal(caps[2], 16384);
	assert_int_equal(caps[3], 32768);
	assert_int_equal(caps[4], 40001);
	assert_true(buf_over(&b));
	buf_free(&b);
	/* A limit below the first allocation: that is all it takes. */
	buf_init(&b, 100);
	assert_int_equal(buf_append(&b, &byte, 1), 0);
	assert_int_equal(b.cap, 101);
	buf_free(&b);
}

/* Requests whose len + n or whose doubling would wrap size_t fail (or
 * are cut), and leave the buffer as it was; none allocates. */
static void
test_overflow(void **state)
{
	static const unsigned char src[16] = "0123456789abcdef";
	struct buf b;

	(void)state;
	buf_init(&b, 10);
	assert_int_equal(buf_append(&b, src, 5), 0);
	assert_int_equal(buf_reserve(&b, SIZE_MAX), -1);
	assert_int_equal(buf_reserve(&b, SIZE_MAX - 4), -1);
	assert_int_equal(buf_reserve(&b, 7), -1); /* 12: past limit + 1 */
	assert_int_equal(buf_reserve(&b, 6), 0);  /* 11: the byte past */
	assert_int_equal(b.len, 5);
	/* An append of SIZE_MAX bytes copies only what fits. */
	assert_int_equal(buf_append(&b, src, SIZE_MAX), 0);
	assert_int_equal(b.len, 11);
	assert_true(buf_over(&b));
	assert_memory_equal(b.data, "0123401234", 10);
	assert_int_equal(buf_reserve(&b, 1), -1);
	assert_int_equal(buf_reserve(&b, 0), 0);
	buf_free(&b);

	/* No limit but memory: limit + 1 saturates, len + n still may not
	 * wrap. */
	buf_init(&b, SIZE_MAX);
	assert_int_equal(buf_append(&b, src, 5), 0);
	assert_int_equal(buf_reserve(&b, SIZE_MAX - 4), -1);
	assert_int_equal(buf_reserve(&b, SIZE_MAX), -1);
	assert_false(buf_over(&b));
	assert_int_equal(b.len, 5);
	assert_int_equal(b.cap, 4096);
	buf_free(&b);
}

/* Taking the bytes moves them to the caller and empties the buffer for
 * reuse under the same limit; an empty buffer gives NULL. */
static void
test_take(void **state)
{
	struct buf b;
	unsigned char *p;

	(void)state;
	buf_init(&b, 8);
	assert_null(buf_take(&b));
	assert_int_equal(buf_append(&b, "abc", 3), 0);
	p = buf_take(&b);
	assert_non_null(p);
	assert_memory_equal(p, "abc", 3);
	free(p);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.limit, 8);
	assert_int_equal(buf_append(&b, "123456789", 9), 0);
	assert_true(buf_over(&b));
	buf_free(&b);
	buf_free(&b); /* twice: still empty */
	assert_false(buf_over(&b));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_growth),
	    cmocka_unit_test(test_overflow),
	    cmocka_unit_test(test_take),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
