/* model_json.c - canonical JSON form of a model, and the model card. */
#include "internal.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>

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

/* The closing members both forms share: bands, training, solver. */
static cr_status end_with_bands_and_training(cr_text *t, const cr_model *m, size_t *size, cr_error *err)
{
    bands(t, m);
    cr_text_str(t, ",");
    training(t, m);
    cr_text_str(t, "}");
    return cr_text_end(t, size, err);
}

cr_status cr_model_to_json(const cr_model *m, char *dst, size_t cap, size_t *size, cr_error *err)
{
    if (!m) return cr_fail(err, CR_E_ARG, NULL, "model is NULL");
    cr_text t = {dst, dst ? cap : 0, 0};
    const cr_schema *s = &m->schema;
    cr_text_printf(&t, "{\"format\":\"callrisk-model\",\"version\":%u,", CR_MODEL_FORMAT_VERSION);
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
} jreader;

static int need(jreader *r, int obj, const char *k, int type, const char *where)
{
    if (r->st != CR_OK) return -1;
    int v = cr_json_get(r->doc, obj, k);
    if (v < 0) {
        r->st = cr_fail(r->err, CR_E_MISSING, k, "model JSON: %s'%s' is missing", where, k);
        return -1;
    }
    int vt = r->doc->tok[v].type;
    int ok = vt == type || (type == CR_JSON_TRUE && vt == CR_JSON_FALSE);
    if (!ok) {
        r->st = cr_fail(r->err, CR_E_TYPE, k, "model JSON: %s'%s' must be %s, got %s", where, k,
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
    double v = get_number(r, obj, k, where);
    if (r->st == CR_OK && !(v >= (double)lo && v <= (double)hi && v == (double)(long long)v))
        r->st = cr_fail(r->err, CR_E_RANGE, k, "model JSON: %s'%s' must be an integer in %lld..%lld",
                        where, k, lo, hi);
    return r->st == CR_OK ? (long long)v : 0;
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
        r->st = cr_fail(r->err, CR_E_RANGE, k, "model JSON: %s'%s' is too long", where, k);
}

static int get_enum(jreader *r, int obj, const char *k, const char *(*name)(int), int n, const char *where)
{
    char buf[32];
    get_string(r, obj, k, buf, sizeof buf, where);
    for (int e = 0; e < n && r->st == CR_OK; e++)
        if (strcmp(buf, name(e)) == 0) return e;
    if (r->st == CR_OK)
        r->st = cr_fail(r->err, CR_E_RANGE, k, "model JSON: %s'%s' has unknown value '%s'", where, k, buf);
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
        r->st = cr_fail(r->err, CR_E_COUNT, k, "model JSON: '%s' has %u values, expected %zu", k,
                        r->doc->tok[a].count, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (!cr_json_number(r->doc, cr_json_item(r->doc, a, i), &dst[i])) {
            r->st = cr_fail(r->err, CR_E_TYPE, k, "model JSON: '%s'[%zu] must be a number", k, i);
            return;
        }
}

/* The "fields" and "features" arrays of the root object; `signs` (or NULL)
   receives each feature's "sign", which is optional when signs is NULL. */
static cr_schema *read_schema(jreader *r, uint8_t *signs)
{
    const cr_json_doc *doc = r->doc;
    cr_error *err = r->err;
    int fa = need(r, 0, "fields", CR_JSON_ARRAY, ""), ta = need(r, 0, "features", CR_JSON_ARRAY, "");
    size_t nf = fa >= 0 ? doc->tok[fa].count : 0, nd = ta >= 0 ? doc->tok[ta].count : 0;
    if (r->st == CR_OK && (nf < 1 || nf > CR_MAX_FIELDS))
        r->st = cr_fail(err, CR_E_COUNT, "fields", "JSON: %zu fields (need 1 to %d)", nf, CR_MAX_FIELDS);
    if (r->st == CR_OK && (nd < 1 || nd > CR_MAX_FEATURES))
        r->st = cr_fail(err, CR_E_COUNT, "features", "JSON: %zu features (need 1 to %d)", nd, CR_MAX_FEATURES);
    cr_field_spec fs[CR_MAX_FIELDS];
    cr_feature_spec ts[CR_MAX_FEATURES];
    char fname[CR_MAX_FIELDS][CR_MAX_NAME + 1], tname[CR_MAX_FEATURES][CR_MAX_NAME + 1],
        tfield[CR_MAX_FEATURES][CR_MAX_NAME + 1];
    for (size_t i = 0; i < nf && r->st == CR_OK; i++) {
        int o = cr_json_item(doc, fa, i);
        get_string(r, o, "name", fname[i], sizeof fname[i], "fields[]: ");
        fs[i].name = fname[i];
        fs[i].type = (cr_field_type)get_enum(r, o, "type", type_name, 3, "fields[]: ");
    }
    for (size_t j = 0; j < nd && r->st == CR_OK; j++) {
        int o = cr_json_item(doc, ta, j);
        get_string(r, o, "name", tname[j], sizeof tname[j], "features[]: ");
        get_string(r, o, "field", tfield[j], sizeof tfield[j], "features[]: ");
        ts[j].name = tname[j];
        ts[j].field = tfield[j];
        ts[j].invert = cr_json_get(doc, o, "invert") >= 0 || signs ? get_bool(r, o, "invert", "features[]: ") : 0;
        if (signs) signs[j] = (uint8_t)get_enum(r, o, "sign", sign_name, 3, "features[]: ");
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
    jreader r = {&doc, err, CR_OK};
    if (doc.tok[0].type != CR_JSON_OBJECT)
        r.st = cr_fail(err, CR_E_TYPE, NULL, "schema JSON: must be an object");
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
    jreader r = {&doc, err, CR_OK};
    if (doc.tok[0].type != CR_JSON_OBJECT)
        r.st = cr_fail(err, CR_E_TYPE, NULL, "model JSON: must be an object");
    char fmt[32];
    get_string(&r, 0, "format", fmt, sizeof fmt, "");
    if (r.st == CR_OK && strcmp(fmt, "callrisk-model") != 0)
        r.st = cr_fail(err, CR_E_MAGIC, "format", "model JSON: 'format' is '%s', not 'callrisk-model'", fmt);
    long long version = get_int(&r, 0, "version", 0, 0xFFFF, "");
    if (r.st == CR_OK && version != CR_MODEL_FORMAT_VERSION)
        r.st = cr_fail(err, CR_E_VERSION, "version", "model JSON: format version %lld, this library reads %u",
                       version, CR_MODEL_FORMAT_VERSION);

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
    in->rows = (uint64_t)get_int(&r, tr, "rows", 0, 9007199254740992LL, "training: ");
    in->weight_sum = get_number(&r, tr, "weight_sum", "training: ");
    in->C = get_number(&r, tr, "C", "training: ");
    in->fit_intercept = get_bool(&r, tr, "fit_intercept", "training: ");
    in->class_weight_mode = (cr_class_weight_mode)get_enum(&r, tr, "class_weight", cw_name, 3, "training: ");
    get_array(&r, tr, "class_weight_values", in->class_weight, 2);
    in->max_iter = (int)get_int(&r, tr, "max_iter", 0, 0xFFFFFFFFLL, "training: ");
    in->tol = get_number(&r, tr, "tol", "training: ");
    get_string(&r, tr, "data_sha256", in->data_sha256, sizeof in->data_sha256, "training: ");
    if (r.st == CR_OK) {
        int hex_ok = strlen(in->data_sha256) == 64;
        for (int k = 0; k < 64 && hex_ok; k++)
            hex_ok = strchr("0123456789abcdef", in->data_sha256[k]) && in->data_sha256[k];
        if (!hex_ok)
            r.st = cr_fail(err, CR_E_RANGE, "data_sha256", "model JSON: training: 'data_sha256' must be 64 "
                           "lowercase hex digits");
    }
    int so = need(&r, 0, "solver", CR_JSON_OBJECT, "");
    m->stats.iterations = (int)get_int(&r, so, "iterations", 0, 0xFFFFFFFFLL, "solver: ");
    m->stats.converged = get_bool(&r, so, "converged", "solver: ");
    m->stats.objective = get_number(&r, so, "objective", "solver: ");
    m->stats.grad_norm = get_number(&r, so, "grad_norm", "solver: ");
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
