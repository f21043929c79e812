/* train.c - L2 logistic regression by projected Newton's method.
 *
 * Minimises f(w, b) = sum_i s_i * logloss(y_i, w.x_i + b) + |w|^2 / (2C), the
 * objective of scikit-learn's LogisticRegression (intercept unpenalised, s_i =
 * sample weight * class weight). Sign constraints are bounds at 0, handled by
 * fixing the bound variables whose gradient points outwards (Bertsekas'
 * projected Newton) and projecting each trial point back onto the bounds.
 *
 * Determinism: every sum is exact (cr_exact) and a row's weight multiplies
 * its terms exactly, so f, g and H are the correctly rounded sums of the
 * rows' exact contributions: they depend on the multiset of rows, not on
 * their order or on how they are split into shards (cr_shard_*), and a row
 * of whole weight k contributes exactly what k copies of it would. exp and
 * log1p are the project's own.
 *
 * Speed: rows of weight 1 go through a kernel several rows wide (SIMD lanes,
 * fit_lanes.h) whose terms are added exactly in binned levels, grouped by
 * their bool features in the in-process fit (a flag at 0 drops its terms, at
 * 1 makes them others'); the same exact sums as one row at a time, which
 * test_exact checks for every kernel the CPU runs.
 */
#include "internal.h"
#include "cpu.h"
#include "crmath.h"
#include "pages.h"
#include "shard.h"
#include "sha256.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CR_MAX_PARAMS (CR_MAX_FEATURES + 1)
#define CR_HESS_SIZE (CR_MAX_PARAMS * (CR_MAX_PARAMS + 1) / 2)
#define CR_MAX_BACKTRACKS 60

/* The rows the solver sees: the data set's, or its distinct (features,
   label) rows with summed whole-number weights (cr_compress_rows), which
   give the same bits. A row's contribution is its weight times terms that
   depend on its features, label and the class weight only. */
typedef struct {
    const double *x;     /* n * d features */
    const uint8_t *y;
    const double *w;     /* sample weights (merged: their sums) */
    double cw[2];        /* class weights */
    size_t n, d, np;     /* np = d + fit_intercept */
    double inv_c;
    int unit;            /* every row weighs 1, known: the batches need not check */
} problem;

typedef struct {
    double f;
    double g[CR_MAX_PARAMS];
    double h[CR_HESS_SIZE];   /* packed upper triangle, row by row */
} evaluation;

/* The exact sums of one evaluation: f, then g, then the packed H. */
#define CR_MAX_SUMS (1 + CR_MAX_PARAMS + CR_HESS_SIZE)
static size_t sums_of(size_t np) { return 1 + np + np * (np + 1) / 2; }

/* Index of (k, l), k <= l, in the packed upper triangle of an np x np matrix. */
static size_t tri(size_t np, size_t k, size_t l) { return k * np - k * (k - 1) / 2 + (l - k); }

/* Adds rows [i0, i1) to the sums at theta: f (loss), g, H. Inlined with
   constant D and NP for the common small schemas. */
static inline __attribute__((always_inline)) void accumulate(const problem *p, const double *theta, const size_t D,
                                                             const size_t NP, cr_exact *acc, size_t i0, size_t i1)
{
    const double b = NP > D ? theta[D] : 0.0;
    cr_exact *f = acc, *g = acc + 1, *h = acc + 1 + NP;
    for (size_t i = i0; i < i1; i++) {
        const double *xi = p->x + i * D;
        const int yi = p->y[i];
        const double wi = p->w[i], cw = p->cw[yi];
        double z = b;
        for (size_t j = 0; j < D; j++) z += theta[j] * xi[j];
        /* logloss = softplus(t), t = z for y = 0 and -z for y = 1; with
           e = exp(-|z|), softplus(t) = max(t, 0) + log1p(e) never
           overflows and keeps full precision for large |z|. */
        const double t = yi ? -z : z;
        const double e = cr_exp(z < 0 ? z : -z);
        const double q = 1.0 / (1.0 + e);
        const double sigma = z >= 0 ? q : e * q;
        const double r = cw * (sigma - yi);
        const double c = cw * (e * q * q);    /* cw * sigma * (1 - sigma) */
        double v[CR_MAX_PARAMS];
        for (size_t j = 0; j < D; j++) v[j] = xi[j];
        if (NP > D) v[D] = 1.0;
        size_t k2 = 0;
        if (wi == 1.0) {   /* 1 * term is the term: the cheaper exact add, the same sum */
            cr_exact_add(f, cw * ((t > 0 ? t : 0.0) + cr_log1p(e)));
            for (size_t k = 0; k < NP; k++) {
                cr_exact_add(&g[k], r * v[k]);
                const double cv = c * v[k];
                for (size_t l = k; l < NP; l++) cr_exact_add(&h[k2++], cv * v[l]);
            }
            continue;
        }
        cr_exact_add_product(f, wi, cw * ((t > 0 ? t : 0.0) + cr_log1p(e)));
        for (size_t k = 0; k < NP; k++) {
            cr_exact_add_product(&g[k], wi, r * v[k]);
            const double cv = c * v[k];
            for (size_t l = k; l < NP; l++) cr_exact_add_product(&h[k2++], wi, cv * v[l]);
        }
    }
}

/* accumulate() for D features, with and without the intercept: one
   function each, so a wasm engine compiles only the shapes a process
   trains (V8 compiles a function on its first call: the default model at
   start-up needs one of the sixteen). */
#define ACCUMULATE_D(D)                                                                                             \
    static __attribute__((noinline)) void accumulate_##D(const problem *p, const double *theta, cr_exact *acc,      \
                                                         size_t i0, size_t i1)                                      \
    {                                                                                                               \
        accumulate(p, theta, D, D, acc, i0, i1);                                                                    \
    }                                                                                                               \
    static __attribute__((noinline)) void accumulate_##D##_b(const problem *p, const double *theta, cr_exact *acc,  \
                                                             size_t i0, size_t i1)                                  \
    {                                                                                                               \
        accumulate(p, theta, D, D + 1, acc, i0, i1);                                                                \
    }
ACCUMULATE_D(1) ACCUMULATE_D(2) ACCUMULATE_D(3) ACCUMULATE_D(4) ACCUMULATE_D(5) ACCUMULATE_D(6) ACCUMULATE_D(7)
ACCUMULATE_D(8)
#undef ACCUMULATE_D

static void accumulate_rows(const problem *p, const double *theta, cr_exact *acc, size_t i0, size_t i1)
{
    typedef void (*shape)(const problem *, const double *, cr_exact *, size_t, size_t);
    static const shape SHAPES[8][2] = {
        {accumulate_1, accumulate_1_b}, {accumulate_2, accumulate_2_b}, {accumulate_3, accumulate_3_b},
        {accumulate_4, accumulate_4_b}, {accumulate_5, accumulate_5_b}, {accumulate_6, accumulate_6_b},
        {accumulate_7, accumulate_7_b}, {accumulate_8, accumulate_8_b},
    };
    if (p->d - 1 < 8) SHAPES[p->d - 1][p->np > p->d](p, theta, acc, i0, i1);   /* 1 to 8 features (size_t) */
    else accumulate(p, theta, p->d, p->np, acc, i0, i1);
}

static void summary_add(const double *x, const uint8_t *y, const double *w, size_t n, size_t d, const double cw[2],
                        cr_exact *acc);

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__SSE2__) || defined(__wasm_simd128__) || defined(__ARM_NEON))
/* ---- the same sums, several rows at a time ----
 * Rows of weight 1 in batches, in the lanes of double vectors (two with
 * SSE2 or wasm simd128; natively four with AVX2 or eight with AVX-512 where
 * the CPU has them, chosen at run time): each row's quantities as
 * accumulate() computes them (the same operations in the same order: the
 * same bits, fit_lanes.h), then each sum's terms added exactly into two
 * doubles per lane, with no rounding (binned summation): level 1 holds
 * 1.5 * 2^K1 plus the multiples of ulp(2^K1) it took, level 2 likewise for
 * what level 1 left, and whatever level 2 leaves (terms below about 2^-34
 * of the batch's bound, if any) goes to the exact sum directly. K1 comes
 * from a bound on the batch's terms, so no level leaves its binade: every
 * add and split is exact, and the levels' values minus their starts, added
 * to the exact sums, add exactly the terms. */
#define FAST_FIT 1
#define FAST_LEVEL_TERMS 128   /* terms per lane and level in a batch */
#define FAST_GROWTH 9          /* K = E + 9: 128 terms below 2^E keep a level in its binade */
#define FAST_E_MIN (-900)
#define FAST_E_MAX 900
#define FAST_GROUP 4           /* terms whose levels stay in registers together */

/* The least E with |v| < 2^E for every term |v| <= m (m >= 0, its
   products' roundings included), at least FAST_E_MIN; past FAST_E_MAX when
   m is too large (or not a number). */
static int bound_exponent(double m)
{
    m *= 1.0 + 0x1p-40;
    if (!(m <= 0x1p900)) return FAST_E_MAX + 1;
    const int e = (int)(cr_bits(m) >> 52) - 1022;   /* m < 2^e for a normal m; below FAST_E_MIN otherwise */
    return e < FAST_E_MIN ? FAST_E_MIN : e;
}

/* A batch's columns: the value columns (features that vary over its rows),
   then r, c, the loss term, ones, then c * v for each value column. */
#define FAST_COLS (2 * CR_MAX_FEATURES + 4)

/* How a run of rows meets the kernel: each feature a value column, or the
   same 0 or 1 for every row (a flag the rows were grouped by), and the
   distinct terms a * b (two columns) the sums then take: a term adds to
   each sum in dest[first[t] .. first[t + 1]). A flag at 0 leaves its terms
   zero (none), at 1 makes them other sums' terms ((c * v) * 1 is c * v). */
#define CONST_COL 255
#define ZERO_COL 254
typedef struct {
    size_t m;                          /* value columns: the rows' stride */
    uint8_t col[CR_MAX_FEATURES];      /* feature j's value column, or CONST_COL */
    uint8_t one[CR_MAX_FEATURES];      /* a CONST_COL feature's value: 1 or 0 */
    size_t nterms;
    uint8_t ta[CR_MAX_SUMS], tb[CR_MAX_SUMS];
    uint16_t first[CR_MAX_SUMS + 1], dest[CR_MAX_SUMS];
} fast_layout;

/* The terms of a layout whose col and one are set: f's, g_k's (r * v_k),
   H_kl's ((c * v_k) * v_l), each as two of the batch's columns. */
