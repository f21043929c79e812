/* test_evaluate.c - model quality: metrics by hand on small sets, the order
 * of rows never changing a bit, weights as repeated rows, the JSON form.
 * (Agreement with scikit-learn on large generated sets: tests/quality.) */
#include "bits.h"
#include "callrisk.h"
#include "check.h"
#include "crmath.h"
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const cr_field_spec FIELDS[] = {{"x", CR_FIELD_REAL}};
static const cr_feature_spec FEATURES[] = {{"x", "x", 0}};

/* A model with p = sigmoid(x): trained on a real field, then set to coef 1,
   intercept 0 (white-box), so each row's probability is known. */
static cr_model *identity_model(cr_schema **s)
{
    CHECK_OK(cr_schema_create(FIELDS, 1, FEATURES, 1, s, &check_err));
    cr_dataset *ds = NULL;
    CHECK_OK(cr_dataset_create(*s, &ds, &check_err));
    const double a = -1, b = 1;
    CHECK_OK(cr_dataset_add(ds, &a, 0, 1, &check_err));
    CHECK_OK(cr_dataset_add(ds, &b, 1, 1, &check_err));
    cr_model *m = NULL;
    CHECK_OK(cr_train(ds, NULL, &m, &check_err));
    cr_dataset_free(ds);
    if (!m) abort();
    m->coef[0] = 1;
    m->intercept = 0;
    return m;
}

static cr_dataset *rows(const cr_schema *s, const double *x, const int *y, const double *w, size_t n)
{
    cr_dataset *ds = NULL;
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    for (size_t i = 0; i < n; i++) CHECK_OK(cr_dataset_add(ds, &x[i], y[i], w ? w[i] : 1.0, &check_err));
    return ds;
}

static cr_metrics evaluate(const cr_model *m, const cr_schema *s, const double *x, const int *y, const double *w,
                           size_t n)
{
    cr_dataset *ds = rows(s, x, y, w, n);
    cr_metrics mt;
    memset(&mt, 0, sizeof mt);
    CHECK_OK(cr_evaluate(m, ds, &mt, &check_err));
    cr_dataset_free(ds);
    return mt;
}

static double sigmoid(double x) { return 1 / (1 + exp(-x)); }

static void test_by_hand(const cr_model *m, const cr_schema *s)
{
    /* Positives at 2 and 4, negatives at 1 and 3: 3 of 4 pairs ordered. */
    const double x[4] = {1, 2, 3, 4};
    const int y[4] = {0, 1, 0, 1};
    cr_metrics mt = evaluate(m, s, x, y, NULL, 4);
    CHECK_INT((int)mt.n, 4);
    CHECK_NEAR(mt.weight_sum, 4, 0);
    CHECK_NEAR(mt.base_rate, 0.5, 0);
    CHECK_NEAR(mt.auc, 0.75, 0);
    CHECK_NEAR(mt.gini, 0.5, 0);
    CHECK_NEAR(mt.ks, 0.5, 0);   /* at x >= 4 (TPR 1/2, FPR 0) and at x >= 2 (1, 1/2) */
    double ll = 0, br = 0;
    for (int i = 0; i < 4; i++) {
        const double p = sigmoid(x[i]);
        ll += -log(y[i] ? p : 1 - p);
        br += (y[i] - p) * (y[i] - p);
    }
    CHECK_NEAR(mt.log_loss, ll / 4, 1e-15);
    CHECK_NEAR(mt.brier, br / 4, 1e-15);
    /* sigmoid(1..4) = 0.73, 0.88, 0.95, 0.98: bins (0.7, 0.8], (0.8, 0.9], (0.9, 1]. */
    CHECK_NEAR(mt.calibration[7].weight, 1, 0);
    CHECK_NEAR(mt.calibration[8].weight, 1, 0);
    CHECK_NEAR(mt.calibration[9].weight, 2, 0);
    CHECK_NEAR(mt.calibration[9].observed_rate, 0.5, 0);
    CHECK_NEAR(mt.calibration[9].mean_predicted, (sigmoid(3) + sigmoid(4)) / 2, 1e-15);
    CHECK(isnan(mt.calibration[0].mean_predicted) && isnan(mt.calibration[0].observed_rate));
    CHECK_NEAR(mt.calibration[0].lo, 0, 0);
    CHECK_NEAR(mt.calibration[3].lo, 0.30000000000000004, 0);   /* numpy's linspace(0, 1, 11)[3] */
    CHECK_NEAR(mt.calibration[9].hi, 1, 0);
    /* Scores 73, 88, 95, 98: all HIGH under the bands 70/40. */
    CHECK_NEAR(mt.bands[CR_RISK_HIGH].share, 1, 0);
    CHECK_NEAR(mt.bands[CR_RISK_LOW].weight, 0, 0);
    CHECK(isnan(mt.bands[CR_RISK_LOW].observed_rate));

    /* Ties are one ROC point: half a pair each. */
    const double tx[4] = {1, 1, 2, 2};
    const int ty[4] = {0, 1, 0, 1};
    mt = evaluate(m, s, tx, ty, NULL, 4);
    CHECK_NEAR(mt.auc, 0.5, 0);
    CHECK_NEAR(mt.ks, 0, 0);

    /* Perfect separation: AUC 1, KS 1. */
    const double px[4] = {-3, -2, 2, 3};
    const int py[4] = {0, 0, 1, 1};
    mt = evaluate(m, s, px, py, NULL, 4);
    CHECK_NEAR(mt.auc, 1, 0);
    CHECK_NEAR(mt.ks, 1, 0);
    CHECK_NEAR(mt.gini, 1, 0);

    /* One class outweighs the other by 1e18: still exactly 1 (the rates
       divide by the sums the walk ends on, never by W - P). */
    const double hw[4] = {1e18, 3, 1e18, 5};
    mt = evaluate(m, s, px, py, hw, 4);
    CHECK_NEAR(mt.auc, 1, 0);
    CHECK_NEAR(mt.ks, 1, 0);

    /* One class: no ROC. */
    const int one[4] = {1, 1, 1, 1};
    mt = evaluate(m, s, x, one, NULL, 4);
    CHECK(isnan(mt.auc) && isnan(mt.gini) && isnan(mt.ks));
    CHECK_NEAR(mt.base_rate, 1, 0);

    /* log_loss clips p to [2^-52, 1 - 2^-52], as scikit-learn 1.2 (eps="auto"). */
    const double far[2] = {-800, 800};
    const int wrong[2] = {1, 0};
    mt = evaluate(m, s, far, wrong, NULL, 2);
    CHECK_NEAR(mt.log_loss, -log(0x1p-52), 1e-12);
}

