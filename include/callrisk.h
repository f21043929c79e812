/*
 * callrisk.h - caller-risk scoring: deterministic L2 logistic regression
 * with scikit-learn semantics, per-feature reasons and portable model bytes.
 *
 * Conventions
 *  - Every fallible function returns a cr_status (CR_OK == 0) and writes its
 *    results through out-parameters.
 *  - Every fallible function takes an optional `cr_error *err` (may be NULL).
 *    On failure it is filled with the status, a message naming the field and
 *    the reason, and (for text input) the line and column. There is no global
 *    state: two models, two readers, two threads never share anything.
 *  - Objects are opaque. Whatever the library allocates has exactly one free
 *    function; every free function accepts NULL. On failure an object
 *    out-parameter (*out) is NULL.
 *  - Input rows are arrays of doubles in the schema's *field* order: counts as
 *    whole numbers, booleans as 0 or 1, reals as finite numbers.
 *  - Every result is finite: a model's numbers and a real input are bounded by
 *    CR_REAL_MAX, so no valid input can make a logit, probability or reason
 *    overflow (see "What a model may hold" below).
 *  - Output into the caller's buffer (dst, cap, size), one pass to size it
 *    (dst NULL) and one to fill it; `size` may be NULL. dst NULL or too small
 *    is CR_E_BUFFER, dst's contents then unspecified (a prefix may be written).
 *    Bytes (cr_model_save, cr_shard_save, cr_fit_question): *size receives
 *    the number of bytes needed, success or not.
 *    Text (every *_json writer): *size receives the text's length, without
 *    its NUL, success or not; the buffer needs *size + 1 bytes, as with
 *    snprintf(), and on success the text is NUL-terminated.
 */
#ifndef CALLRISK_H
#define CALLRISK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define CR_API __attribute__((visibility("default")))
#else
#  define CR_API
#endif

#define CR_VERSION_MAJOR 0
#define CR_VERSION_MINOR 2
#define CR_VERSION_PATCH 0

#define CR_MODEL_FORMAT_VERSION 2u   /* the newest written; 1 (no evidence) is still read and written */
/* MAJOR * 10000 + MINOR * 100 + PATCH, as cr_version_number() returns it. */
#define CR_VERSION_NUMBER (CR_VERSION_MAJOR * 10000 + CR_VERSION_MINOR * 100 + CR_VERSION_PATCH)
#define CR_MAX_FEATURES 64
#define CR_MAX_FIELDS 64
#define CR_MAX_NAME 63          /* bytes in a field or feature name */
#define CR_MODEL_ID_SIZE 65     /* 64 hex digits + NUL */
#define CR_JSON_DEPTH_MAX 64    /* arrays and objects nested in any JSON the core reads */

/* What a model may hold, and what a real input may be: |value| <= CR_REAL_MAX
   for every coefficient, the intercept, every baseline and every real field.
   Then |logit| <= 1e150 + 64 * 1e150 * 1e150 and every reason, a product of a
   coefficient and a difference of two bounded values, stay far below
   DBL_MAX: scoring is finite by construction, on every valid input. Models
   outside the bound are refused at load (CR_E_RANGE) and training that would
   produce one fails (CR_E_NONFINITE). Counts are <= 2^53, booleans 0/1. */
#define CR_REAL_MAX 1e150
/* Risk bands: integers with 1 <= medium <= high <= 100 (score >= high is
   HIGH, score >= medium is MEDIUM). */
#define CR_BAND_MIN 1
#define CR_BAND_MAX 100

/*! cr_version_number(), cr_version_string(), cr_model_format_version() :
 *  the library actually loaded (a .so, a .wasm) may not be the one a host
 *  was built against: CR_VERSION_NUMBER and "0.2.0" of the loaded library,
 *  and the model format version it writes. */
CR_API unsigned cr_version_number(void);
CR_API const char *cr_version_string(void);
CR_API unsigned cr_model_format_version(void);


/*-************************************
 *  Status codes (numbers are stable: never renumber, only append)
 **************************************/
typedef enum {
    CR_OK = 0,
    CR_E_NOMEM = 1,          /* allocation failed */
    CR_E_ARG = 2,            /* invalid argument (NULL pointer, bad option) */
    CR_E_RANGE = 3,          /* a value is outside its allowed range */
    CR_E_TYPE = 4,           /* a value has the wrong type for its field */
    CR_E_MISSING = 5,        /* a required field or column is absent */
    CR_E_SCHEMA = 6,         /* invalid schema (names, counts, references) */
    CR_E_DATA = 7,           /* training data unusable (no rows, one class) */
    CR_E_BUFFER = 8,         /* caller's buffer too small */
    CR_E_TRUNCATED = 9,      /* model bytes end early */
    CR_E_MAGIC = 10,         /* model bytes do not start with the magic */
    CR_E_VERSION = 11,       /* unknown model format version */
    CR_E_CHECKSUM = 12,      /* model bytes checksum mismatch */
    CR_E_NONFINITE = 13,     /* NaN or infinity where a finite number is required */
    CR_E_COUNT = 14,         /* out-of-range count in model bytes */
    CR_E_CSV = 15,           /* malformed CSV */
    CR_E_JSON = 16,          /* malformed JSON */
    CR_E_CANCELLED = 17,     /* the progress callback asked to stop */
    CR_E_IO = 18,            /* host I/O failed (CLI, host store) */
    CR_E_STORE = 19,         /* the host store reported a failure */
    CR_E_MISMATCH = 20,      /* a stored score record does not replay to the same result;
                                shards of another schema or options */
    CR_E_STATE = 21,         /* object used in the wrong state (freed, or calls out of order) */
    CR_STATUS_COUNT          /* not a status: number of codes */
} cr_status;

/*! cr_status_str() :
 *  @return a static, human-readable description of `s` ("unknown status" for
 *  values out of range). */
CR_API const char *cr_status_str(cr_status s);

/*! cr_status_name() :
 *  @return the symbolic name of `s` ("CR_E_RANGE"), for logs and JSON. */
