/* libFuzzer: model JSON. Whatever loads must give canonical JSON that loads
 * to the same id, and the same binary bytes through either form; it must
 * score every valid input finitely (oracle.h); a refusal must say why. */
#include <stdlib.h>
#include <string.h>

#include "callrisk.h"
#include "oracle.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    cr_model *m = NULL;
    cr_error e;
    memset(&e, 0, sizeof e);
    cr_status st = cr_model_from_json((const char *)data, size, &m, &e);
    if (st != CR_OK) {
        oracle_refusal(st, &e);
        return 0;
    }
    oracle_model(m);
    size_t n = 0;
    cr_model_to_json(m, NULL, 0, &n, NULL);
    char *js = malloc(n + 1);
    if (cr_model_to_json(m, js, n + 1, &n, &e) != CR_OK) abort();
    cr_model *m2 = NULL;
    if (cr_model_from_json(js, n, &m2, &e) != CR_OK || strcmp(cr_model_id(m), cr_model_id(m2)) != 0) abort();
    size_t b = 0;
    cr_model_save(m2, NULL, 0, &b, NULL);
    unsigned char *bytes = malloc(b);
    cr_model *m3 = NULL;
    if (cr_model_save(m2, bytes, b, &b, &e) != CR_OK || cr_model_load(bytes, b, &m3, &e) != CR_OK ||
        strcmp(cr_model_id(m3), cr_model_id(m)) != 0)
        abort();
    free(bytes);
    free(js);
    cr_model_free(m3);
    cr_model_free(m2);
    cr_model_free(m);
    return 0;
}
