/*
 * digest_cmd.c - `tlsrpt digest`: the options, then gather, render and
 * write the message; the exit status tells cron's alerting what it says.
 */
#include <glib.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "digest.h"

#define EXIT_ALERT 3 /* --alert-rate: a rate above it, or something new */

static const char digest_help[] =
    "Usage: tlsrpt digest --period day|week|month [OPTIONS]\n"
    "\n"
    "Writes the TLS report digest of the last complete period before now\n"
    "(a UTC day, a Monday-to-Sunday week, a calendar month), compared with\n"
    "the period before it, as one mail message on stdout, ready for\n"
    "'| sendmail -t': what is new in the failures, each domain with its\n"
    "failure rate and readiness, the top failures, reporters that fell\n"
    "silent, and a chart of the daily failure rate.\n"
    "\n"
    "  --period P         day, week or month (required)\n"
    "  --at DATE          the period before DATE (YYYY-MM-DD), not now\n"
    "  --to ADDR          a recipient (repeatable; default root@HOST)\n"
    "  --from ADDR        the sender (default tlsrpt@HOST)\n"
    "  --subject-prefix T text before the subject (default '[tlsrpt]')\n"
    "  --domain D         only this policy domain (repeatable)\n"
    "  --only-on-change   print nothing when nothing changed (a new\n"
    "                     sending MTA alone is no change; no reports is)\n"
    "  --alert-rate X     exit 3 when a domain's failure rate is above X\n"
    "                     (a fraction: 0.01 is 1%) or something is new\n"
    "  --db PATH          the database: an SQLite file, or postgresql://...\n"
    "                     or pg:KEYWORDS (default $TLSRPT_DB, else\n"
    "                     " DEFAULT_DB ")\n"
    "  -h, --help         this text\n"
    "\n"
    "Exit status: 0; 3 on an alert (after the message); 1 when the\n"
    "database cannot be read; 64 on a usage error.\n";

struct digest_opts {
	int period; /* -1 until given */
	const char *at, *from, *prefix;
	const char **to;
	size_t nto;
	int only_on_change;
	double alert_rate; /* < 0: no alerting */
};

static const struct option digest_extra[] = {
    {"period", required_argument, NULL, 'p'},
    {"at", required_argument, NULL, 'a'},
    {"to", required_argument, NULL, 't'},
    {"from", required_argument, NULL, 'f'},
    {"subject-prefix", required_argument, NULL, 's'},
    {"only-on-change", no_argument, NULL, 'o'},
    {"alert-rate", required_argument, NULL, 'r'},
    {NULL, 0, NULL, 0},
};

static int
take_opt(void *arg, int opt, const char *v)
{
	struct digest_opts *o = arg;
	const char **nt;
	char *end;

	switch (opt) {
	case 'p':
		o->period = strcasecmp(v, "day") == 0     ? PERIOD_DAY
		            : strcasecmp(v, "week") == 0  ? PERIOD_WEEK
		            : strcasecmp(v, "month") == 0 ? PERIOD_MONTH
		                                          : -1;
		if (o->period < 0)
			return cli_usage_error(
			           "digest",
			           "--period: expected day, week or "
			           "month, got '%s'",
			           v),
			       -1;
		return 0;
	case 'a':
		o->at = v;
		return 0;
	case 't':
		if ((nt = reallocarray(o->to, o->nto + 1, sizeof(*nt))) == NULL)
			return -1;
		o->to = nt;
		o->to[o->nto++] = v;
		return 0;
	case 'f':
		o->from = v;
		return 0;
	case 's':
		o->prefix = v;
		return 0;
	case 'o':
		o->only_on_change = 1;
		return 0;
	case 'r':
		o->alert_rate = strtod(v, &end);
		if (*v == '\0' || *end != '\0' || !(o->alert_rate >= 0) ||
		    o->alert_rate > 1)
			return cli_usage_error(
			           "digest",
			           "--alert-rate: expected a fraction "
			           "from 0 to 1, got '%s'",
			           v),
			       -1;
		return 0;
	}
	return -1;
}

/* An address must be one line: a header cannot be smuggled in. */
static int
check_addresses(const struct digest_opts *o)
{
	size_t i;

	for (i = 0; i < o->nto; i++)
		if (strpbrk(o->to[i], "\r\n") || !*o->to[i])
			return cli_usage_error("digest", "--to: bad address");
	if (o->from && (strpbrk(o->from, "\r\n") || !*o->from))
		return cli_usage_error("digest", "--from: bad address");
	if (o->prefix && strpbrk(o->prefix, "\r\n"))
		return cli_usage_error("digest",
		                       "--subject-prefix: one line, please");
	/* RFC 6532 headers are UTF-8; other bytes cannot be encoded as
	 * UTF-8 words (the hand-written encoder looped on them). */
	if (o->prefix && !g_utf8_validate(o->prefix, -1, NULL))
		return cli_usage_error("digest",
		                       "--subject-prefix: not UTF-8 text");
	for (i = 0; i < o->nto; i++)
		if (!g_utf8_validate(o->to[i], -1, NULL))
			return cli_usage_error("digest",
			                       "--to: not UTF-8 text");
	if (o->from && !g_utf8_validate(o->from, -1, NULL))
		return cli_usage_error("digest", "--from: not UTF-8 text");
	return 0;
}

