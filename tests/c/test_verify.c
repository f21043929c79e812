/* test_verify.c - score records and their replay (the audit). */
#include "callrisk.h"
#include "check.h"

#include <stdlib.h>

static char *record_of(const cr_model *m, const double *f, const char *caller, double at)
{
    cr_score_result r;
    cr_reason reasons[3];
    CHECK_OK(cr_score(m, f, &r, reasons, 3, &check_err));
    size_t n = 0;
    cr_score_record_json(m, f, &r, reasons, caller, caller ? strlen(caller) : 0, at, NULL, 0, &n, NULL);
    char *s = malloc(n + 1);
    CHECK_OK(cr_score_record_json(m, f, &r, reasons, caller, caller ? strlen(caller) : 0, at, s, n + 1, &n,
                                  &check_err));
    return s;
}

/* Replaces the first `from` in rec with `to` and checks the verdict. */
static void expect_edit(const cr_model *m, const char *rec, const char *from, const char *to, cr_status st,
                        const char *msg)
{
    const char *at = strstr(rec, from);
    CHECK(at != NULL);
    if (!at) return;
    char edited[2048];
    snprintf(edited, sizeof edited, "%.*s%s%s", (int)(at - rec), rec, to, at + strlen(from));
    cr_error e;
    CHECK_ERR(cr_verify_record(m, edited, strlen(edited), &e), e, st, msg);
    if (strncmp(msg, "field '", 7) == 0)   /* the error names the field */
        CHECK(strncmp(e.field, msg + 7, strlen(e.field)) == 0 && msg[7 + strlen(e.field)] == '\'');
}

/* No negative zero in a record or a model: JSON hosts (JSON.stringify,
   Python's json in JS-built stores) write -0 as 0, and a record stored that
   way must still replay bit for bit. */
static void test_no_negative_zero(void)
{
    /* spam_reports gets a negative coefficient; x = 1 is its baseline. */
    static const double rows[4][3] = {{0, 1, 1}, {2, 1, 1}, {0, 0, 3}, {2, 0, 3}};
    static const uint8_t labels[4] = {1, 0, 1, 0};
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    cr_model *m = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    CHECK_OK(cr_dataset_add_rows(ds, &rows[0][0], labels, NULL, 4, &check_err));
    CHECK_OK(cr_train(ds, NULL, &m, &check_err));
    if (!m) return;
    CHECK(cr_model_coef(m, 0) < 0 && cr_model_baseline(m, 0) == 1);
    const double f[3] = {1, 1, 1};
    char *rec = record_of(m, f, "+1", 1764072000000.0);
    CHECK(strstr(rec, "-0,") == NULL && strstr(rec, "-0}") == NULL);
    CHECK(strstr(rec, "{\"feature\":\"spam_reports\",\"contribution\":0}") != NULL);
    CHECK_OK(cr_verify_record(m, rec, strlen(rec), &check_err));
    free(rec);
    cr_model_free(m);
    cr_dataset_free(ds);
    cr_schema_free(s);
}

/* cr_score_record_json() writes only records cr_verify_record() accepts:
   every part it writes checked, the error typed and naming it; nothing
   read out of bounds (a reason's feature index). */
static void record_refused(const cr_model *m, const double *f, const cr_score_result *r, const cr_reason *reasons,
                           double at, cr_status st, const char *field, const char *msg)
{
    char buf[2048];
    size_t n = 0;
    cr_error e;
    memset(buf, 0, sizeof buf);
    CHECK_ERR(cr_score_record_json(m, f, r, reasons, "+1", 2, at, buf, sizeof buf, &n, &e), e, st, msg);
    CHECK_STR(e.field, field);
    CHECK(buf[0] == 0);
}

