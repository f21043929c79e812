/* options.c - training options: one table of their names, JSON forms and
 * defaults; the one check every host's options go through (liblinear's
 * check_parameter()); setting them from JSON or command-line text, so that
 * hosts pass options through instead of knowing them. */
#include "internal.h"
#include "json.h"
#include "numtext.h"

#include <limits.h>
#include <string.h>

typedef enum { K_NUMBER, K_INTEGER, K_BOOL, K_CLASS_WEIGHT, K_SIGNS, K_BANDS, K_NAME, K_HOLDOUT, K_CALIBRATION } option_kind;

typedef struct {
    const char *name;
    option_kind kind;
    const char *default_json;
    const char *doc;
} option_spec;

static const option_spec OPTIONS[] = {
    {"C", K_NUMBER, "1", "inverse L2 strength: > 0, with 1/C finite"},
    {"fit_intercept", K_BOOL, "true", "fit an unpenalised intercept"},
    {"class_weight", K_CLASS_WEIGHT, "\"none\"",
     "\"none\", \"balanced\" (class c weighs n / (2 count(c))), [w0, w1] or {\"0\": w0, \"1\": w1}"},
    {"max_iter", K_INTEGER, "100", "Newton iterations, 1 to 1000000"},
    {"tol", K_NUMBER, "1e-10", "stop when max |projected gradient| <= tol * weight sum; >= 0"},
    {"signs", K_SIGNS, "{}", "{\"feature\": \"free\" | \"nonneg\" | \"nonpos\"}: sign constraints"},
    {"bands", K_BANDS, "{\"high\":70,\"medium\":40}", "score >= high is HIGH, >= medium MEDIUM; 1 <= medium <= high <= 100"},
    {"label_column", K_NAME, "\"label\"", "the training data's column of 0/1 labels (CSV header, row key); not a field's name"},
    {"weight_column", K_NAME, "\"weight\"",
     "the training data's optional column of sample weights; not a field's name nor label_column"},
    {"holdout", K_HOLDOUT, "null",
     "rows kept out of the fit to measure it: null, or {\"fraction\": 0 < f < 1, \"method\": \"order\" (the last "
     "rows) | \"hash\" (pseudo-random by the row's content), \"seed\": 0 to 4294967295}"},
    {"calibration", K_CALIBRATION, "\"none\"",
     "\"none\" or \"sigmoid\": Platt scaling fitted on the holdout; probability = sigmoid(a logit + b)"},
};
#define N_OPTIONS (sizeof OPTIONS / sizeof *OPTIONS)

static const char *const KIND_NAMES[] = {
    [K_NUMBER] = "number", [K_INTEGER] = "integer", [K_BOOL] = "boolean", [K_CLASS_WEIGHT] = "class_weight",
    [K_SIGNS] = "signs", [K_BANDS] = "bands", [K_NAME] = "name", [K_HOLDOUT] = "holdout",
    [K_CALIBRATION] = "calibration",
};

static const char *const HOLDOUT_METHODS[] = {[CR_HOLDOUT_NONE] = "none", [CR_HOLDOUT_ORDER] = "order",
                                              [CR_HOLDOUT_HASH] = "hash"};
static const char *const CALIBRATIONS[] = {[CR_CALIBRATION_NONE] = "none", [CR_CALIBRATION_SIGMOID] = "sigmoid"};

const char *cr_holdout_method_name(cr_holdout_method m)
{
    return (unsigned)m <= CR_HOLDOUT_HASH ? HOLDOUT_METHODS[m] : "?";
}

const char *cr_calibration_name(cr_calibration_method c)
{
    return (unsigned)c <= CR_CALIBRATION_SIGMOID ? CALIBRATIONS[c] : "?";
}

void cr_train_options_init(cr_train_options *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->C = 1.0;
    o->fit_intercept = 1;
    o->class_weight_mode = CR_CLASS_WEIGHT_NONE;
    o->class_weight[0] = o->class_weight[1] = 1.0;
    o->max_iter = 100;
    o->tol = 1e-10;
    o->band_high = 70;
    o->band_medium = 40;
    strcpy(o->label_column, "label");
    strcpy(o->weight_column, "weight");
}

/* A column name that is no name: `got` is what was given, `len` bytes of it
   (shown up to 64). */
