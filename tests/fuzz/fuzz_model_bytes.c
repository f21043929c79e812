/* libFuzzer: model bytes, the round-trip target. Each input is loaded as is,
 * and again with its size field and CRC repaired so that mutations reach the
 * parser behind the checksum. Whatever loads must save to the very same
 * bytes (the id is the SHA-256 of what the caller holds), load again to the
 * same id, and score every valid input finitely (oracle.h). */
#include <stdlib.h>
#include <string.h>

#include "callrisk.h"
#include "crc32.h"
#include "oracle.h"

static void check(const unsigned char *data, size_t size)
{
    cr_model *m = NULL;
    cr_error e;
    memset(&e, 0, sizeof e);
    cr_status st = cr_model_load(data, size, &m, &e);
    if (st != CR_OK) {
        oracle_refusal(st, &e);
        return;
    }
    size_t n = 0;
    cr_model_save(m, NULL, 0, &n, NULL);
    unsigned char *again = malloc(n);
    if (cr_model_save(m, again, n, &n, &e) != CR_OK || n != size || memcmp(again, data, size) != 0) abort();
    cr_model *m2 = NULL;
    if (cr_model_load(again, n, &m2, &e) != CR_OK || strcmp(cr_model_id(m), cr_model_id(m2)) != 0) abort();
    oracle_model(m);
    free(again);
    cr_model_free(m2);
    cr_model_free(m);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    check(data, size);
    if (size < 24) return 0;
    unsigned char *fixed = malloc(size);
    memcpy(fixed, data, size);
    for (int k = 0; k < 4; k++) fixed[12 + k] = (unsigned char)(size >> (8 * k));
    const uint32_t crc = cr_crc32(0, fixed, size - 4);
    for (int k = 0; k < 4; k++) fixed[size - 4 + k] = (unsigned char)(crc >> (8 * k));
    check(fixed, size);
    free(fixed);
    return 0;
}
