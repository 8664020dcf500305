/*
 * test_opt.c - the option tables: a flag, a number at its bounds and past
 * them, a bad number, a choice, a text among choices, an alias, a list
 * over its count, a custom row, --help, unknown options, the defaults,
 * and the help text saying each row's default and bounds from the table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opt.h"

struct cfg {
	int verbose;
	size_t max;
	unsigned ratio;
	int mode;
	const char *name, *sasl;
	const char *items[2];
	size_t nitems;
	int odd;
};

static int
take_odd(void *cfg, const char *arg, struct errbuf *eb)
{
	struct cfg *c = cfg;

	if (strlen(arg) % 2 == 0)
		return errbuf_set(eb, "an odd length, not '%s'", arg);
	c->odd = (int)strlen(arg);
	return 0;
}

static const struct opt_def table[] = {
    {.kind = OPT_SECTION, .help = "Options:"},
    {.name = "verbose",
     .short_name = 'v',
     .kind = OPT_FLAG,
     .offset = offsetof(struct cfg, verbose),
     .help = "say more"},
    {.name = "max-size",
     .kind = OPT_NUM,
     .arg_name = "BYTES",
     .def = 2048,
     .min = 1024,
     .max = 65536,
     .offset = offsetof(struct cfg, max),
     .size = sizeof(size_t),
     .help = "largest input",
     .alias = "max"},
    {.name = "ratio",
     .short_name = 'r',
     .kind = OPT_NUM,
     .arg_name = "N",
     .def = 0,
     .min = 1,
     .max = 4000000000u,
     .offset = offsetof(struct cfg, ratio),
     .size = sizeof(unsigned),
     .help = "a ratio",
     .def_text = "none"},
    {.name = "mode",
     .kind = OPT_CHOICE,
     .def = 1,
     .choices = "accept|discard|reject",
     .offset = offsetof(struct cfg, mode),
     .help = "what to do"},
    {.name = "name",
     .kind = OPT_TEXT,
     .arg_name = "NAME",
     .def_text = "anon",
     .offset = offsetof(struct cfg, name),
     .help = "a name"},
    {.name = "sasl",
     .kind = OPT_TEXT,
     .choices = "XOAUTH2|OAUTHBEARER",
     .offset = offsetof(struct cfg, sasl),
     .help = "a mechanism"},
    {.name = "item",
     .kind = OPT_LIST,
     .arg_name = "ITEM",
     .max = 2,
     .offset = offsetof(struct cfg, items),
     .count_offset = offsetof(struct cfg, nitems),
     .help = "an item"},
    {.name = "odd",
     .kind = OPT_CUSTOM,
     .arg_name = "S",
     .help = "a string of odd length",
     .take = take_odd},
    OPT_ROW_HELP,
};

#define ARGS 8

static const struct {
	const char *name;
	const char *argv[ARGS]; /* after argv[0] */
	int ret;
	const char *err; /* a substring of the error, or the field's check */
} cases[] = {
    {"nothing: the defaults", {NULL}, 0, NULL},
    {"a flag, short", {"-v"}, 0, "verbose"},
    {"a flag, long", {"--verbose"}, 0, "verbose"},
    {"a number at its min", {"--max-size", "1024"}, 0, "max=1024"},
    {"a number at its max", {"--max-size=65536"}, 0, "max=65536"},
    {"a number past its max: the option and range named",
     {"--max-size", "65537"},
     -1,
     "--max-size: 1024 to 65536 bytes, not '65537'"},
    {"a number below its min", {"--max-size", "1023"}, -1, "1024 to 65536"},
    {"a bad number", {"--max-size", "12k"}, -1, "not '12k'"},
    {"a negative number", {"--max-size", "-5"}, -1, "not '-5'"},
    {"no unit for N", {"-r", "0"}, -1, "--ratio: 1 to 4000000000, not '0'"},
    {"a number into an unsigned", {"-r", "4000000000"}, 0, "ratio"},
    {"the alias", {"--max", "4096"}, 0, "max=4096"},
    {"a choice", {"--mode", "reject"}, 0, "mode=2"},
    {"a choice not among them",
     {"--mode", "keep"},
     -1,
     "--mode: accept, discard or reject, not 'keep'"},
    {"a text among choices", {"--sasl", "OAUTHBEARER"}, 0, "sasl"},
    {"a text not among them",
     {"--sasl", "PLAIN"},
     -1,
     "--sasl: XOAUTH2 or OAUTHBEARER, not 'PLAIN'"},
    {"a list at its max", {"--item", "a", "--item", "b"}, 0, "items=2"},
    {"a list over its max",
     {"--item", "a", "--item", "b", "--item", "c"},
     -1,
     "--item: at most 2"},
    {"a custom row", {"--odd", "abc"}, 0, "odd=3"},
    {"a custom row refusing", {"--odd", "ab"}, -1, "--odd: an odd length"},
    {"--help", {"--help", "--bogus"}, OPT_PARSE_HELP, NULL},
    {"an unknown option", {"--bogus"}, -1, "unknown option '--bogus'"},
    {"a missing value", {"--name"}, -1, "option '--name' needs a value"},
    {"a value to a flag",
     {"--verbose=1"},
     -1,
     "option '--verbose' takes no value"},
    {"an operand left at optind", {"x", "-v"}, 0, "verbose"},
};

