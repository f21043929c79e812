/* score_batch.c - scoring many rows: validated block by block, several rows
 * at a time in vector lanes (score_lanes.h), bit-identical to cr_score(). */
#include "internal.h"
#include "cpu.h"
#include "crmath.h"

#include <string.h>
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#define CR_SCORE_BLOCK 1024

static const uint8_t SEED_TYPES[3] = {CR_FIELD_COUNT, CR_FIELD_BOOL, CR_FIELD_COUNT};

/* The seed's schema (count, bool, count; features v0, 1 - v1, v2) gets
   kernels with its types and formulas as constants. */
static int seed_shape(const cr_schema *s)
{
    return s->n_fields == 3 && s->n_features == 3 && memcmp(s->field_type, SEED_TYPES, 3) == 0 &&
           s->feature_field[0] == 0 && s->feature_field[1] == 1 && s->feature_field[2] == 2 &&
           !s->feature_invert[0] && s->feature_invert[1] && !s->feature_invert[2];
}

typedef struct {
    double intercept, coef[CR_MAX_FEATURES];
    double cal_a, cal_b;   /* the calibration: 1 and 0 for none, which change no bit */
    size_t src[CR_MAX_FEATURES];
    uint8_t invert[CR_MAX_FEATURES];   /* feature j is 1 - field, as cr_schema_features() has it */
    uint8_t type[CR_MAX_FIELDS];
} linear;

static void linear_init(const cr_model *m, linear *lin)
{
    const cr_schema *s = &m->schema;
    lin->intercept = m->intercept;
    const int cal = m->ev.calibration == CR_CALIBRATION_SIGMOID;
    lin->cal_a = cal ? m->ev.cal_a : 1.0;
    lin->cal_b = cal ? m->ev.cal_b : 0.0;
    for (size_t j = 0; j < s->n_features; j++) {
        lin->coef[j] = m->coef[j];
        lin->src[j] = s->feature_field[j];
        lin->invert[j] = s->feature_invert[j];
    }
    for (size_t f = 0; f < s->n_fields; f++) lin->type[f] = s->field_type[f];
}

/* z - z is 0 exactly for finite z: NaN and infinities give NaN. */
static inline int finite(double z) { return z - z == 0; }

static inline void put(const cr_model *m, size_t i, double p, int32_t *scores, double *probabilities,
                       uint8_t *levels)
{
    const int sc = cr_score_of(p);
    if (scores) scores[i] = sc;
    if (probabilities) probabilities[i] = p;
    if (levels) levels[i] = (uint8_t)cr_level_of(m, sc);
}

static cr_status nonfinite_row(size_t i, cr_error *err)
{
    cr_fail(err, CR_E_NONFINITE, "logit", "score: the logit of row %zu is not a finite number", i + 1);
    if (err) err->line = (long)(i + 1);
    return CR_E_NONFINITE;
}

/* The first invalid row of [i0, i1), with its row as err->line: the rows a
   kernel's check left over, or a block that failed it (out of line: rare). */
static __attribute__((noinline)) cr_status first_bad_row(const cr_schema *s, const double *fields, size_t i0, size_t i1, cr_error *err)
{
    for (size_t i = i0; i < i1; i++) {
        cr_status st = cr_schema_check_row(s, fields + i * s->n_fields, err);
        if (st != CR_OK) {
            if (err) err->line = (long)(i + 1);
            return st;
        }
    }
    return CR_OK;
}

/* The rare and leftover cases, out of line: one copy for every kernel. */

/* Rows [i, i1) one by one, as cr_score() scores them. */
static __attribute__((noinline)) size_t score_rows_scalar(const cr_model *m, const linear *lin, const double *fields,
                                                          size_t i, size_t i1, size_t nf, size_t d, int32_t *scores,
                                                          double *probabilities, uint8_t *levels)
{
    for (; i < i1; i++) {
        double z = lin->intercept;
        for (size_t j = 0; j < d; j++) {
            const double v = fields[i * nf + lin->src[j]];
            z += lin->coef[j] * (lin->invert[j] ? 1.0 - v : v);
        }
        if (!finite(z)) return i;
        put(m, i, cr_probability(m, z), scores, probabilities, levels);
    }
    return (size_t)-1;
}

/* Lanes where some calibrated |z| >= 708 or is not finite, as cr_score()
   has them: the lane of the first non-finite logit, or every p by the
   scalar sigmoid of the calibrated z = a logit + b. A finite logit's image
   may overflow (|a| up to CR_REAL_MAX): sigmoid(+-inf) is 1 or 0, as
   cr_probability() gives it. */
static __attribute__((noinline)) size_t sigmoid_lanes_slow(const double *logit, const double *z, double *p,
                                                           int lanes)
{
    for (int k = 0; k < lanes; k++)
        if (!finite(logit[k])) return (size_t)k;
    for (int k = 0; k < lanes; k++) p[k] = cr_sigmoid(z[k]);
    return (size_t)-1;
}

