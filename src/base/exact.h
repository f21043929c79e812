/* exact.h - an exact, order-independent sum of doubles (a superaccumulator).
 *
 * cr_exact holds the EXACT sum of every finite double added to it, as a
 * fixed-point integer in units of 2^-1074 (the smallest subnormal), so the
 * rounded result depends only on the multiset of values added: not on their
 * order, nor on how they were split into accumulators that were then merged.
 * The layout is Radford Neal's "small superaccumulator" (xsum): 67 signed
 * 64-bit chunks, chunk k weighing 2^(32k) units; an add puts the 53-bit
 * significand, shifted by the low 5 bits of its exponent, into two adjacent
 * chunks (low 32 bits, high part) and only every CR_EXACT_PENDING_MAX adds
 * are the carries propagated (a chunk has 11 bits of headroom above the
 * 52-bit high part). Everything is integer arithmetic on the doubles' bits:
 * the same bits on every host (x86-64, wasm32, any compiler flags).
 *
 * Semantics:
 *  - cr_exact_round() is the exact sum correctly rounded to nearest, ties to
 *    even; a sum of magnitude >= 2^1024 (after rounding) is +-inf.
 *  - An exactly zero sum is +0.0, whatever was added (-0.0 alone, x + -x):
 *    the core's canonical forms hold no negative zero.
 *  - Infinities and NaNs: NaN if a NaN was added, or both +inf and -inf
 *    (the one canonical NaN, bits 0x7ff8000000000000); otherwise +inf or
 *    -inf if one was added; finite values added beside them do not matter.
 *  - Range: the total is exact while no partial total (of one accumulator,
 *    or of a merge) reaches 2^1099 in magnitude; that is at least 2^75
 *    additions of DBL_MAX (2^40 of them use 2^1064). Past it the
 *    accumulator saturates to +-inf, the sign of the total at that point,
 *    as if that infinity had been added.
 *  - ZERO-FILLED MEMORY IS AN EMPTY ACCUMULATOR: `cr_exact a = {0};`,
 *    calloc() and memset(0) all work, as does cr_exact_init().
 *  - The saved form (cr_exact_save, CR_EXACT_BYTES bytes, little-endian,
 *    the same on every host) is canonical: two accumulators holding the
 *    same exact sum (and the same inf/NaN state) save to the same bytes,
 *    whatever the order of the adds, merges and carries behind them.
 *
 * Cost (bench/exact_bench.c, x86-64 / wasm32 under node): cr_exact_add is
 * inline, a few integer operations and two read-modify-writes of memory,
 * ~1.7 / ~2.3 ns per add (a plain double sum: 0.5 / 1.1, Neumaier's 1.1 /
 * 1.3-5.5); cr_exact_add_product ~4.4 / ~6.5 ns. cr_exact_round carries
 * over the nonzero chunks only (~20 ns for a total spanning a few chunks);
 * cr_exact_save and _merge propagate all 67 chunks (~130-180 ns).
 * sizeof(cr_exact) is 544 bytes: `cr_exact a = {0}` clears all of it.
 */
#ifndef CR_EXACT_H
#define CR_EXACT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifndef CR_HIDDEN
#define CR_HIDDEN __attribute__((visibility("hidden")))
#endif

#define CR_EXACT_CHUNKS 67
/* Adds between carry propagations: |chunk| < 2^32 + 2047 * 2^52 < 2^63. */
#define CR_EXACT_PENDING_MAX 2047
/* cr_exact_save()'s size: "CRX" and the state byte, 66 32-bit chunks, the
   top chunk as a signed 64-bit integer. */
#define CR_EXACT_BYTES 276

/* The special state bits (cr_exact.special). */
#define CR_EXACT_POS_INF 1u
#define CR_EXACT_NEG_INF 2u
#define CR_EXACT_NAN 4u

typedef struct {
    /* The sum, sum over k of chunk[k] * 2^(32k) * 2^-1074. Normalised (after
       a carry propagation) chunks 0..65 are in [0, 2^32), chunk 66 is signed. */
    int64_t chunk[CR_EXACT_CHUNKS];
    /* Adds since the last carry propagation, <= CR_EXACT_PENDING_MAX. */
    int32_t pending;
    /* CR_EXACT_POS_INF | CR_EXACT_NEG_INF | CR_EXACT_NAN seen. */
    uint32_t special;
} cr_exact;

