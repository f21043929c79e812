/* oracle.h - what every fuzz target asserts about whatever the library
 * accepts: not only "no crash" but a *valid* result. A score is an integer
 * in 0..100 that agrees with its probability and bands; probability, logit,
 * base logit and reasons are finite; reasons add up to the logit; batch
 * scoring gives the same bits; the record is strict JSON that replays; model
 * JSON and cards are strict JSON; a model's evidence (format 2) is valid
 * (metrics finite but the allowed NaNs, weights >= 0, shares in [0, 1],
 * cuts ascending) and its accessors give it; a refusal carries its status
 * and a printable message. Any violation aborts, so libFuzzer keeps the input. */
#ifndef CR_FUZZ_ORACLE_H
#define CR_FUZZ_ORACLE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callrisk.h"
#include "internal.h"   /* the evidence's reference bins: no accessor reads them */

#define ORACLE(cond)                                                                        \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "oracle: %s (%s:%d)\n", #cond, __FILE__, __LINE__);             \
            abort();                                                                        \
        }                                                                                   \
    } while (0)

static inline int oracle_finite(double v) { return v - v == 0; }

/* ---- an independent strict JSON checker (RFC 8259, UTF-8), not the
   library's parser: the thing under test must not grade itself. ---- */
typedef struct {
    const unsigned char *s;
    size_t n, i;
    int depth;
} oracle_json;

static inline void oj_ws(oracle_json *j)
{
    while (j->i < j->n && (j->s[j->i] == ' ' || j->s[j->i] == '\t' || j->s[j->i] == '\n' || j->s[j->i] == '\r'))
        j->i++;
}

static inline int oj_lit(oracle_json *j, const char *w)
{
    size_t k = strlen(w);
    if (j->n - j->i < k || memcmp(j->s + j->i, w, k) != 0) return 0;
    j->i += k;
    return 1;
}

static inline int oj_digits(oracle_json *j)
{
    size_t from = j->i;
    while (j->i < j->n && j->s[j->i] >= '0' && j->s[j->i] <= '9') j->i++;
    return j->i > from;
}

static inline int oj_number(oracle_json *j)
{
    if (j->i < j->n && j->s[j->i] == '-') j->i++;
    if (j->i < j->n && j->s[j->i] == '0') j->i++;
    else if (!oj_digits(j)) return 0;
    if (j->i < j->n && j->s[j->i] == '.') {
        j->i++;
        if (!oj_digits(j)) return 0;
    }
    if (j->i < j->n && (j->s[j->i] == 'e' || j->s[j->i] == 'E')) {
        j->i++;
        if (j->i < j->n && (j->s[j->i] == '+' || j->s[j->i] == '-')) j->i++;
        if (!oj_digits(j)) return 0;
    }
    return 1;
}

static inline int oj_string(oracle_json *j)
{
    if (j->i >= j->n || j->s[j->i] != '"') return 0;
    j->i++;
    while (j->i < j->n) {
        unsigned c = j->s[j->i];
        if (c == '"') {
            j->i++;
            return 1;
        }
        if (c < 0x20) return 0;
        if (c == '\\') {
            if (++j->i >= j->n) return 0;
            c = j->s[j->i];
            if (c == 'u') {
                for (int k = 1; k <= 4; k++)
                    if (j->i + k >= j->n || !strchr("0123456789abcdefABCDEF", j->s[j->i + k]) || !j->s[j->i + k])
                        return 0;
                j->i += 5;
                continue;
            }
            if (!strchr("\"\\/bfnrt", (int)c) || !c) return 0;
            j->i++;
            continue;
        }
        /* UTF-8: the shortest form, no surrogates, at most U+10FFFF. */
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!len || j->i + len > j->n) return 0;
        unsigned cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
        for (size_t k = 1; k < len; k++) {
            if ((j->s[j->i + k] & 0xC0) != 0x80) return 0;
            cp = cp << 6 | (j->s[j->i + k] & 0x3F);
        }
        static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        j->i += len;
    }
    return 0;
}

