/*
 * milter.c - tlsrpt-milter: the report mailbox's milter (libmilter).
 *
 * A message is taken up when an envelope recipient is a configured report
 * address (--rcpt), or, with none configured, when its headers say it
 * carries a TLS report (or it is a multipart that may hold a report part).
 * Every other message is accepted as soon as that is known, its body never
 * buffered. At the end of a taken message every report part is ingested
 * (ingest.h); the answer follows milter_policy.c: stored reports are
 * delivered with an X-TLSRPT header or discarded, messages without a valid
 * report are delivered with the reason or rejected 550 5.6.0, a storage
 * failure answers 451 4.3.0 (the same words whatever failed: the reason,
 * which names the database, goes to the log) so that the MTA keeps the
 * message.
 *
 * X-TLSRPT is this milter's word: every X-TLSRPT a message comes with is
 * removed, from any message (issue 16 §3: a forged "stored; org=Google
 * Inc." was delivered above the real one). A message that is not taken
 * but carries one is held to its end for that, its body not kept.
 *
 * SECURITY: reads mail from anyone (RFC 8460 §7), bounded by --max-message
 * and the ingest limits; binds its socket as root when started so, then
 * drops to --user before opening the database or reading any message. The
 * callbacks run on libmilter's threads: each connection and message has its
 * own context (smfi_setpriv); the one store connection is shared under a
 * mutex; the configuration is read-only once serving. See SECURITY.md.
 */
#include <libmilter/mfapi.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "ingest.h"
#include "limits.h"
#include "log.h"
#include "milter.h"
#include "milter_policy.h"
#include "store.h"

#define MILTER_HEADER    "X-TLSRPT"
#define MAX_AUTH_RESULTS 16

struct milter_config milter_cfg;
struct store *milter_store;
static pthread_mutex_t store_mu = PTHREAD_MUTEX_INITIALIZER;

struct msg {
	char *sender;
	int rcpt_matched;
	enum milter_candidate candidate;
	char *content_type;
	char *report_domain;
	char *report_submitter;
	char *auth[MAX_AUTH_RESULTS];
	size_t nauth;
	/* The message as received, headers and body, up to --max-message
	 * and the one byte past it that tells ingest it is too large. */
	struct buf buf;
	int nforged;      /* X-TLSRPT headers it came with */
	int pass_through; /* not taken: held only to remove those */
};

struct conn {
	char client[128];
	struct msg *msg;
};

static void
msg_free(struct msg *m)
{
	size_t i;

	if (m == NULL)
		return;
	free(m->sender);
	free(m->content_type);
	free(m->report_domain);
	free(m->report_submitter);
	for (i = 0; i < m->nauth; i++)
		free(m->auth[i]);
	buf_free(&m->buf);
	free(m);
}

static struct conn *
conn_of(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

static sfsistat
on_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	snprintf(c->client, sizeof(c->client), "%s", host ? host : "unknown");
	smfi_setpriv(ctx, c);
	return SMFIS_CONTINUE;
}

static sfsistat
on_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_of(ctx);

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	msg_free(c->msg);
	if ((c->msg = calloc(1, sizeof(*c->msg))) == NULL)
		return SMFIS_TEMPFAIL;
	buf_init(&c->msg->buf, milter_cfg.limits.max_input);
	if ((c->msg->sender = strdup(argv[0] ? argv[0] : "")) == NULL)
		return SMFIS_TEMPFAIL;
	return SMFIS_CONTINUE;
}

static sfsistat
on_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_of(ctx);

	if (c == NULL || c->msg == NULL)
		return SMFIS_TEMPFAIL;
	if (milter_cfg.nrcpt > 0 && argv[0] != NULL &&
	    milter_rcpt_matches(argv[0], milter_cfg.rcpt, milter_cfg.nrcpt))
		c->msg->rcpt_matched = 1;
	return SMFIS_CONTINUE;
}

