/* score_batch.c - scoring many rows: validated block by block, two rows at a
 * time in vector lanes, bit-identical to cr_score(). */
#include "internal.h"
#include "crmath.h"

#include <string.h>

#define CR_SCORE_BLOCK 1024

/* Lanes for field f of rows i and i + 1 (nf fields per row). */
static inline cr_v2d column2(const double *fields, size_t nf, size_t i, size_t f)
{
    return (cr_v2d){fields[i * nf + f], fields[(i + 1) * nf + f]};
}

/* Whole numbers in [0, 2^53]: below 2^52, adding and removing 2^52 drops any
   fraction; from 2^52 on every double is whole. NaN fails every compare. */
static inline cr_v2i count_ok(cr_v2d v)
{
    return (v >= 0.0) & (v <= 0x1p53) & ((v >= 0x1p52) | ((v + 0x1p52) - 0x1p52 == v));
}

/* Rows [i0, i1) all pass cr_schema_check_row(); no branch on the values.
   Inlined with the seed's field types as constants, so the switch folds. */
static inline __attribute__((always_inline)) int block_valid(const cr_schema *s, const uint8_t *types,
                                                             const size_t NF, const double *fields, size_t i0,
                                                             size_t i1)
{
    const cr_v2d zero = {0.0, 0.0}, one = {1.0, 1.0};
    cr_v2i ok = {-1, -1};
    size_t i = i0;
    for (; i + 1 < i1; i += 2)
        for (size_t f = 0; f < NF; f++) {
            const cr_v2d v = column2(fields, NF, i, f);
            switch ((cr_field_type)types[f]) {
            case CR_FIELD_COUNT: ok &= count_ok(v); break;
            case CR_FIELD_BOOL: ok &= (v == zero) | (v == one); break;
            case CR_FIELD_REAL: ok &= (v >= -CR_REAL_MAX) & (v <= CR_REAL_MAX); break;   /* NaN fails both */
            }
        }
    int all = (int)(ok[0] & ok[1] & 1);
    for (; i < i1; i++) all &= cr_schema_check_row(s, fields + i * NF, NULL) == CR_OK;
    return all;
}

/* The same check for any schema, without a branch: each value takes every
   type's test and keeps the one of its field's type (masks made once per
   batch), so rows are read in order, two at a time. */
typedef struct {
    cr_v2i count, boolean, real;
} type_masks;

static void masks_init(const cr_schema *s, type_masks *tm)
{
    for (size_t f = 0; f < s->n_fields; f++) {
        const int64_t t = s->field_type[f];
        tm[f].count = (cr_v2i){-(int64_t)(t == CR_FIELD_COUNT), -(int64_t)(t == CR_FIELD_COUNT)};
        tm[f].boolean = (cr_v2i){-(int64_t)(t == CR_FIELD_BOOL), -(int64_t)(t == CR_FIELD_BOOL)};
        tm[f].real = (cr_v2i){-(int64_t)(t == CR_FIELD_REAL), -(int64_t)(t == CR_FIELD_REAL)};
    }
}

static inline __attribute__((always_inline)) int rows_valid(const cr_schema *s, const type_masks *tm,
                                                            const size_t NF, const double *fields, size_t i0,
                                                            size_t i1)
{
    const cr_v2d zero = {0.0, 0.0}, one = {1.0, 1.0};
    cr_v2i ok = {-1, -1};
    size_t i = i0;
    for (; i + 1 < i1; i += 2)
        for (size_t f = 0; f < NF; f++) {
            const cr_v2d v = column2(fields, NF, i, f);
            ok &= (count_ok(v) & tm[f].count) | (((v == zero) | (v == one)) & tm[f].boolean) |
                  ((v >= -CR_REAL_MAX) & (v <= CR_REAL_MAX) & tm[f].real);   /* NaN fails every test */
        }
    int all = (int)(ok[0] & ok[1] & 1);
    for (; i < i1; i++) all &= cr_schema_check_row(s, fields + i * NF, NULL) == CR_OK;
    return all;
}

static const uint8_t SEED_TYPES[3] = {CR_FIELD_COUNT, CR_FIELD_BOOL, CR_FIELD_COUNT};

typedef struct {
    double intercept, coef[CR_MAX_FEATURES], off[CR_MAX_FEATURES], mul[CR_MAX_FEATURES];
    double cal_a, cal_b;   /* the calibration: 1 and 0 for none, which change no bit */
    size_t src[CR_MAX_FEATURES];
} linear;

/* Feature j is off_j + mul_j * field: exact for v and for 1 - v, so the
   logit below is the one cr_score() computes. */
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
        lin->off[j] = s->feature_invert[j] ? 1.0 : 0.0;
        lin->mul[j] = s->feature_invert[j] ? -1.0 : 1.0;
    }
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

/* Inlined with constants for the seed's schema (SEED: its exact feature
   formulas, no generic off/mul terms). Returns n, or the first row whose
   logit is not finite: impossible for a valid model (CR_REAL_MAX), checked
   only on the rare slow path, so it costs nothing. */