static void
check_field(const struct cfg *c, const char *what)
{
	char buf[64];

	if (strcmp(what, "verbose") == 0)
		assert_int_equal(c->verbose, 1);
	else if (strcmp(what, "ratio") == 0)
		assert_int_equal(c->ratio, 4000000000u);
	else if (strcmp(what, "sasl") == 0)
		assert_string_equal(c->sasl, "OAUTHBEARER");
	else if (strncmp(what, "max=", 4) == 0)
		assert_int_equal(c->max, strtoull(what + 4, NULL, 10));
	else if (strncmp(what, "mode=", 5) == 0)
		assert_int_equal(c->mode, atoi(what + 5));
	else if (strncmp(what, "odd=", 4) == 0)
		assert_int_equal(c->odd, atoi(what + 4));
	else if (strncmp(what, "items=", 6) == 0) {
		assert_int_equal(c->nitems, 2);
		snprintf(buf, sizeof(buf), "%s%s", c->items[0], c->items[1]);
		assert_string_equal(buf, "ab");
	} else
		fail_msg("no check '%s'", what);
}

static void
test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[ARGS + 2] = {"prog"};
		struct errbuf eb = {""};
		struct cfg c;
		int argc = 1, ret;

		print_message("%s\n", cases[i].name);
		for (; cases[i].argv[argc - 1] != NULL; argc++)
			argv[argc] = (char *)cases[i].argv[argc - 1];
		memset(&c, 0xff, sizeof(c));
		opt_defaults(table, OPT_COUNT(table), &c);
		ret = opt_parse(table, OPT_COUNT(table), &c, argc, argv, &eb);
		assert_int_equal(ret, cases[i].ret);
		if (ret < 0)
			assert_non_null(strstr(eb.msg, cases[i].err));
		else if (cases[i].err != NULL)
			check_field(&c, cases[i].err);
	}
}

static void
test_defaults(void **state)
{
	struct cfg c;

	(void)state;
	memset(&c, 0xff, sizeof(c));
	opt_defaults(table, OPT_COUNT(table), &c);
	assert_int_equal(c.verbose, 0);
	assert_int_equal(c.max, 2048);
	assert_int_equal(c.ratio, 0);
	assert_int_equal(c.mode, 1);
	assert_string_equal(c.name, "anon");
	assert_null(c.sasl);
	assert_int_equal(c.nitems, 0);
}

/* The operand is where optind points after the options. */
static void
test_operand(void **state)
{
	char *argv[] = {"prog", "-v", "file", "--max", "1024", NULL};
	struct errbuf eb = {""};
	struct cfg c;

	(void)state;
	opt_defaults(table, OPT_COUNT(table), &c);
	assert_int_equal(opt_parse(table, OPT_COUNT(table), &c, 5, argv, &eb),
	                 0);
	assert_int_equal(optind, 4);
	assert_string_equal(argv[optind], "file");
	assert_int_equal(c.max, 1024);
}

static const char *const help_has[] = {
    "Options:\n",
    "  -v, --verbose         say more\n",
    "  --max-size BYTES      largest input (default 2048; 1024 to 65536; "
    "old name\n                        --max)\n",
    "  -r, --ratio N         a ratio (default none; 1 to 4000000000)\n",
    "  --mode accept|discard|reject\n                        what to do "
    "(default discard)\n",
    "  --name NAME           a name (default anon)\n",
    "  --item ITEM           an item (repeatable, at most 2)\n",
    "  -h, --help            this text\n",
};

static void
test_help(void **state)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	opt_help(table, OPT_COUNT(table), f);
	fclose(f);
	for (i = 0; i < sizeof(help_has) / sizeof(help_has[0]); i++)
		if (strstr(buf, help_has[i]) == NULL)
			fail_msg("help has no '%s' in:\n%s", help_has[i], buf);
	free(buf);
}

/* A table with the shared rows: the bounds are limits.h's. */
struct shared {
	size_t report;
	int busy;
};
static const struct opt_def shared[] = {
    OPT_ROW_MAX_REPORT_SIZE(struct shared, report),
    OPT_ROW_BUSY_TIMEOUT(struct shared, busy, "wait"),
};

static void
test_shared_rows(void **state)
{
	char *argv[] = {"prog",           "--max-report", "1048576",
	                "--busy-timeout", "600001",       NULL};
	struct errbuf eb = {""};
	struct shared s;
	char *buf = NULL, want[128];
	size_t len = 0;
	FILE *f;

	(void)state;
	opt_defaults(shared, OPT_COUNT(shared), &s);
	assert_int_equal(s.report, LIMIT_REPORT_SIZE);
	assert_int_equal(s.busy, LIMIT_BUSY_TIMEOUT_MS);
	assert_int_equal(opt_parse(shared, OPT_COUNT(shared), &s, 5, argv, &eb),
	                 -1);
	assert_int_equal(s.report, 1048576);
	assert_string_equal(eb.msg,
	                    "--busy-timeout: 0 to 600000 ms, not '600001'");
	assert_non_null(f = open_memstream(&buf, &len));
	opt_help(shared, OPT_COUNT(shared), f);
	fclose(f);
	/* Words, as the wrapping may break a line between them */
	snprintf(want, sizeof(want), "(default %zu;", LIMIT_REPORT_SIZE);
	assert_non_null(strstr(buf, want));
	snprintf(want, sizeof(want), "%zu\n", LIMIT_REPORT_SIZE_MIN);
	assert_non_null(strstr(buf, want));
	snprintf(want, sizeof(want), "to %zu;", LIMIT_REPORT_SIZE_MAX);
	assert_non_null(strstr(buf, want));
	assert_non_null(strstr(buf, "(default 10000; 0 to 600000)"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),       cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_operand),     cmocka_unit_test(test_help),
	    cmocka_unit_test(test_shared_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
