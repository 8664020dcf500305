/*
 * rollup_acc.h - the rollup rows of a transaction's reports, summed in
 * memory as the reports are stored, for both stores to upsert once per key
 * at the commit. The arithmetic (sums held at the ends of 64 bits, a report
 * counted once per key however many of its rows share it, the first and
 * last start, the day bits of the bucket) and the bucket boundaries are
 * here, once; each store only writes the rows.
 *
 * The three rollups and their keys (t[0..3], bucket, cfd):
 *   ROLLUP_POLICY  policy_domain, organization, policy_type, policy_mode,
 *                  bucket, counts_for_domain; all the sums.
 *   ROLLUP_FAILURE sending_mta_ip ("" when none), result_type,
 *                  policy_mode, organization, bucket (cfd 0); reports and
 *                  failed sessions.
 *   ROLLUP_MX      policy_domain, policy_type ("" for the pooled row of
 *                  the policies that count for the domain, cfd 1),
 *                  result_type, receiving_mx_hostname ("" when none),
 *                  bucket, cfd; reports and failed sessions.
 */
#ifndef TLSRPT_ROLLUP_ACC_H
#define TLSRPT_ROLLUP_ACC_H

#include <stdint.h>

#include "report.h"

/* Each rollup bucket is 32 days from the Unix epoch: a day bit each. */
#define ROLLUP_BUCKET_SECONDS (32 * 86400)

/* The bucket that holds time t. */
int64_t store_bucket(int64_t t);

enum { ROLLUP_POLICY, ROLLUP_FAILURE, ROLLUP_MX, ROLLUP_TABLES };

struct rollup_row {
	int table; /* ROLLUP_POLICY, _FAILURE or _MX */
	const char *t[4];
	int64_t bucket, cfd;
	int64_t reports, successful, failed;
	int64_t first, last; /* earliest and latest start (ROLLUP_POLICY) */
	int64_t days;        /* bit d: a report started on day d of bucket */
};

struct rollup_acc;

/* Adds stored report r (the store's row number rid) to *acc, made at the
 * first call; -1 when out of memory, which also makes rollup_acc_each
 * fail until rollup_acc_clear. */
int rollup_acc_note(struct rollup_acc **acc, const struct report *r,
                    int64_t rid);

/* Calls row() on each row, in the order of each table's primary key
 * (tables in enum order), so that writers that upsert them take their
 * row locks in one order; stops at and returns row()'s first non-zero
 * return; -1 with "out of memory" in *why after a failed note. Then
 * forgets the rows either way. NULL acc: nothing to do. */
int rollup_acc_each(struct rollup_acc *acc,
                    int (*row)(const struct rollup_row *r, void *arg),
                    void *arg, const char **why);

/* Forgets the rows (the transaction was rolled back); frees them. */
void rollup_acc_clear(struct rollup_acc *acc);
void rollup_acc_free(struct rollup_acc *acc);

#endif
