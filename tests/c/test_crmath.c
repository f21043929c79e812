/* test_crmath.c - special values, golden bit patterns and accuracy sweeps for
 * cr_exp / cr_log1p / cr_log.
 *
 * The sweep compares against the platform libm evaluated in long double
 * (x86-64: 64-bit significand, i.e. 11 bits more than double), measures the
 * error in ulps of the double result and fails if any error exceeds 1 ulp.
 * Where long double is no wider than double, it falls back to the double
 * libm functions and allows results to differ from them by at most 1 ulp.
 *
 * Returns 0 on success, 1 on failure (printing what failed).
 */
#include "crmath.h"

#include "bits.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if LDBL_MANT_DIG >= 64
#define HAVE_WIDE_REF 1
#else
#define HAVE_WIDE_REF 0
#endif

static int failures;


static void check_bits(const char *what, double got, uint64_t want)
{
    if (bits_of(got) != want) {
        printf("FAIL %s: got %.17g (0x%016" PRIx64 "), want %.17g (0x%016" PRIx64 ")\n",
               what, got, bits_of(got), dbl_of(want), want);
        failures++;
    }
}

/* ------------------------------------------------------- special values */

#define NAN_BITS UINT64_C(0x7ff8000000000000)
#define PINF_BITS UINT64_C(0x7ff0000000000000)
#define NINF_BITS UINT64_C(0xfff0000000000000)
#define PZERO_BITS UINT64_C(0x0000000000000000)
#define NZERO_BITS UINT64_C(0x8000000000000000)
#define ONE_BITS UINT64_C(0x3ff0000000000000)

