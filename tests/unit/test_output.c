/*
 * test_output.c - analyzer/output.c: what a table, a plain line and a CSV
 * cell make of a stranger's text (issue 15, §6). Control characters,
 * bytes that are not UTF-8, C1 controls and bidi controls come out
 * escaped; CSV text cells that a spreadsheet would run as formulas start
 * with a quote unless raw; numbers, negative ones too, are not text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

static const struct {
	const char *name, *in, *out;
} escapes[] = {
    {"plain ASCII", "Google Inc.", "Google Inc."},
    {"UTF-8 kept", "Почта Mail.ru", "Почта Mail.ru"},
    {"OSC title and clear screen", "A\x1b]0;x\x07\x1b[2J",
     "A\\x1b]0;x\\x07\\x1b[2J"},
    {"newline, CR, tab", "a\nb\rc\td", "a\\x0ab\\x0dc\\x09d"},
    {"DEL", "a\x7f", "a\\x7f"},
    {"backslash doubled", "a\\x1b", "a\\\\x1b"},
    {"C1 CSI as UTF-8",
     "a\xc2\x9b"
     "31m",
     "a\\u009b31m"},
    {"raw CSI byte (not UTF-8)",
     "a\x9b"
     "31m",
     "a\\x9b31m"},
    {"overlong slash", "\xc0\xaf", "\\xc0\\xaf"},
    {"surrogate", "\xed\xa0\x80", "\\xed\\xa0\\x80"},
    {"truncated sequence", "a\xe2\x82", "a\\xe2\\x82"},
    {"bidi override",
     "abc\xe2\x80\xae"
     "def",
     "abc\\u202edef"},
    {"line separator",
     "a\xe2\x80\xa8"
     "b",
     "a\\u2028b"},
    {"4-byte emoji kept", "\xf0\x9f\x93\xa7", "\xf0\x9f\x93\xa7"},
    {"empty", "", ""},
};

static void
test_escape(void **state)
{
	size_t i;
	char *e;

	(void)state;
	for (i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
		e = output_escape(escapes[i].in);
		assert_non_null(e);
		if (strcmp(e, escapes[i].out) != 0)
			fail_msg("%s: got '%s', expected '%s'", escapes[i].name,
			         e, escapes[i].out);
		free(e);
	}
	assert_string_equal(e = output_escape(NULL), "");
	free(e);
}

static const struct column cols[] = {
    {"org", "ORG", COL_TEXT},
    {"n", "N", COL_INT},
    {"rate", "RATE", COL_RATE},
    {"list", "LIST", COL_LIST},
};

/* Writes one row in fmt and returns the output, malloc'd. */
static char *
one_row(enum output_format fmt, int raw, const char *org, int64_t n,
        const char *const *list, size_t nlist)
{
	struct table *t = table_new(cols, 4);
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(t);
	assert_non_null(fp);
	table_set_csv_raw(t, raw);
	assert_int_equal(table_row(t), 0);
	assert_int_equal(table_text(t, org), 0);
	assert_int_equal(table_int(t, n), 0);
	assert_int_equal(table_rate(t, -0.5), 0);
	assert_int_equal(table_list(t, list, nlist), 0);
	assert_int_equal(table_print(t, fmt, fp), 0);
	table_free(t);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static const struct {
	const char *org;
	int raw;
	const char *row; /* the CSV record after the header */
} csv[] = {
    {"=1+1", 0, "\"'=1+1\",-5,-0.5,\"'-x;y\"\r\n"},
    {"+1", 0, "\"'+1\",-5,-0.5,\"'-x;y\"\r\n"},
    {"-1", 0, "\"'-1\",-5,-0.5,\"'-x;y\"\r\n"},
    {"@A1", 0, "\"'@A1\",-5,-0.5,\"'-x;y\"\r\n"},
    {"\tx", 0, "\"'\tx\",-5,-0.5,\"'-x;y\"\r\n"},
    {"\r=1", 0, "\"'\r=1\",-5,-0.5,\"'-x;y\"\r\n"},
    {"=\"a\"", 0, "\"'=\"\"a\"\"\",-5,-0.5,\"'-x;y\"\r\n"},
    {"a=1", 0, "a=1,-5,-0.5,\"'-x;y\"\r\n"},
    {"=1+1", 1, "=1+1,-5,-0.5,-x;y\r\n"},
    {"a,b", 1, "\"a,b\",-5,-0.5,-x;y\r\n"},
};

static void
test_csv(void **state)
{
	const char *list[] = {"-x", "y"};
	const char *hdr = "org,n,rate,list\r\n";
	size_t i;
	char *out;

	(void)state;
	for (i = 0; i < sizeof(csv) / sizeof(csv[0]); i++) {
		out = one_row(FORMAT_CSV, csv[i].raw, csv[i].org, -5, list, 2);
		assert_memory_equal(out, hdr, strlen(hdr));
		if (strcmp(out + strlen(hdr), csv[i].row) != 0)
			fail_msg("%zu: got '%s', expected '%s'", i,
			         out + strlen(hdr), csv[i].row);
		free(out);
	}
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The table escapes, and a newline in a cell cannot make a row. */
static void
test_table(void **state)
{
	const char *list[] = {"a\x1b[2J", "b\nc"};
	char *out;

	(void)state;
	out = one_row(FORMAT_TABLE, 0, "Evil\x1b]0;t\x07\nforged", 7, list, 2);
	assert_null(strchr(out, '\x1b'));
	assert_null(strchr(out, '\x07'));
	assert_non_null(strstr(out, "Evil\\x1b]0;t\\x07\\x0aforged"));
	assert_non_null(strstr(out, "a\\x1b[2J,b\\x0ac"));
	assert_non_null(strstr(out, "-50.00%"));
	assert_int_equal(count_lines(out), 2); /* the titles and one row */
	free(out);
	/* JSON keeps the text (jansson escapes it). */
	out = one_row(FORMAT_JSON, 0, "a\x1b", -5, list, 2);
	assert_non_null(strstr(out, "\"a\\u001B\""));
	assert_non_null(strstr(out, "\"n\":-5"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_csv),
	    cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
