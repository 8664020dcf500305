/*
 * optnum.c - bounded numbers from the command line (see optnum.h).
 */
#include <errno.h>
#include <stdlib.h>

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
