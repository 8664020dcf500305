/*
 * rollup_acc.c - the rollup rows of a transaction's reports, summed in
 * memory as the reports are stored and written once per key at the
 * commit, by either store (rollup_acc.h).
 *
 * The rollups had been filled by INSERT ... SELECT over the detail rows
 * the transaction wrote: each batch read back what it had just inserted,
 * joined and grouped it, then upserted. Here each stored report adds its
 * rows to a hash table keyed like the rollup tables' primary keys, and
 * the commit upserts every key once with the same arithmetic as the
 * stores' rebuilds: sums held at the ends of 64 bits, a report counted
 * once per key however many of its rows share it, the first and last
 * start, the day bits. tests/unit/test_rollup.c checks the result against
 * a rebuild from the detail rows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rollup_acc.h"
#include "store.h"

/* One rollup row: its key (texts and integers, in the order of the
 * table's columns) and what the transaction adds to it. */
struct rrow {
	uint64_t hash;
	int table;
	const char *t[4];
	int64_t bucket, cfd;
	int64_t reports, successful, failed, first, last, days;
	int64_t last_report; /* the report that last counted here */
};

struct rollup_acc {
	struct rrow *rows; /* n of them, room for rcap, in order of arrival */
	size_t n, rcap;
	/* Open addressing over the rows: index + 1, 0 empty; cap a power of
	 * two, at least twice n. Four bytes a slot, not a row's 120: the
	 * slots of a 4,000-report batch were 16 MB of the import's RSS. */
	uint32_t *slots;
	size_t cap;
	char *text; /* the key texts, copied: the reports are freed first */
	size_t tlen, tcap;
	char **old; /* text blocks outgrown, freed at the clear */
	size_t nold;
	int oom;
};

/* Floor division: buckets and days stay right before 1970 too. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t
store_bucket(int64_t t)
{
	return floor_div(t, ROLLUP_BUCKET_SECONDS);
}

static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n-- > 0)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

static uint64_t
row_hash(const struct rrow *r)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	h = mix(h, &r->table, sizeof(r->table));
	for (i = 0; i < 4; i++)
		h = mix(h, r->t[i], strlen(r->t[i]) + 1);
	h = mix(h, &r->bucket, sizeof(r->bucket));
	return mix(h, &r->cfd, sizeof(r->cfd));
}

static int
same_key(const struct rrow *a, const struct rrow *b)
{
	size_t i;

	if (a->hash != b->hash || a->table != b->table ||
	    a->bucket != b->bucket || a->cfd != b->cfd)
		return 0;
	for (i = 0; i < 4; i++)
		if (strcmp(a->t[i], b->t[i]) != 0)
			return 0;
	return 1;
}

/* A copy of s that lives until the clear. Rows point into the blocks, so
 * a full block is kept and a new one taken, never moved. */
static const char *
keep_text(struct rollup_acc *a, const char *s)
{
	size_t n = strlen(s) + 1, cap;
	char **old, *nt;

	if (a->tlen + n > a->tcap) {
		cap = a->tcap ? a->tcap : 64 * 1024;
		while (cap < n)
			cap *= 2;
		if ((nt = malloc(cap)) == NULL)
			return NULL;
		if (a->text != NULL) {
			old = realloc(a->old, (a->nold + 1) * sizeof(*old));
			if (old == NULL) {
				free(nt);
				return NULL;
			}
			a->old = old;
			a->old[a->nold++] = a->text;
		}
		a->text = nt;
		a->tlen = 0;
		a->tcap = cap;
	}
	memcpy(a->text + a->tlen, s, n);
	a->tlen += n;
	return a->text + a->tlen - n;
}

static int
grow(struct rollup_acc *a)
{
	size_t cap = a->cap ? a->cap * 2 : 1024, i, j;
	uint32_t *slots;

	if (cap > (size_t)UINT32_MAX ||
	    (slots = calloc(cap, sizeof(*slots))) == NULL)
		return -1;
	for (i = 0; i < a->n; i++) {
		for (j = a->rows[i].hash & (cap - 1); slots[j] != 0;
		     j = (j + 1) & (cap - 1))
			;
		slots[j] = (uint32_t)i + 1;
	}
	free(a->slots);
	a->slots = slots;
	a->cap = cap;
	return 0;
}

