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
 *   format 2 only (a model with evidence, see internal.h):
 *     u8 section count | sections in ascending tag order, each u8 tag | u32 length | payload:
 *       1 train metrics (required)
 *       2 holdout: u8 method (1 order, 2 hash) | f64 fraction | u32 seed | metrics (with a holdout)
 *       3 calibration: u8 method (1 sigmoid) | f64 a | f64 b (when calibrated)
 *       4 reference (required): per feature in schema order, then the score: bins
 *     metrics: u64 n | f64 weight_sum, base_rate, log_loss, brier, auc, gini, ks
 *              | 10 x f64 (lo, hi, weight, mean_predicted, observed_rate)
 *              | 3 x f64 (weight, share, observed_rate, mean_predicted)
 *     bins:    u8 n_bins | f64 cut[n_bins - 1] | f64 share[n_bins]
 *   u32 CRC-32 of everything before it
 *
 * A model without evidence is written as format 1, byte for byte as before
 * format 2 existed: its id never changes. NaN is written as the one
 * canonical quiet NaN; bytes holding another are not canonical.
 */
#include "internal.h"
#include "crc32.h"
#include "sha256.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t MAGIC[8] = {'C', 'R', 'I', 'S', 'K', 'M', 'D', 'L'};
#define HEADER_SIZE 20
/* Format 1: no evidence; format 2: with (the newest this library writes). */
#define FORMAT_V1 1u                        /* no evidence */
#define FORMAT_V2 CR_MODEL_FORMAT_VERSION   /* with evidence */
enum { SEC_TRAIN = 1, SEC_HOLDOUT = 2, SEC_CALIBRATION = 3, SEC_REFERENCE = 4, SEC_LAST = SEC_REFERENCE };
static const char *const SECTION_NAME[SEC_LAST + 1] = {"", "train metrics", "holdout", "calibration", "reference"};

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
    uint64_t u = 0x7ff8000000000000u;   /* NaN: the canonical one, whatever its bits */
    if (v == v) memcpy(&u, &v, 8);
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

static void put_metrics(writer *w, const cr_metrics *mt)
{
    put_uint(w, mt->n, 8);
    const double scalars[] = {mt->weight_sum, mt->base_rate, mt->log_loss, mt->brier, mt->auc, mt->gini, mt->ks};
    for (size_t k = 0; k < sizeof scalars / sizeof *scalars; k++) put_f64(w, scalars[k]);
    for (int b = 0; b < CR_CALIBRATION_BINS; b++) {
        const cr_calibration_bin *c = &mt->calibration[b];
        put_f64(w, c->lo);
        put_f64(w, c->hi);
        put_f64(w, c->weight);
        put_f64(w, c->mean_predicted);
        put_f64(w, c->observed_rate);
    }
    for (int l = 0; l < 3; l++) {
        const cr_band_stats *bs = &mt->bands[l];
        put_f64(w, bs->weight);
        put_f64(w, bs->share);
        put_f64(w, bs->observed_rate);
        put_f64(w, bs->mean_predicted);
    }
}

static void put_bins(writer *w, const cr_bins *b)
{
    put_uint(w, b->n_bins, 1);
    for (int k = 0; k + 1 < b->n_bins; k++) put_f64(w, b->cut[k]);
    for (int k = 0; k < b->n_bins; k++) put_f64(w, b->share[k]);
}

/* A section's tag and length; the length is patched by end_section(). */
static size_t begin_section(writer *w, int tag)
{
    put_uint(w, (uint64_t)tag, 1);
    put_uint(w, 0, 4);
    return w->len;
}

static void end_section(writer *w, size_t start)
{
    const uint32_t n = (uint32_t)(w->len - start);
    if (w->buf && w->len <= w->cap)
        for (int k = 0; k < 4; k++) w->buf[start - 4 + k] = (uint8_t)(n >> (8 * k));
}

static void put_evidence(writer *w, const cr_model *m)
{
    const cr_evidence *ev = &m->ev;
    const int holdout = ev->holdout_method != CR_HOLDOUT_NONE, calibrated = ev->calibration != CR_CALIBRATION_NONE;
    put_uint(w, (uint64_t)(2 + holdout + calibrated), 1);
    size_t at = begin_section(w, SEC_TRAIN);
    put_metrics(w, &ev->train);
    end_section(w, at);
    if (holdout) {
        at = begin_section(w, SEC_HOLDOUT);
        put_uint(w, (uint64_t)ev->holdout_method, 1);
        put_f64(w, ev->holdout_fraction);
        put_uint(w, ev->holdout_seed, 4);
        put_metrics(w, &ev->holdout);
        end_section(w, at);
    }
    if (calibrated) {
        at = begin_section(w, SEC_CALIBRATION);
        put_uint(w, (uint64_t)ev->calibration, 1);
        put_f64(w, ev->cal_a);
        put_f64(w, ev->cal_b);
        end_section(w, at);
    }
    at = begin_section(w, SEC_REFERENCE);
    for (size_t j = 0; j < m->schema.n_features; j++) put_bins(w, &ev->reference[j]);
    put_bins(w, &ev->score_reference);
    end_section(w, at);
}

