/* test_train.c - the solver: seed model vs scikit-learn, options, sign constraints (KKT). */
#include "callrisk.h"
#include "check.h"

#include <math.h>
#include <stdlib.h>

static cr_dataset *seed_data(void)
{
    static const double rows[5][3] = {{0, 0, 1}, {1, 1, 2}, {2, 1, 3}, {3, 1, 5}, {4, 1, 7}};
    static const int labels[5] = {0, 0, 1, 1, 1};
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    for (int i = 0; i < 5; i++) CHECK_OK(cr_dataset_add(ds, rows[i], labels[i], 1.0, &check_err));
    cr_schema_free(s);
    return ds;
}

static void score_fields(const cr_model *m, double spam, double consent, double attempts, int want_score,
                         cr_risk_level want_level)
{
    double f[3] = {spam, consent, attempts};
    cr_score_result r;
    CHECK_OK(cr_score(m, f, &r, NULL, 0, &check_err));
    CHECK_INT(r.score, want_score);
    CHECK_INT(r.risk_level, want_level);
}

static void test_default_model_matches_sklearn(void)
{
    cr_model *m = NULL;
    CHECK_OK(cr_model_create_default(&m, &check_err));
    /* scikit-learn 1.2.1 LogisticRegression() on the seed rows (lbfgs, tol 1e-4). */
    CHECK_NEAR(cr_model_coef(m, 0), 0.62004772603629343, 1e-5);
    CHECK_NEAR(cr_model_coef(m, 1), -0.10394631195495985, 1e-5);
    CHECK_NEAR(cr_model_coef(m, 2), 0.70575998537688955, 1e-5);
    CHECK_NEAR(cr_model_intercept(m), -2.7559096466758262, 1e-5);
    cr_train_stats st;
    cr_model_stats(m, &st);
    CHECK(st.converged);
    CHECK(st.iterations >= 3 && st.iterations <= 20);
    CHECK(st.grad_norm <= 1e-10 * 5);
    /* The seed's tests: (5, no consent, 10) is HIGH, (0, consent, 1) is LOW. */
    score_fields(m, 5, 0, 10, 99, CR_RISK_HIGH);
    score_fields(m, 0, 1, 1, 11, CR_RISK_LOW);
    score_fields(m, 2, 0, 4, 76, CR_RISK_HIGH);
    cr_model_free(m);
}

/* The objective's optimality conditions, recomputed here independently. */
static void kkt_residual(const double *x, const int *y, size_t n, size_t d, double C, const double *w, double b,
                         double *grad)
{
    for (size_t j = 0; j <= d; j++) grad[j] = 0;
    for (size_t i = 0; i < n; i++) {
        double z = b;
        for (size_t j = 0; j < d; j++) z += w[j] * x[i * d + j];
        double p = 1.0 / (1.0 + exp(-z));
        for (size_t j = 0; j < d; j++) grad[j] += (p - y[i]) * x[i * d + j];
        grad[d] += p - y[i];
    }
    for (size_t j = 0; j < d; j++) grad[j] += w[j] / C;
}

