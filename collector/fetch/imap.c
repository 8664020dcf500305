/*
 * imap.c - a report mailbox over IMAP through libcurl (see imap.h).
 *
 * libcurl speaks IMAP by URL: imap://host/INBOX;UID=7 logs in, selects
 * INBOX and fetches the message of UID 7 (UID FETCH 7 BODY[]), handing us
 * its bytes alone. Every other command is a custom request on the
 * mailbox's URL (libcurl selects the mailbox first) or on the server's
 * (STATUS, CREATE): libcurl hands back its untagged answers, one line each,
 * which this file reads. The tagged answer (OK, NO, BAD and the server's
 * words) comes through the debug callback, which sees every line the
 * server sends and none we send (our AUTHENTICATE line holds the
 * credentials).
 */
#include <ctype.h>
#include <curl/curl.h>
#include <nettle/base64.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "imap.h"

/* UIDs per command: a set of 200 single numbers is under 2.5 KB, far
 * below the 8 KB a server must take in one command line. */
#define SET_UIDS 200

/*
 * UIDs one SEARCH covers. A SEARCH answers in one line, and libcurl
 * keeps a line in one buffer: 7.88 silently drops the middle of a line
 * longer than its receive buffer (a SEARCH of 4,949 UIDs came back with
 * 1,466), later versions fail on one over 64 KB. A window of 5,000 UIDs
 * answers at most 5,000 numbers of up to 10 digits: under 56 KB, which
 * fits both with the buffer below.
 */
#define SEARCH_UIDS 5000
#define RECV_BUFFER (128L * 1024)

struct buf {
	unsigned char *p;
	size_t len, cap, max;
	int over; /* more than max came: the transfer was stopped */
};

struct imap {
	CURL *h;
	char *name;    /* the mailbox's URL, no credentials: our key */
	char *mailbox; /* decoded: INBOX */
	char *root;    /* imaps://host:port/ */
	char *box_url; /* imaps://host:port/INBOX */
	char *user;
	int64_t deadline_ms;
	struct buf out;
	char said[256]; /* the server's last tagged answer */
	/* A SASL error a server sends as a challenge before its NO (RFC
	 * 7628 §3.2.2: {"status":"invalid_token"}), decoded. */
	char sasl_said[128];
	char curl_err[CURL_ERROR_SIZE];
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t
on_write(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t len = size * n, cap;
	unsigned char *p;

	if (len > b->max - b->len) {
		b->over = 1; /* CURLE_WRITE_ERROR, told by the caller */
		return 0;
	}
	if (b->len + len > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + len)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL)
			return 0;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	return n;
}

/* Keeps a SASL challenge that decodes to a JSON object: an OAuth2
 * server's error ("+ eyJzdGF0dXMiOi..."), printable bytes only. */
static void
sasl_error(struct imap *im, const char *b64, size_t len)
{
	struct base64_decode_ctx ctx;
	uint8_t out[BASE64_DECODE_LENGTH(sizeof(im->sasl_said) * 4 / 3)];
	size_t n = sizeof(out), i;

	while (len > 0 &&
	       (*b64 == ' ' || b64[len - 1] == '\r' || b64[len - 1] == '\n')) {
		if (*b64 == ' ')
			b64++;
		len--;
	}
	if (len == 0 || len > sizeof(im->sasl_said) * 4 / 3)
		return;
	base64_decode_init(&ctx);
	if (!base64_decode_update(&ctx, &n, out, len, b64) ||
	    !base64_decode_final(&ctx) || n == 0 || out[0] != '{' ||
	    n >= sizeof(im->sasl_said))
		return;
	for (i = 0; i < n; i++)
		if (out[i] < 0x20 || out[i] > 0x7e)
			return;
	memcpy(im->sasl_said, out, n);
	im->sasl_said[n] = '\0';
}

/* Keeps the server's last tagged answer ("A004 NO [...] ..."), without
 * its tag, or its first NO or BAD: the untagged lines are data, the
 * continuation lines ("+ ") a SASL exchange. Only what the server sends
 * (CURLINFO_HEADER_IN). */
