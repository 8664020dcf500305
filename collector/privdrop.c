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
	if (setgroups(1, &gid) != 0)
		return errbuf_set(eb, "setgroups: %s", strerror(errno));
	if (setresgid(gid, gid, gid) != 0)
		return errbuf_set(eb, "setresgid: %s", strerror(errno));
	if (setresuid(uid, uid, uid) != 0)
		return errbuf_set(eb, "setresuid: %s", strerror(errno));
	if (uid != 0 && setuid(0) == 0)
		return errbuf_set(eb, "still able to become root after "
		                      "dropping privileges");
	return 0;
}
