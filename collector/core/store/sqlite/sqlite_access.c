/*
 * sqlite_access.c - the store's files and who may use them: a new database
 * made 0660, a missing directory or a refused permission said plainly
 * (whose the files are, and the fix), and the daemons' start-up probe.
 *
 * The model (README "Who owns the database"): the directory belongs to
 * the daemons' user, group tlsrpt, mode 2770 (setgid: every file made in
 * it is group tlsrpt); the database 0660. SQLite gives the -wal and -shm
 * it makes the database's mode and, run as root, its owner and group; so
 * the database's own mode and owner decide all three.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "sqlite_impl.h"

/* Room for a path: Linux's PATH_BUF (<limits.h> is ours here). */
#define PATH_BUF 4096

void
store_dir_of(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(buf, size, ".");
	else if (slash == path)
		snprintf(buf, size, "/");
	else
		snprintf(buf, size, "%.*s", (int)(slash - path), path);
}

/* The name of user uid, or its number. */
static void
user_name(uid_t uid, char *buf, size_t size)
{
	struct passwd pw, *p = NULL;
	char tmp[1024];

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &p) == 0 && p != NULL)
		snprintf(buf, size, "%s", p->pw_name);
	else
		snprintf(buf, size, "%lu", (unsigned long)uid);
}

/* The name of group gid, or its number. */
static void
group_name(gid_t gid, char *buf, size_t size)
{
	struct group gr, *g = NULL;
	char tmp[1024];

	if (getgrgid_r(gid, &gr, tmp, sizeof(tmp), &g) == 0 && g != NULL)
		snprintf(buf, size, "%s", g->gr_name);
	else
		snprintf(buf, size, "%lu", (unsigned long)gid);
}

/* "user:group" of uid and gid. */
static void
ids_of(uid_t uid, gid_t gid, char *buf, size_t size)
{
	char u[64], g[64];

	user_name(uid, u, sizeof(u));
	group_name(gid, g, sizeof(g));
	snprintf(buf, size, "%s:%s", u, g);
}

/* "user:group mode" of path, or why it cannot be seen. */
static void
owner_of(const char *path, char *buf, size_t size)
{
	struct stat sb;
	char who[130];

	if (stat(path, &sb) != 0) {
		snprintf(buf, size, "%s", strerror(errno));
		return;
	}
	ids_of(sb.st_uid, sb.st_gid, who, sizeof(who));
	snprintf(buf, size, "%s %04o", who, (unsigned)(sb.st_mode & 07777));
}

/* Whether this process has group gid among its groups. */
static int
in_group(gid_t gid)
{
	gid_t groups[256];
	int i, n;

	if (getegid() == gid)
		return 1;
	n = getgroups(sizeof(groups) / sizeof(groups[0]), groups);
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

/* The owner and group a fix gives path: a directory, its database's (the
 * daemons' user and group) when it exists; a file, its directory's. Root
 * is never the owner a fix names: this process's user stands instead. */
static void
fix_ids(const char *other, char *buf, size_t size)
{
	struct stat sb;

	if (stat(other, &sb) != 0)
		ids_of(geteuid(), getegid(), buf, size);
	else
		ids_of(sb.st_uid != 0 ? sb.st_uid : geteuid(), sb.st_gid, buf,
		       size);
}

int
store_write_refused(const char *what, const char *path, const char *db, int err,
                    struct errbuf *eb)
{
	char me[64], owner[160], fix[130], dir[PATH_BUF];

	user_name(geteuid(), me, sizeof(me));
	owner_of(path, owner, sizeof(owner));
	if (err == EROFS) {
		errbuf_set(eb,
		           "%s %s cannot be written: %s (a read-only mount; "
		           "under systemd, the unit's ReadWritePaths= must "
		           "name its directory)",
		           what, path, strerror(err));
		return STORE_E_ACCESS;
	}
	store_dir_of(db, dir, sizeof(dir));
	if (strcmp(what, "directory") == 0) {
		fix_ids(db, fix, sizeof(fix));
		errbuf_set(eb,
		           "directory %s cannot be written by user %s (%s): "
		           "it is %s, and SQLite makes %s-wal and -shm there; "
		           "fix: chown %s %s && chmod 2770 %s",
		           path, me, strerror(err), owner, db, fix, path, path);
	} else {
		fix_ids(dir, fix, sizeof(fix));
		errbuf_set(eb,
		           "%s %s cannot be written by user %s (%s): it is "
		           "%s; fix: chown %s %s* && chmod 0660 %s*",
		           what, path, me, strerror(err), owner, fix, db, db);
	}
	return STORE_E_ACCESS;
}

/* Whether this process may do mode (R_OK, W_OK...) on path. */
static int
may(const char *path, int mode)
{
	return faccessat(AT_FDCWD, path, mode, AT_EACCESS) == 0;
}

/* SQLite refused to write, or to make, the -wal or -shm of database db:
 * names the first of them that exists and this process cannot write, else
 * the directory when it cannot be written, else the database. */
static int
blame(const char *db, struct errbuf *eb)
{
	static const char *const ext[] = {"-wal", "-shm"};
	char f[PATH_BUF], dir[PATH_BUF];
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(f, sizeof(f), "%s%s", db, ext[i]);
		if (access(f, F_OK) == 0 && !may(f, W_OK))
			return store_write_refused("file", f, db, EACCES, eb);
	}
	store_dir_of(db, dir, sizeof(dir));
	if (!may(dir, W_OK | X_OK))
		return store_write_refused("directory", dir, db, EACCES, eb);
	return store_write_refused("database", db, db, EACCES, eb);
}

