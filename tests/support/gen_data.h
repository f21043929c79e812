/*
 * Deterministic synthetic caller data, bit-identical to tests/parity/gen_data.py.
 *
 * Integer-only (splitmix64-style hashing of (seed, row, draw)) so C and numpy
 * produce the same rows without depending on libm or RNG implementations.
 * Every row is an independent function of (seed, i), so rows can be generated
 * in any order or in parallel.
 */
#ifndef CALLRISK_TESTS_GEN_DATA_H
#define CALLRISK_TESTS_GEN_DATA_H

#include <stddef.h>
#include <stdint.h>

typedef enum { GEN_DEFAULT, GEN_STIR, GEN_REAL5 } gen_kind;

/* Raw 64-bit draw k (0..15) for row i. */
static inline uint64_t gen_r(uint64_t seed, uint64_t i, uint64_t k)
{
    uint64_t z = seed * UINT64_C(0xD1B54A32D192ED03)
               + (i * 16u + k + 1u) * UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Uniform double in [0,1); exact because the top 53 bits fit the mantissa. */
static inline double gen_u(uint64_t seed, uint64_t i, uint64_t k)
{
    return (double)(gen_r(seed, i, k) >> 11) * 0x1.0p-53;
}

static inline size_t gen_field_count(gen_kind k)
{
    return k == GEN_DEFAULT ? 3u : 5u;
}

static inline int64_t gen_clamp_milli(int64_t p)
{
    return p < 15 ? 15 : (p > 985 ? 985 : p);
}

/*
 * Fields in order:
 *   default: spam_reports, has_consent, call_attempts_24h
 *   stir:    spam_reports, has_consent, call_attempts_24h, attestation, stir_verified
 *   real5:   x0 .. x4, real-valued at five scales (each the sum of two
 *            uniforms, less 1: triangular on (-1, 1), then scaled); no
 *            two rows alike, no field a count or a flag
 * Bools are 0/1. Note the model's feature is no_consent = 1 - has_consent.
 */
static inline void gen_row(gen_kind k, uint64_t seed, int offset, uint64_t i,
                           double *fields, int *label, double *weight)
{
    if (k == GEN_REAL5) {
        static const double scale[5] = {3.0, 0.5, 10.0, 1.0, 2.0};
        static const double slope[5] = {40.0, -600.0, 2.5, 80.0, -30.0};   /* milli per unit */
        int64_t p = 500 + offset;
        for (uint64_t j = 0; j < 5; j++) {
            const double t = ((double)(gen_r(seed, i, 2 * j) >> 11) + (double)(gen_r(seed, i, 2 * j + 1) >> 11)) * 0x1.0p-53 - 1.0;
            fields[j] = t * scale[j];
            p += (int64_t)(fields[j] * slope[j]);   /* truncation toward zero, as numpy's astype */
        }
        p = gen_clamp_milli(p);
        *label = (int64_t)(gen_r(seed, i, 10) % 1000) < p ? 1 : 0;
        *weight = 0.5 + (double)(gen_r(seed, i, 11) % 4) * 0.5;
        return;
    }
    uint64_t r[10];
    uint64_t ndraws = k == GEN_STIR ? 10u : 8u;
    for (uint64_t d = 0; d < ndraws; d++)
        r[d] = gen_r(seed, i, d);

    int64_t s0 = (int64_t)(r[0] % 9), s1 = (int64_t)(r[1] % 9);
    int64_t spam = s0 < s1 ? s0 : s1;
    int64_t consent = (r[2] & 3u) != 0 ? 1 : 0;
    int64_t attempts = (int64_t)(r[3] % 13)
                     + (r[4] % 3 == 0 ? (int64_t)(r[5] % 20) : 0);

    int64_t p = (int64_t)offset + 110 * spam + 150 * (1 - consent) + 45 * attempts;

    fields[0] = (double)spam;
    fields[1] = (double)consent;
    fields[2] = (double)attempts;

    if (k == GEN_STIR) {
        double att = (double)(r[8] >> 11) * 0x1.0p-53;
        int64_t verified = (int64_t)(r[9] & 1u);
        /* att >= 0, so truncation equals floor; avoids libm. */
        p -= (int64_t)(att * 300.0) + 120 * verified;
        fields[3] = att;
        fields[4] = (double)verified;
    }

    p = gen_clamp_milli(p);
    *label = (int64_t)(r[6] % 1000) < p ? 1 : 0;
    *weight = 0.5 + (double)(r[7] % 4) * 0.5;
}

#endif /* CALLRISK_TESTS_GEN_DATA_H */
