/*
 * gen_time.h - calendar arithmetic and the date formats the reports and
 * their messages use, in UTC and without the C library's time zone state.
 */
#ifndef TLSRPT_GEN_TIME_H
#define TLSRPT_GEN_TIME_H

#include <stddef.h>
#include <stdint.h>

struct gen_civil {
	int y;
	unsigned mon, day, h, min, s, wday; /* mon 1..12, wday 0 is Sunday */
};

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
int64_t gen_time_days(int64_t y, unsigned m, unsigned d);

/* The UTC calendar date and time of Unix time t. */
void gen_time_civil(int64_t t, struct gen_civil *c);

/* RFC 3339 date-time as senders write it; zulu 0 leaves out the "Z". */
void gen_time_rfc3339(char *out, size_t n, int64_t t, int zulu);

/* RFC 5322 §3.3 date-time, "+0000". */
void gen_time_rfc5322(char *out, size_t n, int64_t t);

/* The date on an mbox "From " separator line (asctime form). */
void gen_time_asctime(char *out, size_t n, int64_t t);

#endif
