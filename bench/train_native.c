/* train_native.c - training end to end from rows in memory, natively:
 * cr_dataset_create + cr_dataset_add_rows (validation, the rows' SHA-256
 * digest, packing) + cr_train (the fit and its evidence) + frees.
 *   train_native [--rows N] [--repeat K] [--seed S] [--generator default|stir|real5] [--dump FILE]
 * The rows are generated once, before any timing, as a caller holds them:
 * row-major fields (n * fields f64), labels (n bytes), no weights (every
 * row weighs 1, as scikit-learn's fit gets them). --dump writes the fields
 * then the labels, so bench/train_bench.mjs trains the wasm build on the
 * very rows. Prints one JSON object: each run's total and its two parts (ms),
 * their medians, the model's id, coefficients and data digest. */
#define _POSIX_C_SOURCE 200809L
#include "callrisk.h"
#include "bench_util.h"
#include "gen_dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const cr_error *e)
{
    fprintf(stderr, "train_native: %s\n", e->message);
    return 1;
}

int main(int argc, char **argv)
{
    long rows = 1000000, repeat = 5, seed = 1;
    gen_kind kind = GEN_DEFAULT;
    const char *dump = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--rows")) rows = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--repeat")) repeat = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--seed")) seed = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--dump")) dump = argv[i + 1];
        else if (!strcmp(argv[i], "--generator")) kind = generator_named(argv[i + 1]);
    }
    if (rows < 1 || repeat < 1 || repeat > 100) {
        fprintf(stderr, "usage: train_native [--rows N>0] [--repeat 1..100] [--seed S] [--generator default|stir|real5] [--dump FILE]\n");
        return 2;
    }
    const int offset = -150; /* bench/sklearn_baseline.py's data set */
    const size_t n = (size_t)rows, nf = gen_field_count(kind);
    double *fields = malloc(n * nf * sizeof *fields);
    uint8_t *labels = malloc(n);
    generate_rows(kind, (uint64_t)seed, offset, n, fields, labels, NULL);
    if (dump && !dump_rows("train_native", dump, fields, nf, labels, n)) return 1;
    cr_error e;
    cr_schema *schema = NULL;
    if (gen_schema(kind, &schema, &e) != CR_OK) return fail(&e);
    double *total = malloc((size_t)repeat * sizeof *total), *build = malloc((size_t)repeat * sizeof *build),
           *fit = malloc((size_t)repeat * sizeof *fit);
    char id[CR_MODEL_ID_SIZE] = "";
    cr_model *m = NULL;
    for (long k = 0; k < repeat; k++) {
        cr_model_free(m);
        m = NULL;
        const double t0 = now_ms();
        cr_dataset *ds = NULL;
        if (cr_dataset_create(schema, &ds, &e) != CR_OK) return fail(&e);
        if (cr_dataset_add_rows(ds, fields, labels, NULL, n, &e) != CR_OK) return fail(&e);
        const double t1 = now_ms();
        if (cr_train(ds, NULL, &m, &e) != CR_OK) return fail(&e);
        cr_dataset_free(ds);
        const double t2 = now_ms();
        total[k] = t2 - t0;
        build[k] = t1 - t0;
        fit[k] = t2 - t1;
        if (k && strcmp(id, cr_model_id(m)) != 0) {
            fprintf(stderr, "train_native: run %ld trained model %s, run 0 %s\n", k, cr_model_id(m), id);
            return 1;
        }
        strcpy(id, cr_model_id(m));
    }
    cr_training_info info;
    cr_model_training_info(m, &info);
    printf("{\"generator\":\"%s\",\"rows\":%ld,\"fields\":%zu,\"repeat\":%ld,\"seed\":%ld,", GENERATOR_NAMES[kind],
           rows, nf, repeat, seed);
    print_series("total", total, (int)repeat);
    print_series("dataset", build, (int)repeat);
    print_series("train", fit, (int)repeat);
    printf("\"model_id\":\"%s\",\"data_sha256\":\"%s\",\"coef\":[", id, info.data_sha256);
    for (size_t j = 0; j < cr_schema_feature_count(cr_model_schema(m)); j++)
        printf("%s%.17g", j ? "," : "", cr_model_coef(m, j));
    printf("],\"intercept\":%.17g}\n", cr_model_intercept(m));
    cr_model_free(m);
    cr_schema_free(schema);
    free(total);
    free(build);
    free(fit);
    free(fields);
    free(labels);
    return 0;
}