static int
on_debug(CURL *h, curl_infotype type, char *data, size_t len, void *arg)
{
	struct imap *im = arg;
	const char *sp;
	size_t n;

	(void)h;
	if (type != CURLINFO_HEADER_IN || len < 2 || data[0] == '*')
		return 0;
	if (data[0] == '+') {
		sasl_error(im, data + 1, len - 1);
		return 0;
	}
	sp = memchr(data, ' ', len);
	if (sp == NULL)
		return 0;
	sp++;
	/* A refusal stays: libcurl's LOGOUT after it, or a CAPABILITY
	 * after a failed login, would hide it behind an OK. */
	if (strncmp(im->said, "NO", 2) == 0 || strncmp(im->said, "BAD", 3) == 0)
		return 0;
	n = len - (size_t)(sp - data);
	while (n > 0 && (sp[n - 1] == '\r' || sp[n - 1] == '\n'))
		n--;
	if (n >= sizeof(im->said))
		n = sizeof(im->said) - 1;
	memcpy(im->said, sp, n);
	im->said[n] = '\0';
	return 0;
}

/* What a failed transfer means to the caller, and eb saying so. */
static int
failure(struct imap *im, CURLcode rc, const char *what, struct errbuf *eb)
{
	const char *why = im->said[0]       ? im->said
	                  : im->curl_err[0] ? im->curl_err
	                                    : curl_easy_strerror(rc);
	int ret;

	switch (rc) {
	case CURLE_LOGIN_DENIED:
		ret = IMAP_E_LOGIN;
		/* libcurl gives up on a SASL error before the server's NO. */
		if (strncmp(im->said, "NO", 2) != 0 && im->sasl_said[0]) {
			errbuf_set(eb, "%s: %s: token refused: %s", im->name,
			           what, im->sasl_said);
			return ret;
		}
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_CERTPROBLEM:
		ret = IMAP_E_TLS;
		why = im->curl_err[0] ? im->curl_err : curl_easy_strerror(rc);
		break;
	case CURLE_QUOTE_ERROR:
	case CURLE_REMOTE_FILE_NOT_FOUND:
	case CURLE_REMOTE_ACCESS_DENIED:
	case CURLE_WEIRD_SERVER_REPLY:
		ret = im->said[0] ? IMAP_E_SERVER : IMAP_E_AGAIN;
		break;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		ret = IMAP_E_URL;
		break;
	default: /* refused, lost, timed out, out of memory */
		ret = IMAP_E_AGAIN;
		why = im->curl_err[0] ? im->curl_err : curl_easy_strerror(rc);
		break;
	}
	errbuf_set(eb, "%s: %s: %s", im->name, what, why);
	return ret;
}

/* One transfer: url, with custom as the command when not NULL; its
 * answer in im->out (at most max bytes). */
static int
run(struct imap *im, const char *url, const char *custom, size_t max,
    const char *what, struct errbuf *eb)
{
	int64_t left = 0;
	CURLcode rc;

	im->out.len = 0;
	im->out.max = max;
	im->out.over = 0;
	im->said[0] = im->curl_err[0] = im->sasl_said[0] = '\0';
	if (im->deadline_ms != 0 && (left = im->deadline_ms - now_ms()) <= 0)
		return errbuf_set(eb, "%s: %s: the run's --timeout is over",
		                  im->name, what),
		       IMAP_E_AGAIN;
	curl_easy_setopt(im->h, CURLOPT_TIMEOUT_MS, (long)left);
	curl_easy_setopt(im->h, CURLOPT_URL, url);
	curl_easy_setopt(im->h, CURLOPT_CUSTOMREQUEST, custom);
	rc = curl_easy_perform(im->h);
	if (rc == CURLE_WRITE_ERROR && im->out.over)
		return errbuf_set(eb, "%s: %s: more than %zu bytes", im->name,
		                  what, max),
		       IMAP_E_SIZE;
	return rc == CURLE_OK ? 0 : failure(im, rc, what, eb);
}

