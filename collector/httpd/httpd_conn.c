/*
 * httpd_conn.c - connection deadlines against slow clients (see
 * httpd_conn.h).
 *
 * libmicrohttpd calls httpd_conn_notify() when a connection opens and before it
 * closes its socket, so a tracked connection's descriptor is open while it
 * is on the list, and the list's mutex orders the reaper's shutdown()
 * before the close. shutdown() rather than close(): the descriptor stays
 * libmicrohttpd's, which then sees the end of the stream and cleans up.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "httpd_conn.h"

struct conn {
	struct MHD_Connection *c;
	int fd;
	int64_t deadline; /* CLOCK_MONOTONIC seconds; INT64_MAX: none */
	int nul_in_uri;   /* the last request line's URI holds "%00" */
	struct conn *prev, *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct conn *conns;
static unsigned timeout;
static int stopping;
static pthread_t reaper_thread;
static unsigned long cut;

static int64_t
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static struct conn *
conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

static void
set_deadline(struct MHD_Connection *c)
{
	struct conn *k = conn_of(c);

	if (k == NULL)
		return;
	pthread_mutex_lock(&mu);
	k->deadline = now_sec() + timeout;
	pthread_mutex_unlock(&mu);
}

void
httpd_conn_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                  enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo *ci;
	struct conn *k = *socket_context;

	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(c,
		                             MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci == NULL || (k = calloc(1, sizeof(*k))) == NULL)
			return; /* untracked: the idle timeout still holds */
		k->c = c;
		k->fd = ci->connect_fd;
		pthread_mutex_lock(&mu);
		k->deadline = now_sec() + timeout;
		k->next = conns;
		if (conns != NULL)
			conns->prev = k;
		conns = k;
		pthread_mutex_unlock(&mu);
		*socket_context = k;
		return;
	}
	if (k == NULL)
		return;
	pthread_mutex_lock(&mu);
	if (k->prev != NULL)
		k->prev->next = k->next;
	else
		conns = k->next;
	if (k->next != NULL)
		k->next->prev = k->prev;
	pthread_mutex_unlock(&mu);
	free(k);
	*socket_context = NULL;
}

/* An escaped NUL: libmicrohttpd unescapes the path into a C string, which
 * then ends there ("/v1/report%00x" would be read as "/v1/report"). */
static int
has_escaped_nul(const char *uri)
{
	const char *p;

	for (p = uri; (p = strchr(p, '%')) != NULL; p++)
		if (p[1] == '0' && p[2] == '0')
			return 1;
	return 0;
}

void *
httpd_conn_request_line(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct conn *k = conn_of(c);

	(void)cls;
	set_deadline(c);
	if (k != NULL)
		k->nul_in_uri = uri != NULL && has_escaped_nul(uri);
	return NULL;
}

int
httpd_conn_nul_in_uri(struct MHD_Connection *c)
{
	struct conn *k = conn_of(c);

	return k != NULL && k->nul_in_uri;
}

void
httpd_conn_request_done(struct MHD_Connection *c)
{
	set_deadline(c);
}

void
httpd_conn_request_read(struct MHD_Connection *c)
{
	struct conn *k = conn_of(c);

	if (k == NULL)
		return;
	pthread_mutex_lock(&mu);
	k->deadline = INT64_MAX;
	pthread_mutex_unlock(&mu);
}

static void *
reaper(void *arg)
{
	struct timespec wake;
	struct conn *k;
	int64_t now;

	(void)arg;
	pthread_mutex_lock(&mu);
	while (!stopping) {
		now = now_sec();
		for (k = conns; k != NULL; k = k->next) {
			if (k->deadline > now)
				continue;
			shutdown(k->fd, SHUT_RDWR);
			k->deadline = INT64_MAX;
			cut++;
		}
		clock_gettime(CLOCK_REALTIME, &wake);
		wake.tv_sec += 1;
		pthread_cond_timedwait(&cv, &mu, &wake);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

int
httpd_conn_start(unsigned seconds)
{
	timeout = seconds;
	return pthread_create(&reaper_thread, NULL, reaper, NULL) == 0 ? 0 : -1;
}

void
httpd_conn_stop(void)
{
	pthread_mutex_lock(&mu);
	stopping = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(reaper_thread, NULL);
}

unsigned long
httpd_conn_cut_off(void)
{
	unsigned long n;

	pthread_mutex_lock(&mu);
	n = cut;
	pthread_mutex_unlock(&mu);
	return n;
}
