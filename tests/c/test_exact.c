/* test_exact.c - cr_exact (src/base/exact.h), the exact superaccumulator.
 *
 * - Sums from deterministic generators (the whole exponent range with
 *   subnormals, heavy cancellation, equal values, ties, huge values, 10^6
 *   terms) against the slow bit-array reference in exact_ref.h, bit for bit.
 * - Order independence: permutations and random splits into k = 1, 2, 7,
 *   100 accumulators merged in random order (some through save/load) give
 *   the same saved bytes and the same rounded value.
 * - Save/load round trips, malformed and truncated saved forms.
 * - Edge cases: empty, -0, inf/NaN, DBL_MAX overflow, ties, 2^40 DBL_MAX.
 * - cr_exact_add_product against the reference's exact products.
 *
 * `test_exact --dump` prints generated cases and cr_exact's results for
 * tests/quality/exact_reference.py, which checks them with Python integers
 * (an independent, arbitrary-precision oracle).
 */
#include "exact.h"
#include "exact_ref.h"
#include "internal.h"

#include "bits.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            printf("%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);      \
            failures++;                                                          \
        }                                                                        \
    } while (0)


#define CANONICAL_NAN 0x7ff8000000000000ull
/* The bits cr_exact_round must give for the reference's value. */
static uint64_t want_bits(double ref) { return isnan(ref) ? CANONICAL_NAN : bits_of(ref); }

static void check_bits(const char *what, int line, double got, uint64_t want)
{
    if (bits_of(got) != want) {
        printf("%s:%d: %s: got %a (0x%016" PRIx64 "), want %a (0x%016" PRIx64 ")\n", __FILE__, line, what, got,
               bits_of(got), dbl_of(want), want);
        failures++;
    }
}
#define CHECK_BITS(what, got, want) check_bits((what), __LINE__, (got), (want))

/* ---- deterministic generators ---- */

typedef struct {
    uint64_t s;
} rng;

static uint64_t next(rng *r) /* splitmix64 */
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t below(rng *r, uint64_t n) { return next(r) % n; }

/* A random sign and mantissa with a biased exponent field in [emin, emax]
   (0: a subnormal or zero). */
static double rexp(rng *r, int emin, int emax)
{
    const uint64_t e = (uint64_t)emin + below(r, (uint64_t)(emax - emin + 1));
    return dbl_of((next(r) & 0x800fffffffffffffull) | e << 52);
}

/* Any finite double, every bit pattern alike. */
static double rbits(rng *r)
{
    for (;;) {
        const uint64_t u = next(r);
        if (((u >> 52) & 0x7ff) != 0x7ff) return dbl_of(u);
    }
}

static void shuffle(rng *r, double *v, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        const size_t j = (size_t)below(r, i);
        const double t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

enum { G_BITS, G_WINDOW, G_CANCEL, G_EQUAL, G_UNIT, G_TIES, G_SUB, G_HUGE, G_MIXED, G_TRAIN, G_COUNT };
static const char *const gen_name[G_COUNT] = {"bits", "window", "cancel", "equal", "unit",
                                              "ties", "subnormal", "huge", "mixed", "train"};

static void generate(int kind, rng *r, double *v, size_t n)
{
    const int e0 = (int)below(r, 2047 - 60);
    const double same = rbits(r);
    for (size_t i = 0; i < n; i++) {
        int k = kind == G_MIXED ? (int)below(r, G_MIXED) : kind;
        if (k == G_CANCEL || k == G_TIES) k = G_WINDOW; /* built below */
        switch (k) {
        case G_BITS: v[i] = rbits(r); break;
        case G_WINDOW: v[i] = rexp(r, e0, e0 + 60); break;
        case G_EQUAL: v[i] = same; break;
        case G_UNIT: v[i] = ldexp((double)(int64_t)next(r), -63); break; /* [-1, 1], any low bits */
        case G_SUB: v[i] = rexp(r, 0, 0); break;
        case G_HUGE: v[i] = rexp(r, 2030, 2046); break;
        case G_TRAIN: v[i] = (double)below(r, 11) * (double)below(r, 50) * (below(r, 4) ? 1.0 : 0.1); break;
        }
    }
    if (kind == G_CANCEL && n >= 2) {
        /* x, -x pairs and a few tiny terms: the sum is the tiny ones. */
        size_t i = 0;
        for (; i + 1 < n && i + 3 < n; i += 2) {
            v[i] = below(r, 2) ? rbits(r) : rexp(r, e0, e0 + 60);
            v[i + 1] = -v[i];
        }
        for (; i < n; i++) v[i] = below(r, 2) ? rexp(r, 0, 0) : rexp(r, e0, e0 + 2);
        shuffle(r, v, n);
    } else if (kind == G_TIES && n >= 2) {
        /* B plus half an ulp of B (a tie), sometimes tipped by a tiny term. */
        const double b = rexp(r, 60, 2040);
        int e;
        frexp(b, &e);
        v[0] = b;
        v[1] = ldexp(below(r, 2) ? 1.0 : -1.0, e - 54); /* half an ulp (ulp = 2^(e-53)) */
        for (size_t i = 2; i < n; i++) {
            if (i + 1 < n && below(r, 2)) {
                v[i] = rexp(r, 0, 2046);
                v[i + 1] = -v[i];
                i++;
            } else {
                int k = e - 55 - (int)below(r, 200);
                if (k < -1074) k = -1074;
                v[i] = below(r, 3) ? 0.0 : ldexp(below(r, 2) ? 1.0 : -1.0, k);
            }
        }
        shuffle(r, v, n);
    }
}

/* ---- accumulation helpers ---- */

static void sum_into(cr_exact *a, const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) cr_exact_add(a, v[i]);
}

static double ref_of(const double *v, size_t n)
{
    static ref_sum r;
    ref_init(&r);
    for (size_t i = 0; i < n; i++) ref_add(&r, v[i]);
    return ref_round(&r);
}

