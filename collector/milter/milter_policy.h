/*
 * milter_policy.h - the milter's decisions, apart from libmilter so that
 * they can be tested as plain functions: which recipients are the report
 * mailbox, which messages may carry a report, what DKIM said about the
 * submitter, and what to answer the MTA for each outcome.
 */
#ifndef TLSRPT_MILTER_POLICY_H
#define TLSRPT_MILTER_POLICY_H

#include <stddef.h>

/* Returns 1 when the envelope recipient (with or without <>) is one of
 * wanted: compared case-insensitively, a "+detail" in either local part
 * ignored (tls-reports+google@example.com is tls-reports@example.com). */
int milter_rcpt_matches(const char *rcpt, const char *const *wanted,
                        size_t nwanted);

enum milter_candidate {
	CANDIDATE_NO,    /* cannot hold a report: accept at once */
	CANDIDATE_MAYBE, /* a multipart that may hold a report part */
	CANDIDATE_YES,   /* says it is a TLS report */
};

/* Decides from the headers: multipart/report; report-type=tlsrpt, a
 * TLS-Report-Domain header, or a report part's own media type say yes;
 * any other multipart maybe; everything else no. content_type may be
 * NULL (text/plain). */
enum milter_candidate milter_candidate(const char *content_type,
                                       int has_report_domain);

/* The organizational domain of domain (any case, a trailing dot allowed)
 * under the Public Suffix List: "google.com" for "mail.google.com". Into
 * out, lower case. -1 (out "") for an empty name, a single label, a public
 * suffix itself or a name too long: such a submitter never passes. */
int milter_org_domain(const char *domain, char *out, size_t size);

/* The DKIM verdict for the submitter's domain (RFC 8460 §3), from one
 * Authentication-Results header: the topmost whose authserv-id is
 * authserv_id (any topmost one when it is NULL), parsed per RFC 8601
 * (authres.h). "pass" when one of its dkim=pass results has a signing
 * domain (header.d, else header.i's domain) whose organizational domain is
 * the submitter's (Mail.ru signs as corp.mail.ru for mail.ru); else the
 * first dkim result seen, else "none" (with the reason when the header is
 * unreadable). Writes e.g. "pass header.d=google.com" into out. Returns 1
 * for a pass, else 0. */
int milter_dkim(const char *const *auth_results, size_t n,
                const char *authserv_id, const char *domain, char *out,
                size_t size);

/* What the ingest of one message came to. */
struct milter_tally {
	size_t stored, duplicate, rejected, tempfail;
	const char *reason;       /* the first rejection's or tempfail's */
	const char *organization; /* the first stored or duplicate report */
	const char *report_id;
	const char *policy_domain;
	size_t different; /* of the duplicates, those with other content */
};

enum milter_action {
	MILTER_ACCEPT,
	MILTER_DISCARD,
	MILTER_REJECT,
	MILTER_TEMPFAIL,
};

struct milter_options_reply {
	int discard_stored; /* --on-stored discard */
	int reject_invalid; /* --on-invalid reject */
};

struct milter_reply {
	enum milter_action action;
	const char *rcode; /* "451", "550" or NULL */
	const char *xcode; /* "4.3.0", "5.6.0" or NULL */
	char text[256];    /* the SMTP reply text */
	char header[640];  /* X-TLSRPT value; "" for none */
};

/* The text of every 451: the same whatever failed, so that no path or
 * database error reaches the sender (the log has them). */
#define MILTER_TEMPFAIL_TEXT                                                   \
	"TLS report not stored: storage temporarily unavailable, try again "   \
	"later"

/* Maps an outcome to the answer: any tempfail 451 4.3.0 with
 * MILTER_TEMPFAIL_TEXT (the MTA keeps the message and retries); a stored or
 * duplicate report accept (with the X-TLSRPT header) or discard; nothing valid
 * accept with the reason in the header, or 550 5.6.0 with it. */
void milter_reply_for(const struct milter_tally *t,
                      const struct milter_options_reply *o,
                      struct milter_reply *r);

#endif
