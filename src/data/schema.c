/* schema.c - input fields, the features computed from them, row validation. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Counts must be exactly representable: 2^53. */
#define CR_COUNT_MAX 9007199254740992.0

static int name_taken(char names[][CR_MAX_NAME + 1], size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) return 1;
    return 0;
}

cr_status cr_schema_create(const cr_field_spec *fields, size_t n_fields,
                           const cr_feature_spec *features, size_t n_features,
                           cr_schema **out, cr_error *err)
{
    if (!out) return cr_fail(err, CR_E_ARG, NULL, "out is NULL");
    *out = NULL;
    if (!fields || n_fields == 0 || n_fields > CR_MAX_FIELDS)
        return cr_fail(err, CR_E_SCHEMA, NULL, "schema needs 1 to %d fields, got %zu",
                       CR_MAX_FIELDS, fields ? n_fields : 0);
    if (!features || n_features == 0 || n_features > CR_MAX_FEATURES)
        return cr_fail(err, CR_E_SCHEMA, NULL, "schema needs 1 to %d features, got %zu",
                       CR_MAX_FEATURES, features ? n_features : 0);

    cr_schema *s = calloc(1, sizeof *s);
    if (!s) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory allocating schema");
    cr_status st = CR_OK;
    for (size_t i = 0; i < n_fields && st == CR_OK; i++) {
        const char *name = fields[i].name;
        if (!name || !cr_name_valid(name, strlen(name)))
            st = cr_fail(err, CR_E_SCHEMA, name, "field %zu: name '%s' must match [A-Za-z_][A-Za-z0-9_]* "
                         "and have 1 to %d bytes", i, name ? name : "(null)", CR_MAX_NAME);
        else if (name_taken(s->field_name, i, name))
            st = cr_fail(err, CR_E_SCHEMA, name, "field '%s': duplicate name", name);
        else if ((unsigned)fields[i].type > CR_FIELD_REAL)
            st = cr_fail(err, CR_E_SCHEMA, name, "field '%s': unknown type %d", name, (int)fields[i].type);
        else {
            strcpy(s->field_name[i], name);
            s->field_type[i] = (uint8_t)fields[i].type;
        }
    }
    s->n_fields = n_fields;
    uint64_t used = 0;
    for (size_t j = 0; j < n_features && st == CR_OK; j++) {
        const char *name = features[j].name;
        int fi = features[j].field ? cr_schema_field_index(s, features[j].field) : -1;
        if (!name || !cr_name_valid(name, strlen(name)))
            st = cr_fail(err, CR_E_SCHEMA, name, "feature %zu: name '%s' must match [A-Za-z_][A-Za-z0-9_]* "
                         "and have 1 to %d bytes", j, name ? name : "(null)", CR_MAX_NAME);
        else if (name_taken(s->feature_name, j, name))
            st = cr_fail(err, CR_E_SCHEMA, name, "feature '%s': duplicate name", name);
        else if (fi < 0)
            st = cr_fail(err, CR_E_SCHEMA, name, "feature '%s': reads unknown field '%s'", name,
                         features[j].field ? features[j].field : "(null)");
        else if (features[j].invert && s->field_type[fi] != CR_FIELD_BOOL)
            st = cr_fail(err, CR_E_SCHEMA, name, "feature '%s': only boolean fields can be inverted, "
                         "'%s' is %s", name, features[j].field,
                         cr_field_type_name((cr_field_type)s->field_type[fi]));
        else {
            strcpy(s->feature_name[j], name);
            s->feature_field[j] = (uint8_t)fi;
            s->feature_invert[j] = features[j].invert ? 1 : 0;
            used |= (uint64_t)1 << fi;
        }
    }
    s->n_features = n_features;
    for (size_t i = 0; i < n_fields && st == CR_OK; i++)
        if (!(used >> i & 1))
            st = cr_fail(err, CR_E_SCHEMA, s->field_name[i], "field '%s': no feature reads it",
                         s->field_name[i]);
    if (st != CR_OK) {
        free(s);
        return st;
    }
    *out = s;
    return CR_OK;
}

cr_status cr_schema_create_default(cr_schema **out, cr_error *err)
{
    static const cr_field_spec fields[] = {
        {"spam_reports", CR_FIELD_COUNT},
        {"has_consent", CR_FIELD_BOOL},
        {"call_attempts_24h", CR_FIELD_COUNT},
    };
    static const cr_feature_spec features[] = {
        {"spam_reports", "spam_reports", 0},
        {"no_consent", "has_consent", 1},
        {"call_attempts_24h", "call_attempts_24h", 0},
    };
    return cr_schema_create(fields, 3, features, 3, out, err);
}

