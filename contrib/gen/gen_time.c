/*
 * gen_time.c - calendar arithmetic and the date formats of reports and
 * report messages, in UTC.
 */
#include <stdio.h>

#include "gen_time.h"

static const char *const wday_name[] = {"Sun", "Mon", "Tue", "Wed",
                                        "Thu", "Fri", "Sat"};
static const char *const mon_name[] = {"Jan", "Feb", "Mar", "Apr",
                                       "May", "Jun", "Jul", "Aug",
                                       "Sep", "Oct", "Nov", "Dec"};

int64_t
gen_time_days(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void
gen_time_civil(int64_t t, struct gen_civil *c)
{
	int64_t z = t / 86400, era, y;
	unsigned sod = (unsigned)(t % 86400), doe, yoe, doy, mp;

	c->wday = (unsigned)((z + 4) % 7);
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	c->day = doy - (153 * mp + 2) / 5 + 1;
	c->mon = mp < 10 ? mp + 3 : mp - 9;
	c->y = (int)(y + (c->mon <= 2));
	c->h = sod / 3600;
	c->min = sod / 60 % 60;
	c->s = sod % 60;
}

void
gen_time_rfc3339(char *out, size_t n, int64_t t, int zulu)
{
	struct gen_civil c;

	gen_time_civil(t, &c);
	snprintf(out, n, "%04d-%02u-%02uT%02u:%02u:%02u%s", c.y, c.mon, c.day,
	         c.h, c.min, c.s, zulu ? "Z" : "");
}

void
gen_time_rfc5322(char *out, size_t n, int64_t t)
{
	struct gen_civil c;

	gen_time_civil(t, &c);
	snprintf(out, n, "%s, %u %s %04d %02u:%02u:%02u +0000",
	         wday_name[c.wday], c.day, mon_name[c.mon - 1], c.y, c.h, c.min,
	         c.s);
}

void
gen_time_asctime(char *out, size_t n, int64_t t)
{
	struct gen_civil c;

	gen_time_civil(t, &c);
	snprintf(out, n, "%s %s %2u %02u:%02u:%02u %04d", wday_name[c.wday],
	         mon_name[c.mon - 1], c.day, c.h, c.min, c.s, c.y);
}
