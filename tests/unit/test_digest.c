/*
 * test_digest.c - digest_period_bounds: the day, Monday-to-Sunday week or
 * calendar month that ends at or before `at`, and the one before it, in
 * UTC. Every number is a count of days since 1970-01-01 worked out by hand
 * from 2026-01-01 = day 20454 (56 years, 14 of them leap: 56 * 365 + 14)
 * and 2024-01-01 = day 19723 (54 * 365 + 13); 2026-01-01 is a Thursday.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>

#include "digest.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define DAY      86400

/* Days of the dates used below, from the two above. */
#define D20251201 (20454 - 31) /* 20423 */
#define D20251101 (20423 - 30) /* 20393 */
#define D20251215 (20454 - 17) /* 20437 */
#define D20251222 (20454 - 10) /* 20444 */
#define D20251229 (20454 - 3)  /* 20451: a Monday */
#define D20251230 (20454 - 2)
#define D20251231 (20454 - 1)
#define D20260101 20454
#define D20260104 (20454 + 3)  /* a Sunday */
#define D20260105 (20454 + 4)  /* a Monday */
#define D20260201 (20454 + 31) /* 20485 */
#define D20260302 (20485 + 28 + 1)
#define D20260303 (20485 + 28 + 2)
#define D20260304 (20485 + 28 + 3)
#define D20260301 (20485 + 28) /* 20513: February 2026 has 28 days */
#define D20240201 (19723 + 31) /* 19754 */
#define D20240301 (19754 + 29) /* 19783: February 2024 has 29 */
#define D20240310 (19783 + 9)

static const struct period_case {
	const char *name;
	enum digest_period p;
	int64_t at;
	int64_t start, end, prev_start; /* days */
} period_cases[] = {
    {"day: midday", PERIOD_DAY, (int64_t)D20260304 *DAY + 13 * 3600, D20260303,
     D20260304, D20260302},
    {"day: at midnight, the day just ended", PERIOD_DAY,
     (int64_t)D20260304 *DAY, D20260303, D20260304, D20260302},
    {"day: a second before midnight", PERIOD_DAY, (int64_t)D20260304 *DAY - 1,
     D20260302, D20260303, D20260302 - 1},
    {"day: over the year's end", PERIOD_DAY, (int64_t)D20260101 *DAY + 5 * 3600,
     D20251231, D20260101, D20251230},
    /* -1 is 1969-12-31T23:59:59 (day -1): the last whole day is day -2 */
    {"day: before 1970", PERIOD_DAY, -1, -2, -1, -3},
    {"week: a Thursday", PERIOD_WEEK, (int64_t)D20260101 *DAY + 12 * 3600,
     D20251222, D20251229, D20251215},
    {"week: a Sunday's last second", PERIOD_WEEK,
     (int64_t)(D20260104 + 1) * DAY - 1, D20251222, D20251229, D20251215},
    {"week: a Monday at midnight", PERIOD_WEEK, (int64_t)D20260105 *DAY,
     D20251229, D20260105, D20251222},
    {"month: March 2026", PERIOD_MONTH, (int64_t)D20260304 *DAY, D20260201,
     D20260301, D20260101},
    {"month: the 1st at midnight", PERIOD_MONTH, (int64_t)D20260301 *DAY,
     D20260201, D20260301, D20260101},
    {"month: February's last second", PERIOD_MONTH, (int64_t)D20260301 *DAY - 1,
     D20260101, D20260201, D20251201},
    {"month: over the year's end", PERIOD_MONTH,
     (int64_t)(D20260101 + 14) * DAY, D20251201, D20260101, D20251101},
    {"month: a leap February", PERIOD_MONTH, (int64_t)D20240310 *DAY, D20240201,
     D20240301, 19723},
    {"month: November 2025", PERIOD_MONTH, (int64_t)D20251201 *DAY + 1,
     D20251101, D20251201, D20251101 - 31},
};

static void
test_period_case(void **state)
{
	const struct period_case *c = *state;
	int64_t start = 0, end = 0, prev = 0;

	digest_period_bounds(c->p, c->at, &start, &end, &prev);
	if (start != c->start * DAY || end != c->end * DAY ||
	    prev != c->prev_start * DAY)
		fail_msg("at %lld: [%lld, %lld) after %lld, expected days "
		         "[%lld, %lld) after %lld",
		         (long long)c->at, (long long)start, (long long)end,
		         (long long)prev, (long long)c->start,
		         (long long)c->end, (long long)c->prev_start);
}

/* A month's length follows the calendar: 28, 29, 31 days. */
static void
test_month_lengths(void **state)
{
	int64_t start, end, prev;

	digest_period_bounds(PERIOD_MONTH, (int64_t)D20260304 * DAY, &start,
	                     &end, &prev);
	assert_int_equal(end - start, 28 * DAY);
	assert_int_equal(start - prev, 31 * DAY);
	digest_period_bounds(PERIOD_MONTH, (int64_t)D20240310 * DAY, &start,
	                     &end, &prev);
	assert_int_equal(end - start, 29 * DAY);
	assert_int_equal(start - prev, 31 * DAY);
}

int
main(void)
{
	const struct CMUnitTest fixed[] = {
	    cmocka_unit_test(test_month_lengths),
	};
	struct tu_tests l = {0};

	TU_TESTS_ROWS(&l, period_cases, NELEM(period_cases), name,
	              test_period_case, NULL, NULL);
	tu_tests_add(&l, fixed, NELEM(fixed));
	return tu_tests_run(&l, "digest");
}
