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
}

int main(void)
{
    cr_model *m = NULL, *other = NULL;
    CHECK_OK(cr_model_create_default(&m, &check_err));
    if (!m) return check_done("test_verify");
    double f[3] = {2, 0, 4};
    char *plain = record_of(m, f, NULL, 0.0 / 0.0);
    char want[1024];
    snprintf(want, sizeof want,
             "{\"inputs\":{\"spam_reports\":2,\"has_consent\":false,\"call_attempts_24h\":4},\"score\":76,"
             "\"risk_level\":\"HIGH\",\"probability\":0.76910710387333581,\"reasons\":[{\"feature\":"
             "\"call_attempts_24h\",\"contribution\":0.28230406143995512},{\"feature\":\"no_consent\","
             "\"contribution\":-0.083159025419452873},{\"feature\":\"spam_reports\",\"contribution\":0}],"
             "\"model_id\":\"%s\"}", cr_model_id(m));
    CHECK_STR(plain, want);
    CHECK_OK(cr_verify_record(m, plain, strlen(plain), &check_err));
    char *full = record_of(m, f, "+1555", 1764000000000.0);
    CHECK(strncmp(full, "{\"caller_number\":\"+1555\",\"at\":1764000000000,\"inputs\":", 52) == 0);
    CHECK_OK(cr_verify_record(m, full, strlen(full), &check_err));

    expect_edit(m, plain, "\"score\":76", "\"score\":75", CR_E_MISMATCH, "record 'score': stored 75, replay gives 76");
    expect_edit(m, plain, "0.76910710387333581", "0.76910710387333", CR_E_MISMATCH, "record 'probability'");
    expect_edit(m, plain, "\"HIGH\"", "\"MEDIUM\"", CR_E_MISMATCH, "record 'risk_level': stored MEDIUM");
    expect_edit(m, plain, "0.28230406143995512", "0.282304061439955", CR_E_MISMATCH, "record 'reasons': entry 0");
    expect_edit(m, plain, "\"call_attempts_24h\":4", "\"call_attempts_24h\":5", CR_E_MISMATCH, "record 'score'");
    expect_edit(m, plain, "\"model_id\":\"4", "\"model_id\":\"5", CR_E_MISMATCH, "record 'model_id'");
    expect_edit(m, plain, "\"score\":76,", "", CR_E_MISSING, "record 'score': missing");
    expect_edit(m, plain, "\"has_consent\":false", "\"has_consent\":0", CR_E_TYPE, "field 'has_consent'");
    expect_edit(m, plain, "{\"inputs\"", "[{\"inputs\"", CR_E_JSON, "JSON:");

    /* A record of one model does not verify against another. */
    CHECK_OK(cr_model_with_bands(m, 80, 50, &other, &check_err));
    cr_error e;
    CHECK_ERR(cr_verify_record(other, plain, strlen(plain), &e), e, CR_E_MISMATCH, "record 'model_id'");
    CHECK_STR(e.field, "model_id");
    free(plain);
    free(full);
    cr_model_free(other);
    cr_model_free(m);
    return check_done("test_verify");
}
