/* score_caller.c - the seed's scoreCaller as a resumable operation over a host store. */
#include "internal.h"
#include "data/request.h"
#include "caller_keys.h"

#include <stdlib.h>
#include <string.h>

struct cr_caller_op_s {
    const cr_model *model;
    cr_op_state state;
    char caller[CR_CALLER_MAX + 1];
    size_t caller_len;
    double at_ms;
    double row[CR_MAX_FIELDS];
    int attempts_field;
    int64_t attempts;
    cr_score_result result;
    cr_reason reasons[CR_MAX_FEATURES];
    char *record;
    size_t record_len;
    cr_error failure;
};

static cr_status check_caller(const char *caller, size_t len, cr_error *err)
{
    /* "more", not a count: a host cuts a long number one byte past the limit
       rather than copy it all, so the length given is not the number's. */
    if (!caller || len == 0)
        return cr_fail(err, CR_E_RANGE, "caller_number", "field 'caller_number': must have 1 to %d bytes, got 0",
                       CR_CALLER_MAX);
    if (len > CR_CALLER_MAX)
        return cr_fail(err, CR_E_RANGE, "caller_number", "field 'caller_number': must have 1 to %d bytes, got more",
                       CR_CALLER_MAX);
    for (size_t i = 0; i < len; i++)
        if (caller[i] < 0x20 || caller[i] > 0x7e)
            return cr_fail(err, CR_E_TYPE, "caller_number",
                           "field 'caller_number': byte %zu is not printable ASCII", i + 1);
    return CR_OK;
}

