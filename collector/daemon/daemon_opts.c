/*
 * daemon_opts.c - the start of both daemons' option parsing: one place for
 * the order of their defaults, the table's parse, --help and operands.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon_opts.h"
#include "log.h"
#include "paths.h"

int
daemon_options(const struct daemon_args *a, int argc, char **argv)
{
	struct errbuf eb = {""};
	const char *env = getenv("TLSRPT_DB");
	int r;

	ingest_limits_default(a->limits);
	opt_defaults(a->opts, a->nopts, a->cfg);
	*a->db = env != NULL ? env : DEFAULT_DB;
	if ((r = opt_parse(a->opts, a->nopts, a->cfg, argc, argv, &eb)) < 0)
		return log_usage_error(a->name, "%s", eb.msg);
	if (r == OPT_PARSE_HELP) {
		fputs(a->usage, stdout);
		opt_help(a->opts, a->nopts, stdout);
		return 0;
	}
	if (optind < argc)
		return log_usage_error(a->name, "unexpected argument '%s'",
		                       argv[optind]);
	return -1;
}
