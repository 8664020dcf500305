/*
 * paths.h - the places every binary uses unless told otherwise.
 */
#ifndef TLSRPT_PATHS_H
#define TLSRPT_PATHS_H

/* The database: --db, else $TLSRPT_DB, else this. */
#define DEFAULT_DB "/var/lib/tlsrpt/tlsrpt.db"

#endif
