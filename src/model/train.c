/* train.c - L2 logistic regression by projected Newton's method.
 *
 * Minimises f(w, b) = sum_i s_i * logloss(y_i, w.x_i + b) + |w|^2 / (2C), the
 * objective of scikit-learn's LogisticRegression (intercept unpenalised, s_i =
 * sample weight * class weight). Sign constraints are bounds at 0, handled by
 * fixing the bound variables whose gradient points outwards (Bertsekas'
 * projected Newton) and projecting each trial point back onto the bounds.
 *
 * Determinism: one pass per evaluation, rows in order, partial sums per block
 * of rows added in block order; exp/log1p are the project's own.
 */
#include "internal.h"
#include "crmath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CR_MAX_PARAMS (CR_MAX_FEATURES + 1)
#define CR_HESS_SIZE (CR_MAX_PARAMS * (CR_MAX_PARAMS + 1) / 2)
#define CR_BLOCK_ROWS 4096
#define CR_MAX_BACKTRACKS 60

/* The rows the solver sees: distinct (features, label) pairs with summed
   weights when that shrinks the data (see compress_rows), else the data set. */
typedef struct {
    const double *x;     /* n * d features */
    const uint8_t *y;
    const double *s;     /* effective weights: sample weight * class weight */
    size_t n, d, np;     /* np = d + fit_intercept */
    double inv_c;
} problem;

typedef struct {
    double f;
    double g[CR_MAX_PARAMS];
    double h[CR_HESS_SIZE];   /* packed upper triangle, row by row */
} evaluation;

/* Index of (k, l), k <= l, in the packed upper triangle of an np x np matrix. */
static size_t tri(size_t np, size_t k, size_t l) { return k * np - k * (k - 1) / 2 + (l - k); }

/* Adds rows [i0, i1) to f, g, h. Inlined with constant D and NP for the
   common small schemas, so the compiler unrolls the Hessian update. */
static inline __attribute__((always_inline)) void accumulate(const problem *p, const double *theta, size_t i0,
                                                             size_t i1, const size_t D, const size_t NP,
                                                             double *restrict f, double *restrict g,
                                                             double *restrict h)
{
    const double b = NP > D ? theta[D] : 0.0;
    double fb = 0;
    for (size_t i = i0; i < i1; i++) {
        const double *xi = p->x + i * D;
        const int yi = p->y[i];
        const double si = p->s[i];
        double z = b;
        for (size_t j = 0; j < D; j++) z += theta[j] * xi[j];
        /* logloss = softplus(t), t = z for y = 0 and -z for y = 1; with
           e = exp(-|z|), softplus(t) = max(t, 0) + log1p(e) never
           overflows and keeps full precision for large |z|. */
        const double t = yi ? -z : z;
        const double e = cr_exp(z < 0 ? z : -z);
        const double q = 1.0 / (1.0 + e);
        const double sigma = z >= 0 ? q : e * q;
        fb += si * ((t > 0 ? t : 0.0) + cr_log1p(e));
        const double r = si * (sigma - yi);
        const double c = si * (e * q * q);    /* s * sigma * (1 - sigma) */
        double v[CR_MAX_PARAMS];
        for (size_t j = 0; j < D; j++) v[j] = xi[j];
        if (NP > D) v[D] = 1.0;
        size_t k2 = 0;
        for (size_t k = 0; k < NP; k++) {
            g[k] += r * v[k];
            const double cv = c * v[k];
            for (size_t l = k; l < NP; l++) h[k2++] += cv * v[l];
        }
    }
    *f += fb;
}

static void accumulate_block(const problem *p, const double *theta, size_t i0, size_t i1, double *restrict f,
                             double *restrict g, double *restrict h)
{
#define CASE(D)                                                               \
    case D:                                                                   \
        if (p->np > D) accumulate(p, theta, i0, i1, D, D + 1, f, g, h);       \
        else accumulate(p, theta, i0, i1, D, D, f, g, h);                     \
        return;
    switch (p->d) {
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
    default:
        accumulate(p, theta, i0, i1, p->d, p->np, f, g, h);
    }
#undef CASE
}

/* Large scratch lives on the heap: wasm stacks are small (64 KiB in WASI). */
typedef struct {
    evaluation ev[2];
    double block_h[CR_HESS_SIZE];
    double chol[CR_MAX_PARAMS * CR_MAX_PARAMS];
} workspace;

