/*
 * report_alloc.c - a per-thread region for jansson's allocations while a
 * report is parsed (see report_alloc.h).
 */
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "report.h"
#include "report_alloc.h"

/* 16 bytes before every block: keeps malloc's alignment. */
#define HDR         16
#define KIND_HEAP   0
#define KIND_REGION 1
#define REGION_SIZE ((size_t)512 * 1024)

struct region {
	unsigned char *buf;
	size_t used;
	int active;
	size_t spilled; /* heap blocks taken while active */
};

static __thread struct region *tls_region;
static pthread_key_t region_key;

static void
region_free(void *p)
{
	struct region *r = p;

	if (r != NULL)
		free(r->buf);
	free(r);
}

static struct region *
region_get(void)
{
	struct region *r = tls_region;

	if (r != NULL)
		return r;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->buf = malloc(REGION_SIZE)) == NULL) {
		free(r);
		return NULL;
	}
	/* The key's destructor frees the region when the thread ends. */
	pthread_setspecific(region_key, r);
	tls_region = r;
	return r;
}

static void *
report_alloc(size_t n)
{
	struct region *r = tls_region;
	size_t need = (n + HDR + 15) & ~(size_t)15;
	unsigned char *p;

	if (r != NULL && r->active && need >= n &&
	    need <= REGION_SIZE - r->used) {
		p = r->buf + r->used;
		r->used += need;
		*(size_t *)p = KIND_REGION;
		return p + HDR;
	}
	if (r != NULL && r->active)
		r->spilled++;
	if (n > SIZE_MAX - HDR || (p = malloc(n + HDR)) == NULL)
		return NULL;
	*(size_t *)p = KIND_HEAP;
	return p + HDR;
}

static void
report_alloc_release(void *ptr)
{
	unsigned char *p = ptr;

	if (p != NULL && *(size_t *)(p - HDR) == KIND_HEAP)
		free(p - HDR);
	/* Region blocks go when the region is reset. */
}

void
report_alloc_free(void *p)
{
	report_alloc_release(p);
}

static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int installed;

static void
install(void)
{
	pthread_key_create(&region_key, region_free);
	json_set_alloc_funcs(report_alloc, report_alloc_release);
	installed = 1;
}

void
report_init(void)
{
	pthread_once(&install_once, install);
}

int
report_alloc_ready(void)
{
	return installed;
}

void
report_alloc_begin(void)
{
	struct region *r = region_get();

	if (r != NULL) {
		r->used = 0;
		r->spilled = 0;
		r->active = 1;
	}
}

int
report_alloc_all_in_region(void)
{
	return tls_region != NULL && tls_region->active &&
	       tls_region->spilled == 0;
}

void
report_alloc_end(void)
{
	if (tls_region != NULL) {
		tls_region->active = 0;
		tls_region->used = 0;
	}
}
