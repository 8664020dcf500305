/*
 * fuzz_mime.c - libFuzzer target: the MIME extraction (collector/core/mime.c,
 * GMime underneath).
 *
 * Any bytes as a mail message: mime_report_parts either fails with a
 * reason or returns at most LIMIT_REPORTS_PER_MESSAGE report parts, each
 * with its bytes and a media type, which the checks below read through.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "mime.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_message *m = NULL;
	struct errbuf eb = {""};
	size_t i, n = 0;

	if (mime_report_parts(data, size, &m, &eb) != 0) {
		if (eb.msg[0] == '\0' || m != NULL)
			abort();
		return 0;
	}
	if (m == NULL || m->nparts > LIMIT_REPORTS_PER_MESSAGE)
		abort();
	for (i = 0; i < m->nparts; i++) {
		const struct mime_part *p = &m->parts[i];

		if (p->media_type == NULL || (p->len > 0 && p->data == NULL))
			abort();
		if (p->len > 0)
			n += p->data[0] + p->data[p->len - 1];
		n += strlen(p->media_type);
		n += p->filename ? strlen(p->filename) : 0;
	}
	for (i = 0; i < m->nauth_results; i++)
		n += strlen(m->auth_results[i]);
	n += m->report_domain ? strlen(m->report_domain) : 0;
	n += m->from ? strlen(m->from) : 0;
	n += m->message_id ? strlen(m->message_id) : 0;
	if (n == SIZE_MAX)
		abort(); /* keeps the reads from being optimized away */
	mime_message_free(m);
	return 0;
}
