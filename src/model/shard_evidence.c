/* shard_evidence.c - a model's evidence measured over shards: what
 * cr_evidence_build() measures on all the rows at once, bit for bit.
 *
 * Three kinds of pass, after the solver's:
 *  - groups: each shard's rows grouped by (probability, label) with exact
 *    weight sums, for the fitted and the held-out rows; merged, they are the
 *    groups cr_evaluate_rows() forms, so cr_metrics_of_groups() gives its
 *    metrics (the ROC walk needs every distinct probability: the driver
 *    holds one group per distinct (probability, label)). Also the fitted
 *    rows' weight, the score's decile sums and each feature's extremes.
 *  - cuts, repeated: the drift reference's cut k is the least value whose
 *    cumulative weight rounds to at least k/10 of the total. Each pass
 *    counts the weight in buckets between pivots (exact sums, with the
 *    least and greatest value in each); a bucket where a threshold is
 *    crossed either holds one value (found) or is split by the next pass's
 *    pivots, 16 to 8192 ways. The driver holds pivots, not values.
 *  - shares: each bin's weight under the cuts found.
 * Rows of weight 0 add nothing and are left out, as evidence.c leaves them.
 */
#include "shard.h"
#include "crmath.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CUT_PASSES 64
/* Buckets per decile's interval in a cuts pass, at most; and per pass in
   all, over the features (each bucket is an exact sum, 544 bytes, in every
   shard's answer while it is made: 18 MB at most). The first pass splits one
   interval per feature up to 8192 ways, later ones nine. */
#define MAX_SPLIT 8192
#define MAX_BUCKETS 32768
#define NO_VALUE UINT64_MAX   /* an empty bucket's least key */

/* ---- groups ---- */

void cr_groups_free(cr_groups *g)
{
    free(g->key);
    free(g->end);
    free(g->blob);
    memset(g, 0, sizeof *g);
}

static int groups_alloc(cr_groups *g, size_t n, size_t bytes)
{
    memset(g, 0, sizeof *g);
    g->key = malloc((n ? n : 1) * sizeof *g->key);
    g->end = malloc((n ? n : 1) * sizeof *g->end);
    g->blob = malloc(bytes ? bytes : 1);
    if (g->key && g->end && g->blob) return 1;
    cr_groups_free(g);
    return 0;
}

static size_t group_start(const cr_groups *g, size_t k) { return k ? g->end[k - 1] : 0; }

/* Group k's exact sum. */
static void group_sum(const cr_groups *g, size_t k, cr_exact *out)
{
    size_t used;
    const size_t at = group_start(g, k);
    if (cr_exact_load_compact(out, g->blob + at, g->end[k] - at, &used)) cr_exact_init(out);   /* checked on load */
}

/* The groups of rows i (w[i] > 0, pick[i] == side when pick) by key[i]. */
static cr_status groups_of(const uint64_t *rowkey, const double *w, size_t n, cr_groups *g, cr_error *err)
{
    uint64_t *key = malloc((n ? n : 1) * sizeof *key);
    uint32_t *idx = malloc((n ? n : 1) * sizeof *idx);
    int ok = key && idx;
    for (size_t i = 0; ok && i < n; i++) key[i] = rowkey[i], idx[i] = (uint32_t)i;
    ok = ok && cr_sort_keys(key, idx, n, 64);
    size_t groups = 0;
    for (size_t i = 0; ok && i < n; i++) groups += i == 0 || key[i] != key[i - 1];
    /* A weight sum takes 11-15 bytes, at most CR_EXACT_COMPACT_MAX: the blob
       starts at 16 a group and grows when it must. */
    size_t cap = groups * 16 + CR_EXACT_COMPACT_MAX;
    ok = ok && groups_alloc(g, groups, cap);
    size_t at = 0, k = 0;
    for (size_t i = 0; ok && i < n;) {
        if (cap - at < CR_EXACT_COMPACT_MAX) {
            uint8_t *more = realloc(g->blob, cap + cap / 2);
            if (!more) {
                ok = 0;
                break;
            }
            g->blob = more, cap += cap / 2;
        }
        cr_exact s = {0};
        const uint64_t kk = key[i];
        while (i < n && key[i] == kk) cr_exact_add(&s, w[idx[i++]]);
        g->key[k] = kk;
        at += cr_exact_save_compact(&s, g->blob + at);
        g->end[k++] = at;
    }
    if (!ok) cr_groups_free(g);
    if (ok) g->n = groups;
    free(key), free(idx);
    return ok ? CR_OK : cr_fail(err, CR_E_NOMEM, NULL, "out of memory grouping %zu rows", n);
}

