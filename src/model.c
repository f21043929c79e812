/* model.c - the model object: identity, accessors, scoring and reasons. */
#include "internal.h"
#include "crmath.h"
#include "sha256.h"


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cr_status cr_model_finish(cr_model *m, cr_error *err)
{
    size_t size = 0;
    cr_model_save(m, NULL, 0, &size, NULL);
    uint8_t *buf = malloc(size);
    if (!buf) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory serialising model");
    cr_status st = cr_model_save(m, buf, size, &size, err);
    if (st == CR_OK) {
        cr_sha256_ctx h;
        uint8_t d[32];
        cr_sha256_init(&h);
        cr_sha256_update(&h, buf, size);
        cr_sha256_final(&h, d);
        cr_sha256_hex(d, m->id);
    }
    free(buf);
    return st;
}

static int finite(double v) { return v - v == 0; }

void cr_model_drop_negative_zeros(cr_model *m)
{
    /* x + 0.0 is x, except that -0 + 0 is +0 (round to nearest). */
    m->intercept += 0.0;
    for (size_t j = 0; j < m->schema.n_features; j++) {
        m->coef[j] += 0.0;
        m->baseline[j] += 0.0;
    }
    m->info.weight_sum += 0.0;
    m->info.C += 0.0;
    m->info.tol += 0.0;
    m->info.class_weight[0] += 0.0;
    m->info.class_weight[1] += 0.0;
    m->stats.objective += 0.0;
    m->stats.grad_norm += 0.0;
}

cr_status cr_bands_check(int high, int medium, const char *what, cr_error *err)
{
    if (medium < CR_BAND_MIN || high < medium || high > CR_BAND_MAX)
        return cr_fail(err, CR_E_RANGE, "bands", "%s 'bands': need integers %d <= medium <= high <= %d, got "
                       "medium %d, high %d", what, CR_BAND_MIN, CR_BAND_MAX, medium, high);
    return CR_OK;
}

/* A model number: finite, and within CR_REAL_MAX so that scoring stays finite. */
static cr_status check_number(double v, const char *field, const char *what, cr_error *err)
{
    if (!finite(v)) return cr_fail(err, CR_E_NONFINITE, field, "model %s: not a finite number", what);
    if (v > CR_REAL_MAX || v < -CR_REAL_MAX)
        return cr_fail(err, CR_E_RANGE, field, "model %s: %.17g is beyond +-1e150, so some inputs could not "
                       "score to a finite number", what, v);
    return CR_OK;
}

cr_status cr_model_validate(const cr_model *m, cr_error *err)
{
    const size_t d = m->schema.n_features;
    char what[CR_MAX_NAME + 32];
    cr_status st = check_number(m->intercept, "intercept", "'intercept'", err);
    for (size_t j = 0; j < d && st == CR_OK; j++) {
        const char *name = m->schema.feature_name[j];
        snprintf(what, sizeof what, "coefficient of '%s'", name);
        st = check_number(m->coef[j], name, what, err);
        if (st != CR_OK) break;
        snprintf(what, sizeof what, "baseline of '%s'", name);
        st = check_number(m->baseline[j], name, what, err);
        if (st == CR_OK && m->sign[j] > CR_SIGN_NONPOS)
            st = cr_fail(err, CR_E_RANGE, name, "model sign of '%s': unknown value %d", name, m->sign[j]);
    }
    if (st == CR_OK) st = cr_bands_check(m->band_high, m->band_medium, "model", err);
    if (st != CR_OK) return st;
    const cr_training_info *in = &m->info;
    if (!finite(in->C) || !finite(in->weight_sum) || !finite(in->tol) || !finite(in->class_weight[0]) ||
        !finite(in->class_weight[1]) || !finite(m->stats.objective) || !finite(m->stats.grad_norm))
        return cr_fail(err, CR_E_NONFINITE, "training", "model 'training': metadata holds a non-finite number");
    if ((unsigned)in->class_weight_mode > CR_CLASS_WEIGHT_EXPLICIT || (unsigned)in->fit_intercept > 1 ||
        (unsigned)m->stats.converged > 1)
        return cr_fail(err, CR_E_RANGE, "training", "model 'training': unknown option value");
    /* As cr_train() allows and does: no iteration count can wrap negative. */
    if (in->max_iter < 1 || in->max_iter > 1000000 || m->stats.iterations < 0 || m->stats.iterations > in->max_iter)
        return cr_fail(err, CR_E_RANGE, "max_iter", "model 'training': need 1 <= max_iter <= 1000000 and 0 <= "
                       "iterations <= max_iter, got %d and %d", in->max_iter, m->stats.iterations);
    if (!in->fit_intercept && m->intercept != 0)
        return cr_fail(err, CR_E_RANGE, "intercept", "model 'intercept': must be 0 without fit_intercept");
    return CR_OK;
}

void cr_model_free(cr_model *m) { free(m); }

const cr_schema *cr_model_schema(const cr_model *m) { return m ? &m->schema : NULL; }
const char *cr_model_id(const cr_model *m) { return m ? m->id : NULL; }
double cr_model_intercept(const cr_model *m) { return m ? m->intercept : 0.0; }

double cr_model_coef(const cr_model *m, size_t j)
{
    return m && j < m->schema.n_features ? m->coef[j] : 0.0;
}

