/* dataset.c - training rows stored as features, with the digest of their
 * multiset: each row's SHA-256 added mod 2^256, so the digest (and the
 * holdout, split by the row's hash) depends on which rows there are, not on
 * their order or on how they were split into shards.
 *
 * Rows are checked, stored and hashed in one pass, a batch at a time. While
 * rows repeat (call data), each distinct row is hashed once (a table of the
 * distinct rows and their counts, which cr_compress_rows() then merges
 * instead of every row); otherwise several rows are hashed at once
 * (cr_sha256_le64_many: SIMD lanes). The same digests either way. */
#include "internal.h"
#include "crmath.h"
#include "pages.h"
#include "sha256.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

cr_status cr_dataset_create(const cr_schema *s, cr_dataset **out, cr_error *err)
{
    if (out) *out = NULL;
    if (!s || !out) return cr_fail(err, CR_E_ARG, NULL, "schema or out is NULL");
    cr_dataset *ds = calloc(1, sizeof *ds);
    if (!ds) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory allocating data set");
    memcpy(&ds->schema, s, sizeof *s);
    strcpy(ds->label_name, "label");
    strcpy(ds->weight_name, "weight");
    *out = ds;
    return CR_OK;
}

/* ---- the distinct raw rows ----
 * A row as the caller gave it (its fields, label and weight as doubles) is
 * `words` 64-bit words; rows that repeat (call data: a few fields of small
 * counts and flags) are looked up here and hashed once. The table is given
 * up when rows turn out mostly distinct: past TABLE_JUDGE rows, more than
 * one in TABLE_SHARE distinct, or more than TABLE_MAX entries. */
#define TABLE_JUDGE 4096
#define TABLE_SHARE 4
#define TABLE_MAX ((size_t)1 << 22)
/* cr_compress_rows() without the table gives up as soon: past MERGE_JUDGE rows, more than one in TABLE_SHARE distinct. */
#define MERGE_JUDGE 4096

typedef struct cr_row_table {
    size_t words;      /* per row: fields, label, weight */
    size_t n, cap;     /* entries, their room */
    size_t mask;       /* slots - 1 (slots >= 2 * cap) */
    uint64_t seen;     /* rows looked up */
    uint32_t *slot;    /* entry + 1, or 0 */
    uint64_t *key;     /* cap * words */
    uint64_t *limb;    /* cap * 4: the entry's SHA-256, four little-endian numbers */
    uint64_t *count;   /* cap: rows of the entry */
} row_table;

static void table_free(row_table *t)
{
    if (!t) return;
    free(t->slot);
    free(t->key);
    free(t->limb);
    free(t->count);
    free(t);
}

static row_table *table_new(size_t words)
{
    row_table *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->words = words;
    t->cap = 1024;   /* GROWTH */
    t->mask = 2 * t->cap - 1;
    t->slot = calloc(2 * t->cap, sizeof *t->slot);
    t->key = malloc(t->cap * words * sizeof *t->key);
    t->limb = malloc(t->cap * 4 * sizeof *t->limb);
    t->count = malloc(t->cap * sizeof *t->count);
    if (!t->slot || !t->key || !t->limb || !t->count) {
        table_free(t);
        return NULL;
    }
    return t;
}

static inline __attribute__((always_inline)) uint64_t words_hash(const uint64_t *k, size_t words)
{
    /* The words rotated apart and folded (no chain of multiplies), then mixed. */
    uint64_t h = 0;
    for (size_t j = 0; j < words; j++) h ^= k[j] << (j * 19 % 64) | k[j] >> ((64 - j * 19 % 64) % 64);
    h *= 0x9E3779B97F4A7C15u;
    h ^= h >> 32;
    h *= 0xBF58476D1CE4E5B9u;
    return h ^ h >> 29;
}

static inline __attribute__((always_inline)) int words_equal(const uint64_t *a, const uint64_t *b, size_t words)
{
    for (size_t j = 0; j < words; j++)
        if (a[j] != b[j]) return 0;
    return 1;
}

