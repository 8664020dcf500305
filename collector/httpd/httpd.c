/*
 * httpd.c - tlsrpt-httpd's request handling: the rua=https:// endpoint
 * (RFC 8460 §5.4) on libmicrohttpd.
 *
 * POST on a report path: the media type is checked (the body is sniffed by
 * ingest, not trusted by its label), the size decided from Content-Length
 * before reading and enforced while reading (chunked bodies too), then the
 * body is ingested and committed before the reply: 201 stored, 200
 * duplicate, 400 with a one-line reason (the bytes quarantined), 503 with
 * Retry-After when storage fails. Other methods on a report path 405, other
 * media types and bodies that are not one report (gzip or JSON: a mail
 * message is not) 415, other paths 404; GET /healthz answers whether the
 * database could be written at the last commit. With --admin-listen,
 * /healthz and /metrics are served on that loopback listener alone and
 * are 404 here; the 503's words are the same whatever failed (the reason,
 * which names the database, goes to the log).
 *
 * SECURITY: unauthenticated by design and internet-facing: every size is
 * bounded (httpd.h), connections in all and per IP and their time are
 * limited by libmicrohttpd; framing libmicrohttpd would let through is 400
 * before the body (malformed()), rejected inputs per client address are
 * limited (--max-rejects, httpd_rate.c), and nothing a client can reach
 * waits on the database but its own POST's commit. Requests run on
 * libmicrohttpd's threads; each has its own context; the one store
 * connection is the committer's (httpd_commit.c).
 * Started as root with --user, it binds and reads the key, then drops
 * (privdrop.c verifies it) before opening the database; TLS 1.2 and 1.3
 * only unless --tls-priority says otherwise. See SECURITY.md.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "httpd.h"
#include "httpd_commit.h"
#include "httpd_conn.h"
#include "httpd_metrics.h"
#include "httpd_rate.h"
#include "log.h"

struct httpd_config httpd_cfg;
const int httpd_admin = 1;

/* One POST on a report path, from its headers to its reply. */
struct request {
	struct buf body; /* as it arrives, up to max_body (and one byte) */
	/* Refused before or while reading (413, 415): the status, and the
	 * bytes read since, dropped so that the reply can be sent on a
	 * connection still in order; past max_body more it is closed. */
	unsigned refuse;
	size_t dropped;
	char client[80];
	struct timespec t0;
	struct httpd_commit_job job;
	int queued; /* job submitted: the next call answers it */
};

/* POSTs between their headers and their completion, for a clean stop. */
static unsigned active;

/* Media types accepted on a report path (RFC 8460 §5.4 names the first
 * two); any case, parameters ignored. */
static const char *const media_types[] = {
    "application/tlsrpt+gzip", "application/tlsrpt+json",  "application/gzip",
    "application/json",        "application/octet-stream", NULL};

static int
media_type_ok(const char *ct)
{
	size_t i, n;

	if (ct == NULL)
		return 0;
	n = strcspn(ct, "; \t");
	for (i = 0; media_types[i] != NULL; i++)
		if (strlen(media_types[i]) == n &&
		    strncasecmp(ct, media_types[i], n) == 0)
			return 1;
	return 0;
}

static int
is_report_path(const char *url)
{
	size_t i;

	for (i = 0; i < httpd_cfg.npaths; i++)
		if (strcmp(url, httpd_cfg.paths[i]) == 0)
			return 1;
	return 0;
}

/* Sends a one-line text reply. */
static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r;
	char line[512];
	enum MHD_Result ret;

	httpd_metrics_request(status);
	snprintf(line, sizeof(line), "%s\n", text);
	r = MHD_create_response_from_buffer(strlen(line), line,
	                                    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "POST");
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE ||
	    status == MHD_HTTP_TOO_MANY_REQUESTS)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "60");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Appends to the body; one past max_body, the request is refused 413 and
 * what it sent is dropped. */
static int
body_append(struct request *rq, const char *data, size_t n)
{
	if (buf_append(&rq->body, data, n) != 0)
		return -1;
	if (buf_over(&rq->body)) {
		rq->refuse = MHD_HTTP_CONTENT_TOO_LARGE;
		buf_free(&rq->body);
	}
	return 0;
}

/* The text form of an address (IPv4, or IPv6 per RFC 5952) into buf;
 * NULL for another family. */
static const char *
addr_text(const struct sockaddr *sa, char *buf, size_t size)
{
	if (sa->sa_family == AF_INET)
		return inet_ntop(AF_INET,
		                 &((const struct sockaddr_in *)sa)->sin_addr,
		                 buf, (socklen_t)size);
	if (sa->sa_family == AF_INET6)
		return inet_ntop(AF_INET6,
		                 &((const struct sockaddr_in6 *)sa)->sin6_addr,
		                 buf, (socklen_t)size);
	return NULL;
}

