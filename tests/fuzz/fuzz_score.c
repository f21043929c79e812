/* libFuzzer: scoring with hostile models and rows. The input supplies a
 * model's numbers as raw doubles (so huge, tiny, subnormal, NaN and infinite
 * values all appear), its bands, and rows of field values. The model goes
 * through save -> load like any model file: what is refused must say why;
 * what loads must score every valid row finitely and agree with batch
 * scoring and its own record (oracle.h); rows it refuses are refused by
 * cr_score and cr_score_batch alike. */
#include <stdlib.h>
#include <string.h>

#include "callrisk.h"
#include "internal.h"
#include "oracle.h"

static cr_model *bases[2];

/* The seed's model, and a 4-field model with a real, an inverted boolean,
   a count and a second real (the generic batch path). */
static void init(void)
{
    static const cr_field_spec f[] = {{"attestation", CR_FIELD_REAL}, {"verified", CR_FIELD_BOOL},
                                      {"reports", CR_FIELD_COUNT}, {"age", CR_FIELD_REAL}};
    static const cr_feature_spec t[] = {{"attestation", "attestation", 0}, {"unverified", "verified", 1},
                                        {"reports", "reports", 0}, {"age", "age", 0}};
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    cr_error e;
    if (cr_model_create_default(&bases[0], &e) != CR_OK || cr_schema_create(f, 4, t, 4, &s, &e) != CR_OK ||
        cr_dataset_create(s, &ds, &e) != CR_OK)
        abort();
    for (int i = 0; i < 64; i++) {
        const double row[4] = {(i % 10) / 10.0, i % 3 == 0, i % 7, -20.0 + i * 0.7};
        if (cr_dataset_add(ds, row, (i * 7 + i % 5) % 4 < 2, 1.0, &e) != CR_OK) abort();
    }
    if (cr_train(ds, NULL, &bases[1], &e) != CR_OK) abort();
    cr_dataset_free(ds);
    cr_schema_free(s);
}

static double take(const unsigned char **p, const unsigned char *end)
{
    double v = 0;
    if (end - *p >= 8) {
        memcpy(&v, *p, 8);
        *p += 8;
    }
    return v;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (!bases[0]) init();
    if (size < 3) return 0;
    const cr_model *base = bases[data[0] & 1];
    const unsigned char *p = data + 3, *end = data + size;
    cr_model poked;
    memcpy(&poked, base, sizeof poked);
    const size_t d = poked.schema.n_features, nf = poked.schema.n_fields;
    if (data[0] & 2) {   /* else keep the trained numbers, vary bands and rows only */
        poked.intercept = take(&p, end);
        for (size_t j = 0; j < d; j++) poked.coef[j] = take(&p, end);
        for (size_t j = 0; j < d; j++) poked.baseline[j] = take(&p, end);
    }
    poked.band_high = data[1] % 103;
    poked.band_medium = data[2] % 103;
    size_t n = 0;
    cr_model_save(&poked, NULL, 0, &n, NULL);
    unsigned char *bytes = malloc(n);
    cr_error e;
    ORACLE(bytes && cr_model_save(&poked, bytes, n, &n, &e) == CR_OK);
    cr_model *m = NULL;
    memset(&e, 0, sizeof e);
    cr_status st = cr_model_load(bytes, n, &m, &e);
    free(bytes);
    if (st != CR_OK) {
        oracle_refusal(st, &e);
        ORACLE(m == NULL);
        return 0;
    }
    oracle_model(m);
    /* The rest of the input: rows of field values, as they come. */
    while (end - p >= (ptrdiff_t)(8 * nf)) {
        double row[CR_MAX_FIELDS];
        for (size_t i = 0; i < nf; i++) row[i] = take(&p, end);
        if (oracle_score(m, row) != CR_OK) continue;
        /* A valid row stays valid through the request parser's text form. */
        ORACLE(cr_schema_check_row(cr_model_schema(m), row, &e) == CR_OK);
    }
    cr_model_free(m);
    return 0;
}