/* Keeps the header fields that decide about the message. */
static int
note_header(struct msg *m, const char *name, const char *value)
{
	char **slot = NULL;

	if (strcasecmp(name, "Content-Type") == 0)
		slot = &m->content_type;
	else if (strcasecmp(name, "TLS-Report-Domain") == 0)
		slot = &m->report_domain;
	else if (strcasecmp(name, "TLS-Report-Submitter") == 0)
		slot = &m->report_submitter;
	else if (strcasecmp(name, "Authentication-Results") == 0 &&
	         m->nauth < MAX_AUTH_RESULTS)
		slot = &m->auth[m->nauth++];
	if (slot == NULL || *slot != NULL)
		return 0;
	return (*slot = strdup(value)) ? 0 : -1;
}

static sfsistat
on_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = conn_of(ctx);
	struct msg *m = c ? c->msg : NULL;

	if (m == NULL)
		return SMFIS_TEMPFAIL;
	/* smfi_chgheader's index is a 32-bit int; the MTA bounds the
	 * header (Postfix: header_size_limit) far below that. */
	if (strcasecmp(name, MILTER_HEADER) == 0 && m->nforged < INT32_MAX)
		m->nforged++;
	if (note_header(m, name, value) != 0 ||
	    buf_append(&m->buf, name, strlen(name)) != 0 ||
	    buf_append(&m->buf, ": ", 2) != 0 ||
	    buf_append(&m->buf, value, strlen(value)) != 0 ||
	    buf_append(&m->buf, "\r\n", 2) != 0)
		return SMFIS_TEMPFAIL;
	return SMFIS_CONTINUE;
}

/* A message that is not taken: accepted at once, or, when it came with an
 * X-TLSRPT header, held to its end to remove it, its bytes dropped. */
static sfsistat
pass(struct conn *c)
{
	struct msg *m = c->msg;

	if (m->nforged == 0) {
		msg_free(m);
		c->msg = NULL;
		return SMFIS_ACCEPT;
	}
	m->pass_through = 1;
	buf_free(&m->buf);
	return SMFIS_CONTINUE;
}

/* Removes every X-TLSRPT the message came with. smfi_chgheader counts the
 * occurrences of a name from 1; deleting from the last leaves the lower
 * ones where they were, however the MTA counts a deleted one. */
static void
remove_forged(SMFICTX *ctx, const struct msg *m, const char *source)
{
	int i;

	for (i = m->nforged; i >= 1; i--)
		if (smfi_chgheader(ctx, (char *)MILTER_HEADER, i, NULL) ==
		    MI_FAILURE) {
			log_warnx("%s: cannot remove an X-TLSRPT header the "
			          "message came with",
			          source);
			return;
		}
	if (m->nforged > 0)
		log_info("%s: removed %d X-TLSRPT header%s the message came "
		         "with",
		         source, m->nforged, m->nforged == 1 ? "" : "s");
}

static sfsistat
on_eoh(SMFICTX *ctx)
{
	struct conn *c = conn_of(ctx);
	struct msg *m = c ? c->msg : NULL;

	if (m == NULL)
		return SMFIS_TEMPFAIL;
	if (milter_cfg.nrcpt > 0) {
		if (!m->rcpt_matched)
			return pass(c); /* not the report mailbox */
		m->candidate = CANDIDATE_YES;
	} else {
		m->candidate =
		    milter_candidate(m->content_type, m->report_domain != NULL);
		if (m->candidate == CANDIDATE_NO)
			return pass(c);
	}
	return buf_append(&m->buf, "\r\n", 2) == 0 ? SMFIS_CONTINUE
	                                           : SMFIS_TEMPFAIL;
}

static sfsistat
on_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct conn *c = conn_of(ctx);
	struct msg *m = c ? c->msg : NULL;

	if (m == NULL)
		return SMFIS_TEMPFAIL;
	if (m->pass_through)
		return SMFIS_CONTINUE;
	if (buf_append(&m->buf, chunk, len) != 0)
		return SMFIS_TEMPFAIL;
	/* A maybe over --max-message cannot be shown to be a report: it is
	 * someone's large mail, accepted untouched (issue 15 §3). */
	if (buf_over(&m->buf) && m->candidate == CANDIDATE_MAYBE)
		return pass(c);
	return SMFIS_CONTINUE;
}