/* An empty accumulator (the same as zero-filled memory). */
CR_HIDDEN void cr_exact_init(cr_exact *a);
/* The slow path of cr_exact_add: an inf or NaN, or the carries are due. */
CR_HIDDEN void cr_exact_add_slow(cr_exact *a, uint64_t bits);

/* Adds v exactly, inlined wherever it is called (for hot loops: a build
   for size, wasm at -Os, may leave cr_exact_add() a call). */
static inline __attribute__((always_inline)) void cr_exact_add_inline(cr_exact *a, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    const uint32_t e = (uint32_t)(u >> 52) & 0x7ff;
    if (__builtin_expect((e == 0x7ff) | (a->pending >= CR_EXACT_PENDING_MAX), 0)) {
        cr_exact_add_slow(a, u);
        return;
    }
    a->pending++;
    /* v = m * 2^p units: a subnormal (e = 0) has no implicit bit and the
       exponent of e = 1. */
    const uint32_t normal = e != 0;
    const uint64_t m = (u & 0xfffffffffffffull) | (uint64_t)normal << 52;
    const uint32_t p = e - normal, i = p >> 5, r = p & 31;
    const int64_t neg = -(int64_t)(u >> 63); /* 0 or -1: x ^ neg - neg negates */
    const int64_t lo = (int64_t)((m << r) & 0xffffffffu), hi = (int64_t)(m >> (32 - r));
    a->chunk[i] += (lo ^ neg) - neg;
    a->chunk[i + 1] += (hi ^ neg) - neg;
}

/* Adds v exactly. */
static inline void cr_exact_add(cr_exact *a, double v) { cr_exact_add_inline(a, v); }

/* Adds the n values v[0..n). The same as n cr_exact_add calls. */
CR_HIDDEN void cr_exact_add_array(cr_exact *a, const double *v, size_t n);

/* The slow path of cr_exact_add_product: infinities and NaNs, nonzero
   products outside [2^-1074, 2^918) (rounded to the grid, or infinite),
   or the carries are due. */
CR_HIDDEN void cr_exact_add_product_slow(cr_exact *a, double x, double y);

/* hi:lo = x * y, x, y < 2^53: the same bits with or without __int128
   (wasm32 has no 64x64 -> 128 instruction: four i64 multiplies beat the
   __multi3 call there). */
static inline void cr_exact_mul53(uint64_t x, uint64_t y, uint64_t *hi, uint64_t *lo)
{
#if defined(__SIZEOF_INT128__) && !defined(__wasm__)
    __extension__ typedef unsigned __int128 u128;
    const u128 p = (u128)x * y;
    *hi = (uint64_t)(p >> 64);
    *lo = (uint64_t)p;
#else
    const uint64_t x0 = x & 0xffffffffu, x1 = x >> 32, y0 = y & 0xffffffffu, y1 = y >> 32;
    const uint64_t mid = x1 * y0 + x0 * y1; /* < 2^54 */
    const uint64_t add = mid << 32, l = x0 * y0 + add;
    *hi = x1 * y1 + (mid >> 32) + (l < add);
    *lo = l;
#endif
}

/* Adds the product x * y, computed exactly in integers (no rounding to a
   double first): exact whenever the product is a multiple of 2^-1074
   (always when x and y are multiples of 2^-537, e.g. both of magnitude
   >= 2^-485 or zero, as a training weight times a feature value); a
   product with bits below 2^-1074 is first rounded to that grid, to
   nearest, ties to even, as a double product would be in the subnormal
   range. A product of magnitude >= 2^1024 counts as an infinity of its
   sign (as the double product would); inf * 0 and NaN give NaN. */