static void test_special(void)
{
    const double pinf = dbl_of(PINF_BITS), ninf = dbl_of(NINF_BITS);
    const double qnan = dbl_of(NAN_BITS), nnan = dbl_of(UINT64_C(0xfff8000000000001));
    const double snan = dbl_of(UINT64_C(0x7ff0000000000001));
    const double dmin_sub = dbl_of(1), dmax = DBL_MAX;

    /* exp */
    check_bits("exp(+0)", cr_exp(0.0), ONE_BITS);
    check_bits("exp(-0)", cr_exp(-0.0), ONE_BITS);
    check_bits("exp(min subnormal)", cr_exp(dmin_sub), ONE_BITS);
    check_bits("exp(-min subnormal)", cr_exp(-dmin_sub), ONE_BITS);
    check_bits("exp(1e-300)", cr_exp(1e-300), ONE_BITS);
    check_bits("exp(-1e-300)", cr_exp(-1e-300), ONE_BITS);
    check_bits("exp(2^-54)", cr_exp(0x1p-54), ONE_BITS);
    check_bits("exp(2^-52)", cr_exp(0x1p-52), UINT64_C(0x3ff0000000000001));
    check_bits("exp(-2^-54)", cr_exp(-0x1p-54), ONE_BITS);
    check_bits("exp(-2^-53)", cr_exp(-0x1p-53), UINT64_C(0x3fefffffffffffff));
    check_bits("exp(NaN)", cr_exp(qnan), NAN_BITS);
    check_bits("exp(-NaN payload)", cr_exp(nnan), NAN_BITS);
    check_bits("exp(sNaN)", cr_exp(snan), NAN_BITS);
    check_bits("exp(+inf)", cr_exp(pinf), PINF_BITS);
    check_bits("exp(-inf)", cr_exp(ninf), PZERO_BITS);
    check_bits("exp(DBL_MAX)", cr_exp(dmax), PINF_BITS);
    check_bits("exp(-DBL_MAX)", cr_exp(-dmax), PZERO_BITS);
    /* overflow threshold: 709.782712893384 is the largest finite-result x */
    check_bits("exp(709.782712893384)", cr_exp(709.782712893384),
               UINT64_C(0x7fefffffffffff2a));
    check_bits("exp(next above 709.782712893384)",
               cr_exp(dbl_of(bits_of(709.782712893384) + 1)), PINF_BITS);
    check_bits("exp(710)", cr_exp(710.0), PINF_BITS);
    check_bits("exp(1000)", cr_exp(1000.0), PINF_BITS);
    /* underflow: subnormal results, then +0 */
    check_bits("exp(-708.4)", cr_exp(-708.4), UINT64_C(0x000ff15b469edf89));
    check_bits("exp(-740)", cr_exp(-740.0), UINT64_C(0x0000000000000055));
    check_bits("exp(-745)", cr_exp(-745.0), UINT64_C(0x0000000000000001));
    check_bits("exp(-745.1332191019411)", cr_exp(-745.1332191019411),
               UINT64_C(0x0000000000000001));
    check_bits("exp(next below -745.1332191019411)",
               cr_exp(dbl_of(bits_of(-745.1332191019411) + 1)), PZERO_BITS);
    check_bits("exp(-745.14)", cr_exp(-745.14), PZERO_BITS);
    check_bits("exp(-1000)", cr_exp(-1000.0), PZERO_BITS);
    check_bits("exp(ln2 exact double)", cr_exp(0x1.62e42fefa39efp-1),
               UINT64_C(0x4000000000000000));
    check_bits("exp(-708)", cr_exp(-708.0), UINT64_C(0x0017c8ab2288c9ab));
    check_bits("exp(708)", cr_exp(708.0), UINT64_C(0x7fc586f6bf260cf1));

    /* log1p */
    check_bits("log1p(+0)", cr_log1p(0.0), PZERO_BITS);
    check_bits("log1p(-0)", cr_log1p(-0.0), NZERO_BITS);
    check_bits("log1p(min subnormal)", cr_log1p(dmin_sub), 1);
    check_bits("log1p(-min subnormal)", cr_log1p(-dmin_sub), UINT64_C(0x8000000000000001));
    check_bits("log1p(1e-300)", cr_log1p(1e-300), bits_of(1e-300));
    check_bits("log1p(-1e-300)", cr_log1p(-1e-300), bits_of(-1e-300));
    check_bits("log1p(2^-60)", cr_log1p(0x1p-60), bits_of(0x1p-60));
    check_bits("log1p(-1)", cr_log1p(-1.0), NINF_BITS);
    check_bits("log1p(-1 - ulp)", cr_log1p(dbl_of(bits_of(-1.0) + 1)), NAN_BITS);
    check_bits("log1p(-2)", cr_log1p(-2.0), NAN_BITS);
    check_bits("log1p(-inf)", cr_log1p(ninf), NAN_BITS);
    check_bits("log1p(+inf)", cr_log1p(pinf), PINF_BITS);
    check_bits("log1p(NaN)", cr_log1p(qnan), NAN_BITS);
    check_bits("log1p(-NaN payload)", cr_log1p(nnan), NAN_BITS);
    check_bits("log1p(sNaN)", cr_log1p(snan), NAN_BITS);
    check_bits("log1p(-1 + 2^-53)", cr_log1p(-1.0 + 0x1p-53),
               UINT64_C(0xc0425e4f7b2737fa));
    check_bits("log1p(DBL_MAX)", cr_log1p(dmax), UINT64_C(0x40862e42fefa39ef));
    check_bits("log1p(1)", cr_log1p(1.0), UINT64_C(0x3fe62e42fefa39ef));

    /* log */
    check_bits("log(1)", cr_log(1.0), PZERO_BITS);
    check_bits("log(+0)", cr_log(0.0), NINF_BITS);
    check_bits("log(-0)", cr_log(-0.0), NINF_BITS);
    check_bits("log(-1)", cr_log(-1.0), NAN_BITS);
    check_bits("log(-min subnormal)", cr_log(-dmin_sub), NAN_BITS);
    check_bits("log(-inf)", cr_log(ninf), NAN_BITS);
    check_bits("log(+inf)", cr_log(pinf), PINF_BITS);
    check_bits("log(NaN)", cr_log(qnan), NAN_BITS);
    check_bits("log(-NaN payload)", cr_log(nnan), NAN_BITS);
    check_bits("log(sNaN)", cr_log(snan), NAN_BITS);
    check_bits("log(2)", cr_log(2.0), UINT64_C(0x3fe62e42fefa39ef));
    check_bits("log(0.5)", cr_log(0.5), UINT64_C(0xbfe62e42fefa39ef));
    check_bits("log(min subnormal)", cr_log(dmin_sub), UINT64_C(0xc0874385446d71c3));
    check_bits("log(DBL_MIN)", cr_log(DBL_MIN), UINT64_C(0xc086232bdd7abcd2));
    check_bits("log(DBL_MAX)", cr_log(dmax), UINT64_C(0x40862e42fefa39ef));
    check_bits("log(1 + 2^-52)", cr_log(1.0 + 0x1p-52), UINT64_C(0x3cafffffffffffff));
    check_bits("log(1 - 2^-53)", cr_log(1.0 - 0x1p-53), UINT64_C(0xbca0000000000000));
}

