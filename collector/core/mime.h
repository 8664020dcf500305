/*
 * mime.h - report parts of a mail message (GMime 3).
 *
 * DESIGN.md "Report parts of a message": a part whose media type names
 * tlsrpt (application/tlsrpt+gzip, +json, application/tlsrpt,
 * application/tlsrpt+x-gzip, any case), or an application/gzip,
 * application/x-gzip, application/json or application/octet-stream part
 * whose file name ends in .json, .gz or .json.gz. Any transfer encoding is
 * decoded. The message headers that matter to a report are returned as
 * hints: TLS-Report-Domain, TLS-Report-Submitter (RFC 8460 §5.3),
 * Authentication-Results, From and Message-ID.
 *
 * GMime is initialized once per process on first use (pthread_once); after
 * that the functions are safe to call from several threads at once.
 */
#ifndef TLSRPT_MIME_H
#define TLSRPT_MIME_H

#include <stddef.h>

#include "errbuf.h"

struct mime_part {
	unsigned char *data; /* decoded content (gzip or JSON bytes) */
	size_t len;
	char *media_type; /* lower case "type/subtype" */
	char *filename;   /* may be NULL */
};

struct mime_message {
	struct mime_part *parts; /* the report parts, in message order */
	size_t nparts;
	char *report_domain;    /* TLS-Report-Domain, or NULL */
	char *report_submitter; /* TLS-Report-Submitter, or NULL */
	char *from;             /* From address (addr-spec), or NULL */
	char *message_id;       /* Message-ID without <>, or NULL */
	char **auth_results;    /* every Authentication-Results header value */
	size_t nauth_results;
	int is_tlsrpt_report; /* multipart/report; report-type=tlsrpt */
};

/*
 * Parses the message (msg, len) and collects its report parts, up to
 * LIMIT_MIME_DEPTH levels of nesting, LIMIT_MIME_PARTS parts and
 * LIMIT_REPORTS_PER_MESSAGE report parts. A message with no report part is
 * not an error: nparts is 0. Fails (eb says why) only when the bytes are not
 * a message at all or a limit is passed. The caller frees *out with
 * mime_message_free().
 */
int mime_report_parts(const void *msg, size_t len, struct mime_message **out,
                      struct errbuf *eb);

/* Frees a parsed message; NULL is accepted. */
void mime_message_free(struct mime_message *m);

/* Returns 1 when a part of this media type (any case) and file name (may be
 * NULL) is a report part by the rule above, else 0. */
int mime_is_report_part(const char *media_type, const char *filename);

/* Whether a parsed message is positively a report message: it holds a
 * part whose media type is application/tlsrpt (or a +suffix of it), or it
 * is multipart/report; report-type=tlsrpt. A .json or .gz attachment alone
 * is someone's file, not a report (issue 15 §3). NULL is not. */
int mime_is_report_message(const struct mime_message *m);

/* Returns 1 when a Content-Type header value is multipart/report with
 * report-type=tlsrpt (any case, quoted or not), else 0. For the milter, which
 * decides from headers before the body arrives. */
int mime_is_tlsrpt_content_type(const char *value);

/* Returns 1 when (buf, len) begins like an RFC 5322 message (a header field
 * or an mbox "From " line), else 0. */
int mime_looks_like_message(const void *buf, size_t len);

#endif
