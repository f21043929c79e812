/* libFuzzer: a shard's statistics and a fit's question as bytes from
 * another process (cr_shard_load, cr_shard_answer).
 * - Whatever cr_shard_load accepts saves back to the same bytes and merges
 *   with itself; a refusal leaves no shard.
 * - The input as a question to a small data set: an answer or a typed
 *   refusal, never a crash; an answer saves and loads again.
 * Both as given (mostly refused by the checksum) and sealed anew (the last
 * 4 bytes the CRC-32 of those before), so that the parsers behind the seal
 * get the mutations. */
#include <stdlib.h>
#include <string.h>

#include "callrisk.h"
#include "crc32.h"

#define FUZZ_CHECK(c) \
    do {              \
        if (!(c)) abort(); \
    } while (0)

static cr_dataset *rows(void)
{
    static cr_dataset *ds;
    if (ds) return ds;
    cr_schema *s = NULL;
    FUZZ_CHECK(cr_schema_create_default(&s, NULL) == CR_OK);
    FUZZ_CHECK(cr_dataset_create(s, &ds, NULL) == CR_OK);
    cr_schema_free(s);
    for (int i = 0; i < 40; i++) {
        const double f[3] = {i % 7, i % 2, i % 11};
        FUZZ_CHECK(cr_dataset_add(ds, f, i % 3 == 0, 1.0 + (i % 4), NULL) == CR_OK);
    }
    return ds;
}

static void round_trip(const cr_shard *sh)
{
    size_t n = 0;
    FUZZ_CHECK(cr_shard_save(sh, NULL, 0, &n, NULL) == CR_E_BUFFER);
    unsigned char *buf = malloc(n);
    FUZZ_CHECK(buf && cr_shard_save(sh, buf, n, &n, NULL) == CR_OK);
    cr_shard *back = NULL;
    FUZZ_CHECK(cr_shard_load(buf, n, &back, NULL) == CR_OK);
    unsigned char *again = malloc(n);
    size_t m = 0;
    FUZZ_CHECK(again && cr_shard_save(back, again, n, &m, NULL) == CR_OK && m == n && memcmp(buf, again, n) == 0);
    FUZZ_CHECK(cr_shard_merge(back, sh, NULL) == CR_OK);
    cr_shard_free(back);
    free(buf);
    free(again);
}

static void one_input(const unsigned char *data, size_t size)
{
    cr_shard *sh = (cr_shard *)data;   /* must be replaced by NULL on refusal */
    if (cr_shard_load(data, size, &sh, NULL) == CR_OK) {
        size_t n = 0;
        FUZZ_CHECK(cr_shard_save(sh, NULL, 0, &n, NULL) == CR_E_BUFFER && n == size);
        round_trip(sh);
        cr_shard_free(sh);
    } else {
        FUZZ_CHECK(sh == NULL);
    }
    cr_shard *answer = NULL;
    cr_error e;
    const cr_status st = cr_shard_answer(rows(), data, size, &answer, &e);
    if (st == CR_OK) {
        round_trip(answer);
        cr_shard_free(answer);
    } else {
        FUZZ_CHECK(answer == NULL && e.status == st);
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    one_input(data, size);
    if (size < 4) return 0;
    unsigned char *sealed = malloc(size);
    FUZZ_CHECK(sealed);
    memcpy(sealed, data, size);
    const uint32_t crc = cr_crc32(0, sealed, size - 4);
    for (int b = 0; b < 4; b++) sealed[size - 4 + b] = (unsigned char)(crc >> (8 * b));
    if (memcmp(sealed, data, size) != 0) one_input(sealed, size);
    free(sealed);
    return 0;
}
