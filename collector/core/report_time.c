/*
 * report_time.c - RFC 3339 date-time reading, with the quirks of real
 * reporters (see report_time.h).
 */
#include <stdint.h>

#include "report_time.h"

int64_t
report_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* H. Hinnant's days_from_civil: eras of 400 years from 0000-03-01. */
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Reads exactly n digits at s[*i]; -1 when they are not there. */
static int
digits(const char *s, size_t len, size_t *i, int n, unsigned *out)
{
	unsigned v = 0;

	if (len - *i < (size_t)n)
		return -1;
	while (n-- > 0) {
		if (s[*i] < '0' || s[*i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[(*i)++] - '0');
	}
	*out = v;
	return 0;
}

static int
expect(const char *s, size_t len, size_t *i, char c)
{
	if (*i >= len || s[*i] != c)
		return -1;
	(*i)++;
	return 0;
}

static int
days_in_month(unsigned y, unsigned m)
{
	static const unsigned char dim[] = {31, 28, 31, 30, 31, 30,
	                                    31, 31, 30, 31, 30, 31};

	if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 29;
	return dim[m - 1];
}

/* The zone part: Z, +hh:mm, -hh:mm (also +hhmm), or nothing. */
static int
read_zone(const char *s, size_t len, size_t *i, int64_t *offset,
          unsigned *quirks)
{
	unsigned oh, om;
	int sign;

	if (*i == len) {
		*quirks |= TIME_NO_ZONE;
		return 0;
	}
	if (s[*i] == 'Z' || s[*i] == 'z') {
		(*i)++;
		return 0;
	}
	if (s[*i] != '+' && s[*i] != '-')
		return -1;
	sign = s[(*i)++] == '-' ? -1 : 1;
	if (digits(s, len, i, 2, &oh) != 0)
		return -1;
	if (*i < len && s[*i] == ':')
		(*i)++;
	if (digits(s, len, i, 2, &om) != 0 || oh > 23 || om > 59)
		return -1;
	*offset = sign * (int64_t)(oh * 3600 + om * 60);
	if (*offset != 0)
		*quirks |= TIME_OFFSET;
	return 0;
}

int
report_time_parse(const char *s, size_t len, int64_t *out, unsigned *quirks)
{
	unsigned y, mo, d, h = 0, mi = 0, sec = 0;
	int64_t offset = 0;
	size_t i = 0;

	*quirks = 0;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (digits(s, len, &i, 4, &y) || expect(s, len, &i, '-') ||
	    digits(s, len, &i, 2, &mo) || expect(s, len, &i, '-') ||
	    digits(s, len, &i, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || (int)d > days_in_month(y, mo))
		return -1;
	if (i == len) {
		*quirks |= TIME_BARE_DATE;
		goto done;
	}
	if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
		return -1;
	i++;
	if (digits(s, len, &i, 2, &h) || expect(s, len, &i, ':') ||
	    digits(s, len, &i, 2, &mi) || expect(s, len, &i, ':') ||
	    digits(s, len, &i, 2, &sec))
		return -1;
	/* RFC 3339 allows second 60 (a leap second); 23:59:60 is the end of
	 * the day, read as the next day's 00:00:00. */
	if (h > 23 || mi > 59 || sec > 60)
		return -1;
	if (i < len && s[i] == '.') {
		size_t start = ++i;

		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start)
			return -1;
		*quirks |= TIME_FRACTION;
	}
	if (read_zone(s, len, &i, &offset, quirks) != 0 || i != len)
		return -1;
done:
	*out = report_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	       sec - offset;
	return 0;
}
