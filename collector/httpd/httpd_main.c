/*
 * httpd_main.c - tlsrpt-httpd's start: options, the certificate and key
 * read and the socket bound while privileged, the drop to --user, the
 * database, then libmicrohttpd's threads until SIGTERM or SIGINT (SIGHUP
 * reloads the certificate and key). On stop, new connections are refused,
 * requests under way are finished and committed, then the threads end.
 * With --admin-listen a second libmicrohttpd daemon, plain HTTP on a
 * loopback address, serves /healthz and /metrics.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon_opts.h"
#include "httpd.h"
#include "httpd_commit.h"
#include "httpd_conn.h"
#include "httpd_rate.h"
#include "httpd_tls.h"
#include "log.h"
#include "opt.h"
#include "paths.h"
#include "optnum.h"
#include "privdrop.h"
#include "report.h"

#define DEFAULT_LISTEN "[::]:443"

static const char usage[] =
    "Usage: " HTTPD_NAME " [OPTIONS]\n"
    "\n"
    "The HTTPS endpoint for rua=https:// TLS-RPT reports (RFC 8460 5.4).\n"
    "\n";

/* --path: the report paths are absolute. */
static int
path_check(void *cfg, const char *arg, struct errbuf *eb)
{
	(void)cfg;
	if (arg[0] != '/')
		return errbuf_set(eb, "an absolute path, not '%s'", arg);
	return 0;
}

#define C struct httpd_config
static const struct opt_def opts[] = {
    {.name = "listen",
     .kind = OPT_TEXT,
     .arg_name = "ADDR:PORT",
     .offset = offsetof(C, listen),
     .def_text = DEFAULT_LISTEN,
     .help = "127.0.0.1:8443, [::1]:8443"},
    {.name = "admin-listen",
     .kind = OPT_TEXT,
     .arg_name = "ADDR:PORT",
     .offset = offsetof(C, admin_listen),
     .help = "serve GET /healthz and /metrics there alone, plain HTTP, a "
             "loopback address only (127.0.0.1:8026); without it they are "
             "served on --listen"},
    {.name = "cert",
     .kind = OPT_TEXT,
     .arg_name = "FILE",
     .offset = offsetof(C, cert),
     .help = "PEM certificate chain"},
    {.name = "key",
     .kind = OPT_TEXT,
     .arg_name = "FILE",
     .offset = offsetof(C, key),
     .help = "PEM private key"},
    {.name = "no-tls",
     .kind = OPT_FLAG,
     .offset = offsetof(C, no_tls),
     .help = "plain HTTP, behind a reverse proxy"},
    {.name = "tls-priority",
     .kind = OPT_TEXT,
     .arg_name = "STR",
     .offset = offsetof(C, tls_priority),
     .def_text = TLS_PRIORITY_DEFAULT,
     .help = "GnuTLS priority string"},
    {.name = "trust-proxy",
     .kind = OPT_FLAG,
     .offset = offsetof(C, trust_proxy),
     .help = "take the client from X-Forwarded-For (its last address); "
             "only behind a proxy that sets it"},
    {.name = "path",
     .kind = OPT_LIST,
     .arg_name = "PATH",
     .max = LIMIT_HTTPD_PATHS,
     .offset = offsetof(C, paths),
     .count_offset = offsetof(C, npaths),
     .help = "a report path; / when none is given",
     .take = path_check},
    OPT_ROW_DB(C, db),
    {.name = "max-body",
     .kind = OPT_NUM,
     .arg_name = "BYTES",
     .def = LIMIT_HTTPD_BODY,
     .min = LIMIT_HTTPD_BODY_MIN,
     .max = LIMIT_HTTPD_BODY_MAX,
     .offset = offsetof(C, max_body),
     .size = sizeof(size_t),
     .help = "largest body"},
    {.name = "connections",
     .kind = OPT_NUM,
     .arg_name = "N",
     .def = LIMIT_HTTPD_CONNECTIONS,
     .min = 1,
     .max = LIMIT_HTTPD_CONNECTIONS_MAX,
     .offset = offsetof(C, connections),
     .size = sizeof(unsigned),
     .help = "connections in all"},
    {.name = "per-ip",
     .kind = OPT_NUM,
     .arg_name = "N",
     .def = LIMIT_HTTPD_PER_IP,
     .min = 1,
     .max = LIMIT_HTTPD_CONNECTIONS_MAX,
     .offset = offsetof(C, per_ip),
     .size = sizeof(unsigned),
     .help = "connections per client address"},
    {.name = "max-rejects",
     .kind = OPT_NUM,
     .arg_name = "N",
     .def = LIMIT_HTTPD_REJECTS,
     .min = LIMIT_HTTPD_REJECTS_MIN,
     .max = LIMIT_HTTPD_REJECTS_MAX,
     .offset = offsetof(C, max_rejects),
     .size = sizeof(unsigned),
     .help = "rejected inputs a client address may send a minute; past it "
             "429"},
    OPT_ROW_MAX_REPORT_SIZE(C, limits.max_report),
    OPT_ROW_MAX_RATIO(C, limits.max_ratio),
    {.name = "timeout",
     .kind = OPT_NUM,
     .arg_name = "SECONDS",
     .def = LIMIT_HTTPD_TIMEOUT,
     .min = 1,
     .max = LIMIT_HTTPD_TIMEOUT_MAX,
     .offset = offsetof(C, timeout),
     .size = sizeof(unsigned),
     .help = "idle connection timeout"},
    {.name = "request-timeout",
     .kind = OPT_NUM,
     .arg_name = "SECONDS",
     .def = LIMIT_HTTPD_REQUEST_TIMEOUT,
     .min = 1,
     .max = LIMIT_HTTPD_REQUEST_TIMEOUT_MAX,
     .offset = offsetof(C, request_timeout),
     .size = sizeof(unsigned),
     .help = "time for a whole request, headers and body: slow clients are "
             "cut off"},
    {.name = "threads",
     .kind = OPT_NUM,
     .arg_name = "N",
     .def = LIMIT_HTTPD_THREADS,
     .min = 1,
     .max = LIMIT_HTTPD_THREADS_MAX,
     .offset = offsetof(C, threads),
     .size = sizeof(unsigned),
     .help = "worker threads"},
    {.name = "commit-batch",
     .kind = OPT_NUM,
     .arg_name = "N",
     .def = LIMIT_HTTPD_COMMIT_BATCH,
     .min = 1,
     .max = LIMIT_HTTPD_COMMIT_BATCH_MAX,
     .offset = offsetof(C, commit_batch),
     .size = sizeof(unsigned),
     .help = "reports committed together at most (1 commits each alone)"},
    OPT_ROW_BUSY_TIMEOUT(C, busy_timeout_ms,
                         "wait for other writers, then 503"),
    {.name = "user",
     .short_name = 'u',
     .kind = OPT_TEXT,
     .arg_name = "USER",
     .offset = offsetof(C, user),
     .help = "drop to USER after binding and reading the key"},
    {.name = "foreground",
     .short_name = 'f',
     .kind = OPT_FLAG,
     .offset = offsetof(C, foreground),
     .help = "stay in the foreground, log to stderr"},
    OPT_ROW_HELP,
};
#undef C

