/* test_score_caller.c - scoreCaller over a host store: counting, the record, store failures. */
#include "callrisk.h"
#include "check.h"

#include <stdlib.h>

typedef struct {
    int64_t count;          /* what count_attempts answers */
    int save_result;        /* what save_score answers */
    int counted, saved;
    double since, until;
    char caller[80];
    char record[2048];
} fake_store;

static int64_t count_attempts(void *ctx, const char *caller, size_t len, double since, double until)
{
    fake_store *s = ctx;
    s->counted++;
    snprintf(s->caller, sizeof s->caller, "%.*s", (int)len, caller);
    s->since = since;
    s->until = until;
    return s->count;
}

static int save_score(void *ctx, const char *record, size_t len)
{
    fake_store *s = ctx;
    s->saved++;
    if (s->save_result == 0) snprintf(s->record, sizeof s->record, "%.*s", (int)len, record);
    return s->save_result;
}

int main(void)
{
    cr_model *m = NULL;
    CHECK_OK(cr_model_create_default(&m, &check_err));
    if (!m) return check_done("test_score_caller");
    fake_store st = {10, 0, 0, 0, 0, 0, "", ""};
    cr_host host = {&st, count_attempts, save_score};
    double fields[3] = {5, 0, 12345};   /* the attempts field is overwritten by the store's count */
    cr_score_result r;
    cr_reason reasons[3];
    int64_t attempts = -1;
    const double at = 1764000000000.0;
    CHECK_OK(cr_score_caller(m, &host, "+15551234567", 12, fields, at, &r, reasons, 3, &attempts, &check_err));
    CHECK_INT(r.score, 99);
    CHECK_INT(r.risk_level, CR_RISK_HIGH);
    CHECK_INT(attempts, 10);
    CHECK_STR(st.caller, "+15551234567");
    CHECK(st.until == at && st.since == at - 86400000.0);
    char want[1024];
    snprintf(want, sizeof want,
             "{\"caller_number\":\"+15551234567\",\"at\":1764000000000,\"inputs\":{\"spam_reports\":5,"
             "\"has_consent\":false,\"call_attempts_24h\":10},\"score\":99,\"risk_level\":\"HIGH\","
             "\"probability\":0.9993235530573312,\"reasons\":[{\"feature\":\"call_attempts_24h\","
             "\"contribution\":4.516864983039283},{\"feature\":\"spam_reports\",\"contribution\":"
             "1.8601426584045906},{\"feature\":\"no_consent\",\"contribution\":-0.0831590254194529}],"
             "\"model_id\":\"%s\"}", cr_model_id(m));
    CHECK_STR(st.record, want);

    /* A store that fails to count: nothing saved, CR_E_STORE. */
    cr_error e;
    st.count = -1;
    st.saved = 0;
    CHECK_ERR(cr_score_caller(m, &host, "+1555", 5, fields, at, &r, NULL, 0, NULL, &e), e, CR_E_STORE,
              "counting attempts failed");
    CHECK_INT(st.saved, 0);
    /* A store that fails to save: reported, never swallowed. */
    st.count = 3;
    st.save_result = 7;
    CHECK_ERR(cr_score_caller(m, &host, "+1555", 5, fields, at, &r, NULL, 0, NULL, &e), e, CR_E_STORE,
              "saving the score record failed (7)");
    CHECK_INT(st.saved, 1);

    /* Bad input: refused before the store is asked anything. */
    st.counted = st.saved = 0;
    st.save_result = 0;
    CHECK_ERR(cr_score_caller(m, &host, "", 0, fields, at, &r, NULL, 0, NULL, &e), e, CR_E_RANGE,
              "field 'caller_number': must have 1 to 64 bytes");
    CHECK_ERR(cr_score_caller(m, &host, "+1\n55", 5, fields, at, &r, NULL, 0, NULL, &e), e, CR_E_TYPE,
              "byte 3 is not printable");
    CHECK_ERR(cr_score_caller(m, &host, "+1555", 5, fields, -5, &r, NULL, 0, NULL, &e), e, CR_E_RANGE,
              "field 'at'");
    /* Times are whole ms in 0..8.64e15: no fractions, no NaN, no infinity. */
    CHECK_ERR(cr_score_caller(m, &host, "+1555", 5, fields, at + 0.5, &r, NULL, 0, NULL, &e), e, CR_E_TYPE,
              "field 'at': must be a whole number of ms");
    CHECK_ERR(cr_score_caller(m, &host, "+1555", 5, fields, 0.0 / 0.0, &r, NULL, 0, NULL, &e), e, CR_E_NONFINITE,
              "field 'at'");
    CHECK_ERR(cr_score_caller(m, &host, "+1555", 5, fields, 1.0 / 0.0, &r, NULL, 0, NULL, &e), e, CR_E_NONFINITE,
              "field 'at'");
    CHECK_ERR(cr_score_caller(m, &host, "+1555", 5, fields, 8.64e15 + 2, &r, NULL, 0, NULL, &e), e, CR_E_RANGE,
              "0 to 8.64e15");
    double bad[3] = {1, 2, 0};
    CHECK_ERR(cr_score_caller(m, &host, "+1555", 5, bad, at, &r, NULL, 0, NULL, &e), e, CR_E_TYPE,
              "field 'has_consent'");
    CHECK_ERR(cr_score_caller(m, &host, "+1555", 5, fields, at, &r, reasons, 2, NULL, &e), e, CR_E_BUFFER,
              "reasons buffer");
    /* Caller numbers: 1..64 printable ASCII bytes, and nothing else. */
    char longest[CR_CALLER_MAX + 1];
    memset(longest, '9', sizeof longest);
    CHECK_OK(cr_score_caller(m, &host, longest, CR_CALLER_MAX, fields, at, &r, NULL, 0, NULL, &check_err));
    st.counted = st.saved = 0;
    CHECK_ERR(cr_score_caller(m, &host, longest, CR_CALLER_MAX + 1, fields, at, &r, NULL, 0, NULL, &e), e,
              CR_E_RANGE, "must have 1 to 64 bytes, got more");
    CHECK_ERR(cr_score_caller(m, &host, NULL, 5, fields, at, &r, NULL, 0, NULL, &e), e, CR_E_RANGE, "got 0");
    CHECK_ERR(cr_score_caller(m, &host, "+1\x7f", 3, fields, at, &r, NULL, 0, NULL, &e), e, CR_E_TYPE,
              "byte 3 is not printable ASCII");
    CHECK_ERR(cr_score_caller(m, &host, "+1\xc3\xa9", 4, fields, at, &r, NULL, 0, NULL, &e), e, CR_E_TYPE,
              "byte 3 is not printable ASCII");
    /* Arguments. */
    cr_host no_save = {&st, count_attempts, NULL}, no_count = {&st, NULL, save_score};
    CHECK_ERR(cr_score_caller(NULL, &host, "+1555", 5, fields, at, &r, NULL, 0, NULL, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_score_caller(m, NULL, "+1555", 5, fields, at, &r, NULL, 0, NULL, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_score_caller(m, &no_save, "+1555", 5, fields, at, &r, NULL, 0, NULL, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_score_caller(m, &no_count, "+1555", 5, fields, at, &r, NULL, 0, NULL, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_score_caller(m, &host, "+1555", 5, fields, at, NULL, NULL, 0, NULL, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_score_caller(m, &host, "+1555", 5, NULL, at, &r, NULL, 0, NULL, &e), e, CR_E_ARG,
              "model, fields or out is NULL");
    CHECK_INT(st.counted, 0);
    CHECK_INT(st.saved, 0);
    /* Quotes in the number are escaped in the record. */
    CHECK_OK(cr_score_caller(m, &host, "a\"b\\c", 5, fields, at, &r, NULL, 0, NULL, &check_err));
    CHECK(strstr(st.record, "{\"caller_number\":\"a\\\"b\\\\c\",") == st.record);

    /* A model without a call_attempts_24h field cannot count into it. */
    static const cr_field_spec f1[] = {{"spam_reports", CR_FIELD_COUNT}};
    static const cr_feature_spec t1[] = {{"spam_reports", "spam_reports", 0}};
    cr_schema *s1 = NULL;
    cr_dataset *ds = NULL;
    cr_model *m1 = NULL;
    CHECK_OK(cr_schema_create(f1, 1, t1, 1, &s1, &check_err));
    CHECK_OK(cr_dataset_create(s1, &ds, &check_err));
    double rows[4] = {0, 1, 2, 3};
    uint8_t labels[4] = {0, 0, 1, 1};
    CHECK_OK(cr_dataset_add_rows(ds, rows, labels, NULL, 4, &check_err));
    CHECK_OK(cr_train(ds, NULL, &m1, &check_err));
    CHECK_ERR(cr_score_caller(m1, &host, "+1555", 5, rows, at, &r, NULL, 0, NULL, &e), e, CR_E_SCHEMA,
              "no field 'call_attempts_24h'");
    /* cr_dataset_add_rows: all or nothing. */
    double more[3] = {4, 1.5, 6};
    uint8_t more_labels[3] = {1, 0, 1};
    CHECK_ERR(cr_dataset_add_rows(ds, more, more_labels, NULL, 3, &e), e, CR_E_TYPE, "field 'spam_reports'");
    CHECK_INT(e.line, 2);
    CHECK_INT(cr_dataset_rows(ds), 4);
    more[1] = 5;
    more_labels[2] = 2;
    CHECK_ERR(cr_dataset_add_rows(ds, more, more_labels, NULL, 3, &e), e, CR_E_RANGE, "field 'label'");
    CHECK_INT(cr_dataset_rows(ds), 4);
    cr_model_free(m1);
    cr_dataset_free(ds);
    cr_schema_free(s1);

    /* The resumable form, answered step by step as an async host would. */
    cr_caller_op *op = NULL;
    CHECK_OK(cr_caller_op_start(m, "+1555", 5, fields, at, &op, &check_err));
    CHECK_INT(cr_caller_op_state(op), CR_OP_NEED_COUNT);
    const char *who;
    size_t who_len;
    double since, until;
    cr_caller_op_count_query(op, &who, &who_len, &since, &until);
    CHECK(who_len == 5 && memcmp(who, "+1555", 5) == 0 && until - since == 86400000.0);
    /* Calls out of order: CR_E_STATE, and the op is unharmed. */
    CHECK_ERR(cr_caller_op_result(op, &r, NULL, 0, NULL, &e), e, CR_E_STATE, "state 1, not 3");
    CHECK_ERR(cr_caller_op_saved(op, 0, &e), e, CR_E_STATE, "state 1, not 2");
    CHECK_INT(cr_caller_op_state(op), CR_OP_NEED_COUNT);
    CHECK_OK(cr_caller_op_counted(op, 10, &check_err));
    CHECK_INT(cr_caller_op_state(op), CR_OP_NEED_SAVE);
    size_t rec_len = 0;
    const char *rec = cr_caller_op_record(op, &rec_len);
    CHECK(rec && rec_len == strlen(rec) && strstr(rec, "\"score\":99,") != NULL);
    CHECK_OK(cr_caller_op_saved(op, 0, &check_err));
    CHECK_INT(cr_caller_op_state(op), CR_OP_DONE);
    CHECK_OK(cr_caller_op_result(op, &r, reasons, 3, &attempts, &check_err));
    CHECK_INT(r.score, 99);
    CHECK_INT(attempts, 10);
    cr_caller_op_free(op);
    /* A save that fails later: the op ends FAILED and says so. */
    CHECK_OK(cr_caller_op_start(m, "+1555", 5, fields, at, &op, &check_err));
    CHECK_OK(cr_caller_op_counted(op, 1, &check_err));
    CHECK_ERR(cr_caller_op_saved(op, -1, &e), e, CR_E_STORE, "saving the score record failed (-1)");
    CHECK_INT(cr_caller_op_state(op), CR_OP_FAILED);
    CHECK_ERR(cr_caller_op_result(op, &r, NULL, 0, NULL, &e), e, CR_E_STORE, "saving the score record failed");
    cr_caller_op_free(op);
    /* The op's arguments and its NULL forms. */
    cr_caller_op *none = (cr_caller_op *)&st;
    CHECK_ERR(cr_caller_op_start(m, "+1555", 5, fields, at, NULL, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_caller_op_start(NULL, "+1555", 5, fields, at, &none, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_caller_op_start(m, "+1555", 5, NULL, at, &none, &e), e, CR_E_ARG, "NULL");
    CHECK(none == (cr_caller_op *)&st);
    CHECK_ERR(cr_caller_op_start(m, "", 0, fields, at, &none, &e), e, CR_E_RANGE, "caller_number");
    CHECK(none == NULL);
    CHECK_INT(cr_caller_op_state(NULL), CR_OP_FAILED);
    size_t len = 9;
    CHECK(cr_caller_op_record(NULL, &len) == NULL && len == 0);
    /* A NULL op's question: none (was a NULL dereference). */
    who_len = 9, since = until = 1;
    cr_caller_op_count_query(NULL, &who, &who_len, &since, &until);
    CHECK(who == NULL && who_len == 0 && since != since && until != until);
    cr_caller_op_count_query(NULL, NULL, NULL, NULL, NULL);
    CHECK_ERR(cr_caller_op_counted(NULL, 1, &e), e, CR_E_ARG, "op is NULL");
    CHECK_ERR(cr_caller_op_saved(NULL, 0, &e), e, CR_E_ARG, "op is NULL");
    CHECK_ERR(cr_caller_op_result(NULL, &r, NULL, 0, NULL, &e), e, CR_E_ARG, "op or out is NULL");
    CHECK_OK(cr_caller_op_start(m, "+1555", 5, fields, at, &op, &check_err));
    CHECK(cr_caller_op_record(op, &len) == NULL && len == 0);   /* nothing to save yet */
    cr_caller_op_count_query(op, NULL, NULL, NULL, NULL);
    CHECK_INT(cr_caller_op_counted(op, 2, NULL), CR_OK);
    CHECK_INT(cr_caller_op_counted(op, 2, NULL), CR_E_STATE);
    CHECK(cr_caller_op_record(op, NULL) != NULL);
    CHECK_INT(cr_caller_op_saved(op, 0, NULL), CR_OK);
    CHECK_ERR(cr_caller_op_result(op, NULL, NULL, 0, NULL, &e), e, CR_E_ARG, "op or out is NULL");
    CHECK_ERR(cr_caller_op_result(op, &r, reasons, 2, NULL, &e), e, CR_E_BUFFER, "reasons buffer holds 2");
    CHECK_OK(cr_caller_op_result(op, &r, NULL, 0, NULL, &check_err));
    cr_caller_op_free(op);
    /* A failed op reports its failure to a caller without a cr_error too. */
    CHECK_OK(cr_caller_op_start(m, "+1555", 5, fields, at, &op, &check_err));
    CHECK_INT(cr_caller_op_counted(op, -3, NULL), CR_E_STORE);
    CHECK_INT(cr_caller_op_result(op, &r, NULL, 0, NULL, NULL), CR_E_STORE);
    CHECK_ERR(cr_caller_op_result(op, &r, NULL, 0, NULL, &e), e, CR_E_STORE, "counting attempts failed (-3)");
    cr_caller_op_free(op);
    /* A count the schema refuses (beyond 2^53) fails the op with that reason,
       also when the host passed no cr_error to cr_caller_op_counted(). */
    CHECK_OK(cr_caller_op_start(m, "+1555", 5, fields, at, &op, &check_err));
    CHECK_INT(cr_caller_op_counted(op, INT64_C(1) << 60, NULL), CR_E_RANGE);
    CHECK_INT(cr_caller_op_state(op), CR_OP_FAILED);
    CHECK(cr_caller_op_record(op, NULL) == NULL);
    CHECK_ERR(cr_caller_op_result(op, &r, NULL, 0, NULL, &e), e, CR_E_RANGE, "field 'call_attempts_24h'");
    cr_caller_op_free(op);
    cr_caller_op_free(NULL);
    cr_model_free(m);
    return check_done("test_score_caller");
}