/* Splits v into k random parts (each term to a random part), sums each,
   merges them pairwise in random order (a third of them saved and loaded
   first, as partial sums travelling between processes), saves the result. */
static void split_merge(rng *r, const double *v, size_t n, int k, unsigned char *out)
{
    cr_exact *part = calloc((size_t)k, sizeof *part);
    if (!part) abort();
    for (size_t i = 0; i < n; i++) cr_exact_add(&part[below(r, (uint64_t)k)], v[i]);
    for (int live = k; live > 1; live--) {
        const int i = (int)below(r, (uint64_t)live);
        int j = (int)below(r, (uint64_t)live - 1);
        if (j >= i) j++;
        if (below(r, 3) == 0) {
            unsigned char buf[CR_EXACT_BYTES];
            CHECK(cr_exact_save(&part[j], buf) == CR_EXACT_BYTES);
            cr_exact moved;
            CHECK(cr_exact_load(&moved, buf, sizeof buf) == 0);
            cr_exact_merge(&part[i], &moved);
        } else {
            cr_exact_merge(&part[i], &part[j]);
        }
        part[j] = part[live - 1];
    }
    cr_exact_save(&part[0], out);
    free(part);
}

/* ---- the sections ---- */

static double sum_of(int n, ...);

static void test_reference(void)
{
    static const size_t sizes[] = {1, 2, 3, 5, 10, 100, 1000, 4000};
    double *v = malloc(4000 * sizeof *v);
    if (!v) abort();
    rng r = {1};
    int cases = 0;
    for (int kind = 0; kind < G_COUNT; kind++)
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
            for (int rep = 0; rep < 12; rep++) {
                const size_t n = sizes[s];
                generate(kind, &r, v, n);
                cr_exact a = {0};
                sum_into(&a, v, n);
                char what[64];
                snprintf(what, sizeof what, "%s n=%zu rep %d", gen_name[kind], n, rep);
                CHECK_BITS(what, cr_exact_round(&a), want_bits(ref_of(v, n)));
                cases++;
            }
    free(v);
    printf("reference: %d generated sums\n", cases);
}

static void test_large(void)
{
    const size_t n = 1000000;
    double *v = malloc(n * sizeof *v);
    if (!v) abort();
    rng r = {2};
    static const int kinds[] = {G_UNIT, G_EQUAL, G_CANCEL, G_MIXED, G_TRAIN};
    for (size_t t = 0; t < sizeof kinds / sizeof *kinds; t++) {
        generate(kinds[t], &r, v, n);
        if (kinds[t] == G_EQUAL)
            for (size_t i = 0; i < n; i++) v[i] = 0.1;
        cr_exact a;
        cr_exact_init(&a);
        sum_into(&a, v, n);
        const double got = cr_exact_round(&a);
        CHECK_BITS(gen_name[kinds[t]], got, want_bits(ref_of(v, n)));
        cr_exact b = {0};
        cr_exact_add_array(&b, v, n);
        unsigned char sa[CR_EXACT_BYTES], sb[CR_EXACT_BYTES];
        cr_exact_save(&a, sa);
        cr_exact_save(&b, sb);
        CHECK(memcmp(sa, sb, sizeof sa) == 0);
        /* Order: three permutations, and 7- and 100-way splits. */
        for (int p = 0; p < 3; p++) {
            shuffle(&r, v, n);
            cr_exact c = {0};
            sum_into(&c, v, n);
            cr_exact_save(&c, sb);
            CHECK(memcmp(sa, sb, sizeof sa) == 0);
            CHECK_BITS("permuted", cr_exact_round(&c), bits_of(got));
        }
        split_merge(&r, v, n, 7, sb);
        CHECK(memcmp(sa, sb, sizeof sa) == 0);
        split_merge(&r, v, n, 100, sb);
        CHECK(memcmp(sa, sb, sizeof sa) == 0);
    }
    free(v);
}

static void test_order(void)
{
    static const int ks[] = {1, 2, 7, 100};
    double *v = malloc(5000 * sizeof *v);
    if (!v) abort();
    rng r = {3};
    for (int kind = 0; kind < G_COUNT; kind++)
        for (int rep = 0; rep < 6; rep++) {
            const size_t n = rep < 3 ? 5000 : 1 + below(&r, 300);
            generate(kind, &r, v, n);
            cr_exact a = {0};
            sum_into(&a, v, n);
            unsigned char want[CR_EXACT_BYTES], got[CR_EXACT_BYTES];
            cr_exact_save(&a, want);
            const double x = cr_exact_round(&a);
            for (int p = 0; p < 3; p++) {
                shuffle(&r, v, n);
                cr_exact b = {0};
                sum_into(&b, v, n);
                cr_exact_save(&b, got);
                if (memcmp(want, got, sizeof got) != 0) {
                    printf("order: %s n=%zu permutation %d saves other bytes\n", gen_name[kind], n, p);
                    failures++;
                }
                CHECK_BITS("permutation", cr_exact_round(&b), bits_of(x));
            }
            for (size_t k = 0; k < sizeof ks / sizeof *ks; k++) {
                split_merge(&r, v, n, ks[k], got);
                if (memcmp(want, got, sizeof got) != 0) {
                    printf("order: %s n=%zu split %d ways saves other bytes\n", gen_name[kind], n, ks[k]);
                    failures++;
                }
                cr_exact c;
                CHECK(cr_exact_load(&c, got, sizeof got) == 0);
                CHECK_BITS("split", cr_exact_round(&c), bits_of(x));
            }
        }
    free(v);
}

static double sum_of(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    cr_exact a = {0};
    for (int i = 0; i < n; i++) cr_exact_add(&a, va_arg(ap, double));
    va_end(ap);
    return cr_exact_round(&a);
}

