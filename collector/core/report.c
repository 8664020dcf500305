/*
 * report.c - RFC 8460 §4.4 report parse and normalize.
 *
 * The JSON text is scanned (report_scan.c), parsed by jansson with
 * JSON_REJECT_DUPLICATES, and walked once into a struct report whose
 * strings live in an arena; the jansson tree is dropped before returning.
 * DESIGN.md "Normalization rules" is the specification of this file: every
 * accepted quirk adds a warning, every rejection names the field.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "arena.h"
#include "limits.h"
#include "report.h"
#include "report_alloc.h"
#include "report_scan.h"
#include "report_time.h"
#include "report_walk.h"

const struct report_loc REPORT_LOC_TOP = {-1, -1, NULL};

/* Writes "policies[1].failure-details[2].key" (or the shorter forms). */
void
report_walk_loc_fmt(char *buf, size_t size, struct report_loc l,
                    const char *key)
{
	/* A top-level key is never NULL in practice, but -O2 cannot see that
	 * every caller with pi < 0 passes one (format-truncation). */
	if (l.pi < 0)
		snprintf(buf, size, "%s", key ? key : "");
	else if (l.fi >= 0)
		snprintf(buf, size, "policies[%ld].failure-details[%ld]%s%s",
		         l.pi, l.fi, key ? "." : "", key ? key : "");
	else
		snprintf(buf, size, "policies[%ld]%s%s%s%s", l.pi,
		         l.sub ? "." : "", l.sub ? l.sub : "", key ? "." : "",
		         key ? key : "");
}

int
report_walk_fail(struct report_walk *w, struct report_loc l, const char *key,
                 const char *what)
{
	char where[128];

	report_walk_loc_fmt(where, sizeof(where), l, key);
	return errbuf_set(w->eb, "%s: %s", where, what);
}

void
report_walk_warn(struct report_walk *w, struct report_loc l, const char *key,
                 const char *what)
{
	char where[128];

	if (w->nwarn == LIMIT_WARNINGS) {
		w->more_warn++;
		return;
	}
	if (key == NULL && l.pi < 0) {
		w->warn[w->nwarn++] = arena_strndup(w->a, what, strlen(what));
	} else {
		report_walk_loc_fmt(where, sizeof(where), l, key);
		w->warn[w->nwarn++] = arena_printf(w->a, "%s: %s", where, what);
	}
}

/* Whether two keys differ only in case, '-' and '_' ("receiving-mx-host-
 * name" for "receiving-mx-hostname", "policy_domain" for "policy-domain"). */
static int
same_letters(const char *a, const char *b)
{
	for (;;) {
		while (*a == '-' || *a == '_')
			a++;
		while (*b == '-' || *b == '_')
			b++;
		if (*a == '\0' || *b == '\0')
			return *a == *b;
		if ((*a | 0x20) != (*b | 0x20))
			return 0;
		a++, b++;
	}
}

void
report_walk_keys(struct report_walk *w, json_t *obj, struct report_loc l,
                 const char *in, const char *const *known)
{
	const char *key, *const *k, *like;
	char what[160], where[96];
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		like = NULL;
		for (k = known; *k != NULL && strcmp(key, *k) != 0; k++)
			if (like == NULL && same_letters(key, *k))
				like = *k;
		if (*k != NULL)
			continue;
		if (like != NULL)
			snprintf(what, sizeof(what),
			         "unknown key, ignored (meant %s?)", like);
		else
			snprintf(what, sizeof(what), "unknown key, ignored");
		if (in != NULL)
			snprintf(where, sizeof(where), "%s.%.60s", in, key);
		else
			snprintf(where, sizeof(where), "%.80s", key);
		report_walk_warn(w, l, where, what);
	}
}

/* Copies a JSON string into the arena; -1 when over the length limit. */
int
report_walk_copy_str(struct report_walk *w, json_t *v, struct report_loc l,
                     const char *key, const char **out)
{
	size_t n = json_string_length(v);

	if (n > LIMIT_STRING_BYTES)
		return report_walk_fail(w, l, key,
		                        "string longer than 4096 bytes");
	*out = arena_strndup(w->a, json_string_value(v), n);
	return *out ? 0 : errbuf_set(w->eb, "out of memory");
}

