/*
 * test_tally.c - grouping by text keys: sums, report counting, key
 * boundaries, NULL keys, the sort order, and growth past the first table;
 * the bounded top of many groups, and finding a group by its keys.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "tally.h"

struct add {
	const char *k0, *k1;
	int64_t failed, reports, report_id;
};

struct want {
	const char *k0, *k1;
	int64_t failed, reports;
};

static const struct {
	const char *name;
	struct add in[8];
	size_t nin;
	struct want out[8];
	size_t nout;
} cases[] = {
    {"one group, one report's rows counted once",
     {{"a", "x", 5, 0, 7}, {"a", "x", 3, 0, 7}},
     2,
     {{"a", "x", 8, 1}},
     1},
    {"a new report id counts again",
     {{"a", "x", 1, 0, 7}, {"a", "x", 1, 0, 8}, {"a", "x", 1, 0, 8}},
     3,
     {{"a", "x", 3, 2}},
     1},
    {"rollup rows add their report count; id 0 adds none",
     {{"a", "x", 10, 4, 0}, {"a", "x", 2, 0, 9}},
     2,
     {{"a", "x", 12, 5}},
     1},
    {"keys split at their boundary: (ab, '') is not (a, b)",
     {{"ab", "", 1, 0, 1}, {"a", "b", 2, 0, 1}},
     2,
     {{"a", "b", 2, 1}, {"ab", "", 1, 1}},
     2},
    {"NULL is the empty key",
     {{NULL, "x", 1, 0, 1}, {"", "x", 1, 0, 2}},
     2,
     {{"", "x", 2, 2}},
     1},
    {"largest first, ties by keys in byte order",
     {{"b", "x", 5, 0, 1},
      {"a", "y", 5, 0, 1},
      {"a", "x", 5, 0, 1},
      {"c", "x", 9, 0, 1},
      {"B", "x", 5, 0, 1}},
     5,
     {{"c", "x", 9, 1},
      {"B", "x", 5, 1},
      {"a", "x", 5, 1},
      {"a", "y", 5, 1},
      {"b", "x", 5, 1}},
     5},
};

static void
test_cases(void **state)
{
	size_t c, i;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct tally *t = tally_new(2);

		assert_non_null(t);
		for (i = 0; i < cases[c].nin; i++) {
			const struct add *a = &cases[c].in[i];
			const char *k[2] = {a->k0, a->k1};

			assert_int_equal(tally_add(t, k, a->failed, a->reports,
			                           a->report_id),
			                 0);
		}
		if (tally_sort(t) != cases[c].nout)
			fail_msg("%s: %zu groups", cases[c].name,
			         tally_sort(t));
		for (i = 0; i < cases[c].nout; i++) {
			const struct want *w = &cases[c].out[i];
			const char *const *k = tally_keys(t, i);

			if (strcmp(k[0], w->k0) || strcmp(k[1], w->k1) ||
			    tally_failed(t, i) != w->failed ||
			    tally_reports(t, i) != w->reports)
				fail_msg("%s: row %zu is (%s, %s) %lld %lld",
				         cases[c].name, i, k[0], k[1],
				         (long long)tally_failed(t, i),
				         (long long)tally_reports(t, i));
		}
		tally_free(t);
	}
}

/* 5,000 groups, each added to twice, make the table grow several times:
 * group i (key "g<i>") gets i + 1 and 1, and one report each time. */
static void
test_growth(void **state)
{
	struct tally *t = tally_new(1);
	char key[16];
	const char *k[1] = {key};
	size_t i, n;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "g%zu", i % 5000);
		assert_int_equal(tally_add(t, k, i < 5000 ? (int64_t)i + 1 : 1,
		                           0, (int64_t)i + 1),
		                 0);
	}
	n = tally_sort(t);
	assert_int_equal(n, 5000);
	/* g4999 has 5000 + 1 and leads; g0 has 1 + 1 and is last. */
	assert_string_equal(tally_keys(t, 0)[0], "g4999");
	assert_int_equal(tally_failed(t, 0), 5001);
	assert_int_equal(tally_reports(t, 0), 2);
	assert_string_equal(tally_keys(t, n - 1)[0], "g0");
	assert_int_equal(tally_failed(t, n - 1), 2);
	tally_free(t);
}

