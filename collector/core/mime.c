/*
 * mime.c - report parts of a mail message, by GMime 3.
 *
 * Parses one message, walks its MIME tree (multiparts and message/rfc822
 * parts), decodes the transfer encoding of every report part (DESIGN.md
 * "Report parts of a message") and copies the top-level header fields a
 * report needs as hints (RFC 8460 §5.3). GMime does the parsing: folded
 * headers, RFC 2231 parameters, missing close-delimiters and broken base64
 * are its job. This file bounds what is walked (limits.h: nesting depth,
 * part count, reports per message) and keeps no state but the one-time
 * GMime initialization.
 *
 * SECURITY: the input is untrusted mail, read as (pointer, length) and
 * copied once into a GMime memory stream; nothing here asserts on it.
 * Before GMime sees the bytes, a linear pre-scan bounds what would make
 * GMime's tree cost far more than the input (lines that begin with "--",
 * bytes of header fields). GMime stops recursing at its own nesting limit,
 * so a depth bomb cannot exhaust the stack inside the parser; the walk here
 * recurses at most LIMIT_MIME_DEPTH + 1 levels before it fails.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "limits.h"
#include "mime.h"

/* RFC 5322 §2.1.1: a line is at most 998 characters, so is a field name. */
#define FIELD_NAME_MAX 998

static pthread_once_t mime_once = PTHREAD_ONCE_INIT;

/* One walk over one message's MIME tree. */
struct mime_walk {
	struct mime_message *m;
	size_t nentities; /* MIME entities seen, containers included */
	size_t cap;       /* slots allocated in m->parts */
	struct errbuf *eb;
};

static void
mime_init_once(void)
{
	g_mime_init();
}

static void
mime_init(void)
{
	pthread_once(&mime_once, mime_init_once);
}

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Does s end in suffix, compared without regard to ASCII case? */
static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && g_ascii_strcasecmp(s + n - k, suffix) == 0;
}

/* A malloc'd copy of s in ASCII lower case; NULL when out of memory. */
static char *
dup_lower(const char *s)
{
	size_t i, n = strlen(s);
	char *d = malloc(n + 1);

	if (d == NULL)
		return NULL;
	for (i = 0; i <= n; i++)
		d[i] = g_ascii_tolower(s[i]);
	return d;
}

/*
 * A malloc'd copy of a header value, unfolded (RFC 5322 §2.2.3: CR and LF
 * removed, the whitespace after them kept) and trimmed of whitespace at
 * both ends. *out is NULL when raw is NULL or blank. Returns -1 when out of
 * memory.
 */
static int
dup_unfolded(const char *raw, char **out)
{
	size_t i, n = 0, len;
	char *d;

	*out = NULL;
	if (raw == NULL)
		return 0;
	len = strlen(raw);
	if ((d = malloc(len + 1)) == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		if (raw[i] == '\r' || raw[i] == '\n')
			continue;
		if (n == 0 && is_wsp((unsigned char)raw[i]))
			continue;
		d[n++] = raw[i];
	}
	while (n > 0 && is_wsp((unsigned char)d[n - 1]))
		n--;
	d[n] = '\0';
	if (n == 0)
		free(d);
	else
		*out = d;
	return 0;
}

/* multipart/report with report-type=tlsrpt (RFC 8460 §5.3). */
static int
ctype_is_tlsrpt(GMimeContentType *ct)
{
	char *v;
	int yes;

	if (ct == NULL ||
	    !g_mime_content_type_is_type(ct, "multipart", "report"))
		return 0;
	if (dup_unfolded(g_mime_content_type_get_parameter(ct, "report-type"),
	                 &v) == -1 ||
	    v == NULL)
		return 0;
	yes = g_ascii_strcasecmp(v, "tlsrpt") == 0;
	free(v);
	return yes;
}

int
mime_is_report_part(const char *media_type, const char *filename)
{
	static const char tlsrpt[] = "application/tlsrpt";
	static const char *const by_name[] = {
	    "application/gzip", "application/x-gzip", "application/json",
	    "application/octet-stream"};
	size_t i, k = sizeof(tlsrpt) - 1;

	if (media_type == NULL)
		return 0;
	/* application/tlsrpt and its +suffixes (+gzip, +json, +x-gzip):
	 * the content itself is sniffed when it is ingested. */
	if (g_ascii_strncasecmp(media_type, tlsrpt, k) == 0 &&
	    (media_type[k] == '\0' || media_type[k] == '+'))
		return 1;
	if (filename == NULL)
		return 0;
	for (i = 0; i < sizeof(by_name) / sizeof(by_name[0]); i++) {
		if (g_ascii_strcasecmp(media_type, by_name[i]) == 0)
			return ends_with(filename, ".json") ||
			       ends_with(filename, ".gz");
	}
	return 0;
}

