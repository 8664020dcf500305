/*
 * tally.h - failed sessions and reports summed per group of text keys.
 *
 * The failures query groups tens of thousands of detail rows by a few
 * text keys. SQLite does that with a sort (about a microsecond a row);
 * a hash table does it in a tenth of that, and sorts only the groups.
 * Reports are counted once per group: rows that carry a report id add 1
 * when the id differs from the group's last one, so a caller must pass
 * each report's rows together; rows from a rollup carry their count.
 */
#ifndef TLSRPT_TALLY_H
#define TLSRPT_TALLY_H

#include <stddef.h>
#include <stdint.h>

struct tally;

/* A new tally of groups of nkeys keys (0..16), or NULL when out of
 * memory or nkeys is out of range. */
struct tally *tally_new(size_t nkeys);

/* Frees the tally and its keys; NULL is accepted. */
void tally_free(struct tally *t);

/* Adds failed sessions to the group of keys[0..nkeys) (NULL is taken as
 * ""), and reports: `reports` as given, plus 1 when report_id is not 0
 * and differs from the last report id added to the group. Returns 0, or
 * -1 when out of memory. */
int tally_add(struct tally *t, const char *const *keys, int64_t failed,
              int64_t reports, int64_t report_id);

/* A tally that keeps only the first `limit` (at least 1) of the complete
 * groups offered to it, in tally_sort's order: a bounded heap, so that
 * memory stays with the limit however many groups are offered. NULL when
 * out of memory or nkeys is out of range. */
struct tally *tally_new_top(size_t nkeys, size_t limit);

/* Offers a complete group (keys, its failed sessions and reports) to a
 * tally_new_top: kept when it is among the first `limit` so far, and the
 * last kept one then dropped. 0, or -1 when out of memory. */
int tally_offer(struct tally *t, const char *const *keys, int64_t failed,
                int64_t reports);

/* The index of the group of keys in a tally of tally_add, or -1. */
long tally_find(const struct tally *t, const char *const *keys);

/* The number of groups, before or after tally_sort. */
size_t tally_count(const struct tally *t);

/* Sorts the groups: most failed sessions first, then by the keys in
 * byte order; returns the number of groups. No tally_add after it. */
size_t tally_sort(struct tally *t);

/* The i-th group after tally_sort: its keys (owned by the tally, valid
 * until tally_free) and its sums. */
const char *const *tally_keys(const struct tally *t, size_t i);
int64_t tally_failed(const struct tally *t, size_t i);
int64_t tally_reports(const struct tally *t, size_t i);

#endif