cr_status cr_model_save(const cr_model *m, void *dst, size_t cap, size_t *size, cr_error *err)
{
    if (!m) return cr_fail(err, CR_E_ARG, NULL, "model is NULL");
    writer w = {dst, dst ? cap : 0, 0};
    const cr_schema *s = &m->schema;
    put(&w, MAGIC, 8);
    put_uint(&w, m->ev.present ? FORMAT_V2 : FORMAT_V1, 2);
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
    if (m->ev.present) put_evidence(&w, m);
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

static void get_metrics(reader *r, cr_metrics *mt)
{
    mt->n = get_uint(r, 8);
    double *scalars[] = {&mt->weight_sum, &mt->base_rate, &mt->log_loss, &mt->brier, &mt->auc, &mt->gini, &mt->ks};
    for (size_t k = 0; k < sizeof scalars / sizeof *scalars; k++) *scalars[k] = get_f64(r);
    for (int b = 0; b < CR_CALIBRATION_BINS; b++) {
        cr_calibration_bin *c = &mt->calibration[b];
        c->lo = get_f64(r);
        c->hi = get_f64(r);
        c->weight = get_f64(r);
        c->mean_predicted = get_f64(r);
        c->observed_rate = get_f64(r);
    }
    for (int l = 0; l < 3; l++) {
        cr_band_stats *bs = &mt->bands[l];
        bs->weight = get_f64(r);
        bs->share = get_f64(r);
        bs->observed_rate = get_f64(r);
        bs->mean_predicted = get_f64(r);
    }
}

/* Reference bins of `name` (a feature, or "score"). A bin count that the
   section's bytes do hold must be 1..CR_DRIFT_BINS; a section too short for
   the contents is the caller's to report. */
static cr_status get_bins(reader *r, cr_bins *b, const char *name, cr_error *err)
{
    const unsigned n = (unsigned)get_uint(r, 1);
    if (r->overrun) return CR_OK;
    if (n < 1 || n > CR_DRIFT_BINS)
        return cr_fail(err, CR_E_COUNT, name, "model bytes: reference of '%s' has %u bins (need 1 to %d)", name, n,
                       CR_DRIFT_BINS);
    b->n_bins = (uint8_t)n;
    for (unsigned k = 0; k + 1 < n; k++) b->cut[k] = get_f64(r);
    for (unsigned k = 0; k < n; k++) b->share[k] = get_f64(r);
    return CR_OK;
}

/* One section's payload, read from exactly its `r` (the section's bytes). */
static cr_status get_section(reader *r, int tag, cr_model *m, size_t nd, char (*names)[CR_MAX_NAME + 1],
                             cr_error *err)
{
    cr_evidence *ev = &m->ev;
    unsigned method = 0;
    cr_status st = CR_OK;
    switch (tag) {
    case SEC_TRAIN:
        get_metrics(r, &ev->train);
        break;
    case SEC_HOLDOUT:
        method = (unsigned)get_uint(r, 1);
        ev->holdout_method = (cr_holdout_method)method;
        ev->holdout_fraction = get_f64(r);
        ev->holdout_seed = (uint32_t)get_uint(r, 4);
        get_metrics(r, &ev->holdout);
        if (!r->overrun && method != CR_HOLDOUT_ORDER && method != CR_HOLDOUT_HASH)
            st = cr_fail(err, CR_E_RANGE, "holdout", "model bytes: holdout method %u (need 1 order or 2 hash)", method);
        break;
    case SEC_CALIBRATION:
        method = (unsigned)get_uint(r, 1);
        ev->calibration = (cr_calibration_method)method;
        ev->cal_a = get_f64(r);
        ev->cal_b = get_f64(r);
        if (!r->overrun && method != CR_CALIBRATION_SIGMOID)
            st = cr_fail(err, CR_E_RANGE, "calibration", "model bytes: calibration method %u (need 1 sigmoid)", method);
        break;
    default: /* SEC_REFERENCE */
        for (size_t j = 0; j < nd && st == CR_OK; j++) st = get_bins(r, &ev->reference[j], names[j], err);
        if (st == CR_OK) st = get_bins(r, &ev->score_reference, "score", err);
        break;
    }
    return st;
}

/* Format 2's sections, from r's position up to the checksum, for nd features
   called names (the schema is not built yet). */
static cr_status get_evidence(reader *r, cr_model *m, size_t nd, char (*names)[CR_MAX_NAME + 1], cr_error *err)
{
    const unsigned count = (unsigned)get_uint(r, 1);
    if (r->overrun)
        return cr_fail(err, CR_E_TRUNCATED, NULL, "model bytes: format 2 but no evidence before the checksum");
    if (count < 2 || count > SEC_LAST)
        return cr_fail(err, CR_E_COUNT, NULL, "model bytes: %u evidence sections (need 2 to %d)", count, SEC_LAST);
    unsigned seen = 0;   /* bit k: section k */
    int last = 0;
    for (unsigned i = 0; i < count; i++) {
        const unsigned tag = (unsigned)get_uint(r, 1);
        const size_t len = (size_t)get_uint(r, 4);
        if (r->overrun)
            return cr_fail(err, CR_E_TRUNCATED, NULL, "model bytes: evidence section %u of %u runs past the "
                           "declared size", i + 1, count);
        if (tag < 1 || tag > SEC_LAST)
            return cr_fail(err, CR_E_COUNT, NULL, "model bytes: unknown evidence section tag %u", tag);
        if ((int)tag == last)
            return cr_fail(err, CR_E_COUNT, NULL, "model bytes: evidence section %u (%s) appears twice", tag,
                           SECTION_NAME[tag]);
        if ((int)tag < last)
            return cr_fail(err, CR_E_COUNT, NULL, "model bytes: evidence section %u (%s) after section %d: sections "
                           "go in tag order", tag, SECTION_NAME[tag], last);
        if (len > r->len - r->pos)
            return cr_fail(err, CR_E_TRUNCATED, NULL, "model bytes: evidence section %u (%s) declares %zu bytes, "
                           "%zu remain", tag, SECTION_NAME[tag], len, r->len - r->pos);
        reader sec = {r->p, r->pos + len, r->pos, 0};
        cr_status st = get_section(&sec, (int)tag, m, nd, names, err);
        if (st != CR_OK) return st;
        if (sec.overrun)
            return cr_fail(err, CR_E_COUNT, NULL, "model bytes: evidence section %u (%s) declares %zu bytes, too few "
                           "for its contents", tag, SECTION_NAME[tag], len);
        if (sec.pos != sec.len)
            return cr_fail(err, CR_E_COUNT, NULL, "model bytes: evidence section %u (%s) has %zu unused bytes", tag,
                           SECTION_NAME[tag], sec.len - sec.pos);
        r->pos += len;
        last = (int)tag;
        seen |= 1u << tag;
    }
    const int missing = !(seen >> SEC_TRAIN & 1) ? SEC_TRAIN : !(seen >> SEC_REFERENCE & 1) ? SEC_REFERENCE : 0;
    if (missing)
        return cr_fail(err, CR_E_MISSING, NULL, "model bytes: format 2 without evidence section %d (%s)", missing,
                       SECTION_NAME[missing]);
    m->ev.present = 1;
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
    if (version != FORMAT_V1 && version != FORMAT_V2)
        return cr_fail(err, CR_E_VERSION, NULL, "model bytes: format version %u, this library reads %u to %u",
                       version, FORMAT_V1, FORMAT_V2);
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
    const uint32_t max_iter = (uint32_t)get_uint(&r, 4);
    in->max_iter = max_iter > CR_MAX_ITER_MAX ? -1 : (int)max_iter;
    if (st == CR_OK && max_iter > CR_MAX_ITER_MAX)   /* before the (int): 2^32 - 1 is no -1 */
        st = cr_fail(err, CR_E_RANGE, "max_iter", "model bytes: max_iter %u is past %d", (unsigned)max_iter, CR_MAX_ITER_MAX);
    in->tol = get_f64(&r);
    const uint8_t *digest = take(&r, 32);
    if (digest)
        for (int k = 0; k < 32; k++) {
            static const char hex[] = "0123456789abcdef";
            in->data_sha256[2 * k] = hex[digest[k] >> 4];
            in->data_sha256[2 * k + 1] = hex[digest[k] & 15];
        }
    const uint32_t iterations = (uint32_t)get_uint(&r, 4);
    m->stats.iterations = iterations > CR_MAX_ITER_MAX ? -1 : (int)iterations;
    if (st == CR_OK && iterations > CR_MAX_ITER_MAX)
        st = cr_fail(err, CR_E_RANGE, "iterations", "model bytes: iterations %u is past %d", (unsigned)iterations, CR_MAX_ITER_MAX);
    m->stats.converged = (int)get_uint(&r, 1);
    get_uint(&r, 3);
    m->stats.objective = get_f64(&r);
    m->stats.grad_norm = get_f64(&r);

    if (st == CR_OK && !r.overrun && version == FORMAT_V2) st = get_evidence(&r, m, nd, tname, err);
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