static void test_sign_constraints_kkt(void)
{
    /* The seed data learns a negative weight for no_consent; forbid that. */
    cr_dataset *ds = seed_data();
    cr_train_options o;
    cr_train_options_init(&o);
    cr_model *free_m = NULL, *m = NULL;
    CHECK_OK(cr_train(ds, &o, &free_m, &check_err));
    CHECK(cr_model_coef(free_m, 1) < 0);   /* the unconstrained optimum violates the sign */
    for (int j = 0; j < 3; j++) o.signs[j] = CR_SIGN_NONNEG;
    CHECK_OK(cr_train(ds, &o, &m, &check_err));
    cr_train_stats st;
    cr_model_stats(m, &st);
    CHECK(st.converged);
    double w[3], b = cr_model_intercept(m), g[4];
    for (int j = 0; j < 3; j++) {
        w[j] = cr_model_coef(m, (size_t)j);
        CHECK(w[j] >= 0);
        CHECK_INT(cr_model_sign(m, (size_t)j), CR_SIGN_NONNEG);
    }
    CHECK(w[1] == 0);   /* the bound is active */
    static const double x[15] = {0, 1, 1, 1, 0, 2, 2, 0, 3, 3, 0, 5, 4, 0, 7};
    static const int y[5] = {0, 0, 1, 1, 1};
    kkt_residual(x, y, 5, 3, 1.0, w, b, g);
    /* KKT: zero gradient for free variables, gradient >= 0 at the w >= 0 bound. */
    CHECK_NEAR(g[0], 0, 1e-9);
    CHECK_NEAR(g[2], 0, 1e-9);
    CHECK_NEAR(g[3], 0, 1e-9);
    CHECK(g[1] > 1e-3);
    /* A non-positive constraint on a coefficient that wants to be positive. */
    o.signs[0] = CR_SIGN_NONPOS;
    o.signs[1] = CR_SIGN_FREE;
    cr_model *m2 = NULL;
    CHECK_OK(cr_train(ds, &o, &m2, &check_err));
    CHECK(cr_model_coef(m2, 0) == 0);
    for (int j = 0; j < 3; j++) w[j] = cr_model_coef(m2, (size_t)j);
    kkt_residual(x, y, 5, 3, 1.0, w, cr_model_intercept(m2), g);
    CHECK(g[0] < -1e-3);
    CHECK_NEAR(g[1], 0, 1e-9);
    CHECK_NEAR(g[2], 0, 1e-9);
    CHECK_NEAR(g[3], 0, 1e-9);
    cr_model_free(m2);
    cr_model_free(m);
    cr_model_free(free_m);
    cr_dataset_free(ds);
}

static void test_options_rejected(void)
{
    cr_dataset *ds = seed_data();
    cr_train_options o;
    cr_model *m = NULL;
    cr_error e;
#define BAD(field_assign, status, text)                               \
    do {                                                              \
        cr_train_options_init(&o);                                    \
        field_assign;                                                 \
        CHECK_ERR(cr_train(ds, &o, &m, &e), e, status, text);         \
        CHECK(m == NULL);                                             \
    } while (0)
    BAD(o.C = 0, CR_E_RANGE, "option 'C': must be a finite number > 0");
    BAD(o.C = -1, CR_E_RANGE, "option 'C'");
    BAD(o.C = 1.0 / 0.0, CR_E_RANGE, "option 'C'");
    BAD(o.C = 1e-320, CR_E_RANGE, "with a finite inverse, got 1e-320");
    BAD(o.C = 0.0 / 0.0, CR_E_RANGE, "option 'C'");
    BAD(o.max_iter = 0, CR_E_RANGE, "option 'max_iter'");
    BAD(o.max_iter = 1000001, CR_E_RANGE, "option 'max_iter': must be 1 to 1000000, got 1000001");
    BAD(o.tol = -1, CR_E_RANGE, "option 'tol'");
    BAD(o.tol = 0.0 / 0.0, CR_E_RANGE, "option 'tol': must be a finite number >= 0");
    BAD(o.tol = 1.0 / 0.0, CR_E_RANGE, "option 'tol'");
    BAD((o.class_weight_mode = CR_CLASS_WEIGHT_EXPLICIT, o.class_weight[0] = 1.0 / 0.0), CR_E_RANGE,
        "option 'class_weight': weight of class 0 must be a finite number >= 0, got inf");
    BAD((o.class_weight_mode = CR_CLASS_WEIGHT_EXPLICIT, o.class_weight[0] = 0.0 / 0.0), CR_E_RANGE,
        "weight of class 0");
    /* Explicit weights are only read in EXPLICIT mode. */
    cr_train_options_init(&o);
    o.class_weight[0] = -5;
    CHECK_OK(cr_train(ds, &o, &m, &check_err));
    cr_model_free(m);
    m = NULL;
    cr_train_options_init(NULL);   /* no-op */
    CHECK_ERR(cr_train(NULL, &o, &m, &e), e, CR_E_ARG, "data set or out is NULL");
    CHECK_ERR(cr_train(ds, &o, NULL, &e), e, CR_E_ARG, "data set or out is NULL");
    BAD(o.fit_intercept = 2, CR_E_RANGE, "option 'fit_intercept'");
    BAD((o.class_weight_mode = CR_CLASS_WEIGHT_EXPLICIT, o.class_weight[1] = -2), CR_E_RANGE,
        "option 'class_weight': weight of class 1");
    BAD(o.class_weight_mode = (cr_class_weight_mode)7, CR_E_RANGE, "unknown mode 7");
    BAD((o.band_high = 30, o.band_medium = 40), CR_E_RANGE, "option 'bands'");
    BAD((o.band_high = 101, o.band_medium = 40), CR_E_RANGE, "need integers 1 <= medium <= high <= 100");
    BAD((o.band_high = 70, o.band_medium = 0), CR_E_RANGE, "got medium 0, high 70");
    BAD((o.band_high = 2147483647, o.band_medium = -2147483647 - 1), CR_E_RANGE, "option 'bands'");
    BAD(o.signs[1] = (cr_sign)9, CR_E_RANGE, "feature 'no_consent' has unknown sign 9");
    CHECK_STR(e.field, "no_consent");
    BAD(o.signs[3] = CR_SIGN_NONNEG, CR_E_RANGE, "sign set for feature 3, the schema has 3");
#undef BAD
    cr_dataset_free(ds);
}

