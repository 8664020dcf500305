/*
 * authres.c - a parser for Authentication-Results (RFC 8601 §2.2):
 *
 *   authres-payload = [CFWS] authserv-id [CFWS authres-version]
 *                     ( no-result / 1*resinfo ) [CFWS]
 *   resinfo  = [CFWS] ";" methodspec [CFWS reasonspec] [CFWS 1*propspec]
 *   methodspec = [CFWS] method [CFWS] "=" [CFWS] result
 *   propspec = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue
 *
 * A recursive-descent reader over (pointer, length): nothing is assumed
 * NUL-terminated. Values are read as RFC 2045 tokens or quoted strings;
 * a pvalue may also be an address ("@example.com", "user@example.com") or
 * a signature fragment ("AbC/+="), so it runs to the next whitespace, ';'
 * or comment.
 *
 * SECURITY: the header is written by whoever sent the message, unless the
 * MTA removed it (see contrib/man/tlsrpt-milter.8). Every loop advances or
 * fails; comment nesting, results, properties and value lengths are
 * bounded (limits.h).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "authres.h"

struct cur {
	const char *p, *end;
	struct errbuf *eb;
};

static int
at_end(const struct cur *c)
{
	return c->p >= c->end;
}

static int
peek(const struct cur *c)
{
	return at_end(c) ? -1 : (unsigned char)*c->p;
}

/* RFC 5322 §3.2.4 qtext, §3.2.2 ctext and quoted-pair: no control
 * character but folding whitespace. A NUL would end the value early when it
 * is used as a string: "reporter.example\0.attacker.example". */
static int
is_ctl(int ch)
{
	return (ch < ' ' && ch != '\t' && ch != '\r' && ch != '\n') ||
	       ch == 0x7f;
}

