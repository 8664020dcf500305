/*
 * test_table.c - analyzer/table.c: what a table, a plain line and a CSV
 * cell make of a stranger's text (issue 15, §6). Control characters,
 * bytes that are not UTF-8, C1 controls and bidi controls come out
 * escaped; CSV text cells that a spreadsheet would run as formulas start
 * with a quote unless raw; numbers, negative ones too, are not text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

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
    {"org", "ORG", COL_TEXT, 0, 0},
    {"n", "N", COL_INT, 0, 0},
    {"rate", "RATE", COL_RATE, 0, 0},
    {"list", "LIST", COL_LIST, 0, 0},
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

/* JSON rows are written directly, not through jansson: each must be the
 * bytes json_dumps makes of the same object (compact, in column order),
 * for the ends of 64 bits, zero, quotes, backslashes, every escape, a
 * control character, UTF-8 kept; a byte that is not UTF-8 (which jansson
 * refuses) becomes U+FFFD. */
static void
test_json_like_jansson(void **state)
{
	static const struct {
		const char *text;
		int64_t n;
	} rows[] = {
	    {"plain", 0},
	    {"q\"b\\s/", INT64_MIN},
	    {"\b\f\n\r\t\x01\x1f\x7f", INT64_MAX},
	    {"caf\xc3\xa9 \xe2\x80\xae \xf0\x9f\x98\x80", -1},
	};
	const char *list[] = {"x"};
	char *out, *want, *row;
	json_t *obj, *arr;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		out = one_row(FORMAT_JSON, 0, rows[i].text, rows[i].n, list, 1);
		arr = json_array();
		json_array_append_new(arr, json_string(rows[i].text));
		obj = json_object();
		json_object_set_new(obj, "org", json_string(rows[i].text));
		json_object_set_new(obj, "n", json_integer(rows[i].n));
		json_object_set_new(obj, "rate", json_real(-0.5));
		json_object_set_new(obj, "list", json_pack("[s]", "x"));
		row = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER |
		                          JSON_REAL_PRECISION(6));
		assert_non_null(row);
		assert_true(asprintf(&want, "[\n  %s\n]\n", row) > 0);
		assert_string_equal(out, want);
		free(want);
		free(row);
		json_decref(obj);
		json_decref(arr);
		free(out);
	}
	out = one_row(FORMAT_JSON, 0, "a\xff\xc3(b", 1, list, 1);
	assert_non_null(strstr(out, "\"org\":\"a\xef\xbf\xbd\xef\xbf\xbd(b\""));
	free(out);
}

/* The layout cases (struct column): NAME a domain and N a number, never
 * narrowed; X and L left out, X first; NOTE wraps, wanting 8 columns.
 * Natural widths: NAME 16 (long.example.com), N 2, X 3, L 9 (a.ex,b.ex),
 * NOTE 22 (fix the mx one.example), two spaces apart: 60 in all. NOTE's
 * longest word, one.example, is 11: it wants max(11, 8) = 11 before
 * columns go, and never narrows below 11. The third row's name is five
 * Cyrillic letters (ten bytes), padded as five columns. */
static const struct column fit_cols[] = {
    {"name", "NAME", COL_TEXT, 0, 0}, {"n", "N", COL_INT, 0, 0},
    {"x", "X", COL_TEXT, 2, 0},       {"l", "L", COL_LIST, 1, 0},
    {"note", "NOTE", COL_TEXT, 0, 8},
};

