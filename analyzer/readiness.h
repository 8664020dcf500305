/*
 * readiness.h - whether each MTA-STS policy domain can move from mode:
 * testing to mode: enforce, and what to do next. The `readiness` command
 * and the digest both call readiness_run(); the verdict is made here only.
 */
#ifndef TLSRPT_READINESS_H
#define TLSRPT_READINESS_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"
#include "store.h"

enum readiness_verdict {
	VERDICT_READY,
	VERDICT_NOT_READY,
	VERDICT_INSUFFICIENT_DATA,
	VERDICT_ENFORCED,
};

/* Defaults: --min-days 7, --min-organizations 2, --max-failure-rate 0.001 */
struct readiness_opts {
	unsigned min_days;
	unsigned min_organizations;
	double max_failure_rate;
};
void readiness_opts_default(struct readiness_opts *o);

#define READINESS_BLOCKERS_MAX 16

/* A cause that keeps a domain from enforce (or, under enforce, mail that
 * enforce stopped): failed sessions of one result type at one MX. */
struct readiness_blocker {
	const char *result_type;
	const char
	    *receiving_mx_hostname; /* "" when the reporter left it out */
	int64_t failed_sessions;
	int mx_in_policy; /* 0: the MX matches none of the policy's patterns */
};

struct readiness_row {
	const struct store_sts_row *domain;
	enum readiness_verdict verdict;
	double failure_rate;
	const struct readiness_blocker *blockers; /* largest first */
	size_t nblockers;
	const char *next_step; /* one line: what to do next, without the
	                          verdict (shown beside it) */
};

/* Calls cb once per policy domain with STS policies in the filter's range,
 * in domain order; the row is valid during the call. A non-zero return
 * from cb stops and is returned; -1 with eb on a query failure. */
typedef int (*readiness_cb)(const struct readiness_row *row, void *arg);
int readiness_run(struct store *st, const struct store_filter *f,
                  const struct readiness_opts *o, readiness_cb cb, void *arg,
                  struct errbuf *eb);

const char *readiness_verdict_name(enum readiness_verdict v);

/* Whether host matches an MTA-STS "mx:" pattern (RFC 8461 §4.1): equal
 * without case or a trailing dot, or "*.rest" matching exactly one more
 * leftmost label. */
int readiness_mx_match(const char *pattern, const char *host);

#endif