static cr_status bad_column(cr_error *err, const char *option, const char *got, size_t len)
{
    return cr_fail(err, CR_E_RANGE, option, "option '%s': must match [A-Za-z_][A-Za-z0-9_]* and have 1 to %d bytes, "
                   "got '%.*s'", option, CR_MAX_NAME, (int)(len < 64 ? len : 64), got);
}

cr_status cr_bands_check(int high, int medium, const char *what, cr_error *err)
{
    if (medium < CR_BAND_MIN || high < medium || high > CR_BAND_MAX)
        return cr_fail(err, CR_E_RANGE, "bands", "%s 'bands': need integers %d <= medium <= high <= %d, got "
                       "medium %d, high %d", what, CR_BAND_MIN, CR_BAND_MAX, medium, high);
    return CR_OK;
}

/* How much of the options a check judges: the whole (cr_train_options_check()),
   one option just set on options that were whole (cr_train_options_set()), or
   one of several being read (cr_train_options_from_json(): checks across
   options wait for the final set, so the keys' order cannot matter). */
typedef enum { CHECK_WHOLE, CHECK_SET, CHECK_READ } check_scope;

/* The column names: each a name, no field of the schema, the two distinct
   (not while reading). Their clash is reported on `changed` when that is the
   option just set (the other one was already there), else on weight_column. */
static cr_status check_columns(const cr_train_options *o, const cr_schema *s, const char *changed, check_scope scope,
                               cr_error *err)
{
    const char *const option[2] = {"label_column", "weight_column"};
    const char *const column[2] = {o->label_column, o->weight_column};
    for (int c = 0; c < 2; c++) {
        const char *end = memchr(column[c], 0, CR_MAX_NAME + 1);   /* a C host may have filled it whole */
        const size_t len = end ? (size_t)(end - column[c]) : CR_MAX_NAME + 1;
        if (!cr_name_valid(column[c], len)) return bad_column(err, option[c], column[c], len);
        if (cr_schema_field_index(s, column[c]) >= 0)
            return cr_fail(err, CR_E_RANGE, option[c], "option '%s': '%s' is a field of the schema", option[c],
                           column[c]);
    }
    if (scope != CHECK_READ && strcmp(o->label_column, o->weight_column) == 0) {
        const int c = changed && strcmp(changed, option[0]) == 0 ? 0 : 1;
        return cr_fail(err, CR_E_RANGE, option[c], "option '%s': '%s' is %s too; the label and weight columns "
                       "must differ", option[c], column[c], option[1 - c]);
    }
    return CR_OK;
}

/* The holdout and calibration; `final`: the options as a whole (calibration
   needs a holdout), not one being set while others may follow. */
static cr_status check_evidence(const cr_train_options *o, int final, cr_error *err)
{
    if ((unsigned)o->holdout_method > CR_HOLDOUT_HASH)
        return cr_fail(err, CR_E_RANGE, "holdout", "option 'holdout': unknown method %d", (int)o->holdout_method);
    if (o->holdout_method != CR_HOLDOUT_NONE && !(o->holdout_fraction > 0 && o->holdout_fraction < 1))
        return cr_fail(err, CR_E_RANGE, "holdout", "option 'holdout': fraction must be > 0 and < 1, got %.17g",
                       o->holdout_fraction);
    if ((unsigned)o->calibration > CR_CALIBRATION_SIGMOID)
        return cr_fail(err, CR_E_RANGE, "calibration", "option 'calibration': unknown method %d", (int)o->calibration);
    if (final && o->calibration != CR_CALIBRATION_NONE && o->holdout_method == CR_HOLDOUT_NONE)
        return cr_fail(err, CR_E_ARG, "calibration", "option 'calibration': \"%s\" is fitted on held-out rows: "
                       "set 'holdout' too", cr_calibration_name(o->calibration));
    return CR_OK;
}

