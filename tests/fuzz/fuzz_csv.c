/* libFuzzer: the streaming CSV reader (default schema), fed in two chunks
 * split where the first byte says; whatever it accepts must train to a model
 * that scores every valid input finitely, whose metrics on those rows and
 * drift against them are valid (oracle.h). */
#include <stdlib.h>

#include "callrisk.h"
#include "oracle.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1) return 0;
    const size_t split = data[0] % size;
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    cr_csv_reader *r = NULL;
    cr_error e;
    if (cr_schema_create_default(&s, &e) != CR_OK || cr_dataset_create(s, &ds, &e) != CR_OK ||
        cr_csv_reader_create(ds, NULL, &r, &e) != CR_OK)
        abort();
    const char *text = (const char *)data + 1;
    cr_status st = cr_csv_feed(r, text, split ? split - 1 : 0, &e);
    if (st == CR_OK) st = cr_csv_feed(r, text + (split ? split - 1 : 0), size - 1 - (split ? split - 1 : 0), &e);
    if (st == CR_OK) st = cr_csv_finish(r, &e);
    if (st != CR_OK) {
        oracle_refusal(st, &e);
        ORACLE(e.line >= 1);
    }
    if (st == CR_OK) {
        cr_train_options o;
        cr_train_options_init(&o);
        o.max_iter = 20;
        if (data[0] & 0x80) {   /* half the inputs: a holdout, Platt scaling too */
            o.holdout_method = data[0] & 0x40 ? CR_HOLDOUT_HASH : CR_HOLDOUT_ORDER;
            o.holdout_fraction = 0.1 + (data[0] & 0x0f) * 0.05;
            o.holdout_seed = data[0];
            o.calibration = data[0] & 0x20 ? CR_CALIBRATION_SIGMOID : CR_CALIBRATION_NONE;
        }
        cr_model *m = NULL;
        memset(&e, 0, sizeof e);
        st = cr_train(ds, &o, &m, &e);
        if (st != CR_OK) {
            oracle_refusal(st, &e);
            ORACLE(st == CR_E_DATA || st == CR_E_NONFINITE || (st == CR_E_RANGE && o.calibration));
        } else {
            oracle_model(m);
            oracle_quality(m, ds);
        }
        cr_model_free(m);
    }
    cr_csv_reader_free(r);
    cr_dataset_free(ds);
    cr_schema_free(s);
    return 0;
}
