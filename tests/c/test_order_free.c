/* test_order_free.c - a trained model is a function of the multiset of
 * rows and the options: the same rows in another order give the same model
 * id; a row of whole weight k gives the same fit and evidence as k copies
 * of it (merged rows or not); the holdout splits by row content. */
#include "callrisk.h"
#include "gen_dataset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

enum { N = 3000 };

typedef struct {
    double fields[8];
    int label;
    double weight;
} row;

/* A permutation of 0..n-1 from a seed (Fisher-Yates over splitmix64). */
static void permute(size_t *p, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) p[i] = i;
    for (size_t i = n; i > 1; i--) {
        seed += 0x9E3779B97F4A7C15u;
        uint64_t z = seed;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
        z ^= z >> 31;
        const size_t j = (size_t)(z % i), t = p[i - 1];
        p[i - 1] = p[j];
        p[j] = t;
    }
}

static cr_model *train_rows(gen_kind kind, const row *rows, const size_t *order, size_t n, const char *options)
{
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    CHECK_OK(gen_schema(kind, &s, &check_err));
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    for (size_t i = 0; i < n; i++) {
        const row *r = &rows[order ? order[i] : i];
        CHECK_OK(cr_dataset_add(ds, r->fields, r->label, r->weight, &check_err));
    }
    cr_train_options o;
    cr_train_options_init(&o);
    CHECK_OK(cr_train_options_from_json(&o, s, options, strlen(options), &check_err));
    cr_model *m = NULL;
    CHECK_OK(cr_train(ds, &o, &m, &check_err));
    cr_dataset_free(ds);
    cr_schema_free(s);
    return m;
}

static void generate(gen_kind kind, row *rows, size_t n, int weighted)
{
    for (size_t i = 0; i < n; i++) {
        gen_row(kind, 7, 0, i, rows[i].fields, &rows[i].label, &rows[i].weight);
        if (!weighted) rows[i].weight = 1.0;
    }
}

static int same_bits(double a, double b) { return bits_of(a) == bits_of(b); }

/* Every option that reads the rows: a hash holdout, Platt scaling, class and sample weights. */
static const char *const OPTIONS[] = {
    "{}",
    "{\"C\": 0.5, \"class_weight\": \"balanced\"}",
    "{\"holdout\": {\"fraction\": 0.25, \"method\": \"hash\", \"seed\": 3}, \"calibration\": \"sigmoid\"}",
    "{\"holdout\": {\"fraction\": 0.3, \"method\": \"hash\", \"seed\": 9}, \"class_weight\": {\"0\": 1, \"1\": 3}}",
};

static void test_any_order(void)
{
    static row rows[N];
    size_t order[N];
    for (int kind = GEN_DEFAULT; kind <= GEN_STIR; kind++) {
        for (int weighted = 0; weighted <= 1; weighted++) {
            generate((gen_kind)kind, rows, N, weighted);
            for (size_t o = 0; o < sizeof OPTIONS / sizeof *OPTIONS; o++) {
                cr_model *a = train_rows((gen_kind)kind, rows, NULL, N, OPTIONS[o]);
                for (uint64_t seed = 1; seed <= 2; seed++) {
                    permute(order, N, seed * 1000 + o);
                    cr_model *b = train_rows((gen_kind)kind, rows, order, N, OPTIONS[o]);
                    CHECK_STR(cr_model_id(a), cr_model_id(b));
                    cr_model_free(b);
                }
                cr_model_free(a);
            }
        }
    }
}

/* Rows of whole weight k against k copies: the same coefficients, intercept,
   baselines, solver path and evidence metrics, bit for bit. The copies merge
   (few distinct rows); the weighted rows are too few to merge. */