cr_status cr_groups_merge(const cr_groups *a, const cr_groups *b, cr_groups *into, cr_error *err)
{
    /* Two sums of one key can span more words together than apart (1e300 +
       1e-300): the blob grows as needed. */
    size_t cap = (a->n ? a->end[a->n - 1] : 0) + (b->n ? b->end[b->n - 1] : 0) + CR_EXACT_COMPACT_MAX;
    cr_groups m;
    if (!groups_alloc(&m, a->n + b->n, cap))
        return cr_fail(err, CR_E_NOMEM, NULL, "out of memory merging %zu and %zu groups", a->n, b->n);
    size_t i = 0, j = 0, at = 0;
    while (i < a->n || j < b->n) {
        if (cap - at < CR_EXACT_COMPACT_MAX) {
            uint8_t *more = realloc(m.blob, cap * 2);
            if (!more) {
                cr_groups_free(&m);
                return cr_fail(err, CR_E_NOMEM, NULL, "out of memory merging %zu and %zu groups", a->n, b->n);
            }
            m.blob = more, cap *= 2;
        }
        const cr_groups *from;
        size_t k;
        if (j == b->n || (i < a->n && a->key[i] < b->key[j])) {
            from = a, k = i++;
        } else if (i == a->n || b->key[j] < a->key[i]) {
            from = b, k = j++;
        } else {   /* the same key in both: one sum */
            cr_exact s, t;
            group_sum(a, i, &s);
            group_sum(b, j, &t);
            cr_exact_merge(&s, &t);
            m.key[m.n] = a->key[i];
            at += cr_exact_save_compact(&s, m.blob + at);
            m.end[m.n++] = at;
            i++, j++;
            continue;
        }
        const size_t start = group_start(from, k), len = from->end[k] - start;
        m.key[m.n] = from->key[k];
        memcpy(m.blob + at, from->blob + start, len);
        at += len;
        m.end[m.n++] = at;
    }
    *into = m;
    return CR_OK;
}

size_t cr_groups_size(const cr_groups *g) { return 8 + 8 * g->n + (g->n ? g->end[g->n - 1] : 0); }

uint8_t *cr_groups_save(const cr_groups *g, uint8_t *p)
{
    cr_put64(p, g->n), p += 8;
    for (size_t k = 0; k < g->n; k++) {
        cr_put64(p, g->key[k]), p += 8;
        const size_t start = group_start(g, k), len = g->end[k] - start;
        memcpy(p, g->blob + start, len), p += len;
    }
    return p;
}

const uint8_t *cr_groups_load(cr_groups *g, const uint8_t *p, size_t avail)
{
    memset(g, 0, sizeof *g);
    if (avail < 8) return NULL;
    const uint64_t n = cr_get64(p);
    /* Each group takes at least 11 bytes: n is bounded by what is there. */
    if (n > (avail - 8) / 11) return NULL;
    const uint8_t *q = p + 8, *end = p + avail;
    if (!groups_alloc(g, (size_t)n, avail)) return NULL;
    size_t at = 0;
    for (size_t k = 0; k < n; k++) {
        cr_exact s;
        size_t used;
        if (end - q < 8) break;
        const uint64_t key = cr_get64(q);
        q += 8;
        if ((k && key <= g->key[k - 1]) || cr_exact_load_compact(&s, q, (size_t)(end - q), &used)) break;
        g->key[k] = key;
        memcpy(g->blob + at, q, used);
        at += used, q += used;
        g->end[k] = at;
        g->n = k + 1;
    }
    if (g->n != n) {
        cr_groups_free(g);
        return NULL;
    }
    return q;
}

