/*
 * source.c - walking paths into inputs: files, directories, Maildirs,
 * mboxes and stdin (see source.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "limits.h"
#include "source.h"

#define MBOX_SEP     "From "
#define MBOX_SEP_LEN 5

/* A stream with the first bytes already read (to decide what it is). */
struct reader {
	FILE *fp;
	unsigned char pre[MBOX_SEP_LEN];
	size_t npre, at;
};

static int
rd_getc(struct reader *r)
{
	if (r->at < r->npre)
		return r->pre[r->at++];
	return getc_unlocked(r->fp);
}

/* Reads one line (with its end) into line, or its next LIMIT_MBOX_LINE
 * bytes when it is longer: the rest comes with the next calls, so a line
 * of any length costs no more memory than that (the message it goes into
 * is bounded by --max-input). 0 at end of file. */
static size_t
rd_line(struct reader *r, struct buf *line)
{
	int c;

	line->len = 0;
	while (line->len < LIMIT_MBOX_LINE && (c = rd_getc(r)) != EOF) {
		unsigned char ch = (unsigned char)c;

		if (line->len == line->cap && buf_reserve(line, 1) != 0)
			return line->len;
		line->data[line->len++] = ch;
		if (ch == '\n')
			break;
	}
	return line->len;
}

static int
is_blank(const struct buf *l)
{
	return l->len == 0 || (l->len == 1 && l->data[0] == '\n') ||
	       (l->len == 2 && l->data[0] == '\r' && l->data[1] == '\n');
}

/* An mbox separator: "From " at the start of a line after a blank line,
 * then the envelope sender and a date with a time ("From a@b Mon Mar  2
 * 00:00:00 2026"). Requiring the time keeps an unescaped "From the ..."
 * body line, as sloppy writers leave, inside its message. */
static int
is_separator(const struct buf *l)
{
	size_t i = MBOX_SEP_LEN;

	if (l->len < MBOX_SEP_LEN ||
	    memcmp(l->data, MBOX_SEP, MBOX_SEP_LEN) != 0)
		return 0;
	while (i < l->len && l->data[i] != ' ' && l->data[i] != '\n')
		i++;
	for (; i + 4 < l->len; i++)
		if (l->data[i] >= '0' && l->data[i] <= '9' &&
		    l->data[i + 1] >= '0' && l->data[i + 1] <= '9' &&
		    l->data[i + 2] == ':' && l->data[i + 3] >= '0' &&
		    l->data[i + 3] <= '9')
			return 1;
	return 0;
}

/* The bytes of b for the sink, which owns them; b is emptied. Never NULL
 * (an empty input has a byte of room): a sink may copy from them. */
static unsigned char *
take_bytes(struct buf *b)
{
	unsigned char *bytes = buf_take(b);

	return bytes != NULL ? bytes : calloc(1, 1);
}

/* Hands the message in b to the sink as "path#n"; b is emptied. */
static int
emit_message(const struct source_sink *sink, const char *path, size_t n,
             struct buf *b)
{
	char *name;
	size_t len;
	int ret;

	if (asprintf(&name, "%s#%zu", path, n) < 0)
		return -1;
	len = b->len;
	ret = sink->input(sink->arg, take_bytes(b), len, name);
	return ret;
}

/* Splits an mbox (mboxrd: ">From " lines lose one '>'). A message over
 * the limit is cut at limit + 1 bytes so that ingest rejects it. A piece
 * of a long line that is not its start is content, never a separator. */
