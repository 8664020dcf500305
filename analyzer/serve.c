/*
 * serve.c - `tlsrpt serve`: the dashboard's listener. Options from the
 * opt table, the database checked once at start, libmicrohttpd on the
 * --listen address (TLS with --cert/--key, through the receiver's
 * reloadable certificate module), HTTP Basic auth with --auth-file, then
 * the signals: SIGTERM and SIGINT stop, SIGHUP reloads the certificate
 * and the users.
 *
 * SECURITY: see serve.h. The handler answers GET and HEAD only, reads
 * at most LIMIT_SERVE_PARAMS parameters of LIMIT_SERVE_VALUE bytes, and
 * the daemon bounds connections, connections per address and idle time.
 */
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "httpd_tls.h"
#include "serve.h"
#include "store.h"

struct serve_cfg serve_cfg;

static const struct opt_def serve_opts[] = {
    OPT_ROW_DB(struct serve_cfg, db),
    {.name = "listen",
     .kind = OPT_TEXT,
     .arg_name = "ADDR:PORT",
     .offset = offsetof(struct serve_cfg, listen),
     .def_text = "127.0.0.1:8080",
     .help = "the address to listen on ([::1]:8080 for IPv6)"},
    {.name = "cert",
     .kind = OPT_TEXT,
     .arg_name = "FILE",
     .offset = offsetof(struct serve_cfg, cert),
     .help = "serve HTTPS with this PEM certificate (chain)"},
    {.name = "key",
     .kind = OPT_TEXT,
     .arg_name = "FILE",
     .offset = offsetof(struct serve_cfg, key),
     .help = "its PEM private key"},
    {.name = "auth-file",
     .kind = OPT_TEXT,
     .arg_name = "FILE",
     .offset = offsetof(struct serve_cfg, auth_file),
     .help = "ask for HTTP Basic auth: user:HASH lines (needs --cert)"},
    {.name = "hash-password",
     .kind = OPT_FLAG,
     .offset = offsetof(struct serve_cfg, hash_password),
     .help = "read a password on stdin, print its hash for --auth-file"},
    {.name = "connections",
     .kind = OPT_NUM,
     .arg_name = "N",
     .def = LIMIT_SERVE_CONNECTIONS,
     .min = 1,
     .max = LIMIT_SERVE_CONNECTIONS_MAX,
     .offset = offsetof(struct serve_cfg, connections),
     .size = sizeof(unsigned),
     .help = "connections at once"},
    {.name = "timeout",
     .kind = OPT_NUM,
     .arg_name = "SECONDS",
     .def = LIMIT_SERVE_TIMEOUT,
     .min = 1,
     .max = LIMIT_SERVE_TIMEOUT_MAX,
     .offset = offsetof(struct serve_cfg, timeout),
     .size = sizeof(unsigned),
     .help = "an idle connection is closed after"},
    {.name = "threads",
     .kind = OPT_NUM,
     .arg_name = "N",
     .def = LIMIT_SERVE_THREADS,
     .min = 1,
     .max = LIMIT_SERVE_THREADS_MAX,
     .offset = offsetof(struct serve_cfg, threads),
     .size = sizeof(unsigned),
     .help = "requests answered at once"},
    OPT_ROW_BUSY_TIMEOUT(struct serve_cfg, busy_timeout_ms,
                         "wait this long for a writer's lock"),
    OPT_ROW_HELP,
};

static const char serve_help[] =
    "Usage: tlsrpt serve [OPTIONS]\n"
    "\n"
    "A read-only web dashboard and JSON API over the database: the\n"
    "overview (/), a domain (/domain/NAME), failures (/failures?by=KEYS),\n"
    "reports (/reports, /report/KEY) and the quarantine (/quarantine);\n"
    "/api/v1/summary, failures, readiness, reports, report/KEY and\n"
    "quarantine answer what 'tlsrpt COMMAND --format json' prints\n"
    "(?format=csv for CSV). Every page and API call takes the commands'\n"
    "options as query parameters: since, until, domain, org, by, ...\n"
    "The database is opened read-only. Put it behind a reverse proxy, or\n"
    "reach it through an SSH tunnel; see the man page.\n"
    "\n";

