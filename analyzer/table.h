/*
 * table.h - rows out as an aligned table, JSON or CSV.
 *
 * A query fills a table of typed cells; the format is chosen at the end,
 * or at the start for JSON and CSV, which can be written row by row.
 * JSON is an array of flat objects with the columns' snake_case keys, rates
 * as fractions, lists as arrays, missing values as null. CSV has the same
 * keys as its header, lists joined with ';', missing values empty. The
 * table is for people: titles, aligned columns, rates as percentages,
 * missing values as TABLE_NONE (a failure detail without sending-mta-ip).
 */
#ifndef TLSRPT_TABLE_H
#define TLSRPT_TABLE_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

enum output_format { FORMAT_TABLE, FORMAT_JSON, FORMAT_CSV };

#define TABLE_NONE "(none)"

/* COL_JSON: a structured value (an array of objects, say): as itself in
 * JSON, as a one-line text in CSV, left out of the table. */
enum col_kind { COL_TEXT, COL_INT, COL_RATE, COL_LIST, COL_JSON };

/* How a column gives way when the table is wider than its width
 * (table_set_width). A column is never cut: one whose drop is not 0 is
 * left out (the largest drop first, named in a line under the table)
 * until the others fit, with each wrapping column at its narrowest; then
 * wrapping columns take the room there is. */
struct column {
	const char *key;   /* JSON and CSV */
	const char *title; /* table */
	enum col_kind kind;
	unsigned drop; /* 0: always shown; else the order it is left out in */
	/* 0: never narrowed (numbers, keys, domains, dates); else its text
	 * wraps onto continuation lines at spaces and after commas, words
	 * whole, down to this many columns (or its title or longest word) */
	unsigned wrap;
};

struct table;

/* A new table of ncols columns (the array must outlive the table). */
struct table *table_new(const struct column *cols, size_t ncols);
void table_free(struct table *t);

/* Row building: one call per column, in order. Strings are copied. NULL
 * text is a missing value. */
int table_row(struct table *t);
int table_text(struct table *t, const char *v);
int table_int(struct table *t, int64_t v);
int table_rate(struct table *t, double v);
int table_list(struct table *t, const char *const *v, size_t n);
/* v is a jansson value, whose reference the table takes (also on
 * failure); text is its CSV form. */
int table_json(struct table *t, json_t *v, const char *text);

/* Makes the aligned table fit `width` columns (0: no limit) as struct
 * column says: by leaving columns out and wrapping texts, never by cutting
 * one. A table that cannot fit (its columns that stay are wider) is wider.
 * Characters count one column each. */
void table_set_width(struct table *t, size_t width);

/* The line the table shows when it has no rows, in parentheses (default
 * "no rows"); copied. Returns 0, or -1 when out of memory. */
int table_set_empty(struct table *t, const char *text);

/* CSV text cells as they are, even when a spreadsheet would run them as
 * a formula (default: such a cell starts with "'"). */
void table_set_csv_raw(struct table *t, int raw);

/* Writes rows to fp as they are made, so that memory does not grow with
 * the rows: JSON and CSV row by row; a table sizes its columns from its
 * first TABLE_ALIGN_ROWS rows, then writes the rest one by one in those
 * widths (a later, wider cell widens its own line only). table_print
 * must then be called with the same format and fp: it writes the rest. */
#define TABLE_ALIGN_ROWS 1000
void table_stream(struct table *t, enum output_format f, FILE *fp);

/* Writes the table (or, streaming, its last row and the end) in the
 * format, and empties it; returns 0, or -1 on a write error. */
int table_print(struct table *t, enum output_format f, FILE *fp);

/* Rows made so far by table_row, written or not. */
size_t table_rows_made(const struct table *t);

/*
 * A table held in memory (not streamed), read cell by cell: for `tlsrpt
 * serve`, which writes the rows as HTML. Row r < table_nrows, column
 * k < table_ncols. A cell's text is NULL when it is a missing value, else
 * as given (not escaped); an int's and a rate's text is their rendering
 * for the table format ("0.40%"), a list's its values joined with ','.
 */
size_t table_nrows(const struct table *t);
size_t table_ncols(const struct table *t);
const struct column *table_column(const struct table *t, size_t k);
const char *table_cell_text(const struct table *t, size_t r, size_t k);
int64_t table_cell_int(const struct table *t, size_t r, size_t k);
double table_cell_rate(const struct table *t, size_t r, size_t k);

/* Sorts the rows held by column k, descending when desc, stably, missing
 * values last. Returns 0, or -1 when out of memory (the order is kept). */
int table_sort(struct table *t, size_t k, int desc);

/* s (NULL: "") as it may go to a terminal or a log line: control
 * characters, bytes that are not UTF-8, C1 controls, and bidi and line
 * separator characters escaped as \xHH or \uHHHH, and a backslash as two,
 * so that the text can neither act on the terminal nor forge a line or a
 * field. Returns a malloc'd string, or NULL when out of memory. */
char *output_escape(const char *s);
/* Writes output_escape(s) to fp: 0, or -1. */
int output_escape_fputs(const char *s, FILE *fp);

/* Parses "table", "json" or "csv"; -1 when it is none of them. */
int output_format_parse(const char *s, enum output_format *f);

#endif
