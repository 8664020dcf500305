/*
 * httpd_metrics.c - counters for GET /metrics (see httpd_metrics.h).
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

#include "httpd_conn.h"
#include "httpd_metrics.h"

/* The statuses the receiver answers with; the last slot is "other". */
static const unsigned codes[] = {200, 201, 400, 404, 405,
                                 413, 415, 429, 503, 0};
#define NCODES (sizeof(codes) / sizeof(codes[0]))

static atomic_uint_fast64_t requests[NCODES];
static atomic_uint_fast64_t outcomes[4]; /* by enum ingest_status */
static atomic_uint_fast64_t received_bytes;
static atomic_uint_fast64_t ingest_usec, ingest_count;

void
httpd_metrics_request(unsigned status)
{
	size_t i;

	for (i = 0; i + 1 < NCODES && codes[i] != status; i++)
		;
	atomic_fetch_add(&requests[i], 1);
}

void
httpd_metrics_outcome(enum ingest_status s)
{
	if ((unsigned)s < 4)
		atomic_fetch_add(&outcomes[s], 1);
}

void
httpd_metrics_received(size_t bytes)
{
	atomic_fetch_add(&received_bytes, bytes);
}

void
httpd_metrics_ingest_time(uint64_t usec)
{
	atomic_fetch_add(&ingest_usec, usec);
	atomic_fetch_add(&ingest_count, 1);
}

struct out {
	char *buf;
	size_t size, len;
	int overflow;
};

static void out_add(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
out_add(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len)
		o->overflow = 1;
	else
		o->len += (size_t)n;
}

size_t
httpd_metrics_render(char *buf, size_t size)
{
	static const char *const names[4] = {"stored", "duplicate", "rejected",
	                                     "tempfail"};
	struct out o = {buf, size, 0, 0};
	size_t i;

	out_add(&o, "# HELP tlsrpt_http_requests_total HTTP requests "
	            "answered, by status code.\n"
	            "# TYPE tlsrpt_http_requests_total counter\n");
	for (i = 0; i < NCODES; i++) {
		if (codes[i] != 0)
			out_add(
			    &o,
			    "tlsrpt_http_requests_total{code=\"%u\"} %llu\n",
			    codes[i],
			    (unsigned long long)atomic_load(&requests[i]));
		else
			out_add(&o,
			        "tlsrpt_http_requests_total{code=\"other\"} "
			        "%llu\n",
			        (unsigned long long)atomic_load(&requests[i]));
	}
	out_add(&o, "# HELP tlsrpt_reports_total Reports POSTed, by outcome.\n"
	            "# TYPE tlsrpt_reports_total counter\n");
	for (i = 0; i < 4; i++)
		out_add(&o, "tlsrpt_reports_total{outcome=\"%s\"} %llu\n",
		        names[i],
		        (unsigned long long)atomic_load(&outcomes[i]));
	out_add(&o,
	        "# HELP tlsrpt_received_bytes_total Bytes of report "
	        "bodies received.\n"
	        "# TYPE tlsrpt_received_bytes_total counter\n"
	        "tlsrpt_received_bytes_total %llu\n",
	        (unsigned long long)atomic_load(&received_bytes));
	out_add(&o,
	        "# HELP tlsrpt_ingest_seconds Time to parse and commit "
	        "a report body.\n"
	        "# TYPE tlsrpt_ingest_seconds summary\n"
	        "tlsrpt_ingest_seconds_sum %.6f\n"
	        "tlsrpt_ingest_seconds_count %llu\n",
	        (double)atomic_load(&ingest_usec) / 1e6,
	        (unsigned long long)atomic_load(&ingest_count));
	out_add(&o,
	        "# HELP tlsrpt_connections_cut_off_total Connections closed "
	        "at their --request-timeout deadline.\n"
	        "# TYPE tlsrpt_connections_cut_off_total counter\n"
	        "tlsrpt_connections_cut_off_total %lu\n",
	        httpd_conn_cut_off());
	return o.overflow ? 0 : o.len;
}
