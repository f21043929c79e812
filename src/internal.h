/* internal.h - object layouts and helpers shared by the core's modules. */
#ifndef CR_INTERNAL_H
#define CR_INTERNAL_H

#include "callrisk.h"
#include "exact.h"

#include <stdarg.h>

#define CR_HIDDEN __attribute__((visibility("hidden")))

struct cr_schema_s {
    size_t n_fields;
    size_t n_features;
    char field_name[CR_MAX_FIELDS][CR_MAX_NAME + 1];
    uint8_t field_type[CR_MAX_FIELDS];
    char feature_name[CR_MAX_FEATURES][CR_MAX_NAME + 1];
    uint8_t feature_field[CR_MAX_FEATURES];
    uint8_t feature_invert[CR_MAX_FEATURES];
};

/* Model format 2: the evidence a trained model carries (absent, present ==
   0, in the default model and in format 1 files). */
#define CR_DRIFT_BINS 10
/* Newton iterations a model may ask for (its max_iter) and so run. */
#define CR_MAX_ITER_MAX 1000000
/* 2^53: the largest row count a model records, as JSON (a double) keeps every
   whole number up to it. */
#define CR_ROWS_MAX 9007199254740992ULL
/* 2^-485: the least weight sum training and the metrics take. A weight and
   a value both of at least this magnitude multiply exactly in the exact
   sums; rows whose weights all lie below it would have their products with
   the terms rounded to the smallest subnormal's grid (uniform weights of
   5e-324 measured a log loss of 0), so such data are refused. */
#define CR_WEIGHT_SUM_MIN 0x1p-485
#define CR_SCORE_BINS 10

/* Reference bins of one value: bin k holds cut[k-1] < x <= cut[k] (the
   first from -inf, the last to +inf), with the training rows' weight share. */
typedef struct {
    uint8_t n_bins;                   /* 1..CR_DRIFT_BINS */
    double cut[CR_DRIFT_BINS - 1];    /* n_bins - 1 cuts, strictly ascending, finite */
    double share[CR_DRIFT_BINS];      /* n_bins shares in [0, 1] */
} cr_bins;

typedef struct {
    int present;
    cr_metrics train;                 /* on the rows the model was fitted to */
    cr_holdout_method holdout_method; /* CR_HOLDOUT_NONE: no holdout metrics */
    double holdout_fraction;
    uint32_t holdout_seed;
    cr_metrics holdout;
    cr_calibration_method calibration;
    double cal_a, cal_b;              /* probability = sigmoid(cal_a * logit + cal_b) */
    cr_bins reference[CR_MAX_FEATURES];   /* per feature, from the training rows */
    cr_bins score_reference;          /* the score's deciles: cuts 9, 19, ..., 89 */
} cr_evidence;

struct cr_model_s {
    cr_schema schema;
    double intercept;
    double coef[CR_MAX_FEATURES];
    double baseline[CR_MAX_FEATURES];
    uint8_t sign[CR_MAX_FEATURES];
    int band_high;
    int band_medium;
    cr_training_info info;
    cr_train_stats stats;
    cr_evidence ev;
    char id[CR_MODEL_ID_SIZE];
};

/* The digest of a multiset of rows: their count and the sum mod 2^256 of
   each row's SHA-256 (read as a little-endian number). Order-independent
   and additive, so shards' digests combine. */
typedef struct {
    uint64_t count;
    uint64_t sum[4];         /* little-endian limbs */
} cr_rows_digest;

/* Training rows, already turned into features (row-major, n_features wide). */
struct cr_dataset_s {
    cr_schema schema;
    size_t rows;
    size_t cap;
    double *x;
    uint8_t *y;
    double *w;
    int weighted;            /* some weight != 1 */
    char label_name[CR_MAX_NAME + 1];    /* the label's column, for errors */
    char weight_name[CR_MAX_NAME + 1];   /* the weight's column, for errors */
    uint64_t *row_hash;      /* per row: the first 8 bytes of its SHA-256 (the holdout's split) */
    cr_rows_digest digest;   /* the multiset of the raw rows */
    /* The distinct raw rows with their counts, kept while rows repeat
       (dataset.c): each is hashed once, and cr_compress_rows() merges them
       instead of every row. NULL when too many are distinct, or the rows
       came otherwise (a subset). */
    struct cr_row_table *uniq;
};