/*
 * The client, for the record: the peer address or, with --trust-proxy, the
 * last address in X-Forwarded-For (the one our proxy appended; those before
 * it are the client's own claims).
 */
static void
client_of(struct MHD_Connection *c, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const char *xff, *last, *ip = NULL;
	char tmp[64];
	unsigned char addr[16];
	size_t n;

	if (httpd_cfg.trust_proxy &&
	    (xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                       "X-Forwarded-For")) != NULL) {
		last = strrchr(xff, ',');
		last = last ? last + 1 : xff;
		last += strspn(last, " \t");
		n = strcspn(last, " \t");
		if (n < sizeof(tmp)) {
			memcpy(tmp, last, n);
			tmp[n] = '\0';
			if (inet_pton(AF_INET, tmp, addr) == 1 ||
			    inet_pton(AF_INET6, tmp, addr) == 1)
				ip = tmp;
		}
	}
	if (ip == NULL && ci != NULL && ci->client_addr != NULL)
		ip = addr_text(ci->client_addr, tmp, sizeof(tmp));
	snprintf(buf, size, "%s", ip ? ip : "unknown");
}

/* Parses a complete body and queues it for the committer; the connection
 * stays suspended until its report is committed (then answer_post). */
static enum MHD_Result
queue_post(struct MHD_Connection *c, struct request *rq)
{
	struct ingest_hints h = {0};

	client_of(c, rq->client, sizeof(rq->client));
	/* RFC 8460 §5.4: one report a request. A mail message (up to 64
	 * report parts, a minute of parsing) or other bytes are refused
	 * unread, and not quarantined. */
	if (rq->body.len > 0 &&
	    !ingest_is_report_bytes(rq->body.data, rq->body.len)) {
		log_warnx("%s: refused: not a report (gzip or JSON)",
		          rq->client);
		httpd_rate_reject(rq->client);
		return reply(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		             "one report per request, gzip or JSON "
		             "(RFC 8460 section 5.4)");
	}
	h.channel = "https";
	h.source = rq->client;
	h.media_type = MHD_lookup_connection_value(
	    c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	clock_gettime(CLOCK_MONOTONIC, &rq->t0);
	httpd_conn_request_read(c);
	httpd_metrics_received(rq->body.len);
	rq->job.in =
	    ingest_prepare(rq->body.data, rq->body.len, &h, &httpd_cfg.limits);
	buf_free(&rq->body); /* ingest keeps what it needs */
	if (rq->job.in == NULL)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
	rq->job.conn = c;
	rq->queued = 1;
	if (httpd_commit_submit(&rq->job) != 0)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE,
		             "shutting down, try again later");
	return MHD_YES;
}

/* Answers a committed request with its outcome. */
static enum MHD_Result
answer_post(struct MHD_Connection *c, struct request *rq)
{
	const struct ingest_outcome *o = ingest_outcome(rq->job.in, 0);
	enum ingest_status st = rq->job.failed ? INGEST_TEMPFAIL : o->status;
	char text[400];
	struct timespec t1;
	unsigned status;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	httpd_metrics_ingest_time(
	    (uint64_t)((int64_t)(t1.tv_sec - rq->t0.tv_sec) * 1000000 +
	               (t1.tv_nsec - rq->t0.tv_nsec) / 1000));
	httpd_metrics_outcome(st);
	switch (st) {
	case INGEST_STORED:
	case INGEST_DUPLICATE:
		/* "duplicate, different content" too is a 200: the report's
		 * identity is stored; the sender needs not send it again. */
		status = st == INGEST_STORED ? MHD_HTTP_CREATED : MHD_HTTP_OK;
		snprintf(text, sizeof(text), "%s", ingest_outcome_name(o));
		log_info("%s: %s org=%s report-id=%s domain=%s", rq->client,
		         ingest_outcome_name(o), o->organization, o->report_id,
		         o->policy_domain);
		break;
	case INGEST_REJECTED:
		status = MHD_HTTP_BAD_REQUEST;
		snprintf(text, sizeof(text), "rejected: %s", o->reason);
		log_warnx("%s: rejected: %s", rq->client, o->reason);
		httpd_rate_reject(rq->client);
		break;
	default:
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
		snprintf(text, sizeof(text), "not stored, try again later");
		log_warnx("%s: tempfail: %s", rq->client,
		          o->reason ? o->reason : "the commit failed");
		break;
	}
	return reply(c, status, text);
}

