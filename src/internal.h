/* internal.h - object layouts and helpers shared by the core's modules. */
#ifndef CR_INTERNAL_H
#define CR_INTERNAL_H

#include "callrisk.h"

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
    char id[CR_MODEL_ID_SIZE];
};

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
    void *digest;            /* running SHA-256 of the raw rows (cr_sha256_ctx) */
};

/* Fills err (if non-NULL) and returns `st`. `field` may be NULL. */
CR_HIDDEN cr_status cr_fail(cr_error *err, cr_status st, const char *field,
                            const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
CR_HIDDEN cr_status cr_failv(cr_error *err, cr_status st, const char *field, const char *fmt,
                             va_list ap) __attribute__((format(printf, 4, 0)));

/* Names: [A-Za-z_][A-Za-z0-9_]*, 1..CR_MAX_NAME bytes. */
CR_HIDDEN int cr_name_valid(const char *s, size_t len);

/* Feature vector of one validated row of field values. */
CR_HIDDEN void cr_schema_features(const cr_schema *s, const double *fields, double *x);
CR_HIDDEN cr_status cr_schema_check_value(const cr_schema *s, size_t i, double v,
                                          cr_error *err);

/* Risk bands: 1 <= medium <= high <= 100; `what` prefixes the message
   ("option", "model"). */
CR_HIDDEN cr_status cr_bands_check(int high, int medium, const char *what, cr_error *err);

/* -0 becomes 0 in every number of the model: the canonical forms hold no
   negative zero (JSON hosts write -0 as 0, which would change the bits). */
CR_HIDDEN void cr_model_drop_negative_zeros(cr_model *m);

/* Sets m->id from the canonical bytes. */
CR_HIDDEN cr_status cr_model_finish(cr_model *m, cr_error *err);
/* Checks what both loaders must enforce on a decoded model. */
CR_HIDDEN cr_status cr_model_validate(const cr_model *m, cr_error *err);

/* The seed's int(probability * 100): truncation of a double product. */
static inline int cr_score_of(double p) { return (int)(p * 100.0); }

/* medium <= high, so counting the thresholds reached gives the level; no
   branch to mispredict on a batch of mixed scores. */
static inline cr_risk_level cr_level_of(const cr_model *m, int score)
{
    return (cr_risk_level)((score >= m->band_medium) + (score >= m->band_high));
}

CR_HIDDEN const char *cr_field_type_name(cr_field_type t);
CR_HIDDEN const char *cr_sign_name(cr_sign s);
CR_HIDDEN const char *cr_class_weight_name(cr_class_weight_mode m);

/* Appends to a bounded text buffer; tracks the size needed even past cap. */
typedef struct {
    char *buf;
    size_t cap;
    size_t len;
} cr_text;
CR_HIDDEN void cr_text_put(cr_text *t, const char *s, size_t n);
CR_HIDDEN void cr_text_str(cr_text *t, const char *s);
CR_HIDDEN void cr_text_printf(cr_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* %.17g, with integers still written as e.g. 2.0 never needed: JSON number. */
CR_HIDDEN void cr_text_double(cr_text *t, double v);
/* s as a JSON string, quotes and escapes included. */
CR_HIDDEN void cr_text_json_string(cr_text *t, const char *s);
/* NUL-terminates when it fits; returns CR_OK or CR_E_BUFFER. */
CR_HIDDEN cr_status cr_text_end(cr_text *t, size_t *size, cr_error *err);

/* The training options' table as JSON (for cr_abi_json()). */
CR_HIDDEN void cr_options_describe(cr_text *t);

#endif
