/*
 * privdrop.h - giving up root, in OpenSMTPD's order: resolve the user,
 * setgroups, setresgid, setresuid, then check that setuid(0) fails.
 */
#ifndef TLSRPT_PRIVDROP_H
#define TLSRPT_PRIVDROP_H

#include <sys/types.h>

#include "errbuf.h"

/* Looks up user; fills uid and gid. */
int privdrop_lookup(const char *user, uid_t *uid, gid_t *gid,
                    struct errbuf *eb);

/* Becomes uid/gid for good (uid 0 is refused), then checks that every
 * real, effective and saved id changed and that setuid(0) and seteuid(0)
 * fail; fails (eb says why) otherwise. */
int privdrop_to(uid_t uid, gid_t gid, struct errbuf *eb);

#endif