/* --------------------------------------------------------------- golden */

/* Golden outputs of this implementation, checked against correctly rounded
 * values computed with 400-bit arithmetic (all are correctly rounded except
 * where noted). A change to any of them must be
 * deliberate: it changes scores and model ids. */
static void test_golden(void)
{
    check_bits("golden exp(1)", cr_exp(1.0), UINT64_C(0x4005bf0a8b145769));
    check_bits("golden exp(-2.5)", cr_exp(-2.5), UINT64_C(0x3fb50385c094f425));
    check_bits("golden exp(0.5)", cr_exp(0.5), UINT64_C(0x3ffa61298e1e069c));
    check_bits("golden exp(-1)", cr_exp(-1.0), UINT64_C(0x3fd78b56362cef38));
    check_bits("golden exp(10)", cr_exp(10.0), UINT64_C(0x40d5829dcf950560));
    check_bits("golden exp(-20.75)", cr_exp(-20.75), UINT64_C(0x3e10ba06b3d9c887));
    check_bits("golden exp(0.1)", cr_exp(0.1), UINT64_C(0x3ff1aec7b35a00d4));
    check_bits("golden exp(123.456)", cr_exp(123.456), UINT64_C(0x4b11428e1cbc0143));
    check_bits("golden exp(2)", cr_exp(2.0), UINT64_C(0x401d8e64b8d4ddae));
    check_bits("golden exp(20)", cr_exp(20.0), UINT64_C(0x41bceb088b68e804));
    check_bits("golden exp(-30.5)", cr_exp(-30.5), UINT64_C(0x3d2ff3864232b407));
    check_bits("golden exp(-0.693147)", cr_exp(-0.693147), UINT64_C(0x3fe000003077fc70));
    check_bits("golden log1p(0.25)", cr_log1p(0.25), UINT64_C(0x3fcc8ff7c79a9a22));
    check_bits("golden log1p(-0.25)", cr_log1p(-0.25), UINT64_C(0xbfd269621134db92));
    check_bits("golden log1p(1e-10)", cr_log1p(1e-10), UINT64_C(0x3ddb7cdfd9d1d693));
    check_bits("golden log1p(0.5)", cr_log1p(0.5), UINT64_C(0x3fd9f323ecbf984c));
    check_bits("golden log1p(3)", cr_log1p(3.0), UINT64_C(0x3ff62e42fefa39ef));
    check_bits("golden log1p(-0.75)", cr_log1p(-0.75), UINT64_C(0xbff62e42fefa39ef));
    check_bits("golden log1p(1e300)", cr_log1p(1e300), UINT64_C(0x4085963447f87fb5));
    check_bits("golden log1p(7)", cr_log1p(7.0), UINT64_C(0x4000a2b23f3bab73));
    check_bits("golden log1p(1e-5)", cr_log1p(1e-5), UINT64_C(0x3ee4f8aea9ae7317));
    check_bits("golden log1p(0.41421)", cr_log1p(0.41421), UINT64_C(0x3fd62e386e3de810));
    check_bits("golden log1p(2^53+2)", cr_log1p(0x1p53 + 2.0), UINT64_C(0x40425e4f7b2737fa));
    check_bits("golden log(10)", cr_log(10.0), UINT64_C(0x40026bb1bbb55516));
    /* faithful, not correctly rounded: the correctly rounded log(3) is
     * 0x3ff193ea7aad030b, one ulp above (fdlibm's log gives the same). */
    check_bits("golden log(3)", cr_log(3.0), UINT64_C(0x3ff193ea7aad030a));
    check_bits("golden log(0.1)", cr_log(0.1), UINT64_C(0xc0026bb1bbb55515));
    check_bits("golden log(1e-300)", cr_log(1e-300), UINT64_C(0xc085963447f87fb5));
    check_bits("golden log(0.7)", cr_log(0.7), UINT64_C(0xbfd6d3c324e13f50));
    check_bits("golden log(1.5)", cr_log(1.5), UINT64_C(0x3fd9f323ecbf984c));
    check_bits("golden log(12345.678)", cr_log(12345.678), UINT64_C(0x4022d79559791e31));
}

