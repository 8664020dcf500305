/*
 * optnum.h - reading a number from the command line within bounds, for
 * every binary's limits (limits.h names each one's default and bounds),
 * and the options themselves, as every binary reads them.
 */
#ifndef TLSRPT_OPTNUM_H
#define TLSRPT_OPTNUM_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

/* Reads a decimal integer in [min, max] from s: digits only, nothing after
 * them. Returns 0, or -1 when s is not such a number. */
int optnum_parse(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* getopt_long without getopt's own message, which made two error lines
 * with the binary's: an unknown option, an ambiguous abbreviation, a
 * missing value or a value given to an option that takes none is returned
 * as OPTNUM_BAD with why in msg, naming the option ("unknown option
 * '--bogus'"), for the caller's one line and its hint to --help. Otherwise
 * as getopt_long (a ':' first in shortopts is added). */
#define OPTNUM_BAD 999
int optnum_getopt(int argc, char **argv, const char *shortopts,
                  const struct option *longopts, char *msg, size_t size);

#endif