static void test_record_checked(const cr_model *m, const double *f)
{
    cr_score_result r, good;
    cr_reason reasons[3], ok[3];
    CHECK_OK(cr_score(m, f, &good, ok, 3, &check_err));
    char buf[2048];
    size_t n = 0;
    /* Accepted: the score's own result, at a valid time or none. */
    const double times[] = {0, 1764000000000.0, 8.64e15, 0.0 / 0.0, 1.0 / 0.0};
    for (size_t t = 0; t < sizeof times / sizeof *times; t++) {
        CHECK_OK(cr_score_record_json(m, f, &good, ok, "+1", 2, times[t], buf, sizeof buf, &n, &check_err));
        CHECK_OK(cr_verify_record(m, buf, n, &check_err));
    }
    /* The fields, as cr_score() checks them. */
    double bad[3] = {f[0], 7, f[2]};
    record_refused(m, bad, &good, ok, 0, CR_E_TYPE, "has_consent", "has_consent");
    bad[1] = f[1], bad[0] = 0.0 / 0.0;
    record_refused(m, bad, &good, ok, 0, CR_E_NONFINITE, "spam_reports", "spam_reports");
    bad[0] = -1;
    record_refused(m, bad, &good, ok, 0, CR_E_RANGE, "spam_reports", "spam_reports");
    /* The time: a whole number of ms in 0..8.64e15 when given. */
    record_refused(m, f, &good, ok, -77.5, CR_E_RANGE, "at", "field 'at'");
    record_refused(m, f, &good, ok, 1.5, CR_E_TYPE, "at", "field 'at': must be a whole number");
    record_refused(m, f, &good, ok, 8.64e15 + 2, CR_E_RANGE, "at", "field 'at'");
    /* The result: in range, then the score of these fields. */
    r = good, r.score = 101;
    record_refused(m, f, &r, ok, 0, CR_E_RANGE, "score", "field 'score': must be 0 to 100, got 101");
    r = good, r.score = good.score - 1;
    record_refused(m, f, &r, ok, 0, CR_E_MISMATCH, "score", "record 'score': not what the model scores");
    r = good, r.risk_level = (cr_risk_level)9;
    record_refused(m, f, &r, ok, 0, CR_E_RANGE, "risk_level", "field 'risk_level': must be 0 (LOW) to 2 (HIGH), got 9");
    r = good, r.risk_level = CR_RISK_LOW;
    record_refused(m, f, &r, ok, 0, CR_E_MISMATCH, "risk_level", "record 'risk_level'");
    r = good, r.probability = 2.5;
    record_refused(m, f, &r, ok, 0, CR_E_RANGE, "probability", "field 'probability': must be 0 to 1, got 2.5");
    r = good, r.probability = 0.0 / 0.0;
    record_refused(m, f, &r, ok, 0, CR_E_NONFINITE, "probability", "field 'probability'");
    r = good, r.probability = good.probability * (1 + 0x1p-52);
    record_refused(m, f, &r, ok, 0, CR_E_MISMATCH, "probability", "record 'probability'");
    /* The reasons: the model's features, finite, cr_score()'s in its order. */
    memcpy(reasons, ok, sizeof reasons);
    reasons[2].feature = 0x7fffffff;
    record_refused(m, f, &good, reasons, 0, CR_E_RANGE, "reasons", "field 'reasons'[2]: feature 2147483647 is not");
    reasons[2].feature = 3;
    record_refused(m, f, &good, reasons, 0, CR_E_RANGE, "reasons", "feature 3 is not one of the model's 3");
    memcpy(reasons, ok, sizeof reasons);
    reasons[1].contribution = 1.0 / 0.0;
    record_refused(m, f, &good, reasons, 0, CR_E_NONFINITE, "reasons", "field 'reasons'[1]");
    memcpy(reasons, ok, sizeof reasons);
    reasons[0] = ok[1], reasons[1] = ok[0];
    record_refused(m, f, &good, reasons, 0, CR_E_MISMATCH, "reasons", "record 'reasons'");
    memcpy(reasons, ok, sizeof reasons);
    reasons[1].feature = reasons[0].feature;
    record_refused(m, f, &good, reasons, 0, CR_E_MISMATCH, "reasons", "record 'reasons'");
}