static cr_status check_options(const cr_train_options *o, const cr_schema *s, const char *changed, check_scope scope,
                               cr_error *err)
{
    if (!o || !s) return cr_fail(err, CR_E_ARG, NULL, "options or schema is NULL");
    /* 1/C is the penalty: it must be finite too (C >= 5.6e-309). */
    if (!(o->C > 0) || o->C - o->C != 0 || !(1.0 / o->C < 1.0 / 0.0))
        return cr_fail(err, CR_E_RANGE, "C", "option 'C': must be a finite number > 0 with a finite inverse, "
                       "got %.17g", o->C);
    if (o->fit_intercept != 0 && o->fit_intercept != 1)
        return cr_fail(err, CR_E_RANGE, "fit_intercept", "option 'fit_intercept': must be 0 or 1, got %d",
                       o->fit_intercept);
    if (o->max_iter < 1 || o->max_iter > CR_MAX_ITER_MAX)
        return cr_fail(err, CR_E_RANGE, "max_iter", "option 'max_iter': must be 1 to %d, got %d", CR_MAX_ITER_MAX,
                       o->max_iter);
    if (!(o->tol >= 0) || o->tol - o->tol != 0)
        return cr_fail(err, CR_E_RANGE, "tol", "option 'tol': must be a finite number >= 0, got %.17g", o->tol);
    if ((unsigned)o->class_weight_mode > CR_CLASS_WEIGHT_EXPLICIT)
        return cr_fail(err, CR_E_RANGE, "class_weight", "option 'class_weight': unknown mode %d",
                       (int)o->class_weight_mode);
    if (o->class_weight_mode == CR_CLASS_WEIGHT_EXPLICIT)
        for (int c = 0; c < 2; c++)
            if (!(o->class_weight[c] >= 0) || o->class_weight[c] - o->class_weight[c] != 0)
                return cr_fail(err, CR_E_RANGE, "class_weight",
                               "option 'class_weight': weight of class %d must be a finite number >= 0, "
                               "got %.17g", c, o->class_weight[c]);
    for (size_t j = 0; j < s->n_features; j++)
        if ((unsigned)o->signs[j] > CR_SIGN_NONPOS)
            return cr_fail(err, CR_E_RANGE, s->feature_name[j], "option 'signs': feature '%s' has unknown sign %d",
                           s->feature_name[j], (int)o->signs[j]);
    for (size_t j = s->n_features; j < CR_MAX_FEATURES; j++)
        if (o->signs[j] != CR_SIGN_FREE)
            return cr_fail(err, CR_E_RANGE, "signs", "option 'signs': sign set for feature %zu, the schema has %zu",
                           j, s->n_features);
    cr_status st = cr_bands_check(o->band_high, o->band_medium, "option", err);
    if (st == CR_OK) st = check_columns(o, s, changed, scope, err);
    return st != CR_OK ? st : check_evidence(o, scope == CHECK_WHOLE, err);
}

cr_status cr_train_options_check(const cr_train_options *o, const cr_schema *s, cr_error *err)
{
    return check_options(o, s, NULL, CHECK_WHOLE, err);
}

const char *cr_sign_name(cr_sign s)
{
    switch (s) {
    case CR_SIGN_FREE: return "free";
    case CR_SIGN_NONNEG: return "nonneg";
    case CR_SIGN_NONPOS: return "nonpos";
    }
    return "?";
}

const char *cr_class_weight_name(cr_class_weight_mode m)
{
    switch (m) {
    case CR_CLASS_WEIGHT_NONE: return "none";
    case CR_CLASS_WEIGHT_BALANCED: return "balanced";
    case CR_CLASS_WEIGHT_EXPLICIT: return "explicit";
    }
    return "?";
}

/* ---- setting options from JSON ---- */

static const option_spec *find_option(const char *name)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strcmp(OPTIONS[i].name, name) == 0) return &OPTIONS[i];
    return NULL;
}

static cr_status wrong_type(cr_error *err, const char *name, const char *want, int got)
{
    return cr_fail(err, CR_E_TYPE, name, "option '%s': must be %s, got %s", name, want, cr_json_type_name(got));
}

/* A number token's value, or CR_E_TYPE. */
static cr_status number_at(const cr_json_doc *d, int t, const char *name, double *v, cr_error *err)
{
    if (!cr_json_number(d, t, v)) return wrong_type(err, name, "a number", d->tok[t].type);
    return CR_OK;
}

