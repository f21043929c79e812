/* test_parity.c FIXTURE - one scikit-learn parity fixture (tests/parity/make_fixtures.py):
 * coefficients within 1e-6 of sklearn's optimum, the same integer score on every row. */
#include "callrisk.h"
#include "check.h"
#include "gen_dataset.h"
#include "sha256.h"

#include <stdlib.h>

typedef struct {
    char name[64], generator[16], class_weight[16];
    double cw[2], C, coef[16], intercept;
    long seed, offset, rows;
    int fit_intercept, sample_weight, n_coef;
    long counts[101];
    char sha[65];
} fixture;

static int read_fixture(const char *path, fixture *fx)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[4096];
    memset(fx, 0, sizeof *fx);
    while (fgets(line, sizeof line, f)) {
        char key[32];
        int off = 0;
        if (sscanf(line, "%31s %n", key, &off) != 1) continue;
        char *v = line + off;
        if (!strcmp(key, "name")) sscanf(v, "%63s", fx->name);
        else if (!strcmp(key, "generator")) sscanf(v, "%15s", fx->generator);
        else if (!strcmp(key, "seed")) fx->seed = strtol(v, NULL, 10);
        else if (!strcmp(key, "offset")) fx->offset = strtol(v, NULL, 10);
        else if (!strcmp(key, "rows")) fx->rows = strtol(v, NULL, 10);
        else if (!strcmp(key, "C")) fx->C = strtod(v, NULL);
        else if (!strcmp(key, "fit_intercept")) fx->fit_intercept = atoi(v);
        else if (!strcmp(key, "sample_weight")) fx->sample_weight = atoi(v);
        else if (!strcmp(key, "class_weight")) sscanf(v, "%15s %lf %lf", fx->class_weight, &fx->cw[0], &fx->cw[1]);
        else if (!strcmp(key, "intercept")) fx->intercept = strtod(v, NULL);
        else if (!strcmp(key, "scores_sha256")) sscanf(v, "%64s", fx->sha);
        else if (!strcmp(key, "coef") || !strcmp(key, "score_counts")) {
            char *p = v, *end;
            for (int k = 0; k < 101; k++, p = end) {
                double x = strtod(p, &end);
                if (end == p) break;
                if (key[0] == 'c') fx->coef[fx->n_coef++] = x;
                else fx->counts[k] = (long)x;
            }
        }
    }
    fclose(f);
    return fx->rows > 0 && fx->n_coef > 0 && fx->sha[0];
}

int main(int argc, char **argv)
{
    fixture fx;
    if (argc != 2 || !read_fixture(argv[1], &fx)) {
        fprintf(stderr, "usage: test_parity FIXTURE (a readable tests/parity/fixtures/*.txt)\n");
        return 2;
    }
    gen_kind kind = strcmp(fx.generator, "stir") == 0 ? GEN_STIR : GEN_DEFAULT;
    cr_dataset *ds = NULL;
    CHECK_OK(gen_dataset(kind, (uint64_t)fx.seed, (int)fx.offset, (size_t)fx.rows, fx.sample_weight, &ds,
                         &check_err));
    cr_train_options o;
    cr_train_options_init(&o);
    o.C = fx.C;
    o.fit_intercept = fx.fit_intercept;
    if (!strcmp(fx.class_weight, "balanced")) o.class_weight_mode = CR_CLASS_WEIGHT_BALANCED;
    if (!strcmp(fx.class_weight, "explicit")) {
        o.class_weight_mode = CR_CLASS_WEIGHT_EXPLICIT;
        o.class_weight[0] = fx.cw[0];
        o.class_weight[1] = fx.cw[1];
    }
    cr_model *m = NULL;
    CHECK_OK(cr_train(ds, &o, &m, &check_err));
    if (!m) return check_done(fx.name);

    cr_train_stats st;
    cr_model_stats(m, &st);
    CHECK(st.converged);
    size_t d = cr_schema_feature_count(cr_model_schema(m));
    CHECK_INT(d, fx.n_coef);
    double worst = 0;
    for (size_t j = 0; j < d; j++) {
        CHECK_NEAR(cr_model_coef(m, j), fx.coef[j], 1e-6);
        double diff = cr_model_coef(m, j) - fx.coef[j];
        if ((diff < 0 ? -diff : diff) > worst) worst = diff < 0 ? -diff : diff;
    }
    CHECK_NEAR(cr_model_intercept(m), fx.intercept, 1e-6);

    /* Every row scored with the library's batch scorer, compared as a whole. */
    size_t n = (size_t)fx.rows, nf = gen_field_count(kind);
    double *fields = malloc(n * nf * sizeof *fields);
    int32_t *scores = malloc(n * sizeof *scores);
    uint8_t *bytes = malloc(n);
    for (size_t i = 0; i < n; i++) {
        int label;
        double w;
        gen_row(kind, (uint64_t)fx.seed, (int)fx.offset, i, fields + i * nf, &label, &w);
    }
    CHECK_OK(cr_score_batch(m, fields, n, scores, NULL, NULL, &check_err));
    long counts[101] = {0};
    for (size_t i = 0; i < n; i++) {
        bytes[i] = (uint8_t)scores[i];
        counts[scores[i]]++;
    }
    for (int s = 0; s <= 100; s++)
        if (counts[s] != fx.counts[s]) {
            fprintf(stderr, "score %d: %ld rows, sklearn %ld\n", s, counts[s], fx.counts[s]);
            check_failures++;
        }
    cr_sha256_ctx h;
    uint8_t dig[32];
    char hex[65];
    cr_sha256_init(&h);
    cr_sha256_update(&h, bytes, n);
    cr_sha256_final(&h, dig);
    cr_sha256_hex(dig, hex);
    CHECK_STR(hex, fx.sha);
    printf("%s: %zu rows, %d iterations, max |coef - sklearn| = %.3g\n", fx.name, n, st.iterations, worst);
    free(fields);
    free(scores);
    free(bytes);
    cr_model_free(m);
    cr_dataset_free(ds);
    return check_done(fx.name);
}
