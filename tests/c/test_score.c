/* test_score.c - scoring, bands, reasons and batch scoring. */
#include "callrisk.h"
#include "check.h"

#include <math.h>
#include <stdlib.h>

static void test_reasons(const cr_model *m)
{
    double f[3] = {5, 0, 10};
    cr_score_result r;
    cr_reason reasons[3];
    CHECK_OK(cr_score(m, f, &r, reasons, 3, &check_err));
    /* Ordered by |contribution|, and they add up to the logit. */
    double sum = r.base_logit;
    for (int j = 0; j < 3; j++) {
        sum += reasons[j].contribution;
        if (j) CHECK(fabs(reasons[j - 1].contribution) >= fabs(reasons[j].contribution));
        size_t k = reasons[j].feature;
        CHECK_NEAR(reasons[j].contribution, cr_model_coef(m, k) * ((k == 1 ? 1 - f[1] : f[k]) - cr_model_baseline(m, k)),
                   0);
    }
    CHECK_NEAR(sum, r.logit, 1e-12);
    CHECK_INT(reasons[0].feature, 2);   /* 10 attempts against a mean of 3.6 */
    /* The baseline is the training mean: (0+1+2+3+4)/5 reports, 4/5 without consent. */
    CHECK_NEAR(cr_model_baseline(m, 0), 2.0, 0);
    CHECK_NEAR(cr_model_baseline(m, 1), 0.2, 1e-15);
    CHECK_NEAR(cr_model_baseline(m, 2), 3.6, 1e-15);

    /* Ties keep feature order: at the baseline every contribution is 0. */
    cr_error e;
    CHECK_ERR(cr_score(m, f, &r, reasons, 2, &e), e, CR_E_BUFFER, "reasons buffer holds 2");
}

static void test_bands(const cr_model *m)
{
    int seen[3] = {0, 0, 0};
    for (int spam = 0; spam <= 6; spam++)
        for (int a = 0; a <= 12; a++) {
            double f[3] = {spam, 1, a};
            cr_score_result r;
            CHECK_OK(cr_score(m, f, &r, NULL, 0, &check_err));
            cr_risk_level want = r.score >= 70 ? CR_RISK_HIGH : r.score >= 40 ? CR_RISK_MEDIUM : CR_RISK_LOW;
            CHECK_INT(r.risk_level, want);
            CHECK_INT(r.score, (int)(r.probability * 100));
            seen[r.risk_level] = 1;
        }
    CHECK(seen[0] && seen[1] && seen[2]);
    CHECK_STR(cr_risk_level_str(CR_RISK_MEDIUM), "MEDIUM");
}

static void test_extremes(const cr_model *m)
{
    double hi[3] = {9007199254740992.0, 0, 9007199254740992.0}, lo[3] = {0, 1, 0};
    cr_score_result r;
    CHECK_OK(cr_score(m, hi, &r, NULL, 0, &check_err));
    CHECK(r.probability == 1.0 && r.score == 100 && r.risk_level == CR_RISK_HIGH);
    CHECK_OK(cr_score(m, lo, &r, NULL, 0, &check_err));
    CHECK(r.probability > 0 && r.probability < 0.1);
}

