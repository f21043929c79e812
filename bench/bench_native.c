/* bench_native.c - native timings of training, batch scoring and evaluation on generated data.
 *   bench_native [--rows N] [--repeat K] [--seed S] [--generator default|stir|real5] [--dump FILE]
 *                [--dump-eval FILE]
 * --dump writes the generated rows (n * fields f64, little-endian) and
 * then the labels (n bytes), so that other builds time the same data.
 * --dump-eval writes what cr_evaluate() measured, for scikit-learn to measure
 * the same: the model's probabilities (n f64), the labels (n bytes) and the
 * generator's weights (n f64); bench/evaluate_bench.py reads it.
 * Prints one JSON object (milliseconds; medians over K runs). bench/run.py
 * runs it beside scikit-learn on the same rows and prints the ratios. */
#define _POSIX_C_SOURCE 200809L
#include "callrisk.h"
#include "bench_util.h"
#include "gen_dataset.h"
#include "internal.h"   /* to rebuild a model with its fields reordered */
#include "cpu.h"        /* which batch kernel is the widest */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* VmHWM of this process image: unlike ru_maxrss it does not inherit the
   peak of a parent that forked us (bench/run.py is a big Python process). */
static long peak_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
    if (f) fclose(f);
    if (kib < 0) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        kib = ru.ru_maxrss;
    }
    return kib * 1024L;
}