/* Permission denied to open path: when the file itself is readable, what
 * was refused is its -wal or -shm (blame); a file of another owner than
 * its directory's (made by root there) is to be given to that owner;
 * else whose it is, whether this user is in its group, and the fix. */
static int
access_denied(const char *path, const char *dir, struct errbuf *eb)
{
	char me[64], file[160], d[160], group[64], owner[64];
	struct stat sb, dsb;

	if (may(path, R_OK))
		return blame(path, eb);
	if (stat(path, &sb) == 0 && stat(dir, &dsb) == 0 && dsb.st_uid != 0 &&
	    sb.st_uid != dsb.st_uid)
		return store_write_refused("database", path, path, EACCES, eb);
	user_name(geteuid(), me, sizeof(me));
	owner_of(path, file, sizeof(file));
	owner_of(dir, d, sizeof(d));
	if (stat(path, &sb) != 0 && stat(dir, &sb) != 0) {
		errbuf_set(eb, "database %s: permission denied to user %s",
		           path, me);
		return STORE_E_ACCESS;
	}
	group_name(sb.st_gid, group, sizeof(group));
	user_name(sb.st_uid, owner, sizeof(owner));
	if (!in_group(sb.st_gid))
		errbuf_set(eb,
		           "database %s: permission denied to user %s, who is "
		           "not in group %s (the database: %s; %s: %s): run "
		           "as %s, or add %s to the group (adduser %s %s, "
		           "then log in again)",
		           path, me, group, file, dir, d, owner, me, me, group);
	else
		errbuf_set(eb,
		           "database %s: permission denied to user %s (the "
		           "database: %s; %s: %s): group %s needs to read "
		           "and write both: chmod 2770 %s && chmod 0660 %s*",
		           path, me, file, dir, d, group, dir, path);
	return STORE_E_ACCESS;
}

/* STORE_E_NODIR when the directory of path does not exist. */
static int
no_dir(const char *dir, struct errbuf *eb)
{
	if (access(dir, F_OK) == 0 || errno != ENOENT)
		return 0;
	errbuf_set(eb,
	           "%s does not exist: install the package or create it "
	           "(README \"Who owns the database\")",
	           dir);
	return STORE_E_NODIR;
}

int
store_precreate(const char *path, struct errbuf *eb)
{
	char dir[PATH_BUF];
	int fd, err, ret;

	/* Not a file name SQLite takes as one: memory, a temporary file. */
	if (path[0] == '\0' || strcmp(path, ":memory:") == 0 ||
	    strncmp(path, "file:", 5) == 0)
		return 0;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0660)) >=
	    0) {
		close(fd);
		return 0;
	}
	err = errno;
	store_dir_of(path, dir, sizeof(dir));
	if (err == ENOENT && (ret = no_dir(dir, eb)) != 0)
		return ret;
	/* A directory this user may enter but not write; else whose the
	 * directory is and whether this user is in its group. */
	if (err == EACCES || err == EPERM)
		return may(dir, X_OK) && !may(dir, W_OK)
		           ? store_write_refused("directory", dir, path, err,
		                                 eb)
		           : access_denied(path, dir, eb);
	if (err == EROFS)
		return store_write_refused("directory", dir, path, err, eb);
	/* EEXIST, the usual case, and whatever SQLite will say better. */
	return 0;
}

int
store_open_error(struct sqlite_store *st, int err, const char *what,
                 struct errbuf *eb)
{
	char dir[PATH_BUF];
	int ret;

	store_dir_of(st->path, dir, sizeof(dir));
	if (err == ENOENT && (ret = no_dir(dir, eb)) != 0)
		return ret;
	if (err == EACCES || err == EPERM)
		return access_denied(st->path, dir, eb);
	/* A read-only open meets a directory at the first read, where
	 * SQLite calls it an I/O error: said as a writer's open says it. */
	if (err == EISDIR)
		return errbuf_set(eb,
		                  "database %s: %s: unable to open database "
		                  "file (%s)",
		                  st->path, what, strerror(err));
	return store_error(st, eb, what);
}

int
sqlite_probe_write(struct sqlite_store *st, struct errbuf *eb)
{
	char dir[PATH_BUF], probe[PATH_BUF + 32];
	int fd, ret;

	if ((ret = store_write_begin(st, eb)) == STORE_E_SCHEMA)
		return ret;
	if (ret == 0) {
		store_exec(st, "ROLLBACK", NULL);
	} else {
		switch (sqlite3_errcode(st->db) & 0xff) {
		case SQLITE_READONLY:
		case SQLITE_CANTOPEN:
		case SQLITE_PERM:
			return blame(st->path, eb);
		case SQLITE_BUSY:
		case SQLITE_LOCKED:
			break; /* another writer: the write lock says nothing */
		default:
			return -1;
		}
	}
	/* A file made and removed, not access(2): that would miss a
	 * read-only mount's bind (systemd's ReadWritePaths=), ACLs and
	 * LSMs; this is what SQLite itself will do there. */
	store_dir_of(st->path, dir, sizeof(dir));
	snprintf(probe, sizeof(probe), "%s/.tlsrpt-probe-XXXXXX", dir);
	if ((fd = mkstemp(probe)) < 0)
		return store_write_refused("directory", dir, st->path, errno,
		                           eb);
	close(fd);
	unlink(probe);
	return 0;
}

int
store_readonly_refused(const char *path, struct errbuf *eb)
{
	/* What open(2) says is the reason (EACCES, EROFS, ...). */
	int fd = open(path, O_RDWR | O_CLOEXEC), err = errno;

	if (fd >= 0) {
		close(fd);
		err = EACCES; /* SQLite's reason, whatever it was */
	}
	return store_write_refused("database", path, path, err, eb);
}
