/*
 * test_serve_html.c - what `tlsrpt serve` writes of a report's bytes:
 * HTML text and attribute escaping, URL parts percent-encoded, a table's
 * rows sorted by a column (stable, missing values last, counts as
 * numbers), and a request's parameters read as the CLI reads its options
 * (a bad value and an unknown name refused, naming them).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serve.h"
#include "table.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
/* "secret" hashed by tlsrpt serve --hash-password; Python's crypt module
 * (libxcrypt too) gives the same string for it. */
#define AUTH_HASH                                                              \
	"$y$j9T$bLZqD.uiDUDON8xKb4S8k1$HKX1.7FEuGgkiftoENb3iS."                \
	"z7X4KxFtdxUfBqEUlIq."

struct serve_cfg serve_cfg; /* serve.c's, not linked here */
const char serve_css[] = "";

/* Runs f(fp, in) into a string. */
static char *
written(void (*f)(FILE *, const char *), const char *in)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	assert_non_null(fp);
	f(fp, in);
	assert_int_equal(fclose(fp), 0);
	return out;
}

static const struct esc_case {
	const char *name, *in, *text, *url;
} esc_cases[] = {
    {"plain", "mx1.example.com", "mx1.example.com", "mx1.example.com"},
    {"markup", "<script>alert(1)</script>",
     "&lt;script&gt;alert(1)&lt;/script&gt;",
     "%3Cscript%3Ealert%281%29%3C%2Fscript%3E"},
    {"quotes end an attribute", "\"'><img src=x onerror=alert(1)>",
     "&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;",
     "%22%27%3E%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E"},
    {"an ampersand", "a&b", "a&amp;b", "a%26b"},
    {"a javascript: URL", "javascript:alert(1)", "javascript:alert(1)",
     "javascript%3Aalert%281%29"},
    {"control characters",
     "a\x01"
     "b\x1b[31mc\x7f", /* U+FFFD each */
     "a\xEF\xBF\xBD"
     "b\xEF\xBF\xBD[31mc\xEF\xBF\xBD",
     "a%01b%1B%5B31mc%7F"},
    {"bidi and C1 controls",
     "a\xE2\x80\xAE"
     "b\xC2\x9B"
     "c\xE2\x81\xA6"
     "d",
     "a\xEF\xBF\xBD"
     "b\xEF\xBF\xBD"
     "c\xEF\xBF\xBD"
     "d",
     "a%E2%80%AEb%C2%9Bc%E2%81%A6d"},
    {"tab and newline stay", "a\tb\nc", "a\tb\nc", "a%09b%0Ac"},
    {"UTF-8 as it is",
     "b\xC3\xBC"
     "cher",
     "b\xC3\xBC"
     "cher",
     "b%C3%BCcher"},
    {"a path", "../x?y#z", "../x?y#z", "..%2Fx%3Fy%23z"},
    {"NULL is empty", NULL, "", ""},
};

static void
test_escape(void **state)
{
	size_t i;
	char *t, *u;

	(void)state;
	for (i = 0; i < NELEM(esc_cases); i++) {
		t = written(html_text, esc_cases[i].in);
		u = written(html_url_part, esc_cases[i].in);
		if (strcmp(t, esc_cases[i].text) != 0 ||
		    strcmp(u, esc_cases[i].url) != 0)
			fail_msg("%s: text '%s' url '%s'", esc_cases[i].name, t,
			         u);
		free(t);
		free(u);
	}
}

/* A table of (name, count) with a missing name: sorted by either. */
static const struct column cols[] = {
    {"name", "NAME", COL_TEXT, 0, 0},
    {"count", "COUNT", COL_INT, 0, 0},
};