int
mime_is_report_message(const struct mime_message *m)
{
	size_t i;

	if (m == NULL)
		return 0;
	if (m->is_tlsrpt_report)
		return 1;
	/* With no file name, only the tlsrpt media types are report parts. */
	for (i = 0; i < m->nparts; i++)
		if (mime_is_report_part(m->parts[i].media_type, NULL))
			return 1;
	return 0;
}

int
mime_is_tlsrpt_content_type(const char *value)
{
	GMimeContentType *ct;
	char *v;
	int yes;

	if (dup_unfolded(value, &v) == -1 || v == NULL)
		return 0;
	mime_init();
	ct = g_mime_content_type_parse(NULL, v);
	free(v);
	yes = ctype_is_tlsrpt(ct);
	if (ct != NULL)
		g_object_unref(ct);
	return yes;
}

int
mime_looks_like_message(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	if (p == NULL || len == 0)
		return 0;
	if (len >= 5 && memcmp(p, "From ", 5) == 0)
		return 1;
	/* RFC 5322 §3.6.8: field-name is printable US-ASCII but ':'. Every
	 * field in use begins with a letter, which also keeps out JSON
	 * ('{"organization-name":') and gzip. */
	if (!g_ascii_isalpha(p[0]))
		return 0;
	for (i = 1; i < len && i <= FIELD_NAME_MAX; i++) {
		if (p[i] == ':')
			return 1;
		if (p[i] == ' ' || p[i] == '\t')
			break;
		if (p[i] < 33 || p[i] > 126)
			return 0;
	}
	/* RFC 5322 §4.5.3: obsolete whitespace before the colon. */
	while (i < len && i <= FIELD_NAME_MAX && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i < len && i <= FIELD_NAME_MAX && p[i] == ':';
}

void
mime_message_free(struct mime_message *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nparts; i++) {
		free(m->parts[i].data);
		free(m->parts[i].media_type);
		free(m->parts[i].filename);
	}
	free(m->parts);
	free(m->report_domain);
	free(m->report_submitter);
	free(m->from);
	free(m->message_id);
	for (i = 0; i < m->nauth_results; i++)
		free(m->auth_results[i]);
	free(m->auth_results);
	free(m);
}

/* The decoded content of a leaf part into a malloc'd buffer. An absent
 * body is empty content. */
static int
part_decode(GMimePart *part, struct mime_part *mp, struct errbuf *eb)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	GMimeStream *out;
	GByteArray *bytes;
	int rc = -1;

	if ((out = g_mime_stream_mem_new()) == NULL)
		return errbuf_set(eb, "MIME: out of memory");
	if (content != NULL &&
	    g_mime_data_wrapper_write_to_stream(content, out) == -1) {
		errbuf_set(eb, "MIME: cannot decode a report part");
		goto out;
	}
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
	mp->len = bytes != NULL ? bytes->len : 0;
	/* One byte more for a NUL that len does not count: an empty part
	 * is not a NULL pointer, and a stray string function stops. */
	if ((mp->data = malloc(mp->len + 1)) == NULL) {
		errbuf_set(eb, "MIME: out of memory");
		goto out;
	}
	if (mp->len > 0)
		memcpy(mp->data, bytes->data, mp->len);
	mp->data[mp->len] = '\0';
	rc = 0;
out:
	g_object_unref(out);
	return rc;
}

/* Makes room for one more report part. */
static int
parts_grow(struct mime_walk *w)
{
	struct mime_part *grown;
	size_t cap = w->cap ? w->cap * 2 : 2;

	if (w->m->nparts < w->cap)
		return 0;
	if ((grown = reallocarray(w->m->parts, cap, sizeof(*grown))) == NULL)
		return -1;
	w->m->parts = grown;
	w->cap = cap;
	return 0;
}

/* Appends the leaf part to the message when it is a report part. */
static int
walk_leaf(struct mime_walk *w, GMimePart *part)
{
	GMimeContentType *ct =
	    g_mime_object_get_content_type(GMIME_OBJECT(part));
	const char *fname = g_mime_part_get_filename(part);
	struct mime_part *mp;
	char *gtype, *type;

	if (ct == NULL ||
	    (gtype = g_mime_content_type_get_mime_type(ct)) == NULL)
		return 0;
	type = dup_lower(gtype);
	g_free(gtype);
	if (type == NULL)
		return errbuf_set(w->eb, "MIME: out of memory");
	if (!mime_is_report_part(type, fname)) {
		free(type);
		return 0;
	}
	if (w->m->nparts >= LIMIT_REPORTS_PER_MESSAGE || parts_grow(w) == -1) {
		free(type);
		if (w->m->nparts >= LIMIT_REPORTS_PER_MESSAGE)
			return errbuf_set(w->eb,
			                  "MIME: more than %d report parts",
			                  LIMIT_REPORTS_PER_MESSAGE);
		return errbuf_set(w->eb, "MIME: out of memory");
	}
	/* Counted at once, so that mime_message_free frees what follows. */
	mp = &w->m->parts[w->m->nparts++];
	memset(mp, 0, sizeof(*mp));
	mp->media_type = type;
	if (fname != NULL && (mp->filename = strdup(fname)) == NULL)
		return errbuf_set(w->eb, "MIME: out of memory");
	return part_decode(part, mp, w->eb);
}

