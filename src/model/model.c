/* model.c - the model object: what a model may hold, and its accessors. */
#include "internal.h"
#include "crmath.h"

#include <stdlib.h>
#include <string.h>

static int finite(double v) { return v - v == 0; }

/* The one NaN the canonical forms hold (the evidence's empty bins, AUC of
   one class): positive, quiet, no payload. x86 computes 0.0 / 0.0 as the
   negative one; JSON's null carries no bits at all. */
double cr_nan(void)
{
    const uint64_t u = 0x7ff8000000000000u;
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

static void canonical(double *v)
{
    if (*v != *v) *v = cr_nan();
    else *v += 0.0;
}

static void canonical_metrics(cr_metrics *mt)
{
    /* A model stores no ROC grid (not in its bytes, JSON or card): a model
       trained and the same loaded back hold the same metrics. */
    cr_metrics_drop_roc(mt);
    double *scalars[] = {&mt->weight_sum, &mt->base_rate, &mt->log_loss, &mt->brier, &mt->auc, &mt->gini, &mt->ks};
    for (size_t k = 0; k < sizeof scalars / sizeof *scalars; k++) canonical(scalars[k]);
    for (int b = 0; b < CR_CALIBRATION_BINS; b++) {
        cr_calibration_bin *c = &mt->calibration[b];
        canonical(&c->lo), canonical(&c->hi), canonical(&c->weight);
        canonical(&c->mean_predicted), canonical(&c->observed_rate);
    }
    for (int l = 0; l < 3; l++) {
        cr_band_stats *bs = &mt->bands[l];
        canonical(&bs->weight), canonical(&bs->share), canonical(&bs->observed_rate), canonical(&bs->mean_predicted);
    }
}

static void canonical_bins(cr_bins *b)
{
    for (int k = 0; k < CR_DRIFT_BINS - 1; k++) canonical(&b->cut[k]);
    for (int k = 0; k < CR_DRIFT_BINS; k++) canonical(&b->share[k]);
}

void cr_model_drop_negative_zeros(cr_model *m)
{
    /* x + 0.0 is x, except that -0 + 0 is +0 (round to nearest). The
       evidence's NaNs become the canonical one too. */
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
    if (!m->ev.present) return;
    cr_evidence *ev = &m->ev;
    canonical_metrics(&ev->train);
    canonical_metrics(&ev->holdout);
    canonical(&ev->holdout_fraction);
    canonical(&ev->cal_a);
    canonical(&ev->cal_b);
    for (size_t j = 0; j < m->schema.n_features; j++) canonical_bins(&ev->reference[j]);
    canonical_bins(&ev->score_reference);
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

/* ---- the evidence (model format 2) ----
   Every number is finite, except NaN (JSON null) in exactly these places:
   auc, gini and ks (one class has no weight), and observed_rate and
   mean_predicted of a calibration bin or a band whose weight is 0. Each
   number within what its definition allows: weights >= 0; shares, rates,
   probabilities, auc, ks and the Brier score in [0, 1]; gini in [-1, 1];
   log_loss >= 0; a score cut in [0, 100]; shares that add up to 1 (see
   shares_sum_to_one()). */

/* `what` names the number in messages ("train calibration[3]"), `key` is
   its JSON key (the error's field). */
static cr_status ev_finite(double v, int nan_ok, const char *what, const char *key, cr_error *err)
{
    if (finite(v) || (nan_ok && v != v)) return CR_OK;
    if (v != v)
        return cr_fail(err, CR_E_NONFINITE, key, "model evidence: %s '%s' is NaN (null), allowed only in auc, gini, "
                       "ks and the rates of an empty bin or band", what, key);
    return cr_fail(err, CR_E_NONFINITE, key, "model evidence: %s '%s' is not a finite number", what, key);
}

static cr_status ev_weight(double v, const char *what, const char *key, cr_error *err)
{
    cr_status st = ev_finite(v, 0, what, key, err);
    if (st == CR_OK && v < 0)
        st = cr_fail(err, CR_E_RANGE, key, "model evidence: %s '%s' is %.17g, a weight must be >= 0", what, key, v);
    return st;
}

static cr_status ev_share(double v, const char *what, const char *key, cr_error *err)
{
    cr_status st = ev_finite(v, 0, what, key, err);
    if (st == CR_OK && !(v >= 0 && v <= 1))
        st = cr_fail(err, CR_E_RANGE, key, "model evidence: %s '%s' is %.17g, a share must be in [0, 1]", what, key, v);
    return st;
}

/* A number in [lo, hi] (NaN where nan_ok allows it). */
static cr_status ev_within(double v, double lo, double hi, int nan_ok, const char *what, const char *key,
                           cr_error *err)
{
    cr_status st = ev_finite(v, nan_ok, what, key, err);
    if (st == CR_OK && v == v && !(v >= lo && v <= hi))
        st = cr_fail(err, CR_E_RANGE, key, "model evidence: %s '%s' is %.17g, need %g to %g", what, key, v, lo, hi);
    return st;
}

/* Shares are the bins' weights over the total, each cr_exact_round(bin) /
   cr_exact_round(total) (evidence.c, shard_evidence.c, evaluate.c), or a
   count over the row count: three roundings at most, each of relative error
   <= u = 2^-53, so share k is its exact part p_k times (1 + d_k), |d_k| <=
   3u + 4u^2, and the exact parts add up to 1. Their exact sum is within
   3.0000001u < 4u = 2^-51 of 1 (subnormal shares would add < 10 * 2^-1074
   more). Summed exactly here, so no rounding of the check's own counts. */
static cr_status shares_sum_to_one(const double *share, int n, const char *what, const char *key, cr_error *err)
{
    cr_exact s = {0};
    for (int k = 0; k < n; k++) cr_exact_add(&s, share[k]);
    cr_exact_add(&s, -1.0);
    const double off = cr_exact_round(&s);
    if (!(off >= -0x1p-51 && off <= 0x1p-51))
        return cr_fail(err, CR_E_RANGE, key, "model evidence: %s '%s' add up to 1 %s %.17g, need 1 within 2^-51",
                       what, key, off < 0 ? "-" : "+", off < 0 ? -off : off);
    return CR_OK;
}

static cr_status check_metrics(const cr_metrics *mt, const char *which, cr_error *err)
{
    if (mt->n < 1 || mt->n > CR_ROWS_MAX)
        return cr_fail(err, CR_E_RANGE, "n", "model evidence: %s 'n' is %llu rows, need 1 to 2^53", which,
                       (unsigned long long)mt->n);
    cr_status st = ev_weight(mt->weight_sum, which, "weight_sum", err);
    const struct { const char *key; double v, lo, hi; int nan_ok; } scalars[] = {
        {"base_rate", mt->base_rate, 0, 1, 0}, {"log_loss", mt->log_loss, 0, CR_REAL_MAX, 0},
        {"brier", mt->brier, 0, 1, 0},         {"auc", mt->auc, 0, 1, 1},
        {"gini", mt->gini, -1, 1, 1},          {"ks", mt->ks, 0, 1, 1},
    };
    for (size_t k = 0; k < sizeof scalars / sizeof *scalars && st == CR_OK; k++)
        st = ev_within(scalars[k].v, scalars[k].lo, scalars[k].hi, scalars[k].nan_ok, which, scalars[k].key, err);
    char what[48];
    double below = 0;   /* the bins are ascending and apart: each from where the one before ends */
    for (int b = 0; b < CR_CALIBRATION_BINS && st == CR_OK; b++) {
        const cr_calibration_bin *c = &mt->calibration[b];
        cr_bprintf(what, sizeof what, "%s calibration[%d]", which, b);
        const int empty = c->weight == 0;
        st = ev_within(c->lo, below, 1, 0, what, "lo", err);
        if (st == CR_OK) st = ev_within(c->hi, c->lo, 1, 0, what, "hi", err);
        if (st == CR_OK) st = ev_weight(c->weight, what, "weight", err);
        if (st == CR_OK) st = ev_within(c->mean_predicted, 0, 1, empty, what, "mean_predicted", err);
        if (st == CR_OK) st = ev_within(c->observed_rate, 0, 1, empty, what, "observed_rate", err);
        below = c->hi;
    }
    double share[3];
    for (int l = 0; l < 3 && st == CR_OK; l++) {
        const cr_band_stats *bs = &mt->bands[l];
        cr_bprintf(what, sizeof what, "%s bands[%d]", which, l);
        const int empty = bs->weight == 0;
        st = ev_weight(bs->weight, what, "weight", err);
        if (st == CR_OK) st = ev_share(bs->share, what, "share", err);
        if (st == CR_OK) st = ev_within(bs->observed_rate, 0, 1, empty, what, "observed_rate", err);
        if (st == CR_OK) st = ev_within(bs->mean_predicted, 0, 1, empty, what, "mean_predicted", err);
        share[l] = bs->share;
    }
    if (st == CR_OK) {
        cr_bprintf(what, sizeof what, "%s bands' shares", which);
        st = shares_sum_to_one(share, 3, what, "share", err);
    }
    return st;
}

/* Reference bins of feature `name` (or "score": cuts between the scores 0
   and 100, or some bins could never hold a row). */
static cr_status check_bins(const cr_bins *b, const char *name, int score, cr_error *err)
{
    if (b->n_bins < 1 || b->n_bins > CR_DRIFT_BINS)
        return cr_fail(err, CR_E_COUNT, name, "model evidence: reference of '%s' has %u bins (need 1 to %d)", name,
                       (unsigned)b->n_bins, CR_DRIFT_BINS);
    char what[CR_MAX_NAME + 32];
    cr_bprintf(what, sizeof what, "reference of '%s'", name);
    cr_status st = CR_OK;
    for (int k = 0; k + 1 < b->n_bins && st == CR_OK; k++) {
        st = score ? ev_within(b->cut[k], 0, 100, 0, what, "cuts", err) : ev_finite(b->cut[k], 0, what, "cuts", err);
        if (st == CR_OK && k > 0 && !(b->cut[k] > b->cut[k - 1]))
            st = cr_fail(err, CR_E_RANGE, "cuts", "model evidence: %s 'cuts' must be strictly ascending, cut %d is "
                         "%.17g after %.17g", what, k, b->cut[k], b->cut[k - 1]);
    }
    for (int k = 0; k < b->n_bins && st == CR_OK; k++) st = ev_share(b->share[k], what, "shares", err);
    if (st == CR_OK) st = shares_sum_to_one(b->share, b->n_bins, what, "shares", err);
    return st;
}

static cr_status check_evidence(const cr_model *m, cr_error *err)
{
    const cr_evidence *ev = &m->ev;
    cr_status st = check_metrics(&ev->train, "train", err);
    if (st != CR_OK) return st;
    if ((unsigned)ev->holdout_method > CR_HOLDOUT_HASH)
        return cr_fail(err, CR_E_RANGE, "holdout", "model evidence: unknown holdout method %u",
                       (unsigned)ev->holdout_method);
    if (ev->holdout_method != CR_HOLDOUT_NONE) {
        st = ev_finite(ev->holdout_fraction, 0, "holdout", "fraction", err);
        if (st == CR_OK && !(ev->holdout_fraction > 0 && ev->holdout_fraction < 1))
            st = cr_fail(err, CR_E_RANGE, "fraction", "model evidence: holdout 'fraction' is %.17g, need 0 < "
                         "fraction < 1", ev->holdout_fraction);
        if (st == CR_OK) st = check_metrics(&ev->holdout, "holdout", err);
        if (st != CR_OK) return st;
    }
    if ((unsigned)ev->calibration > CR_CALIBRATION_SIGMOID)
        return cr_fail(err, CR_E_RANGE, "calibration", "model evidence: unknown calibration method %u",
                       (unsigned)ev->calibration);
    if (ev->calibration != CR_CALIBRATION_NONE) {
        st = check_number(ev->cal_a, "a", "calibration 'a'", err);
        if (st == CR_OK) st = check_number(ev->cal_b, "b", "calibration 'b'", err);
        if (st != CR_OK) return st;
    }
    for (size_t j = 0; j < m->schema.n_features && st == CR_OK; j++)
        st = check_bins(&ev->reference[j], m->schema.feature_name[j], 0, err);
    if (st == CR_OK) st = check_bins(&ev->score_reference, "score", 1, err);
    return st;
}

cr_status cr_model_validate(const cr_model *m, cr_error *err)
{
    const size_t d = m->schema.n_features;
    char what[CR_MAX_NAME + 32];
    cr_status st = check_number(m->intercept, "intercept", "'intercept'", err);
    for (size_t j = 0; j < d && st == CR_OK; j++) {
        const char *name = m->schema.feature_name[j];
        cr_bprintf(what, sizeof what, "coefficient of '%s'", name);
        st = check_number(m->coef[j], name, what, err);
        if (st != CR_OK) break;
        cr_bprintf(what, sizeof what, "baseline of '%s'", name);
        st = check_number(m->baseline[j], name, what, err);
        if (st == CR_OK && m->sign[j] > CR_SIGN_NONPOS)
            st = cr_fail(err, CR_E_RANGE, name, "model sign of '%s': unknown value %d", name, m->sign[j]);
        if (st == CR_OK && ((m->sign[j] == CR_SIGN_NONNEG && m->coef[j] < 0) ||
                            (m->sign[j] == CR_SIGN_NONPOS && m->coef[j] > 0)))
            st = cr_fail(err, CR_E_RANGE, name, "model coefficient of '%s': %.17g breaks its sign \"%s\"", name,
                         m->coef[j], cr_sign_name((cr_sign)m->sign[j]));
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
    /* As cr_train_options_check() allows: C > 0 with a finite 1/C, tol >= 0,
       class weights >= 0. */
    if (!(in->C > 0) || !(1.0 / in->C < 1.0 / 0.0))
        return cr_fail(err, CR_E_RANGE, "C", "model 'training': 'C' is %.17g, need > 0 with a finite inverse", in->C);
    if (!(in->tol >= 0))
        return cr_fail(err, CR_E_RANGE, "tol", "model 'training': 'tol' is %.17g, need >= 0", in->tol);
    /* As the JSON reader allows: a model's bytes and its JSON load alike. */
    if (in->rows > CR_ROWS_MAX)
        return cr_fail(err, CR_E_RANGE, "rows", "model 'training': 'rows' is %llu, need at most 2^53",
                       (unsigned long long)in->rows);
    if (!(in->weight_sum >= 0))
        return cr_fail(err, CR_E_RANGE, "weight_sum", "model 'training': 'weight_sum' is %.17g, need >= 0",
                       in->weight_sum);
    for (int c = 0; c < 2; c++)
        if (!(in->class_weight[c] >= 0))
            return cr_fail(err, CR_E_RANGE, "class_weight_values", "model 'training': 'class_weight_values'[%d] is "
                           "%.17g, need >= 0", c, in->class_weight[c]);
    /* The objective (log loss plus penalty) and the gradient's norm. */
    if (!(m->stats.objective >= 0))
        return cr_fail(err, CR_E_RANGE, "objective", "model 'solver': 'objective' is %.17g, need >= 0",
                       m->stats.objective);
    if (!(m->stats.grad_norm >= 0))
        return cr_fail(err, CR_E_RANGE, "grad_norm", "model 'solver': 'grad_norm' is %.17g, need >= 0",
                       m->stats.grad_norm);
    /* As cr_train() allows and does: no iteration count can wrap negative. */
    if (in->max_iter < 1 || in->max_iter > CR_MAX_ITER_MAX || m->stats.iterations < 0 || m->stats.iterations > in->max_iter)
        return cr_fail(err, CR_E_RANGE, "max_iter", "model 'training': need 1 <= max_iter <= 1000000 and 0 <= "
                       "iterations <= max_iter, got %d and %d", in->max_iter, m->stats.iterations);
    if (!in->fit_intercept && m->intercept != 0)
        return cr_fail(err, CR_E_RANGE, "intercept", "model 'intercept': must be 0 without fit_intercept");
    return m->ev.present ? check_evidence(m, err) : CR_OK;
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

cr_status cr_model_metrics(const cr_model *m, int holdout, cr_metrics *out, cr_error *err)
{
    if (!m || !out) return cr_fail(err, CR_E_ARG, NULL, "model or out is NULL");
    if (!m->ev.present)
        return cr_fail(err, CR_E_MISSING, NULL, "model has no %s metrics (it carries no evidence: model format 1)",
                       holdout ? "holdout" : "training");
    if (holdout && m->ev.holdout_method == CR_HOLDOUT_NONE)
        return cr_fail(err, CR_E_MISSING, NULL, "model has no holdout metrics (trained without a holdout)");
    *out = holdout ? m->ev.holdout : m->ev.train;
    return CR_OK;
}

int cr_model_calibration(const cr_model *m, double *a, double *b)
{
    const int on = m && m->ev.present && m->ev.calibration == CR_CALIBRATION_SIGMOID;
    if (a) *a = on ? m->ev.cal_a : 1.0;   /* uncalibrated: the identity, sigmoid(1 * logit + 0) */
    if (b) *b = on ? m->ev.cal_b : 0.0;
    return on;
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

double cr_probability(const cr_model *m, double logit)
{
    return m->ev.calibration == CR_CALIBRATION_SIGMOID ? cr_sigmoid(m->ev.cal_a * logit + m->ev.cal_b)
                                                       : cr_sigmoid(logit);
}
