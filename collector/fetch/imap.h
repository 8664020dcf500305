/*
 * imap.h - a report mailbox over IMAP, through libcurl: what `tlsrpt
 * fetch` asks of it. The mailbox's UIDVALIDITY, the UIDs above a mark,
 * their sizes and flags, one message's bytes, \Seen put back, messages
 * moved to another mailbox. One connection, which libcurl keeps open from
 * one command to the next; the commands a URL cannot say (STATUS, UID
 * SEARCH, UID STORE, UID MOVE, CREATE, NOOP) go as libcurl's custom
 * requests, their untagged answers read back here.
 *
 * Nothing here logs, prints or exits: every failure returns one of the
 * IMAP_E_* codes with eb saying why, in the server's words where it
 * answered. Credentials are never put in eb.
 */
#ifndef TLSRPT_IMAP_H
#define TLSRPT_IMAP_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

/* Failures, by what the caller does about them. */
#define IMAP_E_AGAIN -1 /* connection refused, lost or timed out: later */
#define IMAP_E_LOGIN -2 /* the server refused the credentials */
/* No TLS to be had as asked: the certificate not verified, or an imap://
 * server without STARTTLS (and no --no-tls). */
#define IMAP_E_TLS -3
/* The server refused a command (NO or BAD): a mailbox missing, a
 * command it does not know. */
#define IMAP_E_SERVER -4
#define IMAP_E_URL    -5 /* the URL is no IMAP mailbox URL as we take it */
/* A message larger than the caller's max (imap_fetch): its size was
 * under it when listed. */
#define IMAP_E_SIZE -6

struct imap_cfg {
	/* imaps://[USER@]HOST[:PORT]/MAILBOX or imap://...; the mailbox's
	 * name as IMAP spells it, percent-encoded where a URL needs it. */
	const char *url;
	const char *password; /* or NULL */
	/* An OAuth2 access token, or NULL; sent with sasl (XOAUTH2 or
	 * OAUTHBEARER). */
	const char *bearer;
	const char *sasl;
	const char *ca_file; /* a CA to trust instead of the system's */
	int no_tls;          /* imap:// in plain text (loopback tests) */
	/* CLOCK_MONOTONIC milliseconds at which every command stops
	 * (IMAP_E_AGAIN); 0 for none. */
	int64_t deadline_ms;
};

struct imap_msg {
	uint32_t uid;
	uint64_t size; /* RFC822.SIZE */
	int seen;      /* \Seen was set before we read it */
};

struct imap;

/* Checks the URL and readies a connection (none is made yet). *out is
 * closed with imap_close(). IMAP_E_URL with eb saying why. */
int imap_open(const struct imap_cfg *cfg, struct imap **out, struct errbuf *eb);

/* The mailbox's URL without credentials: the name its progress is kept
 * under, and the start of each message's name ("URL;UID=n"). */
const char *imap_name(const struct imap *im);

/* The mailbox's name, decoded from the URL ("INBOX"). */
const char *imap_mailbox(const struct imap *im);

/* Logs in (the first command does) and reads the mailbox's UIDVALIDITY
 * and UIDNEXT (STATUS). */
int imap_status(struct imap *im, uint32_t *uidvalidity, uint32_t *uidnext,
                struct errbuf *eb);

/* The UIDs of the mailbox above after and below next (the UIDNEXT of
 * imap_status), ascending (UID SEARCH), only those of messages received
 * on or after since (an IMAP date, "1-Jan-2026") when not NULL. *uids is
 * freed by the caller. */
int imap_search(struct imap *im, uint32_t after, uint32_t next,
                const char *since, uint32_t **uids, size_t *n,
                struct errbuf *eb);

/* The size and \Seen of each of the n messages uids (UID FETCH of
 * RFC822.SIZE and FLAGS), into out[i] in the same order; a message gone
 * meanwhile has uid 0 there. */
int imap_sizes(struct imap *im, const uint32_t *uids, size_t n,
               struct imap_msg *out, struct errbuf *eb);

/* One message's bytes (UID FETCH BODY[]: the server sets \Seen, which
 * imap_unseen takes back), at most max of them (else IMAP_E_SIZE).
 * *bytes is freed by the caller. IMAP_E_SERVER when the message is gone. */
int imap_fetch(struct imap *im, uint32_t uid, size_t max, unsigned char **bytes,
               size_t *len, struct errbuf *eb);

/* Clears \Seen on the n messages (UID STORE -FLAGS.SILENT). */
int imap_unseen(struct imap *im, const uint32_t *uids, size_t n,
                struct errbuf *eb);

/* Makes mailbox unless it exists (CREATE; ALREADYEXISTS is no failure). */
int imap_create(struct imap *im, const char *mailbox, struct errbuf *eb);

/* Moves the n messages to mailbox: UID MOVE (RFC 6851), else, where the
 * server does not know MOVE, UID COPY, \Deleted and UID EXPUNGE (RFC
 * 4315) of those messages alone. */
int imap_move(struct imap *im, const uint32_t *uids, size_t n,
              const char *mailbox, struct errbuf *eb);

/* NOOP: keeps a long run's connection alive between batches. */
int imap_noop(struct imap *im, struct errbuf *eb);

/* Logs out and frees; NULL is accepted. */
void imap_close(struct imap *im);

#endif
