/*
 * gen_run.h - a whole run: plan each report, build it, pad it toward
 * --size-target, write it, count it; or the README demo set.
 */
#ifndef TLSRPT_GEN_RUN_H
#define TLSRPT_GEN_RUN_H

#include "gen.h"

/* Generates g->count reports into g->out in g->format, then prints the
 * statistics unless g->quiet. Any failure ends the program (gen_die). */
void gen_run(const struct gen *g);

/*
 * Writes the README demo set into g->out: four domains over 14 days, 40
 * reports: example.com clean in enforce mode, example.net in testing with
 * mx2's certificate expired from the 6th day, example.org with
 * starttls-not-supported from a few MTAs, dane.example with Microsoft's
 * tlsa+sts pair. Fixes g's days, size target, domains and format.
 */
void gen_run_demo(struct gen *g);

#endif