/* A string member that must be there and not be empty. */
int
report_walk_required_str(struct report_walk *w, json_t *obj,
                         struct report_loc l, const char *key, const char **out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v))
		return report_walk_fail(w, l, key, "missing");
	if (!json_is_string(v))
		return report_walk_fail(w, l, key, "not a string");
	if (json_string_length(v) == 0)
		return report_walk_fail(w, l, key, "empty");
	return report_walk_copy_str(w, v, l, key, out);
}

/* An optional string member: *out is NULL when missing; a value of another
 * type is ignored with a warning. */
int
report_walk_optional_str(struct report_walk *w, json_t *obj,
                         struct report_loc l, const char *key, const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		report_walk_warn(w, l, key, "not a string, ignored");
		return 0;
	}
	return report_walk_copy_str(w, v, l, key, out);
}

/* Reads a session count: an integer 0..2^53; decimal strings and integral
 * reals are accepted with a warning. A missing count is 0 when !required. */
int
report_walk_count(struct report_walk *w, json_t *obj, struct report_loc l,
                  const char *key, int required, int64_t *out)
{
	json_t *v = json_object_get(obj, key);
	double d;
	char *end;
	long long ll;

	*out = 0;
	if (v == NULL) {
		if (required)
			return report_walk_fail(w, l, key, "missing");
		report_walk_warn(w, l, key, "missing, taken as 0");
		return 0;
	}
	if (json_is_integer(v)) {
		ll = json_integer_value(v);
	} else if (json_is_real(v)) {
		d = json_real_value(v);
		if (d < 0)
			return report_walk_fail(w, l, key, "negative");
		/* Bounded before the cast: a double past INT64_MAX does not
		 * convert (C11 6.3.1.4; the fuzzer found 1e30). */
		if (d > (double)LIMIT_SESSION_COUNT)
			return report_walk_fail(w, l, key, "above 2^53");
		if (d != (double)(int64_t)d)
			return report_walk_fail(w, l, key, "fractional");
		ll = (long long)d;
		report_walk_warn(w, l, key, "a count sent as a real number");
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);

		if (json_string_length(v) == 0 || json_string_length(v) > 20 ||
		    strspn(s + (s[0] == '-'), "0123456789") !=
		        json_string_length(v) - (s[0] == '-'))
			return report_walk_fail(w, l, key, "not a number");
		ll = strtoll(s, &end, 10);
		report_walk_warn(w, l, key, "a count sent as a string");
	} else {
		return report_walk_fail(w, l, key, "not a number");
	}
	if (ll < 0)
		return report_walk_fail(w, l, key, "negative");
	if (ll > LIMIT_SESSION_COUNT)
		return report_walk_fail(w, l, key, "above 2^53");
	*out = ll;
	return 0;
}

/* Canonical text of an IP address (RFC 5952 for IPv6); kept as sent with a
 * warning when it is not an address. */
const char *
report_walk_ip(struct report_walk *w, struct report_loc l, const char *key,
               const char *s)
{
	unsigned char bin[16];
	char text[INET6_ADDRSTRLEN];

	if (s == NULL)
		return NULL;
	/* glibc's inet_pton takes IPv4 only in canonical dotted-decimal (no
	 * leading zeros, four parts): what it accepts is already canonical. */
	if (inet_pton(AF_INET, s, bin) == 1)
		return s;
	/* An IPv4-mapped address (RFC 4291 §2.5.5.2) is the IPv4 MTA: one
	 * MTA must not count as two. */
	if (inet_pton(AF_INET6, s, bin) == 1 &&
	    IN6_IS_ADDR_V4MAPPED((struct in6_addr *)bin) &&
	    inet_ntop(AF_INET, bin + 12, text, sizeof(text)) != NULL) {
		report_walk_warn(w, l, key,
		                 "an IPv4-mapped IPv6 address, as IPv4");
		return arena_strndup(w->a, text, strlen(text));
	}
	if (inet_pton(AF_INET6, s, bin) == 1)
		return strcmp(s, inet_ntop(AF_INET6, bin, text, sizeof(text)))
		           ? arena_strndup(w->a, text, strlen(text))
		           : s;
	report_walk_warn(w, l, key, "not an IP address, kept as sent");
	return s;
}

