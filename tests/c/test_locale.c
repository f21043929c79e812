/* test_locale.c - numbers in and out of the core do not depend on the host's
 * C locale: a process that calls setlocale(LC_NUMERIC, "de_DE.UTF-8") (comma
 * as decimal point) still writes "0.5" in model JSON and records, and reads
 * "0.5" as one half. Skipped (77) where no such locale is installed. */
#include <locale.h>
#include <stdlib.h>

#include "callrisk.h"
#include "check.h"

int main(void)
{
    static const char *const comma[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8"};
    const char *used = NULL;
    for (size_t i = 0; i < sizeof comma / sizeof *comma && !used; i++)
        if (setlocale(LC_NUMERIC, comma[i])) used = comma[i];
    if (!used || localeconv()->decimal_point[0] != ',') {
        printf("test_locale: skipped, no locale with a decimal comma installed\n");
        return 77;
    }
    cr_model *m = NULL;
    CHECK_OK(cr_model_create_default(&m, &check_err));
    if (!m) return check_done("test_locale");
    CHECK_STR(cr_model_id(m), "2033a8d95ed7b3b1a764b228893ac02e633770cebf541da97791d47eec0fb530");
    size_t n = 0;
    cr_model_to_json(m, NULL, 0, &n, NULL);
    char *js = malloc(n + 1);
    CHECK_OK(cr_model_to_json(m, js, n + 1, &n, &check_err));
    CHECK(strstr(js, "\"coef\":[0.62004755") != NULL);   /* a point, under a comma locale */
    cr_model *back = NULL;
    CHECK_OK(cr_model_from_json(js, n, &back, &check_err));
    if (back) CHECK_STR(cr_model_id(back), cr_model_id(m));
    /* Requests and records. */
    double f[3];
    const char *req = "{\"spam_reports\": 5, \"has_consent\": false, \"call_attempts_24h\": 1e1}";
    CHECK_OK(cr_request_parse(cr_model_schema(m), req, strlen(req), f, &check_err));
    cr_score_result r;
    cr_reason reasons[3];
    CHECK_OK(cr_score(m, f, &r, reasons, 3, &check_err));
    CHECK_INT(r.score, 99);
    char rec[1024];
    CHECK_OK(cr_score_record_json(m, f, &r, reasons, NULL, 0, 0.0 / 0.0, rec, sizeof rec, &n, &check_err));
    CHECK(strstr(rec, "\"probability\":0.9993235530573312") != NULL);
    CHECK_OK(cr_verify_record(m, rec, n, &check_err));
    /* CSV reals: "0.25" is a quarter. */
    static const cr_field_spec fs[] = {{"x", CR_FIELD_REAL}};
    static const cr_feature_spec ts[] = {{"x", "x", 0}};
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    cr_csv_reader *rd = NULL;
    CHECK_OK(cr_schema_create(fs, 1, ts, 1, &s, &check_err));
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    CHECK_OK(cr_csv_reader_create(ds, NULL, &rd, &check_err));
    const char *csv = "x,label\n0.25,0\n1.75,1\n";
    CHECK_OK(cr_csv_feed(rd, csv, strlen(csv), &check_err));
    CHECK_OK(cr_csv_finish(rd, &check_err));
    CHECK_INT(cr_dataset_rows(ds), 2);
    cr_model *t = NULL;
    CHECK_OK(cr_train(ds, NULL, &t, &check_err));
    if (t) CHECK(cr_model_baseline(t, 0) == 1.0);   /* (0.25 + 1.75) / 2 */
    cr_model_free(t);
    cr_csv_reader_free(rd);
    cr_dataset_free(ds);
    cr_schema_free(s);
    free(js);
    cr_model_free(back);
    cr_model_free(m);
    return check_done("test_locale");
}