static void test_edges(void)
{
    const uint64_t pinf = 0x7ff0000000000000ull, ninf = 0xfff0000000000000ull;
    const double tiny = 0x1p-1074, u53 = 0x1p-53;

    /* Empty: zero-filled memory, cr_exact_init, calloc. */
    cr_exact z = {0};
    CHECK_BITS("empty", cr_exact_round(&z), 0);
    cr_exact_init(&z);
    CHECK_BITS("init", cr_exact_round(&z), 0);
    cr_exact *h = calloc(1, sizeof *h);
    if (!h) abort();
    CHECK_BITS("calloc", cr_exact_round(h), 0);
    cr_exact_add(h, 2.5);
    CHECK_BITS("calloc + 2.5", cr_exact_round(h), bits_of(2.5));
    free(h);
    CHECK(sizeof(cr_exact) == 544);

    /* Zeros: an exact zero sum is +0. */
    CHECK_BITS("-0", sum_of(1, -0.0), 0);
    CHECK_BITS("-0 + -0", sum_of(2, -0.0, -0.0), 0);
    CHECK_BITS("+0 + -0", sum_of(2, 0.0, -0.0), 0);
    CHECK_BITS("1 - 1", sum_of(2, 1.0, -1.0), 0);
    CHECK_BITS("-x + x", sum_of(2, -DBL_MAX, DBL_MAX), 0);
    CHECK_BITS("-tiny", sum_of(2, -0.0, -tiny), bits_of(-tiny));

    /* Infinities and NaN. */
    CHECK_BITS("+inf", sum_of(2, INFINITY, 1.0), pinf);
    CHECK_BITS("-inf", sum_of(3, -INFINITY, 1.0, DBL_MAX), ninf);
    CHECK_BITS("inf + inf", sum_of(2, INFINITY, INFINITY), pinf);
    CHECK_BITS("inf - inf", sum_of(2, INFINITY, -INFINITY), CANONICAL_NAN);
    CHECK_BITS("-inf + inf", sum_of(3, -INFINITY, 5.0, INFINITY), CANONICAL_NAN);
    CHECK_BITS("NaN", sum_of(1, NAN), CANONICAL_NAN);
    CHECK_BITS("-NaN payload", sum_of(2, 1.0, dbl_of(0xfff0000000000001ull)), CANONICAL_NAN);
    CHECK_BITS("NaN + inf", sum_of(2, INFINITY, NAN), CANONICAL_NAN);

    /* Overflow of the final rounding, and its absence. */
    CHECK_BITS("DBL_MAX + DBL_MAX", sum_of(2, DBL_MAX, DBL_MAX), pinf);
    CHECK_BITS("-2 DBL_MAX", sum_of(2, -DBL_MAX, -DBL_MAX), ninf);
    CHECK_BITS("DBL_MAX + DBL_MAX - DBL_MAX", sum_of(3, DBL_MAX, DBL_MAX, -DBL_MAX), bits_of(DBL_MAX));
    /* DBL_MAX + half its ulp: a tie, DBL_MAX odd, so up, to inf. */
    CHECK_BITS("DBL_MAX + half ulp", sum_of(2, DBL_MAX, 0x1p970), pinf);
    CHECK_BITS("DBL_MAX + half ulp - tiny", sum_of(3, DBL_MAX, 0x1p970, -tiny), bits_of(DBL_MAX));
    CHECK_BITS("-DBL_MAX - half ulp", sum_of(2, -DBL_MAX, -0x1p970), ninf);

    /* Ties to even. */
    CHECK_BITS("1 + 2^-53", sum_of(2, 1.0, u53), bits_of(1.0));
    CHECK_BITS("1 + 2^-53 + tiny", sum_of(3, 1.0, u53, tiny), bits_of(1.0 + 0x1p-52));
    CHECK_BITS("1 + 2^-53 - tiny", sum_of(3, 1.0, u53, -tiny), bits_of(1.0));
    CHECK_BITS("1+2^-52 + 2^-53", sum_of(2, 1.0 + 0x1p-52, u53), bits_of(1.0 + 0x1p-51));
    CHECK_BITS("-(1+2^-52) - 2^-53", sum_of(2, -1.0 - 0x1p-52, -u53), bits_of(-1.0 - 0x1p-51));
    CHECK_BITS("-1 - 2^-53", sum_of(2, -1.0, -u53), bits_of(-1.0));
    CHECK_BITS("2^53 + 1", sum_of(2, 0x1p53, 1.0), bits_of(0x1p53));
    CHECK_BITS("2^53 + 3", sum_of(2, 0x1p53, 3.0), bits_of(0x1p53 + 4.0));
    CHECK_BITS("0.1 + 0.2", sum_of(2, 0.1, 0.2), bits_of(0x1.3333333333334p-2)); /* exact 0.1+0.2 rounds to 0.30000000000000004 */
    CHECK_BITS("1e16 + 1 + 1", sum_of(3, 1e16, 1.0, 1.0), bits_of(1e16 + 2.0));   /* naive: 1e16 */
    CHECK_BITS("1 + 1e100 + 1 - 1e100", sum_of(4, 1.0, 1e100, 1.0, -1e100), bits_of(2.0));

    /* Subnormals. */
    CHECK_BITS("tiny + tiny", sum_of(2, tiny, tiny), bits_of(0x1p-1073));
    CHECK_BITS("DBL_MIN - tiny", sum_of(2, DBL_MIN, -tiny), bits_of(0x0.fffffffffffffp-1022));
    CHECK_BITS("max subnormal + tiny", sum_of(2, 0x0.fffffffffffffp-1022, tiny), bits_of(DBL_MIN));
    CHECK_BITS("-DBL_MIN + tiny", sum_of(2, -DBL_MIN, tiny), bits_of(-0x0.fffffffffffffp-1022));
    CHECK_BITS("2^-1022 * 2^53 - tiny", sum_of(2, 0x1p-969, -tiny), bits_of(0x1p-969)); /* below half an ulp */

    /* 2^40 times DBL_MAX (by merging with itself 40 times): no overflow
       inside; the total still cancels exactly. */
    cr_exact big = {0}, neg = {0};
    cr_exact_add(&big, DBL_MAX);
    cr_exact_add(&neg, -DBL_MAX);
    for (int i = 0; i < 40; i++) {
        cr_exact_merge(&big, &big);
        cr_exact_merge(&neg, &neg);
    }
    CHECK_BITS("2^40 DBL_MAX", cr_exact_round(&big), pinf);
    CHECK_BITS("-2^40 DBL_MAX", cr_exact_round(&neg), ninf);
    cr_exact_add(&big, 1.5);
    cr_exact_merge(&big, &neg);
    CHECK_BITS("2^40 DBL_MAX + 1.5 - 2^40 DBL_MAX", cr_exact_round(&big), bits_of(1.5));
    /* Adds of the largest terms past many carry propagations. */
    cr_exact many = {0};
    for (int i = 0; i < 100000; i++) cr_exact_add(&many, DBL_MAX);
    for (int i = 0; i < 99999; i++) cr_exact_add(&many, -DBL_MAX);
    CHECK_BITS("1e5 DBL_MAX - (1e5-1) DBL_MAX", cr_exact_round(&many), bits_of(DBL_MAX));
    /* The widest high parts (shift 31, all-ones significand), both signs. */
    const double w = dbl_of(((uint64_t)(32 * 20 + 31 + 1) << 52) | 0xfffffffffffffull);
    cr_exact wide = {0};
    for (int i = 0; i < 300000; i++) cr_exact_add(&wide, -w);
    for (int i = 0; i < 299999; i++) cr_exact_add(&wide, w);
    cr_exact_add(&wide, 0x1p-1000);
    CHECK_BITS("3e5 wide terms", cr_exact_round(&wide), bits_of(-w));
    /* The same for products: the high half all ones at shift 31. */
    /* (2^53 - 1) 2^1000 units times (2^53 - 1) 2^1076 units: the high
       53 bits of the product (2^53 - 2) land at bit 1000 + 1076 - 1074 + 53,
       31 mod 32, so its high part is 2^52 - 1. */
    const double pm = dbl_of(((uint64_t)(1000 + 1) << 52) | 0xfffffffffffffull);
    const double py = dbl_of(((uint64_t)(1076 + 1) << 52) | 0xfffffffffffffull);
    cr_exact prod = {0}, one = {0};
    for (int i = 0; i < 300000; i++) cr_exact_add_product(&prod, pm, py);
    for (int i = 0; i < 299999; i++) cr_exact_add_product(&prod, -pm, py);
    cr_exact_add_product(&one, pm, py);
    CHECK_BITS("3e5 wide products", cr_exact_round(&prod), bits_of(cr_exact_round(&one)));
    /* Saturation (documented): past 2^1099 the total is +-inf. */
    cr_exact sat = {0};
    cr_exact_add(&sat, DBL_MAX);
    for (int i = 0; i < 80; i++) cr_exact_merge(&sat, &sat);
    CHECK_BITS("2^80 DBL_MAX saturates", cr_exact_round(&sat), pinf);
    cr_exact_init(&sat);
    cr_exact_add(&sat, -DBL_MAX);
    for (int i = 0; i < 80; i++) cr_exact_merge(&sat, &sat);
    CHECK_BITS("-2^80 DBL_MAX saturates", cr_exact_round(&sat), ninf);
}

