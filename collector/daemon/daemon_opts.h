/*
 * daemon_opts.h - what both daemons do with their command line before the
 * checks of their own.
 */
#ifndef TLSRPT_DAEMON_OPTS_H
#define TLSRPT_DAEMON_OPTS_H

#include <stddef.h>

#include "ingest.h"
#include "opt.h"

struct daemon_args {
	const char *name;  /* the program, for its messages */
	const char *usage; /* the text before the options in --help */
	const struct opt_def *opts;
	size_t nopts;
	void *cfg;                    /* where the rows put their values */
	const char **db;              /* the database's path in cfg */
	struct ingest_limits *limits; /* the intake limits in cfg */
};

/* The defaults (the intake limits', the rows', the database from
 * $TLSRPT_DB else DEFAULT_DB), then the options; --help prints the usage
 * and the rows. Returns -1 to go on, else an exit code: 0 after --help,
 * 64 after an error said on stderr. */
int daemon_options(const struct daemon_args *a, int argc, char **argv);

#endif
