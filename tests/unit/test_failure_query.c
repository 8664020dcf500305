/*
 * test_failure_query.c - the failures query above both stores, without
 * a store: which rollup answers a grouping, and the groups of a rollup
 * read in key order with the edges' sums added, through failure_ops
 * that hand out rows held here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "failure_query.h"

#define MTT (FAILURE_BY_MODE | FAILURE_BY_TYPE | FAILURE_BY_MTA)
#define TMX (FAILURE_BY_TYPE | FAILURE_BY_MX)

static const struct {
	const char *name;
	unsigned keys;
	size_t ndomains;
	const char *organization, *receiving_ip;
	const char *want; /* the rollup's table, NULL: none */
} picks[] = {
    {"mode, type, MTA: rollup_failure", MTT, 0, NULL, NULL, "rollup_failure"},
    {"and an organization filter", MTT, 0, "o", NULL, "rollup_failure"},
    {"rollup_failure has no domain", MTT, 1, NULL, NULL, NULL},
    {"MX without the domain needs one", TMX, 0, NULL, NULL, NULL},
    {"MX with one domain", TMX, 1, NULL, NULL, "rollup_mx"},
    {"MX by domain", TMX | FAILURE_BY_DOMAIN, 2, NULL, NULL, "rollup_mx"},
    {"a detail filter the rollup lacks", TMX | FAILURE_BY_DOMAIN, 0, NULL,
     "192.0.2.1", NULL},
    {"by day: the detail rows only", FAILURE_BY_DAY, 0, NULL, NULL, NULL},
};

static void
test_pick(void **state)
{
	static const char *const d[] = {"a.example", "b.example"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(picks) / sizeof(picks[0]); i++) {
		struct store_filter f;
		const struct failure_rollup *ru;

		store_filter_init(&f);
		f.domains = d;
		f.ndomains = picks[i].ndomains;
		f.organization = picks[i].organization;
		f.receiving_ip = picks[i].receiving_ip;
		ru = failure_pick_rollup(&f, picks[i].keys);
		if (picks[i].want == NULL && ru != NULL)
			fail_msg("%s: got %s", picks[i].name, ru->table);
		if (picks[i].want != NULL &&
		    (ru == NULL || strcmp(ru->table, picks[i].want) != 0))
			fail_msg("%s: got %s", picks[i].name,
			         ru ? ru->table : "none");
	}
}

/* Rows of mode, type, MTA; failed sessions; reports (rollup) or a
 * report id (edges). */
struct row {
	const char *k[3];
	int64_t failed, n;
};

/* The rollup in its key order, as its primary key gives it. */
static const struct row rollup[] = {
    {{"enforce", "a", "1"}, 5, 2},
    {{"enforce", "a", "1"}, 4, 1},
    {{"enforce", "b", "1"}, 3, 1},
    {{"testing", "a", "2"}, 20, 3},
};
static const struct row edges[] = {
    {{"enforce", "b", "1"}, 6, 7},
    {{"enforce", "b", "1"}, 1, 7}, /* report 7 again: counted once */
    {{"none", "c", "3"}, 2, 8},    /* a group the rollup lacks */
};
#define N(a) (sizeof(a) / sizeof(a[0]))

static int
fake_tally(void *st, const struct store_filter *f, unsigned keys,
           const struct failure_rollup *ru, const struct store_split *sp,
           struct tally *t, struct errbuf *eb)
{
	size_t i;

	(void)st, (void)f, (void)keys, (void)ru, (void)sp, (void)eb;
	for (i = 0; i < N(rollup); i++)
		if (tally_add(t, rollup[i].k, rollup[i].failed, rollup[i].n,
		              0) != 0)
			return -1;
	return 0;
}

static int
fake_edges(void *st, const struct store_filter *f, unsigned keys,
           const struct store_split *sp, struct tally *t, struct errbuf *eb)
{
	size_t i;

	(void)st, (void)f, (void)keys, (void)sp, (void)eb;
	for (i = 0; i < N(edges); i++)
		if (tally_add(t, edges[i].k, edges[i].failed, 0, edges[i].n) !=
		    0)
			return -1;
	return 0;
}

static int
fake_stream(void *st, const struct store_filter *f, unsigned keys,
            const struct failure_rollup *ru, const struct store_split *sp,
            struct failure_stream *g, struct errbuf *eb)
{
	size_t i;

	(void)st, (void)f, (void)keys, (void)ru, (void)sp, (void)eb;
	for (i = 0; i < N(rollup); i++)
		if (failure_stream_row(g, rollup[i].k, rollup[i].failed,
		                       rollup[i].n) != 0)
			return 1;
	return 0;
}

static const struct failure_ops fake_ops = {fake_tally, fake_edges, fake_stream,
                                            NULL};

struct got {
	char text[256];
	size_t at;
};

static int
collect(const struct store_failure_row *r, void *arg)
{
	struct got *g = arg;

	g->at += (size_t)snprintf(
	    g->text + g->at, sizeof(g->text) - g->at, "%s/%s/%s %lld %lld;",
	    r->policy_mode, r->result_type, r->sending_mta_ip,
	    (long long)r->failed_sessions, (long long)r->reports);
	return 0;
}

/* The heap (streamed) and the whole tally give the same groups. */
static void
test_stream_and_tally(void **state)
{
	static const char *const want[] = {
	    "testing/a/2 20 3;enforce/b/1 10 2;enforce/a/1 9 3;",
	    "enforce/a/1 9 3;enforce/b/1 10 2;testing/a/2 20 3;none/c/3 2 1;",
	};
	struct store_filter f;
	struct got g = {{0}, 0};

	(void)state;
	store_filter_init(&f);
	assert_int_equal(
	    failure_query(&fake_ops, NULL, &f, MTT, 3, collect, &g, NULL), 0);
	assert_string_equal(g.text, want[0]);
	memset(&g, 0, sizeof(g));
	assert_int_equal(
	    failure_groups(&fake_ops, NULL, &f, MTT, collect, &g, NULL), 0);
	assert_string_equal(g.text, want[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pick),
	    cmocka_unit_test(test_stream_and_tally),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