static void test_save_load(void)
{
    unsigned char e[CR_EXACT_BYTES], b[CR_EXACT_BYTES], c[CR_EXACT_BYTES + 1];
    cr_exact a = {0}, t;
    CHECK(cr_exact_save(&a, e) == CR_EXACT_BYTES);
    CHECK(memcmp(e, "CRX\0", 4) == 0);
    for (size_t i = 4; i < sizeof e; i++) CHECK(e[i] == 0);
    /* Cancelled histories save as the empty accumulator. */
    cr_exact_add(&a, 1e300);
    cr_exact_add(&a, 0x1p-1074);
    cr_exact_add(&a, -1e300);
    cr_exact_add(&a, -0x1p-1074);
    cr_exact_save(&a, b);
    CHECK(memcmp(e, b, sizeof e) == 0);
    /* 1.0 is 2^1074 units: bit 18 of chunk 33. */
    cr_exact_add(&a, 1.0);
    cr_exact_save(&a, b);
    CHECK(b[4 + 4 * 33 + 2] == 4);
    /* -1.0: the top chunk -1, the chunks below it 2^32 - 2^18 ... */
    cr_exact m = {0};
    cr_exact_add(&m, -1.0);
    cr_exact_save(&m, b);
    CHECK(b[4 + 4 * 33 + 2] == 0xfc && b[4 + 4 * 33 + 3] == 0xff && b[4 + 4 * 34] == 0xff);
    for (int k = 268; k < 276; k++) CHECK(b[k] == 0xff);

    /* Negative totals, normalised (0xffffffff chunks and a top of -1) or
       not, round alike. */
    static const double negs[] = {-0x1p-1074, -1.0, -0x1p-1042, -0x1p-1041, -3 * 0x1p-1074, -DBL_MAX, -0x1p1023,
                                  -0x1.fffffffffffffp-1, -0x1p-1022};
    for (size_t i = 0; i < sizeof negs / sizeof *negs; i++) {
        cr_exact x = {0}, y;
        cr_exact_add(&x, negs[i]);
        CHECK_BITS("negative", cr_exact_round(&x), bits_of(negs[i]));
        cr_exact_save(&x, b);
        CHECK(cr_exact_load(&y, b, sizeof b) == 0);
        CHECK_BITS("negative, normalised", cr_exact_round(&y), bits_of(negs[i]));
        if (negs[i] / 2 * 2 != negs[i]) continue; /* halving not exact */
        cr_exact_add(&y, -negs[i] / 2);
        CHECK_BITS("negative half", cr_exact_round(&y), bits_of(negs[i] / 2));
    }
    /* Every power of two, both signs, alone and normalised, and beside
       a term one below it (a -2^k can be a single chunk of -2^32). */
    for (int k = -1074; k <= 1023; k++) {
        for (int sign = -1; sign <= 1; sign += 2) {
            const double p2 = ldexp((double)sign, k);
            cr_exact x = {0}, y;
            cr_exact_add(&x, p2);
            CHECK_BITS("2^k", cr_exact_round(&x), bits_of(p2));
            cr_exact_save(&x, b);
            CHECK(cr_exact_load(&y, b, sizeof b) == 0);
            CHECK_BITS("2^k normalised", cr_exact_round(&y), bits_of(p2));
            if (k > -1074) {
                cr_exact_add(&x, -ldexp((double)sign, k - 1));
                CHECK_BITS("2^k - 2^(k-1)", cr_exact_round(&x), bits_of(ldexp((double)sign, k - 1)));
            }
        }
    }
    /* Round trips over generated sums: same bytes, same value. */
    rng r = {4};
    double v[200];
    for (int rep = 0; rep < 300; rep++) {
        const size_t n = 1 + below(&r, 200);
        generate((int)below(&r, G_COUNT), &r, v, n);
        cr_exact x = {0};
        sum_into(&x, v, n);
        if (rep % 50 == 0) cr_exact_add(&x, rep % 100 ? INFINITY : NAN);
        cr_exact_save(&x, b);
        CHECK(cr_exact_load(&t, b, sizeof b) == 0);
        cr_exact_save(&t, c);
        CHECK(memcmp(b, c, sizeof b) == 0);
        CHECK(bits_of(cr_exact_round(&t)) == bits_of(cr_exact_round(&x)));
        /* Loaded accumulators go on adding. */
        cr_exact_add(&t, 1.0);
        cr_exact_add(&x, 1.0);
        CHECK(bits_of(cr_exact_round(&t)) == bits_of(cr_exact_round(&x)));
    }

    /* Specials: the state byte, no chunks. */
    static const struct {
        double v[3];
        int n;
        unsigned char state;
    } sp[] = {{{1.0, INFINITY}, 2, 1}, {{-INFINITY, 2.0}, 2, 2}, {{NAN, 3.0}, 2, 3}, {{INFINITY, -INFINITY}, 2, 3}};
    for (size_t i = 0; i < sizeof sp / sizeof *sp; i++) {
        cr_exact x = {0};
        sum_into(&x, sp[i].v, (size_t)sp[i].n);
        cr_exact_save(&x, b);
        CHECK(b[3] == sp[i].state);
        CHECK(memcmp(b + 4, e + 4, sizeof b - 4) == 0);
    }

    /* Malformed input: rejected, the accumulator unchanged. */
    cr_exact keep = {0};
    cr_exact_add(&keep, 42.0);
    cr_exact_save(&keep, b);
#define REJECT(buf, n)                                        \
    do {                                                      \
        t = keep;                                             \
        CHECK(cr_exact_load(&t, (buf), (n)) != 0);            \
        CHECK(memcmp(&t, &keep, sizeof t) == 0);              \
    } while (0)
    REJECT(b, sizeof b - 1);
    REJECT(b, 0);
    REJECT(NULL, sizeof b);
    memcpy(c, b, sizeof b);
    c[sizeof b] = 0;
    REJECT(c, sizeof c);
    for (int k = 0; k < 4; k++) {
        memcpy(c, b, sizeof b);
        c[k] ^= 0x20;
        REJECT(c, sizeof b);
    }
    memcpy(c, b, sizeof b);
    c[3] = 4;
    REJECT(c, sizeof b);
    memcpy(c, b, sizeof b); /* 42 with an inf state */
    c[3] = 1;
    REJECT(c, sizeof b);
    memcpy(c, e, sizeof e); /* inf with a chunk */
    c[3] = 2;
    c[100] = 1;
    REJECT(c, sizeof e);
    memcpy(c, e, sizeof e); /* the top chunk at +2^61 and -2^61 */
    c[268 + 7] = 0x20;
    REJECT(c, sizeof e);
    memset(c + 268, 0, 8);
    c[268 + 7] = 0xe0;
    REJECT(c, sizeof e);
    c[268] = 1; /* -2^61 + 1: accepted */
    CHECK(cr_exact_load(&t, c, sizeof e) == 0);
    memcpy(c, e, sizeof e);
    c[268 + 7] = 0x1f;
    c[268] = 0xff;
    memset(c + 269, 0xff, 6); /* 2^61 - 1: accepted, a total far past 2^1024 */
    CHECK(cr_exact_load(&t, c, sizeof e) == 0);
    CHECK_BITS("2^61 - 1 top", cr_exact_round(&t), 0x7ff0000000000000ull);
    /* ... and one more carry into it saturates (in round, save, merge). */
    memset(c + 4 + 4 * 64, 0xff, 8);
    CHECK(cr_exact_load(&t, c, sizeof e) == 0);
    cr_exact_add(&t, DBL_MAX);
    CHECK_BITS("saturated by a carry", cr_exact_round(&t), 0x7ff0000000000000ull);
    cr_exact_save(&t, b);
    CHECK(b[3] == 1);
    cr_exact_init(&m);
    cr_exact_merge(&m, &t);
    CHECK_BITS("saturated, merged", cr_exact_round(&m), 0x7ff0000000000000ull);
    memcpy(c, e, sizeof e);
    memset(c + 268, 0, 8);
    c[268] = 1;
    c[275] = 0xe0; /* -2^61 + 1 */
    CHECK(cr_exact_load(&t, c, sizeof e) == 0);
    cr_exact_add(&t, -0x1p-1074);
    CHECK_BITS("negative saturation", cr_exact_round(&t), 0xfff0000000000000ull);
    cr_exact_save(&t, b);
    CHECK(b[3] == 2);
    /* Any chunks 0..65 are canonical: random ones load and save as read. */
    for (int rep = 0; rep < 1000; rep++) {
        for (size_t k = 4; k < sizeof c; k++) c[k] = (unsigned char)next(&r);
        memcpy(c, "CRX", 3);
        c[3] = 0;
        c[275] = (unsigned char)(c[275] & 0x1f) | (rep % 2 ? 0xe0 : 0);
        if (c[275] == 0xe0) c[275] = 0xe1;
        CHECK(cr_exact_load(&t, c, CR_EXACT_BYTES) == 0);
        cr_exact_save(&t, b);
        CHECK(memcmp(b, c, CR_EXACT_BYTES) == 0);
    }
}

