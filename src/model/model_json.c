/* model_json.c - canonical JSON form of a model, and the model card. */
#include "internal.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>

/* Format 1: no evidence; format 2: with (as the binary form, model_bytes.c). */
#define FORMAT_V1 1u                        /* no evidence */
#define FORMAT_V2 CR_MODEL_FORMAT_VERSION   /* with evidence */

static void key(cr_text *t, const char *k)
{
    cr_text_str(t, "\"");
    cr_text_str(t, k);
    cr_text_str(t, "\":");
}

static void string(cr_text *t, const char *k, const char *v)
{
    key(t, k);
    cr_text_str(t, "\"");
    cr_text_str(t, v);   /* names, hex ids and enum words: never need escaping */
    cr_text_str(t, "\"");
}

static void number(cr_text *t, const char *k, double v)
{
    key(t, k);
    cr_text_double(t, v);
}

static void boolean(cr_text *t, const char *k, int v)
{
    key(t, k);
    cr_text_str(t, v ? "true" : "false");
}

static void array(cr_text *t, const char *k, const double *v, size_t n)
{
    key(t, k);
    cr_text_str(t, "[");
    for (size_t i = 0; i < n; i++) {
        if (i) cr_text_str(t, ",");
        cr_text_double(t, v[i]);
    }
    cr_text_str(t, "]");
}

/* "name", "field", "invert", "sign" of feature j: the schema's view of it. */
static void feature_spec(cr_text *t, const cr_model *m, size_t j)
{
    const cr_schema *s = &m->schema;
    string(t, "name", s->feature_name[j]);
    cr_text_str(t, ",");
    string(t, "field", s->field_name[s->feature_field[j]]);
    cr_text_str(t, ",");
    boolean(t, "invert", s->feature_invert[j]);
    cr_text_str(t, ",");
    string(t, "sign", cr_sign_name((cr_sign)m->sign[j]));
}

static void bands(cr_text *t, const cr_model *m)
{
    key(t, "bands");
    cr_text_printf(t, "{\"high\":%d,\"medium\":%d}", m->band_high, m->band_medium);
}

static void training(cr_text *t, const cr_model *m)
{
    const cr_training_info *in = &m->info;
    key(t, "training");
    cr_text_printf(t, "{\"rows\":%llu,", (unsigned long long)in->rows);
    number(t, "weight_sum", in->weight_sum);
    cr_text_str(t, ",");
    number(t, "C", in->C);
    cr_text_str(t, ",");
    boolean(t, "fit_intercept", in->fit_intercept);
    cr_text_str(t, ",");
    string(t, "class_weight", cr_class_weight_name(in->class_weight_mode));
    cr_text_str(t, ",");
    array(t, "class_weight_values", in->class_weight, 2);
    cr_text_printf(t, ",\"max_iter\":%d,", in->max_iter);
    number(t, "tol", in->tol);
    cr_text_str(t, ",");
    string(t, "data_sha256", in->data_sha256);
    cr_text_str(t, "},");
    key(t, "solver");
    cr_text_printf(t, "{\"iterations\":%d,", m->stats.iterations);
    boolean(t, "converged", m->stats.converged);
    cr_text_str(t, ",");
    number(t, "objective", m->stats.objective);
    cr_text_str(t, ",");
    number(t, "grad_norm", m->stats.grad_norm);
    cr_text_str(t, "}");
}

/* ---- the evidence (model format 2) ---- */

/* A number, or null for NaN (where the evidence allows it). */
static void number_or_null(cr_text *t, double v)
{
    if (v != v) cr_text_str(t, "null");
    else cr_text_double(t, v);
}

/* cr_metrics_json()'s text, in place. */
static void metrics(cr_text *t, const cr_metrics *mt)
{
    size_t n = 0;
    const size_t room = t->buf && t->len < t->cap ? t->cap - t->len : 0;
    if (cr_metrics_json(mt, room ? t->buf + t->len : NULL, room, &n, NULL) == CR_E_NONFINITE)
        cr_text_double(t, cr_nan());   /* refused there: refused here too */
    t->len += n;
}