static const struct {
	const char *name;
	size_t width;
	const char *out;
} fits[] = {
    /* No limit, or room: as they are; no line ends in a blank. */
    {"no limit", 0,
     "NAME              N   X    L          NOTE\n"
     "long.example.com  42  xyz  a.ex,b.ex  fix the mx one.example\n"
     "b.ex               7  q    c.ex       ok\n"
     "\xd0\x9f\xd0\xbe\xd1\x87\xd1\x82\xd0\xb0"
     "              7  q    c.ex       ok\n"},
    {"wide enough", 60,
     "NAME              N   X    L          NOTE\n"
     "long.example.com  42  xyz  a.ex,b.ex  fix the mx one.example\n"
     "b.ex               7  q    c.ex       ok\n"
     "\xd0\x9f\xd0\xbe\xd1\x87\xd1\x82\xd0\xb0"
     "              7  q    c.ex       ok\n"},
    /* 50: the columns at what they want take 16+2+3+9+11 + 4*2 = 49, so
     * none goes; NOTE narrows from 22 to 12 (60 - 10) and wraps at its
     * last space within 12: "fix the mx" / "one.example", under NOTE
     * (16+2+2+2+3+2+9+2 = 38 columns in). */
    {"NOTE wraps", 50,
     "NAME              N   X    L          NOTE\n"
     "long.example.com  42  xyz  a.ex,b.ex  fix the mx\n"
     "                                      one.example\n"
     "b.ex               7  q    c.ex       ok\n"
     "\xd0\x9f\xd0\xbe\xd1\x87\xd1\x82\xd0\xb0"
     "              7  q    c.ex       ok\n"},
    /* 40: 49 > 40, X goes (44), then L (33); NOTE narrows from 22 to
     * 18 (16+2+2+2 + 18 = 40): "fix the mx" / "one.example" 22 columns
     * in. The note names X and L, wrapped at 40 after "columns:". */
    {"X and L left out", 40,
     "NAME              N   NOTE\n"
     "long.example.com  42  fix the mx\n"
     "                      one.example\n"
     "b.ex               7  ok\n"
     "\xd0\x9f\xd0\xbe\xd1\x87\xd1\x82\xd0\xb0"
     "              7  ok\n"
     "(columns X, L not shown at 40 columns:\n"
     "widen the terminal or use --format csv)\n"},
    /* 20: nothing more may go; NOTE stops at its longest word, 11: the
     * table is 33 wide, no word cut. The note wraps at 20. */
    {"cannot fit: wider, words whole", 20,
     "NAME              N   NOTE\n"
     "long.example.com  42  fix the mx\n"
     "                      one.example\n"
     "b.ex               7  ok\n"
     "\xd0\x9f\xd0\xbe\xd1\x87\xd1\x82\xd0\xb0"
     "              7  ok\n"
     "(columns X, L not\n"
     "shown at 20 columns:\n"
     "widen the terminal\n"
     "or use --format csv)\n"},
};

static void
test_fit(void **state)
{
	const char *l1[] = {"a.ex", "b.ex"}, *l2[] = {"c.ex"};
	struct table *t;
	char *buf;
	size_t len, i;
	FILE *fp;

	(void)state;
	for (i = 0; i < sizeof(fits) / sizeof(fits[0]); i++) {
		buf = NULL;
		assert_non_null(t = table_new(fit_cols, 5));
		assert_non_null(fp = open_memstream(&buf, &len));
		table_set_width(t, fits[i].width);
		assert_int_equal(table_row(t), 0);
		table_text(t, "long.example.com");
		table_int(t, 42);
		table_text(t, "xyz");
		table_list(t, l1, 2);
		table_text(t, "fix the mx one.example");
		assert_int_equal(table_row(t), 0);
		table_text(t, "b.ex");
		table_int(t, 7);
		table_text(t, "q");
		table_list(t, l2, 1);
		table_text(t, "ok");
		assert_int_equal(table_row(t), 0);
		table_text(t, "\xd0\x9f\xd0\xbe\xd1\x87\xd1\x82\xd0\xb0");
		table_int(t, 7);
		table_text(t, "q");
		table_list(t, l2, 1);
		table_text(t, "ok");
		assert_int_equal(table_print(t, FORMAT_TABLE, fp), 0);
		table_free(t);
		assert_int_equal(fclose(fp), 0);
		if (strcmp(buf, fits[i].out) != 0)
			fail_msg("%s: got\n%s\nexpected\n%s", fits[i].name, buf,
			         fits[i].out);
		free(buf);
	}
}