CR_API const char *cr_status_name(cr_status s);

/*! cr_status_http() :
 *  @return the HTTP status a service answers for `s` (200 for CR_OK; 400
 *  malformed text, 422 invalid values, 409 mismatch or wrong state, 503 the
 *  store failed, 500 the service's own fault): one table for every host. */
CR_API int cr_status_http(cr_status s);

/* field and message are printable ASCII (other bytes of echoed input become
   '?'), NUL-terminated. */
typedef struct {
    cr_status status;
    long line;          /* 1-based line for text input, 0 if not applicable */
    long column;        /* 1-based column (CSV field number / JSON byte), 0 if n/a */
    char field[CR_MAX_NAME + 1];  /* offending field, "" if none */
    char message[256];  /* full message, includes field and reason */
} cr_error;

/*-************************************
 *  Schema: input fields and the features computed from them
 **************************************/
typedef enum {
    CR_FIELD_COUNT = 0,   /* whole number >= 0 (<= 2^53) */
    CR_FIELD_BOOL = 1,    /* 0 or 1 (true/false in text) */
    CR_FIELD_REAL = 2     /* a finite double with |x| <= CR_REAL_MAX */
} cr_field_type;

typedef struct {
    const char *name;     /* [A-Za-z_][A-Za-z0-9_]*, at most CR_MAX_NAME bytes */
    cr_field_type type;
} cr_field_spec;

typedef struct {
    const char *name;     /* feature name, unique, same charset as fields */
    const char *field;    /* the input field it reads */
    int invert;           /* 1: feature = 1 - field (boolean fields only) */
} cr_feature_spec;

typedef struct cr_schema_s cr_schema;

/*! cr_schema_create() :
 *  Validates and copies the specs (1..CR_MAX_FIELDS fields, 1..CR_MAX_FEATURES
 *  features; unique names; every feature reads an existing field; `invert`
 *  only on booleans). Every field must be read by at least one feature.
 *  @return CR_OK and a new schema in *out (free with cr_schema_free()). */
CR_API cr_status cr_schema_create(const cr_field_spec *fields, size_t n_fields,
                                  const cr_feature_spec *features, size_t n_features,
                                  cr_schema **out, cr_error *err);

/*! cr_schema_create_default() :
 *  The seed's schema: fields spam_reports (count), has_consent (bool),
 *  call_attempts_24h (count); features spam_reports, no_consent = not
 *  has_consent, call_attempts_24h. */
CR_API cr_status cr_schema_create_default(cr_schema **out, cr_error *err);
/*! cr_schema_from_json() :
 *  {"fields":[{"name":"x","type":"count|bool|real"},...],
 *   "features":[{"name":"f","field":"x","invert":false},...]} ("invert"
 *  optional). The same arrays appear in a model's canonical JSON. Counts,
 *  names and references are checked as cr_schema_create() checks them
 *  (CR_E_SCHEMA). */
CR_API cr_status cr_schema_from_json(const char *json, size_t len, cr_schema **out, cr_error *err);
CR_API cr_status cr_schema_clone(const cr_schema *s, cr_schema **out, cr_error *err);
CR_API void cr_schema_free(cr_schema *s);

CR_API size_t cr_schema_field_count(const cr_schema *s);
CR_API const char *cr_schema_field_name(const cr_schema *s, size_t i);
CR_API cr_field_type cr_schema_field_type(const cr_schema *s, size_t i);
CR_API size_t cr_schema_feature_count(const cr_schema *s);
CR_API const char *cr_schema_feature_name(const cr_schema *s, size_t j);
/*! @return the field index feature j reads; *invert set if non-NULL. */
CR_API size_t cr_schema_feature_field(const cr_schema *s, size_t j, int *invert);
/*! @return index of the field called `name`, or -1. */
CR_API int cr_schema_field_index(const cr_schema *s, const char *name);

/*! cr_schema_check_row() :
 *  Validates one row of field values (counts whole and >= 0, booleans 0/1,
 *  reals finite with |x| <= CR_REAL_MAX). The error names the first bad field:
 *  CR_E_NONFINITE for NaN/infinity, CR_E_RANGE out of range, CR_E_TYPE for a
 *  fraction in a count or a non-0/1 boolean. */
CR_API cr_status cr_schema_check_row(const cr_schema *s, const double *fields,
                                     cr_error *err);

/*-************************************
 *  Training data
 **************************************/
typedef struct cr_dataset_s cr_dataset;

/*! cr_dataset_create() : an empty data set for schema `s` (copied). */
CR_API cr_status cr_dataset_create(const cr_schema *s, cr_dataset **out, cr_error *err);
CR_API void cr_dataset_free(cr_dataset *ds);

/*! cr_dataset_add() :
 *  Appends one row: field values (validated as cr_schema_check_row()), label
 *  0 or 1, sample weight finite and >= 0. Nothing is appended on error. */
CR_API cr_status cr_dataset_add(cr_dataset *ds, const double *fields, int label,
                                double weight, cr_error *err);
/*! cr_dataset_add_rows() :
 *  Appends n rows at once: fields row-major (n * field count), labels 0/1,
 *  weights (NULL for all 1). Every row is validated first; on error nothing
 *  is appended and err->line is the 1-based row. An n the data set cannot
 *  index (its rows plus n past SIZE_MAX / (8 * field count)) is CR_E_NOMEM
 *  naming "n". */
CR_API cr_status cr_dataset_add_rows(cr_dataset *ds, const double *fields, const uint8_t *labels,
                                     const double *weights, size_t n, cr_error *err);
CR_API size_t cr_dataset_rows(const cr_dataset *ds);
CR_API const cr_schema *cr_dataset_schema(const cr_dataset *ds);

