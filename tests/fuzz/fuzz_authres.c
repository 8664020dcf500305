/*
 * fuzz_authres.c - libFuzzer target: the milter's Authentication-Results
 * parser (collector/milter/authres.c), on which --require-dkim rests.
 *
 * Any bytes as a header value: the parser ends, reads nothing outside
 * (pointer, length) (the input is copied to a buffer of exactly its size,
 * with no NUL after it, so that AddressSanitizer sees an overread), and
 * what it returns holds: each string NUL-terminated within its field,
 * counts within their bounds, every result with a method and a result,
 * and a failure leaves no result behind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_string(const char *s, size_t size)
{
	if (memchr(s, '\0', size) == NULL)
		abort();
}

static void
check(const struct authres *a)
{
	size_t i, j;

	check_string(a->authserv_id, sizeof(a->authserv_id));
	if (a->nresults > LIMIT_AUTHRES_RESULTS)
		abort();
	for (i = 0; i < a->nresults; i++) {
		const struct authres_result *r = &a->results[i];

		check_string(r->method, sizeof(r->method));
		check_string(r->result, sizeof(r->result));
		if (r->method[0] == '\0' || r->result[0] == '\0' ||
		    r->nprops > LIMIT_AUTHRES_PROPS)
			abort();
		for (j = 0; j < r->nprops; j++) {
			check_string(r->props[j].name,
			             sizeof(r->props[j].name));
			check_string(r->props[j].value,
			             sizeof(r->props[j].value));
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct authres a;
	char *copy = malloc(size ? size : 1);
	struct errbuf eb;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (authres_parse(copy, size, &a, &eb) == 0) {
		if (a.authserv_id[0] == '\0')
			abort();
		check(&a);
	} else if (a.nresults != 0) {
		abort();
	} else {
		check_string(a.authserv_id, sizeof(a.authserv_id));
	}
	free(copy);
	return 0;
}