/* The security headers of every answer. */
static void
add_headers(struct MHD_Response *resp, const char *type)
{
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, "Content-Security-Policy",
	                        "default-src 'none'; style-src 'self'; "
	                        "img-src 'self' data:");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
}

static enum MHD_Result
answer_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
	    strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result r;

	if (resp == NULL)
		return MHD_NO;
	add_headers(resp, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
		                        "GET, HEAD");
	r = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return r;
}

/* The query's parameters, one at a time (MHD decodes them). */
struct req_params {
	struct serve_req *r;
	const char *names[LIMIT_SERVE_PARAMS];
	size_t n;
	int bad;
};

static enum MHD_Result
on_param(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct req_params *p = cls;

	(void)kind;
	if (p->bad)
		return MHD_NO;
	if (serve_req_add(p->r, key, value) != 0) {
		p->bad = 1;
		return MHD_NO;
	}
	p->names[p->n++] = key;
	return MHD_YES;
}

/* Whether the request carries a user and password of the auth file. */
static int
authorized(struct MHD_Connection *c)
{
	char *pass = NULL, *user;
	int ok;

	if (serve_cfg.auth_file == NULL)
		return 1;
	user = MHD_basic_auth_get_username_password(c, &pass);
	ok = serve_auth_check(user, pass);
	if (pass != NULL)
		explicit_bzero(pass, strlen(pass));
	MHD_free(user);
	MHD_free(pass);
	return ok;
}

/* The answer: kept from before while the database is as it was, else
 * made and kept. 0, or -1 when out of memory. */
static int
answer(const char *url, struct serve_req *r, struct serve_answer *a)
{
	char *key = NULL;
	int ret;

	if (r->error[0] == '\0' &&
	    (key = serve_cache_key(url, r->canon, r->now)) != NULL &&
	    serve_cache_get(key, a)) {
		free(key);
		return 0;
	}
	if ((ret = serve_route(url, r, a)) == 0 && key != NULL &&
	    a->status == 200)
		serve_cache_put(key, a);
	free(key);
	return ret;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
       const char *version, const char *upload, size_t *upload_size,
       void **state)
{
	struct serve_answer a;
	struct MHD_Response *resp;
	struct serve_req *r;
	struct req_params p = {NULL, {0}, 0, 0};
	enum MHD_Result ret;
	int made;

	(void)cls, (void)version, (void)upload;
	if (*state == NULL) { /* the headers: answer when the body is in */
		*state = (void *)1;
		return MHD_YES;
	}
	/* A body (on a GET, or a POST refused below) is read and dropped:
	 * libmicrohttpd queues no answer while a body is coming in, and a
	 * call that neither takes the bytes nor answers closes the
	 * connection unanswered. *state counts the bytes, plus one. */
	if (*upload_size > 0) {
		uintptr_t seen = (uintptr_t)*state - 1 + *upload_size;

		if (seen > LIMIT_SERVE_BODY)
			return MHD_NO;
		*state = (void *)(seen + 1);
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return answer_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		                   "only GET and HEAD: the dashboard reads\n");
	if (!authorized(c)) {
		resp = MHD_create_response_from_buffer(
		    13, (void *)"unauthorized\n", MHD_RESPMEM_PERSISTENT);
		if (resp == NULL)
			return MHD_NO;
		add_headers(resp, "text/plain; charset=utf-8");
		ret = MHD_queue_basic_auth_fail_response(c, "tlsrpt", resp);
		MHD_destroy_response(resp);
		return ret;
	}
	if ((r = malloc(sizeof(*r))) == NULL)
		return MHD_NO;
	serve_req_init(r, (int64_t)time(NULL));
	p.r = r;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, on_param, &p);
	if (!p.bad)
		serve_req_check(r, url, p.names, p.n);
	made = answer(url, r, &a);
	serve_req_free(r);
	free(r);
	if (made != 0)
		return answer_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
		                   "out of memory\n");
	resp = MHD_create_response_from_buffer(a.len, a.body,
	                                       MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(a.body);
		return MHD_NO;
	}
	add_headers(resp, a.type);
	ret = MHD_queue_response(c, a.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* libmicrohttpd's messages can quote a client's bytes: one line, each
 * control character as '?'. */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t i;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	for (i = 0; line[i] != '\0'; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7F)
			line[i] = line[i + 1] == '\0' ? '\0' : '?';
	fprintf(stderr, "tlsrpt serve: libmicrohttpd: %s\n", line);
}