/* Distinct (features, label) rows with their summed sample weights
   (zero-weight rows dropped), in order of first appearance. Returns 1 when
   every weight is a whole number, their total is at most 2^53 (so the sums
   are exact) and the data has at most `limit` distinct rows; 0 otherwise
   (out emptied), or early when its first rows are mostly distinct (merged
   or not, the callers' sums are the same: only their speed differs); -1
   out of memory. Free x, s and y. */
typedef struct {
    double *x, *s;
    uint8_t *y;
    size_t n;
} cr_rows;
CR_HIDDEN int cr_compress_rows(const cr_dataset *ds, size_t limit, cr_rows *out);

CR_HIDDEN void cr_rows_digest_add(cr_rows_digest *d, const uint8_t row_sha256[32]);
CR_HIDDEN void cr_rows_digest_merge(cr_rows_digest *into, const cr_rows_digest *from);
/* SHA-256 (hex) of "callrisk rows v1", the count (LE64) and the sum (LE). */
CR_HIDDEN void cr_rows_digest_hex(const cr_rows_digest *d, char out[CR_MODEL_ID_SIZE]);

/* The rows i of ds with pick[i] == which, in order, as a new data set (its
   digest is of no rows: the caller keeps the whole set's). */
CR_HIDDEN cr_status cr_dataset_subset(const cr_dataset *ds, const uint8_t *pick, int which, cr_dataset **out,
                                      cr_error *err);
/* cr_train() with the default options and no evidence (model format 1):
   the seed's default model. */
CR_HIDDEN cr_status cr_train_without_evidence(const cr_dataset *ds, cr_model **out, cr_error *err);
/* The rows of ds kept for the fit (part[0]) and held out (part[1]) under
   the options' holdout; CR_E_DATA when either part would be empty. */
CR_HIDDEN cr_status cr_holdout_split(const cr_dataset *ds, const cr_train_options *o, cr_dataset *part[2],
                                     cr_error *err);
/* The hash holdout's verdict on a row (1: held out), by its hash. */
CR_HIDDEN int cr_holdout_hash_pick(const cr_train_options *o, uint64_t row_hash);
/* A fitted model's evidence (evidence.c): calibration on the holdout, the
   metrics of the fit's rows and the holdout's, the drift reference.
   `merged`: the fitted rows merged with their sample weights, or NULL
   where the fit found them too distinct to merge. */
CR_HIDDEN cr_status cr_evidence_build(cr_model *m, const cr_dataset *fitted, const cr_rows *merged,
                                      const cr_dataset *holdout, const cr_train_options *o, cr_error *err);
/* cr_evaluate() over rows (x: n * features, y, w) reported as `rows` rows. */
CR_HIDDEN cr_status cr_evaluate_rows(const cr_model *m, const double *x, const uint8_t *y, const double *w, size_t n,
                                     uint64_t rows, cr_metrics *out, cr_error *err);
/* cr_evaluate_rows(), also adding each row's weight to score_w[its score]
   (101 exact sums, score 0..100) unless score_w is NULL. */
CR_HIDDEN cr_status cr_evaluate_rows_scored(const cr_model *m, const double *x, const uint8_t *y, const double *w,
                                            size_t n, uint64_t rows, cr_metrics *out, cr_exact *score_w, cr_error *err);
/* The metrics of rows grouped by (probability, label): key[k] =
   cr_probability_key(), ascending and distinct, gw[k] the group's summed
   weight (rounded once); `rows` rows in all. cr_evaluate_rows() groups its
   rows and calls this; shards' merged groups give the same metrics. */
CR_HIDDEN cr_status cr_metrics_of_groups(const cr_model *m, const uint64_t *key, const double *gw, size_t groups,
                                         uint64_t rows, cr_metrics *out, cr_error *err);
/* cr_probability(m, cr_logit(m, x_i)) of n rows of m's features x, into p:
   the batch kernel's lanes (score_batch.c), the same bits. `lanes`: 0 for
   the widest this CPU runs; 2, 4 or 8 for tests, 0 returned where that
   width is not built or not run here (as cr_score_batch_lanes). */
CR_HIDDEN int cr_feature_probabilities(int lanes, const cr_model *m, const double *x, size_t n, double *p);
/* log_loss's clipping as scikit-learn 1.2 does it (eps="auto": float64's
   epsilon, 2^-52; 1e-15 was the default up to 1.1). */
#define CR_LOG_LOSS_EPS 0x1p-52
/* The log loss of each of n group keys (cr_probability_key()): -log of the
   probability given to its label, clipped to [eps, 1 - eps] and
   renormalised; the batch kernel's lanes (score_batch.c), `lanes` as for
   cr_feature_probabilities(). */