/* Room for `more` entries; 0 when out of memory (the table unchanged). */
static int table_reserve(row_table *t, size_t more)
{
    if (t->n + more <= t->cap) return 1;
    size_t cap = t->cap;
    while (cap < t->n + more) cap *= 2;
    uint64_t *key = realloc(t->key, cap * t->words * sizeof *key);
    if (key) t->key = key;
    uint64_t *limb = realloc(t->limb, cap * 4 * sizeof *limb);
    if (limb) t->limb = limb;
    uint64_t *count = realloc(t->count, cap * sizeof *count);
    if (count) t->count = count;
    uint32_t *slot = calloc(2 * cap, sizeof *slot);
    if (!key || !limb || !count || !slot) {
        free(slot);
        return 0;
    }
    const size_t mask = 2 * cap - 1;
    for (size_t e = 0; e < t->n; e++) {
        size_t k = (size_t)words_hash(t->key + e * t->words, t->words) & mask;
        while (slot[k]) k = (k + 1) & mask;
        slot[k] = (uint32_t)(e + 1);
    }
    free(t->slot);
    t->slot = slot;
    t->mask = mask;
    t->cap = cap;
    return 1;
}

/* The entry of row k (inserted with count 0 if new; room must be there).
   words is t->words, a constant where inlined for a common shape. */
static inline __attribute__((always_inline)) size_t table_find(row_table *t, const uint64_t *k, const size_t words)
{
    size_t s = (size_t)words_hash(k, words) & t->mask;
    for (;;) {
        const uint32_t e = t->slot[s];
        if (!e) break;
        if (words_equal(t->key + (size_t)(e - 1) * words, k, words)) return e - 1;
        s = (s + 1) & t->mask;
    }
    const size_t e = t->n++;
    memcpy(t->key + e * words, k, words * sizeof *k);
    t->count[e] = 0;
    t->slot[s] = (uint32_t)(e + 1);
    return e;
}

void cr_dataset_free(cr_dataset *ds)
{
    if (!ds) return;
    free(ds->x);
    free(ds->y);
    free(ds->w);
    free(ds->row_hash);
    table_free(ds->uniq);
    free(ds);
}

/* The most rows a data set can index: each row's features take d doubles. */
static size_t max_rows(const cr_dataset *ds)
{
    const size_t d = ds->schema.n_features;
    return SIZE_MAX / ((d ? d : 1) * sizeof(double));
}

/* Room for `need` rows (at most max_rows()): the capacity doubles, or
   becomes `need` at once. */
static cr_status reserve(cr_dataset *ds, size_t need, cr_error *err)
{
    if (need <= ds->cap) return CR_OK;
    size_t cap = ds->cap ? ds->cap * 2 : 1024;
    if (cap < need) cap = need;
    if (cap > max_rows(ds)) cap = max_rows(ds);
    size_t d = ds->schema.n_features;
    double *x = realloc(ds->x, cap * d * sizeof *x);
    if (x) ds->x = x;
    uint8_t *y = realloc(ds->y, cap);
    if (y) ds->y = y;
    double *w = realloc(ds->w, cap * sizeof *w);
    if (w) ds->w = w;
    uint64_t *rh = realloc(ds->row_hash, cap * sizeof *rh);
    if (rh) ds->row_hash = rh;
    if (!x || !y || !w || !rh) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory growing data set");
    cr_pages_hint_huge(x, cap * d * sizeof *x);
    cr_pages_hint_huge(w, cap * sizeof *w);
    cr_pages_hint_huge(rh, cap * sizeof *rh);
    ds->cap = cap;
    return CR_OK;
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t u = 0;
    for (int k = 7; k >= 0; k--) u = u << 8 | p[k];
    return u;
}

void cr_rows_digest_add(cr_rows_digest *d, const uint8_t row_sha256[32])
{
    uint64_t carry = 0;
    for (int k = 0; k < 4; k++) {
        const uint64_t a = d->sum[k], b = le64(row_sha256 + 8 * k);
        const uint64_t t = a + b, u = t + carry;
        carry = (t < a) | (u < t);
        d->sum[k] = u;
    }
    d->count++;
}

void cr_rows_digest_merge(cr_rows_digest *into, const cr_rows_digest *from)
{
    uint64_t carry = 0;
    for (int k = 0; k < 4; k++) {
        const uint64_t a = into->sum[k], t = a + from->sum[k], u = t + carry;
        carry = (t < a) | (u < t);
        into->sum[k] = u;
    }
    into->count += from->count;
}

