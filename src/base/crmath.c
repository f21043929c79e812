/* crmath.c - deterministic exp / log1p / log (see crmath.h).
 *
 * The methods are the classic fdlibm ones (Sun Microsystems' freely
 * distributable libm): Cody-Waite argument reduction with ln2 split into a
 * 32-bit head (so that k*LN2_HI is exact for every |k| < 2^21) and a tail,
 * followed by a minimax (Remez) approximation on the reduced interval. The
 * coefficients are fdlibm's published constants; the code is written from
 * the mathematics below.
 *
 * Only + - * / on doubles and integer/bit operations are used. Every
 * operation is a single IEEE-754 round-to-nearest operation; the code never
 * relies on extended precision or fused multiply-add, so any conforming
 * double implementation (SSE2, NEON, wasm f64) produces identical bits,
 * provided the compiler does not contract a*b+c into an fma: build with
 * -ffp-contract=off (the pragmas below also request it).
 */
#include "crmath.h"

#include <stdint.h>
#include <string.h>

/* Belt and braces: forbid contraction even if the build flags do not. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

/* ---------------------------------------------------------------- bits */

#define CR_BITS_NAN  UINT64_C(0x7ff8000000000000)
#define CR_BITS_PINF UINT64_C(0x7ff0000000000000)
#define CR_BITS_NINF UINT64_C(0xfff0000000000000)


/* ----------------------------------------------------------------- exp */

/*
 * exp(x), table-driven (Tang's method) so that the hot path has no
 * division and about thirty operations:
 *  1. Reduce: x = (128k + j) ln2/128 + r, n = 128k + j = round(128 x/ln2),
 *     |r| <= ln2/256 (~0.0027), with ln2/128 split into a 32-bit head (n times
 *     it is exact for |n| < 2^21) and a tail.
 *  2. e^r - 1 = r + r^2/2 + r^3/6 + r^4/24 + r^5/120 + O(r^6); the Taylor
 *     remainder r^6/720 < 6e-19, far below half an ulp.
 *  3. 2^(j/128) comes from a table as head + tail (~106 bits), and
 *     e^x = 2^k (T + T (e^r - 1)) is formed as head + (tail + head p): one
 *     rounding dominates, so the error stays close to 0.5 ulp.
 *  4. The scaling by 2^k is exact for normal results; near overflow and for
 *     subnormal results it is done in two exact-power steps (rare path).
 */
/* |x| >= 708, infinities and NaN (see cr_exp() in crmath.h). */
double cr_exp_rare(double x)
{
    uint64_t ix = cr_bits(x);
    uint32_t ahx = (uint32_t)(ix >> 32) & 0x7fffffffu;
    int k;
    if (ahx >= 0x7ff00000u) {
        if ((ix << 1) > (CR_BITS_PINF << 1))
            return cr_double(CR_BITS_NAN);                 /* NaN */
        return (ix >> 63) ? 0.0 : cr_double(CR_BITS_PINF); /* -inf, +inf */
    }
    if (x > CR_EXP_OVER)
        return cr_double(CR_BITS_PINF);
    if (x < CR_EXP_UNDER)
        return 0.0;
    /* k in [1021, 1024] or [-1075, -1021]: scale in two exact-power
     * steps; the first product is exact, the second rounds once. */
    double y = cr_exp_core(x, &k);
    int k1 = k / 2;
    return (y * cr_pow2i(k1)) * cr_pow2i(k - k1);
}

/* ----------------------------------------------------------- log, log1p */

/*
 * Both reduce to  log(2^k * (1+f)) = k*ln2 + log(1+f),  with 1+f in
 * [sqrt(2)/2, sqrt(2)).  With s = f/(2+f):
 *     log(1+f) = log(1+s) - log(1-s) = 2s + 2/3 s^3 + 2/5 s^5 + ...
 *              = 2s + s*R(z),  z = s^2,  R(z) ~ Lg1 z + Lg2 z^2 + ... + Lg7 z^7
 * (Remez on |s| <= 0.1716, error < 2^-58.45). Since 2s = f - s*f,
 *     log(1+f) = f - (hfsq - s*(hfsq + R)),   hfsq = f*f/2,
 * which keeps the large term f exact. Adding k*ln2 (split) and a
 * correction c for the rounding of 1+x in log1p:
 *     result = k*LN2_HI - ((hfsq - (s*(hfsq+R) + (k*LN2_LO + c))) - f).
 */

