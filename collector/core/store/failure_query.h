/*
 * failure_query.h - the failures query above both stores: the grouping
 * keys and their order, which rollup answers a grouping exactly, how the
 * rows of a rollup and of the detail edges are summed into groups, and
 * the order the groups are given in. Each store supplies the rows (its
 * SQL, its row reader) through struct failure_ops; nothing here knows a
 * statement, so that the two stores cannot count differently.
 */
#ifndef TLSRPT_FAILURE_QUERY_H
#define TLSRPT_FAILURE_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"
#include "query_split.h"
#include "store.h"
#include "tally.h"

/* The grouping keys, in the order of the key columns of every row the
 * stores read and of the keys given to store_failure_cb. Each store keeps
 * a table of its SQL expression for each, indexed the same. */
#define FAILURE_NKEYS 9
extern const unsigned failure_key_flags[FAILURE_NKEYS];

/* The index of a key flag in failure_key_flags (FAILURE_NKEYS if none). */
size_t failure_key_index(unsigned flag);

/* How many of failure_key_flags `keys` holds. */
size_t failure_count_keys(unsigned keys);

/* Whether each policy counts as sent (the mode is a key or a filter; or
 * one policy type is asked for), rather than only the policies that count
 * for their domain. */
int failure_as_sent(const struct store_filter *f, unsigned keys);

/*
 * A failure rollup, and the groupings it answers exactly: it must hold
 * every key asked for, and a grouping may leave out only dimensions that
 * a report has one value of (organization, bucket; the domain when one
 * is asked for), so that summing its report counts counts each report
 * once. The two schemas' rollups have the same tables and columns.
 */
struct failure_rollup {
	const char *table;
	unsigned need;                   /* keys it must be asked for */
	const char *col[FAILURE_NKEYS];  /* NULL where it lacks the key */
	const char *domain, *org, *type; /* filter columns it has */
	int one_domain; /* without the domain key, needs one domain */
	/* Its rows are per policy type, plus pooled rows (policy_type '')
	 * over the policies that count, of every type: without a type filter
	 * it reads those, since summed over the types a report with failures
	 * under two counting types (no-policy-found beside sts) would count
	 * twice. */
	int pooled;
	/* The grouping whose columns, in failure_key_flags order, begin its
	 * primary key: read in that order, each group's rows come together,
	 * and a group is complete when the key changes. */
	unsigned stream;
};

/* The rollup that answers f grouped by keys exactly, or NULL: then only
 * the detail rows do. */
const struct failure_rollup *failure_pick_rollup(const struct store_filter *f,
                                                 unsigned keys);

/* Whether the grouping reads ru over sp's whole buckets in key order. */
int failure_streams(const struct failure_rollup *ru,
                    const struct store_split *sp, unsigned keys);

/* Calls cb for one group: its keys k (those of `keys`, in
 * failure_key_flags order) and sums. Returns cb's value. */
int failure_emit_row(unsigned keys, const char *const *k, int64_t failed,
                     int64_t reports, store_failure_cb cb, void *arg);

/*
 * One group at a time from a rollup read in key order: each complete
 * group, with the edges' sums of the same keys added, goes to sink
 * (0, or non-zero to stop). The store's row reader gives each row to
 * failure_stream_row. Owned by the caller; failure_stream_free frees
 * what the stream holds, not sink_arg.
 */
struct failure_stream {
	int (*sink)(struct failure_stream *g, const char *const *k,
	            int64_t failed, int64_t reports);
	void *sink_arg;    /* the sink's (a heap, a statement, ...) */
	unsigned keyflags; /* the grouping, for sinks that emit */
	store_failure_cb cb;
	void *arg;
	struct tally *edges;
	unsigned char *used; /* edge groups already added to a group */
	size_t nkeys;
	char *keys[FAILURE_NKEYS]; /* the group being summed */
	size_t cap[FAILURE_NKEYS];
	int64_t failed, reports;
	int open;
};

