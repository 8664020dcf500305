/*
 * upgrade.c - `tlsrpt upgrade`: the one command that migrates a database
 * to this tlsrpt's schema (every other program refuses another version).
 *
 * It takes a backup first, by default: an upgrade cannot be undone, the
 * older tlsrpt refuses the upgraded database, so a copy made just before
 * is the only way back to it. VACUUM INTO makes it consistent even with a
 * daemon writing, compacted, in one pass; --no-backup skips it for a
 * database too large to copy (the admin has made one another way).
 */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

static const char upgrade_help[] =
    "Usage: tlsrpt upgrade [--db PATH] [--backup FILE | --no-backup]\n"
    "\n"
    "Brings the database to this tlsrpt's schema version; no other\n"
    "command or daemon does, and every other refuses a database of\n"
    "another version. Stop tlsrpt-milter and tlsrpt-httpd first: one\n"
    "still running answers every report with 451 or 503 until it is\n"
    "restarted. Every step runs in one transaction: the database is at\n"
    "its old version or at the new one, never between.\n"
    "\n"
    "  --backup FILE      where the copy made before the upgrade goes\n"
    "                     (default PATH.vN, N the version it was at; it\n"
    "                     must not exist)\n"
    "  --no-backup        make none\n"
    "  --db PATH          the database (default $TLSRPT_DB, else " DEFAULT_DB
    ")\n"
    "  --busy-timeout MS  wait this long for other writers (default 10000)\n"
    "\n"
    "Exit 0 when upgraded or at the version already, 1 when there is no\n"
    "database, 73 when its directory is missing or the backup exists, 75\n"
    "when it failed (nothing changed), 77 when permission is denied (run\n"
    "as root in the daemons' directory too), 78 when the database is\n"
    "newer than this tlsrpt.\n";

/* Makes the backup; returns 0, or an exit status after saying why. */
static int
backup(struct store *st, const char *path, const char *dest, int from)
{
	char def[4096];
	struct errbuf eb;

	if (dest == NULL) {
		if ((size_t)snprintf(def, sizeof(def), "%s.v%d", path, from) >=
		    sizeof(def))
			return fprintf(stderr,
			               "tlsrpt upgrade: path too long\n"),
			       EXIT_USAGE;
		dest = def;
	}
	if (access(dest, F_OK) == 0) {
		fprintf(stderr,
		        "tlsrpt upgrade: the backup %s exists already; nothing "
		        "changed (remove it, or name another file with "
		        "--backup)\n",
		        dest);
		return EX_CANTCREAT;
	}
	printf("backup of version %d: %s\n", from, dest);
	fflush(stdout);
	if (store_backup(st, dest, &eb) == 0)
		return 0;
	fprintf(stderr,
	        "tlsrpt upgrade: backup: %s; nothing changed (name another "
	        "file with --backup, or make one yourself and give "
	        "--no-backup)\n",
	        eb.msg);
	return EXIT_TEMPFAIL;
}

int
cmd_upgrade(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    CLI_COMMON_OPTIONS,
	    {"backup", required_argument, NULL, 'b'},
	    {"no-backup", no_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	const char *dest = NULL, *path;
	struct store *st;
	struct errbuf eb;
	int opt, r, from, to, no_backup = 0;

	optind = 0; /* 0: GNU getopt starts afresh (main used "+") */
	while ((opt = cli_getopt(argv[0], argc, argv, "h", opts)) != -1) {
		if (opt == 'h')
			return fputs(upgrade_help, stdout), 0;
		if (opt == 'b')
			dest = optarg;
		else if (opt == 'n')
			no_backup = 1;
		else if ((r = cli_common_option(c, opt, optarg)) <= 0)
			return r < 0
			           ? EXIT_USAGE
			           : cli_usage_error(argv[0], "unknown option");
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'",
		                       argv[optind]);
	if (dest != NULL && no_backup)
		return cli_usage_error(argv[0], "--backup or --no-backup, "
		                                "not both");
	path = cli_db_path(c);
	if ((st = cli_open(c, argv[0], CLI_UPGRADE, &r)) == NULL)
		return r;
	from = store_schema_version(st);
	to = store_schema_latest(st);
	if (from == to) {
		store_close(st);
		printf("%s is at schema version %d, this tlsrpt's: nothing to "
		       "do\n",
		       path, to);
		return 0;
	}
	printf("upgrading %s from schema version %d to %d\n", path, from, to);
	if (no_backup && store_is_pgsql(path))
		printf("no backup (--no-backup); one is made, while the "
		       "collectors run, by: pg_dump -Fc -f tlsrpt.v%d.dump "
		       "DBNAME\n",
		       from);
	else if (no_backup)
		printf("no backup (--no-backup); one is made, with the daemons "
		       "stopped, by: sqlite3 %s \".backup %s.v%d\"\n",
		       path, path, from);
	else if ((r = backup(st, path, dest, from)) != 0) {
		store_close(st);
		return r;
	}
	r = store_upgrade(st, &eb);
	store_close(st);
	if (r != 0) {
		fprintf(stderr,
		        "tlsrpt upgrade: %s; nothing changed (still at "
		        "version %d)\n",
		        eb.msg, from);
		return EXIT_TEMPFAIL;
	}
	printf("upgraded %s from schema version %d to %d; now (re)start "
	       "tlsrpt-milter and tlsrpt-httpd\n",
	       path, from, to);
	if (!no_backup)
		printf("to go back to the older tlsrpt: stop the daemons and "
		       "copy the backup over %s\n",
		       path);
	return 0;
}