/* A custom command on the mailbox (selected first) or the server. */
static int command(struct imap *im, int on_mailbox, const char *what,
                   struct errbuf *eb, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
command(struct imap *im, int on_mailbox, const char *what, struct errbuf *eb,
        const char *fmt, ...)
{
	char line[SET_UIDS * 24 + 512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return errbuf_set(eb, "%s: %s: command too long", im->name,
		                  what),
		       IMAP_E_URL;
	/* Untagged answers are small; a SEARCH of a million UIDs is 8 MB. */
	return run(im, on_mailbox ? im->box_url : im->root, line,
	           (size_t)256 << 20, what, eb);
}

/* The mailbox's name as an IMAP astring: bare when it is an atom, else
 * quoted. Names are 7-bit (IMAP's modified UTF-7): checked at open. */
static void
quote_mailbox(const char *name, char *out, size_t size)
{
	size_t i = 0;
	const char *p;

	for (p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("._-/", *p) == NULL)
			break;
	if (*p == '\0' && *name != '\0') {
		snprintf(out, size, "%s", name);
		return;
	}
	if (size < 3)
		return;
	out[i++] = '"';
	for (p = name; *p != '\0' && i + 3 < size; p++) {
		if (*p == '"' || *p == '\\')
			out[i++] = '\\';
		out[i++] = *p;
	}
	out[i++] = '"';
	out[i] = '\0';
}

/* Writes n UIDs (ascending) as an IMAP set, runs collapsed ("3:7,9"). */
static void
uid_set(const uint32_t *uids, size_t n, char *out, size_t size)
{
	size_t i = 0, j, at = 0;

	out[0] = '\0';
	while (i < n && at < size) {
		for (j = i; j + 1 < n && uids[j + 1] == uids[j] + 1; j++)
			;
		at += (size_t)snprintf(out + at, size - at,
		                       j > i ? "%s%u:%u" : "%s%u", i ? "," : "",
		                       uids[i], uids[j]);
		i = j + 1;
	}
}

/* ---- Opening: the URL taken apart ---- */

/* Checks the mailbox's name: 7-bit printable, no URL parameters. */
static int
check_mailbox(const char *url, const char *m, struct errbuf *eb)
{
	const unsigned char *p;

	if (*m == '\0')
		return errbuf_set(eb,
		                  "%s: no mailbox after the host"
		                  " (imaps://HOST/INBOX)",
		                  url),
		       IMAP_E_URL;
	for (p = (const unsigned char *)m; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e || *p == ';' || *p == '?')
			return errbuf_set(eb,
			                  "%s: the mailbox name '%s' has a"
			                  " character IMAP names cannot hold"
			                  " as they are (';', '?', control or"
			                  " 8-bit: spell it in modified UTF-7)",
			                  url, m),
			       IMAP_E_URL;
	return 0;
}

static char *
url_part(CURLU *u, CURLUPart part, unsigned flags)
{
	char *s = NULL, *copy;

	if (curl_url_get(u, part, &s, flags) != CURLUE_OK)
		return NULL;
	copy = strdup(s);
	curl_free(s);
	return copy;
}

/* Fills im's URLs and names from cfg->url. */
static int
parse_url(struct imap *im, const char *url, struct errbuf *eb)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *pass = NULL, *path = NULL;
	int ret = IMAP_E_URL;

	if (u == NULL)
		return errbuf_set(eb, "out of memory"), IMAP_E_AGAIN;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		errbuf_set(eb, "%s: not a URL (imaps://USER@HOST/MAILBOX)",
		           url);
		goto out;
	}
	scheme = url_part(u, CURLUPART_SCHEME, 0);
	if (scheme == NULL ||
	    (strcmp(scheme, "imap") != 0 && strcmp(scheme, "imaps") != 0)) {
		errbuf_set(eb, "%s: not an imaps:// or imap:// URL", url);
		goto out;
	}
	if ((pass = url_part(u, CURLUPART_PASSWORD, 0)) != NULL) {
		errbuf_set(eb,
		           "%s: a password in the URL would show in the"
		           " process list: give it with --password-file",
		           url);
		goto out;
	}
	if ((im->user = url_part(u, CURLUPART_USER, CURLU_URLDECODE)) == NULL) {
		errbuf_set(eb, "%s: no user: imaps://USER@HOST/MAILBOX", url);
		goto out;
	}
	curl_url_set(u, CURLUPART_QUERY, NULL, 0);
	curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	path = url_part(u, CURLUPART_PATH, CURLU_URLDECODE);
	if (path == NULL ||
	    (im->mailbox = strdup(path[0] == '/' ? path + 1 : path)) == NULL)
		goto oom;
	if ((ret = check_mailbox(url, im->mailbox, eb)) != 0)
		goto out;
	ret = IMAP_E_AGAIN;
	if ((im->name = url_part(u, CURLUPART_URL, 0)) == NULL)
		goto oom;
	curl_url_set(u, CURLUPART_USER, NULL, 0);
	if ((im->box_url = url_part(u, CURLUPART_URL, 0)) == NULL ||
	    curl_url_set(u, CURLUPART_PATH, "/", 0) != CURLUE_OK ||
	    (im->root = url_part(u, CURLUPART_URL, 0)) == NULL)
		goto oom;
	ret = 0;
	goto out;
oom:
	errbuf_set(eb, "out of memory");
out:
	free(scheme);
	free(pass);
	free(path);
	curl_url_cleanup(u);
	return ret;
}

