/*
 * cli.h - what the tlsrpt subcommands share: the database path, exit
 * codes, dates on the command line, query options and usage errors.
 */
#ifndef TLSRPT_CLI_H
#define TLSRPT_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <sysexits.h>
#include <time.h>

#include "errbuf.h"
#include "opt.h"
#include "paths.h"
#include "readiness.h"
#include "table.h"
#include "store.h"

/* Exit codes (DESIGN.md "tlsrpt import"; sysexits.h values). */
#define EXIT_REJECTED 1           /* something was rejected */
#define EXIT_USAGE    EX_USAGE    /* 64: bad command line */
#define EXIT_TEMPFAIL EX_TEMPFAIL /* 75: the database could not be written */
/* What trying again will not mend (the man page's EXIT STATUS): */
#define EXIT_NODIR  EX_CANTCREAT /* 73: the database's directory is missing */
#define EXIT_NOPERM EX_NOPERM    /* 77: permission denied, or root refused */
#define EXIT_SCHEMA EX_CONFIG    /* 78: the database is at another version */

/* Options every command takes; set before the command name or after it. */
struct cli {
	const char *db;      /* --db, else $TLSRPT_DB, else DEFAULT_DB */
	int busy_timeout_ms; /* --busy-timeout */
	time_t now;
	int explain; /* --explain: print each query's plan to stderr */
};

/* Resolves the database path from --db, $TLSRPT_DB, the default. */
const char *cli_db_path(const struct cli *c);

/* Prints "tlsrpt CMD: message" and a hint to stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Handles an option common to all commands (--db, --busy-timeout);
 * returns 1 when it was one, 0 when not, -1 on a bad value (after
 * printing why; CLI_OPT_BAD, from cli_getopt, is always one). */
int cli_common_option(struct cli *c, int opt, const char *arg);

/* optnum_getopt, getopt_long without getopt's own messages: an unknown
 * option, a missing value or a value given to an option that takes none
 * is told in one line
 * naming the option, plus the hint to --help (cli_usage_error; cmd NULL
 * for the global options), and returned as CLI_OPT_BAD, which
 * cli_common_option takes as a bad value (exit EXIT_USAGE). */
#define CLI_OPT_BAD 999
int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
               const struct option *longopts);

#define CLI_OPT_DB           1000
#define CLI_OPT_BUSY_TIMEOUT 1001
#define CLI_OPT_EXPLAIN      1002
#define CLI_COMMON_OPTIONS                                                     \
	{"db", required_argument, NULL, CLI_OPT_DB},                           \
	    {"explain", no_argument, NULL, CLI_OPT_EXPLAIN},                   \
	{                                                                      \
		"busy-timeout", required_argument, NULL, CLI_OPT_BUSY_TIMEOUT  \
	}

/* The rows of the options every command takes, for a command's opt
 * table: T is the command's struct and F its struct cli member (copied
 * from the command's struct cli before parsing, and back after, so what
 * was given before the command name stays unless given again). */
#define CLI_COMMON_ROWS(T, F)                                                  \
	OPT_ROW_DB(T, F.db),                                                   \
	    {.name = "explain",                                                \
	     .kind = OPT_FLAG,                                                 \
	     .offset = offsetof(T, F.explain),                                 \
	     .help = "print each query's plan to stderr"},                     \
	    OPT_ROW_BUSY_TIMEOUT(T, F.busy_timeout_ms,                         \
	                         "wait this long for other writers")

/* Reads a --since/--until value: YYYY-MM-DD (UTC), or Nd, Nw, Nm back from
 * now (days, weeks, months). An --until date includes that whole day. */
int cli_parse_when(const char *s, int until, time_t now, int64_t *out,
                   struct errbuf *eb);

/* Query options: --since, --until, --domain (repeatable), --org, --format,
 * --csv-raw, --limit. */