/* The ROC grid: TPR at FPR = k/20 on the curve from (0, 0) through one
   vertex per distinct probability; at a vertical segment, its top. */
static void test_roc(const cr_model *m, const cr_schema *s)
{
    /* p(4) positive, p(3) negative, p(2) positive, p(1) negative: vertices
       (0, 1/2), (1/2, 1/2), (1/2, 1), (1, 1), vertical at FPR 0 and 1/2. */
    const double x[4] = {1, 2, 3, 4};
    const int y[4] = {0, 1, 0, 1};
    cr_metrics mt = evaluate(m, s, x, y, NULL, 4);
    CHECK_INT(mt.has_roc, 1);
    for (int k = 0; k < CR_ROC_GRID; k++) CHECK(mt.roc_tpr[k] == (k < 10 ? 0.5 : 1.0));

    /* Ties: one vertex (1/2, 1/2) per tied pair, the diagonal between. */
    const double tx[4] = {1, 1, 2, 2};
    mt = evaluate(m, s, tx, y, NULL, 4);
    for (int k = 0; k < CR_ROC_GRID; k++) CHECK(mt.roc_tpr[k] == (double)k / 20);
    /* Weighted (positives 1 and 3): (0, 0) to (1/2, 3/4) to (1, 1). */
    const double tw[4] = {1, 1, 1, 3};
    mt = evaluate(m, s, tx, y, tw, 4);
    CHECK(mt.roc_tpr[0] == 0 && mt.roc_tpr[5] == 0.375 && mt.roc_tpr[10] == 0.75 && mt.roc_tpr[20] == 1);
    CHECK_NEAR(mt.roc_tpr[1], 0.075, 1e-16);
    CHECK_NEAR(mt.roc_tpr[15], 0.875, 1e-16);
    CHECK_NEAR(mt.auc, 0.625, 0);

    /* A negative of weight 1 on top, then a positive, then negatives of
       weight 3: (1/4, 0), a vertical segment at exactly the grid's 5/20 up
       to (1/4, 1), then (1, 1). */
    const double vx[3] = {3, 2, 1};
    const int vy[3] = {0, 1, 0};
    const double vw[3] = {1, 1, 3};
    mt = evaluate(m, s, vx, vy, vw, 3);
    for (int k = 0; k < CR_ROC_GRID; k++) CHECK(mt.roc_tpr[k] == (k < 5 ? 0.0 : 1.0));
    CHECK_NEAR(mt.auc, 0.75, 0);
    /* Vertical between grid points: (1/3, 0) to (1/3, 1); 0.3 is below, 0.35 above. */
    const double wx[4] = {4, 3, 2, 1};
    const int wy[4] = {0, 1, 0, 0};
    mt = evaluate(m, s, wx, wy, NULL, 4);
    for (int k = 0; k < CR_ROC_GRID; k++) CHECK(mt.roc_tpr[k] == (k <= 6 ? 0.0 : 1.0));

    /* One class: no curve, NaN throughout; JSON null. */
    const int one[4] = {1, 1, 1, 1};
    mt = evaluate(m, s, x, one, NULL, 4);
    CHECK_INT(mt.has_roc, 1);
    for (int k = 0; k < CR_ROC_GRID; k++) CHECK(isnan(mt.roc_tpr[k]));
    char buf[8192];
    size_t size;
    CHECK_OK(cr_metrics_json(&mt, buf, sizeof buf, &size, &check_err));
    CHECK(strstr(buf, "\"ks\":null,\"roc\":[{\"fpr\":0,\"tpr\":null},{\"fpr\":0.05,\"tpr\":null},") !=
          NULL);
    CHECK(strstr(buf, "{\"fpr\":1,\"tpr\":null}],\"calibration\":[") != NULL);

    /* The JSON: 21 points after ks, fpr (double)k / 20; none when absent. */
    mt = evaluate(m, s, x, y, NULL, 4);
    CHECK_OK(cr_metrics_json(&mt, buf, sizeof buf, &size, &check_err));
    CHECK(strstr(buf, "\"ks\":0.5,\"roc\":[{\"fpr\":0,\"tpr\":0.5},{\"fpr\":0.05,\"tpr\":0.5},") != NULL);
    CHECK(strstr(buf, "{\"fpr\":0.45,\"tpr\":0.5},{\"fpr\":0.5,\"tpr\":1},") != NULL);
    CHECK(strstr(buf, "{\"fpr\":0.95,\"tpr\":1},{\"fpr\":1,\"tpr\":1}],\"calibration\":[") != NULL);
    int points = 0;
    for (const char *q = buf; (q = strstr(q, "\"fpr\":")) != NULL; q++) points++;
    CHECK_INT(points, CR_ROC_GRID);
    cr_metrics_drop_roc(&mt);
    CHECK_OK(cr_metrics_json(&mt, buf, sizeof buf, &size, &check_err));
    CHECK(strstr(buf, "\"ks\":0.5,\"calibration\":[") != NULL && !strstr(buf, "roc"));
}

