/*
 * schema.h - the schema files compiled into the binary.
 *
 * schema/NNN-name.sql becomes step NNN; the store
 * (store/sqlite/sqlite_schema.c) makes a new database with every step and, for
 * tlsrpt upgrade alone, applies the steps above the database's PRAGMA
 * user_version, all in one transaction.
 */
#ifndef TLSRPT_SCHEMA_H
#define TLSRPT_SCHEMA_H

#include <stddef.h>

struct schema_step {
	int version;
	const char *name;
	const char *sql;
};

extern const struct schema_step schema_steps[];
extern const size_t schema_nsteps;

/* The PostgreSQL store's, from schema/postgresql/NNN-name.sql. */
extern const struct schema_step pgsql_schema_steps[];
extern const size_t pgsql_schema_nsteps;

#endif
