/* libFuzzer: the JSON-lines request parser of the CLI and hosts. Whatever
 * parses must score to a valid answer whose record replays (oracle.h); a
 * refusal must name its status and say why. */
#include <stdlib.h>
#include <string.h>

#include "callrisk.h"
#include "oracle.h"

static cr_model *model;

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    cr_error e;
    if (!model && cr_model_create_default(&model, &e) != CR_OK) abort();
    double fields[CR_MAX_FIELDS];
    cr_status st = cr_request_parse(cr_model_schema(model), (const char *)data, size, fields, &e);
    if (st != CR_OK) {
        oracle_refusal(st, &e);
        return 0;
    }
    ORACLE(oracle_score(model, fields) == CR_OK);
    return 0;
}