#define bad(...) log_usage_error(HTTPD_NAME, __VA_ARGS__)

/* The defaults, then the options. Returns -1 to go on, else an exit
 * code. */
static int
parse_args(int argc, char **argv)
{
	const struct daemon_args a = {
	    HTTPD_NAME,       usage,      opts,
	    OPT_COUNT(opts),  &httpd_cfg, &httpd_cfg.db,
	    &httpd_cfg.limits};
	struct errbuf eb = {""};
	int r;

	if ((r = daemon_options(&a, argc, argv)) >= 0)
		return r;
	if (!httpd_cfg.no_tls &&
	    (httpd_cfg.cert == NULL || httpd_cfg.key == NULL))
		return bad("--cert and --key are needed (or --no-tls)");
	if (httpd_cfg.npaths == 0)
		httpd_cfg.paths[httpd_cfg.npaths++] = "/";
	if (!httpd_cfg.no_tls &&
	    httpd_tls_priority_check(httpd_cfg.tls_priority, &eb) != 0)
		return bad("%s", eb.msg);
	return -1;
}

/* "127.0.0.1:8443" or "[::1]:8443" into a socket address. */
static int
parse_listen(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	const char *colon = strrchr(s, ':');
	char host[64];
	uint64_t port;

	if (colon == NULL || optnum_parse(colon + 1, 1, 65535, &port) != 0 ||
	    (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host + 1, &in6->sin6_addr) == 1 ? 0
		                                                           : -1;
	}
	in4->sin_family = AF_INET;
	in4->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &in4->sin_addr) == 1 ? 0 : -1;
}

/* 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104. */
static int
is_loopback(const struct sockaddr_storage *ss)
{
	const struct in6_addr *a6 =
	    &((const struct sockaddr_in6 *)ss)->sin6_addr;

	if (ss->ss_family == AF_INET)
		return ntohl(
		           ((const struct sockaddr_in *)ss)->sin_addr.s_addr) >>
		           24 ==
		       127;
	return IN6_IS_ADDR_LOOPBACK(a6) ||
	       (IN6_IS_ADDR_V4MAPPED(a6) && a6->s6_addr[12] == 127);
}