/* No keys: everything is one group. */
static void
test_no_keys(void **state)
{
	struct tally *t = tally_new(0);

	(void)state;
	assert_non_null(t);
	assert_int_equal(tally_add(t, NULL, 3, 0, 1), 0);
	assert_int_equal(tally_add(t, NULL, 4, 0, 2), 0);
	assert_int_equal(tally_sort(t), 1);
	assert_int_equal(tally_failed(t, 0), 7);
	assert_int_equal(tally_reports(t, 0), 2);
	tally_free(t);
	assert_null(tally_new(17));
	tally_free(NULL);
}

/* 10,000 groups offered to a top of 3: group i (key "g<i>", i from 0)
 * has failed sessions (i * 7919) % 10000, a permutation of 0..9999 (7919
 * is prime to 10,000), so the first three are 9999, 9998 and 9997: i with
 * i * 7919 = -1, -2, -3 (mod 10,000), i.e. i = -k * 7679 mod 10,000 for
 * k = 1, 2, 3 (7919 * 7679 = 60,810,001 = 1 mod 10,000): 2321, 4642 and
 * 6963. Ties: two groups of 9999 more, "a" and "z", put "a" before
 * "g2321" and "z" after it, dropping 9998 and 9997. */
static void
test_top(void **state)
{
	struct tally *t = tally_new_top(1, 3);
	char key[16];
	const char *k[1] = {key};
	static const char *const want[] = {"a", "g2321", "z"};
	size_t i;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "g%zu", i);
		assert_int_equal(
		    tally_offer(t, k, (int64_t)(i * 7919 % 10000), 1), 0);
	}
	assert_int_equal(tally_count(t), 3);
	assert_int_equal(tally_sort(t), 3);
	assert_string_equal(tally_keys(t, 0)[0], "g2321");
	assert_string_equal(tally_keys(t, 1)[0], "g4642");
	assert_string_equal(tally_keys(t, 2)[0], "g6963");
	assert_int_equal(tally_failed(t, 2), 9997);
	tally_free(t);

	assert_non_null(t = tally_new_top(1, 3));
	for (i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "g%zu", i);
		assert_int_equal(
		    tally_offer(t, k, (int64_t)(i * 7919 % 10000), 1), 0);
	}
	snprintf(key, sizeof(key), "z");
	assert_int_equal(tally_offer(t, k, 9999, 4), 0);
	snprintf(key, sizeof(key), "a");
	assert_int_equal(tally_offer(t, k, 9999, 5), 0);
	assert_int_equal(tally_sort(t), 3);
	for (i = 0; i < 3; i++) {
		assert_string_equal(tally_keys(t, i)[0], want[i]);
		assert_int_equal(tally_failed(t, i), 9999);
	}
	assert_int_equal(tally_reports(t, 0), 5);
	/* A top takes complete groups only; a limit of 0 is refused. */
	assert_int_equal(tally_add(t, k, 1, 0, 1), -1);
	tally_free(t);
	assert_null(tally_new_top(1, 0));
}

/* Fewer groups than the limit: all of them, in order; NULL keys are "". */
static void
test_top_few(void **state)
{
	struct tally *t = tally_new_top(2, 10);
	const char *a[2] = {"x", NULL}, *b[2] = {"x", "y"};

	(void)state;
	assert_non_null(t);
	assert_int_equal(tally_offer(t, a, 2, 1), 0);
	assert_int_equal(tally_offer(t, b, 3, 1), 0);
	assert_int_equal(tally_sort(t), 2);
	assert_string_equal(tally_keys(t, 0)[1], "y");
	assert_string_equal(tally_keys(t, 1)[1], "");
	assert_int_equal(tally_failed(t, 1), 2);
	tally_free(t);
}

/* tally_find: the index of a group by its keys, -1 for others and in an
 * empty tally. */
static void
test_find(void **state)
{
	struct tally *t = tally_new(2);
	const char *a[2] = {"a", "x"}, *b[2] = {"b", NULL}, *c[2] = {"a", "y"};
	const char *b2[2] = {"b", ""};
	long i;

	(void)state;
	assert_non_null(t);
	assert_int_equal(tally_find(t, a), -1);
	assert_int_equal(tally_add(t, a, 1, 0, 1), 0);
	assert_int_equal(tally_add(t, b, 2, 0, 1), 0);
	assert_int_equal(tally_count(t), 2);
	i = tally_find(t, b2);
	assert_true(i >= 0);
	assert_int_equal(tally_failed(t, (size_t)i), 2);
	assert_int_equal(tally_find(t, c), -1);
	tally_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),   cmocka_unit_test(test_growth),
	    cmocka_unit_test(test_no_keys), cmocka_unit_test(test_top),
	    cmocka_unit_test(test_top_few), cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