static inline int oj_value(oracle_json *j)
{
    oj_ws(j);
    if (j->i >= j->n || ++j->depth > 64) return 0;
    int ok = 0;
    const unsigned char c = j->s[j->i];
    if (c == '{' || c == '[') {
        const unsigned char close = c == '{' ? '}' : ']';
        j->i++;
        oj_ws(j);
        if (j->i < j->n && j->s[j->i] == close) {
            j->i++;
            ok = 1;
        } else {
            for (;;) {
                if (c == '{') {
                    oj_ws(j);
                    if (!oj_string(j)) break;
                    oj_ws(j);
                    if (j->i >= j->n || j->s[j->i++] != ':') break;
                }
                if (!oj_value(j)) break;
                oj_ws(j);
                if (j->i < j->n && j->s[j->i] == ',') {
                    j->i++;
                    continue;
                }
                ok = j->i < j->n && j->s[j->i++] == close;
                break;
            }
        }
    } else if (c == '"') {
        ok = oj_string(j);
    } else if (c == 't') {
        ok = oj_lit(j, "true");
    } else if (c == 'f') {
        ok = oj_lit(j, "false");
    } else if (c == 'n') {
        ok = oj_lit(j, "null");
    } else {
        ok = oj_number(j);
    }
    j->depth--;
    return ok;
}

static inline int oracle_json_valid(const char *text, size_t len)
{
    oracle_json j = {(const unsigned char *)text, len, 0, 0};
    if (!oj_value(&j)) return 0;
    oj_ws(&j);
    return j.i == len;
}

/* ---- refusals ---- */
static inline void oracle_printable(const char *s, size_t cap)
{
    size_t k = 0;
    for (; k < cap && s[k]; k++) ORACLE(s[k] >= 0x20 && s[k] <= 0x7e);
    ORACLE(k < cap);
}

static inline void oracle_refusal(cr_status st, const cr_error *e)
{
    ORACLE(st != CR_OK && st < CR_STATUS_COUNT);
    ORACLE(e->status == st);
    ORACLE(e->message[0] != 0);
    oracle_printable(e->message, sizeof e->message);
    oracle_printable(e->field, sizeof e->field);
}

/* ---- results ---- */

/* Scores one row (already valid for the model's schema, or not) and checks
   everything about the answer. Returns the status. */
static inline cr_status oracle_score(const cr_model *m, const double *fields)
{
    const cr_schema *s = cr_model_schema(m);
    const size_t d = cr_schema_feature_count(s);
    cr_score_result r;
    cr_reason reasons[CR_MAX_FEATURES];
    cr_error e;
    memset(&e, 0, sizeof e);
    cr_status st = cr_score(m, fields, &r, reasons, CR_MAX_FEATURES, &e);
    int32_t bscore = -1;
    double bp = -1;
    uint8_t blevel = 9;
    cr_error be;
    memset(&be, 0, sizeof be);
    cr_status bst = cr_score_batch(m, fields, 1, &bscore, &bp, &blevel, &be);
    ORACLE(bst == st);   /* batch and single accept exactly the same rows */
    if (st != CR_OK) {
        oracle_refusal(st, &e);
        oracle_refusal(bst, &be);
        ORACLE(be.line == 1);
        return st;
    }
    ORACLE(oracle_finite(r.logit) && oracle_finite(r.base_logit) && oracle_finite(r.probability));
    ORACLE(r.probability >= 0 && r.probability <= 1);
    ORACLE(r.score >= 0 && r.score <= 100 && r.score == (int)(r.probability * 100.0));
    int high, medium;
    cr_model_bands(m, &high, &medium);
    ORACLE(r.risk_level == (cr_risk_level)((r.score >= medium) + (r.score >= high)));
    ORACLE(bscore == r.score && blevel == (uint8_t)r.risk_level && memcmp(&bp, &r.probability, 8) == 0);
    /* base_logit + sum of reasons = logit, up to rounding: each of the three
       sums loses at most (d + 2) half-ulps of the magnitudes it adds. */
    double sum = r.base_logit, mag = cr_model_intercept(m);
    mag = mag < 0 ? -mag : mag;
    uint64_t seen = 0;
    for (size_t j = 0; j < d; j++) {
        const double c = reasons[j].contribution;
        ORACLE(oracle_finite(c) && reasons[j].feature < d && !(seen >> reasons[j].feature & 1));
        seen |= (uint64_t)1 << reasons[j].feature;
        if (j) {
            const double p = reasons[j - 1].contribution;
            ORACLE((p < 0 ? -p : p) >= (c < 0 ? -c : c));
        }
        sum += c;
        int inv = 0;
        const double v = fields[cr_schema_feature_field(s, j, &inv)];
        const double w = cr_model_coef(m, j), x = inv ? 1 - v : v;
        const double wx = w * x, wb = w * cr_model_baseline(m, j);
        mag += (wx < 0 ? -wx : wx) + (wb < 0 ? -wb : wb) + (c < 0 ? -c : c);
    }
    const double diff = sum - r.logit;
    ORACLE((diff < 0 ? -diff : diff) <= mag * 1e-15 * (double)(d + 2));

    /* The record: strict JSON, and it replays against the model. */
    size_t n = 0;
    cr_score_record_json(m, fields, &r, reasons, "+1555", 5, 1764000000000.0, NULL, 0, &n, NULL);
    char *rec = malloc(n + 1);
    ORACLE(rec && cr_score_record_json(m, fields, &r, reasons, "+1555", 5, 1764000000000.0, rec, n + 1, &n, &e) ==
                      CR_OK);
    ORACLE(oracle_json_valid(rec, n));
    ORACLE(cr_verify_record(m, rec, n, &e) == CR_OK);
    free(rec);
    return CR_OK;
}

