/*
 * test_source.c - the mbox splitter behind `tlsrpt import` (source.h),
 * through source_walk on files it writes: a file whose first bytes are
 * "From " is an mbox (mboxrd); a message starts at a "From " line, with
 * the envelope sender and a time, at the start of the file or after a
 * blank line; that line is not part of the message, every other line is,
 * ">From " lines losing one '>'; a message is named PATH#N and cut at
 * max_input + 1 bytes. Any other file, an empty one too, is one input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define SEP_A    "From a@example.org Thu Jan  1 00:00:00 2026\n"
#define SEP_B    "From b@example.org Fri Jan  2 10:30:00 2026\n"
#define MAX_MSGS 4

static const struct mbox_case {
	const char *name, *file;
	size_t max_input; /* 0: 1 MiB */
	int whole;        /* one input named as the file, not split */
	size_t nmsgs;
	const char *msg[MAX_MSGS];
} mbox_cases[] = {
    {"two messages",
     SEP_A "Subject: one\n\nbody 1\n\n" SEP_B "Subject: two\n\nbody 2\n",
     0,
     0,
     2,
     {"Subject: one\n\nbody 1\n\n", "Subject: two\n\nbody 2\n"}},
    {">From lines lose one '>'",
     SEP_A "A: 1\n\n>From here\n>>From there\n> From not\n>Fromage\n",
     0,
     0,
     1,
     {"A: 1\n\nFrom here\n>From there\n> From not\n>Fromage\n"}},
    {"From lines that start no message",
     SEP_A "A: 1\n\nFrom the start of it\n" SEP_B "From b\n",
     0,
     0,
     1,
     {"A: 1\n\nFrom the start of it\n" SEP_B "From b\n"}},
    {"the last message without a newline",
     SEP_A "A: 1\n\n" SEP_B "A: 2\n\nlast",
     0,
     0,
     2,
     {"A: 1\n\n", "A: 2\n\nlast"}},
    {"CRLF lines",
     "From a@example.org Thu Jan  1 00:00:00 2026\r\nA: 1\r\n\r\n"
     "From b@example.org Thu Jan  1 00:00:01 2026\r\nA: 2\r\n",
     0,
     0,
     2,
     {"A: 1\r\n\r\n", "A: 2\r\n"}},
    {"a separator alone is one empty message", SEP_A, 0, 0, 1, {""}},
    {"a message over the limit is cut at limit + 1",
     SEP_A "0123456789012345678901234567890123456789\n\n" SEP_B "A: 2\n",
     16,
     0,
     2,
     {"01234567890123456", "A: 2\n"}},
    {"an empty file is one empty input", "", 0, 1, 1, {""}},
    {"a message that is no mbox",
     "Subject: x\n\n" SEP_A,
     0,
     1,
     1,
     {"Subject: x\n\n" SEP_A}},
};

/* What the walk handed over, freed by teardown even when a test fails. */
struct got {
	const struct mbox_case *c;
	char *dir;
	size_t n;
	unsigned char *bytes[MAX_MSGS + 1];
	size_t len[MAX_MSGS + 1];
	char *name[MAX_MSGS + 1];
	int errors;
};

static int
on_input(void *arg, unsigned char *bytes, size_t len, char *name)
{
	struct got *g = arg;

	if (g->n == MAX_MSGS + 1) {
		free(bytes);
		free(name);
		return -1;
	}
	g->bytes[g->n] = bytes;
	g->len[g->n] = len;
	g->name[g->n++] = name;
	return 0;
}

static void
on_error(void *arg, const char *name, const char *reason)
{
	struct got *g = arg;

	print_message("%s: %s\n", name, reason);
	g->errors++;
}

static int
got_setup(void **state)
{
	struct got *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return -1;
	g->c = *state;
	g->dir = tu_tmpdir();
	*state = g;
	return 0;
}

static int
got_teardown(void **state)
{
	struct got *g = *state;
	size_t i;

	for (i = 0; i < g->n; i++) {
		free(g->bytes[i]);
		free(g->name[i]);
	}
	tu_rmtree(g->dir);
	free(g->dir);
	free(g);
	return 0;
}

static void
test_mbox_case(void **state)
{
	struct got *g = *state;
	const struct mbox_case *c = g->c;
	struct source_sink sink = {on_input, on_error, g,
	                           c->max_input ? c->max_input : 1 << 20};
	char path[600], want_name[640];
	size_t i;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/mbox", g->dir);
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(c->file, 1, strlen(c->file), fp),
	                 strlen(c->file));
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(source_walk(path, &sink), 0);
	assert_int_equal(g->errors, 0);
	if (g->n != c->nmsgs)
		fail_msg("%zu inputs, expected %zu", g->n, c->nmsgs);
	for (i = 0; i < g->n; i++) {
		if (c->whole)
			snprintf(want_name, sizeof(want_name), "%s", path);
		else
			snprintf(want_name, sizeof(want_name), "%s#%zu", path,
			         i + 1);
		assert_string_equal(g->name[i], want_name);
		/* Bytes even when there are none: a sink may copy from them. */
		assert_non_null(g->bytes[i]);
		if (g->len[i] != strlen(c->msg[i]) ||
		    (g->len[i] > 0 &&
		     memcmp(g->bytes[i], c->msg[i], g->len[i]) != 0))
			fail_msg("input %zu: \"%.*s\", expected \"%s\"", i + 1,
			         (int)g->len[i], (const char *)g->bytes[i],
			         c->msg[i]);
	}
}

int
main(void)
{
	struct tu_tests l = {0};

	TU_TESTS_ROWS(&l, mbox_cases, NELEM(mbox_cases), name, test_mbox_case,
	              got_setup, got_teardown);
	return tu_tests_run(&l, "source");
}
