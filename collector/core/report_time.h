/*
 * report_time.h - RFC 3339 date-times as real reporters send them.
 *
 * RFC 8460 §4.4 asks for RFC 3339 §5.6 "date-time". Reporters also send a
 * date-time without a zone (Microsoft, 2023-2024), with fractional seconds,
 * with a numeric offset, or a bare date; each is read and flagged so that
 * the parser can record a warning.
 */
#ifndef TLSRPT_REPORT_TIME_H
#define TLSRPT_REPORT_TIME_H

#include <stddef.h>
#include <stdint.h>

#define TIME_NO_ZONE   0x1 /* no zone: taken as UTC */
#define TIME_FRACTION  0x2 /* fractional seconds: dropped */
#define TIME_OFFSET    0x4 /* numeric offset: converted to UTC */
#define TIME_BARE_DATE 0x8 /* a date alone: 00:00:00 UTC */

/* Reads (s, len) into Unix seconds; *quirks receives TIME_* flags.
 * Returns 0, or -1 when the text is not a date-time we can read. */
int report_time_parse(const char *s, size_t len, int64_t *out,
                      unsigned *quirks);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t report_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