int main(int argc, char **argv)
{
    long rows = 1000000, repeat = 5, seed = 1;
    gen_kind kind = GEN_DEFAULT;
    const char *dump = NULL, *dump_eval = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--rows")) rows = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--repeat")) repeat = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--seed")) seed = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--dump")) dump = argv[i + 1];
        else if (!strcmp(argv[i], "--dump-eval")) dump_eval = argv[i + 1];
        else if (!strcmp(argv[i], "--generator")) kind = generator_named(argv[i + 1]);
    }
    if (rows < 1 || repeat < 1 || repeat > 100) {
        fprintf(stderr, "usage: bench_native [--rows N>0] [--repeat 1..100] [--seed S]\n");
        return 2;
    }
    const int offset = -150;   /* the data set bench/sklearn_baseline.py generates */
    cr_error e;
    double *load = malloc((size_t)repeat * sizeof *load), *train = malloc((size_t)repeat * sizeof *train),
           *score = malloc((size_t)repeat * sizeof *score);
    cr_dataset *ds = NULL;
    for (long k = 0; k < repeat; k++) {
        cr_dataset_free(ds);
        ds = NULL;
        double t0 = now_ms();
        if (gen_dataset(kind, (uint64_t)seed, offset, (size_t)rows, 0, &ds, &e) != CR_OK) {
            fprintf(stderr, "bench_native: %s\n", e.message);
            return 1;
        }
        load[k] = now_ms() - t0;
    }
    /* Start-up: the seed's default model, trained as the seed did. */
    double *cold = malloc((size_t)repeat * sizeof *cold);
    for (long k = 0; k < repeat; k++) {
        double t0 = now_ms();
        cr_model *d = NULL;
        if (cr_model_create_default(&d, &e) != CR_OK) return 1;
        cold[k] = (now_ms() - t0) * 1e3;   /* microseconds */
        cr_model_free(d);
    }
    cr_model *m = NULL;
    cr_train_stats stats = {0};
    for (long k = 0; k < repeat; k++) {
        cr_model_free(m);
        double t0 = now_ms();
        if (cr_train(ds, NULL, &m, &e) != CR_OK) {
            fprintf(stderr, "bench_native: %s\n", e.message);
            return 1;
        }
        train[k] = now_ms() - t0;
    }
    cr_model_stats(m, &stats);

    size_t n = (size_t)rows, nf = gen_field_count(kind);
    double *fields = malloc(n * nf * sizeof *fields), *prob = malloc(n * sizeof *prob);
    int32_t *scores = malloc(n * sizeof *scores);
    uint8_t *labels = malloc(n), *levels = malloc(n);
    double *weights = malloc(n * sizeof *weights);
    generate_rows(kind, (uint64_t)seed, offset, n, fields, labels, weights);
    if (dump && !dump_rows("bench_native", dump, fields, nf, labels, n)) return 1;
    /* One call per row, with reasons: what a request handler does. */
    double *single = malloc((size_t)repeat * sizeof *single);
    const size_t n_single = n < 1000000 ? n : 1000000;
    cr_reason reasons[CR_MAX_FEATURES];
    for (long k = 0; k < repeat; k++) {
        double t0 = now_ms();
        for (size_t i = 0; i < n_single; i++) {
            cr_score_result r;
            if (cr_score(m, fields + nf * i, &r, reasons, CR_MAX_FEATURES, &e) != CR_OK) {
                fprintf(stderr, "bench_native: %s\n", e.message);
                return 1;
            }
            scores[i] = r.score;
        }
        single[k] = (now_ms() - t0) * 1e6 / (double)n_single;   /* ns per call */
    }
    /* Full results (scores, probabilities, levels): the widest kernel the
       CPU runs, the 4-lane one (AVX2; where the widest is AVX-512's 8), then
       the portable 2-lane one (SSE2; wasm's width). */
    double *score2 = malloc((size_t)repeat * sizeof *score2), *score4 = malloc((size_t)repeat * sizeof *score4);
    const int widest_8 = cr_cpu_wide() == 2;   /* the core's own choice: AVX-512 */
    for (long k = 0; k < repeat; k++) {
        double t0 = now_ms();
        if (cr_score_batch(m, fields, n, scores, prob, levels, &e) != CR_OK) {
            fprintf(stderr, "bench_native: %s\n", e.message);
            return 1;
        }
        score[k] = now_ms() - t0;
        t0 = now_ms();
        if (cr_score_batch_lanes(2, m, fields, n, scores, prob, levels, &e) != CR_OK) return 1;
        score2[k] = now_ms() - t0;
        if (widest_8) {
            t0 = now_ms();
            if (cr_score_batch_lanes(4, m, fields, n, scores, prob, levels, &e) != CR_OK) return 1;
            score4[k] = now_ms() - t0;
        }
    }
    /* The same model and rows through the generic batch path: the seed's
       fields in another order (has_consent first) match no specialised
       shape, so the kernel is chosen by field types alone. Same bits. */
    double *generic = malloc((size_t)repeat * sizeof *generic);
    double generic_ratio = 0;
    if (kind == GEN_DEFAULT) {
        cr_model *g = malloc(sizeof *g);
        memcpy(g, m, sizeof *g);
        static const size_t from[3] = {1, 0, 2};   /* new field k is old field from[k] */
        for (size_t k = 0; k < 3; k++) {
            strcpy(g->schema.field_name[k], m->schema.field_name[from[k]]);
            g->schema.field_type[k] = m->schema.field_type[from[k]];
        }
        for (size_t j = 0; j < 3; j++) g->schema.feature_field[j] = (uint8_t)(m->schema.feature_field[j] == 0 ? 1 : m->schema.feature_field[j] == 1 ? 0 : 2);
        if (cr_model_finish(g, &e) != CR_OK) return 1;
        double *gf = malloc(n * 3 * sizeof *gf), *gp = malloc(n * sizeof *gp);
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < 3; k++) gf[3 * i + k] = fields[3 * i + from[k]];
        for (long k = 0; k < repeat; k++) {
            double t0 = now_ms();
            if (cr_score_batch(g, gf, n, scores, gp, NULL, &e) != CR_OK) return 1;
            generic[k] = now_ms() - t0;
        }
        if (memcmp(gp, prob, n * sizeof *prob) != 0) {
            fprintf(stderr, "bench_native: the generic batch path gave other bits\n");
            return 1;
        }
        generic_ratio = median(generic, (int)repeat) / median(score, (int)repeat);
        free(gf);
        free(gp);
        free(g);
    }
    /* Evaluation (cr_evaluate: probabilities, sort, log loss, Brier, AUC,
       KS, calibration and band tables) of the trained model on its rows,
       unweighted and with the generator's weights (0.5..2: the weighted
       sort path). */
    double *eval = malloc((size_t)repeat * sizeof *eval), *eval_w = malloc((size_t)repeat * sizeof *eval_w);
    cr_metrics mt, mt_w;
    cr_dataset *ds_w = NULL;
    if (gen_dataset(kind, (uint64_t)seed, offset, (size_t)rows, 1, &ds_w, &e) != CR_OK) {
        fprintf(stderr, "bench_native: %s\n", e.message);
        return 1;
    }
    for (long k = 0; k < repeat; k++) {
        double t0 = now_ms();
        if (cr_evaluate(m, ds, &mt, &e) != CR_OK) {
            fprintf(stderr, "bench_native: %s\n", e.message);
            return 1;
        }
        eval[k] = now_ms() - t0;
        t0 = now_ms();
        if (cr_evaluate(m, ds_w, &mt_w, &e) != CR_OK) {
            fprintf(stderr, "bench_native: %s\n", e.message);
            return 1;
        }
        eval_w[k] = now_ms() - t0;
    }
    cr_dataset_free(ds_w);
    if (dump_eval) {
        /* The probabilities cr_score_batch gave: cr_evaluate's (the same bits). */
        FILE *f = fopen(dump_eval, "wb");
        int ok = f && fwrite(prob, sizeof *prob, n, f) == n && fwrite(labels, 1, n, f) == n &&
                 fwrite(weights, sizeof *weights, n, f) == n;
        if (!f || fclose(f) != 0 || !ok) {
            fprintf(stderr, "bench_native: cannot write %s\n", dump_eval);
            return 1;
        }
    }
    long peak = peak_rss_bytes();
    printf("{\"generator\":\"%s\",\"rows\":%ld,\"repeat\":%ld,\"seed\":%ld,", GENERATOR_NAMES[kind], rows, repeat,
           seed);
    print_series("dataset_build", load, (int)repeat);
    print_series("train", train, (int)repeat);
    print_series("score_batch", score, (int)repeat);
    if (widest_8) print_series("score_batch_4_lanes", score4, (int)repeat);
    print_series("score_batch_2_lanes", score2, (int)repeat);
    if (kind == GEN_DEFAULT) {
        print_series("score_batch_generic", generic, (int)repeat);
        printf("\"generic_over_specialised\":%.3f,", generic_ratio);
    }
    print_series("evaluate", eval, (int)repeat);
    print_series("evaluate_weighted", eval_w, (int)repeat);
    printf("\"evaluate_metrics\":{\"auc\":%.17g,\"log_loss\":%.17g,\"brier\":%.17g},", mt.auc, mt.log_loss, mt.brier);
    printf("\"evaluate_weighted_metrics\":{\"auc\":%.17g,\"log_loss\":%.17g,\"brier\":%.17g},", mt_w.auc,
           mt_w.log_loss, mt_w.brier);
    printf("\"score_single_ns\":%.1f,\"default_model_us\":%.1f,", median(single, (int)repeat), median(cold, (int)repeat));
    printf("\"iterations\":%d,\"converged\":%s,\"coef\":[", stats.iterations, stats.converged ? "true" : "false");
    for (size_t j = 0; j < cr_schema_feature_count(cr_model_schema(m)); j++)
        printf("%s%.17g", j ? "," : "", cr_model_coef(m, j));
    printf("],\"intercept\":%.17g,\"peak_rss_bytes\":%ld}\n", cr_model_intercept(m), peak);
    free(eval);
    free(eval_w);
    free(weights);
    free(generic);
    free(score4);
    free(single);
    free(cold);
    free(labels);
    free(fields);
    free(prob);
    free(scores);
    free(load);
    free(train);
    free(score);
    cr_model_free(m);
    cr_dataset_free(ds);
    return 0;
}