/* RFC 5322 §3.2.2: CFWS, comments nested, quoted-pairs inside them. */
static int
skip_cfws(struct cur *c)
{
	int depth = 0;

	while (!at_end(c)) {
		int ch = (unsigned char)*c->p;

		if (depth == 0 &&
		    (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')) {
			c->p++;
		} else if (ch == '(') {
			if (++depth > LIMIT_AUTHRES_COMMENT_DEPTH)
				return errbuf_set(c->eb,
				                  "comments nested "
				                  "deeper than %d",
				                  LIMIT_AUTHRES_COMMENT_DEPTH);
			c->p++;
		} else if (depth > 0) {
			if (is_ctl(ch) || (ch == '\\' && c->p + 1 < c->end &&
			                   is_ctl((unsigned char)c->p[1])))
				return errbuf_set(c->eb, "a control character "
				                         "in a comment");
			if (ch == ')')
				depth--;
			else if (ch == '\\' && c->p + 1 < c->end)
				c->p++;
			c->p++;
		} else {
			return 0;
		}
	}
	return depth == 0 ? 0 : errbuf_set(c->eb, "unterminated comment");
}

static int
is_tspecial(int ch)
{
	/* RFC 2045 §5.1 */
	return ch != '\0' && strchr("()<>@,;:\\\"/[]?=", ch) != NULL;
}

static int
is_token_char(int ch)
{
	/* UTF-8 (RFC 8616) is taken as it comes. */
	return ch > ' ' && ch != 0x7f && !is_tspecial(ch);
}

static int
is_pvalue_char(int ch)
{
	return ch > ' ' && ch != 0x7f && ch != ';' && ch != '(' && ch != ')' &&
	       ch != '"' && ch != '\\';
}

/* Appends one byte to buf (size bytes, NUL kept); -1 when full. */
static int
put(struct cur *c, char *buf, size_t size, size_t *n, int ch)
{
	if (*n + 1 >= size)
		return errbuf_set(c->eb, "a value longer than %zu bytes",
		                  size - 1);
	buf[(*n)++] = (char)ch;
	buf[*n] = '\0';
	return 0;
}

/* RFC 5322 §3.2.4 quoted-string, unquoted into buf. */
static int
read_quoted(struct cur *c, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (c->p++; !at_end(c); c->p++) {
		int ch = (unsigned char)*c->p;

		if (ch == '"') {
			c->p++;
			return 0;
		}
		if (ch == '\\' && c->p + 1 < c->end)
			ch = (unsigned char)*++c->p;
		if (is_ctl(ch))
			return errbuf_set(c->eb, "a control character in a "
			                         "quoted string");
		if (put(c, buf, size, &n, ch) != 0)
			return -1;
	}
	return errbuf_set(c->eb, "unterminated quoted string");
}

/* A token or quoted string (RFC 8601 "value"), or with pvalue set the
 * wider run of a property value. Never empty unless pvalue. */
static int
read_value(struct cur *c, char *buf, size_t size, int pvalue)
{
	size_t n = 0;

	if (peek(c) == '"') {
		if (read_quoted(c, buf, size) != 0)
			return -1;
		if (buf[0] == '\0' && !pvalue)
			return errbuf_set(c->eb, "a value expected");
		return 0;
	}
	buf[0] = '\0';
	while (!at_end(c) &&
	       (pvalue ? is_pvalue_char(peek(c)) : is_token_char(peek(c)))) {
		if (put(c, buf, size, &n, peek(c)) != 0)
			return -1;
		c->p++;
	}
	if (n == 0 && !pvalue)
		return errbuf_set(c->eb, "a value expected");
	return 0;
}

/* RFC 5321 Keyword (letters, digits, '-'; '_' as some write it), lower
 * case into buf. */
static int
read_keyword(struct cur *c, char *buf, size_t size, const char *what)
{
	size_t n = 0;
	int ch;

	buf[0] = '\0';
	while ((ch = peek(c)) != -1 &&
	       ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	        (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')) {
		if (ch >= 'A' && ch <= 'Z')
			ch += 'a' - 'A';
		if (put(c, buf, size, &n, ch) != 0)
			return -1;
		c->p++;
	}
	return n > 0 ? 0 : errbuf_set(c->eb, "%s expected", what);
}

/* Skips CFWS, then requires ch. */
static int
expect(struct cur *c, int ch)
{
	if (skip_cfws(c) != 0)
		return -1;
	if (peek(c) != ch)
		return errbuf_set(c->eb, "'%c' expected", ch);
	c->p++;
	return skip_cfws(c);
}

/* One "reason=value" or "ptype.property=pvalue" into r. */
static int
read_prop(struct cur *c, struct authres_result *r)
{
	char ptype[AUTHRES_NAME_MAX], prop[AUTHRES_NAME_MAX];
	struct authres_prop *p;

	if (read_keyword(c, ptype, sizeof(ptype), "a property") != 0 ||
	    skip_cfws(c) != 0)
		return -1;
	if (r->nprops == LIMIT_AUTHRES_PROPS)
		return errbuf_set(c->eb, "more than %d properties",
		                  LIMIT_AUTHRES_PROPS);
	p = &r->props[r->nprops];
	if (strcmp(ptype, "reason") == 0 && peek(c) == '=') {
		/* RFC 8601 §2.2 reasonspec */
		snprintf(p->name, sizeof(p->name), "reason");
		if (expect(c, '=') != 0 ||
		    read_value(c, p->value, sizeof(p->value), 0) != 0)
			return -1;
	} else {
		if (expect(c, '.') != 0 ||
		    read_keyword(c, prop, sizeof(prop), "a property") != 0 ||
		    expect(c, '=') != 0 ||
		    read_value(c, p->value, sizeof(p->value), 1) != 0)
			return -1;
		/* Fits: each part is under AUTHRES_NAME_MAX. */
		snprintf(p->name, sizeof(p->name), "%s.%s", ptype, prop);
	}
	r->nprops++;
	return 0;
}

/* One resinfo after its ';': methodspec, then properties up to the next
 * ';' or the end. */
static int
read_resinfo(struct cur *c, struct authres_result *r)
{
	char version[AUTHRES_NAME_MAX];

	memset(r, 0, sizeof(*r));
	if (read_keyword(c, r->method, sizeof(r->method), "a method") != 0 ||
	    skip_cfws(c) != 0)
		return -1;
	if (peek(c) == '/') {
		/* RFC 8601 §2.2 method-version */
		c->p++;
		if (skip_cfws(c) != 0 ||
		    read_keyword(c, version, sizeof(version),
		                 "a method version") != 0)
			return -1;
	}
	if (expect(c, '=') != 0 ||
	    read_keyword(c, r->result, sizeof(r->result), "a result") != 0)
		return -1;
	for (;;) {
		if (skip_cfws(c) != 0)
			return -1;
		if (at_end(c) || peek(c) == ';')
			return 0;
		if (read_prop(c, r) != 0)
			return -1;
	}
}

/* The authserv-id and the optional version (RFC 8601 §2.2). */
static int
read_head(struct cur *c, struct authres *out)
{
	char version[AUTHRES_NAME_MAX];

	if (skip_cfws(c) != 0 ||
	    read_value(c, out->authserv_id, sizeof(out->authserv_id), 0) != 0)
		return -1;
	if (skip_cfws(c) != 0)
		return -1;
	if (peek(c) >= '0' && peek(c) <= '9')
		return read_keyword(c, version, sizeof(version), "a version");
	return 0;
}

int
authres_parse(const char *s, size_t len, struct authres *out, struct errbuf *eb)
{
	struct cur c = {s, s + len, eb};
	const char *mark;

	/* Only the head: each result is zeroed as it is read
	 * (read_resinfo), and the whole struct is 234 KiB. */
	out->authserv_id[0] = '\0';
	out->nresults = 0;
	if (s == NULL)
		return errbuf_set(eb, "Authentication-Results: empty");
	if (read_head(&c, out) != 0)
		goto bad;
	for (;;) {
		if (skip_cfws(&c) != 0)
			goto bad;
		if (at_end(&c))
			break;
		if (peek(&c) != ';') {
			errbuf_set(eb, "';' expected");
			goto bad;
		}
		c.p++;
		if (skip_cfws(&c) != 0)
			goto bad;
		mark = c.p;
		/* RFC 8601 §2.2 no-result: "; none", alone. */
		if (out->nresults == 0 && c.end - c.p >= 4 &&
		    strncasecmp(c.p, "none", 4) == 0) {
			c.p += 4;
			if (skip_cfws(&c) == 0 && at_end(&c))
				return 0;
			c.p = mark;
		}
		if (out->nresults == LIMIT_AUTHRES_RESULTS) {
			errbuf_set(eb, "more than %d results",
			           LIMIT_AUTHRES_RESULTS);
			goto bad;
		}
		if (read_resinfo(&c, &out->results[out->nresults]) != 0)
			goto bad;
		out->nresults++;
	}
	if (out->nresults > 0)
		return 0;
	errbuf_set(eb, "no result");
bad:
	out->nresults = 0;
	errbuf_prefix(eb, "Authentication-Results");
	return -1;
}

const char *
authres_prop(const struct authres_result *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nprops; i++)
		if (strcmp(r->props[i].name, name) == 0)
			return r->props[i].value;
	return NULL;
}