static cr_status set_value(cr_train_options *o, const cr_schema *s, const option_spec *spec, const cr_json_doc *d,
                           int t, cr_error *err)
{
    const char *name = spec->name;
    const int type = d->tok[t].type;
    double v = 0;
    int64_t n = 0;
    char written[48];   /* a number as written, for a message */
    cr_status st = CR_OK;
    switch (spec->kind) {
    case K_NUMBER:
        if ((st = number_at(d, t, name, &v, err)) != CR_OK) return st;
        if (strcmp(name, "C") == 0) o->C = v;
        else o->tol = v;
        return CR_OK;
    case K_INTEGER:   /* max_iter */
        if ((st = number_at(d, t, name, &v, err)) != CR_OK) return st;
        /* From the text (the double can hide a fraction): a whole number past
           an int is out of range, as one past CR_MAX_ITER_MAX in it. */
        st = cr_json_integer(d, t, &n);
        if (st == CR_E_TYPE)
            return cr_fail(err, CR_E_TYPE, name, "option '%s': must be an integer, got %s", name,
                           cr_json_text(d, t, written, sizeof written));
        if (st != CR_OK || n < INT_MIN || n > INT_MAX)
            return cr_fail(err, CR_E_RANGE, name, "option '%s': must be 1 to %d, got %s", name, CR_MAX_ITER_MAX,
                           cr_json_text(d, t, written, sizeof written));
        o->max_iter = (int)n;
        return CR_OK;
    case K_BOOL:
        if (type != CR_JSON_TRUE && type != CR_JSON_FALSE) return wrong_type(err, name, "true or false", type);
        o->fit_intercept = type == CR_JSON_TRUE;
        return CR_OK;
    case K_CLASS_WEIGHT: {
        char mode[16];
        if (type == CR_JSON_STRING) {
            if (!cr_json_string(d, t, mode, sizeof mode) || (strcmp(mode, "none") != 0 && strcmp(mode, "balanced") != 0))
                return cr_fail(err, CR_E_RANGE, name, "option 'class_weight': must be \"none\", \"balanced\", "
                               "[w0, w1] or {\"0\": w0, \"1\": w1}");
            o->class_weight_mode = strcmp(mode, "none") == 0 ? CR_CLASS_WEIGHT_NONE : CR_CLASS_WEIGHT_BALANCED;
            return CR_OK;
        }
        int w[2] = {-1, -1};
        if (type == CR_JSON_ARRAY && d->tok[t].count == 2) {
            w[0] = cr_json_item(d, t, 0);
            w[1] = cr_json_item(d, t, 1);
        } else if (type == CR_JSON_OBJECT && d->tok[t].count == 2) {
            w[0] = cr_json_get(d, t, "0");
            w[1] = cr_json_get(d, t, "1");
        }
        if (w[0] < 0 || w[1] < 0)
            return wrong_type(err, name, "\"none\", \"balanced\", [w0, w1] or {\"0\": w0, \"1\": w1}", type);
        for (int c = 0; c < 2; c++)
            if ((st = number_at(d, w[c], name, &o->class_weight[c], err)) != CR_OK) return st;
        o->class_weight_mode = CR_CLASS_WEIGHT_EXPLICIT;
        return CR_OK;
    }
    case K_SIGNS: {
        if (type != CR_JSON_OBJECT) return wrong_type(err, name, "an object of feature names", type);
        int k = t + 1;
        for (uint32_t m = 0; m < d->tok[t].count; m++) {
            char feature[CR_MAX_NAME + 1], sign[16];
            const int value = k + 1;
            size_t j = 0;
            if (cr_json_string(d, k, feature, sizeof feature))
                while (j < s->n_features && strcmp(s->feature_name[j], feature) != 0) j++;
            else j = s->n_features;
            if (j == s->n_features)
                return cr_fail(err, CR_E_RANGE, "signs", "option 'signs': no feature '%.*s' in the schema",
                               (int)(d->tok[k].end - d->tok[k].start < 64 ? d->tok[k].end - d->tok[k].start : 64),
                               d->src + d->tok[k].start);
            if (d->tok[value].type != CR_JSON_STRING)
                return cr_fail(err, CR_E_TYPE, feature, "option 'signs': feature '%s' must be \"free\", \"nonneg\" "
                               "or \"nonpos\", got %s", feature, cr_json_type_name(d->tok[value].type));
            int found = -1;
            if (cr_json_string(d, value, sign, sizeof sign))
                for (int c = CR_SIGN_FREE; c <= CR_SIGN_NONPOS; c++)
                    if (strcmp(sign, cr_sign_name((cr_sign)c)) == 0) found = c;
            if (found < 0)
                return cr_fail(err, CR_E_RANGE, feature, "option 'signs': feature '%s' must be \"free\", "
                               "\"nonneg\" or \"nonpos\"", feature);
            o->signs[j] = (cr_sign)found;
            k = (int)d->tok[value].next;
        }
        return CR_OK;
    }
    case K_BANDS: {
        if (type != CR_JSON_OBJECT) return wrong_type(err, name, "an object {\"high\": int, \"medium\": int}", type);
        int k = t + 1;
        for (uint32_t m = 0; m < d->tok[t].count; m++) {
            char member[16] = "";
            const int value = k + 1;
            cr_json_string(d, k, member, sizeof member);
            int *dst = strcmp(member, "high") == 0 ? &o->band_high : strcmp(member, "medium") == 0 ? &o->band_medium : NULL;
            if (!dst) return cr_fail(err, CR_E_ARG, "bands", "option 'bands': unknown member (known: high, medium)");
            if ((st = number_at(d, value, "bands", &v, err)) != CR_OK) return st;
            st = cr_json_integer(d, value, &n);
            if (st == CR_E_TYPE)
                return cr_fail(err, CR_E_TYPE, "bands", "option 'bands': %s must be an integer, got %s", member,
                               cr_json_text(d, value, written, sizeof written));
            if (st != CR_OK || n < INT_MIN || n > INT_MAX)   /* cr_bands_check()'s range, the text as written */
                return cr_fail(err, CR_E_RANGE, "bands", "option 'bands': need integers %d <= medium <= high <= %d, "
                               "got %s %s", CR_BAND_MIN, CR_BAND_MAX, member,
                               cr_json_text(d, value, written, sizeof written));
            *dst = (int)n;
            k = (int)d->tok[value].next;
        }
        return CR_OK;
    }
    case K_HOLDOUT: {
        if (type == CR_JSON_NULL) {
            o->holdout_method = CR_HOLDOUT_NONE;
            o->holdout_fraction = 0;
            o->holdout_seed = 0;
            return CR_OK;
        }
        if (type != CR_JSON_OBJECT)
            return wrong_type(err, name, "null or {\"fraction\": f, \"method\": \"order\" | \"hash\", \"seed\": n}", type);
        cr_holdout_method method = CR_HOLDOUT_ORDER;
        double fraction = 0.0 / 0.0, seed = 0;
        int k = t + 1;
        for (uint32_t m = 0; m < d->tok[t].count; m++) {
            char member[16] = "", text[16] = "";
            const int value = k + 1;
            cr_json_string(d, k, member, sizeof member);
            if (strcmp(member, "fraction") == 0) {
                if ((st = number_at(d, value, name, &fraction, err)) != CR_OK) return st;
            } else if (strcmp(member, "seed") == 0) {
                if ((st = number_at(d, value, name, &seed, err)) != CR_OK) return st;
                if (!(seed >= 0 && seed <= 4294967295.0) || seed != (double)(uint32_t)seed)
                    return cr_fail(err, CR_E_RANGE, name, "option 'holdout': seed must be an integer 0 to 4294967295, "
                                   "got %.17g", seed);
                if (cr_json_integer(d, value, &n) != CR_OK)
                    return cr_fail(err, CR_E_RANGE, name, "option 'holdout': seed must be an integer 0 to 4294967295, "
                                   "got %s", cr_json_text(d, value, written, sizeof written));
            } else if (strcmp(member, "method") == 0) {
                if (d->tok[value].type != CR_JSON_STRING)
                    return wrong_type(err, name, "a method \"order\" or \"hash\"", d->tok[value].type);
                cr_json_string(d, value, text, sizeof text);
                if (strcmp(text, "order") == 0) method = CR_HOLDOUT_ORDER;
                else if (strcmp(text, "hash") == 0) method = CR_HOLDOUT_HASH;
                else return cr_fail(err, CR_E_RANGE, name, "option 'holdout': method must be \"order\" or \"hash\"");
            } else {
                return cr_fail(err, CR_E_ARG, name, "option 'holdout': unknown member (known: fraction, method, seed)");
            }
            k = (int)d->tok[value].next;
        }
        if (fraction != fraction)
            return cr_fail(err, CR_E_MISSING, name, "option 'holdout': fraction is required");
        o->holdout_method = method;
        o->holdout_fraction = fraction;
        o->holdout_seed = (uint32_t)seed;
        return CR_OK;
    }
    case K_CALIBRATION: {
        char text[16] = "";
        if (type != CR_JSON_STRING) return wrong_type(err, name, "\"none\" or \"sigmoid\"", type);
        cr_json_string(d, t, text, sizeof text);
        if (strcmp(text, "none") == 0) o->calibration = CR_CALIBRATION_NONE;
        else if (strcmp(text, "sigmoid") == 0) o->calibration = CR_CALIBRATION_SIGMOID;
        else return cr_fail(err, CR_E_RANGE, name, "option 'calibration': must be \"none\" or \"sigmoid\"");
        return CR_OK;
    }
    case K_NAME: {
        if (type != CR_JSON_STRING) return wrong_type(err, name, "a column name (a string)", type);
        char column[CR_MAX_NAME + 1];
        /* Too long (a NUL never gets here: the reader refuses "\u0000"). */
        if (!cr_json_string(d, t, column, sizeof column))
            return bad_column(err, name, d->src + d->tok[t].start, d->tok[t].end - d->tok[t].start);
        char *dst = strcmp(name, "label_column") == 0 ? o->label_column : o->weight_column;
        memset(dst, 0, CR_MAX_NAME + 1);   /* the same options, the same bytes */
        strcpy(dst, column);
        return CR_OK;
    }
    }
    return CR_OK;
}