static inline void cr_exact_add_product(cr_exact *a, double x, double y)
{
    uint64_t ux, uy;
    memcpy(&ux, &x, sizeof ux);
    memcpy(&uy, &y, sizeof uy);
    const uint32_t ex = (uint32_t)(ux >> 52) & 0x7ff, ey = (uint32_t)(uy >> 52) & 0x7ff;
    const uint32_t nx = ex != 0, ny = ey != 0;
    const uint64_t mx = (ux & 0xfffffffffffffull) | (uint64_t)nx << 52, my = (uy & 0xfffffffffffffull) | (uint64_t)ny << 52;
    /* x * y = mx * my * 2^q units; mx * my < 2^106, so q <= 1992 keeps it
       below 2^2098 units. A zero factor adds zeros at q = 0 (no branch). */
    const uint32_t nonzero = (uint32_t)0 - (uint32_t)((mx != 0) & (my != 0));
    const uint32_t q = ((ex - nx) + (ey - ny) - 1074) & nonzero; /* q < 0 wraps: above 1992 */
    if (__builtin_expect((ex == 0x7ff) | (ey == 0x7ff) | (q > 1992) | (a->pending >= CR_EXACT_PENDING_MAX), 0)) {
        cr_exact_add_product_slow(a, x, y);
        return;
    }
    a->pending++; /* the chunks get < 2^42 each */
    uint64_t hi, lo;
    cr_exact_mul53(mx, my, &hi, &lo);
    const int64_t neg = -(int64_t)((ux ^ uy) >> 63);
    /* The product shifted by r, cut at the chunks' 32-bit boundaries: bits
       [0, 32) to chunk i, [32, 64) to i + 1, [64, 96) to i + 2, the rest
       (< 2^42) to i + 3: four different chunks, no chain between them. */
    const uint32_t i = q >> 5, r = q & 31, t = 32 - r;
    const uint64_t mid = hi << 32 | lo >> 32; /* bits 32..95 of the product */
    const int64_t c0 = (int64_t)((lo << r) & 0xffffffffu);
    const int64_t c1 = (int64_t)(((lo >> t) | (hi << (64 - t))) & 0xffffffffu);
    const int64_t c2 = (int64_t)((mid >> t) & 0xffffffffu), c3 = (int64_t)(hi >> t);
    a->chunk[i] += (c0 ^ neg) - neg;
    a->chunk[i + 1] += (c1 ^ neg) - neg;
    a->chunk[i + 2] += (c2 ^ neg) - neg;
    a->chunk[i + 3] += (c3 ^ neg) - neg;
}

/* The exact sum, correctly rounded to nearest (ties to even); see above. */
CR_HIDDEN double cr_exact_round(const cr_exact *a);

/* into += from (exactly): into then holds the sum of both histories.
   into == from is allowed (doubles it). */
CR_HIDDEN void cr_exact_merge(cr_exact *into, const cr_exact *from);

/* Writes the canonical CR_EXACT_BYTES bytes of a to out; returns
   CR_EXACT_BYTES. Layout (little-endian): "CRX", a state byte (0 finite,
   1 +inf, 2 -inf, 3 NaN), chunks 0..65 as 32-bit unsigned integers, chunk
   66 as a signed 64-bit integer in (-2^61, 2^61); all chunks are zero
   unless the state is 0. */
CR_HIDDEN size_t cr_exact_save(const cr_exact *a, unsigned char *out);
/* Reads what cr_exact_save wrote: 0 on success; nonzero (a left as it was)
   unless n == CR_EXACT_BYTES and the bytes are a canonical saved form. */
CR_HIDDEN int cr_exact_load(cr_exact *a, const unsigned char *in, size_t n);

/* The same canonical form, trimmed for sums that span a few chunks (a
   weight sum: ~11-15 bytes): the state byte, the index of the first nonzero
   32-bit word of the saved chunks (68 words: 66 chunks, the top's two) and
   the count of words up to the last nonzero one, then those words. At most
   CR_EXACT_COMPACT_MAX bytes; returns the size. */
#define CR_EXACT_COMPACT_MAX (3 + 4 * 68)
CR_HIDDEN size_t cr_exact_save_compact(const cr_exact *a, unsigned char *out);
/* Reads one compact form from in[0..avail): 0 and *used on success; nonzero
   (a left as it was) unless the bytes start with a canonical compact form. */
CR_HIDDEN int cr_exact_load_compact(cr_exact *a, const unsigned char *in, size_t avail, size_t *used);

#endif
