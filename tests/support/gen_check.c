/*
 * Prints the first rows of each generator so they can be diffed against
 * tests/parity/gen_data.py (same line format as its CLI):
 *   (ctest gen_data_matches_python runs: tests/parity/gen_data.py --check gen_check)
 *   cc -std=c11 -I tests/support tests/support/gen_check.c -o gen_check
 *   ./gen_check > c.txt
 *   (python3 tests/parity/gen_data.py default 7 -150 20;
 *    python3 tests/parity/gen_data.py stir 7 -150 20;
 *    python3 tests/parity/gen_data.py real5 7 -150 20) > py.txt
 *   diff c.txt py.txt
 * Optional args: SEED OFFSET N (defaults 7 -150 20).
 */
#include <stdio.h>
#include <stdlib.h>

#include "gen_data.h"

int main(int argc, char **argv)
{
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 7;
    int offset = argc > 2 ? atoi(argv[2]) : -150;
    uint64_t n = argc > 3 ? strtoull(argv[3], NULL, 10) : 20;
    const gen_kind kinds[] = { GEN_DEFAULT, GEN_STIR, GEN_REAL5 };
    const char *names[] = { "default", "stir", "real5" };

    for (int g = 0; g < 3; g++) {
        for (uint64_t i = 0; i < n; i++) {
            double f[5];
            int label;
            double w;
            gen_row(kinds[g], seed, offset, i, f, &label, &w);
            printf("%s %llu", names[g], (unsigned long long)i);
            for (size_t j = 0; j < gen_field_count(kinds[g]); j++)
                printf(" %.17g", f[j]);
            printf(" %d %.17g\n", label, w);
        }
    }
    return 0;
}
