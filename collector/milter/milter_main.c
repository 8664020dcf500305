/*
 * milter_main.c - tlsrpt-milter's start: options, the socket (bound while
 * privileged), the drop to --user, the database, then libmilter's loop.
 * libmilter stops on SIGTERM, SIGINT and SIGHUP after the sessions in
 * flight; the database is closed after that.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon_opts.h"
#include "limits.h"
#include "log.h"
#include "milter.h"
#include "opt.h"
#include "paths.h"
#include "privdrop.h"
#include "store.h"
#include "report.h"

#define DEFAULT_SOCKET "unix:/run/tlsrpt/milter.sock"

static const char usage[] =
    "Usage: tlsrpt-milter [OPTIONS]\n"
    "\n"
    "A milter for the TLS-RPT report mailbox: every report in a message\n"
    "to it is stored in the tlsrpt database as the message passes.\n"
    "\n";

#define C struct milter_config
static const struct opt_def opts[] = {
    {.name = "socket",
     .short_name = 'p',
     .kind = OPT_TEXT,
     .arg_name = "SOCKET",
     .def_text = DEFAULT_SOCKET,
     .offset = offsetof(C, socket),
     .help = "unix:/path or inet:PORT@HOST; for Debian's chrooted Postfix "
             "unix:/var/spool/postfix/tlsrpt/milter.sock"},
    OPT_ROW_DB(C, db),
    {.name = "rcpt",
     .kind = OPT_LIST,
     .arg_name = "ADDR",
     .max = LIMIT_MILTER_RCPT,
     .offset = offsetof(C, rcpt),
     .count_offset = offsetof(C, nrcpt),
     .help = "the report mailbox (case and +detail ignored); without it, "
             "any message that carries a TLS report is taken"},
    {.name = "on-stored",
     .kind = OPT_CHOICE,
     .choices = "accept|discard",
     .offset = offsetof(C, reply.discard_stored),
     .help = "deliver stored reports with an X-TLSRPT header, or drop "
             "them; X-TLSRPT headers a message comes with are removed "
             "from every message"},
    {.name = "on-invalid",
     .kind = OPT_CHOICE,
     .choices = "accept|reject",
     .offset = offsetof(C, reply.reject_invalid),
     .help = "deliver messages with no valid report with the reason, or "
             "550 5.6.0"},
    OPT_ROW_MAX_MESSAGE(C, limits.max_input,
                        "larger messages are invalid, \"too large\""),
    {.name = "max-decompressed",
     .kind = OPT_NUM,
     .arg_name = "BYTES",
     .def = LIMIT_MESSAGE_INFLATED,
     .min = LIMIT_MESSAGE_INFLATED_MIN,
     .max = LIMIT_MESSAGE_INFLATED_MAX,
     .offset = offsetof(C, limits.max_total),
     .size = sizeof(size_t),
     .help = "a message whose reports inflate to more in all is invalid"},
    {.name = "authserv-id",
     .kind = OPT_TEXT,
     .arg_name = "ID",
     .offset = offsetof(C, authserv_id),
     .help = "trust the topmost Authentication-Results of this host (the "
             "MTA must remove inbound ones with this id)"},
    {.name = "require-dkim",
     .kind = OPT_FLAG,
     .offset = offsetof(C, require_dkim),
     .help = "a report needs a passing DKIM signature from the submitter's "
             "organizational domain (needs --authserv-id)"},
    OPT_ROW_BUSY_TIMEOUT(C, busy_timeout_ms,
                         "wait this long for other writers; then 451 "
                         "4.3.0, the MTA retries"),
    {.name = "user",
     .short_name = 'u',
     .kind = OPT_TEXT,
     .arg_name = "USER",
     .offset = offsetof(C, user),
     .help = "drop to USER after binding the socket (the socket becomes "
             "USER's; a setgid directory's group is kept)"},
    {.name = "foreground",
     .short_name = 'f',
     .kind = OPT_FLAG,
     .offset = offsetof(C, foreground),
     .help = "stay in the foreground, log to stderr (otherwise detach and "
             "log to syslog, mail)"},
    OPT_ROW_HELP,
};
#undef C

#define bad(...) log_usage_error(MILTER_NAME, __VA_ARGS__)

/* The defaults, then the options. Returns -1 to go on, else an exit
 * code. */
static int
parse_args(int argc, char **argv)
{
	const struct daemon_args a = {
	    MILTER_NAME,       usage,       opts,
	    OPT_COUNT(opts),   &milter_cfg, &milter_cfg.db,
	    &milter_cfg.limits};
	int r;

	if ((r = daemon_options(&a, argc, argv)) >= 0)
		return r;
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
