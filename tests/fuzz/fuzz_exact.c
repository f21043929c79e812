/* libFuzzer: cr_exact (src/base/exact.h).
 * - The input as a saved form: whatever cr_exact_load accepts saves back to
 *   the same bytes (every accepted form is canonical), and a rejected one
 *   leaves the accumulator as it was.
 * - The input as doubles (8 bytes each, after a first byte): their sum
 *   (or, when the first byte is odd, the sum of their pairwise products)
 *   equals the slow reference (tests/c/exact_ref.h) bit for bit, and the
 *   terms split by the first byte's bits into two accumulators, one fed
 *   backwards and sent through save/load, merge to the same saved bytes. */
#include <stdlib.h>
#include <string.h>

#include "exact.h"
#include "../c/exact_ref.h"

#define FUZZ_CHECK(c) \
    do {              \
        if (!(c)) abort(); \
    } while (0)

static uint64_t bits_of(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    cr_exact a, keep;
    unsigned char s1[CR_EXACT_BYTES], s2[CR_EXACT_BYTES];
    memset(&a, 0x5a, sizeof a);
    keep = a;
    if (cr_exact_load(&a, data, size) == 0) {
        FUZZ_CHECK(cr_exact_save(&a, s1) == CR_EXACT_BYTES);
        FUZZ_CHECK(memcmp(s1, data, CR_EXACT_BYTES) == 0);
        cr_exact b = a;
        cr_exact_merge(&b, &a); /* twice the sum: still finite or special, no trap */
        (void)cr_exact_round(&b);
        (void)cr_exact_round(&a);
    } else {
        FUZZ_CHECK(memcmp(&a, &keep, sizeof a) == 0);
    }
    if (size < 1) return 0;
    const int products = data[0] & 1;
    const size_t n = (size - 1) / 8 / (products ? 2 : 1);
    double *x = malloc((n ? n : 1) * sizeof *x), *y = malloc((n ? n : 1) * sizeof *y);
    FUZZ_CHECK(x && y);
    for (size_t i = 0; i < n; i++) {
        memcpy(&x[i], data + 1 + 8 * i * (products ? 2 : 1), 8);
        if (products) memcpy(&y[i], data + 1 + 8 * (2 * i + 1), 8);
    }
    static ref_sum ref;
    ref_init(&ref);
    cr_exact all = {0}, part[2];
    memset(part, 0, sizeof part);
    for (size_t i = 0; i < n; i++) {
        if (products) {
            ref_add_product(&ref, x[i], y[i]);
            cr_exact_add_product(&all, x[i], y[i]);
        } else {
            ref_add(&ref, x[i]);
            cr_exact_add(&all, x[i]);
        }
    }
    for (size_t k = n; k > 0; k--) { /* backwards, split by the first byte's bits */
        const size_t i = k - 1;
        cr_exact *p = &part[(data[0] >> (1 + i % 7)) & 1];
        if (products) cr_exact_add_product(p, y[i], x[i]);
        else cr_exact_add(p, x[i]);
    }
    const double want = ref_round(&ref);
    const double got = cr_exact_round(&all);
    FUZZ_CHECK(bits_of(got) == (isnan(want) ? 0x7ff8000000000000ull : bits_of(want)));
    cr_exact_save(&part[1], s1);
    FUZZ_CHECK(cr_exact_load(&part[1], s1, sizeof s1) == 0);
    cr_exact_merge(&part[0], &part[1]);
    cr_exact_save(&part[0], s1);
    cr_exact_save(&all, s2);
    FUZZ_CHECK(memcmp(s1, s2, sizeof s1) == 0);
    free(x);
    free(y);
    return 0;
}