static int
alerting(const struct digest *d, double limit)
{
	size_t i;

	if (limit < 0)
		return 0;
	if (digest_first_news(d) != NULL)
		return 1;
	for (i = 0; i < d->ndomains; i++) {
		const struct digest_domain *x = &d->domains[i];

		if (digest_rate(x->ok, x->failed) > limit)
			return 1;
	}
	return 0;
}

/* The host's fully qualified name for the default From: (issue 16 §12:
 * "tlsrpt@vm" is refused by receiving MTAs), as the resolver gives it
 * (getaddrinfo's canonical name: /etc/hosts, then DNS). Without a
 * domain in it, the short name stays and stderr says to give --from. */
static void
fqdn(char *host, size_t size)
{
	struct addrinfo hints, *res = NULL;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_flags = AI_CANONNAME;
	if (strchr(host, '.') == NULL &&
	    getaddrinfo(host, NULL, &hints, &res) == 0 && res != NULL &&
	    res->ai_canonname != NULL && strchr(res->ai_canonname, '.'))
		snprintf(host, size, "%s", res->ai_canonname);
	if (res != NULL)
		freeaddrinfo(res);
	if (strchr(host, '.') == NULL)
		fprintf(stderr,
		        "tlsrpt digest: the host name '%s' has no domain: "
		        "the From: address tlsrpt@%s may be refused; give "
		        "--from\n",
		        host, host);
}

/* Renders both bodies and writes the message. */
static int
write_digest(const struct digest *d, const struct digest_opts *o,
             const struct cli *c)
{
	char host[200] = "localhost", from[256], to[256], head[512],
	     subject[700];
	char *text = NULL, *html = NULL;
	size_t textlen = 0, htmllen = 0;
	const char *defto[1] = {to};
	struct digest_mail m;
	FILE *ft, *fh;
	int ret = -1, ok;

	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "localhost");
	if (o->from == NULL)
		fqdn(host, sizeof(host));
	snprintf(from, sizeof(from), "tlsrpt@%s", host);
	snprintf(to, sizeof(to), "root@%s", host);
	digest_headline(d, head, sizeof(head));
	snprintf(subject, sizeof(subject), "%s%s%s",
	         o->prefix ? o->prefix : "[tlsrpt]",
	         o->prefix && !*o->prefix ? "" : " ", head);
	if ((ft = open_memstream(&text, &textlen)) == NULL ||
	    (fh = open_memstream(&html, &htmllen)) == NULL) {
		if (ft)
			fclose(ft);
		free(text);
		return -1;
	}
	ok = digest_text(d, ft) == 0 && digest_html(d, fh) == 0;
	/* fclose releases the stream even when it fails: once each. */
	ok &= fclose(ft) == 0;
	ok &= fclose(fh) == 0;
	if (ok) {
		m.from = o->from ? o->from : from;
		m.to = o->nto ? o->to : defto;
		m.nto = o->nto ? o->nto : 1;
		m.subject = subject;
		m.date = (int64_t)c->now;
		ret =
		    digest_mail_write(&m, text, textlen, html, htmllen, stdout);
		if (fflush(stdout) != 0)
			ret = -1;
	}
	free(text);
	free(html);
	return ret;
}

int
cmd_digest(struct cli *c, int argc, char **argv)
{
	struct digest_opts o = {-1, NULL, NULL, NULL, NULL, 0, 0, -1};
	struct query_opts q;
	struct store *st = NULL;
	struct digest d;
	struct errbuf eb = {""};
	int64_t at = (int64_t)c->now;
	int ret;

	memset(&d, 0, sizeof(d));
	query_opts_init(&q);
	if ((ret = query_parse_args(c, &q, argc, argv, digest_help,
	                            digest_extra, take_opt, &o)) >= 0)
		goto out;
	ret = EXIT_USAGE;
	if (o.period < 0) {
		cli_usage_error(argv[0], "--period day|week|month is required");
		goto out;
	}
	if (q.filter.since != INT64_MIN || q.filter.until != INT64_MAX ||
	    q.filter.organization || q.limit) {
		cli_usage_error(argv[0], "takes --period and --at, not "
		                         "--since, --until, --org or --limit");
		goto out;
	}
	if (check_addresses(&o) != 0)
		goto out;
	if (o.at && cli_parse_when(o.at, 0, c->now, &at, &eb) != 0) {
		cli_usage_error(argv[0], "--at: %s", eb.msg);
		goto out;
	}
	ret = 1;
	if ((st = cli_open_for_query(c, argv[0], &ret)) == NULL)
		goto out;
	if (digest_gather(st, (enum digest_period)o.period, at,
	                  q.filter.domains, q.filter.ndomains, &d, &eb) != 0) {
		fprintf(stderr, "tlsrpt digest: %s\n", eb.msg);
		goto out;
	}
	if (o.only_on_change && !digest_eventful(&d)) {
		ret = 0;
		goto out;
	}
	if (write_digest(&d, &o, c) != 0) {
		fprintf(stderr, "tlsrpt digest: cannot write the message\n");
		goto out;
	}
	ret = alerting(&d, o.alert_rate) ? EXIT_ALERT : 0;
out:
	digest_free(&d);
	store_close(st);
	query_opts_free(&q);
	free(o.to);
	return ret;
}
