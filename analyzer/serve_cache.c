/*
 * serve_cache.c - answers of `tlsrpt serve` kept while the database does
 * not change: the overview of a large database takes seconds to gather
 * (the digest's news and silent reporters read every report of two
 * periods), and an admin reloads it. An answer is found again by its URL,
 * its parameters and the state of the database's files (size and change
 * time of the file and its WAL, which every commit and checkpoint move),
 * so a new report makes every page new. LIMIT_SERVE_CACHE answers of at
 * most LIMIT_SERVE_CACHE_BYTES together, the least recently used
 * dropped first: memory stays bounded.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "serve.h"
#include "store.h"

struct entry {
	char *key;
	char *body;
	size_t len;
	unsigned status;
	const char *type; /* a string constant */
	unsigned long used;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry cache[LIMIT_SERVE_CACHE];
static size_t bytes;
static unsigned long tick;

/* The state of a database file: "size.mtime-ns" or "-" when missing. */
static void
file_state(const char *path, const char *suffix, char *buf, size_t size)
{
	char p[4096];
	struct stat sb;

	snprintf(p, sizeof(p), "%s%s", path, suffix);
	if (stat(p, &sb) != 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%lld.%lld.%ld", (long long)sb.st_size,
		         (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec);
}

char *
serve_cache_key(const char *url, const char *query, int64_t now)
{
	char db[96], wal[96], *key;

	/* A PostgreSQL database has no files here to tell a change by:
	 * its answers are not kept (each is drawn from the database). */
	if (store_is_pgsql(serve_cfg.db))
		return NULL;
	file_state(serve_cfg.db, "", db, sizeof(db));
	file_state(serve_cfg.db, "-wal", wal, sizeof(wal));
	/* now in 5 minutes: the default period and 7d move with it */
	if (asprintf(&key, "%s?%s|%s|%s|%lld", url, query, db, wal,
	             (long long)(now / 300)) < 0)
		return NULL;
	return key;
}

static void
drop(struct entry *e)
{
	bytes -= e->len;
	free(e->key);
	free(e->body);
	memset(e, 0, sizeof(*e));
}

int
serve_cache_get(const char *key, struct serve_answer *a)
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&lock);
	for (i = 0; i < LIMIT_SERVE_CACHE; i++) {
		struct entry *e = &cache[i];

		if (e->key == NULL || strcmp(e->key, key) != 0)
			continue;
		if ((a->body = malloc(e->len ? e->len : 1)) != NULL) {
			memcpy(a->body, e->body, e->len);
			a->len = e->len;
			a->status = e->status;
			a->type = e->type;
			e->used = ++tick;
			found = 1;
		}
		break;
	}
	pthread_mutex_unlock(&lock);
	return found;
}

/* The least recently used answer kept, or NULL when none is. */
static struct entry *
oldest(void)
{
	struct entry *lru = NULL;
	size_t i;

	for (i = 0; i < LIMIT_SERVE_CACHE; i++)
		if (cache[i].key != NULL &&
		    (lru == NULL || cache[i].used < lru->used))
			lru = &cache[i];
	return lru;
}

void
serve_cache_put(const char *key, const struct serve_answer *a)
{
	struct entry *e = NULL, *lru;
	size_t i;

	if (a->len > LIMIT_SERVE_CACHE_BYTES / 4)
		return;
	pthread_mutex_lock(&lock);
	/* Room in bytes first, the oldest answers dropped; then a slot. */
	while (bytes + a->len > LIMIT_SERVE_CACHE_BYTES &&
	       (lru = oldest()) != NULL)
		drop(lru);
	for (i = 0; i < LIMIT_SERVE_CACHE && e == NULL; i++)
		if (cache[i].key == NULL)
			e = &cache[i];
	if (e == NULL && (e = oldest()) != NULL)
		drop(e);
	e->key = strdup(key);
	e->body = malloc(a->len ? a->len : 1);
	if (e->key == NULL || e->body == NULL) {
		free(e->key);
		free(e->body);
		memset(e, 0, sizeof(*e));
	} else {
		memcpy(e->body, a->body, a->len);
		e->len = a->len;
		e->status = a->status;
		e->type = a->type;
		e->used = ++tick;
		bytes += a->len;
	}
	pthread_mutex_unlock(&lock);
}

void
serve_cache_free(void)
{
	size_t i;

	for (i = 0; i < LIMIT_SERVE_CACHE; i++)
		if (cache[i].key != NULL)
			drop(&cache[i]);
}
