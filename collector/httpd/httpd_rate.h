/*
 * httpd_rate.h - how many rejected inputs tlsrpt-httpd takes from one
 * client address a minute (--max-rejects, collector/core/limits.h). Every
 * rejected input costs a parse and, the first time its bytes come, a
 * quarantine row: a junk flood made 239,632 rows in 15 s. Over the budget
 * a client is answered 429 with Retry-After until its minute is over; its
 * reports are not read.
 */
#ifndef TLSRPT_HTTPD_RATE_H
#define TLSRPT_HTTPD_RATE_H

/* Sets the budget and draws the table's hash key; before serving. */
void httpd_rate_init(unsigned max_rejects);

/* Whether client (an address's text, as client_of writes it) has used its
 * budget this minute. An IPv6 address counts by its /64 however it is
 * written ("2001:db8::1" and "2001:db8:0:0::2" are one client), an
 * IPv4-mapped one as its IPv4 address; text that is no address counts as
 * one client "unknown". */
int httpd_rate_over(const char *client);

/* Counts one rejected input of client. */
void httpd_rate_reject(const char *client);

#endif
