/* evaluate.c - how good a model is on a data set: log loss, Brier score,
 * ROC AUC, Gini, KS, a calibration table and a band table, with
 * scikit-learn's definitions and sample weights.
 *
 * Determinism: every row's probability is cr_score()'s; the rows are sorted
 * by (probability, label, weight) with a radix sort on their bits, and every
 * sum runs in that order, so the result depends on the multiset of rows
 * only, never on their order, and is the same on every host. */
#include "internal.h"
#include "crmath.h"
#include "pages.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RADIX_BITS 11
#define RADIX (1u << RADIX_BITS)
#define LOSS_BLOCK 256


/* One pass of a stable LSD radix sort: (key, idx) into (tk, ti) by the
   digit at `shift`, `count` its histogram turned into starts. idx may be
   NULL (keys alone). Not inlined: a wasm engine compiles a function for
   speed after some calls (V8's tiering), and a call already running keeps
   its first code. */
static __attribute__((noinline)) void radix_pass(const uint64_t *key, const uint32_t *idx, uint64_t *tk, uint32_t *ti,
                                                 size_t n, int shift, uint32_t *count)
{
    uint32_t sum = 0;
    for (size_t b = 0; b < RADIX; b++) {
        const uint32_t c = count[b];
        count[b] = sum;
        sum += c;
    }
    if (idx) {
        for (size_t i = 0; i < n; i++) {
            const uint32_t at = count[key[i] >> shift & (RADIX - 1)]++;
            tk[at] = key[i];
            ti[at] = idx[i];
        }
    } else {
        for (size_t i = 0; i < n; i++) tk[count[key[i] >> shift & (RADIX - 1)]++] = key[i];
    }
}

/* Stable LSD radix sort of (key, idx) by key's low `bits` bits (idx may be
   NULL); tmp arrays of n; count: RADIX * ceil(bits / RADIX_BITS) counters.
   Every digit's histogram comes from one pass over the keys, and a digit
   all keys share is skipped (it would move nothing). n < 2^32. */
static void radix_sort(uint64_t *key, uint32_t *idx, uint64_t *tk, uint32_t *ti, size_t n, int bits, uint32_t *count)
{
    const int passes = (bits + RADIX_BITS - 1) / RADIX_BITS;
    memset(count, 0, (size_t)passes * RADIX * sizeof *count);
    for (size_t i = 0; i < n; i++)
        for (int p = 0; p < passes; p++) count[(size_t)p * RADIX + (key[i] >> (p * RADIX_BITS) & (RADIX - 1))]++;
    /* Through a pointer, not inlined: V8 optimises a wasm function at its next
       call, so each pass gets the optimised code (see cr_dataset_add_rows). */
    void (*volatile pass)(const uint64_t *, const uint32_t *, uint64_t *, uint32_t *, size_t, int, uint32_t *) = radix_pass;
    for (int p = 0; p < passes; p++) {
        uint32_t *c = count + (size_t)p * RADIX;
        if (n && c[key[0] >> (p * RADIX_BITS) & (RADIX - 1)] == n) continue;   /* one digit throughout */
        pass(key, idx, tk, ti, n, p * RADIX_BITS, c);
        memcpy(key, tk, n * sizeof *key);
        if (idx) memcpy(idx, ti, n * sizeof *idx);
    }
}

#define RADIX_COUNTS (RADIX * ((64 + RADIX_BITS - 1) / RADIX_BITS))

int cr_sort_keys(uint64_t *key, uint32_t *idx, size_t n, int bits)
{
    uint64_t *tk = malloc((n ? n : 1) * sizeof *tk);
    uint32_t *ti = idx ? malloc((n ? n : 1) * sizeof *ti) : NULL;
    uint32_t *count = malloc(RADIX_COUNTS * sizeof *count);
    const int ok = tk && (ti || !idx) && count;
    if (ok) radix_sort(key, idx, tk, ti, n, bits, count);
    free(tk), free(ti), free(count);
    return ok;
}

/* A bucket that holds ranks rank[r0..r1): where its keys start in sorted
   order, how many there are, and its keys once copied out (one when they
   are one value: the last digit, or a single key). */
typedef struct {
    size_t start, size, cap, filled;
    int r0, r1;
    uint64_t *keys;
} select_part;

/* The parts of histogram `count` (`buckets` of them, in key order; `below`
   keys sort before them all) that hold ranks rank[0..m), in *parts;
   slot[bucket]: its part, or -1. `last_digit`: each bucket is one value.
   0 when out of memory (the parts made so far to free). */
