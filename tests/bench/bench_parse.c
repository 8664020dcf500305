/*
 * bench_parse.c - single-thread throughput of the two CPU stages of ingest:
 * bounded gunzip (gz_inflate, collector/core/gz.h) and RFC 8460 parse and
 * normalize (report_parse, collector/core/report.h).
 *
 * Build: the CMake target tlsrpt-bench-parse is added by the lead, from this
 * one file linked to the core library:
 *
 *	add_executable(tlsrpt-bench-parse tests/bench/bench_parse.c)
 *	target_link_libraries(tlsrpt-bench-parse PRIVATE tlsrpt_core)
 *
 * Usage: tlsrpt-bench-parse [--repeat N] [--max-files N] DIR
 *
 * Every regular file of DIR (not recursive; dot files skipped) is read into
 * memory first; a file is a gzip report when it starts with the gzip magic,
 * a JSON report when its first non-blank byte is "{", and skipped otherwise
 * (messages, mboxes). Then, timed with CLOCK_MONOTONIC, single thread:
 *
 *   inflate-only: gz_inflate on every gzip file, output freed;
 *   parse-only:   report_parse on every report's JSON (the gzip ones
 *                 inflated beforehand, untimed), report freed.
 *
 * Each phase runs --repeat times (default 3) and the best run is printed,
 * as reports per second and MB per second. Memory: all inputs plus all
 * inflated JSON stay resident (about 500 MB for 100,000 reports of 3 KB);
 * use --max-files on small machines. A report that fails to inflate or
 * parse is counted and its first reasons printed; it does not stop the run
 * (the exit status is 1 then, so a script can tell).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errbuf.h"
#include "gz.h"
#include "limits.h"
#include "report.h"

struct input {
	char *data;
	size_t len;
	int gz;
	char *json; /* the inflated text of a gzip input, or NULL */
	size_t json_len;
};

struct inputs {
	struct input *v;
	size_t n, cap;
	size_t ngz, skipped;
	uint64_t disk_bytes, json_bytes;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
fatal(const char *what, const char *path)
{
	fprintf(stderr, "tlsrpt-bench-parse: %s %s: %s\n", what, path,
	        strerror(errno));
	exit(2);
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL)
		fatal("open", path);
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 65536;
			if ((p = realloc(p, cap)) == NULL)
				fatal("out of memory reading", path);
		}
		size_t got = fread(p + n, 1, cap - n, f);

		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		fatal("read", path);
	fclose(f);
	*len = n;
	return p;
}

/* 1 gzip, 0 JSON, -1 neither. */
static int
sniff(const char *p, size_t n)
{
	size_t i = 0;

	if (gz_is_gzip(p, n))
		return 1;
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n &&
	       (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i < n && p[i] == '{' ? 0 : -1;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the report files of dir, in name order, at most max of them. */
static void
load(const char *dir, size_t max, struct inputs *in)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL, path[4096];
	size_t nnames = 0, capnames = 0;

	if (d == NULL)
		fatal("opendir", dir);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (nnames == capnames) {
			capnames = capnames ? capnames * 2 : 1024;
			names = reallocarray(names, capnames, sizeof(*names));
			if (names == NULL)
				fatal("out of memory listing", dir);
		}
		if ((names[nnames++] = strdup(de->d_name)) == NULL)
			fatal("out of memory listing", dir);
	}
	closedir(d);
	qsort(names, nnames, sizeof(*names), cmp_name);
	for (size_t i = 0; i < nnames; i++) {
		struct input x = {0};
		int kind;

		if (in->n < max &&
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		                     names[i]) < sizeof(path)) {
			x.data = read_file(path, &x.len);
			kind = sniff(x.data, x.len);
			if (kind < 0) {
				free(x.data);
				in->skipped++;
			} else {
				x.gz = kind;
				if (in->n == in->cap) {
					in->cap = in->cap ? in->cap * 2 : 1024;
					in->v = reallocarray(in->v, in->cap,
					                     sizeof(*in->v));
					if (in->v == NULL)
						fatal("out of memory reading",
						      dir);
				}
				in->v[in->n++] = x;
				in->ngz += (size_t)x.gz;
				in->disk_bytes += x.len;
			}
		}
		free(names[i]);
	}
	free(names);
}

/* One timed pass of gz_inflate over the gzip inputs; returns seconds. */
static double
run_inflate(struct inputs *in, uint64_t *out_bytes, size_t *failed, int keep,
            int quiet)
{
	struct errbuf eb;
	double t0;

	*out_bytes = 0;
	*failed = 0;
	t0 = now_s();
	for (size_t i = 0; i < in->n; i++) {
		struct input *x = &in->v[i];
		char *out = NULL;
		size_t outlen = 0;
		unsigned flags = 0;

		if (!x->gz)
			continue;
		if (gz_inflate(x->data, x->len, LIMIT_REPORT_SIZE,
		               LIMIT_INFLATE_RATIO, &out, &outlen, &flags,
		               &eb) != 0) {
			if (++*failed <= 3 && !quiet)
				fprintf(stderr, "inflate failed: %s\n", eb.msg);
			continue;
		}
		*out_bytes += outlen;
		if (keep) {
			x->json = out;
			x->json_len = outlen;
		} else {
			free(out);
		}
	}
	return now_s() - t0;
}