/* The submitter's domain: TLS-Report-Submitter (RFC 8460 §5.3), else the
 * envelope sender's; "" when neither says. */
static void
submitter_domain(const struct msg *m, char *buf, size_t size)
{
	const char *s = m->report_submitter, *at;
	size_t n;

	if (s == NULL)
		s = (at = strrchr(m->sender, '@')) ? at + 1 : "";
	while (*s == ' ' || *s == '\t' || *s == '<')
		s++;
	n = strcspn(s, " \t\r\n>");
	snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), s);
}

/* Counts the outcomes and logs one line for each. */
static void
tally(const struct ingest_input *in, const char *source, struct milter_tally *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < ingest_noutcomes(in); i++) {
		const struct ingest_outcome *o = ingest_outcome(in, i);

		switch (o->status) {
		case INGEST_STORED:
		case INGEST_DUPLICATE:
			o->status == INGEST_STORED ? t->stored++
			                           : t->duplicate++;
			t->different += o->different;
			if (t->organization == NULL) {
				t->organization = o->organization;
				t->report_id = o->report_id;
				t->policy_domain = o->policy_domain;
			}
			log_info("%s: %s org=%s report-id=%s domain=%s", source,
			         ingest_outcome_name(o), o->organization,
			         o->report_id, o->policy_domain);
			break;
		case INGEST_REJECTED:
		case INGEST_TEMPFAIL:
			o->status == INGEST_REJECTED ? t->rejected++
			                             : t->tempfail++;
			if (t->reason == NULL || o->status == INGEST_TEMPFAIL)
				t->reason = o->reason;
			log_warnx("%s: %s: %s", source,
			          ingest_status_name(o->status), o->reason);
			break;
		}
	}
}

static sfsistat
answer(SMFICTX *ctx, const struct msg *m, const char *source,
       const struct milter_reply *r)
{
	switch (r->action) {
	case MILTER_ACCEPT:
		remove_forged(ctx, m, source);
		if (r->header[0] != '\0')
			smfi_addheader(ctx, MILTER_HEADER, (char *)r->header);
		return SMFIS_ACCEPT;
	case MILTER_DISCARD:
		return SMFIS_DISCARD;
	case MILTER_REJECT:
	case MILTER_TEMPFAIL:
		smfi_setreply(ctx, (char *)r->rcode, (char *)r->xcode,
		              (char *)r->text);
		return r->action == MILTER_REJECT ? SMFIS_REJECT
		                                  : SMFIS_TEMPFAIL;
	}
	return SMFIS_TEMPFAIL;
}

/* The DKIM verdict on a message, and the room for its words. */
struct dkim_judge {
	const struct msg *m;
	char dkim[160];
	char why[512];
};

/* ingest's judge (ingest_hints.judge): asked only for a message that is
 * to be taken, so that no one's other mail is judged. */
static void
judge_dkim(void *arg, struct ingest_hints *h)
{
	struct dkim_judge *j = arg;
	char domain[256];

	submitter_domain(j->m, domain, sizeof(domain));
	h->dkim = j->dkim;
	if (!milter_dkim((const char *const *)j->m->auth, j->m->nauth,
	                 milter_cfg.authserv_id, domain[0] ? domain : NULL,
	                 j->dkim, sizeof(j->dkim)) &&
	    milter_cfg.require_dkim) {
		snprintf(j->why, sizeof(j->why),
		         INGEST_REASON_DKIM " from %s (%s)",
		         domain[0] ? domain : "the submitter", j->dkim);
		h->reject = j->why;
		h->reject_cause = INGEST_CAUSE_DKIM;
	}
}

/* The hints for a message that may be taken; j is its judge. */
static void
hints_for(const struct msg *m, const char *source, struct dkim_judge *j,
          struct ingest_hints *h)
{
	memset(h, 0, sizeof(*h));
	h->channel = "milter";
	h->source = source;
	h->submitter = m->report_submitter ? m->report_submitter : m->sender;
	h->report_domain = m->report_domain;
	/* With no --rcpt, a multipart is taken only when it is positively a
	 * report message: ingest_prepare() says so from its one parse. */
	h->report_only = m->candidate == CANDIDATE_MAYBE;
	j->m = m;
	h->judge = judge_dkim;
	h->judge_arg = j;
}

