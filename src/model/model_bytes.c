/* model_bytes.c - the canonical binary model format, little-endian.
 *
 *   magic "CRISKMDL" | u16 version | u16 flags (0) | u32 total size
 *   u8 n_fields | u8 n_features | u16 0
 *   fields:   u8 type | u8 name length | name
 *   features: u8 field | u8 invert | u8 sign | u8 name length | name
 *   f64 intercept | f64 coef[d] | f64 baseline[d] | i32 band high | i32 band medium
 *   training: u64 rows | f64 weight sum | f64 C | u8 fit_intercept | u8 class weight mode
 *             | u16 0 | f64 class weight[2] | u32 max_iter | f64 tol | 32 bytes data SHA-256
 *   solver:   u32 iterations | u8 converged | 3 x u8 0 | f64 objective | f64 gradient norm
 *   u32 CRC-32 of everything before it
 */
#include "internal.h"
#include "crc32.h"
#include "sha256.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t MAGIC[8] = {'C', 'R', 'I', 'S', 'K', 'M', 'D', 'L'};
#define HEADER_SIZE 20

typedef struct {
    uint8_t *buf;
    size_t cap, len;
} writer;

static void put(writer *w, const void *p, size_t n)
{
    if (w->buf && w->len + n <= w->cap) memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static void put_uint(writer *w, uint64_t v, int bytes)
{
    uint8_t b[8];
    for (int k = 0; k < bytes; k++) b[k] = (uint8_t)(v >> (8 * k));
    put(w, b, (size_t)bytes);
}

static void put_f64(writer *w, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    put_uint(w, u, 8);
}

static void put_name(writer *w, const char *s)
{
    size_t n = strlen(s);
    put_uint(w, n, 1);
    put(w, s, n);
}

static void put_hex_digest(writer *w, const char *hex)
{
    uint8_t raw[32];
    for (int k = 0; k < 32; k++) {
        int hi = hex[2 * k], lo = hex[2 * k + 1];
        hi = hi <= '9' ? hi - '0' : hi - 'a' + 10;
        lo = lo <= '9' ? lo - '0' : lo - 'a' + 10;
        raw[k] = (uint8_t)(hi << 4 | lo);
    }
    put(w, raw, 32);
}

cr_status cr_model_save(const cr_model *m, void *dst, size_t cap, size_t *size, cr_error *err)
{
    if (!m) return cr_fail(err, CR_E_ARG, NULL, "model is NULL");
    writer w = {dst, dst ? cap : 0, 0};
    const cr_schema *s = &m->schema;
    put(&w, MAGIC, 8);
    put_uint(&w, CR_MODEL_FORMAT_VERSION, 2);
    put_uint(&w, 0, 2);
    put_uint(&w, 0, 4);   /* total size, patched below */
    put_uint(&w, s->n_fields, 1);
    put_uint(&w, s->n_features, 1);
    put_uint(&w, 0, 2);
    for (size_t i = 0; i < s->n_fields; i++) {
        put_uint(&w, s->field_type[i], 1);
        put_name(&w, s->field_name[i]);
    }
    for (size_t j = 0; j < s->n_features; j++) {
        put_uint(&w, s->feature_field[j], 1);
        put_uint(&w, s->feature_invert[j], 1);
        put_uint(&w, m->sign[j], 1);
        put_name(&w, s->feature_name[j]);
    }
    put_f64(&w, m->intercept);
    for (size_t j = 0; j < s->n_features; j++) put_f64(&w, m->coef[j]);
    for (size_t j = 0; j < s->n_features; j++) put_f64(&w, m->baseline[j]);
    put_uint(&w, (uint32_t)m->band_high, 4);
    put_uint(&w, (uint32_t)m->band_medium, 4);
    const cr_training_info *in = &m->info;
    put_uint(&w, in->rows, 8);
    put_f64(&w, in->weight_sum);
    put_f64(&w, in->C);
    put_uint(&w, (uint64_t)in->fit_intercept, 1);
    put_uint(&w, (uint64_t)in->class_weight_mode, 1);
    put_uint(&w, 0, 2);
    put_f64(&w, in->class_weight[0]);
    put_f64(&w, in->class_weight[1]);
    put_uint(&w, (uint32_t)in->max_iter, 4);
    put_f64(&w, in->tol);
    put_hex_digest(&w, in->data_sha256);
    put_uint(&w, (uint32_t)m->stats.iterations, 4);
    put_uint(&w, (uint64_t)m->stats.converged, 1);
    put_uint(&w, 0, 3);
    put_f64(&w, m->stats.objective);
    put_f64(&w, m->stats.grad_norm);
    const size_t total = w.len + 4;
    if (size) *size = total;
    if (!dst || cap < total)
        return cr_fail(err, CR_E_BUFFER, NULL, "model needs %zu bytes, buffer holds %zu", total,
                       dst ? cap : 0);
    uint8_t *b = dst;
    for (int k = 0; k < 4; k++) b[12 + k] = (uint8_t)(total >> (8 * k));
    put_uint(&w, cr_crc32(0, b, total - 4), 4);
    return CR_OK;
}

typedef struct {
    const uint8_t *p;
    size_t len, pos;
    int overrun;
} reader;

static const uint8_t *take(reader *r, size_t n)
{
    if (r->overrun || r->len - r->pos < n) {
        r->overrun = 1;
        return NULL;
    }
    const uint8_t *q = r->p + r->pos;
    r->pos += n;
    return q;
}

static uint64_t get_uint(reader *r, int bytes)
{
    const uint8_t *q = take(r, (size_t)bytes);
    uint64_t v = 0;
    if (q)
        for (int k = 0; k < bytes; k++) v |= (uint64_t)q[k] << (8 * k);
    return v;
}

static double get_f64(reader *r)
{
    uint64_t u = get_uint(r, 8);
    double v;
    memcpy(&v, &u, 8);
    return v;
}

static cr_status get_name(reader *r, char *dst, const char *what, size_t index, cr_error *err)
{
    size_t n = (size_t)get_uint(r, 1);
    if (n == 0 || n > CR_MAX_NAME)
        return cr_fail(err, CR_E_COUNT, NULL, "model bytes: %s %zu has name length %zu (need 1 to %d)",
                       what, index, n, CR_MAX_NAME);
    const uint8_t *q = take(r, n);
    if (q) memcpy(dst, q, n);
    dst[q ? n : 0] = 0;
    return CR_OK;
}

/* Reserved bytes and encodings must be exactly what cr_model_save() writes,
   so that the model id is the SHA-256 of the bytes the caller holds. */
static cr_status check_canonical(const cr_model *m, const uint8_t *b, size_t len, cr_error *err)
{
    uint8_t *again = malloc(len);
    if (!again) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory checking model");
    size_t size = 0;
    cr_status st = cr_model_save(m, again, len, &size, NULL);
    int same = st == CR_OK && size == len && memcmp(again, b, len) == 0;
    free(again);
    if (!same)
        return cr_fail(err, CR_E_RANGE, NULL, "model bytes: not in canonical form (reserved bytes set)");
    return CR_OK;
}

cr_status cr_model_load(const void *src, size_t len, cr_model **out, cr_error *err)
{
    if (!out || (!src && len)) return cr_fail(err, CR_E_ARG, NULL, "src or out is NULL");
    *out = NULL;
    const uint8_t *b = src;
    size_t head = len < 8 ? len : 8;
    if (head && memcmp(b, MAGIC, head) != 0)
        return cr_fail(err, CR_E_MAGIC, NULL, "model bytes: bad magic (not a callrisk model)");
    if (len < HEADER_SIZE)
        return cr_fail(err, CR_E_TRUNCATED, NULL, "model bytes: truncated header (%zu of %d bytes)", len,
                       HEADER_SIZE);
    reader r = {b, len, 8, 0};
    unsigned version = (unsigned)get_uint(&r, 2), flags = (unsigned)get_uint(&r, 2);
    if (version != CR_MODEL_FORMAT_VERSION)
        return cr_fail(err, CR_E_VERSION, NULL, "model bytes: format version %u, this library reads %u",
                       version, CR_MODEL_FORMAT_VERSION);
    if (flags != 0)
        return cr_fail(err, CR_E_VERSION, NULL, "model bytes: unsupported flags 0x%04x", flags);
    size_t total = (size_t)get_uint(&r, 4);
    if (total > len)
        return cr_fail(err, CR_E_TRUNCATED, NULL, "model bytes: truncated (%zu of %zu bytes)", len, total);
    if (total < HEADER_SIZE + 4 || total < len)
        return cr_fail(err, CR_E_COUNT, NULL, "model bytes: declared size %zu does not match %zu bytes",
                       total, len);
    uint32_t crc = (uint32_t)(b[len - 4] | b[len - 3] << 8 | b[len - 2] << 16 | (uint32_t)b[len - 1] << 24);
    if (crc != cr_crc32(0, b, len - 4))
        return cr_fail(err, CR_E_CHECKSUM, NULL, "model bytes: checksum mismatch (corrupted model)");
    r.len = len - 4;

    size_t nf = (size_t)get_uint(&r, 1), nd = (size_t)get_uint(&r, 1);
    get_uint(&r, 2);
    if (nf < 1 || nf > CR_MAX_FIELDS)
        return cr_fail(err, CR_E_COUNT, NULL, "model bytes: %zu fields (need 1 to %d)", nf, CR_MAX_FIELDS);
    if (nd < 1 || nd > CR_MAX_FEATURES)
        return cr_fail(err, CR_E_COUNT, NULL, "model bytes: %zu features (need 1 to %d)", nd,
                       CR_MAX_FEATURES);
    cr_model *m = calloc(1, sizeof *m);
    if (!m) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory allocating model");

    cr_status st = CR_OK;
    cr_field_spec fs[CR_MAX_FIELDS];
    cr_feature_spec ts[CR_MAX_FEATURES];
    char fname[CR_MAX_FIELDS][CR_MAX_NAME + 1], tname[CR_MAX_FEATURES][CR_MAX_NAME + 1];
    for (size_t i = 0; i < nf && st == CR_OK; i++) {
        fs[i].type = (cr_field_type)get_uint(&r, 1);
        st = get_name(&r, fname[i], "field", i, err);
        fs[i].name = fname[i];
    }
    for (size_t j = 0; j < nd && st == CR_OK; j++) {
        size_t fi = (size_t)get_uint(&r, 1);
        ts[j].invert = (int)get_uint(&r, 1);
        m->sign[j] = (uint8_t)get_uint(&r, 1);
        st = get_name(&r, tname[j], "feature", j, err);
        if (st == CR_OK && fi >= nf)
            st = cr_fail(err, CR_E_COUNT, NULL, "model bytes: feature %zu reads field %zu of %zu", j, fi, nf);
        if (st == CR_OK && ts[j].invert > 1)
            st = cr_fail(err, CR_E_RANGE, NULL, "model bytes: feature %zu has invert flag %d", j, ts[j].invert);
        ts[j].name = tname[j];
        ts[j].field = fi < nf ? fname[fi] : NULL;
    }
    m->intercept = get_f64(&r);
    for (size_t j = 0; j < nd; j++) m->coef[j] = get_f64(&r);
    for (size_t j = 0; j < nd; j++) m->baseline[j] = get_f64(&r);
    m->band_high = (int32_t)(uint32_t)get_uint(&r, 4);
    m->band_medium = (int32_t)(uint32_t)get_uint(&r, 4);
    cr_training_info *in = &m->info;
    in->rows = get_uint(&r, 8);
    in->weight_sum = get_f64(&r);
    in->C = get_f64(&r);
    in->fit_intercept = (int)get_uint(&r, 1);
    in->class_weight_mode = (cr_class_weight_mode)get_uint(&r, 1);
    get_uint(&r, 2);
    in->class_weight[0] = get_f64(&r);
    in->class_weight[1] = get_f64(&r);
    in->max_iter = (int)(uint32_t)get_uint(&r, 4);
    in->tol = get_f64(&r);
    const uint8_t *digest = take(&r, 32);
    if (digest)
        for (int k = 0; k < 32; k++) {
            static const char hex[] = "0123456789abcdef";
            in->data_sha256[2 * k] = hex[digest[k] >> 4];
            in->data_sha256[2 * k + 1] = hex[digest[k] & 15];
        }
    m->stats.iterations = (int)(uint32_t)get_uint(&r, 4);
    m->stats.converged = (int)get_uint(&r, 1);
    get_uint(&r, 3);
    m->stats.objective = get_f64(&r);
    m->stats.grad_norm = get_f64(&r);

    if (st == CR_OK && r.overrun)
        st = cr_fail(err, CR_E_TRUNCATED, NULL, "model bytes: contents run past the declared size");
    if (st == CR_OK && r.pos != r.len)
        st = cr_fail(err, CR_E_COUNT, NULL, "model bytes: %zu unused bytes before the checksum",
                     r.len - r.pos);
    cr_schema *s = NULL;
    if (st == CR_OK) st = cr_schema_create(fs, nf, ts, nd, &s, err);
    if (st == CR_OK) {
        memcpy(&m->schema, s, sizeof *s);
        cr_schema_free(s);
        cr_model_drop_negative_zeros(m);   /* bytes holding -0 are then not canonical: refused below */
        st = cr_model_validate(m, err);
    }
    if (st == CR_OK) st = cr_model_finish(m, err);
    if (st == CR_OK) st = check_canonical(m, b, len, err);
    if (st != CR_OK) {
        free(m);
        return st;
    }
    *out = m;
    return CR_OK;
}

/* The id: SHA-256 of the canonical bytes. */
cr_status cr_model_finish(cr_model *m, cr_error *err)
{
    size_t size = 0;
    cr_model_save(m, NULL, 0, &size, NULL);
    uint8_t *buf = malloc(size);
    if (!buf) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory serialising model");
    cr_status st = cr_model_save(m, buf, size, &size, err);
    if (st == CR_OK) {
        cr_sha256_ctx h;
        uint8_t d[32];
        cr_sha256_init(&h);
        cr_sha256_update(&h, buf, size);
        cr_sha256_final(&h, d);
        cr_sha256_hex(d, m->id);
    }
    free(buf);
    return st;
}
