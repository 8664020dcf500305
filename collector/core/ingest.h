/*
 * ingest.h - the one path every intake takes: bytes in, outcome out.
 *
 * The milter, the HTTPS receiver and `tlsrpt import` all hand the bytes
 * they received, with what they know about them (the hints), to this
 * module. It sniffs the bytes (gzip, JSON or a mail message; the label is
 * never trusted), inflates within bounds, extracts report parts from
 * messages, parses and normalizes each report, and stores the result:
 * reports deduplicated, rejected inputs quarantined with their reason.
 *
 * Work is split in two so that parsing can run on other threads than
 * writing: ingest_prepare() is pure (no store, thread-safe) and
 * ingest_commit() writes. ingest() does both. Nothing here logs or exits.
 */
#ifndef TLSRPT_INGEST_H
#define TLSRPT_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"
#include "store.h"

enum ingest_status {
	INGEST_STORED,
	INGEST_DUPLICATE,
	INGEST_REJECTED,
	INGEST_TEMPFAIL,
};

/* Why an input (or one report of it) was not stored, as a code beside the
 * reason text: callers decide by the code, never by the words. */
enum ingest_cause {
	INGEST_CAUSE_NONE,      /* stored or duplicate */
	INGEST_CAUSE_NOT_TAKEN, /* report_only: not positively a report
	                         * message; nothing to commit */
	INGEST_CAUSE_VERDICT,   /* the intake's own verdict (hints->reject) */
	INGEST_CAUSE_DKIM,      /* the intake's verdict: no passing DKIM */
	INGEST_CAUSE_TOO_LARGE, /* over max_input */
	INGEST_CAUSE_EMPTY,
	INGEST_CAUSE_FORMAT,    /* not gzip, JSON or a mail message */
	INGEST_CAUSE_MESSAGE,   /* a mail message that cannot be parsed */
	INGEST_CAUSE_NO_REPORT, /* a mail message with no report part */
	INGEST_CAUSE_TOTAL,     /* a message's reports over max_total */
	INGEST_CAUSE_INVALID,   /* a report that cannot be inflated or parsed,
	                         * or would be too large stored */
	INGEST_CAUSE_STORE,     /* the store could not keep it */
};

struct ingest_hints;

/* The intake's verdict, given when ingest asks for it (ingest_hints.judge):
 * sets h->dkim and, when the input is invalid already, h->reject and
 * h->reject_cause. The strings must outlive ingest_prepare(). */
typedef void ingest_judge_fn(void *arg, struct ingest_hints *h);

/* What the intake knows about the bytes. Every field may be NULL. */
struct ingest_hints {
	const char *channel;       /* "import", "milter", "https" */
	const char *source;        /* path, client address, queue id */
	const char *media_type;    /* Content-Type as labelled */
	const char *submitter;     /* envelope sender or TLS-Report-Submitter */
	const char *dkim;          /* DKIM result, when the intake knows it */
	const char *report_domain; /* TLS-Report-Domain, when known */
	/* The file the bytes were read from: a bare report's RFC 8460 §5.3
	 * name gives the policy domain of last resort. */
	const char *file_name;
	/* The intake has judged the input invalid already (e.g. no passing
	 * DKIM signature): it is quarantined with this reason, unparsed. */
	const char *reject;
	/* What kind of verdict reject is: INGEST_CAUSE_DKIM, or
	 * INGEST_CAUSE_NONE for INGEST_CAUSE_VERDICT. */
	enum ingest_cause reject_cause;
	/* Take the input only when it is a mail message that positively
	 * holds a report (multipart/report; report-type=tlsrpt, or a part of
	 * a tlsrpt media type): anything else, however large or broken, is
	 * one outcome with INGEST_CAUSE_NOT_TAKEN, parsed once and not to be
	 * committed. Checked before reject. For the milter without --rcpt,
	 * which must not quarantine someone's mail. */
	int report_only;
	/* The verdict (dkim, reject, reject_cause) asked for only when it is
	 * needed: with report_only, once the input is known to be a report
	 * message, so that no one's other mail is judged; else first, before
	 * anything is parsed. Called at most once, with a copy of these
	 * hints. NULL: the fields above are the verdict. */
	ingest_judge_fn *judge;
	void *judge_arg;
};

/* How the reasons of INGEST_CAUSE_DKIM, INGEST_CAUSE_TOO_LARGE and
 * INGEST_CAUSE_TOTAL begin. The quarantine keeps the reason text only;
 * ingest_reason_cause() reads the cause back from it. */
#define INGEST_REASON_DKIM      "no passing DKIM signature"
#define INGEST_REASON_TOO_LARGE "too large"
#define INGEST_REASON_TOTAL     "decompressed total over"

