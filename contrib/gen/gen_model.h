/*
 * gen_model.h - one report before it is written: its policies, their
 * session counts and failure details, as one sender would report one
 * domain on one day (RFC 8460 §4).
 *
 * The model is built from a plan (gen_plan.h) and drawn from the report's
 * own random stream, which the message writers go on drawing from; the
 * order of the draws is part of the output. Padding toward --size-target
 * adds policy-string lines, TLSA records and failing MTAs to the model.
 */
#ifndef TLSRPT_GEN_MODEL_H
#define TLSRPT_GEN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "gen.h"
#include "gen_buf.h"
#include "gen_domain.h"
#include "gen_plan.h"
#include "gen_rand.h"

/* The optional fields of a failure detail (RFC 8460 §4.3). */
#define F_MTA    0x01 /* sending-mta-ip */
#define F_MX     0x02 /* receiving-mx-hostname */
#define F_RIP    0x04 /* receiving-ip */
#define F_HELO   0x08 /* receiving-mx-helo */
#define F_REASON 0x10 /* failure-reason-code */
#define F_INFO   0x20 /* additional-information */

#define MTA_V6 0x10000u

struct gen_detail {
	unsigned char rt;
	unsigned char mx; /* 0: none; k: the k-th MX */
	unsigned char fields;
	uint32_t mta; /* index in the sender's pool; MTA_V6 for IPv6 */
	int64_t count;
};

struct gen_policy {
	int type, mode;
	int with_string, with_mxhost, empty_arrays;
	int details_from; /* a Microsoft tlsa+sts pair shares one list */
	char domain[DOMAIN_MAX];
	unsigned nmx; /* mx lines of the policy string */
	int mx_wild;
	unsigned ntlsa;
	int64_t successful;
	struct gen_detail *det;
	size_t ndet, capdet;
};

/* Zero-initialize before the first gen_model_build; build into the same
 * model again and again, and gen_model_free it at the end. */
struct gen_model {
	struct gen_plan pl;
	struct gen_domain dp;
	struct gen_rand rng; /* the report's stream */
	int64_t start, end;
	int demo;
	int distinct_mtas;
	char report_id[128];
	struct gen_policy pol[MAX_POLICIES];
	int npol;
	struct gen_buf scratch; /* for the JSON writer */
};

/* Builds the report of plan pl into m, reusing m's memory. */
void gen_model_build(struct gen_model *m, const struct gen *g,
                     const struct gen_plan *pl);

/* The failed sessions of policy p (which may show another's details). */
int64_t gen_model_failed(const struct gen_model *m, const struct gen_policy *p);

/* Pads m by about `want` bytes of JSON, by estimates; returns the
 * estimate of what it added (0 when nothing could be added). */
size_t gen_model_pad(struct gen_model *m, size_t want);

/* Frees m's memory. */
void gen_model_free(struct gen_model *m);

#endif
