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
/* SHA-256 of n messages of `words` 64-bit words each (1 <= words <= 512),
 * message k at msg + k * words, each word hashed as its 8 bytes in
 * little-endian order (a double's bits, as the data set hashes its rows).
 * Writes message k's digest to digest + 4 * k as four 64-bit numbers, each
 * 8 bytes of the digest read in little-endian order: digest byte j is byte
 * j % 8 of number j / 8. The same digests as cr_sha256_update() over those
 * bytes; several messages go through at once in SIMD lanes where the build
 * has them (SSE2, wasm simd128, NEON), the rest one at a time. */
CR_HIDDEN void cr_sha256_le64_many(const uint64_t *msg, size_t words, size_t n, uint64_t *digest);
/* Writes the digest as 64 lowercase hex digits plus a terminating NUL. */
CR_HIDDEN void cr_sha256_hex(const uint8_t digest[32], char out[65]);

#endif
