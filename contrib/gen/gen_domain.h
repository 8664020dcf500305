/*
 * gen_domain.h - the policy domains and the story each one tells.
 *
 * Each policy domain has a fixed profile (MTA-STS mode, DANE, MX hosts,
 * traffic volume, and at most one problem such as an expired certificate
 * on mx2 from some day on), so that the generated reports tell a coherent
 * story per domain across days and senders. A profile is a pure function
 * of (seed, index): there is no table, whatever --domains says.
 */
#ifndef TLSRPT_GEN_DOMAIN_H
#define TLSRPT_GEN_DOMAIN_H

#include <stddef.h>
#include <stdint.h>

#include "gen.h"

/* What goes wrong for a domain, on the days of its problem window. */
enum {
	PROB_NONE,
	PROB_EXPIRED,   /* certificate-expired on the last MX */
	PROB_STARTTLS,  /* starttls-not-supported from a few sending MTAs */
	PROB_MISMATCH,  /* certificate-host-mismatch on mx1 */
	PROB_UNTRUSTED, /* certificate-not-trusted on the last MX */
	PROB_FETCH,     /* sts-policy-fetch-error */
	PROB_WEBPKI,    /* sts-webpki-invalid */
	PROB_DANE,      /* tlsa-invalid or dnssec-invalid (DANE senders) */
};

struct gen_domain {
	size_t idx;
	char name[DOMAIN_MAX];
	int has_sts, mode, dane;
	unsigned nmx;
	int mx_wild, maxage_first;
	unsigned max_age;
	unsigned tlsa_usage, ntlsa;
	uint64_t tlsa_seed;
	double volume; /* sessions a day seen by Google */
	int problem, prob_rt;
	unsigned prob_from, prob_until; /* days since --start */
	double prob_share;              /* of the sessions, when it applies */
	unsigned prob_mta[3];
	unsigned nprob_mta;
	double sub_share; /* reports that add a subdomain policy */
};

/* Fills dp with the profile of domain idx: the first NFIXED_DOMAINS are
 * the README demo's, the others example-N.test. */
void gen_domain_profile(const struct gen *g, size_t idx, struct gen_domain *dp);

#endif