int main(void)
{
    cr_model *m = NULL, *other = NULL;
    CHECK_OK(cr_model_create_default(&m, &check_err));
    if (!m) return check_done("test_verify");
    test_no_negative_zero();
    double f[3] = {2, 0, 4};
    char *plain = record_of(m, f, NULL, 0.0 / 0.0);
    char want[1024];
    snprintf(want, sizeof want,
             "{\"inputs\":{\"spam_reports\":2,\"has_consent\":false,\"call_attempts_24h\":4},\"score\":76,"
             "\"risk_level\":\"HIGH\",\"probability\":0.769107103873336,\"reasons\":[{\"feature\":"
             "\"call_attempts_24h\",\"contribution\":0.28230406143995507},{\"feature\":\"no_consent\","
             "\"contribution\":-0.0831590254194529},{\"feature\":\"spam_reports\",\"contribution\":0}],"
             "\"model_id\":\"%s\"}", cr_model_id(m));
    CHECK_STR(plain, want);
    CHECK_OK(cr_verify_record(m, plain, strlen(plain), &check_err));
    cr_error e;
    char *full = record_of(m, f, "+1555", 1764000000000.0);
    CHECK(strncmp(full, "{\"caller_number\":\"+1555\",\"at\":1764000000000,\"inputs\":", 52) == 0);
    CHECK_OK(cr_verify_record(m, full, strlen(full), &check_err));

    expect_edit(m, plain, "\"score\":76", "\"score\":75", CR_E_MISMATCH, "record 'score': stored 75, replay gives 76");
    expect_edit(m, plain, "\"score\":76", "\"score\":76.000000000000001", CR_E_MISMATCH,
                "record 'score': stored 76.000000000000001, replay gives 76");   /* the double is 76 */
    expect_edit(m, plain, "0.769107103873336", "0.76910710387333", CR_E_MISMATCH, "record 'probability'");
    expect_edit(m, plain, "\"HIGH\"", "\"MEDIUM\"", CR_E_MISMATCH, "record 'risk_level': stored MEDIUM");
    expect_edit(m, plain, "0.28230406143995507", "0.282304061439955", CR_E_MISMATCH, "record 'reasons': entry 0");
    expect_edit(m, plain, "\"call_attempts_24h\":4", "\"call_attempts_24h\":5", CR_E_MISMATCH, "record 'score'");
    expect_edit(m, plain, "\"model_id\":\"2", "\"model_id\":\"5", CR_E_MISMATCH, "record 'model_id'");
    expect_edit(m, plain, "\"score\":76,", "", CR_E_MISSING, "record 'score': missing");
    expect_edit(m, plain, "\"score\":76,", "\"score\":\"76\",", CR_E_MISSING, "record 'score': missing or not a number");
    expect_edit(m, plain, "\"has_consent\":false", "\"has_consent\":0", CR_E_TYPE, "field 'has_consent'");
    expect_edit(m, plain, "{\"inputs\"", "[{\"inputs\"", CR_E_JSON, "JSON:");

    /* Every required member, missing or of the wrong type. */
    expect_edit(m, plain, "\"model_id\":\"", "\"model\":\"", CR_E_MISSING, "record 'model_id': missing or not a string");
    expect_edit(m, plain, "\"probability\":", "\"p\":", CR_E_MISSING, "record 'probability': missing");
    expect_edit(m, plain, "\"risk_level\":\"HIGH\"", "\"risk_level\":2", CR_E_MISSING,
                "record 'risk_level': missing or not a string");
    expect_edit(m, plain, "\"inputs\":", "\"in\":", CR_E_MISSING, "record 'inputs': missing or not an object");
    expect_edit(m, plain, "\"inputs\":{", "\"inputs\":[],\"x\":{", CR_E_MISSING, "record 'inputs'");
    expect_edit(m, plain, "\"reasons\":", "\"r\":", CR_E_MISSING, "record 'reasons': missing or not 3 entries");
    expect_edit(m, plain, "\"reasons\":[", "\"reasons\":{\"a\":1},\"r\":[", CR_E_MISSING, "record 'reasons'");
    expect_edit(m, plain, "\"reasons\":[", "\"reasons\":[1,", CR_E_MISSING, "not 3 entries");
    expect_edit(m, plain, "{\"feature\":\"call_attempts_24h\",", "{\"f\":\"call_attempts_24h\",", CR_E_MISSING,
                "record 'reasons'[0]: needs feature and contribution");
    expect_edit(m, plain, "\"contribution\":-0.0831590254194529", "\"contribution\":\"x\"", CR_E_MISSING,
                "record 'reasons'[1]: needs feature and contribution");
    expect_edit(m, plain, "{\"feature\":\"no_consent\"", "{\"feature\":\"spam_reports\"", CR_E_MISMATCH,
                "record 'reasons': entry 1 is spam_reports");
    expect_edit(m, plain, "\"model_id\":\"", "\"model_id\":\"0123456789abcdef0123456789abcdef0123456789abcdef"
                "0123456789abcdef", CR_E_MISSING, "record 'model_id': missing or not a string");
    /* caller_number and at: optional (plain has neither; full has both), but
       when present what scoring accepts, else the error naming the field. */
    expect_edit(m, full, "\"at\":1764000000000,", "", CR_OK, "");
    expect_edit(m, full, "\"caller_number\":\"+1555\",", "", CR_OK, "");
    expect_edit(m, full, "+1555", "+1666", CR_OK, "");   /* another valid number: nothing to replay it against */
    expect_edit(m, full, "1764000000000", "-5", CR_E_RANGE, "field 'at': must be a time in ms since 1970");
    expect_edit(m, full, "1764000000000", "8640000000000001", CR_E_RANGE, "field 'at'");
    expect_edit(m, full, "1764000000000", "1764000000000.5", CR_E_TYPE, "field 'at': must be a whole number");
    expect_edit(m, full, "1764000000000", "1e999", CR_E_NONFINITE, "field 'at'");
    expect_edit(m, full, "1764000000000", "\"1764000000000\"", CR_E_TYPE, "field 'at': must be a number");
    expect_edit(m, full, "\"+1555\"", "\"+1\\u0001\"", CR_E_TYPE, "field 'caller_number': byte 3 is not printable");
    expect_edit(m, full, "\"+1555\"", "\"+15\\u00e9\"", CR_E_TYPE, "field 'caller_number': byte 4");
    expect_edit(m, full, "\"+1555\"", "\"\"", CR_E_RANGE, "field 'caller_number': must have 1 to 64 bytes, got 0");
    expect_edit(m, full, "\"+1555\"",
                "\"01234567890123456789012345678901234567890123456789012345678901234\"", CR_E_RANGE,
                "must have 1 to 64 bytes, got more");
    expect_edit(m, full, "\"+1555\"",
                "\"0123456789012345678901234567890123456789012345678901234567890123456789\"", CR_E_RANGE,
                "got more");
    expect_edit(m, full, "\"+1555\"", "15555", CR_E_TYPE, "field 'caller_number': must be a string, got number");
    CHECK_ERR(cr_verify_record(m, "[1]", 3, &e), e, CR_E_TYPE, "record: must be a JSON object");
    CHECK_ERR(cr_verify_record(NULL, plain, strlen(plain), &e), e, CR_E_ARG, "model or record is NULL");
    CHECK_ERR(cr_verify_record(m, NULL, 0, &e), e, CR_E_ARG, "model or record is NULL");
    CHECK_INT(cr_verify_record(m, "{}", 2, NULL), CR_E_MISSING);

    /* cr_score_record_json(): arguments, a bad caller number, a small buffer. */
    cr_score_result r;
    cr_reason reasons[3];
    char buf[64];
    size_t n = 0;
    CHECK_OK(cr_score(m, f, &r, reasons, 3, &check_err));
    CHECK_ERR(cr_score_record_json(NULL, f, &r, reasons, NULL, 0, 0, buf, sizeof buf, &n, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_score_record_json(m, NULL, &r, reasons, NULL, 0, 0, buf, sizeof buf, &n, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_score_record_json(m, f, NULL, reasons, NULL, 0, 0, buf, sizeof buf, &n, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_score_record_json(m, f, &r, NULL, NULL, 0, 0, buf, sizeof buf, &n, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_score_record_json(m, f, &r, reasons, "a\tb", 3, 0, buf, sizeof buf, &n, &e), e, CR_E_TYPE,
              "field 'caller_number': byte 2 is not printable ASCII");
    CHECK_ERR(cr_score_record_json(m, f, &r, reasons, NULL, 0, 1.0 / 0.0, buf, sizeof buf, &n, &e), e, CR_E_BUFFER,
              "buffer holds 64");
    CHECK_INT(n, strlen(plain));   /* an infinite time is left out, like a NaN */
    CHECK_INT(cr_score_record_json(m, f, &r, reasons, NULL, 0, 0.0 / 0.0, NULL, 0, NULL, NULL), CR_E_BUFFER);
    test_record_checked(m, f);

    /* A record of one model does not verify against another. */
    CHECK_OK(cr_model_with_bands(m, 80, 50, &other, &check_err));
    CHECK_ERR(cr_verify_record(other, plain, strlen(plain), &e), e, CR_E_MISMATCH, "record 'model_id'");
    CHECK_STR(e.field, "model_id");
    free(plain);
    free(full);
    cr_model_free(other);
    cr_model_free(m);
    return check_done("test_verify");
}