/* Canonical JSON, every number with 17 significant digits. */
static void write_record(cr_text *t, const cr_model *m, const double *fields, const cr_score_result *r,
                         const cr_reason *reasons, const char *caller, size_t caller_len, double at_ms)
{
    const cr_schema *s = &m->schema;
    cr_text_str(t, "{");
    if (caller_len) {
        cr_text_str(t, "\"caller_number\":\"");
        for (size_t i = 0; i < caller_len; i++) {
            if (caller[i] == '"' || caller[i] == '\\') cr_text_put(t, "\\", 1);
            cr_text_put(t, caller + i, 1);
        }
        cr_text_str(t, "\",");
    }
    if (at_ms - at_ms == 0) {
        cr_text_str(t, "\"at\":");
        cr_text_double(t, at_ms);
        cr_text_str(t, ",");
    }
    cr_text_str(t, "\"inputs\":{");
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

static cr_status check_time(double at_ms, cr_error *err)
{
    if (!(at_ms >= 0 && at_ms <= 8.64e15))
        return cr_fail(err, at_ms - at_ms == 0 ? CR_E_RANGE : CR_E_NONFINITE, "at",
                       "field 'at': must be a time in ms since 1970 (0 to 8.64e15), got %.17g", at_ms);
    if (at_ms != (double)(int64_t)at_ms)
        return cr_fail(err, CR_E_TYPE, "at", "field 'at': must be a whole number of ms, got %.17g", at_ms);
    return CR_OK;
}

static int finite(double v) { return v - v == 0; }

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* A record cr_verify_record() accepts: the fields a row cr_score() takes,
   a time scoring takes, and the result and reasons cr_score() gives for
   those fields, bit for bit. Each part in range first, its error naming it. */
static cr_status check_record(const cr_model *m, const double *fields, const cr_score_result *r,
                              const cr_reason *reasons, double at_ms, cr_error *err)
{
    const cr_schema *s = &m->schema;
    const size_t d = s->n_features;
    cr_score_result want;
    cr_reason replay[CR_MAX_FEATURES];
    cr_status st = cr_score(m, fields, &want, replay, CR_MAX_FEATURES, err);   /* the fields checked first */
    if (st == CR_OK && finite(at_ms)) st = check_time(at_ms, err);
    if (st != CR_OK) return st;
    if (r->score < 0 || r->score > 100)
        return cr_fail(err, CR_E_RANGE, "score", "field 'score': must be 0 to 100, got %d", r->score);
    if ((unsigned)r->risk_level > CR_RISK_HIGH)
        return cr_fail(err, CR_E_RANGE, "risk_level", "field 'risk_level': must be %d (LOW) to %d (HIGH), got %d",
                       CR_RISK_LOW, CR_RISK_HIGH, (int)r->risk_level);
    if (!finite(r->probability))
        return cr_fail(err, CR_E_NONFINITE, "probability", "field 'probability': must be a finite number");
    if (!(r->probability >= 0 && r->probability <= 1))
        return cr_fail(err, CR_E_RANGE, "probability", "field 'probability': must be 0 to 1, got %.17g",
                       r->probability);
    for (size_t j = 0; j < d; j++) {
        if (reasons[j].feature >= d)
            return cr_fail(err, CR_E_RANGE, "reasons", "field 'reasons'[%zu]: feature %lu is not one of the model's %zu",
                           j, (unsigned long)reasons[j].feature, d);
        if (!finite(reasons[j].contribution))
            return cr_fail(err, CR_E_NONFINITE, "reasons", "field 'reasons'[%zu]: the contribution is not a finite number",
                           j);
    }
    const char *part = r->score != want.score ? "score"
                       : r->risk_level != want.risk_level ? "risk_level"
                       : !same_bits(r->probability, want.probability) ? "probability"
                                                                        : NULL;
    for (size_t j = 0; j < d && !part; j++)
        if (reasons[j].feature != replay[j].feature || !same_bits(reasons[j].contribution, replay[j].contribution))
            part = "reasons";
    if (part)
        return cr_fail(err, CR_E_MISMATCH, part, "record '%s': not what the model scores for these inputs: a record "
                       "holds cr_score()'s result and reasons for its fields", part);
    return CR_OK;
}

cr_status cr_score_record_json(const cr_model *m, const double *fields, const cr_score_result *r,
                               const cr_reason *reasons, const char *caller, size_t caller_len, double at_ms,
                               char *dst, size_t cap, size_t *size, cr_error *err)
{
    if (!m || !fields || !r || !reasons) return cr_fail(err, CR_E_ARG, NULL, "model, fields, result or reasons is NULL");
    cr_status st = caller_len ? check_caller(caller, caller_len, err) : CR_OK;
    if (st == CR_OK) st = check_record(m, fields, r, reasons, at_ms, err);
    if (st != CR_OK) return st;
    cr_text t = {dst, dst ? cap : 0, 0};
    write_record(&t, m, fields, r, reasons, caller, caller_len, at_ms);
    return cr_text_end(&t, size, err);
}

cr_status cr_caller_keys(const cr_json_doc *doc, int required, char *number, size_t *len, double *at,
                         cr_error *err)
{
    const int c = cr_json_get(doc, 0, "caller_number"), a = cr_json_get(doc, 0, "at");
    cr_status st = CR_OK;
    *len = 0;
    *at = 0.0 / 0.0;
    number[0] = 0;
    if (c < 0) {
        if (required) st = cr_fail(err, CR_E_MISSING, "caller_number", "field 'caller_number': required");
    } else if (doc->tok[c].type != CR_JSON_STRING) {
        st = cr_fail(err, CR_E_TYPE, "caller_number", "field 'caller_number': must be a string, got %s",
                     cr_json_type_name(doc->tok[c].type));
    } else if (!cr_json_string(doc, c, number, CR_CALLER_MAX + 2)) {
        st = cr_fail(err, CR_E_RANGE, "caller_number", "field 'caller_number': must have 1 to %d bytes, got more",
                     CR_CALLER_MAX);
    } else {
        *len = strlen(number);
        st = check_caller(number, *len, err);
    }
    if (st == CR_OK && a >= 0) {
        if (!cr_json_number(doc, a, at))
            st = cr_fail(err, CR_E_TYPE, "at", "field 'at': must be a number of ms since 1970, got %s",
                         cr_json_type_name(doc->tok[a].type));
        else
            st = check_time(*at, err);
        int64_t whole;   /* the text's, not the double's: 1.0000000000000001 rounds to 1 */
        char text[48];
        if (st == CR_OK && cr_json_integer(doc, a, &whole) != CR_OK)
            st = cr_fail(err, CR_E_TYPE, "at", "field 'at': must be a whole number of ms, got %s",
                         cr_json_text(doc, a, text, sizeof text));
    }
    return st;
}

cr_status cr_caller_request_parse(const cr_schema *s, const char *json, size_t len, double *fields, char *caller,
                                  size_t *caller_len, double *at_ms, cr_error *err)
{
    if (!s || !fields || !caller || !caller_len || !at_ms)
        return cr_fail(err, CR_E_ARG, NULL, "schema, fields, caller, caller_len or at_ms is NULL");
    const int af = cr_schema_field_index(s, CR_ATTEMPTS_FIELD);
    if (af < 0)
        return cr_fail(err, CR_E_SCHEMA, CR_ATTEMPTS_FIELD, "model has no field '%s' to count attempts into",
                       CR_ATTEMPTS_FIELD);
    /* One object holds the request's own keys and the fields: a field by
       one of those names could not be told from it. */
    static const char *const own[] = {"caller_number", "at"};
    for (size_t k = 0; k < sizeof own / sizeof *own; k++)
        if (cr_schema_field_index(s, own[k]) >= 0)
            return cr_fail(err, CR_E_SCHEMA, own[k],
                           "model has a field named '%s', a key of the scoreCaller request itself", own[k]);
    cr_json_doc doc;
    cr_status st = cr_request_object(json, len, &doc, err);
    if (st != CR_OK) return st;
    char number[CR_CALLER_MAX + 2];
    size_t number_len = 0;
    double at = 0.0 / 0.0;
    st = cr_caller_keys(&doc, 1, number, &number_len, &at, err);
    if (st == CR_OK) st = cr_request_fields(s, &doc, 0, af, fields, err);
    cr_json_free(&doc);
    if (st != CR_OK) return st;
    *caller_len = number_len;
    memcpy(caller, number, number_len + 1);
    *at_ms = at;
    return CR_OK;
}

cr_status cr_caller_op_start(const cr_model *m, const char *caller, size_t caller_len, const double *fields,
                             double at_ms, cr_caller_op **out, cr_error *err)
{
    if (!m || !fields || !out) return cr_fail(err, CR_E_ARG, NULL, "model, fields or out is NULL");
    *out = NULL;
    const cr_schema *s = &m->schema;
    const int af = cr_schema_field_index(s, CR_ATTEMPTS_FIELD);
    if (af < 0)
        return cr_fail(err, CR_E_SCHEMA, CR_ATTEMPTS_FIELD, "model has no field '%s' to count attempts into",
                       CR_ATTEMPTS_FIELD);
    cr_status st = check_caller(caller, caller_len, err);
    if (st != CR_OK) return st;
    if ((st = check_time(at_ms, err)) != CR_OK) return st;
    cr_caller_op *op = calloc(1, sizeof *op);
    if (!op) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory starting scoreCaller");
    memcpy(op->row, fields, s->n_fields * sizeof *op->row);
    op->row[af] = 0;   /* the store's count goes here */
    if ((st = cr_schema_check_row(s, op->row, err)) != CR_OK) {
        free(op);
        return st;
    }
    op->model = m;
    op->state = CR_OP_NEED_COUNT;
    memcpy(op->caller, caller, caller_len);
    op->caller_len = caller_len;
    op->at_ms = at_ms;
    op->attempts_field = af;
    *out = op;
    return CR_OK;
}

cr_op_state cr_caller_op_state(const cr_caller_op *op) { return op ? op->state : CR_OP_FAILED; }

void cr_caller_op_count_query(const cr_caller_op *op, const char **caller, size_t *caller_len, double *since_ms,
                              double *until_ms)
{
    if (caller) *caller = op ? op->caller : NULL;
    if (caller_len) *caller_len = op ? op->caller_len : 0;
    if (since_ms) *since_ms = op ? op->at_ms - CR_ATTEMPTS_WINDOW_MS : 0.0 / 0.0;
    if (until_ms) *until_ms = op ? op->at_ms : 0.0 / 0.0;
}

static cr_status wrong_state(const cr_caller_op *op, cr_op_state want, cr_error *err)
{
    if (!op) return cr_fail(err, CR_E_ARG, NULL, "op is NULL");
    if (op->state == want) return CR_OK;
    return cr_fail(err, CR_E_STATE, NULL, "scoreCaller: operation is in state %d, not %d", (int)op->state, (int)want);
}

/* Ends the op with the failure already in op->failure: cr_caller_op_result()
   reports it later, whether or not this call's caller passed a cr_error. */
static cr_status op_failed(cr_caller_op *op, cr_error *err)
{
    op->state = CR_OP_FAILED;
    if (err) *err = op->failure;
    return op->failure.status;
}

static cr_status store_failed(cr_caller_op *op, cr_error *err, const char *what, long long code)
{
    cr_fail(&op->failure, CR_E_STORE, NULL, "host store: %s failed (%lld)", what, code);
    return op_failed(op, err);
}

cr_status cr_caller_op_counted(cr_caller_op *op, int64_t count, cr_error *err)
{
    cr_status st = wrong_state(op, CR_OP_NEED_COUNT, err);
    if (st != CR_OK) return st;
    if (count < 0) return store_failed(op, err, "counting attempts", (long long)count);
    op->attempts = count;
    op->row[op->attempts_field] = (double)count;
    if (cr_score(op->model, op->row, &op->result, op->reasons, CR_MAX_FEATURES, &op->failure) != CR_OK)
        return op_failed(op, err);
    cr_text t = {NULL, 0, 0};
    write_record(&t, op->model, op->row, &op->result, op->reasons, op->caller, op->caller_len, op->at_ms);
    op->record = malloc(t.len + 1);
    if (!op->record) {
        cr_fail(&op->failure, CR_E_NOMEM, NULL, "out of memory writing the score record");
        return op_failed(op, err);
    }
    t = (cr_text){op->record, t.len + 1, 0};
    write_record(&t, op->model, op->row, &op->result, op->reasons, op->caller, op->caller_len, op->at_ms);
    op->record[t.len] = 0;
    op->record_len = t.len;
    op->state = CR_OP_NEED_SAVE;
    return CR_OK;
}

const char *cr_caller_op_record(const cr_caller_op *op, size_t *len)
{
    if (len) *len = op && op->record ? op->record_len : 0;
    return op ? op->record : NULL;
}

cr_status cr_caller_op_saved(cr_caller_op *op, int store_status, cr_error *err)
{
    cr_status st = wrong_state(op, CR_OP_NEED_SAVE, err);
    if (st != CR_OK) return st;
    if (store_status != 0) return store_failed(op, err, "saving the score record", store_status);
    op->state = CR_OP_DONE;
    return CR_OK;
}

cr_status cr_caller_op_result(const cr_caller_op *op, cr_score_result *out, cr_reason *reasons, size_t reasons_cap,
                              int64_t *attempts, cr_error *err)
{
    if (!op || !out) return cr_fail(err, CR_E_ARG, NULL, "op or out is NULL");
    if (op->state == CR_OP_FAILED) {
        if (err) *err = op->failure;
        return op->failure.status;
    }
    cr_status st = wrong_state(op, CR_OP_DONE, err);
    if (st != CR_OK) return st;
    const size_t d = op->model->schema.n_features;
    if (reasons && reasons_cap < d)
        return cr_fail(err, CR_E_BUFFER, NULL, "reasons buffer holds %zu, model has %zu features", reasons_cap, d);
    *out = op->result;
    if (reasons) memcpy(reasons, op->reasons, d * sizeof *reasons);
    if (attempts) *attempts = op->attempts;
    return CR_OK;
}

void cr_caller_op_free(cr_caller_op *op)
{
    if (!op) return;
    free(op->record);
    free(op);
}

cr_status cr_score_caller(const cr_model *m, const cr_host *host, const char *caller, size_t caller_len,
                          const double *fields, double at_ms, cr_score_result *out, cr_reason *reasons,
                          size_t reasons_cap, int64_t *attempts, cr_error *err)
{
    if (!m || !host || !host->count_attempts || !host->save_score || !out)
        return cr_fail(err, CR_E_ARG, NULL, "model, host or out is NULL");
    if (reasons && reasons_cap < m->schema.n_features)
        return cr_fail(err, CR_E_BUFFER, NULL, "reasons buffer holds %zu, model has %zu features", reasons_cap,
                       m->schema.n_features);
    cr_caller_op *op = NULL;
    cr_status st = cr_caller_op_start(m, caller, caller_len, fields, at_ms, &op, err);
    if (st != CR_OK) return st;
    double since, until;
    cr_caller_op_count_query(op, NULL, NULL, &since, &until);
    st = cr_caller_op_counted(op, host->count_attempts(host->ctx, caller, caller_len, since, until), err);
    if (st == CR_OK) st = cr_caller_op_saved(op, host->save_score(host->ctx, op->record, op->record_len), err);
    if (st == CR_OK) st = cr_caller_op_result(op, out, reasons, reasons_cap, attempts, err);
    cr_caller_op_free(op);
    return st;
}
