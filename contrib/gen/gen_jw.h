/*
 * gen_jw.h - a small JSON writer: compact, or indented like Python's
 * json.dumps(indent=N), as the senders write their reports.
 *
 * The caller says what comes (open, key, value, close) and the writer puts
 * in the commas, colons and line breaks. Keys are written as given: they
 * are the generator's own constants. Nesting is at most 31 levels deep.
 */
#ifndef TLSRPT_GEN_JW_H
#define TLSRPT_GEN_JW_H

#include <stdint.h>

#include "gen_buf.h"

struct gen_jw {
	struct gen_buf *b;
	int indent; /* 0: compact */
	int depth;
	int after_key;
	unsigned char first[32];
};

/* Starts writing into b (appends); indent 0 is compact. */
void gen_jw_init(struct gen_jw *w, struct gen_buf *b, int indent);

/* Opens or closes an object ('{', '}') or an array ('[', ']'). */
void gen_jw_open(struct gen_jw *w, char c);
void gen_jw_close(struct gen_jw *w, char c);

/* A member's key; its value comes next. */
void gen_jw_key(struct gen_jw *w, const char *k);

/* Values: a string (escaped), null. */
void gen_jw_str(struct gen_jw *w, const char *s);
void gen_jw_null(struct gen_jw *w);

/* A member: key and value. */
void gen_jw_kstr(struct gen_jw *w, const char *k, const char *s);
void gen_jw_kint(struct gen_jw *w, const char *k, int64_t v);

/* Appends s to b as a quoted JSON string (RFC 8259 §7), outside any
 * writer: for JSON that is itself a string value. */
void gen_jw_escaped(struct gen_buf *b, const char *s);

#endif