cr_status cr_schema_clone(const cr_schema *s, cr_schema **out, cr_error *err)
{
    if (out) *out = NULL;
    if (!s || !out) return cr_fail(err, CR_E_ARG, NULL, "schema or out is NULL");
    *out = malloc(sizeof **out);
    if (!*out) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory allocating schema");
    memcpy(*out, s, sizeof **out);
    return CR_OK;
}

void cr_schema_free(cr_schema *s) { free(s); }

size_t cr_schema_field_count(const cr_schema *s) { return s ? s->n_fields : 0; }
size_t cr_schema_feature_count(const cr_schema *s) { return s ? s->n_features : 0; }

const char *cr_schema_field_name(const cr_schema *s, size_t i)
{
    return s && i < s->n_fields ? s->field_name[i] : NULL;
}

cr_field_type cr_schema_field_type(const cr_schema *s, size_t i)
{
    return s && i < s->n_fields ? (cr_field_type)s->field_type[i] : CR_FIELD_REAL;
}

const char *cr_schema_feature_name(const cr_schema *s, size_t j)
{
    return s && j < s->n_features ? s->feature_name[j] : NULL;
}

size_t cr_schema_feature_field(const cr_schema *s, size_t j, int *invert)
{
    if (!s || j >= s->n_features) return (size_t)-1;
    if (invert) *invert = s->feature_invert[j];
    return s->feature_field[j];
}

int cr_schema_field_index(const cr_schema *s, const char *name)
{
    if (!s || !name) return -1;
    for (size_t i = 0; i < s->n_fields; i++)
        if (strcmp(s->field_name[i], name) == 0) return (int)i;
    return -1;
}

cr_status cr_schema_check_value(const cr_schema *s, size_t i, double v, cr_error *err)
{
    const char *name = s->field_name[i];
    if (v != v || v - v != 0)
        return cr_fail(err, CR_E_NONFINITE, name, "field '%s': must be a finite number", name);
    switch ((cr_field_type)s->field_type[i]) {
    case CR_FIELD_COUNT:
        if (v < 0)
            return cr_fail(err, CR_E_RANGE, name, "field '%s': must be an integer >= 0, got %.17g", name, v);
        if (v > CR_COUNT_MAX)
            return cr_fail(err, CR_E_RANGE, name, "field '%s': must be at most 2^53 (9007199254740992), got %.17g",
                           name, v);
        if (v != (double)(uint64_t)v)
            return cr_fail(err, CR_E_TYPE, name, "field '%s': must be an integer, got %.17g", name, v);
        break;
    case CR_FIELD_BOOL:
        if (v != 0 && v != 1)
            return cr_fail(err, CR_E_TYPE, name, "field '%s': must be a boolean (0 or 1), got %.17g",
                           name, v);
        break;
    case CR_FIELD_REAL:
        if (v > CR_REAL_MAX || v < -CR_REAL_MAX)
            return cr_fail(err, CR_E_RANGE, name, "field '%s': must be within +-1e150, got %.17g", name, v);
        break;
    }
    return CR_OK;
}

cr_status cr_schema_check_row(const cr_schema *s, const double *fields, cr_error *err)
{
    if (!s || !fields) return cr_fail(err, CR_E_ARG, NULL, "schema or fields is NULL");
    for (size_t i = 0; i < s->n_fields; i++) {
        cr_status st = cr_schema_check_value(s, i, fields[i], err);
        if (st != CR_OK) return st;
    }
    return CR_OK;
}

void cr_schema_features(const cr_schema *s, const double *fields, double *x)
{
    for (size_t j = 0; j < s->n_features; j++) {
        double v = fields[s->feature_field[j]];
        x[j] = s->feature_invert[j] ? 1.0 - v : v;
    }
}

int cr_name_valid(const char *s, size_t len)
{
    if (len == 0 || len > CR_MAX_NAME) return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        int alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        int digit = c >= '0' && c <= '9';
        if (!alpha && !(digit && i > 0)) return 0;
    }
    return 1;
}

const char *cr_field_type_name(cr_field_type t)
{
    switch (t) {
    case CR_FIELD_COUNT: return "count";
    case CR_FIELD_BOOL: return "bool";
    case CR_FIELD_REAL: return "real";
    }
    return "?";
}

int cr_schema_same(const cr_schema *a, const cr_schema *b)
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
