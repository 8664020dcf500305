/*
 * privdrop.c - giving up root for good (see privdrop.h).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "privdrop.h"

int
privdrop_lookup(const char *user, uid_t *uid, gid_t *gid, struct errbuf *eb)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int rc = getpwnam_r(user, &pw, buf, sizeof(buf), &res);

	if (rc != 0 || res == NULL)
		return errbuf_set(eb, "no user '%s'%s%s", user, rc ? ": " : "",
		                  rc ? strerror(rc) : "");
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
	return 0;
}

int
privdrop_to(uid_t uid, gid_t gid, struct errbuf *eb)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	/* -u names who to become; becoming root again is no drop. */
	if (uid == 0)
		return errbuf_set(eb, "refusing to run as root: the --user "
		                      "given has uid 0");
	if (setgroups(1, &gid) != 0)
		return errbuf_set(eb, "setgroups: %s", strerror(errno));
	if (setresgid(gid, gid, gid) != 0)
		return errbuf_set(eb, "setresgid: %s", strerror(errno));
	if (setresuid(uid, uid, uid) != 0)
		return errbuf_set(eb, "setresuid: %s", strerror(errno));
	/* Verify, don't trust: every id is the new one, and root is gone
	 * for good. */
	if (getresuid(&r, &e, &s) != 0 || r != uid || e != uid || s != uid ||
	    getresgid(&rg, &eg, &sg) != 0 || rg != gid || eg != gid ||
	    sg != gid)
		return errbuf_set(eb, "the user and group ids did not all "
		                      "change");
	if (setuid(0) == 0 || seteuid(0) == 0)
		return errbuf_set(eb, "still able to become root after "
		                      "dropping privileges");
	return 0;
}
