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

#define HTTPD_NAME      "tlsrpt-httpd"
#define HTTPD_MAX_PATHS 16

/* Limits: default, and the bounds of the option that changes it. */
#define HTTPD_MAX_BODY        (10 * MIB) /* --max-body */
#define HTTPD_MAX_BODY_MIN    ((size_t)1024)
#define HTTPD_MAX_BODY_MAX    (512 * MIB)
#define HTTPD_CONNECTIONS     256 /* --connections */
#define HTTPD_CONNECTIONS_MAX 65536
#define HTTPD_PER_IP          16 /* --per-ip */
/* Connections to the --admin-listen listener, in all (a monitoring agent
 * or two on this host). */
#define HTTPD_ADMIN_CONNECTIONS 8
#define HTTPD_TIMEOUT           30 /* --timeout: seconds idle */
#define HTTPD_TIMEOUT_MAX       3600
#define HTTPD_THREADS           4 /* --threads */
#define HTTPD_THREADS_MAX       256
/* --request-timeout: seconds from a request line's first byte... */
#define HTTPD_REQUEST_TIMEOUT     60
#define HTTPD_REQUEST_TIMEOUT_MAX 3600

struct httpd_config {
	const char *listen;
	const char *admin_listen; /* /healthz and /metrics; NULL: on listen */
	const char *cert, *key;   /* files; NULL with --no-tls */
	int no_tls;
	int trust_proxy; /* X-Forwarded-For names the client */
	const char *paths[HTTPD_MAX_PATHS];
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
