/*
 * opt.c - the option tables: defaults, parsing over getopt_long, and the
 * help text (see opt.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "opt.h"
#include "optnum.h"

/* getopt_long's val of row i; below it are the short names. */
#define OPT_VAL_BASE 256

/* Where a row's value lives in cfg. */
static void *
field(void *cfg, size_t offset)
{
	return (char *)cfg + offset;
}

static void
put_num(void *p, size_t size, uint64_t v)
{
	uint32_t v32 = (uint32_t)v;
	uint16_t v16 = (uint16_t)v;

	if (size == sizeof(uint64_t))
		memcpy(p, &v, sizeof(v));
	else if (size == sizeof(uint32_t))
		memcpy(p, &v32, sizeof(v32));
	else if (size == sizeof(uint16_t))
		memcpy(p, &v16, sizeof(v16));
}

static void
put_int(void *p, int v)
{
	memcpy(p, &v, sizeof(v));
}

void
opt_defaults(const struct opt_def *defs, size_t n, void *cfg)
{
	const struct opt_def *d;
	size_t zero = 0;

	for (d = defs; d < defs + n; d++) {
		switch (d->kind) {
		case OPT_FLAG:
			put_int(field(cfg, d->offset), 0);
			break;
		case OPT_TEXT:
			memcpy(field(cfg, d->offset), &d->def_text,
			       sizeof(d->def_text));
			break;
		case OPT_NUM:
			put_num(field(cfg, d->offset), d->size, d->def);
			break;
		case OPT_CHOICE:
			put_int(field(cfg, d->offset), (int)d->def);
			break;
		case OPT_LIST:
			memcpy(field(cfg, d->count_offset), &zero,
			       sizeof(zero));
			break;
		default:
			break;
		}
	}
}

/* The index of arg among choices "a|b|c", or -1. */
static int
choice_index(const char *choices, const char *arg)
{
	size_t len = strlen(arg), k;
	int i = 0;

	while (choices != NULL && *choices != '\0') {
		k = strcspn(choices, "|");
		if (k == len && strncmp(choices, arg, len) == 0)
			return i;
		choices += k + (choices[k] == '|');
		i++;
	}
	return -1;
}

/* The index-th of choices into buf. */
static void
choice_name(const char *choices, uint64_t index, char *buf, size_t size)
{
	size_t k = strcspn(choices, "|");

	for (; index > 0 && choices[k] == '|'; index--) {
		choices += k + 1;
		k = strcspn(choices, "|");
	}
	snprintf(buf, size, "%.*s", (int)k, choices);
}

/* "a|b|c" as "a, b or c". */
static void
choices_said(const char *choices, char *buf, size_t size)
{
	const char *last = strrchr(choices, '|'), *sep;
	size_t i, o = 0;

	for (i = 0; choices[i] != '\0' && o + 5 < size; i++) {
		if (choices[i] != '|') {
			buf[o++] = choices[i];
			continue;
		}
		sep = &choices[i] == last ? " or " : ", ";
		memcpy(buf + o, sep, strlen(sep));
		o += strlen(sep);
	}
	buf[o] = '\0';
}

/* " bytes" for BYTES, "" for N: the unit a range is said in. */
static void
unit_of(const struct opt_def *d, char *buf, size_t size)
{
	size_t i;

	buf[0] = '\0';
	if (d->arg_name == NULL || strcmp(d->arg_name, "N") == 0 || size < 2)
		return;
	buf[0] = ' ';
	for (i = 0; d->arg_name[i] != '\0' && i + 2 < size; i++)
		buf[i + 1] =
		    (char)(d->arg_name[i] >= 'A' && d->arg_name[i] <= 'Z'
		               ? d->arg_name[i] - 'A' + 'a'
		               : d->arg_name[i]);
	buf[i + 1] = '\0';
}

static int
take_num(const struct opt_def *d, void *cfg, const char *arg, struct errbuf *eb)
{
	char unit[16];
	uint64_t v;

	if (optnum_parse(arg, d->min, d->max, &v) != 0) {
		unit_of(d, unit, sizeof(unit));
		return errbuf_set(eb, "--%s: %llu to %llu%s, not '%s'", d->name,
		                  (unsigned long long)d->min,
		                  (unsigned long long)d->max, unit, arg);
	}
	put_num(field(cfg, d->offset), d->size, v);
	return 0;
}