/* Sets one option from value token t of d, all or nothing. */
static cr_status set_token(cr_train_options *o, const cr_schema *s, const char *name, const cr_json_doc *d, int t,
                           check_scope scope, cr_error *err)
{
    const option_spec *spec = find_option(name);
    if (!spec) {
        char known[256];
        cr_text list = {known, sizeof known, 0};
        for (size_t i = 0; i < N_OPTIONS; i++) {
            if (i) cr_text_str(&list, ", ");
            cr_text_str(&list, OPTIONS[i].name);
        }
        cr_text_end(&list, NULL, NULL);
        return cr_fail(err, CR_E_ARG, name, "unknown option '%.64s' (known: %s)", name, known);
    }
    cr_train_options tmp = *o;
    cr_status st = set_value(&tmp, s, spec, d, t, err);
    if (st == CR_OK) st = check_options(&tmp, s, spec->name, scope, err);
    if (st == CR_OK) *o = tmp;
    return st;
}

cr_status cr_train_options_set(cr_train_options *o, const cr_schema *s, const char *name, const char *json,
                               size_t len, cr_error *err)
{
    if (!o || !s || !name || !json) return cr_fail(err, CR_E_ARG, NULL, "options, schema, name or value is NULL");
    cr_json_doc d;
    cr_error why;
    cr_status st = cr_json_parse(json, len, &d, &why);
    if (st != CR_OK) {
        /* The reader's error, on the option (a key's path is the feature's, for signs). */
        const option_spec *spec = find_option(name);
        const char *field = st == CR_E_NOMEM ? NULL : spec && spec->kind == K_SIGNS && why.field[0] ? why.field : name;
        cr_fail(err, st, field, "%s", why.message);
        if (err) err->line = why.line, err->column = why.column;
        return st;
    }
    st = set_token(o, s, name, &d, 0, CHECK_SET, err);
    cr_json_free(&d);
    return st;
}

