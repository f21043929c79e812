/* sha256.c - streaming SHA-256, FIPS 180-4 section 6.2 (see sha256.h). */
#include "sha256.h"
#include "cpu.h"

#include <string.h>

/* First 32 bits of the fractional parts of the cube roots of the first 64
 * primes (FIPS 180-4 4.2.2). */
static const uint32_t K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u,
    0x923f82a4u, 0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u,
    0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u,
    0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u,
    0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u,
    0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au,
    0x5b9cca4fu, 0x682e6ff3u, 0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
    0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

/* Forced inline: at -Os Emscripten kept it a call, and SHA-256 ran 5x slower. */
static inline __attribute__((always_inline)) uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32u - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
           (uint32_t)p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* The message schedule: w[16..63] from the block's words w[0..15]. */
static void expand(uint32_t w[64])
{
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
}

/* Processes one 64-byte block. */
static void compress(uint32_t h[8], const uint8_t *block)
{
    uint32_t w[64];
    uint32_t a, b, c, d, e, f, g, hh;
    int t;

    for (t = 0; t < 16; t++)
        w[t] = load_be32(block + 4 * t);
    expand(w);

    a = h[0]; b = h[1]; c = h[2]; d = h[3];
    e = h[4]; f = h[5]; g = h[6]; hh = h[7];
    for (t = 0; t < 64; t++) {
        uint32_t S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = hh + S1 + ch + K[t] + w[t];
        uint32_t S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = S0 + maj;
        hh = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d;
    h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

void cr_sha256_init(cr_sha256_ctx *ctx)
{
    /* First 32 bits of the fractional parts of the square roots of the
     * first 8 primes (FIPS 180-4 5.3.3). */
    ctx->h[0] = 0x6a09e667u;
    ctx->h[1] = 0xbb67ae85u;
    ctx->h[2] = 0x3c6ef372u;
    ctx->h[3] = 0xa54ff53au;
    ctx->h[4] = 0x510e527fu;
    ctx->h[5] = 0x9b05688cu;
    ctx->h[6] = 0x1f83d9abu;
    ctx->h[7] = 0x5be0cd19u;
    ctx->len = 0;
    ctx->fill = 0;
    memset(ctx->buf, 0, sizeof ctx->buf);
}

void cr_sha256_update(cr_sha256_ctx *ctx, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;

    if (len == 0)
        return;
    ctx->len += (uint64_t)len;
    if (ctx->fill > 0) {
        size_t take = 64 - ctx->fill;
        if (take > len)
            take = len;
        memcpy(ctx->buf + ctx->fill, p, take);
        ctx->fill += take;
        p += take;
        len -= take;
        if (ctx->fill < 64)
            return;
        compress(ctx->h, ctx->buf);
        ctx->fill = 0;
    }
    while (len >= 64) {
        compress(ctx->h, p);
        p += 64;
        len -= 64;
    }
    if (len > 0) {
        memcpy(ctx->buf, p, len);
        ctx->fill = len;
    }
}

void cr_sha256_final(cr_sha256_ctx *ctx, uint8_t out[32])
{
    uint64_t bits = ctx->len * 8u; /* message length in bits, mod 2^64 */
    size_t i = ctx->fill;
    int j;

    /* Padding: one 1 bit, zeros up to 56 mod 64 bytes, 64-bit length. */
    ctx->buf[i++] = 0x80;
    if (i > 56) {
        memset(ctx->buf + i, 0, 64 - i);
        compress(ctx->h, ctx->buf);
        i = 0;
    }
    memset(ctx->buf + i, 0, 56 - i);
    for (j = 0; j < 8; j++)
        ctx->buf[56 + j] = (uint8_t)(bits >> (56 - 8 * j));
    compress(ctx->h, ctx->buf);

    for (j = 0; j < 8; j++)
        store_be32(out + 4 * j, ctx->h[j]);
    ctx->fill = 0;
}

/* ---- many short messages (cr_sha256_le64_many) ---- */

static inline __attribute__((always_inline)) uint32_t bswap32(uint32_t x)
{
    return (x >> 24) | ((x >> 8) & 0xff00u) | ((x << 8) & 0xff0000u) | (x << 24);
}

/* Word g (big-endian, as the schedule reads it) of a message of `words`
   64-bit little-endian words padded into `blocks` blocks: a data word, the
   0x80 byte's word, a word of the bit length, or zero. */
static inline __attribute__((always_inline)) uint32_t padded_word(const uint64_t *m, size_t words, size_t blocks, size_t g)
{
    if (g < 2 * words) {
        const uint64_t u = m[g / 2];
        return bswap32((uint32_t)(g & 1 ? u >> 32 : u));
    }
    if (g == 2 * words) return 0x80000000u;
    const uint64_t bits = (uint64_t)words * 64;
    if (g == 16 * blocks - 1) return (uint32_t)bits;
    if (g == 16 * blocks - 2) return (uint32_t)(bits >> 32);
    return 0;
}

/* The digest's words as four little-endian 64-bit numbers. */
static inline __attribute__((always_inline)) void put_limbs(const uint32_t h[8], uint64_t *out)
{
    for (int j = 0; j < 4; j++) out[j] = bswap32(h[2 * j]) | (uint64_t)bswap32(h[2 * j + 1]) << 32;
}

/* One message, one block at a time: the portable path. */
static void sha256_le64(const uint64_t *m, size_t words, uint64_t *out)
{
    const size_t blocks = (8 * words + 8) / 64 + 1;
    cr_sha256_ctx c;
    cr_sha256_init(&c);
    uint8_t block[64];
    for (size_t b = 0; b < blocks; b++) {
        for (size_t t = 0; t < 16; t++) store_be32(block + 4 * t, padded_word(m, words, blocks, 16 * b + t));
        compress(c.h, block);
    }
    put_limbs(c.h, out);
}

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__SSE2__) || defined(__wasm_simd128__) || defined(__ARM_NEON))
/* Four messages at once (SSE2 natively, simd128 in wasm). */
#define LANES 4
#define LANES_N 4
#define LANES_NAME lanes4
#define LANES_TARGET
#include "sha256_lanes.h"
#undef LANES_N
#undef LANES_NAME
#undef LANES_TARGET
#if defined(__x86_64__) && !defined(CR_PORTABLE_SIMD)
/* Eight (AVX2) or sixteen (AVX-512, with its rotates) where the CPU has them,
   chosen at run time. */
