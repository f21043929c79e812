/* test_score_batch.c - cr_score_batch() is cr_score() row by row, bit for bit,
 * on every shape it unrolls (1 to 8 fields read once each, the seed's
 * schema) and on the generic one: every output subset, odd and even row
 * counts across blocks, the scalar path for large logits, a bad value of
 * every type in either vector lane and in the scalar tail, and the defensive
 * check for a non-finite logit (a model poked past CR_REAL_MAX). All of it
 * for every kernel width this build has (2 lanes; 4 under AVX2 and 8 under
 * AVX-512 on x86-64, where the CPU runs them). */
#include "callrisk.h"
#include "check.h"
#include "internal.h"

#include <math.h>
#include <stdlib.h>

static uint64_t rng = 0x5EEDu;
static int lanes;   /* the kernel under test (cr_score_batch_lanes) */

static cr_status batch(const cr_model *m, const double *f, size_t n, int32_t *sc, double *p, uint8_t *lv,
                       cr_error *e)
{
    return cr_score_batch_lanes(lanes, m, f, n, sc, p, lv, e);
}

static uint64_t next(void)   /* splitmix64 */
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static double uniform(void) { return (double)(next() >> 11) / 9007199254740992.0; }

static const cr_field_type TYPES[3] = {CR_FIELD_COUNT, CR_FIELD_BOOL, CR_FIELD_REAL};

/* nf fields, field i of type TYPES[(i + variant) % 3]; nd >= nf features,
   feature j reading field j % nf, booleans inverted on every other feature. */
static cr_schema *make_schema(size_t nf, size_t nd, int variant, int invert_bools)
{
    cr_field_spec f[CR_MAX_FIELDS];
    cr_feature_spec t[CR_MAX_FEATURES];
    static char fname[CR_MAX_FIELDS][24], tname[CR_MAX_FEATURES][24];
    for (size_t i = 0; i < nf; i++) {
        snprintf(fname[i], sizeof fname[i], "f%zu", i);
        f[i] = (cr_field_spec){fname[i], TYPES[(i + (size_t)variant) % 3]};
    }
    for (size_t j = 0; j < nd; j++) {
        snprintf(tname[j], sizeof tname[j], "x%zu", j);
        int invert = invert_bools && f[j % nf].type == CR_FIELD_BOOL && (j + j / nf) % 2 == 1;
        t[j] = (cr_feature_spec){tname[j], fname[j % nf], invert};
    }
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create(f, nf, t, nd, &s, &check_err));
    return s;
}

/* A valid value; `big` ones make logits far beyond +-708. */
static double value(cr_field_type t, int big)
{
    switch (t) {
    case CR_FIELD_COUNT: return big ? 9007199254740992.0 - (double)(next() % 3) : (double)(next() % 20);
    case CR_FIELD_BOOL: return (double)(next() & 1);
    case CR_FIELD_REAL: return big ? (next() & 1 ? 1e7 : -1e7) * (1 + uniform()) : uniform() * 20 - 10;
    }
    return 0;
}

static void fill(const cr_schema *s, double *f, size_t n, int big_every)
{
    const size_t nf = cr_schema_field_count(s);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < nf; k++)
            f[i * nf + k] = value(cr_schema_field_type(s, k), big_every && i % (size_t)big_every == 3);
}

/* Labels from a noisy linear rule, so every coefficient is non-zero. */
static cr_model *train_on(const cr_schema *s)
{
    enum { N = 240 };
    const size_t nf = cr_schema_field_count(s);
    double *f = malloc(N * nf * sizeof *f);
    fill(s, f, N, 0);
    cr_dataset *ds = NULL;
    cr_model *m = NULL;
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    for (size_t i = 0; i < N; i++) {
        double z = uniform() * 4 - 2;
        for (size_t k = 0; k < nf; k++) z += (k % 2 ? -0.3 : 0.25) * f[i * nf + k];
        CHECK_OK(cr_dataset_add(ds, f + i * nf, z > 0, 1.0, &check_err));
    }
    CHECK_OK(cr_train(ds, NULL, &m, &check_err));
    cr_dataset_free(ds);
    free(f);
    if (!m) abort();
    return m;
}

