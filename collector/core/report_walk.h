/*
 * report_walk.h - the state and helpers shared by report.c (the report's
 * header fields) and report_policy.c (its policies); internal to the
 * report module.
 */
#ifndef TLSRPT_REPORT_WALK_H
#define TLSRPT_REPORT_WALK_H

#include <jansson.h>
#include <stdint.h>

#include "arena.h"
#include "limits.h"
#include "report.h"

/* Where in the report a value is: policies[pi].failure-details[fi]. */
struct loc {
	long pi;         /* -1: top level */
	long fi;         /* -1: the policy itself */
	const char *sub; /* "policy", "summary" or NULL */
};

extern const struct loc WALK_TOP;

struct walk {
	struct report *r;
	struct arena *a;
	struct errbuf *eb;
	const char *warn[LIMIT_WARNINGS];
	size_t nwarn;
	size_t more_warn;
	size_t ndetails; /* failure details in all */
	size_t long_string_at;
};

/* Fails with "<where>: <what>"; returns -1. */
int walk_fail(struct walk *w, struct loc l, const char *key, const char *what);

/* Records the warning "<where>: <what>" (or just what, at the top with no
 * key). */
void walk_warn(struct walk *w, struct loc l, const char *key, const char *what);

/* Warns about each member of obj whose key is not in known (NULL-ended),
 * naming its path (l, then `in.` when in is not NULL): a misspelled key
 * leaves its field empty, and the warning says why. */
void walk_keys(struct walk *w, json_t *obj, struct loc l, const char *in,
               const char *const *known);

/* Writes the path of a value into buf. */
void walk_loc_fmt(char *buf, size_t size, struct loc l, const char *key);

int walk_copy_str(struct walk *w, json_t *v, struct loc l, const char *key,
                  const char **out);
int walk_required_str(struct walk *w, json_t *obj, struct loc l,
                      const char *key, const char **out);
int walk_optional_str(struct walk *w, json_t *obj, struct loc l,
                      const char *key, const char **out);
int walk_count(struct walk *w, json_t *obj, struct loc l, const char *key,
               int required, int64_t *out);
/* The stored form of the domain s at (l, key), in A-labels (RFC 8460
 * §4.4); NULL with the reason in w->eb (report_domain.c). */
const char *walk_domain(struct walk *w, struct loc l, const char *key,
                        const char *s);
const char *walk_ip(struct walk *w, struct loc l, const char *key,
                    const char *s);

/* report_policy.c */
int walk_policy(struct walk *w, json_t *obj, long pi, struct report_policy *p);
int fill_domains(struct walk *w, const struct report_hints *hints);
int mark_counting(struct walk *w);

#endif
