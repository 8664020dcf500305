/*
 * optnum.c - bounded numbers and options from the command line (see
 * optnum.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optnum.h"

int
optnum_parse(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* How many long options start with the n bytes of name; *one is the
 * option of that name, else the last that starts so. */
static int
long_matches(const struct option *opts, const char *name, size_t n,
             const struct option **one)
{
	int k = 0;

	*one = NULL;
	for (; opts->name != NULL; opts++) {
		if (strncmp(opts->name, name, n) != 0)
			continue;
		if (opts->name[n] == '\0')
			return *one = opts, 1;
		*one = opts;
		k++;
	}
	return k;
}

int
optnum_getopt(int argc, char **argv, const char *shortopts,
              const struct option *longopts, char *msg, size_t size)
{
	const struct option *o = NULL;
	char sopts[64];
	const char *arg, *eq;
	int opt, plus = shortopts[0] == '+', k = 0;
	size_t n = 0;

	/* ':' first (after a '+'): a missing value returns ':', not '?'. */
	snprintf(sopts, sizeof(sopts), "%s:%s", plus ? "+" : "",
	         shortopts + plus);
	opterr = 0;
	opt = getopt_long(argc, argv, sopts, longopts, NULL);
	if (opt != '?' && opt != ':')
		return opt;
	/* A long option has moved optind past itself (optopt: 0 when it is
	 * unknown, else its val); a short one is known by optopt. */
	arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	if (strncmp(arg, "--", 2) == 0) {
		n = (eq = strchr(arg, '=')) != NULL ? (size_t)(eq - arg)
		                                    : strlen(arg);
		k = long_matches(longopts, arg + 2, n - 2, &o);
	}
	if (optopt == 0 && k > 1)
		snprintf(msg, size, "option '%.*s' is ambiguous", (int)n, arg);
	else if (optopt == 0)
		snprintf(msg, size, "unknown option '%.*s'", (int)n, arg);
	else if (k != 1 || o->val != optopt)
		snprintf(msg, size,
		         opt == ':' ? "option '-%c' needs a value"
		                    : "unknown option '-%c'",
		         optopt);
	else
		snprintf(msg, size,
		         opt == ':' ? "option '--%s' needs a value"
		                    : "option '--%s' takes no value",
		         o->name);
	return OPTNUM_BAD;
}