/* Every row of a batch, each output subset, against cr_score(). */
static void check_same_as_score(const cr_model *m, const double *f, size_t n)
{
    const size_t nf = cr_schema_field_count(cr_model_schema(m));
    int32_t *sc = malloc(n * sizeof *sc);
    double *p = malloc(n * sizeof *p);
    uint8_t *lv = malloc(n);
    CHECK_OK(batch(m, f, n, sc, p, lv, &check_err));
    int bad = 0;
    for (size_t i = 0; i < n && bad < 5; i++) {
        cr_score_result r;
        CHECK_OK(cr_score(m, f + i * nf, &r, NULL, 0, &check_err));
        if (sc[i] != r.score || bits_of(p[i]) != bits_of(r.probability) || lv[i] != (uint8_t)r.risk_level) {
            fprintf(stderr, "row %zu of %zu (%zu fields): batch %d %.17g %d, cr_score %d %.17g %d\n", i, n, nf,
                    sc[i], p[i], lv[i], r.score, r.probability, (int)r.risk_level);
            bad++;
        }
    }
    CHECK_INT(bad, 0);
    for (int mask = 0; mask < 7; mask++) {
        int32_t *sc2 = mask & 1 ? malloc(n * sizeof *sc2) : NULL;
        double *p2 = mask & 2 ? malloc(n * sizeof *p2) : NULL;
        uint8_t *lv2 = mask & 4 ? malloc(n) : NULL;
        CHECK_OK(batch(m, f, n, sc2, p2, lv2, &check_err));
        if (sc2) CHECK(memcmp(sc2, sc, n * sizeof *sc) == 0);
        if (p2) CHECK(memcmp(p2, p, n * sizeof *p) == 0);
        if (lv2) CHECK(memcmp(lv2, lv, n) == 0);
        free(sc2);
        free(p2);
        free(lv2);
    }
    free(sc);
    free(p);
    free(lv);
}

/* A bad value of field k in row `row`: the status and message of
   cr_schema_check_row(), err->line the row, the blocks before the bad row's
   block written and the bad row's block not. */
static void check_bad_row(const cr_model *m, double *f, size_t n, size_t row, size_t k, double bad, cr_status want)
{
    const cr_schema *s = cr_model_schema(m);
    const size_t nf = cr_schema_field_count(s);
    const double keep = f[row * nf + k];
    f[row * nf + k] = bad;
    int32_t *sc = malloc(n * sizeof *sc);
    for (size_t i = 0; i < n; i++) sc[i] = -1;
    cr_error e;
    CHECK_ERR(batch(m, f, n, sc, NULL, NULL, &e), e, want, cr_schema_field_name(s, k));
    CHECK_INT(e.line, row + 1);
    CHECK_STR(e.field, cr_schema_field_name(s, k));
    const size_t block = row / 1024 * 1024;
    for (size_t i = 0; i < n; i++)
        if ((i < block) != (sc[i] != -1)) {
            fprintf(stderr, "bad row %zu: score of row %zu %s\n", row, i, sc[i] == -1 ? "missing" : "written");
            check_failures++;
            break;
        }
    CHECK_INT(batch(m, f, n, NULL, NULL, NULL, NULL), want);
    f[row * nf + k] = keep;
    free(sc);
}

static void check_bad_values(const cr_model *m, double *f, size_t n)
{
    const cr_schema *s = cr_model_schema(m);
    const size_t nf = cr_schema_field_count(s);
    /* Each of 4 lanes of a group in the second block, and the scalar tail. */
    const size_t rows[5] = {1500, 1501, 1502, 1503, n - 1};
    for (size_t k = 0; k < nf; k++)
        for (int r = 0; r < 5; r++) {
            switch (cr_schema_field_type(s, k)) {
            case CR_FIELD_COUNT:
                check_bad_row(m, f, n, rows[r], k, 2.5, CR_E_TYPE);
                check_bad_row(m, f, n, rows[r], k, -1, CR_E_RANGE);
                check_bad_row(m, f, n, rows[r], k, 0x1p53 + 2, CR_E_RANGE);
                break;
            case CR_FIELD_BOOL:
                check_bad_row(m, f, n, rows[r], k, 0.5, CR_E_TYPE);
                check_bad_row(m, f, n, rows[r], k, -1, CR_E_TYPE);
                break;
            case CR_FIELD_REAL:
                check_bad_row(m, f, n, rows[r], k, 1.5e150, CR_E_RANGE);
                check_bad_row(m, f, n, rows[r], k, -1.5e150, CR_E_RANGE);
                break;
            }
            check_bad_row(m, f, n, rows[r], k, NAN, CR_E_NONFINITE);
            check_bad_row(m, f, n, rows[r], k, -INFINITY, CR_E_NONFINITE);
        }
}

/* A copy of m with intercept and first coefficient at 1e308, the others 0
   (never loadable: beyond CR_REAL_MAX). A row whose first feature is 0 has
   logit 1e308, finite; a row whose first feature is 1 overflows. */