/* Model JSON and card: strict JSON. */
static inline void oracle_model_text(const cr_model *m)
{
    for (int k = 0; k < 2; k++) {
        size_t n = 0;
        if (k) cr_model_card_json(m, NULL, 0, &n, NULL);
        else cr_model_to_json(m, NULL, 0, &n, NULL);
        char *t = malloc(n + 1);
        cr_error e;
        ORACLE(t && (k ? cr_model_card_json(m, t, n + 1, &n, &e) : cr_model_to_json(m, t, n + 1, &n, &e)) == CR_OK);
        ORACLE(oracle_json_valid(t, n));
        free(t);
    }
}

/* ---- model format 2: the evidence ---- */

/* The one NaN the canonical forms hold. */
static inline int oracle_nan_ok(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u == 0x7ff8000000000000u;
}

/* Finite, or (when allowed) the canonical NaN. */
static inline int oracle_number(double v, int nan_allowed)
{
    return oracle_finite(v) || (nan_allowed && oracle_nan_ok(v));
}

/* Every number finite but auc, gini, ks and the rates of an empty bin or
   band (NaN allowed there); weights >= 0; shares in [0, 1]; n exact. */
static inline void oracle_metrics(const cr_metrics *mt)
{
    ORACLE(mt->n >= 1 && mt->n <= 9007199254740992u);
    ORACLE(oracle_finite(mt->weight_sum) && mt->weight_sum >= 0);
    ORACLE(oracle_finite(mt->base_rate) && oracle_finite(mt->log_loss) && oracle_finite(mt->brier));
    ORACLE(oracle_number(mt->auc, 1) && oracle_number(mt->gini, 1) && oracle_number(mt->ks, 1));
    for (int b = 0; b < CR_CALIBRATION_BINS; b++) {
        const cr_calibration_bin *c = &mt->calibration[b];
        ORACLE(oracle_finite(c->lo) && oracle_finite(c->hi) && oracle_finite(c->weight) && c->weight >= 0);
        ORACLE(oracle_number(c->mean_predicted, c->weight == 0) && oracle_number(c->observed_rate, c->weight == 0));
    }
    for (int l = 0; l < 3; l++) {
        const cr_band_stats *bs = &mt->bands[l];
        ORACLE(oracle_finite(bs->weight) && bs->weight >= 0);
        ORACLE(oracle_finite(bs->share) && bs->share >= 0 && bs->share <= 1);
        ORACLE(oracle_number(bs->observed_rate, bs->weight == 0) && oracle_number(bs->mean_predicted, bs->weight == 0));
    }
}

/* The metrics of a model on rows, and the drift of those rows against its
   reference: every number valid for what it measures. */
static inline void oracle_quality(const cr_model *m, const cr_dataset *ds)
{
    cr_metrics mt;
    cr_error e;
    cr_status st = cr_evaluate(m, ds, &mt, &e);
    if (st != CR_OK) {
        oracle_refusal(st, &e);
        ORACLE(st == CR_E_DATA || st == CR_E_NOMEM);
        return;
    }
    oracle_metrics(&mt);
    const double one = 1 + 1e-15;   /* compensated sums: within an ulp */
    ORACLE(mt.auc != mt.auc || (mt.auc >= 0 && mt.auc <= one && mt.ks >= 0 && mt.ks <= one));
    ORACLE(mt.log_loss >= 0 && mt.brier >= 0 && mt.brier <= one && mt.base_rate >= 0 && mt.base_rate <= one);
    cr_drift *d = NULL;
    if (cr_drift_create(m, &d, &e) != CR_OK) return;   /* a model without reference */
    static char buf[1 << 15];
    size_t n = 0;
    if (cr_drift_add_dataset(d, ds, &e) == CR_OK && (st = cr_drift_json(d, buf, sizeof buf, &n, &e)) == CR_OK) {
        ORACLE(oracle_json_valid(buf, n));
        /* PSI, smoothed, is finite and >= 0 (a sum of (a - e) ln(a / e)). */
        for (const char *p = strstr(buf, "\"psi\":"); p; p = strstr(p + 1, "\"psi\":")) {
            const double psi = strtod(p + 6, NULL);
            ORACLE(oracle_finite(psi) && psi >= 0);
        }
    } else if (st != CR_OK) {
        ORACLE(st == CR_E_DATA);   /* rows without weight */
    }
    cr_drift_free(d);
}