static int plan_parts(const uint32_t *count, size_t buckets, size_t below, int last_digit, const size_t *rank, int m,
                      select_part *part, int *parts, int8_t *slot)
{
    *parts = 0;
    memset(slot, -1, buckets);
    size_t start = below;
    for (size_t b = 0, r = 0; b < buckets && r < (size_t)m; b++) {
        const size_t c = count[b], r0 = r;
        while (r < (size_t)m && rank[r] < start + c) r++;
        if (r > r0) {
            select_part *p = &part[(*parts)++];
            p->cap = last_digit || c == 1 ? 1 : c;
            p->keys = malloc(p->cap * sizeof *p->keys);
            p->start = start, p->size = c, p->filled = 0;
            p->r0 = (int)r0, p->r1 = (int)r;
            slot[b] = (int8_t)(*parts - 1);
            if (!p->keys) return 0;
        }
        start += c;
    }
    return 1;
}

/* Copies key k into the part of its bucket b, if b has one. */
static inline void part_add(select_part *part, const int8_t *slot, size_t b, uint64_t k)
{
    const int p = slot[b];
    if (p >= 0 && part[p].filled < part[p].cap) part[p].keys[part[p].filled++] = k;
}

static int select_level(const uint64_t *key, size_t n, size_t below, int shift, const size_t *rank, int m,
                        uint64_t *out, size_t *at_most);

/* The ranks of filled parts: read off a part of one value, narrowed from
   the digit at `shift` otherwise. Frees the parts' keys; 0 when out of
   memory, or when `ok` is 0 already. */
static int finish_parts(select_part *part, int parts, int shift, int ok, const size_t *rank, uint64_t *out,
                        size_t *at_most)
{
    for (int p = 0; p < parts; p++) {
        if (ok && part[p].cap == 1) {
            for (int q = part[p].r0; q < part[p].r1; q++) out[q] = part[p].keys[0], at_most[q] = part[p].start + part[p].size;
        } else if (ok) {
            ok = select_level(part[p].keys, part[p].size, part[p].start, shift, rank + part[p].r0, part[p].r1 - part[p].r0,
                              out + part[p].r0, at_most + part[p].r0);
        }
        free(part[p].keys);
    }
    return ok;
}

/* cr_select_keys() below one digit: keys (n, every one sharing the digits
   above `shift`) of which `below` sort before them all; ranks rank[0..m)
   (ascending) lie among them. An MSD radix select: a histogram of the digit
   at `shift`; the buckets holding a rank are copied out in one pass and
   each narrowed on the next digit (in place when one bucket holds every
   key), until one key or one value is left. At most six levels of O(n)
   passes, no sort. */
static int select_level(const uint64_t *key, size_t n, size_t below, int shift, const size_t *rank, int m,
                        uint64_t *out, size_t *at_most)
{
    uint32_t *count = malloc(RADIX * sizeof *count);   /* not on the stack: six levels would take 48 KiB of it */
    int8_t *slot = malloc(RADIX);
    if (!count || !slot) {
        free(count), free(slot);
        return 0;
    }
    for (;;) {
        memset(count, 0, RADIX * sizeof *count);
        for (size_t i = 0; i < n; i++) count[key[i] >> shift & (RADIX - 1)]++;
        if (count[key[0] >> shift & (RADIX - 1)] != n || shift == 0) break;
        shift = shift > RADIX_BITS ? shift - RADIX_BITS : 0;   /* one digit throughout: the next */
    }
    select_part part[CR_SELECT_MAX];
    int parts;
    const int ok = plan_parts(count, RADIX, below, shift == 0, rank, m, part, &parts, slot);
    if (ok)
        for (size_t i = 0; i < n; i++) part_add(part, slot, key[i] >> shift & (RADIX - 1), key[i]);
    free(count), free(slot);
    return finish_parts(part, parts, shift > RADIX_BITS ? shift - RADIX_BITS : 0, ok, rank, out, at_most);
}

int cr_select_keys(const uint64_t *key, size_t n, const size_t *rank, int m, uint64_t *out, size_t *at_most)
{
    if (n == 0 || m == 0) return 1;
    if (m > CR_SELECT_MAX) return 0;
    return select_level(key, n, 0, 64 - RADIX_BITS, rank, m, out, at_most);
}

/* cr_select_columns()'s buckets per column, and the rows of its sample. */
#define VALUE_BUCKETS 4096
#define VALUE_SAMPLE 1024

/* The bucket of value v: (v - lo) * scale, clamped to the buckets. Never
   decreasing in v (each operation rounds monotonically), -0 and 0 alike,
   so each bucket holds one run of the sorted keys. */
