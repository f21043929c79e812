/* test_score.c - scoring, bands, reasons and batch scoring. */
#include "callrisk.h"
#include "check.h"
#include "internal.h"

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

/* The bound that makes scoring finite by construction: 64 real features, every
   model number and input at +-CR_REAL_MAX with the signs that add up. */
static void test_worst_case_is_finite(void)
{
    cr_field_spec fields[CR_MAX_FIELDS];
    cr_feature_spec features[CR_MAX_FEATURES];
    char names[CR_MAX_FIELDS][8];
    for (int i = 0; i < CR_MAX_FIELDS; i++) {
        snprintf(names[i], sizeof names[i], "x%d", i);
        fields[i] = (cr_field_spec){names[i], CR_FIELD_REAL};
        features[i] = (cr_feature_spec){names[i], names[i], 0};
    }
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create(fields, CR_MAX_FIELDS, features, CR_MAX_FEATURES, &s, &check_err));
    if (!s) return;
    cr_model *m = calloc(1, sizeof *m);
    memcpy(&m->schema, s, sizeof *s);
    m->intercept = CR_REAL_MAX;
    double row[CR_MAX_FIELDS], neg[CR_MAX_FIELDS];
    for (int j = 0; j < CR_MAX_FEATURES; j++) {
        m->coef[j] = CR_REAL_MAX;
        m->baseline[j] = -CR_REAL_MAX;
        row[j] = CR_REAL_MAX;
        neg[j] = -CR_REAL_MAX;
    }
    m->band_high = 70;
    m->band_medium = 40;
    m->info.C = 1;
    m->info.fit_intercept = 1;
    m->info.max_iter = 100;
    memset(m->info.data_sha256, '0', 64);   /* a model always holds a hex digest */
    CHECK_OK(cr_model_validate(m, &check_err));
    CHECK_OK(cr_model_finish(m, &check_err));
    cr_score_result r;
    cr_reason reasons[CR_MAX_FEATURES];
    for (int k = 0; k < 2; k++) {
        CHECK_OK(cr_score(m, k ? neg : row, &r, reasons, CR_MAX_FEATURES, &check_err));
        CHECK(r.logit - r.logit == 0 && r.base_logit - r.base_logit == 0);
        CHECK(r.probability >= 0 && r.probability <= 1 && r.score >= 0 && r.score <= 100);
        CHECK_INT(r.score, k ? 0 : 100);
        for (int j = 0; j < CR_MAX_FEATURES; j++) CHECK(reasons[j].contribution - reasons[j].contribution == 0);
    }
    /* One step past the bound is refused, in a row and in a model. */
    cr_error e;
    row[5] = nextafter(CR_REAL_MAX, INFINITY);
    CHECK_ERR(cr_score(m, row, &r, NULL, 0, &e), e, CR_E_RANGE, "field 'x5': must be within +-1e150");
    CHECK_ERR(cr_score_batch(m, row, 1, NULL, NULL, NULL, &e), e, CR_E_RANGE, "field 'x5'");
    row[5] = CR_REAL_MAX;
    m->coef[7] = -nextafter(CR_REAL_MAX, INFINITY);
    CHECK_ERR(cr_model_validate(m, &e), e, CR_E_RANGE, "coefficient of 'x7'");

    /* A model that slipped past the bound (memory poked here; never loadable)
       still gives a typed status, not NaN and not (int)NaN: nothing is written. */
    m->coef[7] = 1e308;
    m->coef[8] = -1e308;
    r = (cr_score_result){.score = -7};
    CHECK_ERR(cr_score(m, row, &r, NULL, 0, &e), e, CR_E_NONFINITE, "the logit is not a finite number");
    CHECK_INT(r.score, -7);
    double rows2[2 * CR_MAX_FIELDS];
    memcpy(rows2, row, sizeof row);
    memcpy(rows2 + CR_MAX_FIELDS, row, sizeof row);
    rows2[0] = 0;
    CHECK_ERR(cr_score_batch(m, rows2, 2, NULL, NULL, NULL, &e), e, CR_E_NONFINITE, "row 1");
    CHECK_INT(e.line, 1);
    m->coef[8] = 0;   /* inf logit; the base logit is -inf */
    CHECK_ERR(cr_score(m, row, &r, NULL, 0, &e), e, CR_E_NONFINITE, "is not a finite number");
    /* Finite logit and base logit, overflowing reason: w x = 1e308, w b = -1e308. */
    for (int j = 0; j < CR_MAX_FEATURES; j++) m->coef[j] = 0;
    m->intercept = 0;
    m->coef[3] = 1e158;
    CHECK_OK(cr_score(m, row, &r, NULL, 0, &check_err));
    CHECK_ERR(cr_score(m, row, &r, reasons, CR_MAX_FEATURES, &e), e, CR_E_NONFINITE, "contribution of 'x3'");
    free(m);
    cr_schema_free(s);
}

