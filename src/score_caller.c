/* score_caller.c - the seed's scoreCaller over a host store: count, score, persist. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define CR_CALLER_MAX 64

static cr_status check_caller(const char *caller, size_t len, cr_error *err)
{
    if (!caller || len == 0 || len > CR_CALLER_MAX)
        return cr_fail(err, CR_E_RANGE, "caller_number", "field 'caller_number': must have 1 to %d bytes, got %zu",
                       CR_CALLER_MAX, caller ? len : 0);
    for (size_t i = 0; i < len; i++)
        if (caller[i] < 0x20 || caller[i] > 0x7e)
            return cr_fail(err, CR_E_TYPE, "caller_number",
                           "field 'caller_number': byte %zu is not printable ASCII", i + 1);
    return CR_OK;
}

/* The record: canonical JSON, every number with 17 significant digits. */
static void write_record(cr_text *t, const cr_model *m, const char *caller, size_t len, double at_ms,
                         const double *fields, const cr_score_result *r, const cr_reason *reasons)
{
    const cr_schema *s = &m->schema;
    cr_text_str(t, "{\"caller_number\":\"");
    for (size_t i = 0; i < len; i++) {
        if (caller[i] == '"' || caller[i] == '\\') cr_text_put(t, "\\", 1);
        cr_text_put(t, caller + i, 1);
    }
    cr_text_str(t, "\",\"at\":");
    cr_text_double(t, at_ms);
    cr_text_str(t, ",\"inputs\":{");
    for (size_t i = 0; i < s->n_fields; i++) {
        cr_text_printf(t, "%s\"%s\":", i ? "," : "", s->field_name[i]);
        if (s->field_type[i] == CR_FIELD_BOOL) cr_text_str(t, fields[i] != 0 ? "true" : "false");
        else cr_text_double(t, fields[i]);
    }
    cr_text_printf(t, "},\"score\":%d,\"risk_level\":\"%s\",\"probability\":", r->score,
                   cr_risk_level_str(r->risk_level));
    cr_text_double(t, r->probability);
    cr_text_str(t, ",\"reasons\":[");
    for (size_t j = 0; j < s->n_features; j++) {
        cr_text_printf(t, "%s{\"feature\":\"%s\",\"contribution\":", j ? "," : "",
                       s->feature_name[reasons[j].feature]);
        cr_text_double(t, reasons[j].contribution);
        cr_text_str(t, "}");
    }
    cr_text_printf(t, "],\"model_id\":\"%s\"}", m->id);
}

cr_status cr_score_caller(const cr_model *m, const cr_host *host, const char *caller, size_t caller_len,
                          const double *fields, double at_ms, cr_score_result *out, cr_reason *reasons,
                          size_t reasons_cap, int64_t *attempts, cr_error *err)
{
    if (!m || !host || !host->count_attempts || !host->save_score || !fields || !out)
        return cr_fail(err, CR_E_ARG, NULL, "model, host, fields or out is NULL");
    const cr_schema *s = &m->schema;
    if (reasons && reasons_cap < s->n_features)
        return cr_fail(err, CR_E_BUFFER, NULL, "reasons buffer holds %zu, model has %zu features", reasons_cap,
                       s->n_features);
    const int af = cr_schema_field_index(s, CR_ATTEMPTS_FIELD);
    if (af < 0)
        return cr_fail(err, CR_E_SCHEMA, CR_ATTEMPTS_FIELD, "model has no field '%s' to count attempts into",
                       CR_ATTEMPTS_FIELD);
    cr_status st = check_caller(caller, caller_len, err);
    if (st != CR_OK) return st;
    if (!(at_ms >= 0 && at_ms <= 8.64e15))
        return cr_fail(err, CR_E_RANGE, "at", "field 'at': must be a time in ms since 1970 (0 to 8.64e15), got %.17g",
                       at_ms);
    double row[CR_MAX_FIELDS];
    memcpy(row, fields, s->n_fields * sizeof *row);
    row[af] = 0;   /* validated below, once the store has answered */
    if ((st = cr_schema_check_row(s, row, err)) != CR_OK) return st;

    const int64_t count = host->count_attempts(host->ctx, caller, caller_len, at_ms - CR_ATTEMPTS_WINDOW_MS, at_ms);
    if (count < 0)
        return cr_fail(err, CR_E_STORE, NULL, "host store: counting attempts failed (%lld)", (long long)count);
    row[af] = (double)count;
    cr_reason local[CR_MAX_FEATURES];
    st = cr_score(m, row, out, local, CR_MAX_FEATURES, err);
    if (st != CR_OK) return st;

    cr_text t = {NULL, 0, 0};
    write_record(&t, m, caller, caller_len, at_ms, row, out, local);
    t.buf = malloc(t.len + 1);
    if (!t.buf) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory writing the score record");
    t.cap = t.len + 1;
    t.len = 0;
    write_record(&t, m, caller, caller_len, at_ms, row, out, local);
    const int saved = host->save_score(host->ctx, t.buf, t.len);
    free(t.buf);
    if (saved != 0) return cr_fail(err, CR_E_STORE, NULL, "host store: saving the score record failed (%d)", saved);
    if (attempts) *attempts = count;
    if (reasons) memcpy(reasons, local, s->n_features * sizeof *reasons);
    return CR_OK;
}
