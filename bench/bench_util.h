/* bench_util.h - what the native benches share: a monotonic clock, medians
 * and a JSON series of timings, the generators by name, and the generated
 * rows (tests/support/gen_data.h) with their dump for the other builds. */
#ifndef CALLRISK_BENCH_UTIL_H
#define CALLRISK_BENCH_UTIL_H

#include "gen_data.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (1 <= n <= 100), from a sorted copy: v keeps its run order. */
static double median(const double *v, int n)
{
    double s[100];
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* "name_ms":[runs],"name_median_ms":m,"name_min_ms":lo, */
static void print_series(const char *name, const double *v, int n)
{
    double lo = v[0];
    for (int i = 1; i < n; i++) lo = v[i] < lo ? v[i] : lo;
    printf("\"%s_ms\":[", name);
    for (int i = 0; i < n; i++) printf("%s%.3f", i ? "," : "", v[i]);
    printf("],\"%s_median_ms\":%.3f,\"%s_min_ms\":%.3f,", name, median(v, n), name, lo);
}

static const char *const GENERATOR_NAMES[] = {"default", "stir", "real5"};   /* by gen_kind */

/* The generator named (--generator), GEN_DEFAULT for any other name. */
static gen_kind generator_named(const char *name)
{
    for (int k = 0; k < 3; k++)
        if (!strcmp(name, GENERATOR_NAMES[k])) return (gen_kind)k;
    return GEN_DEFAULT;
}

/* n generated rows: fields row-major (n * gen_field_count(kind)), labels,
   and the generator's weights where `weights` is not NULL. */
static void generate_rows(gen_kind kind, uint64_t seed, int offset, size_t n, double *fields, uint8_t *labels,
                          double *weights)
{
    const size_t nf = gen_field_count(kind);
    for (size_t i = 0; i < n; i++) {
        int label;
        double w;
        gen_row(kind, seed, offset, i, fields + nf * i, &label, &w);
        labels[i] = (uint8_t)label;
        if (weights) weights[i] = w;
    }
}

/* The rows as other builds read them (--dump): the fields (n * nf f64,
   little-endian), then the labels (n bytes); 0 when `path` cannot be
   written (said on stderr, as `prog`). */
static int dump_rows(const char *prog, const char *path, const double *fields, size_t nf, const uint8_t *labels, size_t n)
{
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(fields, sizeof *fields, n * nf, f) == n * nf && fwrite(labels, 1, n, f) == n;
    if (!f || fclose(f) != 0 || !ok) {
        fprintf(stderr, "%s: cannot write %s\n", prog, path);
        return 0;
    }
    return 1;
}

#endif
