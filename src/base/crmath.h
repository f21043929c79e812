/* crmath.h - deterministic elementary functions.
 *
 * exp, log1p and log written with nothing but IEEE-754 double + - * / and
 * integer/bit operations, so they give bit-identical results on every host
 * (glibc, musl, Emscripten, wasi-libc), independent of the platform libm.
 * Each result is within 1 ulp of the correctly rounded value (the error
 * is below 1 ulp of the exact value). Every NaN result is the canonical quiet
 * NaN 0x7ff8000000000000; NaN payloads are not propagated.
 *
 * Build with -ffp-contract=off (no fma contraction) and SSE2/wasm doubles
 * (no x87 extended precision).
 */
#ifndef CR_CRMATH_H
#define CR_CRMATH_H

#ifndef CR_HIDDEN
#define CR_HIDDEN __attribute__((visibility("hidden")))
#endif

#include <stdint.h>
#include <string.h>

#include "exp_table.h"

/* A double's bits and back (memcpy: no aliasing questions). */
static inline uint64_t cr_bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline double cr_double(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* 2^k as a double, for k in [-1022, 1023]. */
static inline double cr_pow2i(int k)
{
    return cr_double((uint64_t)(0x3ff + k) << 52);
}

/* ln2 = CR_LN2_HI + CR_LN2_LO; CR_LN2_HI has 32 significant bits. */
static const double CR_LN2_HI = 0x1.62e42fee00000p-1;  /* 6.93147180369123816490e-01 */
static const double CR_LN2_LO = 0x1.a39ef35793c76p-33; /* 1.90821492927058770002e-10 */
/* log(1+s) - log(1-s) = 2s + s R(z), z = s^2, R(z) ~ Lg1 z + ... + Lg7 z^7
 * (crmath.c's log core; the fit's lanes compute the same). */
static const double CR_LOG_LG1 = 0x1.5555555555593p-1; /* 6.666666666666735130e-01 */
static const double CR_LOG_LG2 = 0x1.999999997fa04p-2; /* 3.999999999940941908e-01 */
static const double CR_LOG_LG3 = 0x1.2492494229359p-2; /* 2.857142874366239149e-01 */
static const double CR_LOG_LG4 = 0x1.c71c51d8e78afp-3; /* 2.222219843214978396e-01 */
static const double CR_LOG_LG5 = 0x1.7466496cb03dep-3; /* 1.818357216161805012e-01 */
static const double CR_LOG_LG6 = 0x1.39a09d078c69fp-3; /* 1.531383769920937332e-01 */
static const double CR_LOG_LG7 = 0x1.2f112df3e5244p-3; /* 1.479819860511658591e-01 */

CR_HIDDEN double cr_exp_rare(double x);

/* e^x. exp(+-0) = 1 exactly; +inf for x > 709.782712893384 (and x = +inf);
 * subnormal results down to x ~ -745.1332, +0 below that (and x = -inf);
 * NaN -> NaN. Inline: it is the inner loop of training and scoring. */

#define CR_EXP_N (1 << CR_EXP_TABLE_BITS)
static const double CR_EXP_INVLN2N = 0x1.71547652b82fep+7; /* 128/ln2 */
static const double CR_EXP_SHIFT = 0x1.8p52;               /* round-to-int shifter */
static const double CR_EXP_LN2HI_N = 0x1.62e42fee00000p-8; /* LN2_HI/128, exact */
static const double CR_EXP_LN2LO_N = 0x1.a39ef35793c76p-40;/* LN2_LO/128, exact */
static const double CR_EXP_C2 = 0.5;
static const double CR_EXP_C3 = 0x1.5555555555555p-3;      /* 1/6 */
static const double CR_EXP_C4 = 0x1.5555555555555p-5;      /* 1/24 */
static const double CR_EXP_C5 = 0x1.1111111111111p-7;      /* 1/120 */
/* exp(x) overflows for x > CR_EXP_OVER (= 709.782712893384), rounds to +0
 * for x < CR_EXP_UNDER (= -745.1332191019411; exp(CR_EXP_UNDER) > 2^-1075). */
static const double CR_EXP_OVER = 0x1.62e42fefa39efp+9;
static const double CR_EXP_UNDER = -0x1.74910d52d3051p+9;

/* e^x / 2^k in [0.997, 1.998]; *k receives the power of two. Valid for
 * |x| <= 746. */
static inline double cr_exp_core(double x, int *k)
{
    /* 128 x/ln2 rounded to the nearest integer (ties to even): adding
     * 1.5*2^52 leaves no fraction bits, subtracting it back is exact. */
    double nd = x * CR_EXP_INVLN2N + CR_EXP_SHIFT;
    nd = nd - CR_EXP_SHIFT;
    double r = (x - nd * CR_EXP_LN2HI_N) - nd * CR_EXP_LN2LO_N;
    int n = (int)nd;
    int j = n & (CR_EXP_N - 1);
    double r2 = r * r;
    double p = r + r2 * (CR_EXP_C2 + r * (CR_EXP_C3 + r * (CR_EXP_C4 + r * CR_EXP_C5)));
    double head = CR_EXP_TABLE[2 * j], tail = CR_EXP_TABLE[2 * j + 1];
    *k = (n - j) / CR_EXP_N;
    return head + (tail + head * p);
}

static inline double cr_exp(double x)
{
    uint64_t ix;
    memcpy(&ix, &x, sizeof ix);
    if ((uint32_t)(ix >> 32 & 0x7fffffffu) >= 0x40862000u) return cr_exp_rare(x);
    /* |x| < 708: k in [-1022, 1021], y in [0.997, 1.998], so 2^k * y is a
     * normal number and the scaling is exact. */
    int k;
    const double y = cr_exp_core(x, &k);
    const uint64_t scale = (uint64_t)(0x3ff + k) << 52;
    double s;
    memcpy(&s, &scale, sizeof s);
    return y * s;
}

/* log(1 + x), accurate for tiny x. log1p(+-0) = +-0; tiny x -> x;
 * log1p(-1) = -inf; x < -1 (incl. -inf) -> NaN; +inf -> +inf; NaN -> NaN. */
CR_HIDDEN double cr_log1p(double x);

/* Natural logarithm. log(1) = +0; log(+-0) = -inf; x < 0 (incl. -inf) ->
 * NaN; +inf -> +inf; subnormal x handled exactly; NaN -> NaN. */
CR_HIDDEN double cr_log(double x);


/* 1 / (1 + e^-z) for z >= 0 and e^z / (1 + e^z) below, as one expression:
 * never overflows, one rounding in the division. The numerator is picked
 * with a mask: compilers turn `z < 0 ? e : 1.0` into a branch that
 * mispredicts on mixed batches. */
static inline double cr_sigmoid(double z)
{
    const double e = cr_exp(-__builtin_fabs(z));
    const uint64_t neg = (uint64_t)0 - (uint64_t)(z < 0);
    const double one = 1.0;
    uint64_t eb, ob;
    memcpy(&eb, &e, sizeof eb);
    memcpy(&ob, &one, sizeof ob);
    const uint64_t nb = (eb & neg) | (ob & ~neg);
    double num;
    memcpy(&num, &nb, sizeof num);
    return num / (1.0 + e);
}

#endif