static enum MHD_Result
serve_metrics(struct MHD_Connection *c)
{
	char buf[4096];
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t n;

	httpd_metrics_request(MHD_HTTP_OK); /* this answer counts too */
	n = httpd_metrics_render(buf, sizeof(buf));
	r = MHD_create_response_from_buffer(n, buf, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        "text/plain; version=0.0.4");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

struct framing {
	const char *length; /* the first Content-Length */
	int lengths_differ;
	unsigned transfer_encodings, hosts;
	int not_chunked; /* a Transfer-Encoding other than "chunked" alone */
	int blank_in_name;
};

static enum MHD_Result
framing_header(void *cls, enum MHD_ValueKind kind, const char *key,
               const char *value)
{
	struct framing *fr = cls;

	(void)kind;
	if (strpbrk(key, " \t") != NULL)
		fr->blank_in_name = 1;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		if (fr->length != NULL && value != NULL &&
		    strcmp(fr->length, value) != 0)
			fr->lengths_differ = 1;
		if (fr->length == NULL)
			fr->length = value;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		fr->transfer_encodings++;
		if (value == NULL || strcasecmp(value, "chunked") != 0)
			fr->not_chunked = 1;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0) {
		fr->hosts++;
	}
	return MHD_YES;
}

/*
 * What libmicrohttpd 0.9.75 lets through and a request smuggler relies on
 * (RFC 9112 §6.3, §3.2): two different Content-Lengths, Content-Length
 * beside Transfer-Encoding, an HTTP/1.1 request without Host or with two,
 * and an escaped NUL that cuts the path short. Also what would frame the
 * body otherwise than a proxy in front may: white space before a header's
 * colon ("Content-Length : 2" is no Content-Length to libmicrohttpd, so
 * the body was read as the next request; RFC 9112 §5.1 says 400), and a
 * transfer coding other than "chunked" alone, the one libmicrohttpd
 * decodes (it waited on "gzip" with no reply; RFC 9112 §6.1, §7). NULL
 * when the request is sound.
 */
static const char *
malformed(struct MHD_Connection *c, const char *version)
{
	struct framing fr = {NULL, 0, 0, 0, 0, 0};

	MHD_get_connection_values(c, MHD_HEADER_KIND, framing_header, &fr);
	if (fr.blank_in_name)
		return "bad request: white space in a header name";
	if (fr.lengths_differ)
		return "bad request: conflicting Content-Length headers";
	if (fr.length != NULL && fr.transfer_encodings > 0)
		return "bad request: Content-Length with Transfer-Encoding";
	if (fr.transfer_encodings > 1 || fr.not_chunked)
		return "bad request: a transfer coding other than chunked";
	if (version != NULL && strcmp(version, MHD_HTTP_VERSION_1_1) == 0 &&
	    fr.hosts == 0)
		return "bad request: no Host header";
	if (fr.hosts > 1)
		return "bad request: more than one Host header";
	if (httpd_conn_nul_in_uri(c))
		return "bad request: NUL in the path";
	return NULL;
}

/* A 400 for a malformed request, and the connection closed: what follows
 * on it cannot be framed. */
static enum MHD_Result
reply_malformed(struct MHD_Connection *c, const char *text)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char line[128];

	httpd_metrics_request(MHD_HTTP_BAD_REQUEST);
	snprintf(line, sizeof(line), "%s\n", text);
	r = MHD_create_response_from_buffer(strlen(line), line,
	                                    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(c, MHD_HTTP_BAD_REQUEST, r);
	MHD_destroy_response(r);
	return ret;
}

/* The first call for a sound request (the second for one without a
 * body): decides everything that does not need the body. Returns MHD_YES
 * with *con_cls set to go on reading. */
