/*
 * fuzz_inflate.c - libFuzzer target: the bounded inflate (collector/core/gz.c).
 *
 * Any bytes: gz_inflate either fails with a reason, or returns at most
 * max_out bytes, NUL-terminated, within the ratio bound. The limits are
 * small here so that the fuzzer reaches them often.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gz.h"
#include "limits.h"

#define MAX_OUT   (2u << 20) /* above the ratio floor (1 MiB) */
#define MAX_RATIO 100u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errbuf eb = {""};
	char *out = NULL;
	size_t outlen = 0;
	unsigned flags = 0;

	if (gz_inflate(data, size, MAX_OUT, MAX_RATIO, &out, &outlen, &flags,
	               &eb) != 0) {
		if (eb.msg[0] == '\0' || out != NULL)
			abort(); /* a failure says why and leaves nothing */
		return 0;
	}
	if (out == NULL || outlen > MAX_OUT || out[outlen] != '\0')
		abort();
	if (outlen > LIMIT_INFLATE_RATIO_FLOOR &&
	    outlen / (size ? size : 1) > MAX_RATIO)
		abort();
	if (!gz_is_gzip(data, size))
		abort(); /* inflated what is not gzip */
	free(out);
	return 0;
}
