/*
 * gen_run.c - the generation loop and the README demo set.
 *
 * Memory is bounded whatever --count says: one report is built, written
 * and forgotten at a time; a duplicate is rebuilt from its plan.
 */
#include <string.h>
#include <time.h>

#include "gen_json.h"
#include "gen_model.h"
#include "gen_out.h"
#include "gen_plan.h"
#include "gen_run.h"
#include "gen_stats.h"

struct run {
	const struct gen *g;
	struct gen_planner *pn;
	struct gen_out *out;
	struct gen_model m;
	struct gen_buf json;
	struct gen_stats st;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
run_open(struct run *r, const struct gen *g, int with_mbox)
{
	memset(r, 0, sizeof(*r));
	r->g = g;
	r->pn = gen_plan_open(g);
	r->out = gen_out_open(g, with_mbox);
}

/* Closes the output, prints the statistics unless --quiet (the demo says
 * 0 seconds, so that its output is the same every time), frees. */
static void
run_finish(struct run *r, double t0)
{
	r->st.written = gen_out_written(r->out);
	gen_out_close(r->out);
	if (!r->g->quiet)
		gen_stats_print(&r->st, r->g->demo ? 0 : now_s() - t0);
	gen_model_free(&r->m);
	gen_buf_free(&r->json);
	gen_plan_close(r->pn);
}

/* Pads the report in r->json toward `extra` more bytes; returns the bytes
 * added. */
static size_t
pad_report(struct run *r, size_t extra)
{
	size_t base = r->json.len, want = base + extra;
	double scale = 1.0;

	/* The estimates are rough: rescale the request by what the last
	 * round really added, so that one or two rounds reach the target. */
	for (int round = 0; round < 6 && r->json.len < want; round++) {
		size_t before = r->json.len, est, ask;

		ask = (size_t)((double)(want - r->json.len) * scale);
		est = gen_model_pad(&r->m, ask ? ask : 1);
		gen_json_report(&r->m, &r->json);
		if (r->json.len <= before || est == 0)
			break;
		scale = (double)est / (double)(r->json.len - before);
		if (scale < 0.3)
			scale = 0.3;
		else if (scale > 3)
			scale = 3;
	}
	return r->json.len - base;
}

/* Builds the report of a plan into r->json. A fresh plan's extra holds a
 * multiplier that becomes bytes here (gen_plan_room), and is kept so for
 * its duplicates. */
static void
make_report(struct run *r, struct gen_plan *pl, int fresh)
{
	const struct gen *g = r->g;
	size_t got;

	gen_model_build(&r->m, g, pl);
	gen_json_report(&r->m, &r->json);
	if (fresh)
		pl->extra = gen_plan_room(r->pn, pl->extra, r->json.len);
	if (g->size_target == 0 || pl->extra == 0)
		return;
	got = pad_report(r, pl->extra);
	if (fresh)
		gen_plan_padded(r->pn, pl->extra, got);
}

void
gen_run(const struct gen *g)
{
	int how = g->format == FMT_MBOX      ? OUT_MBOX
	          : g->format == FMT_MAILDIR ? OUT_MAILDIR
	          : g->format == FMT_EML     ? OUT_EML
	                                     : OUT_JSON;
	double t0 = now_s();
	struct run r;

	run_open(&r, g, g->format == FMT_MBOX);
	for (uint64_t i = 0; i < g->count; i++) {
		struct gen_rand dr =
		    gen_rand_derive(g->seed, RAND_PLAN, i ^ (1ULL << 62));
		struct gen_plan pl;
		uint64_t dup = 0;

		if (gen_plan_dup(r.pn, &dr, g->dup_fraction, &pl)) {
			dup = i + 1;
			make_report(&r, &pl, 0);
		} else {
			r.st.google_fallback +=
			    (uint64_t)gen_plan_next(r.pn, i, &pl);
			make_report(&r, &pl, 1);
			gen_plan_keep(r.pn, &pl);
		}
		gen_stats_add(&r.st, &r.m, r.json.len, dup != 0);
		gen_out_emit(r.out, &r.m, &r.json, how, dup);
	}
	run_finish(&r, t0);
}

/* The demo's reports of one day, numbered from n; returns the next
 * number. */
static uint64_t
demo_day(struct run *r, unsigned day, uint64_t n)
{
	struct {
		int org, dom, on, how;
	} todo[] = {
	    {ORG_GOOGLE, 1, 1, day >= 11 ? OUT_MBOX : OUT_JSON},
	    {ORG_GOOGLE, 2, day % 2 == 0, day == 12 ? OUT_EML : OUT_JSON},
	    {ORG_MICROSOFT, 0, day % 2 == 1, day == 13 ? OUT_EML : OUT_JSON},
	    {ORG_GENERIC, 0, day % 3 == 0, day == 12 ? OUT_EML : OUT_JSON},
	    {ORG_MICROSOFT, 3, day % 2 == 0, day == 10 ? OUT_EML : OUT_JSON},
	};

	for (size_t t = 0; t < sizeof(todo) / sizeof(todo[0]); t++) {
		struct gen_plan pl;

		if (!todo[t].on)
			continue;
		memset(&pl, 0, sizeof(pl));
		pl.idx = n++;
		pl.org = todo[t].org;
		pl.dom = (uint64_t)todo[t].dom;
		pl.day = day;
		pl.gz = todo[t].how != OUT_JSON || pl.idx % 2 == 1;
		make_report(r, &pl, 0);
		gen_stats_add(&r->st, &r->m, r->json.len, 0);
		gen_out_emit(r->out, &r->m, &r->json, todo[t].how, 0);
	}
	return n;
}

void
gen_run_demo(struct gen *g)
{
	struct run r;
	uint64_t n = 0;

	g->days = 14;
	g->demo = 1;
	g->size_target = 0;
	g->ndomains = 0;
	g->format = FMT_FILES;
	run_open(&r, g, 1);
	for (unsigned day = 0; day < 14; day++)
		n = demo_day(&r, day, n);
	run_finish(&r, 0);
}
