/*
 * arena.h - a bump allocator for objects that die together.
 *
 * A parsed report is hundreds of small strings; allocating them from one
 * arena makes building it cheap and freeing it one call.
 */
#ifndef TLSRPT_ARENA_H
#define TLSRPT_ARENA_H

#include <stddef.h>

struct arena;

/* Returns a new arena or NULL when out of memory. */
struct arena *arena_new(void);

/* Frees the arena and everything allocated from it; NULL is accepted. */
void arena_free(struct arena *a);

/* Returns n zeroed bytes aligned for any object, or NULL. */
void *arena_alloc(struct arena *a, size_t n);

/* Returns an array of n objects of size sz (zeroed), or NULL on overflow. */
void *arena_array(struct arena *a, size_t n, size_t sz);

/* Copies (s, len) into the arena, NUL-terminated; NULL on failure. */
char *arena_strndup(struct arena *a, const char *s, size_t len);

/* Formats into the arena; NULL on failure. */
char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