int
imap_open(const struct imap_cfg *cfg, struct imap **out, struct errbuf *eb)
{
	struct imap *im;
	int ret, tls;

	*out = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (im = calloc(1, sizeof(*im))) == NULL)
		return errbuf_set(eb, "out of memory"), IMAP_E_AGAIN;
	if ((ret = parse_url(im, cfg->url, eb)) != 0) {
		imap_close(im);
		return ret;
	}
	if ((im->h = curl_easy_init()) == NULL) {
		imap_close(im);
		return errbuf_set(eb, "out of memory"), IMAP_E_AGAIN;
	}
	tls = strncmp(cfg->url, "imaps:", 6) == 0;
	im->deadline_ms = cfg->deadline_ms;
	curl_easy_setopt(im->h, CURLOPT_PROTOCOLS_STR, "imap,imaps");
	curl_easy_setopt(im->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(im->h, CURLOPT_CONNECTTIMEOUT, 30L);
	/* A server that stops answering: a minute without a byte. */
	curl_easy_setopt(im->h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(im->h, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(im->h, CURLOPT_USERNAME, im->user);
	if (cfg->password != NULL)
		curl_easy_setopt(im->h, CURLOPT_PASSWORD, cfg->password);
	if (cfg->bearer != NULL) {
		char opts[64];

		snprintf(opts, sizeof(opts), "AUTH=%s",
		         cfg->sasl ? cfg->sasl : "XOAUTH2");
		curl_easy_setopt(im->h, CURLOPT_XOAUTH2_BEARER, cfg->bearer);
		curl_easy_setopt(im->h, CURLOPT_LOGIN_OPTIONS, opts);
	}
	if (!tls)
		curl_easy_setopt(im->h, CURLOPT_USE_SSL,
		                 cfg->no_tls ? (long)CURLUSESSL_NONE
		                             : (long)CURLUSESSL_ALL);
	if (cfg->ca_file != NULL)
		curl_easy_setopt(im->h, CURLOPT_CAINFO, cfg->ca_file);
	curl_easy_setopt(im->h, CURLOPT_ERRORBUFFER, im->curl_err);
	curl_easy_setopt(im->h, CURLOPT_BUFFERSIZE, RECV_BUFFER);
	curl_easy_setopt(im->h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(im->h, CURLOPT_WRITEDATA, &im->out);
	curl_easy_setopt(im->h, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(im->h, CURLOPT_DEBUGDATA, im);
	curl_easy_setopt(im->h, CURLOPT_VERBOSE, 1L);
	*out = im;
	return 0;
}

const char *
imap_name(const struct imap *im)
{
	return im->name;
}

const char *
imap_mailbox(const struct imap *im)
{
	return im->mailbox;
}

/* ---- Reading the untagged answers ---- */

/* Calls line() on each line of the answer that starts with "* ". */
static int
each_line(struct imap *im, int (*line)(const char *s, size_t n, void *arg),
          void *arg)
{
	const char *p = (const char *)im->out.p, *end = p + im->out.len, *nl;
	int ret;

	while (p != NULL && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (end - p > 2 && p[0] == '*' && p[1] == ' ' &&
		    (ret = line(p + 2, (size_t)((nl ? nl : end) - p - 2),
		                arg)) != 0)
			return ret;
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

/* The number after word (case-insensitive) in s[0..n), or -1. */
static int64_t
number_after(const char *s, size_t n, const char *word)
{
	size_t w = strlen(word), i;
	int64_t v = -1;

	for (i = 0; i + w < n; i++) {
		if ((i > 0 && s[i - 1] != ' ' && s[i - 1] != '(') ||
		    strncasecmp(s + i, word, w) != 0 || s[i + w] != ' ')
			continue;
		for (i += w + 1, v = 0; i < n && isdigit((unsigned char)s[i]);
		     i++)
			v = v * 10 + (s[i] - '0');
		return v;
	}
	return -1;
}

struct status {
	int64_t validity, next;
};

static int
status_line(const char *s, size_t n, void *arg)
{
	struct status *st = arg;

	if (n > 7 && strncasecmp(s, "STATUS ", 7) == 0) {
		st->validity = number_after(s, n, "UIDVALIDITY");
		st->next = number_after(s, n, "UIDNEXT");
	}
	return 0;
}

int
imap_status(struct imap *im, uint32_t *uidvalidity, uint32_t *uidnext,
            struct errbuf *eb)
{
	struct status st = {-1, -1};
	char q[512];
	int ret;

	quote_mailbox(im->mailbox, q, sizeof(q));
	if ((ret = command(im, 0, "STATUS", eb,
	                   "STATUS %s (UIDVALIDITY UIDNEXT)", q)) != 0)
		return ret;
	each_line(im, status_line, &st);
	if (st.validity <= 0 || st.validity > UINT32_MAX || st.next < 0 ||
	    st.next > UINT32_MAX)
		return errbuf_set(eb,
		                  "%s: STATUS: no UIDVALIDITY and UIDNEXT"
		                  " in the server's answer",
		                  im->name),
		       IMAP_E_SERVER;
	*uidvalidity = (uint32_t)st.validity;
	*uidnext = (uint32_t)st.next;
	return 0;
}

struct uids {
	uint32_t *v;
	size_t n, cap;
	uint32_t after;
};

static int
search_line(const char *s, size_t n, void *arg)
{
	struct uids *u = arg;
	const char *end = s + n;
	uint32_t *nv;
	uint64_t v;

	if (n < 6 || strncasecmp(s, "SEARCH", 6) != 0)
		return 0;
	for (s += 6; s < end;) {
		while (s < end && !isdigit((unsigned char)*s))
			s++;
		for (v = 0; s < end && isdigit((unsigned char)*s); s++)
			v = v * 10 + (uint64_t)(*s - '0');
		if (v <= u->after || v > UINT32_MAX)
			continue;
		if (u->n == u->cap) {
			u->cap = u->cap ? u->cap * 2 : 256;
			if ((nv = realloc(u->v, u->cap * sizeof(*nv))) == NULL)
				return -1;
			u->v = nv;
		}
		u->v[u->n++] = (uint32_t)v;
	}
	return 0;
}

static int
cmp_uid(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

int
imap_search(struct imap *im, uint32_t after, uint32_t next, const char *since,
            uint32_t **uids, size_t *n, struct errbuf *eb)
{
	struct uids u = {NULL, 0, 0, after};
	uint64_t lo, hi;
	int ret = 0;

	*uids = NULL;
	*n = 0;
	/* Windows of SEARCH_UIDS up to UIDNEXT: a message that arrives
	 * meanwhile is the next run's. */
	for (lo = (uint64_t)after + 1; ret == 0 && lo < next; lo = hi + 1) {
		hi = lo + SEARCH_UIDS - 1 < next ? lo + SEARCH_UIDS - 1
		                                 : next - 1;
		ret = command(im, 1, "UID SEARCH", eb,
		              "UID SEARCH UID %llu:%llu%s%s",
		              (unsigned long long)lo, (unsigned long long)hi,
		              since ? " SINCE " : "", since ? since : "");
		if (ret == 0 && each_line(im, search_line, &u) != 0) {
			errbuf_set(eb, "out of memory");
			ret = IMAP_E_AGAIN;
		}
	}
	if (ret != 0) {
		free(u.v);
		return ret;
	}
	if (u.n > 0)
		qsort(u.v, u.n, sizeof(*u.v), cmp_uid);
	*uids = u.v;
	*n = u.n;
	return 0;
}

struct sizes {
	const uint32_t *uids;
	size_t n;
	struct imap_msg *out;
};

/* "* 12 FETCH (UID 40 RFC822.SIZE 5120 FLAGS (\Seen))", in any order. */
static int
fetch_line(const char *s, size_t n, void *arg)
{
	struct sizes *sz = arg;
	int64_t uid = number_after(s, n, "UID"),
	        size = number_after(s, n, "RFC822.SIZE");
	const char *fl, *close;
	uint32_t key;
	const uint32_t *at;
	struct imap_msg *m;

	if (uid <= 0 || uid > UINT32_MAX || size < 0)
		return 0; /* not ours: a flag changed by another client */
	key = (uint32_t)uid;
	at = bsearch(&key, sz->uids, sz->n, sizeof(key), cmp_uid);
	if (at == NULL)
		return 0;
	m = &sz->out[at - sz->uids];
	m->uid = key;
	m->size = (uint64_t)size;
	fl = memmem(s, n, "FLAGS (", 7);
	close = fl ? memchr(fl, ')', n - (size_t)(fl - s)) : NULL;
	m->seen = close != NULL &&
	          memmem(fl, (size_t)(close - fl), "\\Seen", 5) != NULL;
	return 0;
}

int
imap_sizes(struct imap *im, const uint32_t *uids, size_t n,
           struct imap_msg *out, struct errbuf *eb)
{
	struct sizes sz = {uids, n, out};
	char set[SET_UIDS * 24];
	size_t i, k;
	int ret;

	memset(out, 0, n * sizeof(*out));
	for (i = 0; i < n; i += k) {
		k = n - i < SET_UIDS ? n - i : SET_UIDS;
		uid_set(uids + i, k, set, sizeof(set));
		if ((ret = command(im, 1, "UID FETCH", eb,
		                   "UID FETCH %s (UID RFC822.SIZE FLAGS)",
		                   set)) != 0)
			return ret;
		each_line(im, fetch_line, &sz);
	}
	return 0;
}

int
imap_fetch(struct imap *im, uint32_t uid, size_t max, unsigned char **bytes,
           size_t *len, struct errbuf *eb)
{
	char url[2048];
	int ret;

	*bytes = NULL;
	*len = 0;
	snprintf(url, sizeof(url), "%s;UID=%u", im->box_url, uid);
	if ((ret = run(im, url, NULL, max, "UID FETCH", eb)) != 0)
		return ret;
	*bytes = im->out.p;
	*len = im->out.len;
	im->out.p = NULL; /* the caller's now */
	im->out.len = im->out.cap = 0;
	return 0;
}

/* Runs "UID <verb> SET<rest>" over the n UIDs, SET_UIDS at a time. */
static int
each_set(struct imap *im, const char *verb, const uint32_t *uids, size_t n,
         const char *rest, struct errbuf *eb)
{
	char set[SET_UIDS * 24];
	size_t i, k;
	int ret;

	for (i = 0; i < n; i += k) {
		k = n - i < SET_UIDS ? n - i : SET_UIDS;
		uid_set(uids + i, k, set, sizeof(set));
		if ((ret = command(im, 1, verb, eb, "UID %s %s%s", verb, set,
		                   rest)) != 0)
			return ret;
	}
	return 0;
}

int
imap_unseen(struct imap *im, const uint32_t *uids, size_t n, struct errbuf *eb)
{
	return each_set(im, "STORE", uids, n, " -FLAGS.SILENT (\\Seen)", eb);
}

int
imap_create(struct imap *im, const char *mailbox, struct errbuf *eb)
{
	char q[512];
	int ret;

	if ((ret = check_mailbox(im->name, mailbox, eb)) != 0)
		return ret;
	quote_mailbox(mailbox, q, sizeof(q));
	ret = command(im, 0, "CREATE", eb, "CREATE %s", q);
	/* RFC 5530's response code; older servers say it in words. */
	if (ret == IMAP_E_SERVER && (strstr(im->said, "[ALREADYEXISTS]") ||
	                             strcasestr(im->said, "already exists")))
		return 0;
	return ret;
}

int
imap_move(struct imap *im, const uint32_t *uids, size_t n, const char *mailbox,
          struct errbuf *eb)
{
	char q[512], rest[520];
	int ret;

	quote_mailbox(mailbox, q, sizeof(q));
	snprintf(rest, sizeof(rest), " %s", q);
	ret = each_set(im, "MOVE", uids, n, rest, eb);
	/* BAD: the server does not know MOVE (a NO is a refusal: a missing
	 * mailbox, a quota). The fallback touches only these messages. */
	if (ret != IMAP_E_SERVER || strncasecmp(im->said, "BAD", 3) != 0)
		return ret;
	if ((ret = each_set(im, "COPY", uids, n, rest, eb)) != 0 ||
	    (ret = each_set(im, "STORE", uids, n, " +FLAGS.SILENT (\\Deleted)",
	                    eb)) != 0)
		return ret;
	return each_set(im, "EXPUNGE", uids, n, "", eb);
}

int
imap_noop(struct imap *im, struct errbuf *eb)
{
	return command(im, 0, "NOOP", eb, "NOOP");
}

void
imap_close(struct imap *im)
{
	if (im == NULL)
		return;
	if (im->h != NULL)
		curl_easy_cleanup(im->h); /* LOGOUT on the open connection */
	free(im->out.p);
	free(im->name);
	free(im->mailbox);
	free(im->root);
	free(im->box_url);
	free(im->user);
	free(im);
	curl_global_cleanup();
}
