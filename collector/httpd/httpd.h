/*
 * httpd.h - what tlsrpt-httpd's files share: the configuration (set by
 * httpd_main.c before serving, read-only afterwards), the store, and the
 * libmicrohttpd callbacks (httpd.c).
 */
#ifndef TLSRPT_HTTPD_H
#define TLSRPT_HTTPD_H

#include <microhttpd.h>
#include <stddef.h>
#include <sys/socket.h>

#include "ingest.h"
#include "limits.h"
#include "store.h"

#define HTTPD_NAME "tlsrpt-httpd"

struct httpd_config {
	const char *listen;
	const char *admin_listen; /* /healthz and /metrics; NULL: on listen */
	const char *cert, *key;   /* files; NULL with --no-tls */
	int no_tls;
	int trust_proxy; /* X-Forwarded-For names the client */
	const char *paths[LIMIT_HTTPD_PATHS];
	size_t npaths;
	const char *db;
	const char *user;
	int foreground;
	size_t max_body;
	unsigned connections, per_ip, timeout, threads;
	unsigned request_timeout, commit_batch;
	unsigned max_rejects; /* rejected inputs a client address a minute */
	int busy_timeout_ms;
	const char *tls_priority; /* GnuTLS priority string */
	struct ingest_limits limits;
};

extern struct httpd_config httpd_cfg;

/* The access handler's cls on the --admin-listen listener, which serves
 * GET /healthz and GET /metrics alone; NULL on the public one. */
extern const int httpd_admin;

/* The libmicrohttpd access handler and completion callback. */
enum MHD_Result httpd_handle(void *cls, struct MHD_Connection *c,
                             const char *url, const char *method,
                             const char *version, const char *upload_data,
                             size_t *upload_data_size, void **con_cls);
void httpd_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                     enum MHD_RequestTerminationCode toe);

/* POSTs under way (headers read, not yet completed). */
unsigned httpd_active(void);

#endif
