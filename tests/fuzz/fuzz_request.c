/* libFuzzer: the JSON-lines request parser of the CLI and hosts. Whatever
 * parses must score; a refusal must name its status and say why. */
#include <stdlib.h>
#include <string.h>

#include "callrisk.h"

static cr_model *model;

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    cr_error e;
    if (!model && cr_model_create_default(&model, &e) != CR_OK) abort();
    double fields[CR_MAX_FIELDS];
    cr_status st = cr_request_parse(cr_model_schema(model), (const char *)data, size, fields, &e);
    if (st != CR_OK) {
        if (e.status != st || e.message[0] == 0) abort();
        return 0;
    }
    cr_score_result r;
    cr_reason reasons[CR_MAX_FEATURES];
    if (cr_score(model, fields, &r, reasons, CR_MAX_FEATURES, &e) != CR_OK) abort();
    if (r.score < 0 || r.score > 100 || !(r.probability >= 0 && r.probability <= 1)) abort();
    return 0;
}
