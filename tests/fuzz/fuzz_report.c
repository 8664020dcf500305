/*
 * fuzz_report.c - libFuzzer target: the report parser and normalizer
 * (collector/core/report*.c).
 *
 * Any bytes as JSON text: report_parse either fails with a reason that
 * names something, or returns a report whose every count is in range and
 * whose every string is there, which the checks below walk (so that
 * AddressSanitizer sees each byte the store would read).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
walk(const struct report *r)
{
	size_t i, k, n = 0;

	if (r->npolicies == 0 || r->organization == NULL ||
	    r->report_id == NULL || r->end_time < r->start_time)
		abort();
	n += strlen(r->organization) + strlen(r->report_id);
	for (i = 0; i < r->npolicies; i++) {
		const struct report_policy *p = &r->policies[i];

		if (p->successful_sessions < 0 || p->failed_sessions < 0 ||
		    p->policy_type == NULL || p->policy_domain == NULL ||
		    p->policy_mode == NULL)
			abort();
		n += strlen(p->policy_type) + strlen(p->policy_domain) +
		     strlen(p->policy_mode);
		for (k = 0; k < p->npolicy_strings; k++)
			n += strlen(p->policy_strings[k]);
		for (k = 0; k < p->nmx_hosts; k++)
			n += strlen(p->mx_hosts[k]);
		for (k = 0; k < p->nfailures; k++) {
			const struct report_failure *f = &p->failures[k];

			if (f->failed_sessions < 0 || f->result_type == NULL)
				abort();
			n += strlen(f->result_type);
			n += f->sending_mta_ip ? strlen(f->sending_mta_ip) : 0;
			n += f->receiving_mx_hostname
			         ? strlen(f->receiving_mx_hostname)
			         : 0;
			n += f->receiving_ip ? strlen(f->receiving_ip) : 0;
		}
	}
	for (i = 0; i < r->nwarnings; i++)
		n += strlen(r->warnings[i]);
	if (n == SIZE_MAX)
		abort(); /* keeps the walk from being optimized away */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct report_hints hints = {.report_domain =
	                                              "hint.example"};
	struct report *r = NULL;
	struct errbuf eb = {""};

	if (report_parse((const char *)data, size, &hints, NULL, &r, &eb) !=
	    0) {
		if (eb.msg[0] == '\0' || r != NULL)
			abort();
		return 0;
	}
	walk(r);
	report_free(r);
	return 0;
}
