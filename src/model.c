/* model.c - the model object: identity, accessors, scoring and reasons. */
#include "internal.h"
#include "crmath.h"
#include "sha256.h"


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

cr_status cr_model_validate(const cr_model *m, cr_error *err)
{
    const size_t d = m->schema.n_features;
    if (!finite(m->intercept))
        return cr_fail(err, CR_E_NONFINITE, "intercept", "model 'intercept': not a finite number");
    for (size_t j = 0; j < d; j++) {
        const char *name = m->schema.feature_name[j];
        if (!finite(m->coef[j]))
            return cr_fail(err, CR_E_NONFINITE, name, "model coefficient of '%s': not a finite number", name);
        if (!finite(m->baseline[j]))
            return cr_fail(err, CR_E_NONFINITE, name, "model baseline of '%s': not a finite number", name);
        if (m->sign[j] > CR_SIGN_NONPOS)
            return cr_fail(err, CR_E_RANGE, name, "model sign of '%s': unknown value %d", name, m->sign[j]);
    }
    if (m->band_medium < 0 || m->band_high < m->band_medium || m->band_high > 101)
        return cr_fail(err, CR_E_RANGE, "bands", "model 'bands': need 0 <= medium <= high <= 101, got "
                       "medium %d, high %d", m->band_medium, m->band_high);
    const cr_training_info *in = &m->info;
    if (!finite(in->C) || !finite(in->weight_sum) || !finite(in->tol) || !finite(in->class_weight[0]) ||
        !finite(in->class_weight[1]) || !finite(m->stats.objective) || !finite(m->stats.grad_norm))
        return cr_fail(err, CR_E_NONFINITE, "training", "model 'training': metadata holds a non-finite number");
    if ((unsigned)in->class_weight_mode > CR_CLASS_WEIGHT_EXPLICIT || (unsigned)in->fit_intercept > 1 ||
        (unsigned)m->stats.converged > 1)
        return cr_fail(err, CR_E_RANGE, "training", "model 'training': unknown option value");
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
    if (medium < 0 || high < medium || high > 101)
        return cr_fail(err, CR_E_RANGE, "bands", "option 'bands': need 0 <= medium <= high <= 101, got "
                       "medium %d, high %d", medium, high);
    cr_model *c = malloc(sizeof *c);
    if (!c) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory allocating model");
    memcpy(c, m, sizeof *c);
    c->band_high = high;
    c->band_medium = medium;
    cr_status st = cr_model_finish(c, err);
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
    out->logit = logit_of(m, x);
    out->base_logit = logit_of(m, m->baseline);
    out->probability = cr_sigmoid(out->logit);
    out->score = cr_score_of(out->probability);
    out->risk_level = cr_level_of(m, out->score);
    if (!reasons) return CR_OK;

    /* Insertion sort: d <= 64 and stable, so ties keep feature order. */
    for (size_t j = 0; j < d; j++) {
        cr_reason r = {(uint32_t)j, m->coef[j] * (x[j] - m->baseline[j])};
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
