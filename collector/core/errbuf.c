/*
 * errbuf.c - formatting into the caller's error buffer.
 */
#include <stdio.h>
#include <string.h>

#include "errbuf.h"

int
errbuf_set(struct errbuf *eb, const char *fmt, ...)
{
	va_list ap;

	if (eb == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void
errbuf_prefix(struct errbuf *eb, const char *fmt, ...)
{
	char head[ERRBUF_SIZE];
	size_t hn, on;
	va_list ap;
	int n;

	if (eb == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(head, sizeof(head) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	hn = strlen(head);
	on = strnlen(eb->msg, sizeof(eb->msg) - 1);
	/* Keep as much of the old message as fits after "head: ". */
	if (on > sizeof(eb->msg) - 1 - hn - 2)
		on = sizeof(eb->msg) - 1 - hn - 2;
	memmove(eb->msg + hn + 2, eb->msg, on);
	memcpy(eb->msg, head, hn);
	memcpy(eb->msg + hn, ": ", 2);
	eb->msg[hn + 2 + on] = '\0';
}