static inline void oracle_bins(const cr_bins *b)
{
    ORACLE(b->n_bins >= 1 && b->n_bins <= CR_DRIFT_BINS);
    for (int k = 0; k + 1 < b->n_bins; k++) ORACLE(oracle_finite(b->cut[k]) && (k == 0 || b->cut[k] > b->cut[k - 1]));
    for (int k = 0; k < b->n_bins; k++) ORACLE(oracle_finite(b->share[k]) && b->share[k] >= 0 && b->share[k] <= 1);
}

/* A model of format 1 answers "no metrics"; one of format 2 holds valid
   evidence, and the accessors give exactly what it holds. */
static inline void oracle_evidence(const cr_model *m)
{
    size_t n = 0;
    cr_model_save(m, NULL, 0, &n, NULL);
    unsigned char *bytes = malloc(n);
    cr_error e;
    ORACLE(bytes && cr_model_save(m, bytes, n, &n, &e) == CR_OK);
    const unsigned version = bytes[8];
    free(bytes);
    cr_metrics mt;
    double a = 0, b = 0;
    const int calibrated = cr_model_calibration(m, &a, &b);
    const cr_status train = cr_model_metrics(m, 0, &mt, &e), holdout = cr_model_metrics(m, 1, &mt, &e);
    if (version == 1) {
        ORACLE(!m->ev.present && train == CR_E_MISSING && holdout == CR_E_MISSING && !calibrated);
        ORACLE(a == 1 && b == 0);
        return;
    }
    ORACLE(version == 2 && m->ev.present && train == CR_OK);
    ORACLE(cr_model_metrics(m, 0, &mt, &e) == CR_OK && memcmp(&mt, &m->ev.train, sizeof mt) == 0);
    oracle_metrics(&mt);
    ORACLE(holdout == (m->ev.holdout_method == CR_HOLDOUT_NONE ? CR_E_MISSING : CR_OK));
    if (holdout == CR_OK) {
        ORACLE(m->ev.holdout_method == CR_HOLDOUT_ORDER || m->ev.holdout_method == CR_HOLDOUT_HASH);
        ORACLE(m->ev.holdout_fraction > 0 && m->ev.holdout_fraction < 1);
        ORACLE(cr_model_metrics(m, 1, &mt, &e) == CR_OK && memcmp(&mt, &m->ev.holdout, sizeof mt) == 0);
        oracle_metrics(&mt);
    }
    ORACLE(calibrated == (m->ev.calibration == CR_CALIBRATION_SIGMOID));
    ORACLE(m->ev.calibration == CR_CALIBRATION_NONE || calibrated);
    if (calibrated)
        ORACLE(oracle_finite(a) && oracle_finite(b) && a <= CR_REAL_MAX && a >= -CR_REAL_MAX && b <= CR_REAL_MAX &&
               b >= -CR_REAL_MAX);
    for (size_t j = 0; j < cr_schema_feature_count(cr_model_schema(m)); j++) oracle_bins(&m->ev.reference[j]);
    oracle_bins(&m->ev.score_reference);
}

/* A loaded model must score every valid input finitely: try the corners of
   the input domain (0 and the largest value of each field, both signs for
   reals), each alone and all at once. */
static inline void oracle_model(const cr_model *m)
{
    const cr_schema *s = cr_model_schema(m);
    const size_t nf = cr_schema_field_count(s);
    double lo[CR_MAX_FIELDS], hi[CR_MAX_FIELDS], zero[CR_MAX_FIELDS] = {0};
    for (size_t i = 0; i < nf; i++) {
        switch (cr_schema_field_type(s, i)) {
        case CR_FIELD_COUNT: lo[i] = 0, hi[i] = 9007199254740992.0; break;
        case CR_FIELD_BOOL: lo[i] = 0, hi[i] = 1; break;
        case CR_FIELD_REAL: lo[i] = -CR_REAL_MAX, hi[i] = CR_REAL_MAX; break;
        }
    }
    ORACLE(oracle_score(m, zero) == CR_OK);
    ORACLE(oracle_score(m, lo) == CR_OK);
    ORACLE(oracle_score(m, hi) == CR_OK);
    for (size_t i = 0; i < nf && i < 8; i++) {
        double row[CR_MAX_FIELDS];
        memcpy(row, lo, sizeof row);
        row[i] = hi[i];
        ORACLE(oracle_score(m, row) == CR_OK);
    }
    oracle_model_text(m);
    oracle_evidence(m);
}

#endif
