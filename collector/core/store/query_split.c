/*
 * query_split.c - the range split and the filter's details, for the
 * queries of both stores (query_split.h), and the filter of store.h.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_split.h"

void
store_filter_init(struct store_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->since = INT64_MIN;
	f->until = INT64_MAX;
}

void
store_split_range(const struct store_filter *f, int rollup,
                  struct store_split *sp)
{
	int64_t b1 = store_bucket(f->since), b2 = store_bucket(f->until);

	/* b1: the first bucket starting at or after since. */
	if (f->since != INT64_MIN &&
	    b1 * (int64_t)ROLLUP_BUCKET_SECONDS < f->since)
		b1++;
	if (f->until == INT64_MAX)
		b2++; /* the last bucket is whole */
	if (!rollup || b1 >= b2) {
		sp->b1 = sp->b2 = 0;
		sp->e1s = f->since;
		sp->e1e = f->until;
		sp->e2s = sp->e2e = 0;
		return;
	}
	sp->b1 = b1;
	sp->b2 = b2;
	sp->e1s = f->since;
	sp->e1e = f->since == INT64_MIN ? INT64_MIN
	                                : b1 * (int64_t)ROLLUP_BUCKET_SECONDS;
	sp->e2s = f->until == INT64_MAX ? INT64_MAX
	                                : b2 * (int64_t)ROLLUP_BUCKET_SECONDS;
	sp->e2e = f->until;
}

void
store_sql_cat(char *sql, size_t size, const char *fmt, ...)
{
	size_t n = strlen(sql);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql + n, size - n, fmt, ap);
	va_end(ap);
}

const unsigned store_detail_keys[NDETAIL_FILTERS] = {
    FAILURE_BY_MODE, FAILURE_BY_TYPE, FAILURE_BY_MTA, FAILURE_BY_MX,
    FAILURE_BY_IP};

const char *
store_detail_value(const struct store_filter *f, size_t i)
{
	const char *const v[NDETAIL_FILTERS] = {
	    f->policy_mode, f->result_type, f->sending_mta_ip,
	    f->receiving_mx_hostname, f->receiving_ip};

	return v[i];
}

int
store_filter_failures(const struct store_filter *f)
{
	size_t i;

	for (i = 0; i < NDETAIL_FILTERS; i++)
		if (store_detail_value(f, i) != NULL)
			return 1;
	return f->failed_only;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t
store_values_sorted(json_t *arr, const char **v, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < json_array_size(arr) && n < max; i++)
		if (json_is_string(json_array_get(arr, i)))
			v[n++] = json_string_value(json_array_get(arr, i));
	/* Byte order: both stores list them alike whatever their order in
	 * the aggregate. */
	qsort(v, n, sizeof(*v), cmp_str);
	return n;
}

int64_t
store_key_number(const char *key)
{
	int64_t n = 0;
	const char *p;

	/* 18 digits cannot overflow int64_t. */
	if (*key == '\0' || strlen(key) > 18)
		return 0;
	for (p = key; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		n = n * 10 + (*p - '0');
	}
	return n;
}
