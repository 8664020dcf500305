/*
 * gen_out.c - writes reports as files, .eml messages, one mbox or a
 * Maildir, gzipping the reports that their plan says are gzipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "gen_mail.h"
#include "gen_out.h"

/* One reusable deflate stream per level. */
struct gz {
	z_stream zs[10];
	int ready[10];
	gz_header hdr;
};

struct gen_out {
	const struct gen *g;
	int mbox_fd;
	struct gen_buf gzbuf, msg, rec;
	struct gz gz;
	uint64_t written;
};

static void
gz_compress(struct gz *gz, int level, int os, const struct gen_buf *in,
            struct gen_buf *out)
{
	z_stream *zs = &gz->zs[level];
	int rc;

	if (!gz->ready[level]) {
		if (deflateInit2(zs, level, Z_DEFLATED, 15 + 16, 8,
		                 Z_DEFAULT_STRATEGY) != Z_OK)
			gen_die("deflateInit2 failed");
		gz->ready[level] = 1;
	} else if (deflateReset(zs) != Z_OK) {
		gen_die("deflateReset failed");
	}
	memset(&gz->hdr, 0, sizeof(gz->hdr));
	gz->hdr.os = os;
	deflateSetHeader(zs, &gz->hdr);
	out->len = 0;
	gen_buf_reserve(out, deflateBound(zs, in->len) + 32);
	zs->next_in = (unsigned char *)in->p;
	zs->avail_in = (uInt)in->len;
	zs->next_out = (unsigned char *)out->p;
	zs->avail_out = (uInt)(out->cap - 1);
	rc = deflate(zs, Z_FINISH);
	if (rc != Z_STREAM_END)
		gen_die("deflate failed (%d)", rc);
	out->len = zs->total_out;
}

static void
gz_end(struct gz *gz)
{
	for (int i = 0; i < 10; i++)
		if (gz->ready[i])
			deflateEnd(&gz->zs[i]);
}

static void
mkdir_p(const char *path)
{
	char tmp[4096];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(tmp))
		gen_die("bad directory name: %s", path);
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0777) < 0 && errno != EEXIST)
			gen_die("mkdir %s: %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0777) < 0 && errno != EEXIST)
		gen_die("mkdir %s: %s", tmp, strerror(errno));
}