static void check_nonfinite_logit(const cr_model *good)
{
    cr_model *m = malloc(sizeof *m);
    memcpy(m, good, sizeof *m);
    const cr_schema *s = &m->schema;
    const size_t nf = s->n_fields, d = s->n_features;
    m->intercept = 1e308;
    for (size_t j = 0; j < d; j++) m->coef[j] = j == 0 ? 1e308 : 0;
    enum { N = 5 };
    double zero[CR_MAX_FIELDS] = {0}, one[CR_MAX_FIELDS] = {0}, f[N * CR_MAX_FIELDS];
    zero[s->feature_field[0]] = s->feature_invert[0] ? 1 : 0;
    one[s->feature_field[0]] = s->feature_invert[0] ? 0 : 1;
    for (size_t hot = 0; hot <= N; hot++) {   /* hot == N: every logit finite, all on the scalar path */
        for (size_t i = 0; i < N; i++) memcpy(f + i * nf, i == hot ? one : zero, nf * sizeof *f);
        double p[N];
        cr_error e;
        cr_status st = batch(m, f, N, NULL, p, NULL, &e);
        if (hot == N) {
            CHECK_INT(st, CR_OK);
            for (size_t i = 0; i < N; i++) CHECK(p[i] == 1.0);
        } else {
            char want[32];
            snprintf(want, sizeof want, "the logit of row %zu", hot + 1);
            CHECK_INT(st, CR_E_NONFINITE);
            CHECK(strstr(e.message, want) != NULL);
            CHECK_INT(e.line, hot + 1);
            CHECK_STR(e.field, "logit");
            CHECK_INT(batch(m, f, N, NULL, NULL, NULL, NULL), CR_E_NONFINITE);
            cr_score_result r;
            CHECK_INT(cr_score(m, f + hot * nf, &r, NULL, 0, NULL), CR_E_NONFINITE);
        }
    }
    free(m);
}

/* Extreme but loadable (cr_model_validate()): every coefficient and the
   intercept +-CR_REAL_MAX, calibrated by a large a of either sign, so a
   finite logit's image a z + b overflows to +-inf in some rows (the probe's
   model: coef 1e150, a = 1e10, x = 1e150 gives probability 1) and stays
   finite in others. The batch gives cr_score()'s bits in every lane. */
static void check_extreme(cr_model *m, const double *f, size_t n)
{
    static const double cal[][2] = {{1e10, 0}, {-1e10, 0}, {1e6, 3}, {CR_REAL_MAX, CR_REAL_MAX},
                                    {-CR_REAL_MAX, -CR_REAL_MAX}, {1e-300, -1}, {0, 0}};
    const size_t d = m->schema.n_features;
    for (int sign = 0; sign < 4; sign++) {
        m->intercept = sign & 2 ? -CR_REAL_MAX : sign & 1 ? 1 : 0;
        for (size_t j = 0; j < d; j++) m->coef[j] = (j + (size_t)sign) % 2 ? -CR_REAL_MAX : CR_REAL_MAX;
        m->ev.calibration = CR_CALIBRATION_NONE;
        CHECK_OK(cr_model_validate(m, &check_err));
        check_same_as_score(m, f, n);
        for (size_t k = 0; k < sizeof cal / sizeof *cal; k++) {
            m->ev.calibration = CR_CALIBRATION_SIGMOID;
            m->ev.cal_a = cal[k][0];
            m->ev.cal_b = cal[k][1];
            CHECK_OK(cr_model_validate(m, &check_err));
            check_same_as_score(m, f, n);
        }
    }
}

static void test_extreme_models(void)
{
    /* 1 real field (the probe's shape), 2 reals, the generic path and the seed's schema. */
    static const cr_field_spec reals[] = {{"x", CR_FIELD_REAL}, {"y", CR_FIELD_REAL}, {"n", CR_FIELD_COUNT}};
    static const cr_feature_spec feats[] = {{"x", "x", 0}, {"y", "y", 0}, {"n", "n", 0}, {"x2", "x", 0}};
    static const size_t shape[][2] = {{1, 1}, {2, 2}, {3, 4}, {0, 0}};
    static const double extreme[] = {CR_REAL_MAX, -CR_REAL_MAX, 0, 1, -1, 1e-300, 5e149, -3e140};
    for (size_t k = 0; k < sizeof shape / sizeof *shape; k++) {
        cr_schema *s = NULL;
        if (shape[k][0]) CHECK_OK(cr_schema_create(reals, shape[k][0], feats, shape[k][1], &s, &check_err));
        else CHECK_OK(cr_schema_create_default(&s, &check_err));
        if (!s) continue;
        cr_model *m = train_on(s);
        enum { N = 1031 };   /* a full block's pairs, fast and slow lanes mixed, and a scalar tail */
        const size_t nf = cr_schema_field_count(s);
        double *f = malloc(N * nf * sizeof *f);
        fill(s, f, N, 5);
        for (size_t i = 0; i < N; i++)
            for (size_t c = 0; c < nf; c++)
                if (cr_schema_field_type(s, c) == CR_FIELD_REAL && next() % 3)
                    f[i * nf + c] = extreme[next() % (sizeof extreme / sizeof *extreme)];
        check_extreme(m, f, N);
        check_extreme(m, f, 2);   /* two rows: one pair of lanes, no tail */
        free(f);
        cr_model_free(m);
        cr_schema_free(s);
    }
}

