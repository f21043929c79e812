/* score.c - scoring one row: logit, probability, score, band, reasons. */
#include "internal.h"
#include "crmath.h"

/* z - z is 0 exactly for finite z. */
static int finite(double v) { return v - v == 0; }

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
    out->probability = cr_probability(m, logit);   /* calibrated, for a model that is */
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