static inline double cr_log_core(int k, double f, double c)
{
    double hfsq = 0.5 * f * f;
    double s = f / (2.0 + f);
    double z = s * s;
    double w = z * z;
    double t1 = w * (CR_LOG_LG2 + w * (CR_LOG_LG4 + w * CR_LOG_LG6));
    double t2 = z * (CR_LOG_LG1 + w * (CR_LOG_LG3 + w * (CR_LOG_LG5 + w * CR_LOG_LG7)));
    double R = t2 + t1;
    double dk = (double)k;
    return dk * CR_LN2_HI - ((hfsq - (s * (hfsq + R) + (dk * CR_LN2_LO + c))) - f);
}

/* Adding this to the high word of a positive double carries into the
 * exponent exactly when the significand is >= sqrt(2) (high word of the
 * significand >= 0x6a09e), so the exponent field then holds k + 0x3ff. */
#define CR_SQRT2_OFFSET (0x3ff00000u - 0x3fe6a09eu)

double cr_log(double x)
{
    uint64_t ix = cr_bits(x);
    uint32_t hx = (uint32_t)(ix >> 32);
    int k = 0;

    /* x < 2^-1022 (zero, subnormal, negative), +inf or NaN: rare path. */
    if (hx - 0x00100000u >= 0x7ff00000u - 0x00100000u) {
        if ((ix << 1) == 0)
            return cr_double(CR_BITS_NINF);             /* log(+-0) = -inf */
        if ((ix << 1) > (CR_BITS_PINF << 1))
            return cr_double(CR_BITS_NAN);              /* NaN */
        if (ix >> 63)
            return cr_double(CR_BITS_NAN);              /* x < 0, -inf */
        if (ix == CR_BITS_PINF)
            return x;                                   /* +inf */
        /* subnormal: scale by 2^54 (exact) */
        ix = cr_bits(x * 0x1p54);
        hx = (uint32_t)(ix >> 32);
        k = -54;
    }
    hx += CR_SQRT2_OFFSET;
    k += (int)(hx >> 20) - 0x3ff;
    hx = (hx & 0x000fffffu) + 0x3fe6a09eu;
    ix = ((uint64_t)hx << 32) | (ix & 0xffffffffu);
    /* significand in [sqrt(2)/2, sqrt(2)): f = m - 1 is exact (Sterbenz) */
    return cr_log_core(k, cr_double(ix) - 1.0, 0.0);
}

double cr_log1p(double x)
{
    uint64_t ix = cr_bits(x);
    uint32_t hx = (uint32_t)(ix >> 32);
    uint32_t ahx = hx & 0x7fffffffu;

    /* |x| < 2^-54 (incl. +-0, subnormals), +inf, NaN, x <= -1: rare path. */
    if (ahx - 0x3c900000u >= 0x7ff00000u - 0x3c900000u || hx >= 0xbff00000u) {
        if (ahx < 0x3c900000u)
            return x; /* log1p(x) = x - x^2/2 + ... rounds to x */
        if ((ix << 1) > (CR_BITS_PINF << 1))
            return cr_double(CR_BITS_NAN); /* NaN */
        if (ix == UINT64_C(0xbff0000000000000))
            return cr_double(CR_BITS_NINF); /* log1p(-1) = -inf */
        if (ix >> 63)
            return cr_double(CR_BITS_NAN); /* x < -1, -inf */
        return x;                          /* +inf */
    }

    /* u = fl(1+x) = 2^k * m, m in [sqrt(2)/2, sqrt(2)). */
    double u = 1.0 + x;
    uint64_t iu = cr_bits(u);
    uint32_t hu = (uint32_t)(iu >> 32) + CR_SQRT2_OFFSET;
    int k = (int)(hu >> 20) - 0x3ff;
    hu = (hu & 0x000fffffu) + 0x3fe6a09eu;
    double f = cr_double(((uint64_t)hu << 32) | (iu & 0xffffffffu)) - 1.0;
    /* Rounding error of u (exact by Fast2Sum with the larger operand
     * first): c = (1 + x) - u. Then log1p(x) = log(u) + log(1 + c/u) and
     * |c/u| <= 2^-53, so log(1 + c/u) = c/u to well below an ulp. For
     * x < -0.5, 1 + x is exact and c = 0. */
    double c_small = x - (u - 1.0); /* x < 1 */
    double c_large = 1.0 - (u - x); /* x >= 1 */
    /* Branch-free selects (the outcomes are data dependent): when k == 0,
     * 1+x is already in [sqrt(2)/2, sqrt(2)) and f = x itself, c = 0. */
    uint64_t big = (uint64_t)0 - (uint64_t)(x >= 1.0);
    uint64_t red = (uint64_t)0 - (uint64_t)(k != 0);
    double c = cr_double((cr_bits(c_small) & ~big) | (cr_bits(c_large) & big)) / u;
    f = cr_double((cr_bits(f) & red) | (ix & ~red));
    c = cr_double(cr_bits(c) & red);
    return cr_log_core(k, f, c);
}