static void test_products(void)
{
    rng r = {5};
    static ref_sum ref;
    int cases = 0;
    for (int rep = 0; rep < 400; rep++) {
        ref_init(&ref);
        cr_exact a = {0}, b = {0};
        const int n = 1 + (int)below(&r, 20);
        const int mode = rep % 5;
        for (int i = 0; i < n; i++) {
            double x, y;
            switch (mode) {
            case 0: x = rbits(&r), y = rbits(&r); break;               /* anything: tiny and huge products */
            case 1: x = rexp(&r, 1, 300), y = rexp(&r, 0, 1000); break; /* products below 2^-1074 */
            case 2: x = rexp(&r, 1500, 2046), y = rexp(&r, 1000, 1100); break; /* near 2^1024 */
            case 3: x = (double)below(&r, 11), y = (double)below(&r, 1000) * 0.25; break; /* training */
            default: x = rexp(&r, 700, 1300), y = rexp(&r, 700, 1300); break;
            }
            cr_exact_add_product(&a, x, y);
            cr_exact_add_product(&b, y, x);
            ref_add_product(&ref, x, y);
        }
        CHECK_BITS("products", cr_exact_round(&a), want_bits(ref_round(&ref)));
        unsigned char sa[CR_EXACT_BYTES], sb[CR_EXACT_BYTES];
        cr_exact_save(&a, sa);
        cr_exact_save(&b, sb);
        CHECK(memcmp(sa, sb, sizeof sa) == 0);
        cases++;
    }
    /* Products shifted right by every s = 1..110 bits onto the 2^-1074
       grid (x = 2^-1022 * m, y of exponent field 1075 - s). */
    for (int rep = 0; rep < 4; rep++)
        for (int s = 1; s <= 110; s++) {
            const double x = dbl_of(((uint64_t)1 << 52) | (next(&r) & 0xfffffffffffffull)) * (rep & 1 ? -1 : 1);
            const double y = dbl_of(((uint64_t)(1075 - s) << 52) | (next(&r) & (rep < 2 ? 0xfffffffffffffull : 0x8000000000000ull)));
            ref_init(&ref);
            ref_add_product(&ref, x, y);
            cr_exact p = {0};
            cr_exact_add_product(&p, x, y);
            char what[64];
            snprintf(what, sizeof what, "product shifted by %d", s);
            CHECK_BITS(what, cr_exact_round(&p), want_bits(ref_round(&ref)));
        }
    /* Many products past the carries, against the sum of the exact doubles. */
    cr_exact a = {0}, b = {0};
    for (int i = 0; i < 100000; i++) {
        const double x = (double)(i % 11), y = (double)(i % 37) * 0.5;
        cr_exact_add_product(&a, x, y);
        cr_exact_add(&b, x * y); /* exact: small integers and halves */
    }
    CHECK_BITS("training products", cr_exact_round(&a), bits_of(cr_exact_round(&b)));
    /* Rounding to the 2^-1074 grid, ties to even. */
    const double tiny = 0x1p-1074;
    struct {
        double x, y;
        uint64_t want;
    } g[] = {
        {tiny, 0.5, 0},                    /* 1/2 unit: to 0 (even) */
        {tiny, 0.75, 1},                   /* 3/4: 1 */
        {3 * tiny, 0.5, 2},                /* 3/2: 2 */
        {5 * tiny, 0.5, 2},                /* 5/2: 2 */
        {5 * tiny, -0.5, bits_of(-2 * tiny)}, /* -5/2: -2 */
        {7 * tiny, 0.5, 4},                /* 7/2: 4 */
        {tiny, 0x1p-60, 0},                /* far below */
        {0x1p-600, 0x1p-600, 0},
        {0x1p-537, 0x1p-537, 1},           /* exactly one unit */
        {0x1.8p-537, 0x1p-538, 1},         /* 3/4 */
        {0x1p-1022, 0x1.8p-52, 2},         /* 1.5 units: 2 */
        {0x1p-1022, 0x1.4p-51, 2},         /* 2.5 units: 2 */
        {DBL_MAX, 1.0, bits_of(DBL_MAX)},
        {0x1p1023, 2.0, 0x7ff0000000000000ull},   /* 2^1024: inf */
        {-0x1p1000, 0x1p100, 0xfff0000000000000ull},
        {0x1p1000, 0x1p-100, bits_of(0x1p900)},
        {INFINITY, 0.0, CANONICAL_NAN},
        {-0.0, INFINITY, CANONICAL_NAN},
        {INFINITY, -2.0, 0xfff0000000000000ull},
        {-3.0, -INFINITY, 0x7ff0000000000000ull},
        {0.0, DBL_MAX, 0},
        {DBL_MAX, -0.0, 0},
        {NAN, 1.0, CANONICAL_NAN},
        {-0.0, 5.0, 0},
    };
    for (size_t i = 0; i < sizeof g / sizeof *g; i++) {
        cr_exact x = {0}, y = {0};
        cr_exact_add_product(&x, g[i].x, g[i].y);
        cr_exact_add_product(&y, g[i].y, g[i].x);
        char what[64];
        snprintf(what, sizeof what, "product %zu: %a * %a", i, g[i].x, g[i].y);
        CHECK_BITS(what, cr_exact_round(&x), g[i].want);
        CHECK_BITS(what, cr_exact_round(&y), g[i].want);
    }
    /* The product is exact where the double one rounds: (1 + 2^-52)^2. */
    cr_exact p = {0};
    const double o = 1.0 + 0x1p-52;
    cr_exact_add_product(&p, o, o);
    cr_exact_add(&p, -(o * o));
    CHECK_BITS("(1+2^-52)^2 - fl((1+2^-52)^2)", cr_exact_round(&p), bits_of(0x1p-104));
    printf("products: %d generated sums\n", cases);
}