/* ---- the question's payload ---- */

/* The model as the shards need it: intercept, coefficients, bands. */
typedef struct {
    cr_model m;
    const uint8_t *rest;   /* the pass's part */
    size_t left;
} asked;

static int model_number(double v) { return v - v == 0 && (v < 0 ? -v : v) <= CR_REAL_MAX; }

/* The model in the question, held to a model's bounds (finite numbers
   within CR_REAL_MAX, valid bands): a score is then a score. */
static int read_model(const cr_dataset *ds, const uint8_t *p, size_t n, asked *a)
{
    const size_t d = ds->schema.n_features, head = 8 * (d + 1) + 8;
    if (n < head) return 0;
    for (size_t j = 0; j <= d; j++)
        if (!model_number(cr_get_f64(p + 8 * j))) return 0;
    memset(&a->m, 0, sizeof a->m);
    a->m.schema = ds->schema;
    a->m.intercept = cr_get_f64(p);
    for (size_t j = 0; j < d; j++) a->m.coef[j] = cr_get_f64(p + 8 * (j + 1));
    a->m.band_medium = (int)cr_get32(p + 8 * (d + 1));
    a->m.band_high = (int)cr_get32(p + 8 * (d + 1) + 4);
    if (cr_bands_check(a->m.band_high, a->m.band_medium, "question", NULL) != CR_OK) return 0;
    a->rest = p + head;
    a->left = n - head;
    return 1;
}

static int is_bool(const cr_schema *s, size_t j) { return s->field_type[s->feature_field[j]] == CR_FIELD_BOOL; }

/* What a pass's answer holds: k exact sums and nk keys (`buckets`: the
   cuts pass's, over all features). */
static void answer_size(int pass, size_t d, uint32_t buckets, uint32_t *k, uint32_t *nk)
{
    *k = pass == PASS_GROUPS ? 1 + CR_SCORE_BINS : pass == PASS_CUTS ? buckets : (uint32_t)d * CR_DRIFT_BINS;
    *nk = pass == PASS_GROUPS ? 2 * (uint32_t)d : pass == PASS_CUTS ? 2 * buckets : 0;
}

/* The number of pivots below key (bucket b holds piv[b - 1] < key <= piv[b]). */
static uint32_t bucket_of(const uint64_t *piv, uint32_t c, uint64_t key)
{
    uint32_t lo = 0, hi = c;
    while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        if (piv[mid] < key) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void widen(uint64_t *pair, uint64_t key)
{
    if (key < pair[0]) pair[0] = key;
    if (key > pair[1]) pair[1] = key;
}

static cr_status answer_groups(const cr_dataset *ds, const uint8_t *pick, const cr_model *m, cr_shard *sh,
                               cr_error *err)
{
    const size_t n = ds->rows, d = ds->schema.n_features;
    uint64_t *key = malloc((n ? n : 1) * sizeof *key);
    double *w = malloc((n ? n : 1) * sizeof *w);
    if (!key || !w) {
        free(key), free(w);
        return cr_fail(err, CR_E_NOMEM, NULL, "out of memory grouping %zu rows", n);
    }
    cr_bins sb;
    cr_score_bins(&sb);
    cr_status st = CR_OK;
    for (int side = 0; side < 2 && st == CR_OK; side++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if ((pick ? pick[i] : 0) != side || !(ds->w[i] > 0)) continue;
            const double *x = ds->x + i * d;
            key[k] = cr_probability_key(m, x, ds->y[i]);
            w[k++] = ds->w[i];
            if (side) continue;
            const uint64_t bits = key[k - 1] >> 1;
            double p;
            memcpy(&p, &bits, sizeof p);
            cr_exact_add(&sh->acc[0], ds->w[i]);
            cr_exact_add(&sh->acc[1 + cr_bin_of(&sb, cr_score_of(p))], ds->w[i]);
            for (size_t j = 0; j < d; j++) widen(sh->keys + 2 * j, cr_value_key(x[j]));
        }
        st = groups_of(key, w, k, &sh->groups[side], err);
    }
    free(key), free(w);
    return st;
}