cr_status cr_train_options_from_json(cr_train_options *o, const cr_schema *s, const char *json, size_t len,
                                     cr_error *err)
{
    if (!o || !s || !json) return cr_fail(err, CR_E_ARG, NULL, "options, schema or JSON is NULL");
    cr_train_options_init(o);
    cr_json_doc d;
    cr_status st = cr_json_parse(json, len, &d, err);
    if (st != CR_OK) return st;
    if (d.tok[0].type != CR_JSON_OBJECT) {
        st = cr_fail(err, CR_E_TYPE, NULL, "options: must be a JSON object, got %s", cr_json_type_name(d.tok[0].type));
    } else {
        int k = 1, label_given = 0, weight_given = 0;
        for (uint32_t m = 0; m < d.tok[0].count && st == CR_OK; m++) {
            char name[CR_MAX_NAME + 1];
            if (!cr_json_string(&d, k, name, sizeof name)) {
                st = cr_fail(err, CR_E_ARG, NULL, "options: an option name longer than %d bytes", CR_MAX_NAME);
                break;
            }
            st = set_token(o, s, name, &d, k + 1, CHECK_READ, err);
            label_given |= strcmp(name, "label_column") == 0;
            weight_given |= strcmp(name, "weight_column") == 0;
            k = (int)d.tok[k + 1].next;
        }
        /* The options as a whole: a clash of the columns is the one given's,
           weight_column's when both were (whatever their order). */
        if (st == CR_OK)
            st = check_options(o, s, label_given && !weight_given ? "label_column" : NULL, CHECK_WHOLE, err);
    }
    cr_json_free(&d);
    if (st != CR_OK) cr_train_options_init(o);
    return st;
}