static void layout_terms(fast_layout *L, size_t D, size_t NP)
{
    const size_t m = L->m;
    const uint8_t R = (uint8_t)m, C = (uint8_t)(m + 1), F = (uint8_t)(m + 2), ONE = (uint8_t)(m + 3), CV = (uint8_t)(m + 4);
    uint8_t v[CR_MAX_PARAMS], sa[CR_MAX_SUMS], sb[CR_MAX_SUMS];
    for (size_t k = 0; k < NP; k++)
        v[k] = k == D ? ONE : L->col[k] != CONST_COL ? L->col[k] : L->one[k] ? ONE : ZERO_COL;
    const size_t nsums = sums_of(NP);
    sa[0] = F, sb[0] = ONE;
    for (size_t k = 0; k < NP; k++) sa[1 + k] = v[k] == ZERO_COL ? ZERO_COL : R, sb[1 + k] = v[k];
    size_t s = 1 + NP;
    for (size_t k = 0; k < NP; k++)
        for (size_t l = k; l < NP; l++, s++) {
            /* c * v_k: its column, c itself for a 1, none for a 0. */
            uint8_t a = v[k] == ZERO_COL ? ZERO_COL : v[k] == ONE ? C : (uint8_t)(CV + v[k]), b = v[l];
            if (a == C && b < m) a = (uint8_t)(CV + b), b = ONE;   /* c * v_l is its own column */
            sa[s] = b == ZERO_COL ? ZERO_COL : a, sb[s] = b;
        }
    /* Distinct terms, in order of first use; then each one's sums. */
    uint16_t term[CR_MAX_SUMS];
    L->nterms = 0;
    for (s = 0; s < nsums; s++) {
        term[s] = UINT16_MAX;
        if (sa[s] == ZERO_COL) continue;
        size_t t = 0;
        while (t < L->nterms && !(L->ta[t] == sa[s] && L->tb[t] == sb[s])) t++;
        if (t == L->nterms) L->ta[t] = sa[s], L->tb[t] = sb[s], L->nterms++;
        term[s] = (uint16_t)t;
    }
    uint16_t at = 0;
    for (size_t t = 0; t < L->nterms; t++) {
        L->first[t] = at;
        for (s = 0; s < nsums; s++)
            if (term[s] == t) L->dest[at++] = (uint16_t)s;
    }
    L->first[L->nterms] = at;
}

/* Two rows at a time: SSE2, wasm simd128, NEON. */
#define FL_N 2
#define FL_NAME lanes2
#define FL_TARGET
#include "fit_lanes.h"
#undef FL_N
#undef FL_NAME
#undef FL_TARGET
#if defined(__x86_64__) && !defined(CR_PORTABLE_SIMD)
/* Four (AVX2) or eight (AVX-512) where the CPU has them. */
#define FAST_WIDE 1
#define FL_N 4
#define FL_NAME lanes4
#define FL_TARGET __attribute__((target("avx2")))
#include "fit_lanes.h"
#undef FL_N
#undef FL_NAME
#undef FL_TARGET
#define FL_N 8
#define FL_NAME lanes8
#define FL_TARGET __attribute__((target("avx512f,avx512vl")))
#include "fit_lanes.h"
#undef FL_N
#undef FL_NAME
#undef FL_TARGET
#define FAST_LANES_MAX 8
#else
#define FAST_LANES_MAX 2
#endif

/* The kernel this CPU runs: its lanes, batch and summary functions. */
typedef int (*fast_batch_fn)(const problem *, const fast_layout *, const double *, const double *, const uint8_t *,
                             size_t, cr_exact *, double *);
typedef int (*fast_summary_fn)(const problem *, const double *, cr_exact *, size_t, double *);
typedef struct {
    size_t rows;   /* FAST_LEVEL_TERMS * lanes */
    fast_batch_fn batch;
    fast_summary_fn summary;
} fast_kernel;

/* The widest kernel this CPU runs: 2 (AVX-512), 1 (AVX2) or 0. */
static int cpu_level(void)
{
#ifdef FAST_WIDE
    return cr_cpu_wide();
#else
    return 0;
#endif
}

static fast_kernel kernel_at(int level)
{
#ifdef FAST_WIDE
    if (level == 2) return (fast_kernel){FAST_LEVEL_TERMS * 8, lanes8_batch_add, lanes8_summary_batch};
    if (level == 1) return (fast_kernel){FAST_LEVEL_TERMS * 4, lanes4_batch_add, lanes4_summary_batch};
#endif
    (void)level;
    return (fast_kernel){FAST_LEVEL_TERMS * 2, lanes2_batch_add, lanes2_summary_batch};
}

/* The rows grouped by their flags (bool features): each pattern's rows
   together, their value columns only, with the pattern's layout. */
#define FAST_FLAGS_MAX 4
typedef struct {
    double *x;
    uint8_t *y;
    size_t start[(1 << FAST_FLAGS_MAX) + 1];
    fast_layout layout[1 << FAST_FLAGS_MAX];
} fast_groups;

/* The kernel's scratch: the batch's columns (aligned for the widest
   vectors), the layout of rows as they are (every feature a column), the
   grouped rows (if any). */
typedef struct {
    void *block;
    double *cols;   /* FAST_COLS * FAST_LEVEL_TERMS * FAST_LANES_MAX doubles */
    fast_kernel k;
    fast_layout plain;
    fast_groups *groups;
} fast_scratch;

/* accumulate_rows() over all rows: batches of rows of weight 1 through the
   kernel, rows as they are or grouped, the others one at a time. */
static void accumulate_fast(const problem *p, const double *theta, cr_exact *acc, fast_scratch *fs)
{
    /* Called through a pointer the optimisers cannot follow: Binaryen inlines
       a function with one caller whatever its attributes say, and V8 moves a
       wasm function to optimised code only at its next call, so a batch loop
       inlined into this long call would run its first, baseline code. */
    fast_batch_fn volatile batch_add = fs->k.batch;
    const size_t rows = fs->k.rows;
    /* A flag at 0 drops theta_j * 0 from z: a zero while theta_j is finite. */
    int finite = 1;
    for (size_t j = 0; j < p->d; j++) finite &= theta[j] - theta[j] == 0;
    if (fs->groups && finite) {
        const fast_groups *g = fs->groups;
        for (size_t pat = 0; pat < (1u << FAST_FLAGS_MAX); pat++) {
            const fast_layout *L = &g->layout[pat];
            for (size_t i = g->start[pat]; i < g->start[pat + 1]; i += rows) {
                const size_t cnt = g->start[pat + 1] - i < rows ? g->start[pat + 1] - i : rows;
                if (!batch_add(p, L, theta, g->x + i * L->m, g->y + i, cnt, acc, fs->cols)) {
                    /* Out of the kernel's range: the rows as they were, one at a time. */
                    double row[CR_MAX_FEATURES], one = 1.0;
                    problem q = *p;
                    q.x = row, q.w = &one, q.n = 1;
                    for (size_t r = 0; r < cnt; r++) {
                        for (size_t j = 0; j < p->d; j++)
                            row[j] = L->col[j] == CONST_COL ? (double)L->one[j] : g->x[(i + r) * L->m + L->col[j]];
                        q.y = g->y + i + r;
                        accumulate_rows(&q, theta, acc, 0, 1);
                    }
                }
            }
        }
        return;
    }
    for (size_t i = 0; i < p->n;) {
        size_t end = i + rows;
        if (end > p->n) end = p->n;
        int unit = 1;
        for (size_t k = i; unit && !p->unit && k < end; k++) unit = p->w[k] == 1.0;
        if (!unit || !batch_add(p, &fs->plain, theta, p->x + i * p->d, p->y + i, end - i, acc, fs->cols))
            accumulate_rows(p, theta, acc, i, end);
        i = end;
    }
}

/* Groups p's rows by the bool features `flag` (nf of them, 1..FAST_FLAGS_MAX,
   every row of weight 1) into fs; 0 when out of memory. A flag's feature
   holds 0 or 1 (a bool field, or one minus it). */
static int group_rows(const problem *p, const uint8_t *flag, size_t nf, fast_scratch *fs)
{
    const size_t D = p->d, m = D - nf, n = p->n;
    fast_groups *g = calloc(1, sizeof *g);
    double *gx = malloc((n * m > 0 ? n * m : 1) * sizeof *gx);
    uint8_t *gy = malloc(n);
    if (!g || !gx || !gy) {
        free(g), free(gx), free(gy);
        return 0;
    }
    cr_pages_hint_huge(gx, n * m * sizeof *gx);   /* 24 MB for 1M rows of 3 values: fewer page faults */
    size_t count[(1 << FAST_FLAGS_MAX) + 1] = {0};
    for (size_t i = 0; i < n; i++) {
        size_t pat = 0;
        for (size_t f = 0; f < nf; f++) pat |= (size_t)(p->x[i * D + flag[f]] != 0) << f;
        count[pat + 1]++;
    }
    for (size_t pat = 0; pat < (1u << FAST_FLAGS_MAX); pat++) count[pat + 1] += count[pat];
    memcpy(g->start, count, sizeof g->start);
    uint8_t colj[CR_MAX_FEATURES];
    size_t c = 0;
    for (size_t j = 0; j < D; j++) {
        int is_flag = 0;
        for (size_t f = 0; f < nf; f++) is_flag |= flag[f] == j;
        colj[j] = is_flag ? CONST_COL : (uint8_t)c++;
    }
    for (size_t i = 0; i < n; i++) {
        const double *xi = p->x + i * D;
        size_t pat = 0;
        for (size_t f = 0; f < nf; f++) pat |= (size_t)(xi[flag[f]] != 0) << f;
        const size_t at = count[pat]++;
        for (size_t j = 0; j < D; j++)
            if (colj[j] != CONST_COL) gx[at * m + colj[j]] = xi[j];
        gy[at] = p->y[i];
    }
    for (size_t pat = 0; pat < (1u << FAST_FLAGS_MAX); pat++) {
        fast_layout *L = &g->layout[pat];
        L->m = m;
        size_t f = 0;
        for (size_t j = 0; j < D; j++) {
            L->col[j] = colj[j];
            L->one[j] = colj[j] == CONST_COL ? (uint8_t)(pat >> f++ & 1) : 0;
        }
        layout_terms(L, D, p->np);
    }
    g->x = gx, g->y = gy;
    fs->groups = g;
    return 1;
}

/* summary_add() over p's rows, those that weigh 1 in batches: a row's label
   sum gets 1 * c, so a label's is its count times c, exactly. */
