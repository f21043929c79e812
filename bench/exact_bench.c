/* exact_bench.c - ns per add of cr_exact (src/base/exact.h) beside a plain
 * double sum and Neumaier's compensated sum (the old cr_acc).
 *
 *   build/native/bench/exact_bench [n] [repeats]        (native preset)
 *   emscripten: emcc -O2 -ffp-contract=off -Isrc/base bench/exact_bench.c src/base/exact.c \
 *         -sALLOW_MEMORY_GROWTH -sENVIRONMENT=node -sSINGLE_FILE -o /tmp/exact_bench.js
 *         && node /tmp/exact_bench.js
 *   WASI: clang-19 --target=wasm32-wasi -O2 -ffp-contract=off -Isrc/base bench/exact_bench.c \
 *         src/base/exact.c -o /tmp/exact_bench.wasm && node tests/wasi/run.mjs /tmp/exact_bench.wasm
 *
 * Each line: the best of `repeats` passes over n values, in ns per value.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "exact.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t rng_state = 42;
static uint64_t next(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    double sum, comp;
} neumaier;

static inline void neumaier_add(neumaier *a, double v)
{
    const double t = a->sum + v;
    if ((a->sum < 0 ? -a->sum : a->sum) >= (v < 0 ? -v : v)) a->comp += (a->sum - t) + v;
    else a->comp += (v - t) + a->sum;
    a->sum = t;
}

static volatile double sink;

enum { PLAIN, NEUMAIER, EXACT, EXACT_ARRAY, EXACT_PRODUCT };
static const char *const method_name[] = {"double +=", "neumaier (old cr_acc)", "cr_exact_add", "cr_exact_add_array",
                                          "cr_exact_add_product"};

static double run(int method, const double *v, const double *w, size_t n, int repeats)
{
    double best = 1e30;
    for (int r = 0; r < repeats; r++) {
        const double t0 = now();
        double result = 0;
        if (method == PLAIN) {
            double s = 0;
            for (size_t i = 0; i < n; i++) s += v[i];
            result = s;
        } else if (method == NEUMAIER) {
            neumaier a = {0, 0};
            for (size_t i = 0; i < n; i++) neumaier_add(&a, v[i]);
            result = a.sum + a.comp;
        } else if (method == EXACT) {
            cr_exact a = {0};
            for (size_t i = 0; i < n; i++) cr_exact_add(&a, v[i]);
            result = cr_exact_round(&a);
        } else if (method == EXACT_ARRAY) {
            cr_exact a = {0};
            cr_exact_add_array(&a, v, n);
            result = cr_exact_round(&a);
        } else {
            cr_exact a = {0};
            for (size_t i = 0; i < n; i++) cr_exact_add_product(&a, v[i], w[i]);
            result = cr_exact_round(&a);
        }
        const double t = now() - t0;
        sink = result;
        if (t < best) best = t;
    }
    return best * 1e9 / (double)n;
}

int main(int argc, char **argv)
{
    const size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    const int repeats = argc > 2 ? atoi(argv[2]) : 5;
    double *v = malloc(n * sizeof *v), *w = malloc(n * sizeof *w), *p = malloc(n * sizeof *p);
    if (!v || !w || !p) return 1;
    printf("exact_bench: n = %zu, best of %d, sizeof(cr_exact) = %zu, CR_EXACT_BYTES = %d\n", n, repeats,
           sizeof(cr_exact), CR_EXACT_BYTES);

    /* Uniform in [-1, 1]: random 53-bit significands, a few exponents. */
    for (size_t i = 0; i < n; i++) v[i] = (double)(int64_t)(next() >> 10 << 10) * 0x1p-63;
    for (int m = PLAIN; m <= EXACT_ARRAY; m++)
        printf("  uniform [-1,1]          %-22s %6.2f ns/add\n", method_name[m], run(m, v, NULL, n, repeats));
    /* Any finite double: every exponent, subnormals. */
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        do u = next();
        while (((u >> 52) & 0x7ff) == 0x7ff);
        memcpy(&v[i], &u, sizeof u);
    }
    for (int m = NEUMAIER; m <= EXACT; m++)
        printf("  random bit patterns     %-22s %6.2f ns/add\n", method_name[m], run(m, v, NULL, n, repeats));
    /* Training: a weight 0..10 times a small count, as a double product and
       as an exact product. */
    for (size_t i = 0; i < n; i++) {
        w[i] = (double)(next() % 11);
        v[i] = (double)(next() % 20) * 0.5;
        p[i] = w[i] * v[i];
    }
    for (int m = PLAIN; m <= EXACT; m++)
        printf("  training w*x (double)   %-22s %6.2f ns/add\n", method_name[m], run(m, p, NULL, n, repeats));
    printf("  training w*x (exact)    %-22s %6.2f ns/add\n", method_name[EXACT_PRODUCT],
           run(EXACT_PRODUCT, v, w, n, repeats));
    /* Gradient-like terms: residual (0..1) times a feature value. */
    for (size_t i = 0; i < n; i++) {
        w[i] = (double)(next() >> 11) * 0x1p-53;
        v[i] = (double)(next() % 1000) * 0.01 - 3.0;
        p[i] = w[i] * v[i];
    }
    for (int m = PLAIN; m <= EXACT; m++)
        printf("  gradient r*x (double)   %-22s %6.2f ns/add\n", method_name[m], run(m, p, NULL, n, repeats));
    printf("  gradient r*x (exact)    %-22s %6.2f ns/add\n", method_name[EXACT_PRODUCT],
           run(EXACT_PRODUCT, v, w, n, repeats));

    /* The slow paths: round, merge, save per call. */
    cr_exact a = {0}, b = {0};
    for (size_t i = 0; i < 1000; i++) cr_exact_add(&a, p[i]);
    const int calls = 200000;
    unsigned char buf[CR_EXACT_BYTES];
    double t0 = now(), s = 0;
    for (int i = 0; i < calls; i++) {
        cr_exact_add(&a, 1.0);
        s += cr_exact_round(&a);
    }
    const double t_round = now() - t0;
    t0 = now();
    for (int i = 0; i < calls; i++) cr_exact_merge(&b, &a);
    const double t_merge = now() - t0;
    t0 = now();
    for (int i = 0; i < calls; i++) {
        cr_exact_add(&a, 1.0);
        cr_exact_save(&a, buf);
        s += buf[100];
    }
    const double t_save = now() - t0;
    sink = s + cr_exact_round(&b);
    printf("  cr_exact_round %.1f ns, cr_exact_merge %.1f ns, cr_exact_save %.1f ns per call\n", t_round * 1e9 / calls,
           t_merge * 1e9 / calls, t_save * 1e9 / calls);
    free(v);
    free(w);
    free(p);
    return 0;
}