static inline size_t value_bucket(double v, double lo, double scale)
{
    const double t = (v - lo) * scale;
    return !(t >= 0) ? 0 : t < VALUE_BUCKETS ? (size_t)t : VALUE_BUCKETS - 1;
}

/* The passes over rows [i0, i1) of column j of x (d values a row), one
   column at a time (its constants in registers) over a block of rows that
   stays in cache for the next column. Counts each bucket, the largest
   value in *largest: */
static void column_counts(const double *x, size_t i0, size_t i1, size_t d, size_t j, double lo, double scale,
                          uint32_t *count, double *largest)
{
    double most = *largest;
    for (size_t i = i0; i < i1; i++) {
        const double v = x[i * d + j];
        count[value_bucket(v, lo, scale)]++;
        most = v > most ? v : most;
    }
    *largest = most;
}

/* ... and copies the keys of the buckets with a part (slot), a key equal to
   its part's first counted in repeats[part], not stored: a bucket of one
   value (a count's) costs no copy. */
static void column_fill(const double *x, size_t i0, size_t i1, size_t d, size_t j, double lo, double scale,
                        const int8_t *slot, select_part *part, size_t *repeats)
{
    for (size_t i = i0; i < i1; i++) {
        const double v = x[i * d + j];
        const int p = slot[value_bucket(v, lo, scale)];
        if (p < 0) continue;
        const uint64_t k = cr_value_key(v);
        if (part[p].filled && k == part[p].keys[0]) repeats[p]++;
        else part[p].keys[part[p].filled++] = k;
    }
}

#define SELECT_BLOCK 4096   /* rows: a block of 64 values each is 2 MB */

/* For a column of whole numbers (a count's): a part whose bucket can hold
   one whole number only (those two below and above its guess fall in other
   buckets, and one of the three between in it) holds that number alone,
   read off here: slot cleared, nothing to copy. */
static void whole_parts(select_part *part, int8_t *slot, double lo, double scale)
{
    for (size_t b = 0; b < VALUE_BUCKETS && scale > 0; b++) {
        const int p = slot[b];
        if (p < 0) continue;
        const double guess = floor(lo + (double)b / scale);
        if (!(value_bucket(guess - 2, lo, scale) < b && value_bucket(guess + 2, lo, scale) > b)) continue;
        int found = 0;
        double v = 0;
        for (int k = -1; k <= 1; k++)
            if (value_bucket(guess + k, lo, scale) == b) found++, v = guess + k;
        if (found != 1) continue;
        part[p].keys[0] = cr_value_key(v);
        part[p].cap = part[p].filled = 1;
        slot[b] = -1;
    }
}