/*! cr_dataset_digest() :
 *  The digest (hex) of the multiset of rows, whatever their order: each row
 *  (its field values, label and weight as little-endian IEEE doubles; a row
 *  enters the data set with -0 as 0, so -0 and 0 are one row) is
 *  hashed with SHA-256, the hashes are added mod 2^256 (as little-endian
 *  numbers), and the digest is the SHA-256 of "callrisk rows v1", the row
 *  count (LE64) and that sum (LE, 32 bytes). Identifies the training data in
 *  a model; shards' sums add up to the whole set's. ds NULL writes "". */
CR_API void cr_dataset_digest(const cr_dataset *ds, char out[CR_MODEL_ID_SIZE]);

/*-************************************
 *  Training
 **************************************/
typedef enum { CR_SIGN_FREE = 0, CR_SIGN_NONNEG = 1, CR_SIGN_NONPOS = 2 } cr_sign;
typedef enum {
    CR_CLASS_WEIGHT_NONE = 0,
    CR_CLASS_WEIGHT_BALANCED = 1,  /* class c weighted n / (2 * count(c)) */
    CR_CLASS_WEIGHT_EXPLICIT = 2   /* class_weight[0], class_weight[1] */
} cr_class_weight_mode;

typedef struct {
    int iteration;        /* Newton iterations done so far */
    double objective;     /* sum s_i * logloss_i + |w|^2 / (2C) */
    double grad_norm;     /* max |projected gradient| */
} cr_progress;

/* Return non-zero to stop training (cr_train() then returns CR_E_CANCELLED). */
typedef int (*cr_progress_fn)(void *ctx, const cr_progress *p);

typedef enum {
    CR_HOLDOUT_NONE = 0,
    CR_HOLDOUT_ORDER = 1,   /* the last rows, for time-ordered data */
    CR_HOLDOUT_HASH = 2     /* a pseudo-random split by the row's content (its hash) and seed:
                               the same rows split alike in any order or shards */
} cr_holdout_method;

typedef enum {
    CR_CALIBRATION_NONE = 0,
    CR_CALIBRATION_SIGMOID = 1   /* Platt scaling, fitted on the holdout */
} cr_calibration_method;

/* The options of a fit. Self-contained (no pointer but the callback): hosts
   set it from JSON, one option or all at once, and every value is checked
   by cr_train_options_check() -- the one check for every host. The options
   and their JSON forms are listed, with defaults and ranges, in
   cr_abi_json()'s "options". */
typedef struct {
    double C;                      /* inverse L2 strength, > 0 with 1/C finite (default 1.0) */
    int fit_intercept;             /* default 1 */
    cr_class_weight_mode class_weight_mode;   /* default NONE */
    double class_weight[2];        /* EXPLICIT only; finite, >= 0 */
    int max_iter;                  /* Newton iterations, 1..1000000 (default 100) */
    double tol;                    /* stop when max |projected gradient| <=
                                      tol * sum of weights (default 1e-10) */
    cr_sign signs[CR_MAX_FEATURES];   /* per feature in schema order (default all FREE) */
    int band_high;                 /* score >= band_high is HIGH (default 70) */
    int band_medium;               /* score >= band_medium is MEDIUM (default 40);
                                      1 <= medium <= high <= 100 */
    /* Training data's column names (CSV header, a host's row keys), so that a
       file's own names such as `is_spam` need no renaming. Each follows the
       rule of field names, is no field of the schema, and the two differ.
       They do not reach the model: the same rows give the same model id
       under any names. */
    cr_holdout_method holdout_method;      /* default NONE */
    double holdout_fraction;               /* 0 < f < 1 with a holdout */
    uint32_t holdout_seed;                 /* CR_HOLDOUT_HASH only */
    cr_calibration_method calibration;     /* default NONE; SIGMOID needs a holdout */
    char label_column[CR_MAX_NAME + 1];    /* the 0/1 label (default "label") */
    char weight_column[CR_MAX_NAME + 1];   /* the optional sample weight (default "weight") */
    cr_progress_fn progress;       /* optional, called once per iteration */
    void *progress_ctx;
} cr_train_options;

/*! cr_train_options_init() : fills the defaults (sklearn LogisticRegression()
 *  semantics, seed bands). */
CR_API void cr_train_options_init(cr_train_options *o);

/*! cr_train_options_check() :
 *  The check cr_train() makes before any work (liblinear's
 *  check_parameter()), callable on its own: every option in range for a
 *  model of schema `s`, the column names valid, distinct and no field's;
 *  the error names the option. */
CR_API cr_status cr_train_options_check(const cr_train_options *o, const cr_schema *s, cr_error *err);

/*! cr_train_options_set() :
 *  Sets the option `name` (e.g. "max_iter") from its JSON value:
 *    C, tol                number
 *    max_iter              integer
 *    fit_intercept         true | false
 *    class_weight          "none" | "balanced" | [w0, w1] | {"0": w0, "1": w1}
 *    signs                 {"feature": "free" | "nonneg" | "nonpos", ...} (the
 *                          features named; the others keep their sign)
 *    bands                 {"high": int, "medium": int} (either or both)
 *    label_column,         a column name, e.g. "is_spam"
 *    weight_column
 *  then checks the options (cr_train_options_check()). On any error `o` is
 *  unchanged: CR_E_ARG for an unknown option, CR_E_TYPE for a value of the
 *  wrong JSON type, CR_E_RANGE out of range (a whole number however large; a
 *  fraction where an integer is due is CR_E_TYPE), CR_E_JSON for bad JSON; the
 *  error's field is the option's name (or the feature's, for signs). */
CR_API cr_status cr_train_options_set(cr_train_options *o, const cr_schema *s, const char *name,
                                      const char *json, size_t len, cr_error *err);

/*! cr_train_options_from_json() :
 *  Every option from one JSON object ({"C": 0.5, "signs": {...}}); the
 *  others keep their defaults. Same errors as cr_train_options_set(); on
 *  error `o` holds the defaults. Each value is checked as it is read; the
 *  checks across options (label_column against weight_column, calibration
 *  against holdout) run on the final set, so the keys' order does not
 *  matter. A clash of column names is named on the one given, or on
 *  weight_column when both are. */
