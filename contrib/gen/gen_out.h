/*
 * gen_out.h - writes reports out: one .json or .json.gz file each, one
 * .eml message each, all messages into one mbox, or a Maildir; gzip as
 * each sender's gzip header shows.
 *
 * Every failure (mkdir, open, write, rename, zlib) ends the program with a
 * message (gen_die): the generator writes where its caller asked, and has
 * nothing to fall back to.
 */
#ifndef TLSRPT_GEN_OUT_H
#define TLSRPT_GEN_OUT_H

#include <stdint.h>

#include "gen.h"
#include "gen_buf.h"
#include "gen_model.h"

/* How one report is written. */
enum { OUT_JSON, OUT_EML, OUT_MBOX, OUT_MAILDIR };

struct gen_out;

/* Creates g->out (and tmp/, new/, cur/ for FMT_MAILDIR) and, with_mbox,
 * truncates g->out/reports.mbox. g must outlive the result; free it with
 * gen_out_close. */
struct gen_out *gen_out_open(const struct gen *g, int with_mbox);

/* Writes the report m, whose JSON is `json`, the way `how` says (OUT_*).
 * dup, when not 0, marks a resent report in the file names. Messages draw
 * from m's random stream (date, boundary, Message-ID). */
void gen_out_emit(struct gen_out *k, struct gen_model *m,
                  const struct gen_buf *json, int how, uint64_t dup);

/* Bytes written so far. */
uint64_t gen_out_written(const struct gen_out *k);

/* Closes the mbox and frees k; accepts NULL. */
void gen_out_close(struct gen_out *k);

#endif