int cr_select_columns(const double *x, size_t n, size_t d, const uint8_t *col, const uint8_t *whole, int ncol,
                      const size_t *rank, int m, uint64_t *out, size_t *at_most, uint64_t *top)
{
    if (m > CR_SELECT_MAX) return 0;
    /* Buckets of equal width in value between the least and largest values
       of a sample of the rows (values outside it go to the end buckets): a
       rank's bucket holds a few keys of the whole column, whatever the
       doubles' exponents, which are all a digit of their bits would split. */
    double lo[CR_MAX_FEATURES], scale[CR_MAX_FEATURES], largest[CR_MAX_FEATURES];
    const size_t step = n > VALUE_SAMPLE ? n / VALUE_SAMPLE : 1;
    for (int c = 0; c < ncol; c++) {
        double a = x[col[c]], b = a;
        for (size_t i = step; i < n; i += step) {
            const double v = x[i * d + col[c]];
            a = v < a ? v : a;
            b = v > b ? v : b;
        }
        const double width = b - a;
        lo[c] = a;
        scale[c] = width > 0 && width - width == 0 ? VALUE_BUCKETS / width : 0;
        largest[c] = x[col[c]];
    }
    const size_t nb = (size_t)ncol * VALUE_BUCKETS;
    uint32_t *count = calloc(nb, sizeof *count);
    int8_t *slot = malloc(nb);
    select_part *part = malloc((size_t)ncol * CR_SELECT_MAX * sizeof *part);
    size_t *repeats = calloc((size_t)ncol * CR_SELECT_MAX, sizeof *repeats);
    int parts[CR_MAX_FEATURES] = {0}, fill[CR_MAX_FEATURES] = {0}, ok = count && slot && part && repeats;
    if (ok) {
        for (size_t i0 = 0; i0 < n; i0 += SELECT_BLOCK) {
            const size_t i1 = n - i0 < SELECT_BLOCK ? n : i0 + SELECT_BLOCK;
            for (int c = 0; c < ncol; c++)
                column_counts(x, i0, i1, d, col[c], lo[c], scale[c], count + (size_t)c * VALUE_BUCKETS, &largest[c]);
        }
        for (int c = 0; c < ncol && ok; c++) {
            ok = plan_parts(count + (size_t)c * VALUE_BUCKETS, VALUE_BUCKETS, 0, 0, rank, m, part + c * CR_SELECT_MAX,
                            &parts[c], slot + (size_t)c * VALUE_BUCKETS);
            top[c] = cr_value_key(largest[c]);
            if (ok && whole && whole[c]) whole_parts(part + c * CR_SELECT_MAX, slot + (size_t)c * VALUE_BUCKETS, lo[c], scale[c]);
            for (int p = 0; p < parts[c] && ok; p++) fill[c] |= part[c * CR_SELECT_MAX + p].filled == 0;
        }
    }
    if (ok) {
        for (size_t i0 = 0; i0 < n; i0 += SELECT_BLOCK) {
            const size_t i1 = n - i0 < SELECT_BLOCK ? n : i0 + SELECT_BLOCK;
            for (int c = 0; c < ncol; c++)
                if (fill[c])   /* a column whose parts are all read off needs no pass */
                    column_fill(x, i0, i1, d, col[c], lo[c], scale[c], slot + (size_t)c * VALUE_BUCKETS,
                                part + c * CR_SELECT_MAX, repeats + c * CR_SELECT_MAX);
        }
        for (int c = 0; c < ncol; c++) {
            for (int p = 0; p < parts[c]; p++) {
                select_part *q = &part[c * CR_SELECT_MAX + p];
                if (q->filled == 1) q->cap = 1;   /* one value */
                for (size_t r = repeats[c * CR_SELECT_MAX + p]; r > 0 && q->cap > 1; r--) q->keys[q->filled++] = q->keys[0];
            }
        }
    }
    free(count), free(slot), free(repeats);
    /* A bucket's keys share no digit: narrowed from the first. */
    for (int c = 0; c < ncol && part; c++)
        ok = finish_parts(part + c * CR_SELECT_MAX, parts[c], 64 - RADIX_BITS, ok, rank, out + (size_t)c * m,
                          at_most + (size_t)c * m);
    free(part);
    return ok;
}

double cr_logit(const cr_model *m, const double *x)
{
    double z = m->intercept;
    for (size_t j = 0; j < m->schema.n_features; j++) z += m->coef[j] * x[j];
    return z;
}

/* The group key of probability p and label y. */
static inline uint64_t group_key(double p, uint8_t y) { return cr_bits(p + 0.0) << 1 | y; }

uint64_t cr_probability_key(const cr_model *m, const double *x, uint8_t y)
{
    return group_key(cr_probability(m, cr_logit(m, x)), y);
}

/* No -0 either: every number as the canonical forms write it. */
static double ratio(double num, double den) { return den > 0 ? num / den + 0.0 : cr_nan(); }

cr_status cr_evaluate(const cr_model *m, const cr_dataset *ds, cr_metrics *out, cr_error *err)
{
    if (!m || !ds || !out) return cr_fail(err, CR_E_ARG, NULL, "model, data set or out is NULL");
    if (!cr_schema_same(&m->schema, &ds->schema))
        return cr_fail(err, CR_E_SCHEMA, NULL, "evaluate: the data set's schema is not the model's");
    return cr_evaluate_rows(m, ds->x, ds->y, ds->w, ds->rows, ds->rows, out, err);
}

cr_status cr_evaluate_with(const cr_model *m, const cr_dataset *ds, const cr_train_options *o, cr_metrics *out,
                           cr_error *err)
{
    if (!o || !m || !ds || !out) return cr_evaluate(m, ds, out, err);
    if (!cr_schema_same(&m->schema, &ds->schema))
        return cr_fail(err, CR_E_SCHEMA, NULL, "evaluate: the data set's schema is not the model's");
    cr_status st = cr_train_options_check(o, &ds->schema, err);
    if (st != CR_OK) return st;
    if (o->holdout_method == CR_HOLDOUT_NONE) return cr_evaluate(m, ds, out, err);
    if (ds->rows == 0) return cr_fail(err, CR_E_DATA, NULL, "evaluate: the data set has no rows");
    /* cr_train()'s split; its evidence evaluates the held-out rows merged
       only where merging changes no bit (evidence.c: view_of), so these
       rows as they are give its holdout metrics. */
    cr_dataset *part[2];
    st = cr_holdout_split(ds, o, part, err);
    if (st == CR_OK) st = cr_evaluate(m, part[1], out, err);
    cr_dataset_free(part[0]);
    cr_dataset_free(part[1]);
    return st;
}

