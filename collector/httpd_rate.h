/*
 * httpd_rate.h - how many rejected inputs tlsrpt-httpd takes from one
 * client address a minute (--max-rejects). Every rejected input costs a
 * parse and, the first time its bytes come, a quarantine row: a junk flood
 * made 239,632 rows in 15 s. Over the budget a client is answered 429 with
 * Retry-After until its minute is over; its reports are not read.
 */
#ifndef TLSRPT_HTTPD_RATE_H
#define TLSRPT_HTTPD_RATE_H

/* --max-rejects: default and bounds, per client address and minute. */
#define RATE_REJECTS     60
#define RATE_REJECTS_MAX 1000000
#define RATE_WINDOW      60 /* seconds */

/* Sets the budget; before serving. */
void rate_init(unsigned max_rejects);

/* Whether client (an address's text) has used its budget this minute. */
int rate_over(const char *client);

/* Counts one rejected input of client. */
void rate_reject(const char *client);

#endif