static int
read_mbox(struct reader *r, const char *path, const struct source_sink *sink)
{
	struct buf line, msg;
	size_t n = 0, k;
	int prev_blank = 1, at_start = 1, ret = 0;

	buf_init(&line, LIMIT_MBOX_LINE);
	buf_init(&msg, sink->max_input);
	while (ret == 0 && rd_line(r, &line) > 0) {
		int start = at_start;

		at_start = line.data[line.len - 1] == '\n';
		if (start && (prev_blank || n == 0) && is_separator(&line)) {
			if (n > 0)
				ret = emit_message(sink, path, n, &msg);
			n++;
			prev_blank = 0;
			continue;
		}
		prev_blank = start && is_blank(&line);
		for (k = 0; start && k < line.len && line.data[k] == '>'; k++)
			;
		if (k > 0 && line.len - k >= MBOX_SEP_LEN &&
		    memcmp(line.data + k, MBOX_SEP, MBOX_SEP_LEN) == 0)
			ret = buf_append(&msg, line.data + 1, line.len - 1);
		else
			ret = buf_append(&msg, line.data, line.len);
	}
	if (ret == 0 && n > 0)
		ret = emit_message(sink, path, n, &msg);
	buf_free(&msg);
	buf_free(&line);
	return ret;
}

static int
read_whole(struct reader *r, const char *path, const struct source_sink *sink)
{
	struct buf b;
	unsigned char chunk[65536];
	size_t got, len;
	char *name;

	buf_init(&b, sink->max_input);
	if (buf_append(&b, r->pre, r->npre) != 0)
		goto oom;
	while ((got = fread(chunk, 1, sizeof(chunk), r->fp)) > 0)
		if (buf_append(&b, chunk, got) != 0)
			goto oom;
	if (ferror(r->fp)) {
		sink->error(sink->arg, path, strerror(errno));
		buf_free(&b);
		return 0;
	}
	if ((name = strdup(path)) == NULL)
		goto oom;
	len = b.len;
	return sink->input(sink->arg, take_bytes(&b), len, name);
oom:
	buf_free(&b);
	return -1;
}

static int
read_stream(FILE *fp, const char *path, const struct source_sink *sink)
{
	struct reader r = {fp, {0}, 0, 0};

	r.npre = fread(r.pre, 1, sizeof(r.pre), fp);
	if (r.npre == MBOX_SEP_LEN &&
	    memcmp(r.pre, MBOX_SEP, MBOX_SEP_LEN) == 0)
		return read_mbox(&r, path, sink);
	return read_whole(&r, path, sink);
}

/* A file that fits the limit is read with one read(); an mbox, or a file
 * over the limit, goes through the stream reader. Takes fd. */
static int
read_file(int fd, const struct stat *sb, const char *path,
          const struct source_sink *sink)
{
	unsigned char *buf = NULL;
	ssize_t got = 0, r;
	char *name;
	FILE *fp;
	int ret;

	if ((size_t)sb->st_size < sink->max_input) {
		if ((buf = malloc((size_t)sb->st_size + 1)) == NULL)
			goto oom;
		while ((r = read(fd, buf + got,
		                 (size_t)sb->st_size + 1 - (size_t)got)) > 0)
			got += r;
		if (r < 0) {
			sink->error(sink->arg, path, strerror(errno));
			free(buf);
			close(fd);
			return 0;
		}
		if (got < MBOX_SEP_LEN || memcmp(buf, MBOX_SEP, MBOX_SEP_LEN)) {
			if ((name = strdup(path)) == NULL)
				goto oom;
			ret = sink->input(sink->arg, buf, (size_t)got, name);
			close(fd);
			return ret;
		}
		free(buf);
		buf = NULL;
		lseek(fd, 0, SEEK_SET);
	}
	if ((fp = fdopen(fd, "rb")) == NULL)
		goto oom;
	ret = read_stream(fp, path, sink);
	fclose(fp);
	return ret;
oom:
	free(buf);
	close(fd);
	return -1;
}

/*
 * The walk opens each entry relative to its directory's descriptor and
 * never follows a symbolic link below a named path: a link in a Maildir
 * to /etc/shadow would copy the file into the quarantine when import runs
 * as root, and two links to "." would make the walk exponential. Only
 * the path named on the command line may be a link. A directory already
 * open above (a bind mount of its parent, say), by device and inode, is
 * a loop and is not entered again.
 */
struct walk_up {
	dev_t dev;
	ino_t ino;
	const struct walk_up *up;
};

