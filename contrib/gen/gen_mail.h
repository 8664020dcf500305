/*
 * gen_mail.h - report messages (RFC 8460 §5.3) as each sender writes them:
 * header order and folding, the multipart/report boundary, the text part,
 * the base64 report part; and the mboxrd record of a message.
 */
#ifndef TLSRPT_GEN_MAIL_H
#define TLSRPT_GEN_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "gen_buf.h"
#include "gen_model.h"

/* What goes into a message besides the model. */
struct gen_mail_parts {
	const char *nl;    /* line ending: "\r\n" (eml) or "\n" */
	const char *fname; /* attachment name */
	const unsigned char *att;
	size_t attlen;
	int gz; /* the attachment is gzipped */
	int64_t date;
};

/* Replaces b's contents with a complete RFC 5322 message carrying the
 * report. Draws from m's random stream (boundary, Message-ID). */
void gen_mail_build(struct gen_buf *b, struct gen_model *m,
                    const struct gen_mail_parts *mp);

/* Replaces r's contents with msg as one mbox record, mboxrd style: a
 * "From " separator line dated `date`, ">" added to every line that
 * matches /^>*From /, and an empty line after. */
void gen_mail_mbox(struct gen_buf *r, const struct gen_model *m,
                   const struct gen_buf *msg, int64_t date);

#endif
