/*
 * tally.c - groups of text keys in an open-addressing hash table (linear
 * probing, FNV-1a), their keys in an arena; or, made by tally_new_top,
 * the first groups of many offered, in a heap whose root is the last of
 * them, each group's keys in one allocation of its own.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "store.h"
#include "tally.h"

#define TALLY_KEYS_MAX 16

struct group {
	uint64_t hash;
	const char **keys;
	int64_t failed, reports, last_report;
};

struct tally {
	size_t nkeys;
	struct arena *arena;
	struct group *groups; /* in order of arrival, then sorted */
	size_t ngroups, cap;
	size_t *slots; /* group index + 1; 0 is empty */
	size_t nslots; /* a power of two, at least twice ngroups */
	size_t limit;  /* tally_new_top's; 0 for a hash tally */
};

struct tally *
tally_new(size_t nkeys)
{
	struct tally *t;

	if (nkeys > TALLY_KEYS_MAX || (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->nkeys = nkeys;
	if ((t->arena = arena_new()) == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

struct tally *
tally_new_top(size_t nkeys, size_t limit)
{
	struct tally *t;

	if (limit == 0 || nkeys > TALLY_KEYS_MAX ||
	    (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->nkeys = nkeys;
	t->limit = limit;
	return t;
}

void
tally_free(struct tally *t)
{
	size_t i;

	if (t == NULL)
		return;
	if (t->limit > 0)
		for (i = 0; i < t->ngroups; i++)
			free(t->groups[i].keys);
	arena_free(t->arena);
	free(t->groups);
	free(t->slots);
	free(t);
}

static uint64_t
hash_keys(const char *const *keys, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;
	size_t i;

	for (i = 0; i < n; i++) {
		for (p = (const unsigned char *)keys[i]; *p; p++)
			h = (h ^ *p) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL; /* ("ab","") != ("a","b") */
	}
	return h;
}

static int
same_keys(const struct group *g, const char *const *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(g->keys[i], keys[i]) != 0)
			return 0;
	return 1;
}

/* Doubles the slots and places every group again. */
static int
grow(struct tally *t)
{
	size_t n = t->nslots ? t->nslots * 2 : 1024, i, j;
	size_t *slots = calloc(n, sizeof(*slots));

	if (slots == NULL)
		return -1;
	for (i = 0; i < t->ngroups; i++) {
		for (j = t->groups[i].hash & (n - 1); slots[j];
		     j = (j + 1) & (n - 1))
			;
		slots[j] = i + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = n;
	return 0;
}

/* A new group for keys, whose slot is free; NULL when out of memory. */
static struct group *
new_group(struct tally *t, const char *const *keys, uint64_t hash, size_t slot)
{
	struct group *g;
	size_t i;

	if (t->ngroups == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 256;

		if ((g = reallocarray(t->groups, ncap, sizeof(*g))) == NULL)
			return NULL;
		t->groups = g;
		t->cap = ncap;
	}
	g = &t->groups[t->ngroups];
	memset(g, 0, sizeof(*g));
	g->hash = hash;
	if ((g->keys = arena_array(t->arena, t->nkeys + 1, sizeof(char *))) ==
	    NULL)
		return NULL;
	for (i = 0; i < t->nkeys; i++)
		if ((g->keys[i] = arena_strndup(t->arena, keys[i],
		                                strlen(keys[i]))) == NULL)
			return NULL;
	t->slots[slot] = ++t->ngroups;
	return g;
}

int
tally_add(struct tally *t, const char *const *keys, int64_t failed,
          int64_t reports, int64_t report_id)
{
	const char *k[TALLY_KEYS_MAX];
	struct group *g = NULL;
	uint64_t h;
	size_t i, j;

	if (t->limit > 0)
		return -1; /* a top tally takes complete groups only */
	for (i = 0; i < t->nkeys; i++)
		k[i] = keys[i] ? keys[i] : "";
	if (2 * (t->ngroups + 1) > t->nslots && grow(t) != 0)
		return -1;
	h = hash_keys(k, t->nkeys);
	for (j = h & (t->nslots - 1); t->slots[j];
	     j = (j + 1) & (t->nslots - 1)) {
		struct group *c = &t->groups[t->slots[j] - 1];

		if (c->hash == h && same_keys(c, k, t->nkeys)) {
			g = c;
			break;
		}
	}
	if (g == NULL && (g = new_group(t, k, h, j)) == NULL)
		return -1;
	/* Held: the sums of many groups of stored counts. */
	g->failed = store_add_held(g->failed, failed);
	g->reports = store_add_held(g->reports, reports);
	if (report_id != 0 && report_id != g->last_report) {
		g->reports++;
		g->last_report = report_id;
	}
	return 0;
}

static int cmp_group(const void *a, const void *b, void *nkeys);

/* The keys in one allocation: the pointers, then the texts. */
static const char **
keys_copy(const char *const *keys, size_t n)
{
	size_t i, len = 0, at;
	const char **k;
	char *p;

	for (i = 0; i < n; i++)
		len += strlen(keys[i]) + 1;
	if ((k = malloc((n + 1) * sizeof(*k) + len)) == NULL)
		return NULL;
	p = (char *)(k + n + 1);
	for (i = 0, at = 0; i < n; i++) {
		size_t l = strlen(keys[i]) + 1;

		memcpy(p + at, keys[i], l);
		k[i] = p + at;
		at += l;
	}
	k[n] = NULL;
	return k;
}

/* The heap's order: a parent sorts after its children (the root is the
 * group that would be written last). */
static int
heap_above(const struct tally *t, size_t a, size_t b)
{
	return cmp_group(&t->groups[a], &t->groups[b], (void *)&t->nkeys) > 0;
}

static void
heap_swap(struct tally *t, size_t a, size_t b)
{
	struct group g = t->groups[a];

	t->groups[a] = t->groups[b];
	t->groups[b] = g;
}

static void
heap_down(struct tally *t, size_t i)
{
	size_t c, n = t->ngroups;

	while ((c = 2 * i + 1) < n) {
		if (c + 1 < n && heap_above(t, c + 1, c))
			c++;
		if (!heap_above(t, c, i))
			break;
		heap_swap(t, c, i);
		i = c;
	}
}

int
tally_offer(struct tally *t, const char *const *keys, int64_t failed,
            int64_t reports)
{
	const char *k[TALLY_KEYS_MAX];
	struct group g = {0};
	size_t i;

	for (i = 0; i < t->nkeys; i++)
		k[i] = keys[i] ? keys[i] : "";
	g.keys = k; /* compared only, until kept */
	g.failed = failed;
	g.reports = reports;
	if (t->ngroups == t->limit &&
	    cmp_group(&g, &t->groups[0], &t->nkeys) >= 0)
		return 0; /* not among the first */
	if ((g.keys = keys_copy(k, t->nkeys)) == NULL)
		return -1;
	if (t->ngroups == t->limit) {
		free(t->groups[0].keys);
		t->groups[0] = g;
		heap_down(t, 0);
		return 0;
	}
	if (t->ngroups == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		struct group *ng;

		if (ncap > t->limit)
			ncap = t->limit;
		if ((ng = reallocarray(t->groups, ncap, sizeof(*ng))) == NULL) {
			free(g.keys);
			return -1;
		}
		t->groups = ng;
		t->cap = ncap;
	}
	t->groups[i = t->ngroups++] = g;
	for (; i > 0 && heap_above(t, i, (i - 1) / 2); i = (i - 1) / 2)
		heap_swap(t, i, (i - 1) / 2);
	return 0;
}

long
tally_find(const struct tally *t, const char *const *keys)
{
	const char *k[TALLY_KEYS_MAX];
	uint64_t h;
	size_t i, j;

	if (t->nslots == 0)
		return -1;
	for (i = 0; i < t->nkeys; i++)
		k[i] = keys[i] ? keys[i] : "";
	h = hash_keys(k, t->nkeys);
	for (j = h & (t->nslots - 1); t->slots[j];
	     j = (j + 1) & (t->nslots - 1)) {
		const struct group *c = &t->groups[t->slots[j] - 1];

		if (c->hash == h && same_keys(c, k, t->nkeys))
			return (long)(t->slots[j] - 1);
	}
	return -1;
}

size_t
tally_count(const struct tally *t)
{
	return t->ngroups;
}

static int
cmp_group(const void *a, const void *b, void *nkeys)
{
	const struct group *x = a, *y = b;
	size_t i, n = *(const size_t *)nkeys;
	int c;

	if (x->failed != y->failed)
		return x->failed > y->failed ? -1 : 1;
	for (i = 0; i < n; i++)
		if ((c = strcmp(x->keys[i], y->keys[i])) != 0)
			return c;
	return 0;
}

size_t
tally_sort(struct tally *t)
{
	/* The slots would point at the wrong groups after sorting. */
	free(t->slots);
	t->slots = NULL;
	t->nslots = 0;
	if (t->ngroups > 1)
		qsort_r(t->groups, t->ngroups, sizeof(*t->groups), cmp_group,
		        &t->nkeys);
	return t->ngroups;
}

const char *const *
tally_keys(const struct tally *t, size_t i)
{
	return t->groups[i].keys;
}

int64_t
tally_failed(const struct tally *t, size_t i)
{
	return t->groups[i].failed;
}

int64_t
tally_reports(const struct tally *t, size_t i)
{
	return t->groups[i].reports;
}