CR_API cr_status cr_train_options_from_json(cr_train_options *o, const cr_schema *s, const char *json,
                                            size_t len, cr_error *err);

/*! cr_train_options_set_text() :
 *  Sets one option from command-line text: numbers and column names as
 *  written, true/false, class_weight "none" | "balanced" | "W0,W1", bands
 *  "HIGH,MEDIUM", signs "FEATURE=SIGN" (one feature per call). Same errors as
 *  cr_train_options_set(), CR_E_TYPE for text that is not the option's form. */
CR_API cr_status cr_train_options_set_text(cr_train_options *o, const cr_schema *s, const char *name,
                                           const char *text, cr_error *err);

/*! cr_training_columns_json() :
 *  The columns of a training row for schema `s` under options `o` (NULL:
 *  defaults), as a host packs them for cr_dataset_add_rows():
 *    [{"name":"spam_reports","role":"field","type":"count"}, ...,
 *     {"name":"label","role":"label","required":true},
 *     {"name":"weight","role":"weight","required":false}]
 *  The label and weight names are o's label_column and weight_column.
 *  Options that fail cr_train_options_check() are its error. The text
 *  buffer contract (Conventions: the buffer needs *size + 1 bytes). */
CR_API cr_status cr_training_columns_json(const cr_schema *s, const cr_train_options *o, char *dst, size_t cap,
                                          size_t *size, cr_error *err);

/*! cr_dataset_name_columns() :
 *  The data set's errors name the label and weight by the options'
 *  label_column and weight_column (default "label" and "weight"), as the
 *  host's rows and files call them. The options are checked first. */
CR_API cr_status cr_dataset_name_columns(cr_dataset *ds, const cr_train_options *o, cr_error *err);

/*-************************************
 *  Streaming CSV reader
 *  Header: column names, those of cr_training_columns_json() for the
 *  schema and options (opt NULL: defaults): every schema field and the
 *  label column (opt->label_column, "label") are required, the weight
 *  column (opt->weight_column, "weight") is optional, other columns are
 *  ignored. The reader copies the names: opt need not outlive it; options
 *  that fail cr_train_options_check() are its error.
 *  Booleans: true/false/1/0. Counts: digits, "-0" is 0; a whole number
 *  past 2^53 is CR_E_RANGE, a fraction CR_E_TYPE. Quoted fields ("a,b", "" for a quote), CRLF and
 *  a UTF-8 byte order mark are accepted.
 **************************************/
typedef struct cr_csv_reader_s cr_csv_reader;

/* *out is NULL on error. */
CR_API cr_status cr_csv_reader_create(cr_dataset *ds, const cr_train_options *opt, cr_csv_reader **out,
                                      cr_error *err);
/*! cr_csv_feed() : parses the next `len` bytes (any chunking). Complete rows
 *  are appended to the data set as they are read. On error the failing row is
 *  not added; err carries line and column; the reader stays failed. */
CR_API cr_status cr_csv_feed(cr_csv_reader *r, const char *data, size_t len, cr_error *err);
/*! cr_csv_finish() : ends input (a last line without newline is a row).
 *  After it, cr_csv_feed() and cr_csv_finish() are CR_E_STATE. */
CR_API cr_status cr_csv_finish(cr_csv_reader *r, cr_error *err);
CR_API void cr_csv_reader_free(cr_csv_reader *r);


typedef struct {
    int iterations;
    double objective;
    double grad_norm;
    int converged;
} cr_train_stats;

typedef struct cr_model_s cr_model;

/*! cr_train() :
 *  Fits the model by projected Newton's method with a backtracking line
 *  search; deterministic (fixed summation order, own exp/log).
 *  @return CR_OK and a new model in *out even when max_iter was reached
 *  (check the model's stats: converged == 0). Out of memory is CR_E_NOMEM,
 *  never another model: the result does not depend on the memory available.
 *  CR_E_NONFINITE when the data
 *  are so large that the objective or the model would leave the finite range
 *  (CR_REAL_MAX): scale the features. CR_E_DATA (field "weight") when the
 *  weights add up beyond the largest double, or when the weighted gradient
 *  or Hessian is not finite, or no step can be taken, from the start: scale
 *  the weights (or the features) down; never a model of zeros. CR_E_DATA
 *  (field "weight") too when the weights add up to less than 2^-485 (about
 *  1.6e-146), where a weight times a value could round below the smallest
 *  double: scale them up (the metrics take the same floor). */
CR_API cr_status cr_train(const cr_dataset *ds, const cr_train_options *opt,
                          cr_model **out, cr_error *err);

/*! cr_model_create_default() : the seed's 5 rows trained with defaults. */
CR_API cr_status cr_model_create_default(cr_model **out, cr_error *err);
CR_API void cr_model_free(cr_model *m);

/*-************************************
 *  Model accessors
 **************************************/
CR_API const cr_schema *cr_model_schema(const cr_model *m);
/*! @return the model id: SHA-256 (hex) of the canonical binary bytes. */
CR_API const char *cr_model_id(const cr_model *m);
CR_API double cr_model_intercept(const cr_model *m);
CR_API double cr_model_coef(const cr_model *m, size_t j);
CR_API double cr_model_baseline(const cr_model *m, size_t j);
CR_API cr_sign cr_model_sign(const cr_model *m, size_t j);
CR_API void cr_model_bands(const cr_model *m, int *high, int *medium);
CR_API void cr_model_stats(const cr_model *m, cr_train_stats *out);

typedef struct {
    uint64_t rows;
    double weight_sum;          /* sum of effective weights */
    double C;
    int fit_intercept;
    cr_class_weight_mode class_weight_mode;
    double class_weight[2];     /* effective weights used for class 0, 1 */
    int max_iter;
    double tol;
    char data_sha256[CR_MODEL_ID_SIZE];
} cr_training_info;
CR_API void cr_model_training_info(const cr_model *m, cr_training_info *out);

/*-************************************
 *  Scoring
 **************************************/