static void summary_fast(const problem *p, const double cw[2], cr_exact *acc, fast_scratch *fs)
{
    fast_summary_fn volatile batch = fs->k.summary;
    const size_t rows = fs->k.rows;
    double count[2] = {0, 0};
    for (size_t i = 0; i < p->n;) {
        size_t end = i + rows;
        int unit = end <= p->n;
        for (size_t k = i; unit && !p->unit && k < end; k++) unit = p->w[k] == 1.0;
        if (end > p->n) end = p->n;
        if (unit && batch(p, cw, acc + 2, i, fs->cols)) {
            for (size_t k = i; k < end; k++) count[p->y[k]]++;
        } else {
            summary_add(p->x + i * p->d, p->y + i, p->w + i, end - i, p->d, cw, acc);
        }
        i = end;
    }
    cr_exact_add_product(&acc[0], count[0], cw[0]);
    cr_exact_add_product(&acc[1], count[1], cw[1]);
}
#endif

/* The scratch accumulate_all() wants for p's rows (NULL: none), and
   whether it is out of memory. */
static void *scratch_at(const problem *p, int level, int *nomem)
{
    *nomem = 0;
#ifdef FAST_FIT
    const fast_kernel k = kernel_at(level);
    if (p->n >= k.rows) {
        fast_scratch *fs = malloc(sizeof *fs);
        const size_t bytes = FAST_COLS * FAST_LEVEL_TERMS * FAST_LANES_MAX * sizeof(double);
        void *block = malloc(bytes + 64);
        if (!fs || !block) {
            free(fs), free(block);
            *nomem = 1;
            return NULL;
        }
        fs->block = block;
        fs->cols = (double *)(void *)((char *)block + (64 - (uintptr_t)block % 64) % 64);
        fs->k = k;
        fs->groups = NULL;
        fs->plain.m = p->d;
        for (size_t j = 0; j < p->d; j++) fs->plain.col[j] = (uint8_t)j, fs->plain.one[j] = 0;
        layout_terms(&fs->plain, p->d, p->np);
        return fs;
    }
#endif
    (void)p, (void)level;
    return NULL;
}

static void *scratch_for(const problem *p, int *nomem)
{
#ifdef FAST_FIT
    return scratch_at(p, cpu_level(), nomem);
#else
    return scratch_at(p, 0, nomem);
#endif
}

static void scratch_free(void *scratch)
{
#ifdef FAST_FIT
    fast_scratch *fs = scratch;
    if (fs && fs->groups) {
        free(fs->groups->x);
        free(fs->groups->y);
        free(fs->groups);
    }
    if (fs) free(fs->block);
#endif
    free(scratch);
}

/* With the kernel and many rows of weight 1: the rows grouped by the
   schema's bool features (up to FAST_FLAGS_MAX of them), whose terms the
   groups then share or drop. 0 when out of memory. */
static int group_flags(const problem *p, const cr_schema *schema, void *scratch)
{
#ifdef FAST_FIT
    if (!scratch || p->n < 4 * ((fast_scratch *)scratch)->k.rows) return 1;
    for (size_t i = 0; i < p->n; i++)
        if (p->w[i] != 1.0) return 1;
    uint8_t flag[FAST_FLAGS_MAX];
    size_t nf = 0;
    for (size_t j = 0; j < p->d && nf < FAST_FLAGS_MAX; j++)
        if (schema->field_type[schema->feature_field[j]] == CR_FIELD_BOOL) flag[nf++] = (uint8_t)j;
    return nf == 0 || group_rows(p, flag, nf, scratch);
#else
    (void)p, (void)schema, (void)scratch;
    return 1;
#endif
}

/* Adds every row of p at theta to acc; `scratch` from scratch_for(). */
static void accumulate_all(const problem *p, const double *theta, cr_exact *acc, void *scratch)
{
#ifdef FAST_FIT
    if (scratch) {
        accumulate_fast(p, theta, acc, scratch);
        return;
    }
#endif
    (void)scratch;
    accumulate_rows(p, theta, acc, 0, p->n);
}

long cr_fit_math_disagree(uint64_t seed, long n)
{
#ifdef FAST_FIT
    long bad = 0;
    uint64_t z = seed;
    for (long i = 0; i < n; i++) {
        double v[2];
        for (int l = 0; l < 2; l++) {
            z += 0x9e3779b97f4a7c15u;
            uint64_t u = z;
            u = (u ^ (u >> 30)) * 0xbf58476d1ce4e5b9u;
            u = (u ^ (u >> 27)) * 0x94d049bb133111ebu;
            u ^= u >> 31;
            /* Uniform in [0, 1) (i even), or any exponent up to 1 (i odd): exp's
               argument is -|z| * that (|z| <= 708), log1p's the value itself. */
            const double a = (double)(u >> 11) * 0x1p-53;
            const uint64_t b = (u & 0x800fffffffffffffu & ~(1ull << 63)) | (uint64_t)((u >> 52) % 1023) << 52;
            memcpy(&v[l], &b, sizeof v[l]);
            if (i % 2 == 0) v[l] = a;
            if (i % 7 == 3) v[l] = 1.0;
        }
        const lanes2_vd x = {v[0], v[1]}, ex = lanes2_exp(-(x * lanes2_splat(707.0))), lg = lanes2_log1p(x);
        for (int l = 0; l < 2; l++) {
            const double e = cr_exp(-(v[l] * 707.0)), g = cr_log1p(v[l]), fe = ex[l], fg = lg[l];
            bad += memcmp(&e, &fe, sizeof e) != 0;
            bad += memcmp(&g, &fg, sizeof g) != 0;
        }
    }
    return bad;
#else
    (void)seed, (void)n;
    return 0;
#endif
}

/* The objective, gradient and Hessian at theta: the rows' exact sums,
   rounded, plus the penalty. */
static void evaluation_of(const problem *p, const double *theta, const cr_exact *acc, evaluation *ev)
{
    const size_t d = p->d, np = p->np, nh = np * (np + 1) / 2;
    const double f = cr_exact_round(&acc[0]);
    for (size_t k = 0; k < np; k++) ev->g[k] = cr_exact_round(&acc[1 + k]);
    for (size_t k = 0; k < nh; k++) ev->h[k] = cr_exact_round(&acc[1 + np + k]);
    double reg = 0;
    for (size_t j = 0; j < d; j++) {
        reg += theta[j] * theta[j];
        ev->g[j] += p->inv_c * theta[j];
        ev->h[tri(np, j, j)] += p->inv_c;
    }
    ev->f = f + 0.5 * p->inv_c * reg;
}

static void evaluate(const problem *p, const double *theta, evaluation *ev, cr_exact *acc, void *scratch)
{
    memset(acc, 0, sums_of(p->np) * sizeof *acc);
    accumulate_all(p, theta, acc, scratch);
    evaluation_of(p, theta, acc, ev);
}

/* Variables fixed this iteration: at their bound with the gradient pushing out. */
static int at_bound_pushing_out(const uint8_t *sign, size_t j, double wj, double gj)
{
    if (wj != 0) return 0;
    return (sign[j] == CR_SIGN_NONNEG && gj >= 0) || (sign[j] == CR_SIGN_NONPOS && gj <= 0);
}

static double projected_grad_norm(const problem *p, const uint8_t *sign, const double *theta,
                                  const double *g)
{
    double m = 0;
    for (size_t k = 0; k < p->np; k++) {
        if (k < p->d && at_bound_pushing_out(sign, k, theta[k], g[k])) continue;
        double a = g[k] < 0 ? -g[k] : g[k];
        if (a > m) m = a;
    }
    return m;
}

static void project(const problem *p, const uint8_t *sign, double *theta)
{
    for (size_t j = 0; j < p->d; j++) {
        if (sign[j] == CR_SIGN_NONNEG && theta[j] < 0) theta[j] = 0;
        if (sign[j] == CR_SIGN_NONPOS && theta[j] > 0) theta[j] = 0;
    }
}

/* Solves H_FF dF = -g_F by Cholesky on the free variables; 0 if not positive definite. */
static int newton_direction(const problem *p, const evaluation *ev, const int *free_var,
                            double *dir, double *L)
{
    const size_t np = p->np;
    size_t idx[CR_MAX_PARAMS], m = 0;
    for (size_t k = 0; k < np; k++) {
        dir[k] = 0;
        if (free_var[k]) idx[m++] = k;
    }
    static const size_t MAXP = CR_MAX_PARAMS;
    for (size_t a = 0; a < m; a++)
        for (size_t c = 0; c <= a; c++) {
            size_t k = idx[c], l = idx[a];
            double s = ev->h[tri(np, k, l)];
            for (size_t t = 0; t < c; t++) s -= L[a * MAXP + t] * L[c * MAXP + t];
            if (a == c) {
                if (!(s > 0)) return 0;
                L[a * MAXP + a] = sqrt(s);
            } else {
                L[a * MAXP + c] = s / L[c * MAXP + c];
            }
        }
    double z[CR_MAX_PARAMS];
    for (size_t a = 0; a < m; a++) {
        double s = -ev->g[idx[a]];
        for (size_t t = 0; t < a; t++) s -= L[a * MAXP + t] * z[t];
        z[a] = s / L[a * MAXP + a];
    }
    for (size_t a = m; a-- > 0;) {
        double s = z[a];
        for (size_t t = a + 1; t < m; t++) s -= L[t * MAXP + a] * dir[idx[t]];
        dir[idx[a]] = s / L[a * MAXP + a];
    }
    return 1;
}

/* Class weights, the weight sum and the weighted feature means (the
   reasons' baseline), from exact sums. */
typedef struct {
    double cw[2];
    double wsum;
    double mean[CR_MAX_FEATURES];
} data_summary;

/* The options' class weights, for count0 and count1 rows of each label. */
static void class_weights(const cr_train_options *opt, uint64_t count0, uint64_t count1, double cw[2])
{
    cw[0] = cw[1] = 1.0;
    if (opt->class_weight_mode == CR_CLASS_WEIGHT_BALANCED) {
        const double n = (double)(count0 + count1);
        cw[0] = n / (2.0 * (double)count0);
        cw[1] = n / (2.0 * (double)count1);
    } else if (opt->class_weight_mode == CR_CLASS_WEIGHT_EXPLICIT) {
        cw[0] = opt->class_weight[0];
        cw[1] = opt->class_weight[1];
    }
}

/* The summary's sums of n rows into acc[2 + d]: per label, weight times
   class weight; per feature, weight times class weight times the value. */
static void summary_add(const double *x, const uint8_t *y, const double *w, size_t n, size_t d, const double cw[2],
                        cr_exact *acc)
{
    for (size_t i = 0; i < n; i++) {
        const double wi = w[i], c = cw[y[i]];
        cr_exact_add_product(&acc[y[i]], wi, c);
        for (size_t j = 0; j < d; j++) cr_exact_add_product(&acc[2 + j], wi, c * x[i * d + j]);
    }
}