/* Cases for tests/quality/exact_reference.py. */
static int dump(void)
{
    rng r = {6};
    static double v[3000], w[3000];
    for (int kind = 0; kind < G_COUNT; kind++)
        for (int rep = 0; rep < 20; rep++) {
            const size_t n = rep == 0 ? 3000 : 1 + below(&r, 300);
            generate(kind, &r, v, n);
            cr_exact a = {0};
            sum_into(&a, v, n);
            printf("S %zu\n", n);
            for (size_t i = 0; i < n; i++) printf("%016" PRIx64 "\n", bits_of(v[i]));
            printf("= %016" PRIx64 "\n", bits_of(cr_exact_round(&a)));
        }
    for (int rep = 0; rep < 200; rep++) {
        const size_t n = 1 + below(&r, 50);
        for (size_t i = 0; i < n; i++) {
            const int mode = rep % 4;
            v[i] = mode == 0 ? rbits(&r) : mode == 1 ? rexp(&r, 1, 300) : mode == 2 ? rexp(&r, 1500, 2046) : rexp(&r, 700, 1300);
            w[i] = mode == 0 ? rbits(&r) : mode == 1 ? rexp(&r, 0, 1000) : mode == 2 ? rexp(&r, 1000, 1100) : rexp(&r, 700, 1300);
        }
        cr_exact a = {0};
        for (size_t i = 0; i < n; i++) cr_exact_add_product(&a, v[i], w[i]);
        printf("P %zu\n", n);
        for (size_t i = 0; i < n; i++) printf("%016" PRIx64 " %016" PRIx64 "\n", bits_of(v[i]), bits_of(w[i]));
        printf("= %016" PRIx64 "\n", bits_of(cr_exact_round(&a)));
    }
    return 0;
}