/* ---------------------------------------------------------------- sweep */

static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

static uint64_t rng(void) /* splitmix64 */
{
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* uniform in [a, b] */
static double uni(double a, double b)
{
    double u = (double)(rng() >> 11) * 0x1p-53;
    return a + (b - a) * u;
}

/* log-uniform in [lo, hi], 0 <= lo < hi (uniform over bit patterns) */
static double logu(double lo, double hi)
{
    uint64_t a = bits_of(lo), b = bits_of(hi);
    return dbl_of(a + rng() % (b - a + 1));
}

static double sgn(double x)
{
    return (rng() & 1) ? -x : x;
}

enum fn { F_EXP, F_LOG1P, F_LOG };
static const char *const fn_name[] = {"exp", "log1p", "log"};

typedef struct {
    long n;
    double max_ulp;
    double worst_x;
    long not_cr;      /* results that are not the correctly rounded value */
    long vs_libm;     /* results differing from the double libm function */
    int printed;
} stats;

static double call_cr(enum fn f, double x)
{
    switch (f) {
    case F_EXP: return cr_exp(x);
    case F_LOG1P: return cr_log1p(x);
    default: return cr_log(x);
    }
}

static double call_libm(enum fn f, double x)
{
    switch (f) {
    case F_EXP: return exp(x);
    case F_LOG1P: return log1p(x);
    default: return log(x);
    }
}

#if HAVE_WIDE_REF
typedef long double ref_t;
static ref_t call_ref(enum fn f, double x)
{
    switch (f) {
    case F_EXP: return expl((long double)x);
    case F_LOG1P: return log1pl((long double)x);
    default: return logl((long double)x);
    }
}
#define REF_ABS fabsl
#define REF_FREXP frexpl
#define REF_LDEXP ldexpl
#else
typedef double ref_t;
static ref_t call_ref(enum fn f, double x)
{
    return call_libm(f, x);
}
#define REF_ABS fabs
#define REF_FREXP frexp
#define REF_LDEXP ldexp
#endif

/* |got - ref| in ulps of the double nearest to ref. */
static double ulp_error(double got, ref_t ref)
{
    ref_t a = REF_ABS(ref);
    ref_t ulp;
    if (a < (ref_t)DBL_MIN) {
        ulp = (ref_t)0x1p-1074;
    } else {
        int e;
        (void)REF_FREXP(a, &e); /* a in [2^(e-1), 2^e) */
        ulp = REF_LDEXP((ref_t)1, e - 53);
    }
    return (double)(REF_ABS((ref_t)got - ref) / ulp);
}

static void sweep_one(enum fn f, double x, stats *st)
{
    double got = call_cr(f, x);
    ref_t ref = call_ref(f, x);
    double cr = (double)ref;
    double lib = call_libm(f, x);
    st->n++;
    if (bits_of(got) != bits_of(lib))
        st->vs_libm++;
    if (isnan(cr) || isinf(cr) || isnan(got) || isinf(got)) {
        if (bits_of(got) != bits_of(cr) && !(isnan(got) && isnan(cr))) {
            if (st->printed++ < 10)
                printf("FAIL %s(%.17g = 0x%016" PRIx64 "): got %.17g, want %.17g\n",
                       fn_name[f], x, bits_of(x), got, cr);
            failures++;
        }
        return;
    }
    if (bits_of(got) != bits_of(cr))
        st->not_cr++;
    double e = ulp_error(got, ref);
    if (e > st->max_ulp) {
        st->max_ulp = e;
        st->worst_x = x;
    }
    if (e > 1.0) {
        if (st->printed++ < 10)
            printf("FAIL %s(%.17g = 0x%016" PRIx64 "): got %.17g (0x%016" PRIx64
                   "), ref %.21Lg, error %.4f ulp\n",
                   fn_name[f], x, bits_of(x), got, bits_of(got), (long double)ref, e);
        failures++;
    }
}

static void report(enum fn f, const stats *st)
{
    printf("%-5s: %8ld inputs, max error %.4f ulp at x=%.17g, %ld not correctly "
           "rounded, %ld differ from libm %s\n",
           fn_name[f], st->n, st->max_ulp, st->worst_x, st->not_cr, st->vs_libm,
           fn_name[f]);
}

static long sweep_exp(void)
{
    stats st = {0};
    const double ln2 = 0x1.62e42fefa39efp-1;
    long i;
    for (i = 0; i < 700000; i++) sweep_one(F_EXP, uni(-745.2, 709.9), &st);
    for (i = 0; i < 300000; i++) sweep_one(F_EXP, uni(-1.0, 1.0), &st);
    for (i = 0; i < 100000; i++) sweep_one(F_EXP, uni(-1e-3, 1e-3), &st);
    /* tiny magnitudes, subnormal .. 1, both signs (1e-300 style values) */
    for (i = 0; i < 250000; i++) sweep_one(F_EXP, sgn(logu(dbl_of(1), 1.0)), &st);
    /* subnormal and near-subnormal results */
    for (i = 0; i < 250000; i++) sweep_one(F_EXP, uni(-745.14, -708.3), &st);
    /* near overflow */
    for (i = 0; i < 100000; i++) sweep_one(F_EXP, uni(700.0, 709.79), &st);
    /* around the reduction boundaries x = (k + 1/2) ln2 */
    for (i = 0; i < 100000; i++) {
        double k = (double)((long)(rng() % 2149) - 1075);
        sweep_one(F_EXP, (k + 0.5) * ln2 + uni(-1e-9, 1e-9), &st);
    }
    report(F_EXP, &st);
    return st.n;
}

static long sweep_log1p(void)
{
    stats st = {0};
    long i;
    for (i = 0; i < 400000; i++) sweep_one(F_LOG1P, uni(-1.0, 1.0), &st);
    /* 1 + x close to 0 */
    for (i = 0; i < 200000; i++) sweep_one(F_LOG1P, logu(0x1p-53, 0.75) - 1.0, &st);
    /* positive, up to 1e300 */
    for (i = 0; i < 400000; i++) sweep_one(F_LOG1P, logu(0x1p-60, 1e300), &st);
    for (i = 0; i < 100000; i++) sweep_one(F_LOG1P, uni(1.0, 100.0), &st);
    /* tiny, both signs */
    for (i = 0; i < 200000; i++) sweep_one(F_LOG1P, sgn(logu(dbl_of(1), 1e-2)), &st);
    /* reduction boundaries: 1+x near sqrt(2)/2, sqrt(2), 2, 2^53 */
    for (i = 0; i < 50000; i++) sweep_one(F_LOG1P, uni(-0.29290, -0.29288), &st);
    for (i = 0; i < 50000; i++) sweep_one(F_LOG1P, uni(0.41420, 0.41422), &st);
    for (i = 0; i < 50000; i++) sweep_one(F_LOG1P, uni(1.0 - 1e-6, 1.0 + 1e-6), &st);
    for (i = 0; i < 50000; i++) sweep_one(F_LOG1P, uni(0x1p53 - 1e5, 0x1p53 + 1e5), &st);
    report(F_LOG1P, &st);
    return st.n;
}

static long sweep_log(void)
{
    stats st = {0};
    long i;
    for (i = 0; i < 600000; i++) sweep_one(F_LOG, logu(dbl_of(1), DBL_MAX), &st);
    for (i = 0; i < 100000; i++) sweep_one(F_LOG, logu(dbl_of(1), DBL_MIN), &st);
    for (i = 0; i < 300000; i++) sweep_one(F_LOG, uni(0.5, 2.0), &st);
    for (i = 0; i < 100000; i++) sweep_one(F_LOG, 1.0 + sgn(logu(0x1p-53, 1e-2)), &st);
    for (i = 0; i < 50000; i++) sweep_one(F_LOG, uni(0.70710, 0.70712), &st);
    for (i = 0; i < 50000; i++) sweep_one(F_LOG, uni(1.41420, 1.41422), &st);
    report(F_LOG, &st);
    return st.n;
}

int main(void)
{
    long total;
    test_special();
    test_golden();
    printf("reference: %s\n", HAVE_WIDE_REF ? "long double libm (64-bit significand or wider)"
                                            : "double libm (differences <= 1 ulp allowed)");
    total = sweep_exp();
    total += sweep_log1p();
    total += sweep_log();
    printf("%ld sweep inputs\n", total);
    if (failures) {
        printf("test_crmath: %d FAILURES\n", failures);
        return 1;
    }
    printf("test_crmath: OK\n");
    return 0;
}