/* Visits obj at nesting depth (the number of containers around it). */
static int
walk_object(struct mime_walk *w, GMimeObject *obj, int depth)
{
	GMimeMessage *inner;
	int i, n;

	if (depth > LIMIT_MIME_DEPTH)
		return errbuf_set(w->eb, "MIME: nesting deeper than %d levels",
		                  LIMIT_MIME_DEPTH);
	if (++w->nentities > LIMIT_MIME_PARTS)
		return errbuf_set(w->eb, "MIME: more than %d parts",
		                  LIMIT_MIME_PARTS);
	if (GMIME_IS_MULTIPART(obj)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < n; i++) {
			if (walk_object(w,
			                g_mime_multipart_get_part(
			                    GMIME_MULTIPART(obj), i),
			                depth + 1) == -1)
				return -1;
		}
		return 0;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		inner =
		    g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (inner == NULL ||
		    g_mime_message_get_mime_part(inner) == NULL)
			return 0;
		return walk_object(w, g_mime_message_get_mime_part(inner),
		                   depth + 1);
	}
	if (GMIME_IS_PART(obj))
		return walk_leaf(w, GMIME_PART(obj));
	return 0;
}

/* Appends a copy of an Authentication-Results value; *cap is the number
 * of slots allocated, doubled as needed. */
static int
hints_add_auth(struct mime_message *m, size_t *cap, const char *raw)
{
	char **grown, *v;

	if (dup_unfolded(raw, &v) == -1)
		return -1;
	if (v == NULL)
		return 0;
	if (m->nauth_results == *cap) {
		grown = reallocarray(m->auth_results, *cap ? *cap * 2 : 4,
		                     sizeof(*grown));
		if (grown == NULL) {
			free(v);
			return -1;
		}
		m->auth_results = grown;
		*cap = *cap ? *cap * 2 : 4;
	}
	m->auth_results[m->nauth_results++] = v;
	return 0;
}

/* The first mailbox's addr-spec of an address list, groups entered. */
static const char *
first_addr(InternetAddressList *list)
{
	InternetAddress *ia;
	const char *addr;
	int i, n;

	n = list != NULL ? internet_address_list_length(list) : 0;
	for (i = 0; i < n; i++) {
		ia = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(ia))
			return internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(ia));
		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			addr = first_addr(internet_address_group_get_members(
			    INTERNET_ADDRESS_GROUP(ia)));
			if (addr != NULL)
				return addr;
		}
	}
	return NULL;
}

/* Copies the hints from the top-level header (RFC 8460 §5.3, RFC 8601). */
static int
hints_collect(struct mime_message *m, GMimeMessage *msg)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	GMimeHeader *h;
	const char *name, *raw, *s;
	size_t cap = 0;
	int i, n, rc = 0;

	n = hl != NULL ? g_mime_header_list_get_count(hl) : 0;
	for (i = 0; i < n && rc == 0; i++) {
		h = g_mime_header_list_get_header_at(hl, i);
		name = g_mime_header_get_name(h);
		raw = g_mime_header_get_raw_value(h);
		if (name == NULL)
			continue;
		if (g_ascii_strcasecmp(name, "Authentication-Results") == 0)
			rc = hints_add_auth(m, &cap, raw);
		else if (g_ascii_strcasecmp(name, "TLS-Report-Domain") == 0 &&
		         m->report_domain == NULL)
			rc = dup_unfolded(raw, &m->report_domain);
		else if (g_ascii_strcasecmp(name, "TLS-Report-Submitter") ==
		             0 &&
		         m->report_submitter == NULL)
			rc = dup_unfolded(raw, &m->report_submitter);
	}
	if (rc == 0 && (s = g_mime_message_get_message_id(msg)) != NULL)
		rc = dup_unfolded(s, &m->message_id);
	if (rc == 0 && (s = first_addr(g_mime_message_get_from(msg))) != NULL)
		rc = dup_unfolded(s, &m->from);
	return rc;
}