static void test_weight_is_copies(void)
{
    enum { DISTINCT = 40 };
    static row weighted[DISTINCT], copies[DISTINCT * 12];
    size_t n = 0;
    generate(GEN_STIR, weighted, DISTINCT, 0);
    for (size_t i = 0; i < DISTINCT; i++) {
        weighted[i].label = (int)(i % 3 == 0);
        weighted[i].weight = (double)(1 + i % 12);
        for (size_t k = 0; k < (size_t)weighted[i].weight; k++) {
            copies[n] = weighted[i];
            copies[n++].weight = 1.0;
        }
    }
    const char *options = "{\"C\": 2}";
    cr_model *a = train_rows(GEN_STIR, weighted, NULL, DISTINCT, options);
    cr_model *b = train_rows(GEN_STIR, copies, NULL, n, options);
    for (size_t j = 0; j < 5; j++) CHECK(same_bits(cr_model_coef(a, j), cr_model_coef(b, j)));
    CHECK(same_bits(cr_model_intercept(a), cr_model_intercept(b)));
    cr_train_stats sa, sb;
    cr_model_stats(a, &sa);
    cr_model_stats(b, &sb);
    CHECK_INT(sa.iterations, sb.iterations);
    CHECK(same_bits(sa.objective, sb.objective));
    cr_metrics ma, mb;
    CHECK_OK(cr_model_metrics(a, 0, &ma, &check_err));
    CHECK_OK(cr_model_metrics(b, 0, &mb, &check_err));
    CHECK(same_bits(ma.weight_sum, mb.weight_sum));
    CHECK(same_bits(ma.log_loss, mb.log_loss));
    CHECK(same_bits(ma.brier, mb.brier));
    CHECK(same_bits(ma.auc, mb.auc));
    for (int k = 0; k < CR_CALIBRATION_BINS; k++) CHECK(same_bits(ma.calibration[k].mean_predicted, mb.calibration[k].mean_predicted));
    cr_model_free(a);
    cr_model_free(b);
}

/* Every width the solver's kernel is specialised for (1..8 features) and
   one beyond, with and without an intercept, unit and fractional weights:
   shuffled rows, the same model id. */
static void test_every_width(void)
{
    enum { ROWS = 400 };
    static char names[10][8];
    for (size_t d = 1; d <= 10; d += (d == 8) ? 2 : 1) {
        cr_field_spec fields[10];
        cr_feature_spec features[10];
        for (size_t j = 0; j < d; j++) {
            snprintf(names[j], sizeof names[j], "x%zu", j);
            fields[j] = (cr_field_spec){names[j], CR_FIELD_REAL};
            features[j] = (cr_feature_spec){names[j], names[j], 0};
        }
        cr_schema *s = NULL;
        CHECK_OK(cr_schema_create(fields, d, features, d, &s, &check_err));
        static double x[ROWS * 10], w[ROWS];
        static uint8_t y[ROWS];
        uint64_t r = 77 + d;
        for (size_t i = 0; i < ROWS; i++) {
            double z = -0.5;
            for (size_t j = 0; j < d; j++) {
                r = r * 6364136223846793005u + 1442695040888963407u;
                x[i * d + j] = (double)(r >> 40) / 16777216.0 * 4 - 2;
                z += x[i * d + j] * (j % 2 ? -0.7 : 0.9);
            }
            r = r * 6364136223846793005u + 1442695040888963407u;
            y[i] = (uint8_t)((double)(r >> 40) / 16777216.0 < 1 / (1 + exp(-z)));
            w[i] = 0.25 + (double)(i % 7) / 3;
        }
        size_t order[ROWS];
        permute(order, ROWS, d);
        for (int variant = 0; variant < 4; variant++) {
            const int weighted = variant & 1, intercept = !(variant & 2);
            cr_train_options o;
            cr_train_options_init(&o);
            o.fit_intercept = intercept;
            char id[2][CR_MODEL_ID_SIZE];
            for (int pass = 0; pass < 2; pass++) {
                cr_dataset *ds = NULL;
                CHECK_OK(cr_dataset_create(s, &ds, &check_err));
                for (size_t i = 0; i < ROWS; i++) {
                    const size_t k = pass ? order[i] : i;
                    CHECK_OK(cr_dataset_add(ds, x + k * d, y[k], weighted ? w[k] : 1.0, &check_err));
                }
                cr_model *m = NULL;
                CHECK_OK(cr_train(ds, &o, &m, &check_err));
                memcpy(id[pass], cr_model_id(m), CR_MODEL_ID_SIZE);
                cr_model_free(m);
                cr_dataset_free(ds);
            }
            CHECK_STR(id[1], id[0]);
        }
        cr_schema_free(s);
    }
}

int main(void)
{
    test_any_order();
    test_every_width();
    test_weight_is_copies();
    return check_done("test_order_free");
}