static int
get_time(struct report_walk *w, json_t *range, const char *key, int64_t *out)
{
	static const struct {
		unsigned flag;
		const char *what;
	} quirk[] = {
	    {TIME_NO_ZONE, "no time zone, taken as UTC"},
	    {TIME_FRACTION, "fractional seconds dropped"},
	    {TIME_OFFSET, "numeric offset converted to UTC"},
	    {TIME_BARE_DATE, "a bare date, taken as 00:00:00 UTC"},
	};
	struct report_loc l = REPORT_LOC_TOP;
	char what[160];
	json_t *v = json_object_get(range, key);
	const char *field = strcmp(key, "start-datetime") == 0
	                        ? "date-range.start-datetime"
	                        : "date-range.end-datetime";
	unsigned q;
	size_t i;

	if (v == NULL)
		return report_walk_fail(w, l, field, "missing");
	if (!json_is_string(v))
		return report_walk_fail(w, l, field, "not a string");
	if (report_time_parse(json_string_value(v), json_string_length(v), out,
	                      &q) != 0) {
		snprintf(what, sizeof(what), "cannot read \"%.80s\"",
		         json_string_value(v));
		return report_walk_fail(w, l, field, what);
	}
	for (i = 0; i < sizeof(quirk) / sizeof(quirk[0]); i++)
		if (q & quirk[i].flag)
			report_walk_warn(w, l, field, quirk[i].what);
	return 0;
}

/* RFC 8460 §4.4: the members of the report and of its date-range. */
static const char *const top_keys[] = {"organization-name", "date-range",
                                       "contact-info",      "report-id",
                                       "policies",          NULL};
static const char *const range_keys[] = {"start-datetime", "end-datetime",
                                         NULL};

/* The length of the whitespace character at s (ASCII, U+00A0, U+1680,
 * U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), else 0. The
 * text is valid UTF-8 (report_scan.c). */