static struct table *
sample(void)
{
	static const struct {
		const char *name;
		int64_t count;
	} rows[] = {{"b", 10}, {NULL, 7}, {"a", 10}, {"c", 2}, {"a", 99}};
	struct table *t = table_new(cols, NELEM(cols));
	size_t i;

	assert_non_null(t);
	for (i = 0; i < NELEM(rows); i++)
		assert_int_equal(table_row(t) || table_text(t, rows[i].name) ||
		                     table_int(t, rows[i].count),
		                 0);
	return t;
}

/* The rows as "name:count;" ("-" for a missing name). */
static void
order(const struct table *t, char *buf, size_t size)
{
	size_t i, n = 0;
	const char *v;

	buf[0] = '\0';
	for (i = 0; i < table_nrows(t); i++) {
		v = table_cell_text(t, i, 0);
		n +=
		    (size_t)snprintf(buf + n, size - n, "%s:%lld;", v ? v : "-",
		                     (long long)table_cell_int(t, i, 1));
	}
}

static void
test_sort(void **state)
{
	static const struct {
		const char *name;
		size_t col;
		int desc;
		const char *want;
	} cases[] = {
	    /* ties keep their order: b:10 before a:10 */
	    {"counts, largest first", 1, 1, "a:99;b:10;a:10;-:7;c:2;"},
	    {"counts, smallest first", 1, 0, "c:2;-:7;b:10;a:10;a:99;"},
	    {"names A to Z, missing last", 0, 0, "a:10;a:99;b:10;c:2;-:7;"},
	    {"names Z to A, missing last", 0, 1, "c:2;b:10;a:10;a:99;-:7;"},
	};
	char got[256];
	struct table *t;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		t = sample();
		assert_int_equal(table_sort(t, cases[i].col, cases[i].desc), 0);
		order(t, got, sizeof(got));
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s: %s, not %s", cases[i].name, got,
			         cases[i].want);
		table_free(t);
	}
}

static const struct param_case {
	const char *name, *key, *value;
	const char *error; /* a substring of the 400's text, NULL: taken */
} param_cases[] = {
    {"a date", "since", "2026-01-10", NULL},
    {"a bad date", "since", "2026-13-01", "since: "},
    {"a bad date says the value", "until", "tomorrow", "'tomorrow'"},
    {"an unknown name", "sicne", "2026-01-10", "unknown parameter 'sicne'"},
    {"a --by key", "by", "type,mx", NULL},
    {"a bad --by key", "by", "type,colour", "unknown key 'colour'"},
    {"a page", "page", "3", NULL},
    {"page 0", "page", "0", "page: expected a page number"},
    {"page 2000, the last read", "page", "2000", NULL},
    {"page 2001: the rows before it are over a sort's", "page", "2001",
     "from 1 to 2000"},
    {"an empty date from the form is no filter", "since", "", NULL},
    {"an empty domain from the form is no filter", "domain", "", NULL},
    {"failed alone", "failed", "", NULL},
    {"failed=1", "failed", "1", NULL},
    {"failed=0 is not 'not failed'", "failed", "0", "failed: expected"},
    {"a direction", "dir", "sideways", "dir: expected asc or desc"},
    {"format json", "format", "json", NULL},
    {"format table is not the API's", "format", "table",
     "format: expected json or csv"},
    {"a limit", "limit", "0", "limit: expected a positive number"},
    {"a rate", "max-failure-rate", "2", "a fraction from 0 to 1"},
    {"a value too long", "org",
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
     "a value over 256 bytes"},
};