/* ---- command-line text ---- */

/* RFC 8259's number grammar, whole string (no allocation). */
static int json_number(const char *p)
{
#define DIGITS(p) (*(p) >= '0' && *(p) <= '9')
    if (*p == '-') p++;
    if (*p == '0') p++;
    else if (DIGITS(p)) while (DIGITS(p)) p++;
    else return 0;
    if (*p == '.') {
        if (!DIGITS(++p)) return 0;
        while (DIGITS(p)) p++;
    }
    if (*p == 'e' || *p == 'E') {
        if (*++p == '+' || *p == '-') p++;
        if (!DIGITS(p)) return 0;
        while (DIGITS(p)) p++;
    }
#undef DIGITS
    return *p == 0;
}

/* One to three comma-separated parts of text into f[64], m[16], seed[16]:
   how many, or 0 when a part is empty or too long or a fourth follows (the
   whole text is read: "0.2,hash,5,x" is no holdout). */
static int holdout_parts(const char *text, char *f, char *m, char *seed)
{
    char *const out[3] = {f, m, seed};
    const size_t cap[3] = {64, 16, 16};
    for (int parts = 0; parts < 3; parts++) {
        const size_t n = strcspn(text, ",");
        if (n == 0 || n >= cap[parts]) return 0;
        memcpy(out[parts], text, n);
        out[parts][n] = 0;
        if (!text[n]) return parts + 1;
        text += n + 1;
    }
    return 0;
}

/* "a,b" into two parts (no more commas), each a JSON number. */
static int two_numbers(const char *text, char *a, char *b, size_t cap)
{
    const char *comma = strchr(text, ',');
    if (!comma || strchr(comma + 1, ',') || (size_t)(comma - text) >= cap || strlen(comma + 1) >= cap) return 0;
    memcpy(a, text, (size_t)(comma - text));
    a[comma - text] = 0;
    strcpy(b, comma + 1);
    return json_number(a) && json_number(b);
}