static size_t
space_len(const unsigned char *s)
{
	if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		return 1;
	if (s[0] == 0xc2 && s[1] == 0xa0)
		return 2;
	if (s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x80 &&
	    (s[2] <= 0x8a || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)
		return 3;
	if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

/* The identity key of an organization name (see report.h); the name
 * itself when folding changes nothing. */
static const char *
org_key(struct report_walk *w, const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t n = strlen(name), at = 0, k;
	char *key = arena_alloc(w->a, n + 1);
	int gap = 0;

	if (key == NULL)
		return NULL;
	while (*s != '\0') {
		if ((k = space_len(s)) > 0) {
			gap = at > 0;
			s += k;
			continue;
		}
		if (gap)
			key[at++] = ' ';
		gap = 0;
		key[at++] = (char)*s++;
	}
	key[at] = '\0';
	return strcmp(key, name) == 0 ? name : key;
}

static int
walk_header(struct report_walk *w, json_t *root)
{
	struct report *r = w->r;
	json_t *range, *v;

	if (report_walk_required_str(w, root, REPORT_LOC_TOP,
	                             "organization-name", &r->organization) ||
	    report_walk_required_str(w, root, REPORT_LOC_TOP, "report-id",
	                             &r->report_id))
		return -1;
	if ((r->organization_key = org_key(w, r->organization)) == NULL)
		return errbuf_set(w->eb, "out of memory");
	if (r->organization_key[0] == '\0')
		return report_walk_fail(w, REPORT_LOC_TOP, "organization-name",
		                        "only whitespace");
	v = json_object_get(root, "contact-info");
	if (v == NULL)
		report_walk_warn(w, REPORT_LOC_TOP, "contact-info", "missing");
	else if (json_is_null(v))
		report_walk_warn(w, REPORT_LOC_TOP, "contact-info", "null");
	else if (!json_is_string(v))
		report_walk_warn(w, REPORT_LOC_TOP, "contact-info",
		                 "not a string, ignored");
	else if (report_walk_copy_str(w, v, REPORT_LOC_TOP, "contact-info",
	                              &r->contact_info))
		return -1;
	range = json_object_get(root, "date-range");
	if (range == NULL)
		return report_walk_fail(w, REPORT_LOC_TOP, "date-range",
		                        "missing");
	if (!json_is_object(range))
		return report_walk_fail(w, REPORT_LOC_TOP, "date-range",
		                        "not an object");
	if (get_time(w, range, "start-datetime", &r->start_time) ||
	    get_time(w, range, "end-datetime", &r->end_time))
		return -1;
	if (r->end_time < r->start_time)
		return report_walk_fail(w, REPORT_LOC_TOP, "date-range",
		                        "end-datetime before start-datetime");
	/* A range outside 1970 .. 9999, or starting in the future, would
	 * sit in the store where retention by age never reaches it. */
	if (r->start_time < 0 || r->end_time > LIMIT_TIME_MAX)
		return report_walk_fail(w, REPORT_LOC_TOP, "date-range",
		                        "outside the years 1970 to 9999");
	if (r->start_time > (int64_t)time(NULL) + LIMIT_FUTURE_SECONDS)
		return report_walk_fail(w, REPORT_LOC_TOP,
		                        "date-range.start-datetime",
		                        "more than a day in the future");
	report_walk_keys(w, root, REPORT_LOC_TOP, NULL, top_keys);
	report_walk_keys(w, range, REPORT_LOC_TOP, "date-range", range_keys);
	return 0;
}

static int
walk_policies(struct report_walk *w, json_t *root)
{
	json_t *arr = json_object_get(root, "policies");
	struct report *r = w->r;
	size_t i, n;

	if (arr == NULL)
		return report_walk_fail(w, REPORT_LOC_TOP, "policies",
		                        "missing");
	if (!json_is_array(arr))
		return report_walk_fail(w, REPORT_LOC_TOP, "policies",
		                        "not an array");
	n = json_array_size(arr);
	if (n == 0)
		return report_walk_fail(w, REPORT_LOC_TOP, "policies", "empty");
	if (n > LIMIT_POLICIES)
		return report_walk_fail(w, REPORT_LOC_TOP, "policies",
		                        "more than 10000");
	r->policies = arena_array(w->a, n, sizeof(*r->policies));
	if (r->policies == NULL)
		return errbuf_set(w->eb, "out of memory");
	r->npolicies = n;
	for (i = 0; i < n; i++)
		if (report_walk_policy(w, json_array_get(arr, i), (long)i,
		                       &r->policies[i]) != 0)
			return -1;
	return 0;
}

/* LIMIT_REPORT_SESSIONS: what the report claims in all. Each count is at
 * most 2^53 and the running sums stay at most 2^40 before each add, so the
 * sums themselves cannot overflow. */
static int
check_totals(struct report_walk *w)
{
	const struct report *r = w->r;
	int64_t sessions = 0, detailed = 0;
	size_t i, k;

	for (i = 0; i < r->npolicies; i++) {
		const struct report_policy *p = &r->policies[i];
		struct report_loc l = {(long)i, -1, "summary"};

		sessions += p->successful_sessions;
		if (sessions <= LIMIT_REPORT_SESSIONS)
			sessions += p->failed_sessions;
		if (sessions > LIMIT_REPORT_SESSIONS)
			return report_walk_fail(
			    w, l, NULL,
			    "the report's sessions add up to more "
			    "than 2^40");
		for (k = 0; k < p->nfailures; k++) {
			detailed += p->failures[k].failed_sessions;
			if (detailed > LIMIT_REPORT_SESSIONS)
				return report_walk_fail(
				    w,
				    (struct report_loc){(long)i, (long)k, NULL},
				    "failed-session-count",
				    "the report's failure details add up to "
				    "more than 2^40");
		}
	}
	return 0;
}

static void
scan_warnings(struct report_walk *w, unsigned quirks)
{
	if (quirks & SCAN_BOM)
		report_walk_warn(w, REPORT_LOC_TOP, NULL,
		                 "UTF-8 byte order mark removed");
	if (quirks & SCAN_SPACE)
		report_walk_warn(w, REPORT_LOC_TOP, NULL,
		                 "whitespace around the JSON");
	if (quirks & SCAN_CRLF)
		report_walk_warn(w, REPORT_LOC_TOP, NULL, "CRLF line ends");
}

static int
keep_warnings(struct report_walk *w)
{
	struct report *r = w->r;
	size_t n = w->nwarn + (w->more_warn > 0);

	if (n == 0)
		return 0;
	r->warnings = arena_array(w->a, n, sizeof(*r->warnings));
	if (r->warnings == NULL)
		return errbuf_set(w->eb, "out of memory");
	memcpy(r->warnings, w->warn, w->nwarn * sizeof(*w->warn));
	if (w->more_warn > 0)
		r->warnings[w->nwarn] =
		    arena_printf(w->a, "and %zu more warnings", w->more_warn);
	r->nwarnings = n;
	return 0;
}

/* The key of the member that holds the text at pos: the last string
 * before pos that is followed by a colon. Writes "" when there is none. */
static void
key_before(const char *json, size_t pos, char *key, size_t size)
{
	size_t i = pos, end, start;

	key[0] = '\0';
	while (i > 0) {
		i--;
		if (json[i] != ':')
			continue;
		end = i;
		while (end > 0 &&
		       (json[end - 1] == ' ' || json[end - 1] == '\t' ||
		        json[end - 1] == '\r' || json[end - 1] == '\n'))
			end--;
		if (end < 2 || json[end - 1] != '"')
			continue;
		start = end - 1;
		while (start > 0 && json[start - 1] != '"')
			start--;
		if (start == 0)
			return;
		snprintf(key, size, "%.*s", (int)(end - 1 - start),
		         json + start);
		return;
	}
}

/* Finds the number token around pos and overwrites it, in place, with
 * 2^53 + 1 (or -1 when negative) padded with spaces: the walk then rejects
 * it with the field's path, as it does any count above 2^53. */
static int
tame_big_number(char *json, size_t len, size_t pos)
{
	static const char big[] = "9007199254740993";
	size_t start, end;
	int neg;

	if (pos > len)
		return -1;
	start = end = pos;
	while (start > 0 &&
	       ((json[start - 1] >= '0' && json[start - 1] <= '9') ||
	        json[start - 1] == '-'))
		start--;
	while (end < len && json[end] >= '0' && json[end] <= '9')
		end++;
	if (end - start < sizeof(big) - 1)
		return -1;
	neg = json[start] == '-';
	memset(json + start, ' ', end - start);
	if (neg)
		memcpy(json + start, "-1", 2);
	else
		memcpy(json + start, big, sizeof(big) - 1);
	return 0;
}

/* jansson's error, in our words: the field it is about where it can be
 * found, jansson's text otherwise. */
static int
json_error(const char *json, size_t len, const json_error_t *jerr,
           struct errbuf *eb)
{
	char key[80];
	size_t pos = jerr->position > 0 && (size_t)jerr->position <= len
	                 ? (size_t)jerr->position
	                 : 0;

	key_before(json, pos, key, sizeof(key));
	if (strstr(jerr->text, "too big") != NULL)
		return errbuf_set(eb, "%s: above 2^53 (line %d)",
		                  key[0] ? key : "a number", jerr->line);
	if (strstr(jerr->text, "duplicate object key") != NULL)
		return errbuf_set(eb, "duplicate key \"%s\" (line %d)", key,
		                  jerr->line);
	if (strstr(jerr->text, "NUL") != NULL)
		return errbuf_set(eb,
		                  "%s: a NUL character (\\u0000) in a "
		                  "string (line %d)",
		                  key[0] ? key : "a value", jerr->line);
	return errbuf_set(eb, "invalid JSON at line %d column %d: %s",
	                  jerr->line, jerr->column, jerr->text);
}

/* Parses the JSON text. A number too big for jansson's integers is
 * replaced by one the walk rejects by name (at most a few times). */
static int
parse_json(const char *json, size_t len, json_t **root, struct errbuf *eb)
{
	json_error_t jerr;
	char *copy = NULL;
	int tries;

	*root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	for (tries = 0; *root == NULL && tries < 8; tries++) {
		if (strstr(jerr.text, "too big") == NULL)
			break;
		if (copy == NULL && (copy = malloc(len)) != NULL)
			memcpy(copy, json, len);
		if (copy == NULL ||
		    tame_big_number(copy, len, (size_t)jerr.position) != 0)
			break;
		*root = json_loadb(copy, len, JSON_REJECT_DUPLICATES, &jerr);
	}
	if (*root == NULL)
		json_error(copy ? copy : json, len, &jerr, eb);
	free(copy);
	return *root != NULL ? 0 : -1;
}

int
report_parse(const char *json, size_t len, const struct report_hints *hints,
             const char *const *extra_warnings, struct report **out,
             struct errbuf *eb)
{
	struct report_scan sc;
	struct report_walk w;
	json_t *root = NULL;
	int ret = -1;

	*out = NULL;
	memset(&w, 0, sizeof(w));
	w.eb = eb;
	/* Without it jansson's blocks would lack report_alloc's headers. */
	if (!report_alloc_ready())
		return errbuf_set(eb, "report_init() was not called");
	if (report_scan(json, len, &sc, eb) != 0)
		return -1;
	if (sc.begin == sc.end)
		return errbuf_set(eb, "empty report");
	if (json[sc.begin] != '{')
		return errbuf_set(eb, "report is not a JSON object");
	report_alloc_begin();
	if (parse_json(json + sc.begin, sc.end - sc.begin, &root, eb) != 0) {
		report_alloc_end();
		return -1;
	}
	if ((w.a = arena_new()) == NULL ||
	    (w.r = arena_alloc(w.a, sizeof(*w.r))) == NULL) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	w.r->arena = w.a;
	w.long_string_at = sc.long_string_at;
	for (; extra_warnings && *extra_warnings; extra_warnings++)
		report_walk_warn(&w, REPORT_LOC_TOP, NULL, *extra_warnings);
	scan_warnings(&w, sc.quirks);
	if (walk_header(&w, root) || walk_policies(&w, root) ||
	    check_totals(&w) || report_fill_domains(&w, hints) ||
	    report_mark_counting(&w) || keep_warnings(&w))
		goto out;
	if (w.long_string_at != SIZE_MAX) {
		errbuf_set(eb, "a string longer than 4096 bytes at byte %zu",
		           sc.begin + w.long_string_at);
		goto out;
	}
	*out = w.r;
	w.a = NULL;
	ret = 0;
out:
	if (!report_alloc_all_in_region())
		json_decref(root);
	report_alloc_end();
	arena_free(w.a);
	return ret;
}

void
report_free(struct report *r)
{
	if (r != NULL)
		arena_free(r->arena);
}

int64_t
report_policy_sessions(const struct report_policy *p)
{
	return p->successful_sessions + p->failed_sessions;
}

static size_t
text_size(const char *s)
{
	return s ? strlen(s) : 0;
}

size_t
report_stored_size(const struct report *r)
{
	size_t n = LIMIT_STORED_ROW, i, k;

	n += text_size(r->organization) + text_size(r->report_id) +
	     text_size(r->contact_info);
	for (i = 0; i < r->nwarnings; i++)
		n += text_size(r->warnings[i]) + 1;
	for (i = 0; i < r->npolicies; i++) {
		const struct report_policy *p = &r->policies[i];

		n += LIMIT_STORED_ROW + text_size(p->policy_type) +
		     text_size(p->policy_domain) + text_size(p->policy_mode);
		for (k = 0; k < p->nmx_hosts; k++)
			n += text_size(p->mx_hosts[k]) + 1;
		for (k = 0; k < p->nfailures; k++) {
			const struct report_failure *f = &p->failures[k];

			n += LIMIT_STORED_ROW + text_size(f->result_type) +
			     text_size(f->sending_mta_ip) +
			     text_size(f->receiving_mx_hostname) +
			     text_size(f->receiving_mx_helo) +
			     text_size(f->receiving_ip) +
			     text_size(f->additional_information) +
			     text_size(f->failure_reason_code);
		}
	}
	return n;
}
