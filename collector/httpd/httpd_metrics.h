/*
 * httpd_metrics.h - tlsrpt-httpd's counters, served at GET /metrics in the
 * Prometheus text exposition format; every name starts with tlsrpt_. The
 * counters are atomics, updated from libmicrohttpd's threads.
 */
#ifndef TLSRPT_HTTPD_METRICS_H
#define TLSRPT_HTTPD_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "ingest.h"

void httpd_metrics_request(unsigned status);
void httpd_metrics_outcome(enum ingest_status s);
void httpd_metrics_received(size_t bytes);
void httpd_metrics_ingest_time(uint64_t usec);

/* Writes the exposition into buf; returns its length (0 if it did not
 * fit). */
size_t httpd_metrics_render(char *buf, size_t size);

#endif