void cr_rows_digest_hex(const cr_rows_digest *d, char out[CR_MODEL_ID_SIZE])
{
    /* SHA-256 of a tag, the count and the sum, all little-endian. */
    static const char TAG[] = "callrisk rows v1";
    uint8_t buf[sizeof TAG - 1 + 8 + 32], h[32];
    memcpy(buf, TAG, sizeof TAG - 1);
    for (int k = 0; k < 8; k++) buf[sizeof TAG - 1 + k] = (uint8_t)(d->count >> (8 * k));
    for (int l = 0; l < 4; l++)
        for (int k = 0; k < 8; k++) buf[sizeof TAG - 1 + 8 + 8 * l + k] = (uint8_t)(d->sum[l] >> (8 * k));
    cr_sha256_ctx c;
    cr_sha256_init(&c);
    cr_sha256_update(&c, buf, sizeof buf);
    cr_sha256_final(&c, h);
    cr_sha256_hex(h, out);
}

static cr_status check_label_weight(const cr_dataset *ds, int label, double weight, cr_error *err)
{
    if (label != 0 && label != 1)
        return cr_fail(err, CR_E_RANGE, ds->label_name, "field '%s': must be 0 or 1, got %d", ds->label_name, label);
    if (!(weight >= 0) || weight - weight != 0)
        return cr_fail(err, CR_E_RANGE, ds->weight_name, "field '%s': must be a finite number >= 0, got %.17g",
                       ds->weight_name, weight);
    return CR_OK;
}

cr_status cr_dataset_name_columns(cr_dataset *ds, const cr_train_options *o, cr_error *err)
{
    if (!ds || !o) return cr_fail(err, CR_E_ARG, NULL, "data set or options is NULL");
    cr_status st = cr_train_options_check(o, &ds->schema, err);
    if (st != CR_OK) return st;
    strcpy(ds->label_name, o->label_column);
    strcpy(ds->weight_name, o->weight_column);
    return CR_OK;
}

/* ---- adding rows ----
 * One pass over the caller's rows, a batch at a time: the values checked (the
 * checks cr_schema_check_value() and check_label_weight() make, as
 * comparisons that fail exactly where they fail; they then name the
 * error), the features, label and weight stored, and each row as the
 * caller gave it hashed (through the table while rows repeat, else several
 * at once: cr_sha256_le64_many). All or nothing: a bad row, or memory
 * running out, leaves the data set as it was. Memory is taken only where
 * the row count is a multiple of GROWTH (the data set's capacity doubles
 * from there; the table gets room for GROWTH more entries), as it always
 * was: a failure leaves whole growth steps of rows added before it. */
#define GROWTH 1024
/* A batch's rows as hashed (words each) and their digests (4 each), on the stack. */
#define BATCH_WORDS 2048
#define BATCH_MAX 256

/* Whether a value passes its field's check: the same verdict as
   cr_schema_check_value(), which then names the error. */
static inline __attribute__((always_inline)) int value_ok(uint8_t type, double x)
{
    switch ((cr_field_type)type) {
    case CR_FIELD_COUNT:     /* finite, 0 <= x <= 2^53, whole */
#ifdef __wasm__
        return x >= 0 && x <= 0x1p53 && x == __builtin_floor(x);   /* f64.floor: one instruction */
#else
    {
        const int in = x >= 0 && x <= 0x1p53;   /* an int64 holds it then */
        return in && x == (double)(int64_t)(in ? x : 0);
    }
#endif
    case CR_FIELD_BOOL:
        return x == 0 || x == 1;
    case CR_FIELD_REAL:      /* NaN fails both comparisons; +-inf one */
        return x <= CR_REAL_MAX && x >= -CR_REAL_MAX;
    }
    return 0;
}

/* The error of the first bad row of [0, m) (there is one; *at its index). */
static cr_status batch_error(const cr_dataset *ds, const double *fields, const uint8_t *labels, const double *weights,
                             size_t m, size_t *at, cr_error *err)
{
    const size_t nf = ds->schema.n_fields;
    for (size_t r = 0; r < m; r++) {
        cr_status st = cr_schema_check_row(&ds->schema, fields + r * nf, err);
        if (st == CR_OK) st = check_label_weight(ds, labels[r], weights ? weights[r] : 1.0, err);
        if (st != CR_OK) {
            *at = r;
            return st;
        }
    }
    *at = m;   /* not reached: batch_valid() and these checks agree */
    return CR_OK;
}