struct ingest_limits {
	size_t max_input;   /* LIMIT_INPUT_SIZE */
	size_t max_report;  /* LIMIT_REPORT_SIZE */
	unsigned max_ratio; /* LIMIT_INFLATE_RATIO */
	size_t max_total;   /* LIMIT_MESSAGE_INFLATED: a message's reports */
};

/* Fills limits with the defaults of limits.h. */
void ingest_limits_default(struct ingest_limits *l);

/* The outcome for one report (or one rejected input) of an input. */
struct ingest_outcome {
	enum ingest_status status;
	enum ingest_cause cause;  /* rejected and tempfail: why, as a code */
	const char *reason;       /* rejected and tempfail: why */
	const char *organization; /* stored and duplicate; else NULL */
	const char *report_id;
	const char *policy_domain; /* first policy's domain */
	size_t nwarnings;
	const char *warnings; /* their text, one a line; NULL when none */
	/* INGEST_DUPLICATE: the identity was stored with other content; the
	 * bytes were quarantined, and reason says so, naming the stored
	 * report's key. */
	int different;
	int64_t key; /* stored and duplicate: the stored report's number */
	/* INGEST_REJECTED: the same bytes were in the quarantine already,
	 * rejected before (a cron import of the same mailbox). */
	int again;
};

/* Whether bytes are one report as RFC 8460 §5.4 posts it (gzip, or JSON
 * by its first character), not a mail message or anything else: what the
 * HTTPS receiver takes. Looks at the first bytes only. */
int ingest_is_report_bytes(const void *bytes, size_t len);

/* The reports of one input (a message may hold several). */
struct ingest_input;

/*
 * Parses (bytes, len) without touching any store. Never fails: a rejected
 * input yields one outcome with INGEST_REJECTED and the reason; a message
 * yields one outcome per report part. Returns NULL only when out of memory.
 * The bytes are copied where they must be kept; the caller frees the result
 * with ingest_input_free().
 */
struct ingest_input *ingest_prepare(const void *bytes, size_t len,
                                    const struct ingest_hints *hints,
                                    const struct ingest_limits *limits);

/*
 * Stores a prepared input all-or-nothing. Returns 0 when it is stored
 * (its outcomes say stored, duplicate or rejected-and-quarantined), -1 on a
 * storage failure (STORE_E_SCHEMA when the schema was upgraded since the
 * store was opened): then nothing of it is kept, every outcome becomes
 * INGEST_TEMPFAIL with the reason, and eb holds it too.
 */
int ingest_commit(struct store *st, struct ingest_input *in, int64_t now,
                  struct errbuf *eb);

/* ingest_prepare() then ingest_commit(); NULL only when out of memory. */
struct ingest_input *ingest(struct store *st, const void *bytes, size_t len,
                            const struct ingest_hints *hints,
                            const struct ingest_limits *limits, int64_t now);

size_t ingest_noutcomes(const struct ingest_input *in);
const struct ingest_outcome *ingest_outcome(const struct ingest_input *in,
                                            size_t i);

/* The parsed report behind outcome i (NULL for rejections), valid until
 * ingest_input_free(). */
const struct report *ingest_report(const struct ingest_input *in, size_t i);

/* Drops the parsed reports and the bytes of an input, keeping its
 * outcomes (their strings are copied): for a caller that holds many
 * written inputs until a later COMMIT. ingest_report() returns NULL after
 * it. -1 when out of memory (the input is unchanged). */
int ingest_input_compact(struct ingest_input *in);

/* At most how many bytes the input held while it was prepared: the bytes
 * as given, each copy kept of them or of a part, and each report as
 * inflated, an inflate that failed counted at max_report (it may have got
 * that far). An estimate for a caller that gives memory back to the system
 * only after a large input (the milter's malloc_trim). */
size_t ingest_input_held(const struct ingest_input *in);

/* Frees an input; NULL is accepted. */
void ingest_input_free(struct ingest_input *in);

/* The cause of a reason this module wrote, read back from a quarantined
 * input's text: INGEST_CAUSE_DKIM, INGEST_CAUSE_TOO_LARGE or
 * INGEST_CAUSE_TOTAL by how it begins, else INGEST_CAUSE_INVALID (the
 * causes a new parse decides again need no code). */
enum ingest_cause ingest_reason_cause(const char *reason);

/* Returns a short name for a status: "stored", "duplicate", ... */
const char *ingest_status_name(enum ingest_status s);

/* The name of an outcome, for a person: its status's, but "duplicate,
 * different content" for a duplicate whose content differs. */
const char *ingest_outcome_name(const struct ingest_outcome *o);

#endif
