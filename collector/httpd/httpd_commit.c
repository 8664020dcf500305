/*
 * httpd_commit.c - tlsrpt-httpd's committer thread (see httpd_commit.h).
 *
 * Requests parse their bodies on libmicrohttpd's threads (ingest_prepare
 * is pure) and queue the result here. The committer takes everything
 * queued, up to the batch size, writes each input in its own savepoint
 * (so one input's storage failure spoils only its own reply) and commits
 * once: with synchronous=FULL that is one fsync for the batch. While it
 * commits, the next batch gathers. Only then are the connections resumed,
 * so a 201 always follows a durable COMMIT. Idle, it probes the database
 * every HEALTH_PROBE_SECONDS for GET /healthz.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "httpd.h"
#include "httpd_commit.h"
#include "log.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct httpd_commit_job *head, *tail;
static int stopping;
static pthread_t thread;
static struct store *store;
static unsigned batch_max;
/* Held while the committer uses the store. */
static pthread_mutex_t store_mu = PTHREAD_MUTEX_INITIALIZER;
/* What GET /healthz answers: the outcome of the last commit or, when
 * idle, of the committer's own probe; read without touching the store,
 * so that no unauthenticated request waits on the database (issue 15
 * §5: eight GETs behind an import's lock had kept /metrics waiting). */
static pthread_mutex_t health_mu = PTHREAD_MUTEX_INITIALIZER;
static char health_reason[256]; /* "" while writable */

static void
set_health(const char *reason)
{
	pthread_mutex_lock(&health_mu);
	snprintf(health_reason, sizeof(health_reason), "%s", reason);
	pthread_mutex_unlock(&health_mu);
}

/* The idle committer's probe: can the database be written now? */
static void
probe(void)
{
	struct errbuf eb = {""};

	pthread_mutex_lock(&store_mu);
	set_health(store_check_writable(store, &eb) == 0 ? "" : eb.msg);
	pthread_mutex_unlock(&store_mu);
}

/* Writes and commits one batch; marks every job of a failed COMMIT. */
static void
run_batch(struct httpd_commit_job *jobs)
{
	struct httpd_commit_job *j, *next;
	struct errbuf eb = {""};
	int64_t now = time(NULL);
	int ok, begun;

	pthread_mutex_lock(&store_mu);
	ok = (begun = store_begin(store, &eb)) == 0;
	for (j = jobs; ok && j != NULL; j = j->next)
		if (ingest_commit(store, j->in, now, &eb) != 0)
			j->failed = 1; /* its savepoint is rolled back */
	if (ok && store_commit(store, &eb) != 0) {
		store_rollback(store);
		ok = 0;
	}
	pthread_mutex_unlock(&store_mu);
	set_health(ok ? "" : eb.msg);
	/* Once, with the storage's reason; each request logs its 503. A
	 * schema upgraded under this daemon is no passing trouble: only a
	 * restart (of the binary that knows the schema) ends it. */
	if (begun == STORE_E_SCHEMA)
		log_warnx("tempfail: %s: restart " HTTPD_NAME
		          "; until then every report is answered 503",
		          eb.msg);
	else if (!ok)
		log_warnx("tempfail: %s", eb.msg);
	/* Once resumed, a job may be answered and freed at once. */
	for (j = jobs; j != NULL; j = next) {
		next = j->next;
		if (!ok)
			j->failed = 1;
		MHD_resume_connection(j->conn);
	}
}

static void *
committer(void *arg)
{
	struct httpd_commit_job *batch, **last;
	unsigned n;

	struct timespec wake;

	(void)arg;
	pthread_mutex_lock(&mu);
	for (;;) {
		while (head == NULL && !stopping) {
			clock_gettime(CLOCK_REALTIME, &wake);
			wake.tv_sec += HEALTH_PROBE_SECONDS;
			if (pthread_cond_timedwait(&cv, &mu, &wake) == 0 ||
			    head != NULL || stopping)
				continue;
			pthread_mutex_unlock(&mu);
			probe();
			pthread_mutex_lock(&mu);
		}
		if (head == NULL)
			break;
		batch = head;
		last = &head;
		for (n = 0; *last != NULL && n < batch_max; n++)
			last = &(*last)->next;
		head = *last;
		*last = NULL;
		if (head == NULL)
			tail = NULL;
		pthread_mutex_unlock(&mu);
		run_batch(batch);
		pthread_mutex_lock(&mu);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

int
httpd_commit_start(struct store *st, unsigned max_batch, struct errbuf *eb)
{
	store = st;
	batch_max = max_batch;
	if (pthread_create(&thread, NULL, committer, NULL) != 0)
		return errbuf_set(eb, "cannot start the committer thread");
	return 0;
}

int
httpd_commit_submit(struct httpd_commit_job *job)
{
	pthread_mutex_lock(&mu);
	if (stopping) {
		pthread_mutex_unlock(&mu);
		return -1;
	}
	/* Suspended before it can be seen by the committer, which resumes. */
	MHD_suspend_connection(job->conn);
	job->next = NULL;
	if (tail != NULL)
		tail->next = job;
	else
		head = job;
	tail = job;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	return 0;
}

int
httpd_commit_check_writable(struct errbuf *eb)
{
	int r = 0;

	pthread_mutex_lock(&health_mu);
	if (health_reason[0] != '\0')
		r = errbuf_set(eb, "%s", health_reason);
	pthread_mutex_unlock(&health_mu);
	return r;
}

void
httpd_commit_stop(void)
{
	pthread_mutex_lock(&mu);
	stopping = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(thread, NULL);
}