static inline __attribute__((always_inline)) size_t score_rows(const cr_model *m, const linear *lin,
                                                             const double *fields, size_t i0, size_t i1,
                                                             const size_t NF, const size_t D, const int SEED,
                                                             int32_t *scores, double *probabilities,
                                                             uint8_t *levels)
{
    /* Locals, not lin's fields: the outputs are doubles too, so the compiler
       would reload lin after every store; copies stay in registers. */
    double c[CR_MAX_FEATURES], off[CR_MAX_FEATURES], mul[CR_MAX_FEATURES];
    size_t src[CR_MAX_FEATURES];
    for (size_t j = 0; j < D; j++) {
        c[j] = lin->coef[j];
        off[j] = lin->off[j];
        mul[j] = lin->mul[j];
        src[j] = lin->src[j];
    }
    const double b = lin->intercept, ca = lin->cal_a, cb = lin->cal_b;
    size_t i = i0;
    for (; i + 1 < i1; i += 2) {
        cr_v2d z = {b, b};
        if (SEED)   /* features v0, 1 - v1, v2: what cr_schema_features() computes */
            z = ((z + c[0] * column2(fields, 3, i, 0)) + c[1] * (1.0 - column2(fields, 3, i, 1))) +
                c[2] * column2(fields, 3, i, 2);
        else
            for (size_t j = 0; j < D; j++) z = z + c[j] * (off[j] + mul[j] * column2(fields, NF, i, src[j]));
        /* cr_probability(): sigmoid(a z + b), exact for a = 1, b = 0; finite
           when z is (|a| <= CR_CALIBRATION_A_MAX), so checked on the slow path only. */
        z = ca * z + cb;
        int fast;
        cr_v2d p = cr_sigmoid_v2(z, &fast);
        if (!fast) {
            if (!finite(z[0]) || !finite(z[1])) return finite(z[0]) ? i + 1 : i;
            p = (cr_v2d){cr_sigmoid(z[0]), cr_sigmoid(z[1])};
        }
        const cr_v2d p100 = p * 100.0;
        const int32_t s0 = (int32_t)p100[0], s1 = (int32_t)p100[1];
        if (scores) {
            scores[i] = s0;
            scores[i + 1] = s1;
        }
        if (probabilities) memcpy(probabilities + i, &p, sizeof p);
        if (levels) {
            levels[i] = (uint8_t)cr_level_of(m, s0);
            levels[i + 1] = (uint8_t)cr_level_of(m, s1);
        }
    }
    for (; i < i1; i++) {
        double z = lin->intercept;
        for (size_t j = 0; j < D; j++) z += lin->coef[j] * (lin->off[j] + lin->mul[j] * fields[i * NF + lin->src[j]]);
        if (!finite(z)) return i;
        put(m, i, cr_probability(m, z), scores, probabilities, levels);
    }
    return (size_t)-1;
}

static cr_status nonfinite_row(size_t i, cr_error *err)
{
    cr_fail(err, CR_E_NONFINITE, "logit", "score: the logit of row %zu is not a finite number", i + 1);
    if (err) err->line = (long)(i + 1);
    return CR_E_NONFINITE;
}

/* The first invalid row of a block that failed block_valid(). */
static cr_status first_bad_row(const cr_schema *s, const double *fields, size_t i0, size_t i1, cr_error *err)
{
    for (size_t i = i0; i < i1; i++) {
        cr_status st = cr_schema_check_row(s, fields + i * s->n_fields, err);
        if (st != CR_OK) {
            if (err) err->line = (long)(i + 1);
            return st;
        }
    }
    return CR_OK;   /* unreachable: block_valid() uses the same rules */
}

cr_status cr_score_batch(const cr_model *m, const double *fields, size_t n, int32_t *scores,
                         double *probabilities, uint8_t *levels, cr_error *err)
{
    if (!m || (!fields && n > 0)) return cr_fail(err, CR_E_ARG, NULL, "model or fields is NULL");
    const cr_schema *s = &m->schema;
    const size_t nf = s->n_fields, d = s->n_features;
    linear lin;
    linear_init(m, &lin);
    type_masks tm[CR_MAX_FIELDS];
    masks_init(s, tm);
    const int seed_shape = nf == 3 && d == 3 && memcmp(s->field_type, SEED_TYPES, 3) == 0 &&
                           s->feature_field[0] == 0 && s->feature_field[1] == 1 && s->feature_field[2] == 2 &&
                           !s->feature_invert[0] && s->feature_invert[1] && !s->feature_invert[2];
    /* Each block is validated and then scored while it is in cache; a bad
       row stops the batch before its block is written. */
    for (size_t i0 = 0; i0 < n; i0 += CR_SCORE_BLOCK) {
        const size_t i1 = i0 + CR_SCORE_BLOCK < n ? i0 + CR_SCORE_BLOCK : n;
        if (seed_shape) {
            if (!block_valid(s, SEED_TYPES, 3, fields, i0, i1)) return first_bad_row(s, fields, i0, i1, err);
            const size_t bad = score_rows(m, &lin, fields, i0, i1, 3, 3, 1, scores, probabilities, levels);
            if (bad != (size_t)-1) return nonfinite_row(bad, err);
            continue;
        }
        /* One field per feature is the usual shape: unrolled up to 8. */
        size_t bad;
#define SHAPE(N)                                                                                 \
        case N:                                                                                  \
            if (!rows_valid(s, tm, N, fields, i0, i1))                                           \
                return first_bad_row(s, fields, i0, i1, err);                                    \
            bad = score_rows(m, &lin, fields, i0, i1, N, N, 0, scores, probabilities, levels);   \
            break;
        switch (nf == d ? nf : 0) {
            SHAPE(1) SHAPE(2) SHAPE(3) SHAPE(4) SHAPE(5) SHAPE(6) SHAPE(7) SHAPE(8)
        default:
            if (!rows_valid(s, tm, nf, fields, i0, i1)) return first_bad_row(s, fields, i0, i1, err);
            bad = score_rows(m, &lin, fields, i0, i1, nf, d, 0, scores, probabilities, levels);
        }
#undef SHAPE
        if (bad != (size_t)-1) return nonfinite_row(bad, err);
    }
    return CR_OK;
}