static int walk_at(int dirfd, const char *name, const char *path,
                   const struct source_sink *sink, int depth,
                   const struct walk_up *up);

static int
is_dir_at(int dirfd, const char *name)
{
	struct stat sb;

	return fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(sb.st_mode);
}

/* Walks the directory open as fd (taken): a Maildir's cur/ and new/
 * (tmp/ holds files still being written), else every entry, in readdir
 * order, not sorted, so that memory stays flat in a million files. */
static int
walk_dir(int fd, const char *path, const struct source_sink *sink, int depth,
         const struct walk_up *up)
{
	static const char *const maildir[] = {"cur", "new", NULL};
	DIR *d;
	struct dirent *de;
	char *p;
	size_t i;
	int ret = 0;

	if (is_dir_at(fd, "cur") && is_dir_at(fd, "new")) {
		for (i = 0; maildir[i] != NULL && ret == 0; i++) {
			if (asprintf(&p, "%s/%s", path, maildir[i]) < 0) {
				ret = -1;
				break;
			}
			ret = walk_at(fd, maildir[i], p, sink, depth + 1, up);
			free(p);
		}
		close(fd);
		return ret;
	}
	if ((d = fdopendir(fd)) == NULL) {
		sink->error(sink->arg, path, strerror(errno));
		close(fd);
		return 0;
	}
	while (ret == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (asprintf(&p, "%s/%s", path, de->d_name) < 0) {
			ret = -1;
			break;
		}
		ret = walk_at(dirfd(d), de->d_name, p, sink, depth + 1, up);
		free(p);
	}
	closedir(d);
	return ret;
}

/* Why the entry at dirfd/name cannot be walked, or NULL when it can;
 * below the named path (depth > 0) a link is not followed. */
static const char *
refuse(int dirfd, const char *name, int depth, struct stat *sb)
{
	if (fstatat(dirfd, name, sb, depth > 0 ? AT_SYMLINK_NOFOLLOW : 0) != 0)
		return strerror(errno);
	if (S_ISLNK(sb->st_mode))
		return "a symbolic link, not followed";
	if (!S_ISREG(sb->st_mode) && !S_ISDIR(sb->st_mode))
		return "not a regular file or directory";
	if (S_ISDIR(sb->st_mode) && depth > LIMIT_WALK_DEPTH)
		return "directories nested too deep";
	return NULL;
}

static int
walk_at(int dirfd, const char *name, const char *path,
        const struct source_sink *sink, int depth, const struct walk_up *up)
{
	struct stat sb, fsb;
	struct walk_up here;
	const struct walk_up *a;
	const char *why;
	int fd;

	if ((why = refuse(dirfd, name, depth, &sb)) != NULL) {
		sink->error(sink->arg, path, why);
		return 0;
	}
	/* O_NOFOLLOW and the second look: the entry may have been
	 * swapped for a link or a FIFO since. */
	fd = openat(dirfd, name,
	            O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
	                (depth > 0 ? O_NOFOLLOW : 0));
	if (fd < 0 || fstat(fd, &fsb) != 0 || fsb.st_dev != sb.st_dev ||
	    fsb.st_ino != sb.st_ino) {
		sink->error(sink->arg, path,
		            fd < 0 ? strerror(errno) : "changed while read");
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (S_ISREG(fsb.st_mode))
		return read_file(fd, &fsb, path, sink);
	for (a = up; a != NULL; a = a->up)
		if (a->dev == fsb.st_dev && a->ino == fsb.st_ino) {
			sink->error(sink->arg, path,
			            "a directory loop, not entered again");
			close(fd);
			return 0;
		}
	here = (struct walk_up){fsb.st_dev, fsb.st_ino, up};
	return walk_dir(fd, path, sink, depth, &here);
}

int
source_walk(const char *path, const struct source_sink *sink)
{
	if (strcmp(path, "-") == 0)
		return read_stream(stdin, "-", sink);
	return walk_at(AT_FDCWD, path, path, sink, 0, NULL);
}