void cr_metrics_drop_roc(cr_metrics *mt)
{
    mt->has_roc = 0;
    memset(mt->roc_tpr, 0, sizeof mt->roc_tpr);
}

cr_status cr_evaluate_rows(const cr_model *m, const double *xs, const uint8_t *ys, const double *ws, size_t n,
                           uint64_t rows, cr_metrics *out, cr_error *err)
{
    return cr_evaluate_rows_scored(m, xs, ys, ws, n, rows, out, NULL, err);
}

cr_status cr_evaluate_rows_scored(const cr_model *m, const double *xs, const uint8_t *ys, const double *ws, size_t n,
                                  uint64_t rows, cr_metrics *out, cr_exact *score_w, cr_error *err)
{
    if (n == 0) return cr_fail(err, CR_E_DATA, NULL, "evaluate: the data set has no rows");
    if (n > UINT32_MAX) return cr_fail(err, CR_E_RANGE, NULL, "evaluate: more than 2^32 - 1 rows");
    /* Every row weighing 1 (most data): the keys sort alone, and a group's
       weight is its count. */
    const int unit = cr_weights_unit(ws, n);
    uint64_t *key = malloc(2 * n * sizeof *key);
    uint32_t *idx = unit ? NULL : malloc(2 * n * sizeof *idx);
    uint32_t *count = malloc(RADIX_COUNTS * sizeof *count);
    if (!key || (!unit && !idx) || !count) {
        free(key), free(idx), free(count);
        return cr_fail(err, CR_E_NOMEM, NULL, "out of memory evaluating %zu rows", n);
    }
    cr_pages_hint_huge(key, 2 * n * sizeof *key);   /* 16 MB for 1M rows: fewer page faults */
    /* Keys: the probability's bits (>= +0, so ordered as integers; bits 63
       and 62 are 0 for p <= 1) shifted past the label, as
       cr_probability_key() has them; the probabilities in the sort's
       scratch half first. */
    double *p = (double *)(void *)(key + n);
    cr_feature_probabilities(0, m, xs, n, p);
    for (size_t i = 0; i < n; i++) key[i] = group_key(p[i], ys[i]);
    if (idx)
        for (size_t i = 0; i < n; i++) idx[i] = (uint32_t)i;
    radix_sort(key, idx, key + n, idx ? idx + n : NULL, n, 63, count);
    free(count);

    /* Rows of one (probability, label) are one term, by their summed weight
       (in the sort's scratch half): rows the trainer merged (their weights
       summed) and the same rows apart give the same sums. */
    double *gw = (double *)(void *)(key + n);
    size_t groups = 0, score_rows[101] = {0};
    for (size_t k = 0; k < n;) {
        const uint64_t g = key[k];
        double sum;
        if (unit) {
            const size_t k0 = k;
            while (++k < n && key[k] == g) continue;
            sum = (double)(k - k0);
            score_rows[cr_score_of(cr_double(g >> 1))] += k - k0;
        } else {
            cr_exact *sw = score_w ? &score_w[cr_score_of(cr_double(g >> 1))] : NULL;
            sum = ws[idx[k++]];
            if (k < n && key[k] == g) {
                cr_exact w = {0};
                cr_exact_add(&w, sum);
                while (k < n && key[k] == g) cr_exact_add(&w, ws[idx[k++]]);
                sum = cr_exact_round(&w);
                if (sw) cr_exact_merge(sw, &w);   /* the group's exact weight, once */
            } else if (sw) {
                cr_exact_add(sw, sum);
            }
        }
        key[groups] = g;
        gw[groups++] = sum;
    }
    /* A count of rows weighing 1 is their exact weight. */
    if (unit && score_w)
        for (int sc = 0; sc <= 100; sc++) cr_exact_add(&score_w[sc], (double)score_rows[sc]);
    const cr_status st = cr_metrics_of_groups(m, key, gw, groups, rows, out, err);
    free(key), free(idx);
    return st;
}

/* Every metric finite, or NaN where a metric is undefined (an empty bin,
   one class): huge weights can add up past the largest double (the weight
   sum, or the weighted log loss of rows the model gets badly wrong), and
   such a sum is refused, never reported as inf or as the 0 a ratio to it
   gives. The first such metric is named; `out` is cleared. Every other
   metric is a part of the weight sum, a ratio of such parts (in [0, 1]),
   or the ROC's, all finite once these are. */
