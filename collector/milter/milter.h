/*
 * milter.h - what tlsrpt-milter's two files share: the configuration (set
 * by milter_main.c before serving, read-only afterwards), the store, and
 * the libmilter callbacks (milter.c).
 */
#ifndef TLSRPT_MILTER_H
#define TLSRPT_MILTER_H

#include <libmilter/mfapi.h>
#include <stddef.h>

#include "ingest.h"
#include "limits.h"
#include "milter_policy.h"

#define MILTER_NAME "tlsrpt-milter"

struct milter_config {
	const char *socket;
	const char *db;
	const char *user;
	int foreground;
	const char *rcpt[LIMIT_MILTER_RCPT];
	size_t nrcpt;
	struct milter_options_reply reply;
	const char *authserv_id;
	int require_dkim;
	int busy_timeout_ms;
	struct ingest_limits limits; /* max_input is --max-message */
};

extern struct milter_config milter_cfg;
extern struct store *milter_store;
extern struct smfiDesc milter_desc;

#endif
