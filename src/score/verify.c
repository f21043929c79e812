/* verify.c - replay a stored score record against a model: the audit. */
#include "internal.h"
#include "json.h"
#include "caller_keys.h"

#include <string.h>

static cr_status mismatch(cr_error *err, const char *part, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static cr_status mismatch(cr_error *err, const char *part, const char *fmt, ...)
{
    char detail[160];
    va_list ap;
    va_start(ap, fmt);
    cr_vbprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return cr_fail(err, CR_E_MISMATCH, part, "record '%s': %s", part, detail);
}

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

cr_status cr_verify_record(const cr_model *m, const char *record, size_t len, cr_error *err)
{
    if (!m || !record) return cr_fail(err, CR_E_ARG, NULL, "model or record is NULL");
    cr_json_doc doc;
    cr_status st = cr_json_parse(record, len, &doc, err);
    if (st != CR_OK) return st;
    const cr_schema *s = &m->schema;
    char id[CR_MODEL_ID_SIZE + 1] = "", level[16] = "", name[CR_MAX_NAME + 1];
    char caller[CR_CALLER_MAX + 2];
    size_t caller_len = 0;
    double fields[CR_MAX_FIELDS], stored_p = 0, at = 0;
    const int inputs = cr_json_get(&doc, 0, "inputs"), reasons = cr_json_get(&doc, 0, "reasons");
    const int score = cr_json_get(&doc, 0, "score");
    if (doc.tok[0].type != CR_JSON_OBJECT) st = cr_fail(err, CR_E_TYPE, NULL, "record: must be a JSON object");
    else if (!cr_json_string(&doc, cr_json_get(&doc, 0, "model_id"), id, sizeof id))
        st = cr_fail(err, CR_E_MISSING, "model_id", "record 'model_id': missing or not a string");
    else if (score < 0 || doc.tok[score].type != CR_JSON_NUMBER)
        st = cr_fail(err, CR_E_MISSING, "score", "record 'score': missing or not a number");
    else if (!cr_json_number(&doc, cr_json_get(&doc, 0, "probability"), &stored_p))
        st = cr_fail(err, CR_E_MISSING, "probability", "record 'probability': missing or not a number");
    else if (!cr_json_string(&doc, cr_json_get(&doc, 0, "risk_level"), level, sizeof level))
        st = cr_fail(err, CR_E_MISSING, "risk_level", "record 'risk_level': missing or not a string");
    else if (inputs < 0 || doc.tok[inputs].type != CR_JSON_OBJECT)
        st = cr_fail(err, CR_E_MISSING, "inputs", "record 'inputs': missing or not an object");
    else if (reasons < 0 || doc.tok[reasons].type != CR_JSON_ARRAY || doc.tok[reasons].count != s->n_features)
        st = cr_fail(err, CR_E_MISSING, "reasons", "record 'reasons': missing or not %zu entries", s->n_features);
    /* Optional (`score --store` writes neither), but when present what
       scoring accepts: a record no scoreCaller could have written is no
       audit trail. */
    else if ((st = cr_caller_keys(&doc, 0, caller, &caller_len, &at, err)) != CR_OK)
        ;
    else if (strcmp(id, m->id) != 0)
        st = mismatch(err, "model_id", "stored %.16s..., the model is %.16s...", id, m->id);
    else
        st = cr_request_parse(s, record + doc.tok[inputs].start, doc.tok[inputs].end - doc.tok[inputs].start,
                              fields, err);

    cr_score_result r;
    cr_reason replay[CR_MAX_FEATURES];
    if (st == CR_OK) st = cr_score(m, fields, &r, replay, CR_MAX_FEATURES, err);
    int64_t whole = -1;   /* the text's: 76.000000000000001 is no score the core wrote, though its double is 76 */
    char text[48];
    if (st == CR_OK && (cr_json_integer(&doc, score, &whole) != CR_OK || whole != r.score))
        st = mismatch(err, "score", "stored %s, replay gives %d", cr_json_text(&doc, score, text, sizeof text),
                      r.score);
    if (st == CR_OK && strcmp(level, cr_risk_level_str(r.risk_level)) != 0)
        st = mismatch(err, "risk_level", "stored %s, replay gives %s", level, cr_risk_level_str(r.risk_level));
    if (st == CR_OK && !same_bits(stored_p, r.probability))
        st = mismatch(err, "probability", "stored %.17g, replay gives %.17g", stored_p, r.probability);
    for (size_t j = 0; j < s->n_features && st == CR_OK; j++) {
        const int item = cr_json_item(&doc, reasons, j);
        double c = 0;
        const char *want = s->feature_name[replay[j].feature];
        if (!cr_json_string(&doc, cr_json_get(&doc, item, "feature"), name, sizeof name) ||
            !cr_json_number(&doc, cr_json_get(&doc, item, "contribution"), &c))
            st = cr_fail(err, CR_E_MISSING, "reasons", "record 'reasons'[%zu]: needs feature and contribution", j);
        else if (strcmp(name, want) != 0 || !same_bits(c, replay[j].contribution))
            st = mismatch(err, "reasons", "entry %zu is %s %.17g, replay gives %s %.17g", j, name, c, want,
                          replay[j].contribution);
    }
    cr_json_free(&doc);
    return st;
}
