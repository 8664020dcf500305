/*
 * hash.c - SHA-256 through nettle: GnuTLS's own hash code, without the
 * global state and configuration GnuTLS loads when the core links it.
 */
#include <nettle/sha2.h>

#include "hash.h"

void
hash_sha256(const void *p, size_t len, unsigned char out[HASH_SHA256_LEN])
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, len, p);
	sha256_digest(&ctx, HASH_SHA256_LEN, out);
}