/* The row of key k, made (with copied texts) when new; NULL when out of
 * memory. The pointer lasts until the next call. */
static struct rrow *
row_of(struct rollup_acc *a, struct rrow *k)
{
	size_t j, i;
	struct rrow *r;

	if ((a->n + 1) * 2 > a->cap && grow(a) != 0)
		return NULL;
	k->hash = row_hash(k);
	for (j = k->hash & (a->cap - 1); a->slots[j] != 0;
	     j = (j + 1) & (a->cap - 1))
		if (same_key(&a->rows[a->slots[j] - 1], k))
			return &a->rows[a->slots[j] - 1];
	if (a->n == a->rcap) {
		size_t ncap = a->rcap ? a->rcap * 2 : 512;

		if ((r = reallocarray(a->rows, ncap, sizeof(*r))) == NULL)
			return NULL;
		a->rows = r;
		a->rcap = ncap;
	}
	r = &a->rows[a->n];
	*r = *k;
	for (i = 0; i < 4; i++)
		if ((r->t[i] = keep_text(a, k->t[i])) == NULL)
			return NULL;
	r->first = INT64_MAX;
	r->last = INT64_MIN;
	a->slots[j] = (uint32_t)++a->n;
	return r;
}

/* Adds one detail row's share to key k of report rid. */
static int
add(struct rollup_acc *a, struct rrow *k, int64_t rid, int64_t start,
    int64_t successful, int64_t failed)
{
	struct rrow *r = row_of(a, k);
	int64_t day;

	if (r == NULL)
		return a->oom = 1, -1;
	if (r->last_report != rid) {
		r->last_report = rid;
		r->reports++;
	}
	r->successful = store_add_held(r->successful, successful);
	r->failed = store_add_held(r->failed, failed);
	if (start < r->first)
		r->first = start;
	if (start > r->last)
		r->last = start;
	day = (start - r->bucket * ROLLUP_BUCKET_SECONDS) / 86400;
	r->days |= (int64_t)1 << day;
	return 0;
}

static const char *
or_empty(const char *s)
{
	return s ? s : "";
}

/* The rows of one failure: by sending MTA, by receiving MX, and by MX
 * pooled over the policy types that count for the domain. */
static int
add_failure(struct rollup_acc *a, const struct report *r,
            const struct report_policy *p, const struct report_failure *f,
            int64_t rid, int64_t bucket)
{
	struct rrow k = {0};

	k.table = ROLLUP_FAILURE;
	k.t[0] = or_empty(f->sending_mta_ip);
	k.t[1] = f->result_type;
	k.t[2] = p->policy_mode;
	k.t[3] = r->organization;
	k.bucket = bucket;
	if (add(a, &k, rid, r->start_time, 0, f->failed_sessions) != 0)
		return -1;
	memset(&k, 0, sizeof(k));
	k.table = ROLLUP_MX;
	k.t[0] = p->policy_domain;
	k.t[1] = p->policy_type;
	k.t[2] = f->result_type;
	k.t[3] = or_empty(f->receiving_mx_hostname);
	k.cfd = p->counts_for_domain;
	k.bucket = bucket;
	if (add(a, &k, rid, r->start_time, 0, f->failed_sessions) != 0)
		return -1;
	if (p->counts_for_domain <= 0)
		return 0;
	k.t[1] = "";
	k.cfd = 1;
	return add(a, &k, rid, r->start_time, 0, f->failed_sessions);
}

int
rollup_acc_note(struct rollup_acc **acc, const struct report *r, int64_t rid)
{
	struct rollup_acc *a = *acc;
	int64_t bucket = store_bucket(r->start_time);
	size_t i, j;

	if (a == NULL && (a = *acc = calloc(1, sizeof(*a))) == NULL)
		return -1;
	for (i = 0; i < r->npolicies; i++) {
		const struct report_policy *p = &r->policies[i];
		struct rrow k = {0};

		k.table = ROLLUP_POLICY;
		k.t[0] = p->policy_domain;
		k.t[1] = r->organization;
		k.t[2] = p->policy_type;
		k.t[3] = p->policy_mode;
		k.bucket = bucket;
		k.cfd = p->counts_for_domain;
		if (add(a, &k, rid, r->start_time, p->successful_sessions,
		        p->failed_sessions) != 0)
			return -1;
		for (j = 0; j < p->nfailures; j++)
			if (add_failure(a, r, p, &p->failures[j], rid,
			                bucket) != 0)
				return -1;
	}
	return 0;
}