CR_HIDDEN int cr_log_loss_terms(int lanes, const uint64_t *key, size_t n, double *l);
/* A row's group key for the metrics: its probability's bits, shifted past its label. */
CR_HIDDEN uint64_t cr_probability_key(const cr_model *m, const double *x, uint8_t y);
/* The drift reference's rules (evidence.c), for the passes over shards:
   a value's key (its bits, ordered as the doubles are; -0 as +0) and back;
   the bins of a value given its cuts (bool features: the cut 0). */
static inline uint64_t cr_value_key(double v)
{
    uint64_t u;
    v += 0.0;
    memcpy(&u, &v, sizeof u);
    return u >> 63 ? ~u : u | (uint64_t)1 << 63;
}
CR_HIDDEN double cr_key_value(uint64_t k);
/* The score's reference bins, shares zeroed: 0-9, ..., 80-89, 90-100. */
CR_HIDDEN void cr_score_bins(cr_bins *b);
/* Marks the ROC grid absent (has_roc 0, roc_tpr 0), as a model holds its
   metrics (cr_model_drop_negative_zeros): the grid is in no model's bytes,
   JSON or card. */
CR_HIDDEN void cr_metrics_drop_roc(cr_metrics *mt);
/* The bin of x in reference bins: the number of cuts below it (evidence.c);
   the reference is built and drift is counted by this one rule. */
CR_HIDDEN int cr_bin_of(const cr_bins *b, double x);
/* The one NaN the canonical forms hold, 0x7ff8000000000000 (model.c): x86
   computes 0.0 / 0.0 as another (the sign bit set). */
CR_HIDDEN double cr_nan(void);
/* Sorts (key, idx) stably by the low `bits` bits of key (radix; idx may be
   NULL: the keys alone); 0 when out of memory. */
CR_HIDDEN int cr_sort_keys(uint64_t *key, uint32_t *idx, size_t n, int bits);
/* The keys of 0-based ranks rank[0..m) (ascending, each < n; m <=
   CR_SELECT_MAX) among key[0..n) as a sorted copy would hold them, each with
   the number of keys <= it, without sorting (a radix select); 0 when out of
   memory. */
#define CR_SELECT_MAX 16
CR_HIDDEN int cr_select_keys(const uint64_t *key, size_t n, const size_t *rank, int m, uint64_t *out, size_t *at_most);
/* cr_select_keys() for the value keys (cr_value_key) of several columns of
   row-major rows at once, without an array of keys: columns col[0..ncol) of
   x (n >= 1 rows of d values), whole[c] set (whole may be NULL) where
   column c holds whole numbers only; column c's keys at out[c * m ..], its
   counts at at_most[c * m ..], its largest key at top[c]. A few passes over
   the rows for all the columns together. */
CR_HIDDEN int cr_select_columns(const double *x, size_t n, size_t d, const uint8_t *col, const uint8_t *whole,
                                int ncol, const size_t *rank, int m, uint64_t *out, size_t *at_most, uint64_t *top);
/* For tests (train.c): whether the fit's sums at theta (f, g, H), and its
   summary's, over rows (x: n * d features, y, w; class weights cw) come out
   the same, saved byte for byte, from its fast paths (rows of weight 1
   several at a time where the build has SIMD; grouped by the features of
   bit mask `flags`, each 0 or 1 in every row, when it is not 0) and from
   one row at a time; -1 out of memory. */
CR_HIDDEN int cr_fit_sums_agree(const double *x, const uint8_t *y, const double *w, size_t n, size_t d, int intercept,
                                const double cw[2], const double *theta, unsigned flags);
/* For tests (train.c): how many of 4n results of the fast path's exp (of
   -707 x) and log1p (of x), over random x in [0, 1], differ in any bit from
   cr_exp() and cr_log1p(). */
CR_HIDDEN long cr_fit_math_disagree(uint64_t seed, long n);
/* The model's logit of a feature vector, in cr_score()'s order. */
CR_HIDDEN double cr_logit(const cr_model *m, const double *x);