static enum MHD_Result
start_request(struct MHD_Connection *c, int admin, const char *url,
              const char *method, void **con_cls)
{
	const char *len_s;
	struct errbuf eb;
	struct request *rq;
	char client[80];

	/* On the admin listener when there is one, else here. */
	if (admin || httpd_cfg.admin_listen == NULL) {
		if (strcmp(url, "/healthz") == 0 && strcmp(method, "GET") == 0)
			return httpd_commit_check_writable(&eb) == 0
			           ? reply(c, MHD_HTTP_OK, "ok")
			           : reply(c, MHD_HTTP_SERVICE_UNAVAILABLE,
			                   "database not writable");
		if (strcmp(url, "/metrics") == 0 && strcmp(method, "GET") == 0)
			return serve_metrics(c);
	}
	if (admin || !is_report_path(url))
		return reply(c, MHD_HTTP_NOT_FOUND, "not found");
	if (strcmp(method, "POST") != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		             "POST a TLS report here");
	/* Before the body is read: a flood of junk costs no parse and no
	 * quarantine row (--max-rejects). */
	client_of(c, client, sizeof(client));
	if (httpd_rate_over(client)) {
		log_warnx("%s: refused: over --max-rejects", client);
		return reply(c, MHD_HTTP_TOO_MANY_REQUESTS,
		             "too many rejected reports, try again later");
	}
	len_s = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (len_s != NULL && strtoull(len_s, NULL, 10) > httpd_cfg.max_body)
		return reply(c, MHD_HTTP_CONTENT_TOO_LARGE, "report too large");
	if ((rq = calloc(1, sizeof(*rq))) == NULL)
		return MHD_NO;
	buf_init(&rq->body, httpd_cfg.max_body);
	/* A wrong label is answered after the body is read, so that the
	 * connection can be kept for the next request. */
	if (!media_type_ok(MHD_lookup_connection_value(
	        c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE)))
		rq->refuse = MHD_HTTP_UNSUPPORTED_MEDIA_TYPE;
	__atomic_add_fetch(&active, 1, __ATOMIC_RELAXED);
	*con_cls = rq;
	return MHD_YES;
}

static enum MHD_Result
answer_refused(struct MHD_Connection *c, const struct request *rq)
{
	char client[80];

	/* A 415 counts against --max-rejects as the man page says, as the
	 * 415 of a body that is not a report does: a client sending junk
	 * under another label is the same client. */
	if (rq->refuse == MHD_HTTP_UNSUPPORTED_MEDIA_TYPE) {
		client_of(c, client, sizeof(client));
		httpd_rate_reject(client);
		return reply(c, rq->refuse,
		             "expected application/tlsrpt+gzip or "
		             "application/tlsrpt+json");
	}
	return reply(c, rq->refuse, "report too large");
}

/* A request other than a POST that says it has no body (GET /healthz,
 * /metrics): its reply waits for libmicrohttpd's second call, which comes
 * once the request is read whole. libmicrohttpd 0.9.75 closes the
 * connection after a reply queued on the first call, so no such request
 * could be followed by another on its connection (keep-alive). */
static char no_body;

static int
defer_reply(struct MHD_Connection *c, const char *method)
{
	const char *len;

	if (strcmp(method, "POST") == 0 ||
	    MHD_lookup_connection_value(
	        c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL)
		return 0;
	len = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                  MHD_HTTP_HEADER_CONTENT_LENGTH);
	return len == NULL || strcmp(len, "0") == 0;
}

enum MHD_Result
httpd_handle(void *cls, struct MHD_Connection *c, const char *url,
             const char *method, const char *version, const char *upload_data,
             size_t *upload_data_size, void **con_cls)
{
	struct request *rq = *con_cls;
	size_t n = *upload_data_size;
	const char *bad;
	int admin = cls == &httpd_admin;

	if (*con_cls == &no_body) {
		*con_cls = NULL;
		*upload_data_size = 0;
		return start_request(c, admin, url, method, con_cls);
	}
	if (rq == NULL) {
		/* Before anything else, and before the body is read. */
		if ((bad = malformed(c, version)) != NULL)
			return reply_malformed(c, bad);
		if (defer_reply(c, method)) {
			*con_cls = &no_body;
			return MHD_YES;
		}
		return start_request(c, admin, url, method, con_cls);
	}
	if (n > 0) {
		*upload_data_size = 0;
		if (rq->refuse != 0) {
			rq->dropped += n;
			return rq->dropped > httpd_cfg.max_body ? MHD_NO
			                                        : MHD_YES;
		}
		return body_append(rq, upload_data, n) == 0 ? MHD_YES : MHD_NO;
	}
	if (rq->queued)
		return answer_post(c, rq);
	if (rq->refuse != 0)
		return answer_refused(c, rq);
	return queue_post(c, rq);
}

void
httpd_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;

	/* The keep-alive deadline runs from the reply, as the man page says,
	 * not from the request line: a slow commit must not eat the time a
	 * client has to send its next request. */
	httpd_conn_request_done(c);

	if (*con_cls == &no_body) /* cut off before its second call */
		*con_cls = NULL;
	else if (rq != NULL) {
		ingest_input_free(rq->job.in);
		buf_free(&rq->body);
		free(rq);
		*con_cls = NULL;
		__atomic_sub_fetch(&active, 1, __ATOMIC_RELAXED);
	}
}

unsigned
httpd_active(void)
{
	return __atomic_load_n(&active, __ATOMIC_RELAXED);
}
