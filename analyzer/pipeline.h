/*
 * pipeline.h - ingest many inputs on all cores, in order, in batches.
 *
 * The caller submits inputs; worker threads run ingest_prepare() (inflate,
 * MIME, JSON: the CPU work) on them in parallel; one writer thread commits
 * them to the store in submission order, many inputs per transaction, each
 * input all-or-nothing inside it (a savepoint). Outcomes are reported after
 * the transaction that holds them commits, so a line that says "stored" is
 * on disk. Memory is bounded: at most PIPELINE_SLOTS inputs and
 * PIPELINE_MAX_BYTES of input bytes are in flight; submit waits.
 *
 * On a storage failure the open batch is rolled back, its outcomes are
 * reported as INGEST_TEMPFAIL, and the pipeline stops taking inputs.
 */
#ifndef TLSRPT_PIPELINE_H
#define TLSRPT_PIPELINE_H

#include <stddef.h>

#include <stdint.h>

#include "ingest.h"
#include "store.h"

#define PIPELINE_SLOTS     256
#define PIPELINE_MAX_BYTES ((size_t)24 * 1024 * 1024)
#define PIPELINE_BATCH     8000 /* inputs per transaction at most */
#define PIPELINE_BATCH_MS  2000 /* and at most this long open */

/* Called on the writer thread, in submission order, once per outcome. */
typedef void (*pipeline_outcome_cb)(void *arg, const char *name,
                                    const struct ingest_outcome *o);

struct pipeline;

/* Starts workers (at least 1) and the writer, which owns st until
 * pipeline_finish(). hints and limits are copied by pointer: they must
 * outlive the pipeline. NULL when threads cannot be started. */
struct pipeline *pipeline_new(struct store *st, unsigned workers,
                              const struct ingest_hints *hints,
                              const struct ingest_limits *limits,
                              pipeline_outcome_cb cb, void *arg);

/* Queues an input; takes ownership of bytes and name (malloc'd). Returns
 * -1, freeing them, when the pipeline has stopped after a storage failure. */
int pipeline_submit(struct pipeline *pl, unsigned char *bytes, size_t len,
                    char *name);

/* How the writer thread spent its life, in nanoseconds: writing the
 * detail rows of each report (binding and stepping), the rest being the
 * store's (store_timing: rollups, commits) or waiting for the parsers. */
struct pipeline_stats {
	int64_t writer_ns, put_ns;
	uint64_t commits;
};

/* Waits for every input to be committed, stops the threads and frees the
 * pipeline; fills stats when not NULL. Returns 0, or -1 when storage
 * failed (eb says why). */
int pipeline_finish(struct pipeline *pl, struct pipeline_stats *stats,
                    struct errbuf *eb);

#endif