/* Fills err (if non-NULL) and returns `st`. `field` may be NULL. */
CR_HIDDEN cr_status cr_fail(cr_error *err, cr_status st, const char *field,
                            const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
CR_HIDDEN cr_status cr_failv(cr_error *err, cr_status st, const char *field, const char *fmt,
                             va_list ap) __attribute__((format(printf, 4, 0)));

/* Names: [A-Za-z_][A-Za-z0-9_]*, 1..CR_MAX_NAME bytes. */
CR_HIDDEN int cr_name_valid(const char *s, size_t len);

/* Whether two schemas have the same fields and features. */
CR_HIDDEN int cr_schema_same(const cr_schema *a, const cr_schema *b);

/* Feature vector of one validated row of field values. */
CR_HIDDEN void cr_schema_features(const cr_schema *s, const double *fields, double *x);
CR_HIDDEN cr_status cr_schema_check_value(const cr_schema *s, size_t i, double v,
                                          cr_error *err);

/* Risk bands: 1 <= medium <= high <= 100; `what` prefixes the message
   ("option", "model"). */
CR_HIDDEN cr_status cr_bands_check(int high, int medium, const char *what, cr_error *err);

/* -0 becomes 0 in every number of the model: the canonical forms hold no
   negative zero (JSON hosts write -0 as 0, which would change the bits).
   The evidence's NaNs become cr_nan(), its metrics lose the ROC grid. */
CR_HIDDEN void cr_model_drop_negative_zeros(cr_model *m);

/* Sets m->id from the canonical bytes. */
CR_HIDDEN cr_status cr_model_finish(cr_model *m, cr_error *err);
/* Checks what both loaders must enforce on a decoded model. */
CR_HIDDEN cr_status cr_model_validate(const cr_model *m, cr_error *err);

/* cr_score_batch() with the kernel of `lanes` lanes (0: the widest the CPU
   runs; 2; 4 on x86-64): tests check that every width gives the same bits. */
CR_HIDDEN cr_status cr_score_batch_lanes(int lanes, const cr_model *m, const double *fields, size_t n,
                                         int32_t *scores, double *probabilities, uint8_t *levels, cr_error *err);

/* Whether every one of the n weights is 1: the rows are counts, which the
   fit, the metrics and the drift reference sum on cheaper paths. */
static inline int cr_weights_unit(const double *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (w[i] != 1.0) return 0;
    return 1;
}

/* The seed's int(probability * 100): truncation of a double product. */
static inline int cr_score_of(double p) { return (int)(p * 100.0); }

/* medium <= high, so counting the thresholds reached gives the level; no
   branch to mispredict on a batch of mixed scores. */
static inline cr_risk_level cr_level_of(const cr_model *m, int score)
{
    return (cr_risk_level)((score >= m->band_medium) + (score >= m->band_high));
}

/* The probability of a logit: sigmoid(logit), or sigmoid(a logit + b) for a
   calibrated model. Platt fitting keeps |a| <= CR_CALIBRATION_A_MAX; a loaded
   model may hold any finite a, and an a logit + b past the doubles is a
   probability of 0 or 1 on every path (cr_score, the batch kernels). */
#define CR_CALIBRATION_A_MAX 1e6
CR_HIDDEN double cr_probability(const cr_model *m, double logit);

CR_HIDDEN const char *cr_field_type_name(cr_field_type t);
CR_HIDDEN const char *cr_sign_name(cr_sign s);
CR_HIDDEN const char *cr_class_weight_name(cr_class_weight_mode m);
CR_HIDDEN const char *cr_holdout_method_name(cr_holdout_method m);
CR_HIDDEN const char *cr_calibration_name(cr_calibration_method c);

/* Appends to a bounded text buffer; tracks the size needed even past cap. */
typedef struct {
    char *buf;
    size_t cap;
    size_t len;
} cr_text;
CR_HIDDEN void cr_text_put(cr_text *t, const char *s, size_t n);
CR_HIDDEN void cr_text_str(cr_text *t, const char *s);
/* printf-like, our own (text.c lists the conversions): %g, %.17g etc.
   write the shortest text that reads back (cr_format_double). */
CR_HIDDEN void cr_text_printf(cr_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
CR_HIDDEN void cr_text_vprintf(cr_text *t, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* snprintf-like into buf[size]: at most size - 1 bytes and a NUL (when
   size > 0); returns the length the whole text needs. */
CR_HIDDEN size_t cr_bprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
CR_HIDDEN size_t cr_vbprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* The shortest text that reads back as v, laid out as JavaScript's String(v)
   (a JSON number for every finite v; -0 as 0). */
CR_HIDDEN void cr_text_double(cr_text *t, double v);
/* s as a JSON string, quotes and escapes included. */
CR_HIDDEN void cr_text_json_string(cr_text *t, const char *s);
/* NUL-terminates when it fits; returns CR_OK or CR_E_BUFFER. */
CR_HIDDEN cr_status cr_text_end(cr_text *t, size_t *size, cr_error *err);

/* The training options' table as JSON (for cr_abi_json()). */
CR_HIDDEN void cr_options_describe(cr_text *t);

#endif
