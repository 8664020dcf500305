/*
 * table.c - a table of typed cells, written as an aligned table, JSON
 * (jansson) or CSV (RFC 4180 quoting).
 *
 * Report fields are chosen by whoever sent the report (RFC 8460 §7), so
 * nothing from a cell reaches a terminal as it is: the table escapes
 * control characters (output_escape), and CSV text cells that a
 * spreadsheet would take for a formula start with a quote (OWASP's "CSV
 * injection" advice) unless the caller asked for the raw bytes.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "table.h"

/* Length of the UTF-8 character at s (1 to 4) and its code point, or 0
 * when the bytes there are not one (RFC 3629 §4: no overlong form, no
 * surrogate, nothing above U+10FFFF). */
static size_t
utf8_char(const unsigned char *s, unsigned long *cp)
{
	size_t n, i;
	unsigned long v;

	if (s[0] < 0x80)
		return *cp = s[0], 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2, v = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3, v = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4, v = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0; /* also stops at the NUL */
		v = v << 6 | (s[i] & 0x3F);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) ||
	    (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
		return 0;
	*cp = v;
	return n;
}

/* Code points a terminal acts on rather than shows: C1 controls (0x9B is
 * CSI on many terminals), line and paragraph separators, and the bidi
 * controls that reorder what is shown (CVE-2021-42574). */