/* What append_rows() keeps across its batches. */
typedef struct {
    size_t nf, d, words;
    uint8_t type[CR_MAX_FIELDS];   /* the fields' types */
    size_t ff[CR_MAX_FEATURES];    /* the schema's features: field, inverted */
    int inv[CR_MAX_FEATURES];
    uint64_t *msg, *limbs;         /* a batch's rows as hashed, their digests */
    size_t entries;                /* the table's entries hashed */
    uint64_t sum[4], carries[4];   /* the digest's limbs, their carries out (no table) */
} adding;

/* Rows [0, r): each one's hash (the first of its digest's four numbers,
   limb + 4 * entry[i], or limb + 4 * i without entries) to ho[i], its
   digest added into a's sum, with the carries out of each number counted. */
static inline __attribute__((always_inline)) void digest_rows(adding *a, const uint64_t *limb, const uint32_t *entry,
                                                              size_t r, uint64_t *ho)
{
    uint64_t s[4], c[4];
    for (int k = 0; k < 4; k++) s[k] = a->sum[k], c[k] = a->carries[k];
    for (size_t i = 0; i < r; i++) {
        const uint64_t *h = limb + 4 * (entry ? (size_t)entry[i] : i);
        ho[i] = h[0];
        for (int k = 0; k < 4; k++) {
            s[k] += h[k];
            c[k] += s[k] < h[k];
        }
    }
    for (int k = 0; k < 4; k++) a->sum[k] = s[k], a->carries[k] = c[k];
}

/* Checks and stores the rows [0, m) of a batch at row ds->rows, up to the
   first that fails a check; each row as hashed (words) counted in the
   table t of distinct rows (its entry to entry[r]) or, without t, put in
   a->msg. NF and D constants where inlined for a common shape. Returns how
   many passed. */
static inline __attribute__((always_inline)) size_t pack_rows(cr_dataset *ds, adding *a, const double *f,
                                                              const uint8_t *lab, const double *wt, size_t m,
                                                              const size_t NF, const size_t D, row_table *t,
                                                              uint32_t *entry)
{
    const size_t words = NF + 2;
    const size_t *ff = a->ff;
    const int *inv = a->inv;
    const uint8_t *type = a->type;
    uint64_t *msg = a->msg, key[CR_MAX_FIELDS + 2];
    /* Through locals: a store to a uint8_t may alias anything. */
    double *x = ds->x + ds->rows * D, *wo = ds->w + ds->rows;
    uint8_t *yo = ds->y + ds->rows;
    int weighted = 0;
    size_t r = 0;
    for (; r < m; r++) {
        const double *fr = f + r * NF;
        uint64_t *k = t ? key : msg + r * words;   /* a row looked up is never stored */
        /* Every value + 0.0: -0 becomes 0, all else stays. Hosts' JSON writes
           -0 as 0, so the same data must be the same rows (digest, model id,
           holdout split) whichever zero it came with. */
        const double w = (wt ? wt[r] : 1.0) + 0.0;
        int ok = lab[r] <= 1 && w >= 0 && w <= 0x1.fffffffffffffp+1023;
        for (size_t i = 0; i < NF; i++) {
            const double v = fr[i] + 0.0;
            k[i] = cr_bits(v);
            ok &= value_ok(type[i], v);
        }
        if (!ok) break;
        k[NF] = cr_bits((double)lab[r]);
        k[NF + 1] = cr_bits(w);
        for (size_t j = 0; j < D; j++) {
            const double v = fr[ff[j]] + 0.0;
            x[r * D + j] = inv[j] ? 1.0 - v : v;
        }
        yo[r] = lab[r];
        wo[r] = w;
        weighted |= w != 1.0;
        if (t) {
            const size_t e = table_find(t, k, words);
            t->count[e]++;
            entry[r] = (uint32_t)e;
        }
    }
    ds->weighted |= weighted;
    return r;
}

/* Checks, stores and hashes the rows [0, m) of a batch at row ds->rows
   (room there), up to the first that fails a check: returns how many
   passed. Not inlined: a wasm engine compiles a function for speed after
   some calls (V8's tiering), and a call already running keeps its code. */
