/* test_dataset.c - data sets: rows in, the digest that names them, arguments. */
#include "callrisk.h"

#include <string.h>
#include "check.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

static cr_dataset *fresh(void)
{
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    cr_schema_free(s);
    return ds;
}

static void digest(const cr_dataset *ds, char out[CR_MODEL_ID_SIZE]) { cr_dataset_digest(ds, out); }

/* 3000 rows one by one and in one call: the same rows, the same digest,
   across the growth steps (1024, 2048, 4096). */
static void test_rows_and_digest(void)
{
    enum { N = 3000 };
    static double f[N * 3], w[N];
    static uint8_t y[N];
    for (int i = 0; i < N; i++) {
        f[3 * i] = i % 13;
        f[3 * i + 1] = i % 2;
        f[3 * i + 2] = i % 29;
        y[i] = (uint8_t)(i % 3 == 0);
        w[i] = 0.5 + (i % 4) * 0.25;
    }
    cr_dataset *a = fresh(), *b = fresh(), *c = fresh();
    char da[CR_MODEL_ID_SIZE], db[CR_MODEL_ID_SIZE], dc[CR_MODEL_ID_SIZE];
    digest(a, da);
    /* The empty multiset: SHA-256 of the tag, count 0 and sum 0. */
    CHECK_STR(da, "b61b6b5322ddb39242987bd45046a535b6c69a2e3fdbfa9c2fc4a0acd8140602");
    for (int i = 0; i < N; i++) CHECK_OK(cr_dataset_add(a, f + 3 * i, y[i], w[i], &check_err));
    CHECK_OK(cr_dataset_add_rows(b, f, y, w, 1000, &check_err));
    CHECK_OK(cr_dataset_add_rows(b, f + 3000, y + 1000, w + 1000, N - 1000, &check_err));
    CHECK_OK(cr_dataset_add_rows(b, NULL, NULL, NULL, 0, &check_err));
    CHECK_INT(cr_dataset_rows(a), N);
    CHECK_INT(cr_dataset_rows(b), N);
    digest(a, da);
    digest(b, db);
    CHECK_STR(da, db);
    /* Weights count: all 1 (NULL) is another data set. */
    CHECK_OK(cr_dataset_add_rows(c, f, y, NULL, N, &check_err));
    digest(c, dc);
    CHECK(strcmp(dc, da) != 0);
    /* Order does not count: the digest is of the multiset (Python's
       hashlib: sum of the rows' SHA-256 mod 2^256, then the tagged SHA-256). */
    cr_dataset *d = fresh();
    CHECK_OK(cr_dataset_add(d, f + 3, y[1], w[1], &check_err));
    CHECK_OK(cr_dataset_add(d, f, y[0], w[0], &check_err));
    cr_dataset *e2 = fresh();
    CHECK_OK(cr_dataset_add_rows(e2, f, y, w, 2, &check_err));
    digest(d, da);
    digest(e2, db);
    CHECK_STR(da, db);
    CHECK_STR(da, "873a11dcac4a055ef5573ed313614bd39e299b0b3e7e06f0165ecaa5a1579de8");
    /* A row twice is another multiset than the row once. */
    CHECK_OK(cr_dataset_add(d, f, y[0], w[0], &check_err));
    digest(d, da);
    CHECK(strcmp(da, db) != 0);
    /* The digest is of the field values: inverted features do not change it. */
    CHECK_STR(cr_schema_field_name(cr_dataset_schema(a), 1), "has_consent");
    cr_dataset_free(a);
    cr_dataset_free(b);
    cr_dataset_free(c);
    cr_dataset_free(d);
    cr_dataset_free(e2);
}