/* The weight sum and the means from summary_add()'s sums (every row's, merged). */
static cr_status summary_finish(const cr_exact *acc, size_t d, data_summary *sum, cr_error *err)
{
    const double wsum_class[2] = {cr_exact_round(&acc[0]), cr_exact_round(&acc[1])};
    cr_exact both = acc[0];
    cr_exact_merge(&both, &acc[1]);
    sum->wsum = cr_exact_round(&both);
    if (!(wsum_class[0] > 0) || !(wsum_class[1] > 0))
        return cr_fail(err, CR_E_DATA, "weight", "training data needs a positive weight sum in both classes, "
                       "got %.17g and %.17g", wsum_class[0], wsum_class[1]);
    if (sum->wsum - sum->wsum != 0)
        return cr_fail(err, CR_E_DATA, "weight", "training data: the weights add up beyond the largest double "
                       "(classes %.17g and %.17g); scale them down", wsum_class[0], wsum_class[1]);
    if (sum->wsum < CR_WEIGHT_SUM_MIN)
        return cr_fail(err, CR_E_DATA, "weight", "training data: the weights add up to %.17g, below 2^-485: their "
                       "products with the values would round below the smallest double; scale them up", sum->wsum);
    for (size_t j = 0; j < d; j++) sum->mean[j] = cr_exact_round(&acc[2 + j]) / sum->wsum;
    return CR_OK;
}

/* The class weights from the rows' labels (every row counts, whatever its weight). */
static cr_status count_labels(const cr_dataset *ds, const cr_train_options *opt, data_summary *sum, cr_error *err)
{
    const size_t n = ds->rows;
    if (n == 0) return cr_fail(err, CR_E_DATA, NULL, "training data has no rows");
    size_t count[2] = {0, 0};
    for (size_t i = 0; i < n; i++) count[ds->y[i]]++;
    if (count[0] == 0 || count[1] == 0)
        return cr_fail(err, CR_E_DATA, "label", "training data needs both labels, got only label %d",
                       count[0] ? 0 : 1);
    class_weights(opt, count[0], count[1], sum->cw);
    return CR_OK;
}

/* The weight sum and means over the rows the solver sees (the data set's,
   or merged: the same exact sums). */
static cr_status summarise(const problem *p, data_summary *sum, void *scratch, cr_error *err)
{
    cr_exact *acc = calloc(2 + p->d, sizeof *acc);
    if (!acc) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory in training");
#ifdef FAST_FIT
    if (scratch) summary_fast(p, sum->cw, acc, scratch);
    else
#endif
        summary_add(p->x, p->y, p->w, p->n, p->d, sum->cw, acc);
    (void)scratch;
    const cr_status st = summary_finish(acc, p->d, sum, err);
    free(acc);
    return st;
}

/* Projected Newton from theta = 0 until max |projected gradient| <= gtol,
   as a machine that asks for the evaluation at one point at a time: the
   in-process fit evaluates its rows, a host with shards merges theirs
   (cr_fit_*). Either way the same points and the same bits. */
typedef enum { ASK_THETA, ASK_TRIAL, SOLVED } solver_phase;
typedef struct {
    problem p;                /* dimensions and penalty only (no rows) */
    uint8_t sign[CR_MAX_FEATURES];
    double gtol;
    int max_iter;
    cr_progress_fn progress;
    void *progress_ctx;
    solver_phase phase;
    double theta[CR_MAX_PARAMS], next[CR_MAX_PARAMS], dir[CR_MAX_PARAMS];
    double gnorm, alpha, slope;
    int bt, iter, converged;
    evaluation cur;
    double chol[CR_MAX_PARAMS * CR_MAX_PARAMS];
} solver;

/* Large scratch lives on the heap: wasm stacks are small (64 KiB in WASI). */
typedef struct {
    evaluation ev;
    solver solver;
    cr_exact *acc;   /* sums_of(np) of them */
    void *scratch;   /* accumulate_all()'s */
} workspace;

static void solver_init(solver *s, const problem *p, const uint8_t *sign, double gtol, const cr_train_options *opt)
{
    memset(s, 0, sizeof *s);
    s->p.d = p->d, s->p.np = p->np, s->p.inv_c = p->inv_c;
    memcpy(s->sign, sign, sizeof s->sign);
    s->gtol = gtol;
    s->max_iter = opt->max_iter;
    s->progress = opt->progress;
    s->progress_ctx = opt->progress_ctx;
    s->phase = ASK_THETA;
}

/* The point whose evaluation the solver needs next. */
static const double *solver_point(const solver *s) { return s->phase == ASK_THETA ? s->theta : s->next; }

/* The next trial point on the projected path, at step alpha along dir. */
static void solver_trial(solver *s)
{
    const problem *p = &s->p;
    for (size_t k = 0; k < p->np; k++) s->next[k] = s->theta[k] + s->alpha * s->dir[k];
    project(p, s->sign, s->next);
    double slope = 0;
    for (size_t k = 0; k < p->np; k++) slope += s->cur.g[k] * (s->next[k] - s->theta[k]);
    s->slope = slope;
}

/* At an accepted point: stop, or the next Newton direction and its first trial. */
static cr_status solver_decide(solver *s, cr_error *err)
{
    const problem *p = &s->p;
    if (s->progress) {
        cr_progress pr = {s->iter, s->cur.f, s->gnorm};
        if (s->progress(s->progress_ctx, &pr))
            return cr_fail(err, CR_E_CANCELLED, NULL, "training cancelled at iteration %d", s->iter);
    }
    if (s->gnorm <= s->gtol) {
        s->converged = 1;
        s->phase = SOLVED;
        return CR_OK;
    }
    if (s->iter >= s->max_iter) {
        s->phase = SOLVED;
        return CR_OK;
    }
    int free_var[CR_MAX_PARAMS];
    for (size_t k = 0; k < p->np; k++)
        free_var[k] = !(k < p->d && at_bound_pushing_out(s->sign, k, s->theta[k], s->cur.g[k]));
    if (!newton_direction(p, &s->cur, free_var, s->dir, s->chol))
        for (size_t k = 0; k < p->np; k++) s->dir[k] = free_var[k] ? -s->cur.g[k] : 0.0;
    s->alpha = 1.0;
    s->bt = 0;
    solver_trial(s);
    s->phase = ASK_TRIAL;
    return CR_OK;
}

/* 1 if f, g and H are all finite: the solver steps only from such points. */
static int evaluation_finite(const evaluation *ev, size_t np)
{
    double zero = ev->f - ev->f;   /* NaN once anything is NaN or infinite */
    for (size_t k = 0; k < np; k++) zero += ev->g[k] - ev->g[k];
    for (size_t k = 0; k < np * (np + 1) / 2; k++) zero += ev->h[k] - ev->h[k];
    return zero == 0;
}

/* The evaluation at solver_point(s). Backtracking on the projected path; a
   step that cuts the gradient while f changes only at rounding level is
   also taken, since near the optimum f cannot resolve the Newton decrement.
   f >= 0: a sum of weighted log-losses and a square.
   Non-finite numbers: a weighted sum past the largest double (huge weights,
   or weights times huge feature values) leaves nothing to step with. At
   the start (theta = 0, every row's loss log 2) f is at most the weight sum
   (finite: summary_finish()), but g and H carry the features too: if they
   overflow there, the fit is refused. A trial point whose f, g or H is not
   finite is rejected like one that raises f; a line search whose every
   halving still overflows is refused too, as is one that finds no step at
   all from the start, rather than returning the start point (every
   coefficient 0) as if it were a fit. Either way CR_E_DATA, and no model. */
static cr_status solver_feed(solver *s, const evaluation *ev, cr_error *err)
{
    const problem *p = &s->p;
    const int finite = evaluation_finite(ev, p->np);
    if (s->phase == ASK_THETA) {
        if (!finite)
            return cr_fail(err, CR_E_DATA, "weight", "training: the weighted loss's gradient or curvature overflows "
                           "a double at the start (the weights times the features' values or their squares); "
                           "scale the weights down (or the features)");
        s->cur = *ev;
        s->gnorm = projected_grad_norm(p, s->sign, s->theta, s->cur.g);
        return solver_decide(s, err);
    }
    const double gn = projected_grad_norm(p, s->sign, s->next, ev->g);
    if (finite && (ev->f <= s->cur.f + 1e-4 * s->slope || (ev->f <= s->cur.f + 1e-13 * s->cur.f && gn < s->gnorm))) {
        s->gnorm = gn;
        memcpy(s->theta, s->next, p->np * sizeof *s->theta);
        s->cur = *ev;
        s->iter++;
        return solver_decide(s, err);
    }
    if (++s->bt >= CR_MAX_BACKTRACKS) {
        /* No step lowers f. Past the start the point stands: near the optimum
           f cannot resolve a shorter step. But a step 2^59 times too long
           for the loss (the weights' scale dwarfing the penalty's, so that H
           is singular and the gradient is the step), or one that overflows
           however short, leaves no fit: the start point is no model. */
        if (!finite || s->iter == 0)
            return cr_fail(err, CR_E_DATA, "weight", "training: the weighted loss %s step the solver tries from "
                           "iteration %d, down to 2^-%d of the first (gradient %g); scale the weights down (or the "
                           "features)", finite ? "falls at no" : "overflows a double at every", s->iter,
                           CR_MAX_BACKTRACKS - 1, s->gnorm);
        s->phase = SOLVED;
        return CR_OK;
    }
    s->alpha *= 0.5;
    solver_trial(s);
    return CR_OK;
}

static void solver_stats(const solver *s, cr_train_stats *stats)
{
    stats->iterations = s->iter;
    stats->objective = s->cur.f;
    stats->grad_norm = s->gnorm;
    stats->converged = s->converged;
}

/* The in-process solve: the rows' own evaluations. */
static cr_status solve(const problem *p, const cr_train_options *opt, const uint8_t *sign, double gtol,
                       workspace *ws, double *theta, cr_train_stats *stats, cr_error *err)
{
    solver *s = &ws->solver;
    solver_init(s, p, sign, gtol, opt);
    while (s->phase != SOLVED) {
        evaluate(p, solver_point(s), &ws->ev, ws->acc, ws->scratch);
        cr_status st = solver_feed(s, &ws->ev, err);
        if (st != CR_OK) return st;
    }
    memcpy(theta, s->theta, p->np * sizeof *theta);
    solver_stats(s, stats);
    return CR_OK;
}

/* The model of a solved fit (no evidence, no id yet): coefficients, the
   summary's baselines, the training info. `rows`: the rows fitted. */
