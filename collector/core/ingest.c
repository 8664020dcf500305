/*
 * ingest.c - bytes in, outcome out: sniff, inflate, extract, parse, store.
 *
 * The content decides what an input is, never its label or name: gzip
 * magic means a compressed report, a '{' (after an optional BOM and
 * whitespace) a JSON report, a header line a mail message whose report
 * parts are extracted (mime.h). Each report of an input becomes one item;
 * each item is stored (or found a duplicate) or quarantined with its reason,
 * and the whole input is committed at once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gz.h"
#include "hash.h"
#include "ingest.h"
#include "limits.h"
#include "mime.h"
#include "report.h"

struct item {
	struct report *report; /* NULL when rejected */
	unsigned char *raw;    /* bytes as received: stored or quarantined */
	size_t rawlen;
	char *reason; /* why it was rejected, or the store's note on a
	               * duplicate with different content */
	enum ingest_cause cause; /* of a rejection */
	/* Of the report's JSON as inflated: a .json and a .json.gz of one
	 * report are the same content. Set when report is. */
	unsigned char digest[HASH_SHA256_LEN];
	char *warnings; /* the report's warnings, one a line; NULL: none */
};

struct ingest_input {
	struct item *items;
	struct ingest_outcome *outcomes;
	size_t n;
	char *channel, *source, *submitter, *dkim;
	char *tempfail_reason;
	char *kept;  /* outcome strings after ingest_input_compact() */
	size_t held; /* ingest_input_held() */
};

void
ingest_limits_default(struct ingest_limits *l)
{
	l->max_input = LIMIT_INPUT_SIZE;
	l->max_report = LIMIT_REPORT_SIZE;
	l->max_ratio = LIMIT_INFLATE_RATIO;
	l->max_total = LIMIT_MESSAGE_INFLATED;
}

