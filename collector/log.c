/*
 * log.c - stderr or syslog (see log.h). The configuration is set once
 * before serving and only read afterwards.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static const char *log_name = "tlsrpt";
static int log_foreground = 1;

void
log_init(const char *name, int foreground)
{
	log_name = name;
	log_foreground = foreground;
	if (!foreground)
		openlog(name, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* Control characters become '?': a sender's organization or report-id
 * with a newline in it must not forge a log line of its own. */
static void
defang(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static void
vlog(int pri, const char *fmt, va_list ap, const char *err)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	defang(line);
	if (log_foreground) {
		/* One fprintf: lines of different threads do not mix. */
		fprintf(stderr, "%s: %s%s%s\n", log_name, line, err ? ": " : "",
		        err ? err : "");
		return;
	}
	syslog(pri, "%s%s%s", line, err ? ": " : "", err ? err : "");
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int saved = errno;
	/* GNU strerror_r (_GNU_SOURCE): the message is what it returns, not
	 * always what it leaves in buf. */
	const char *err = strerror_r(saved, buf, sizeof(buf));

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, err);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

int
log_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	return 64;
}