static int
take_list(const struct opt_def *d, void *cfg, const char *arg,
          struct errbuf *eb)
{
	size_t count;
	const char **items = field(cfg, d->offset);

	memcpy(&count, field(cfg, d->count_offset), sizeof(count));
	if (count >= d->max)
		return errbuf_set(eb, "--%s: at most %llu", d->name,
		                  (unsigned long long)d->max);
	items[count++] = arg;
	memcpy(field(cfg, d->count_offset), &count, sizeof(count));
	return 0;
}

/* Row d's value arg into cfg; 0, or -1 with why in eb. */
static int
take(const struct opt_def *d, void *cfg, const char *arg, struct errbuf *eb)
{
	char said[256];
	int i;

	if (d->take != NULL && d->kind != OPT_FLAG && d->take(cfg, arg, eb)) {
		errbuf_prefix(eb, "--%s", d->name);
		return -1;
	}
	switch (d->kind) {
	case OPT_FLAG:
		put_int(field(cfg, d->offset), 1);
		return 0;
	case OPT_NUM:
		return take_num(d, cfg, arg, eb);
	case OPT_LIST:
		return take_list(d, cfg, arg, eb);
	case OPT_TEXT:
	case OPT_CHOICE:
		if ((i = choice_index(d->choices, arg)) < 0 &&
		    d->choices != NULL) {
			choices_said(d->choices, said, sizeof(said));
			return errbuf_set(eb, "--%s: %s, not '%s'", d->name,
			                  said, arg);
		}
		if (d->kind == OPT_CHOICE)
			put_int(field(cfg, d->offset), i);
		else
			memcpy(field(cfg, d->offset), &arg, sizeof(arg));
		return 0;
	default:
		return 0;
	}
}

static int
takes_value(const struct opt_def *d)
{
	return d->kind != OPT_FLAG && d->kind != OPT_HELP;
}

/* getopt_long's table and short options from the rows; -1 when they do
 * not fit (a table over OPT_MAX rows: a bug). */
static int
build(const struct opt_def *defs, size_t n, struct option *lo, char *sopts,
      size_t size)
{
	size_t i, k = 0, s = 0;

	for (i = 0; i < n && i < OPT_MAX; i++) {
		if (defs[i].kind == OPT_SECTION)
			continue;
		lo[k++] = (struct option){
		    defs[i].name,
		    takes_value(&defs[i]) ? required_argument : no_argument,
		    NULL, OPT_VAL_BASE + (int)i};
		if (defs[i].alias != NULL)
			lo[k] = lo[k - 1], lo[k++].name = defs[i].alias;
		if (defs[i].short_name != 0 && s + 3 < size) {
			sopts[s++] = (char)defs[i].short_name;
			if (takes_value(&defs[i]))
				sopts[s++] = ':';
		}
	}
	lo[k] = (struct option){NULL, 0, NULL, 0};
	sopts[s] = '\0';
	return i < n ? -1 : 0;
}

/* The row getopt_long answered with opt, or NULL. */
static const struct opt_def *
row_of(const struct opt_def *defs, size_t n, int opt)
{
	size_t i;

	if (opt >= OPT_VAL_BASE && (size_t)(opt - OPT_VAL_BASE) < n)
		return &defs[opt - OPT_VAL_BASE];
	for (i = 0; i < n; i++)
		if (opt != 0 && defs[i].short_name == opt)
			return &defs[i];
	return NULL;
}

int
opt_parse(const struct opt_def *defs, size_t n, void *cfg, int argc,
          char **argv, struct errbuf *eb)
{
	struct option lo[2 * OPT_MAX + 1];
	const struct opt_def *d;
	char sopts[2 * OPT_MAX + 1], msg[256];
	int opt;

	if (build(defs, n, lo, sopts, sizeof(sopts)) != 0)
		return errbuf_set(eb, "more than %d options", OPT_MAX);
	optind = 0; /* 0: GNU getopt starts afresh */
	while ((opt = optnum_getopt(argc, argv, sopts, lo, msg, sizeof(msg))) !=
	       -1) {
		if (opt == OPTNUM_BAD)
			return errbuf_set(eb, "%s", msg);
		if ((d = row_of(defs, n, opt)) == NULL)
			return errbuf_set(eb, "unknown option");
		if (d->kind == OPT_HELP)
			return OPT_PARSE_HELP;
		if (take(d, cfg, optarg, eb) != 0)
			return -1;
	}
	return 0;
}

