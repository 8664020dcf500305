/*
 * schema.h - the schema files compiled into the binary.
 *
 * schema/NNN-name.sql becomes step NNN; the store applies, in one
 * transaction each, every step above the database's PRAGMA user_version.
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
