/*
 * opt.h - command-line options as rows of one table, as Postfix's
 * CONFIG_*_TABLEs are: each row names an option, its kind, its default,
 * its bounds, where in the caller's configuration struct its value goes,
 * and its help line. One parser, one defaults function and one help
 * printer read the rows, so a bound is written once (limits.h) and the
 * help and the error messages say it from there.
 *
 * The core never prints: errors come back in a struct errbuf, naming the
 * option and, for a number, its range; the help is written to the FILE
 * the caller gives.
 */
#ifndef TLSRPT_OPT_H
#define TLSRPT_OPT_H

#include <getopt.h> /* optind */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "errbuf.h"
#include "limits.h"
#include "paths.h"

enum opt_kind {
	OPT_FLAG,    /* no value; sets an int to 1 */
	OPT_TEXT,    /* a const char * (argv's string); with choices, one of
	                them (the string kept) */
	OPT_NUM,     /* a decimal in [min, max] into an integer of size
	                (sizeof int, unsigned or size_t); def its default */
	OPT_CHOICE,  /* one of choices ("accept|discard"): its index into an
	                int; def the index of the default */
	OPT_LIST,    /* repeatable: each value appended to an array of const
	                char * at offset, its count (a size_t) at count_offset,
	                at most max values */
	OPT_CUSTOM,  /* the value handed to take() */
	OPT_HELP,    /* --help: opt_parse returns OPT_PARSE_HELP */
	OPT_SECTION, /* no option: help is a heading in the help text */
};

struct opt_def {
	const char *name; /* the long name, without "--" */
	int short_name;   /* 'p' for -p, else 0 */
	enum opt_kind kind;
	const char *arg_name; /* "BYTES"; its lower case is the unit in
	                         messages ("65536 to 536870912 bytes"), but
	                         "N" has none */
	uint64_t def, min, max;
	const char *choices;  /* OPT_CHOICE, OPT_TEXT: "a|b" */
	size_t offset;        /* where the value goes in the caller's struct */
	size_t size;          /* OPT_NUM: the size of the integer there */
	const char *help;     /* one line; the printer wraps it and appends
	                         "(default D; MIN to MAX)" */
	const char *alias;    /* an older name also taken, or NULL */
	const char *def_text; /* OPT_TEXT: the default string; OPT_NUM: how
	                         the default is said in the help (when def
	                         is not a number to show, as "none") */
	size_t count_offset;  /* OPT_LIST: the size_t count */
	/* OPT_CUSTOM takes the value; OPT_TEXT and OPT_LIST check it first.
	 * Returns 0, or -1 with why in eb (the option's name is prefixed). */
	int (*take)(void *cfg, const char *arg, struct errbuf *eb);
};

/* The rows one binary needs at most, aliases counted. */
#define OPT_MAX 64

/* The number of rows of a table (an array). */
#define OPT_COUNT(t) (sizeof(t) / sizeof((t)[0]))

/* Stores every row's default into cfg: NUM and CHOICE their def, TEXT its
 * def_text, FLAG 0, LIST a count of 0. */
void opt_defaults(const struct opt_def *defs, size_t n, void *cfg);

/*
 * Parses argv[1..] (GNU getopt_long, restarted: argv[0] is the program
 * or command) into cfg by the rows. Returns 0 when the options are done
 * (optind is the first operand), OPT_PARSE_HELP when --help was given
 * (nothing after it read), or -1 with why in eb: an unknown option, a
 * missing value, a number out of its range, a choice not among the
 * choices, a list over its count, what take() refused.
 */
#define OPT_PARSE_HELP 1
int opt_parse(const struct opt_def *defs, size_t n, void *cfg, int argc,
              char **argv, struct errbuf *eb);

/* Writes the help of the rows to f, one entry a row: "  -s, --name ARG"
 * then the help line wrapped, with the default and bounds of NUM rows and
 * the alias of a renamed one. */
void opt_help(const struct opt_def *defs, size_t n, FILE *f);

/*
 * Rows that more than one binary has, so the same limit has the same name,
 * bounds and help everywhere. T is the caller's struct, F the member.
 */
#define OPT_ROW_BUSY_TIMEOUT(T, F, HELP)                                       \
	{                                                                      \
		.name = "busy-timeout", .kind = OPT_NUM, .arg_name = "MS",     \
		.def = LIMIT_BUSY_TIMEOUT_MS, .min = 0,                        \
		.max = LIMIT_BUSY_TIMEOUT_MS_MAX, .offset = offsetof(T, F),    \
		.size = sizeof(((T *)0)->F), .help = HELP                      \
	}
#define OPT_ROW_MAX_REPORT_SIZE(T, F)                                          \
	{                                                                      \
		.name = "max-report-size", .kind = OPT_NUM,                    \
		.arg_name = "BYTES", .def = LIMIT_REPORT_SIZE,                 \
		.min = LIMIT_REPORT_SIZE_MIN, .max = LIMIT_REPORT_SIZE_MAX,    \
		.offset = offsetof(T, F), .size = sizeof(((T *)0)->F),         \
		.help = "largest decompressed report", .alias = "max-report"   \
	}
#define OPT_ROW_MAX_RATIO(T, F)                                                \
	{                                                                      \
		.name = "max-ratio", .kind = OPT_NUM, .arg_name = "N",         \
		.def = LIMIT_INFLATE_RATIO, .min = LIMIT_INFLATE_RATIO_MIN,    \
		.max = LIMIT_INFLATE_RATIO_MAX, .offset = offsetof(T, F),      \
		.size = sizeof(((T *)0)->F),                                   \
		.help = "decompression ratio taken as a bomb"                  \
	}
#define OPT_ROW_MAX_MESSAGE(T, F, HELP)                                        \
	{                                                                      \
		.name = "max-message", .kind = OPT_NUM, .arg_name = "BYTES",   \
		.def = LIMIT_MESSAGE_SIZE, .min = LIMIT_MESSAGE_SIZE_MIN,      \
		.max = LIMIT_MESSAGE_SIZE_MAX, .offset = offsetof(T, F),       \
		.size = sizeof(((T *)0)->F), .help = HELP                      \
	}
#define OPT_ROW_DB(T, F)                                                       \
	{                                                                      \
		.name = "db", .kind = OPT_TEXT, .arg_name = "PATH",            \
		.offset = offsetof(T, F),                                      \
		.help = "the database: a file, or postgresql://... (default "  \
		        "$TLSRPT_DB, else " DEFAULT_DB ")"                     \
	}
#define OPT_ROW_HELP                                                           \
	{                                                                      \
		.name = "help", .short_name = 'h', .kind = OPT_HELP,           \
		.help = "this text"                                            \
	}

#endif