/* Adds one rollup row (its key texts, valid only for the call; failed
 * sessions; reports) to the stream. Returns 0, or 1 when out of memory
 * or the sink stopped. */
int failure_stream_row(struct failure_stream *g, const char *const *k,
                       int64_t failed, int64_t reports);

void failure_stream_free(struct failure_stream *g);

/*
 * What a store supplies, its rows through its SQL. st is the store. A
 * positive return is the store's to explain (each says which); negative
 * is an error with eb filled.
 */
struct failure_ops {
	/* The rollup ru's rows over sp's whole buckets into t (tally_add). */
	int (*rollup_tally)(void *st, const struct store_filter *f,
	                    unsigned keys, const struct failure_rollup *ru,
	                    const struct store_split *sp, struct tally *t,
	                    struct errbuf *eb);
	/* The detail rows of sp's edges into t (tally_add). */
	int (*edges)(void *st, const struct store_filter *f, unsigned keys,
	             const struct store_split *sp, struct tally *t,
	             struct errbuf *eb);
	/* The rollup ru's rows over sp's whole buckets in key order, each to
	 * failure_stream_row(g). */
	int (*rollup_stream)(void *st, const struct store_filter *f,
	                     unsigned keys, const struct failure_rollup *ru,
	                     const struct store_split *sp,
	                     struct failure_stream *g, struct errbuf *eb);
	/* Every group of a streamed grouping to cb, largest first, then by
	 * the keys in byte order, in memory that does not grow with them. */
	int (*sorted)(void *st, const struct store_filter *f, unsigned keys,
	              const struct failure_rollup *ru,
	              const struct store_split *sp, store_failure_cb cb,
	              void *arg, struct errbuf *eb);
};

/* Every group of the failures query summed in a new tally, *out (the
 * caller frees it). 0, or non-zero with eb filled. */
int failure_tally(const struct failure_ops *ops, void *st,
                  const struct store_filter *f, unsigned keys,
                  struct tally **out, struct errbuf *eb);

/* Runs a streamed grouping into g (g->nkeys, g->sink set by the caller):
 * the edges tallied first, then the rollup's groups, then the edges'
 * groups the rollup lacks. 0, or non-zero as the ops return. */
int failure_streamed(const struct failure_ops *ops, void *st,
                     const struct store_filter *f, unsigned keys,
                     const struct failure_rollup *ru,
                     const struct store_split *sp, struct failure_stream *g,
                     struct errbuf *eb);

/* store_failure_groups: every group to cb, unordered. 0 or -1. */
int failure_groups(const struct failure_ops *ops, void *st,
                   const struct store_filter *f, unsigned keys,
                   store_failure_cb cb, void *arg, struct errbuf *eb);

/* store_failures: the first `limit` groups (0: all) to cb, in the order
 * store.h promises. 0, cb's non-zero value, or -1 with eb filled. */
int failure_query(const struct failure_ops *ops, void *st,
                  const struct store_filter *f, unsigned keys, size_t limit,
                  store_failure_cb cb, void *arg, struct errbuf *eb);

/* A report's failed sessions under a failure filter. */
struct failure_match {
	int64_t id;
	int64_t failed;
};

/* The reports that the failures query under f counts failure details
 * of, grouped by report (FAILURE_BY_REPORT) through the same tally, so
 * that store_reports counts each report's failures as store_failures
 * counts a group's: *out sorted by id with their failed sessions, and
 * the ids as a list between `open` and `close`, comma-separated (an
 * array literal of the store's SQL). The caller frees *out and *ids.
 * 0 or -1. */
int failure_matches(const struct failure_ops *ops, void *st,
                    const struct store_filter *f, char open, char close,
                    struct failure_match **out, size_t *n, char **ids,
                    struct errbuf *eb);

/* The match of report id among m (sorted by id), or NULL. */
const struct failure_match *failure_match_find(const struct failure_match *m,
                                               size_t n, int64_t id);

#endif
