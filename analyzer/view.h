/*
 * view.h - the query commands' answers as tables. `tlsrpt summary`,
 * `failures`, `readiness`, `reports` and `quarantine list` each fill one,
 * and `tlsrpt serve` fills the same tables for its pages and its JSON
 * API: one code path from the store to a number, whatever shows it
 * (DESIGN.md "Counting"), and one serializer (table.c) for the JSON.
 */
#ifndef TLSRPT_VIEW_H
#define TLSRPT_VIEW_H

#include "cli.h"
#include "errbuf.h"
#include "store.h"
#include "table.h"

enum view_kind {
	VIEW_SUMMARY,
	VIEW_FAILURES,
	VIEW_READINESS,
	VIEW_REPORTS,
	VIEW_QUARANTINE,
};

/* The most columns a view has (failures: every key and two counts). */
#define VIEW_COLS_MAX 12

struct view_cols {
	struct column c[VIEW_COLS_MAX];
	size_t n;
};

/* The view's name as a command ("summary"). */
const char *view_name(enum view_kind v);

/* Sets what a view assumes when q leaves it open: readiness's period, the
 * 30 days up to --until or now (the line an empty answer shows then goes
 * to q->empty). Call once after parsing, before view_fill. */
void view_prepare(enum view_kind v, struct query_opts *q, int64_t now);

/* The view's columns for q (failures: its --by keys; reports: the
 * matching failed sessions with a failure filter), into vc, which must
 * outlive the table made of them. */
void view_columns(enum view_kind v, const struct query_opts *q,
                  struct view_cols *vc);

/* Fills t (made of view_columns) from the store, at most q->limit rows
 * (0: all). Returns 0, or -1 with eb. */
int view_fill(enum view_kind v, struct store *st, const struct query_opts *q,
              struct table *t, struct errbuf *eb);

/* Writes the view as JSON or CSV to fp, exactly as `tlsrpt COMMAND
 * --format json|csv` writes it to stdout: columns, rows streamed, the
 * end. Returns 0, or -1 with eb. */
int view_write(enum view_kind v, struct store *st, const struct query_opts *q,
               enum output_format f, FILE *fp, struct errbuf *eb);

/* Prints the view to stdout in q's format, as the commands do (a table
 * fits the terminal). Returns the exit status: 0, or 1 after saying why
 * on stderr, naming cmd. */
int view_print(enum view_kind v, struct store *st, const struct query_opts *q,
               const char *cmd);

/* A query command whole: parses argv (the command's own options in
 * extra, as query_parse_args takes them), opens the database read-only,
 * prints the view. Returns the exit status. */
int view_command(enum view_kind v, struct cli *c, int argc, char **argv,
                 const char *help, const struct option *extra);

/* Writes a stored report's bytes as `tlsrpt show` prints them: the JSON
 * decompressed and indented (as it is when jansson cannot read it).
 * Returns 0, or -1 with eb. */
int report_show_json(const void *bytes, size_t len, FILE *fp,
                     struct errbuf *eb);

#endif