static void test_bad_data(void)
{
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    cr_model *m = NULL;
    cr_error e;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    CHECK_ERR(cr_train(ds, NULL, &m, &e), e, CR_E_DATA, "no rows");
    double row[3] = {1, 0, 2};
    CHECK_OK(cr_dataset_add(ds, row, 1, 1.0, &check_err));
    CHECK_ERR(cr_train(ds, NULL, &m, &e), e, CR_E_DATA, "needs both labels, got only label 1");
    CHECK_ERR(cr_dataset_add(ds, row, 2, 1.0, &e), e, CR_E_RANGE, "field 'label': must be 0 or 1");
    CHECK_ERR(cr_dataset_add(ds, row, 0, -1.0, &e), e, CR_E_RANGE, "field 'weight'");
    CHECK_ERR(cr_dataset_add(ds, row, 0, 0.0 / 0.0, &e), e, CR_E_RANGE, "field 'weight'");
    double bad[3] = {1.5, 0, 2};
    CHECK_ERR(cr_dataset_add(ds, bad, 0, 1.0, &e), e, CR_E_TYPE, "field 'spam_reports': must be an integer");
    CHECK_STR(e.field, "spam_reports");
    CHECK_INT(cr_dataset_rows(ds), 1);
    /* Only label 0 is refused the same way. */
    cr_dataset *zeros = NULL;
    CHECK_OK(cr_dataset_create(s, &zeros, &check_err));
    CHECK_OK(cr_dataset_add(zeros, row, 0, 1.0, &check_err));
    CHECK_OK(cr_dataset_add(zeros, row, 0, 1.0, &check_err));
    CHECK_ERR(cr_train(zeros, NULL, &m, &e), e, CR_E_DATA, "needs both labels, got only label 0");
    CHECK_STR(e.field, "label");
    /* Weights whose sum overflows: no finite objective. */
    CHECK_OK(cr_dataset_add(zeros, row, 1, 1e308, &check_err));
    CHECK_OK(cr_dataset_add(zeros, row, 1, 1e308, &check_err));
    CHECK_ERR(cr_train(zeros, NULL, &m, &e), e, CR_E_DATA, "the weights add up beyond the largest double (classes 2 and inf)");
    CHECK(m == NULL);
    cr_dataset_free(zeros);
    /* Both labels present, but every label-1 row weighs 0. */
    CHECK_OK(cr_dataset_create(s, &zeros, &check_err));
    CHECK_OK(cr_dataset_add(zeros, row, 0, 1.0, &check_err));
    CHECK_OK(cr_dataset_add(zeros, row, 1, 0.0, &check_err));
    CHECK_ERR(cr_train(zeros, NULL, &m, &e), e, CR_E_DATA, "got 1 and 0");
    cr_dataset_free(zeros);
    /* Zero weight on every label-0 row leaves one class: refused. */
    CHECK_OK(cr_dataset_add(ds, row, 0, 0.0, &check_err));
    CHECK_ERR(cr_train(ds, NULL, &m, &e), e, CR_E_DATA, "positive weight sum in both classes");
    CHECK(m == NULL);
    cr_dataset_free(ds);
    cr_schema_free(s);
}

/* Data at the top of the double range: the fit is refused, never returned
   with NaN or infinite numbers in it. */
