/*
 * httpd_commit.h - group commit for tlsrpt-httpd: one thread owns the
 * store and commits the reports of concurrent requests together, so that
 * one fsync acknowledges many reports. Each request's connection is
 * suspended until the transaction that holds its report has committed;
 * the reply is never sent before.
 */
#ifndef TLSRPT_HTTPD_COMMIT_H
#define TLSRPT_HTTPD_COMMIT_H

#include <microhttpd.h>

#include "errbuf.h"
#include "ingest.h"
#include "store.h"

/* One report waiting for its commit; owned by the request. */
struct httpd_commit_job {
	struct ingest_input *in;
	struct MHD_Connection *conn;
	int failed; /* storage failed: reply 503 whatever the outcomes say */
	struct httpd_commit_job *next;
};

/* Starts the committer thread on st (which it uses alone from then on,
 * besides commit_check_writable). -1 when the thread cannot start. */
int httpd_commit_start(struct store *st, unsigned max_batch, struct errbuf *eb);

/*
 * Suspends job->conn and queues the job; the connection is resumed once
 * the job's input is committed (or has failed: job->failed). Called from
 * the access handler. Returns -1, without suspending, once httpd_commit_stop()
 * has begun: the caller answers 503 itself.
 */
int httpd_commit_submit(struct httpd_commit_job *job);

/* How often the idle committer probes whether the database can be
 * written, for GET /healthz. */
#define HEALTH_PROBE_SECONDS 10

/* Whether the store could be written at the last commit or probe (GET
 * /healthz): 0 yes, -1 with the reason in eb. Takes no lock on the store
 * and never waits for the database. */
int httpd_commit_check_writable(struct errbuf *eb);

/* Commits what is queued, refuses further jobs and joins the thread. */
void httpd_commit_stop(void);

#endif
