/*
 * main.c - the tlsrpt command: global options, then a subcommand.
 *
 *	tlsrpt [--db PATH] COMMAND [OPTIONS]
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "limits.h"
#include "report.h"

#ifndef TLSRPT_VERSION
#define TLSRPT_VERSION "0.1.0"
#endif

static const char main_help[] =
    "Usage: tlsrpt [--db PATH] COMMAND [OPTIONS]\n"
    "\n"
    "Collects and analyzes SMTP TLS Reporting (RFC 8460) reports.\n"
    "\n"
    "Commands:\n"
    "  import PATH... | -   import report files, messages, mboxes, Maildirs\n"
    "  fetch URL            the reports in a mailbox on an IMAP server\n"
    "  summary              sessions and failure rate per policy domain\n"
    "  failures [--by KEYS] failed sessions by sending MTA, type, mode, ...\n"
    "  readiness            can each MTA-STS domain move to mode: enforce?\n"
    "  reports              the stored reports, newest first\n"
    "  show KEY             a stored report's JSON\n"
    "  prune --older-than AGE\n"
    "                       delete reports older than AGE (90d, 12m)\n"
    "  quarantine [list|show KEY|delete KEY|retry]\n"
    "                       rejected inputs; parse them again\n"
    "  digest --period P    the day's, week's or month's digest mail\n"
    "  upgrade              migrate the database to this tlsrpt's schema\n"
    "  migrate --from SQLITE_PATH --to PG_URI\n"
    "                       copy an SQLite database into PostgreSQL\n"
    "  serve                a read-only web dashboard and JSON API\n"
    "\n"
    "Options (also accepted after the command):\n"
    "  --db PATH            the database: an SQLite file, or a PostgreSQL\n"
    "                       postgresql:// URI or pg:KEYWORDS (default\n"
    "                       $TLSRPT_DB, else " DEFAULT_DB ")\n"
    "  --busy-timeout MS    wait this long for other writers (default 10000)\n"
    "  --explain            print each query's plan to stderr\n"
    "  -h, --help           this text; 'tlsrpt COMMAND --help' for a command\n"
    "  --version            the version\n";

static const struct {
	const char *name;
	int (*run)(struct cli *, int, char **);
} commands[] = {
    {"import", cmd_import},
    {"fetch", cmd_fetch},
    {"summary", cmd_summary},
    {"failures", cmd_failures},
    {"readiness", cmd_readiness},
    {"reports", cmd_reports},
    {"show", cmd_show},
    {"prune", cmd_prune},
    {"quarantine", cmd_quarantine},
    {"digest", cmd_digest},
    {"upgrade", cmd_upgrade},
    {"migrate", cmd_migrate},
    {"serve", cmd_serve},
};

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    CLI_COMMON_OPTIONS,
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0}};
	struct cli c = {NULL, LIMIT_BUSY_TIMEOUT_MS, time(NULL), 0};
	size_t i;
	int opt, r;

	report_init();
	/* What tlsrpt makes (the database, whose -wal and -shm SQLite gives
	 * its mode; a backup) stays group-writable and is not
	 * world-readable: README "Who owns the database". */
	umask(007);
	/* "+": stop at the command name; its options are its own. */
	while ((opt = cli_getopt(NULL, argc, argv, "+h", opts)) != -1) {
		if (opt == 'h') {
			fputs(main_help, stdout);
			return 0;
		}
		if (opt == 'V') {
			printf("tlsrpt %s\n", TLSRPT_VERSION);
			return 0;
		}
		if ((r = cli_common_option(&c, opt, optarg)) < 0)
			return EXIT_USAGE;
		if (r == 0)
			return cli_usage_error(NULL, "unknown option");
	}
	if (optind == argc)
		return cli_usage_error(NULL, "no command given");
	if (strcmp(argv[optind], "help") == 0) {
		fputs(main_help, stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			return commands[i].run(&c, argc - optind,
			                       argv + optind);
	return cli_usage_error(NULL, "unknown command '%s'", argv[optind]);
}
