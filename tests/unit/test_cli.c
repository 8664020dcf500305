/*
 * test_cli.c - cli_parse_when, the reading of --since and --until:
 * YYYY-MM-DD (UTC; an --until date includes its whole day), an RFC 3339
 * date-time, or Nd, Nw, Nm back from now (N from 0 to 100000; a month back
 * keeps the day of month within the target month). Every number is worked
 * out by hand: 2026-01-01 is day 20454 since 1970-01-01 (56 * 365 + 14
 * leap days), 1767225600 s; 2024-01-01 is day 19723 (54 * 365 + 13).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <string.h>

#include "cli.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define DAY      86400LL

#define T20260101 1767225600LL                /* 20454 * 86400 */
#define T20260115 (T20260101 + 14 * DAY)      /* 1768435200 */
#define T20240229 ((19723LL + 31 + 28) * DAY) /* 1709164800 */
#define T20240331 (T20240229 + 31 * DAY)      /* 1711843200 */
#define T20000229 ((10957LL + 31 + 28) * DAY) /* 30 * 365 + 7 = 10957 */
#define BAD       INT64_MIN                   /* an error is expected */

static const struct when_case {
	const char *name, *arg;
	int until;
	int64_t now, want;
} when_cases[] = {
    {"a date", "2026-01-01", 0, T20260101, T20260101},
    {"an --until date takes its whole day", "2026-01-01", 1, T20260101,
     T20260101 + DAY},
    {"a date-time", "2026-01-01T12:00:00Z", 0, 0, T20260101 + 43200},
    {"an --until date-time is that instant", "2026-01-01T12:00:00Z", 1, 0,
     T20260101 + 43200},
    {"an offset", "2026-01-01T00:00:00+01:00", 0, 0, T20260101 - 3600},
    {"a leap day", "2024-02-29", 0, 0, T20240229},
    {"a leap day of a year divisible by 400", "2000-02-29", 0, 0, T20000229},
    {"29 February of a common year", "2023-02-29", 0, 0, BAD},
    {"29 February of 2100 (divisible by 100)", "2100-02-29", 0, 0, BAD},
    {"31 April", "2026-04-31", 0, 0, BAD},
    {"30 April", "2026-04-30", 0, 0, T20260101 + (31 + 28 + 31 + 29) * DAY},
    {"month 13", "2026-13-01", 0, 0, BAD},
    {"month 0", "2026-00-10", 0, 0, BAD},
    {"day 0", "2026-01-00", 0, 0, BAD},
    {"one digit month", "2026-1-01", 0, 0, BAD},
    {"a date and garbage", "2026-01-01x", 0, 0, BAD},
    {"empty", "", 0, T20260101, BAD},
    {"a word", "yesterday", 0, T20260101, BAD},
    {"7 days back", "7d", 0, T20260101, T20260101 - 7 * DAY},
    {"0 days back", "0d", 0, T20260101, T20260101},
    {"4 weeks back", "4w", 0, T20260101, T20260101 - 28 * DAY},
    {"12 months back, over a year", "12m", 0, T20260101, T20260101 - 365 * DAY},
    {"a month back, over the year's end", "1m", 0, T20260115,
     T20260101 - 17 * DAY},
    {"31 March a month back is 29 February", "1m", 0, T20240331 + 36000,
     T20240229 + 36000},
    {"the largest period", "100000d", 0, T20260101, T20260101 - 100000 * DAY},
    {"over the largest period", "100001d", 0, T20260101, BAD},
    {"a negative period", "-1d", 0, T20260101, BAD},
    {"no unit", "7", 0, T20260101, BAD},
    {"an unknown unit", "7y", 0, T20260101, BAD},
    {"two units", "7dd", 0, T20260101, BAD},
    {"a unit alone", "d", 0, T20260101, BAD},
};

static void
test_when_case(void **state)
{
	const struct when_case *c = *state;
	struct errbuf eb = {""};
	int64_t got = 42;
	int ret = cli_parse_when(c->arg, c->until, (time_t)c->now, &got, &eb);

	if (c->want == BAD) {
		if (ret != -1)
			fail_msg("\"%s\": %d (%lld), expected an error", c->arg,
			         ret, (long long)got);
		assert_non_null(strstr(eb.msg, "expected YYYY-MM-DD"));
		return;
	}
	if (ret != 0 || got != c->want)
		fail_msg("\"%s\": %d (%lld), expected %lld (%s)", c->arg, ret,
		         (long long)got, (long long)c->want, eb.msg);
}

int
main(void)
{
	struct tu_tests l = {0};

	TU_TESTS_ROWS(&l, when_cases, NELEM(when_cases), name, test_when_case,
	              NULL, NULL);
	return tu_tests_run(&l, "cli");
}