static cr_status metrics_finite(cr_metrics *out, cr_error *err)
{
    const struct { const char *what; double v; } sums[] = {
        {"the weights add up (weight_sum)", out->weight_sum},
        {"the weighted log loss adds up (log_loss)", out->log_loss},
        {"the weighted Brier score adds up (brier)", out->brier},
    };
    for (size_t k = 0; k < sizeof sums / sizeof *sums; k++) {
        if (sums[k].v - sums[k].v != 0) {   /* inf (never NaN: sums of terms >= 0, over W > 0) */
            memset(out, 0, sizeof *out);
            return cr_fail(err, CR_E_DATA, "weight", "evaluate: %s beyond the largest double; scale the weights down",
                           sums[k].what);
        }
    }
    return CR_OK;
}

cr_status cr_metrics_of_groups(const cr_model *m, const uint64_t *key, const double *gw, size_t groups, uint64_t rows,
                               cr_metrics *out, cr_error *err)
{
    /* Whole-number weights with a total of at most 2^53 add up exactly in
       doubles: the ROC's running sums then need no exact accumulator (the
       same sums either way). */
    int whole = 1;
    double total = 0;
    for (size_t k = 0; k < groups; k++) {
        whole &= gw[k] == floor(gw[k]);
        total += gw[k];
    }
    const int exact_doubles = whole && total <= 0x1p53;
    /* Exact sums, a weight times a term as the exact product: the metrics of
       a multiset of rows, whatever their order or merging. */
    enum { CELLS = CR_CALIBRATION_BINS * 3 };   /* (calibration bin, band) */
    cr_exact *acc = calloc(4 + 3 * CR_CALIBRATION_BINS + 3 * 3 + CELLS, sizeof *acc);
    if (!acc) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory evaluating %zu groups of rows", groups);
    memset(out, 0, sizeof *out);
    out->n = rows;
    cr_exact *wsum = acc, *wpos = acc + 1, *loss = acc + 2, *brier = acc + 3;
    cr_exact *bin_w = acc + 4, *bin_p = bin_w + CR_CALIBRATION_BINS, *bin_y = bin_p + CR_CALIBRATION_BINS;
    cr_exact *band_w = bin_y + CR_CALIBRATION_BINS, *band_p = band_w + 3, *band_y = band_p + 3;
    /* A row's p goes to its (bin, band) cell once, the bins' and the bands'
       sums merged from the cells after: the same exact sums. */
    cr_exact *cell_p = band_y + 3;
    /* With exact_doubles the sums of weights alone are exact in doubles (the
       same values as the exact sums'), kept by cell too; a weight of 1 times
       a term is the term. */
    double cell_w[CELLS] = {0}, cell_y[CELLS] = {0};
    double edge[CR_CALIBRATION_BINS - 1];
    for (int b = 0; b < CR_CALIBRATION_BINS - 1; b++) edge[b] = (double)(b + 1) * 0.1;
    double loss_of[LOSS_BLOCK];   /* the groups' log loss terms, a block at a time in lanes */
    for (size_t k = 0; k < groups; k++) {
        if (k % LOSS_BLOCK == 0) cr_log_loss_terms(0, key + k, groups - k < LOSS_BLOCK ? groups - k : LOSS_BLOCK, loss_of);
        const double p = cr_double(key[k] >> 1), w = gw[k], l = loss_of[k % LOSS_BLOCK];
        const int y = (int)(key[k] & 1);
        const double e = (double)y - p;
        /* calibration_curve(strategy='uniform'): the number of inner edges
           i/10 below p (searchsorted, side 'left'; the edges ascend). */
        int b = (int)(p * 10);   /* at most one off: each edge is i/10 rounded */
        b = b < CR_CALIBRATION_BINS - 1 ? b : CR_CALIBRATION_BINS - 1;
        while (b > 0 && !(edge[b - 1] < p)) b--;
        while (b < CR_CALIBRATION_BINS - 1 && edge[b] < p) b++;
        const int level = (int)cr_level_of(m, cr_score_of(p)), cell = b * 3 + level;
        if (w == 1.0) {
            cr_exact_add_inline(loss, l);
            cr_exact_add_inline(brier, e * e);
            cr_exact_add_inline(&cell_p[cell], p);
        } else {
            cr_exact_add_product(loss, w, l);
            cr_exact_add_product(brier, w, e * e);
            cr_exact_add_product(&cell_p[cell], w, p);
        }
        if (exact_doubles) {
            cell_w[cell] += w;
            if (y) cell_y[cell] += w;
        } else {
            cr_exact_add(wsum, w);
            cr_exact_add(&bin_w[b], w);
            cr_exact_add(&band_w[level], w);
            if (y) cr_exact_add(wpos, w), cr_exact_add(&bin_y[b], w), cr_exact_add(&band_y[level], w);
        }
    }
    double d_wsum = 0, d_wpos = 0;
    for (int c = 0; c < CELLS; c++) {
        cr_exact_merge(&bin_p[c / 3], &cell_p[c]);
        cr_exact_merge(&band_p[c % 3], &cell_p[c]);
        if (exact_doubles) {   /* whole numbers: every sum exact */
            d_wsum += cell_w[c], d_wpos += cell_y[c];
            cr_exact_add(&bin_w[c / 3], cell_w[c]), cr_exact_add(&bin_y[c / 3], cell_y[c]);
            cr_exact_add(&band_w[c % 3], cell_w[c]), cr_exact_add(&band_y[c % 3], cell_y[c]);
        }
    }
    if (exact_doubles) cr_exact_add(wsum, d_wsum), cr_exact_add(wpos, d_wpos);
    const double W = cr_exact_round(wsum), P = cr_exact_round(wpos);
    if (!(W > 0)) {
        free(acc);
        return cr_fail(err, CR_E_DATA, "weight", "evaluate: the rows all weigh 0: nothing to measure");
    }
    if (W < CR_WEIGHT_SUM_MIN) {
        free(acc);
        return cr_fail(err, CR_E_DATA, "weight", "evaluate: the weights add up to %.17g, below 2^-485: their "
                       "products with the metrics' terms would round below the smallest double; scale the "
                       "weights up", W);
    }
    out->weight_sum = W;
    out->base_rate = ratio(P, W);
    out->log_loss = ratio(cr_exact_round(loss), W);
    out->brier = ratio(cr_exact_round(brier), W);
    for (int b = 0; b < CR_CALIBRATION_BINS; b++) {
        cr_calibration_bin *c = &out->calibration[b];
        c->lo = (double)b * 0.1;
        c->hi = b == CR_CALIBRATION_BINS - 1 ? 1.0 : (double)(b + 1) * 0.1;
        c->weight = cr_exact_round(&bin_w[b]);
        c->mean_predicted = ratio(cr_exact_round(&bin_p[b]), c->weight);
        c->observed_rate = ratio(cr_exact_round(&bin_y[b]), c->weight);
    }
    for (int l = 0; l < 3; l++) {
        const double bw = cr_exact_round(&band_w[l]);
        out->bands[l].weight = bw;
        out->bands[l].share = ratio(bw, W);
        out->bands[l].observed_rate = ratio(cr_exact_round(&band_y[l]), bw);
        out->bands[l].mean_predicted = ratio(cr_exact_round(&band_p[l]), bw);
    }

    /* ROC from the highest probability down: one point per distinct
       probability (roc_curve's thresholds), trapezoids between them. */
    free(acc);
    cr_exact tp = {0}, fp = {0}, auc2 = {0};
    double tp_d = 0, fp_d = 0;   /* the same sums, when exact_doubles */
    double ks = 0;
    /* The rates' denominators are the sums the walk below ends on (as
       roc_curve divides by its last cumulative sum): the last point is
       exactly (1, 1), and no W - P cancels when one class outweighs the other. */
    double pos = d_wpos, neg = d_wsum - d_wpos;   /* exact with exact_doubles: whole numbers up to 2^53 */
    if (!exact_doubles) {
        cr_exact tp_all = {0}, fp_all = {0};
        for (size_t k = groups; k > 0; k--) cr_exact_add(key[k - 1] & 1 ? &tp_all : &fp_all, gw[k - 1]);
        pos = cr_exact_round(&tp_all), neg = cr_exact_round(&fp_all);
    }
    double prev_tpr = 0, prev_fpr = 0;
    out->has_roc = 1;
    if (pos > 0 && neg > 0) {
        /* The grid: points below the vertex's FPR lie on the segment from
           the previous vertex (or the origin); a point at exactly its FPR
           takes its TPR, and the last vertex there (the highest TPR) wins. */
        int g = 0;
        double grid_x = 0;   /* grid point g's FPR, g / (CR_ROC_GRID - 1) */
        for (size_t k = groups; k > 0;) {
            const uint64_t pb = key[k - 1] >> 1;
            while (k > 0 && key[k - 1] >> 1 == pb) {
                if (exact_doubles) *(key[k - 1] & 1 ? &tp_d : &fp_d) += gw[k - 1];
                else cr_exact_add(key[k - 1] & 1 ? &tp : &fp, gw[k - 1]);
                k--;
            }
            const double tpr = (exact_doubles ? tp_d : cr_exact_round(&tp)) / pos;
            const double fpr = (exact_doubles ? fp_d : cr_exact_round(&fp)) / neg;
            if (fpr != prev_fpr)   /* else a trapezoid of width 0: it adds nothing */
                cr_exact_add_product(&auc2, fpr - prev_fpr, tpr + prev_tpr);
            if (tpr - fpr > ks) ks = tpr - fpr;
            for (; g < CR_ROC_GRID && grid_x < fpr; g++, grid_x = (double)g / (CR_ROC_GRID - 1)) {
                out->roc_tpr[g] = grid_x > prev_fpr
                                      ? prev_tpr + (tpr - prev_tpr) * ((grid_x - prev_fpr) / (fpr - prev_fpr))
                                      : prev_tpr;   /* at the previous vertex: its TPR, the highest there */
            }
            if (g < CR_ROC_GRID && grid_x == fpr) out->roc_tpr[g] = tpr;
            prev_tpr = tpr, prev_fpr = fpr;
        }
        out->auc = cr_exact_round(&auc2) / 2 + 0.0;
        out->gini = 2 * out->auc - 1 + 0.0;
        out->ks = ks + 0.0;
    } else {
        out->auc = out->gini = out->ks = cr_nan();
        for (int g = 0; g < CR_ROC_GRID; g++) out->roc_tpr[g] = cr_nan();
    }
    return metrics_finite(out, err);
}