static void
write_all(int fd, const char *p, size_t n, const char *path)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			gen_die("write %s: %s", path, strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

static void
write_file(struct gen_out *k, const char *dir, const char *name, const char *p,
           size_t n)
{
	char path[4096];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		gen_die("path too long: %s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		gen_die("open %s: %s", path, strerror(errno));
	write_all(fd, p, n, path);
	if (close(fd) < 0)
		gen_die("close %s: %s", path, strerror(errno));
	k->written += n;
}

/* Appends one message to the mbox. */
static void
mbox_append(struct gen_out *k, const struct gen_model *m, int64_t date)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/reports.mbox", k->g->out);
	gen_mail_mbox(&k->rec, m, &k->msg, date);
	write_all(k->mbox_fd, k->rec.p, k->rec.len, path);
	k->written += k->rec.len;
}

/* Maildir delivery: write in tmp/, then rename into new/ or cur/. */
static void
maildir_deliver(struct gen_out *k, const struct gen_model *m, int64_t date,
                uint64_t dup)
{
	char name[600], dir[4096], from[5000], to[5000];

	snprintf(name, sizeof(name), "%lld.M%lluQ%llu.tlsrpt-gen",
	         (long long)date, (unsigned long long)m->pl.idx,
	         (unsigned long long)dup);
	snprintf(dir, sizeof(dir), "%s/tmp", k->g->out);
	write_file(k, dir, name, k->msg.p, k->msg.len);
	snprintf(from, sizeof(from), "%s/%s", dir, name);
	snprintf(to, sizeof(to), "%s/%s/%s%s", k->g->out,
	         m->pl.cur ? "cur" : "new", name, m->pl.cur ? ":2,S" : "");
	if (rename(from, to) < 0)
		gen_die("rename %s: %s", to, strerror(errno));
}

/* The attachment's file name (RFC 8460 §5.1) without extension. */
static void
report_basename(char *out, size_t n, const struct gen_model *m, uint64_t dup)
{
	const struct gen_org *o = &gen_orgs[m->pl.org];
	char uid[64];

	if (m->pl.org == ORG_GOOGLE)
		snprintf(uid, sizeof(uid), "001");
	else if (m->pl.org == ORG_MICROSOFT)
		snprintf(uid, sizeof(uid), "%.*s",
		         (int)strcspn(m->report_id, "+"), m->report_id);
	else
		snprintf(uid, sizeof(uid), "%llu",
		         (unsigned long long)m->pl.idx + 1);
	snprintf(out, n, "%s!%s!%lld!%lld!%s", o->submitter, m->dp.name,
	         (long long)m->start, (long long)m->end, uid);
	if (dup) {
		size_t len = strlen(out);

		snprintf(out + len, n - len, "-dup%llu",
		         (unsigned long long)dup);
	}
}

void
gen_out_emit(struct gen_out *k, struct gen_model *m, const struct gen_buf *json,
             int how, uint64_t dup)
{
	const struct gen_org *o = &gen_orgs[m->pl.org];
	const struct gen_buf *att = m->pl.gz ? &k->gzbuf : json;
	struct gen_mail_parts mp;
	char base[512], name[600];

	report_basename(base, sizeof(base), m, dup);
	if (m->pl.gz)
		gz_compress(&k->gz, o->gz_level, o->gz_os, json, &k->gzbuf);
	snprintf(name, sizeof(name), "%s.json%s", base, m->pl.gz ? ".gz" : "");
	if (how == OUT_JSON) {
		write_file(k, k->g->out, name, att->p, att->len);
		return;
	}
	mp.nl = how == OUT_EML ? "\r\n" : "\n";
	mp.fname = name;
	mp.att = (const unsigned char *)att->p;
	mp.attlen = att->len;
	mp.gz = m->pl.gz;
	mp.date =
	    m->end + 1 + 3600 + (int64_t)gen_rand_below(&m->rng, 6 * 3600);
	gen_mail_build(&k->msg, m, &mp);
	if (how == OUT_EML) {
		snprintf(name, sizeof(name), "%s.eml", base);
		write_file(k, k->g->out, name, k->msg.p, k->msg.len);
	} else if (how == OUT_MBOX) {
		mbox_append(k, m, mp.date);
	} else {
		maildir_deliver(k, m, mp.date, dup);
	}
}

struct gen_out *
gen_out_open(const struct gen *g, int with_mbox)
{
	struct gen_out *k;
	char path[4096];

	if ((k = calloc(1, sizeof(*k))) == NULL)
		gen_die("out of memory");
	k->g = g;
	k->mbox_fd = -1;
	mkdir_p(g->out);
	if (g->format == FMT_MAILDIR) {
		static const char *const sub[] = {"tmp", "new", "cur"};

		for (int i = 0; i < 3; i++) {
			snprintf(path, sizeof(path), "%s/%s", g->out, sub[i]);
			mkdir_p(path);
		}
	}
	if (with_mbox) {
		snprintf(path, sizeof(path), "%s/reports.mbox", g->out);
		k->mbox_fd =
		    open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (k->mbox_fd < 0)
			gen_die("open %s: %s", path, strerror(errno));
	}
	return k;
}

uint64_t
gen_out_written(const struct gen_out *k)
{
	return k->written;
}

void
gen_out_close(struct gen_out *k)
{
	if (k == NULL)
		return;
	if (k->mbox_fd >= 0 && close(k->mbox_fd) < 0)
		gen_die("close reports.mbox: %s", strerror(errno));
	gz_end(&k->gz);
	gen_buf_free(&k->gzbuf);
	gen_buf_free(&k->msg);
	gen_buf_free(&k->rec);
	free(k);
}
