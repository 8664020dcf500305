/*
 * fuzz_ingest.c - libFuzzer target: ingest() end to end, any bytes as a
 * gzip file, a JSON report or a mail message, into an in-memory SQLite
 * store with the real schema.
 *
 * Every input yields at least one outcome; with no storage failure
 * possible here, each is stored, a duplicate or rejected with a reason;
 * the report count grows by exactly the stored ones, and the quarantine
 * by at least one row when something was rejected and at most one per
 * rejected item or duplicate with different content (the quarantine
 * keeps one row per distinct input: two identical rejected parts of one
 * message are one row).
 */
#include <stdint.h>
#include <stdlib.h>

#include "ingest.h"
#include "store.h"
#include "report.h"

#define NOW 1767225600 /* 2026-01-01T00:00:00Z */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
one_report(const struct store_report_row *row, void *arg)
{
	(*(int64_t *)arg)++;
	return 0;
}

static int
one_quarantined(const struct store_quarantine_row *row, void *arg)
{
	(*(int64_t *)arg)++;
	return 0;
}

/* Rows of the report table ('r') or of the quarantine ('q'). */
static int64_t
count(struct store *st, char table)
{
	struct store_filter f;
	struct errbuf eb = {""};
	int64_t n = 0;

	store_filter_init(&f);
	if (table == 'r'
	        ? store_reports(st, &f, 0, one_report, &n, &eb)
	        : store_quarantine(st, &f, 0, 0, one_quarantined, &n, &eb))
		abort();
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ingest_hints h = {.channel = "import", .source = "fuzz"};
	struct ingest_limits lim;
	struct ingest_input *in;
	struct store *st = NULL;
	struct errbuf eb = {""};
	int64_t reports, quarantined, stored = 0, rejected = 0, kept = 0;
	int64_t grew;
	size_t i;

	/* A fresh store each time, so that LeakSanitizer, which libFuzzer
	 * runs when an input leaves more allocated than it found, sees the
	 * ingest alone (at about half the speed of a kept store). */
	if (store_open(":memory:", 0, 0, &st, &eb) != 0)
		abort();
	reports = count(st, 'r');
	quarantined = count(st, 'q');
	/* Small limits keep each run fast: a mutated gzip bomb stops at
	 * 1 MiB instead of 20, and the limits' code runs just the same. */
	ingest_limits_default(&lim);
	lim.max_report = 1 << 20;
	if ((in = ingest(st, data, size, &h, &lim, NOW)) == NULL)
		abort();
	if (ingest_noutcomes(in) == 0)
		abort();
	for (i = 0; i < ingest_noutcomes(in); i++) {
		const struct ingest_outcome *o = ingest_outcome(in, i);

		switch (o->status) {
		case INGEST_STORED:
			stored++;
			break;
		case INGEST_DUPLICATE:
			kept += o->different != 0;
			break;
		case INGEST_REJECTED:
			if (o->reason == NULL || o->reason[0] == '\0')
				abort();
			rejected++;
			break;
		default:
			abort(); /* nothing here can fail to store */
		}
	}
	grew = count(st, 'q') - quarantined;
	if (count(st, 'r') != reports + stored || grew > rejected + kept ||
	    (rejected > 0 && grew == 0))
		abort();
	ingest_input_free(in);
	store_close(st);
	return 0;
}
