/*
 * gen_buf.h - a growable byte buffer, always NUL-terminated.
 *
 * The generator builds every report, message and mbox record in one of
 * these and reuses it for the next: len goes back to 0, the memory stays.
 * Running out of memory ends the program (gen_die).
 */
#ifndef TLSRPT_GEN_BUF_H
#define TLSRPT_GEN_BUF_H

#include <stddef.h>
#include <stdint.h>

/* Zero-initialized is empty. p[len] is '\0' once anything was added. */
struct gen_buf {
	char *p;
	size_t len, cap;
};

/* Makes room for n more bytes and the NUL. */
void gen_buf_reserve(struct gen_buf *b, size_t n);

/* Append bytes, a string, a character, formatted text, a decimal. */
void gen_buf_add(struct gen_buf *b, const void *s, size_t n);
void gen_buf_puts(struct gen_buf *b, const char *s);
void gen_buf_putc(struct gen_buf *b, char c);
void gen_buf_printf(struct gen_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void gen_buf_putu(struct gen_buf *b, uint64_t v);

/* Frees the memory; b is empty again. */
void gen_buf_free(struct gen_buf *b);

#endif
