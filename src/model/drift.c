/* drift.c - how far new rows have moved from the rows a model was trained
 * on: per feature and for the score, the share of rows in each of the
 * model's reference bins, and the population stability index (PSI). */
#include "internal.h"
#include "crmath.h"
#include "data/request.h"

#include <stdlib.h>
#include <string.h>

#define PSI_WATCH 0.10
#define PSI_ALERT 0.25

struct cr_drift_s {
    const cr_model *model;
    uint64_t n;
    cr_exact weight;
    cr_exact feature[CR_MAX_FEATURES][CR_DRIFT_BINS];
    cr_exact score[CR_SCORE_BINS];
};

cr_status cr_drift_create(const cr_model *m, cr_drift **out, cr_error *err)
{
    if (!m || !out) return cr_fail(err, CR_E_ARG, NULL, "model or out is NULL");
    *out = NULL;
    if (!m->ev.present)
        return cr_fail(err, CR_E_MISSING, NULL, "drift: the model carries no reference (the default model and format 1 "
                       "files have none: train one)");
    cr_drift *d = calloc(1, sizeof *d);
    if (!d) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory allocating drift");
    d->model = m;
    *out = d;
    return CR_OK;
}

void cr_drift_free(cr_drift *d) { free(d); }

/* One row: its features, its score, its weight. */
static void add_row(cr_drift *d, const double *x, int score, double w)
{
    const cr_model *m = d->model;
    for (size_t j = 0; j < m->schema.n_features; j++) cr_exact_add(&d->feature[j][cr_bin_of(&m->ev.reference[j], x[j])], w);
    cr_exact_add(&d->score[cr_bin_of(&m->ev.score_reference, (double)score)], w);
    cr_exact_add(&d->weight, w);
    d->n++;
}

cr_status cr_drift_add_dataset(cr_drift *d, const cr_dataset *ds, cr_error *err)
{
    if (!d || !ds) return cr_fail(err, CR_E_ARG, NULL, "drift or data set is NULL");
    const cr_model *m = d->model;
    if (!cr_schema_same(&m->schema, &ds->schema))
        return cr_fail(err, CR_E_SCHEMA, NULL, "drift: the data set's schema is not the model's");
    const size_t dim = m->schema.n_features;
    for (size_t i = 0; i < ds->rows; i++) {
        const double *x = ds->x + i * dim;
        add_row(d, x, cr_score_of(cr_probability(m, cr_logit(m, x))), ds->w[i]);
    }
    return CR_OK;
}

cr_status cr_drift_add_rows(cr_drift *d, const double *fields, size_t n, cr_error *err)
{
    if (!d || (n && !fields)) return cr_fail(err, CR_E_ARG, NULL, "drift or fields is NULL");
    const cr_model *m = d->model;
    const size_t nf = m->schema.n_fields;
    for (size_t i = 0; i < n; i++) {   /* all rows checked before any is counted */
        const cr_status st = cr_schema_check_row(&m->schema, fields + i * nf, err);
        if (st != CR_OK) {
            if (err) err->line = (long)(i + 1);
            return st;
        }
    }
    for (size_t i = 0; i < n; i++) {
        double x[CR_MAX_FEATURES];
        cr_schema_features(&m->schema, fields + i * nf, x);
        add_row(d, x, cr_score_of(cr_probability(m, cr_logit(m, x))), 1.0);
    }
    return CR_OK;
}

cr_status cr_drift_add_record(cr_drift *d, const char *record, size_t len, cr_error *err)
{
    if (!d) return cr_fail(err, CR_E_ARG, NULL, "drift is NULL");
    const cr_model *m = d->model;
    cr_json_doc doc;
    cr_status st = cr_request_object(record, len, &doc, err);
    if (st != CR_OK) return st;
    double fields[CR_MAX_FIELDS];
    int64_t score = 0;
    char text[48];
    char id[CR_MODEL_ID_SIZE + 1] = "";
    const int inputs = cr_json_get(&doc, 0, "inputs"), s = cr_json_get(&doc, 0, "score");
    const int mid = cr_json_get(&doc, 0, "model_id");
    if (inputs < 0 || doc.tok[inputs].type != CR_JSON_OBJECT)
        st = cr_fail(err, inputs < 0 ? CR_E_MISSING : CR_E_TYPE, "inputs", "record 'inputs': %s",
                     inputs < 0 ? "missing" : "must be an object");
    else if (s < 0 || doc.tok[s].type != CR_JSON_NUMBER)
        st = cr_fail(err, s < 0 ? CR_E_MISSING : CR_E_TYPE, "score", "record 'score': %s",
                     s < 0 ? "missing" : "must be a number");
    /* Another model's record is no row of this model's traffic (its score
       is that model's): refused as cr_verify_record() refuses it. Every
       stored record names its model; a hand-made one without model_id
       is taken as this model's. */
    else if (mid >= 0 && !cr_json_string(&doc, mid, id, sizeof id))
        st = cr_fail(err, CR_E_MISSING, "model_id", "record 'model_id': missing or not a string");
    else if (mid >= 0 && strcmp(id, m->id) != 0)
        st = cr_fail(err, CR_E_MISMATCH, "model_id", "record 'model_id': stored %.16s..., the model is %.16s...",
                     id, m->id);
    else st = cr_request_fields(&m->schema, &doc, inputs, -1, fields, err);
    if (st == CR_OK && (cr_json_integer(&doc, s, &score) != CR_OK || score < 0 || score > 100))
        st = cr_fail(err, CR_E_RANGE, "score", "record 'score': must be an integer 0 to 100, got %s",
                     cr_json_text(&doc, s, text, sizeof text));
    cr_json_free(&doc);
    if (st != CR_OK) return st;
    double x[CR_MAX_FEATURES];
    cr_schema_features(&m->schema, fields, x);
    add_row(d, x, (int)score, 1.0);
    return CR_OK;
}

