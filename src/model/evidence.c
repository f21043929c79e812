/* evidence.c - what a trained model carries about itself (model format 2):
 * the holdout split, Platt scaling fitted on the holdout, the metrics of the
 * fitted rows and of the holdout, and the drift reference (weighted-quantile
 * bins of every feature and the score's deciles over the fitted rows).
 * Every sum is exact (cr_exact), a weight times a term added as the exact
 * product: the result depends on the multiset of rows, not on their order,
 * and a row of weight k is k rows of weight 1. */
#include "internal.h"
#include "crmath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PLATT_MAX_ITER 100

/* ---- the holdout ---- */

/* splitmix64: the row's hash and the seed, mixed. */
static uint64_t mix(uint64_t z)
{
    z += 0x9E3779B97F4A7C15u;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

int cr_holdout_hash_pick(const cr_train_options *o, uint64_t row_hash)
{
    /* By the row's content: the same rows split alike whatever their order or shards. */
    return (double)(mix(mix((uint64_t)o->holdout_seed) ^ row_hash) >> 11) * 0x1p-53 < o->holdout_fraction;
}

cr_status cr_holdout_split(const cr_dataset *ds, const cr_train_options *o, cr_dataset *part[2], cr_error *err)
{
    const size_t n = ds->rows;
    part[0] = part[1] = NULL;
    uint8_t *pick = malloc(n ? n : 1);
    if (!pick) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory splitting the holdout");
    const double f = o->holdout_fraction;
    size_t held = 0;
    if (o->holdout_method == CR_HOLDOUT_ORDER) {
        /* The last ceil(f n) rows, as train_test_split counts a test fraction. */
        size_t h = (size_t)(f * (double)n);
        if ((double)h < f * (double)n) h++;
        for (size_t i = 0; i < n; i++) pick[i] = i >= n - h;
        held = h;
    } else {
        for (size_t i = 0; i < n; i++) {
            pick[i] = (uint8_t)cr_holdout_hash_pick(o, ds->row_hash[i]);
            held += pick[i];
        }
    }
    cr_status st = CR_OK;
    if (held == 0 || held == n)
        st = cr_fail(err, CR_E_DATA, "holdout", "holdout: a fraction %.17g of %zu rows leaves %s", f, n,
                     held ? "no row to fit" : "no row held out");
    if (st == CR_OK) st = cr_dataset_subset(ds, pick, 0, &part[0], err);
    if (st == CR_OK) st = cr_dataset_subset(ds, pick, 1, &part[1], err);
    if (st == CR_OK) {
        int weighed = 0;
        for (size_t i = 0; i < part[1]->rows && !weighed; i++) weighed = part[1]->w[i] > 0;
        if (!weighed)
            st = cr_fail(err, CR_E_DATA, "holdout", "holdout: the %zu held-out rows all weigh 0: nothing to measure the "
                         "model on", part[1]->rows);
    }
    free(pick);
    if (st != CR_OK) {
        cr_dataset_free(part[0]);
        cr_dataset_free(part[1]);
        part[0] = part[1] = NULL;
    }
    return st;
}

/* ---- Platt scaling ---- */

/* log(1 + e^z) without overflow. */
static double softplus(double z)
{
    const double a = z < 0 ? -z : z;
    return (z > 0 ? z : 0) + cr_log1p(cr_exp(-a));
}

/* Platt's objective at (a, b): targets t, weights w over logits f. */
static double platt_loss(const double *f, const double *t, const double *w, size_t n, double a, double b)
{
    cr_exact s = {0};
    for (size_t i = 0; i < n; i++) {
        const double z = a * f[i] + b;
        cr_exact_add_product(&s, w[i], t[i] * softplus(-z) + (1 - t[i]) * softplus(z));
    }
    return cr_exact_round(&s);
}

/* Minimises sum w_i [t_i log(1 + e^-z_i) + (1 - t_i) log(1 + e^z_i)], z = a f + b,
   Platt's smoothed targets t = (N+ + 1) / (N+ + 2) for label 1 and 1 / (N- + 2)
   for 0 (N by rows: scikit-learn's _sigmoid_calibration counts rows too, and
   summed weights when given sample weights), by Newton's
   method with halving steps, to the point where no step lowers it. */
static cr_status platt_fit(const double *f, const uint8_t *y, const double *w, size_t n, double *a_out,
                           double *b_out, cr_error *err)
{
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) pos += y[i];
    const double tp = ((double)pos + 1) / ((double)pos + 2), tn = 1 / ((double)(n - pos) + 2);
    double *t = malloc((n ? n : 1) * sizeof *t);
    if (!t) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory calibrating");
    for (size_t i = 0; i < n; i++) t[i] = y[i] ? tp : tn;
    /* Damped Newton while a step lowers the objective; once none does (the
       objective is flat to rounding there), full Newton steps polish the
       point while they shrink the gradient, and the point with the smallest
       gradient is kept. */
    double a = 1, b = 0, loss = platt_loss(f, t, w, n, a, b);
    int polishing = 0;
    double best_a = a, best_b = b, best_g = 1.0 / 0.0;
    for (int it = 0; it < PLATT_MAX_ITER; it++) {
        cr_exact ga = {0}, gb = {0}, haa = {0}, hab = {0}, hbb = {0};
        for (size_t i = 0; i < n; i++) {
            const double p = cr_sigmoid(a * f[i] + b), r = p - t[i], h = p * (1 - p);
            cr_exact_add_product(&ga, w[i], r * f[i]);
            cr_exact_add_product(&gb, w[i], r);
            cr_exact_add_product(&haa, w[i], h * f[i] * f[i]);
            cr_exact_add_product(&hab, w[i], h * f[i]);
            cr_exact_add_product(&hbb, w[i], h);
        }
        const double Ga = cr_exact_round(&ga), Gb = cr_exact_round(&gb);
        const double Haa = cr_exact_round(&haa), Hab = cr_exact_round(&hab), Hbb = cr_exact_round(&hbb);
        const double g = (Ga < 0 ? -Ga : Ga) + (Gb < 0 ? -Gb : Gb);
        if (polishing) {
            if (!(g < best_g)) break;   /* no longer closer */
            best_a = a, best_b = b, best_g = g;
        }
        if (g == 0) break;
        const double det = Haa * Hbb - Hab * Hab;
        double da, db;
        if (det > 1e-12 * Haa * Hbb && det > 0) {
            da = -(Hbb * Ga - Hab * Gb) / det;
            db = -(Haa * Gb - Hab * Ga) / det;
        } else if (Hbb > 0) {   /* the logits do not vary: only b can move */
            da = 0;
            db = -Gb / Hbb;
        } else {
            break;
        }
        if (polishing) {
            a += da, b += db;
            continue;
        }
        double step = 1;
        int moved = 0;
        for (int k = 0; k < 60; k++, step *= 0.5) {
            const double na = a + step * da, nb = b + step * db;
            if (na == a && nb == b) break;
            const double next = platt_loss(f, t, w, n, na, nb);
            if (next < loss) {
                a = na, b = nb, loss = next, moved = 1;
                break;
            }
        }
        if (!moved) {   /* flat: polish from here */
            polishing = 1;
            best_a = a, best_b = b, best_g = g;
            a += da, b += db;
        }
    }
    if (polishing) a = best_a, b = best_b;
    free(t);
    if (!(a - a == 0) || !(b - b == 0) || (a < 0 ? -a : a) > CR_CALIBRATION_A_MAX || (b < 0 ? -b : b) > CR_REAL_MAX)
        return cr_fail(err, CR_E_RANGE, "calibration", "calibration: Platt scaling gives a = %.17g, b = %.17g; |a| "
                       "must be at most %g (the model's logits barely vary on the holdout)", a, b, CR_CALIBRATION_A_MAX);
    *a_out = a + 0.0;
    *b_out = b + 0.0;
    return CR_OK;
}

