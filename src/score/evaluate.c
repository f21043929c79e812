/* evaluate.c - how good a model is on a data set: log loss, Brier score,
 * ROC AUC, Gini, KS, a calibration table and a band table, with
 * scikit-learn's definitions and sample weights.
 *
 * Determinism: every row's probability is cr_score()'s; the rows are sorted
 * by (probability, label, weight) with a radix sort on their bits, and every
 * sum runs in that order, so the result depends on the multiset of rows
 * only, never on their order, and is the same on every host. */
#include "internal.h"
#include "crmath.h"

#include <stdlib.h>
#include <string.h>

#define RADIX_BITS 11
#define RADIX (1u << RADIX_BITS)
/* log_loss's clipping as scikit-learn 1.2 does it (eps=1e-15). */
#define LOG_LOSS_EPS 1e-15

static uint64_t bits_of(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static double double_of(uint64_t u)
{
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Stable LSD radix sort of (key, idx) by key's low `bits` bits; tmp arrays of n. */
static void radix_sort(uint64_t *key, uint32_t *idx, uint64_t *tk, uint32_t *ti, size_t n, int bits, size_t *count)
{
    for (int shift = 0; shift < bits; shift += RADIX_BITS) {
        memset(count, 0, RADIX * sizeof *count);
        for (size_t i = 0; i < n; i++) count[key[i] >> shift & (RADIX - 1)]++;
        size_t sum = 0;
        for (size_t b = 0; b < RADIX; b++) {
            const size_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            const size_t at = count[key[i] >> shift & (RADIX - 1)]++;
            tk[at] = key[i];
            ti[at] = idx[i];
        }
        memcpy(key, tk, n * sizeof *key);
        memcpy(idx, ti, n * sizeof *idx);
    }
}

/* The probability of a logit under the model (calibrated when it is). */
static double probability_of(const cr_model *m, double z)
{
    (void)m;
    return cr_sigmoid(z);
}

static int same_schema(const cr_schema *a, const cr_schema *b)
{
    if (a->n_fields != b->n_fields || a->n_features != b->n_features) return 0;
    for (size_t i = 0; i < a->n_fields; i++)
        if (a->field_type[i] != b->field_type[i] || strcmp(a->field_name[i], b->field_name[i]) != 0) return 0;
    for (size_t j = 0; j < a->n_features; j++)
        if (a->feature_field[j] != b->feature_field[j] || a->feature_invert[j] != b->feature_invert[j] ||
            strcmp(a->feature_name[j], b->feature_name[j]) != 0)
            return 0;
    return 1;
}

/* Neumaier's compensated sum: every metric is within a few ulp of the exact
   sum of its terms, however many rows (a plain sum drifts by ~n ulp). */
typedef struct {
    double sum, comp;
} acc;

static void add(acc *a, double v)
{
    const double t = a->sum + v;
    if ((a->sum < 0 ? -a->sum : a->sum) >= (v < 0 ? -v : v)) a->comp += (a->sum - t) + v;
    else a->comp += (v - t) + a->sum;
    a->sum = t;
}

static double total(const acc *a) { return a->sum + a->comp; }

static double ratio(double num, double den) { return den > 0 ? num / den : 0.0 / 0.0; }

cr_status cr_evaluate(const cr_model *m, const cr_dataset *ds, cr_metrics *out, cr_error *err)
{
    if (!m || !ds || !out) return cr_fail(err, CR_E_ARG, NULL, "model, data set or out is NULL");
    if (!same_schema(&m->schema, &ds->schema))
        return cr_fail(err, CR_E_SCHEMA, NULL, "evaluate: the data set's schema is not the model's");
    const size_t n = ds->rows, d = m->schema.n_features;
    if (n == 0) return cr_fail(err, CR_E_DATA, NULL, "evaluate: the data set has no rows");
    if (n > UINT32_MAX) return cr_fail(err, CR_E_RANGE, NULL, "evaluate: more than 2^32 - 1 rows");

    uint64_t *key = malloc(2 * n * sizeof *key);
    uint32_t *idx = malloc(2 * n * sizeof *idx);
    size_t *count = malloc(RADIX * sizeof *count);
    if (!key || !idx || !count) {
        free(key), free(idx), free(count);
        return cr_fail(err, CR_E_NOMEM, NULL, "out of memory evaluating %zu rows", n);
    }
    /* Keys: the probability's bits (>= +0, so ordered as integers; bits 63
       and 62 are 0 for p <= 1) shifted past the label. */
    int weights_vary = 0;
    for (size_t i = 0; i < n; i++) {
        const double *x = ds->x + i * d;
        double z = m->intercept;
        for (size_t j = 0; j < d; j++) z += m->coef[j] * x[j];
        key[i] = bits_of(probability_of(m, z) + 0.0) << 1 | ds->y[i];
        idx[i] = (uint32_t)i;
        weights_vary |= ds->w[i] != ds->w[0];
    }
    if (weights_vary) {
        /* Ties in (probability, label) are ordered by weight (finite, >= +0:
           ordered as integers): sort by weight first, then stably by key. */
        uint64_t *pk = malloc(n * sizeof *pk);
        if (!pk) {
            free(key), free(idx), free(count);
            return cr_fail(err, CR_E_NOMEM, NULL, "out of memory evaluating %zu rows", n);
        }
        memcpy(pk, key, n * sizeof *key);
        for (size_t i = 0; i < n; i++) key[i] = bits_of(ds->w[i] + 0.0);
        radix_sort(key, idx, key + n, idx + n, n, 64, count);
        for (size_t i = 0; i < n; i++) key[i] = pk[idx[i]];
        free(pk);
    }
    radix_sort(key, idx, key + n, idx + n, n, 63, count);
    free(count);

    memset(out, 0, sizeof *out);
    out->n = n;
    acc wsum = {0, 0}, wpos = {0, 0}, loss = {0, 0}, brier = {0, 0};
    acc bin_w[CR_CALIBRATION_BINS] = {{0, 0}}, bin_p[CR_CALIBRATION_BINS] = {{0, 0}}, bin_y[CR_CALIBRATION_BINS] = {{0, 0}};
    acc band_w[3] = {{0, 0}}, band_p[3] = {{0, 0}}, band_y[3] = {{0, 0}};
    for (size_t k = 0; k < n; k++) {
        const double p = double_of(key[k] >> 1), w = ds->w[idx[k]];
        const int y = (int)(key[k] & 1);
        add(&wsum, w);
        if (y) add(&wpos, w);
        /* log_loss: [1 - p, p] clipped to [eps, 1 - eps] and renormalised. */
        double q1 = p, q0 = 1.0 - p;
        q1 = q1 < LOG_LOSS_EPS ? LOG_LOSS_EPS : q1 > 1 - LOG_LOSS_EPS ? 1 - LOG_LOSS_EPS : q1;
        q0 = q0 < LOG_LOSS_EPS ? LOG_LOSS_EPS : q0 > 1 - LOG_LOSS_EPS ? 1 - LOG_LOSS_EPS : q0;
        add(&loss, w * -cr_log((y ? q1 : q0) / (q0 + q1)));
        const double e = (double)y - p;
        add(&brier, w * (e * e));
        /* calibration_curve(strategy='uniform'): the number of inner edges
           i/10 below p (searchsorted, side 'left'). */
        int b = 0;
        while (b < CR_CALIBRATION_BINS - 1 && (double)(b + 1) * 0.1 < p) b++;
        add(&bin_w[b], w);
        add(&bin_p[b], w * p);
        if (y) add(&bin_y[b], w);
        const int level = (int)cr_level_of(m, cr_score_of(p));
        add(&band_w[level], w);
        add(&band_p[level], w * p);
        if (y) add(&band_y[level], w);
    }
    const double W = total(&wsum), P = total(&wpos);
    out->weight_sum = W;
    out->base_rate = ratio(P, W);
    out->log_loss = ratio(total(&loss), W);
    out->brier = ratio(total(&brier), W);
    for (int b = 0; b < CR_CALIBRATION_BINS; b++) {
        cr_calibration_bin *c = &out->calibration[b];
        c->lo = (double)b * 0.1;
        c->hi = b == CR_CALIBRATION_BINS - 1 ? 1.0 : (double)(b + 1) * 0.1;
        c->weight = total(&bin_w[b]);
        c->mean_predicted = ratio(total(&bin_p[b]), c->weight);
        c->observed_rate = ratio(total(&bin_y[b]), c->weight);
    }
    for (int l = 0; l < 3; l++) {
        const double bw = total(&band_w[l]);
        out->bands[l].weight = bw;
        out->bands[l].share = ratio(bw, W);
        out->bands[l].observed_rate = ratio(total(&band_y[l]), bw);
        out->bands[l].mean_predicted = ratio(total(&band_p[l]), bw);
    }

    /* ROC from the highest probability down: one point per distinct
       probability (roc_curve's thresholds), trapezoids between them. */
    acc tp = {0, 0}, fp = {0, 0}, auc2 = {0, 0};
    double ks = 0;
    const double pos = P, neg = total(&wsum) - P;
    double prev_tpr = 0, prev_fpr = 0;
    if (pos > 0 && neg > 0) {
        for (size_t k = n; k > 0;) {
            const uint64_t pb = key[k - 1] >> 1;
            while (k > 0 && key[k - 1] >> 1 == pb) {
                add(key[k - 1] & 1 ? &tp : &fp, ds->w[idx[k - 1]]);
                k--;
            }
            const double tpr = total(&tp) / pos, fpr = total(&fp) / neg;
            add(&auc2, (fpr - prev_fpr) * (tpr + prev_tpr));
            if (tpr - fpr > ks) ks = tpr - fpr;
            prev_tpr = tpr, prev_fpr = fpr;
        }
        out->auc = total(&auc2) / 2;
        out->gini = 2 * out->auc - 1;
        out->ks = ks;
    } else {
        out->auc = out->gini = out->ks = 0.0 / 0.0;
    }
    free(key), free(idx);
    return CR_OK;
}

/* A number, or null for NaN (an empty bin, one class). */
static void number(cr_text *t, double v)
{
    if (v != v) cr_text_str(t, "null");
    else cr_text_double(t, v);
}

cr_status cr_metrics_json(const cr_metrics *mt, char *dst, size_t cap, size_t *size, cr_error *err)
{
    if (!mt) return cr_fail(err, CR_E_ARG, NULL, "metrics is NULL");
    cr_text t = {dst, dst ? cap : 0, 0};
    cr_text_printf(&t, "{\"n\":%llu,\"weight_sum\":", (unsigned long long)mt->n);
    number(&t, mt->weight_sum);
    const struct { const char *name; double v; } scalars[] = {
        {"base_rate", mt->base_rate}, {"log_loss", mt->log_loss}, {"brier", mt->brier},
        {"auc", mt->auc},             {"gini", mt->gini},         {"ks", mt->ks},
    };
    for (size_t k = 0; k < sizeof scalars / sizeof *scalars; k++) {
        cr_text_printf(&t, ",\"%s\":", scalars[k].name);
        number(&t, scalars[k].v);
    }
    cr_text_str(&t, ",\"calibration\":[");
    for (int b = 0; b < CR_CALIBRATION_BINS; b++) {
        const cr_calibration_bin *c = &mt->calibration[b];
        cr_text_str(&t, b ? ",{\"lo\":" : "{\"lo\":");
        number(&t, c->lo);
        cr_text_str(&t, ",\"hi\":");
        number(&t, c->hi);
        cr_text_str(&t, ",\"weight\":");
        number(&t, c->weight);
        cr_text_str(&t, ",\"mean_predicted\":");
        number(&t, c->mean_predicted);
        cr_text_str(&t, ",\"observed_rate\":");
        number(&t, c->observed_rate);
        cr_text_str(&t, "}");
    }
    cr_text_str(&t, "],\"bands\":[");
    for (int l = 0; l < 3; l++) {
        const cr_band_stats *b = &mt->bands[l];
        cr_text_printf(&t, "%s{\"band\":\"%s\",\"weight\":", l ? "," : "", cr_risk_level_str((cr_risk_level)l));
        number(&t, b->weight);
        cr_text_str(&t, ",\"share\":");
        number(&t, b->share);
        cr_text_str(&t, ",\"observed_rate\":");
        number(&t, b->observed_rate);
        cr_text_str(&t, ",\"mean_predicted\":");
        number(&t, b->mean_predicted);
        cr_text_str(&t, "}");
    }
    cr_text_str(&t, "]}");
    return cr_text_end(&t, size, err);
}