static void test_batch(const cr_model *m)
{
    enum { N = 301 };   /* odd: the last row takes the scalar tail */
    double *f = malloc(N * 3 * sizeof *f);
    int32_t scores[N];
    double probs[N];
    uint8_t levels[N];
    for (int i = 0; i < N; i++) {
        f[3 * i] = i % 11;
        f[3 * i + 1] = i % 2;
        f[3 * i + 2] = i % 17;
    }
    /* Logits beyond +-708 take the scalar exp path inside the vector loop. */
    f[3 * 10] = 9007199254740992.0;
    f[3 * 13 + 2] = 4000;
    f[3 * 300] = 1e15;
    CHECK_OK(cr_score_batch(m, f, N, scores, probs, levels, &check_err));
    for (int i = 0; i < N; i++) {
        cr_score_result r;
        CHECK_OK(cr_score(m, f + 3 * i, &r, NULL, 0, &check_err));
        CHECK_INT(scores[i], r.score);
        CHECK(bits_of(probs[i]) == bits_of(r.probability));
        CHECK_INT(levels[i], r.risk_level);
    }
    CHECK_OK(cr_score_batch(m, f, N, NULL, probs, NULL, &check_err));
    CHECK_OK(cr_score_batch(m, NULL, 0, NULL, NULL, NULL, &check_err));

    /* A bad row anywhere: nothing written, the row and field named. */
    scores[0] = -7;
    f[3 * 200 + 1] = 2;
    cr_error e;
    CHECK_ERR(cr_score_batch(m, f, N, scores, NULL, NULL, &e), e, CR_E_TYPE, "field 'has_consent'");
    CHECK_INT(e.line, 201);
    CHECK_STR(e.field, "has_consent");
    CHECK_INT(scores[0], -7);
    free(f);
}

static void test_bad_arguments(const cr_model *m)
{
    cr_error e;
    cr_score_result r;
    double f[3] = {1, 1, 1};
    CHECK_ERR(cr_score(NULL, f, &r, NULL, 0, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_score(m, NULL, &r, NULL, 0, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_score(m, f, NULL, NULL, 0, &e), e, CR_E_ARG, "NULL");
    /* err may be NULL: status only. */
    CHECK_INT(cr_score(m, NULL, &r, NULL, 0, NULL), CR_E_ARG);
}

/* A schema other than the seed's (real and inverted fields): the generic path. */
static void test_batch_other_schema(void)
{
    static const cr_field_spec fields[] = {{"attestation", CR_FIELD_REAL}, {"verified", CR_FIELD_BOOL},
                                           {"reports", CR_FIELD_COUNT}, {"age_days", CR_FIELD_REAL}};
    static const cr_feature_spec features[] = {{"attestation", "attestation", 0}, {"unverified", "verified", 1},
                                               {"reports", "reports", 0}, {"age_days", "age_days", 0}};
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    cr_model *m = NULL;
    CHECK_OK(cr_schema_create(fields, 4, features, 4, &s, &check_err));
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    enum { N = 517 };
    double *f = malloc(N * 4 * sizeof *f);
    for (int i = 0; i < N; i++) {
        double *r = f + 4 * i;
        r[0] = (i * 37 % 101) / 100.0;
        r[1] = i % 3 == 0;
        r[2] = i % 7;
        r[3] = -50.0 + (i * 13 % 200) * 0.731;
        CHECK_OK(cr_dataset_add(ds, r, (i * 7 + (int)r[2] * 3) % 5 < 2, 1.0, &check_err));
    }
    CHECK_OK(cr_train(ds, NULL, &m, &check_err));
    int32_t *scores = malloc(N * sizeof *scores);
    double *probs = malloc(N * sizeof *probs);
    CHECK_OK(cr_score_batch(m, f, N, scores, probs, NULL, &check_err));
    for (int i = 0; i < N; i++) {
        cr_score_result r;
        CHECK_OK(cr_score(m, f + 4 * i, &r, NULL, 0, &check_err));
        CHECK_INT(scores[i], r.score);
        CHECK(bits_of(probs[i]) == bits_of(r.probability));
    }
    free(scores);
    free(probs);
    free(f);
    cr_model_free(m);
    cr_dataset_free(ds);
    cr_schema_free(s);
}

int main(void)
{
    cr_model *m = NULL;
    CHECK_OK(cr_model_create_default(&m, &check_err));
    if (!m) return check_done("test_score");
    test_reasons(m);
    test_bands(m);
    test_extremes(m);
    test_batch(m);
    test_batch_other_schema();
    test_bad_arguments(m);
    cr_model_free(m);
    return check_done("test_score");
}