static __attribute__((noinline)) size_t add_batch(cr_dataset *ds, adding *a, const double *f, const uint8_t *lab,
                                                  const double *wt, size_t m)
{
    const size_t nf = a->nf, d = a->d, words = a->words;
    uint64_t *msg = a->msg, *limbs = a->limbs;
    row_table *t = ds->uniq;
    uint64_t *ho = ds->row_hash + ds->rows;
    uint32_t entry[BATCH_MAX];
    size_t r = 0;
    if (t) {
        /* The seed's shape with constant loops (rows repeat most in it). */
        if (nf == 3 && d == 3) r = pack_rows(ds, a, f, lab, wt, m, 3, 3, t, entry);
        else r = pack_rows(ds, a, f, lab, wt, m, nf, d, t, entry);
        /* New entries hashed together, then each row's hash into the digest. */
        const size_t before = a->entries;
        cr_sha256_le64_many(t->key + before * words, words, t->n - before, t->limb + 4 * before);
        a->entries = t->n;
        digest_rows(a, t->limb, entry, r, ho);
        t->seen += r;
        return r;
    }
    r = pack_rows(ds, a, f, lab, wt, m, nf, d, NULL, NULL);
    cr_sha256_le64_many(msg, words, r, limbs);
    digest_rows(a, limbs, NULL, r, ho);
    return r;
}

/* Appends n rows; on a bad row (nothing added), err->line is its 1-based
   index when `lines`. */
static cr_status append_rows(cr_dataset *ds, const double *fields, const uint8_t *labels, const double *weights,
                             size_t n, int lines, cr_error *err)
{
    const cr_schema *s = &ds->schema;
    const size_t nf = s->n_fields, d = s->n_features, words = nf + 2;
    /* ds->rows + n must not wrap (it would reserve nothing), nor its arrays' sizes. */
    if (n > max_rows(ds) - ds->rows)
        return cr_fail(err, CR_E_NOMEM, "n", "data set too large: %zu rows and n = %zu more (at most %zu)", ds->rows,
                       n, max_rows(ds));
    cr_status st = reserve(ds, ds->rows + n, err);
    if (st != CR_OK) return st;
    if (!ds->uniq && ds->rows == 0 && !(ds->uniq = table_new(words)))
        return cr_fail(err, CR_E_NOMEM, NULL, "out of memory adding rows");
    uint64_t buf[BATCH_WORDS];
    size_t batch = BATCH_WORDS / (words + 4);
    if (batch > BATCH_MAX) batch = BATCH_MAX;
    batch -= batch > 16 ? batch % 16 : batch > 4 ? batch % 4 : 0;   /* whole groups of the hash's SIMD lanes */
    adding ad;
    ad.nf = nf, ad.d = d, ad.words = words;
    ad.entries = ds->uniq ? ds->uniq->n : 0;
    memcpy(ad.type, s->field_type, nf);
    ad.msg = buf, ad.limbs = buf + batch * words;
    for (size_t j = 0; j < d; j++) ad.ff[j] = s->feature_field[j], ad.inv[j] = s->feature_invert[j];
    /* The digest's limbs added without carries between them; the carries out
       of each counted and added at the end (mod 2^256). */
    for (int k = 0; k < 4; k++) ad.sum[k] = ds->digest.sum[k], ad.carries[k] = 0;
    /* Called through a pointer the optimisers cannot follow: Binaryen inlines
       a function with one caller whatever its attributes say, and V8 moves a
       wasm function to optimised code only at its next call, so a batch loop
       inlined into this long call would run its first, baseline code. */
    size_t (*volatile batch_add)(cr_dataset *, adding *, const double *, const uint8_t *, const double *, size_t) = add_batch;
    const size_t rows0 = ds->rows;
    const cr_rows_digest digest0 = ds->digest;
    const int weighted0 = ds->weighted;
    for (size_t b = 0; b < n && st == CR_OK;) {
        size_t m = n - b < batch ? n - b : batch;
        const size_t to_step = GROWTH - ds->rows % GROWTH;
        if (m > to_step) m = to_step;
        const double *f = fields + b * nf;
        const uint8_t *lab = labels + b;
        const double *wt = weights ? weights + b : NULL;
        row_table *t = ds->uniq;
        /* At a growth step: room for as many new entries as rows to the next. */
        if (t && ds->rows % GROWTH == 0 && !table_reserve(t, GROWTH)) {
            st = cr_fail(err, CR_E_NOMEM, NULL, "out of memory adding rows");
            break;
        }
        const size_t done = batch_add(ds, &ad, f, lab, wt, m);
        ds->rows += done;
        if (done < m) {   /* the first bad row: its error */
            size_t r;
            st = batch_error(ds, f + done * nf, lab + done, wt ? wt + done : NULL, 1, &r, err);
            if (err && lines) err->line = (long)(b + done + 1);
            break;
        }
        b += m;
        if (t && ((t->seen >= TABLE_JUDGE && t->n > t->seen / TABLE_SHARE) || t->n > TABLE_MAX)) {
            table_free(t);   /* mostly distinct: each row hashed from here on */
            ds->uniq = NULL;
        }
    }
    if (st != CR_OK) {
        ds->rows = rows0;
        ds->digest = digest0;
        ds->weighted = weighted0;
        /* The table counted rows now gone: it no longer describes the rows. */
        table_free(ds->uniq);
        ds->uniq = NULL;
        return st;
    }
    /* sum + carries * 2^64 per number, mod 2^256. */
    uint64_t carry = 0;
    for (int k = 0; k < 4; k++) {
        const uint64_t t = ad.sum[k] + carry;
        carry = ad.carries[k] + (t < carry);
        ds->digest.sum[k] = t;
    }
    ds->digest.count += n;
    return CR_OK;
}