const char *
ingest_status_name(enum ingest_status s)
{
	switch (s) {
	case INGEST_STORED:
		return "stored";
	case INGEST_DUPLICATE:
		return "duplicate";
	case INGEST_REJECTED:
		return "rejected";
	case INGEST_TEMPFAIL:
		return "tempfail";
	}
	return "unknown";
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static unsigned char *
dup_bytes(const void *p, size_t n)
{
	unsigned char *c = malloc(n ? n : 1);

	if (c != NULL && n > 0)
		memcpy(c, p, n);
	return c;
}

/* Counts n more bytes held (ingest_input_held), saturating. */
static void
note_held(struct ingest_input *in, size_t n)
{
	in->held = n > SIZE_MAX - in->held ? SIZE_MAX : in->held + n;
}

/* Adds an item; takes ownership of raw. -1 when out of memory. */
static int
add_item(struct ingest_input *in, unsigned char *raw, size_t rawlen)
{
	struct item *items;

	items = reallocarray(in->items, in->n + 1, sizeof(*items));
	if (items == NULL) {
		free(raw);
		return -1;
	}
	in->items = items;
	memset(&items[in->n], 0, sizeof(items[in->n]));
	items[in->n].raw = raw;
	items[in->n].rawlen = rawlen;
	in->n++;
	note_held(in, rawlen);
	return 0;
}

/* Parses the report bytes of the last item; on failure records the
 * reason (prefixed with where it came from, when given). *json_len (may be
 * NULL) receives the size of the report's JSON as inflated, 0 when the
 * inflate failed. */
static int
parse_item(struct ingest_input *in, const struct ingest_limits *lim,
           const struct report_hints *rh, const char *where, size_t *json_len)
{
	struct item *it = &in->items[in->n - 1];
	const char *extra[2] = {NULL, NULL};
	char *json = NULL;
	size_t jlen;
	unsigned flags = 0;
	struct errbuf eb = {""};
	int ret;

	if (json_len != NULL)
		*json_len = 0;
	if (gz_is_gzip(it->raw, it->rawlen)) {
		if (gz_inflate(it->raw, it->rawlen, lim->max_report,
		               lim->max_ratio, &json, &jlen, &flags,
		               &eb) != 0) {
			note_held(in, lim->max_report);
			goto rejected;
		}
		note_held(in, jlen);
		if (json_len != NULL)
			*json_len = jlen;
		if (flags & GZ_TRAILING_WS)
			extra[0] = "whitespace after the gzip stream";
		ret = report_parse(json, jlen, rh, extra, &it->report, &eb);
		if (ret == 0)
			hash_sha256(json, jlen, it->digest);
		free(json);
	} else {
		if (json_len != NULL)
			*json_len = it->rawlen;
		ret = report_parse((const char *)it->raw, it->rawlen, rh, NULL,
		                   &it->report, &eb);
		if (ret == 0)
			hash_sha256(it->raw, it->rawlen, it->digest);
	}
	/* Issue 15 §2: 95 KB of gzip became 45 MB of rows; what a report
	 * may cost is bounded, not only what it may inflate to. */
	if (ret == 0 &&
	    report_stored_size(it->report) + it->rawlen > LIMIT_REPORT_STORED) {
		errbuf_set(&eb,
		           "policies: the report would take %zu KiB in the "
		           "database, more than %zu KiB",
		           (report_stored_size(it->report) + it->rawlen) / 1024,
		           LIMIT_REPORT_STORED / 1024);
		report_free(it->report);
		it->report = NULL;
		ret = -1;
	}
	if (ret == 0)
		return 0;
rejected:
	if (where != NULL)
		errbuf_prefix(&eb, "%s", where);
	it->cause = INGEST_CAUSE_INVALID;
	it->reason = strdup(eb.msg);
	return it->reason ? 0 : -1;
}

static int
reject(struct ingest_input *in, const void *bytes, size_t len,
       enum ingest_cause cause, const char *reason)
{
	unsigned char *raw = dup_bytes(bytes, len);

	if (raw == NULL || add_item(in, raw, len) != 0)
		return -1;
	in->items[in->n - 1].cause = cause;
	in->items[in->n - 1].reason = strdup(reason);
	return in->items[in->n - 1].reason ? 0 : -1;
}

/* Drops the items from first on: a message over its decompressed total
 * is rejected whole, none of its reports kept. */
static void
drop_items(struct ingest_input *in, size_t first)
{
	while (in->n > first) {
		struct item *it = &in->items[--in->n];

		report_free(it->report);
		free(it->raw);
		free(it->reason);
		free(it->warnings);
	}
}

/* The intake's verdict into v: the hints themselves, or what hints->judge
 * says now that it is needed. The DKIM result it gives is kept for the
 * store. -1 when out of memory. */
static int
take_verdict(struct ingest_input *in, const struct ingest_hints *h,
             struct ingest_hints *v)
{
	*v = *h;
	if (h->judge == NULL)
		return 0;
	h->judge(h->judge_arg, v);
	free(in->dkim);
	in->dkim = NULL;
	return v->dkim != NULL && (in->dkim = strdup(v->dkim)) == NULL ? -1 : 0;
}

/* The intake's verdict on the input, unparsed (hints->reject). */
static int
reject_verdict(struct ingest_input *in, const void *bytes, size_t len,
               const struct ingest_hints *h)
{
	return reject(in, bytes, len,
	              h->reject_cause != INGEST_CAUSE_NONE
	                  ? h->reject_cause
	                  : INGEST_CAUSE_VERDICT,
	              h->reject);
}

/* One item for each report part of a parsed message; takes the parts'
 * data. */
static int
prepare_parts(struct ingest_input *in, struct mime_message *m,
              const void *bytes, size_t len, const struct ingest_hints *h,
              const struct ingest_limits *lim)
{
	char where[160];
	size_t i, first = in->n, total = 0, jlen;

	if (m->nparts == 0)
		return reject(in, bytes, len, INGEST_CAUSE_NO_REPORT,
		              "no report in the message");
	if (in->submitter == NULL && m->report_submitter != NULL &&
	    (in->submitter = strdup(m->report_submitter)) == NULL)
		return -1;
	for (i = 0; i < m->nparts; i++) {
		struct mime_part *p = &m->parts[i];
		struct report_hints rh = {h->report_domain ? h->report_domain
		                                           : m->report_domain,
		                          p->filename};

		snprintf(where, sizeof(where), "attachment %.100s",
		         p->filename ? p->filename : p->media_type);
		if (add_item(in, p->data, p->len) != 0)
			return -1;
		p->data = NULL; /* the item owns it now */
		if (parse_item(in, lim, &rh, where, &jlen) != 0)
			return -1;
		/* Issue 15 §2: each part within its bound, 64 of them took the
		 * milter to 1.46 GB. Checked as each part is read, so at most
		 * one part more than the total is ever held. */
		total += jlen;
		if (lim->max_total > 0 && total > lim->max_total) {
			drop_items(in, first);
			snprintf(where, sizeof(where),
			         INGEST_REASON_TOTAL " %zu bytes",
			         lim->max_total);
			return reject(in, bytes, len, INGEST_CAUSE_TOTAL,
			              where);
		}
	}
	return 0;
}

static int
prepare_message(struct ingest_input *in, const void *bytes, size_t len,
                const struct ingest_hints *h, const struct ingest_limits *lim)
{
	struct mime_message *m = NULL;
	struct errbuf eb = {""};
	int ret;

	if (mime_report_parts(bytes, len, &m, &eb) != 0)
		return reject(in, bytes, len, INGEST_CAUSE_MESSAGE, eb.msg);
	ret = prepare_parts(in, m, bytes, len, h, lim);
	mime_message_free(m);
	return ret;
}

/* hints->report_only: the message is parsed once, to learn whether it is
 * a report message and, when it is, for its reports. With no --rcpt, one
 * that cannot be parsed is someone's mail, not a report (issue 15 §3: an
 * SQL dump of "--" lines was quarantined). */
static int
prepare_report_only(struct ingest_input *in, const void *bytes, size_t len,
                    const struct ingest_hints *h,
                    const struct ingest_limits *lim)
{
	struct mime_message *m = NULL;
	struct errbuf eb = {""};
	struct ingest_hints v;
	int ret;

	/* Over the limit, it cannot be shown to be a report: someone's large
	 * mail (issue 15 §3). Not a report message, it is not judged. */
	if (len > lim->max_input || !mime_looks_like_message(bytes, len) ||
	    mime_report_parts(bytes, len, &m, &eb) != 0 ||
	    !mime_is_report_message(m))
		ret = reject(in, bytes, len, INGEST_CAUSE_NOT_TAKEN,
		             "not a report message");
	else if (take_verdict(in, h, &v) != 0)
		ret = -1;
	else if (v.reject != NULL)
		ret = reject_verdict(in, bytes, len, &v);
	else
		ret = prepare_parts(in, m, bytes, len, h, lim);
	mime_message_free(m);
	return ret;
}

static int
looks_like_json(const unsigned char *p, size_t len)
{
	size_t i = 0;

	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < len &&
	       (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i < len && (p[i] == '{' || p[i] == '[');
}

int
ingest_is_report_bytes(const void *bytes, size_t len)
{
	return gz_is_gzip(bytes, len) || looks_like_json(bytes, len);
}

static int
prepare_bytes(struct ingest_input *in, const void *bytes, size_t len,
              const struct ingest_hints *h, const struct ingest_limits *lim)
{
	struct ingest_hints v;
	char reason[128];

	if (h->report_only)
		return prepare_report_only(in, bytes, len, h, lim);
	/* The intake's verdict first: a message without DKIM that is also too
	 * large must stay a DKIM rejection, which `quarantine retry` leaves
	 * alone (issue 15 §4). */
	if (take_verdict(in, h, &v) != 0)
		return -1;
	if (v.reject != NULL)
		return reject_verdict(in, bytes, len, &v);
	if (len > lim->max_input) {
		snprintf(reason, sizeof(reason),
		         INGEST_REASON_TOO_LARGE
		         ": over the limit of %zu bytes",
		         lim->max_input);
		return reject(in, bytes, len, INGEST_CAUSE_TOO_LARGE, reason);
	}
	if (len == 0)
		return reject(in, bytes, len, INGEST_CAUSE_EMPTY,
		              "empty input");
	if (gz_is_gzip(bytes, len) || looks_like_json(bytes, len)) {
		unsigned char *raw = dup_bytes(bytes, len);
		struct report_hints rh = {h->report_domain, h->file_name};

		if (raw == NULL || add_item(in, raw, len) != 0)
			return -1;
		return parse_item(in, lim, &rh, NULL, NULL);
	}
	if (mime_looks_like_message(bytes, len))
		return prepare_message(in, bytes, len, h, lim);
	return reject(in, bytes, len, INGEST_CAUSE_FORMAT,
	              "not gzip, JSON or a mail message");
}

/* The report's warnings joined by newlines, for the outcome: they outlive
 * the report (ingest_input_compact), so `tlsrpt import -v` can print them
 * after the batch commits. NULL when there are none or out of memory. */
static char *
join_warnings(const struct report *r)
{
	size_t i, len = 0;
	char *s, *at;

	for (i = 0; i < r->nwarnings; i++)
		len += strlen(r->warnings[i]) + 1;
	if (len == 0 || (s = at = malloc(len)) == NULL)
		return NULL;
	for (i = 0; i < r->nwarnings; i++) {
		size_t n = strlen(r->warnings[i]);

		memcpy(at, r->warnings[i], n);
		at[n] = i + 1 < r->nwarnings ? '\n' : '\0';
		at += n + 1;
	}
	return s;
}

static int
fill_outcomes(struct ingest_input *in)
{
	size_t i;

	in->outcomes = calloc(in->n, sizeof(*in->outcomes));
	if (in->outcomes == NULL)
		return -1;
	for (i = 0; i < in->n; i++) {
		struct ingest_outcome *o = &in->outcomes[i];
		const struct report *r = in->items[i].report;

		if (r == NULL) {
			o->status = INGEST_REJECTED;
			o->cause = in->items[i].cause;
			o->reason = in->items[i].reason;
			continue;
		}
		o->status = INGEST_STORED; /* until the store says otherwise */
		o->organization = r->organization;
		o->report_id = r->report_id;
		o->policy_domain = r->policies[0].policy_domain;
		o->nwarnings = r->nwarnings;
		if (r->nwarnings > 0 && (o->warnings = in->items[i].warnings =
		                             join_warnings(r)) == NULL)
			return -1;
	}
	return 0;
}

struct ingest_input *
ingest_prepare(const void *bytes, size_t len, const struct ingest_hints *hints,
               const struct ingest_limits *limits)
{
	static const struct ingest_hints none;
	struct ingest_limits deflim;
	struct ingest_input *in = calloc(1, sizeof(*in));
	const struct ingest_hints *h = hints ? hints : &none;

	if (in == NULL)
		return NULL;
	note_held(in, len);
	if (limits == NULL) {
		ingest_limits_default(&deflim);
		limits = &deflim;
	}
	if ((h->channel && !(in->channel = strdup(h->channel))) ||
	    (h->source && !(in->source = strdup(h->source))) ||
	    (h->submitter && !(in->submitter = strdup(h->submitter))) ||
	    (h->dkim && !(in->dkim = strdup(h->dkim))) ||
	    prepare_bytes(in, bytes, len, h, limits) != 0 ||
	    fill_outcomes(in) != 0) {
		ingest_input_free(in);
		return NULL;
	}
	return in;
}

/* Makes note outcome i's reason: appended to a rejection's reason, else
 * in place of it; out of memory, the reason stays, or fallback. */
static void
keep_note(struct ingest_input *in, size_t i, const char *note,
          const char *fallback)
{
	struct item *it = &in->items[i];
	char *r;

	if (fallback == NULL && it->reason != NULL) {
		if (asprintf(&r, "%s (%s)", it->reason, note) < 0)
			return;
	} else if ((r = strdup(note)) == NULL) {
		in->outcomes[i].reason = it->reason ? it->reason : fallback;
		return;
	}
	free(it->reason);
	it->reason = r;
	in->outcomes[i].reason = r;
}

/* Takes what the store said of report i. A duplicate with different
 * content keeps the store's note (which names the stored report) as its
 * reason; out of memory, a shorter one: it is stored already. */
static void
note_outcome(struct ingest_input *in, size_t i, const struct store_item *si)
{
	struct ingest_outcome *o = &in->outcomes[i];

	o->again = si->again;
	if (si->report == NULL) {
		/* A rejected input: the quarantine may have had no room. */
		if (si->result == STORE_NOT_KEPT)
			keep_note(in, i, si->note, NULL);
		return;
	}
	o->key = si->key;
	switch (si->result) {
	case STORE_STORED:
		o->status = INGEST_STORED;
		return;
	case STORE_REJECTED:
	case STORE_NOT_KEPT:
		o->status = INGEST_REJECTED;
		o->cause = INGEST_CAUSE_STORE;
		keep_note(in, i, si->note, "cannot be stored");
		return;
	}
	o->status = INGEST_DUPLICATE;
	if (si->result != STORE_DIFFERENT)
		return;
	o->different = 1;
	keep_note(in, i, si->note, "duplicate, different content");
}

int
ingest_commit(struct store *st, struct ingest_input *in, int64_t now,
              struct errbuf *eb)
{
	struct store_meta meta = {in->channel, in->source, in->submitter,
	                          in->dkim, now};
	struct store_item *si = calloc(in->n, sizeof(*si));
	struct errbuf local = {""};
	size_t i;
	int ret;

	if (si == NULL)
		return errbuf_set(eb, "out of memory");
	for (i = 0; i < in->n; i++) {
		si[i].report = in->items[i].report;
		si[i].raw = in->items[i].raw;
		si[i].rawlen = in->items[i].rawlen;
		si[i].reason = in->items[i].reason;
		si[i].digest = in->items[i].digest;
	}
	if ((ret = store_put_input(st, si, in->n, &meta, &local)) != 0) {
		free(si);
		free(in->tempfail_reason);
		in->tempfail_reason = dup_or_null(local.msg);
		for (i = 0; i < in->n; i++) {
			in->outcomes[i].status = INGEST_TEMPFAIL;
			in->outcomes[i].cause = INGEST_CAUSE_STORE;
			in->outcomes[i].reason = in->tempfail_reason;
		}
		errbuf_set(eb, "%s", local.msg);
		return ret;
	}
	for (i = 0; i < in->n; i++)
		note_outcome(in, i, &si[i]);
	free(si);
	return 0;
}

struct ingest_input *
ingest(struct store *st, const void *bytes, size_t len,
       const struct ingest_hints *hints, const struct ingest_limits *limits,
       int64_t now)
{
	struct ingest_input *in = ingest_prepare(bytes, len, hints, limits);

	if (in != NULL)
		ingest_commit(st, in, now, NULL);
	return in;
}

static int
begins(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

enum ingest_cause
ingest_reason_cause(const char *reason)
{
	if (reason == NULL)
		return INGEST_CAUSE_NONE;
	if (begins(reason, INGEST_REASON_DKIM))
		return INGEST_CAUSE_DKIM;
	if (begins(reason, INGEST_REASON_TOO_LARGE))
		return INGEST_CAUSE_TOO_LARGE;
	if (begins(reason, INGEST_REASON_TOTAL))
		return INGEST_CAUSE_TOTAL;
	return INGEST_CAUSE_INVALID;
}

const char *
ingest_outcome_name(const struct ingest_outcome *o)
{
	if (o->status == INGEST_DUPLICATE && o->different)
		return "duplicate, different content";
	return ingest_status_name(o->status);
}

size_t
ingest_noutcomes(const struct ingest_input *in)
{
	return in->n;
}

const struct ingest_outcome *
ingest_outcome(const struct ingest_input *in, size_t i)
{
	return i < in->n ? &in->outcomes[i] : NULL;
}

const struct report *
ingest_report(const struct ingest_input *in, size_t i)
{
	return i < in->n ? in->items[i].report : NULL;
}

/* Appends s to the block at *at, returning the copy; NULL stays NULL. */
static const char *
keep(char **at, const char *s)
{
	char *copy = *at;
	size_t n;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	memcpy(copy, s, n);
	*at += n;
	return copy;
}

int
ingest_input_compact(struct ingest_input *in)
{
	size_t i, len = 1;
	char *at;

	for (i = 0; i < in->n; i++) {
		const struct ingest_outcome *o = &in->outcomes[i];

		if (o->organization != NULL)
			len += strlen(o->organization) + strlen(o->report_id) +
			       strlen(o->policy_domain) + 3;
	}
	if ((in->kept = at = malloc(len)) == NULL)
		return -1;
	for (i = 0; i < in->n; i++) {
		struct ingest_outcome *o = &in->outcomes[i];

		o->organization = keep(&at, o->organization);
		o->report_id = keep(&at, o->report_id);
		o->policy_domain = keep(&at, o->policy_domain);
		report_free(in->items[i].report);
		in->items[i].report = NULL;
		free(in->items[i].raw);
		in->items[i].raw = NULL;
	}
	return 0;
}

size_t
ingest_input_held(const struct ingest_input *in)
{
	return in->held;
}

void
ingest_input_free(struct ingest_input *in)
{
	size_t i;

	if (in == NULL)
		return;
	for (i = 0; i < in->n; i++) {
		report_free(in->items[i].report);
		free(in->items[i].raw);
		free(in->items[i].reason);
		free(in->items[i].warnings);
	}
	free(in->items);
	free(in->outcomes);
	free(in->channel);
	free(in->source);
	free(in->submitter);
	free(in->dkim);
	free(in->tempfail_reason);
	free(in->kept);
	free(in);
}
