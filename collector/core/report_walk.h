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
struct report_loc {
	long pi;         /* -1: top level */
	long fi;         /* -1: the policy itself */
	const char *sub; /* "policy", "summary" or NULL */
};

extern const struct report_loc REPORT_LOC_TOP;

struct report_walk {
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
int report_walk_fail(struct report_walk *w, struct report_loc l,
                     const char *key, const char *what);

/* Records the warning "<where>: <what>" (or just what, at the top with no
 * key). */
void report_walk_warn(struct report_walk *w, struct report_loc l,
                      const char *key, const char *what);

/* Warns about each member of obj whose key is not in known (NULL-ended),
 * naming its path (l, then `in.` when in is not NULL): a misspelled key
 * leaves its field empty, and the warning says why. */
void report_walk_keys(struct report_walk *w, json_t *obj, struct report_loc l,
                      const char *in, const char *const *known);

/* Writes the path of a value into buf. */
void report_walk_loc_fmt(char *buf, size_t size, struct report_loc l,
                         const char *key);

int report_walk_copy_str(struct report_walk *w, json_t *v, struct report_loc l,
                         const char *key, const char **out);
int report_walk_required_str(struct report_walk *w, json_t *obj,
                             struct report_loc l, const char *key,
                             const char **out);
int report_walk_optional_str(struct report_walk *w, json_t *obj,
                             struct report_loc l, const char *key,
                             const char **out);
int report_walk_count(struct report_walk *w, json_t *obj, struct report_loc l,
                      const char *key, int required, int64_t *out);
/* The stored form of the domain s at (l, key), in A-labels (RFC 8460
 * §4.4); NULL with the reason in w->eb (report_domain.c). */
const char *report_walk_domain(struct report_walk *w, struct report_loc l,
                               const char *key, const char *s);
const char *report_walk_ip(struct report_walk *w, struct report_loc l,
                           const char *key, const char *s);

/* report_policy.c */
int report_walk_policy(struct report_walk *w, json_t *obj, long pi,
                       struct report_policy *p);
int report_fill_domains(struct report_walk *w,
                        const struct report_hints *hints);
int report_mark_counting(struct report_walk *w);

#endif
