/* test_evidence.c - what a trained model carries about itself: the holdout
 * split, Platt scaling at its optimum, reference bins at the weighted
 * deciles, calibrated scoring everywhere, and drift against the reference.
 * (scikit-learn and numpy references on large sets: tests/quality.) */
#include "callrisk.h"
#include "check.h"
#include "internal.h"
#include "crmath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static cr_schema *seed_schema(void)
{
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    return s;
}

/* n deterministic seed-schema rows: labels follow the features, with noise. */
static cr_dataset *gen(const cr_schema *s, size_t n, uint32_t seed, double shift)
{
    cr_dataset *ds = NULL;
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    uint32_t r = seed;
    for (size_t i = 0; i < n; i++) {
        double f[3];
        r = r * 1664525u + 1013904223u;
        f[0] = (double)((r >> 8) % 6) + shift;
        r = r * 1664525u + 1013904223u;
        f[1] = (r >> 9) % 2;
        r = r * 1664525u + 1013904223u;
        f[2] = (double)((r >> 10) % 9);
        r = r * 1664525u + 1013904223u;
        const double z = 0.6 * f[0] - 1.0 * f[1] + 0.2 * f[2] - 3;
        const int y = (double)(r >> 8) / 16777216.0 < 1 / (1 + exp(-z));
        CHECK_OK(cr_dataset_add(ds, f, y, 1.0, &check_err));
    }
    return ds;
}

static void test_split(const cr_schema *s)
{
    cr_dataset *ds = gen(s, 10, 1, 0), *part[2] = {NULL, NULL};
    cr_train_options o;
    cr_train_options_init(&o);
    o.holdout_method = CR_HOLDOUT_ORDER;
    o.holdout_fraction = 0.25;   /* ceil(2.5) = 3: the last three rows */
    CHECK_OK(cr_holdout_split(ds, &o, part, &check_err));
    CHECK_INT((int)part[0]->rows, 7);
    CHECK_INT((int)part[1]->rows, 3);
    CHECK(memcmp(part[1]->x, ds->x + 7 * 3, 3 * 3 * sizeof(double)) == 0);
    cr_dataset_free(part[0]), cr_dataset_free(part[1]);
    /* hash: the same seed, the same rows; another seed, others. */
    cr_dataset_free(ds);
    ds = gen(s, 2000, 1, 0);
    o.holdout_method = CR_HOLDOUT_HASH;
    o.holdout_fraction = 0.3;
    o.holdout_seed = 7;
    cr_dataset *a[2], *b[2], *c[2];
    CHECK_OK(cr_holdout_split(ds, &o, a, &check_err));
    CHECK_OK(cr_holdout_split(ds, &o, b, &check_err));
    o.holdout_seed = 8;
    CHECK_OK(cr_holdout_split(ds, &o, c, &check_err));
    CHECK(a[1]->rows == b[1]->rows && memcmp(a[1]->x, b[1]->x, a[1]->rows * 3 * sizeof(double)) == 0);
    CHECK(a[1]->rows > 500 && a[1]->rows < 700);   /* about 600 */
    CHECK_INT((int)(a[0]->rows + a[1]->rows), 2000);
    CHECK(c[1]->rows != a[1]->rows || memcmp(a[1]->x, c[1]->x, a[1]->rows * 3 * sizeof(double)) != 0);
    for (int k = 0; k < 2; k++) cr_dataset_free(a[k]), cr_dataset_free(b[k]), cr_dataset_free(c[k]);
    cr_dataset_free(ds);
    /* A fraction that leaves no row on one side. */
    ds = gen(s, 3, 1, 0);
    o.holdout_method = CR_HOLDOUT_ORDER;
    o.holdout_fraction = 0.999;
    cr_error e;
    CHECK_ERR(cr_holdout_split(ds, &o, part, &e), e, CR_E_DATA, "leaves no row to fit");
    cr_dataset_free(ds);
}