/* --listen ADDR:PORT ([v6]:PORT) as a socket address. */
static int
parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = {0}, *ai = NULL;
	const char *colon = strrchr(s, ':');
	char host[128];
	size_t n;

	if (colon == NULL || (n = (size_t)(colon - s)) >= sizeof(host))
		return -1;
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']')
		snprintf(host, sizeof(host), "%.*s", (int)n - 2, s + 1);
	else
		snprintf(host, sizeof(host), "%.*s", (int)n, s);
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		return -1;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static struct MHD_Daemon *
start(const struct sockaddr_storage *ss)
{
	unsigned flags =
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem tls[] = {
	    {MHD_OPTION_HTTPS_CERT_CALLBACK, 0, (void *)httpd_tls_retrieve},
	    {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITY_DEFAULT},
	    {MHD_OPTION_END, 0, NULL}};

	if (serve_cfg.cert != NULL)
		flags |= MHD_USE_TLS;
	else
		tls[0].option = MHD_OPTION_END;
	if (ss->ss_family == AF_INET6)
		flags |= MHD_USE_DUAL_STACK;
	return MHD_start_daemon(
	    flags, 0, NULL, NULL, handle, NULL, MHD_OPTION_EXTERNAL_LOGGER,
	    mhd_log, NULL, MHD_OPTION_SOCK_ADDR, ss,
	    MHD_OPTION_THREAD_POOL_SIZE, serve_cfg.threads,
	    MHD_OPTION_CONNECTION_LIMIT, serve_cfg.connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, LIMIT_SERVE_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, serve_cfg.timeout, MHD_OPTION_ARRAY,
	    tls, MHD_OPTION_END);
}

/* The certificate and the users, at start and on SIGHUP. */
static int
load(struct errbuf *eb)
{
	if (serve_cfg.cert != NULL &&
	    httpd_tls_load(serve_cfg.cert, serve_cfg.key, eb) != 0)
		return -1;
	if (serve_cfg.auth_file != NULL &&
	    serve_auth_load(serve_cfg.auth_file, eb) != 0)
		return -1;
	return 0;
}

/* Checks what the options say together: 0, or EXIT_USAGE after why. */
static int
check_opts(const struct cli *c)
{
	if ((serve_cfg.cert == NULL) != (serve_cfg.key == NULL))
		return cli_usage_error("serve", "--cert and --key go together");
	if (serve_cfg.auth_file != NULL && serve_cfg.cert == NULL)
		return cli_usage_error("serve",
		                       "--auth-file needs --cert and --key: "
		                       "a password must not cross the network "
		                       "in clear text");
	if (serve_cfg.db == NULL)
		serve_cfg.db = cli_db_path(c);
	return 0;
}

/* The overview of a large database takes seconds to gather: a thread
 * draws the default one (/) ahead of the admin, at start and again when
 * the database has changed, at most once every LIMIT_SERVE_WARM seconds,
 * so that opening the dashboard finds it made (serve_cache.c). */
static pthread_mutex_t warm_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t warm_cond = PTHREAD_COND_INITIALIZER;
static int warm_stop;