cr_status cr_evidence_answer(const cr_dataset *ds, const uint8_t *pick, int pass, const uint8_t *p, size_t n,
                             cr_shard **out, cr_error *err)
{
    *out = NULL;
    const size_t d = ds->schema.n_features;
    asked a;
    if (!read_model(ds, p, n, &a))
        return cr_fail(err, CR_E_MAGIC, NULL, "question: the evidence's model is cut short or out of a model's bounds");
    /* The pass's part: per feature a count, then that many pivot keys (cuts)
       or cut values (shares). */
    uint32_t count[CR_MAX_FEATURES] = {0}, buckets = 0;
    const uint8_t *list[CR_MAX_FEATURES] = {0};
    if (pass != PASS_GROUPS) {
        const uint8_t *q = a.rest;
        size_t left = a.left;
        for (size_t j = 0; j < d; j++) {
            if (left < 4) return cr_fail(err, CR_E_MAGIC, NULL, "question: feature %zu's list is cut short", j);
            count[j] = cr_get32(q);
            q += 4, left -= 4;
            const uint32_t most = pass == PASS_SHARES ? CR_DRIFT_BINS - 1 : MAX_BUCKETS;
            if (count[j] > most || left / 8 < count[j] || buckets + count[j] > MAX_BUCKETS + 256 * (uint32_t)d)
                return cr_fail(err, CR_E_MAGIC, NULL, "question: feature %zu's list of %u is not a pass's", j, count[j]);
            list[j] = q;
            for (uint32_t c = 1; c < count[j]; c++) {   /* ascending, as the buckets need: keys, or finite cuts */
                const int up = pass == PASS_CUTS ? cr_get64(q + 8 * c - 8) < cr_get64(q + 8 * c)
                                                 : cr_get_f64(q + 8 * c - 8) < cr_get_f64(q + 8 * c);
                if (!up) return cr_fail(err, CR_E_MAGIC, NULL, "question: feature %zu's list is not ascending", j);
            }
            for (uint32_t c = 0; c < count[j] && pass == PASS_SHARES; c++)
                if (!(cr_get_f64(q + 8 * c) - cr_get_f64(q + 8 * c) == 0))
                    return cr_fail(err, CR_E_MAGIC, NULL, "question: feature %zu's cut %u is not finite", j, c);
            q += 8 * (size_t)count[j], left -= 8 * (size_t)count[j];
            buckets += count[j] + 1;
        }
        if (left) return cr_fail(err, CR_E_MAGIC, NULL, "question: %zu bytes past the pass's lists", left);
    } else if (a.left) {
        return cr_fail(err, CR_E_MAGIC, NULL, "question: %zu bytes past the evidence's model", a.left);
    }
    cr_shard *sh = NULL;
    uint32_t k, nk;
    answer_size(pass, d, buckets, &k, &nk);
    cr_status st = cr_shard_new((uint8_t)pass, k, nk, &sh, err);
    if (st != CR_OK) return st;
    if (pass == PASS_GROUPS) {
        st = answer_groups(ds, pick, &a.m, sh, err);
    } else if (pass == PASS_CUTS) {
        uint64_t *piv[CR_MAX_FEATURES];
        uint32_t base[CR_MAX_FEATURES];
        int ok = 1;
        for (size_t j = 0, b = 0; j < d; b += count[j] + 1, j++) {
            base[j] = (uint32_t)b;
            piv[j] = malloc((count[j] ? count[j] : 1) * sizeof **piv);
            ok &= piv[j] != NULL;
            for (uint32_t c = 0; piv[j] && c < count[j]; c++) piv[j][c] = cr_get64(list[j] + 8 * c);
        }
        for (size_t i = 0; ok && i < ds->rows; i++) {
            if ((pick && pick[i]) || !(ds->w[i] > 0)) continue;
            for (size_t j = 0; j < d; j++) {
                if (!count[j]) continue;
                const uint64_t key = cr_value_key(ds->x[i * d + j]);
                const uint32_t b = base[j] + bucket_of(piv[j], count[j], key);
                cr_exact_add(&sh->acc[b], ds->w[i]);
                widen(sh->keys + 2 * b, key);
            }
        }
        for (size_t j = 0; j < d; j++) free(piv[j]);
        if (!ok) st = cr_fail(err, CR_E_NOMEM, NULL, "out of memory for the pivots");
    } else {
        cr_bins bins[CR_MAX_FEATURES];
        for (size_t j = 0; j < d; j++) {
            memset(&bins[j], 0, sizeof bins[j]);
            bins[j].n_bins = (uint8_t)(count[j] + 1);
            for (uint32_t c = 0; c < count[j]; c++) bins[j].cut[c] = cr_get_f64(list[j] + 8 * c);
        }
        for (size_t i = 0; i < ds->rows; i++) {
            if ((pick && pick[i]) || !(ds->w[i] > 0)) continue;
            for (size_t j = 0; j < d; j++)
                cr_exact_add(&sh->acc[j * CR_DRIFT_BINS + cr_bin_of(&bins[j], ds->x[i * d + j])], ds->w[i]);
        }
    }
    if (st != CR_OK) {
        cr_shard_free(sh);
        return st;
    }
    *out = sh;
    return CR_OK;
}

