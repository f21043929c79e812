/* bits.h - a double's IEEE bits and back, for tests that compare bit for bit. */
#ifndef CALLRISK_TESTS_BITS_H
#define CALLRISK_TESTS_BITS_H

#include <stdint.h>
#include <string.h>

static inline uint64_t bits_of(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static inline double dbl_of(uint64_t u)
{
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

#endif