static void test_arguments(void)
{
    cr_dataset *ds = fresh();
    cr_dataset *out = (cr_dataset *)&ds;
    cr_error e;
    const double row[3] = {1, 1, 1}, bad[6] = {1, 1, 1, 1, 7, 1};
    const uint8_t labels[2] = {0, 1};
    CHECK_ERR(cr_dataset_create(NULL, &out, &e), e, CR_E_ARG, "schema or out is NULL");
    CHECK(out == NULL);   /* *out is NULL after an error, as everywhere */
    CHECK_ERR(cr_dataset_create(cr_dataset_schema(ds), NULL, &e), e, CR_E_ARG, "schema or out is NULL");
    CHECK_ERR(cr_dataset_add(NULL, row, 0, 1.0, &e), e, CR_E_ARG, "data set or fields is NULL");
    CHECK_ERR(cr_dataset_add(ds, NULL, 0, 1.0, &e), e, CR_E_ARG, "data set or fields is NULL");
    CHECK_ERR(cr_dataset_add_rows(NULL, row, labels, NULL, 1, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_dataset_add_rows(ds, NULL, labels, NULL, 1, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_dataset_add_rows(ds, row, NULL, NULL, 1, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_dataset_add(ds, row, 0, 1.0 / 0.0, &e), e, CR_E_RANGE, "field 'weight'");
    CHECK_ERR(cr_dataset_add(ds, row, -1, 1.0, &e), e, CR_E_RANGE, "field 'label': must be 0 or 1, got -1");
    /* A bad second row: nothing added, the row named (not without a cr_error). */
    CHECK_ERR(cr_dataset_add_rows(ds, bad, labels, NULL, 2, &e), e, CR_E_TYPE, "field 'has_consent'");
    CHECK_INT(e.line, 2);
    CHECK_INT(cr_dataset_add_rows(ds, bad, labels, NULL, 2, NULL), CR_E_TYPE);
    const double two[6] = {1, 1, 1, 2, 0, 3}, neg_w[2] = {1, -0.5};
    CHECK_ERR(cr_dataset_add_rows(ds, two, labels, neg_w, 2, &e), e, CR_E_RANGE, "field 'weight': must be a finite");
    CHECK_INT(e.line, 2);
    const uint8_t bad_label[2] = {0, 2};
    CHECK_ERR(cr_dataset_add_rows(ds, two, bad_label, NULL, 2, &e), e, CR_E_RANGE, "field 'label'");
    CHECK_INT(cr_dataset_rows(ds), 0);

    /* Errors name the columns as the options call them. */
    cr_train_options o;
    cr_train_options_init(&o);
    CHECK_ERR(cr_dataset_name_columns(NULL, &o, &e), e, CR_E_ARG, "data set or options is NULL");
    CHECK_ERR(cr_dataset_name_columns(ds, NULL, &e), e, CR_E_ARG, "data set or options is NULL");
    CHECK_OK(cr_train_options_set(&o, cr_dataset_schema(ds), "label_column", "\"is_spam\"", 9, &check_err));
    CHECK_OK(cr_train_options_set(&o, cr_dataset_schema(ds), "weight_column", "\"w\"", 3, &check_err));
    CHECK_OK(cr_dataset_name_columns(ds, &o, &check_err));
    CHECK_ERR(cr_dataset_add_rows(ds, two, bad_label, NULL, 2, &e), e, CR_E_RANGE, "field 'is_spam': must be 0 or 1, got 2");
    CHECK_STR(e.field, "is_spam");
    CHECK_ERR(cr_dataset_add_rows(ds, two, labels, neg_w, 2, &e), e, CR_E_RANGE, "field 'w': must be a finite");
    CHECK_STR(e.field, "w");
    /* Options the check refuses change nothing. */
    strcpy(o.label_column, "spam_reports");
    CHECK_ERR(cr_dataset_name_columns(ds, &o, &e), e, CR_E_RANGE, "spam_reports");
    CHECK_ERR(cr_dataset_add(ds, row, 3, 1.0, &e), e, CR_E_RANGE, "field 'is_spam'");
    CHECK_INT(cr_dataset_rows(ds), 0);
    CHECK_INT(cr_dataset_rows(NULL), 0);
    CHECK(cr_dataset_schema(NULL) == NULL);
    /* No data set, no digest: the empty string (it read through NULL). */
    char d[CR_MODEL_ID_SIZE];
    memset(d, 'x', sizeof d);
    cr_dataset_digest(NULL, d);
    CHECK_STR(d, "");
    cr_dataset_digest(ds, NULL);
    cr_dataset_free(NULL);
    cr_dataset_free(ds);
}

/* A row count whose sum with the rows there wraps (or whose arrays would
   not fit size_t) is refused before any row is read: it used to reserve
   nothing and write past the arrays. */
static void test_too_many_rows(void)
{
    cr_dataset *ds = fresh();
    const double row[3] = {1, 0, 2};
    for (int i = 0; i < 1000; i++) CHECK_OK(cr_dataset_add(ds, row, i & 1, 1.0, &check_err));
    char before[CR_MODEL_ID_SIZE], after[CR_MODEL_ID_SIZE];
    digest(ds, before);
    static double f[31 * 3];
    static uint8_t y[31];
    for (int i = 0; i < 31; i++) f[3 * i] = i, f[3 * i + 1] = 1;
    f[3 * 30 + 1] = 7;   /* the last row is bad: nothing past it is read */
    cr_error e;
    const size_t huge[] = {SIZE_MAX - 999, SIZE_MAX, SIZE_MAX / 24 - 999};
    for (size_t k = 0; k < sizeof huge / sizeof *huge; k++) {
        CHECK_ERR(cr_dataset_add_rows(ds, f, y, NULL, huge[k], &e), e, CR_E_NOMEM, "data set too large: 1000 rows");
        CHECK_STR(e.field, "n");
        CHECK_INT(cr_dataset_rows(ds), 1000);
    }
    digest(ds, after);
    CHECK_STR(after, before);
    cr_dataset_free(ds);
}

/* -0 is 0, in every field type and the weight: the same rows give the same
   digest, model id and hash-holdout split whichever zero they came with
   (hosts' JSON writes -0 as 0), through cr_dataset_add() and _add_rows(),
   while rows repeat (the table of distinct rows) and once they do not. */
static cr_model *train_on(const cr_dataset *ds, int holdout)
{
    cr_train_options o;
    cr_train_options_init(&o);
    if (holdout) CHECK_OK(cr_train_options_set_text(&o, cr_dataset_schema(ds), "holdout", "0.3,hash,5", &check_err));
    cr_model *m = NULL;
    CHECK_OK(cr_train(ds, &o, &m, &check_err));
    return m;
}

static void test_negative_zero(void)
{
    const cr_field_spec fs[] = {{"n", CR_FIELD_COUNT}, {"b", CR_FIELD_BOOL}, {"r", CR_FIELD_REAL}};
    const cr_feature_spec ts[] = {{"n", "n", 0}, {"nb", "b", 1}, {"r", "r", 0}};
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create(fs, 3, ts, 3, &s, &check_err));
    if (!s) return;
    enum { N = 6000, FEW = 80 };
    static double f[2][N * 3], w[2][N];
    static uint8_t y[N];
    for (int i = 0; i < N; i++) {
        /* The first FEW rows repeat; past them each row is distinct (its real). */
        const double r = i < FEW ? (i % 5 - 2) * 0.5 : (i - N / 2) * 0.25;
        const double row[3] = {i % 4, i % 2, r};
        y[i] = (uint8_t)((i % 4 + i % 5) > 3);
        for (int neg = 0; neg < 2; neg++) {
            for (int k = 0; k < 3; k++) f[neg][3 * i + k] = neg && row[k] == 0 ? -0.0 : row[k];
            w[neg][i] = i % 7 == 0 ? (neg ? -0.0 : 0.0) : 1 + i % 3;
        }
    }
    CHECK(signbit(f[1][0]) && signbit(w[1][0]) && !signbit(f[0][0]));
    const size_t sizes[2] = {FEW, N};
    for (int big = 0; big < 2; big++) {
        const size_t n = sizes[big];
        cr_dataset *ds[3] = {NULL, NULL, NULL};
        char d[3][CR_MODEL_ID_SIZE];
        for (int k = 0; k < 3; k++) {
            CHECK_OK(cr_dataset_create(s, &ds[k], &check_err));
            if (k < 2) CHECK_OK(cr_dataset_add_rows(ds[k], f[k], y, w[k], n, &check_err));
            else
                for (size_t i = 0; i < n; i++)
                    CHECK_OK(cr_dataset_add(ds[k], f[1] + 3 * i, y[i], w[1][i], &check_err));
            cr_dataset_digest(ds[k], d[k]);
        }
        CHECK_STR(d[1], d[0]);
        CHECK_STR(d[2], d[0]);
        for (int holdout = 0; holdout < 2; holdout++) {
            cr_model *m[3];
            for (int k = 0; k < 3; k++) m[k] = train_on(ds[k], holdout);
            if (m[0] && m[1] && m[2]) {
                CHECK_STR(cr_model_id(m[1]), cr_model_id(m[0]));
                CHECK_STR(cr_model_id(m[2]), cr_model_id(m[0]));
                for (size_t j = 0; j < 3; j++) CHECK(cr_model_coef(m[1], j) == cr_model_coef(m[0], j));
            }
            for (int k = 0; k < 3; k++) cr_model_free(m[k]);
        }
        for (int k = 0; k < 3; k++) cr_dataset_free(ds[k]);
    }
    cr_schema_free(s);
}

#if defined(__linux__) && !defined(__wasm__)
/* The AnonHugePages (kB) of the mapping holding p, from /proc/self/smaps; -1 if not found. */
static long anon_huge_kb(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f) return -1;
    char line[512];
    int inside = 0;
    long kb = -1;
    while (kb < 0 && fgets(line, sizeof line, f)) {
        unsigned long long lo, hi;
        long v;
        if (sscanf(line, "%llx-%llx ", &lo, &hi) == 2)
            inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
        else if (inside && sscanf(line, "AnonHugePages: %ld kB", &v) == 1)
            kb = v;
    }
    fclose(f);
    return kb;
}
#endif

/* Where Linux offers transparent huge pages, a 1M-row data set's rows sit
   in some (src/base/pages.h): 4 KiB pages cost ~15,000 faults. */
static void test_huge_pages(void)
{
#if defined(__linux__) && !defined(__wasm__)
    char mode[128] = "";
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (f) {
        if (!fgets(mode, sizeof mode, f)) mode[0] = 0;
        fclose(f);
    }
    if (!strstr(mode, "[madvise]") && !strstr(mode, "[always]")) return;   /* none offered here */
    const size_t n = 1000000;
    double *x = malloc(3 * n * sizeof *x);
    uint8_t *y = malloc(n);
    for (size_t i = 0; i < n; i++) {
        x[3 * i] = (double)(i % 7), x[3 * i + 1] = (double)(i & 1), x[3 * i + 2] = (double)(i % 11);
        y[i] = (uint8_t)(i % 3 == 0);
    }
    cr_dataset *ds = fresh();
    CHECK_OK(cr_dataset_add_rows(ds, x, y, NULL, n, &check_err));
    CHECK(anon_huge_kb(ds->x + 3 * n / 2) > 0);   /* the middle: the first page is the allocator's */
    cr_dataset_free(ds);
    free(x);
    free(y);
#endif
}

int main(void)
{
    test_rows_and_digest();
    test_arguments();
    test_too_many_rows();
    test_negative_zero();
    test_huge_pages();
    return check_done("test_dataset");
}
