/*
 * gz.h - bounded gzip inflate (zlib).
 *
 * Reports arrive gzip-compressed (RFC 8460 §5.3: application/tlsrpt+gzip).
 * The input is hostile: the output is bounded in size and in ratio, every
 * member of a multi-member stream is inflated, whitespace after the last
 * member is tolerated (mail gateways add a newline), anything else after it,
 * a truncated member or a corrupt one is an error.
 */
#ifndef TLSRPT_GZ_H
#define TLSRPT_GZ_H

#include <stddef.h>

#include "errbuf.h"

/* Flags reported by gz_inflate. */
#define GZ_TRAILING_WS 0x1 /* whitespace followed the last member */
#define GZ_MULTI       0x2 /* more than one member */

/* Returns 1 when (buf, len) starts with the gzip magic bytes, else 0. */
int gz_is_gzip(const void *buf, size_t len);

/*
 * Inflates the gzip stream (in, len) into a new buffer, NUL-terminated for
 * convenience (the NUL is not counted in *outlen). The caller frees *out.
 * Fails when the output would pass max_out bytes, or pass max_ratio times
 * the input once above LIMIT_INFLATE_RATIO_FLOOR, or when the stream is
 * truncated or corrupt; eb then says which. *flags (may be NULL) receives
 * GZ_* flags.
 */
int gz_inflate(const void *in, size_t len, size_t max_out, unsigned max_ratio,
               char **out, size_t *outlen, unsigned *flags, struct errbuf *eb);

#endif
