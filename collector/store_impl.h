/*
 * store_impl.h - the SQLite store's insides, shared by store.c (open,
 * schema, writes) and store_query.c (the analyzer's questions). Nothing
 * outside the store module includes this.
 */
#ifndef TLSRPT_STORE_IMPL_H
#define TLSRPT_STORE_IMPL_H

#include <sqlite3.h>

#include "store.h"

enum store_stmt {
	ST_INSERT_REPORT,
	ST_INSERT_RAW,
	ST_INSERT_POLICY,
	ST_INSERT_FAILURE,
	ST_INSERT_QUARANTINE,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_COUNT
};

#define BATCH_SAVEPOINTS 1
#define BATCH_BULK       2

struct store {
	sqlite3 *db;
	char *path;
	int in_batch; /* 0, BATCH_SAVEPOINTS or BATCH_BULK */
	sqlite3_stmt *stmt[ST_COUNT];
	char *buf; /* scratch for joining lines */
	size_t bufcap;
};

/* Fills eb with "database PATH: sqlite's message"; returns -1. */
int store_error(struct store *st, struct errbuf *eb, const char *what);

#endif
