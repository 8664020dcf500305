/*
 * hash.h - SHA-256 (nettle), for telling inputs apart by their content.
 *
 * The quarantine keeps one row per distinct rejected input, and a
 * duplicate report is told apart from a resent one, by the SHA-256 of the
 * bytes: a collision would need an attacker who breaks SHA-256, not a
 * sender who retries.
 */
#ifndef TLSRPT_HASH_H
#define TLSRPT_HASH_H

#include <stddef.h>

#define HASH_SHA256_LEN 32

/* Writes the SHA-256 of (p, len) to out. Cannot fail. */
void hash_sha256(const void *p, size_t len, unsigned char out[HASH_SHA256_LEN]);

#endif
