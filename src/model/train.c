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
 */
#include "internal.h"
#include "crmath.h"

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
} problem;

typedef struct {
    double f;
    double g[CR_MAX_PARAMS];
    double h[CR_HESS_SIZE];   /* packed upper triangle, row by row */
} evaluation;

/* The exact sums of one evaluation: f, then g, then the packed H. */
typedef struct {
    cr_exact s[1 + CR_MAX_PARAMS + CR_HESS_SIZE];
} sums;

/* Index of (k, l), k <= l, in the packed upper triangle of an np x np matrix. */
static size_t tri(size_t np, size_t k, size_t l) { return k * np - k * (k - 1) / 2 + (l - k); }

/* Adds rows [0, n) to the sums at theta: f (loss), g, H. Inlined with
   constant D and NP for the common small schemas. */
static inline __attribute__((always_inline)) void accumulate(const problem *p, const double *theta, const size_t D,
                                                             const size_t NP, sums *acc)
{
    const double b = NP > D ? theta[D] : 0.0;
    cr_exact *f = acc->s, *g = acc->s + 1, *h = acc->s + 1 + NP;
    for (size_t i = 0; i < p->n; i++) {
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

static void accumulate_all(const problem *p, const double *theta, sums *acc)
{
#define CASE(D)                                                               \
    case D:                                                                   \
        if (p->np > D) accumulate(p, theta, D, D + 1, acc);                   \
        else accumulate(p, theta, D, D, acc);                                 \
        return;
    switch (p->d) {
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
    default:
        accumulate(p, theta, p->d, p->np, acc);
    }
#undef CASE
}

/* Large scratch lives on the heap: wasm stacks are small (64 KiB in WASI). */
typedef struct {
    evaluation ev[2];
    sums acc;
    double chol[CR_MAX_PARAMS * CR_MAX_PARAMS];
} workspace;

/* The objective, gradient and Hessian at theta: the rows' exact sums,
   rounded, plus the penalty. */
static void evaluate(const problem *p, const double *theta, evaluation *ev, sums *acc)
{
    const size_t d = p->d, np = p->np, nh = np * (np + 1) / 2;
    memset(acc, 0, (1 + np + nh) * sizeof acc->s[0]);
    accumulate_all(p, theta, acc);
    const double f = cr_exact_round(&acc->s[0]);
    for (size_t k = 0; k < np; k++) ev->g[k] = cr_exact_round(&acc->s[1 + k]);
    for (size_t k = 0; k < nh; k++) ev->h[k] = cr_exact_round(&acc->s[1 + np + k]);
    double reg = 0;
    for (size_t j = 0; j < d; j++) {
        reg += theta[j] * theta[j];
        ev->g[j] += p->inv_c * theta[j];
        ev->h[tri(np, j, j)] += p->inv_c;
    }
    ev->f = f + 0.5 * p->inv_c * reg;
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
   reasons' baseline), as exact sums; and whether the rows may merge: every
   weight a whole number and their total at most 2^53, so that summing them
   is exact in any order and a merged row adds exactly what its copies
   would. */
typedef struct {
    double cw[2];
    double wsum;
    double mean[CR_MAX_FEATURES];
    int mergeable;
} data_summary;

static cr_status summarise(const cr_dataset *ds, const cr_train_options *opt, data_summary *sum, cr_error *err)
{
    const size_t n = ds->rows, d = ds->schema.n_features;
    if (n == 0) return cr_fail(err, CR_E_DATA, NULL, "training data has no rows");
    size_t count[2] = {0, 0};
    for (size_t i = 0; i < n; i++) count[ds->y[i]]++;
    if (count[0] == 0 || count[1] == 0)
        return cr_fail(err, CR_E_DATA, "label", "training data needs both labels, got only label %d",
                       count[0] ? 0 : 1);
    sum->cw[0] = sum->cw[1] = 1.0;
    if (opt->class_weight_mode == CR_CLASS_WEIGHT_BALANCED) {
        sum->cw[0] = (double)n / (2.0 * (double)count[0]);
        sum->cw[1] = (double)n / (2.0 * (double)count[1]);
    } else if (opt->class_weight_mode == CR_CLASS_WEIGHT_EXPLICIT) {
        sum->cw[0] = opt->class_weight[0];
        sum->cw[1] = opt->class_weight[1];
    }
    cr_exact *acc = calloc(3 + d, sizeof *acc);   /* class 0, class 1, raw weights, features */
    if (!acc) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory in training");
    int whole = 1;
    for (size_t i = 0; i < n; i++) {
        const double wi = ds->w[i], cw = sum->cw[ds->y[i]];
        cr_exact_add_product(&acc[ds->y[i]], wi, cw);
        cr_exact_add(&acc[2], wi);
        whole &= wi == floor(wi);
        for (size_t j = 0; j < d; j++) cr_exact_add_product(&acc[3 + j], wi, cw * ds->x[i * d + j]);
    }
    const double wsum_class[2] = {cr_exact_round(&acc[0]), cr_exact_round(&acc[1])};
    sum->mergeable = whole && cr_exact_round(&acc[2]) <= 0x1p53;
    cr_exact both = acc[0];
    cr_exact_merge(&both, &acc[1]);
    sum->wsum = cr_exact_round(&both);
    double total[CR_MAX_FEATURES];
    for (size_t j = 0; j < d; j++) total[j] = cr_exact_round(&acc[3 + j]);
    free(acc);
    if (!(wsum_class[0] > 0) || !(wsum_class[1] > 0))
        return cr_fail(err, CR_E_DATA, "weight", "training data needs a positive weight sum in both classes, "
                       "got %.17g and %.17g", wsum_class[0], wsum_class[1]);
    if (sum->wsum - sum->wsum != 0)
        return cr_fail(err, CR_E_DATA, "weight", "training data: the weights add up beyond the largest double "
                       "(classes %.17g and %.17g); scale them down", wsum_class[0], wsum_class[1]);
    for (size_t j = 0; j < d; j++) sum->mean[j] = total[j] / sum->wsum;
    return CR_OK;
}

/* Projected Newton from theta = 0 until max |projected gradient| <= gtol.
   Fills theta and stats; fails only when the progress callback cancels. */
static cr_status solve(const problem *p, const cr_train_options *opt, const uint8_t *sign, double gtol,
                       workspace *ws, double *theta, cr_train_stats *stats, cr_error *err)
{
    evaluation *cur = &ws->ev[0], *trial = &ws->ev[1];
    memset(theta, 0, p->np * sizeof *theta);
    evaluate(p, theta, cur, &ws->acc);
    double gnorm = projected_grad_norm(p, sign, theta, cur->g);
    int iter = 0, converged = 0;
    for (;;) {
        if (opt->progress) {
            cr_progress pr = {iter, cur->f, gnorm};
            if (opt->progress(opt->progress_ctx, &pr))
                return cr_fail(err, CR_E_CANCELLED, NULL, "training cancelled at iteration %d", iter);
        }
        if (gnorm <= gtol) {
            converged = 1;
            break;
        }
        if (iter >= opt->max_iter) break;

        int free_var[CR_MAX_PARAMS];
        for (size_t k = 0; k < p->np; k++)
            free_var[k] = !(k < p->d && at_bound_pushing_out(sign, k, theta[k], cur->g[k]));
        double dir[CR_MAX_PARAMS];
        if (!newton_direction(p, cur, free_var, dir, ws->chol))
            for (size_t k = 0; k < p->np; k++) dir[k] = free_var[k] ? -cur->g[k] : 0.0;

        /* Backtracking on the projected path; a step that cuts the gradient
           while f changes only at rounding level is also taken, since near the
           optimum f cannot resolve the Newton decrement. f >= 0: a sum of
           weighted log-losses and a square. */
        double alpha = 1.0, next[CR_MAX_PARAMS];
        int accepted = 0;
        for (int bt = 0; bt < CR_MAX_BACKTRACKS && !accepted; bt++, alpha *= 0.5) {
            for (size_t k = 0; k < p->np; k++) next[k] = theta[k] + alpha * dir[k];
            project(p, sign, next);
            double slope = 0;
            for (size_t k = 0; k < p->np; k++) slope += cur->g[k] * (next[k] - theta[k]);
            evaluate(p, next, trial, &ws->acc);
            double gn = projected_grad_norm(p, sign, next, trial->g);
            if (trial->f <= cur->f + 1e-4 * slope || (trial->f <= cur->f + 1e-13 * cur->f && gn < gnorm)) {
                accepted = 1;
                gnorm = gn;
            }
        }
        if (!accepted) break;
        memcpy(theta, next, p->np * sizeof *theta);
        evaluation *t = cur;
        cur = trial;
        trial = t;
        iter++;
    }
    stats->iterations = iter;
    stats->objective = cur->f;
    stats->grad_norm = gnorm;
    stats->converged = converged;
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
    cr_status st = summarise(ds, opt, &sum, err);
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
    cr_model *m = calloc(1, sizeof *m);
    workspace *ws = malloc(sizeof *ws);
    if (!m || !ws) st = cr_fail(err, CR_E_NOMEM, NULL, "out of memory in training");

    uint8_t sign[CR_MAX_FEATURES] = {0};
    for (size_t j = 0; j < d; j++) sign[j] = (uint8_t)opt->signs[j];
    double theta[CR_MAX_PARAMS];
    if (st == CR_OK) st = solve(&p, opt, sign, opt->tol * sum.wsum, ws, theta, &m->stats, err);
    free(ws);
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

    memcpy(&m->schema, &ds->schema, sizeof m->schema);
    for (size_t j = 0; j < d; j++) {
        m->coef[j] = theta[j] + 0.0;   /* + 0.0 turns a projected -0 into 0 */
        m->baseline[j] = sum.mean[j];
        m->sign[j] = sign[j];
    }
    m->intercept = opt->fit_intercept ? theta[d] : 0.0;
    m->band_high = opt->band_high;
    m->band_medium = opt->band_medium;
    m->info.rows = n;
    m->info.weight_sum = sum.wsum;
    m->info.C = opt->C;
    m->info.fit_intercept = opt->fit_intercept;
    m->info.class_weight_mode = opt->class_weight_mode;
    m->info.class_weight[0] = sum.cw[0];
    m->info.class_weight[1] = sum.cw[1];
    m->info.max_iter = opt->max_iter;
    m->info.tol = opt->tol;
    memcpy(m->info.data_sha256, digest, CR_MODEL_ID_SIZE);
    cr_model_drop_negative_zeros(m);   /* e.g. tol = -0 */
    /* Data near the top of the double range can overflow the objective or
       leave coefficients beyond CR_REAL_MAX: such a model is never returned. */
    cr_error why;
    st = cr_model_validate(m, &why);
    if (st != CR_OK)
        st = cr_fail(err, CR_E_NONFINITE, why.field,
                     "training overflowed (%s); scale the features down", why.message);
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
