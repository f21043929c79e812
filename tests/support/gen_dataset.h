/* gen_dataset.h - the generated data sets (gen_data.h) as callrisk data sets. */
#ifndef CALLRISK_TESTS_GEN_DATASET_H
#define CALLRISK_TESTS_GEN_DATASET_H

#include "callrisk.h"
#include "gen_data.h"

/* GEN_STIR adds a real attestation score and a boolean verification flag;
   GEN_REAL5 is five real fields x0 .. x4, each its own feature. */
static inline cr_status gen_schema(gen_kind kind, cr_schema **out, cr_error *err)
{
    static const cr_field_spec fields[] = {
        {"spam_reports", CR_FIELD_COUNT},
        {"has_consent", CR_FIELD_BOOL},
        {"call_attempts_24h", CR_FIELD_COUNT},
        {"attestation", CR_FIELD_REAL},
        {"stir_verified", CR_FIELD_BOOL},
    };
    static const cr_feature_spec features[] = {
        {"spam_reports", "spam_reports", 0},
        {"no_consent", "has_consent", 1},
        {"call_attempts_24h", "call_attempts_24h", 0},
        {"attestation", "attestation", 0},
        {"stir_verified", "stir_verified", 0},
    };
    static const cr_field_spec reals[] = {
        {"x0", CR_FIELD_REAL}, {"x1", CR_FIELD_REAL}, {"x2", CR_FIELD_REAL}, {"x3", CR_FIELD_REAL}, {"x4", CR_FIELD_REAL},
    };
    static const cr_feature_spec real_features[] = {
        {"x0", "x0", 0}, {"x1", "x1", 0}, {"x2", "x2", 0}, {"x3", "x3", 0}, {"x4", "x4", 0},
    };
    size_t n = gen_field_count(kind);
    if (kind == GEN_REAL5) return cr_schema_create(reals, n, real_features, n, out, err);
    return cr_schema_create(fields, n, features, n, out, err);
}

/* n generated rows; weighted = 0 gives every row weight 1. */
static inline cr_status gen_dataset(gen_kind kind, uint64_t seed, int offset, size_t n, int weighted,
                                    cr_dataset **out, cr_error *err)
{
    cr_schema *s = NULL;
    cr_status st = gen_schema(kind, &s, err);
    if (st == CR_OK) st = cr_dataset_create(s, out, err);
    cr_schema_free(s);
    double fields[8];
    for (size_t i = 0; i < n && st == CR_OK; i++) {
        int label;
        double w;
        gen_row(kind, seed, offset, i, fields, &label, &w);
        st = cr_dataset_add(*out, fields, label, weighted ? w : 1.0, err);
    }
    return st;
}

#endif