cr_status cr_train_options_set_text(cr_train_options *o, const cr_schema *s, const char *name, const char *text,
                                     cr_error *err)
{
    if (!o || !s || !name || !text) return cr_fail(err, CR_E_ARG, NULL, "options, schema, name or text is NULL");
    const option_spec *spec = find_option(name);
    if (!spec) return cr_train_options_set(o, s, name, "null", 4, err);   /* names the unknown option */
    char json[320], a[128], b[128];
    cr_text j = {json, sizeof json, 0};   /* (fits: the parts' lengths are bounded below) */
    const char *form = NULL;
    const size_t n = strlen(text);
    switch (spec->kind) {
    case K_NUMBER:
    case K_INTEGER:
        if (n < sizeof json) cr_bprintf(json, sizeof json, "%s", text);
        else form = "a number";
        break;
    case K_BOOL:
        if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0) strcpy(json, "true");
        else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0) strcpy(json, "false");
        else form = "true or false";
        break;
    case K_CLASS_WEIGHT:
        if (strcmp(text, "none") == 0 || strcmp(text, "balanced") == 0) cr_bprintf(json, sizeof json, "\"%s\"", text);
        else if (two_numbers(text, a, b, sizeof a)) cr_bprintf(json, sizeof json, "[%s,%s]", a, b);
        else form = "'none', 'balanced' or 'W0,W1'";
        break;
    case K_BANDS:
        if (two_numbers(text, a, b, sizeof a)) cr_bprintf(json, sizeof json, "{\"high\":%s,\"medium\":%s}", a, b);
        else form = "'HIGH,MEDIUM'";
        break;
    case K_SIGNS: {   /* the sign as a JSON string: pasted, a quote in it could set another feature */
        const char *eq = strchr(text, '=');
        if (eq && (size_t)(eq - text) <= CR_MAX_NAME && cr_name_valid(text, (size_t)(eq - text)) && strlen(eq + 1) < 16) {
            cr_text_printf(&j, "{\"%.*s\":", (int)(eq - text), text);
            cr_text_json_string(&j, eq + 1);
            cr_text_str(&j, "}");
        } else form = "'FEATURE=free|nonneg|nonpos'";
        break;
    }
    case K_HOLDOUT: {   /* none | F | F,order | F,hash | F,hash,SEED */
        char f[64] = "", m[16] = "order", seed[16] = "0";
        const int parts = strcmp(text, "none") == 0 ? 0 : holdout_parts(text, f, m, seed);
        if (strcmp(text, "none") == 0) strcpy(json, "null");
        else if (parts >= 1 && json_number(f) && (parts < 3 || json_number(seed)) && n < 96) {
            cr_text_printf(&j, "{\"fraction\":%s,\"method\":", f);
            cr_text_json_string(&j, m);   /* as the sign: a string, never pasted */
            cr_text_printf(&j, ",\"seed\":%s}", seed);
        } else form = "'none', 'F', 'F,order', 'F,hash' or 'F,hash,SEED'";
        break;
    }
    case K_CALIBRATION:
        if (strcmp(text, "none") == 0 || strcmp(text, "sigmoid") == 0) cr_bprintf(json, sizeof json, "\"%s\"", text);
        else form = "'none' or 'sigmoid'";
        break;
    case K_NAME:   /* as written: a name needs no quoting, anything else is no name */
        if (!cr_name_valid(text, n)) return bad_column(err, spec->name, text, n);
        cr_bprintf(json, sizeof json, "\"%s\"", text);
        break;
    }
    if (form) return cr_fail(err, CR_E_TYPE, spec->name, "option '%s': must be %s, got '%.64s'", spec->name, form, text);
    if (j.len) cr_text_end(&j, NULL, NULL);   /* built with cr_text: NUL-terminated */
    cr_json_doc d;
    cr_error why;
    cr_status st = cr_json_parse(json, strlen(json), &d, &why);
    if (st == CR_E_NOMEM) return cr_fail(err, st, NULL, "%s", why.message);
    if (st != CR_OK)
        return cr_fail(err, CR_E_TYPE, spec->name, "option '%s': '%.64s' is not %s", spec->name, text,
                       spec->kind == K_SIGNS ? "a sign" : "a number");
    st = set_token(o, s, spec->name, &d, 0, CHECK_SET, err);
    cr_json_free(&d);
    return st;
}

/* ---- what hosts read ---- */

cr_status cr_training_columns_json(const cr_schema *s, const cr_train_options *o, char *dst, size_t cap, size_t *size,
                                   cr_error *err)
{
    if (!s) return cr_fail(err, CR_E_ARG, NULL, "schema is NULL");
    cr_train_options defaults;
    if (!o) {
        cr_train_options_init(&defaults);
        o = &defaults;
    }
    const cr_status st = cr_train_options_check(o, s, err);
    if (st != CR_OK) return st;
    cr_text t = {dst, dst ? cap : 0, 0};
    cr_text_str(&t, "[");
    for (size_t i = 0; i < s->n_fields; i++)
        cr_text_printf(&t, "{\"name\":\"%s\",\"role\":\"field\",\"type\":\"%s\"},", s->field_name[i],
                       cr_field_type_name((cr_field_type)s->field_type[i]));
    cr_text_printf(&t, "{\"name\":\"%s\",\"role\":\"label\",\"required\":true},"
                       "{\"name\":\"%s\",\"role\":\"weight\",\"required\":false}]",
                   o->label_column, o->weight_column);
    return cr_text_end(&t, size, err);
}

void cr_options_describe(cr_text *t)
{
    cr_text_str(t, "[");
    for (size_t i = 0; i < N_OPTIONS; i++) {
        cr_text_printf(t, "%s{\"name\":\"%s\",\"kind\":\"%s\",\"default\":%s,\"doc\":", i ? "," : "",
                       OPTIONS[i].name, KIND_NAMES[OPTIONS[i].kind], OPTIONS[i].default_json);
        cr_text_json_string(t, OPTIONS[i].doc);
        cr_text_str(t, "}");
    }
    cr_text_str(t, "]");
}