/* ---- Help ---- */

#define HELP_COLUMN 24
#define HELP_WIDTH  79

/* What the help says after a row's line: its default, bounds, alias. */
static void
help_notes(const struct opt_def *d, char *buf, size_t size)
{
	char def[64] = "", range[64] = "", also[64] = "";

	if (d->kind == OPT_NUM && d->def_text != NULL)
		snprintf(def, sizeof(def), "default %s", d->def_text);
	else if (d->kind == OPT_NUM)
		snprintf(def, sizeof(def), "default %llu",
		         (unsigned long long)d->def);
	else if (d->kind == OPT_TEXT && d->def_text != NULL)
		snprintf(def, sizeof(def), "default %s", d->def_text);
	else if (d->kind == OPT_CHOICE) {
		memcpy(def, "default ", 8);
		choice_name(d->choices, d->def, def + 8, sizeof(def) - 8);
	}
	if (d->kind == OPT_NUM)
		snprintf(range, sizeof(range), "%s%llu to %llu",
		         def[0] ? "; " : "", (unsigned long long)d->min,
		         (unsigned long long)d->max);
	else if (d->kind == OPT_LIST)
		snprintf(range, sizeof(range), "repeatable, at most %llu",
		         (unsigned long long)d->max);
	if (d->alias != NULL)
		snprintf(also, sizeof(also), "%sold name --%s",
		         def[0] || range[0] ? "; " : "", d->alias);
	buf[0] = '\0';
	if (def[0] || range[0] || also[0])
		snprintf(buf, size, " (%s%s%s)", def, range, also);
}

/* Writes text from column col, wrapped at HELP_WIDTH, the lines after the
 * first from HELP_COLUMN. */
static void
help_wrap(FILE *f, const char *text, int col)
{
	size_t k;

	while (*text != '\0') {
		while (*text == ' ')
			text++;
		k = strcspn(text, " ");
		if (k == 0)
			break;
		if (col > HELP_COLUMN && col + 1 + (int)k > HELP_WIDTH) {
			fprintf(f, "\n%*s", HELP_COLUMN, "");
			col = HELP_COLUMN;
		} else if (col > HELP_COLUMN) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)k, text);
		col += (int)k;
		text += k;
	}
	fputc('\n', f);
}

/* "  -p, --socket SOCKET", or "  --db PATH" without a short name. */
static void
help_left(const struct opt_def *d, char *buf, size_t size)
{
	char sh[8] = "";
	const char *arg = d->arg_name  ? d->arg_name
	                  : d->choices ? d->choices
	                               : "VALUE";

	if (d->short_name != 0)
		snprintf(sh, sizeof(sh), "-%c, ", d->short_name);
	snprintf(buf, size, "  %s--%s%s%s", sh, d->name,
	         takes_value(d) ? " " : "", takes_value(d) ? arg : "");
}

void
opt_help(const struct opt_def *defs, size_t n, FILE *f)
{
	const struct opt_def *d;
	char left[128], notes[256], text[1024];
	int col;

	for (d = defs; d < defs + n; d++) {
		if (d->kind == OPT_SECTION) {
			fprintf(f, "%s\n", d->help);
			continue;
		}
		help_left(d, left, sizeof(left));
		help_notes(d, notes, sizeof(notes));
		snprintf(text, sizeof(text), "%s%s", d->help, notes);
		fputs(left, f);
		col = (int)strlen(left);
		/* The line on the next line when the left side is too wide */
		if (col + 2 > HELP_COLUMN)
			fprintf(f, "\n%*s", HELP_COLUMN, "");
		else
			fprintf(f, "%*s", HELP_COLUMN - col, "");
		help_wrap(f, text, HELP_COLUMN);
	}
}
