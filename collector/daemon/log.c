/*
 * log.c - stderr or syslog (see log.h). The configuration is set once
 * before serving and only read afterwards.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "log.h"

static const char *log_name = "tlsrpt";
static int log_foreground = 1;
static int log_journal; /* stderr is the journal's stream */

/* systemd sets JOURNAL_STREAM to "DEV:INODE" of the stream it connects to
 * stderr (systemd.exec(5)); a line there may start with "<N>", the
 * syslog priority the journal then gives it. */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	       fstat(2, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *name, int foreground)
{
	log_name = name;
	log_foreground = foreground;
	log_journal = foreground && stderr_is_journal();
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
		/* One fprintf: lines of different threads do not mix. The
		 * level as Postfix writes it: a warning says so, information
		 * says nothing. */
		fprintf(stderr, "%s%s: %s%s%s%s\n",
		        log_journal ? (pri == LOG_INFO ? "<6>" : "<4>") : "",
		        log_name, pri == LOG_INFO ? "" : "warning: ", line,
		        err ? ": " : "", err ? err : "");
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