/* Whether ingest_prepare() found nothing to take (report_only). */
static int
not_taken(const struct ingest_input *in)
{
	return ingest_noutcomes(in) == 1 &&
	       ingest_outcome(in, 0)->cause == INGEST_CAUSE_NOT_TAKEN;
}

/* Stores what was found, and answers for it. */
static sfsistat
commit_and_answer(SMFICTX *ctx, const struct msg *m, const char *source,
                  struct ingest_input *in)
{
	struct milter_tally t;
	struct milter_reply r;
	struct errbuf eb;

	pthread_mutex_lock(&store_mu);
	/* A schema upgraded under the milter is no passing trouble: only a
	 * restart (of the binary that knows the schema) ends it. */
	if (ingest_commit(milter_store, in, time(NULL), &eb) == STORE_E_SCHEMA)
		log_warnx("%s: restart " MILTER_NAME "; until then every "
		          "report is answered 451",
		          eb.msg);
	pthread_mutex_unlock(&store_mu);
	tally(in, source, &t);
	milter_reply_for(&t, &milter_cfg.reply, &r);
	return answer(ctx, m, source, &r);
}

static sfsistat
on_eom(SMFICTX *ctx)
{
	struct conn *c = conn_of(ctx);
	struct msg *m = c ? c->msg : NULL;
	char source[256];
	const char *qid = smfi_getsymval(ctx, "i");
	struct dkim_judge j;
	struct ingest_hints h;
	struct ingest_input *in = NULL;
	sfsistat ret;
	int large;

	if (m == NULL)
		return SMFIS_TEMPFAIL;
	snprintf(source, sizeof(source), "%s %s", qid ? qid : "-", c->client);
	if (!m->pass_through) {
		hints_for(m, source, &j, &h);
		if ((in = ingest_prepare(m->buf.data, m->buf.len, &h,
		                         &milter_cfg.limits)) == NULL)
			return SMFIS_TEMPFAIL;
	}
	if (in == NULL || not_taken(in)) {
		remove_forged(ctx, m, source);
		ret = SMFIS_ACCEPT;
	} else {
		ret = commit_and_answer(ctx, m, source, in);
	}
	msg_free(c->msg);
	c->msg = NULL;
	/* glibc keeps freed arenas; a large message's megabytes go back to
	 * the system, not held for the milter's life (issue 15 §2). A small
	 * one's stay for the next message: trimming after every message, and
	 * the page faults that followed, took a sixth of the milter's CPU
	 * time (LIMIT_MILTER_TRIM). */
	if (in != NULL) {
		large = ingest_input_held(in) > LIMIT_MILTER_TRIM;
		ingest_input_free(in);
		if (large)
			malloc_trim(0);
	}
	return ret;
}

static sfsistat
on_abort(SMFICTX *ctx)
{
	struct conn *c = conn_of(ctx);

	if (c != NULL) {
		msg_free(c->msg);
		c->msg = NULL;
	}
	return SMFIS_CONTINUE;
}

static sfsistat
on_close(SMFICTX *ctx)
{
	struct conn *c = conn_of(ctx);

	if (c != NULL) {
		msg_free(c->msg);
		free(c);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

struct smfiDesc milter_desc = {
    .xxfi_name = MILTER_NAME,
    .xxfi_version = SMFI_VERSION,
    /* SMFIF_CHGHDRS: to remove the X-TLSRPT headers a message came with */
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS,
    .xxfi_connect = on_connect,
    .xxfi_envfrom = on_envfrom,
    .xxfi_envrcpt = on_envrcpt,
    .xxfi_header = on_header,
    .xxfi_eoh = on_eoh,
    .xxfi_body = on_body,
    .xxfi_eom = on_eom,
    .xxfi_abort = on_abort,
    .xxfi_close = on_close,
};
