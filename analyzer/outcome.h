/*
 * outcome.h - what `tlsrpt import` and `tlsrpt fetch` print for each
 * report they took, and their totals: 'stored' or 'duplicate', the
 * input's name, organization and report-id on stdout; 'rejected' (or
 * 'rejected-before', 'not-stored') with the reason on stderr; then
 * 'N stored, N duplicate, N rejected'. Every field is escaped: a name or a
 * reason from a stranger's report cannot act on the terminal or forge a
 * line or a field.
 */
#ifndef TLSRPT_OUTCOME_H
#define TLSRPT_OUTCOME_H

#include <stddef.h>

#include "ingest.h"

struct outcome_tally {
	int quiet;    /* only new rejections and the totals */
	int verbose;  /* each report's warnings under its line */
	size_t n[4];  /* by enum ingest_status */
	size_t again; /* rejected before: its bytes in the quarantine */
};

/* Prints the line of one outcome of the input name, and counts it. */
void outcome_print(struct outcome_tally *t, const char *name,
                   const struct ingest_outcome *o);

/* Prints "N stored, N duplicate, N rejected" with " (N before)" when
 * some were rejected before, without the newline. */
void outcome_totals(const struct outcome_tally *t);

/* Whether something new was rejected: exit EXIT_REJECTED. */
int outcome_new_rejections(const struct outcome_tally *t);

#endif
