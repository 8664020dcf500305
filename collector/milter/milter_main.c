/*
 * milter_main.c - tlsrpt-milter's start: options, the socket (bound while
 * privileged), the drop to --user, the database, then libmilter's loop.
 * libmilter stops on SIGTERM, SIGINT and SIGHUP after the sessions in
 * flight; the database is closed after that.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "limits.h"
#include "log.h"
#include "milter.h"
#include "optnum.h"
#include "privdrop.h"
#include "store.h"
#include "report.h"

#define DEFAULT_SOCKET "unix:/run/tlsrpt/milter.sock"
#define DEFAULT_DB     "/var/lib/tlsrpt/tlsrpt.db"

static const char usage[] =
    "Usage: tlsrpt-milter [OPTIONS]\n"
    "\n"
    "A milter for the TLS-RPT report mailbox: every report in a message\n"
    "to it is stored in the tlsrpt database as the message passes.\n"
    "\n"
    "  -p, --socket SOCKET   unix:/path or inet:PORT@HOST\n"
    "                        (default " DEFAULT_SOCKET ");\n"
    "                        for Debian's chrooted Postfix\n"
    "                        unix:/var/spool/postfix/tlsrpt/milter.sock\n"
    "  --db PATH             the database (default $TLSRPT_DB, else\n"
    "                        " DEFAULT_DB ")\n"
    "  --rcpt ADDR           the report mailbox (repeatable; case and\n"
    "                        +detail ignored). Without it, any message\n"
    "                        that carries a TLS report is taken.\n"
    "  --on-stored accept|discard   deliver stored reports with an\n"
    "                        X-TLSRPT header (default), or drop them;\n"
    "                        X-TLSRPT headers a message comes with are\n"
    "                        removed from every message\n"
    "  --on-invalid accept|reject   deliver messages with no valid report\n"
    "                        with the reason (default), or 550 5.6.0\n"
    "  --max-message BYTES   larger messages are invalid, \"too large\"\n"
    "                        (default 10485760; 65536 to 536870912)\n"
    "  --max-decompressed BYTES   a message whose reports inflate to more\n"
    "                        in all is invalid (default 41943040;\n"
    "                        1048576 to 1073741824)\n"
    "  --authserv-id ID      trust the topmost Authentication-Results\n"
    "                        of this host (the MTA must remove inbound\n"
    "                        ones with this id)\n"
    "  --require-dkim        a report needs a passing DKIM signature from\n"
    "                        the submitter's organizational domain (needs\n"
    "                        --authserv-id)\n"
    "  --busy-timeout MS     wait this long for other writers (default\n"
    "                        10000); then 451 4.3.0, the MTA retries\n"
    "  -u, --user USER       drop to USER after binding the socket (the\n"
    "                        socket becomes USER's; a setgid directory's\n"
    "                        group is kept)\n"
    "  -f, --foreground      stay in the foreground, log to stderr\n"
    "                        (otherwise detach and log to syslog, mail)\n"
    "  -h, --help            this text\n";

#define bad(...) log_usage_error(MILTER_NAME, __VA_ARGS__)

/* Returns -1 to go on, else an exit code. */
static int
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"socket", required_argument, NULL, 'p'},
	    {"db", required_argument, NULL, 'd'},
	    {"rcpt", required_argument, NULL, 'r'},
	    {"on-stored", required_argument, NULL, 'S'},
	    {"on-invalid", required_argument, NULL, 'I'},
	    {"max-message", required_argument, NULL, 'm'},
	    {"max-decompressed", required_argument, NULL, 'z'},
	    {"authserv-id", required_argument, NULL, 'a'},
	    {"require-dkim", no_argument, NULL, 'k'},
	    {"busy-timeout", required_argument, NULL, 'b'},
	    {"user", required_argument, NULL, 'u'},
	    {"foreground", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	uint64_t v;
	char msg[256] = "unknown option";
	int opt;

	while ((opt = optnum_getopt(argc, argv, "p:u:fh", opts, msg,
	                            sizeof(msg))) != -1) {
		switch (opt) {
		case 'p':
			milter_cfg.socket = optarg;
			break;
		case 'd':
			milter_cfg.db = optarg;
			break;
		case 'r':
			if (milter_cfg.nrcpt == MAX_RCPT)
				return bad("more than %d --rcpt", MAX_RCPT);
			milter_cfg.rcpt[milter_cfg.nrcpt++] = optarg;
			break;
		case 'S':
			if (strcmp(optarg, "accept") &&
			    strcmp(optarg, "discard"))
				return bad("--on-stored: accept or discard, "
				           "not '%s'",
				           optarg);
			milter_cfg.reply.discard_stored =
			    !strcmp(optarg, "discard");
			break;
		case 'I':
			if (strcmp(optarg, "accept") &&
			    strcmp(optarg, "reject"))
				return bad("--on-invalid: accept or reject, "
				           "not '%s'",
				           optarg);
			milter_cfg.reply.reject_invalid =
			    !strcmp(optarg, "reject");
			break;
		case 'm':
			if (optnum_parse(optarg, LIMIT_MESSAGE_SIZE_MIN,
			                 LIMIT_MESSAGE_SIZE_MAX, &v))
				return bad("--max-message: 65536 to 536870912 "
				           "bytes, not '%s'",
				           optarg);
			milter_cfg.limits.max_input = (size_t)v;
			break;
		case 'z':
			if (optnum_parse(optarg, LIMIT_MESSAGE_INFLATED_MIN,
			                 LIMIT_MESSAGE_INFLATED_MAX, &v))
				return bad("--max-decompressed: 1048576 to "
				           "1073741824 bytes, not '%s'",
				           optarg);
			milter_cfg.limits.max_total = (size_t)v;
			break;
		case 'a':
			milter_cfg.authserv_id = optarg;
			break;
		case 'k':
			milter_cfg.require_dkim = 1;
			break;
		case 'b':
			if (optnum_parse(optarg, 0, LIMIT_BUSY_TIMEOUT_MS_MAX,
			                 &v))
				return bad("--busy-timeout: 0 to 600000 ms, "
				           "not '%s'",
				           optarg);
			milter_cfg.busy_timeout_ms = (int)v;
			break;
		case 'u':
			milter_cfg.user = optarg;
			break;
		case 'f':
			milter_cfg.foreground = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default: /* OPTNUM_BAD: why is in msg */
			return bad("%s", msg);
		}
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	/* Without it any header, the sender's own, would be believed. */
	if (milter_cfg.require_dkim && milter_cfg.authserv_id == NULL)
		return bad("--require-dkim needs --authserv-id");
	return -1;
}

/* The path of a unix socket (libmilter: "unix:", "local:", or no type at
 * all), else NULL. */
static const char *
socket_path(const char *sock)
{
	if (strncmp(sock, "unix:", 5) == 0)
		return sock + 5;
	if (strncmp(sock, "local:", 6) == 0)
		return sock + 6;
	return strchr(sock, ':') == NULL ? sock : NULL;
}

static void
socket_dir(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, size, ".");
	else if (slash == path)
		snprintf(dir, size, "/");
	else
		snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

/* The name of who will own the socket, for the fix in a message. */
static const char *
owner_name(void)
{
	struct passwd *pw;

	if (milter_cfg.user != NULL)
		return milter_cfg.user;
	return (pw = getpwuid(geteuid())) != NULL ? pw->pw_name : "tlsrpt";
}

/*
 * libmilter tells only syslog why it could not make its socket; the
 * reasons an admin meets are looked for here first, each said with the
 * path and the fix (issue 16 §1: a missing /run/tlsrpt was "cannot listen
 * on unix:..." alone). Returns 0 when none is seen, else -1 with the
 * message printed.
 */
static int
socket_check(const char *path)
{
	struct sockaddr_un sun;
	char dir[4096];
	struct stat st;
	int err;

	if (strlen(path) >= sizeof(sun.sun_path))
		return fprintf(stderr,
		               MILTER_NAME ": cannot listen on %s: a unix "
		                           "socket's path has at most %zu "
		                           "bytes; name a shorter one\n",
		               milter_cfg.socket, sizeof(sun.sun_path) - 1),
		       -1;
	socket_dir(path, dir, sizeof(dir));
	if (stat(dir, &st) != 0)
		err = errno;
	else if (!S_ISDIR(st.st_mode))
		err = ENOTDIR;
	else if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0)
		err = errno;
	else if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
		return fprintf(stderr,
		               MILTER_NAME ": cannot listen on %s: %s is there "
		                           "and is not a socket; remove it\n",
		               milter_cfg.socket, path),
		       -1;
	else
		return 0;
	fprintf(stderr,
	        MILTER_NAME ": cannot listen on %s: directory %s: %s; create "
	                    "(or fix) it owned by %s, group the MTA's (postfix "
	                    "for Postfix), mode 2750: install -d -o %s -g "
	                    "postfix -m 2750 %s\n",
	        milter_cfg.socket, dir, strerror(err), owner_name(),
	        owner_name(), dir);
	return -1;
}