static cr_status model_of(cr_model *m, const cr_schema *schema, const cr_train_options *opt, const data_summary *sum,
                          const uint8_t *sign, const double *theta, uint64_t rows, const char *digest, cr_error *err)
{
    const size_t d = schema->n_features;
    memcpy(&m->schema, schema, sizeof m->schema);
    for (size_t j = 0; j < d; j++) {
        m->coef[j] = theta[j] + 0.0;   /* + 0.0 turns a projected -0 into 0 */
        m->baseline[j] = sum->mean[j];
        m->sign[j] = sign[j];
    }
    m->intercept = opt->fit_intercept ? theta[d] : 0.0;
    m->band_high = opt->band_high;
    m->band_medium = opt->band_medium;
    m->info.rows = rows;
    m->info.weight_sum = sum->wsum;
    m->info.C = opt->C;
    m->info.fit_intercept = opt->fit_intercept;
    m->info.class_weight_mode = opt->class_weight_mode;
    m->info.class_weight[0] = sum->cw[0];
    m->info.class_weight[1] = sum->cw[1];
    m->info.max_iter = opt->max_iter;
    m->info.tol = opt->tol;
    memcpy(m->info.data_sha256, digest, CR_MODEL_ID_SIZE);
    cr_model_drop_negative_zeros(m);   /* e.g. tol = -0 */
    /* Data near the top of the double range can overflow the objective or
       leave coefficients beyond CR_REAL_MAX: such a model is never returned. */
    cr_error why;
    cr_status st = cr_model_validate(m, &why);
    if (st != CR_OK)
        return cr_fail(err, CR_E_NONFINITE, why.field, "training overflowed (%s); scale the features down", why.message);
    return CR_OK;
}

/* The fit of `ds` (checked options): a model without its evidence and id.
   `digest`: the data set the caller was given (all of it, holdout too). */
/* `merged` (optional) receives the solver's merged rows when their weights
   are the sample weights (no class weights), for the evidence to reuse. */
static cr_status fit(const cr_dataset *ds, const cr_train_options *opt, const char *digest, cr_model **out,
                     cr_rows *merged, cr_error *err)
{
    data_summary sum;
    memset(&sum, 0, sizeof sum);
    cr_status st = count_labels(ds, opt, &sum, err);
    if (st != CR_OK) return st;

    const size_t n = ds->rows, d = ds->schema.n_features;
    problem p = {0};
    p.d = d;
    p.np = d + (size_t)opt->fit_intercept;
    p.inv_c = 1.0 / opt->C;
    p.cw[0] = sum.cw[0];
    p.cw[1] = sum.cw[1];
    /* Merged rows give the same bits, faster: call data holds few distinct rows. */
    cr_rows cx = {0};
    const int packed = n >= 64 ? cr_compress_rows(ds, n / 4, &cx) : 0;
    if (packed < 0) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory in training");
    p.x = packed ? cx.x : ds->x;
    p.y = packed ? cx.y : ds->y;
    p.w = packed ? cx.s : ds->w;
    p.n = packed ? cx.n : n;
    p.unit = cr_weights_unit(p.w, p.n);   /* checked once here, not by every pass's batches */
    int nomem;
    void *scratch = scratch_for(&p, &nomem);
    if (nomem || !group_flags(&p, &ds->schema, scratch)) st = cr_fail(err, CR_E_NOMEM, NULL, "out of memory in training");
    if (st != CR_OK || (st = summarise(&p, &sum, scratch, err)) != CR_OK) {
        scratch_free(scratch);
        free(cx.x);
        free(cx.s);
        free(cx.y);
        return st;
    }
    cr_model *m = calloc(1, sizeof *m);
    workspace *ws = malloc(sizeof *ws);
    cr_exact *acc = malloc(sums_of(p.np) * sizeof *acc);
    if (ws) ws->acc = acc, ws->scratch = scratch;
    if (!m || !ws || !acc) st = cr_fail(err, CR_E_NOMEM, NULL, "out of memory in training");

    uint8_t sign[CR_MAX_FEATURES] = {0};
    for (size_t j = 0; j < d; j++) sign[j] = (uint8_t)opt->signs[j];
    double theta[CR_MAX_PARAMS];
    if (st == CR_OK) st = solve(&p, opt, sign, opt->tol * sum.wsum, ws, theta, &m->stats, err);
    free(ws);
    free(acc);
    scratch_free(scratch);
    if (merged && packed && st == CR_OK) {
        *merged = cx;
    } else {
        free(cx.x);
        free(cx.s);
        free(cx.y);
    }
    if (st != CR_OK) {
        free(m);
        return st;
    }

    st = model_of(m, &ds->schema, opt, &sum, sign, theta, n, digest, err);
    if (st != CR_OK) {
        free(m);
        return st;
    }
    *out = m;
    return CR_OK;
}

cr_status cr_train_without_evidence(const cr_dataset *ds, cr_model **out, cr_error *err)
{
    cr_train_options opt;
    cr_train_options_init(&opt);
    char digest[CR_MODEL_ID_SIZE];
    cr_dataset_digest(ds, digest);
    cr_model *m = NULL;
    cr_status st = fit(ds, &opt, digest, &m, NULL, err);
    if (st == CR_OK) st = cr_model_finish(m, err);
    if (st != CR_OK) {
        free(m);
        return st;
    }
    *out = m;
    return CR_OK;
}

cr_status cr_train(const cr_dataset *ds, const cr_train_options *opt, cr_model **out, cr_error *err)
{
    if (!ds || !out) return cr_fail(err, CR_E_ARG, NULL, "data set or out is NULL");
    *out = NULL;
    cr_train_options defaults;
    if (!opt) {
        cr_train_options_init(&defaults);
        opt = &defaults;
    }
    cr_status st = cr_train_options_check(opt, &ds->schema, err);
    if (st != CR_OK) return st;
    if (ds->rows == 0) return cr_fail(err, CR_E_DATA, NULL, "training data has no rows");
    char digest[CR_MODEL_ID_SIZE];
    cr_dataset_digest(ds, digest);
    /* The holdout's rows are kept out of the fit and measure it. */
    cr_dataset *part[2] = {NULL, NULL};
    if (opt->holdout_method != CR_HOLDOUT_NONE) st = cr_holdout_split(ds, opt, part, err);
    const cr_dataset *fitted = part[0] ? part[0] : ds;
    cr_model *m = NULL;
    cr_rows merged = {0};
    if (st == CR_OK) st = fit(fitted, opt, digest, &m, &merged, err);
    if (st == CR_OK) st = cr_evidence_build(m, fitted, merged.n ? &merged : NULL, part[1], opt, err);
    if (st == CR_OK) {
        /* The evidence in canonical form and within the loaders' bounds: a
           model that saves must load. */
        cr_model_drop_negative_zeros(m);
        st = cr_model_validate(m, err);
    }
    free(merged.x);
    free(merged.s);
    free(merged.y);
    if (st == CR_OK) st = cr_model_finish(m, err);
    cr_dataset_free(part[0]);
    cr_dataset_free(part[1]);
    if (st != CR_OK) {
        free(m);
        return st;
    }
    *out = m;
    return CR_OK;
}

/* ---- training across shards ----
 * The passes cr_train makes over its rows, made by a host over shards:
 * every statistic is an exact sum (or a count, or the additive digest), so
 * shards merged in any order give what the rows together give, and the
 * solver above takes them as it takes its own. */

struct cr_fit_s {
    cr_schema schema;
    cr_train_options opt;
    data_summary sum;
    uint64_t rows;                     /* fitted */
    uint64_t held;                     /* held out */
    char digest[CR_MODEL_ID_SIZE];
    cr_rows_digest census;             /* every row (the questions' identity) */
    uint8_t fingerprint[CR_IDENT_SIZE];   /* of the schema and options (fit_fingerprint) */
    uint8_t schema_digest[CR_IDENT_SIZE];
    uint32_t asked;                    /* questions answered so far: the next one's number */
    uint8_t sign[CR_MAX_FEATURES];
    problem p;                         /* dimensions, penalty, class weights */
    int pass;                          /* PASS_SUMMARY, PASS_EVAL, the evidence's, or 0 when done */
    solver solver;
    cr_evidence_fit *ev;               /* once solved */
};

cr_status cr_shard_new(uint8_t kind, uint32_t k, uint32_t nk, cr_shard **out, cr_error *err)
{
    cr_shard *sh = calloc(1, sizeof *sh);
    cr_exact *acc = k ? calloc(k, sizeof *acc) : NULL;
    uint64_t *keys = nk ? malloc(nk * sizeof *keys) : NULL;
    if (!sh || (k && !acc) || (nk && !keys)) {
        free(sh), free(acc), free(keys);
        return cr_fail(err, CR_E_NOMEM, NULL, "out of memory for a shard's statistics");
    }
    for (uint32_t i = 0; i < nk; i++) keys[i] = i & 1 ? 0 : UINT64_MAX;   /* (least, greatest) of nothing */
    sh->kind = kind;
    sh->k = k;
    sh->acc = acc;
    sh->nk = nk;
    sh->keys = keys;
    *out = sh;
    return CR_OK;
}

void cr_shard_free(cr_shard *sh)
{
    if (!sh) return;
    free(sh->acc);
    free(sh->keys);
    cr_groups_free(&sh->groups[0]);
    cr_groups_free(&sh->groups[1]);
    free(sh);
}

/* ---- what shards belong to ----
 * A census carries the fingerprint of the schema and options it was taken
 * under; a question its identity, which its answers echo. Merges and the
 * fit take only shards of one fingerprint or of the question asked, so no
 * answer of an earlier pass, of another fit or of another schema's rows
 * goes into a model. Hashes of the protocol only: no model holds them. */

static void hash_u64(cr_sha256_ctx *c, uint64_t v)
{
    uint8_t b[8];
    cr_put64(b, v);
    cr_sha256_update(c, b, 8);
}

static void hash_f64(cr_sha256_ctx *c, double v)
{
    v += 0.0;   /* -0 is 0, as in the model */
    uint64_t u;
    memcpy(&u, &v, 8);
    hash_u64(c, u);
}

static void hash_name(cr_sha256_ctx *c, const char *name)
{
    const size_t n = strlen(name);
    hash_u64(c, n);
    cr_sha256_update(c, name, n);
}

/* The schema: its fields' names and types, its features' names, fields and inversions. */
static void schema_digest(const cr_schema *s, uint8_t out[CR_IDENT_SIZE])
{
    cr_sha256_ctx c;
    cr_sha256_init(&c);
    cr_sha256_update(&c, "callrisk schema v1", 18);
    hash_u64(&c, s->n_fields);
    for (size_t i = 0; i < s->n_fields; i++) hash_name(&c, s->field_name[i]), hash_u64(&c, s->field_type[i]);
    hash_u64(&c, s->n_features);
    for (size_t j = 0; j < s->n_features; j++) {
        hash_name(&c, s->feature_name[j]);
        hash_u64(&c, s->feature_field[j]);
        hash_u64(&c, s->feature_invert[j]);
    }
    cr_sha256_final(&c, out);
}

