/*
 * httpd_conn.h - request deadlines for tlsrpt-httpd. libmicrohttpd's
 * timeout counts idle time only, so a client that sends a byte every few
 * seconds would hold its connection for ever (slowloris). This module gives
 * every connection a deadline: the TLS handshake and the request line
 * within --request-timeout of the connection's opening (or of the previous
 * reply on a kept-alive connection), and the headers and body within
 * --request-timeout of the request line. A reaper thread shuts down the
 * socket of a connection past its deadline.
 */
#ifndef TLSRPT_HTTPD_CONN_H
#define TLSRPT_HTTPD_CONN_H

#include <microhttpd.h>

/* Starts the reaper; seconds is the deadline. -1 if it cannot start. */
int httpd_conn_start(unsigned seconds);
void httpd_conn_stop(void);

/* MHD_OPTION_NOTIFY_CONNECTION: tracks connections as they open and close. */
void httpd_conn_notify(void *cls, struct MHD_Connection *c,
                       void **socket_context,
                       enum MHD_ConnectionNotificationCode code);

/* MHD_OPTION_URI_LOG_CALLBACK: a request line has arrived. Returns NULL
 * (the request's context is made by the access handler). */
void *httpd_conn_request_line(void *cls, const char *uri,
                              struct MHD_Connection *c);

/* Whether the request line's URI held an escaped NUL ("%00"), which the
 * unescaped path no longer shows. */
int httpd_conn_nul_in_uri(struct MHD_Connection *c);

/* The request is read whole: no deadline while the server works on it
 * (a commit waiting for the database is not a slow client). */
void httpd_conn_request_read(struct MHD_Connection *c);

/* A reply is complete: the connection may wait for its next request,
 * within the deadline from now (MHD_OPTION_NOTIFY_COMPLETED). */
void httpd_conn_request_done(struct MHD_Connection *c);

/* Connections cut off at their deadline so far. */
unsigned long httpd_conn_cut_off(void);

#endif