/* ---- the drift reference ---- */

double cr_key_value(uint64_t k)
{
    const uint64_t u = k >> 63 ? k & ~((uint64_t)1 << 63) : ~k;
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

void cr_score_bins(cr_bins *b)
{
    memset(b, 0, sizeof *b);
    b->n_bins = CR_SCORE_BINS;
    for (int k = 0; k < CR_SCORE_BINS - 1; k++) b->cut[k] = 10.0 * k + 9;
}

int cr_bin_of(const cr_bins *b, double x)
{
    int k = 0;
    while (k < b->n_bins - 1 && b->cut[k] < x) k++;
    return k;
}

/* Each bin's weight share over the rows (value of row i: v[i * stride]). */
static void shares(cr_bins *b, const double *v, size_t stride, const double *w, size_t n, double total)
{
    cr_exact s[CR_DRIFT_BINS];
    memset(s, 0, sizeof s);
    for (size_t i = 0; i < n; i++) cr_exact_add(&s[cr_bin_of(b, v[i * stride])], w[i]);
    for (int k = 0; k < b->n_bins; k++) b->share[k] = cr_exact_round(&s[k]) / total + 0.0;
}

/* Up to 10 bins at the weighted deciles of one feature: cut k is the least
   value whose cumulative weight reaches k/10 of the total; equal cuts merge,
   and a cut at the largest value is dropped (no bin above it). */
static cr_status quantile_bins(cr_bins *b, const double *v, size_t stride, const double *w, size_t n, double total,
                               cr_error *err)
{
    uint64_t *key = malloc((n ? n : 1) * sizeof *key);
    uint32_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!key || !idx) {
        free(key), free(idx);
        return cr_fail(err, CR_E_NOMEM, NULL, "out of memory building the drift reference");
    }
    /* Rows that weigh nothing are left out (as the merged rows leave them):
       the cuts are those of the weighted multiset, however it is held. */
    const size_t all = n;
    n = 0;
    for (size_t i = 0; i < all; i++) {
        if (!(w[i] > 0)) continue;
        key[n] = cr_value_key(v[i * stride]);
        idx[n++] = (uint32_t)i;
    }
    if (!cr_sort_keys(key, idx, n, 64)) {
        free(key), free(idx);
        return cr_fail(err, CR_E_NOMEM, NULL, "out of memory building the drift reference");
    }
    const double largest = cr_key_value(key[n - 1]);
    /* Whole-number weights up to 2^53 in all add up exactly in doubles. */
    int whole = 1;
    for (size_t i = 0; i < n; i++) whole &= w[idx[i]] == floor(w[idx[i]]);
    const int exact_doubles = whole && total <= 0x1p53;
    cr_exact cum = {0};
    double cum_d = 0;
    int cuts = 0, k = 1;
    for (size_t i = 0; i < n && k < CR_DRIFT_BINS; i++) {
        const double wi = w[idx[i]];
        if (exact_doubles) cum_d += wi;
        else cr_exact_add(&cum, wi);
        if (i + 1 < n && key[i + 1] == key[i]) continue;   /* the value's whole weight first */
        const double value = cr_key_value(key[i]);
        const double reached_weight = exact_doubles ? cum_d : cr_exact_round(&cum);
        int reached = 0;
        while (k < CR_DRIFT_BINS && reached_weight >= total * k / CR_DRIFT_BINS) k++, reached = 1;
        if (reached && value < largest && (cuts == 0 || b->cut[cuts - 1] < value)) b->cut[cuts++] = value;
    }
    b->n_bins = (uint8_t)(cuts + 1);
    free(key), free(idx);
    shares(b, v, stride, w, all, total);
    return CR_OK;
}