static void test_overflowing_data(void)
{
    static const cr_field_spec f[] = {{"x", CR_FIELD_REAL}};
    static const cr_feature_spec t[] = {{"x", "x", 0}};
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    cr_model *m = NULL;
    cr_error e;
    CHECK_OK(cr_schema_create(f, 1, t, 1, &s, &check_err));
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    const double xs[4] = {-1e150, 1e150, -5e149, 9e149};
    for (int i = 0; i < 4; i++) CHECK_OK(cr_dataset_add(ds, &xs[i], i & 1, 1e300, &check_err));
    /* weights 1e300 times x^2 = 1e300: the curvature at the start overflows. */
    CHECK_ERR(cr_train(ds, NULL, &m, &e), e, CR_E_DATA, "overflows a double at the start");
    CHECK(strstr(e.message, "scale the weights down") != NULL);
    CHECK_STR(e.field, "weight");
    CHECK(m == NULL);
    double over = 1.5e150;
    CHECK_ERR(cr_dataset_add(ds, &over, 0, 1.0, &e), e, CR_E_RANGE, "field 'x': must be within +-1e150");
    cr_dataset_free(ds);
    /* The same values with unit weights train to a finite model. */
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    for (int i = 0; i < 4; i++) CHECK_OK(cr_dataset_add(ds, &xs[i], i & 1, 1.0, &check_err));
    CHECK_OK(cr_train(ds, NULL, &m, &check_err));
    if (m) {
        cr_score_result r;
        CHECK_OK(cr_score(m, &xs[1], &r, NULL, 0, &check_err));
        CHECK(r.score >= 0 && r.score <= 100 && r.logit - r.logit == 0);
    }
    cr_model_free(m);
    cr_dataset_free(ds);
    /* Finite sums all along, but coefficients past CR_REAL_MAX: a penalty
       that barely holds (C 1e308) on separable rows of x ~ 1e-150. */
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    const double tiny[4] = {-1e-150, 1e-150, -2e-150, 2e-150};
    for (int i = 0; i < 4; i++) CHECK_OK(cr_dataset_add(ds, &tiny[i], tiny[i] > 0, 1.0, &check_err));
    cr_train_options o;
    cr_train_options_init(&o);
    o.C = 1e308, o.tol = 0, o.max_iter = 1000;
    m = NULL;
    CHECK_ERR(cr_train(ds, &o, &m, &e), e, CR_E_NONFINITE, "training overflowed");
    CHECK(m == NULL);
    cr_dataset_free(ds);
    cr_schema_free(s);
}

/* Finite weights so large that the weighted loss, its gradient or its
   curvature leaves the doubles: refused with CR_E_DATA naming the cause,
   never a model of zeros that "did not converge" after 0 iterations. */
static void expect_weights_refused(const cr_schema *s, const double *rows, const int *y, const double *w, size_t n,
                                   const char *why)
{
    cr_dataset *ds = NULL;
    cr_model *m = NULL;
    cr_error e;
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    for (size_t i = 0; i < n; i++) CHECK_OK(cr_dataset_add(ds, rows + i * cr_schema_field_count(s), y[i], w[i], &check_err));
    CHECK_ERR(cr_train(ds, NULL, &m, &e), e, CR_E_DATA, why);
    CHECK(strstr(e.message, "scale the weights down") != NULL);
    CHECK_STR(e.field, "weight");
    CHECK(m == NULL);
    cr_dataset_free(ds);
}

