/* model.c - the model object: what a model may hold, and its accessors. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