cr_status cr_dataset_add(cr_dataset *ds, const double *fields, int label, double weight, cr_error *err)
{
    if (!ds || !fields) return cr_fail(err, CR_E_ARG, NULL, "data set or fields is NULL");
    cr_status st = cr_schema_check_row(&ds->schema, fields, err);
    if (st == CR_OK) st = check_label_weight(ds, label, weight, err);
    if (st != CR_OK) return st;
    const uint8_t y = (uint8_t)label;
    return append_rows(ds, fields, &y, &weight, 1, 0, err);
}

cr_status cr_dataset_add_rows(cr_dataset *ds, const double *fields, const uint8_t *labels,
                              const double *weights, size_t n, cr_error *err)
{
    if (!ds || (n && (!fields || !labels))) return cr_fail(err, CR_E_ARG, NULL, "data set, fields or labels is NULL");
    if (n == 0) return CR_OK;
    return append_rows(ds, fields, labels, weights, n, 1, err);
}

cr_status cr_dataset_subset(const cr_dataset *ds, const uint8_t *pick, int which, cr_dataset **out, cr_error *err)
{
    cr_dataset *sub = NULL;
    cr_status st = cr_dataset_create(&ds->schema, &sub, err);
    if (st != CR_OK) return st;
    const size_t d = ds->schema.n_features;
    size_t n = 0;
    for (size_t i = 0; i < ds->rows; i++) n += pick[i] == which;
    if (st == CR_OK) st = reserve(sub, n, err);
    if (st != CR_OK) {
        cr_dataset_free(sub);
        return st;
    }
    for (size_t i = 0; i < ds->rows; i++) {
        if (pick[i] != which) continue;
        memcpy(sub->x + sub->rows * d, ds->x + i * d, d * sizeof *ds->x);
        sub->y[sub->rows] = ds->y[i];
        sub->w[sub->rows] = ds->w[i];
        sub->row_hash[sub->rows] = ds->row_hash[i];
        sub->weighted |= ds->w[i] != 1.0;
        sub->rows++;
    }
    memcpy(sub->label_name, ds->label_name, sizeof sub->label_name);
    memcpy(sub->weight_name, ds->weight_name, sizeof sub->weight_name);
    *out = sub;
    return CR_OK;
}

size_t cr_dataset_rows(const cr_dataset *ds) { return ds ? ds->rows : 0; }
const cr_schema *cr_dataset_schema(const cr_dataset *ds) { return ds ? &ds->schema : NULL; }

/* No data set: the empty string, as the getters answer NULL for it. */
void cr_dataset_digest(const cr_dataset *ds, char out[CR_MODEL_ID_SIZE])
{
    if (!out) return;
    if (ds) cr_rows_digest_hex(&ds->digest, out);
    else out[0] = 0;
}

static uint64_t row_hash(const double *x, size_t d, int y)
{
    uint64_t h = 0x9E3779B97F4A7C15u ^ (uint64_t)y;
    for (size_t j = 0; j < d; j++) {
        uint64_t u;
        memcpy(&u, &x[j], 8);
        h ^= u + 0x9E3779B97F4A7C15u + (h << 6) + (h >> 2);
        h *= 0xBF58476D1CE4E5B9u;
        h ^= h >> 31;
    }
    return h;
}