static void test_overflowing_weights(void)
{
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    /* The probe's rows: f(0) and g(0) finite, but every step of the line
       search, down to 2^-59 of it, overflows f. */
    const double two[6] = {0, 1, 1, 5, 0, 9};
    const int y[2] = {1, 0};
    const double w1[2] = {1.5e308, 1}, w2[2] = {1e300, 1e300}, w3[2] = {1e308, 1e-308};
    const char *overflow = "the weighted loss overflows a double at every step the solver tries from iteration 0";
    expect_weights_refused(s, two, y, w1, 2, overflow);
    expect_weights_refused(s, two, y, w2, 2, overflow);
    expect_weights_refused(s, two, y, w3, 2, overflow);
    /* Finite all along, but the penalty (1) is lost in H's rounding (1e20):
       H is singular, the gradient (4e20) is the step, and 2^-59 of it still
       raises f. No step from the start: no model of zeros either. */
    const double w5[2] = {1e20, 1e20}, w6[2] = {1e100, 1e100};
    expect_weights_refused(s, two, y, w5, 2, "the weighted loss falls at no step the solver tries from iteration 0");
    expect_weights_refused(s, two, y, w6, 2, "the weighted loss falls at no step the solver tries from iteration 0");
    /* 1.5e308 times 9 attempts: the gradient at the start overflows. */
    const double nine[6] = {0, 1, 9, 5, 0, 1};
    expect_weights_refused(s, nine, y, w1, 2, "gradient or curvature overflows a double at the start");
    cr_schema_free(s);
    /* A real feature at its limit: weight 1e10 keeps the gradient finite
       (5e159), the curvature (1e10 * 1e300 / 4) is not. */
    static const cr_field_spec f[] = {{"x", CR_FIELD_REAL}};
    static const cr_feature_spec t[] = {{"x", "x", 0}};
    CHECK_OK(cr_schema_create(f, 1, t, 1, &s, &check_err));
    const double xs[2] = {1e150, -1e150}, w4[2] = {1e10, 1e10};
    expect_weights_refused(s, xs, y, w4, 2, "gradient or curvature overflows a double at the start");
    /* Past the start a line search that finds no step lets the point stand
       (f cannot resolve shorter steps): unit weights, x = +-1e50, separable,
       stop there before max_iter, not converged, and give a model. */
    cr_dataset *ds = NULL;
    cr_model *m = NULL;
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    const double far[2] = {1e50, -1e50};
    for (int i = 0; i < 2; i++) CHECK_OK(cr_dataset_add(ds, &far[i], 1 - i, 1.0, &check_err));
    CHECK_OK(cr_train(ds, NULL, &m, &check_err));
    if (m) {
        cr_train_stats st;
        cr_model_stats(m, &st);
        CHECK(!st.converged && st.iterations > 0 && st.iterations < 100);
        CHECK(cr_model_coef(m, 0) > 0);
    }
    cr_model_free(m);
    cr_dataset_free(ds);
    cr_schema_free(s);
}

static int stop_at_two(void *ctx, const cr_progress *p)
{
    int *calls = ctx;
    (*calls)++;
    CHECK(p->objective > 0);
    return p->iteration >= 2;
}

static int count_calls(void *ctx, const cr_progress *p)
{
    (void)p;
    (*(int *)ctx)++;
    return 0;
}

static void test_progress_and_max_iter(void)
{
    cr_dataset *ds = seed_data();
    cr_train_options o;
    cr_model *m = NULL;
    cr_error e;
    int calls = 0;
    cr_train_options_init(&o);
    o.progress = stop_at_two;
    o.progress_ctx = &calls;
    CHECK_ERR(cr_train(ds, &o, &m, &e), e, CR_E_CANCELLED, "cancelled at iteration 2");
    CHECK_INT(calls, 3);
    CHECK(m == NULL);

    calls = 0;
    o.progress = count_calls;
    CHECK_OK(cr_train(ds, &o, &m, &check_err));
    cr_train_stats st;
    cr_model_stats(m, &st);
    CHECK_INT(calls, st.iterations + 1);
    cr_model_free(m);

    cr_train_options_init(&o);
    o.max_iter = 1;
    CHECK_OK(cr_train(ds, &o, &m, &check_err));
    cr_model_stats(m, &st);
    CHECK_INT(st.iterations, 1);
    CHECK(!st.converged);
    cr_model_free(m);
    cr_dataset_free(ds);
}

static void test_weights_equal_duplicates(void)
{
    /* Weight 2 on a row is the same objective as the row twice. */
    cr_dataset *a = seed_data(), *b = seed_data();
    double row[3] = {3, 1, 5};
    CHECK_OK(cr_dataset_add(a, row, 0, 2.0, &check_err));
    CHECK_OK(cr_dataset_add(b, row, 0, 1.0, &check_err));
    CHECK_OK(cr_dataset_add(b, row, 0, 1.0, &check_err));
    cr_model *ma = NULL, *mb = NULL;
    CHECK_OK(cr_train(a, NULL, &ma, &check_err));
    CHECK_OK(cr_train(b, NULL, &mb, &check_err));
    for (size_t j = 0; j < 3; j++) CHECK_NEAR(cr_model_coef(ma, j), cr_model_coef(mb, j), 1e-12);
    CHECK_NEAR(cr_model_intercept(ma), cr_model_intercept(mb), 1e-12);
    cr_model_free(ma);
    cr_model_free(mb);
    cr_dataset_free(a);
    cr_dataset_free(b);
}

/* Separable data with huge counts: logits of +-1e6 at the start must not
   overflow the loss (softplus with exp(-|z|)) or stall the line search. */