/* ---- the driver's side ---- */

struct cr_evidence_fit_s {
    cr_model *m;                               /* solved; its evidence filled in here */
    uint64_t rows[2];                          /* fitted, held out */
    int pass;
    double total;                              /* the fitted rows' weight */
    uint64_t largest[CR_MAX_FEATURES];
    uint64_t value[CR_MAX_FEATURES][CR_DRIFT_BINS];   /* cut k's key, k = 1..9, once found */
    uint16_t pending[CR_MAX_FEATURES];         /* bit k: cut k not found yet */
    uint32_t npiv[CR_MAX_FEATURES];
    uint64_t *piv[CR_MAX_FEATURES];
    int cut_passes;
};

void cr_evidence_fit_free(cr_evidence_fit *e)
{
    if (!e) return;
    for (int j = 0; j < CR_MAX_FEATURES; j++) free(e->piv[j]);
    free(e->m);
    free(e);
}

cr_status cr_evidence_fit_clone(const cr_evidence_fit *e, cr_evidence_fit **out, cr_error *err)
{
    cr_evidence_fit *c = malloc(sizeof *c);
    cr_model *m = malloc(sizeof *m);
    int ok = c && m;
    if (c) {
        *c = *e;
        memset(c->piv, 0, sizeof c->piv);
        c->m = m;
    }
    if (ok) *m = *e->m;
    for (int j = 0; ok && j < CR_MAX_FEATURES; j++) {
        if (!e->piv[j]) continue;
        c->piv[j] = malloc(e->npiv[j] * sizeof **c->piv);   /* a pass's pivots: one at least */
        if (c->piv[j]) memcpy(c->piv[j], e->piv[j], e->npiv[j] * sizeof **c->piv);
        else ok = 0;
    }
    if (!ok) {
        if (c) cr_evidence_fit_free(c);
        else free(m);
        return cr_fail(err, CR_E_NOMEM, NULL, "out of memory for the evidence's next pass");
    }
    *out = c;
    return CR_OK;
}