/* PSI of one value's bins, shares smoothed by CR_PSI_EPSILON. */
static double psi_of(const cr_bins *ref, const cr_exact *count, double total, double *actual)
{
    const double norm = 1 + ref->n_bins * CR_PSI_EPSILON;
    cr_exact psi = {0};
    for (int k = 0; k < ref->n_bins; k++) {
        actual[k] = cr_exact_round(&count[k]) / total + 0.0;
        const double a = (actual[k] + CR_PSI_EPSILON) / norm, e = (ref->share[k] + CR_PSI_EPSILON) / norm;
        cr_exact_add_product(&psi, a - e, cr_log(a / e));
    }
    return cr_exact_round(&psi) + 0.0;
}

static const char *status_of(double psi) { return psi < PSI_WATCH ? "stable" : psi < PSI_ALERT ? "watch" : "alert"; }

static void bins_json(cr_text *t, const cr_bins *ref, const cr_exact *count, double total)
{
    double actual[CR_DRIFT_BINS];
    const double psi = psi_of(ref, count, total, actual);
    cr_text_str(t, "\"psi\":");
    cr_text_double(t, psi);
    cr_text_printf(t, ",\"status\":\"%s\",\"bins\":[", status_of(psi));
    for (int k = 0; k < ref->n_bins; k++) {
        cr_text_str(t, k ? ",{\"hi\":" : "{\"hi\":");
        if (k < ref->n_bins - 1) cr_text_double(t, ref->cut[k]);
        else cr_text_str(t, "null");
        cr_text_str(t, ",\"reference\":");
        cr_text_double(t, ref->share[k]);
        cr_text_str(t, ",\"actual\":");
        cr_text_double(t, actual[k]);
        cr_text_str(t, "}");
    }
    cr_text_str(t, "]");
}

cr_status cr_drift_json(const cr_drift *d, char *dst, size_t cap, size_t *size, cr_error *err)
{
    if (!d) return cr_fail(err, CR_E_ARG, NULL, "drift is NULL");
    const double total = cr_exact_round(&d->weight);
    if (d->n == 0 || !(total > 0)) return cr_fail(err, CR_E_DATA, NULL, "drift: no rows (with weight) to compare");
    /* Every share is a bin's weight over the total: an infinite total would
       make them all 0 (cr_drift_add_dataset() takes the rows' weights). */
    if (total - total != 0)
        return cr_fail(err, CR_E_DATA, "weight", "drift: the rows' weights add up beyond the largest double; scale "
                       "the weights down");
    const cr_model *m = d->model;
    cr_text t = {dst, dst ? cap : 0, 0};
    cr_text_printf(&t, "{\"n\":%llu,\"weight_sum\":", (unsigned long long)d->n);
    cr_text_double(&t, total);
    cr_text_str(&t, ",\"epsilon\":");
    cr_text_double(&t, CR_PSI_EPSILON);
    cr_text_str(&t, ",\"features\":[");
    for (size_t j = 0; j < m->schema.n_features; j++) {
        cr_text_printf(&t, "%s{\"feature\":\"%s\",", j ? "," : "", m->schema.feature_name[j]);
        bins_json(&t, &m->ev.reference[j], d->feature[j], total);
        cr_text_str(&t, "}");
    }
    cr_text_str(&t, "],\"score\":{");
    bins_json(&t, &m->ev.score_reference, d->score, total);
    cr_text_str(&t, "}}");
    return cr_text_end(&t, size, err);
}