static int
is_invisible(unsigned long cp)
{
	return (cp >= 0x80 && cp <= 0x9F) || cp == 0x200E || cp == 0x200F ||
	       (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

char *
output_escape(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t len = strlen((const char *)p), n;
	unsigned long cp;
	char *out, *o;

	/* The widest escape, "\xHH" for each byte, is 4 times its input
	 * ("\u202e" is 6 for 3 bytes). */
	if (len > (SIZE_MAX - 1) / 4 || (out = malloc(4 * len + 1)) == NULL)
		return NULL;
	for (o = out; *p != '\0'; p += n) {
		if ((n = utf8_char(p, &cp)) == 0) {
			o += snprintf(o, 5, "\\x%02x", *p);
			n = 1;
		} else if (cp < 0x20 || cp == 0x7F) {
			o += snprintf(o, 5, "\\x%02x", (unsigned)cp);
		} else if (cp == '\\') {
			*o++ = '\\';
			*o++ = '\\';
		} else if (is_invisible(cp)) {
			o += snprintf(o, 7, "\\u%04lx", cp);
		} else {
			memcpy(o, p, n);
			o += n;
		}
	}
	*o = '\0';
	return out;
}

int
output_escape_fputs(const char *s, FILE *fp)
{
	char *e = output_escape(s);
	int ret = e != NULL && fputs(e, fp) != EOF ? 0 : -1;

	free(e);
	return ret;
}

struct cell {
	int null;
	char *text;  /* COL_TEXT; also the rendering of the others */
	int64_t i;   /* COL_INT */
	double rate; /* COL_RATE */
	char **list; /* COL_LIST */
	size_t nlist;
	json_t *json; /* COL_JSON */
};

struct table {
	const struct column *cols;
	size_t ncols;
	struct cell *cells; /* nrows * ncols */
	size_t nrows, cap;
	size_t at;    /* next column of the current row */
	size_t width; /* of the terminal: the table fits it; 0 no limit */
	FILE *stream; /* rows written as they are made here, when set */
	int csv_raw;  /* CSV cells as they are, formulas included */
	enum output_format format;
	size_t written;     /* rows written to the stream */
	size_t made;        /* rows made by table_row */
	int error;          /* a write to the stream failed */
	char *empty;        /* the line of a table without rows, or NULL */
	struct layout *lay; /* a streamed table's, once its columns are sized */
};

static void layout_free(struct layout *l);

/* A table's columns as laid out: widths (w, want, least) and the cell
 * text lengths of a line (lens), 4 x ncols; whether each is shown; the
 * texts of a line and what is left of each cell (rest). */
struct layout {
	size_t *w, *want, *least, *lens;
	int *shown;
	const char **texts, **rest;
};

struct table *
table_new(const struct column *cols, size_t ncols)
{
	struct table *t = calloc(1, sizeof(*t));

	if (t != NULL) {
		t->cols = cols;
		t->ncols = ncols;
		t->at = ncols;
	}
	return t;
}

static void
free_cells(struct table *t)
{
	size_t i, k;

	for (i = 0; i < t->nrows * t->ncols; i++) {
		free(t->cells[i].text);
		for (k = 0; k < t->cells[i].nlist; k++)
			free(t->cells[i].list[k]);
		free(t->cells[i].list);
		json_decref(t->cells[i].json);
	}
	t->nrows = 0;
}

void
table_free(struct table *t)
{
	if (t == NULL)
		return;
	free_cells(t);
	free(t->cells);
	free(t->empty);
	layout_free(t->lay);
	free(t);
}

void
table_stream(struct table *t, enum output_format f, FILE *fp)
{
	t->stream = fp;
	t->format = f;
}

static int write_rows(struct table *t, FILE *fp);
static int stream_table_rows(struct table *t);

int
table_row(struct table *t)
{
	struct cell *c;

	/* Streaming keeps one row: the one before is written now (a table
	 * keeps its first TABLE_ALIGN_ROWS to size its columns). */
	if (t->stream && t->format == FORMAT_TABLE) {
		if ((t->lay != NULL || t->nrows >= TABLE_ALIGN_ROWS) &&
		    stream_table_rows(t) != 0)
			t->error = 1;
	} else if (t->stream && t->nrows > 0) {
		if (write_rows(t, t->stream) != 0)
			t->error = 1;
		free_cells(t);
	}

	if (t->nrows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;

		c = reallocarray(t->cells, ncap * t->ncols, sizeof(*c));
		if (c == NULL)
			return -1;
		t->cells = c;
		t->cap = ncap;
	}
	memset(&t->cells[t->nrows * t->ncols], 0, t->ncols * sizeof(*t->cells));
	t->nrows++;
	t->made++;
	t->at = 0;
	return 0;
}

static struct cell *
next_cell(struct table *t)
{
	if (t->at >= t->ncols)
		return NULL;
	return &t->cells[(t->nrows - 1) * t->ncols + t->at++];
}

int
table_text(struct table *t, const char *v)
{
	struct cell *c = next_cell(t);

	if (c == NULL)
		return -1;
	c->null = v == NULL;
	c->text = strdup(v ? v : "");
	return c->text ? 0 : -1;
}

int
table_int(struct table *t, int64_t v)
{
	struct cell *c = next_cell(t);

	if (c == NULL || asprintf(&c->text, "%lld", (long long)v) < 0)
		return -1;
	c->i = v;
	return 0;
}

int
table_rate(struct table *t, double v)
{
	struct cell *c = next_cell(t);

	if (c == NULL || asprintf(&c->text, "%.2f%%", v * 100) < 0)
		return -1;
	c->rate = v;
	return 0;
}

int
table_list(struct table *t, const char *const *v, size_t n)
{
	struct cell *c = next_cell(t);
	size_t i, k, len = 1;
	char *p;

	if (c == NULL || (c->list = calloc(n ? n : 1, sizeof(char *))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if ((c->list[i] = strdup(v[i])) == NULL)
			return -1;
		c->nlist++;
		len += strlen(v[i]) + 1;
	}
	if ((c->text = malloc(len)) == NULL)
		return -1;
	/* "a,b,c": len counted each value and its comma above. */
	for (i = 0, p = c->text; i < n; i++) {
		if (i > 0)
			*p++ = ',';
		k = strlen(v[i]);
		p = (char *)memcpy(p, v[i], k) + k;
	}
	*p = '\0';
	return 0;
}

int
table_json(struct table *t, json_t *v, const char *text)
{
	struct cell *c = next_cell(t);

	if (c == NULL || v == NULL) {
		json_decref(v);
		return -1;
	}
	c->json = v;
	return (c->text = strdup(text)) != NULL ? 0 : -1;
}

static json_t *
cell_json(const struct column *col, const struct cell *c)
{
	json_t *a;
	size_t i;

	if (c->null)
		return json_null();
	switch (col->kind) {
	case COL_INT:
		return json_integer(c->i);
	case COL_RATE:
		return json_real(c->rate);
	case COL_LIST:
		a = json_array();
		for (i = 0; a != NULL && i < c->nlist; i++)
			json_array_append_new(a, json_string(c->list[i]));
		return a;
	case COL_JSON:
		return json_incref(c->json);
	case COL_TEXT:
		break;
	}
	return json_string(c->text);
}

/* Appends s as a JSON string, escaped as jansson escapes it (compact,
 * UTF-8 as it is): quote, backslash, and the control characters. Bytes
 * that are not UTF-8 (jansson refuses the string) become U+FFFD. */
static void
json_put_text(FILE *fp, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	unsigned long cp;
	size_t n;

	putc_unlocked('"', fp);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p >= 0x80) {
			if ((n = utf8_char(p, &cp)) == 0) {
				fputs("\xEF\xBF\xBD", fp);
				continue;
			}
			fwrite(p, 1, n, fp);
			p += n - 1;
			continue;
		}
		switch (*p) {
		case '"':
			fputs("\\\"", fp);
			continue;
		case '\\':
			fputs("\\\\", fp);
			continue;
		case '\b':
			fputs("\\b", fp);
			continue;
		case '\f':
			fputs("\\f", fp);
			continue;
		case '\n':
			fputs("\\n", fp);
			continue;
		case '\r':
			fputs("\\r", fp);
			continue;
		case '\t':
			fputs("\\t", fp);
			continue;
		}
		if (*p < 0x20) {
			fputs("\\u00", fp);
			putc_unlocked(hex[*p >> 4], fp);
			putc_unlocked(hex[*p & 15], fp);
		} else {
			putc_unlocked(*p, fp);
		}
	}
	putc_unlocked('"', fp);
}

/* Appends v in decimal (printf's %lld, without its cost a row). */
static void
json_put_int(FILE *fp, int64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	fwrite(p, 1, (size_t)(buf + sizeof(buf) - p), fp);
}

/* Writes one cell's JSON value: text, integers and null directly (the
 * rows of a large output are these), the rest through jansson. */
static int
json_put_cell(FILE *fp, const struct column *col, const struct cell *c)
{
	json_malloc_t jmalloc;
	json_free_t jfree;
	json_t *v;
	char *s;

	if (c->null) {
		fputs("null", fp);
		return 0;
	}
	if (col->kind == COL_INT) {
		json_put_int(fp, c->i);
		return 0;
	}
	if (col->kind == COL_TEXT && c->text != NULL) {
		json_put_text(fp, c->text);
		return 0;
	}
	if ((v = cell_json(col, c)) == NULL)
		return -1;
	s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER |
	                      JSON_REAL_PRECISION(6));
	json_decref(v);
	if (s == NULL)
		return -1;
	fputs(s, fp);
	json_get_alloc_funcs(&jmalloc, &jfree);
	jfree(s); /* jansson's allocator, which may not be malloc */
	return 0;
}