cr_status cr_evidence_fit_create(cr_model *m, uint64_t fitted, uint64_t held, const cr_train_options *o,
                                 cr_evidence_fit **out, cr_error *err)
{
    cr_evidence_fit *e = calloc(1, sizeof *e);
    if (!e) {
        free(m);
        return cr_fail(err, CR_E_NOMEM, NULL, "out of memory for the evidence");
    }
    e->m = m;
    e->rows[0] = fitted, e->rows[1] = held;
    cr_evidence *ev = &m->ev;
    memset(ev, 0, sizeof *ev);
    if (o->holdout_method != CR_HOLDOUT_NONE) {   /* cr_evidence_build()'s record of the split */
        ev->holdout_method = o->holdout_method;
        ev->holdout_fraction = o->holdout_fraction;
        ev->holdout_seed = o->holdout_method == CR_HOLDOUT_HASH ? o->holdout_seed : 0;
    }
    e->pass = PASS_GROUPS;
    *out = e;
    return CR_OK;
}

int cr_evidence_fit_pass(const cr_evidence_fit *e) { return e ? e->pass : 0; }

size_t cr_evidence_question_size(const cr_evidence_fit *e)
{
    const size_t d = e->m->schema.n_features;
    size_t n = 8 * (d + 1) + 8;
    if (e->pass == PASS_CUTS)
        for (size_t j = 0; j < d; j++) n += 4 + 8 * (size_t)e->npiv[j];
    if (e->pass == PASS_SHARES)
        for (size_t j = 0; j < d; j++) n += 4 + 8 * (size_t)(e->m->ev.reference[j].n_bins - 1);
    return n;
}

void cr_evidence_question(const cr_evidence_fit *e, uint8_t *p)
{
    const cr_model *m = e->m;
    const size_t d = m->schema.n_features;
    cr_put_f64(p, m->intercept), p += 8;
    for (size_t j = 0; j < d; j++) cr_put_f64(p, m->coef[j]), p += 8;
    cr_put32(p, (uint32_t)m->band_medium), p += 4;
    cr_put32(p, (uint32_t)m->band_high), p += 4;
    for (size_t j = 0; j < d && e->pass != PASS_GROUPS; j++) {
        const cr_bins *b = &m->ev.reference[j];
        const uint32_t c = e->pass == PASS_CUTS ? e->npiv[j] : (uint32_t)(b->n_bins - 1);
        cr_put32(p, c), p += 4;
        for (uint32_t k = 0; k < c; k++, p += 8) {
            if (e->pass == PASS_CUTS) cr_put64(p, e->piv[j][k]);
            else cr_put_f64(p, b->cut[k]);
        }
    }
}

static double threshold(const cr_evidence_fit *e, int k) { return e->total * k / CR_DRIFT_BINS; }

static int by_key(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Pivots splitting each of the feature's intervals [lo, hi] (keys of
   values present), half evenly in key space (no bucket inside spans more
   than (hi - lo) / (split / 2) + 1 keys: the passes end, skewed data or
   not) and half evenly in value (data spread evenly over a range settles in
   two or three passes); lo and hi get buckets of their own. */
static cr_status split_intervals(cr_evidence_fit *e, size_t j, const uint64_t *iv, int n_iv, cr_error *err)
{
    const size_t d = e->m->schema.n_features;
    /* No more buckets than rows: a small data set asks small questions. */
    uint32_t budget = (uint32_t)(MAX_BUCKETS / d / (size_t)n_iv);
    if (budget > e->rows[0]) budget = (uint32_t)e->rows[0];
    const uint32_t split = budget > MAX_SPLIT ? MAX_SPLIT : budget < 16 ? 16 : budget, half = split / 2;
    uint64_t *all = malloc((size_t)n_iv * (split + 2) * sizeof *all);
    if (!all) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory for the pivots");
    size_t c = 0;
    for (int t = 0; t < n_iv; t++) {
        const uint64_t lo = iv[2 * t], hi = iv[2 * t + 1], span = hi - lo;
        const double vlo = cr_key_value(lo), vhi = cr_key_value(hi);
        if (lo) all[c++] = lo - 1;
        for (uint32_t i = 0; i < half; i++) {
            all[c++] = lo + span / half * i + span % half * i / half;
            const double f = (double)i / half;   /* between two finite values: finite */
            const double v = vlo * (1 - f) + vhi * f;
            const uint64_t k = cr_value_key(v);
            all[c++] = k < lo ? lo : k > hi ? hi : k;
        }
        all[c++] = hi;
    }
    qsort(all, c, sizeof *all, by_key);
    uint32_t kept = 0;
    for (size_t i = 0; i < c; i++)
        if (kept == 0 || all[kept - 1] < all[i]) all[kept++] = all[i];
    free(e->piv[j]);
    e->piv[j] = all;
    e->npiv[j] = kept;
    return CR_OK;
}