/* The schema and every option that reaches the model (not the columns'
   names, not the callback), each as the fit reads it. */
static void fit_fingerprint(const cr_schema *s, const cr_train_options *o, uint8_t out[CR_IDENT_SIZE])
{
    uint8_t sd[CR_IDENT_SIZE];
    schema_digest(s, sd);
    cr_sha256_ctx c;
    cr_sha256_init(&c);
    cr_sha256_update(&c, "callrisk fit v1", 15);
    cr_sha256_update(&c, sd, sizeof sd);
    hash_f64(&c, o->C);
    hash_u64(&c, (uint64_t)o->fit_intercept);
    hash_u64(&c, (uint64_t)o->class_weight_mode);
    const int explicit_weights = o->class_weight_mode == CR_CLASS_WEIGHT_EXPLICIT;
    hash_f64(&c, explicit_weights ? o->class_weight[0] : 0.0);
    hash_f64(&c, explicit_weights ? o->class_weight[1] : 0.0);
    hash_u64(&c, (uint64_t)o->max_iter);
    hash_f64(&c, o->tol);
    for (size_t j = 0; j < s->n_features; j++) hash_u64(&c, (uint64_t)o->signs[j]);
    hash_u64(&c, (uint64_t)o->band_high);
    hash_u64(&c, (uint64_t)o->band_medium);
    const int held = o->holdout_method != CR_HOLDOUT_NONE;
    hash_u64(&c, (uint64_t)o->holdout_method);
    hash_f64(&c, held ? o->holdout_fraction : 0.0);
    hash_u64(&c, o->holdout_method == CR_HOLDOUT_HASH ? o->holdout_seed : 0);
    hash_u64(&c, (uint64_t)o->calibration);
    cr_sha256_final(&c, out);
}

/* The identity of the fit's next question: its fingerprint, its census's
   rows, the question's number and pass. */
static void question_ident(const cr_fit *f, uint8_t out[CR_IDENT_SIZE])
{
    cr_sha256_ctx c;
    cr_sha256_init(&c);
    cr_sha256_update(&c, "callrisk question v1", 20);
    cr_sha256_update(&c, f->fingerprint, sizeof f->fingerprint);
    hash_u64(&c, f->census.count);
    for (int l = 0; l < 4; l++) hash_u64(&c, f->census.sum[l]);
    hash_u64(&c, f->asked);
    hash_u64(&c, (uint64_t)f->pass);
    cr_sha256_final(&c, out);
}

/* Options shards can train with: a holdout by row content (shards have no
   order), no calibration (Platt scaling fits the holdout's rows together). */
static cr_status check_shardable(const cr_train_options *o, cr_error *err)
{
    if (o->calibration != CR_CALIBRATION_NONE)
        return cr_fail(err, CR_E_ARG, "calibration", "calibration: Platt scaling is fitted on the holdout's rows "
                       "together, which shards do not yet do; train with calibration \"none\"");
    if (o->holdout_method != CR_HOLDOUT_NONE && o->holdout_method != CR_HOLDOUT_HASH)
        return cr_fail(err, CR_E_ARG, "holdout", "holdout: method 'order' holds out the last rows, which shards do "
                       "not have; use method 'hash' (by each row's content)");
    return CR_OK;
}

/* The held-out rows of ds under o (NULL: none held out). */
static cr_status held_rows(const cr_dataset *ds, const cr_train_options *o, uint8_t **pick, cr_error *err)
{
    *pick = NULL;
    cr_status st = check_shardable(o, err);
    if (st != CR_OK || o->holdout_method == CR_HOLDOUT_NONE) return st;
    uint8_t *p = malloc(ds->rows ? ds->rows : 1);
    if (!p) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory splitting the holdout");
    for (size_t i = 0; i < ds->rows; i++) p[i] = (uint8_t)cr_holdout_hash_pick(o, ds->row_hash[i]);
    *pick = p;
    return CR_OK;
}

cr_status cr_shard_census(const cr_dataset *ds, const cr_train_options *o, cr_shard **out, cr_error *err)
{
    if (out) *out = NULL;
    if (!ds || !o || !out) return cr_fail(err, CR_E_ARG, NULL, "data set, options or out is NULL");
    cr_status st = cr_train_options_check(o, &ds->schema, err);
    uint8_t *pick = NULL;
    if (st == CR_OK) st = held_rows(ds, o, &pick, err);
    cr_shard *sh = NULL;
    if (st == CR_OK) st = cr_shard_new(PASS_CENSUS, 0, 0, &sh, err);
    if (st != CR_OK) {
        free(pick);
        return st;
    }
    for (size_t i = 0; i < ds->rows; i++) {
        if (pick && pick[i]) {
            sh->count[CENSUS_HELD]++;
            sh->count[CENSUS_HELD_WEIGHED] += ds->w[i] > 0;
        } else {
            sh->count[ds->y[i] ? CENSUS_FIT1 : CENSUS_FIT0]++;
        }
    }
    sh->digest = ds->digest;
    fit_fingerprint(&ds->schema, o, sh->ident);
    free(pick);
    *out = sh;
    return CR_OK;
}

cr_status cr_shard_merge(cr_shard *into, const cr_shard *from, cr_error *err)
{
    if (!into || !from) return cr_fail(err, CR_E_ARG, NULL, "shard is NULL");
    if (into->kind != from->kind || into->k != from->k || into->nk != from->nk)
        return cr_fail(err, CR_E_STATE, NULL, "shards of different passes (%u and %u) do not merge", into->kind, from->kind);
    if (memcmp(into->ident, from->ident, CR_IDENT_SIZE) != 0) {
        if (into->kind == PASS_CENSUS)
            return cr_fail(err, CR_E_MISMATCH, NULL, "censuses taken under different schemas or options do not merge: "
                           "every part takes its census with the fit's");
        return cr_fail(err, CR_E_STATE, NULL, "answers to different questions do not merge (another question of pass "
                       "%u, or another fit's): every part answers the question asked", into->kind);
    }
    /* All or nothing: the groups' new lists first, then into changes. */
    cr_groups merged[2] = {{0}, {0}};
    for (int side = 0; side < 2 && into->kind == PASS_GROUPS; side++) {
        const cr_status st = cr_groups_merge(&into->groups[side], &from->groups[side], &merged[side], err);
        if (st != CR_OK) {
            cr_groups_free(&merged[0]);
            return st;
        }
    }
    for (int side = 0; side < 2 && into->kind == PASS_GROUPS; side++) {
        cr_groups_free(&into->groups[side]);
        into->groups[side] = merged[side];
    }
    for (int c = 0; c < CENSUS_COUNTS; c++) into->count[c] += from->count[c];
    cr_rows_digest_merge(&into->digest, &from->digest);
    for (uint32_t k = 0; k < into->k; k++) cr_exact_merge(&into->acc[k], &from->acc[k]);
    for (uint32_t k = 0; k < into->nk; k++) {
        const uint64_t v = from->keys[k];
        if (k & 1 ? v > into->keys[k] : v < into->keys[k]) into->keys[k] = v;
    }
    return CR_OK;
}

/* Far above any pass's need (the cuts: 32768 buckets in all), far
   below what would exhaust memory when loading hostile bytes. */
#define SHARD_MAX_SUMS (1u << 20)

/* Saved bytes of this version (magic), whole (the CRC-32 in their last 4
   bytes): an older version's are CR_E_MAGIC saying so, damaged ones
   CR_E_CHECKSUM. */
static cr_status unseal(const uint8_t *p, size_t n, const char *magic, size_t head, const char *what, cr_error *err)
{
    if (n >= 4 && memcmp(p, magic, 3) == 0 && p[3] >= '1' && p[3] < (uint8_t)magic[3])
        return cr_fail(err, CR_E_MAGIC, NULL, "%s: format %.4s is an older callrisk's (this one reads %s): the driver "
                       "and every part must run one version", what, (const char *)p, magic);
    if (n < 4 || memcmp(p, magic, 4) != 0) return cr_fail(err, CR_E_MAGIC, NULL, "%s: does not start with %s", what, magic);
    if (n < head + CR_SEAL) return cr_fail(err, CR_E_TRUNCATED, NULL, "%s: %zu bytes, cut short", what, n);
    if (cr_crc32(0, p, n - CR_SEAL) != cr_get32(p + n - CR_SEAL))
        return cr_fail(err, CR_E_CHECKSUM, NULL, "%s: checksum mismatch: the bytes changed after they were written",
                       what);
    return CR_OK;
}

static void seal(uint8_t *p, size_t n) { cr_put32(p + n - CR_SEAL, cr_crc32(0, p, n - CR_SEAL)); }

static size_t shard_size(const cr_shard *sh)
{
    size_t n = CR_SHARD_HEAD + 8 * (size_t)sh->nk + CR_SEAL;
    uint8_t scratch[CR_EXACT_COMPACT_MAX];
    for (uint32_t k = 0; k < sh->k; k++) n += cr_exact_save_compact(&sh->acc[k], scratch);
    if (sh->kind == PASS_GROUPS) n += cr_groups_size(&sh->groups[0]) + cr_groups_size(&sh->groups[1]);
    return n;
}

cr_status cr_shard_save(const cr_shard *sh, void *dst, size_t cap, size_t *size, cr_error *err)
{
    if (!sh) return cr_fail(err, CR_E_ARG, NULL, "shard is NULL");
    const size_t n = shard_size(sh);
    if (size) *size = n;
    if (!dst || cap < n) return cr_fail(err, CR_E_BUFFER, NULL, "shard: %zu bytes needed", n);
    uint8_t *p = dst;
    memcpy(p, CR_SHARD_MAGIC, 4);
    p[4] = sh->kind;
    cr_put32(p + 5, sh->k);
    cr_put32(p + 9, sh->nk);
    uint8_t *q = p + 13;
    for (int c = 0; c < CENSUS_COUNTS; c++, q += 8) cr_put64(q, sh->count[c]);
    cr_put64(q, sh->digest.count), q += 8;
    for (int l = 0; l < 4; l++, q += 8) cr_put64(q, sh->digest.sum[l]);
    memcpy(q, sh->ident, CR_IDENT_SIZE), q += CR_IDENT_SIZE;
    for (uint32_t k = 0; k < sh->k; k++) q += cr_exact_save_compact(&sh->acc[k], q);
    for (uint32_t k = 0; k < sh->nk; k++, q += 8) cr_put64(q, sh->keys[k]);
    if (sh->kind == PASS_GROUPS) cr_groups_save(&sh->groups[1], cr_groups_save(&sh->groups[0], q));
    seal(p, n);
    return CR_OK;
}

