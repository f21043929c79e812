/* sha256_lanes.h - SHA-256 of several messages at once, one in each 32-bit
 * lane of a vector: the same operations as sha256.c's compress(), so the
 * same bits. Included by sha256.c only, once per lane count, with:
 *   LANES_N       lanes (4: SSE2 natively, simd128 in wasm; 8: AVX2; 16: AVX-512)
 *   LANES_NAME    a prefix for this instance's names
 *   LANES_TARGET  its function attributes (a target for the wider ones)
 * It defines LANES_NAME##_run(), which hashes messages [0, n - n % LANES_N)
 * as cr_sha256_le64_many() does and returns how many it did. */
#define LN_CAT2(a, b) a##_##b
#define LN_CAT(a, b) LN_CAT2(a, b)
#define LN(name) LN_CAT(LANES_NAME, name)

typedef uint32_t LN(v) __attribute__((vector_size(4 * LANES_N)));

/* x in every lane (written without a loop over lanes: where compilers do
   not unroll one, wasm at -Os, each lane's variable index costs a trip
   through memory). */
static inline __attribute__((always_inline)) LANES_TARGET LN(v) LN(splat)(uint32_t x) { return x + (LN(v)){0}; }

#if LANES_N == 4
#define LN_EACH(l, S) do { { enum { l = 0 }; S; } { enum { l = 1 }; S; } { enum { l = 2 }; S; } { enum { l = 3 }; S; } } while (0)
#else
#define LN_EACH(l, S) do { for (int l = 0; l < LANES_N; l++) { S; } } while (0)
#endif

#define LN_ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define LN_BSWAP(x) (((x) >> 24) | (((x) >> 8) & LN(splat)(0xff00u)) | (((x) << 8) & LN(splat)(0xff0000u)) | ((x) << 24))
#define LN_SIG0(x) (LN_ROTR(x, 7) ^ LN_ROTR(x, 18) ^ ((x) >> 3))
#define LN_SIG1(x) (LN_ROTR(x, 17) ^ LN_ROTR(x, 19) ^ ((x) >> 10))
#define LN_ROUND(a, b, c, d, e, f, g, h, x)                                                                \
    do {                                                                                                   \
        const LN(v) t1_ = h + (LN_ROTR(e, 6) ^ LN_ROTR(e, 11) ^ LN_ROTR(e, 25)) + (g ^ (e & (f ^ g))) + (x); \
        d += t1_;                                                                                          \
        h = t1_ + (LN_ROTR(a, 2) ^ LN_ROTR(a, 13) ^ LN_ROTR(a, 22)) + ((a & b) | (c & (a | b)));           \
    } while (0)

/* One block of each lane's message: w[16] its words (overwritten by the
   schedule), or kw[64] the rounds' K + W of a block that is the same for
   every message (the padding after them): its schedule computed once. */
static LANES_TARGET void LN(compress)(LN(v) s[8], LN(v) w[16], const uint32_t *kw)
{
    LN(v) a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
    for (int t = 0; t < 64; t += 16) {
        LN(v) x[16];
        if (kw) {
            for (int i = 0; i < 16; i++) x[i] = LN(splat)(kw[t + i]);
        } else {
            if (t)
                for (int i = 0; i < 16; i++) w[i] += LN_SIG0(w[(i + 1) & 15]) + w[(i + 9) & 15] + LN_SIG1(w[(i + 14) & 15]);
            for (int i = 0; i < 16; i++) x[i] = w[i] + LN(splat)(K[t + i]);
        }
        LN_ROUND(a, b, c, d, e, f, g, h, x[0]);
        LN_ROUND(h, a, b, c, d, e, f, g, x[1]);
        LN_ROUND(g, h, a, b, c, d, e, f, x[2]);
        LN_ROUND(f, g, h, a, b, c, d, e, x[3]);
        LN_ROUND(e, f, g, h, a, b, c, d, x[4]);
        LN_ROUND(d, e, f, g, h, a, b, c, x[5]);
        LN_ROUND(c, d, e, f, g, h, a, b, x[6]);
        LN_ROUND(b, c, d, e, f, g, h, a, x[7]);
        LN_ROUND(a, b, c, d, e, f, g, h, x[8]);
        LN_ROUND(h, a, b, c, d, e, f, g, x[9]);
        LN_ROUND(g, h, a, b, c, d, e, f, x[10]);
        LN_ROUND(f, g, h, a, b, c, d, e, x[11]);
        LN_ROUND(e, f, g, h, a, b, c, d, x[12]);
        LN_ROUND(d, e, f, g, h, a, b, c, x[13]);
        LN_ROUND(c, d, e, f, g, h, a, b, x[14]);
        LN_ROUND(b, c, d, e, f, g, h, a, x[15]);
    }
    s[0] += a, s[1] += b, s[2] += c, s[3] += d, s[4] += e, s[5] += f, s[6] += g, s[7] += h;
}

/* Messages of `words` words padded into `blocks` blocks; kw: the constant
   last block's K + W when `constant_last`. */
static LANES_TARGET size_t LN(run)(const uint64_t *msg, size_t words, size_t n, uint64_t *digest, size_t blocks,
                                   int constant_last, const uint32_t *kw)
{
    static const uint32_t H0[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                   0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
    size_t k = 0;
    for (; k + LANES_N <= n; k += LANES_N) {
        LN(v) s[8], w[16];
        for (int j = 0; j < 8; j++) s[j] = LN(splat)(H0[j]);
        const uint64_t *m = msg + k * words;
        for (size_t b = 0; b < blocks; b++) {
            if (constant_last && b == blocks - 1) {
                LN(compress)(s, w, kw);
                break;
            }
            /* The block's data words, lane l from message l (two 32-bit
               words from each 64-bit one, byte-swapped), then the padding's. */
            size_t t = 0;
            for (; t < 16 && 16 * b + t < 2 * words; t += 2) {
                const uint64_t *q = m + (16 * b + t) / 2;
                LN(v) lo, hi;
                LN_EACH(l, (lo[l] = (uint32_t)q[(size_t)l * words], hi[l] = (uint32_t)(q[(size_t)l * words] >> 32)));
                w[t] = LN_BSWAP(lo);
                w[t + 1] = LN_BSWAP(hi);
            }
            for (; t < 16; t++) w[t] = LN(splat)(padded_word(NULL, words, blocks, 16 * b + t));
            LN(compress)(s, w, NULL);
        }
        LN_EACH(l, {
            uint32_t h[8];
            for (int j = 0; j < 8; j++) h[j] = s[j][l];
            put_limbs(h, digest + 4 * (k + (size_t)l));
        });
    }
    return k;
}

#undef LN_EACH
#undef LN_ROUND
#undef LN_SIG1
#undef LN_SIG0
#undef LN_BSWAP
#undef LN_ROTR
#undef LN
#undef LN_CAT
#undef LN_CAT2