static void evaluate(const problem *p, const double *theta, evaluation *ev, double *hb)
{
    const size_t d = p->d, np = p->np, nh = np * (np + 1) / 2;
    double f = 0, g[CR_MAX_PARAMS] = {0}, *h = ev->h;
    memset(h, 0, nh * sizeof *h);
    for (size_t i0 = 0; i0 < p->n; i0 += CR_BLOCK_ROWS) {
        size_t i1 = i0 + CR_BLOCK_ROWS < p->n ? i0 + CR_BLOCK_ROWS : p->n;
        double fb = 0, gb[CR_MAX_PARAMS] = {0};
        memset(hb, 0, nh * sizeof *hb);
        accumulate_block(p, theta, i0, i1, &fb, gb, hb);
        f += fb;
        for (size_t k = 0; k < np; k++) g[k] += gb[k];
        for (size_t k = 0; k < nh; k++) h[k] += hb[k];
    }
    double reg = 0;
    for (size_t j = 0; j < d; j++) {
        reg += theta[j] * theta[j];
        g[j] += p->inv_c * theta[j];
        h[tri(np, j, j)] += p->inv_c;
    }
    ev->f = f + 0.5 * p->inv_c * reg;
    memcpy(ev->g, g, np * sizeof *g);
}

/* Rows that agree in every feature bit and the label are one row with the
   summed weight: the same objective, so the same optimum (up to rounding),
   at a fraction of the cost. Call-risk inputs are small counts and flags,
   so a million rows often hold a few hundred distinct ones. Gives up (returns
   0) once distinct rows exceed `limit`; weights are summed in row order.
   Returns -1 when out of memory: training must then fail, not fall back to
   the uncompressed rows, whose sums round differently (another model). */


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

/* Class weights, weight sums and weighted feature means (the reasons'
   baseline), over the original rows in block order. */
typedef struct {
    double cw[2];
    double wsum;
    double mean[CR_MAX_FEATURES];
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
    double wsum_class[2] = {0, 0}, total[CR_MAX_FEATURES] = {0};
    for (size_t i0 = 0; i0 < n; i0 += CR_BLOCK_ROWS) {
        size_t i1 = i0 + CR_BLOCK_ROWS < n ? i0 + CR_BLOCK_ROWS : n;
        double sb[2] = {0, 0}, mb[CR_MAX_FEATURES] = {0};
        for (size_t i = i0; i < i1; i++) {
            double si = ds->w[i] * sum->cw[ds->y[i]];
            sb[ds->y[i]] += si;
            for (size_t j = 0; j < d; j++) mb[j] += si * ds->x[i * d + j];
        }
        wsum_class[0] += sb[0];
        wsum_class[1] += sb[1];
        for (size_t j = 0; j < d; j++) total[j] += mb[j];
    }
    sum->wsum = wsum_class[0] + wsum_class[1];
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
    evaluate(p, theta, cur, ws->block_h);
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
            evaluate(p, next, trial, ws->block_h);
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
    cr_status st = summarise(ds, opt, &sum, err);
    if (st != CR_OK) return st;

    const size_t n = ds->rows, d = ds->schema.n_features;
    problem p = {0};
    p.d = d;
    p.np = d + (size_t)opt->fit_intercept;
    p.inv_c = 1.0 / opt->C;
    cr_rows cx = {0};
    double *s_all = NULL;
    const int packed = n >= 64 ? cr_compress_rows(ds, sum.cw, n / 4, &cx) : 0;
    if (packed < 0) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory in training");
    if (packed) {
        p.x = cx.x;
        p.y = cx.y;
        p.s = cx.s;
        p.n = cx.n;
    } else {
        s_all = malloc(n * sizeof *s_all);
        if (s_all)
            for (size_t i = 0; i < n; i++) s_all[i] = ds->w[i] * sum.cw[ds->y[i]];
        p.x = ds->x;
        p.y = ds->y;
        p.s = s_all;
        p.n = n;
    }
    cr_model *m = calloc(1, sizeof *m);
    workspace *ws = malloc(sizeof *ws);
    if (!m || !ws || !p.s) st = cr_fail(err, CR_E_NOMEM, NULL, "out of memory in training");

    uint8_t sign[CR_MAX_FEATURES] = {0};
    for (size_t j = 0; j < d; j++) sign[j] = (uint8_t)opt->signs[j];
    double theta[CR_MAX_PARAMS];
    if (st == CR_OK) st = solve(&p, opt, sign, opt->tol * sum.wsum, ws, theta, &m->stats, err);
    free(ws);
    free(s_all);
    if (merged && packed && sum.cw[0] == 1.0 && sum.cw[1] == 1.0 && st == CR_OK) {
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