static void test_stable_for_large_logits(void)
{
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    cr_model *m = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    for (int i = 0; i < 40; i++) {
        double row[3] = {i < 20 ? 0 : 1e6, i % 2, i < 20 ? 1 : 5e5};
        CHECK_OK(cr_dataset_add(ds, row, i >= 20, 1.0, &check_err));
    }
    CHECK_OK(cr_train(ds, NULL, &m, &check_err));
    if (!m) return;
    cr_train_stats st;
    cr_model_stats(m, &st);
    CHECK(st.objective == st.objective && st.objective >= 0 && st.objective < 40);
    for (size_t j = 0; j < 3; j++) CHECK(cr_model_coef(m, j) - cr_model_coef(m, j) == 0);
    double hi[3] = {1e6, 0, 5e5}, lo[3] = {0, 1, 1};
    cr_score_result r;
    CHECK_OK(cr_score(m, hi, &r, NULL, 0, &check_err));
    CHECK(r.score >= 90);
    CHECK(st.converged);
    CHECK_OK(cr_score(m, lo, &r, NULL, 0, &check_err));
    CHECK(r.score < 50);
    cr_model_free(m);
    cr_dataset_free(ds);
    cr_schema_free(s);
}

/* The effective-weight gradient of the objective, recomputed independently
   (libm's exp): the optimality conditions of any fit. */
static void kkt_weighted(const double *x, const int *y, const double *s, size_t n, size_t d, double C,
                         const double *w, double b, double *grad)
{
    for (size_t j = 0; j <= d; j++) grad[j] = 0;
    for (size_t i = 0; i < n; i++) {
        double z = b;
        for (size_t j = 0; j < d; j++) z += w[j] * x[i * d + j];
        double r = s[i] * (1.0 / (1.0 + exp(-z)) - y[i]);
        for (size_t j = 0; j < d; j++) grad[j] += r * x[i * d + j];
        grad[d] += r;
    }
    for (size_t j = 0; j < d; j++) grad[j] += w[j] / C;
}

/* The solver's inner loop is unrolled for 1..8 features, with and without an
   intercept; 9 and 10 take the generic loop. Each fit must satisfy the KKT
   conditions: zero gradient on free variables, the gradient pointing out of
   the feasible side on an active sign bound. Class weights and sample
   weights on every other shape. */
static void test_every_unrolled_shape(void)
{
    enum { N = 150, D_MAX = 10 };
    static double x[N * D_MAX], sw[N];
    static int y[N];
    static char names[D_MAX][24];
    cr_field_spec f[D_MAX];
    cr_feature_spec t[D_MAX];
    for (size_t j = 0; j < D_MAX; j++) {
        snprintf(names[j], sizeof names[j], "x%zu", j);
        f[j] = (cr_field_spec){names[j], CR_FIELD_REAL};
        t[j] = (cr_feature_spec){names[j], names[j], 0};
    }
    uint64_t h = 42;
    for (size_t d = 1; d <= D_MAX; d++)
        for (int fit = 0; fit <= 1; fit++) {
            cr_schema *s = NULL;
            cr_dataset *ds = NULL;
            cr_model *m = NULL;
            CHECK_OK(cr_schema_create(f, d, t, d, &s, &check_err));
            CHECK_OK(cr_dataset_create(s, &ds, &check_err));
            int count[2] = {0, 0};
            for (size_t i = 0; i < N; i++) {
                double z = fit ? 0.4 : 0.0;
                for (size_t j = 0; j < d; j++) {
                    h = h * 6364136223846793005u + 1442695040888963407u;
                    x[i * d + j] = (double)(h >> 11) / 9007199254740992.0 * 4 - 2;
                    /* feature 0 pulls down, feature 1 up: against their sign constraints below */
                    z += (j == 0 ? -1.0 : j == 1 ? 1.0 : 0.5 - 0.1 * (double)j) * x[i * d + j];
                }
                h = h * 6364136223846793005u + 1442695040888963407u;
                y[i] = z + ((double)(h >> 11) / 9007199254740992.0 * 2 - 1) > 0;
                count[y[i]]++;
                sw[i] = d % 2 ? 1.0 + (double)(i % 3) * 0.5 : 1.0;
                CHECK_OK(cr_dataset_add(ds, x + i * d, y[i], sw[i], &check_err));
            }
            cr_train_options o;
            cr_train_options_init(&o);
            o.C = 0.7;
            o.fit_intercept = fit;
            o.class_weight_mode = d % 2 ? CR_CLASS_WEIGHT_NONE : CR_CLASS_WEIGHT_BALANCED;
            const int signed_fit = d >= 3;
            if (signed_fit) {
                o.signs[0] = CR_SIGN_NONNEG;
                o.signs[1] = CR_SIGN_NONPOS;
            }
            CHECK_OK(cr_train(ds, &o, &m, &check_err));
            if (!m) continue;
            cr_train_stats st;
            cr_model_stats(m, &st);
            CHECK(st.converged);
            double cw[2] = {1, 1}, s_eff[N], w[D_MAX], g[D_MAX + 1];
            if (o.class_weight_mode == CR_CLASS_WEIGHT_BALANCED)
                for (int c = 0; c < 2; c++) cw[c] = (double)N / (2.0 * count[c]);
            for (size_t i = 0; i < N; i++) s_eff[i] = sw[i] * cw[y[i]];
            for (size_t j = 0; j < d; j++) w[j] = cr_model_coef(m, j);
            const double b = cr_model_intercept(m);
            if (!fit) CHECK(b == 0);
            kkt_weighted(x, y, s_eff, N, d, o.C, w, b, g);
            for (size_t j = 0; j < d; j++) {
                if (signed_fit && j < 2) {
                    /* The bound is active: w = 0, and the gradient pushes outwards. */
                    CHECK(w[j] == 0);
                    CHECK(j == 0 ? g[j] > 1e-3 : g[j] < -1e-3);
                } else {
                    CHECK_NEAR(g[j], 0, 1e-7);
                }
            }
            if (fit) CHECK_NEAR(g[d], 0, 1e-7);
            cr_model_free(m);
            cr_dataset_free(ds);
            cr_schema_free(s);
        }
}

