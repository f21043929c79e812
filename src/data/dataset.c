/* dataset.c - training rows stored as features, with the digest of their
 * multiset: each row's SHA-256 added mod 2^256, so the digest (and the
 * holdout, split by the row's hash) depends on which rows there are, not on
 * their order or on how they were split into shards. */
#include "internal.h"
#include "sha256.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

cr_status cr_dataset_create(const cr_schema *s, cr_dataset **out, cr_error *err)
{
    if (!s || !out) return cr_fail(err, CR_E_ARG, NULL, "schema or out is NULL");
    *out = NULL;
    cr_dataset *ds = calloc(1, sizeof *ds);
    if (!ds) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory allocating data set");
    memcpy(&ds->schema, s, sizeof *s);
    strcpy(ds->label_name, "label");
    strcpy(ds->weight_name, "weight");
    *out = ds;
    return CR_OK;
}

void cr_dataset_free(cr_dataset *ds)
{
    if (!ds) return;
    free(ds->x);
    free(ds->y);
    free(ds->w);
    free(ds->row_hash);
    free(ds);
}

static cr_status grow(cr_dataset *ds, cr_error *err)
{
    size_t cap = ds->cap ? ds->cap * 2 : 1024;
    size_t d = ds->schema.n_features;
    if (cap > SIZE_MAX / (d * sizeof(double)))
        return cr_fail(err, CR_E_NOMEM, NULL, "data set too large");
    double *x = realloc(ds->x, cap * d * sizeof *x);
    if (x) ds->x = x;
    uint8_t *y = realloc(ds->y, cap);
    if (y) ds->y = y;
    double *w = realloc(ds->w, cap * sizeof *w);
    if (w) ds->w = w;
    uint64_t *rh = realloc(ds->row_hash, cap * sizeof *rh);
    if (rh) ds->row_hash = rh;
    if (!x || !y || !w || !rh) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory growing data set");
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

static void put_le64(uint8_t *p, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    for (int k = 0; k < 8; k++) p[k] = (uint8_t)(u >> (8 * k));
}

/* Appends a validated row; capacity must be there. */
static void append_row(cr_dataset *ds, const double *fields, int label, double weight)
{
    size_t d = ds->schema.n_features;
    cr_schema_features(&ds->schema, fields, ds->x + ds->rows * d);
    ds->y[ds->rows] = (uint8_t)label;
    ds->w[ds->rows] = weight;
    if (weight != 1.0) ds->weighted = 1;
    ds->rows++;
    /* The row as the caller gave it (fields, label, weight), hashed: its
       digest term and its 64-bit hash (the holdout's). */

    uint8_t buf[(CR_MAX_FIELDS + 2) * 8], h[32];
    size_t nf = ds->schema.n_fields;
    for (size_t i = 0; i < nf; i++) put_le64(buf + 8 * i, fields[i]);
    put_le64(buf + 8 * nf, (double)label);
    put_le64(buf + 8 * nf + 8, weight);
    cr_sha256_ctx c;
    cr_sha256_init(&c);
    cr_sha256_update(&c, buf, 8 * (nf + 2));
    cr_sha256_final(&c, h);
    ds->row_hash[ds->rows - 1] = le64(h);
    cr_rows_digest_add(&ds->digest, h);
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

cr_status cr_dataset_add(cr_dataset *ds, const double *fields, int label, double weight, cr_error *err)
{
    if (!ds || !fields) return cr_fail(err, CR_E_ARG, NULL, "data set or fields is NULL");
    cr_status st = cr_schema_check_row(&ds->schema, fields, err);
    if (st == CR_OK) st = check_label_weight(ds, label, weight, err);
    if (st == CR_OK && ds->rows == ds->cap) st = grow(ds, err);
    if (st == CR_OK) append_row(ds, fields, label, weight);
    return st;
}

cr_status cr_dataset_add_rows(cr_dataset *ds, const double *fields, const uint8_t *labels,
                              const double *weights, size_t n, cr_error *err)
{
    if (!ds || (n && (!fields || !labels))) return cr_fail(err, CR_E_ARG, NULL, "data set, fields or labels is NULL");
    const size_t nf = ds->schema.n_fields;
    for (size_t i = 0; i < n; i++) {
        cr_status st = cr_schema_check_row(&ds->schema, fields + i * nf, err);
        if (st == CR_OK) st = check_label_weight(ds, labels[i], weights ? weights[i] : 1.0, err);
        if (st != CR_OK) {
            if (err) err->line = (long)(i + 1);
            return st;
        }
    }
    while (ds->cap < ds->rows + n) {
        cr_status st = grow(ds, err);
        if (st != CR_OK) return st;
    }
    for (size_t i = 0; i < n; i++) append_row(ds, fields + i * nf, labels[i], weights ? weights[i] : 1.0);
    return CR_OK;
}

cr_status cr_dataset_subset(const cr_dataset *ds, const uint8_t *pick, int which, cr_dataset **out, cr_error *err)
{
    cr_dataset *sub = NULL;
    cr_status st = cr_dataset_create(&ds->schema, &sub, err);
    if (st != CR_OK) return st;
    const size_t d = ds->schema.n_features;
    size_t n = 0;
    for (size_t i = 0; i < ds->rows; i++) n += pick[i] == which;
    while (st == CR_OK && sub->cap < n) st = grow(sub, err);
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

void cr_dataset_digest(const cr_dataset *ds, char out[CR_MODEL_ID_SIZE]) { cr_rows_digest_hex(&ds->digest, out); }

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

int cr_compress_rows(const cr_dataset *ds, size_t limit, cr_rows *out)
{
    const size_t n = ds->rows, d = ds->schema.n_features;
    /* Whole-number weights with a total of at most 2^53: every partial sum
       is exact, so a merged row's weight is exactly its copies' total. */
    cr_exact total = {0};
    for (size_t i = 0; i < n; i++) {
        if (ds->w[i] != floor(ds->w[i])) return 0;
        cr_exact_add(&total, ds->w[i]);
    }
    if (cr_exact_round(&total) > 0x1p53) return 0;
    size_t cap = 64;
    while (cap < 2 * limit) cap *= 2;
    uint32_t *slot = malloc(cap * sizeof *slot);
    out->x = malloc(limit * d * sizeof *out->x);
    out->s = malloc(limit * sizeof *out->s);
    out->y = malloc(limit);
    out->n = 0;
    const int allocated = slot && out->x && out->s && out->y;
    int ok = allocated;
    if (ok) memset(slot, 0xFF, cap * sizeof *slot);
    for (size_t i = 0; i < n && ok; i++) {
        const double *xi = ds->x + i * d;
        const int yi = ds->y[i];
        const double si = ds->w[i];
        if (si == 0) continue;   /* contributes nothing to any sum */
        size_t k = (size_t)row_hash(xi, d, yi) & (cap - 1);
        while (slot[k] != UINT32_MAX) {
            size_t u = slot[k];
            if (out->y[u] == yi && memcmp(out->x + u * d, xi, d * sizeof *xi) == 0) break;
            k = (k + 1) & (cap - 1);
        }
        if (slot[k] == UINT32_MAX) {
            if (out->n == limit) {
                ok = 0;
                break;
            }
            slot[k] = (uint32_t)out->n;
            memcpy(out->x + out->n * d, xi, d * sizeof *xi);
            out->y[out->n] = (uint8_t)yi;
            out->s[out->n] = 0;
            out->n++;
        }
        out->s[slot[k]] += si;
    }
    free(slot);
    if (!ok) {
        free(out->x);
        free(out->s);
        free(out->y);
        memset(out, 0, sizeof *out);
    }
    return allocated ? ok : -1;
}
