/*
 * pipeline.c - parallel parse, ordered batched writes (see pipeline.h).
 *
 * A ring of slots indexed by sequence number: the submitter fills slot
 * head, workers claim slot parse and parse it outside the lock, the writer
 * takes slot tail once it is parsed. Inputs are committed in the order
 * they were submitted, so the output is deterministic whatever the
 * threads do.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline.h"

enum slot_state { SLOT_FREE, SLOT_FILLED, SLOT_PARSED };

struct slot {
	enum slot_state state;
	unsigned char *bytes;
	size_t len;
	char *name;
	struct ingest_input *in;
};

/* An input committed in the open batch, waiting for the COMMIT. */
struct pending {
	char *name;
	struct ingest_input *in;
};

struct pipeline {
	pthread_mutex_t mu;
	pthread_cond_t parse_cv;  /* workers: a slot was filled, or closing */
	pthread_cond_t write_cv;  /* writer: a slot was parsed, or closing */
	pthread_cond_t submit_cv; /* submitter: a slot was freed, or failed */
	struct slot slots[PIPELINE_SLOTS];
	uint64_t head, parse, tail;
	size_t inflight;
	unsigned idle;     /* workers waiting for input */
	unsigned nparsers; /* workers asked for, set before they start */
	int closing, failed;

	struct store *st;
	const struct ingest_hints *hints;
	const struct ingest_limits *limits;
	pipeline_outcome_cb cb;
	void *arg;