#define WIDE_LANES 1
#define LANES_N 8
#define LANES_NAME lanes8
#define LANES_TARGET __attribute__((target("avx2")))
#include "sha256_lanes.h"
#undef LANES_N
#undef LANES_NAME
#undef LANES_TARGET
#define LANES_N 16
#define LANES_NAME lanes16
#define LANES_TARGET __attribute__((target("avx512f,avx512vl")))
#include "sha256_lanes.h"
#undef LANES_N
#undef LANES_NAME
#undef LANES_TARGET

#endif
#endif

void cr_sha256_le64_many(const uint64_t *msg, size_t words, size_t n, uint64_t *digest)
{
    size_t k = 0;
#ifdef LANES
    const size_t blocks = (8 * words + 8) / 64 + 1;
    /* The last block holds no data word when the padding starts it: the
       same words for every message, so the same schedule. */
    const int constant_last = 16 * (blocks - 1) >= 2 * words;
    uint32_t kw[64];
    if (constant_last) {
        uint32_t w[64];
        for (int t = 0; t < 16; t++) w[t] = padded_word(NULL, words, blocks, 16 * (blocks - 1) + (size_t)t);
        expand(w);
        for (int t = 0; t < 64; t++) kw[t] = K[t] + w[t];
    }
#ifdef WIDE_LANES
    const int level = cr_cpu_wide();
    if (level == 2) k = lanes16_run(msg, words, n, digest, blocks, constant_last, kw);
    if (level >= 1) k += lanes8_run(msg + k * words, words, n - k, digest + 4 * k, blocks, constant_last, kw);
#endif
    k += lanes4_run(msg + k * words, words, n - k, digest + 4 * k, blocks, constant_last, kw);
#endif
    for (; k < n; k++) sha256_le64(msg + k * words, words, digest + 4 * k);
}

void cr_sha256_hex(const uint8_t digest[32], char out[65])
{
    static const char hex[] = "0123456789abcdef";
    int i;
    for (i = 0; i < 32; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 0x0f];
    }
    out[64] = '\0';
}
