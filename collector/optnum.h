/*
 * optnum.h - reading a number from the command line within bounds, for
 * every binary's limits (limits.h names each one's default and bounds).
 */
#ifndef TLSRPT_OPTNUM_H
#define TLSRPT_OPTNUM_H

#include <stdint.h>

/* Reads a decimal integer in [min, max] from s: digits only, nothing after
 * them. Returns 0, or -1 when s is not such a number. */
int optnum_parse(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
