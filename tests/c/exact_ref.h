/* exact_ref.h - a slow, plain reference for cr_exact (test_exact.c,
 * fuzz_exact.c): the exact sum as two bit arrays (the positive and the
 * negative terms, bit k weighing 2^k * 2^-1074), one increment per set bit
 * of each term, rounded bit by bit at the end. It shares nothing with
 * src/base/exact.c: doubles are taken apart with frexp/ldexp, not their
 * bits; no chunks, no carries saved up, no two's complement.
 */
#ifndef CR_EXACT_REF_H
#define CR_EXACT_REF_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#define REF_BITS 2240 /* 2^2098 units (2^1024) times 2^41 terms fit below 2^2240 */
#define REF_PROD_BITS 4400

typedef struct {
    unsigned char pos[REF_BITS], neg[REF_BITS];
    int pinf, ninf, nan;
} ref_sum;

static void ref_init(ref_sum *r) { memset(r, 0, sizeof *r); }

/* b += 2^k (a binary counter: the carry runs over the ones). */
static void ref_inc(unsigned char *b, int k, int nbits)
{
    while (k < nbits && b[k]) b[k++] = 0;
    if (k < nbits) b[k] = 1;
}

/* |v| = M * 2^P units (of 2^-1074), M < 2^53 an integer, P >= 0; v finite, nonzero. */
static void ref_split(double v, uint64_t *M, int *P)
{
    int e;
    const double m = frexp(fabs(v), &e); /* |v| = m * 2^e, 0.5 <= m < 1 */
    uint64_t mi = (uint64_t)ldexp(m, 53);
    int p = e - 53 + 1074;
    while (p < 0) { /* a subnormal: its low bits are zeros */
        mi /= 2;
        p++;
    }
    *M = mi;
    *P = p;
}

static void ref_add(ref_sum *r, double v)
{
    if (isnan(v)) {
        r->nan = 1;
        return;
    }
    if (isinf(v)) {
        if (v > 0) r->pinf = 1;
        else r->ninf = 1;
        return;
    }
    if (v == 0) return;
    uint64_t M;
    int P;
    ref_split(v, &M, &P);
    unsigned char *b = v > 0 ? r->pos : r->neg;
    for (int j = 0; j < 53; j++)
        if ((M >> j) & 1) ref_inc(b, P + j, REF_BITS);
}

/* x * y rounded to the 2^-1074 grid (to nearest, ties to even); an
   infinity when that is >= 2^1024. */
static void ref_add_product(ref_sum *r, double x, double y)
{
    if (isnan(x) || isnan(y) || (isinf(x) && y == 0) || (isinf(y) && x == 0)) {
        r->nan = 1;
        return;
    }
    const int negative = (signbit(x) != 0) != (signbit(y) != 0);
    if (isinf(x) || isinf(y)) {
        if (negative) r->ninf = 1;
        else r->pinf = 1;
        return;
    }
    if (x == 0 || y == 0) return;
    uint64_t Mx, My;
    int Px, Py;
    ref_split(x, &Mx, &Px);
    ref_split(y, &My, &Py);
    /* x * y = Mx * My * 2^(Px + Py - 1074) units; t[k] weighs 2^(k - 1074) units. */
    static unsigned char t[REF_PROD_BITS];
    memset(t, 0, sizeof t);
    for (int j = 0; j < 53; j++)
        if ((My >> j) & 1)
            for (int i = 0; i < 53; i++)
                if ((Mx >> i) & 1) ref_inc(t, Px + Py + i + j, REF_PROD_BITS);
    int guard = t[1073], sticky = 0;
    for (int k = 0; k < 1073; k++) sticky |= t[k];
    if (guard && (sticky || t[1074])) ref_inc(t, 1074, REF_PROD_BITS); /* round up: one unit more */
    int top = REF_PROD_BITS - 1;
    while (top >= 1074 && !t[top]) top--;
    if (top >= 1074 + 2098) { /* >= 2^2098 units */
        if (negative) r->ninf = 1;
        else r->pinf = 1;
        return;
    }
    unsigned char *b = negative ? r->neg : r->pos;
    for (int k = 1074; k <= top; k++)
        if (t[k]) ref_inc(b, k - 1074, REF_BITS);
}

/* The correctly rounded sum (ties to even); NaN, inf, +0 for a zero sum. */
static double ref_round(const ref_sum *r)
{
    if (r->nan || (r->pinf && r->ninf)) return NAN;
    if (r->pinf) return INFINITY;
    if (r->ninf) return -INFINITY;
    /* d = |pos - neg|, by schoolbook subtraction of the smaller. */
    int cmp = 0;
    for (int k = REF_BITS - 1; k >= 0 && !cmp; k--) cmp = (int)r->pos[k] - (int)r->neg[k];
    if (cmp == 0) return 0.0;
    const unsigned char *big = cmp > 0 ? r->pos : r->neg, *small = cmp > 0 ? r->neg : r->pos;
    static unsigned char d[REF_BITS];
    int borrow = 0;
    for (int k = 0; k < REF_BITS; k++) {
        int x = (int)big[k] - (int)small[k] - borrow;
        borrow = x < 0;
        d[k] = (unsigned char)(x < 0 ? x + 2 : x);
    }
    int msb = REF_BITS - 1;
    while (!d[msb]) msb--;
    double mag;
    if (msb < 53) {
        uint64_t v = 0;
        for (int k = msb; k >= 0; k--) v = v * 2 + d[k];
        mag = ldexp((double)v, -1074);
    } else {
        uint64_t mant = 0;
        for (int k = msb; k > msb - 53; k--) mant = mant * 2 + d[k];
        const int guard = d[msb - 53];
        int sticky = 0;
        for (int k = 0; k < msb - 53; k++) sticky |= d[k];
        int e = msb - 52 - 1074; /* the value is mant * 2^e */
        if (guard && (sticky || (mant & 1))) mant++;
        if (mant == (uint64_t)1 << 53) {
            mant /= 2;
            e++;
        }
        mag = e > 1023 ? INFINITY : ldexp((double)mant, e);
    }
    return cmp > 0 ? mag : -mag;
}

#endif