/* quantile_bins() for columns col[0..ncol) of x (n > 0 rows of d values,
   bins ref[col[c]]) when every row weighs 1 (total = n): the value that
   reaches k/10 of the weight is the one of rank ceil(k n / 10) - 1 in
   sorted order, so the cuts and the counts at or below them come from one
   select over all the columns (cr_select_columns), no sort. */
static cr_status unit_quantile_bins(cr_bins *ref, const double *x, size_t d, const uint8_t *col, const uint8_t *whole,
                                    int ncol, size_t n, double total, cr_error *err)
{
    enum { Q = CR_DRIFT_BINS - 1 };
    size_t rank[Q];
    for (int k = 1; k < CR_DRIFT_BINS; k++) {
        const double reach = total * k / CR_DRIFT_BINS;   /* as quantile_bins() compares it */
        size_t r = (size_t)reach;
        r += (double)r < reach;   /* the least count >= reach, >= 1 */
        rank[k - 1] = r - 1;
    }
    uint64_t top[CR_MAX_FEATURES], *at = malloc((size_t)ncol * Q * sizeof *at);
    size_t *at_most = malloc((size_t)ncol * Q * sizeof *at_most);
    if (!at || !at_most || !cr_select_columns(x, n, d, col, whole, ncol, rank, Q, at, at_most, top)) {
        free(at), free(at_most);
        return cr_fail(err, CR_E_NOMEM, NULL, "out of memory building the drift reference");
    }
    for (int c = 0; c < ncol; c++) {
        cr_bins *b = &ref[col[c]];
        const double largest = cr_key_value(top[c]);
        size_t upto[Q];
        int cuts = 0;
        for (int q = 0; q < Q; q++) {
            const double value = cr_key_value(at[c * Q + q]);
            if (value < largest && (cuts == 0 || b->cut[cuts - 1] < value))
                upto[cuts] = at_most[c * Q + q], b->cut[cuts++] = value;
        }
        b->n_bins = (uint8_t)(cuts + 1);
        /* cr_bin_of(): bin c holds cut[c-1] < x <= cut[c]. */
        size_t below = 0;
        for (int k = 0; k < b->n_bins; k++) {
            const size_t through = k < cuts ? upto[k] : n;
            b->share[k] = (double)(through - below) / total + 0.0;
            below = through;
        }
    }
    free(at), free(at_most);
    return CR_OK;
}