typedef enum { CR_RISK_LOW = 0, CR_RISK_MEDIUM = 1, CR_RISK_HIGH = 2 } cr_risk_level;
CR_API const char *cr_risk_level_str(cr_risk_level r);   /* "LOW", "MEDIUM", "HIGH" */

typedef struct {
    int score;               /* (int)(probability * 100) */
    cr_risk_level risk_level;
    double probability;      /* sigmoid(logit) */
    double logit;            /* b + sum_j w_j x_j */
    double base_logit;       /* b + sum_j w_j baseline_j */
} cr_score_result;

typedef struct {
    uint32_t feature;        /* feature index in the schema */
    double contribution;     /* w_j * (x_j - baseline_j) */
} cr_reason;

/*! cr_score() :
 *  Scores one row of field values. With `reasons` (capacity >= feature count,
 *  or NULL) also writes one reason per feature, ordered by |contribution|
 *  descending (ties by feature index); base_logit + sum = logit up to rounding.
 *  Results are always finite, score in 0..100 (see CR_REAL_MAX); a non-finite
 *  intermediate would be CR_E_NONFINITE naming it, never a result. */
CR_API cr_status cr_score(const cr_model *m, const double *fields, cr_score_result *out,
                          cr_reason *reasons, size_t reasons_cap, cr_error *err);

/*! cr_score_batch() :
 *  Scores n rows stored row-major (n * field count doubles). Any output
 *  pointer may be NULL. No allocation. Every row is validated as in
 *  cr_score(); on a bad row the error names it (err->line, 1-based) and its
 *  field, and the outputs must be discarded: rows are processed in blocks of
 *  1024, so blocks before the bad row's block have been written. */
CR_API cr_status cr_score_batch(const cr_model *m, const double *fields, size_t n,
                                int32_t *scores, double *probabilities, uint8_t *levels,
                                cr_error *err);

/*! cr_request_parse() :
 *  Parses a JSON object of field values ({"spam_reports": 3, ...}) into
 *  `fields` (capacity >= field count). Counts must be JSON integers >= 0,
 *  booleans true/false, reals numbers. Unknown keys are ignored. On error
 *  `fields` is not written. */
CR_API cr_status cr_request_parse(const cr_schema *s, const char *json, size_t len,
                                  double *fields, cr_error *err);

/*-************************************
 *  Model quality
 *  scikit-learn's definitions, with sample weights: log_loss (probabilities
 *  clipped to [eps, 1 - eps] with eps = 2^-52, scikit-learn 1.2's "auto"),
 *  brier_score_loss,
 *  roc_auc_score (ties as one ROC point), Gini = 2 AUC - 1, KS = the
 *  largest TPR - FPR over those points, calibration_curve(strategy=
 *  'uniform', n_bins=10). The result depends on the rows, never on their
 *  order, and has the same bits on every host.
 **************************************/
#define CR_CALIBRATION_BINS 10

typedef struct {
    double lo, hi;           /* the bin (lo, hi]; the first is [0, 0.1] */
    double weight;           /* sample weight of the rows in it */
    double mean_predicted;   /* their weighted mean probability; NaN when empty */
    double observed_rate;    /* their weighted share of label 1; NaN when empty */
} cr_calibration_bin;

typedef struct {
    double weight;           /* sample weight scored into the band */
    double share;            /* weight / weight_sum */
    double observed_rate;    /* weighted share of label 1; NaN when empty */
    double mean_predicted;   /* weighted mean probability; NaN when empty */
} cr_band_stats;

/* The ROC curve sampled at FPR = k / (CR_ROC_GRID - 1), k = 0..20. */
#define CR_ROC_GRID 21

typedef struct {
    uint64_t n;              /* rows */
    double weight_sum;
    double base_rate;        /* weighted share of label 1 */
    double log_loss;
    double brier;
    double auc, gini, ks;    /* NaN unless both labels have weight */
    cr_calibration_bin calibration[CR_CALIBRATION_BINS];
    cr_band_stats bands[3];  /* by cr_risk_level */
    /* The ROC curve whose area is auc: the piecewise-linear curve from (0, 0)
       through one vertex per distinct probability (roc_curve(...,
       drop_intermediate=False)), its TPR at FPR = (double)k / 20. Where the
       curve rises vertically at exactly that FPR, the highest TPR there: so
       roc_tpr[0] is the TPR reached before the first negative and
       roc_tpr[20] is 1. All NaN when auc is.
       has_roc 0: no grid (roc_tpr all 0). A model stores none: the metrics
       of cr_model_metrics() and of a model's card and JSON have none, so its
       bytes and id do not depend on it; cr_evaluate() always fills it. */
    int has_roc;
    double roc_tpr[CR_ROC_GRID];
} cr_metrics;