/* The listening socket, bound while privileged. */
static int
bind_listen(struct sockaddr_storage *ss)
{
	int fd, one = 1, zero = 0;
	socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                          : sizeof(struct sockaddr_in);

	if ((fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6) /* [::] takes IPv4 too */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)ss, len) != 0 || listen(fd, 128) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* libmicrohttpd's own messages, which can quote a client's bytes (a URL
 * with %0a): through the daemon's logger, which replaces control
 * characters, never raw to stderr. */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	log_warnx("libmicrohttpd: %s", line);
}

/* libmicrohttpd's panic (a broken invariant of its own) is printed raw to
 * stderr by default: said through the daemon's log instead, then abort()
 * as libmicrohttpd's own handler does. */
static void
mhd_panic(void *cls, const char *file, unsigned int line, const char *reason)
{
	(void)cls;
	log_warnx("libmicrohttpd: fatal error at %s:%u: %s", file ? file : "?",
	          line, reason ? reason : "");
	abort();
}

static struct MHD_Daemon *
start(int fd)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
	                 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem tls[] = {
	    {MHD_OPTION_HTTPS_CERT_CALLBACK, 0, (void *)httpd_tls_retrieve},
	    {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)httpd_cfg.tls_priority},
	    {MHD_OPTION_END, 0, NULL}};

	if (!httpd_cfg.no_tls)
		flags |= MHD_USE_TLS;
	else
		tls[0].option = MHD_OPTION_END;
	return MHD_start_daemon(
	    flags, 0, NULL, NULL, httpd_handle, NULL,
	    /* first, or libmicrohttpd's earliest messages bypass it */
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET,
	    fd, MHD_OPTION_THREAD_POOL_SIZE, httpd_cfg.threads,
	    MHD_OPTION_CONNECTION_LIMIT, httpd_cfg.connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, httpd_cfg.per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, httpd_cfg.timeout,
	    MHD_OPTION_NOTIFY_COMPLETED, httpd_completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, httpd_conn_notify, NULL,
	    MHD_OPTION_URI_LOG_CALLBACK, httpd_conn_request_line, NULL,
	    MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
}

/* The --admin-listen daemon: one thread, a few connections (it is for a
 * monitoring agent on this host), the same handler with httpd_admin as
 * its cls, plain HTTP. */
static struct MHD_Daemon *
start_admin(int fd)
{
	return MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG,
	    0, NULL, NULL, httpd_handle, (void *)&httpd_admin,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET,
	    fd, MHD_OPTION_CONNECTION_LIMIT, LIMIT_HTTPD_ADMIN_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, httpd_cfg.timeout,
	    MHD_OPTION_NOTIFY_COMPLETED, httpd_completed, NULL, MHD_OPTION_END);
}

/* Stops as DESIGN.md asks: no new connections, requests under way
 * finished (for at most --request-timeout), their reports committed;
 * the admin listener, which answers while they finish, last. */
static void
stop(struct MHD_Daemon *d, struct MHD_Daemon *admin)
{
	MHD_socket fd = MHD_quiesce_daemon(d);
	unsigned i;

	for (i = 0; httpd_active() > 0 && i < 10 * httpd_cfg.request_timeout;
	     i++)
		usleep(100000);
	httpd_commit_stop();
	MHD_stop_daemon(d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	if (admin != NULL)
		MHD_stop_daemon(admin); /* closes its listening socket */
	httpd_conn_stop();
}

/* Waits for signals: SIGHUP reloads the certificate, the others stop. */
static void
serve(struct MHD_Daemon *d, struct MHD_Daemon *admin, const sigset_t *set)
{
	struct errbuf eb;
	int sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			break;
		if (httpd_cfg.no_tls)
			log_info("SIGHUP: nothing to reload without TLS");
		else if (httpd_tls_load(httpd_cfg.cert, httpd_cfg.key, &eb) !=
		         0)
			log_warnx("SIGHUP: %s; still serving the old "
			          "certificate",
			          eb.msg);
		else
			log_info("SIGHUP: serving certificate sha256:%s",
			         httpd_tls_fingerprint());
	}
	log_info("stopping on signal %d, %u requests under way", sig,
	         httpd_active());
	stop(d, admin);
}

/* --listen and --admin-listen as addresses. Returns -1 to go on, else
 * an exit code. */