/* After a cuts pass (or the groups pass, one bucket per feature): find the
   thresholds' buckets; a bucket of one value settles them, others are split. */
static cr_status settle(cr_evidence_fit *e, size_t j, uint32_t buckets, const cr_exact *acc, const uint64_t *keys,
                        cr_error *err)
{
    uint64_t iv[2 * (CR_DRIFT_BINS - 1)];
    int n_iv = 0, k = 1;
    cr_exact cum = {0};
    for (uint32_t b = 0; b < buckets && k < CR_DRIFT_BINS; b++) {
        const uint64_t lo = keys[2 * b], hi = keys[2 * b + 1];
        if (lo == NO_VALUE && hi == 0) continue;   /* empty: the sums stand */
        cr_exact_merge(&cum, &acc[b]);
        const double reached = cr_exact_round(&cum);
        for (; k < CR_DRIFT_BINS && (!(e->pending[j] >> k & 1) || reached >= threshold(e, k)); k++) {
            if (!(e->pending[j] >> k & 1)) continue;
            if (lo == hi) {
                e->value[j][k] = lo;
                e->pending[j] &= (uint16_t)~(1u << k);
            } else if (n_iv == 0 || iv[2 * n_iv - 2] != lo) {
                iv[2 * n_iv] = lo, iv[2 * n_iv + 1] = hi;
                n_iv++;
            }
        }
    }
    free(e->piv[j]);
    e->piv[j] = NULL;
    e->npiv[j] = 0;
    return n_iv ? split_intervals(e, j, iv, n_iv, err) : CR_OK;
}

/* The cuts from the values found: distinct, below the largest value. */
static void cuts_of(cr_evidence_fit *e, size_t j)
{
    cr_bins *b = &e->m->ev.reference[j];
    int cuts = 0;
    uint64_t last = 0;
    for (int k = 1; k < CR_DRIFT_BINS; k++) {
        const uint64_t v = e->value[j][k];
        if (v < e->largest[j] && (cuts == 0 || last < v)) b->cut[cuts++] = cr_key_value(v), last = v;
    }
    b->n_bins = (uint8_t)(cuts + 1);
}

static void next_pass(cr_evidence_fit *e)
{
    const size_t d = e->m->schema.n_features;
    int pending = 0;
    for (size_t j = 0; j < d; j++) pending |= e->pending[j] != 0;
    if (pending) {
        e->pass = PASS_CUTS;
        return;
    }
    for (size_t j = 0; j < d; j++)
        if (!is_bool(&e->m->schema, j)) cuts_of(e, j);
    e->pass = PASS_SHARES;
}