/* The rows' order never changes a bit; a weight w is w equal rows. */
static void test_order_and_weights(const cr_model *m, const cr_schema *s)
{
    enum { N = 3000 };
    static double x[N], w[N], xr[N], wr[N], xd[2 * N];
    static int y[N], yr[N], yd[2 * N];
    uint32_t r = 12345;
    for (int i = 0; i < N; i++) {
        r = r * 1664525u + 1013904223u;
        x[i] = (double)(r >> 20) / 1024.0 - 2;   /* many ties */
        r = r * 1664525u + 1013904223u;
        y[i] = (r >> 16) % 3 == 0 || x[i] > 1.5;
        w[i] = 1 + i % 3 * 0.25;
    }
    for (int i = 0; i < N; i++) {   /* reversed, then every 7th moved to the front */
        xr[i] = x[N - 1 - i];
        yr[i] = y[N - 1 - i];
        wr[i] = w[N - 1 - i];
    }
    for (int i = 7; i < N; i += 7) {
        double tx = xr[i], tw = wr[i];
        int ty = yr[i];
        xr[i] = xr[0], wr[i] = wr[0], yr[i] = yr[0];
        xr[0] = tx, wr[0] = tw, yr[0] = ty;
    }
    cr_metrics a = evaluate(m, s, x, y, w, N), b = evaluate(m, s, xr, yr, wr, N);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    /* Weight 2 on every row = every row twice. */
    static double w2[N];
    for (int i = 0; i < N; i++) {
        w2[i] = 2;
        xd[2 * i] = xd[2 * i + 1] = x[i];
        yd[2 * i] = yd[2 * i + 1] = y[i];
    }
    a = evaluate(m, s, x, y, w2, N);
    b = evaluate(m, s, xd, yd, NULL, 2 * N);
    CHECK_NEAR(a.auc, b.auc, 1e-15);
    CHECK_NEAR(a.log_loss, b.log_loss, 1e-15);
    CHECK_NEAR(a.brier, b.brier, 1e-15);
    CHECK_NEAR(a.ks, b.ks, 1e-15);
    CHECK_NEAR(a.weight_sum, b.weight_sum, 0);
    CHECK_INT((int)a.n, N);
    CHECK_INT((int)b.n, 2 * N);
    CHECK(a.auc > 0.5 && a.auc < 1);
}

