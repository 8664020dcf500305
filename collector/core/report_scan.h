/*
 * report_scan.h - the pre-parse scan of a report's JSON text (internal to
 * the report module).
 */
#ifndef TLSRPT_REPORT_SCAN_H
#define TLSRPT_REPORT_SCAN_H

#include <stddef.h>

#include "errbuf.h"

#define SCAN_BOM   0x1 /* a UTF-8 byte order mark */
#define SCAN_SPACE 0x2 /* whitespace around the JSON (beyond a final EOL) */
#define SCAN_CRLF  0x4 /* CR in the whitespace between tokens */

struct report_scan {
	size_t begin; /* the JSON text is text[begin, end) */
	size_t end;
	unsigned quirks;       /* SCAN_* */
	size_t long_string_at; /* offset of a string over the limit, or
	                          SIZE_MAX: the parser names its field */
};

/* Scans (text, len): fails on a NUL byte, invalid UTF-8 or nesting deeper
 * than LIMIT_JSON_DEPTH, with the byte offset in eb. */
int report_scan(const char *text, size_t len, struct report_scan *sc,
                struct errbuf *eb);

#endif