static cr_status feed_groups(cr_evidence_fit *e, const cr_shard *sh, cr_error *err)
{
    cr_model *m = e->m;
    cr_evidence *ev = &m->ev;
    const size_t d = m->schema.n_features;
    cr_status st = CR_OK;
    for (int side = 0; side < 2 && st == CR_OK; side++) {
        if (side && ev->holdout_method == CR_HOLDOUT_NONE) break;
        const cr_groups *g = &sh->groups[side];
        /* Keys are ascending (cr_shard_load): the last holds the largest probability, at most 1. */
        if (g->n && g->key[g->n - 1] >> 1 > 0x3FF0000000000000u)
            return cr_fail(err, CR_E_MAGIC, NULL, "shard: a group's probability is above 1: not a groups pass's answer");
        double *gw = malloc((g->n ? g->n : 1) * sizeof *gw);
        if (!gw) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory measuring the model");
        for (size_t k = 0; k < g->n; k++) {
            cr_exact s;
            group_sum(g, k, &s);
            gw[k] = cr_exact_round(&s);
        }
        st = cr_metrics_of_groups(m, g->key, gw, g->n, e->rows[side], side ? &ev->holdout : &ev->train, err);
        free(gw);
    }
    if (st != CR_OK) return st;
    e->total = cr_exact_round(&sh->acc[0]);
    cr_score_bins(&ev->score_reference);
    for (int k = 0; k < CR_SCORE_BINS; k++)
        ev->score_reference.share[k] = cr_exact_round(&sh->acc[1 + k]) / e->total + 0.0;
    for (size_t j = 0; j < d && st == CR_OK; j++) {
        cr_bins *b = &ev->reference[j];
        memset(b, 0, sizeof *b);
        if (is_bool(&m->schema, j)) {   /* 0 or 1: two bins */
            b->n_bins = 2;
            continue;
        }
        e->largest[j] = sh->keys[2 * j + 1];
        e->pending[j] = (uint16_t)(((1u << CR_DRIFT_BINS) - 1) & ~1u);
        st = settle(e, j, 1, &sh->acc[0], sh->keys + 2 * j, err);
    }
    if (st == CR_OK) next_pass(e);
    return st;
}

cr_status cr_evidence_fit_feed(cr_evidence_fit *e, const cr_shard *sh, cr_error *err)
{
    const size_t d = e->m->schema.n_features;
    uint32_t buckets = 0;
    for (size_t j = 0; j < d; j++) buckets += e->npiv[j] + 1;
    uint32_t k, nk;
    answer_size(e->pass, d, buckets, &k, &nk);
    if (sh->kind != e->pass || sh->k != k || sh->nk != nk)
        return cr_fail(err, CR_E_STATE, NULL, "cr_fit_feed: the shards answer pass %u, the fit asks pass %d", sh->kind,
                       e->pass);
    if (e->pass == PASS_GROUPS) return feed_groups(e, sh, err);
    if (e->pass == PASS_SHARES) {
        for (size_t j = 0; j < d; j++) {
            cr_bins *b = &e->m->ev.reference[j];
            for (int c = 0; c < b->n_bins; c++)
                b->share[c] = cr_exact_round(&sh->acc[j * CR_DRIFT_BINS + c]) / e->total + 0.0;
        }
        e->m->ev.present = 1;
        e->pass = 0;
        return CR_OK;
    }
    if (++e->cut_passes > MAX_CUT_PASSES)   /* each pass narrows by 8 or more: 64-bit keys need at most 22 */
        return cr_fail(err, CR_E_STATE, NULL, "cr_fit_feed: the drift reference's cuts did not settle");
    cr_status st = CR_OK;
    for (size_t j = 0, b = 0; j < d && st == CR_OK; j++) {
        const uint32_t nb = e->npiv[j] + 1;
        if (e->npiv[j]) st = settle(e, j, nb, &sh->acc[b], sh->keys + 2 * b, err);
        b += nb;
    }
    if (st == CR_OK) next_pass(e);
    return st;
}

cr_status cr_evidence_fit_model(const cr_evidence_fit *e, cr_model **out, cr_error *err)
{
    cr_model *m = malloc(sizeof *m);
    if (!m) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory for the model");
    *m = *e->m;
    /* cr_train()'s last steps: canonical form, the loaders' bounds, the id. */
    cr_model_drop_negative_zeros(m);
    cr_status st = cr_model_validate(m, err);
    if (st == CR_OK) st = cr_model_finish(m, err);
    if (st != CR_OK) {
        free(m);
        return st;
    }
    *out = m;
    return CR_OK;
}