/* Writes the table's rows as JSON objects, each after a "[" (the first
 * row of the output) or a ",", as json_dumps would write them (compact,
 * the columns in order). */
static int
json_rows(struct table *t, FILE *fp)
{
	size_t r, k;

	for (r = 0; r < t->nrows; r++) {
		fputs(t->written++ ? ",\n  {" : "[\n  {", fp);
		for (k = 0; k < t->ncols; k++) {
			if (k > 0)
				putc_unlocked(',', fp);
			json_put_text(fp, t->cols[k].key);
			putc_unlocked(':', fp);
			if (json_put_cell(fp, &t->cols[k],
			                  &t->cells[r * t->ncols + k]) != 0)
				return -1;
		}
		putc_unlocked('}', fp);
	}
	return 0;
}

/* A spreadsheet reads a cell that starts with one of these as a formula
 * (=HYPERLINK(...), +, -, @, and tab or CR before one of them). */
static int
is_formula(const char *s)
{
	return *s != '\0' && strchr("=+-@\t\r", *s) != NULL;
}

/* One field, quoted as RFC 4180 §2 says; a text field that a spreadsheet
 * would run as a formula is quoted and starts with "'" (OWASP), unless
 * raw. Numbers never come here as text: -5 stays a number. */
static void
csv_field(const char *s, int text, int raw, FILE *fp)
{
	int neutral = text && !raw && is_formula(s);

	if (!neutral && strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, fp);
		return;
	}
	fputs(neutral ? "\"'" : "\"", fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

/* A list is one field, its values joined with ';'. */
static int
csv_list(const struct cell *c, int raw, FILE *fp)
{
	size_t i, len = 1;
	char *s, *p;

	for (i = 0; i < c->nlist; i++)
		len += strlen(c->list[i]) + 1;
	if ((s = p = malloc(len)) == NULL)
		return -1;
	for (i = 0; i < c->nlist; i++)
		p += snprintf(p, len - (size_t)(p - s), "%s%s", i ? ";" : "",
		              c->list[i]);
	*p = '\0';
	csv_field(s, 1, raw, fp);
	free(s);
	return 0;
}

/* Writes the table's rows as CSV records, after the header when they
 * are the first of the output. */
static int
csv_rows(struct table *t, FILE *fp)
{
	size_t r, k;

	for (k = 0; k < t->ncols && t->written == 0; k++) {
		csv_field(t->cols[k].key, 0, 1, fp);
		fputs(k + 1 < t->ncols ? "," : "\r\n", fp);
	}
	for (r = 0; r < t->nrows; r++, t->written++) {
		for (k = 0; k < t->ncols; k++) {
			const struct cell *c = &t->cells[r * t->ncols + k];
			enum col_kind kind = t->cols[k].kind;
			char rate[32];

			if (k)
				fputc(',', fp);
			if (c->null)
				continue;
			if (kind == COL_RATE) {
				snprintf(rate, sizeof(rate), "%.6g", c->rate);
				fputs(rate, fp);
			} else if (kind == COL_LIST) {
				if (csv_list(c, t->csv_raw, fp) != 0)
					return -1;
			} else {
				csv_field(c->text, kind != COL_INT, t->csv_raw,
				          fp);
			}
		}
		fputs("\r\n", fp);
	}
	return 0;
}

static int
write_rows(struct table *t, FILE *fp)
{
	if ((t->format == FORMAT_JSON ? json_rows(t, fp) : csv_rows(t, fp)) !=
	    0)
		return -1;
	return ferror(fp) ? -1 : 0;
}

void
table_set_width(struct table *t, size_t width)
{
	t->width = width;
}

int
table_set_empty(struct table *t, const char *text)
{
	char *e = strdup(text);

	if (e == NULL)
		return -1;
	free(t->empty);
	t->empty = e;
	return 0;
}

void
table_set_csv_raw(struct table *t, int raw)
{
	t->csv_raw = raw;
}

/* Replaces each cell's text by its escaped form (output_escape): the
 * table goes to a terminal, and is emptied once printed. */
static int
escape_cells(struct table *t)
{
	size_t i;
	char *e;

	for (i = 0; i < t->nrows * t->ncols; i++) {
		if ((e = output_escape(t->cells[i].text)) == NULL)
			return -1;
		free(t->cells[i].text);
		t->cells[i].text = e;
	}
	return 0;
}

/* The columns s takes on a terminal: one a character (the cells are
 * escaped, so UTF-8; wide characters are not told apart). */
static size_t
text_width(const char *s, size_t len)
{
	size_t n = 0, i;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

/* The next line of s wrapped at w columns: its length in bytes, and in
 * *rest where the line after it starts. It breaks after the last comma or
 * at the last space that leaves it within w (the space is dropped), else,
 * for a word longer than w, after w characters. */
static size_t
wrap_line(const char *s, size_t w, const char **rest)
{
	size_t i, cols = 0, brk = 0, next = 0;

	if (w == 0)
		w = 1; /* a line takes a character at least */
	for (i = 0; s[i] != '\0'; i++) {
		if (((unsigned char)s[i] & 0xC0) == 0x80)
			continue;
		if (cols == w) {
			if (s[i] == ' ')
				brk = i, next = i + 1; /* fits to the end */
			break;
		}
		cols++;
		if (s[i] == ' ' && i > 0)
			brk = i, next = i + 1;
		else if (s[i] == ',')
			brk = next = i + 1;
	}
	while (s[i] != '\0' && ((unsigned char)s[i] & 0xC0) == 0x80)
		i++;
	if (s[i] == '\0' || brk == 0)
		brk = next = i;
	while (s[next] == ' ')
		next++;
	*rest = s + next;
	return brk;
}

/* The widest word of s (the pieces wrap_line keeps whole). */
static size_t
longest_word(const char *s)
{
	size_t n, most = 0;

	while (*s != '\0') {
		n = strcspn(s, " ,");
		if (text_width(s, n) + (s[n] == ',') > most)
			most = text_width(s, n) + (s[n] == ',');
		s += n + (s[n] != '\0');
	}
	return most;
}

static const char *
cell_text(const struct table *t, size_t r, size_t k)
{
	const struct cell *c = &t->cells[r * t->ncols + k];

	return c->null ? TABLE_NONE : c->text;
}

/* The width of the shown columns, two spaces apart. */
static size_t
shown_total(const struct table *t, const size_t *w, const int *shown)
{
	size_t k, total = 0, n = 0;

	for (k = 0; k < t->ncols; k++)
		if (shown[k])
			total += w[k] + (n++ ? 2 : 0);
	return total;
}

/* The width each column needs with its text unwrapped (w), and, for a
 * wrapping column, the least it takes before columns are left out (want:
 * its wrap, title or longest word) and at all (least: its title or
 * longest word); for the others all three are the same. */
static void
widths(const struct table *t, size_t *w, size_t *want, size_t *least)
{
	size_t r, k, n;

	for (k = 0; k < t->ncols; k++) {
		w[k] = least[k] =
		    text_width(t->cols[k].title, strlen(t->cols[k].title));
		for (r = 0; r < t->nrows; r++) {
			n = text_width(cell_text(t, r, k),
			               strlen(cell_text(t, r, k)));
			if (n > w[k])
				w[k] = n;
			if (t->cols[k].wrap > 0 &&
			    (n = longest_word(cell_text(t, r, k))) > least[k])
				least[k] = n;
		}
		if (t->cols[k].wrap == 0)
			least[k] = w[k];
		want[k] =
		    least[k] > t->cols[k].wrap ? least[k] : t->cols[k].wrap;
		if (want[k] > w[k])
			want[k] = w[k];
	}
}

/*
 * Lays the table out in its width (struct column): w[k] the width of each
 * column, shown[k] whether it is shown. Columns are left out, the largest
 * drop first, until the others fit with each wrapping column at the width
 * it wants; then the wrapping columns are narrowed, widest first, only as
 * far as the width asks and never below a word.
 */
static void
layout(const struct table *t, size_t *w, size_t *want, size_t *least,
       int *shown)
{
	size_t k, n, drop;

	widths(t, w, want, least);
	for (k = 0; k < t->ncols; k++)
		shown[k] = t->cols[k].kind != COL_JSON;
	if (t->width == 0)
		return;
	while (shown_total(t, want, shown) > t->width) {
		for (k = 0, drop = t->ncols; k < t->ncols; k++)
			if (shown[k] && t->cols[k].drop > 0 &&
			    (drop == t->ncols ||
			     t->cols[k].drop > t->cols[drop].drop))
				drop = k;
		if (drop == t->ncols)
			break; /* nothing more may go */
		shown[drop] = 0;
	}
	while (shown_total(t, w, shown) > t->width) {
		for (k = 0, n = t->ncols; k < t->ncols; k++)
			if (shown[k] && w[k] > least[k] &&
			    (n == t->ncols || w[k] > w[n]))
				n = k;
		if (n == t->ncols)
			break; /* it cannot fit: wider, words whole */
		w[n]--;
	}
}

/* Writes a line of cells: texts[k] (NULL: nothing) in w[k] columns, two
 * spaces apart. The blanks are written only before text, so that no
 * line ends in blanks. */
static void
put_line(const struct table *t, FILE *fp, const char *const *texts,
         const size_t *lens, const size_t *w, const int *shown, int titles)
{
	size_t k, pad = 0, n, tw;
	int right;

	for (k = 0, n = 0; k < t->ncols; k++) {
		if (!shown[k])
			continue;
		pad += n++ ? 2 : 0;
		tw = texts[k] ? text_width(texts[k], lens[k]) : 0;
		right = !titles && (t->cols[k].kind == COL_INT ||
		                    t->cols[k].kind == COL_RATE);
		if (right)
			pad += w[k] > tw ? w[k] - tw : 0;
		if (tw > 0) {
			fprintf(fp, "%*s%.*s", (int)pad, "", (int)lens[k],
			        texts[k]);
			pad = 0;
		}
		if (!right)
			pad += w[k] > tw ? w[k] - tw : 0;
	}
	fputc('\n', fp);
}

/* Writes one row, its wrapping cells onto as many lines as they need. */
static void
put_row(const struct table *t, FILE *fp, size_t r, const size_t *w,
        const int *shown, const char **rest, const char **texts, size_t *lens)
{
	size_t k;
	int more;

	for (k = 0; k < t->ncols; k++)
		rest[k] = cell_text(t, r, k);
	do {
		more = 0;
		for (k = 0; k < t->ncols; k++) {
			texts[k] = rest[k];
			if (!shown[k] || *rest[k] == '\0') {
				lens[k] = 0;
				continue;
			}
			if (t->cols[k].wrap == 0 || t->width == 0)
				lens[k] = strlen(rest[k]), rest[k] += lens[k];
			else
				lens[k] = wrap_line(rest[k], w[k], &rest[k]);
			more |= *rest[k] != '\0';
		}
		put_line(t, fp, texts, lens, w, shown, 0);
	} while (more);
}

/* Writes text in parentheses, wrapped at the width. */
static void
put_note(const struct table *t, FILE *fp, const char *text)
{
	char *s;
	const char *p, *next;
	size_t n;

	if (asprintf(&s, "(%s)", text) < 0)
		return;
	for (p = s; *p != '\0'; p = next) {
		if (t->width > 0) {
			n = wrap_line(p, t->width, &next);
		} else {
			n = strlen(p);
			next = p + n;
		}
		fprintf(fp, "%.*s\n", (int)n, p);
	}
	free(s);
}

/* The line under a table that left columns out, naming them. */
static void
put_dropped(const struct table *t, FILE *fp, const int *shown)
{
	char text[1024] = "columns ";
	size_t k, len, n = 0;

	for (k = 0; k < t->ncols; k++) {
		if (shown[k] || t->cols[k].kind == COL_JSON)
			continue;
		len = strlen(text);
		snprintf(text + len, sizeof(text) - len, "%s%s",
		         n++ ? ", " : "", t->cols[k].title);
	}
	if (n == 0)
		return;
	len = strlen(text);
	snprintf(text + len, sizeof(text) - len,
	         " not shown at %zu columns: widen the terminal or use "
	         "--format csv",
	         t->width);
	put_note(t, fp, text);
}

static void
layout_free(struct layout *l)
{
	if (l == NULL)
		return;
	free(l->w);
	free(l->shown);
	free(l->texts);
	free(l);
}

/* Sizes the columns from the rows the table holds (escaped), and writes
 * the titles; NULL when out of memory. */
static struct layout *
lay_out(struct table *t, FILE *fp)
{
	size_t nc = t->ncols ? t->ncols : 1, k;
	struct layout *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->w = calloc(nc, 4 * sizeof(size_t));
	l->shown = calloc(nc, sizeof(int));
	l->texts = calloc(nc, 2 * sizeof(char *));
	if (l->w == NULL || l->shown == NULL || l->texts == NULL) {
		layout_free(l);
		return NULL;
	}
	l->want = l->w + nc;
	l->least = l->w + 2 * nc;
	l->lens = l->w + 3 * nc;
	l->rest = l->texts + nc;
	layout(t, l->w, l->want, l->least, l->shown);
	for (k = 0; k < t->ncols; k++) {
		l->texts[k] = t->cols[k].title;
		l->lens[k] = strlen(l->texts[k]);
	}
	put_line(t, fp, l->texts, l->lens, l->w, l->shown, 1);
	return l;
}

/* Writes the rows held in the layout and empties the table. */
static int
put_rows(struct table *t, FILE *fp, const struct layout *l)
{
	size_t r;

	for (r = 0; r < t->nrows; r++)
		put_row(t, fp, r, l->w, l->shown, l->rest, l->texts, l->lens);
	free_cells(t);
	return 0;
}

/* A streamed table at a new row: its columns are sized from the rows
 * held the first time, then the rows held are written. */
static int
stream_table_rows(struct table *t)
{
	if (escape_cells(t) != 0 ||
	    (t->lay == NULL && (t->lay = lay_out(t, t->stream)) == NULL))
		return -1;
	return put_rows(t, t->stream, t->lay);
}

static int
print_table(struct table *t, FILE *fp)
{
	struct layout *l = t->lay;
	int empty = t->nrows == 0 && l == NULL, ret;

	if (escape_cells(t) != 0 || (l == NULL && (l = lay_out(t, fp)) == NULL))
		return -1;
	ret = put_rows(t, fp, l);
	if (empty)
		put_note(t, fp, t->empty ? t->empty : "no rows");
	put_dropped(t, fp, l->shown);
	layout_free(l);
	t->lay = NULL;
	return ret;
}

int
table_print(struct table *t, enum output_format f, FILE *fp)
{
	int ret;

	if (!t->stream) {
		t->format = f;
		t->written = 0;
	}
	if (f == FORMAT_TABLE)
		ret = print_table(t, fp);
	else if ((ret = write_rows(t, fp)) == 0 && f == FORMAT_JSON)
		fputs(t->written ? "\n]\n" : "[]\n", fp);
	free_cells(t);
	if (fflush(fp) != 0 || ferror(fp) || t->error)
		return -1;
	return ret;
}

size_t
table_rows_made(const struct table *t)
{
	return t->made;
}

size_t
table_nrows(const struct table *t)
{
	return t->nrows;
}

size_t
table_ncols(const struct table *t)
{
	return t->ncols;
}

const struct column *
table_column(const struct table *t, size_t k)
{
	return &t->cols[k];
}

const char *
table_cell_text(const struct table *t, size_t r, size_t k)
{
	const struct cell *c = &t->cells[r * t->ncols + k];

	return c->null ? NULL : c->text;
}

int64_t
table_cell_int(const struct table *t, size_t r, size_t k)
{
	return t->cells[r * t->ncols + k].i;
}

double
table_cell_rate(const struct table *t, size_t r, size_t k)
{
	return t->cells[r * t->ncols + k].rate;
}

/* qsort_r's context: the cells, the column and the direction. */
struct sort_by {
	const struct table *t;
	size_t k;
	int desc;
};

/* Compares rows by index: the column, missing values last, then the
 * index, so that the sort is stable. */
static int
cmp_rows(const void *a, const void *b, void *arg)
{
	const struct sort_by *s = arg;
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	const struct cell *x = &s->t->cells[ia * s->t->ncols + s->k];
	const struct cell *y = &s->t->cells[ib * s->t->ncols + s->k];
	int r;

	if (x->null || y->null)
		r = x->null - y->null;
	else {
		if (s->t->cols[s->k].kind == COL_INT)
			r = (x->i > y->i) - (x->i < y->i);
		else if (s->t->cols[s->k].kind == COL_RATE)
			r = (x->rate > y->rate) - (x->rate < y->rate);
		else
			r = strcmp(x->text, y->text);
		if (s->desc)
			r = -r;
	}
	return r ? r : (ia > ib) - (ia < ib);
}

int
table_sort(struct table *t, size_t k, int desc)
{
	struct sort_by s = {t, k, desc};
	size_t i, n = t->nrows, w = t->ncols;
	struct cell *sorted;
	size_t *idx;

	if (n < 2 || k >= t->ncols)
		return 0;
	idx = calloc(n, sizeof(*idx));
	sorted = reallocarray(NULL, n * w, sizeof(*sorted));
	if (idx == NULL || sorted == NULL) {
		free(idx);
		free(sorted);
		return -1;
	}
	for (i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_rows, &s);
	for (i = 0; i < n; i++)
		memcpy(&sorted[i * w], &t->cells[idx[i] * w],
		       w * sizeof(*sorted));
	free(t->cells);
	t->cells = sorted;
	t->cap = n;
	free(idx);
	return 0;
}

int
output_format_parse(const char *s, enum output_format *f)
{
	if (strcasecmp(s, "table") == 0)
		*f = FORMAT_TABLE;
	else if (strcasecmp(s, "json") == 0)
		*f = FORMAT_JSON;
	else if (strcasecmp(s, "csv") == 0)
		*f = FORMAT_CSV;
	else
		return -1;
	return 0;
}