/*-************************************
 *  Training across shards
 *  cr_train's passes over its rows, made by a host over shards of them (Spark
 *  partitions, files): every statistic is an exact sum, a count or the
 *  additive digest, so shards merged in any order give what the rows give
 *  together, and the model is cr_train's, bit for bit: coefficients,
 *  baselines, solver path, data digest and evidence (metrics of the fitted
 *  and held-out rows, drift reference), so its id is cr_train's too.
 *
 *  The passes: the census, the summary, one per point the solver asks about,
 *  then the evidence's: "groups" (each shard's rows by distinct (probability,
 *  label), with exact weight sums: the ROC walk needs every distinct
 *  probability, so the merged answer, and the fit, hold one group per
 *  distinct (probability, label), about one per row when features are
 *  real-valued: some 17 bytes each),
 *  "cuts" (the drift reference's weighted deciles, found by exact sums
 *  between pivots, each pass narrowing a decile's bucket 8 to 4096 ways:
 *  typically 2-4 passes, at most 64) and "shares". Questions and answers grow
 *  with that: size them with a NULL buffer (CR_E_BUFFER and *size).
 *
 *    every shard: cr_shard_census(rows, options) -> merge them -> cr_fit_create
 *    while (!cr_fit_done(fit)):
 *        cr_fit_question(fit) -> bytes; every shard: cr_shard_answer(rows,
 *        bytes) -> merge them -> cr_fit_feed(fit, merged)
 *    cr_fit_model(fit)
 *
 *  Shards travel as bytes (cr_shard_save / cr_shard_load: the same on every
 *  host), as questions do, each sealed by a CRC-32: damaged bytes are
 *  CR_E_CHECKSUM, another version's CR_E_MAGIC (the driver and every part run
 *  one version), and a question's values are checked as the fit writes them
 *  (a finite point and class weights, a holdout's fraction and seed).
 *  Shards know what they belong to (none of it reaches the model, whose id
 *  is cr_train's): a census carries the fingerprint of the schema and
 *  options it was taken under (merging censuses of others, or fitting one
 *  under others, is CR_E_MISMATCH); a question carries its identity (the
 *  fit's fingerprint, its census's rows, the question's number), which
 *  cr_shard_answer copies into the answer, after refusing a question asked
 *  of another schema (CR_E_SCHEMA). Answers to different questions do not
 *  merge, and cr_fit_feed takes only answers to its last question (else
 *  CR_E_STATE, the fit as it was: an earlier question's, another fit's).
 *  An answer also carries the digest of the rows that gave it, so
 *  cr_fit_feed takes only answers of the census's rows, every part once
 *  (else CR_E_DATA, the fit as it was: a part left out or answering twice,
 *  rows added or changed since the census). The hash
 *  holdout splits every shard by row content alike; the 'order'
 *  holdout (the last rows) has no meaning across shards, and Platt scaling
 *  (calibration) is not fitted across shards yet: both CR_E_ARG.
 **************************************/
typedef struct cr_shard_s cr_shard;
typedef struct cr_fit_s cr_fit;
CR_API cr_status cr_shard_census(const cr_dataset *ds, const cr_train_options *o, cr_shard **out, cr_error *err);
CR_API cr_status cr_shard_answer(const cr_dataset *ds, const void *question, size_t n, cr_shard **out, cr_error *err);
/*! cr_shard_merge() : into += from (shards of the same pass); CR_E_STATE otherwise.
 *  On any error `into` is as it was (a retry after CR_E_NOMEM counts nothing twice). */
CR_API cr_status cr_shard_merge(cr_shard *into, const cr_shard *from, cr_error *err);
/*! cr_shard_save() : the bytes buffer contract (Conventions), as cr_model_save(). */
CR_API cr_status cr_shard_save(const cr_shard *sh, void *dst, size_t cap, size_t *size, cr_error *err);
CR_API cr_status cr_shard_load(const void *src, size_t n, cr_shard **out, cr_error *err);
CR_API void cr_shard_free(cr_shard *sh);
/*! cr_fit_create() : from the merged census; cr_train's data errors (no rows, one label, an empty holdout). */
CR_API cr_status cr_fit_create(const cr_schema *s, const cr_train_options *o, const cr_shard *census, cr_fit **out,
                               cr_error *err);
CR_API int cr_fit_done(const cr_fit *f);
/*! cr_fit_question() : what every shard answers next; the bytes buffer contract (Conventions). */
CR_API cr_status cr_fit_question(const cr_fit *f, void *dst, size_t cap, size_t *size, cr_error *err);
/*! cr_fit_feed() : the merged answers to the last question. All or nothing: on any
 *  error the fit is as it was (fed the same answers again after CR_E_NOMEM, it goes
 *  on to cr_train's model). */
CR_API cr_status cr_fit_feed(cr_fit *f, const cr_shard *merged, cr_error *err);
CR_API cr_status cr_fit_model(const cr_fit *f, cr_model **out, cr_error *err);
CR_API void cr_fit_free(cr_fit *f);

/*! cr_evaluate() :
 *  The model's quality on a data set of its schema (CR_E_SCHEMA otherwise;
 *  CR_E_DATA when it has no rows, or field "weight" when the weight sum or
 *  the weighted log loss would not be finite: scale the weights down). */
CR_API cr_status cr_evaluate(const cr_model *m, const cr_dataset *ds, cr_metrics *out, cr_error *err);

/*! cr_evaluate_with() :
 *  cr_evaluate() on the rows cr_train() would hold out of `ds` with options
 *  `o`: the same split (cr_train_options_check() first; a split that leaves
 *  either side empty is CR_E_DATA), so that a model trained on `ds` with `o`
 *  has holdout metrics (cr_model_metrics(m, 1, ...)) equal to these bit for
 *  bit but for the ROC grid, which a model does not store. Evaluating
 *  another model (a champion) this way measures it on a candidate's
 *  holdout. `o` NULL or without a holdout: cr_evaluate() on every row. Only
 *  the holdout options bear on the result. */
CR_API cr_status cr_evaluate_with(const cr_model *m, const cr_dataset *ds, const cr_train_options *o,
                                  cr_metrics *out, cr_error *err);

/*! cr_model_metrics() :
 *  The metrics a trained model carries (model format 2): on its training
 *  rows (holdout 0) or on its holdout (holdout 1); has_roc is 0 (a model
 *  stores no ROC grid). CR_E_MISSING when the model has none (the default
 *  model, format 1 files, no holdout). */
CR_API cr_status cr_model_metrics(const cr_model *m, int holdout, cr_metrics *out, cr_error *err);

/*! cr_model_calibration() :
 *  1 and Platt's a, b when the model is calibrated (probability =
 *  sigmoid(a * logit + b); the reasons still add up to the logit), else 0. */
CR_API int cr_model_calibration(const cr_model *m, double *a, double *b);

/*-************************************
 *  Drift: a data set against the model's reference
 *  A trained model stores, per feature, up to 10 weighted-quantile bins of
 *  its training rows (booleans: 2) with their shares, and the score's share
 *  per decile (0-9, ..., 90-100). PSI = sum (a - e) ln(a / e) over the bins,
 *  every share smoothed as (s + CR_PSI_EPSILON) / (1 + bins * CR_PSI_EPSILON)
 *  so an empty bin counts; status stable < 0.10 <= watch < 0.25 <= alert.
 **************************************/
