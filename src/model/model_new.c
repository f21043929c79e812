/* model_new.c - models made from others: the seed's default (trained at
 * start-up, as the seed did) and a copy with other bands. Each is finished
 * (its id computed) like any trained or loaded model. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

cr_status cr_model_create_default(cr_model **out, cr_error *err)
{
    static const double rows[5][3] = {{0, 0, 1}, {1, 1, 2}, {2, 1, 3}, {3, 1, 5}, {4, 1, 7}};
    static const int labels[5] = {0, 0, 1, 1, 1};
    if (!out) return cr_fail(err, CR_E_ARG, NULL, "out is NULL");
    *out = NULL;
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    cr_status st = cr_schema_create_default(&s, err);
    if (st == CR_OK) st = cr_dataset_create(s, &ds, err);
    for (int i = 0; i < 5 && st == CR_OK; i++) st = cr_dataset_add(ds, rows[i], labels[i], 1.0, err);
    /* Format 1, as the seed's model always was: its id names it in every
       store, and five rows are no evidence to carry. */
    if (st == CR_OK) st = cr_train_without_evidence(ds, out, err);
    cr_dataset_free(ds);
    cr_schema_free(s);
    return st;
}

cr_status cr_model_with_bands(const cr_model *m, int high, int medium, cr_model **out, cr_error *err)
{
    if (!m || !out) return cr_fail(err, CR_E_ARG, NULL, "model or out is NULL");
    *out = NULL;
    cr_status st = cr_bands_check(high, medium, "option", err);
    if (st != CR_OK) return st;
    cr_model *c = malloc(sizeof *c);
    if (!c) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory allocating model");
    memcpy(c, m, sizeof *c);
    c->band_high = high;
    c->band_medium = medium;
    /* Evidence measured under other bands (its band tables) is no evidence
       of this model: the copy has none; cr_evaluate() measures it anew. */
    memset(&c->ev, 0, sizeof c->ev);
    st = cr_model_finish(c, err);
    if (st != CR_OK) {
        free(c);
        return st;
    }
    *out = c;
    return CR_OK;
}
