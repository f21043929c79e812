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
            case CR_FIELD_REAL: ok &= v - v == zero; break;
            }
        }
    int all = (int)(ok[0] & ok[1] & 1);
    for (; i < i1; i++) all &= cr_schema_check_row(s, fields + i * NF, NULL) == CR_OK;
    return all;
}

static const uint8_t SEED_TYPES[3] = {CR_FIELD_COUNT, CR_FIELD_BOOL, CR_FIELD_COUNT};

typedef struct {
    double intercept, coef[CR_MAX_FEATURES], off[CR_MAX_FEATURES], mul[CR_MAX_FEATURES];
    size_t src[CR_MAX_FEATURES];
} linear;

/* Feature j is off_j + mul_j * field: exact for v and for 1 - v, so the
   logit below is the one cr_score() computes. */
static void linear_init(const cr_model *m, linear *lin)
{
    const cr_schema *s = &m->schema;
    lin->intercept = m->intercept;
    for (size_t j = 0; j < s->n_features; j++) {
        lin->coef[j] = m->coef[j];
        lin->src[j] = s->feature_field[j];
        lin->off[j] = s->feature_invert[j] ? 1.0 : 0.0;
        lin->mul[j] = s->feature_invert[j] ? -1.0 : 1.0;
    }
}

static inline void put(const cr_model *m, size_t i, double p, int32_t *scores, double *probabilities,
                       uint8_t *levels)
{
    const int sc = cr_score_of(p);
    if (scores) scores[i] = sc;
    if (probabilities) probabilities[i] = p;
    if (levels) levels[i] = (uint8_t)cr_level_of(m, sc);
}

/* Inlined with constant NF and D for the seed's schema. */
static inline __attribute__((always_inline)) void score_rows(const cr_model *m, const linear *lin,
                                                             const double *fields, size_t i0, size_t i1,
                                                             const size_t NF, const size_t D, int32_t *scores,
                                                             double *probabilities, uint8_t *levels)
{
    size_t i = i0;
    for (; i + 1 < i1; i += 2) {
        cr_v2d z = {lin->intercept, lin->intercept};
        for (size_t j = 0; j < D; j++)
            z = z + lin->coef[j] * (lin->off[j] + lin->mul[j] * column2(fields, NF, i, lin->src[j]));
        int fast;
        const cr_v2d p = cr_sigmoid_v2(z, &fast);
        put(m, i, fast ? p[0] : cr_sigmoid(z[0]), scores, probabilities, levels);
        put(m, i + 1, fast ? p[1] : cr_sigmoid(z[1]), scores, probabilities, levels);
    }
    for (; i < i1; i++) {
        double z = lin->intercept;
        for (size_t j = 0; j < D; j++) z += lin->coef[j] * (lin->off[j] + lin->mul[j] * fields[i * NF + lin->src[j]]);
        put(m, i, cr_sigmoid(z), scores, probabilities, levels);
    }
}

cr_status cr_score_batch(const cr_model *m, const double *fields, size_t n, int32_t *scores,
                         double *probabilities, uint8_t *levels, cr_error *err)
{
    if (!m || (!fields && n > 0)) return cr_fail(err, CR_E_ARG, NULL, "model or fields is NULL");
    const cr_schema *s = &m->schema;
    const size_t nf = s->n_fields, d = s->n_features;
    linear lin;
    linear_init(m, &lin);
    const int seed_shape = nf == 3 && d == 3 && memcmp(s->field_type, SEED_TYPES, 3) == 0;
    /* Each block is validated and then scored while it is in cache; a bad
       row stops the batch before its block is written. */
    for (size_t i0 = 0; i0 < n; i0 += CR_SCORE_BLOCK) {
        const size_t i1 = i0 + CR_SCORE_BLOCK < n ? i0 + CR_SCORE_BLOCK : n;
        const int valid = seed_shape ? block_valid(s, SEED_TYPES, 3, fields, i0, i1)
                                     : block_valid(s, s->field_type, nf, fields, i0, i1);
        if (!valid) {
            for (size_t i = i0; i < i1; i++) {
                cr_status st = cr_schema_check_row(s, fields + i * nf, err);
                if (st != CR_OK) {
                    if (err) err->line = (long)(i + 1);
                    return st;
                }
            }
        }
        if (seed_shape) score_rows(m, &lin, fields, i0, i1, 3, 3, scores, probabilities, levels);
        else score_rows(m, &lin, fields, i0, i1, nf, d, scores, probabilities, levels);
    }
    return CR_OK;
}
