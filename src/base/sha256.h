/* sha256.h - streaming SHA-256 (FIPS 180-4).
 *
 * Byte-oriented and endianness-independent: the same input bytes give the
 * same digest on every host.
 */
#ifndef CR_SHA256_H
#define CR_SHA256_H

#include <stddef.h>
#include <stdint.h>

#ifndef CR_HIDDEN
#define CR_HIDDEN __attribute__((visibility("hidden")))
#endif

typedef struct {
    uint32_t h[8];   /* chaining state */
    uint64_t len;    /* total bytes hashed so far */
    uint8_t buf[64]; /* pending partial block */
    size_t fill;     /* bytes used in buf, 0..63 */
} cr_sha256_ctx;

/* Starts a new hash. */
CR_HIDDEN void cr_sha256_init(cr_sha256_ctx *ctx);
/* Hashes `len` more bytes (data may be NULL when len is 0). */
CR_HIDDEN void cr_sha256_update(cr_sha256_ctx *ctx, const void *data, size_t len);
/* Pads, writes the 32-byte digest to `out`; call init again to reuse ctx. */
CR_HIDDEN void cr_sha256_final(cr_sha256_ctx *ctx, uint8_t out[32]);
/* Writes the digest as 64 lowercase hex digits plus a terminating NUL. */
CR_HIDDEN void cr_sha256_hex(const uint8_t digest[32], char out[65]);

#endif
