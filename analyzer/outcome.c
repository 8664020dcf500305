/*
 * outcome.c - the lines of import and fetch (see outcome.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outcome.h"
#include "table.h"

/* Writes one tab-separated line of fields, each escaped. */
static void
print_line(FILE *fp, const char *const *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			fputc('\t', fp);
		if (output_escape_fputs(f[i], fp) != 0)
			fputs("?", fp); /* out of memory: not the raw text */
	}
	fputc('\n', fp);
}

/* Prints a report's warnings, one line each; on stdout, so that they
 * stay under their report's line when both go to one file. */
static void
print_warnings(const char *name, const char *warnings)
{
	const char *p = warnings, *nl;
	char *w;

	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		w = strndup(p, nl ? (size_t)(nl - p) : strlen(p));
		print_line(stdout, (const char *[]){"warning", name, w}, 3);
		free(w);
		p = nl ? nl + 1 : NULL;
	}
}

void
outcome_print(struct outcome_tally *t, const char *name,
              const struct ingest_outcome *o)
{
	t->n[o->status]++;
	switch (o->status) {
	case INGEST_STORED:
	case INGEST_DUPLICATE:
		if (!t->quiet)
			print_line(stdout,
			           (const char *[]){ingest_outcome_name(o),
			                            name, o->organization,
			                            o->report_id},
			           4);
		if (t->verbose)
			print_warnings(name, o->warnings);
		break;
	case INGEST_REJECTED:
		if (o->again) {
			t->again++;
			if (!t->quiet)
				print_line(stderr,
				           (const char *[]){"rejected-before",
				                            name, o->reason},
				           3);
			break;
		}
		/* FALLTHROUGH */
	case INGEST_TEMPFAIL:
		print_line(stderr,
		           (const char *[]){o->status == INGEST_REJECTED
		                                ? "rejected"
		                                : "not-stored",
		                            name, o->reason},
		           3);
		break;
	}
}

void
outcome_totals(const struct outcome_tally *t)
{
	printf("%zu stored, %zu duplicate, %zu rejected", t->n[INGEST_STORED],
	       t->n[INGEST_DUPLICATE], t->n[INGEST_REJECTED]);
	if (t->again > 0)
		printf(" (%zu before)", t->again);
}

int
outcome_new_rejections(const struct outcome_tally *t)
{
	return t->n[INGEST_REJECTED] > t->again;
}