static int cmp_key(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* cr_select_keys() against a sorted copy: every rank of key sets built to
   stress its digits (all equal, two values, one digit apart, spread over
   every digit, doubles of one binade, powers of two), and counts <= each. */
static void test_select_keys(void)
{
    enum { N = 4099 };
    static uint64_t key[N], sorted[N];
    {   /* nothing to select; more ranks than it takes */
        size_t rank[CR_SELECT_MAX + 1] = {0}, at_most[CR_SELECT_MAX + 1];
        uint64_t one = 5, got[CR_SELECT_MAX + 1];
        CHECK(cr_select_keys(&one, 0, rank, 1, got, at_most));
        CHECK(cr_select_keys(&one, 1, rank, 0, got, at_most));
        CHECK(!cr_select_keys(&one, 1, rank, CR_SELECT_MAX + 1, got, at_most));
        CHECK(cr_select_keys(&one, 1, rank, 1, got, at_most) && got[0] == 5 && at_most[0] == 1);
    }
    uint64_t r = 99;
    for (int kind = 0; kind < 7; kind++) {
        for (int n = 1; n <= N; n = n < 40 ? n + 1 : n * 3 + 1) {
            for (int i = 0; i < n; i++) {
                r = r * 6364136223846793005u + 1442695040888963407u;
                const uint64_t z = r ^ r >> 29;
                key[i] = kind == 0 ? 42
                       : kind == 1 ? (z & 1 ? UINT64_MAX : 0)
                       : kind == 2 ? UINT64_C(0x8000000000000000) + (z & 3)
                       : kind == 3 ? z
                       : kind == 4 ? cr_value_key(0.5 + (double)(z >> 12) * 0x1p-53)
                       : kind == 5 ? cr_value_key(ldexp(1.0, (int)(z % 64) - 32) * (z & 64 ? -1 : 1))
                                   : (z % 5) << (11 * (z % 6));
            }
            memcpy(sorted, key, (size_t)n * sizeof *key);
            qsort(sorted, (size_t)n, sizeof *sorted, cmp_key);
            size_t rank[9];
            uint64_t got[9];
            size_t at_most[9];
            int m = 0;
            for (int k = 0; k < 9; k++) {
                const size_t rk = (size_t)((double)n * (k + 1) / 10.0);
                rank[m++] = rk < (size_t)n ? rk : (size_t)n - 1;
            }
            rank[0] = 0, rank[8] = (size_t)n - 1;   /* the ends too */
            CHECK(cr_select_keys(key, (size_t)n, rank, m, got, at_most));
            for (int q = 0; q < m; q++) {
                size_t le = rank[q];
                while (le < (size_t)n && sorted[le] == sorted[rank[q]]) le++;
                if (got[q] != sorted[rank[q]] || at_most[q] != le) {
                    fprintf(stderr, "select kind %d n %d rank %zu: got %" PRIx64 " (%zu <=), want %" PRIx64 " (%zu <=)\n", kind, n,
                            rank[q], got[q], at_most[q], sorted[rank[q]], le);
                    check_failures++;
                    break;
                }
            }
        }
    }
}

/* cr_select_columns() against each column's sorted keys: columns of spread
   reals, a constant, counts (buckets of one value), signed zeros, a range
   wider than the largest double, outliers the sample misses, subnormals,
   told or not which hold whole numbers only; every rank it is asked, the
   count <= each, the largest key. */
static void test_select_columns(void)
{
    enum { N = 20011, D = 10 };
    static double x[N * D];
    static uint64_t sorted[N];
    uint64_t r = 5;
    for (int n = 1; n <= N; n = n < 12 ? n + 1 : n * 7 + 3) {
        for (int i = 0; i < n; i++) {
            r = r * 6364136223846793005u + 1442695040888963407u;
            const uint64_t z = r ^ r >> 29;
            double *xi = x + (size_t)i * D;
            xi[0] = (double)(z >> 11) * 0x1p-40 - 4096.0;
            xi[1] = 7.25;
            xi[2] = (double)(z % 9);
            xi[3] = z & 1 ? -0.0 : 0.0;
            xi[4] = z & 2 ? -1.5e308 : 1e307 * (double)(z >> 60);   /* a width past the doubles */
            xi[5] = i % 1000 == 999 ? 1e30 * (double)(i % 3 - 1) : (double)(z >> 40);
            xi[6] = ldexp((double)(z >> 40), -1074 + (int)(z % 3));
            xi[7] = (double)(z % 3) - 1;
            xi[8] = (double)(z % 3000);   /* about 1.4 buckets a number */
            xi[9] = (double)(z % 6000);   /* about 0.7: some buckets hold two */
        }
        const uint8_t col[D] = {7, 1, 2, 3, 4, 5, 6, 0, 8, 9};   /* any order */
        const uint8_t whole[2][D] = {{0}, {1, 0, 1, 1, 1, 1, 0, 0, 1, 1}};   /* none said, or each column of whole numbers */
        size_t rank[9], at_most[D * 9];
        uint64_t got[D * 9], top[D];
        for (int k = 0; k < 9; k++) {
            const size_t rk = (size_t)((double)n * (k + 1) / 10.0);
            rank[k] = rk < (size_t)n ? rk : (size_t)n - 1;
        }
        rank[0] = 0, rank[8] = (size_t)n - 1;   /* the ends too */
        CHECK(!cr_select_columns(x, (size_t)n, D, col, NULL, D, rank, CR_SELECT_MAX + 1, got, at_most, top));
        for (int said = 0; said < 3; said++) {
            CHECK(cr_select_columns(x, (size_t)n, D, col, said ? whole[said - 1] : NULL, D, rank, 9, got, at_most, top));
            for (int c = 0; c < D; c++) {
                for (int i = 0; i < n; i++) sorted[i] = cr_value_key(x[(size_t)i * D + col[c]]);
                qsort(sorted, (size_t)n, sizeof *sorted, cmp_key);
                CHECK(top[c] == sorted[n - 1]);
                for (int q = 0; q < 9; q++) {
                    size_t le = rank[q];
                    while (le < (size_t)n && sorted[le] == sorted[rank[q]]) le++;
                    if (got[c * 9 + q] != sorted[rank[q]] || at_most[c * 9 + q] != le) {
                        fprintf(stderr, "select column %d (whole said %d) n %d rank %zu: got %" PRIx64 " (%zu <=), want %" PRIx64
                                " (%zu <=)\n", c, said, n, rank[q], got[c * 9 + q], at_most[c * 9 + q], sorted[rank[q]], le);
                        check_failures++;
                        break;
                    }
                }
            }
        }
    }
}

/* The drift reference of rows that each weigh 1 (a radix select) is the one
   of the same rows all weighing 3 (a sort): cuts and shares, bit for bit. */
static void test_reference_unit_and_weighted(void)
{
    cr_field_spec f[2] = {{"x", CR_FIELD_REAL}, {"c", CR_FIELD_COUNT}};
    cr_feature_spec ft[2] = {{"x", "x", 0}, {"c", "c", 0}};
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create(f, 2, ft, 2, &s, &check_err));
    for (int spread = 0; spread < 3; spread++) {
        cr_dataset *unit = NULL, *weighted = NULL;
        CHECK_OK(cr_dataset_create(s, &unit, &check_err));
        CHECK_OK(cr_dataset_create(s, &weighted, &check_err));
        uint32_t r = 7u + (uint32_t)spread;
        for (int i = 0; i < 5003; i++) {
            r = r * 1664525u + 1013904223u;
            const double x = spread == 0 ? (double)(r >> 8) * 1e-3 - 8e3 : spread == 1 ? (double)(r >> 29) : ldexp((double)(r >> 16), -(int)(r % 40));
            const double row[2] = {x, (double)(r >> 24 & 15)};
            const int y = (r >> 5 & 3) == 0 || x > 2;
            CHECK_OK(cr_dataset_add(unit, row, y, 1.0, &check_err));
            CHECK_OK(cr_dataset_add(weighted, row, y, 3.0, &check_err));
        }
        cr_model *a = NULL, *b = NULL;
        CHECK_OK(cr_train(unit, NULL, &a, &check_err));
        CHECK_OK(cr_train(weighted, NULL, &b, &check_err));
        for (int j = 0; j < 2 && a && b; j++) {
            const cr_bins *p = &a->ev.reference[j], *q = &b->ev.reference[j];
            CHECK_INT(p->n_bins, q->n_bins);
            CHECK(p->n_bins > 1);
            CHECK(memcmp(p->cut, q->cut, sizeof p->cut) == 0);
            CHECK(memcmp(p->share, q->share, sizeof p->share) == 0);
        }
        cr_model_free(a), cr_model_free(b);
        cr_dataset_free(unit), cr_dataset_free(weighted);
    }
    cr_schema_free(s);
}