/* ---- the fit's sums: its fast path (SIMD lanes, binned levels) against one row at a time ----
 * Random problems with every kind of feature the fit meets (counts, flags,
 * reals from 1e-300 to 1e150, zeros of both signs, subnormals), points from
 * zero to logits past exp()'s range, NaN and infinite points, class weights,
 * rows of weight 1 (the fast path) and others (a batch falls back), and
 * counts around the batch size: every sum saved byte for byte alike. */
static double feature(rng *r, int kind)
{
    switch (kind) {
    case 0: return (double)below(r, 9);                          /* a small count */
    case 1: return (double)below(r, 2);                          /* a flag */
    case 2: return dbl_of(next(r) >> 12 | 0x3ff0000000000000ull) - 1.0;   /* [0, 1) */
    case 3: return below(r, 50) ? (double)below(r, 40) : 0.0;    /* a count, mostly nonzero */
    case 4: return rexp(r, 1023 - 30, 1023 + 30);                /* either sign, 2^+-30 */
    case 5: {                                                    /* the extremes now and then */
        const uint64_t k = below(r, 8);
        return k == 0 ? -0.0 : k == 1 ? dbl_of(below(r, 1000)) : k == 2 ? 1e150 : k == 3 ? -1e-300
             : rexp(r, 1023 - 200, 1023 + 200) * 1e-100;
    }
    default: return (double)below(r, 3) - 1.0;
    }
}