	pthread_t *workers;
	unsigned nworkers;
	pthread_t writer;
	struct pending pending[PIPELINE_BATCH];
	size_t npending;
	struct errbuf eb;
	struct pipeline_stats stats; /* the writer's */
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t
now_ms(void)
{
	return now_ns() / 1000000;
}

/* Inputs a worker claims, and the writer takes, under one lock: one at a
 * time, the lock and the wake-ups cost about seven futex calls an input. */
#define CHUNK 16

static void *
worker_main(void *arg)
{
	struct pipeline *pl = arg;
	struct slot *s;
	struct ingest_hints h;
	uint64_t first, n, k;

	pthread_mutex_lock(&pl->mu);
	for (;;) {
		while (pl->parse == pl->head && !pl->closing) {
			pl->idle++;
			pthread_cond_wait(&pl->parse_cv, &pl->mu);
			pl->idle--;
		}
		if (pl->parse == pl->head)
			break;
		/* A share of what is queued, so that the other workers get
		 * theirs. */
		first = pl->parse;
		n = (pl->head - first + pl->nparsers - 1) / pl->nparsers;
		n = n > CHUNK ? CHUNK : n;
		pl->parse += n;
		pthread_mutex_unlock(&pl->mu);
		for (k = 0; k < n; k++) {
			/* The slot is this worker's until it is marked
			 * parsed. The input's name is its source (stored
			 * with the report, shown by `quarantine list`); the
			 * slot keeps it until written. */
			s = &pl->slots[(first + k) % PIPELINE_SLOTS];
			h = *pl->hints;
			h.source = s->name;
			h.file_name = s->name;
			s->in =
			    ingest_prepare(s->bytes, s->len, &h, pl->limits);
			free(s->bytes);
			s->bytes = NULL;
		}
		pthread_mutex_lock(&pl->mu);
		for (k = 0; k < n; k++)
			pl->slots[(first + k) % PIPELINE_SLOTS].state =
			    SLOT_PARSED;
		if (pl->tail >= first && pl->tail < first + n)
			pthread_cond_signal(&pl->write_cv);
	}
	pthread_mutex_unlock(&pl->mu);
	return NULL;
}

/* Reports and frees the batch's inputs; status overrides their outcomes
 * when the batch was rolled back. */
static void
flush_pending(struct pipeline *pl, int rolled_back)
{
	size_t i, k;

	for (i = 0; i < pl->npending; i++) {
		struct pending *p = &pl->pending[i];

		for (k = 0; p->in && k < ingest_noutcomes(p->in); k++) {
			struct ingest_outcome o = *ingest_outcome(p->in, k);

			if (rolled_back) {
				o.status = INGEST_TEMPFAIL;
				o.reason = pl->eb.msg;
			}
			pl->cb(pl->arg, p->name, &o);
		}
		ingest_input_free(p->in);
		free(p->name);
	}
	pl->npending = 0;
}

static int
commit_batch(struct pipeline *pl)
{
	if (pl->npending == 0)
		return 0;
	pl->stats.commits++;
	if (store_commit(pl->st, &pl->eb) != 0) {
		flush_pending(pl, 1);
		return -1;
	}
	flush_pending(pl, 0);
	return 0;
}

/* Writes one parsed input into the open batch (opening one if needed);
 * -1 on a storage failure, after reporting the batch as not stored. */
static int
write_one(struct pipeline *pl, char *name, struct ingest_input *in,
          int64_t *batch_start)
{
	int began = pl->npending > 0, ret;
	int64_t t0;

	pl->pending[pl->npending].name = name;
	pl->pending[pl->npending].in = in;
	pl->npending++;
	if (!began) {
		if (store_begin_bulk(pl->st, &pl->eb) != 0)
			goto fail;
		*batch_start = now_ms();
	}
	if (in == NULL) {
		errbuf_set(&pl->eb, "out of memory");
		goto fail;
	}
	t0 = now_ns();
	ret = ingest_commit(pl->st, in, time(NULL), &pl->eb);
	pl->stats.put_ns += now_ns() - t0;
	if (ret != 0)
		goto fail;
	ingest_input_compact(in); /* only the outcomes wait for COMMIT */
	if (pl->npending == PIPELINE_BATCH ||
	    now_ms() - *batch_start >= PIPELINE_BATCH_MS)
		return commit_batch(pl);
	return 0;
fail:
	store_rollback(pl->st);
	flush_pending(pl, 1);
	return -1;
}

/* Waits for the next slot to be parsed. An open batch is committed when
 * it has been open PIPELINE_BATCH_MS, so that a slow reader (stdin) does
 * not hold reports back. Called and returns with mu held; NULL at the end. */
static struct slot *
next_parsed(struct pipeline *pl, int64_t batch_start, int *failed)
{
	struct slot *s = &pl->slots[pl->tail % PIPELINE_SLOTS];
	struct timespec until;
	int64_t due;

	while (s->state != SLOT_PARSED &&
	       !(pl->closing && pl->tail == pl->head)) {
		if (pl->npending == 0 || *failed) {
			pthread_cond_wait(&pl->write_cv, &pl->mu);
			continue;
		}
		due = batch_start + PIPELINE_BATCH_MS;
		if (now_ms() >= due) {
			pthread_mutex_unlock(&pl->mu);
			*failed = commit_batch(pl) != 0;
			pthread_mutex_lock(&pl->mu);
			pl->failed |= *failed;
			pthread_cond_signal(&pl->submit_cv);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += (due - now_ms()) / 1000;
		until.tv_nsec += ((due - now_ms()) % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&pl->write_cv, &pl->mu, &until);
	}
	return s->state == SLOT_PARSED ? s : NULL;
}

static void *
writer_main(void *arg)
{
	struct pipeline *pl = arg;
	struct slot *s, *run[CHUNK];
	int64_t batch_start = 0;
	int failed = 0;
	size_t n, k;
	int64_t born = now_ns();

	pthread_mutex_lock(&pl->mu);
	while ((s = next_parsed(pl, batch_start, &failed)) != NULL) {
		/* The parsed slots from the tail on, written outside the
		 * lock and freed under it together. */
		for (n = 0; n < CHUNK && pl->tail + n < pl->head; n++) {
			s = &pl->slots[(pl->tail + n) % PIPELINE_SLOTS];
			if (s->state != SLOT_PARSED)
				break;
			run[n] = s;
		}
		pthread_mutex_unlock(&pl->mu);
		for (k = 0; k < n; k++) {
			if (failed) {
				ingest_input_free(run[k]->in);
				free(run[k]->name);
			} else {
				failed = write_one(pl, run[k]->name, run[k]->in,
				                   &batch_start) != 0;
			}
		}
		pthread_mutex_lock(&pl->mu);
		pl->failed |= failed;
		for (k = 0; k < n; k++) {
			pl->inflight -= run[k]->len;
			memset(run[k], 0, sizeof(*run[k]));
		}
		pl->tail += n;
		pthread_cond_signal(&pl->submit_cv);
	}
	pthread_mutex_unlock(&pl->mu);
	if (!failed && commit_batch(pl) != 0)
		failed = 1;
	pl->failed |= failed; /* the threads that read it have stopped */
	pl->stats.writer_ns = now_ns() - born;
	return NULL;
}

struct pipeline *
pipeline_new(struct store *st, unsigned workers,
             const struct ingest_hints *hints,
             const struct ingest_limits *limits, pipeline_outcome_cb cb,
             void *arg)
{
	struct pipeline *pl = calloc(1, sizeof(*pl));
	pthread_condattr_t ca;

	if (pl == NULL)
		return NULL;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* next_parsed() */
	pthread_mutex_init(&pl->mu, NULL);
	pthread_cond_init(&pl->parse_cv, NULL);
	pthread_cond_init(&pl->write_cv, &ca);
	pthread_cond_init(&pl->submit_cv, NULL);
	pthread_condattr_destroy(&ca);
	pl->st = st;
	pl->hints = hints;
	pl->limits = limits;
	pl->cb = cb;
	pl->arg = arg;
	if (workers == 0)
		workers = 1;
	pl->nparsers = workers;
	if ((pl->workers = calloc(workers, sizeof(*pl->workers))) == NULL)
		goto fail;
	for (; pl->nworkers < workers; pl->nworkers++)
		if (pthread_create(&pl->workers[pl->nworkers], NULL,
		                   worker_main, pl) != 0)
			break;
	if (pl->nworkers == 0 ||
	    pthread_create(&pl->writer, NULL, writer_main, pl) != 0)
		goto fail;
	return pl;
fail:
	pthread_mutex_lock(&pl->mu);
	pl->closing = 1;
	pthread_cond_broadcast(&pl->parse_cv);
	pthread_mutex_unlock(&pl->mu);
	while (pl->nworkers > 0)
		pthread_join(pl->workers[--pl->nworkers], NULL);
	free(pl->workers);
	free(pl);
	return NULL;
}

int
pipeline_submit(struct pipeline *pl, unsigned char *bytes, size_t len,
                char *name)
{
	struct slot *s;

	pthread_mutex_lock(&pl->mu);
	/* Wait for a free slot, and for room in the byte budget unless
	 * nothing else is in flight (one input may always proceed). */
	while (!pl->failed &&
	       (pl->head - pl->tail == PIPELINE_SLOTS ||
	        (pl->inflight > 0 && pl->inflight + len > PIPELINE_MAX_BYTES)))
		pthread_cond_wait(&pl->submit_cv, &pl->mu);
	if (pl->failed) {
		pthread_mutex_unlock(&pl->mu);
		free(bytes);
		free(name);
		return -1;
	}
	s = &pl->slots[pl->head % PIPELINE_SLOTS];
	s->bytes = bytes;
	s->len = len;
	s->name = name;
	s->state = SLOT_FILLED;
	pl->inflight += len;
	pl->head++;
	if (pl->idle > 0)
		pthread_cond_signal(&pl->parse_cv);
	pthread_mutex_unlock(&pl->mu);
	return 0;
}

int
pipeline_finish(struct pipeline *pl, struct pipeline_stats *stats,
                struct errbuf *eb)
{
	int ret;

	pthread_mutex_lock(&pl->mu);
	pl->closing = 1;
	pthread_cond_broadcast(&pl->parse_cv);
	pthread_cond_broadcast(&pl->write_cv);
	pthread_mutex_unlock(&pl->mu);
	while (pl->nworkers > 0)
		pthread_join(pl->workers[--pl->nworkers], NULL);
	pthread_join(pl->writer, NULL);
	ret = pl->failed ? -1 : 0;
	if (stats != NULL)
		*stats = pl->stats;
	if (ret != 0)
		errbuf_set(eb, "%s", pl->eb.msg);
	pthread_mutex_destroy(&pl->mu);
	pthread_cond_destroy(&pl->parse_cv);
	pthread_cond_destroy(&pl->write_cv);
	pthread_cond_destroy(&pl->submit_cv);
	free(pl->workers);
	free(pl);
	return ret;
}