static void bins(cr_text *t, const cr_bins *b)
{
    cr_text_str(t, "\"cuts\":[");
    for (int k = 0; k + 1 < b->n_bins; k++) {
        if (k) cr_text_str(t, ",");
        number_or_null(t, b->cut[k]);
    }
    cr_text_str(t, "],\"shares\":[");
    for (int k = 0; k < b->n_bins; k++) {
        if (k) cr_text_str(t, ",");
        number_or_null(t, b->share[k]);
    }
    cr_text_str(t, "]");
}

static const char *holdout_name(int e) { return e == CR_HOLDOUT_ORDER ? "order" : e == CR_HOLDOUT_HASH ? "hash" : "none"; }

/* "evidence": {"train", "holdout" (or null), "calibration" (or null), "reference"}. */
static void evidence(cr_text *t, const cr_model *m)
{
    const cr_evidence *ev = &m->ev;
    key(t, "evidence");
    cr_text_str(t, "{");
    key(t, "train");
    metrics(t, &ev->train);
    cr_text_str(t, ",");
    key(t, "holdout");
    if (ev->holdout_method == CR_HOLDOUT_NONE) {
        cr_text_str(t, "null");
    } else {
        cr_text_str(t, "{");
        string(t, "method", holdout_name(ev->holdout_method));
        cr_text_str(t, ",");
        key(t, "fraction");
        number_or_null(t, ev->holdout_fraction);
        cr_text_printf(t, ",\"seed\":%lu,", (unsigned long)ev->holdout_seed);
        key(t, "metrics");
        metrics(t, &ev->holdout);
        cr_text_str(t, "}");
    }
    cr_text_str(t, ",");
    key(t, "calibration");
    if (ev->calibration == CR_CALIBRATION_NONE) {
        cr_text_str(t, "null");
    } else {
        cr_text_str(t, "{");
        string(t, "method", "sigmoid");
        cr_text_str(t, ",");
        key(t, "a");
        number_or_null(t, ev->cal_a);
        cr_text_str(t, ",");
        key(t, "b");
        number_or_null(t, ev->cal_b);
        cr_text_str(t, "}");
    }
    cr_text_str(t, ",\"reference\":{\"features\":[");
    for (size_t j = 0; j < m->schema.n_features; j++) {
        cr_text_str(t, j ? ",{" : "{");
        string(t, "feature", m->schema.feature_name[j]);
        cr_text_str(t, ",");
        bins(t, &ev->reference[j]);
        cr_text_str(t, "}");
    }
    cr_text_str(t, "],\"score\":{");
    bins(t, &ev->score_reference);
    cr_text_str(t, "}}}");
}

/* The closing members both forms share: bands, training, solver, and the
   evidence of a model that carries it. */
static cr_status end_with_bands_and_training(cr_text *t, const cr_model *m, size_t *size, cr_error *err)
{
    bands(t, m);
    cr_text_str(t, ",");
    training(t, m);
    if (m->ev.present) {
        cr_text_str(t, ",");
        evidence(t, m);
    }
    cr_text_str(t, "}");
    return cr_text_end(t, size, err);
}