/* Binds the socket (a stale unix socket removed) and, with --user, hands
 * it to that user and becomes them. */
static int
bind_and_drop(void)
{
	uid_t uid;
	gid_t gid, sock_gid;
	struct errbuf eb;
	const char *path = socket_path(milter_cfg.socket);
	char dir[4096];
	struct stat st;
	int err;

	if (milter_cfg.user != NULL &&
	    privdrop_lookup(milter_cfg.user, &uid, &gid, &eb) != 0)
		return fprintf(stderr, MILTER_NAME ": %s\n", eb.msg), -1;
	if (smfi_setconn((char *)milter_cfg.socket) == MI_FAILURE ||
	    smfi_register(milter_desc) == MI_FAILURE)
		return fprintf(stderr, MILTER_NAME ": bad socket '%s'\n",
		               milter_cfg.socket),
		       -1;
	if (path != NULL && socket_check(path) != 0)
		return -1;
	umask(007); /* the MTA's group may connect, others not */
	errno = 0;
	if (smfi_opensocket(1) == MI_FAILURE) {
		err = errno;
		return fprintf(
		           stderr,
		           MILTER_NAME ": cannot listen on %s: %s (libmilter "
		                       "logs its reason to syslog, "
		                       "facility mail)\n",
		           milter_cfg.socket, err ? strerror(err) : "failed"),
		       -1;
	}
	if (milter_cfg.user == NULL)
		return 0;
	/* Made by root: the socket becomes USER's. A setgid directory
	 * (/var/spool/postfix/tlsrpt, group postfix) gave it the group the
	 * MTA connects with: that group is kept; elsewhere it takes USER's
	 * group rather than root's. */
	if (path != NULL) {
		socket_dir(path, dir, sizeof(dir));
		sock_gid = stat(dir, &st) == 0 && (st.st_mode & S_ISGID)
		               ? (gid_t)-1
		               : gid;
		if (chown(path, uid, sock_gid) != 0)
			return fprintf(stderr, MILTER_NAME ": chown %s: %s\n",
			               path, strerror(errno)),
			       -1;
	}
	if (privdrop_to(uid, gid, &eb) != 0)
		return fprintf(stderr, MILTER_NAME ": %s\n", eb.msg), -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct errbuf eb;
	int ret;

	report_init();
	/* Nothing a parent left open is kept: only the socket and the
	 * database are held. */
	closefrom(3);
	milter_cfg.socket = DEFAULT_SOCKET;
	milter_cfg.db = getenv("TLSRPT_DB") ? getenv("TLSRPT_DB") : DEFAULT_DB;
	milter_cfg.busy_timeout_ms = LIMIT_BUSY_TIMEOUT_MS;
	ingest_limits_default(&milter_cfg.limits);
	milter_cfg.limits.max_input = LIMIT_MESSAGE_SIZE;
	if ((ret = parse_args(argc, argv)) >= 0)
		return ret;
	if (bind_and_drop() != 0)
		return 1;
	/* A database that cannot be opened, is not one, is damaged, is of
	 * another schema version or cannot be written: refuse to serve. */
	if ((ret = store_open(milter_cfg.db, STORE_DURABLE | STORE_CHECK,
	                      milter_cfg.busy_timeout_ms, &milter_store,
	                      &eb)) != 0 ||
	    (ret = store_probe_write(milter_store, &eb)) != 0) {
		fprintf(stderr, MILTER_NAME ": %s\n", eb.msg);
		store_close(milter_store);
		return store_exit_status(ret);
	}
	if (!milter_cfg.foreground && daemon(0, 0) != 0) {
		fprintf(stderr, MILTER_NAME ": daemon: %s\n", strerror(errno));
		return 1;
	}
	log_init(MILTER_NAME, milter_cfg.foreground);
	log_info("listening on %s, database %s, %zu report address%s",
	         milter_cfg.socket, milter_cfg.db, milter_cfg.nrcpt,
	         milter_cfg.nrcpt == 1 ? "" : "es");
	ret = smfi_main() == MI_SUCCESS ? 0 : 1;
	log_info("stopped");
	store_close(milter_store);
	return ret;
}