static void *
warm(void *arg)
{
	struct serve_answer a;
	struct serve_req *r;
	struct timespec until;

	(void)arg;
	pthread_mutex_lock(&warm_lock);
	while (!warm_stop) {
		pthread_mutex_unlock(&warm_lock);
		if ((r = malloc(sizeof(*r))) != NULL) {
			serve_req_init(r, (int64_t)time(NULL));
			if (answer("/", r, &a) == 0)
				free(a.body);
			serve_req_free(r);
			free(r);
		}
		pthread_mutex_lock(&warm_lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += LIMIT_SERVE_WARM;
		while (!warm_stop && pthread_cond_timedwait(
		                         &warm_cond, &warm_lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&warm_lock);
	return NULL;
}

static void
warm_end(pthread_t t)
{
	pthread_mutex_lock(&warm_lock);
	warm_stop = 1;
	pthread_cond_signal(&warm_cond);
	pthread_mutex_unlock(&warm_lock);
	pthread_join(t, NULL);
}

/* The database must be there and readable now, not at the first
 * request: a wrong --db is said at start. 0, or the exit status after
 * saying why. */
static int
check_db(const struct cli *c)
{
	struct cli cc = *c;
	struct store *st;
	int r = 1;

	cc.db = serve_cfg.db;
	if ((st = cli_open_for_query(&cc, "serve", &r)) == NULL)
		return r;
	store_close(st);
	return 0;
}

/* Waits for a signal: SIGHUP reloads, SIGTERM and SIGINT stop. */
static void
wait_signals(const sigset_t *set)
{
	struct errbuf eb;
	int sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			return;
		if (load(&eb) != 0)
			fprintf(stderr,
			        "tlsrpt serve: SIGHUP: %s; the old ones are "
			        "kept\n",
			        eb.msg);
		else
			fprintf(stderr, "tlsrpt serve: reloaded\n");
	}
}

int
cmd_serve(struct cli *c, int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct MHD_Daemon *d;
	struct errbuf eb = {""};
	pthread_t warmer;
	sigset_t set;
	socklen_t len;
	int r, warming;

	opt_defaults(serve_opts, OPT_COUNT(serve_opts), &serve_cfg);
	serve_cfg.db = c->db;
	serve_cfg.busy_timeout_ms = c->busy_timeout_ms;
	r = opt_parse(serve_opts, OPT_COUNT(serve_opts), &serve_cfg, argc, argv,
	              &eb);
	if (r == OPT_PARSE_HELP) {
		fputs(serve_help, stdout);
		opt_help(serve_opts, OPT_COUNT(serve_opts), stdout);
		return 0;
	}
	if (r != 0)
		return cli_usage_error("serve", "%s", eb.msg);
	if (optind < argc)
		return cli_usage_error("serve", "unexpected argument '%s'",
		                       argv[optind]);
	if (serve_cfg.hash_password)
		return serve_auth_hash_password();
	if ((r = check_opts(c)) != 0)
		return r;
	if (parse_listen(serve_cfg.listen, &ss, &len) != 0)
		return cli_usage_error(
		    "serve",
		    "--listen: expected ADDR:PORT (a numeric "
		    "address), got '%s'",
		    serve_cfg.listen);
	if ((r = check_db(c)) != 0)
		return r;
	if (load(&eb) != 0) {
		fprintf(stderr, "tlsrpt serve: %s\n", eb.msg);
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((d = start(&ss)) == NULL) {
		fprintf(stderr, "tlsrpt serve: cannot listen on %s: %m\n",
		        serve_cfg.listen);
		return 1;
	}
	fprintf(stderr,
	        "tlsrpt serve: listening on %s://%s/ (database %s, "
	        "read-only)\n",
	        serve_cfg.cert ? "https" : "http", serve_cfg.listen,
	        serve_cfg.db);
	warming = pthread_create(&warmer, NULL, warm, NULL) == 0;
	wait_signals(&set);
	MHD_stop_daemon(d);
	if (warming)
		warm_end(warmer);
	httpd_tls_free();
	serve_auth_free();
	serve_cache_free();
	return 0;
}
