/*
 * errbuf.h - the caller-supplied error message buffer used by every module.
 *
 * Functions that can fail return int (0 success, -1 failure) and, when the
 * caller passed a non-NULL struct errbuf, write one line saying why.
 */
#ifndef TLSRPT_ERRBUF_H
#define TLSRPT_ERRBUF_H

#include <stdarg.h>

#define ERRBUF_SIZE 512

struct errbuf {
	char msg[ERRBUF_SIZE];
};

/* Formats the message into eb (truncating); eb may be NULL. Returns -1 so
 * that "return errbuf_set(eb, ...);" reads as a failure return. */
int errbuf_set(struct errbuf *eb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prepends "prefix: " to the message already in eb; eb may be NULL. */
void errbuf_prefix(struct errbuf *eb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