/* A number, or null for NaN (an empty bin, one class). */
static void number(cr_text *t, double v)
{
    if (v != v) cr_text_str(t, "null");
    else cr_text_double(t, v);
}

cr_status cr_metrics_json(const cr_metrics *mt, char *dst, size_t cap, size_t *size, cr_error *err)
{
    if (!mt) return cr_fail(err, CR_E_ARG, NULL, "metrics is NULL");
    cr_text t = {dst, dst ? cap : 0, 0};
    cr_text_printf(&t, "{\"n\":%llu,\"weight_sum\":", (unsigned long long)mt->n);
    number(&t, mt->weight_sum);
    const struct { const char *name; double v; } scalars[] = {
        {"base_rate", mt->base_rate}, {"log_loss", mt->log_loss}, {"brier", mt->brier},
        {"auc", mt->auc},             {"gini", mt->gini},         {"ks", mt->ks},
    };
    for (size_t k = 0; k < sizeof scalars / sizeof *scalars; k++) {
        cr_text_printf(&t, ",\"%s\":", scalars[k].name);
        number(&t, scalars[k].v);
    }
    if (mt->has_roc) {   /* absent from a model's metrics: its JSON and card stay as they were */
        cr_text_str(&t, ",\"roc\":[");
        for (int g = 0; g < CR_ROC_GRID; g++) {
            cr_text_str(&t, g ? ",{\"fpr\":" : "{\"fpr\":");
            number(&t, (double)g / (CR_ROC_GRID - 1));
            cr_text_str(&t, ",\"tpr\":");
            number(&t, mt->roc_tpr[g]);
            cr_text_str(&t, "}");
        }
        cr_text_str(&t, "]");
    }
    cr_text_str(&t, ",\"calibration\":[");
    for (int b = 0; b < CR_CALIBRATION_BINS; b++) {
        const cr_calibration_bin *c = &mt->calibration[b];
        cr_text_str(&t, b ? ",{\"lo\":" : "{\"lo\":");
        number(&t, c->lo);
        cr_text_str(&t, ",\"hi\":");
        number(&t, c->hi);
        cr_text_str(&t, ",\"weight\":");
        number(&t, c->weight);
        cr_text_str(&t, ",\"mean_predicted\":");
        number(&t, c->mean_predicted);
        cr_text_str(&t, ",\"observed_rate\":");
        number(&t, c->observed_rate);
        cr_text_str(&t, "}");
    }
    cr_text_str(&t, "],\"bands\":[");
    for (int l = 0; l < 3; l++) {
        const cr_band_stats *b = &mt->bands[l];
        cr_text_printf(&t, "%s{\"band\":\"%s\",\"weight\":", l ? "," : "", cr_risk_level_str((cr_risk_level)l));
        number(&t, b->weight);
        cr_text_str(&t, ",\"share\":");
        number(&t, b->share);
        cr_text_str(&t, ",\"observed_rate\":");
        number(&t, b->observed_rate);
        cr_text_str(&t, ",\"mean_predicted\":");
        number(&t, b->mean_predicted);
        cr_text_str(&t, "}");
    }
    cr_text_str(&t, "]}");
    return cr_text_end(&t, size, err);
}