/* The drift reference of rows x (n of them, weights w); `score_w`: the
   weight of each score 0..100 over them (cr_evaluate_rows_scored()). */
static cr_status reference_build(cr_model *m, const double *x, const double *w, size_t n, const cr_exact *score_w,
                                 cr_error *err)
{
    const cr_schema *s = &m->schema;
    const size_t d = s->n_features;
    const int unit = cr_weights_unit(w, n);
    double total = (double)n;   /* n rows weighing 1 (n < 2^53): the exact sum */
    if (!unit) {
        cr_exact tw = {0};
        cr_exact_add_array(&tw, w, n);
        total = cr_exact_round(&tw);
    }
    cr_status st = CR_OK;
    uint8_t selected[CR_MAX_FEATURES], whole[CR_MAX_FEATURES];   /* every row weighing 1: the features for one select */
    int n_selected = 0;
    for (size_t j = 0; j < d && st == CR_OK; j++) {
        cr_bins *b = &m->ev.reference[j];
        memset(b, 0, sizeof *b);
        if (s->field_type[s->feature_field[j]] == CR_FIELD_BOOL) {   /* 0 or 1: two bins */
            b->n_bins = 2;
            b->cut[0] = 0;
            if (unit) {   /* counts: bin 0 holds x <= 0 */
                size_t zeros = 0;
                for (size_t i = 0; i < n; i++) zeros += !(0 < x[i * d + j]);
                b->share[0] = (double)zeros / total + 0.0;
                b->share[1] = (double)(n - zeros) / total + 0.0;
            } else {
                shares(b, x + j, d, w, n, total);
            }
        } else if (unit) {
            whole[n_selected] = s->field_type[s->feature_field[j]] == CR_FIELD_COUNT;   /* counts are whole numbers */
            selected[n_selected++] = (uint8_t)j;
        } else {
            st = quantile_bins(b, x + j, d, w, n, total, err);
        }
    }
    /* n >= 1: cr_evaluate_rows_scored() found weight */
    if (st == CR_OK && n_selected) st = unit_quantile_bins(m->ev.reference, x, d, selected, whole, n_selected, n, total, err);
    if (st != CR_OK) return st;
    /* The score's deciles: 0-9, ..., 80-89, 90-100. */
    cr_bins *sb = &m->ev.score_reference;
    cr_score_bins(sb);
    cr_exact bin[CR_SCORE_BINS];   /* each score's exact weight into its bin */
    memset(bin, 0, sizeof bin);
    for (int sc = 0; sc <= 100; sc++) cr_exact_merge(&bin[cr_bin_of(sb, (double)sc)], &score_w[sc]);
    for (int k = 0; k < sb->n_bins; k++) sb->share[k] = cr_exact_round(&bin[k]) / total + 0.0;
    return CR_OK;
}