static void test_fit_sums(void)
{
    rng r = {2024};
    static const size_t sizes[] = {255, 256, 257, 600, 1024, 3000};
    enum { MAXN = 3000, MAXD = 12 };
    static double x[MAXN * MAXD], w[MAXN];
    static uint8_t y[MAXN];
    int cases = 0;
    for (int rep = 0; rep < 120; rep++) {
        const size_t n = sizes[rep % 6], d = 1 + below(&r, rep % 5 == 0 ? MAXD : 8);
        int kind[MAXD];
        for (size_t j = 0; j < d; j++) kind[j] = (int)below(&r, rep % 3 == 0 ? 7 : 5);
        const int weights = rep % 4 == 1;   /* some rows weigh other than 1 */
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < d; j++) x[i * d + j] = feature(&r, kind[j]);
            y[i] = (uint8_t)below(&r, 2);
            w[i] = weights && below(&r, 700) == 0 ? (double)below(&r, 4) * 0.5 : 1.0;
        }
        const double cws[][2] = {{1, 1}, {0.3, 2.7}, {1e-3, 1e3}, {1, 1e-300}};
        const double *cw = cws[rep % 4];
        for (int point = 0; point < 6; point++) {
            double theta[MAXD + 1];
            const double scale = point == 0 ? 0 : point == 1 ? 1e-3 : point == 2 ? 1 : point == 3 ? 30 : 1e4;
            for (size_t j = 0; j <= d; j++) theta[j] = scale * (dbl_of(next(&r) >> 12 | 0x3ff0000000000000ull) - 1.5);
            if (point == 5) theta[below(&r, d + 1)] = rep % 2 ? NAN : -INFINITY;
            /* Flag features (0 or 1 throughout): the grouped path too. */
            unsigned flags = 0;
            for (size_t j = 0; j < d; j++)
                if (kind[j] == 1) flags |= 1u << j;
            for (int intercept = 0; intercept < 2; intercept++) {
                const int got = cr_fit_sums_agree(x, y, w, n, d, intercept, cw, theta, intercept ? flags : 0);
                cases++;
                if (got != 1) {
                    printf("FAIL fit sums: rep %d (n %zu, d %zu), point %d, intercept %d: %d\n", rep, n, d, point,
                           intercept, got);
                    failures++;
                }
            }
        }
    }
    /* The seed-like and five-field rows the benchmarks train on, near their optimum. */
    for (int five = 0; five < 2; five++) {
        const size_t n = 3000, d = five ? 5 : 3;
        for (size_t i = 0; i < n; i++) {
            x[i * d + 0] = (double)below(&r, 9);
            x[i * d + 1] = (double)below(&r, 2);
            x[i * d + 2] = (double)below(&r, 32);
            if (five) x[i * d + 3] = feature(&r, 2), x[i * d + 4] = (double)below(&r, 2);
            y[i] = (uint8_t)below(&r, 2);
            w[i] = 1;
        }
        const double theta[6] = {0.598, 0.827, 0.244, five ? -1.65 : -3.4, -0.66, -3.51};
        const double cw[2] = {1, 1};
        CHECK(cr_fit_sums_agree(x, y, w, n, d, 1, cw, theta, 0) == 1);
        CHECK(cr_fit_sums_agree(x, y, w, n, d, 1, cw, theta, five ? 0x12u : 0x2u) == 1);
        CHECK(cr_fit_sums_agree(x, y, w, n, d, 0, cw, theta, five ? 0x10u : 0x2u) == 1);
        cases++;
    }
    CHECK(cases > 1000);
    /* Its exp and log1p, two lanes at a time, against crmath's. */
    CHECK(cr_fit_math_disagree(7, 2000000) == 0);
}

/* ---- the evidence's paths for rows that all weigh 1 ----
 * cr_train() on rows of weight 1 (the metrics and the drift reference from
 * sorted keys alone, counts for weights) against the same rows and one
 * more of weight 0, which adds nothing to any sum but takes the general
 * paths: the same reference, score reference and metrics, bit for bit
 * (all but the row count). Features with ties, -0, one value, few values,
 * counts past 2^16, reals; seed-like rows that merge, and distinct ones. */
static int same_bits(const void *a, const void *b, size_t n) { return memcmp(a, b, n) == 0; }

static void test_unit_evidence(void)
{
    rng r = {77};
    static const cr_field_spec fields[] = {
        {"a", CR_FIELD_COUNT}, {"b", CR_FIELD_BOOL}, {"c", CR_FIELD_REAL}, {"d", CR_FIELD_COUNT}, {"e", CR_FIELD_REAL}};
    static const cr_feature_spec features[] = {{"a", "a", 0}, {"no_b", "b", 1}, {"c", "c", 0}, {"d", "d", 0}, {"e", "e", 0}};
    cr_schema *s = NULL;
    cr_error e;
    CHECK(cr_schema_create(fields, 5, features, 5, &s, &e) == CR_OK);
    enum { N = 3000 };
    static double f[(N + 1) * 5];
    static uint8_t y[N + 1];
    static double w[N + 1];
    for (int rep = 0; rep < 12; rep++) {
        const size_t n = rep % 3 == 0 ? 300 : rep % 3 == 1 ? 1500 : N;
        for (size_t i = 0; i < n; i++) {
            double *row = f + 5 * i;
            row[0] = rep % 4 == 0 ? (double)below(&r, 5) : (double)below(&r, rep % 4 == 1 ? 100000 : 40);
            row[1] = (double)below(&r, 2);
            row[2] = rep % 4 == 2 ? (below(&r, 3) ? 0.5 : -0.0) : (double)(int64_t)(next(&r) >> 20) * 0x1p-40 - 1.0;
            row[3] = rep % 4 == 3 ? 7 : (double)below(&r, 12);
            row[4] = below(&r, 10) ? (double)below(&r, 7) * 0.25 : -0.0;
            y[i] = (uint8_t)(below(&r, 1000) < 300 + 60 * row[0] / (1 + row[0]) + 200 * row[1]);
            w[i] = 1.0;
        }
        /* The extra row: weight 0, the first row's values. */
        memcpy(f + 5 * n, f, 5 * sizeof *f);
        y[n] = y[0];
        w[n] = 0.0;
        cr_model *m[2] = {NULL, NULL};
        for (int k = 0; k < 2; k++) {
            cr_dataset *ds = NULL;
            CHECK(cr_dataset_create(s, &ds, &e) == CR_OK);
            CHECK(cr_dataset_add_rows(ds, f, y, w, n + (size_t)k, &e) == CR_OK);
            CHECK(cr_train(ds, NULL, &m[k], &e) == CR_OK);
            cr_dataset_free(ds);
        }
        if (!m[0] || !m[1]) {
            failures++;
            continue;
        }
        const cr_evidence *a = &m[0]->ev, *b = &m[1]->ev;
        CHECK(same_bits(m[0]->coef, m[1]->coef, sizeof m[0]->coef));
        CHECK(same_bits(a->reference, b->reference, sizeof a->reference));
        CHECK(same_bits(&a->score_reference, &b->score_reference, sizeof a->score_reference));
        cr_metrics ma = a->train, mb = b->train;
        CHECK(ma.n + 1 == mb.n);
        ma.n = mb.n;
        CHECK(same_bits(&ma, &mb, sizeof ma));
        cr_model_free(m[0]);
        cr_model_free(m[1]);
    }
    cr_schema_free(s);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--dump") == 0) return dump();
    test_edges();
    test_save_load();
    test_reference();
    test_order();
    test_products();
    test_large();
    test_fit_sums();
    test_unit_evidence();
    if (failures) {
        printf("%d failures\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
