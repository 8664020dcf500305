/*
 * schema.h - the schema files compiled into the binary.
 *
 * schema/NNN-name.sql becomes step NNN; the store (store_schema.c) makes a
 * new database with every step and, for tlsrpt upgrade alone, applies the
 * steps above the database's PRAGMA user_version, all in one transaction.
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

#endif