double cr_model_baseline(const cr_model *m, size_t j)
{
    return m && j < m->schema.n_features ? m->baseline[j] : 0.0;
}

cr_sign cr_model_sign(const cr_model *m, size_t j)
{
    return m && j < m->schema.n_features ? (cr_sign)m->sign[j] : CR_SIGN_FREE;
}

void cr_model_bands(const cr_model *m, int *high, int *medium)
{
    if (high) *high = m ? m->band_high : 0;
    if (medium) *medium = m ? m->band_medium : 0;
}

void cr_model_stats(const cr_model *m, cr_train_stats *out)
{
    if (m && out) *out = m->stats;
}

void cr_model_training_info(const cr_model *m, cr_training_info *out)
{
    if (m && out) *out = m->info;
}

cr_status cr_model_with_bands(const cr_model *m, int high, int medium, cr_model **out, cr_error *err)
{
    if (!m || !out) return cr_fail(err, CR_E_ARG, NULL, "model or out is NULL");
    *out = NULL;
    cr_status st = cr_bands_check(high, medium, "option", err);
    if (st != CR_OK) return st;
    cr_model *c = malloc(sizeof *c);
    if (!c) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory allocating model");
    memcpy(c, m, sizeof *c);
    c->band_high = high;
    c->band_medium = medium;
    st = cr_model_finish(c, err);
    if (st != CR_OK) {
        free(c);
        return st;
    }
    *out = c;
    return CR_OK;
}

const char *cr_risk_level_str(cr_risk_level r)
{
    switch (r) {
    case CR_RISK_LOW: return "LOW";
    case CR_RISK_MEDIUM: return "MEDIUM";
    case CR_RISK_HIGH: return "HIGH";
    }
    return "?";
}

static double logit_of(const cr_model *m, const double *x)
{
    double z = m->intercept;
    for (size_t j = 0; j < m->schema.n_features; j++) z += m->coef[j] * x[j];
    return z;
}

cr_status cr_score(const cr_model *m, const double *fields, cr_score_result *out, cr_reason *reasons,
                   size_t reasons_cap, cr_error *err)
{
    if (!m || !fields || !out) return cr_fail(err, CR_E_ARG, NULL, "model, fields or out is NULL");
    const size_t d = m->schema.n_features;
    if (reasons && reasons_cap < d)
        return cr_fail(err, CR_E_BUFFER, NULL, "reasons buffer holds %zu, model has %zu features",
                       reasons_cap, d);
    cr_status st = cr_schema_check_row(&m->schema, fields, err);
    if (st != CR_OK) return st;

    double x[CR_MAX_FEATURES];
    cr_schema_features(&m->schema, fields, x);
    /* Finite by construction (CR_REAL_MAX); checked anyway, because a
       non-finite number here would reach stores and audits as a result. */
    const double logit = logit_of(m, x), base_logit = logit_of(m, m->baseline);
    if (!finite(logit) || !finite(base_logit))
        return cr_fail(err, CR_E_NONFINITE, "logit", "score: the %s is not a finite number",
                       finite(logit) ? "base logit" : "logit");
    for (size_t j = 0; reasons && j < d; j++)
        if (!finite(m->coef[j] * (x[j] - m->baseline[j])))
            return cr_fail(err, CR_E_NONFINITE, m->schema.feature_name[j],
                           "score: the contribution of '%s' is not a finite number", m->schema.feature_name[j]);
    out->logit = logit;
    out->base_logit = base_logit;
    out->probability = cr_sigmoid(logit);
    out->score = cr_score_of(out->probability);
    out->risk_level = cr_level_of(m, out->score);
    if (!reasons) return CR_OK;

    /* Insertion sort: d <= 64 and stable, so ties keep feature order. */
    for (size_t j = 0; j < d; j++) {
        /* + 0.0: a negative coefficient at the baseline gives -0, which JSON
           hosts store as 0; a stored record must replay to the same bits. */
        cr_reason r = {(uint32_t)j, m->coef[j] * (x[j] - m->baseline[j]) + 0.0};
        double a = r.contribution < 0 ? -r.contribution : r.contribution;
        size_t k = j;
        while (k > 0) {
            double b = reasons[k - 1].contribution;
            if ((b < 0 ? -b : b) >= a) break;
            reasons[k] = reasons[k - 1];
            k--;
        }
        reasons[k] = r;
    }
    return CR_OK;
}

cr_status cr_model_create_default(cr_model **out, cr_error *err)
{
    static const double rows[5][3] = {{0, 0, 1}, {1, 1, 2}, {2, 1, 3}, {3, 1, 5}, {4, 1, 7}};
    static const int labels[5] = {0, 0, 1, 1, 1};
    if (!out) return cr_fail(err, CR_E_ARG, NULL, "out is NULL");
    *out = NULL;
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    cr_status st = cr_schema_create_default(&s, err);
    if (st == CR_OK) st = cr_dataset_create(s, &ds, err);
    for (int i = 0; i < 5 && st == CR_OK; i++) st = cr_dataset_add(ds, rows[i], labels[i], 1.0, err);
    if (st == CR_OK) st = cr_train(ds, NULL, out, err);
    cr_dataset_free(ds);
    cr_schema_free(s);
    return st;
}