cr_status cr_model_to_json(const cr_model *m, char *dst, size_t cap, size_t *size, cr_error *err)
{
    if (!m) return cr_fail(err, CR_E_ARG, NULL, "model is NULL");
    cr_text t = {dst, dst ? cap : 0, 0};
    const cr_schema *s = &m->schema;
    cr_text_printf(&t, "{\"format\":\"callrisk-model\",\"version\":%u,", m->ev.present ? FORMAT_V2 : FORMAT_V1);
    string(&t, "id", m->id);
    cr_text_str(&t, ",\"fields\":[");
    for (size_t i = 0; i < s->n_fields; i++) {
        cr_text_str(&t, i ? ",{" : "{");
        string(&t, "name", s->field_name[i]);
        cr_text_str(&t, ",");
        string(&t, "type", cr_field_type_name((cr_field_type)s->field_type[i]));
        cr_text_str(&t, "}");
    }
    cr_text_str(&t, "],\"features\":[");
    for (size_t j = 0; j < s->n_features; j++) {
        cr_text_str(&t, j ? ",{" : "{");
        feature_spec(&t, m, j);
        cr_text_str(&t, "}");
    }
    cr_text_str(&t, "],");
    number(&t, "intercept", m->intercept);
    cr_text_str(&t, ",");
    array(&t, "coef", m->coef, s->n_features);
    cr_text_str(&t, ",");
    array(&t, "baseline", m->baseline, s->n_features);
    cr_text_str(&t, ",");
    return end_with_bands_and_training(&t, m, size, err);
}

cr_status cr_model_card_json(const cr_model *m, char *dst, size_t cap, size_t *size, cr_error *err)
{
    if (!m) return cr_fail(err, CR_E_ARG, NULL, "model is NULL");
    cr_text t = {dst, dst ? cap : 0, 0};
    const cr_schema *s = &m->schema;
    cr_text_str(&t, "{");
    string(&t, "model_id", m->id);
    cr_text_str(&t, ",\"features\":[");
    for (size_t j = 0; j < s->n_features; j++) {
        cr_text_str(&t, j ? ",{" : "{");
        feature_spec(&t, m, j);
        cr_text_str(&t, ",");
        number(&t, "coef", m->coef[j]);
        cr_text_str(&t, ",");
        number(&t, "baseline", m->baseline[j]);
        cr_text_str(&t, "}");
    }
    cr_text_str(&t, "],");
    number(&t, "intercept", m->intercept);
    cr_text_str(&t, ",");
    return end_with_bands_and_training(&t, m, size, err);
}

/* ---- reading ---- */

typedef struct {
    const cr_json_doc *doc;
    cr_error *err;
    cr_status st;
    const char *what;   /* the document, for messages: "model JSON", "schema JSON" */
} jreader;