/* ---- all of it ---- */

/* The rows of ds, merged when few are distinct (most call data): the
   metrics and the reference read the same multiset either way. */
typedef struct {
    cr_rows merged;
    const double *x, *w;
    const uint8_t *y;
    size_t n;
} row_view;

static cr_status view_of(const cr_dataset *ds, row_view *v, cr_error *err)
{
    memset(v, 0, sizeof *v);
    /* Merged rows (whole-number weights, summed exactly) add exactly what
       their copies would: the metrics are cr_evaluate()'s of the rows apart. */
    const int packed = ds->rows >= 64 ? cr_compress_rows(ds, ds->rows / 4, &v->merged) : 0;
    if (packed < 0) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory measuring the model");
    v->x = packed ? v->merged.x : ds->x;
    v->w = packed ? v->merged.s : ds->w;
    v->y = packed ? v->merged.y : ds->y;
    v->n = packed ? v->merged.n : ds->rows;
    return CR_OK;
}

static void view_free(row_view *v)
{
    free(v->merged.x);
    free(v->merged.s);
    free(v->merged.y);
}

cr_status cr_evidence_build(cr_model *m, const cr_dataset *fitted, const cr_rows *merged, const cr_dataset *holdout,
                            const cr_train_options *o, cr_error *err)
{
    cr_evidence *ev = &m->ev;
    memset(ev, 0, sizeof *ev);
    cr_status st = CR_OK;
    const size_t d = m->schema.n_features;
    if (holdout) {
        ev->holdout_method = o->holdout_method;
        ev->holdout_fraction = o->holdout_fraction;
        ev->holdout_seed = o->holdout_method == CR_HOLDOUT_HASH ? o->holdout_seed : 0;
    }
    if (holdout && o->calibration == CR_CALIBRATION_SIGMOID) {
        double *f = malloc((holdout->rows ? holdout->rows : 1) * sizeof *f);
        if (!f) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory calibrating");
        for (size_t i = 0; i < holdout->rows; i++) f[i] = cr_logit(m, holdout->x + i * d);
        st = platt_fit(f, holdout->y, holdout->w, holdout->rows, &ev->cal_a, &ev->cal_b, err);
        free(f);
        if (st != CR_OK) return st;
        ev->calibration = CR_CALIBRATION_SIGMOID;
    }
    /* The solver's rows: merged, or as they are where it could not merge
       them (view_of() would not either: the same test on the same rows). */
    row_view v;
    memset(&v, 0, sizeof v);
    v.x = merged ? merged->x : fitted->x, v.w = merged ? merged->s : fitted->w;
    v.y = merged ? merged->y : fitted->y, v.n = merged ? merged->n : fitted->rows;
    /* The metrics' probabilities score the rows for the reference too. */
    cr_exact *score_w = calloc(101, sizeof *score_w);
    if (!score_w) st = cr_fail(err, CR_E_NOMEM, NULL, "out of memory building the drift reference");
    if (st == CR_OK) st = cr_evaluate_rows_scored(m, v.x, v.y, v.w, v.n, fitted->rows, &ev->train, score_w, err);
    if (st == CR_OK) st = reference_build(m, v.x, v.w, v.n, score_w, err);
    free(score_w);
    view_free(&v);
    if (st == CR_OK && holdout) {
        if ((st = view_of(holdout, &v, err)) != CR_OK) return st;
        st = cr_evaluate_rows(m, v.x, v.y, v.w, v.n, holdout->rows, &ev->holdout, err);
        view_free(&v);
    }
    if (st != CR_OK) return st;
    ev->present = 1;
    return CR_OK;
}
