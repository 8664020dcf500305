/*
 * source.h - the inputs behind the paths given to `tlsrpt import`.
 *
 * A path is a file (a report, a message or an mbox: its first bytes
 * decide), a directory (walked; a Maildir's cur/ and new/ only), or "-"
 * for stdin. An mbox is split into messages as it is read (">From "
 * unescaped), so its size does not matter; every other input is read
 * whole, up to max_input + 1 bytes (ingest rejects what is over).
 */
#ifndef TLSRPT_SOURCE_H
#define TLSRPT_SOURCE_H

#include <stddef.h>

struct source_sink {
	/* One input: takes ownership of bytes (malloc'd) and name. Returns
	 * -1 to stop the walk. */
	int (*input)(void *arg, unsigned char *bytes, size_t len, char *name);
	/* A path that cannot be read; the walk goes on. */
	void (*error)(void *arg, const char *name, const char *reason);
	void *arg;
	size_t max_input;
};

/* Walks path, feeding the sink. Returns -1 when the sink asked to stop,
 * else 0 (unreadable paths are reported to sink->error). */
int source_walk(const char *path, const struct source_sink *sink);

#endif