struct query_opts {
	struct store_filter filter;
	const char **domains;
	size_t ndomains;
	enum output_format format;
	int csv_raw; /* --csv-raw: no formula neutralization */
	size_t limit;
	int max_args; /* positional arguments the command takes */
	char **args;  /* out: them */
	int nargs;
	char *details[5]; /* the failure filters' values, normalized */
	/* failures --by: the keys' flags and the order they were given in
	 * (none given: the default, mta,type,mode) */
	unsigned by_keys;
	unsigned char by_order[8];
	size_t nby;
	struct readiness_opts ro; /* readiness --min-days ... */
	const char *empty;        /* the line an empty table shows, or NULL */
};

#define CLI_OPT_SINCE   1100
#define CLI_OPT_UNTIL   1101
#define CLI_OPT_DOMAIN  1102
#define CLI_OPT_ORG     1103
#define CLI_OPT_FORMAT  1104
#define CLI_OPT_LIMIT   1105
#define CLI_OPT_CSV_RAW 1106
#define CLI_QUERY_OPTIONS                                                      \
	{"since", required_argument, NULL, CLI_OPT_SINCE},                     \
	    {"until", required_argument, NULL, CLI_OPT_UNTIL},                 \
	    {"domain", required_argument, NULL, CLI_OPT_DOMAIN},               \
	    {"org", required_argument, NULL, CLI_OPT_ORG},                     \
	    {"format", required_argument, NULL, CLI_OPT_FORMAT},               \
	    {"csv-raw", no_argument, NULL, CLI_OPT_CSV_RAW},                   \
	{                                                                      \
		"limit", required_argument, NULL, CLI_OPT_LIMIT                \
	}

/*
 * The filters on failure details that `failures` and `reports` share, one
 * for each --by key but the domain and organization (--domain, --org) and
 * the day (--since D --until D), so that a row of `failures` names the
 * reports behind it. Commands that take them list CLI_FAILURE_FILTERS
 * among query_parse_args's extra options; query_option sets them. A
 * value of "" or "(none)" matches a detail without that field; --mx is
 * matched as the store keeps hostnames (lower case, no trailing dot),
 * --mta and --ip as it keeps addresses (RFC 5952).
 */
#define CLI_OPT_MODE 1107
#define CLI_OPT_TYPE 1108
#define CLI_OPT_MTA  1109
#define CLI_OPT_MX   1110
#define CLI_OPT_IP   1111
/* The commands' own query options: failures --by, reports --failed,
 * readiness's thresholds. Handled by query_option like the others. */
#define CLI_OPT_BY       1112
#define CLI_OPT_FAILED   1113
#define CLI_OPT_MIN_DAYS 1114
#define CLI_OPT_MIN_ORGS 1115
#define CLI_OPT_MAX_RATE 1116
#define CLI_FAILURE_FILTERS                                                    \
	{"mode", required_argument, NULL, CLI_OPT_MODE},                       \
	    {"type", required_argument, NULL, CLI_OPT_TYPE},                   \
	    {"mta", required_argument, NULL, CLI_OPT_MTA},                     \
	    {"mx", required_argument, NULL, CLI_OPT_MX},                       \
	{                                                                      \
		"ip", required_argument, NULL, CLI_OPT_IP                      \
	}
#define CLI_FAILURE_FILTERS_HELP                                               \
	"  --mode M           only failures under policies of mode M\n"        \
	"                     (testing, enforce, none)\n"                      \
	"  --type T           only result type T (certificate-expired, ...)\n" \
	"  --mta IP           only failures from sending MTA IP\n"             \
	"  --mx HOST          only failures at receiving MX HOST\n"            \
	"  --ip IP            only failures at receiving IP\n"                 \
	"                     ('' or (none): a failure without that field)\n"

/* Sets defaults: everything, table on a terminal and JSON otherwise. */
void query_opts_init(struct query_opts *q);
void query_opts_free(struct query_opts *q);

/* Handles a query option; 1 when it was one, 0 when not, -1 on a bad value
 * (after printing why). */