static void check_shape(size_t nf, size_t nd, int variant, int invert_bools)
{
    cr_schema *s = make_schema(nf, nd, variant, invert_bools);
    if (!s) return;
    cr_model *m = train_on(s);
    enum { N = 2051 };   /* two full blocks, then a pair and a scalar tail */
    double *f = malloc(N * nf * sizeof *f);
    fill(s, f, N, 7);
    check_same_as_score(m, f, N);
    check_same_as_score(m, f, 2048);
    check_same_as_score(m, f, 1);
    check_bad_values(m, f, N);
    check_nonfinite_logit(m);
    free(f);
    cr_model_free(m);
    cr_schema_free(s);
}

static void test_every_shape(void)
{
    /* One field per feature: unrolled for 1..8 fields, each field type in
       each lane of every unrolled loop. */
    for (int v = 0; v < 3; v++) {
        check_shape(1, 1, v, 1);
        check_shape(2, 2, v, 1);
        check_shape(3, 3, v, 1);
    }
    for (size_t n = 4; n <= 8; n++) check_shape(n, n, 0, 1);
    /* The seed's field types without its inversion: the unrolled 3, not the seed path. */
    check_shape(3, 3, 0, 0);
    /* The generic path: more features than fields, or more than 8 fields. */
    check_shape(2, 3, 1, 1);
    check_shape(9, 9, 2, 1);
    check_shape(10, 17, 0, 1);
}

/* The seed's schema takes its own path. */
static void test_seed_shape(void)
{
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    cr_model *m = train_on(s);
    enum { N = 2051 };
    double *f = malloc(N * 3 * sizeof *f);
    fill(s, f, N, 7);
    check_same_as_score(m, f, N);
    check_same_as_score(m, f, 1);
    check_bad_values(m, f, N);
    check_nonfinite_logit(m);
    free(f);
    cr_model_free(m);
    cr_schema_free(s);
}

/* The seed's fields with its features in another order are not the seed's
   shape: the unrolled 3 scores them, with the same bits as cr_score(). */
static void test_seed_fields_other_features(void)
{
    static const cr_field_spec f[] = {
        {"spam_reports", CR_FIELD_COUNT}, {"has_consent", CR_FIELD_BOOL}, {"call_attempts_24h", CR_FIELD_COUNT}};
    static const cr_feature_spec orders[2][3] = {
        {{"no_consent", "has_consent", 1}, {"spam_reports", "spam_reports", 0}, {"calls", "call_attempts_24h", 0}},
        {{"spam_reports", "spam_reports", 0}, {"calls", "call_attempts_24h", 0}, {"no_consent", "has_consent", 1}},
    };
    for (int k = 0; k < 2; k++) {
        cr_schema *s = NULL;
        CHECK_OK(cr_schema_create(f, 3, orders[k], 3, &s, &check_err));
        if (!s) continue;
        cr_model *m = train_on(s);
        enum { N = 1031 };
        double *rows = malloc(N * 3 * sizeof *rows);
        fill(s, rows, N, 5);
        check_same_as_score(m, rows, N);
        free(rows);
        cr_model_free(m);
        cr_schema_free(s);
    }
}

static void test_arguments(void)
{
    cr_model *m = NULL;
    CHECK_OK(cr_model_create_default(&m, &check_err));
    cr_error e;
    CHECK_ERR(cr_score_batch(NULL, NULL, 0, NULL, NULL, NULL, &e), e, CR_E_ARG, "model or fields is NULL");
    CHECK_ERR(cr_score_batch(m, NULL, 1, NULL, NULL, NULL, &e), e, CR_E_ARG, "model or fields is NULL");
    CHECK_OK(cr_score_batch(m, NULL, 0, NULL, NULL, NULL, &check_err));
    CHECK_ERR(cr_score_batch_lanes(3, m, NULL, 0, NULL, NULL, NULL, &e), e, CR_E_ARG, "lanes");
    cr_model_free(m);
}

int main(void)
{
    int widths[4] = {2, 0}, n_widths = 1;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (__builtin_cpu_supports("avx2")) widths[n_widths++] = 4;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) widths[n_widths++] = 8;
#endif
    for (int w = 0; w < n_widths; w++) {
        lanes = widths[w];
        test_every_shape();
        test_seed_shape();
        test_seed_fields_other_features();
        test_extreme_models();
    }
    test_arguments();
    return check_done("test_score_batch");
}