/*
 * Bounds on the raw bytes, checked before GMime sees them. GMime builds the
 * whole tree before the walk can count it, at a cost far above the input
 * size: 7 MB of empty parts took 1.3 GB, 10 MB of Content-Type parameters
 * 450 MB, 20 MB of addresses 300 MB. It also checks every line that begins
 * with "--" against every open boundary. So the lines that begin with "--"
 * are counted (a message within the part limit has at most
 * 2 * LIMIT_MIME_PARTS delimiter lines; the rest is room for text), and so
 * are the bytes of everything that may be a header block: the top of the
 * message, what follows a "--" line, and a block of header-like lines after
 * a header block (the header of a message/rfc822 part). Text counted by
 * mistake only counts until its first empty line.
 */
struct prescan {
	size_t dashes;    /* lines that begin with "--" */
	size_t hdr_bytes; /* bytes in what may be header blocks */
	int state;        /* PRESCAN_* */
};

enum { PRESCAN_HEADER, PRESCAN_AFTER_HEADER, PRESCAN_BODY };

/* Accounts one line (with its line end); -1 when a bound is passed. */
static int
prescan_line(struct prescan *ps, const unsigned char *line, size_t n,
             struct errbuf *eb)
{
	int blank = n == 0 || line[0] == '\n' ||
	            (line[0] == '\r' && n > 1 && line[1] == '\n');

	if (n >= 2 && line[0] == '-' && line[1] == '-') {
		if (++ps->dashes > LIMIT_MIME_DASH_LINES)
			return errbuf_set(eb,
			                  "MIME: more than %d lines that begin "
			                  "with \"--\" (boundary lines)",
			                  LIMIT_MIME_DASH_LINES);
		ps->state = PRESCAN_HEADER;
		return 0;
	}
	if (ps->state == PRESCAN_AFTER_HEADER)
		ps->state = mime_looks_like_message(line, n) ? PRESCAN_HEADER
		                                             : PRESCAN_BODY;
	if (ps->state != PRESCAN_HEADER)
		return 0;
	if (blank) {
		ps->state = PRESCAN_AFTER_HEADER;
		return 0;
	}
	ps->hdr_bytes += n;
	if (ps->hdr_bytes > LIMIT_MIME_HEADER_BYTES)
		return errbuf_set(eb, "MIME: header fields over %zu bytes",
		                  (size_t)LIMIT_MIME_HEADER_BYTES);
	return 0;
}

static int
prescan(const unsigned char *p, size_t len, struct errbuf *eb)
{
	const unsigned char *end = p + len, *nl;
	struct prescan ps = {.state = PRESCAN_HEADER};
	size_t n;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		if (prescan_line(&ps, p, n, eb) == -1)
			return -1;
		p += n;
	}
	return 0;
}

/* Skips an mbox "From " line, which GMime would take for a bad header. */
static size_t
skip_mbox_line(const unsigned char *p, size_t len)
{
	const unsigned char *nl;

	if (len < 5 || memcmp(p, "From ", 5) != 0)
		return 0;
	nl = memchr(p, '\n', len);
	return nl != NULL ? (size_t)(nl - p) + 1 : len;
}

/* Parses (p, len) into a GMime message; NULL when GMime cannot. */
static GMimeMessage *
parse_message(const unsigned char *p, size_t len)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;

	stream = g_mime_stream_mem_new_with_buffer((const char *)p, len);
	if (stream == NULL)
		return NULL;
	parser = g_mime_parser_new_with_stream(stream);
	g_object_unref(stream);
	if (parser == NULL)
		return NULL;
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	return msg;
}

int
mime_report_parts(const void *msg, size_t len, struct mime_message **out,
                  struct errbuf *eb)
{
	const unsigned char *p = msg;
	struct mime_walk w = {.eb = eb};
	GMimeMessage *gm = NULL;
	GMimeObject *body;
	size_t skip;
	int rc = -1;

	*out = NULL;
	if (p == NULL || len == 0)
		return errbuf_set(eb, "MIME: empty message");
	skip = skip_mbox_line(p, len);
	if (!mime_looks_like_message(p + skip, len - skip))
		return errbuf_set(eb, "MIME: not a mail message");
	if (prescan(p + skip, len - skip, eb) == -1)
		return -1;
	if ((w.m = calloc(1, sizeof(*w.m))) == NULL)
		return errbuf_set(eb, "MIME: out of memory");
	mime_init();
	if ((gm = parse_message(p + skip, len - skip)) == NULL) {
		errbuf_set(eb, "MIME: cannot parse the message");
		goto out;
	}
	if (hints_collect(w.m, gm) == -1) {
		errbuf_set(eb, "MIME: out of memory");
		goto out;
	}
	body = g_mime_message_get_mime_part(gm);
	if (body != NULL) {
		w.m->is_tlsrpt_report =
		    ctype_is_tlsrpt(g_mime_object_get_content_type(body));
		if (walk_object(&w, body, 0) == -1)
			goto out;
	}
	*out = w.m;
	w.m = NULL;
	rc = 0;
out:
	mime_message_free(w.m);
	if (gm != NULL)
		g_object_unref(gm);
	return rc;
}