cr_status cr_shard_load(const void *src, size_t n, cr_shard **out, cr_error *err)
{
    if (out) *out = NULL;
    if (!src || !out) return cr_fail(err, CR_E_ARG, NULL, "bytes or out is NULL");
    const uint8_t *p = src;
    cr_status st = unseal(p, n, CR_SHARD_MAGIC, CR_SHARD_HEAD, "shard", err);
    if (st != CR_OK) return st;
    n -= CR_SEAL;
    if (p[4] < PASS_CENSUS || p[4] > PASS_SHARES)
        return cr_fail(err, CR_E_MAGIC, NULL, "shard: pass %u is no pass of a fit", p[4]);
    const uint32_t k = cr_get32(p + 5), nk = cr_get32(p + 9);
    /* A compact sum takes 3 bytes at least, a key 8. */
    if (k > SHARD_MAX_SUMS || nk > 2 * SHARD_MAX_SUMS || (n - CR_SHARD_HEAD) / 3 < k ||
        (n - CR_SHARD_HEAD - 3 * (size_t)k) / 8 < nk)
        return cr_fail(err, CR_E_TRUNCATED, NULL, "shard: %zu bytes do not hold %u sums and %u keys", n, k, nk);
    cr_shard *sh = NULL;
    if ((st = cr_shard_new(p[4], k, nk, &sh, err)) != CR_OK) return st;
    const uint8_t *q = p + 13, *end = p + n;
    for (int c = 0; c < CENSUS_COUNTS; c++, q += 8) sh->count[c] = cr_get64(q);
    sh->digest.count = cr_get64(q), q += 8;
    for (int l = 0; l < 4; l++, q += 8) sh->digest.sum[l] = cr_get64(q);
    memcpy(sh->ident, q, CR_IDENT_SIZE), q += CR_IDENT_SIZE;
    for (uint32_t j = 0; j < k && st == CR_OK; j++) {
        size_t used;
        if (cr_exact_load_compact(&sh->acc[j], q, (size_t)(end - q), &used))
            st = cr_fail(err, CR_E_MAGIC, NULL, "shard: sum %u is not a saved exact sum", j);
        else
            q += used;
    }
    if (st == CR_OK && (size_t)(end - q) / 8 < nk) st = cr_fail(err, CR_E_TRUNCATED, NULL, "shard: the keys are cut short");
    for (uint32_t j = 0; j < nk && st == CR_OK; j++, q += 8) sh->keys[j] = cr_get64(q);
    for (int side = 0; side < 2 && st == CR_OK && sh->kind == PASS_GROUPS; side++)
        if (!(q = cr_groups_load(&sh->groups[side], q, (size_t)(end - q))))
            st = cr_fail(err, CR_E_MAGIC, NULL, "shard: the %s rows' groups are not a saved list", side ? "held-out" : "fitted");
    if (st == CR_OK && q != end) st = cr_fail(err, CR_E_MAGIC, NULL, "shard: %zu bytes past its statistics", (size_t)(end - q));
    if (st != CR_OK) {
        cr_shard_free(sh);
        return st;
    }
    *out = sh;
    return CR_OK;
}

void cr_fit_free(cr_fit *f)
{
    if (!f) return;
    cr_evidence_fit_free(f->ev);
    free(f);
}

cr_status cr_fit_create(const cr_schema *s, const cr_train_options *o, const cr_shard *census, cr_fit **out,
                        cr_error *err)
{
    if (out) *out = NULL;
    if (!s || !o || !census || !out) return cr_fail(err, CR_E_ARG, NULL, "schema, options, census or out is NULL");
    if (census->kind != PASS_CENSUS) return cr_fail(err, CR_E_STATE, NULL, "cr_fit_create: takes the merged census");
    cr_status st = cr_train_options_check(o, s, err);
    if (st != CR_OK) return st;
    if ((st = check_shardable(o, err)) != CR_OK) return st;
    uint8_t fingerprint[CR_IDENT_SIZE];
    fit_fingerprint(s, o, fingerprint);
    if (memcmp(fingerprint, census->ident, CR_IDENT_SIZE) != 0)
        return cr_fail(err, CR_E_MISMATCH, NULL, "cr_fit_create: the census was taken under another schema or other "
                       "options than the fit's");
    const uint64_t *c = census->count, fitted = c[CENSUS_FIT0] + c[CENSUS_FIT1], all = fitted + c[CENSUS_HELD];
    /* cr_train's checks, in its order, with its messages. */
    if (all == 0) return cr_fail(err, CR_E_DATA, NULL, "training data has no rows");
    if (o->holdout_method != CR_HOLDOUT_NONE) {
        if (c[CENSUS_HELD] == 0 || fitted == 0)
            return cr_fail(err, CR_E_DATA, "holdout", "holdout: a fraction %.17g of %llu rows leaves %s", o->holdout_fraction,
                           (unsigned long long)all, c[CENSUS_HELD] ? "no row to fit" : "no row held out");
        if (c[CENSUS_HELD_WEIGHED] == 0)
            return cr_fail(err, CR_E_DATA, "holdout", "holdout: the %llu held-out rows all weigh 0: nothing to measure "
                           "the model on", (unsigned long long)c[CENSUS_HELD]);
    }
    if (c[CENSUS_FIT0] == 0 || c[CENSUS_FIT1] == 0)
        return cr_fail(err, CR_E_DATA, "label", "training data needs both labels, got only label %d",
                       c[CENSUS_FIT0] ? 0 : 1);
    cr_fit *f = calloc(1, sizeof *f);
    if (!f) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory for the fit");
    f->schema = *s;
    f->opt = *o;
    f->opt.progress = NULL;   /* a host drives the passes itself */
    f->rows = fitted;
    f->held = c[CENSUS_HELD];
    cr_rows_digest_hex(&census->digest, f->digest);
    f->census = census->digest;
    memcpy(f->fingerprint, fingerprint, CR_IDENT_SIZE);
    schema_digest(s, f->schema_digest);
    class_weights(o, c[CENSUS_FIT0], c[CENSUS_FIT1], f->sum.cw);
    f->p.d = s->n_features;
    f->p.np = s->n_features + (size_t)o->fit_intercept;
    f->p.inv_c = 1.0 / o->C;
    f->p.cw[0] = f->sum.cw[0];
    f->p.cw[1] = f->sum.cw[1];
    for (size_t j = 0; j < s->n_features; j++) f->sign[j] = (uint8_t)o->signs[j];
    f->pass = PASS_SUMMARY;
    *out = f;
    return CR_OK;
}

int cr_fit_done(const cr_fit *f) { return !f || f->pass == 0; }


cr_status cr_fit_question(const cr_fit *f, void *dst, size_t cap, size_t *size, cr_error *err)
{
    if (!f) return cr_fail(err, CR_E_ARG, NULL, "fit is NULL");
    if (f->pass == 0) return cr_fail(err, CR_E_STATE, NULL, "cr_fit_question: the fit is done");
    const size_t np = f->p.np;
    const size_t n = CR_QUESTION_HEAD + (f->ev ? cr_evidence_question_size(f->ev) : 8 * np) + CR_SEAL;
    if (size) *size = n;
    if (!dst || cap < n) return cr_fail(err, CR_E_BUFFER, NULL, "question: %zu bytes needed", n);
    uint8_t *p = dst;
    const int held = f->opt.holdout_method != CR_HOLDOUT_NONE;
    memcpy(p, CR_QUESTION_MAGIC, 4);
    p[4] = (uint8_t)f->pass;
    p[5] = (uint8_t)f->opt.holdout_method;
    p[6] = (uint8_t)f->p.d;
    p[7] = (uint8_t)np;
    cr_put_f64(p + 8, held ? f->opt.holdout_fraction : 0.0);
    cr_put64(p + 16, held ? f->opt.holdout_seed : 0);
    cr_put_f64(p + 24, f->p.cw[0]);
    cr_put_f64(p + 32, f->p.cw[1]);
    question_ident(f, p + 40);
    memcpy(p + 40 + CR_IDENT_SIZE, f->schema_digest, CR_IDENT_SIZE);
    if (f->ev) {
        cr_evidence_question(f->ev, p + CR_QUESTION_HEAD);
    } else {
        const double *point = f->pass == PASS_EVAL ? solver_point(&f->solver) : NULL;
        for (size_t k = 0; k < np; k++) cr_put_f64(p + CR_QUESTION_HEAD + 8 * k, point ? point[k] : 0.0);
    }
    seal(p, n);
    return CR_OK;
}

/* A number of a question: finite, within [lo, hi] (open ends when `open`). */
static cr_status asked_value(double v, double lo, double hi, int open, const char *what, size_t i, cr_error *err)
{
    if (v - v != 0) return cr_fail(err, CR_E_NONFINITE, NULL, "question: %s %zu is not a finite number", what, i);
    if (open ? !(v > lo && v < hi) : !(v >= lo && v <= hi))
        return cr_fail(err, CR_E_RANGE, NULL, "question: %s %zu is %.17g, outside %c%g, %g%c", what, i, v, open ? '(' : '[',
                       lo, hi, open ? ')' : ']');
    return CR_OK;
}

/* An answer names the question it answers and the rows that answered
   (all of them, held out or not: merged, the census's rows). */
static void answered(cr_shard *sh, const uint8_t *q, const cr_dataset *ds)
{
    memcpy(sh->ident, q + 40, CR_IDENT_SIZE);
    sh->digest = ds->digest;
}