/* log_loss's term of a group key (cr_probability_key()): [1 - p, p]
   clipped to [eps, 1 - eps] and renormalised, as scikit-learn 1.2 has it. */
static double log_loss_term(uint64_t key)
{
    const double p = cr_double(key >> 1);
    double q1 = p, q0 = 1.0 - p;
    q1 = q1 < CR_LOG_LOSS_EPS ? CR_LOG_LOSS_EPS : q1 > 1 - CR_LOG_LOSS_EPS ? 1 - CR_LOG_LOSS_EPS : q1;
    q0 = q0 < CR_LOG_LOSS_EPS ? CR_LOG_LOSS_EPS : q0 > 1 - CR_LOG_LOSS_EPS ? 1 - CR_LOG_LOSS_EPS : q0;
    return -cr_log((key & 1 ? q1 : q0) / (q0 + q1));
}

#define CR_CAT_(a, b) a##b
#define CR_CAT(a, b) CR_CAT_(a, b)

/* Two lanes: SSE2 natively, simd128 in wasm, scalar code elsewhere. */
#define LANES 2
#define LANE(name) CR_CAT(name, _2)
#include "score_lanes.h"
#undef LANES
#undef LANE

/* Four lanes where the CPU has AVX2, eight where it has AVX-512 (F and VL),
   chosen at run time; no fma, so the same bits. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(CR_NO_AVX2)
#define CR_HAVE_WIDE_KERNELS 1
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2")
#endif
#define LANES 4
#define LANE(name) CR_CAT(name, _4)
#include "score_lanes.h"
#undef LANES
#undef LANE
#if defined(__clang__)
#pragma clang attribute pop
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl"))), apply_to = function)
#else
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl")
#endif
#define LANES 8
#define LANE(name) CR_CAT(name, _8)
#include "score_lanes.h"
#undef LANES
#undef LANE
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

/* The kernel width for `lanes` (0: the widest this CPU runs), or 0 where
   that width is not built or this CPU does not run it. */
static int width_of(int lanes)
{
#ifdef CR_HAVE_WIDE_KERNELS
    const int wide = cr_cpu_wide();
    if ((lanes == 8 && wide >= 2) || (lanes == 0 && wide == 2)) return 8;
    if ((lanes == 4 && wide >= 1) || (lanes == 0 && wide == 1)) return 4;
#endif
    return lanes == 0 || lanes == 2 ? 2 : 0;
}

/* The kernel of a width: 0 for the widest this CPU runs; 2, 4 and 8 (where
   built and the CPU runs them) for tests, which check that every width
   gives the same bits. */
cr_status cr_score_batch_lanes(int lanes, const cr_model *m, const double *fields, size_t n, int32_t *scores,
                               double *probabilities, uint8_t *levels, cr_error *err)
{
    if (!m || (!fields && n > 0)) return cr_fail(err, CR_E_ARG, NULL, "model or fields is NULL");
    switch (width_of(lanes)) {
#ifdef CR_HAVE_WIDE_KERNELS
    case 8: return score_batch_8(m, fields, n, scores, probabilities, levels, err);
    case 4: return score_batch_4(m, fields, n, scores, probabilities, levels, err);
#endif
    case 2: return score_batch_2(m, fields, n, scores, probabilities, levels, err);
    default: return cr_fail(err, CR_E_ARG, "lanes", "no batch kernel of %d lanes here", lanes);
    }
}

int cr_feature_probabilities(int lanes, const cr_model *m, const double *x, size_t n, double *p)
{
    const size_t d = m->schema.n_features;
    switch (width_of(lanes)) {
#ifdef CR_HAVE_WIDE_KERNELS
    case 8: feature_probabilities_8(m, x, n, d, p); return 1;
    case 4: feature_probabilities_4(m, x, n, d, p); return 1;
#endif
    case 2: feature_probabilities_2(m, x, n, d, p); return 1;
    default: return 0;
    }
}

int cr_log_loss_terms(int lanes, const uint64_t *key, size_t n, double *l)
{
    switch (width_of(lanes)) {
#ifdef CR_HAVE_WIDE_KERNELS
    case 8: log_loss_terms_8(key, n, l); return 1;
    case 4: log_loss_terms_4(key, n, l); return 1;
#endif
    case 2: log_loss_terms_2(key, n, l); return 1;
    default: return 0;
    }
}

cr_status cr_score_batch(const cr_model *m, const double *fields, size_t n, int32_t *scores,
                         double *probabilities, uint8_t *levels, cr_error *err)
{
    return cr_score_batch_lanes(0, m, fields, n, scores, probabilities, levels, err);
}