#define CR_PSI_EPSILON 1e-4
typedef struct cr_drift_s cr_drift;

/*! cr_drift_create() : CR_E_MISSING when the model has no reference. */
CR_API cr_status cr_drift_create(const cr_model *m, cr_drift **out, cr_error *err);
/*! cr_drift_add_dataset() : every row of a data set of the model's schema, by its weight. */
CR_API cr_status cr_drift_add_dataset(cr_drift *d, const cr_dataset *ds, cr_error *err);
/*! cr_drift_add_rows() : n rows of field values (validated as cr_score()), weight 1 each. */
CR_API cr_status cr_drift_add_rows(cr_drift *d, const double *fields, size_t n, cr_error *err);
/*! cr_drift_add_record() : a stored score record (its inputs and score), weight 1;
 *  a record naming another model (model_id) is CR_E_MISMATCH and adds nothing. */
CR_API cr_status cr_drift_add_record(cr_drift *d, const char *record, size_t len, cr_error *err);
/*! cr_drift_json() :
 *  {"n", "weight_sum", "epsilon", "features": [{"feature", "psi", "status",
 *  "bins": [{"hi", "reference", "actual"}]}], "score": {"psi", "status",
 *  "bins": [...]}}; "hi" is null for the last bin. CR_E_DATA with no rows.
 *  The text buffer contract (Conventions: the buffer needs *size + 1 bytes). */
CR_API cr_status cr_drift_json(const cr_drift *d, char *dst, size_t cap, size_t *size, cr_error *err);
CR_API void cr_drift_free(cr_drift *d);

/*! cr_metrics_json() :
 *  The metrics as JSON: n, weight_sum, base_rate, log_loss, brier, auc,
 *  gini, ks, roc [{fpr, tpr}] (the CR_ROC_GRID points; only when has_roc),
 *  calibration [{lo, hi, weight, mean_predicted, observed_rate}],
 *  bands [{band, weight, share, observed_rate, mean_predicted}]; NaN is
 *  null. The text buffer contract (Conventions: the buffer needs *size + 1
 *  bytes). */
CR_API cr_status cr_metrics_json(const cr_metrics *mt, char *dst, size_t cap, size_t *size, cr_error *err);

/*-************************************
 *  Scoring a caller against the host's store
 *  The seed's scoreCaller: count the caller's attempts in the 24 h up to
 *  `at`, score with that count in the schema's `call_attempts_24h` field,
 *  persist a record. The core asks the store for two things only; it never
 *  stores anything itself. The record is canonical JSON:
 *    {"caller_number":..,"at":ms,"inputs":{field:value,..},"score":..,
 *     "risk_level":..,"probability":..,"reasons":[{"feature":..,
 *     "contribution":..},..],"model_id":..}
 **************************************/
#define CR_ATTEMPTS_FIELD "call_attempts_24h"
#define CR_ATTEMPTS_WINDOW_MS 86400000.0
#define CR_CALLER_MAX 64    /* bytes of printable ASCII in a caller number */

/* A resumable scoreCaller, for hosts whose store answers later (promises,
   event loops): start it, answer what it asks, read the result. */
typedef struct cr_caller_op_s cr_caller_op;
typedef enum {
    CR_OP_NEED_COUNT = 1,   /* answer cr_caller_op_count_query() with cr_caller_op_counted() */
    CR_OP_NEED_SAVE = 2,    /* store cr_caller_op_record(), then cr_caller_op_saved() */
    CR_OP_DONE = 3,         /* the record is stored: read cr_caller_op_result() */
    CR_OP_FAILED = 4        /* cr_caller_op_result() returns why: CR_E_STORE for the store,
                               else what stopped it (CR_E_NOMEM, CR_E_NONFINITE, ...) */
} cr_op_state;

/*! cr_caller_op_start() :
 *  Validates everything up front (caller: 1..CR_CALLER_MAX printable ASCII
 *  bytes; at_ms: a whole number of ms in 0..8.64e15; the other fields as
 *  cr_score()); the value
 *  given for call_attempts_24h is ignored. Nothing is asked of the store on
 *  error. The op starts in CR_OP_NEED_COUNT; free it with cr_caller_op_free().
 *  The op refers to `m`: the model must outlive it (hosts that free models
 *  from other tasks keep a reference per pending op). Calls in the wrong
 *  state are CR_E_STATE and change nothing. */
CR_API cr_status cr_caller_op_start(const cr_model *m, const char *caller, size_t caller_len,
                                    const double *fields, double at_ms, cr_caller_op **out, cr_error *err);
CR_API cr_op_state cr_caller_op_state(const cr_caller_op *op);
/*! The store question: attempts by `caller` with since_ms <= time <= until_ms
 *  (op NULL: caller NULL, caller_len 0, the times NaN; any output may be NULL). */
CR_API void cr_caller_op_count_query(const cr_caller_op *op, const char **caller, size_t *caller_len,
                                     double *since_ms, double *until_ms);
/*! cr_caller_op_counted() : the store's answer; count < 0 means it failed. */
CR_API cr_status cr_caller_op_counted(cr_caller_op *op, int64_t count, cr_error *err);
/*! The record to persist (valid until the op is freed), in CR_OP_NEED_SAVE. */
CR_API const char *cr_caller_op_record(const cr_caller_op *op, size_t *len);
/*! cr_caller_op_saved() : 0 when the store has the record, else a failure. */
CR_API cr_status cr_caller_op_saved(cr_caller_op *op, int store_status, cr_error *err);
/*! cr_caller_op_result() : CR_OK only in CR_OP_DONE. */
CR_API cr_status cr_caller_op_result(const cr_caller_op *op, cr_score_result *out, cr_reason *reasons,
                                     size_t reasons_cap, int64_t *attempts, cr_error *err);
CR_API void cr_caller_op_free(cr_caller_op *op);