/* The same on the seed's schema and its fast batch path. */
static void test_poked_seed_model(const cr_model *good)
{
    cr_model *m = malloc(sizeof *m);
    memcpy(m, good, sizeof *m);
    m->coef[0] = 1e308;
    m->coef[2] = -1e308;
    double f[6] = {5, 0, 10, 1, 1, 1}, p[2] = {-1, -1};
    int32_t sc[2] = {-1, -1};
    cr_score_result r;
    cr_reason reasons[3];
    cr_error e;
    CHECK_ERR(cr_score(m, f, &r, reasons, 3, &e), e, CR_E_NONFINITE, "not a finite number");
    CHECK_ERR(cr_score_batch(m, f, 2, sc, p, NULL, &e), e, CR_E_NONFINITE, "row 1");
    CHECK_INT(e.line, 1);
    CHECK(sc[0] == -1 && p[0] == -1);   /* the bad row's block is not written */
    free(m);
}

/* Accessors answer NULL models and out-of-range features with neutral values. */
static void test_model_accessors(const cr_model *m)
{
    CHECK(cr_model_schema(NULL) == NULL);
    CHECK(cr_model_id(NULL) == NULL);
    CHECK(cr_model_intercept(NULL) == 0.0);
    CHECK(cr_model_coef(NULL, 0) == 0.0 && cr_model_coef(m, 3) == 0.0);
    CHECK(cr_model_baseline(NULL, 0) == 0.0 && cr_model_baseline(m, 3) == 0.0);
    CHECK(cr_model_sign(NULL, 0) == CR_SIGN_FREE && cr_model_sign(m, 3) == CR_SIGN_FREE);
    int high = -1, medium = -1;
    cr_model_bands(NULL, &high, &medium);
    CHECK(high == 0 && medium == 0);
    cr_model_bands(m, &high, NULL);
    cr_model_bands(m, NULL, &medium);
    CHECK(high == 70 && medium == 40);
    cr_train_stats st = {.iterations = -9};
    cr_training_info info = {.rows = 99};
    cr_model_stats(NULL, &st);
    cr_model_training_info(NULL, &info);
    CHECK(st.iterations == -9 && info.rows == 99);
    cr_model_stats(m, NULL);
    cr_model_training_info(m, NULL);
    cr_model_training_info(m, &info);
    CHECK(info.rows == 5 && info.C == 1.0 && info.fit_intercept == 1 && info.max_iter == 100);
    CHECK_STR(cr_risk_level_str(CR_RISK_LOW), "LOW");
    CHECK_STR(cr_risk_level_str(CR_RISK_HIGH), "HIGH");
    CHECK_STR(cr_risk_level_str((cr_risk_level)3), "?");
    cr_error e;
    cr_model *out = (cr_model *)1;
    CHECK_ERR(cr_model_with_bands(NULL, 70, 40, &out, &e), e, CR_E_ARG, "model or out is NULL");
    CHECK_ERR(cr_model_with_bands(m, 70, 40, NULL, &e), e, CR_E_ARG, "model or out is NULL");
    CHECK_ERR(cr_model_create_default(NULL, &e), e, CR_E_ARG, "out is NULL");
    cr_model_free(NULL);
}

/* A logit that is finite while the base logit (b + w . baseline) is not: the
   message names the base logit. */
static void test_poked_baseline(const cr_model *good)
{
    cr_model *m = malloc(sizeof *m);
    memcpy(m, good, sizeof *m);
    m->coef[0] = m->coef[2] = 1e308;
    m->baseline[0] = m->baseline[2] = 1;
    double f[3] = {0, 1, 0};
    cr_score_result r = {.score = -7};
    cr_error e;
    CHECK_ERR(cr_score(m, f, &r, NULL, 0, &e), e, CR_E_NONFINITE, "score: the base logit is not a finite number");
    CHECK_STR(e.field, "logit");
    CHECK_INT(r.score, -7);
    free(m);
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
    test_worst_case_is_finite();
    test_poked_seed_model(m);
    test_model_accessors(m);
    test_poked_baseline(m);
    cr_model_free(m);
    return check_done("test_score");
}
