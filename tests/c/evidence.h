/* evidence.h - format 2 models for the tests: a trained model's evidence
 * filled by hand. Training fills it from its rows; the format's tests need
 * every combination (holdout or not, calibrated or not) and values of their
 * own choosing, so they write m->ev themselves (white-box: internal.h). */
#ifndef CR_TEST_EVIDENCE_H
#define CR_TEST_EVIDENCE_H

#include "callrisk.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Reference bins of feature j: 1, 2, 10, 4, 7, ... bins, ascending cuts,
   equal shares (adding up to 1, as a model's must). */
static inline void evidence_bins(cr_bins *b, size_t j)
{
    static const uint8_t n_bins[5] = {1, 2, 10, 4, 7};
    memset(b, 0, sizeof *b);
    b->n_bins = n_bins[j % 5];
    for (int k = 0; k + 1 < b->n_bins; k++) b->cut[k] = (double)k * 1.5 - 0.5 + (double)j;
    for (int k = 0; k < b->n_bins; k++) b->share[k] = 1.0 / (double)b->n_bins;
}

/* A copy of m (free with cr_model_free()) carrying evidence: metrics of m on
   `train`; with `holdout` (or NULL) a hash holdout of fraction 0.25, seed 42,
   and its metrics; Platt's a = 0.875, b = -0.3125 when `calibrated`;
   reference bins by evidence_bins() and the score's deciles. NULL when
   anything fails (the tests then fail on it). */
static inline cr_model *evidence_model(const cr_model *m, const cr_dataset *train, const cr_dataset *holdout,
                                       int calibrated)
{
    cr_model *e = malloc(sizeof *e);
    if (!e) return NULL;
    memcpy(e, m, sizeof *e);
    cr_evidence *ev = &e->ev;
    memset(ev, 0, sizeof *ev);   /* uncalibrated while evaluating: the metrics of the plain sigmoid */
    cr_status st = cr_evaluate(e, train, &ev->train, NULL);
    if (st == CR_OK && holdout) {
        ev->holdout_method = CR_HOLDOUT_HASH;
        ev->holdout_fraction = 0.25;
        ev->holdout_seed = 42;
        st = cr_evaluate(e, holdout, &ev->holdout, NULL);
    }
    if (calibrated) {
        ev->calibration = CR_CALIBRATION_SIGMOID;
        ev->cal_a = 0.875;
        ev->cal_b = -0.3125;
    }
    for (size_t j = 0; j < e->schema.n_features; j++) evidence_bins(&ev->reference[j], j);
    ev->score_reference.n_bins = 10;
    for (int k = 0; k < 10; k++) {
        if (k < 9) ev->score_reference.cut[k] = 9.0 + 10.0 * k;
        ev->score_reference.share[k] = k % 3 ? 0.05 : 0.175;   /* 4 x 0.175 + 6 x 0.05 = 1 */
    }
    ev->present = 1;
    cr_model_drop_negative_zeros(e);
    if (st == CR_OK) st = cr_model_validate(e, NULL);
    if (st == CR_OK) st = cr_model_finish(e, NULL);
    if (st != CR_OK) {
        free(e);
        return NULL;
    }
    return e;
}

/* A heap copy of m, to edit and save without validation. */
static inline cr_model *evidence_clone(const cr_model *m)
{
    cr_model *c = malloc(sizeof *c);
    if (c) memcpy(c, m, sizeof *c);
    return c;
}

#endif
