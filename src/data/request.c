/* request.c - one scoring request as a JSON object of field values. */
#include "internal.h"
#include "data/request.h"

#include <string.h>

/* A count whose double passed may still not be what its text says: 2^53 + 1
   reads as 2^53, 1.0000000000000000001 as 1. */
static cr_status count_as_written(const cr_json_doc *doc, int t, const char *name, cr_error *err)
{
    int64_t n;
    char text[48];
    const cr_status why = cr_json_integer(doc, t, &n);
    if (why == CR_OK) return CR_OK;
    return cr_fail(err, why, name, "field '%s': must be %s, got %s", name,
                   why == CR_E_RANGE ? "at most 2^53 (9007199254740992)" : "an integer",
                   cr_json_text(doc, t, text, sizeof text));
}

cr_status cr_request_fields(const cr_schema *s, const cr_json_doc *doc, int obj, int skip, double *fields,
                            cr_error *err)
{
    double got[CR_MAX_FIELDS];   /* copied to `fields` only when every field is good */
    cr_status st = CR_OK;
    for (size_t i = 0; i < s->n_fields && st == CR_OK; i++) {
        const char *name = s->field_name[i];
        if ((int)i == skip) {
            got[i] = 0;
            continue;
        }
        int t = cr_json_get(doc, obj, name);
        int type = t >= 0 ? doc->tok[t].type : -1;
        double v = 0;
        if (t < 0) {
            st = cr_fail(err, CR_E_MISSING, name, "field '%s': required", name);
        } else if (s->field_type[i] == CR_FIELD_BOOL) {
            if (type == CR_JSON_TRUE || type == CR_JSON_FALSE) got[i] = type == CR_JSON_TRUE;
            else st = cr_fail(err, CR_E_TYPE, name, "field '%s': must be true or false, got %s", name,
                              cr_json_type_name(type));
        } else if (!cr_json_number(doc, t, &v)) {
            st = cr_fail(err, CR_E_TYPE, name, "field '%s': must be a number, got %s", name,
                         cr_json_type_name(type));
        } else {
            st = cr_schema_check_value(s, i, v, err);
            if (st == CR_OK && s->field_type[i] == CR_FIELD_COUNT) st = count_as_written(doc, t, name, err);
            got[i] = v;
        }
    }
    if (st == CR_OK) memcpy(fields, got, s->n_fields * sizeof *fields);
    return st;
}

cr_status cr_request_object(const char *json, size_t len, cr_json_doc *doc, cr_error *err)
{
    cr_status st = cr_json_parse(json, len, doc, err);
    if (st != CR_OK) return st;
    if (doc->tok[0].type == CR_JSON_OBJECT) return CR_OK;
    st = cr_fail(err, CR_E_TYPE, NULL, "request: must be a JSON object, got %s", cr_json_type_name(doc->tok[0].type));
    cr_json_free(doc);
    return st;
}

cr_status cr_request_parse(const cr_schema *s, const char *json, size_t len, double *fields,
                           cr_error *err)
{
    if (!s || !fields) return cr_fail(err, CR_E_ARG, NULL, "schema or fields is NULL");
    cr_json_doc doc;
    cr_status st = cr_request_object(json, len, &doc, err);
    if (st != CR_OK) return st;
    st = cr_request_fields(s, &doc, 0, -1, fields, err);
    cr_json_free(&doc);
    return st;
}
