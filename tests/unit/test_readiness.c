/*
 * test_readiness.c - readiness_mx_match, the MTA-STS "mx:" pattern match
 * behind the readiness verdicts, against RFC 8461 §4.1: a pattern is a
 * host name, or "*." and a name where the wildcard stands for exactly one
 * leftmost label; names compare without case (DNS names are
 * case-insensitive, RFC 4343) and, as the contract says, without a
 * trailing dot.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "readiness.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct mx_case {
	const char *name, *pattern, *host;
	int match;
} mx_cases[] = {
    /* exact names */
    {"exact", "mx1.example.com", "mx1.example.com", 1},
    {"exact, another host", "mx1.example.com", "mx2.example.com", 0},
    {"exact, the parent", "mx1.example.com", "example.com", 0},
    {"exact, a child", "example.com", "mx1.example.com", 0},
    {"exact, a prefix of the host", "mx1.example.co", "mx1.example.com", 0},
    {"exact, the host a prefix", "mx1.example.com", "mx1.example.co", 0},
    /* case */
    {"case of the pattern", "MX1.Example.COM", "mx1.example.com", 1},
    {"case of the host", "mx1.example.com", "Mx1.EXAMPLE.com", 1},
    /* trailing dots */
    {"pattern's trailing dot", "mx1.example.com.", "mx1.example.com", 1},
    {"host's trailing dot", "mx1.example.com", "mx1.example.com.", 1},
    {"both trailing dots", "mx1.example.com.", "mx1.example.com.", 1},
    /* RFC 8461 §4.1: "*.example.com" is one more label, only one */
    {"wildcard, one label", "*.example.com", "mx1.example.com", 1},
    {"wildcard, the bare domain", "*.example.com", "example.com", 0},
    {"wildcard, two labels", "*.example.com", "a.b.example.com", 0},
    {"wildcard, an empty label", "*.example.com", ".example.com", 0},
    {"wildcard, another domain", "*.example.com", "mx1.example.org", 0},
    {"wildcard, a longer label", "*.example.com", "mx1.xexample.com", 0},
    {"wildcard, case", "*.EXAMPLE.com", "MX1.example.COM", 1},
    {"wildcard, host's trailing dot", "*.example.com", "mx1.example.com.", 1},
    {"wildcard, pattern's trailing dot", "*.example.com.", "mx1.example.com",
     1},
    /* a "*" anywhere else is no wildcard */
    {"inner star", "mx.*.example.com", "mx.a.example.com", 0},
    {"star without a dot", "*example.com", "mx1example.com", 0},
};

static void
test_mx_case(void **state)
{
	const struct mx_case *c = *state;

	if (readiness_mx_match(c->pattern, c->host) != c->match)
		fail_msg("readiness_mx_match(\"%s\", \"%s\") != %d", c->pattern,
		         c->host, c->match);
}

int
main(void)
{
	struct tu_tests l = {0};

	TU_TESTS_ROWS(&l, mx_cases, NELEM(mx_cases), name, test_mx_case, NULL,
	              NULL);
	return tu_tests_run(&l, "readiness");
}
