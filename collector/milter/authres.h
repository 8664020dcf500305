/*
 * authres.h - the Authentication-Results header field (RFC 8601 §2.2),
 * parsed into its authserv-id and its results.
 *
 * The milter's --require-dkim rests on this: a result counts only with the
 * properties written in its own resinfo (between two ';'), so a
 * "dkim=pass header.i=@attacker.example" never lends its pass to a
 * "dkim=fail header.d=reporter.example" beside it. Comments (nested, with
 * quoted-pairs) are skipped, quoted strings unquoted. Every size is bounded
 * (limits.h, LIMIT_AUTHRES_*); what passes a bound is an error, never cut
 * short. No allocation, no state: safe on libmilter's threads.
 */
#ifndef TLSRPT_AUTHRES_H
#define TLSRPT_AUTHRES_H

#include <stddef.h>

#include "errbuf.h"
#include "limits.h"

/* A keyword (method, result, ptype.property) and a value. */
#define AUTHRES_NAME_MAX 64

struct authres_prop {
	char name[2 * AUTHRES_NAME_MAX]; /* "header.d", lower case */
	char value[LIMIT_AUTHRES_VALUE]; /* as written, unquoted */
};

struct authres_result {
	char method[AUTHRES_NAME_MAX]; /* "dkim", lower case, no version */
	char result[AUTHRES_NAME_MAX]; /* "pass", lower case */
	struct authres_prop props[LIMIT_AUTHRES_PROPS]; /* reason= too */
	size_t nprops;
};

struct authres {
	char authserv_id[LIMIT_AUTHRES_VALUE];
	struct authres_result results[LIMIT_AUTHRES_RESULTS];
	size_t nresults; /* 0 for "none" */
};

/*
 * Parses one header value (s, len), unfolded or not, into *out. Returns 0,
 * or -1 with eb saying why: a syntax error or a bound passed. On failure
 * out->authserv_id still holds the authserv-id when it could be read (""
 * otherwise), so that a caller can tell whose header it could not read.
 */
int authres_parse(const char *s, size_t len, struct authres *out,
                  struct errbuf *eb);

/* The value of property name ("header.d") of r, or NULL. */
const char *authres_prop(const struct authres_result *r, const char *name);

#endif