/* Rows of weight 0 contribute nothing: dropping them gives the same fit
   (compressed rows here: few distinct ones). */
static void test_zero_weight_rows(void)
{
    cr_schema *s = NULL;
    cr_dataset *a = NULL, *b = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    CHECK_OK(cr_dataset_create(s, &a, &check_err));
    CHECK_OK(cr_dataset_create(s, &b, &check_err));
    for (int i = 0; i < 400; i++) {
        double row[3] = {i % 4, i % 2, i % 5};
        int label = (i % 4 + i % 5 + i % 3) > 4;
        double w = i % 7 == 0 ? 0.0 : 1.0 + (i % 3) * 0.25;
        CHECK_OK(cr_dataset_add(a, row, label, w, &check_err));
        if (w != 0) CHECK_OK(cr_dataset_add(b, row, label, w, &check_err));
    }
    cr_model *ma = NULL, *mb = NULL;
    CHECK_OK(cr_train(a, NULL, &ma, &check_err));
    CHECK_OK(cr_train(b, NULL, &mb, &check_err));
    if (ma && mb) {
        for (size_t j = 0; j < 3; j++) CHECK_NEAR(cr_model_coef(ma, j), cr_model_coef(mb, j), 1e-12);
        CHECK_NEAR(cr_model_intercept(ma), cr_model_intercept(mb), 1e-12);
    }
    cr_model_free(ma);
    cr_model_free(mb);
    cr_dataset_free(a);
    cr_dataset_free(b);
    cr_schema_free(s);
}

static void test_deterministic(void)
{
    cr_model *a = NULL, *b = NULL;
    CHECK_OK(cr_model_create_default(&a, &check_err));
    CHECK_OK(cr_model_create_default(&b, &check_err));
    CHECK_STR(cr_model_id(a), cr_model_id(b));
    for (size_t j = 0; j < 3; j++) CHECK(bits_of(cr_model_coef(a, j)) == bits_of(cr_model_coef(b, j)));
    cr_model_free(a);
    cr_model_free(b);
}

int main(void)
{
    test_default_model_matches_sklearn();
    test_sign_constraints_kkt();
    test_options_rejected();
    test_bad_data();
    test_overflowing_data();
    test_overflowing_weights();
    test_progress_and_max_iter();
    test_weights_equal_duplicates();
    test_stable_for_large_logits();
    test_deterministic();
    test_every_unrolled_shape();
    test_zero_weight_rows();
    return check_done("test_train");
}