void
rollup_acc_clear(struct rollup_acc *a)
{
	size_t i;

	if (a == NULL)
		return;
	if (a->n > 0)
		memset(a->slots, 0, a->cap * sizeof(*a->slots));
	for (i = 0; i < a->nold; i++)
		free(a->old[i]);
	a->nold = 0;
	a->n = 0;
	a->tlen = 0;
	a->oom = 0;
}

void
rollup_acc_free(struct rollup_acc *a)
{
	if (a == NULL)
		return;
	rollup_acc_clear(a);
	free(a->old);
	free(a->text);
	free(a->rows);
	free(a->slots);
	free(a);
}

static int
cmp_int(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

/* The order of each table's primary key, so that the upserts walk its
 * B-tree from left to right instead of jumping about it. */
static int
cmp_rows(const void *x, const void *y)
{
	const struct rrow *a = *(const struct rrow *const *)x,
	                  *b = *(const struct rrow *const *)y;
	int c;

	if ((c = cmp_int(a->table, b->table)) != 0)
		return c;
	switch (a->table) {
	case ROLLUP_POLICY: /* domain, bucket, organization, type, mode, cfd */
		if ((c = strcmp(a->t[0], b->t[0])) ||
		    (c = cmp_int(a->bucket, b->bucket)) ||
		    (c = strcmp(a->t[1], b->t[1])) ||
		    (c = strcmp(a->t[2], b->t[2])) ||
		    (c = strcmp(a->t[3], b->t[3])))
			return c;
		return cmp_int(a->cfd, b->cfd);
	case ROLLUP_FAILURE: /* mode, result type, ip, bucket, organization */
		if ((c = strcmp(a->t[2], b->t[2])) ||
		    (c = strcmp(a->t[1], b->t[1])) ||
		    (c = strcmp(a->t[0], b->t[0])) ||
		    (c = cmp_int(a->bucket, b->bucket)))
			return c;
		return strcmp(a->t[3], b->t[3]);
	default: /* domain, type, cfd, bucket, result type, mx */
		if ((c = strcmp(a->t[0], b->t[0])) ||
		    (c = strcmp(a->t[1], b->t[1])) ||
		    (c = cmp_int(a->cfd, b->cfd)) ||
		    (c = cmp_int(a->bucket, b->bucket)) ||
		    (c = strcmp(a->t[2], b->t[2])))
			return c;
		return strcmp(a->t[3], b->t[3]);
	}
}

int
rollup_acc_each(struct rollup_acc *a,
                int (*row)(const struct rollup_row *r, void *arg), void *arg,
                const char **why)
{
	struct rrow **order;
	size_t i, n = 0;
	int ret = 0;

	if (a == NULL || (a->n == 0 && !a->oom))
		return 0;
	if (a->oom || (order = malloc(a->n * sizeof(*order))) == NULL) {
		rollup_acc_clear(a);
		*why = "out of memory";
		return -1;
	}
	for (i = 0; i < a->n; i++)
		order[n++] = &a->rows[i];
	qsort(order, n, sizeof(*order), cmp_rows);
	for (i = 0; ret == 0 && i < n; i++) {
		const struct rrow *k = order[i];
		struct rollup_row r = {
		    .table = k->table,
		    .t = {k->t[0], k->t[1], k->t[2], k->t[3]},
		    .bucket = k->bucket,
		    .cfd = k->cfd,
		    .reports = k->reports,
		    .successful = k->successful,
		    .failed = k->failed,
		    .first = k->first,
		    .last = k->last,
		    .days = k->days,
		};

		ret = row(&r, arg);
	}
	free(order);
	rollup_acc_clear(a);
	return ret;
}