static int
check_listen(struct sockaddr_storage *ss, struct sockaddr_storage *admin_ss)
{
	if (parse_listen(httpd_cfg.listen, ss) != 0)
		return bad("--listen: ADDR:PORT or [ADDR6]:PORT, not '%s'",
		           httpd_cfg.listen);
	/* Plain HTTP and no authentication: this host's agents only. */
	if (httpd_cfg.admin_listen != NULL &&
	    (parse_listen(httpd_cfg.admin_listen, admin_ss) != 0 ||
	     !is_loopback(admin_ss)))
		return bad(
		    "--admin-listen: a loopback ADDR:PORT (127.0.0.1:8026 "
		    "or [::1]:8026), not '%s'; to scrape from another "
		    "host, forward the port (ssh -L) or proxy it with TLS "
		    "and access control",
		    httpd_cfg.admin_listen);
	return -1;
}

/* What needs the privileges: the key read, the listeners bound; then the
 * drop to --user. 0, or -1 with why on stderr. */
static int
bind_and_drop(struct sockaddr_storage *ss, struct sockaddr_storage *admin_ss,
              int *fd, int *admin_fd)
{
	struct errbuf eb;
	uid_t uid;
	gid_t gid;

	if (!httpd_cfg.no_tls &&
	    httpd_tls_load(httpd_cfg.cert, httpd_cfg.key, &eb) != 0)
		return fprintf(stderr, HTTPD_NAME ": %s\n", eb.msg), -1;
	if (httpd_cfg.user != NULL &&
	    privdrop_lookup(httpd_cfg.user, &uid, &gid, &eb) != 0)
		return fprintf(stderr, HTTPD_NAME ": %s\n", eb.msg), -1;
	if ((*fd = bind_listen(ss)) < 0)
		return fprintf(stderr, HTTPD_NAME ": cannot listen on %s: %s\n",
		               httpd_cfg.listen, strerror(errno)),
		       -1;
	if (httpd_cfg.admin_listen != NULL &&
	    (*admin_fd = bind_listen(admin_ss)) < 0)
		return fprintf(stderr,
		               HTTPD_NAME
		               ": cannot listen on %s (--admin-listen): "
		               "%s\n",
		               httpd_cfg.admin_listen, strerror(errno)),
		       -1;
	if (httpd_cfg.user != NULL && privdrop_to(uid, gid, &eb) != 0)
		return fprintf(stderr, HTTPD_NAME ": %s\n", eb.msg), -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss, admin_ss;
	struct MHD_Daemon *d, *admin = NULL;
	struct store *st;
	struct errbuf eb;
	sigset_t set;
	int ret, fd, admin_fd = -1;

	report_init();
	/* Nothing a parent left open is kept: the daemon holds only what it
	 * opens itself (the listener, the key while reading it, the
	 * database). */
	closefrom(3);
	if ((ret = parse_args(argc, argv)) >= 0)
		return ret;
	if ((ret = check_listen(&ss, &admin_ss)) >= 0)
		return ret;
	httpd_cfg.limits.max_input = httpd_cfg.max_body;
	if (bind_and_drop(&ss, &admin_ss, &fd, &admin_fd) != 0)
		return 1;
	/* A database that cannot be opened, is not one, is damaged, is of
	 * another schema version or cannot be written: refuse to serve. */
	if ((ret = store_open(httpd_cfg.db, STORE_DURABLE | STORE_CHECK,
	                      httpd_cfg.busy_timeout_ms, &st, &eb)) != 0 ||
	    (ret = store_probe_write(st, &eb)) != 0) {
		fprintf(stderr, HTTPD_NAME ": %s\n", eb.msg);
		store_close(st);
		return store_exit_status(ret);
	}
	/* Detach before any thread starts: threads do not survive fork. */
	if (!httpd_cfg.foreground && daemon(0, 0) != 0)
		return fprintf(stderr, HTTPD_NAME ": daemon: %s\n",
		               strerror(errno)),
		       1;
	log_init(HTTPD_NAME, httpd_cfg.foreground);
	/* The signals are taken by sigwait() in serve(), in no thread. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	httpd_rate_init(httpd_cfg.max_rejects);
	MHD_set_panic_func(mhd_panic, NULL);
	if (httpd_commit_start(st, httpd_cfg.commit_batch, &eb) != 0 ||
	    httpd_conn_start(httpd_cfg.request_timeout) != 0 ||
	    (d = start(fd)) == NULL ||
	    (admin_fd >= 0 && (admin = start_admin(admin_fd)) == NULL)) {
		log_warnx("cannot start serving on %s", httpd_cfg.listen);
		return 1;
	}
	log_info("listening on %s%s, database %s", httpd_cfg.listen,
	         httpd_cfg.no_tls ? " (no TLS)" : "", httpd_cfg.db);
	if (admin != NULL)
		log_info("/healthz and /metrics on http://%s only",
		         httpd_cfg.admin_listen);
	serve(d, admin, &set);
	store_close(st);
	httpd_tls_free();
	return 0;
}
