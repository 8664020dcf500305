/*
 * arena.c - a bump allocator: chunks chained together, freed at once.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

/* Chunks start small (a parsed report is a few KiB) and double. */
#define ARENA_CHUNK_MIN ((size_t)4 * 1024)
#define ARENA_CHUNK_MAX ((size_t)64 * 1024)
#define ARENA_ALIGN     16

struct chunk {
	struct chunk *next;
	size_t used;
	size_t size;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena {
	struct chunk *head;
	size_t next_size; /* of the next regular chunk */
};

struct arena *
arena_new(void)
{
	return calloc(1, sizeof(struct arena));
}

void
arena_free(struct arena *a)
{
	struct chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

static struct chunk *
chunk_new(size_t size)
{
	struct chunk *c = malloc(sizeof(*c) + size);

	if (c == NULL)
		return NULL;
	c->used = 0;
	c->size = size;
	return c;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct chunk *c = a->head;
	size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	void *p;

	if (need < n)
		return NULL;
	if (c == NULL || c->size - c->used < need) {
		if (a->next_size == 0)
			a->next_size = ARENA_CHUNK_MIN;
		if (need > a->next_size / 4) {
			/* Large: a chunk of its own, behind the current one so
			 * the current one keeps filling. */
			c = chunk_new(need);
			if (c == NULL)
				return NULL;
			c->used = need;
			if (a->head != NULL) {
				c->next = a->head->next;
				a->head->next = c;
			} else {
				c->next = NULL;
				a->head = c;
			}
			memset(c->data, 0, n);
			return c->data;
		}
		c = chunk_new(a->next_size);
		if (c == NULL)
			return NULL;
		if (a->next_size < ARENA_CHUNK_MAX)
			a->next_size *= 2;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += need;
	memset(p, 0, n);
	return p;
}

void *
arena_array(struct arena *a, size_t n, size_t sz)
{
	if (sz != 0 && n > SIZE_MAX / sz)
		return NULL;
	return arena_alloc(a, n * sz);
}

char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		return NULL;
	p = arena_alloc(a, len + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	p = arena_alloc(a, (size_t)n + 1);
	if (p == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