/* Fails the read with the document's name before the message. */
static void jfail(jreader *r, cr_status st, const char *k, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void jfail(jreader *r, cr_status st, const char *k, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    cr_vbprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->st = cr_fail(r->err, st, k, "%s: %s", r->what, msg);
}

static int need(jreader *r, int obj, const char *k, int type, const char *where)
{
    if (r->st != CR_OK) return -1;
    int v = cr_json_get(r->doc, obj, k);
    if (v < 0) {
        jfail(r, CR_E_MISSING, k, "%s'%s' is missing", where, k);
        return -1;
    }
    int vt = r->doc->tok[v].type;
    int ok = vt == type || (type == CR_JSON_TRUE && vt == CR_JSON_FALSE);
    if (!ok) {
        jfail(r, CR_E_TYPE, k, "%s'%s' must be %s, got %s", where, k,
              type == CR_JSON_TRUE ? "a boolean" : cr_json_type_name(type), cr_json_type_name(vt));
        return -1;
    }
    return v;
}

static double get_number(jreader *r, int obj, const char *k, const char *where)
{
    double v = 0;
    int t = need(r, obj, k, CR_JSON_NUMBER, where);
    if (t >= 0) cr_json_number(r->doc, t, &v);
    return v;
}

static long long get_int(jreader *r, int obj, const char *k, long long lo, long long hi, const char *where)
{
    int64_t v = 0;
    const int t = need(r, obj, k, CR_JSON_NUMBER, where);
    if (t >= 0 && (cr_json_integer(r->doc, t, &v) != CR_OK || v < lo || v > hi))
        jfail(r, CR_E_RANGE, k, "%s'%s' must be an integer in %lld..%lld", where, k, lo, hi);
    return r->st == CR_OK ? v : 0;
}

static int get_bool(jreader *r, int obj, const char *k, const char *where)
{
    int t = need(r, obj, k, CR_JSON_TRUE, where);
    return t >= 0 && r->doc->tok[t].type == CR_JSON_TRUE;
}

static void get_string(jreader *r, int obj, const char *k, char *dst, size_t cap, const char *where)
{
    int t = need(r, obj, k, CR_JSON_STRING, where);
    if (t >= 0 && !cr_json_string(r->doc, t, dst, cap))
        jfail(r, CR_E_RANGE, k, "%s'%s' is too long", where, k);
}

static int get_enum(jreader *r, int obj, const char *k, const char *(*name)(int), int n, const char *where)
{
    char buf[32];
    get_string(r, obj, k, buf, sizeof buf, where);
    for (int e = 0; e < n && r->st == CR_OK; e++)
        if (strcmp(buf, name(e)) == 0) return e;
    if (r->st == CR_OK)
        jfail(r, CR_E_RANGE, k, "%s'%s' has unknown value '%s'", where, k, buf);
    return 0;
}

static const char *type_name(int e) { return cr_field_type_name((cr_field_type)e); }
static const char *sign_name(int e) { return cr_sign_name((cr_sign)e); }
static const char *cw_name(int e) { return cr_class_weight_name((cr_class_weight_mode)e); }

static void get_array(jreader *r, int obj, const char *k, double *dst, size_t n)
{
    int a = need(r, obj, k, CR_JSON_ARRAY, "");
    if (a < 0) return;
    if (r->doc->tok[a].count != n) {
        jfail(r, CR_E_COUNT, k, "'%s' has %u values, expected %zu", k, r->doc->tok[a].count, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (!cr_json_number(r->doc, cr_json_item(r->doc, a, i), &dst[i])) {
            jfail(r, CR_E_TYPE, k, "'%s'[%zu] must be a number", k, i);
            return;
        }
}

/* ---- reading the evidence ---- */

/* A number, or null for NaN: where NaN may stand is cr_model_validate()'s
   to say (CR_E_NONFINITE elsewhere, as for a NaN in the binary form). */
static double get_nullable(jreader *r, int obj, const char *k, const char *where)
{
    if (r->st != CR_OK) return 0;
    const int v = cr_json_get(r->doc, obj, k);
    if (v >= 0 && r->doc->tok[v].type == CR_JSON_NULL) return 0.0 / 0.0;
    return get_number(r, obj, k, where);
}

/* Item i of array `arr` (called k): a number, or null for NaN. */
static double item_nullable(jreader *r, int arr, size_t i, const char *k, const char *where)
{
    double v = 0;
    if (r->st != CR_OK) return 0;
    const int t = cr_json_item(r->doc, arr, i);
    if (r->doc->tok[t].type == CR_JSON_NULL) return 0.0 / 0.0;
    if (!cr_json_number(r->doc, t, &v))
        jfail(r, CR_E_TYPE, k, "%s'%s'[%zu] must be a number or null", where, k, i);
    return v;
}

/* Item i of array `arr` (called k): an object. Called while r->st is CR_OK. */
static int item_object(jreader *r, int arr, size_t i, const char *k, const char *where)
{
    const int t = cr_json_item(r->doc, arr, i);
    if (r->doc->tok[t].type != CR_JSON_OBJECT) {
        jfail(r, CR_E_TYPE, k, "%s'%s'[%zu] must be object, got %s", where, k, i,
              cr_json_type_name(r->doc->tok[t].type));
        return -1;
    }
    return t;
}

/* Array member k of `obj` with exactly n items. */
static int array_of(jreader *r, int obj, const char *k, unsigned n, const char *where)
{
    const int a = need(r, obj, k, CR_JSON_ARRAY, where);
    if (a >= 0 && r->doc->tok[a].count != n) {
        jfail(r, CR_E_COUNT, k, "%s'%s' has %u items, expected %u", where, k, r->doc->tok[a].count, n);
        return -1;
    }
    return a;
}

/* Member k: an object (its token), null (-2), or an error (-1). */
static int object_or_null(jreader *r, int obj, const char *k, const char *where)
{
    if (r->st != CR_OK) return -1;
    const int v = cr_json_get(r->doc, obj, k);
    if (v >= 0 && r->doc->tok[v].type == CR_JSON_NULL) return -2;
    return need(r, obj, k, CR_JSON_OBJECT, where);
}

/* cr_metrics_json()'s form, NaN written as null. */
static void read_metrics(jreader *r, int obj, cr_metrics *mt, const char *which)
{
    char where[64], item[96];
    cr_bprintf(where, sizeof where, "evidence: %s: ", which);
    mt->n = (uint64_t)get_int(r, obj, "n", 0, (long long)CR_ROWS_MAX, where);
    static const char *const keys[] = {"weight_sum", "base_rate", "log_loss", "brier", "auc", "gini", "ks"};
    double *dst[] = {&mt->weight_sum, &mt->base_rate, &mt->log_loss, &mt->brier, &mt->auc, &mt->gini, &mt->ks};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) *dst[k] = get_nullable(r, obj, keys[k], where);
    const int cal = array_of(r, obj, "calibration", CR_CALIBRATION_BINS, where);
    for (unsigned b = 0; b < CR_CALIBRATION_BINS && r->st == CR_OK; b++) {
        cr_calibration_bin *c = &mt->calibration[b];
        const int o = item_object(r, cal, b, "calibration", where);
        cr_bprintf(item, sizeof item, "%scalibration[%u]: ", where, b);
        c->lo = get_nullable(r, o, "lo", item);
        c->hi = get_nullable(r, o, "hi", item);
        c->weight = get_nullable(r, o, "weight", item);
        c->mean_predicted = get_nullable(r, o, "mean_predicted", item);
        c->observed_rate = get_nullable(r, o, "observed_rate", item);
    }
    const int bands = array_of(r, obj, "bands", 3, where);
    for (unsigned l = 0; l < 3 && r->st == CR_OK; l++) {
        cr_band_stats *bs = &mt->bands[l];
        const int o = item_object(r, bands, l, "bands", where);
        cr_bprintf(item, sizeof item, "%sbands[%u]: ", where, l);
        char band[16];
        get_string(r, o, "band", band, sizeof band, item);
        const char *want = cr_risk_level_str((cr_risk_level)l);
        if (r->st == CR_OK && strcmp(band, want) != 0)
            jfail(r, CR_E_RANGE, "band", "%s'band' is '%s', expected '%s'", item, band, want);
        bs->weight = get_nullable(r, o, "weight", item);
        bs->share = get_nullable(r, o, "share", item);
        bs->observed_rate = get_nullable(r, o, "observed_rate", item);
        bs->mean_predicted = get_nullable(r, o, "mean_predicted", item);
    }
}

/* {"cuts": [n - 1 numbers], "shares": [n numbers]}, 1 <= n <= CR_DRIFT_BINS. */
static void read_bins(jreader *r, int obj, cr_bins *b, const char *where)
{
    const int sh = need(r, obj, "shares", CR_JSON_ARRAY, where), cu = need(r, obj, "cuts", CR_JSON_ARRAY, where);
    if (r->st != CR_OK) return;
    const unsigned n = r->doc->tok[sh].count;
    if (n < 1 || n > CR_DRIFT_BINS) {
        jfail(r, CR_E_COUNT, "shares", "%s'shares' has %u values (need 1 to %d bins)", where, n, CR_DRIFT_BINS);
        return;
    }
    if (r->doc->tok[cu].count != n - 1) {
        jfail(r, CR_E_COUNT, "cuts", "%s'cuts' has %u values, expected %u (one fewer than 'shares')", where,
              r->doc->tok[cu].count, n - 1);
        return;
    }
    b->n_bins = (uint8_t)n;
    for (unsigned k = 0; k + 1 < n; k++) b->cut[k] = item_nullable(r, cu, k, "cuts", where);
    for (unsigned k = 0; k < n; k++) b->share[k] = item_nullable(r, sh, k, "shares", where);
}

static const char *holdout_word(int e) { return e ? "hash" : "order"; }
static const char *calibration_word(int e) { (void)e; return "sigmoid"; }

/* The "evidence" object of a format 2 model with schema s. */
static void read_evidence(jreader *r, cr_model *m, const cr_schema *s)
{
    cr_evidence *ev = &m->ev;
    const int e = need(r, 0, "evidence", CR_JSON_OBJECT, "");
    read_metrics(r, need(r, e, "train", CR_JSON_OBJECT, "evidence: "), &ev->train, "train");
    const int h = object_or_null(r, e, "holdout", "evidence: ");
    if (h >= 0) {
        ev->holdout_method = (cr_holdout_method)(1 + get_enum(r, h, "method", holdout_word, 2, "evidence: holdout: "));
        ev->holdout_fraction = get_nullable(r, h, "fraction", "evidence: holdout: ");
        ev->holdout_seed = (uint32_t)get_int(r, h, "seed", 0, 0xFFFFFFFFLL, "evidence: holdout: ");
        read_metrics(r, need(r, h, "metrics", CR_JSON_OBJECT, "evidence: holdout: "), &ev->holdout, "holdout");
    }
    const int c = object_or_null(r, e, "calibration", "evidence: ");
    if (c >= 0) {
        ev->calibration = (cr_calibration_method)(1 + get_enum(r, c, "method", calibration_word, 1,
                                                                "evidence: calibration: "));
        ev->cal_a = get_nullable(r, c, "a", "evidence: calibration: ");
        ev->cal_b = get_nullable(r, c, "b", "evidence: calibration: ");
    }
    const int ref = need(r, e, "reference", CR_JSON_OBJECT, "evidence: ");
    const int fa = array_of(r, ref, "features", (unsigned)s->n_features, "evidence: reference: ");
    for (size_t j = 0; j < s->n_features && r->st == CR_OK; j++) {
        const int o = item_object(r, fa, j, "features", "evidence: reference: ");
        char name[CR_MAX_NAME + 1], item[64];
        cr_bprintf(item, sizeof item, "evidence: reference: features[%zu]: ", j);
        get_string(r, o, "feature", name, sizeof name, item);
        if (r->st == CR_OK && strcmp(name, s->feature_name[j]) != 0)
            jfail(r, CR_E_SCHEMA, "feature", "evidence: reference: features[%zu] is for '%s', the model's feature "
                  "%zu is '%s'", j, name, j, s->feature_name[j]);
        read_bins(r, o, &ev->reference[j], item);
    }
    read_bins(r, need(r, ref, "score", CR_JSON_OBJECT, "evidence: reference: "), &ev->score_reference,
              "evidence: reference: score: ");
    ev->present = 1;
}

/* The "fields" and "features" arrays of the root object; `signs` (or NULL)
   receives each feature's "sign", which is optional when signs is NULL. */
static cr_schema *read_schema(jreader *r, uint8_t *signs)
{
    const cr_json_doc *doc = r->doc;
    cr_error *err = r->err;
    int fa = need(r, 0, "fields", CR_JSON_ARRAY, ""), ta = need(r, 0, "features", CR_JSON_ARRAY, "");
    size_t nf = fa >= 0 ? doc->tok[fa].count : 0, nd = ta >= 0 ? doc->tok[ta].count : 0;
    /* Too few or many: a schema's is cr_schema_create()'s status, a model's its bytes' (as its other counts). */
    const cr_status count = signs ? CR_E_COUNT : CR_E_SCHEMA;
    if (r->st == CR_OK && (nf < 1 || nf > CR_MAX_FIELDS))
        jfail(r, count, "fields", "%zu fields (need 1 to %d)", nf, CR_MAX_FIELDS);
    if (r->st == CR_OK && (nd < 1 || nd > CR_MAX_FEATURES))
        jfail(r, count, "features", "%zu features (need 1 to %d)", nd, CR_MAX_FEATURES);
    cr_field_spec fs[CR_MAX_FIELDS];
    cr_feature_spec ts[CR_MAX_FEATURES];
    char fname[CR_MAX_FIELDS][CR_MAX_NAME + 1], tname[CR_MAX_FEATURES][CR_MAX_NAME + 1],
        tfield[CR_MAX_FEATURES][CR_MAX_NAME + 1];
    char item[32];   /* "features[3]: " */
    for (size_t i = 0; i < nf && r->st == CR_OK; i++) {
        int o = item_object(r, fa, i, "fields", "");
        cr_bprintf(item, sizeof item, "fields[%zu]: ", i);
        get_string(r, o, "name", fname[i], sizeof fname[i], item);
        fs[i].name = fname[i];
        fs[i].type = (cr_field_type)get_enum(r, o, "type", type_name, 3, item);
    }
    for (size_t j = 0; j < nd && r->st == CR_OK; j++) {
        int o = item_object(r, ta, j, "features", "");
        cr_bprintf(item, sizeof item, "features[%zu]: ", j);
        get_string(r, o, "name", tname[j], sizeof tname[j], item);
        get_string(r, o, "field", tfield[j], sizeof tfield[j], item);
        ts[j].name = tname[j];
        ts[j].field = tfield[j];
        ts[j].invert = cr_json_get(doc, o, "invert") >= 0 || signs ? get_bool(r, o, "invert", item) : 0;
        if (signs) signs[j] = (uint8_t)get_enum(r, o, "sign", sign_name, 3, item);
    }
    cr_schema *s = NULL;
    if (r->st == CR_OK) r->st = cr_schema_create(fs, nf, ts, nd, &s, err);
    return s;
}

cr_status cr_schema_from_json(const char *json, size_t len, cr_schema **out, cr_error *err)
{
    if (!out) return cr_fail(err, CR_E_ARG, NULL, "out is NULL");
    *out = NULL;
    cr_json_doc doc;
    cr_status st = cr_json_parse(json, len, &doc, err);
    if (st != CR_OK) return st;
    jreader r = {&doc, err, CR_OK, "schema JSON"};
    if (doc.tok[0].type != CR_JSON_OBJECT)
        jfail(&r, CR_E_TYPE, NULL, "must be an object");
    *out = read_schema(&r, NULL);
    cr_json_free(&doc);
    return r.st;
}

cr_status cr_model_from_json(const char *json, size_t len, cr_model **out, cr_error *err)
{
    if (!out) return cr_fail(err, CR_E_ARG, NULL, "out is NULL");
    *out = NULL;
    cr_json_doc doc;
    cr_status st = cr_json_parse(json, len, &doc, err);
    if (st != CR_OK) return st;
    cr_model *m = calloc(1, sizeof *m);
    if (!m) {
        cr_json_free(&doc);
        return cr_fail(err, CR_E_NOMEM, NULL, "out of memory allocating model");
    }
    jreader r = {&doc, err, CR_OK, "model JSON"};
    if (doc.tok[0].type != CR_JSON_OBJECT)
        jfail(&r, CR_E_TYPE, NULL, "must be an object");
    char fmt[32];
    get_string(&r, 0, "format", fmt, sizeof fmt, "");
    if (r.st == CR_OK && strcmp(fmt, "callrisk-model") != 0)
        jfail(&r, CR_E_MAGIC, "format", "'format' is '%s', not 'callrisk-model'", fmt);
    long long version = get_int(&r, 0, "version", 0, 0xFFFF, "");
    if (r.st == CR_OK && version != FORMAT_V1 && version != FORMAT_V2)
        jfail(&r, CR_E_VERSION, "version", "format version %lld, this library reads %u to %u", version, FORMAT_V1,
              FORMAT_V2);

    cr_schema *s = read_schema(&r, m->sign);
    m->intercept = get_number(&r, 0, "intercept", "");
    size_t nd = s ? s->n_features : 0;
    get_array(&r, 0, "coef", m->coef, nd);
    get_array(&r, 0, "baseline", m->baseline, nd);
    int b = need(&r, 0, "bands", CR_JSON_OBJECT, "");
    m->band_high = (int)get_int(&r, b, "high", CR_BAND_MIN, CR_BAND_MAX, "bands: ");
    m->band_medium = (int)get_int(&r, b, "medium", CR_BAND_MIN, CR_BAND_MAX, "bands: ");
    int tr = need(&r, 0, "training", CR_JSON_OBJECT, "");
    cr_training_info *in = &m->info;
    in->rows = (uint64_t)get_int(&r, tr, "rows", 0, (long long)CR_ROWS_MAX, "training: ");
    in->weight_sum = get_number(&r, tr, "weight_sum", "training: ");
    in->C = get_number(&r, tr, "C", "training: ");
    in->fit_intercept = get_bool(&r, tr, "fit_intercept", "training: ");
    in->class_weight_mode = (cr_class_weight_mode)get_enum(&r, tr, "class_weight", cw_name, 3, "training: ");
    get_array(&r, tr, "class_weight_values", in->class_weight, 2);
    /* The ranges cr_model_validate() takes (bounded here: past an int they would wrap). */
    in->max_iter = (int)get_int(&r, tr, "max_iter", 1, CR_MAX_ITER_MAX, "training: ");
    in->tol = get_number(&r, tr, "tol", "training: ");
    get_string(&r, tr, "data_sha256", in->data_sha256, sizeof in->data_sha256, "training: ");
    if (r.st == CR_OK) {
        int hex_ok = strlen(in->data_sha256) == 64;
        for (int k = 0; k < 64 && hex_ok; k++)
            hex_ok = strchr("0123456789abcdef", in->data_sha256[k]) && in->data_sha256[k];
        if (!hex_ok)
            jfail(&r, CR_E_RANGE, "data_sha256", "training: 'data_sha256' must be 64 lowercase hex digits");
    }
    int so = need(&r, 0, "solver", CR_JSON_OBJECT, "");
    m->stats.iterations = (int)get_int(&r, so, "iterations", 0, CR_MAX_ITER_MAX, "solver: ");
    m->stats.converged = get_bool(&r, so, "converged", "solver: ");
    m->stats.objective = get_number(&r, so, "objective", "solver: ");
    m->stats.grad_norm = get_number(&r, so, "grad_norm", "solver: ");
    if (r.st == CR_OK && version == FORMAT_V1 && cr_json_get(&doc, 0, "evidence") >= 0)
        jfail(&r, CR_E_VERSION, "evidence", "'evidence' needs format version 2, not 1");
    if (r.st == CR_OK && version == FORMAT_V2) read_evidence(&r, m, s);
    char id[CR_MODEL_ID_SIZE + 1] = "";
    if (r.st == CR_OK && cr_json_get(&doc, 0, "id") >= 0) get_string(&r, 0, "id", id, sizeof id, "");

    st = r.st;
    if (st == CR_OK) {
        memcpy(&m->schema, s, sizeof *s);
        cr_model_drop_negative_zeros(m);   /* "-0" and "0" are the same JSON number */
        st = cr_model_validate(m, err);
    }
    cr_schema_free(s);
    if (st == CR_OK) st = cr_model_finish(m, err);
    if (st == CR_OK && id[0] && strcmp(id, m->id) != 0)
        st = cr_fail(err, CR_E_CHECKSUM, "id", "model JSON: 'id' %s does not match the contents (%s)", id,
                     m->id);
    cr_json_free(&doc);
    if (st != CR_OK) {
        free(m);
        return st;
    }
    *out = m;
    return CR_OK;
}