/*! cr_caller_request_parse() :
 *  A scoreCaller request as one JSON object: "caller_number" (a string,
 *  1..CR_CALLER_MAX printable ASCII bytes), "at" (optional: ms since 1970,
 *  a whole number in 0..8.64e15; *at_ms is NaN when absent, for the host's
 *  clock) and the model's fields as cr_request_parse() reads them, except
 *  call_attempts_24h, which the store counts (not read; set to 0). `caller`
 *  (capacity >= CR_CALLER_MAX + 1) gets the number, NUL-terminated. Unknown
 *  keys are ignored. A model with a field named caller_number or at cannot
 *  be read so (CR_E_SCHEMA). On error nothing is written. */
CR_API cr_status cr_caller_request_parse(const cr_schema *s, const char *json, size_t len, double *fields,
                                         char *caller, size_t *caller_len, double *at_ms, cr_error *err);

/*! cr_score_record_json() :
 *  The record of one score, as stored by scoreCaller and `callrisk score
 *  --store`: canonical JSON. caller (caller_len > 0) and at_ms (finite)
 *  are optional. Everything written is checked first, so that
 *  cr_verify_record() accepts what this writes: the fields as cr_score()
 *  checks them (the error names the field), caller as cr_caller_op_start(),
 *  a finite at_ms a whole number in 0..8.64e15 (field "at"), the result and
 *  reasons in range (CR_E_RANGE or CR_E_NONFINITE naming "score",
 *  "risk_level", "probability" or "reasons") and then cr_score()'s for these
 *  fields, bit for bit (else CR_E_MISMATCH naming the part). The text
 *  buffer contract (Conventions: the buffer needs *size + 1 bytes). */
CR_API cr_status cr_score_record_json(const cr_model *m, const double *fields, const cr_score_result *r,
                                      const cr_reason *reasons, const char *caller, size_t caller_len,
                                      double at_ms, char *dst, size_t cap, size_t *size, cr_error *err);

/*! cr_verify_record() :
 *  Replays a stored record against model m: its model_id must be m's id,
 *  and scoring its inputs must give the same score, risk level and the same
 *  bits of probability and every contribution. CR_E_MISMATCH names the
 *  first part that differs; malformed records are CR_E_JSON/CR_E_MISSING/... */
CR_API cr_status cr_verify_record(const cr_model *m, const char *record, size_t len, cr_error *err);

/* A synchronous store, for hosts that can answer at once. */
typedef struct {
    void *ctx;
    /* attempts in [since_ms, until_ms]; negative: the store failed */
    int64_t (*count_attempts)(void *ctx, const char *caller, size_t caller_len, double since_ms,
                              double until_ms);
    /* 0 when the record is stored; anything else is a failure */
    int (*save_score)(void *ctx, const char *record, size_t record_len);
} cr_host;

/*! cr_score_caller() :
 *  Runs a cr_caller_op against a synchronous store. Succeeds only when the
 *  record was stored; a store failure is CR_E_STORE. *attempts (optional)
 *  receives the count. */
CR_API cr_status cr_score_caller(const cr_model *m, const cr_host *host, const char *caller, size_t caller_len,
                                 const double *fields, double at_ms, cr_score_result *out, cr_reason *reasons,
                                 size_t reasons_cap, int64_t *attempts, cr_error *err);

/*-************************************
 *  Model bytes
 **************************************/
/*! cr_model_save() :
 *  Writes the canonical little-endian binary form into dst: the bytes buffer
 *  contract (Conventions). If dst is NULL or too small, returns CR_E_BUFFER
 *  (dst's contents are then unspecified: a prefix may have been written);
 *  *size always receives the size needed. */
CR_API cr_status cr_model_save(const cr_model *m, void *dst, size_t cap, size_t *size,
                               cr_error *err);
/*! cr_model_load() : validates bytes (each defect has its own status) and
 *  builds a model. A model whose numbers are finite but beyond CR_REAL_MAX
 *  (it could not score every valid input finitely) is CR_E_RANGE. */
CR_API cr_status cr_model_load(const void *src, size_t len, cr_model **out, cr_error *err);

/*! cr_model_to_json() :
 *  Canonical JSON (no spaces, fixed key order, doubles with 17 significant
 *  digits so they round-trip exactly). The text buffer contract (Conventions:
 *  *size excludes the NUL; the buffer needs *size + 1 bytes). */
CR_API cr_status cr_model_to_json(const cr_model *m, char *dst, size_t cap, size_t *size,
                                  cr_error *err);
CR_API cr_status cr_model_from_json(const char *json, size_t len, cr_model **out,
                                    cr_error *err);

/*! cr_model_card_json() : the model card (names, coefficients, intercept,
 *  bands, id, training stats) as JSON for people. The text buffer contract
 *  (Conventions: the buffer needs *size + 1 bytes). */
CR_API cr_status cr_model_card_json(const cr_model *m, char *dst, size_t cap, size_t *size,
                                    cr_error *err);

/*! cr_model_with_bands() : returns a copy of `m` with other bands
 *  (1 <= medium <= high <= 100); its id differs. The copy carries no
 *  evidence (its band tables were measured under the old bands): measure it
 *  with cr_evaluate(). */
CR_API cr_status cr_model_with_bands(const cr_model *m, int high, int medium,
                                     cr_model **out, cr_error *err);

/*-************************************
 *  The library's own description
 **************************************/
/*! cr_abi_json() :
 *  The library describes itself for hosts that load it as a .so or .wasm:
 *  struct layouts (offsets and sizes, from this build), limits, statuses
 *  (name, number, message, HTTP status), enum values, the host ABI's
 *  constants, the training options (name, JSON kind, default, doc) and the
 *  versions, as one JSON object. Hosts take every layout and constant from
 *  it. The text buffer contract (Conventions: the buffer needs *size + 1
 *  bytes). */
CR_API cr_status cr_abi_json(char *dst, size_t cap, size_t *size, cr_error *err);

#ifdef __cplusplus
}
#endif
#endif /* CALLRISK_H */