static void
test_params(void **state)
{
	struct serve_req *r = malloc(sizeof(*r));
	size_t i;
	int ret;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < NELEM(param_cases); i++) {
		const struct param_case *c = &param_cases[i];

		serve_req_init(r, 1767225600);
		ret = serve_req_add(r, c->key, c->value);
		if (c->error == NULL ? ret != 0 || r->error[0] != '\0'
		                     : ret == 0 || !strstr(r->error, c->error))
			fail_msg("%s: returned %d, '%s'", c->name, ret,
			         r->error);
		serve_req_free(r);
	}
	/* A parameter the route does not take: 400 naming it and the route;
	 * the filters are kept for the links, URL-encoded. */
	serve_req_init(r, 1767225600);
	assert_int_equal(serve_req_add(r, "by", "type"), 0);
	assert_int_equal(serve_req_add(r, "org", "Google <x>"), 0);
	assert_int_equal(serve_req_check(r, "/", (const char *[]){"by"}, 1),
	                 -1);
	assert_non_null(strstr(r->error, "'by' for /"));
	assert_string_equal(r->keep, "org=Google%20%3Cx%3E");
	assert_string_equal(r->keep_all, "by=type&org=Google%20%3Cx%3E");
	serve_req_free(r);
	free(r);
}

/* Answers kept: over the bytes or the slots, the oldest go, and the
 * newest is found (the eviction once spun forever when one drop did not
 * make room). */
static void
test_cache(void **state)
{
	const size_t mib = 1024 * 1024;
	struct serve_answer a = {200, "text/plain", NULL, 0}, got;
	char key[32];
	size_t i;

	(void)state;
	serve_cfg.db = "/nonexistent/t.db";
	a.body = calloc(1, 15 * mib);
	assert_non_null(a.body);
	/* 4 x 15 MiB, then 5 MiB: 65 MiB is over 64, the first goes */
	a.len = 15 * mib;
	for (i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "big%zu", i);
		serve_cache_put(key, &a);
	}
	a.len = 5 * mib;
	serve_cache_put("five", &a);
	assert_int_equal(serve_cache_get("big0", &got), 0);
	assert_int_equal(serve_cache_get("big1", &got), 1);
	free(got.body);
	assert_int_equal(serve_cache_get("five", &got), 1);
	assert_int_equal(got.len, 5 * mib);
	free(got.body);
	/* 40 small ones into 32 slots: the 8 oldest go */
	a.len = 10;
	for (i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "small%zu", i);
		serve_cache_put(key, &a);
	}
	assert_int_equal(serve_cache_get("small7", &got), 0);
	assert_int_equal(serve_cache_get("small8", &got), 1);
	free(got.body);
	assert_int_equal(serve_cache_get("small39", &got), 1);
	free(got.body);
	free(a.body);
	serve_cache_free();
}

/* --auth-file: the right password only; a file that fails to load on
 * SIGHUP leaves the users before it in force. */
static void
test_auth(void **state)
{
	char good[] = "/tmp/tlsrpt-test-authXXXXXX";
	struct errbuf eb = {""};
	FILE *fp;
	int fd;

	(void)state;
	assert_true((fd = mkstemp(good)) >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	fprintf(fp, "# users\nadmin:%s\n", AUTH_HASH);
	fclose(fp);
	assert_int_equal(serve_auth_load(good, &eb), 0);
	assert_int_equal(serve_auth_check("admin", "secret"), 1);
	assert_int_equal(serve_auth_check("admin", "Secret"), 0);
	assert_int_equal(serve_auth_check("root", "secret"), 0);
	assert_int_equal(serve_auth_check("admin", AUTH_HASH), 0);
	/* a plain password in the file: refused, naming the line */
	assert_non_null(fp = fopen(good, "w"));
	fprintf(fp, "admin:$y$ok\nbob:secret\n");
	fclose(fp);
	assert_int_equal(serve_auth_load(good, &eb), -1);
	assert_non_null(strstr(eb.msg, ":2: expected user:HASH"));
	assert_int_equal(serve_auth_check("admin", "secret"), 1);
	unlink(good);
	assert_int_equal(serve_auth_load(good, &eb), -1);
	assert_int_equal(serve_auth_check("admin", "secret"), 1);
	serve_auth_free();
	assert_int_equal(serve_auth_check("admin", "secret"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape), cmocka_unit_test(test_sort),
	    cmocka_unit_test(test_params), cmocka_unit_test(test_cache),
	    cmocka_unit_test(test_auth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