cr_status cr_shard_answer(const cr_dataset *ds, const void *question, size_t n, cr_shard **out, cr_error *err)
{
    if (out) *out = NULL;
    if (!ds || !question || !out) return cr_fail(err, CR_E_ARG, NULL, "data set, question or out is NULL");
    const uint8_t *q = question;
    const size_t d = ds->schema.n_features;
    cr_status st = unseal(q, n, CR_QUESTION_MAGIC, CR_QUESTION_HEAD, "question", err);
    if (st != CR_OK) return st;
    n -= CR_SEAL;
    const int evidence = q[4] >= PASS_GROUPS && q[4] <= PASS_SHARES;
    if ((q[4] != PASS_SUMMARY && q[4] != PASS_EVAL && !evidence) || q[5] > CR_HOLDOUT_HASH || q[6] != d ||
        (q[7] != d && q[7] != d + 1) || (!evidence && n != CR_QUESTION_HEAD + 8 * (size_t)q[7]))
        return cr_fail(err, CR_E_MAGIC, NULL, "question: not a fit's question for this schema (%zu features)", d);
    uint8_t sd[CR_IDENT_SIZE];
    schema_digest(&ds->schema, sd);
    if (memcmp(sd, q + 40 + CR_IDENT_SIZE, CR_IDENT_SIZE) != 0)
        return cr_fail(err, CR_E_SCHEMA, NULL, "question: asked of rows of another schema than this data set's (names, "
                       "types or features differ)");
    /* Its values too, as the fit writes them: a holdout's fraction and
       32-bit seed (none: both 0), class weights and a point finite. */
    cr_train_options o;
    cr_train_options_init(&o);
    o.holdout_method = (cr_holdout_method)q[5];
    const double fraction = cr_get_f64(q + 8);
    const uint64_t seed = cr_get64(q + 16);
    if (o.holdout_method == CR_HOLDOUT_NONE ? cr_get64(q + 8) != 0 || seed != 0 : seed > UINT32_MAX)
        return cr_fail(err, CR_E_RANGE, NULL, "question: holdout seed %llu (fraction %.17g) is not the holdout's",
                       (unsigned long long)seed, fraction);
    if (o.holdout_method != CR_HOLDOUT_NONE && (st = asked_value(fraction, 0, 1, 1, "holdout fraction", 0, err)) != CR_OK)
        return st;
    o.holdout_fraction = fraction;
    o.holdout_seed = (uint32_t)seed;
    problem p = {0};
    p.d = d;
    p.np = q[7];
    p.cw[0] = cr_get_f64(q + 24);
    p.cw[1] = cr_get_f64(q + 32);
    double point[CR_MAX_PARAMS];
    for (size_t k = 0; k < 2 && st == CR_OK; k++) st = asked_value(p.cw[k], 0, DBL_MAX, 0, "class weight", k, err);
    for (size_t k = 0; !evidence && k < p.np && st == CR_OK; k++) {
        point[k] = cr_get_f64(q + CR_QUESTION_HEAD + 8 * k);
        st = asked_value(point[k], -DBL_MAX, DBL_MAX, 0, "point's coordinate", k, err);
    }
    if (st != CR_OK) return st;
    uint8_t *pick = NULL;
    if ((st = held_rows(ds, &o, &pick, err)) != CR_OK) return st;
    if (evidence) {
        st = cr_evidence_answer(ds, pick, q[4], q + CR_QUESTION_HEAD, n - CR_QUESTION_HEAD, out, err);
        free(pick);
        if (st == CR_OK) answered(*out, q, ds);
        return st;
    }
    cr_shard *sh = NULL;
    st = cr_shard_new(q[4], (uint32_t)(q[4] == PASS_SUMMARY ? 2 + d : sums_of(p.np)), 0, &sh, err);
    cr_dataset *fitted = NULL;
    if (st == CR_OK && pick) st = cr_dataset_subset(ds, pick, 0, &fitted, err);
    free(pick);
    if (st != CR_OK) {
        cr_shard_free(sh);
        return st;
    }
    const cr_dataset *rows = fitted ? fitted : ds;
    if (q[4] == PASS_SUMMARY) {
        summary_add(rows->x, rows->y, rows->w, rows->rows, d, p.cw, sh->acc);
    } else {
        p.x = rows->x, p.y = rows->y, p.w = rows->w, p.n = rows->rows;
        int nomem;
        void *scratch = scratch_for(&p, &nomem);
        if (nomem) {
            cr_dataset_free(fitted);
            cr_shard_free(sh);
            return cr_fail(err, CR_E_NOMEM, NULL, "out of memory for a shard's statistics");
        }
        accumulate_all(&p, point, sh->acc, scratch);
        scratch_free(scratch);
    }
    cr_dataset_free(fitted);
    answered(sh, q, ds);
    *out = sh;
    return CR_OK;
}

/* The model of the solver s (no evidence yet), for the evidence's passes. */
static cr_status solved(const cr_fit *f, const solver *s, cr_evidence_fit **ev, cr_error *err)
{
    cr_model *m = calloc(1, sizeof *m);
    if (!m) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory for the model");
    solver_stats(s, &m->stats);
    cr_status st = model_of(m, &f->schema, &f->opt, &f->sum, f->sign, s->theta, f->rows, f->digest, err);
    if (st != CR_OK) {
        free(m);
        return st;
    }
    return cr_evidence_fit_create(m, f->rows, f->held, &f->opt, ev, err);
}

/* All or nothing: each pass works on a copy of what it changes, which
   replaces the fit's only when the whole pass succeeded. A failure (out of
   memory too) leaves the fit as it was: fed the same answer again, it goes
   on as if nothing had happened. */
cr_status cr_fit_feed(cr_fit *f, const cr_shard *merged, cr_error *err)
{
    if (!f || !merged) return cr_fail(err, CR_E_ARG, NULL, "fit or shard is NULL");
    if (f->pass == 0) return cr_fail(err, CR_E_STATE, NULL, "cr_fit_feed: the fit is done");
    if (merged->kind != f->pass)
        return cr_fail(err, CR_E_STATE, NULL, "cr_fit_feed: the shards answer pass %u, the fit asks pass %d", merged->kind, f->pass);
    uint8_t ident[CR_IDENT_SIZE];
    question_ident(f, ident);
    if (memcmp(ident, merged->ident, CR_IDENT_SIZE) != 0)
        return cr_fail(err, CR_E_STATE, NULL, "cr_fit_feed: the answers are to another question than the fit's last "
                       "(question %lu of pass %d): an earlier question's, or another fit's", (unsigned long)f->asked + 1,
                       f->pass);
    const cr_rows_digest *rows = &merged->digest;
    if (rows->count != f->census.count || memcmp(rows->sum, f->census.sum, sizeof rows->sum) != 0)
        return cr_fail(err, CR_E_DATA, NULL, "cr_fit_feed: the answers are of %llu rows%s, the census of %llu: every "
                       "part answers from the rows it took its census of, and each part once",
                       (unsigned long long)rows->count, rows->count == f->census.count ? " (other rows)" : "",
                       (unsigned long long)f->census.count);
    cr_status st;
    if (f->ev) {
        cr_evidence_fit *next = NULL;
        st = cr_evidence_fit_clone(f->ev, &next, err);
        if (st == CR_OK) st = cr_evidence_fit_feed(next, merged, err);
        if (st != CR_OK) {
            cr_evidence_fit_free(next);
            return st;
        }
        cr_evidence_fit_free(f->ev);
        f->ev = next;
        f->pass = cr_evidence_fit_pass(f->ev);
        f->asked++;
        return CR_OK;
    }
    const size_t d = f->p.d, np = f->p.np;
    const uint32_t want = (uint32_t)(f->pass == PASS_SUMMARY ? 2 + d : sums_of(np));
    if (merged->k != want || merged->nk)
        return cr_fail(err, CR_E_STATE, NULL, "cr_fit_feed: the shards answer pass %u, the fit asks pass %d", merged->kind, f->pass);
    if (f->pass == PASS_SUMMARY) {
        data_summary sum = f->sum;
        if ((st = summary_finish(merged->acc, d, &sum, err)) != CR_OK) return st;
        f->sum = sum;
        solver_init(&f->solver, &f->p, f->sign, f->opt.tol * f->sum.wsum, &f->opt);
        f->pass = PASS_EVAL;
        f->asked++;
        return CR_OK;
    }
    solver *s = malloc(sizeof *s);   /* ~60 KB: not on a wasm stack */
    if (!s) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory for the solver's step");
    *s = f->solver;
    evaluation ev;
    evaluation_of(&f->p, solver_point(s), merged->acc, &ev);
    cr_evidence_fit *next = NULL;
    st = solver_feed(s, &ev, err);
    if (st == CR_OK && s->phase == SOLVED) st = solved(f, s, &next, err);
    if (st == CR_OK) {
        f->solver = *s;
        f->asked++;
        if (next) {
            f->ev = next;
            f->pass = cr_evidence_fit_pass(next);
        }
    }
    free(s);
    return st;
}

cr_status cr_fit_model(const cr_fit *f, cr_model **out, cr_error *err)
{
    if (out) *out = NULL;
    if (!f || !out) return cr_fail(err, CR_E_ARG, NULL, "fit or out is NULL");
    if (f->pass != 0 || !f->ev) return cr_fail(err, CR_E_STATE, NULL, "cr_fit_model: the fit is not done yet");
    return cr_evidence_fit_model(f->ev, out, err);
}

int cr_fit_sums_agree(const double *x, const uint8_t *y, const double *w, size_t n, size_t d, int intercept,
                      const double cw[2], const double *theta, unsigned flags)
{
    problem p = {0};
    p.x = x, p.y = y, p.w = w, p.n = n, p.d = d, p.np = d + (size_t)!!intercept;
    p.cw[0] = cw[0], p.cw[1] = cw[1];
    const size_t k = sums_of(p.np);
    cr_exact *a = calloc(2 * k, sizeof *a);
    if (!a) return -1;
    int same = 1, levels = 1;
#ifdef FAST_FIT
    levels = cpu_level() + 1;
#endif
    /* Every kernel this CPU runs, each against one row at a time. */
    for (int level = 0; level < levels && same == 1; level++) {
        int nomem;
        void *scratch = scratch_at(&p, level, &nomem);
#ifdef FAST_FIT
        /* Grouped by the flag features (0 or 1 in every row) the caller names. */
        uint8_t flag[FAST_FLAGS_MAX];
        size_t nf = 0;
        for (size_t j = 0; j < d && nf < FAST_FLAGS_MAX; j++)
            if (flags >> j & 1) flag[nf++] = (uint8_t)j;
        if (scratch && nf && cr_weights_unit(w, n) && !group_rows(&p, flag, nf, scratch)) nomem = 1;
#else
        (void)flags;
#endif
        if (nomem) {
            scratch_free(scratch);
            free(a);
            return -1;
        }
        memset(a, 0, 2 * k * sizeof *a);
        accumulate_all(&p, theta, a, scratch);
        accumulate_rows(&p, theta, a + k, 0, n);
        for (size_t s = 0; s < k; s++) {
            unsigned char u[CR_EXACT_BYTES], v[CR_EXACT_BYTES];
            cr_exact_save(&a[s], u);
            cr_exact_save(&a[k + s], v);
            same &= memcmp(u, v, sizeof u) == 0;
        }
        /* The summary's sums too. */
        memset(a, 0, 2 * k * sizeof *a);
#ifdef FAST_FIT
        if (scratch) summary_fast(&p, cw, a, scratch);
        else
#endif
            summary_add(x, y, w, n, d, cw, a);
        summary_add(x, y, w, n, d, cw, a + k);
        for (size_t s = 0; s < 2 + d; s++) {
            unsigned char u[CR_EXACT_BYTES], v[CR_EXACT_BYTES];
            cr_exact_save(&a[s], u);
            cr_exact_save(&a[k + s], v);
            same &= memcmp(u, v, sizeof u) == 0;
        }
        scratch_free(scratch);
    }
    free(a);
    return same;
}