/* A table without rows says so, in the caller's words, wrapped. */
static void
test_empty(void **state)
{
	struct table *t;
	char *buf = NULL;
	size_t len;
	FILE *fp;

	(void)state;
	assert_non_null(t = table_new(fit_cols, 5));
	assert_non_null(fp = open_memstream(&buf, &len));
	table_set_width(t, 30);
	assert_int_equal(table_set_empty(t, "nothing in the last 30 days: try "
	                                    "--since 90d"),
	                 0);
	assert_int_equal(table_print(t, FORMAT_TABLE, fp), 0);
	table_free(t);
	assert_int_equal(fclose(fp), 0);
	/* Titles at their own widths (4+2+1+2+1+2+1+2+4 = 19 <= 30), then
	 * the line in parentheses, wrapped at 30 after "days:". */
	assert_string_equal(buf, "NAME  N  X  L  NOTE\n"
	                         "(nothing in the last 30 days:\n"
	                         "try --since 90d)\n");
	free(buf);
}

static const struct column two_cols[] = {
    {"name", "NAME", COL_TEXT, 0, 0},
    {"n", "N", COL_INT, 0, 0},
};

/* Rows "r<i>", i, for i in [from, to). */
static void
put_rows_upto(struct table *t, size_t from, size_t to)
{
	char name[32];
	size_t i;

	for (i = from; i < to; i++) {
		snprintf(name, sizeof(name), "r%zu", i);
		assert_int_equal(table_row(t), 0);
		table_text(t, name);
		table_int(t, (int64_t)i);
	}
}

/*
 * A streamed table sizes its columns from its first TABLE_ALIGN_ROWS
 * (1,000) rows and writes the rest as they come. Under 1,000 rows it is
 * the table printed at once. Over them: "r0".."r999" are 4 wide and
 * 0..999 3 wide, so row 0 is "r0" + 2 blanks to 4 + 2 apart + 2 blanks
 * to right-align "0" in 3 = "r0      0"; "r1000" and 1000 no longer fit
 * and widen their own line only: "r1000  1000". The rows are in the
 * stream before table_print: 1,000 laid out and the 1,000th of the rest
 * (each row is written when the next one starts).
 */
static void
test_stream_table(void **state)
{
	struct table *t;
	char *buf = NULL, *once = NULL, *line;
	size_t len, olen, lines = 0;
	FILE *fp, *ofp;

	(void)state;
	assert_non_null(t = table_new(two_cols, 2));
	assert_non_null(fp = open_memstream(&buf, &len));
	table_stream(t, FORMAT_TABLE, fp);
	put_rows_upto(t, 0, 10);
	assert_int_equal(fflush(fp), 0);
	assert_int_equal(len, 0); /* held: fewer than 1,000 */
	assert_int_equal(table_print(t, FORMAT_TABLE, fp), 0);
	table_free(t);
	assert_int_equal(fclose(fp), 0);
	assert_non_null(t = table_new(two_cols, 2));
	assert_non_null(ofp = open_memstream(&once, &olen));
	put_rows_upto(t, 0, 10);
	assert_int_equal(table_print(t, FORMAT_TABLE, ofp), 0);
	table_free(t);
	assert_int_equal(fclose(ofp), 0);
	assert_string_equal(buf, once);
	free(buf);
	free(once);

	buf = NULL;
	assert_non_null(t = table_new(two_cols, 2));
	assert_non_null(fp = open_memstream(&buf, &len));
	table_stream(t, FORMAT_TABLE, fp);
	put_rows_upto(t, 0, 2001);
	assert_int_equal(fflush(fp), 0);
	for (line = buf; (line = strchr(line, '\n')) != NULL; line++)
		lines++;
	assert_int_equal(lines, 1 + 2000); /* titles and rows 0..1999 */
	assert_int_equal(table_print(t, FORMAT_TABLE, fp), 0);
	table_free(t);
	assert_int_equal(fclose(fp), 0);
	assert_true(strncmp(buf, "NAME  N\nr0      0\nr1      1\n", 27) == 0);
	assert_non_null(strstr(buf, "\nr999  999\nr1000  1000\n"));
	assert_non_null(strstr(buf, "\nr2000  2000\n"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_csv),
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_fit),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_stream_table),
	    cmocka_unit_test(test_json_like_jansson),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
