/*
 * log.h - the daemons' log: stderr in the foreground (-f), syslog LOG_MAIL
 * otherwise; one line per event. log_warn adds strerror(errno), log_warnx
 * does not (OpenSMTPD's habit). The core library never logs.
 *
 * On stderr a line is "NAME: text" for information and "NAME: warning:
 * text" for a warning (Postfix's form); when stderr is the journal's
 * stream (systemd's JOURNAL_STREAM), each line also starts with "<6>" or
 * "<4>", which the journal takes as the line's priority and removes.
 * Control characters in a line become '?'.
 */
#ifndef TLSRPT_LOG_H
#define TLSRPT_LOG_H

/* Sets where lines go; call once before the threads start. */
void log_init(const char *name, int foreground);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A command-line error before logging starts: "PROG: message" and a
 * pointer to --help on stderr. Returns 64 (EX_USAGE). */
int log_usage_error(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