static void test_options(const cr_schema *s)
{
    cr_train_options o;
    cr_error e;
    const char *ok = "{\"holdout\":{\"fraction\":0.2,\"method\":\"hash\",\"seed\":9},\"calibration\":\"sigmoid\"}";
    CHECK_OK(cr_train_options_from_json(&o, s, ok, strlen(ok), &check_err));
    CHECK(o.holdout_method == CR_HOLDOUT_HASH && o.holdout_fraction == 0.2 && o.holdout_seed == 9 &&
          o.calibration == CR_CALIBRATION_SIGMOID);
    /* Calibration before the holdout in the object: the options are judged as a whole. */
    const char *order = "{\"calibration\":\"sigmoid\",\"holdout\":{\"fraction\":0.5}}";
    CHECK_OK(cr_train_options_from_json(&o, s, order, strlen(order), &check_err));
    CHECK(o.holdout_method == CR_HOLDOUT_ORDER && o.holdout_seed == 0);
    static const struct {
        const char *json;
        cr_status st;
        const char *msg;
    } bad[] = {
        {"{\"calibration\":\"sigmoid\"}", CR_E_ARG, "set 'holdout' too"},
        {"{\"calibration\":\"isotonic\"}", CR_E_RANGE, "must be \"none\" or \"sigmoid\""},
        {"{\"calibration\":true}", CR_E_TYPE, "option 'calibration'"},
        {"{\"holdout\":0.2}", CR_E_TYPE, "option 'holdout': must be null or"},
        {"{\"holdout\":{}}", CR_E_MISSING, "fraction is required"},
        {"{\"holdout\":{\"fraction\":1}}", CR_E_RANGE, "fraction must be > 0 and < 1"},
        {"{\"holdout\":{\"fraction\":0}}", CR_E_RANGE, "fraction must be > 0 and < 1"},
        {"{\"holdout\":{\"fraction\":\"0.2\"}}", CR_E_TYPE, "must be a number"},
        {"{\"holdout\":{\"fraction\":0.2,\"method\":\"random\"}}", CR_E_RANGE, "\"order\" or \"hash\""},
        {"{\"holdout\":{\"fraction\":0.2,\"method\":1}}", CR_E_TYPE, "option 'holdout'"},
        {"{\"holdout\":{\"fraction\":0.2,\"seed\":-1}}", CR_E_RANGE, "seed must be an integer"},
        {"{\"holdout\":{\"fraction\":0.2,\"seed\":4294967296}}", CR_E_RANGE, "seed must be an integer"},
        {"{\"holdout\":{\"fraction\":0.2,\"seed\":1.5}}", CR_E_RANGE, "seed must be an integer"},
        {"{\"holdout\":{\"fraction\":0.2,\"seed\":4294967295.0000001}}", CR_E_RANGE,
         "option 'holdout': seed must be an integer 0 to 4294967295, got 4294967295.0000001"},
        {"{\"holdout\":{\"fraction\":0.2,\"size\":3}}", CR_E_ARG, "unknown member"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        CHECK_ERR(cr_train_options_from_json(&o, s, bad[k].json, strlen(bad[k].json), &e), e, bad[k].st, bad[k].msg);
        CHECK_STR(e.field, strstr(bad[k].json, "calibration") ? "calibration" : "holdout");
    }
    /* Text, as the CLI gives it. */
    cr_train_options_init(&o);
    CHECK_OK(cr_train_options_set_text(&o, s, "holdout", "0.1,hash,42", &check_err));
    CHECK(o.holdout_method == CR_HOLDOUT_HASH && o.holdout_fraction == 0.1 && o.holdout_seed == 42);
    CHECK_OK(cr_train_options_set_text(&o, s, "holdout", "0.3", &check_err));
    CHECK(o.holdout_method == CR_HOLDOUT_ORDER && o.holdout_fraction == 0.3);
    CHECK_OK(cr_train_options_set_text(&o, s, "calibration", "sigmoid", &check_err));
    CHECK_OK(cr_train_options_set_text(&o, s, "holdout", "none", &check_err));
    CHECK_ERR(cr_train_options_check(&o, s, &e), e, CR_E_ARG, "set 'holdout' too");
    CHECK_ERR(cr_train_options_set_text(&o, s, "holdout", "x", &e), e, CR_E_TYPE, "'none', 'F'");
    CHECK_ERR(cr_train_options_set_text(&o, s, "calibration", "platt", &e), e, CR_E_TYPE, "'none' or 'sigmoid'");
    o.holdout_method = (cr_holdout_method)9;
    CHECK_ERR(cr_train_options_check(&o, s, &e), e, CR_E_RANGE, "unknown method 9");
    cr_train_options_init(&o);
    o.calibration = (cr_calibration_method)5;
    CHECK_ERR(cr_train_options_check(&o, s, &e), e, CR_E_RANGE, "unknown method 5");
}

/* Platt's gradient at the fitted (a, b), in long double: zero to rounding. */
static void check_platt_optimum(const cr_model *m, const cr_dataset *hold)
{
    size_t pos = 0;
    for (size_t i = 0; i < hold->rows; i++) pos += hold->y[i];
    const long double tp = ((long double)pos + 1) / ((long double)pos + 2),
                      tn = 1 / ((long double)(hold->rows - pos) + 2);
    long double ga = 0, gb = 0, scale = 0;
    for (size_t i = 0; i < hold->rows; i++) {
        const long double f = cr_logit(m, hold->x + i * 3), z = m->ev.cal_a * f + m->ev.cal_b;
        const long double p = 1 / (1 + expl(-z)), t = hold->y[i] ? tp : tn;
        ga += (p - t) * f;
        gb += p - t;
        scale += fabsl(f) + 1;
    }
    CHECK(fabsl(ga) / scale < 1e-12 && fabsl(gb) / scale < 1e-12);
}

static void test_training(const cr_schema *s)
{
    cr_dataset *ds = gen(s, 4000, 3, 0);
    cr_train_options o;
    const char *json = "{\"holdout\":{\"fraction\":0.25},\"calibration\":\"sigmoid\",\"class_weight\":\"balanced\"}";
    CHECK_OK(cr_train_options_from_json(&o, s, json, strlen(json), &check_err));
    cr_model *m = NULL, *plain = NULL, *deflt = NULL;
    CHECK_OK(cr_train(ds, &o, &m, &check_err));
    CHECK(m->ev.present && m->ev.calibration == CR_CALIBRATION_SIGMOID);
    CHECK_INT((int)m->ev.train.n, 3000);
    CHECK_INT((int)m->ev.holdout.n, 1000);
    CHECK_INT((int)m->info.rows, 3000);
    /* Balanced class weights push probabilities up; Platt pulls them back (b < 0). */
    CHECK(m->ev.cal_b < 0 && m->ev.cal_a > 0.5 && m->ev.cal_a < 2);
    cr_dataset *part[2];
    CHECK_OK(cr_holdout_split(ds, &o, part, &check_err));
    check_platt_optimum(m, part[1]);
    /* The holdout's metrics are cr_evaluate() of the model on those rows
       (but for the ROC grid, which a model does not store). */
    cr_metrics mt;
    CHECK_OK(cr_evaluate(m, part[1], &mt, &check_err));
    CHECK(mt.has_roc && !m->ev.holdout.has_roc);
    cr_metrics_drop_roc(&mt);
    CHECK(memcmp(&mt, &m->ev.holdout, sizeof mt) == 0);
    CHECK_OK(cr_evaluate(m, part[0], &mt, &check_err));
    CHECK(mt.auc == m->ev.train.auc && mt.log_loss == m->ev.train.log_loss && mt.n == m->ev.train.n);
    cr_metrics got;
    CHECK_OK(cr_model_metrics(m, 1, &got, &check_err));
    CHECK(memcmp(&got, &m->ev.holdout, sizeof got) == 0);
    double a = 0, b = 0;
    CHECK_INT(cr_model_calibration(m, &a, &b), 1);
    CHECK(a == m->ev.cal_a && b == m->ev.cal_b);
    /* Calibrated scoring: probability = sigmoid(a logit + b) in cr_score and
       in every batch path; the reasons still add up to the logit. */
    const double f[6] = {5, 0, 8, 0, 1, 0};
    cr_score_result r;
    cr_reason reasons[3];
    CHECK_OK(cr_score(m, f, &r, reasons, 3, &check_err));
    CHECK(r.probability == cr_sigmoid(m->ev.cal_a * r.logit + m->ev.cal_b));
    CHECK_NEAR(r.base_logit + reasons[0].contribution + reasons[1].contribution + reasons[2].contribution, r.logit,
               1e-12);
    double p[2];
    int32_t sc[2];
    CHECK_OK(cr_score_batch(m, f, 2, sc, p, NULL, &check_err));
    CHECK(p[0] == r.probability && sc[0] == r.score);
    /* The same fit without calibration: the same coefficients, other probabilities. */
    o.calibration = CR_CALIBRATION_NONE;
    CHECK_OK(cr_train(ds, &o, &plain, &check_err));
    CHECK(plain->coef[0] == m->coef[0] && plain->intercept == m->intercept && !plain->ev.calibration);
    CHECK_INT(cr_model_calibration(plain, NULL, NULL), 0);
    CHECK(plain->ev.holdout.brier > m->ev.holdout.brier);   /* calibration helps a balanced model */
    /* The seed's default model carries none (format 1). */
    CHECK_OK(cr_model_create_default(&deflt, &check_err));
    CHECK(!deflt->ev.present);
    cr_error e;
    CHECK_ERR(cr_model_metrics(deflt, 0, &got, &e), e, CR_E_MISSING, "");
    CHECK_INT(cr_model_calibration(deflt, &a, &b), 0);
    cr_model_free(deflt);
    cr_dataset_free(part[0]), cr_dataset_free(part[1]);
    cr_model_free(plain);
    cr_model_free(m);
    cr_dataset_free(ds);
}

/* A holdout of two rows: Newton's first step lowers the objective but grows
   the gradient; the fit still ends at the optimum (it once stopped at the
   start, a = 1, b = 0). Rows that weigh nothing are no holdout. */
static void test_small_holdouts(const cr_schema *s)
{
    /* examples/calls.csv */
    static const double rows[8][3] = {{0, 1, 1}, {1, 0, 2}, {2, 0, 3}, {3, 0, 5}, {4, 0, 7}, {0, 1, 0}, {6, 1, 9}, {1, 1, 1}};
    static const int labels[8] = {0, 0, 1, 1, 1, 0, 1, 0};
    cr_dataset *ds = NULL;
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    for (int i = 0; i < 8; i++) CHECK_OK(cr_dataset_add(ds, rows[i], labels[i], 1.0, &check_err));
    cr_train_options o;
    cr_train_options_init(&o);
    o.holdout_method = CR_HOLDOUT_ORDER;
    o.holdout_fraction = 0.25;
    o.calibration = CR_CALIBRATION_SIGMOID;
    cr_model *m = NULL;
    CHECK_OK(cr_train(ds, &o, &m, &check_err));
    CHECK_NEAR(m->ev.cal_a, 0.149801, 1e-6);   /* not the start, (1, 0) */
    CHECK_NEAR(m->ev.cal_b, -0.435635, 1e-6);
    cr_dataset *part[2];
    CHECK_OK(cr_holdout_split(ds, &o, part, &check_err));
    CHECK_INT((int)part[1]->rows, 2);
    check_platt_optimum(m, part[1]);
    cr_dataset_free(part[0]), cr_dataset_free(part[1]);
    cr_model_free(m);
    cr_dataset_free(ds);
    /* The last two rows weigh 0: the holdout has nothing to measure. */
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    for (int i = 0; i < 8; i++) CHECK_OK(cr_dataset_add(ds, rows[i], labels[i], i < 6 ? 1.0 : 0.0, &check_err));
    cr_error e;
    CHECK_ERR(cr_train(ds, &o, &m, &e), e, CR_E_DATA, "held-out rows all weigh 0");
    CHECK_STR(e.field, "holdout");
    cr_dataset_free(ds);
}

/* cr_evaluate_with() on a model trained with options o on ds: its holdout
   metrics, bit for bit (the ROC grid aside: a model stores none). */
static void check_evaluate_with(const cr_dataset *ds, const cr_train_options *o, const cr_model *champion)
{
    cr_model *m = NULL;
    CHECK_OK(cr_train(ds, o, &m, &check_err));
    if (!m) return;
    cr_metrics mt, stored;
    memset(&mt, 0xA5, sizeof mt);
    CHECK_OK(cr_evaluate_with(m, ds, o, &mt, &check_err));
    CHECK_OK(cr_model_metrics(m, 1, &stored, &check_err));
    CHECK(mt.has_roc == 1 && stored.has_roc == 0);
    CHECK(mt.roc_tpr[CR_ROC_GRID - 1] == 1);
    cr_metrics_drop_roc(&mt);
    CHECK(memcmp(&mt, &stored, sizeof mt) == 0);
    CHECK(mt.n == stored.n && mt.weight_sum == stored.weight_sum && mt.auc == stored.auc &&
          mt.log_loss == stored.log_loss && mt.brier == stored.brier && mt.ks == stored.ks);
    /* Another model on the same rows: cr_evaluate() of the held-out part. */
    cr_dataset *part[2];
    CHECK_OK(cr_holdout_split(ds, o, part, &check_err));
    cr_metrics a, b;
    CHECK_OK(cr_evaluate_with(champion, ds, o, &a, &check_err));
    CHECK_OK(cr_evaluate(champion, part[1], &b, &check_err));
    CHECK(memcmp(&a, &b, sizeof a) == 0 && a.n == part[1]->rows && a.has_roc);
    cr_dataset_free(part[0]), cr_dataset_free(part[1]);
    cr_model_free(m);
}

static void test_evaluate_with(const cr_schema *s)
{
    /* 4000 rows of few distinct ones: training and its evidence merge them. */
    cr_dataset *ds = gen(s, 4000, 5, 0), *weighted = NULL;
    CHECK_OK(cr_dataset_create(s, &weighted, &check_err));
    for (size_t i = 0; i < ds->rows; i++)
        CHECK_OK(cr_dataset_add(weighted, ds->x + 3 * i, ds->y[i], 0.5 + (double)(i % 7) * 0.3, &check_err));
    /* The champion: another model, fitted on other rows. */
    cr_dataset *older = gen(s, 3000, 77, 1);
    cr_model *champion = NULL;
    CHECK_OK(cr_train(older, NULL, &champion, &check_err));
    cr_dataset_free(older);
    static const char *const options[] = {
        "{\"holdout\":{\"fraction\":0.2}}",
        "{\"holdout\":{\"fraction\":0.25,\"method\":\"hash\",\"seed\":7}}",
        ("{\"holdout\":{\"fraction\":0.3,\"method\":\"hash\",\"seed\":11},\"calibration\":\"sigmoid\","
         "\"class_weight\":\"balanced\",\"C\":0.5}"),
    };
    for (size_t k = 0; k < sizeof options / sizeof *options; k++) {
        cr_train_options o;
        CHECK_OK(cr_train_options_from_json(&o, s, options[k], strlen(options[k]), &check_err));
        check_evaluate_with(ds, &o, champion);
        check_evaluate_with(weighted, &o, champion);
    }
    /* A small holdout (no merging): 30 rows. */
    cr_dataset *small = gen(s, 30, 9, 0);
    cr_train_options o;
    cr_train_options_init(&o);
    o.holdout_method = CR_HOLDOUT_HASH;
    o.holdout_fraction = 0.4;
    o.holdout_seed = 3;
    check_evaluate_with(small, &o, champion);

    /* Without a holdout (or options): cr_evaluate() on every row. */
    cr_metrics a, b;
    cr_train_options_init(&o);
    CHECK_OK(cr_evaluate_with(champion, ds, &o, &a, &check_err));
    CHECK_OK(cr_evaluate(champion, ds, &b, &check_err));
    CHECK(memcmp(&a, &b, sizeof a) == 0 && a.n == 4000);
    CHECK_OK(cr_evaluate_with(champion, ds, NULL, &a, &check_err));
    CHECK(memcmp(&a, &b, sizeof a) == 0);

    /* Errors: those of cr_evaluate(), the options' check, the split's. */
    cr_error e;
    o.holdout_method = CR_HOLDOUT_ORDER;
    o.holdout_fraction = 1.5;
    CHECK_ERR(cr_evaluate_with(champion, ds, &o, &a, &e), e, CR_E_RANGE, "");
    CHECK_STR(e.field, "holdout");
    o.holdout_fraction = 0.9;
    cr_dataset *two = gen(s, 2, 1, 0), *empty = gen(s, 0, 1, 0);
    CHECK_ERR(cr_evaluate_with(champion, two, &o, &a, &e), e, CR_E_DATA, "no row to fit");
    CHECK_ERR(cr_evaluate_with(champion, empty, &o, &a, &e), e, CR_E_DATA, "no rows");
    o.calibration = CR_CALIBRATION_SIGMOID;
    o.holdout_method = CR_HOLDOUT_NONE;
    CHECK_ERR(cr_evaluate_with(champion, ds, &o, &a, &e), e, CR_E_ARG, "");
    cr_train_options_init(&o);
    o.holdout_method = CR_HOLDOUT_ORDER;
    o.holdout_fraction = 0.2;
    CHECK_ERR(cr_evaluate_with(NULL, ds, &o, &a, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_evaluate_with(champion, NULL, &o, &a, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_evaluate_with(champion, ds, &o, NULL, &e), e, CR_E_ARG, "NULL");
    cr_schema *other = NULL;
    static const cr_field_spec fields[] = {{"x", CR_FIELD_REAL}};
    static const cr_feature_spec features[] = {{"x", "x", 0}};
    CHECK_OK(cr_schema_create(fields, 1, features, 1, &other, &check_err));
    cr_dataset *elsewhere = NULL;
    CHECK_OK(cr_dataset_create(other, &elsewhere, &check_err));
    CHECK_ERR(cr_evaluate_with(champion, elsewhere, &o, &a, &e), e, CR_E_SCHEMA, "not the model's");
    cr_dataset_free(elsewhere);
    cr_schema_free(other);
    cr_dataset_free(two), cr_dataset_free(empty), cr_dataset_free(small);
    cr_model_free(champion);
    cr_dataset_free(weighted), cr_dataset_free(ds);
}

static void test_reference(const cr_schema *s)
{
    /* spam_reports 0..99 once each (a count), consent alternating, attempts
       constant: deciles at 9, 19, ..., 89; two bins; one bin. */
    cr_dataset *ds = NULL;
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    for (int i = 0; i < 100; i++) {
        const double f[3] = {i, i % 2, 4};
        CHECK_OK(cr_dataset_add(ds, f, i % 3 == 0, 1.0, &check_err));
    }
    cr_model *m = NULL;
    CHECK_OK(cr_train(ds, NULL, &m, &check_err));
    const cr_bins *b0 = &m->ev.reference[0], *b1 = &m->ev.reference[1], *b2 = &m->ev.reference[2];
    CHECK_INT(b0->n_bins, 10);
    for (int k = 0; k < 9; k++) CHECK_NEAR(b0->cut[k], 10 * k + 9, 0);
    for (int k = 0; k < 10; k++) CHECK_NEAR(b0->share[k], 0.1, 1e-15);
    CHECK_INT(b1->n_bins, 2);
    CHECK_NEAR(b1->cut[0], 0, 0);
    CHECK_NEAR(b1->share[0], 0.5, 0);
    CHECK_INT(b2->n_bins, 1);
    CHECK_NEAR(b2->share[0], 1, 0);
    double total = 0;
    for (int k = 0; k < m->ev.score_reference.n_bins; k++) total += m->ev.score_reference.share[k];
    CHECK_NEAR(total, 1, 1e-15);
    cr_model_free(m);
    cr_dataset_free(ds);
    /* Weights: a value holding 90% of the weight is one bin, the rest another. */
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    for (int i = 0; i < 20; i++) {
        const double f[3] = {i < 10 ? 0 : 1, 0, i};
        CHECK_OK(cr_dataset_add(ds, f, i % 2, i < 10 ? 9.0 : 1.0, &check_err));
    }
    CHECK_OK(cr_train(ds, NULL, &m, &check_err));
    CHECK_INT(m->ev.reference[0].n_bins, 2);
    CHECK_NEAR(m->ev.reference[0].share[0], 0.9, 1e-15);
    cr_model_free(m);
    cr_dataset_free(ds);
}

/* The record cr_score_caller() would store, for a row. */
static size_t record_of(const cr_model *m, const double *f, char *buf, size_t cap)
{
    cr_score_result r;
    cr_reason reasons[3];
    size_t n = 0;
    CHECK_OK(cr_score(m, f, &r, reasons, 3, &check_err));
    CHECK_OK(cr_score_record_json(m, f, &r, reasons, "+1555", 5, 1e12, buf, cap, &n, &check_err));
    return n;
}

static void test_drift(const cr_schema *s)
{
    cr_dataset *train = gen(s, 3000, 5, 0), *same = gen(s, 3000, 5, 0), *moved = gen(s, 3000, 6, 2);
    cr_model *m = NULL, *deflt = NULL;
    CHECK_OK(cr_train(train, NULL, &m, &check_err));
    cr_drift *d = NULL;
    char buf[8192];
    size_t n = 0;
    cr_error e;
    /* The training rows themselves: no drift at all. */
    CHECK_OK(cr_drift_create(m, &d, &check_err));
    CHECK_ERR(cr_drift_json(d, buf, sizeof buf, &n, &e), e, CR_E_DATA, "no rows");
    CHECK_OK(cr_drift_add_dataset(d, same, &check_err));
    CHECK_OK(cr_drift_json(d, buf, sizeof buf, &n, &check_err));
    CHECK(strncmp(buf, "{\"n\":3000,\"weight_sum\":3000,\"epsilon\":0.0001,\"features\":[{\"feature\":\"spam_reports\","
                       "\"psi\":0,\"status\":\"stable\",\"bins\":[{\"hi\":0,", 123) == 0);
    CHECK(strstr(buf, "\"score\":{\"psi\":0,\"status\":\"stable\"") != NULL);
    cr_drift_free(d);
    /* Two more spam reports per caller: an alert on that feature and the score. */
    CHECK_OK(cr_drift_create(m, &d, &check_err));
    CHECK_OK(cr_drift_add_dataset(d, moved, &check_err));
    CHECK_OK(cr_drift_json(d, buf, sizeof buf, &n, &check_err));
    CHECK(strstr(buf, "{\"feature\":\"spam_reports\",\"psi\":") && strstr(buf, "\"status\":\"alert\""));
    cr_drift_free(d);
    /* Records and rows of field values count as the data set's rows do. */
    cr_drift *by_rows = NULL, *by_records = NULL, *by_set = NULL;
    CHECK_OK(cr_drift_create(m, &by_rows, &check_err));
    CHECK_OK(cr_drift_create(m, &by_records, &check_err));
    CHECK_OK(cr_drift_create(m, &by_set, &check_err));
    cr_dataset *few = gen(s, 50, 9, 1);
    double fields[50 * 3];
    uint32_t r = 9;
    for (int i = 0; i < 50; i++) {   /* gen()'s field values, again */
        r = r * 1664525u + 1013904223u;
        fields[3 * i] = (double)((r >> 8) % 6) + 1;
        r = r * 1664525u + 1013904223u;
        fields[3 * i + 1] = (r >> 9) % 2;
        r = r * 1664525u + 1013904223u;
        fields[3 * i + 2] = (double)((r >> 10) % 9);
        r = r * 1664525u + 1013904223u;
        char rec[2048];
        const size_t len = record_of(m, fields + 3 * i, rec, sizeof rec);
        CHECK_OK(cr_drift_add_record(by_records, rec, len, &check_err));
    }
    CHECK_OK(cr_drift_add_rows(by_rows, fields, 50, &check_err));
    CHECK_OK(cr_drift_add_dataset(by_set, few, &check_err));
    char a[8192], b[8192], c[8192];
    CHECK_OK(cr_drift_json(by_rows, a, sizeof a, &n, &check_err));
    CHECK_OK(cr_drift_json(by_records, b, sizeof b, &n, &check_err));
    CHECK_OK(cr_drift_json(by_set, c, sizeof c, &n, &check_err));
    CHECK_STR(a, b);
    CHECK_STR(a, c);
    /* Bad input changes nothing. */
    const double bad_rows[6] = {1, 0, 2, 1, 7, 2};
    CHECK_ERR(cr_drift_add_rows(by_rows, bad_rows, 2, &e), e, CR_E_TYPE, "has_consent");
    CHECK_INT((int)e.line, 2);
    CHECK_ERR(cr_drift_add_record(by_records, "{\"score\":5}", 11, &e), e, CR_E_MISSING, "record 'inputs'");
    CHECK_ERR(cr_drift_add_record(by_records, "{\"inputs\":[],\"score\":5}", 23, &e), e, CR_E_TYPE, "record 'inputs'");
    const char *no_score = "{\"inputs\":{\"spam_reports\":1,\"has_consent\":true,\"call_attempts_24h\":0}}";
    CHECK_ERR(cr_drift_add_record(by_records, no_score, strlen(no_score), &e), e, CR_E_MISSING, "record 'score'");
    const char *big = "{\"inputs\":{\"spam_reports\":1,\"has_consent\":true,\"call_attempts_24h\":0},\"score\":101}";
    CHECK_ERR(cr_drift_add_record(by_records, big, strlen(big), &e), e, CR_E_RANGE, "integer 0 to 100");
    const char *near = "{\"inputs\":{\"spam_reports\":1,\"has_consent\":true,\"call_attempts_24h\":0},"
                       "\"score\":42.000000000000001}";   /* the double is 42, the text is not */
    CHECK_ERR(cr_drift_add_record(by_records, near, strlen(near), &e), e, CR_E_RANGE,
              "record 'score': must be an integer 0 to 100, got 42.000000000000001");
    const char *negative = "{\"inputs\":{\"spam_reports\":1,\"has_consent\":true,\"call_attempts_24h\":0},\"score\":-1}";
    CHECK_ERR(cr_drift_add_record(by_records, negative, strlen(negative), &e), e, CR_E_RANGE,
              "record 'score': must be an integer 0 to 100, got -1");
    const char *text = "{\"inputs\":{\"spam_reports\":1,\"has_consent\":true,\"call_attempts_24h\":0},\"score\":\"9\"}";
    CHECK_ERR(cr_drift_add_record(by_records, text, strlen(text), &e), e, CR_E_TYPE, "record 'score'");
    /* No model_id (hand-made): read as this model's. */
    const char *field = "{\"inputs\":{\"spam_reports\":-1,\"has_consent\":true,\"call_attempts_24h\":0},\"score\":9}";
    CHECK_ERR(cr_drift_add_record(by_records, field, strlen(field), &e), e, CR_E_RANGE, "spam_reports");
    /* Another model's record is no row of this model's: refused (as
       cr_verify_record() refuses it), nothing counted. */
    char rec[2048];
    CHECK_OK(cr_model_create_default(&deflt, &check_err));
    size_t len = record_of(deflt, fields, rec, sizeof rec);
    CHECK_ERR(cr_drift_add_record(by_records, rec, len, &e), e, CR_E_MISMATCH, "record 'model_id'");
    CHECK_STR(e.field, "model_id");
    len = record_of(m, fields, rec, sizeof rec);
    char *id = strstr(rec, cr_model_id(m));
    CHECK(id != NULL);
    if (id) memset(id, '0', 64);   /* edited to 64 zeros */
    CHECK_ERR(cr_drift_add_record(by_records, rec, len, &e), e, CR_E_MISMATCH, "record 'model_id'");
    const char *num_id = "{\"inputs\":{},\"score\":9,\"model_id\":7}";
    CHECK_ERR(cr_drift_add_record(by_records, num_id, strlen(num_id), &e), e, CR_E_MISSING, "record 'model_id'");
    cr_model_free(deflt);
    deflt = NULL;
    CHECK_ERR(cr_drift_add_record(by_records, "[", 1, &e), e, CR_E_JSON, "");
    CHECK_OK(cr_drift_json(by_records, b, sizeof b, &n, &check_err));
    CHECK_STR(a, b);
    CHECK_ERR(cr_drift_json(by_records, NULL, 0, &n, &e), e, CR_E_BUFFER, "");
    cr_drift_free(by_rows), cr_drift_free(by_records), cr_drift_free(by_set);
    /* Arguments; a data set of another schema; a model with no reference. */
    CHECK_ERR(cr_drift_create(NULL, &d, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_drift_create(m, NULL, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_drift_add_dataset(NULL, few, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_drift_add_rows(NULL, fields, 1, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_drift_add_record(NULL, "{}", 2, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_drift_json(NULL, buf, sizeof buf, &n, &e), e, CR_E_ARG, "NULL");
    static const cr_field_spec xf[] = {{"x", CR_FIELD_REAL}};
    static const cr_feature_spec xs[] = {{"x", "x", 0}};
    cr_schema *other = NULL;
    cr_dataset *other_rows = NULL;
    CHECK_OK(cr_schema_create(xf, 1, xs, 1, &other, &check_err));
    CHECK_OK(cr_dataset_create(other, &other_rows, &check_err));
    CHECK_OK(cr_drift_create(m, &d, &check_err));
    CHECK_ERR(cr_drift_add_dataset(d, other_rows, &e), e, CR_E_SCHEMA, "not the model's");
    cr_drift_free(d);
    cr_drift_free(NULL);
    CHECK_OK(cr_model_create_default(&deflt, &check_err));
    d = (cr_drift *)&e;
    CHECK_ERR(cr_drift_create(deflt, &d, &e), e, CR_E_MISSING, "no reference");
    CHECK(d == NULL);
    cr_model_free(deflt);
    cr_dataset_free(other_rows);
    cr_schema_free(other);
    cr_dataset_free(few);
    cr_model_free(m);
    cr_dataset_free(train), cr_dataset_free(same), cr_dataset_free(moved);
}

int main(void)
{
    cr_schema *s = seed_schema();
    test_split(s);
    test_options(s);
    test_training(s);
    test_small_holdouts(s);
    test_evaluate_with(s);
    test_reference(s);
    test_drift(s);
    cr_schema_free(s);
    return check_done("test_evidence");
}