/* One timed pass of report_parse over every report; returns seconds. */
static double
run_parse(struct inputs *in, size_t *failed, size_t *nparsed, int quiet)
{
	const struct report_hints hints = {NULL};
	struct errbuf eb;
	double t0;

	*failed = 0;
	*nparsed = 0;
	t0 = now_s();
	for (size_t i = 0; i < in->n; i++) {
		struct input *x = &in->v[i];
		const char *json = x->gz ? x->json : x->data;
		size_t len = x->gz ? x->json_len : x->len;
		struct report *r = NULL;

		if (json == NULL)
			continue; /* did not inflate */
		(*nparsed)++;
		if (report_parse(json, len, &hints, NULL, &r, &eb) != 0) {
			if (++*failed <= 3 && !quiet)
				fprintf(stderr, "parse failed: %s\n", eb.msg);
			continue;
		}
		report_free(r);
	}
	return now_s() - t0;
}

static unsigned long
opt_num(const char *name, const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0) {
		fprintf(stderr,
		        "tlsrpt-bench-parse: %s: not a positive "
		        "number: %s\n",
		        name, s);
		exit(64);
	}
	return v;
}

static void
usage(FILE *f)
{
	fputs("usage: tlsrpt-bench-parse [--repeat N] [--max-files N] DIR\n"
	      "Times gz_inflate and report_parse, single thread, on the "
	      "report files\n"
	      "(.json, .json.gz; sniffed) of DIR, read into memory first.\n",
	      f);
}

static void
print_rate(const char *what, size_t n, double secs, uint64_t bytes)
{
	double s = secs > 0 ? secs : 1e-9;

	printf(
	    "%s: %.0f reports/s, %.1f MB/s of JSON (%zu reports in %.3f s)\n",
	    what, (double)n / s, (double)bytes / s / 1e6, n, secs);
}

int
main(int argc, char **argv)
{
	struct inputs in = {0};
	unsigned long repeat = 3, max = (unsigned long)-1;
	double best_inf = -1, best_parse = -1;
	size_t inf_failed = 0, parse_failed = 0, nparsed = 0;
	uint64_t inf_bytes = 0;
	int i;

	report_init();
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
			repeat = opt_num("--repeat", argv[++i]);
		else if (strcmp(argv[i], "--max-files") == 0 && i + 1 < argc)
			max = opt_num("--max-files", argv[++i]);
		else if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 64;
		}
	}
	if (i + 1 != argc) {
		usage(stderr);
		return 64;
	}
	load(argv[i], max, &in);
	if (in.n == 0) {
		fprintf(stderr, "tlsrpt-bench-parse: no report files in %s\n",
		        argv[i]);
		return 2;
	}
	for (unsigned long r = 0; r < repeat; r++) {
		double t = run_inflate(&in, &inf_bytes, &inf_failed, 0, r > 0);

		if (best_inf < 0 || t < best_inf)
			best_inf = t;
	}
	/* Inflate once more, untimed, to keep the JSON for parsing. */
	run_inflate(&in, &inf_bytes, &inf_failed, 1, 1);
	in.json_bytes = inf_bytes;
	for (size_t k = 0; k < in.n; k++)
		if (!in.v[k].gz)
			in.json_bytes += in.v[k].len;
	for (unsigned long r = 0; r < repeat; r++) {
		double t = run_parse(&in, &parse_failed, &nparsed, r > 0);

		if (best_parse < 0 || t < best_parse)
			best_parse = t;
	}
	printf("files: %zu reports (%zu gzip, %zu json), %zu skipped, "
	       "%.1f MB read, %.1f MB JSON\n",
	       in.n, in.ngz, in.n - in.ngz, in.skipped,
	       (double)in.disk_bytes / 1e6, (double)in.json_bytes / 1e6);
	if (in.ngz > 0)
		print_rate("inflate-only", in.ngz - inf_failed, best_inf,
		           inf_bytes);
	else
		printf("inflate-only: no gzip reports\n");
	print_rate("parse-only", nparsed - parse_failed, best_parse,
	           in.json_bytes);
	printf("failed: %zu inflate, %zu parse (best of %lu runs each)\n",
	       inf_failed, parse_failed, repeat);
	for (size_t k = 0; k < in.n; k++) {
		free(in.v[k].data);
		free(in.v[k].json);
	}
	free(in.v);
	return inf_failed || parse_failed ? 1 : 0;
}