static void test_errors_and_json(const cr_model *m, const cr_schema *s)
{
    cr_error e;
    cr_metrics mt;
    cr_dataset *empty = rows(s, NULL, NULL, NULL, 0);
    CHECK_ERR(cr_evaluate(NULL, empty, &mt, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_evaluate(m, NULL, &mt, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_evaluate(m, empty, NULL, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_evaluate(m, empty, &mt, &e), e, CR_E_DATA, "no rows");
    const double zx[2] = {0, 1}, zw[2] = {0, 0};
    const int zy[2] = {0, 1};
    cr_dataset *weightless = rows(s, zx, zy, zw, 2);
    CHECK_ERR(cr_evaluate(m, weightless, &mt, &e), e, CR_E_DATA, "all weigh 0");
    cr_dataset_free(weightless);
    cr_dataset_free(empty);
    cr_schema *seed = NULL;
    cr_dataset *other = NULL;
    CHECK_OK(cr_schema_create_default(&seed, &check_err));
    CHECK_OK(cr_dataset_create(seed, &other, &check_err));
    CHECK_ERR(cr_evaluate(m, other, &mt, &e), e, CR_E_SCHEMA, "not the model's");
    cr_dataset_free(other);
    cr_schema_free(seed);

    const double x[3] = {-1, 0.5, 2};
    const int y[3] = {0, 1, 1};
    mt = evaluate(m, s, x, y, NULL, 3);
    size_t size = 0;
    CHECK_ERR(cr_metrics_json(&mt, NULL, 0, &size, &e), e, CR_E_BUFFER, "");
    CHECK_ERR(cr_metrics_json(NULL, NULL, 0, &size, &e), e, CR_E_ARG, "NULL");
    char *buf = malloc(size + 1);
    CHECK_OK(cr_metrics_json(&mt, buf, size + 1, &size, &check_err));
    CHECK_INT((int)strlen(buf), (int)size);
    CHECK(strncmp(buf, "{\"n\":3,\"weight_sum\":3,\"base_rate\":0.6666666666666666,\"log_loss\":", 64) == 0);
    CHECK(strstr(buf, "\"auc\":1,\"gini\":1,\"ks\":1,\"roc\":[{\"fpr\":0,\"tpr\":1},") != NULL);
    CHECK(strstr(buf, "{\"fpr\":1,\"tpr\":1}],\"calibration\":[{\"lo\":0,\"hi\":0.1,\"weight\":0,"
                      "\"mean_predicted\":null,\"observed_rate\":null}") != NULL);
    CHECK(strstr(buf, "\"bands\":[{\"band\":\"LOW\",\"weight\":1,\"share\":0.3333333333333333,\"observed_rate\":0,") != NULL);
    CHECK(buf[size - 1] == '}');
    free(buf);
    /* One class: null where there is no ROC. */
    const int one[3] = {1, 1, 1};
    mt = evaluate(m, s, x, one, NULL, 3);
    char small[4096];
    CHECK_OK(cr_metrics_json(&mt, small, sizeof small, &size, &check_err));
    CHECK(strstr(small, "\"auc\":null,\"gini\":null,\"ks\":null") != NULL);
}

/* Weights whose sums leave the doubles: CR_E_DATA naming the sum, never
   inf in the metrics (or a ratio to inf, 0) and never inf in JSON. */
/* cr_feature_probabilities() (the batch kernel's lanes, each width this
   CPU runs) is cr_probability() of cr_logit() bit for bit: logits past the
   doubles (coefficient 1e300) anywhere among the lanes, calibrated or not,
   a calibrated z past them. */
static void test_feature_probabilities(cr_model *m)
{
    enum { N = 40 };
    const cr_model saved = *m;
    double x[N] = {0}, p[N];
    CHECK(!cr_feature_probabilities(3, m, x, 0, p));   /* no such width */
    for (int variant = 0; variant < 9; variant++) {
        const int lanes = 2 << variant / 3;
        if (!cr_feature_probabilities(lanes, m, x, 0, p)) continue;   /* not run here */
        m->coef[0] = variant % 3 == 2 ? 1.0 : 1e300;
        m->ev.calibration = variant % 3 ? CR_CALIBRATION_SIGMOID : CR_CALIBRATION_NONE;
        m->ev.cal_a = variant % 3 == 2 ? 1e306 : 2.0, m->ev.cal_b = -0.5;
        for (int n = 1; n <= N; n++) {
            for (int i = 0; i < n; i++) x[i] = (i * 7 + n) % 11 == 3 ? (i & 1 ? 1e10 : -1e10) : (double)(i % 9 - 4) * 1e-301;
            CHECK(cr_feature_probabilities(lanes, m, x, (size_t)n, p));
            for (int i = 0; i < n; i++) {
                const double want = cr_probability(m, cr_logit(m, &x[i]));
                if (memcmp(&p[i], &want, sizeof want) != 0) {
                    fprintf(stderr, "feature probabilities variant %d n %d row %d: %.17g, want %.17g\n", variant, n, i,
                            p[i], want);
                    check_failures++;
                }
            }
        }
    }
    *m = saved;
}

/* cr_log_loss_terms() (lanes, each width this CPU runs) is the scalar term
   bit for bit: -log of the label's clipped, renormalised probability, for
   probabilities at and near 0, 1, the clipping's edges and spread over
   [0, 1], both labels, every count of leftover lanes. */
static void test_log_loss_terms(void)
{
    enum { N = 4000 };
    static uint64_t key[N];
    static double l[N];
    const double special[] = {0, 0x1p-1074, 0x1p-60, 0x1p-52, 0x1.0000000000001p-52, 0.5, 1 - 0x1p-52,
                              1 - 0x1p-53, 1, 0.1, 0.7, 1e-300};
    const int ns = (int)(sizeof special / sizeof *special);
    uint64_t r = 11;
    for (int i = 0; i < N; i++) {
        r = r * 6364136223846793005u + 1442695040888963407u;
        const double p = i < 2 * ns ? special[i / 2] : i % 3 ? (double)(r >> 11) * 0x1p-53 : ldexp(1.0, -(int)(r >> 58)) * 0.75;
        key[i] = cr_bits(p) << 1 | (uint64_t)(i & 1);
    }
    CHECK(!cr_log_loss_terms(3, key, 0, l));   /* no such width */
    for (int lanes = 2; lanes <= 8; lanes *= 2) {
        if (!cr_log_loss_terms(lanes, key, 0, l)) continue;   /* not run here */
        for (int n = 0; n <= N; n = n == 20 ? N : n + 1) {
            CHECK(cr_log_loss_terms(lanes, key, (size_t)n, l));
            for (int i = 0; i < n; i++) {
                const double p = cr_double(key[i] >> 1), eps = 0x1p-52;
                double q1 = p, q0 = 1.0 - p;
                q1 = q1 < eps ? eps : q1 > 1 - eps ? 1 - eps : q1;
                q0 = q0 < eps ? eps : q0 > 1 - eps ? 1 - eps : q0;
                const double want = -cr_log((key[i] & 1 ? q1 : q0) / (q0 + q1));
                if (memcmp(&l[i], &want, sizeof want) != 0) {
                    fprintf(stderr, "log loss term lanes %d n %d key %d (p %.17g): %.17g, want %.17g\n", lanes, n, i, p,
                            l[i], want);
                    check_failures++;
                }
            }
        }
    }
}

static void test_overflowing_weights(cr_model *m, const cr_schema *s)
{
    cr_error e;
    cr_metrics mt;
    const double x[3] = {-1, 0.5, 2}, huge[3] = {1e308, 1e308, 1e308};
    const int y[3] = {0, 1, 1};
    cr_dataset *ds = rows(s, x, y, huge, 3);
    memset(&mt, 0xFF, sizeof mt);
    CHECK_ERR(cr_evaluate(m, ds, &mt, &e), e, CR_E_DATA, "the weights add up (weight_sum) beyond the largest double");
    CHECK(strstr(e.message, "scale the weights down") != NULL);
    CHECK_STR(e.field, "weight");
    CHECK(mt.n == 0 && mt.weight_sum == 0);   /* cleared: no half-made metrics */
    /* The same through the holdout's split. */
    cr_train_options o;
    cr_train_options_init(&o);
    o.holdout_method = CR_HOLDOUT_ORDER, o.holdout_fraction = 0.5;
    CHECK_ERR(cr_evaluate_with(m, ds, &o, &mt, &e), e, CR_E_DATA, "the weights add up (weight_sum)");
    cr_dataset_free(ds);
    /* A finite weight sum, but a row of weight 1.5e308 the model gets badly
       wrong (p = sigmoid(40), label 0: log loss 36) overflows the loss. */
    const double wx[3] = {40, -1, 1}, w[3] = {1.5e308, 1, 1};
    ds = rows(s, wx, (const int[3]){0, 0, 1}, w, 3);
    CHECK_ERR(cr_evaluate(m, ds, &mt, &e), e, CR_E_DATA, "the weighted log loss adds up (log_loss) beyond the largest");
    CHECK(strstr(e.message, "scale the weights down") != NULL);
    /* The model rightly sure of it: every sum finite, metrics as usual. */
    const int right[3] = {1, 0, 1};
    cr_dataset_free(ds);
    ds = rows(s, wx, right, w, 3);
    CHECK_OK(cr_evaluate(m, ds, &mt, &check_err));
    CHECK(mt.weight_sum == 1.5e308 && mt.log_loss - mt.log_loss == 0);
    cr_dataset_free(ds);

    /* The JSON writers refuse a non-finite number rather than write "inf":
       on the sizing call already, and leave no half-written text. */
    mt.weight_sum = 1.0 / 0.0;
    mt.log_loss = -1.0 / 0.0;   /* a second one: the text is already refused */
    size_t size = 0;
    char buf[8192];
    CHECK_ERR(cr_metrics_json(&mt, NULL, 0, &size, &e), e, CR_E_NONFINITE, "not finite");
    memset(buf, 'x', sizeof buf);
    CHECK_ERR(cr_metrics_json(&mt, buf, sizeof buf, &size, &e), e, CR_E_NONFINITE, "internal error");
    CHECK(buf[0] == 0);
    /* In a model's JSON and card too (a model's own metrics are checked
       finite when it is made: this one is edited in place). */
    const double kept = m->ev.train.log_loss;
    m->ev.train.log_loss = 1.0 / 0.0;
    CHECK_ERR(cr_model_to_json(m, NULL, 0, &size, &e), e, CR_E_NONFINITE, "not finite");
    memset(buf, 'x', sizeof buf);
    CHECK_ERR(cr_model_card_json(m, buf, sizeof buf, &size, &e), e, CR_E_NONFINITE, "not finite");
    CHECK(buf[0] == 0);
    m->ev.train.log_loss = kept;
    CHECK_OK(cr_model_card_json(m, buf, sizeof buf, &size, &check_err));

    /* Drift by the rows' weights: the same sum, refused the same way. */
    cr_drift *d = NULL;
    CHECK_OK(cr_drift_create(m, &d, &check_err));
    ds = rows(s, x, y, huge, 3);
    CHECK_OK(cr_drift_add_dataset(d, ds, &check_err));
    CHECK_ERR(cr_drift_json(d, buf, sizeof buf, &size, &e), e, CR_E_DATA, "drift: the rows' weights add up beyond the "
              "largest double; scale the weights down");
    CHECK_STR(e.field, "weight");
    cr_drift_free(d);
    cr_dataset_free(ds);
}

/* Weights only weigh rows against each other: a uniform weight that is a
   power of two measures the same bits as weight 1 (every product and sum
   scales exactly), down to weights whose sum is 2^-485; below that a
   weight times a term would round to the subnormals' grid (uniform weights
   of 5e-324 once measured a log loss of 0), so training and the metrics
   refuse them, naming the weight. */
static void test_tiny_weights(const cr_model *m, const cr_schema *s)
{
    enum { N = 20 };
    double x[N], w[N];
    int y[N];
    for (int i = 0; i < N; i++) x[i] = (double)(i * 7 % 13) / 3 - 2, y[i] = i * 5 % 7 < 3;
    const cr_metrics one = evaluate(m, s, x, y, NULL, N);
    const double scales[] = {0x1p400, 4, 0.5, 0x1p-400, 0x1p-480};
    for (size_t k = 0; k < sizeof scales / sizeof *scales; k++) {
        for (int i = 0; i < N; i++) w[i] = scales[k];
        const cr_metrics mt = evaluate(m, s, x, y, w, N);
        CHECK(mt.weight_sum == N * scales[k]);
        CHECK(bits_of(mt.log_loss) == bits_of(one.log_loss) && bits_of(mt.brier) == bits_of(one.brier));
        CHECK(bits_of(mt.auc) == bits_of(one.auc) && bits_of(mt.ks) == bits_of(one.ks));
        CHECK(bits_of(mt.base_rate) == bits_of(one.base_rate));
        for (int b = 0; b < CR_CALIBRATION_BINS; b++)
            CHECK(bits_of(mt.calibration[b].observed_rate) == bits_of(one.calibration[b].observed_rate) &&
                  bits_of(mt.calibration[b].mean_predicted) == bits_of(one.calibration[b].mean_predicted));
        for (int l = 0; l < 3; l++) CHECK(bits_of(mt.bands[l].share) == bits_of(one.bands[l].share));
    }
    cr_error e;
    cr_metrics mt;
    for (int i = 0; i < N; i++) w[i] = 0x1p-490;   /* 20 of them: below 2^-485 */
    cr_dataset *ds = rows(s, x, y, w, N);
    CHECK_ERR(cr_evaluate(m, ds, &mt, &e), e, CR_E_DATA, "the weights add up to 6.25650967244719e-147");
    CHECK(strstr(e.message, "below 2^-485") && strstr(e.message, "scale the weights up"));
    CHECK_STR(e.field, "weight");
    cr_model *t = (cr_model *)1;
    CHECK_ERR(cr_train(ds, NULL, &t, &e), e, CR_E_DATA, "training data: the weights add up to 6.25650967244719e-147");
    CHECK(strstr(e.message, "scale them up") && t == NULL);
    CHECK_STR(e.field, "weight");
    cr_dataset_free(ds);
    for (int i = 0; i < N; i++) w[i] = 5e-324;
    ds = rows(s, x, y, w, N);
    CHECK_ERR(cr_evaluate(m, ds, &mt, &e), e, CR_E_DATA, "the weights add up to 1e-322");
    CHECK_ERR(cr_train(ds, NULL, &t, &e), e, CR_E_DATA, "below 2^-485");
    cr_dataset_free(ds);
}

int main(void)
{
    cr_schema *s = NULL;
    cr_model *m = identity_model(&s);
    test_by_hand(m, s);
    test_roc(m, s);
    test_order_and_weights(m, s);
    test_errors_and_json(m, s);
    test_overflowing_weights(m, s);
    test_tiny_weights(m, s);
    test_feature_probabilities(m);
    test_log_loss_terms();
    test_select_keys();
    test_select_columns();
    test_reference_unit_and_weighted();
    cr_model_free(m);
    cr_schema_free(s);
    return check_done("test_evaluate");
}