/* Merges rows into `out` (whose arrays hold `limit` rows) through a table
   of `cap` slots: the row (xi, yi) weighing si. 0 when a row past `limit`
   distinct ones would be needed. */
typedef struct {
    uint32_t *slot;
    size_t cap;
} merge_table;

static int merge_row(merge_table *mt, cr_rows *out, size_t limit, size_t d, const double *xi, int yi, double si)
{
    size_t k = (size_t)row_hash(xi, d, yi) & (mt->cap - 1);
    while (mt->slot[k] != UINT32_MAX) {
        size_t u = mt->slot[k];
        if (out->y[u] == yi && memcmp(out->x + u * d, xi, d * sizeof *xi) == 0) break;
        k = (k + 1) & (mt->cap - 1);
    }
    if (mt->slot[k] == UINT32_MAX) {
        if (out->n == limit) return 0;
        mt->slot[k] = (uint32_t)out->n;
        memcpy(out->x + out->n * d, xi, d * sizeof *xi);
        out->y[out->n] = (uint8_t)yi;
        out->s[out->n] = 0;
        out->n++;
    }
    out->s[mt->slot[k]] += si;
    return 1;
}

int cr_compress_rows(const cr_dataset *ds, size_t limit, cr_rows *out)
{
    const size_t n = ds->rows, d = ds->schema.n_features, nf = ds->schema.n_fields;
    const row_table *t = ds->uniq;
    /* Whole-number weights with a total of at most 2^53: every partial sum
       is exact, so a merged row's weight is exactly its copies' total,
       whatever the order of the adds. */
    cr_exact total = {0};
    if (t) {
        for (size_t e = 0; e < t->n; e++) {
            double w;
            memcpy(&w, &t->key[e * t->words + nf + 1], sizeof w);
            if (w != floor(w)) return 0;
            cr_exact_add_product(&total, (double)t->count[e], w);
        }
        if (cr_exact_round(&total) > 0x1p53) return 0;
    } else {
        for (size_t i = 0; i < n; i++)
            if (ds->w[i] != floor(ds->w[i])) return 0;
        /* The total once the rows merge (mostly distinct ones give up first). */
    }
    merge_table mt = {NULL, 64};
    while (mt.cap < 2 * limit) mt.cap *= 2;
    mt.slot = malloc(mt.cap * sizeof *mt.slot);
    out->x = malloc(limit * d * sizeof *out->x);
    out->s = malloc(limit * sizeof *out->s);
    out->y = malloc(limit);
    out->n = 0;
    const int allocated = mt.slot && out->x && out->s && out->y;
    int ok = allocated;
    if (ok) memset(mt.slot, 0xFF, mt.cap * sizeof *mt.slot);
    if (t) {
        /* The distinct raw rows, in order of first appearance: a row's
           copies at once (count * weight: whole, so exact). */
        double fx[CR_MAX_FEATURES];
        for (size_t e = 0; e < t->n && ok; e++) {
            const uint64_t *k = t->key + e * t->words;
            double fields[CR_MAX_FIELDS], y, w;
            memcpy(fields, k, nf * sizeof *fields);
            memcpy(&y, &k[nf], sizeof y);
            memcpy(&w, &k[nf + 1], sizeof w);
            if (w == 0) continue;   /* contributes nothing to any sum */
            cr_schema_features(&ds->schema, fields, fx);
            ok = merge_row(&mt, out, limit, d, fx, (int)y, (double)t->count[e] * w);
        }
    } else {
        for (size_t i = 0; i < n && ok; i++) {
            if (ds->w[i] == 0) continue;   /* contributes nothing to any sum */
            ok = merge_row(&mt, out, limit, d, ds->x + i * d, ds->y[i], ds->w[i]);
            /* Mostly distinct so far: not worth going on. */
            if (i + 1 == MERGE_JUDGE && out->n > MERGE_JUDGE / TABLE_SHARE) ok = 0;
        }
    }
    free(mt.slot);
    if (ok && !t) {
        for (size_t i = 0; i < n; i++) cr_exact_add(&total, ds->w[i]);
        ok = cr_exact_round(&total) <= 0x1p53;
    }
    if (!ok) {
        free(out->x);
        free(out->s);
        free(out->y);
        memset(out, 0, sizeof *out);
    }
    return allocated ? ok : -1;
}