int query_option(struct query_opts *q, const struct cli *c, const char *cmd,
                 int opt, const char *arg);

/* query_option without printing: 1, 0, or -1 with why in eb (without the
 * option's name: "expected YYYY-MM-DD ..."). now is for 7d, 4w, 12m. */
int query_set(struct query_opts *q, int64_t now, int opt, const char *arg,
              struct errbuf *eb);

/* The code of a query option by its long name ("since": CLI_OPT_SINCE),
 * or 0; and the name of a code, or NULL. For `tlsrpt serve`, whose query
 * parameters are the options' names. */
int query_param_code(const char *name);
const char *query_param_name(int opt);

/*
 * Parses a query command's options: the common and query options, --help
 * (prints help: returns 0), and the command's own extra options (a NULL
 * terminated array, at most QUERY_EXTRA_MAX, whose val is a character
 * below CLI_OPT_DB) handed to take(), which returns 0, or -1 after printing
 * why; CLI_FAILURE_FILTERS may be among them. Returns -1 to go on, else an
 * exit code.
 */
#define QUERY_EXTRA_MAX 8
int query_parse_args(struct cli *c, struct query_opts *q, int argc, char **argv,
                     const char *help, const struct option *extra,
                     int (*take)(void *arg, int opt, const char *optarg),
                     void *arg);

/* A new table for a query's rows, in q's format: JSON and CSV are written
 * to stdout as the rows come (see table_stream). NULL when out of memory. */
struct table;
struct column;
struct table *query_table(const struct query_opts *q, const struct column *cols,
                          size_t n);

/* Prints a filled table in q's format, or the query's error: returns 0, or
 * 1 on failure. */
int query_finish(struct table *t, const struct query_opts *q, int qret,
                 struct errbuf *eb, const char *cmd);

/* How a command opens the database (cli_open). */
enum cli_open_mode {
	CLI_READ,   /* read-only; it must exist (the queries) */
	CLI_WRITE,  /* it must exist (prune, quarantine retry and delete) */
	CLI_CREATE, /* made at the latest version when missing (import) */
	CLI_UPGRADE /* any older version too (upgrade) */
};

/* Opens the database for cmd. On failure prints why, with the fix, and
 * sets *status (left alone on success) to the exit status to return
 * (EXIT_SCHEMA, EXIT_NODIR, EXIT_NOPERM, else 1 for a reader and EXIT_TEMPFAIL
 * for a writer). Run as root, refuses to create or upgrade a database in a
 * directory that belongs to another user (README "Who owns the database"). */
struct store *cli_open(const struct cli *c, const char *cmd,
                       enum cli_open_mode mode, int *status);

/* cli_open(c, cmd, CLI_READ, status). */
struct store *cli_open_for_query(const struct cli *c, const char *cmd,
                                 int *status);

/* The width the table format must fit: $COLUMNS when set, else the
 * terminal's on stdout, else 0 (no limit). */
size_t cli_terminal_width(void);

/* Writes t as YYYY-MM-DDTHH:MM:SSZ. */
void cli_format_time(int64_t t, char *buf, size_t size);

/* The subcommands; argv[0] is the command name. */
int cmd_import(struct cli *c, int argc, char **argv);
int cmd_fetch(struct cli *c, int argc, char **argv);
int cmd_summary(struct cli *c, int argc, char **argv);
int cmd_failures(struct cli *c, int argc, char **argv);
int cmd_readiness(struct cli *c, int argc, char **argv);
int cmd_reports(struct cli *c, int argc, char **argv);
int cmd_show(struct cli *c, int argc, char **argv);
int cmd_prune(struct cli *c, int argc, char **argv);
int cmd_quarantine(struct cli *c, int argc, char **argv);
int cmd_digest(struct cli *c, int argc, char **argv);
int cmd_upgrade(struct cli *c, int argc, char **argv);
int cmd_migrate(struct cli *c, int argc, char **argv);
int cmd_serve(struct cli *c, int argc, char **argv);

#endif
