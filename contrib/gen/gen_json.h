/*
 * gen_json.h - writes a report model as the JSON its sender would send
 * (RFC 8460 §4): member order, indentation, optional fields, addresses
 * and failure reasons as each sender shows them.
 */
#ifndef TLSRPT_GEN_JSON_H
#define TLSRPT_GEN_JSON_H

#include "gen_buf.h"
#include "gen_model.h"

/* Replaces b's contents with the report m. Uses m->scratch; draws nothing
 * from m's random stream. */
void gen_json_report(struct gen_model *m, struct gen_buf *b);

#endif
